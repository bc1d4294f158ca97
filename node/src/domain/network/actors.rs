//! Actors: the documents of this node's organisations and of its instance actor, and the remote actors it knows.
//! [`ActorRecord`] is what activitypub_federation fetches and verifies signatures with: a local organisation (with
//! its private key, for signing) or a stored remote actor (refetched when older than a day, or when a signature
//! fails to verify).

use activitypub_federation::{
    config::Data,
    error::Error as ApError,
    traits::{Actor, Object},
};
use chrono::{DateTime, Utc};
use sanad_federation::actor::{self as wire, LocalActor, RemoteActor};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, sea_query::OnConflict,
};
use serde_json::{Map, Value, json};
use url::Url;

use super::{Network, Urls, host_of, keys, peers};
use crate::domain::error::{AppError, AppResult};
use crate::infra::entities::{organisation, remote_actor};

/// Sanad's profile terms of an organisation, as they travel in its actor document.
pub fn profile(org: &organisation::Model) -> Map<String, Value> {
    let list = |raw: &str| serde_json::from_str::<Value>(raw).unwrap_or_else(|_| json!([]));
    let mut map = Map::new();
    map.insert("sectors".into(), list(&org.sectors));
    map.insert("regionsServed".into(), list(&org.regions_served));
    for (key, value) in [
        ("website", &org.website),
        ("contactEmail", &org.contact_email),
        ("registrationNumber", &org.registration_number),
    ] {
        if !value.is_empty() {
            map.insert(key.into(), json!(value));
        }
    }
    map
}

/// A local organisation's actor document.
pub fn org_document(urls: &Urls, org: &organisation::Model, keys: &keys::OrgKeys) -> Value {
    LocalActor {
        id: urls.org(&org.slug),
        kind: "Organization",
        username: org.slug.clone(),
        name_ar: org.name_ar.clone(),
        name_en: org.name_en.clone(),
        summary: org.description.clone(),
        shared_inbox: urls.shared_inbox(),
        public_key_pem: keys.rsa_public_pem.clone(),
        multikey: Some(keys.proof.public_multibase()),
        manually_approves: !org.auto_accept_follows,
        profile: profile(org),
    }
    .to_document()
}

/// The node's `Application` actor document.
pub fn instance_document(net: &Network) -> Value {
    let domain = net.urls.domain();
    let mut doc = LocalActor {
        id: net.urls.instance(),
        kind: "Application",
        username: domain.clone(),
        name_ar: format!("سند — {domain}"),
        name_en: format!("Sanad — {domain}"),
        summary: String::new(),
        shared_inbox: net.urls.shared_inbox(),
        public_key_pem: net.instance_key.public_key.clone(),
        multikey: None,
        manually_approves: true,
        profile: Map::new(),
    }
    .to_document();
    doc["inbox"] = json!(net.urls.shared_inbox());
    doc
}

/// A local organisation by slug.
pub async fn local_org(
    db: &impl ConnectionTrait,
    slug: &str,
) -> AppResult<Option<organisation::Model>> {
    Ok(organisation::Entity::find()
        .filter(organisation::Column::Slug.eq(slug))
        .filter(organisation::Column::Local.eq(true))
        .one(db)
        .await?)
}

/// A stored remote actor by id.
pub async fn remote(
    db: &impl ConnectionTrait,
    ap_id: &str,
) -> AppResult<Option<remote_actor::Model>> {
    Ok(remote_actor::Entity::find().filter(remote_actor::Column::ApId.eq(ap_id)).one(db).await?)
}

