//! The application: state, router and server (with graceful shutdown).

use std::{net::SocketAddr, sync::Arc, time::Duration};

use anyhow::Context;
use axum::{
    Router,
    extract::DefaultBodyLimit,
    http::{HeaderName, HeaderValue, header},
};
use sea_orm::DatabaseConnection;
use tokio::net::TcpListener;
use tower_http::{
    request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer},
    set_header::SetResponseHeaderLayer,
    trace::TraceLayer,
};

use crate::{auth::SigninLimiter, config::Config, db, i18n::Catalogue, ops::Metrics};

/// Everything handlers share; cheap to clone.
#[derive(Clone, Debug)]
pub struct AppState {
    /// The database pool.
    pub db: DatabaseConnection,
    /// The validated configuration.
    pub config: Arc<Config>,
    /// The translation catalogue.
    pub catalogue: Arc<Catalogue>,
    /// The node's secrets (HMAC key, Ed25519 key).
    pub secrets: Arc<db::NodeSecrets>,
    /// Prometheus metrics.
    pub metrics: Arc<Metrics>,
    /// Sign-in attempt limiter.
    pub signin_limiter: Arc<SigninLimiter>,
}

impl AppState {
    /// Connects to the database, migrates it, and loads or creates the node's secrets.
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        let db = db::connect(&config).await?;
        db::migrate(&db).await?;
        let secrets = db::node_secrets(&db).await?;
        Ok(Self {
            db,
            catalogue: Arc::new(Catalogue::load()?),
            secrets: Arc::new(secrets),
            metrics: Arc::new(Metrics::new()),
            signin_limiter: Arc::new(SigninLimiter::new(config.auth.signin_attempts_per_minute)?),
            config: Arc::new(config),
        })
    }
}

/// Pages load only our stylesheet, post only to us, and cannot be framed (clickjacking).
const CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// The whole router: web pages, the API, and the operations endpoints.
pub fn router(state: AppState) -> Router {
    let request_id = HeaderName::from_static("x-request-id");
    Router::new()
        .merge(crate::web::router(state.clone()))
        .nest("/api/v1", crate::api::router(state.clone()))
        .merge(crate::ops::router())
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::ops::track,
        ))
        .layer(DefaultBodyLimit::max(state.config.http.body_limit))
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

/// A bound, ready-to-run node.
#[derive(Debug)]
pub struct Application {
    listener: TcpListener,
    state: AppState,
}

impl Application {
    /// Builds the state and binds the configured address (port 0 picks a free port).
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        let addr = config.bind_addr()?;
        let state = AppState::build(config).await?;
        let listener = TcpListener::bind(addr)
            .await
            .with_context(|| format!("http.bind: cannot listen on {addr}"))?;
        Ok(Self { listener, state })
    }

    /// The address actually bound.
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// The shared state (for tests and the CLI).
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Prints the setup link when the node has no account yet.
    pub async fn announce_setup(&self, public_url: &str) -> anyhow::Result<Option<String>> {
        crate::accounts::setup_link(&self.state.db, public_url)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))
    }

    /// Serves until `shutdown` resolves, then finishes in-flight requests and closes the pool.
    pub async fn run_until(
        self,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let db = self.state.db.clone();
        let app = router(self.state).into_make_service_with_connect_info::<SocketAddr>();
        axum::serve(self.listener, app)
            .with_graceful_shutdown(shutdown)
            .await?;
        let _ = tokio::time::timeout(Duration::from_secs(5), db.close_by_ref()).await;
        Ok(())
    }
}

/// Resolves on SIGTERM or Ctrl-C.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}
