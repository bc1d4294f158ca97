//! `GET /api/v1/search`: the network's needs and offers (and the directory), for anyone; a token of an organisation
//! also finds the network-only listings shared with it.

use std::collections::BTreeMap;

use axum::{
    Json,
    extract::{FromRequestParts, Query, State},
    http::{header, request::Parts},
};
use serde::Serialize;
use utoipa::{IntoParams, ToSchema};

use super::{ApiToken, ErrorBody};
use crate::{
    domain::{
        error::AppResult,
        search::{self, SearchParams},
    },
    state::AppState,
};

/// The query string of a search (every parameter optional).
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct SearchQueryDoc {
    /// Free text, in Arabic or English: every word must match, in any of its forms. Quotes, colons, brackets and
    /// operators are plain characters.
    q: Option<String>,
    /// `need`, `offer` or `organisation` (default: needs and offers).
    kind: Option<String>,
    /// Sector code, e.g. `shelter`.
    sector: Option<String>,
    /// Region code, e.g. `PS-GZA`: that region and everything inside it.
    region: Option<String>,
    /// Status codes, comma-separated (`open`, `partly-met`, `met`, `cancelled`, `active`, `withdrawn`, `expired`),
    /// or `any`. Default: `open,partly-met,active`.
    status: Option<String>,
    /// Urgency codes, comma-separated (`low`, `medium`, `high`, `critical`).
    urgency: Option<String>,
    /// Origin organisation: a slug of this node, or an actor URL.
    org: Option<String>,
    /// `relevance` (default), `urgency` or `recency`.
    sort: Option<String>,
    /// Page, from 1 (at most 500, and no further than the 10,000th result).
    page: Option<String>,
    /// Results a page, 1 to 100 (default 20).
    per_page: Option<String>,
    /// Needed by on or after this day (YYYY-MM-DD).
    needed_from: Option<String>,
    /// Needed by on or before this day (YYYY-MM-DD).
    needed_until: Option<String>,
}

/// One result.
#[derive(Debug, Serialize, ToSchema)]
pub struct SearchItem {
    /// The listing's id: its address on its origin node.
    pub id: String,
    /// `need`, `offer` or `organisation`.
    pub kind: String,
    /// The origin organisation's actor URL.
    pub origin: String,
    /// Its name.
    pub origin_name: String,
    /// Item (for an organisation: its Arabic name).
    pub item: String,
    /// Public summary (for an organisation: its description).
    pub summary: String,
    /// Sector code (for an organisation: its sectors, separated by spaces).
    pub sector: String,
    /// Region code (the finest the origin shares), empty when unknown.
    pub region_code: String,
    /// The region's path, country first.
    pub region_path: Vec<String>,
    /// Unit of the quantities.
    pub unit: String,
    /// Quantity asked (needs) or available (offers).
    pub quantity: u64,
    /// Quantity met so far.
    pub quantity_met: u64,
    /// `low`, `medium`, `high` or `critical`.
    pub urgency: String,
    /// Status code.
    pub status: String,
    /// Needed by (needs) or available until (offers).
    pub needed_by: Option<chrono::NaiveDate>,
    /// Whether the origin's signature over the listing was verified.
    pub verified: bool,
    /// Where to read it.
    pub url: String,
    /// An excerpt with the matched words in `<b>` (HTML, escaped), empty without free text.
    pub snippet: String,
}

/// Counts of the whole result set.
#[derive(Debug, Serialize, ToSchema)]
pub struct SearchFacets {
    /// Per sector code.
    pub sector: BTreeMap<String, u64>,
    /// Per region one level below the `region` asked for (countries without one).
    pub region: BTreeMap<String, u64>,
}

/// A page of results.
#[derive(Debug, Serialize, ToSchema)]
pub struct SearchResponse {
    /// How many match in all.
    pub total: usize,
    /// This page.
    pub items: Vec<SearchItem>,
    /// Facet counts.
    pub facets: SearchFacets,
}

/// The organisations whose network-only entries the caller may see: the token's, when one is sent (a bad one is
/// 401).
async fn viewer(parts: &mut Parts, state: &AppState) -> AppResult<Vec<i64>> {
    if parts.headers.get(header::AUTHORIZATION).is_none() {
        return Ok(Vec::new());
    }
    let token = ApiToken::from_request_parts(parts, state).await?;
    Ok(vec![token.org_id()])
}

impl From<sanad_search::index::Hit> for SearchItem {
    fn from(h: sanad_search::index::Hit) -> Self {
        let l = h.listing;
        Self {
            id: l.id,
            kind: l.kind,
            origin: l.origin,
            origin_name: l.origin_name,
            item: l.item,
            summary: l.summary,
            sector: l.sector,
            region_code: l.region_path.last().cloned().unwrap_or_default(),
            region_path: l.region_path,
            unit: l.unit,
            quantity: l.quantity,
            quantity_met: l.quantity_met,
            urgency: search::urgency_code(l.urgency).to_owned(),
            status: l.status,
            needed_by: l.needed_by_day.and_then(|d| {
                chrono::NaiveDate::default().checked_add_signed(chrono::Duration::days(d))
            }),
            verified: l.verified,
            url: l.url,
            snippet: h.snippet,
        }
    }
}

/// Searches the needs and offers this node knows (its own and those its organisations receive), and the directory
/// of organisations. No token needed: without one, public entries only.
#[utoipa::path(get, path = "/api/v1/search", tag = "search",
    params(SearchQueryDoc),
    security((), ("bearer" = [])),
    responses((status = 200, body = SearchResponse), (status = 401, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn search(
    State(state): State<AppState>,
    mut parts: Parts,
) -> AppResult<Json<SearchResponse>> {
    let Query(params) = Query::<SearchParams>::try_from_uri(&parts.uri)
        .map_err(|_| crate::domain::error::AppError::BadRequest("err-bad-request"))?;
    let viewer_orgs = viewer(&mut parts, &state).await?;
    let q = search::query(&state.db, &state.network, &params, viewer_orgs, &state.search.index())
        .await?;
    let found = state.search.search(&q).map_err(crate::domain::error::AppError::internal)?;
    Ok(Json(SearchResponse {
        total: found.total,
        items: found.hits.into_iter().map(Into::into).collect(),
        facets: SearchFacets {
            sector: found.sectors.into_iter().collect(),
            region: found.regions.into_iter().collect(),
        },
    }))
}
