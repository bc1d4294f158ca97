//! Actor documents: the `Organization` actor of each tenant, the node's `Application` actor, and the lenient reading
//! of other software's actors (Mastodon, Lemmy, another Sanad node).

use serde_json::{Value, json};
use url::Url;

use crate::vocab::{self, MULTIKEY_CONTEXT, SECURITY_CONTEXT};

/// The fragment of the HTTP-signature key in an actor id.
pub const MAIN_KEY: &str = "main-key";
/// The fragment of the Ed25519 proof key in an actor id.
pub const PROOF_KEY: &str = "ed25519-key";

/// What a local actor publishes about itself.
#[derive(Clone, Debug)]
pub struct LocalActor {
    /// Actor id (`…/orgs/{slug}` or `…/actor`).
    pub id: Url,
    /// `Organization` or `Application`.
    pub kind: &'static str,
    /// `preferredUsername`.
    pub username: String,
    /// Display name (Arabic and English as `nameMap`).
    pub name_ar: String,
    /// English name.
    pub name_en: String,
    /// Description.
    pub summary: String,
    /// The node's shared inbox.
    pub shared_inbox: Url,
    /// RSA public key, SPKI PEM.
    pub public_key_pem: String,
    /// Ed25519 public key as multibase (absent for the instance actor).
    pub multikey: Option<String>,
    /// Whether follow requests wait for approval.
    pub manually_approves: bool,
    /// Sanad's profile terms (sectors, regionsServed, website, contactEmail, registrationNumber).
    pub profile: serde_json::Map<String, Value>,
}

impl LocalActor {
    /// The actor document, with its `@context`.
    pub fn to_document(&self) -> Value {
        let id = self.id.as_str();
        let mut doc = json!({
            "@context": [vocab::AS_CONTEXT, SECURITY_CONTEXT, MULTIKEY_CONTEXT, vocab::term_definitions()],
            "id": id,
            "type": self.kind,
            "preferredUsername": self.username,
            "name": if self.name_en.is_empty() { &self.name_ar } else { &self.name_en },
            "nameMap": {"ar": self.name_ar, "en": self.name_en},
            "summary": self.summary,
            "url": id,
            "inbox": format!("{id}/inbox"),
            "outbox": format!("{id}/outbox"),
            "followers": format!("{id}/followers"),
            "following": format!("{id}/following"),
            "endpoints": {"sharedInbox": self.shared_inbox},
            "manuallyApprovesFollowers": self.manually_approves,
            "discoverable": true,
            "publicKey": {"id": format!("{id}#{MAIN_KEY}"), "owner": id, "publicKeyPem": self.public_key_pem},
        });
        if let Some(map) = doc.as_object_mut() {
            if let Some(mk) = &self.multikey {
                map.insert(
                    "assertionMethod".into(),
                    json!([{"id": format!("{id}#{PROOF_KEY}"), "type": "Multikey", "controller": id,
                        "publicKeyMultibase": mk}]),
                );
            }
            for (k, v) in &self.profile {
                map.insert(k.clone(), v.clone());
            }
        }
        doc
    }
}

/// Another server's actor, as far as Sanad needs it.
#[derive(Clone, Debug, PartialEq)]
pub struct RemoteActor {
    /// Actor id.
    pub id: Url,
    /// Its `type`.
    pub kind: String,
    /// `preferredUsername` (empty when absent).
    pub username: String,
    /// `name` (or the username).
    pub name: String,
    /// Personal inbox.
    pub inbox: Url,
    /// Shared inbox, when the server has one.
    pub shared_inbox: Option<Url>,
    /// The HTTP-signature key id.
    pub key_id: String,
    /// RSA public key PEM.
    pub public_key_pem: String,
    /// The Ed25519 proof key (`#…` id, multibase), when published as a Multikey in `assertionMethod`.
    pub multikey: Option<(String, String)>,
    /// Sanad profile terms found in the document.
    pub profile: serde_json::Map<String, Value>,
}

