//! `AppState`: what every handler shares. A leaf: it names infrastructure and domain types, nothing of HTTP.

use std::sync::Arc;

use sea_orm::DatabaseConnection;

use crate::{
    config::Config,
    domain::auth::SigninLimiter,
    domain::error::AppResult,
    domain::network::{self, KeyMaker, Network, Urls},
    i18n::Catalogue,
    infra::{db, events::EventBus, metrics::Metrics, uow::UnitOfWork},
};

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
    /// The public pledge form's flood guard.
    pub pledge_limiter: Arc<crate::domain::pledges::PledgeLimiter>,
    /// Where units of work publish their after-commit events.
    pub events: EventBus,
    /// What federation needs of the node (addresses, settings, keys).
    pub network: Network,
    /// The search index (kept in memory until a serving node opens the one in its data directory).
    pub search: sanad_search::service::Service,
}

impl AppState {
    /// The state of a node whose database is open and up to date: loads or creates the node's secrets.
    pub async fn build(
        config: Config,
        db: DatabaseConnection,
        keys: KeyMaker,
    ) -> anyhow::Result<Self> {
        let secrets = db::node_secrets(&db).await?;
        let events = EventBus::new();
        let instance_key = network::keys::instance(&db, &keys).await?;
        let network = Network {
            db: db.clone(),
            urls: Arc::new(Urls::of(&config)?),
            settings: Arc::new(config.federation.clone()),
            keys,
            events: events.clone(),
            instance_key: Arc::new(instance_key),
            mail: !config.mail.smtp_url.trim().is_empty(),
            refetched: Arc::default(),
        };
        let (search, _) =
            sanad_search::service::Service::start(None, config.search.writer(), None)?;
        Ok(Self {
            search,
            db,
            catalogue: Arc::new(Catalogue::load()?),
            secrets: Arc::new(secrets),
            metrics: Arc::new(Metrics::new()),
            signin_limiter: Arc::new(SigninLimiter::new(config.auth.signin_attempts_per_minute)?),
            pledge_limiter: Arc::new(crate::domain::pledges::PledgeLimiter::new(
                config.pledges.per_address_per_hour,
            )?),
            events,
            network,
            config: Arc::new(config),
        })
    }
}

impl AppState {
    /// Begins a unit of work (a write transaction whose events are published on this node's bus).
    pub async fn begin(&self) -> AppResult<UnitOfWork> {
        Ok(UnitOfWork::begin(&self.db, &self.events).await?)
    }

    /// Runs `op` in a new unit of work and commits it when `op` succeeds (an error rolls everything back).
    pub async fn write<T>(
        &self,
        op: impl AsyncFnOnce(&mut UnitOfWork) -> AppResult<T>,
    ) -> AppResult<T> {
        let mut uow = self.begin().await?;
        let out = op(&mut uow).await?;
        // What the network must learn of this change is queued in the same transaction.
        network::publish::outgoing(&mut uow, &self.network).await?;
        uow.commit().await?;
        Ok(out)
    }
}
