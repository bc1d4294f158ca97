//! `/api/v1/orgs/{slug}/cases`: households, their status and notes.

use axum::{
    Json,
    extract::{Path, Query, State},
    response::Response,
};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{ApiJson, ErrorBody, Page, Scoped, created};
use crate::{
    domain::{
        cases::{self, CaseFields},
        error::{AppResult, FieldErrors, Input},
    },
    http::{input, queries::CaseQuery},
    infra::entities::{case, case_note},
    state::AppState,
    vocab::CaseStatus,
};

/// A household to register or the new state of one.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CaseRequest {
    /// Head of household's full name (at most 200 characters).
    pub head_name: String,
    /// National id number.
    #[serde(default)]
    pub national_id: Option<String>,
    /// Phone number.
    #[serde(default)]
    pub phone: Option<String>,
    /// Address.
    #[serde(default)]
    pub address: Option<String>,
    /// Region code from the gazetteer, e.g. `PS-GZA`.
    pub region_code: String,
    /// People in the household (1-100).
    pub household_size: i64,
    /// Vulnerability codes, e.g. `elderly`, `disability`.
    #[serde(default)]
    pub vulnerabilities: Vec<String>,
    /// Consent to share anonymised needs with other charities.
    #[serde(default)]
    pub consent_share: bool,
    /// User id of the assigned caseworker.
    #[serde(default)]
    pub assigned_to: Option<i64>,
}

impl CaseRequest {
    fn input(self) -> Input<CaseFields> {
        let mut errors = FieldErrors::default();
        let vulnerabilities = input::choices(&mut errors, "vulnerabilities", &self.vulnerabilities);
        let value = CaseFields {
            head_name: self.head_name,
            national_id: self.national_id.unwrap_or_default(),
            phone: self.phone.unwrap_or_default(),
            address: self.address.unwrap_or_default(),
            region_code: self.region_code,
            household_size: Some(self.household_size),
            vulnerabilities,
            consent_share: self.consent_share,
            assigned_to: self.assigned_to,
        };
        Input { value, errors }
    }
}

/// A household as stored.
#[derive(Debug, Serialize, ToSchema)]
pub struct CaseResponse {
    /// Identifier within the node.
    pub id: i64,
    /// Head of household's full name.
    pub head_name: String,
    /// National id number.
    pub national_id: Option<String>,
    /// Phone number.
    pub phone: Option<String>,
    /// Address.
    pub address: Option<String>,
    /// Region code.
    pub region_code: String,
    /// People in the household.
    pub household_size: i64,
    /// Vulnerability codes.
    pub vulnerabilities: Vec<String>,
    /// Consent to share anonymised needs.
    pub consent_share: bool,
    /// When consent was given.
    pub consent_at: Option<DateTime<Utc>>,
    /// `open` or `closed`.
    pub status: String,
    /// Assigned caseworker's user id.
    pub assigned_to: Option<i64>,
    /// When registered.
    pub created_at: DateTime<Utc>,
    /// When last changed.
    pub updated_at: DateTime<Utc>,
}

impl From<case::Model> for CaseResponse {
    fn from(c: case::Model) -> Self {
        let vulnerabilities = cases::vulnerabilities(&c).iter().map(|v| v.to_string()).collect();
        CaseResponse {
            id: c.id,
            head_name: c.head_name,
            national_id: c.national_id,
            phone: c.phone,
            address: c.address,
            region_code: c.region_code,
            household_size: i64::from(c.household_size),
            vulnerabilities,
            consent_share: c.consent_share,
            consent_at: c.consent_at,
            status: c.status.to_string(),
            assigned_to: c.assigned_to,
            created_at: c.created_at,
            updated_at: c.updated_at,
        }
    }
}

/// A note on a case.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct NoteBody {
    /// The text (at most 5000 characters).
    pub body: String,
}

/// A stored note.
#[derive(Debug, Serialize, ToSchema)]
pub struct NoteResponse {
    /// Identifier.
    pub id: i64,
    /// Author's user id.
    pub author_id: i64,
    /// The text.
    pub body: String,
    /// When written.
    pub created_at: DateTime<Utc>,
}

impl From<case_note::Model> for NoteResponse {
    fn from(n: case_note::Model) -> Self {
        NoteResponse { id: n.id, author_id: n.author_id, body: n.body, created_at: n.created_at }
    }
}

/// The organisation's cases, newest first, 50 per page.
#[utoipa::path(get, path = "/api/v1/orgs/{slug}/cases", tag = "cases",
    params(("slug" = String, Path, description = "organisation slug"), CaseQuery),
    responses((status = 200, body = Page<CaseResponse>), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    Scoped(scope): Scoped,
    Query(query): Query<CaseQuery>,
) -> AppResult<Json<Page<CaseResponse>>> {
    let filter = query.filter();
    let (rows, total) = state.write(async |uow| cases::list(uow, &scope, &filter).await).await?;
    Ok(Json(Page { items: rows.into_iter().map(Into::into).collect(), total, page: filter.page }))
}

