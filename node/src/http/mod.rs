//! HTTP: everything that speaks it. Pages (`web`), the JSON API (`api`), operations endpoints (`ops`), and what they
//! share: the mapping of domain errors to statuses (`error`), cookies and language (`request`), downloads.
//!
//! **Architecture invariant:** handlers parse input into typed domain inputs, call one domain operation inside a unit
//! of work, and render the result; domain rules live in `crate::domain`.

/// Declares a surface's routes once: the router is built from the list, and the list (method, path) is public for
/// the tests that must cover every route (tenancy, and the API's agreement with its OpenAPI document).
macro_rules! declare_routes {
    ($(#[$doc:meta])* $list:ident, $build:ident;
     $($path:literal => $first:ident($handler:path) $(, $method:ident($more:path))*;)*) => {
        $(#[$doc])*
        pub const $list: &[(&str, &str)] =
            &[$((stringify!($first), $path), $((stringify!($method), $path),)*)*];

        fn $build() -> axum::Router<$crate::state::AppState> {
            axum::Router::new()$(.route($path, axum::routing::$first($handler)$(.$method($more))*))*
        }
    };
}
pub(crate) use declare_routes;

pub mod ap;
pub mod api;
pub mod download;
pub mod error;
pub mod input;
pub mod ops;
pub mod queries;
pub mod request;
pub mod web;

use axum::{
    Router,
    extract::DefaultBodyLimit,
    http::{HeaderName, HeaderValue, header},
};
use tower_http::{
    compression::CompressionLayer,
    request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer},
    set_header::SetResponseHeaderLayer,
    trace::TraceLayer,
};

use crate::state::AppState;

/// Pages load only our stylesheet, post only to us, and cannot be framed (clickjacking).
const CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// The whole router: web pages, the API, and the operations endpoints.
pub fn router(
    state: AppState,
    federation: activitypub_federation::config::FederationConfig<crate::domain::network::Network>,
) -> Router {
    let request_id = HeaderName::from_static("x-request-id");
    Router::new()
        .merge(web::router(state.clone()))
        .merge(
            ap::router()
                .layer(request::time_limits(&state.config.http).0)
                .layer(request::time_limits(&state.config.http).1),
        )
        .nest("/api/v1", api::router(state.clone()))
        .merge(
            ops::router()
                .layer(request::time_limits(&state.config.http).0)
                .layer(request::time_limits(&state.config.http).1),
        )
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            ops::track,
        ))
        .layer(DefaultBodyLimit::max(state.config.http.body_limit))
        .layer(activitypub_federation::config::FederationMiddleware::new(federation))
        // Pages and JSON are compressible text: a 15 KB list travels as about 3.5 KB.
        .layer(CompressionLayer::new().gzip(true))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CSP),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(TraceLayer::new_for_http().make_span_with(|request: &axum::http::Request<_>| {
            // The path only: query strings can carry search words such as a household's name.
            let id = request.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or_default();
            tracing::info_span!("request", method = %request.method(), path = %request.uri().path(), request_id = %id)
        }))
        .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid))
        .with_state(state)
}