/// Stores (or refreshes) a remote actor.
pub async fn upsert(
    db: &impl ConnectionTrait,
    actor: &RemoteActor,
) -> AppResult<remote_actor::Model> {
    let row = remote_actor::ActiveModel {
        ap_id: Set(actor.id.to_string()),
        host: Set(host_of(&actor.id).unwrap_or_default()),
        kind: Set(actor.kind.chars().take(32).collect()),
        username: Set(actor.username.clone()),
        name: Set(actor.name.clone()),
        inbox: Set(actor.inbox.to_string()),
        shared_inbox: Set(actor.shared_inbox.as_ref().map(Url::to_string)),
        public_key_pem: Set(actor.public_key_pem.clone()),
        multikey: Set(actor.multikey.as_ref().map(|(_, k)| k.clone())),
        profile: Set(Value::Object(actor.profile.clone()).to_string()),
        fetched_at: Set(Utc::now()),
        ..Default::default()
    };
    remote_actor::Entity::insert(row)
        .on_conflict(
            OnConflict::column(remote_actor::Column::ApId)
                .update_columns([
                    remote_actor::Column::Kind,
                    remote_actor::Column::Username,
                    remote_actor::Column::Name,
                    remote_actor::Column::Inbox,
                    remote_actor::Column::SharedInbox,
                    remote_actor::Column::PublicKeyPem,
                    remote_actor::Column::Multikey,
                    remote_actor::Column::Profile,
                    remote_actor::Column::FetchedAt,
                ])
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    remote(db, actor.id.as_str()).await?.ok_or(AppError::NotFound)
}

/// The inbox an activity for this remote actor goes to (its shared inbox when it has one).
pub fn delivery_inbox(actor: &remote_actor::Model) -> (String, String) {
    let inbox = actor.shared_inbox.clone().unwrap_or_else(|| actor.inbox.clone());
    let host =
        Url::parse(&inbox).ok().and_then(|u| host_of(&u)).unwrap_or_else(|| actor.host.clone());
    (host, inbox)
}

/// An actor as activitypub_federation sees it: a local organisation (which can sign) or a remote actor.
#[derive(Clone, Debug)]
pub struct ActorRecord {
    id: Url,
    inbox: Url,
    shared_inbox: Option<Url>,
    public_key_pem: String,
    private_key_pem: Option<String>,
    /// The Ed25519 proof key (multibase), when the actor publishes one.
    pub multikey: Option<String>,
    refreshed: Option<DateTime<Utc>>,
    /// The stored remote actor, for a remote one.
    pub remote: Option<remote_actor::Model>,
}

impl std::fmt::Display for ActorRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.id.as_str())
    }
}

impl ActorRecord {
    /// A local organisation, able to sign.
    pub fn local(urls: &Urls, org: &organisation::Model, keys: &keys::OrgKeys) -> Self {
        let id = urls.org(&org.slug);
        Self {
            inbox: Url::parse(&format!("{id}/inbox")).unwrap_or_else(|_| urls.shared_inbox()),
            shared_inbox: Some(urls.shared_inbox()),
            public_key_pem: keys.rsa_public_pem.clone(),
            private_key_pem: Some(keys.rsa_private_pem.clone()),
            multikey: Some(keys.proof.public_multibase()),
            refreshed: None,
            remote: None,
            id,
        }
    }

    /// The instance actor, able to sign.
    pub fn instance(net: &Network) -> Self {
        Self {
            id: net.urls.instance(),
            inbox: net.urls.shared_inbox(),
            shared_inbox: Some(net.urls.shared_inbox()),
            public_key_pem: net.instance_key.public_key.clone(),
            private_key_pem: Some(net.instance_key.private_key.clone()),
            multikey: None,
            refreshed: None,
            remote: None,
        }
    }

    fn from_remote(row: remote_actor::Model) -> Option<Self> {
        Some(Self {
            id: Url::parse(&row.ap_id).ok()?,
            inbox: Url::parse(&row.inbox).ok()?,
            shared_inbox: row.shared_inbox.as_deref().and_then(|u| Url::parse(u).ok()),
            public_key_pem: row.public_key_pem.clone(),
            private_key_pem: None,
            multikey: row.multikey.clone(),
            refreshed: Some(row.fetched_at),
            remote: Some(row),
        })
    }
}

