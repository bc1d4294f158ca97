//! Operations endpoints: `/healthz`, `/readyz`, `/metrics` (Prometheus), and the request metrics middleware.

use std::time::Instant;

use axum::{
    Json, Router,
    extract::{MatchedPath, Request, State},
    http::{StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
    routing::get,
};
use sea_orm::DbBackend;

use crate::state::AppState;

/// The operations routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
}

async fn healthz() -> impl IntoResponse {
    Json(serde_json::json!({ "status": "ok" }))
}

async fn readyz(State(state): State<AppState>) -> Response {
    let database = state.db.ping().await.is_ok();
    let migrations =
        database && crate::infra::db::migrations_current(&state.db).await.unwrap_or(false);
    let status =
        if database && migrations { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    let body = serde_json::json!({
        "status": if status == StatusCode::OK { "ready" } else { "not ready" },
        "database": database,
        "migrations_current": migrations,
    });
    (status, Json(body)).into_response()
}

async fn metrics(State(state): State<AppState>) -> Response {
    let (size, idle) = match state.db.get_database_backend() {
        DbBackend::Sqlite => {
            let pool = state.db.get_sqlite_connection_pool();
            (i64::from(pool.size()), pool.num_idle() as i64)
        }
        DbBackend::Postgres => {
            let pool = state.db.get_postgres_connection_pool();
            (i64::from(pool.size()), pool.num_idle() as i64)
        }
        _ => (0, 0),
    };
    state.metrics.set_pool(size, idle);
    if let Ok(peers) = crate::domain::network::peers::status(&state.db).await {
        let now = chrono::Utc::now();
        let figures: Vec<_> = peers
            .into_iter()
            .map(|p| crate::infra::metrics::PeerFigures {
                pending: p.pending as i64,
                oldest_pending_seconds: p
                    .oldest_pending
                    .map_or(0, |t| (now - t).num_seconds().max(0)),
                delivered: p.delivered,
                failed: p.failed,
                rejected: p.rejected,
                dead: p.state == crate::vocab::PeerState::Dead,
                host: p.host,
            })
            .collect();
        state.metrics.set_peers(&figures);
    }
    let Some(body) = state.metrics.encode() else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    ([(header::CONTENT_TYPE, "application/openmetrics-text; version=1.0.0; charset=utf-8")], body)
        .into_response()
}

/// Counts requests and times them, labelled by the matched route (never the raw path, to bound cardinality).
pub async fn track(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = match request.method().as_str() {
        m @ ("GET" | "HEAD" | "POST" | "PUT" | "PATCH" | "DELETE" | "OPTIONS") => m.to_owned(),
        _ => "other".to_owned(),
    };
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "unmatched".to_owned());
    let response = next.run(request).await;
    let elapsed = started.elapsed().as_secs_f64();
    let status = response.status().as_u16();
    state.metrics.observe_request(method, route, status, elapsed);
    response
}
