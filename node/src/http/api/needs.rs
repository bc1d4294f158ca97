//! `/api/v1/orgs/{slug}/needs`: needs of households and communities.

use axum::{
    Json,
    extract::{Path, Query, State},
    response::Response,
};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{ApiJson, ErrorBody, Page, Scoped, created};
use crate::{
    domain::{
        error::{AppResult, Input},
        needs::{self, NeedFields},
    },
    http::{input, queries::NeedQuery},
    infra::entities::need,
    state::AppState,
    vocab::Visibility,
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

impl NeedRequest {
    fn input(self) -> Input<NeedFields> {
        Input::read(|errors| NeedFields {
            case_id: self.case_id,
            sector: input::choice(errors, "sector", &self.sector),
            item: self.item,
            quantity: Some(self.quantity),
            unit: self.unit,
            quantity_met: self.quantity_met,
            urgency: input::choice(errors, "urgency", &self.urgency),
            region_code: self.region_code.unwrap_or_default(),
            needed_by: input::optional_date(
                errors,
                "needed_by",
                &self.needed_by.unwrap_or_default(),
            ),
            public_summary: self.public_summary.unwrap_or_default(),
            visibility: input::choice_or(
                errors,
                "visibility",
                &self.visibility.unwrap_or_default(),
                Visibility::Private,
            ),
            cancelled: self.cancelled,
        })
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
    /// How much other organisations committed and have not delivered yet.
    pub quantity_committed: i64,
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
            sector: n.sector.to_string(),
            item: n.item,
            quantity: n.quantity,
            unit: n.unit,
            quantity_met: n.quantity_met,
            quantity_committed: n.quantity_committed,
            urgency: n.urgency.to_string(),
            region_code: n.region_code,
            needed_by: n.needed_by,
            public_summary: n.public_summary,
            status: n.status.to_string(),
            visibility: n.visibility.to_string(),
            created_at: n.created_at,
            updated_at: n.updated_at,
        }
    }
}

/// The organisation's needs, newest first, 50 per page.
#[utoipa::path(get, path = "/api/v1/orgs/{slug}/needs", tag = "needs",
    params(("slug" = String, Path, description = "organisation slug"), NeedQuery),
    responses((status = 200, body = Page<NeedResponse>), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    Scoped(scope): Scoped,
    Query(query): Query<NeedQuery>,
) -> AppResult<Json<Page<NeedResponse>>> {
    let filter = query.filter();
    let (rows, total) = needs::list(&state.db, &scope, &filter).await?;
    Ok(Json(Page { items: rows.into_iter().map(Into::into).collect(), total, page: filter.page }))
}

/// Records a need.
#[utoipa::path(post, path = "/api/v1/orgs/{slug}/needs", tag = "needs", request_body = NeedRequest,
    params(("slug" = String, Path, description = "organisation slug")),
    responses((status = 201, body = NeedResponse), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 413, body = ErrorBody), (status = 415, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    Scoped(scope): Scoped,
    ApiJson(body): ApiJson<NeedRequest>,
) -> AppResult<Response> {
    let need = state.write(async |uow| needs::create(uow, &scope, body.input()).await).await?;
    Ok(created(NeedResponse::from(need)))
}

/// One need.
#[utoipa::path(get, path = "/api/v1/orgs/{slug}/needs/{id}", tag = "needs",
    params(("slug" = String, Path, description = "organisation slug"), ("id" = i64, Path, description = "need id")),
    responses((status = 200, body = NeedResponse), (status = 404, body = ErrorBody)))]
pub async fn show(
    State(state): State<AppState>,
    Scoped(scope): Scoped,
    Path((_, id)): Path<(String, i64)>,
) -> AppResult<Json<NeedResponse>> {
    Ok(Json(needs::get(&state.db, &scope, id).await?.into()))
}

/// Replaces a need; its status follows the quantity met.
#[utoipa::path(put, path = "/api/v1/orgs/{slug}/needs/{id}", tag = "needs", request_body = NeedRequest,
    params(("slug" = String, Path, description = "organisation slug"), ("id" = i64, Path, description = "need id")),
    responses((status = 200, body = NeedResponse), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    Scoped(scope): Scoped,
    Path((_, id)): Path<(String, i64)>,
    ApiJson(body): ApiJson<NeedRequest>,
) -> AppResult<Json<NeedResponse>> {
    let need = state.write(async |uow| needs::update(uow, &scope, id, body.input()).await).await?;
    Ok(Json(need.into()))
}
