//! `/api/v1/orgs/{slug}/commitments`: commitments between the organisation and organisations of other nodes
//! (FEP-0837 agreements), on either side.

use axum::{
    Json,
    extract::{Path, Query, State},
    response::Response,
};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{ApiJson, ErrorBody, Scoped, created};
use crate::{
    domain::{
        error::{AppResult, Input},
        network::commitments::{self, CommitFields, ReceiveFields},
    },
    http::input,
    infra::entities::{commitment, commitment_event, remote_actor},
    state::AppState,
    vocab::CommitmentStatus,
};

/// A commitment to make: part of the organisation's stock to a need of another organisation, or a request for part
/// of its offer.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CommitRequest {
    /// The listing's object id (URL), as the network lists give it.
    pub listing: String,
    /// How much (at most what is still missing, or still available).
    pub quantity: i64,
    /// For a need: the catalogue item given.
    #[serde(default)]
    pub item_id: Option<i64>,
    /// For a need: the warehouse it leaves from.
    #[serde(default)]
    pub warehouse_id: Option<i64>,
    /// Due date, `YYYY-MM-DD` (in two weeks when omitted).
    #[serde(default)]
    pub due: Option<String>,
}

/// Why a commitment is rejected.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct RejectRequest {
    /// A reason the other organisation sees (up to 500 characters).
    #[serde(default)]
    pub reason: String,
}

/// Where goods received are booked (both required).
#[derive(Debug, Deserialize, ToSchema)]
pub struct ReceiveRequest {
    /// The catalogue item.
    #[serde(default)]
    pub item_id: Option<i64>,
    /// The warehouse they enter.
    #[serde(default)]
    pub warehouse_id: Option<i64>,
    /// Their expiry date, `YYYY-MM-DD` (required for an item that expires).
    #[serde(default)]
    pub expiry: Option<String>,
}

/// The other organisation.
#[derive(Debug, Serialize, ToSchema)]
pub struct Counterpart {
    /// Its actor URL.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Its node.
    pub host: String,
}

/// One change in a commitment's history.
#[derive(Debug, Serialize, ToSchema)]
pub struct HistoryEntry {
    /// When.
    pub at: DateTime<Utc>,
    /// `proposed`, `accepted`, `rejected`, `sent`, `received`, `expired` or `cancelled`.
    pub kind: String,
    /// The organisation that did it.
    pub by: String,
    /// The quantity.
    pub quantity: i64,
    /// A reason or note.
    pub note: String,
}

/// A commitment, as the organisation sees it.
#[derive(Debug, Serialize, ToSchema)]
pub struct CommitmentResponse {
    /// Id on this node.
    pub id: i64,
    /// `proposer` (the organisation answered a listing) or `owner` (the listing is the organisation's).
    pub role: String,
    /// `need` or `offer`.
    pub listing_kind: String,
    /// Whether the organisation provides the goods (and so sends them).
    pub provider: bool,
    /// The listing's object id.
    pub listing: String,
    /// The organisation's own need or offer, when the listing is its.
    pub need_id: Option<i64>,
    /// The organisation's own offer, when the listing is its.
    pub offer_id: Option<i64>,
    /// The other organisation.
    pub counterpart: Counterpart,
    /// What.
    pub item: String,
    /// Unit.
    pub unit: String,
    /// How much.
    pub quantity: i64,
    /// Due date.
    pub due: NaiveDate,
    /// `proposed`, `accepted`, `rejected`, `sent`, `received`, `expired` or `cancelled`.
    pub status: String,
    /// Why it was rejected.
    pub reason: String,
    /// The agreement's id once accepted.
    pub agreement: Option<String>,
    /// The provider's stock item and warehouse.
    pub item_id: Option<i64>,
    /// The provider's warehouse.
    pub warehouse_id: Option<i64>,
    /// The stock movement out (provider) once sent.
    pub transfer_out_id: Option<i64>,
    /// The stock movement in (receiver) once received.
    pub transfer_in_id: Option<i64>,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
    /// Its history, oldest first (in single answers only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub history: Option<Vec<HistoryEntry>>,
}

