//! `/search`: the donor's entry point. Anyone finds the network's public needs and offers (and the directory of
//! organisations) by words, sector and region; facets are plain links, so it works without JavaScript. Signed-in
//! staff also find the network-only listings shared with their organisations.

use askama::Template;
use axum::{extract::State, http::Uri, response::Response};
use url::form_urlencoded;

use super::{PageCtx, Regions, render};
use crate::{
    domain::{
        accounts,
        error::{AppError, AppResult, FieldErrors},
        search::{self, SearchParams},
    },
    state::AppState,
};

/// A link of the page (a facet, a removable filter, another page).
struct Link {
    label: String,
    count: u64,
    href: String,
    current: bool,
}

/// One result as the page shows it.
struct Row {
    kind: String,
    item: String,
    summary: String,
    snippet: String,
    origin_name: String,
    sector: String,
    region: String,
    unit: String,
    quantity: u64,
    quantity_met: u64,
    urgency: String,
    status: String,
    needed_by: String,
    verified: bool,
    url: String,
}

#[derive(Template)]
#[template(path = "search/page.html")]
struct SearchPage {
    ctx: PageCtx,
    params: SearchParams,
    errors: FieldErrors,
    total: usize,
    rows: Vec<Row>,
    sectors: Vec<Link>,
    regions: Vec<Link>,
    filters: Vec<Link>,
    previous: Option<String>,
    next: Option<String>,
    staff: bool,
}

impl SearchPage {
    fn value<'a>(&self, v: &'a Option<String>) -> &'a str {
        v.as_deref().unwrap_or_default()
    }
}

/// The page's address with `changes` applied to the current parameters (an empty value removes one); the page
/// number goes back to the first unless it is what changes.
fn href(p: &SearchParams, changes: &[(&str, &str)]) -> String {
    let mut pairs: Vec<(&str, String)> = [
        ("q", &p.q),
        ("kind", &p.kind),
        ("sector", &p.sector),
        ("region", &p.region),
        ("status", &p.status),
        ("urgency", &p.urgency),
        ("org", &p.org),
        ("sort", &p.sort),
        ("per_page", &p.per_page),
        ("needed_from", &p.needed_from),
        ("needed_until", &p.needed_until),
        ("page", &p.page),
    ]
    .into_iter()
    .filter_map(|(k, v)| v.as_deref().filter(|v| !v.trim().is_empty()).map(|v| (k, v.to_owned())))
    .filter(|(k, _)| *k != "page")
    .collect();
    for (key, value) in changes {
        pairs.retain(|(k, _)| k != key);
        if !value.is_empty() {
            pairs.push((key, (*value).to_owned()));
        }
    }
    let mut s = form_urlencoded::Serializer::new(String::new());
    for (k, v) in &pairs {
        s.append_pair(k, v);
    }
    format!("/search?{}", s.finish())
}

/// `GET /search`.
pub async fn page(State(state): State<AppState>, ctx: PageCtx, uri: Uri) -> AppResult<Response> {
    let axum::extract::Query(params) = axum::extract::Query::<SearchParams>::try_from_uri(&uri)
        .map_err(|_| AppError::BadRequest("err-bad-request"))?;
    let viewer_orgs = match &ctx.user {
        Some(user) => accounts::memberships_of(&state.db, user.id)
            .await?
            .into_iter()
            .map(|(org, _)| org.id)
            .collect(),
        None => Vec::new(),
    };
    let staff = !viewer_orgs.is_empty();
    let lang = ctx.tr.lang;
    let (errors, found, q) =
        match search::query(&state.db, &state.network, &params, viewer_orgs, &state.search.index())
            .await
        {
            Ok(q) => {
                let found = state.search.search(&q).map_err(AppError::internal)?;
                (FieldErrors::default(), found, Some(q))
            }
            Err(AppError::Validation(errors)) => (errors, Default::default(), None),
            Err(e) => return Err(e),
        };
    let mut codes: Vec<String> = found.regions.iter().map(|(c, _)| c.clone()).collect();
    codes.extend(found.hits.iter().filter_map(|h| h.listing.region_path.last().cloned()));
    codes.extend(params.region.clone());
    let labels = Regions::in_use(&state, lang, &codes).await?;
    let region_label = |code: &str| labels.label(code);
    let sectors = found
        .sectors
        .iter()
        .map(|(code, n)| Link {
            label: ctx.term("sector", code),
            count: *n,
            href: href(&params, &[("sector", code)]),
            current: params.sector.as_deref() == Some(code),
        })
        .collect();
    let regions = found
        .regions
        .iter()
        .map(|(code, n)| Link {
            label: region_label(code),
            count: *n,
            href: href(&params, &[("region", code)]),
            current: false,
        })
        .collect();
    let mut filters = Vec::new();
    for (key, value, label) in [
        ("sector", &params.sector, params.sector.as_deref().map(|s| ctx.term("sector", s))),
        ("region", &params.region, params.region.as_deref().map(region_label)),
        ("org", &params.org, params.org.clone()),
        ("urgency", &params.urgency, params.urgency.as_deref().map(|u| ctx.term("urgency", u))),
    ] {
        if let (Some(_), Some(label)) = (value.as_deref().filter(|v| !v.is_empty()), label) {
            filters.push(Link {
                label,
                count: 0,
                href: href(&params, &[(key, "")]),
                current: true,
            });
        }
    }
    let page = q.as_ref().map_or(1, |q| q.page);
    let per_page = q.as_ref().map_or(20, |q| q.per_page);
    let previous = (page > 1).then(|| href(&params, &[("page", &(page - 1).to_string())]));
    let next = (page * per_page < found.total.min(search::MAX_OFFSET) && page < 500)
        .then(|| href(&params, &[("page", &(page + 1).to_string())]));
    let rows = found
        .hits
        .into_iter()
        .map(|h| {
            let l = h.listing;
            Row {
                sector: l
                    .sector
                    .split(' ')
                    .filter(|s| !s.is_empty())
                    .map(|s| ctx.term("sector", s))
                    .collect::<Vec<_>>()
                    .join("، "),
                region: l.region_path.last().map(|c| region_label(c)).unwrap_or_default(),
                urgency: ctx.term("urgency", search::urgency_code(l.urgency)),
                status: if l.kind == "offer" {
                    ctx.term("offer-status", &l.status)
                } else {
                    ctx.term("need-status", &l.status)
                },
                needed_by: l
                    .needed_by_day
                    .and_then(|d| {
                        chrono::NaiveDate::default().checked_add_signed(chrono::Duration::days(d))
                    })
                    .map(|d| d.to_string())
                    .unwrap_or_default(),
                kind: l.kind,
                item: l.item,
                summary: l.summary,
                snippet: h.snippet,
                origin_name: l.origin_name,
                unit: l.unit,
                quantity: l.quantity,
                quantity_met: l.quantity_met,
                verified: l.verified,
                url: l.url,
            }
        })
        .collect();
    Ok(render(&SearchPage {
        ctx,
        params,
        errors,
        total: found.total,
        rows,
        sectors,
        regions,
        filters,
        previous,
        next,
        staff,
    }))
}
