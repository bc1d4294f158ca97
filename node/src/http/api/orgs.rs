//! `/api/v1/orgs`: the organisation a token belongs to.

use axum::{Json, extract::State};
use serde::Serialize;
use utoipa::ToSchema;

use super::{ApiToken, ErrorBody, Scoped};
use crate::{domain::error::AppResult, domain::tenancy::OrgScope, state::AppState};

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
}

fn response(scope: &OrgScope) -> OrgResponse {
    let org = scope.org();
    OrgResponse {
        slug: org.slug.clone(),
        name_ar: org.name_ar.clone(),
        name_en: org.name_en.clone(),
        description: org.description.clone(),
        role: scope.role().as_str().to_owned(),
    }
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
    Ok(Json(vec![response(&scope)]))
}

/// One organisation.
#[utoipa::path(get, path = "/api/v1/orgs/{slug}", tag = "organisations",
    params(("slug" = String, Path, description = "organisation slug")),
    responses((status = 200, body = OrgResponse), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn show(Scoped(scope): Scoped) -> AppResult<Json<OrgResponse>> {
    Ok(Json(response(&scope)))
}