impl CommitmentResponse {
    fn of(c: commitment::Model, actor: Option<remote_actor::Model>) -> Self {
        let provider = commitments::provides(&c);
        let counterpart = actor.map_or(
            Counterpart { id: String::new(), name: String::new(), host: String::new() },
            |a| Counterpart { id: a.ap_id, name: a.name, host: a.host },
        );
        Self {
            id: c.id,
            role: c.role.as_str().to_owned(),
            listing_kind: c.listing_kind,
            provider,
            listing: c.listing_ap_id,
            need_id: c.need_id,
            offer_id: c.offer_id,
            counterpart,
            item: c.item,
            unit: c.unit,
            quantity: c.quantity,
            due: c.due,
            status: c.status.as_str().to_owned(),
            reason: commitments::reason_text(&c.reason).to_owned(),
            agreement: c.agreement_ap_id,
            item_id: c.item_id,
            warehouse_id: c.warehouse_id,
            transfer_out_id: c.transfer_out_id,
            transfer_in_id: c.transfer_in_id,
            created_at: c.created_at,
            updated_at: c.updated_at,
            history: None,
        }
    }

    fn with_history(mut self, events: Vec<commitment_event::Model>) -> Self {
        self.history = Some(
            events
                .into_iter()
                .map(|e| HistoryEntry {
                    at: e.at,
                    kind: e.kind,
                    by: e.by_name,
                    quantity: e.quantity,
                    note: commitments::reason_text(&e.note).to_owned(),
                })
                .collect(),
        );
        self
    }
}

/// Filters of the commitment list.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CommitmentQuery {
    /// Only this status.
    #[serde(default)]
    pub status: Option<String>,
}

/// The organisation's commitments.
#[derive(Debug, Serialize, ToSchema)]
pub struct CommitmentList {
    /// Newest first.
    pub items: Vec<CommitmentResponse>,
}

/// The organisation's commitments, both sides, newest first.
#[utoipa::path(get, path = "/api/v1/orgs/{slug}/commitments", tag = "commitments",
    params(("slug" = String, Path, description = "organisation slug"), CommitmentQuery),
    responses((status = 200, body = CommitmentList), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    Scoped(scope): Scoped,
    Query(q): Query<CommitmentQuery>,
) -> AppResult<Json<CommitmentList>> {
    let Input { value: status, errors } = Input::read(|errors| {
        input::optional_choice::<CommitmentStatus>(
            errors,
            "status",
            q.status.as_deref().unwrap_or_default(),
        )
    });
    let status = errors.into_result(status)?;
    let rows = commitments::list(&state.db, &scope, status).await?;
    Ok(Json(CommitmentList {
        items: rows.into_iter().map(|(c, a)| CommitmentResponse::of(c, a)).collect(),
    }))
}

/// Commits part of the organisation's stock to another organisation's need (or asks for part of its offer): an
/// `Offer` of an `Agreement` goes to that organisation, which accepts or rejects it.
#[utoipa::path(post, path = "/api/v1/orgs/{slug}/commitments", tag = "commitments", request_body = CommitRequest,
    params(("slug" = String, Path, description = "organisation slug")),
    responses((status = 201, body = CommitmentResponse), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    Scoped(scope): Scoped,
    ApiJson(body): ApiJson<CommitRequest>,
) -> AppResult<Response> {
    let fields = Input::read(|errors| CommitFields {
        listing: body.listing,
        quantity: Some(body.quantity),
        item_id: body.item_id,
        warehouse_id: body.warehouse_id,
        due: input::optional_date(errors, "due", body.due.as_deref().unwrap_or_default()),
    });
    let net = state.network.clone();
    let c = state.write(async |uow| commitments::propose(uow, &net, &scope, fields).await).await?;
    let (c, actor) = commitments::get(&state.db, &scope, c.id).await?;
    Ok(created(CommitmentResponse::of(c, Some(actor))))
}

async fn answer(
    state: &AppState,
    scope: &crate::domain::tenancy::OrgScope,
    id: i64,
) -> AppResult<Json<CommitmentResponse>> {
    let (c, actor) = commitments::get(&state.db, scope, id).await?;
    let events = commitments::events_of(&state.db, c.id).await?;
    Ok(Json(CommitmentResponse::of(c, Some(actor)).with_history(events)))
}

