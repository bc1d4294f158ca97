//! `/api/v1/orgs/{slug}/needs`: needs of households and communities.

use axum::{
    Json,
    extract::{Path, Query, State},
    response::Response,
};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{ApiJson, ApiToken, ErrorBody, Page, created};
use crate::{
    domain::error::AppResult,
    domain::needs::{self, NeedDraft, NeedFilter},
    infra::entities::need,
    state::AppState,
};

/// A need to record or the new state of one.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NeedRequest {
    /// The household's case id; omit for a community need.
    #[serde(default)]
    pub case_id: Option<i64>,
    /// Sector: food, shelter, health, wash, education, protection, cash, nfi, livelihoods, psychosocial.
    pub sector: String,
    /// What is needed.
    pub item: String,
    /// How much (1 to 10,000,000).
    pub quantity: i64,
    /// Unit, e.g. `parcel`, `kg`.
    pub unit: String,
    /// How much has been provided (defaults to 0).
    #[serde(default)]
    pub quantity_met: Option<i64>,
    /// low, medium, high or critical.
    pub urgency: String,
    /// Region code; defaults to the household's region.
    #[serde(default)]
    pub region_code: Option<String>,
    /// Needed by, `YYYY-MM-DD`.
    #[serde(default)]
    pub needed_by: Option<String>,
    /// A public description with no personal detail.
    #[serde(default)]
    pub public_summary: Option<String>,
    /// private (default), network or public; sharing needs the household's consent.
    #[serde(default)]
    pub visibility: Option<String>,
    /// Cancels the need.
    #[serde(default)]
    pub cancelled: bool,
}

impl From<NeedRequest> for NeedDraft {
    fn from(r: NeedRequest) -> Self {
        NeedDraft {
            case_id: r.case_id.map(|c| c.to_string()).unwrap_or_default(),
            sector: r.sector,
            item: r.item,
            quantity: r.quantity.to_string(),
            unit: r.unit,
            quantity_met: r.quantity_met.map(|q| q.to_string()).unwrap_or_default(),
            urgency: r.urgency,
            region_code: r.region_code.unwrap_or_default(),
            needed_by: r.needed_by.unwrap_or_default(),
            public_summary: r.public_summary.unwrap_or_default(),
            visibility: r.visibility.unwrap_or_default(),
            cancelled: r.cancelled.then(|| "on".to_owned()),
        }
    }
}

/// A need as stored.
#[derive(Debug, Serialize, ToSchema)]
pub struct NeedResponse {
    /// Identifier within the node.
    pub id: i64,
    /// The household's case id, if any.
    pub case_id: Option<i64>,
    /// Sector.
    pub sector: String,
    /// What is needed.
    pub item: String,
    /// How much.
    pub quantity: i64,
    /// Unit.
    pub unit: String,
    /// How much has been provided.
    pub quantity_met: i64,
    /// Urgency.
    pub urgency: String,
    /// Region code.
    pub region_code: String,
    /// Needed by.
    pub needed_by: Option<NaiveDate>,
    /// Public description.
    pub public_summary: String,
    /// open, partly-met, met or cancelled.
    pub status: String,
    /// private, network or public.
    pub visibility: String,
    /// When recorded.
    pub created_at: DateTime<Utc>,
    /// When last changed.
    pub updated_at: DateTime<Utc>,
}

impl From<need::Model> for NeedResponse {
    fn from(n: need::Model) -> Self {
        NeedResponse {
            id: n.id,
            case_id: n.case_id,
            sector: n.sector,
            item: n.item,
            quantity: n.quantity,
            unit: n.unit,
            quantity_met: n.quantity_met,
            urgency: n.urgency,
            region_code: n.region_code,
            needed_by: n.needed_by,
            public_summary: n.public_summary,
            status: n.status,
            visibility: n.visibility,
            created_at: n.created_at,
            updated_at: n.updated_at,
        }
    }
}

/// The organisation's needs, newest first, 50 per page.
#[utoipa::path(get, path = "/api/v1/orgs/{slug}/needs", tag = "needs",
    params(("slug" = String, Path, description = "organisation slug"), NeedFilter),
    responses((status = 200, body = Page<NeedResponse>), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    token: ApiToken,
    Path(slug): Path<String>,
    Query(filter): Query<NeedFilter>,
) -> AppResult<Json<Page<NeedResponse>>> {
    let scope = token.scope(&state, &slug).await?;
    let (rows, total) = needs::list(&state.db, &scope, &filter).await?;
    Ok(Json(Page {
        items: rows.into_iter().map(Into::into).collect(),
        total,
        page: filter.page.unwrap_or(1).max(1),
    }))
}

/// Records a need.
#[utoipa::path(post, path = "/api/v1/orgs/{slug}/needs", tag = "needs", request_body = NeedRequest,
    params(("slug" = String, Path, description = "organisation slug")),
    responses((status = 201, body = NeedResponse), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 413, body = ErrorBody), (status = 415, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    token: ApiToken,
    Path(slug): Path<String>,
    ApiJson(body): ApiJson<NeedRequest>,
) -> AppResult<Response> {
    let scope = token.scope(&state, &slug).await?;
    let need = needs::create(&state.db, &scope, &body.into()).await?;
    Ok(created(NeedResponse::from(need)))
}

/// One need.
#[utoipa::path(get, path = "/api/v1/orgs/{slug}/needs/{id}", tag = "needs",
    params(("slug" = String, Path, description = "organisation slug"), ("id" = i64, Path, description = "need id")),
    responses((status = 200, body = NeedResponse), (status = 404, body = ErrorBody)))]
pub async fn show(
    State(state): State<AppState>,
    token: ApiToken,
    Path((slug, id)): Path<(String, i64)>,
) -> AppResult<Json<NeedResponse>> {
    let scope = token.scope(&state, &slug).await?;
    Ok(Json(needs::get(&state.db, &scope, id).await?.into()))
}

/// Replaces a need; its status follows the quantity met.
#[utoipa::path(put, path = "/api/v1/orgs/{slug}/needs/{id}", tag = "needs", request_body = NeedRequest,
    params(("slug" = String, Path, description = "organisation slug"), ("id" = i64, Path, description = "need id")),
    responses((status = 200, body = NeedResponse), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    token: ApiToken,
    Path((slug, id)): Path<(String, i64)>,
    ApiJson(body): ApiJson<NeedRequest>,
) -> AppResult<Json<NeedResponse>> {
    let scope = token.scope(&state, &slug).await?;
    Ok(Json(
        needs::update(&state.db, &scope, id, &body.into())
            .await?
            .into(),
    ))
}
