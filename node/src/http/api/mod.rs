//! The JSON API under `/api/v1`, authenticated with organisation-scoped bearer tokens, described by an OpenAPI
//! document generated from the code at `/api/v1/openapi.json`.

mod cases;
mod commitments;
mod needs;
mod network;
mod orgs;
mod pledges;
mod search;
mod stock;

use std::collections::BTreeMap;

use axum::{
    Json, Router,
    body::Bytes,
    extract::{FromRequest, FromRequestParts, Request, State},
    http::{StatusCode, header, request::Parts},
    middleware::Next,
    response::{IntoResponse, Response},
};
use serde::{Serialize, de::DeserializeOwned};
use tower_http::set_header::SetResponseHeaderLayer;
use utoipa::{
    Modify, OpenApi, ToSchema,
    openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme},
};

use crate::{
    domain::auth,
    domain::error::{AppError, AppResult},
    domain::tenancy::OrgScope,
    http::{
        error::{RenderedError, body_error, keep_headers},
        request::request_lang,
    },
    i18n::Tr,
    infra::entities::api_token,
    state::AppState,
};

crate::http::declare_routes! {
    /// Every API route as (method, path below `/api/v1`), in the order the router declares them.
    ROUTES, api_routes;
    "/openapi.json" => get(openapi_json);
    "/orgs" => get(orgs::list);
    "/orgs/{slug}" => get(orgs::show), put(orgs::update);
    "/orgs/{slug}/cases" => get(cases::list), post(cases::create);
    "/orgs/{slug}/cases/{id}" => get(cases::show), put(cases::update);
    "/orgs/{slug}/cases/{id}/close" => post(cases::close);
    "/orgs/{slug}/cases/{id}/reopen" => post(cases::reopen);
    "/orgs/{slug}/cases/{id}/notes" => get(cases::notes), post(cases::add_note);
    "/orgs/{slug}/needs" => get(needs::list), post(needs::create);
    "/orgs/{slug}/needs/{id}" => get(needs::show), put(needs::update);
    "/orgs/{slug}/items" => get(stock::list_items), post(stock::create_item);
    "/orgs/{slug}/items/{id}" => put(stock::update_item);
    "/orgs/{slug}/items/{id}/card" => get(stock::card);
    "/orgs/{slug}/items/{id}/lots" => get(stock::lots);
    "/orgs/{slug}/stock/expiring" => get(stock::expiring);
    "/orgs/{slug}/stock/low" => get(stock::low_stock);
    "/orgs/{slug}/warehouses" => get(stock::list_warehouses), post(stock::create_warehouse);
    "/orgs/{slug}/stock" => get(stock::balances);
    "/orgs/{slug}/movements" => post(stock::record_movement);
    "/orgs/{slug}/distributions" => get(stock::list_distributions), post(stock::create_distribution);
    "/orgs/{slug}/distributions/bulk" => post(stock::bulk_distribute);
    "/orgs/{slug}/distributions/{id}" => get(stock::show_distribution);
    "/orgs/{slug}/distributions/{id}/reverse" => post(stock::reverse_distribution);
    "/orgs/{slug}/offers" => get(stock::list_offers), post(stock::create_offer);
    "/orgs/{slug}/offers/{id}/withdraw" => post(stock::withdraw_offer);
    "/orgs/{slug}/reports/monthly" => get(stock::monthly_report);
    "/orgs/{slug}/followers" => get(network::followers);
    "/orgs/{slug}/followers/{id}/accept" => post(network::accept);
    "/orgs/{slug}/followers/{id}/reject" => post(network::reject);
    "/orgs/{slug}/following" => get(network::following), post(network::follow);
    "/orgs/{slug}/following/{id}" => delete(network::unfollow);
    "/orgs/{slug}/network/needs" => get(network::needs);
    "/orgs/{slug}/network/offers" => get(network::offers);
    "/orgs/{slug}/commitments" => get(commitments::list), post(commitments::create);
    "/orgs/{slug}/commitments/{id}" => get(commitments::show);
    "/orgs/{slug}/commitments/{id}/accept" => post(commitments::accept);
    "/orgs/{slug}/commitments/{id}/reject" => post(commitments::reject);
    "/orgs/{slug}/commitments/{id}/send" => post(commitments::send);
    "/orgs/{slug}/commitments/{id}/confirm" => post(commitments::confirm);
    "/orgs/{slug}/commitments/{id}/cancel" => post(commitments::cancel);
    "/orgs/{slug}/pledges" => get(pledges::list);
    "/orgs/{slug}/pledges/{id}/accept" => post(pledges::accept);
    "/orgs/{slug}/pledges/{id}/decline" => post(pledges::decline);
    "/orgs/{slug}/pledges/{id}/receive" => post(pledges::receive);
    "/search" => get(search::search);
}