/// Registers a household.
#[utoipa::path(post, path = "/api/v1/orgs/{slug}/cases", tag = "cases", request_body = CaseRequest,
    params(("slug" = String, Path, description = "organisation slug")),
    responses((status = 201, body = CaseResponse), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 413, body = ErrorBody), (status = 415, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    Scoped(scope): Scoped,
    ApiJson(body): ApiJson<CaseRequest>,
) -> AppResult<Response> {
    let case = state.write(async |uow| cases::create(uow, &scope, body.input()).await).await?;
    Ok(created(CaseResponse::from(case)))
}

/// One household (the view is audited).
#[utoipa::path(get, path = "/api/v1/orgs/{slug}/cases/{id}", tag = "cases",
    params(("slug" = String, Path, description = "organisation slug"), ("id" = i64, Path, description = "case id")),
    responses((status = 200, body = CaseResponse), (status = 404, body = ErrorBody)))]
pub async fn show(
    State(state): State<AppState>,
    Scoped(scope): Scoped,
    Path((_, id)): Path<(String, i64)>,
) -> AppResult<Json<CaseResponse>> {
    let case = state.write(async |uow| cases::view(uow, &scope, id).await).await?;
    Ok(Json(case.into()))
}

/// Replaces a household's details.
#[utoipa::path(put, path = "/api/v1/orgs/{slug}/cases/{id}", tag = "cases", request_body = CaseRequest,
    params(("slug" = String, Path, description = "organisation slug"), ("id" = i64, Path, description = "case id")),
    responses((status = 200, body = CaseResponse), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    Scoped(scope): Scoped,
    Path((_, id)): Path<(String, i64)>,
    ApiJson(body): ApiJson<CaseRequest>,
) -> AppResult<Json<CaseResponse>> {
    let case = state.write(async |uow| cases::update(uow, &scope, id, body.input()).await).await?;
    Ok(Json(case.into()))
}

/// Closes a case.
#[utoipa::path(post, path = "/api/v1/orgs/{slug}/cases/{id}/close", tag = "cases",
    params(("slug" = String, Path, description = "organisation slug"), ("id" = i64, Path, description = "case id")),
    responses((status = 200, body = CaseResponse), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn close(
    State(state): State<AppState>,
    Scoped(scope): Scoped,
    Path((_, id)): Path<(String, i64)>,
) -> AppResult<Json<CaseResponse>> {
    set_status(&state, &scope, id, CaseStatus::Closed).await
}

/// Reopens a case.
#[utoipa::path(post, path = "/api/v1/orgs/{slug}/cases/{id}/reopen", tag = "cases",
    params(("slug" = String, Path, description = "organisation slug"), ("id" = i64, Path, description = "case id")),
    responses((status = 200, body = CaseResponse), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn reopen(
    State(state): State<AppState>,
    Scoped(scope): Scoped,
    Path((_, id)): Path<(String, i64)>,
) -> AppResult<Json<CaseResponse>> {
    set_status(&state, &scope, id, CaseStatus::Open).await
}

/// The notes of a case, oldest first.
#[utoipa::path(get, path = "/api/v1/orgs/{slug}/cases/{id}/notes", tag = "cases",
    params(("slug" = String, Path, description = "organisation slug"), ("id" = i64, Path, description = "case id")),
    responses((status = 200, body = Vec<NoteResponse>), (status = 404, body = ErrorBody)))]
pub async fn notes(
    State(state): State<AppState>,
    Scoped(scope): Scoped,
    Path((_, id)): Path<(String, i64)>,
) -> AppResult<Json<Vec<NoteResponse>>> {
    let notes = state.write(async |uow| cases::view_notes(uow, &scope, id).await).await?;
    Ok(Json(notes.into_iter().map(Into::into).collect()))
}

/// Adds a note to a case.
#[utoipa::path(post, path = "/api/v1/orgs/{slug}/cases/{id}/notes", tag = "cases", request_body = NoteBody,
    params(("slug" = String, Path, description = "organisation slug"), ("id" = i64, Path, description = "case id")),
    responses((status = 201, body = NoteResponse), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn add_note(
    State(state): State<AppState>,
    Scoped(scope): Scoped,
    Path((_, id)): Path<(String, i64)>,
    ApiJson(body): ApiJson<NoteBody>,
) -> AppResult<Response> {
    let note = state.write(async |uow| cases::add_note(uow, &scope, id, &body.body).await).await?;
    Ok(created(NoteResponse::from(note)))
}

async fn set_status(
    state: &AppState,
    scope: &crate::domain::tenancy::OrgScope,
    id: i64,
    status: CaseStatus,
) -> AppResult<Json<CaseResponse>> {
    let case = state.write(async |uow| cases::set_status(uow, scope, id, status).await).await?;
    Ok(Json(case.into()))
}
