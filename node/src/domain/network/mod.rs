//! The network: this node's organisations as ActivityPub actors, their follows, what they publish (through the one
//! anonymising projection and the PII gate) and what they receive from peers. Wire formats live in
//! `sanad_federation`; this module decides, and writes through the unit of work (outgoing activities become outbox
//! rows in the same transaction as the change that caused them).

pub mod actors;
pub mod commitments;
pub mod follows;
pub mod inbox;
pub mod keys;
pub mod peers;
pub mod publish;
pub mod received;

use std::sync::Arc;

use activitypub_federation::http_signatures::Keypair;
use sea_orm::DatabaseConnection;
use url::Url;

use crate::config::{Config, FederationSettings};
use crate::infra::events::EventBus;

pub use keys::KeyMaker;

/// What federation code needs of the node: the data of activitypub_federation's `Data<Network>`.
#[derive(Clone)]
pub struct Network {
    /// The database pool.
    pub db: DatabaseConnection,
    /// This node's addresses.
    pub urls: Arc<Urls>,
    /// `[federation]` settings.
    pub settings: Arc<FederationSettings>,
    /// Where new organisation keys come from.
    pub keys: KeyMaker,
    /// The after-commit event bus.
    pub events: EventBus,
    /// The instance actor's RSA key pair.
    pub instance_key: Arc<Keypair>,
    /// Whether e-mail notifications are on (`mail.smtp_url` is set): only then are they queued.
    pub mail: bool,
    /// When each actor's key was last fetched again after a signature failed (at most once a minute each).
    pub refetched: Arc<std::sync::Mutex<std::collections::HashMap<String, std::time::Instant>>>,
}

impl Network {
    /// Whether an actor's document may be fetched again now after a signature failure (key rotation), so that bad
    /// signatures cannot make this node fetch from others at will.
    pub fn may_refetch(&self, actor: &str) -> bool {
        let now = std::time::Instant::now();
        let Ok(mut seen) = self.refetched.lock() else { return false };
        if seen.len() > 10_000 {
            seen.retain(|_, t| now.duration_since(*t).as_secs() < 60);
        }
        match seen.get(actor) {
            Some(t) if now.duration_since(*t).as_secs() < 60 => false,
            _ => {
                seen.insert(actor.to_owned(), now);
                true
            }
        }
    }
}

impl std::fmt::Debug for Network {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Network").field("urls", &self.urls).finish_non_exhaustive()
    }
}

/// The addresses of this node's federation resources, derived from its public URL.
#[derive(Clone, Debug)]
pub struct Urls {
    base: Url,
}

impl Urls {
    /// The addresses of the node reached at `public_url`.
    pub fn new(public_url: &str) -> Result<Self, url::ParseError> {
        Ok(Self { base: Url::parse(public_url)? })
    }

    /// From the (validated) configuration.
    pub fn of(config: &Config) -> Result<Self, url::ParseError> {
        Self::new(&config.public_url)
    }

    /// The public base URL.
    pub fn base(&self) -> &Url {
        &self.base
    }

    /// `host[:port]`, as peers and activitypub_federation name this node.
    pub fn domain(&self) -> String {
        host_of(&self.base).unwrap_or_default()
    }

    fn at(&self, path: &str) -> Url {
        self.base.join(path).unwrap_or_else(|_| self.base.clone())
    }

    /// An organisation's actor.
    pub fn org(&self, slug: &str) -> Url {
        self.at(&format!("/orgs/{slug}"))
    }

    /// An organisation's followers collection.
    pub fn followers(&self, slug: &str) -> Url {
        self.at(&format!("/orgs/{slug}/followers"))
    }

    /// The node's instance actor.
    pub fn instance(&self) -> Url {
        self.at("/actor")
    }

    /// The shared inbox.
    pub fn shared_inbox(&self) -> Url {
        self.at("/inbox")
    }

    /// The base of object ids.
    pub fn objects(&self) -> Url {
        self.at("/objects/")
    }

    /// A new activity id.
    pub fn new_activity(&self) -> Url {
        self.at(&format!("/activities/{}", uuid::Uuid::new_v4()))
    }

    /// A new agreement id (assigned by the listing's owner when it accepts a commitment).
    pub fn new_agreement(&self) -> Url {
        self.at(&format!("/agreements/{}", uuid::Uuid::new_v4()))
    }

    /// A new document id (a commitment's dispatch, receipt or expiry).
    pub fn new_document(&self) -> Url {
        self.at(&format!("/documents/{}", uuid::Uuid::new_v4()))
    }

    /// The object id (random part) of a local listing's URL, when the URL is one of this node's objects.
    pub fn local_object(&self, url: &Url) -> Option<String> {
        let rest = url.as_str().strip_prefix(self.objects().as_str())?;
        (!rest.is_empty() && !rest.contains(['/', '#', '?'])).then(|| rest.to_owned())
    }

    /// The slug of a local organisation's actor URL (or of one of its `#` keys).
    pub fn local_slug(&self, url: &Url) -> Option<String> {
        if host_of(url) != host_of(&self.base) || url.scheme() != self.base.scheme() {
            return None;
        }
        let slug = url.path().strip_prefix("/orgs/")?;
        (!slug.is_empty() && !slug.contains('/')).then(|| slug.to_owned())
    }

    /// Whether a URL is on this node.
    pub fn is_local(&self, url: &Url) -> bool {
        host_of(url) == host_of(&self.base)
    }
}

/// `host[:port]` of a URL (lower-case host).
pub fn host_of(url: &Url) -> Option<String> {
    let host = url.host_str()?.to_ascii_lowercase();
    Some(match url.port() {
        Some(p) => format!("{host}:{p}"),
        None => host,
    })
}
