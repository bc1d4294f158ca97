//! The inbox's rules, after activitypub_federation has checked the digest, fetched the actor and verified the HTTP
//! signature: the activity's object must come from the actor's origin (and a listing be attributed to the actor),
//! a listing's Ed25519 proof must verify against the actor's Multikey, listings are taken only from actors a local
//! organisation follows, and each activity id is applied once (redelivery changes nothing).

use activitypub_federation::{config::Data, error::Error as ApError, traits::Activity};
use chrono::Utc;
use sanad_federation::{proof, vocab};
use sea_orm::{ActiveValue::Set, EntityTrait, sea_query::OnConflict};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};
use url::Url;

use super::{Network, actors, commitments, follows, host_of, peers, received};
use crate::domain::error::AppError;
use crate::infra::entities::inbox_seen;
use crate::infra::{events::Event, uow::UnitOfWork};

/// The longest activity or object id accepted (the columns hold 512 characters).
const MAX_ID: usize = 500;

/// An activity as it travels: its id and actor, and everything else as received. Outgoing activities are rebuilt
/// from the outbox as this type; incoming ones are checked and applied by its `Activity` implementation.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct WireActivity {
    /// Activity id.
    pub id: Url,
    /// The actor (given as a URL or an object with an id).
    #[serde(deserialize_with = "url_or_object")]
    pub actor: Url,
    /// Everything else.
    #[serde(flatten)]
    pub rest: Map<String, Value>,
}

fn url_or_object<'de, D: Deserializer<'de>>(d: D) -> Result<Url, D::Error> {
    let v = Value::deserialize(d)?;
    vocab::url_of(Some(&v)).ok_or_else(|| serde::de::Error::custom("actor must be a URL"))
}

