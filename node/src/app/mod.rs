//! The application: bootstrap (open, migrate and seed the database), the shared state built on it (with the node's
//! keys, see `crate::state`), and the server with graceful shutdown.

pub mod bootstrap;
pub mod server;

use std::{net::SocketAddr, time::Duration};

use anyhow::Context;
use tokio::net::TcpListener;

use crate::{config::Config, state::AppState};

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
        let db = bootstrap::open_database(&config).await?;
        let state = AppState::build(config, db).await?;
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
        crate::domain::accounts::setup_link(&self.state.db, public_url)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))
    }

    /// Serves until `shutdown` resolves, then finishes in-flight requests and closes the pool.
    pub async fn run_until(
        self,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let db = self.state.db.clone();
        let http = self.state.config.http.clone();
        let app = crate::http::router(self.state);
        server::serve(self.listener, app, &http, shutdown).await;
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
