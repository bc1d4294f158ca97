//! The application: bootstrap (open, migrate and seed the database), the shared state built on it (with the node's
//! keys, see `crate::state`), and the server with graceful shutdown.

pub mod bootstrap;
pub mod delivery;
pub mod expiry;
pub mod federation;
pub mod indexer;
pub mod mailer;
pub mod server;

use std::{net::SocketAddr, time::Duration};

use anyhow::Context;
use tokio::net::TcpListener;

use activitypub_federation::config::FederationConfig;

use crate::{
    config::Config,
    domain::network::{KeyMaker, Network, keys},
    state::AppState,
};

/// A bound, ready-to-run node.
pub struct Application {
    listener: TcpListener,
    state: AppState,
    federation: FederationConfig<Network>,
    search: (sanad_search::service::Opened, indexer::Rebuilds),
}

impl std::fmt::Debug for Application {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Application").field("state", &self.state).finish_non_exhaustive()
    }
}

impl Application {
    /// Builds the state and binds the configured address (port 0 picks a free port).
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        Self::build_with(config, KeyMaker::fresh()).await
    }

    /// Builds with organisation keys taken from `keys` (a pool, in test suites).
    pub async fn build_with(mut config: Config, keys: KeyMaker) -> anyhow::Result<Self> {
        let addr = config.bind_addr()?;
        let listener = TcpListener::bind(addr)
            .await
            .with_context(|| format!("http.bind: cannot listen on {addr}"))?;
        // A public URL derived from a bind on port 0 names the port actually given (actor ids are built on it).
        if addr.port() == 0 && config.public_url == crate::config::derived_public_url(addr) {
            config.public_url = crate::config::derived_public_url(listener.local_addr()?);
        }
        let db = bootstrap::open_database(&config).await?;
        let (search, opened, rebuilds) = indexer::open(&config)?;
        let mut state = AppState::build(config, db, keys).await?;
        state.search = search;
        let federation = federation::config(state.network.clone()).await?;
        Ok(Self { listener, state, federation, search: (opened, rebuilds) })
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
        let net = self.state.network.clone();
        // Organisations created before federation existed get their keys now, and each new one as it is created;
        // in the background, since making an RSA key takes a moment.
        let mut created = net.events.subscribe();
        tokio::spawn(async move {
            match keys::ensure_all(&net.db, &net.keys).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(organisations = n, "made federation keys"),
                Err(e) => tracing::warn!("cannot make federation keys: {e}"),
            }
            loop {
                match created.recv().await {
                    Ok(crate::infra::events::Event::Organisation(id)) => {
                        if let Err(e) = keys::ensure(&net.db, &net.keys, id).await {
                            tracing::warn!(org = id, "cannot make federation keys: {e}");
                        }
                    }
                    Ok(_) | Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
                }
            }
        });
        delivery::spawn(self.federation.clone());
        indexer::spawn(&self.state, self.search.0, self.search.1);
        expiry::spawn(&self.state);
        mailer::spawn(&self.state);
        let search = self.state.search.clone();
        let app = crate::http::router(self.state, self.federation);
        server::serve(self.listener, app, &http, shutdown).await;
        if let Ok(Err(e)) = tokio::task::spawn_blocking(move || search.stop()).await {
            tracing::warn!(error = %e, "search: the last changes could not be committed");
        }
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