/// The API routes, mounted at `/api/v1`.
pub fn router(state: AppState) -> Router<AppState> {
    api_routes()
        .fallback(|| async { AppError::NotFound })
        .layer(crate::http::request::time_limits(&state.config.http).0)
        .layer(crate::http::request::time_limits(&state.config.http).1)
        .layer(axum::middleware::from_fn_with_state(state, render_errors))
        // API answers carry personal data (cases, notes): never stored by browsers or shared caches.
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            header::HeaderValue::from_static("no-store"),
        ))
}

/// The OpenAPI document.
#[derive(OpenApi)]
#[openapi(
    info(title = "Sanad node API", description = "Cases and needs of the organisations hosted on a Sanad node."),
    paths(
        orgs::list, orgs::show, orgs::update,
        cases::list, cases::create, cases::show, cases::update, cases::close, cases::reopen, cases::notes,
        cases::add_note,
        needs::list, needs::create, needs::show, needs::update,
        stock::list_items, stock::create_item, stock::update_item, stock::card, stock::lots, stock::expiring,
        stock::low_stock,
        stock::list_warehouses, stock::create_warehouse, stock::balances, stock::record_movement,
        stock::create_distribution, stock::list_distributions, stock::show_distribution, stock::reverse_distribution,
        stock::bulk_distribute, stock::list_offers, stock::create_offer, stock::withdraw_offer, stock::monthly_report,
        network::followers, network::accept, network::reject, network::following, network::follow, network::unfollow,
        network::needs, network::offers,
        commitments::list, commitments::create, commitments::show, commitments::accept, commitments::reject,
        commitments::send, commitments::confirm, commitments::cancel,
        pledges::list, pledges::accept, pledges::decline, pledges::receive,
        search::search,
    ),
    components(schemas(ErrorBody, ErrorDetail)),
    modifiers(&BearerAuth),
    security(("bearer" = []))
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("token from `sanad token create`"))
                    .build(),
            ),
        );
    }
}

async fn openapi_json() -> Response {
    Json(ApiDoc::openapi()).into_response()
}

/// The OpenAPI document as JSON (what `/api/v1/openapi.json` serves).
pub fn openapi_document() -> serde_json::Value {
    serde_json::to_value(ApiDoc::openapi()).unwrap_or_default()
}

/// The error body of every failed API request.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// What went wrong.
    pub error: ErrorDetail,
}

/// What went wrong.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable machine-readable code, e.g. `validation_failed`, `not_found`, `forbidden`.
    pub code: String,
    /// A sentence in the caller's language (`Accept-Language`).
    pub message: String,
    /// For validation errors: the message for each invalid field.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fields: Option<BTreeMap<String, String>>,
}

/// Renders every error response of the API as JSON in the caller's language, including rejections produced by axum
/// itself (bad path parameters, wrong method).
async fn render_errors(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let tr = Tr::new(state.catalogue.clone(), request_lang(request.headers()));
    let response = next.run(request).await;
    let status = response.status();
    let headers = response.headers().clone();
    if crate::http::error::passes_through(&response, "application/json") {
        return response;
    }
    let rendered = RenderedError::of(&response);
    let fields = (!rendered.fields.is_empty())
        .then(|| rendered.fields.iter().map(|f| (f.field.clone(), tr.t(f.code))).collect());
    let body = ErrorBody {
        error: ErrorDetail {
            code: rendered.code.to_owned(),
            message: tr.t(rendered.message_key),
            fields,
        },
    };
    let mut out = (status, Json(body)).into_response();
    keep_headers(&headers, out.headers_mut());
    if status == StatusCode::UNAUTHORIZED {
        out.headers_mut()
            .insert(header::WWW_AUTHENTICATE, header::HeaderValue::from_static("Bearer"));
    }
    out
}

/// The API token presented by the caller.
#[derive(Debug)]
pub struct ApiToken(api_token::Model);