/// Why an actor could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ActorLookupError {
    /// A protocol failure (fetching, verifying).
    #[error(transparent)]
    Protocol(#[from] ApError),
    /// The document is not a usable actor.
    #[error(transparent)]
    Document(#[from] wire::ActorError),
    /// The node's own failure.
    #[error(transparent)]
    Node(#[from] AppError),
}

#[async_trait::async_trait]
impl Object for ActorRecord {
    type DataType = Network;
    type Kind = Value;
    type Error = ActorLookupError;

    fn id(&self) -> &Url {
        &self.id
    }

    fn last_refreshed_at(&self) -> Option<DateTime<Utc>> {
        self.refreshed
    }

    async fn read_from_id(id: Url, data: &Data<Network>) -> Result<Option<Self>, Self::Error> {
        if let Some(slug) = data.urls.local_slug(&id) {
            let Some(org) = local_org(&data.db, &slug).await? else { return Ok(None) };
            let keys = keys::ensure(&data.db, &data.keys, org.id).await?;
            return Ok(Some(Self::local(&data.urls, &org, &keys)));
        }
        if id == data.urls.instance() {
            return Ok(Some(Self::instance(data)));
        }
        Ok(remote(&data.db, id.as_str()).await?.and_then(Self::from_remote))
    }

    async fn into_json(self, data: &Data<Network>) -> Result<Value, Self::Error> {
        match (&self.remote, data.urls.local_slug(&self.id)) {
            (Some(row), _) => Ok(json!({"id": row.ap_id, "type": row.kind, "inbox": row.inbox})),
            (None, Some(slug)) => {
                let org = local_org(&data.db, &slug).await?.ok_or(AppError::NotFound)?;
                let keys = keys::ensure(&data.db, &data.keys, org.id).await?;
                Ok(org_document(&data.urls, &org, &keys))
            }
            (None, None) => Ok(instance_document(data)),
        }
    }

    async fn verify(json: &Value, expected: &Url, data: &Data<Network>) -> Result<(), Self::Error> {
        let actor = wire::read_actor(json)?;
        // The document's identity is bound to the URL it was fetched from (no other host may speak for it).
        if host_of(&actor.id) != host_of(expected) {
            return Err(ApError::UrlVerificationError(
                "actor id is not on the host it was fetched from",
            )
            .into());
        }
        if peers::refused(&data.db, &data.settings, &host_of(&actor.id).unwrap_or_default()).await?
        {
            return Err(ApError::UrlVerificationError("host is blocked").into());
        }
        Ok(())
    }

    async fn from_json(json: Value, data: &Data<Network>) -> Result<Self, Self::Error> {
        let actor = wire::read_actor(&json)?;
        let row = upsert(&data.db, &actor).await?;
        data.events.publish(crate::infra::events::Event::RemoteActor(row.id));
        Self::from_remote(row)
            .ok_or_else(|| AppError::internal("stored actor has an invalid URL").into())
    }
}

impl Actor for ActorRecord {
    fn public_key_pem(&self) -> &str {
        &self.public_key_pem
    }

    fn private_key_pem(&self) -> Option<String> {
        self.private_key_pem.clone()
    }

    fn inbox(&self) -> Url {
        self.inbox.clone()
    }

    fn shared_inbox(&self) -> Option<Url> {
        self.shared_inbox.clone()
    }
}

/// Finds a remote actor from what a person typed: its URL, or `name@host` (WebFinger), and stores it.
pub async fn resolve(data: &Data<Network>, typed: &str) -> AppResult<remote_actor::Model> {
    use activitypub_federation::fetch::{object_id::ObjectId, webfinger::webfinger_resolve_actor};
    let typed = typed.trim();
    let invalid = || {
        let mut errors = crate::domain::error::FieldErrors::default();
        errors.add("actor", "err-actor-unreachable");
        AppError::Validation(errors)
    };
    if typed.is_empty() || typed.len() > 500 {
        return Err(invalid());
    }
    let found = if typed.starts_with("https://") || typed.starts_with("http://") {
        let url = Url::parse(typed).map_err(|_| invalid())?;
        if data.urls.is_local(&url) {
            return Err(invalid());
        }
        ObjectId::<ActorRecord>::from(url).dereference(data).await
    } else {
        let handle = typed.trim_start_matches('@').trim_start_matches("acct:").to_ascii_lowercase();
        match handle.split_once('@') {
            Some((name, host)) if !name.is_empty() && host != data.urls.domain() => {
                webfinger_resolve_actor::<Network, ActorRecord>(&handle, data).await
            }
            _ => return Err(invalid()),
        }
    };
    match found {
        Ok(ActorRecord { remote: Some(row), .. }) => Ok(row),
        Ok(_) => Err(invalid()),
        Err(e) => {
            tracing::info!(actor = typed, "cannot resolve an actor: {e}");
            Err(invalid())
        }
    }
}