/// Why an actor document is unusable.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ActorError {
    /// A required property is missing or invalid.
    #[error("actor property {0} is missing or invalid")]
    Invalid(&'static str),
    /// The key or inbox is on another host than the actor.
    #[error("actor {0} is not on the actor's host")]
    ForeignHost(&'static str),
}

/// Profile terms copied from a remote actor (bounded in size).
const PROFILE_TERMS: &[&str] =
    &["nameMap", "sectors", "regionsServed", "website", "contactEmail", "registrationNumber"];

/// Reads an actor document leniently (one or many `publicKey`s; `assertionMethod` entries of any shape).
pub fn read_actor(doc: &Value) -> Result<RemoteActor, ActorError> {
    let map = doc.as_object().ok_or(ActorError::Invalid("document"))?;
    let id = vocab::url_of(map.get("id")).ok_or(ActorError::Invalid("id"))?;
    let kind = map.get("type").and_then(Value::as_str).ok_or(ActorError::Invalid("type"))?;
    let inbox = vocab::url_of(map.get("inbox")).ok_or(ActorError::Invalid("inbox"))?;
    let shared_inbox = map.get("endpoints").and_then(|e| vocab::url_of(e.get("sharedInbox")));
    let keys: Vec<&Value> = match map.get("publicKey") {
        Some(Value::Array(a)) => a.iter().collect(),
        Some(v @ Value::Object(_)) => vec![v],
        _ => Vec::new(),
    };
    let key = keys
        .iter()
        .find(|k| k.get("id").and_then(Value::as_str).is_some_and(|i| i.ends_with("#main-key")))
        .or_else(|| keys.first())
        .ok_or(ActorError::Invalid("publicKey"))?;
    let key_id = key.get("id").and_then(Value::as_str).ok_or(ActorError::Invalid("publicKey"))?;
    let pem =
        key.get("publicKeyPem").and_then(Value::as_str).ok_or(ActorError::Invalid("publicKey"))?;
    let same_host = |u: &Url| u.host_str() == id.host_str() && u.port() == id.port();
    if !Url::parse(key_id).is_ok_and(|k| same_host(&k)) {
        return Err(ActorError::ForeignHost("key"));
    }
    if !same_host(&inbox) {
        return Err(ActorError::ForeignHost("inbox"));
    }
    // Longer than a node stores: refused rather than failing the write.
    if id.as_str().len() > 500
        || inbox.as_str().len() > 500
        || key_id.len() > 500
        || pem.len() > 8192
    {
        return Err(ActorError::Invalid("length"));
    }
    let methods: Vec<&Value> = match map.get("assertionMethod") {
        Some(Value::Array(a)) => a.iter().collect(),
        Some(v @ Value::Object(_)) => vec![v],
        _ => Vec::new(),
    };
    let multikey = methods.iter().find_map(|m| {
        let mid = m.get("id")?.as_str()?;
        let value = m.get("publicKeyMultibase")?.as_str()?;
        let is_multikey = m.get("type").and_then(Value::as_str) == Some("Multikey");
        let owned = Url::parse(mid).is_ok_and(|u| same_host(&u))
            && m.get("controller").and_then(Value::as_str).is_none_or(|c| c == id.as_str());
        (is_multikey && owned && value.starts_with("z6Mk"))
            .then(|| (mid.to_owned(), value.to_owned()))
    });
    let text = |k: &str| map.get(k).and_then(Value::as_str).unwrap_or_default().to_owned();
    let username = text("preferredUsername");
    let name = Some(text("name")).filter(|n| !n.is_empty()).unwrap_or_else(|| username.clone());
    let profile = PROFILE_TERMS
        .iter()
        .filter_map(|k| map.get(*k).map(|v| ((*k).to_owned(), v.clone())))
        .filter(|(_, v)| v.to_string().len() <= 4096)
        .collect();
    Ok(RemoteActor {
        kind: kind.to_owned(),
        username: username.chars().take(255).collect(),
        name: name.chars().take(300).collect(),
        inbox,
        shared_inbox: shared_inbox.filter(|u| same_host(u) && u.as_str().len() <= 500),
        key_id: key_id.to_owned(),
        public_key_pem: pem.to_owned(),
        multikey,
        profile,
        id,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A Mastodon 4.x `Person`, written from Mastodon's public actor format.
    const MASTODON: &str = r##"{
      "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1",
        {"manuallyApprovesFollowers": "as:manuallyApprovesFollowers", "toot": "http://joinmastodon.org/ns#",
         "featured": {"@id": "toot:featured", "@type": "@id"}, "discoverable": "toot:discoverable",
         "Multikey": "https://w3id.org/security#Multikey",
         "publicKeyMultibase": "https://w3id.org/security#publicKeyMultibase"}],
      "id": "https://mastodon.example/users/relief",
      "type": "Person",
      "following": "https://mastodon.example/users/relief/following",
      "followers": "https://mastodon.example/users/relief/followers",
      "inbox": "https://mastodon.example/users/relief/inbox",
      "outbox": "https://mastodon.example/users/relief/outbox",
      "featured": "https://mastodon.example/users/relief/collections/featured",
      "preferredUsername": "relief",
      "name": "Relief Desk",
      "summary": "<p>We coordinate relief.</p>",
      "url": "https://mastodon.example/@relief",
      "manuallyApprovesFollowers": false,
      "discoverable": true,
      "published": "2023-01-05T00:00:00Z",
      "publicKey": {"id": "https://mastodon.example/users/relief#main-key",
        "owner": "https://mastodon.example/users/relief",
        "publicKeyPem": "-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqh\n-----END PUBLIC KEY-----\n"},
      "assertionMethod": [{"id": "https://mastodon.example/users/relief#ed25519-key", "type": "Multikey",
        "controller": "https://mastodon.example/users/relief",
        "publicKeyMultibase": "z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"}],
      "tag": [], "attachment": [],
      "endpoints": {"sharedInbox": "https://mastodon.example/inbox"},
      "icon": {"type": "Image", "mediaType": "image/png", "url": "https://files.mastodon.example/a.png"}
    }"##;

    /// A Lemmy 0.19 community (`Group`), written from Lemmy's public actor format.
    const LEMMY: &str = r##"{
      "@context": ["https://join-lemmy.org/context.json", "https://www.w3.org/ns/activitystreams"],
      "type": "Group",
      "id": "https://lemmy.example/c/mutualaid",
      "preferredUsername": "mutualaid",
      "name": "Mutual aid",
      "inbox": "https://lemmy.example/c/mutualaid/inbox",
      "followers": "https://lemmy.example/c/mutualaid/followers",
      "moderators": "https://lemmy.example/c/mutualaid/moderators",
      "attributedTo": "https://lemmy.example/c/mutualaid/moderators",
      "postingRestrictedToMods": false,
      "outbox": "https://lemmy.example/c/mutualaid/outbox",
      "publicKey": {"id": "https://lemmy.example/c/mutualaid#main-key",
        "owner": "https://lemmy.example/c/mutualaid",
        "publicKeyPem": "-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqh\n-----END PUBLIC KEY-----\n"},
      "language": [],
      "published": "2023-06-01T10:00:00.000000Z",
      "endpoints": {"sharedInbox": "https://lemmy.example/inbox"}
    }"##;

    #[test]
    fn mastodon_and_lemmy_actors_parse() {
        let m = read_actor(&serde_json::from_str(MASTODON).unwrap()).unwrap();
        assert_eq!(m.kind, "Person");
        assert_eq!(m.shared_inbox.unwrap().as_str(), "https://mastodon.example/inbox");
        assert_eq!(m.key_id, "https://mastodon.example/users/relief#main-key");
        assert!(m.multikey.unwrap().1.starts_with("z6Mk"));
        let l = read_actor(&serde_json::from_str(LEMMY).unwrap()).unwrap();
        assert_eq!((l.kind.as_str(), l.username.as_str()), ("Group", "mutualaid"));
        assert_eq!(l.multikey, None);
    }

    #[test]
    fn an_actor_whose_key_or_inbox_sits_on_another_host_is_refused() {
        let mut doc: Value = serde_json::from_str(MASTODON).unwrap();
        doc["publicKey"]["id"] = json!("https://evil.example/users/relief#main-key");
        assert_eq!(read_actor(&doc), Err(ActorError::ForeignHost("key")));
        let mut doc: Value = serde_json::from_str(MASTODON).unwrap();
        doc["inbox"] = json!("https://evil.example/inbox");
        assert_eq!(read_actor(&doc), Err(ActorError::ForeignHost("inbox")));
        let mut doc: Value = serde_json::from_str(MASTODON).unwrap();
        doc["endpoints"]["sharedInbox"] = json!("https://evil.example/inbox");
        assert_eq!(read_actor(&doc).unwrap().shared_inbox, None);
    }

    #[test]
    fn our_actor_document_reads_back() {
        let actor = LocalActor {
            id: Url::parse("https://a.example/orgs/amal").unwrap(),
            kind: "Organization",
            username: "amal".into(),
            name_ar: "أمل".into(),
            name_en: "Amal".into(),
            summary: "relief".into(),
            shared_inbox: Url::parse("https://a.example/inbox").unwrap(),
            public_key_pem: "PEM".into(),
            multikey: Some("z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK".into()),
            manually_approves: true,
            profile: serde_json::Map::from_iter([("sectors".to_owned(), json!(["shelter"]))]),
        };
        let got = read_actor(&actor.to_document()).unwrap();
        assert_eq!(got.key_id, "https://a.example/orgs/amal#main-key");
        assert_eq!(got.multikey.unwrap().0, "https://a.example/orgs/amal#ed25519-key");
        assert_eq!(got.profile["sectors"], json!(["shelter"]));
    }
}
