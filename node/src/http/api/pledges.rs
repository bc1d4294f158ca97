//! `/api/v1/orgs/{slug}/pledges`: what donors pledged to the organisation's needs (personal data: the donor's name
//! and contact; readable by the organisation's members only).

use axum::{
    Json,
    extract::{Path, Query, State},
};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{ApiJson, ErrorBody, Scoped};
use crate::{
    domain::{
        error::{AppResult, Input},
        pledges::{self, ReceiptFields},
        tenancy::OrgScope,
    },
    http::input,
    infra::entities::pledge,
    state::AppState,
    vocab::PledgeStatus,
};

/// A donor's pledge.
#[derive(Debug, Serialize, ToSchema)]
pub struct PledgeResponse {
    /// Id.
    pub id: i64,
    /// The need it is for.
    pub need_id: i64,
    /// `goods` or `money`.
    pub kind: String,
    /// Goods: how much, in the need's unit.
    pub quantity: Option<i64>,
    /// Money: how much.
    pub amount: Option<i64>,
    /// Money: the currency.
    pub currency: String,
    /// The donor's name.
    pub donor_name: String,
    /// The donor's telephone or e-mail.
    pub donor_contact: String,
    /// The donor's note.
    pub note: String,
    /// `proposed`, `accepted`, `declined` or `received`.
    pub status: String,
    /// The organisation's message to the donor.
    pub answer: String,
    /// The stock receipt it became.
    pub receipt_movement_id: Option<i64>,
    /// When it was made.
    pub created_at: DateTime<Utc>,
}

impl From<pledge::Model> for PledgeResponse {
    fn from(p: pledge::Model) -> Self {
        Self {
            id: p.id,
            need_id: p.need_id,
            kind: p.kind.as_str().to_owned(),
            quantity: p.quantity,
            amount: p.amount,
            currency: p.currency,
            donor_name: p.donor_name,
            donor_contact: p.donor_contact,
            note: p.note,
            status: p.status.as_str().to_owned(),
            answer: p.answer,
            receipt_movement_id: p.receipt_movement_id,
            created_at: p.created_at,
        }
    }
}

/// The organisation's pledges.
#[derive(Debug, Serialize, ToSchema)]
pub struct PledgeList {
    /// Newest first.
    pub items: Vec<PledgeResponse>,
}

/// Filter of the pledge list.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PledgeQuery {
    /// Only this status.
    #[serde(default)]
    pub status: Option<String>,
}

/// A message to the donor.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct AnswerRequest {
    /// Up to 1000 characters.
    #[serde(default)]
    pub message: String,
}

/// Where a pledge that arrived is booked (item and warehouse required).
#[derive(Debug, Deserialize, ToSchema)]
pub struct PledgeReceiptRequest {
    /// The catalogue item.
    #[serde(default)]
    pub item_id: Option<i64>,
    /// The warehouse.
    #[serde(default)]
    pub warehouse_id: Option<i64>,
    /// How much arrived (the pledged quantity or amount when omitted).
    #[serde(default)]
    pub quantity: Option<i64>,
    /// Its expiry date, `YYYY-MM-DD` (required for an item that expires).
    #[serde(default)]
    pub expiry: Option<String>,
}

/// The organisation's pledges, newest first.
#[utoipa::path(get, path = "/api/v1/orgs/{slug}/pledges", tag = "pledges",
    params(("slug" = String, Path, description = "organisation slug"), PledgeQuery),
    responses((status = 200, body = PledgeList), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    Scoped(scope): Scoped,
    Query(q): Query<PledgeQuery>,
) -> AppResult<Json<PledgeList>> {
    let Input { value: status, errors } = Input::read(|errors| {
        input::optional_choice::<PledgeStatus>(
            errors,
            "status",
            q.status.as_deref().unwrap_or_default(),
        )
    });
    let status = errors.into_result(status)?;
    let rows = pledges::list(&state.db, &scope, status).await?;
    Ok(Json(PledgeList { items: rows.into_iter().map(|(p, _)| p.into()).collect() }))
}

async fn answer(
    state: &AppState,
    scope: &OrgScope,
    id: i64,
    accept: bool,
    message: &str,
) -> AppResult<Json<PledgeResponse>> {
    let net = state.network.clone();
    let p = state
        .write(async |uow| pledges::answer(uow, &net, scope, id, accept, message).await)
        .await?;
    Ok(Json(p.into()))
}

/// Accepts a pledge, with a message for the donor.
#[utoipa::path(post, path = "/api/v1/orgs/{slug}/pledges/{id}/accept", tag = "pledges", request_body = AnswerRequest,
    params(("slug" = String, Path, description = "organisation slug"), ("id" = i64, Path, description = "pledge id")),
    responses((status = 200, body = PledgeResponse), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
pub async fn accept(
    State(state): State<AppState>,
    Scoped(scope): Scoped,
    Path((_, id)): Path<(String, i64)>,
    ApiJson(body): ApiJson<AnswerRequest>,
) -> AppResult<Json<PledgeResponse>> {
    answer(&state, &scope, id, true, &body.message).await
}

/// Declines a pledge, with a message for the donor.
#[utoipa::path(post, path = "/api/v1/orgs/{slug}/pledges/{id}/decline", tag = "pledges", request_body = AnswerRequest,
    params(("slug" = String, Path, description = "organisation slug"), ("id" = i64, Path, description = "pledge id")),
    responses((status = 200, body = PledgeResponse), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
pub async fn decline(
    State(state): State<AppState>,
    Scoped(scope): Scoped,
    Path((_, id)): Path<(String, i64)>,
    ApiJson(body): ApiJson<AnswerRequest>,
) -> AppResult<Json<PledgeResponse>> {
    answer(&state, &scope, id, false, &body.message).await
}

/// Records the arrival of an accepted pledge: a stock receipt from the donor, linked to the pledge.
#[utoipa::path(post, path = "/api/v1/orgs/{slug}/pledges/{id}/receive", tag = "pledges",
    request_body = PledgeReceiptRequest,
    params(("slug" = String, Path, description = "organisation slug"), ("id" = i64, Path, description = "pledge id")),
    responses((status = 200, body = PledgeResponse), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn receive(
    State(state): State<AppState>,
    Scoped(scope): Scoped,
    Path((_, id)): Path<(String, i64)>,
    ApiJson(body): ApiJson<PledgeReceiptRequest>,
) -> AppResult<Json<PledgeResponse>> {
    let input = Input::read(|errors| ReceiptFields {
        item_id: body.item_id,
        warehouse_id: body.warehouse_id,
        quantity: body.quantity,
        expiry: input::optional_date(errors, "expiry", body.expiry.as_deref().unwrap_or_default()),
    });
    let p = state.write(async |uow| pledges::receive(uow, &scope, id, input).await).await?;
    Ok(Json(p.into()))
}
