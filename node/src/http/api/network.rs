//! `/api/v1/orgs/{slug}/followers`, `…/following` and `…/network/*`: the organisation's place in the network.

use activitypub_federation::config::Data;
use axum::{
    Json,
    extract::{Path, Query, State},
    http::StatusCode,
    response::{IntoResponse, Response},
};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{ApiJson, ErrorBody, Scoped};
use crate::{
    domain::{
        error::AppResult,
        network::{
            Network, actors, follows,
            follows::FollowView,
            received::{self, NetworkFilter, NetworkItem},
        },
    },
    state::AppState,
    vocab::FollowDirection,
};

/// A follow, either way.
#[derive(Debug, Serialize, ToSchema)]
pub struct FollowResponse {
    /// Id, for accept, reject and undo.
    pub id: i64,
    /// The remote actor's id (URL).
    pub actor: String,
    /// Its display name.
    pub name: String,
    /// Its host.
    pub host: String,
    /// `pending`, `accepted` or `rejected`.
    pub state: String,
    /// When it was asked.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

impl From<FollowView> for FollowResponse {
    fn from(f: FollowView) -> Self {
        Self {
            id: f.id,
            actor: f.actor,
            name: f.name,
            host: f.host,
            state: f.state.as_str().to_owned(),
            created_at: f.created_at,
            updated_at: f.updated_at,
        }
    }
}

/// A list of follows.
#[derive(Debug, Serialize, ToSchema)]
pub struct FollowList {
    /// The follows, newest first.
    pub items: Vec<FollowResponse>,
}

/// What to follow.
#[derive(Debug, Deserialize, ToSchema)]
pub struct FollowRequest {
    /// The actor's URL, or `slug@host`.
    pub actor: String,
}

async fn follow_list(
    state: &AppState,
    scope: &crate::domain::tenancy::OrgScope,
    d: FollowDirection,
) -> AppResult<Json<FollowList>> {
    let items = follows::list(&state.db, scope, d).await?;
    Ok(Json(FollowList { items: items.into_iter().map(Into::into).collect() }))
}

/// Who follows the organisation (pending requests included).
#[utoipa::path(get, path = "/api/v1/orgs/{slug}/followers", tag = "network",
    params(("slug" = String, Path, description = "organisation slug")),
    responses((status = 200, body = FollowList), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn followers(
    State(state): State<AppState>,
    Scoped(scope): Scoped,
) -> AppResult<Json<FollowList>> {
    follow_list(&state, &scope, FollowDirection::Follower).await
}

/// Whom the organisation follows, with the state of each request.
#[utoipa::path(get, path = "/api/v1/orgs/{slug}/following", tag = "network",
    params(("slug" = String, Path, description = "organisation slug")),
    responses((status = 200, body = FollowList), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn following(
    State(state): State<AppState>,
    Scoped(scope): Scoped,
) -> AppResult<Json<FollowList>> {
    follow_list(&state, &scope, FollowDirection::Following).await
}

async fn answer(
    state: &AppState,
    scope: &crate::domain::tenancy::OrgScope,
    id: i64,
    accept: bool,
) -> AppResult<Json<FollowResponse>> {
    let net = state.network.clone();
    let view = state.write(async |uow| follows::answer(uow, &net, scope, id, accept).await).await?;
    Ok(Json(view.into()))
}

/// Accepts a follow request (org admins): the follower then receives what the organisation shares.
#[utoipa::path(post, path = "/api/v1/orgs/{slug}/followers/{id}/accept", tag = "network",
    params(("slug" = String, Path, description = "organisation slug"), ("id" = i64, Path, description = "follow id")),
    responses((status = 200, body = FollowResponse), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
pub async fn accept(
    State(state): State<AppState>,
    Scoped(scope): Scoped,
    Path((_, id)): Path<(String, i64)>,
) -> AppResult<Json<FollowResponse>> {
    answer(&state, &scope, id, true).await
}

/// Refuses a follow request, or removes an accepted follower (org admins).
#[utoipa::path(post, path = "/api/v1/orgs/{slug}/followers/{id}/reject", tag = "network",
    params(("slug" = String, Path, description = "organisation slug"), ("id" = i64, Path, description = "follow id")),
    responses((status = 200, body = FollowResponse), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
pub async fn reject(
    State(state): State<AppState>,
    Scoped(scope): Scoped,
    Path((_, id)): Path<(String, i64)>,
) -> AppResult<Json<FollowResponse>> {
    answer(&state, &scope, id, false).await
}

/// Asks to follow another organisation (org admins): its actor URL, or `slug@host`.
#[utoipa::path(post, path = "/api/v1/orgs/{slug}/following", tag = "network", request_body = FollowRequest,
    params(("slug" = String, Path, description = "organisation slug")),
    responses((status = 201, body = FollowResponse), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn follow(
    State(state): State<AppState>,
    data: Data<Network>,
    Scoped(scope): Scoped,
    ApiJson(body): ApiJson<FollowRequest>,
) -> AppResult<Response> {
    scope.require(crate::domain::tenancy::Perm::ManageOrg)?;
    let actor = actors::resolve(&data, &body.actor).await?;
    let net = state.network.clone();
    let view = state.write(async |uow| follows::follow(uow, &net, &scope, &actor).await).await?;
    Ok((StatusCode::CREATED, Json(FollowResponse::from(view))).into_response())
}

/// Stops following (sends `Undo`).
#[utoipa::path(delete, path = "/api/v1/orgs/{slug}/following/{id}", tag = "network",
    params(("slug" = String, Path, description = "organisation slug"), ("id" = i64, Path, description = "follow id")),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn unfollow(
    State(state): State<AppState>,
    Scoped(scope): Scoped,
    Path((_, id)): Path<(String, i64)>,
) -> AppResult<StatusCode> {
    let net = state.network.clone();
    state.write(async |uow| follows::unfollow(uow, &net, &scope, id).await).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Filters of the network lists.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct NetworkQuery {
    /// Sector code.
    #[serde(default)]
    pub sector: Option<String>,
    /// Region code (the region and everything inside it).
    #[serde(default)]
    pub region: Option<String>,
    /// Status code.
    #[serde(default)]
    pub status: Option<String>,
    /// Origin organisation's actor URL.
    #[serde(default)]
    pub origin: Option<String>,
}

impl NetworkQuery {
    /// As a domain filter (blank values ignored, long ones cut).
    pub fn filter(&self) -> NetworkFilter {
        let clean = |v: &Option<String>| {
            v.as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| s.chars().take(512).collect())
        };
        NetworkFilter {
            sector: clean(&self.sector),
            region: clean(&self.region),
            status: clean(&self.status),
            origin: clean(&self.origin),
        }
    }
}

/// A need or offer received from the network.
#[derive(Debug, Serialize, ToSchema)]
pub struct NetworkItemResponse {
    /// Its id (address on the origin node).
    pub id: String,
    /// The origin organisation.
    pub origin: Origin,
    /// Item.
    pub item: String,
    /// Public summary.
    pub summary: String,
    /// Sector code (`other` when the origin did not say).
    pub sector: String,
    /// Unit.
    pub unit: String,
    /// Quantity asked or offered.
    pub quantity: i64,
    /// Still missing (needs) or available (offers).
    pub quantity_available: i64,
    /// Met so far.
    pub quantity_met: i64,
    /// Committed by organisations and not yet delivered (needs).
    pub quantity_committed: i64,
    /// Region code, when known.
    pub region_code: Option<String>,
    /// Urgency.
    pub urgency: String,
    /// Needed by (needs) or available until (offers).
    pub needed_by: Option<NaiveDate>,
    /// Status.
    pub status: String,
    /// Household-size band.
    pub household_band: Option<String>,
    /// Whether the origin's Ed25519 proof verified.
    pub proof_verified: bool,
    /// When it was first received.
    pub received_at: DateTime<Utc>,
    /// When it last changed on the origin.
    pub updated_at: DateTime<Utc>,
}

/// The organisation a listing comes from.
#[derive(Debug, Serialize, ToSchema)]
pub struct Origin {
    /// Actor URL.
    pub id: String,
    /// Name.
    pub name: String,
    /// Host.
    pub host: String,
}

impl From<NetworkItem> for NetworkItemResponse {
    fn from(i: NetworkItem) -> Self {
        Self {
            id: i.id,
            origin: Origin { id: i.origin, name: i.origin_name, host: i.origin_host },
            item: i.item,
            summary: i.summary,
            sector: i.sector,
            unit: i.unit,
            quantity: i.quantity,
            quantity_available: i.quantity_available,
            quantity_met: i.quantity_met,
            quantity_committed: i.quantity_committed,
            region_code: i.region_code,
            urgency: i.urgency,
            needed_by: i.needed_by,
            status: i.status,
            household_band: i.household_band,
            proof_verified: i.proof_verified,
            received_at: i.received_at,
            updated_at: i.updated_at,
        }
    }
}

/// A list of received listings.
#[derive(Debug, Serialize, ToSchema)]
pub struct NetworkList {
    /// Newest change first.
    pub items: Vec<NetworkItemResponse>,
}

async fn network_list(
    state: &AppState,
    scope: &crate::domain::tenancy::OrgScope,
    kind: &str,
    q: &NetworkQuery,
) -> AppResult<Json<NetworkList>> {
    let items = received::list(&state.db, scope, kind, &q.filter()).await?;
    Ok(Json(NetworkList { items: items.into_iter().map(Into::into).collect() }))
}

/// Needs the organisation receives from the organisations it follows.
#[utoipa::path(get, path = "/api/v1/orgs/{slug}/network/needs", tag = "network",
    params(("slug" = String, Path, description = "organisation slug"), NetworkQuery),
    responses((status = 200, body = NetworkList), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn needs(
    State(state): State<AppState>,
    Scoped(scope): Scoped,
    Query(q): Query<NetworkQuery>,
) -> AppResult<Json<NetworkList>> {
    network_list(&state, &scope, "need", &q).await
}

/// Offers the organisation receives from the organisations it follows.
#[utoipa::path(get, path = "/api/v1/orgs/{slug}/network/offers", tag = "network",
    params(("slug" = String, Path, description = "organisation slug"), NetworkQuery),
    responses((status = 200, body = NetworkList), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn offers(
    State(state): State<AppState>,
    Scoped(scope): Scoped,
    Query(q): Query<NetworkQuery>,
) -> AppResult<Json<NetworkList>> {
    network_list(&state, &scope, "offer", &q).await
}
