//! `/api/v1/orgs`: the organisation a token belongs to.

use axum::{Json, extract::State};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{ApiJson, ApiToken, ErrorBody, Scoped};
use crate::{
    domain::accounts::{self, OrgFields, OrgProfile},
    domain::error::{AppResult, FieldErrors},
    domain::tenancy::OrgScope,
    infra::entities::organisation,
    state::AppState,
    vocab::Sector,
};

/// An organisation as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrgResponse {
    /// Short name used in addresses.
    pub slug: String,
    /// Name in Arabic.
    pub name_ar: String,
    /// Name in English.
    pub name_en: String,
    /// What the organisation does.
    pub description: String,
    /// The caller's role in it.
    pub role: String,
    /// Sectors it works in.
    pub sectors: Vec<String>,
    /// Region codes it serves.
    pub regions_served: Vec<String>,
    /// Website.
    pub website: String,
    /// Public contact e-mail.
    pub contact_email: String,
    /// Registration number in the national registry of associations.
    pub registration_number: String,
    /// Whether follow requests are accepted without approval.
    pub auto_accept_follows: bool,
    /// Its ActivityPub actor (`slug@host` for WebFinger).
    pub actor: String,
}

fn response(state: &AppState, scope: &OrgScope, org: &organisation::Model) -> OrgResponse {
    let p = accounts::profile_of(org);
    OrgResponse {
        slug: org.slug.clone(),
        name_ar: org.name_ar.clone(),
        name_en: org.name_en.clone(),
        description: org.description.clone(),
        role: scope.role().as_str().to_owned(),
        sectors: p.sectors.iter().map(|s| s.as_str().to_owned()).collect(),
        regions_served: p.regions_served,
        website: p.website,
        contact_email: p.contact_email,
        registration_number: p.registration_number,
        auto_accept_follows: p.auto_accept_follows,
        actor: state.network.urls.org(&org.slug).to_string(),
    }
}

/// An organisation's name, description and public profile, all replaced (org admins).
#[derive(Debug, Deserialize, ToSchema)]
pub struct OrgRequest {
    /// Name in Arabic.
    pub name_ar: String,
    /// Name in English.
    pub name_en: String,
    /// What the organisation does.
    #[serde(default)]
    pub description: String,
    /// Sector codes.
    #[serde(default)]
    pub sectors: Vec<String>,
    /// Region codes served.
    #[serde(default)]
    pub regions_served: Vec<String>,
    /// Website (http:// or https://).
    #[serde(default)]
    pub website: String,
    /// Public contact e-mail.
    #[serde(default)]
    pub contact_email: String,
    /// Registration number.
    #[serde(default)]
    pub registration_number: String,
    /// Accept follow requests without approval.
    #[serde(default)]
    pub auto_accept_follows: bool,
}

/// Changes the organisation's name, description and public profile (its followers receive the new actor).
#[utoipa::path(put, path = "/api/v1/orgs/{slug}", tag = "organisations", request_body = OrgRequest,
    params(("slug" = String, Path, description = "organisation slug")),
    responses((status = 200, body = OrgResponse), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 415, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    Scoped(scope): Scoped,
    ApiJson(body): ApiJson<OrgRequest>,
) -> AppResult<Json<OrgResponse>> {
    let mut errors = FieldErrors::default();
    let sectors = body
        .sectors
        .iter()
        .filter_map(|s| crate::http::input::choice::<Sector>(&mut errors, "sectors", s))
        .collect();
    errors.into_result(())?;
    let fields = OrgFields {
        slug: scope.org().slug.clone(),
        name_ar: body.name_ar,
        name_en: body.name_en,
        description: body.description,
        profile: OrgProfile {
            sectors,
            regions_served: body.regions_served,
            website: body.website,
            contact_email: body.contact_email,
            registration_number: body.registration_number,
            auto_accept_follows: body.auto_accept_follows,
        },
    };
    let org = state.write(async |uow| accounts::update_org(uow, &scope, &fields).await).await?;
    Ok(Json(response(&state, &scope, &org)))
}

/// The organisations the token may act in (exactly one: tokens are scoped to one organisation).
#[utoipa::path(get, path = "/api/v1/orgs", tag = "organisations",
    responses((status = 200, body = Vec<OrgResponse>), (status = 401, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    token: ApiToken,
) -> AppResult<Json<Vec<OrgResponse>>> {
    use sea_orm::EntityTrait;
    let org = crate::infra::entities::organisation::Entity::find_by_id(token.org_id())
        .one(&state.db)
        .await?
        .ok_or(crate::domain::error::AppError::Unauthorized)?;
    let scope = token.scope(&state, &org.slug).await?;
    Ok(Json(vec![response(&state, &scope, &org)]))
}

/// One organisation.
#[utoipa::path(get, path = "/api/v1/orgs/{slug}", tag = "organisations",
    params(("slug" = String, Path, description = "organisation slug")),
    responses((status = 200, body = OrgResponse), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn show(
    State(state): State<AppState>,
    Scoped(scope): Scoped,
) -> AppResult<Json<OrgResponse>> {
    Ok(Json(response(&state, &scope, scope.org())))
}
