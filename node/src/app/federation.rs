//! activitypub_federation's configuration for this node: its domain, an HTTP client with short timeouts that
//! records each answer's status (so the delivery worker can tell a permanent rejection from a success, which the
//! crate reports alike), the operator's block and allow lists as the URL verifier, and `allow_http` for demos.

use std::{sync::Arc, time::Duration};

use activitypub_federation::{
    config::{FederationConfig, UrlVerifier},
    error::Error as ApError,
    resolver::ValidatingDnsResolver,
};
use axum::http::Extensions;
use reqwest_middleware::{ClientBuilder, Middleware, Next};
use url::Url;

use crate::domain::network::{Network, host_of, peers};

tokio::task_local! {
    /// The status of the last answer received by requests made in this task scope.
    pub static LAST_STATUS: Arc<std::sync::Mutex<Option<u16>>>;
}

/// Records each answer's status in [`LAST_STATUS`], when the caller set a scope.
struct RecordStatus;

#[async_trait::async_trait]
impl Middleware for RecordStatus {
    async fn handle(
        &self,
        req: reqwest::Request,
        extensions: &mut Extensions,
        next: Next<'_>,
    ) -> reqwest_middleware::Result<reqwest::Response> {
        let res = next.run(req, extensions).await;
        if let Ok(r) = &res {
            let status = r.status().as_u16();
            let _ = LAST_STATUS.try_with(|cell| {
                if let Ok(mut s) = cell.lock() {
                    *s = Some(status);
                }
            });
        }
        res
    }
}

/// Refuses blocked hosts (and, in allow-list mode, hosts not allowed) for fetching, receiving and sending.
#[derive(Clone)]
struct PeerPolicy(Network);

#[async_trait::async_trait]
impl UrlVerifier for PeerPolicy {
    async fn verify(&self, url: &Url) -> Result<(), ApError> {
        let host = host_of(url).unwrap_or_default();
        match peers::refused(&self.0.db, &self.0.settings, &host).await {
            Ok(false) => Ok(()),
            Ok(true) => Err(ApError::UrlVerificationError("the host is blocked or not allowed")),
            Err(_) => Err(ApError::UrlVerificationError("the host's policy could not be read")),
        }
    }
}

/// The federation configuration of a node.
pub async fn config(net: Network) -> anyhow::Result<FederationConfig<Network>> {
    let settings = net.settings.clone();
    if settings.allow_http {
        tracing::warn!(
            "federation.allow_http is on: http:// peers and loopback addresses are accepted (tests and demos only)"
        );
    }
    let timeout = Duration::from_secs(settings.request_timeout_secs);
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(timeout)
        .connect_timeout(timeout)
        .user_agent(concat!("Sanad/", env!("CARGO_PKG_VERSION")))
        .dns_resolver(ValidatingDnsResolver::new(Vec::new(), !settings.allow_http))
        .build()?;
    let client = ClientBuilder::new(client).with(RecordStatus).build();
    let domain = net.urls.domain();
    Ok(FederationConfig::builder()
        .domain(domain)
        .app_data(net.clone())
        .client(client)
        .debug(settings.allow_http)
        .allow_http_urls(settings.allow_http)
        .http_signature_compat(true)
        .request_timeout(timeout)
        .url_verifier(Box::new(PeerPolicy(net)))
        // Keys are read from the database on every send: a rotation by `sanad keys rotate` takes effect at once.
        .actor_pkey_cache(0)
        .build()
        .await?)
}