/// One commitment with its history.
#[utoipa::path(get, path = "/api/v1/orgs/{slug}/commitments/{id}", tag = "commitments",
    params(("slug" = String, Path, description = "organisation slug"), ("id" = i64, Path, description = "commitment id")),
    responses((status = 200, body = CommitmentResponse), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn show(
    State(state): State<AppState>,
    Scoped(scope): Scoped,
    Path((_, id)): Path<(String, i64)>,
) -> AppResult<Json<CommitmentResponse>> {
    scope.require(crate::domain::tenancy::Perm::Read)?;
    answer(&state, &scope, id).await
}

/// Accepts a commitment to one of the organisation's listings (refused, 409, when it would commit more than is
/// still missing).
#[utoipa::path(post, path = "/api/v1/orgs/{slug}/commitments/{id}/accept", tag = "commitments",
    params(("slug" = String, Path, description = "organisation slug"), ("id" = i64, Path, description = "commitment id")),
    responses((status = 200, body = CommitmentResponse), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
pub async fn accept(
    State(state): State<AppState>,
    Scoped(scope): Scoped,
    Path((_, id)): Path<(String, i64)>,
) -> AppResult<Json<CommitmentResponse>> {
    let net = state.network.clone();
    state.write(async |uow| commitments::accept(uow, &net, &scope, id).await).await?;
    answer(&state, &scope, id).await
}

/// Rejects a commitment to one of the organisation's listings, with a reason.
#[utoipa::path(post, path = "/api/v1/orgs/{slug}/commitments/{id}/reject", tag = "commitments",
    request_body = RejectRequest,
    params(("slug" = String, Path, description = "organisation slug"), ("id" = i64, Path, description = "commitment id")),
    responses((status = 200, body = CommitmentResponse), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn reject(
    State(state): State<AppState>,
    Scoped(scope): Scoped,
    Path((_, id)): Path<(String, i64)>,
    ApiJson(body): ApiJson<RejectRequest>,
) -> AppResult<Json<CommitmentResponse>> {
    let net = state.network.clone();
    state.write(async |uow| commitments::reject(uow, &net, &scope, id, &body.reason).await).await?;
    answer(&state, &scope, id).await
}

/// Withdraws a commitment the organisation made, before its goods were sent: the other organisation is told, and
/// what it held is freed on both sides.
#[utoipa::path(post, path = "/api/v1/orgs/{slug}/commitments/{id}/cancel", tag = "commitments",
    params(("slug" = String, Path, description = "organisation slug"), ("id" = i64, Path, description = "commitment id")),
    responses((status = 200, body = CommitmentResponse), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
pub async fn cancel(
    State(state): State<AppState>,
    Scoped(scope): Scoped,
    Path((_, id)): Path<(String, i64)>,
) -> AppResult<Json<CommitmentResponse>> {
    let net = state.network.clone();
    state.write(async |uow| commitments::cancel(uow, &net, &scope, id).await).await?;
    answer(&state, &scope, id).await
}

/// The provider records that the goods left: a transfer out of its stock, naming the other organisation.
#[utoipa::path(post, path = "/api/v1/orgs/{slug}/commitments/{id}/send", tag = "commitments",
    params(("slug" = String, Path, description = "organisation slug"), ("id" = i64, Path, description = "commitment id")),
    responses((status = 200, body = CommitmentResponse), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
pub async fn send(
    State(state): State<AppState>,
    Scoped(scope): Scoped,
    Path((_, id)): Path<(String, i64)>,
) -> AppResult<Json<CommitmentResponse>> {
    let net = state.network.clone();
    state.write(async |uow| commitments::send(uow, &net, &scope, id).await).await?;
    answer(&state, &scope, id).await
}

/// The receiver confirms the goods arrived: a transfer in naming the other organisation, which meets the need.
#[utoipa::path(post, path = "/api/v1/orgs/{slug}/commitments/{id}/confirm", tag = "commitments",
    request_body = ReceiveRequest,
    params(("slug" = String, Path, description = "organisation slug"), ("id" = i64, Path, description = "commitment id")),
    responses((status = 200, body = CommitmentResponse), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn confirm(
    State(state): State<AppState>,
    Scoped(scope): Scoped,
    Path((_, id)): Path<(String, i64)>,
    ApiJson(body): ApiJson<ReceiveRequest>,
) -> AppResult<Json<CommitmentResponse>> {
    let net = state.network.clone();
    let fields = Input::read(|errors| ReceiveFields {
        item_id: body.item_id,
        warehouse_id: body.warehouse_id,
        expiry: input::optional_date(errors, "expiry", body.expiry.as_deref().unwrap_or_default()),
    });
    state.write(async |uow| commitments::confirm(uow, &net, &scope, id, fields).await).await?;
    answer(&state, &scope, id).await
}