impl ApiToken {
    /// The caller's scope in the organisation `slug` (404 if the token is not of that organisation).
    pub async fn scope(&self, state: &AppState, slug: &str) -> AppResult<OrgScope> {
        OrgScope::for_token(&state.db, &self.0, slug).await
    }

    /// The organisation the token belongs to.
    pub fn org_id(&self) -> i64 {
        self.0.org_id
    }
}

impl FromRequestParts<AppState> for ApiToken {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let value = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        // The scheme is case-insensitive (RFC 9110 §11.1): `Bearer`, `bearer` and `BEARER` are one scheme.
        let token = match value.trim().split_once(' ') {
            Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") => token.trim(),
            _ => "",
        };
        if token.is_empty() {
            return Err(AppError::Unauthorized);
        }
        Ok(ApiToken(auth::bearer_token(&state.db, token).await?))
    }
}

/// The caller's scope in the organisation named by the route's `{slug}`, checked before anything else of the request
/// is read: a token of another organisation gets 404 whatever the body.
#[derive(Debug)]
pub struct Scoped(pub OrgScope);

impl FromRequestParts<AppState> for Scoped {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let token = ApiToken::from_request_parts(parts, state).await?;
        let slug = crate::http::request::slug(parts).await?;
        Ok(Scoped(token.scope(state, &slug).await?))
    }
}

/// A JSON body: 415 unless `Content-Type: application/json`, 413 over the limit, 400 if it is not JSON, 422 naming
/// the field when a value has the wrong type.
#[derive(Debug)]
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for ApiJson<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let json =
            req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(
                |v| {
                    let mime = v.split(';').next().unwrap_or_default().trim();
                    mime == "application/json"
                        || (mime.starts_with("application/") && mime.ends_with("+json"))
                },
            );
        if !json {
            return Err(AppError::UnsupportedMediaType);
        }
        let body = Bytes::from_request(req, state).await.map_err(body_error)?;
        let mut de = serde_json::Deserializer::from_slice(&body);
        match serde_path_to_error::deserialize::<_, T>(&mut de) {
            Ok(value) => {
                de.end().map_err(|_| AppError::BadRequest("err-malformed-json"))?;
                Ok(ApiJson(value))
            }
            Err(err) => {
                let inner = err.inner();
                if inner.is_syntax() || inner.is_eof() || inner.is_io() {
                    return Err(AppError::BadRequest("err-malformed-json"));
                }
                let path = err.path().to_string();
                let mut errors = crate::domain::error::FieldErrors::default();
                let field = if path == "." { missing_field(&inner.to_string()) } else { path };
                let code = if inner.to_string().starts_with("missing field") {
                    "err-required"
                } else {
                    "err-json-type"
                };
                errors.add(field.trim_start_matches('.'), code);
                Err(AppError::Validation(errors))
            }
        }
    }
}

fn missing_field(message: &str) -> String {
    message.split('`').nth(1).unwrap_or("body").to_owned()
}

/// A page of results.
#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T> {
    /// The items of this page.
    pub items: Vec<T>,
    /// How many items match in all.
    pub total: u64,
    /// This page's number, from 1.
    pub page: u64,
}

/// 201 Created with a JSON body.
pub fn created<T: Serialize>(value: T) -> Response {
    (StatusCode::CREATED, Json(value)).into_response()
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_openapi_document_describes_exactly_the_routes_served() {
        let doc = super::openapi_document();
        let mut described: Vec<(String, String)> = Vec::new();
        for (path, operations) in doc["paths"].as_object().unwrap() {
            for method in operations.as_object().unwrap().keys() {
                described.push((method.clone(), path.trim_start_matches("/api/v1").to_owned()));
            }
        }
        let mut served: Vec<(String, String)> = super::ROUTES
            .iter()
            .filter(|(_, path)| *path != "/openapi.json")
            .map(|(m, p)| ((*m).to_owned(), (*p).to_owned()))
            .collect();
        described.sort();
        served.sort();
        assert_eq!(described, served);
    }

    #[test]
    fn openapi_document_lists_every_route() {
        use utoipa::OpenApi;
        let doc = serde_json::to_value(super::ApiDoc::openapi()).unwrap();
        for path in
            ["/api/v1/orgs", "/api/v1/orgs/{slug}/cases/{id}", "/api/v1/orgs/{slug}/needs/{id}"]
        {
            assert!(doc["paths"].get(path).is_some(), "{path} missing");
        }
        assert!(doc["components"]["schemas"].get("CaseRequest").is_some());
    }
}