/// Why an incoming activity is refused.
#[derive(Debug, thiserror::Error)]
pub enum InboxError {
    /// Signature, digest, fetching or URL checks failed.
    #[error(transparent)]
    Protocol(#[from] ApError),
    /// The actor could not be read.
    #[error(transparent)]
    Actor(#[from] actors::ActorLookupError),
    /// The activity breaks an inbox rule (400).
    #[error("refused: {0}")]
    Invalid(&'static str),
    /// The sender may not do this (403).
    #[error("forbidden: {0}")]
    Forbidden(&'static str),
    /// The object's proof does not verify (401).
    #[error("object proof: {0}")]
    Proof(#[from] proof::ProofError),
    /// The node failed (503/500).
    #[error(transparent)]
    Node(#[from] AppError),
}

impl WireActivity {
    /// The activity's `type`.
    pub fn kind(&self) -> &str {
        self.rest.get("type").and_then(Value::as_str).unwrap_or_default()
    }

    /// The `object`.
    pub fn object(&self) -> Option<&Value> {
        self.rest.get("object")
    }

    fn object_id(&self) -> Option<Url> {
        vocab::url_of(self.object())
    }

    fn object_type(&self) -> Option<&str> {
        self.object()?.get("type")?.as_str()
    }
}

/// A refusal of the domain as the inbox answers it: bad input 400, not the sender's to do 403, else the node's own
/// failure (the sender tries again).
fn refusal(e: AppError) -> InboxError {
    match e {
        AppError::BadRequest(why) | AppError::Conflict(why) => InboxError::Invalid(why),
        AppError::Validation(_) => InboxError::Invalid("a value of the activity is not valid"),
        AppError::Forbidden => {
            InboxError::Forbidden("the activity is about another actor's commitment")
        }
        other => InboxError::Node(other),
    }
}

fn same_origin(a: &Url, b: &Url) -> bool {
    a.scheme() == b.scheme() && host_of(a) == host_of(b)
}

#[async_trait::async_trait]
impl Activity for WireActivity {
    type DataType = Network;
    type Error = InboxError;

    fn id(&self) -> &Url {
        &self.id
    }

    fn actor(&self) -> &Url {
        &self.actor
    }

    async fn verify(&self, data: &Data<Network>) -> Result<(), InboxError> {
        let object_id = self.object_id();
        // Ids longer than the node stores are refused here rather than failing the write.
        if self.id.as_str().len() > MAX_ID
            || object_id.as_ref().is_some_and(|o| o.as_str().len() > MAX_ID)
        {
            return Err(InboxError::Invalid("an id is too long"));
        }
        match self.kind() {
            "Create" | "Update" | "Delete" => {
                let id = object_id.ok_or(InboxError::Invalid("the object has no id"))?;
                if !same_origin(&id, &self.actor) {
                    return Err(InboxError::Invalid("the object is not from the actor's origin"));
                }
                if let Some(owner) = self.object().and_then(|o| o.get("attributedTo")) {
                    if vocab::url_of(Some(owner)).as_ref() != Some(&self.actor) {
                        return Err(InboxError::Invalid(
                            "the object is attributed to another actor",
                        ));
                    }
                } else if self.kind() == "Create" && self.object_type() == Some("Proposal") {
                    return Err(InboxError::Invalid("the proposal has no attributedTo"));
                }
            }
            "Offer" if self.object_type() != Some("Agreement") => {
                return Err(InboxError::Invalid("only an Agreement may be offered"));
            }
            "Follow" => {
                let id = object_id.ok_or(InboxError::Invalid("the follow has no object"))?;
                if data.urls.local_slug(&id).is_none() {
                    return Err(InboxError::Invalid(
                        "the follow is not for an organisation of this node",
                    ));
                }
            }
            "Undo" => {
                let id = object_id.ok_or(InboxError::Invalid("the undo has no object"))?;
                let inner_actor = self.object().and_then(|o| vocab::url_of(o.get("actor")));
                if !same_origin(&id, &self.actor) || inner_actor.is_some_and(|a| a != self.actor) {
                    return Err(InboxError::Invalid("the undone activity is not the actor's"));
                }
            }
            _ => {}
        }
        Ok(())
    }

    async fn receive(self, data: &Data<Network>) -> Result<(), InboxError> {
        let net: &Network = data;
        let actor = actors::remote(&net.db, self.actor.as_str())
            .await?
            .ok_or(InboxError::Invalid("unknown actor"))?;
        let proof_verified = self.check_proof(&actor)?;
        // What can be read is read before the write lock is taken (SQLite has one writer at a time).
        if inbox_seen::Entity::find_by_id(self.id.to_string())
            .one(&net.db)
            .await
            .map_err(AppError::from)?
            .is_some()
        {
            tracing::debug!(activity = %self.id, "activity already applied");
            return Ok(());
        }
        let mut addressed = None;
        if matches!(self.kind(), "Create" | "Update") && self.object_type() == Some("Proposal") {
            // Listings come from the actors this node's organisations follow, or are sent to one of them directly
            // (a FEP-0837 request or offer addressed to the organisation).
            addressed = self.addressed_org(&net.db, net).await?;
            if addressed.is_none() && !follows::followed_by_us(&net.db, actor.id).await? {
                return Err(InboxError::Forbidden(
                    "no organisation of this node follows the actor",
                ));
            }
        }
        let hearing = peers::needs_hearing(&net.db, &actor.host).await?;
        let mut uow = UnitOfWork::begin(&net.db, &net.events).await.map_err(AppError::from)?;
        let fresh = inbox_seen::Entity::insert(inbox_seen::ActiveModel {
            activity_id: Set(self.id.to_string()),
            received_at: Set(Utc::now()),
        })
        .on_conflict(OnConflict::column(inbox_seen::Column::ActivityId).do_nothing().to_owned())
        .exec_without_returning(uow.db())
        .await
        .map_err(AppError::from)?;
        if fresh == 0 {
            tracing::debug!(activity = %self.id, "activity already applied");
            return Ok(());
        }
        if hearing && peers::heard_from(uow.db(), &actor.host).await? {
            uow.emit(Event::PeerHeard);
        }
        self.apply(&mut uow, net, &actor, proof_verified, addressed).await?;
        // What the network must learn of this change (a need whose commitment was withdrawn) goes out with it.
        super::publish::outgoing(&mut uow, net).await?;
        uow.emit(Event::Inbox);
        uow.commit().await.map_err(AppError::from)?;
        Ok(())
    }
}

impl WireActivity {
    /// Verifies a listing's proof against the actor's Multikey: `Ok(true)` verified, `Ok(false)` no proof (or no key
    /// to check it with), `Err` a proof that does not verify or names another key.
    fn check_proof(
        &self,
        actor: &crate::infra::entities::remote_actor::Model,
    ) -> Result<bool, InboxError> {
        if !matches!(self.kind(), "Create" | "Update") || self.object_type() != Some("Proposal") {
            return Ok(false);
        }
        let Some(object) = self.object() else { return Ok(false) };
        let Some(method) = proof::verification_method(object) else { return Ok(false) };
        let method =
            Url::parse(method).map_err(|_| InboxError::Invalid("the proof's key is not a URL"))?;
        let mut owner = method.clone();
        owner.set_fragment(None);
        if owner.as_str() != actor.ap_id {
            return Err(InboxError::Invalid("the proof is made with another actor's key"));
        }
        let Some(key) = &actor.multikey else { return Ok(false) };
        proof::verify(object, key)?;
        Ok(true)
    }

    /// The local organisation the activity (or its object) is addressed to by name in `to`, `cc` or `audience`.
    async fn addressed_org(
        &self,
        db: &impl sea_orm::ConnectionTrait,
        net: &Network,
    ) -> Result<Option<i64>, InboxError> {
        let mut named = Vec::new();
        for source in
            [Some(&self.rest), self.object().and_then(Value::as_object)].into_iter().flatten()
        {
            for key in ["to", "cc", "audience"] {
                match source.get(key) {
                    Some(Value::String(s)) => named.push(s.clone()),
                    Some(Value::Array(a)) => {
                        named.extend(a.iter().filter_map(Value::as_str).map(str::to_owned))
                    }
                    _ => {}
                }
            }
        }
        for name in named {
            if let Some(slug) = Url::parse(&name).ok().and_then(|u| net.urls.local_slug(&u))
                && let Some(org) = actors::local_org(db, &slug).await?
            {
                return Ok(Some(org.id));
            }
        }
        Ok(None)
    }

    async fn apply(
        &self,
        uow: &mut UnitOfWork,
        net: &Network,
        actor: &crate::infra::entities::remote_actor::Model,
        proof_verified: bool,
        addressed: Option<i64>,
    ) -> Result<(), InboxError> {
        let object_id = self.object_id();
        match (self.kind(), self.object_type()) {
            ("Follow", _) => {
                let id = object_id.ok_or(InboxError::Invalid("the follow has no object"))?;
                let slug =
                    net.urls.local_slug(&id).ok_or(InboxError::Invalid("not a local actor"))?;
                let org = actors::local_org(uow.db(), &slug).await?.ok_or(AppError::NotFound)?;
                follows::received_follow(uow, net, &org, actor, self.id.as_str()).await?;
            }
            ("Accept" | "Reject", _) => {
                let id = object_id.ok_or(InboxError::Invalid("the answer has no object"))?;
                let accepted = self.kind() == "Accept";
                // An answer to a commitment this node offered, or else to a follow.
                if !commitments::received_answer(uow, net, actor, &id, accepted, &self.rest)
                    .await
                    .map_err(refusal)?
                {
                    follows::received_answer(uow, actor, id.as_str(), accepted).await?;
                }
            }
            ("Offer", Some("Agreement")) => {
                let object = self.object().ok_or(InboxError::Invalid("no object"))?;
                commitments::received_offer(uow, net, actor, &self.id, object)
                    .await
                    .map_err(refusal)?;
            }
            ("Create", Some("Document"))
                if self.object().is_some_and(sanad_federation::agreement::is_progress) =>
            {
                let object = self.object().ok_or(InboxError::Invalid("no object"))?;
                commitments::received_progress(uow, net, actor, object).await.map_err(refusal)?;
            }
            ("Undo", Some("Follow")) => {
                let target = self.object().and_then(|o| vocab::url_of(o.get("object")));
                if let Some(slug) = target.and_then(|t| net.urls.local_slug(&t))
                    && let Some(org) = actors::local_org(uow.db(), &slug).await?
                {
                    follows::received_undo(uow, actor, &org).await?;
                }
            }
            ("Undo", Some("Offer")) => {
                let id = object_id.ok_or(InboxError::Invalid("the undo has no object"))?;
                commitments::received_withdrawal(uow, net, actor, &id).await.map_err(refusal)?;
            }
            ("Create" | "Update", Some("Proposal")) => {
                // Who may send listings was checked before the unit began (`receive`).
                let object = self.object().ok_or(InboxError::Invalid("no object"))?;
                let listing = vocab::read_proposal(object)
                    .map_err(|_| InboxError::Invalid("not a valid proposal"))?;
                let applied =
                    received::store(uow, actor, &listing, object, proof_verified, addressed)
                        .await?;
                tracing::debug!(object = %listing.id, ?applied, "listing received");
            }
            ("Update", Some(_)) if object_id.as_ref() == Url::parse(&actor.ap_id).ok().as_ref() => {
                let object = self.object().ok_or(InboxError::Invalid("no object"))?;
                let doc = sanad_federation::actor::read_actor(object)
                    .map_err(|_| InboxError::Invalid("not a valid actor"))?;
                let row = actors::upsert(uow.db(), &doc).await?;
                uow.emit(Event::RemoteActor(row.id));
            }
            ("Delete", _) if object_id.as_ref().is_some_and(|o| o.as_str() == actor.ap_id) => {
                // The account is gone: its follows end and its listings leave the Network pages.
                received::forget_actor(uow, actor).await?;
            }
            ("Delete", _) => {
                let id = object_id.ok_or(InboxError::Invalid("the delete has no object"))?;
                // A tombstone is kept only for actors this node follows, so that no one can fill the table.
                if follows::followed_by_us(uow.db(), actor.id).await? {
                    received::delete(uow, actor, id.as_str()).await?;
                }
            }
            (kind, object) => {
                tracing::info!(activity = %self.id, kind, ?object, "activity of a kind Sanad does not use: ignored");
            }
        }
        Ok(())
    }
}
