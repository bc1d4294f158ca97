//! The inbox against hostile input. Node A ("amal") follows organisations of node F; the tests hold F's keys and
//! sign requests by hand as Mastodon does (draft-cavage, `rsa-sha256`, `(request-target) host date digest`), then
//! prove that A refuses what is forged, tampered with, unsigned, badly dated, from another origin, badly proved,
//! oversized, malformed or from a blocked host, and that replays and stale or foreign updates change nothing.

use base64::{Engine, engine::general_purpose::STANDARD as BASE64};
use chrono::{DateTime, TimeDelta, Utc};
use reqwest::StatusCode;
use rsa::{Pkcs1v15Sign, RsaPrivateKey, pkcs8::DecodePrivateKey};
use sanad_federation::{
    keys::KeyPair,
    proof,
    vocab::{self, Audience, Listing, Purpose},
};
use sanad_node::domain::{
    accounts,
    network::{keys, peers},
    tenancy::Role,
};
use sanad_node::vocab::PeerPolicy;
use sanad_tests::{TestApp, spawn_federated};
use serde_json::{Value, json};
use sha2_10::{Digest, Sha256};
use url::Url;

/// An organisation of node F whose keys the test holds, so that it can sign as it.
struct Org {
    actor: String,
    /// The origin of its node (`http://localhost:PORT`).
    origin: String,
    rsa: RsaPrivateKey,
    proof: KeyPair,
}

/// How a request departs from a correct signature.
#[derive(Clone, Copy)]
enum Tweak<'a> {
    /// Signed correctly.
    None,
    /// No `Signature` header.
    Unsigned,
    /// Signed with this key instead of the organisation's.
    Key(&'a RsaPrivateKey),
    /// One byte of the signature altered.
    Altered,
    /// Signed for (and sent with) this `Host`: a request meant for another node.
    Host(&'a str),
    /// `Date` this many seconds from now (negative: in the past).
    Date(i64),
    /// These headers signed instead of `(request-target) host date digest`.
    Headers(&'a str),
    /// This body sent instead of the signed one, with the signed body's digest.
    Body(&'a [u8]),
    /// This body sent instead of the signed one, with its own digest (which the signature does not cover).
    BodyAndDigest(&'a [u8]),
}

fn digest(body: &[u8]) -> String {
    format!("SHA-256={}", BASE64.encode(Sha256::digest(body)))
}

fn bytes(v: &Value) -> Vec<u8> {
    serde_json::to_vec(v).unwrap()
}

impl Org {
    /// POSTs `body` to `path` on `target`, signed as this organisation (changed by `tweak`).
    async fn signed_post(
        &self,
        target: &TestApp,
        path: &str,
        body: &[u8],
        tweak: Tweak<'_>,
    ) -> StatusCode {
        let public = &target.state.config.public_url;
        let host = public.split_once("://").unwrap().1;
        let host = if let Tweak::Host(h) = tweak { h } else { host };
        let offset = if let Tweak::Date(s) = tweak { s } else { 0 };
        let date = httpdate::fmt_http_date((Utc::now() + TimeDelta::seconds(offset)).into());
        let (sent, sent_digest) = match tweak {
            Tweak::Body(other) => (other, digest(body)),
            Tweak::BodyAndDigest(other) => (other, digest(other)),
            _ => (body, digest(body)),
        };
        let headers =
            if let Tweak::Headers(h) = tweak { h } else { "(request-target) host date digest" };
        let signing_string = headers
            .split(' ')
            .map(|h| match h {
                "(request-target)" => format!("(request-target): post {path}"),
                "host" => format!("host: {host}"),
                "date" => format!("date: {date}"),
                "digest" => format!("digest: {}", digest(body)),
                other => panic!("unknown signed header {other}"),
            })
            .collect::<Vec<_>>()
            .join("\n");
        let key = if let Tweak::Key(k) = tweak { k } else { &self.rsa };
        let hashed = Sha256::digest(signing_string.as_bytes());
        let mut signature = key.sign(Pkcs1v15Sign::new::<Sha256>(), &hashed).unwrap();
        if let Tweak::Altered = tweak {
            signature[17] ^= 0x01;
        }
        let mut req = reqwest::Client::new()
            .post(target.url(path))
            .header("host", host)
            .header("date", date)
            .header("digest", sent_digest)
            .header("content-type", "application/activity+json")
            .body(sent.to_vec());
        if !matches!(tweak, Tweak::Unsigned) {
            req = req.header(
                "signature",
                format!(
                    "keyId=\"{}#main-key\",algorithm=\"rsa-sha256\",headers=\"{headers}\",signature=\"{}\"",
                    self.actor,
                    BASE64.encode(signature)
                ),
            );
        }
        req.send().await.unwrap().status()
    }

    /// POSTs a correctly signed activity to A's shared inbox.
    async fn send(&self, a: &TestApp, activity: &Value) -> StatusCode {
        self.signed_post(a, "/inbox", &bytes(activity), Tweak::None).await
    }

    /// A need of this organisation, with a fresh object id.
    fn listing(&self, quantity: i64, updated: DateTime<Utc>) -> Listing {
        Listing {
            id: Url::parse(&format!("{}/objects/{}", self.origin, uuid::Uuid::new_v4())).unwrap(),
            actor: Url::parse(&self.actor).unwrap(),
            followers: Url::parse(&format!("{}/followers", self.actor)).unwrap(),
            purpose: Purpose::Request,
            audience: Audience::Public,
            item: "بطانيات".into(),
            summary: "بطانيات شتوية".into(),
            sector: "shelter".into(),
            unit: "piece".into(),
            quantity,
            available: quantity,
            quantity_met: 0,
            quantity_committed: 0,
            region_code: "PS-GZA".into(),
            region_path: vec!["PS".into()],
            urgency: Some("high".into()),
            needed_by: None,
            status: "open".into(),
            household_band: None,
            published: updated,
            updated,
        }
    }

    /// The listing as a `Proposal` with Sanad's context, proved with `key` (this organisation's Ed25519 key when
    /// `None`) under this organisation's `#ed25519-key`.
    fn proposal(&self, listing: &Listing, key: Option<&KeyPair>) -> Value {
        let mut doc = listing.to_object();
        doc["@context"] = vocab::context();
        let method = format!("{}#ed25519-key", self.actor);
        proof::sign(&doc, key.unwrap_or(&self.proof), &method, Utc::now()).unwrap()
    }

    /// An activity of `kind` by this organisation about `object`, with a fresh id.
    fn activity(&self, kind: &str, object: Value) -> Value {
        json!({"@context": vocab::context(), "id": format!("{}/activities/{}", self.origin, uuid::Uuid::new_v4()),
            "type": kind, "actor": self.actor, "object": object,
            "to": [vocab::PUBLIC], "cc": [format!("{}/followers", self.actor)]})
    }

    /// A `Create` of a fresh, correctly proved need.
    fn create(&self, quantity: i64) -> Value {
        self.activity("Create", self.proposal(&self.listing(quantity, Utc::now()), None))
    }
}

/// Node A with "amal" (and its admin's token) following organisations of node F, which accepted.
struct Fixture {
    a: TestApp,
    f: TestApp,
    admin: String,
}

async fn fixture(slugs: &[&str]) -> (Fixture, Vec<Org>) {
    let (a, f) = (spawn_federated().await, spawn_federated().await);
    a.org("amal", "جمعية الأمل").await;
    a.member("admin@amal.org", "amal", Role::Admin).await;
    let admin = a.token("admin@amal.org", "amal").await;
    let mut orgs = Vec::new();
    for slug in slugs {
        f.org(slug, "جمعية").await;
        f.member("admin@f.org", slug, Role::Admin).await;
        let theirs = f.token("admin@f.org", slug).await;
        let follow = json!({"actor": f.handle(slug)});
        let (s, v) = a.api("POST", "/api/v1/orgs/amal/following", &admin, Some(follow)).await;
        assert_eq!(s, 201, "{v}");
        let amal = a.actor("amal");
        let request = async || {
            let (_, list) =
                f.api("GET", &format!("/api/v1/orgs/{slug}/followers"), &theirs, None).await;
            list["items"].as_array().unwrap().iter().find(|i| i["actor"] == amal.as_str()).cloned()
        };
        f.until("the follow request arrives", async || request().await.is_some()).await;
        let id = request().await.unwrap()["id"].as_i64().unwrap();
        let path = format!("/api/v1/orgs/{slug}/followers/{id}/accept");
        let (s, v) = f.api("POST", &path, &theirs, None).await;
        assert_eq!(s, 200, "{v}");
        let actor = f.actor(slug);
        a.until("the acceptance arrives", async || {
            let (_, list) = a.api("GET", "/api/v1/orgs/amal/following", &admin, None).await;
            let items = list["items"].as_array().unwrap().clone();
            items.iter().any(|i| i["actor"] == actor.as_str() && i["state"] == "accepted")
        })
        .await;
        orgs.push(hold(&f, slug).await);
    }
    (Fixture { a, f, admin }, orgs)
}

/// The keys of an organisation of `f`, to sign as it.
async fn hold(f: &TestApp, slug: &str) -> Org {
    let org = accounts::find_org(&f.state.db, slug).await.unwrap().unwrap();
    let held = keys::ensure(&f.state.db, &f.state.network.keys, org.id).await.unwrap();
    Org {
        actor: f.actor(slug),
        origin: f.state.config.public_url.clone(),
        rsa: RsaPrivateKey::from_pkcs8_pem(&held.rsa_private_pem).unwrap(),
        proof: held.proof,
    }
}

impl Fixture {
    /// The needs amal lists from the network.
    async fn needs(&self) -> Vec<Value> {
        let (s, list) =
            self.a.api("GET", "/api/v1/orgs/amal/network/needs", &self.admin, None).await;
        assert_eq!(s, 200, "{list}");
        list["items"].as_array().unwrap().clone()
    }

    /// The need amal lists with this object id.
    async fn need(&self, id: &Value) -> Option<Value> {
        self.needs().await.into_iter().find(|n| &n["id"] == id)
    }
}

/// An RSA key of the test pool that is not `not`.
async fn another_rsa_key(not: &RsaPrivateKey) -> RsaPrivateKey {
    let pool = sanad_tests::test_keys();
    for _ in 0..8 {
        let key = RsaPrivateKey::from_pkcs8_pem(&pool.rsa().await.unwrap().private_key).unwrap();
        if &key != not {
            return key;
        }
    }
    panic!("the test key pool holds a single key")
}

#[tokio::test]
async fn forged_tampered_unsigned_badly_dated_or_blocked_requests_are_refused() {
    let (fx, orgs) = fixture(&["fox"]).await;
    let fox = &orgs[0];

    // The control: signed as Mastodon signs, proved with fox's Ed25519 key, to either inbox.
    let valid = fox.create(10);
    assert_eq!(fox.send(&fx.a, &valid).await, StatusCode::ACCEPTED);
    let got = fx.need(&valid["object"]["id"]).await.expect("the valid need is listed");
    assert_eq!(got["proof_verified"], true, "{got}");
    assert_eq!((&got["quantity"], &got["origin"]["id"]), (&json!(10), &json!(fox.actor)));
    let to_org = bytes(&fox.create(11));
    assert_eq!(fox.signed_post(&fx.a, "/orgs/amal/inbox", &to_org, Tweak::None).await, 202);
    assert_eq!(fx.needs().await.len(), 2);

    let stranger = another_rsa_key(&fox.rsa).await;
    let other = bytes(&fox.create(3));
    for (what, tweak, want) in [
        ("signed with another key", Tweak::Key(&stranger), 401),
        ("signature altered", Tweak::Altered, 401),
        ("unsigned", Tweak::Unsigned, 401),
        ("dated two hours ago", Tweak::Date(-2 * 3600), 401),
        ("dated two hours ahead", Tweak::Date(2 * 3600), 401),
        ("digest not signed", Tweak::Headers("(request-target) host date"), 401),
        ("date not signed", Tweak::Headers("(request-target) host digest"), 401),
        ("another body sent under the signed digest", Tweak::Body(&other), 400),
        ("another body sent with its own digest", Tweak::BodyAndDigest(&other), 401),
    ] {
        let body = bytes(&fox.create(1));
        assert_eq!(fox.signed_post(&fx.a, "/inbox", &body, tweak).await, want, "{what}");
    }
    // Signed by fox, claiming to be another actor.
    let mut impostor = fox.create(1);
    impostor["actor"] = json!(fx.f.actor("wolf"));
    assert_eq!(fox.send(&fx.a, &impostor).await, 401);
    assert_eq!(fx.needs().await.len(), 2, "a refused request was stored");

    let host = fx.f.handle("fox").split_once('@').unwrap().1.to_owned();
    fx.a.state
        .write(async |uow| peers::set_policy(uow, &host, PeerPolicy::Blocked).await)
        .await
        .unwrap();
    assert_eq!(fox.send(&fx.a, &fox.create(1)).await, StatusCode::FORBIDDEN);
    // Spelt with a trailing dot, the host is still blocked.
    let dotted = |u: &str| u.replace("localhost:", "localhost.:");
    let fox_dotted = Org {
        actor: dotted(&fox.actor),
        origin: dotted(&fox.origin),
        rsa: fox.rsa.clone(),
        proof: fox.proof.clone(),
    };
    assert_eq!(fox_dotted.send(&fx.a, &fox_dotted.create(1)).await, StatusCode::FORBIDDEN);
    assert_eq!(fx.needs().await.len(), 2, "a blocked host's need was stored");
}

#[tokio::test]
async fn a_request_signed_for_another_node_is_refused() {
    let (fx, orgs) = fixture(&["fox"]).await;
    let fox = &orgs[0];
    assert_eq!(fox.send(&fx.a, &fox.create(10)).await, 202);
    // What fox delivered to other.example, replayed here by other.example within the hour.
    let body = bytes(&fox.create(1));
    let status = fox.signed_post(&fx.a, "/inbox", &body, Tweak::Host("other.example")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(fx.needs().await.len(), 1, "a request signed for another node was applied");
}

#[tokio::test]
async fn foreign_objects_broken_proofs_and_bad_bodies_are_refused_and_unknown_kinds_ignored() {
    let (fx, orgs) = fixture(&["fox"]).await;
    let fox = &orgs[0];
    assert_eq!(fox.send(&fx.a, &fox.create(10)).await, 202);

    let other_key = KeyPair::generate().unwrap();
    let create = |l: &Listing, key| fox.activity("Create", fox.proposal(l, key));
    let fresh = || fox.listing(1, Utc::now());
    let evil = Url::parse("http://evil.example/objects/1").unwrap();
    let elsewhere = create(&Listing { id: evil, ..fresh() }, None);
    let amal = Url::parse(&fx.a.actor("amal")).unwrap();
    let misattributed = create(&Listing { actor: amal, ..fresh() }, None);
    let mut unattributed = fresh().to_object();
    unattributed.as_object_mut().unwrap().remove("attributedTo");
    let mut foreign_activity = fox.create(1);
    foreign_activity["id"] = json!("http://evil.example/activities/1");
    let mut altered = fox.create(1);
    altered["object"]["publishes"]["resourceQuantity"]["hasNumericalValue"] = json!("1000");
    let wolf_method = format!("{}#ed25519-key", fx.f.actor("wolf"));
    let wolf_proof =
        proof::sign(&fox.proposal(&fresh(), None), &other_key, &wolf_method, Utc::now());
    for (what, activity, want) in [
        ("object on another host", elsewhere, 400),
        ("object attributed to another actor", misattributed, 400),
        ("proposal without attributedTo", fox.activity("Create", unattributed), 400),
        ("activity id on another host", foreign_activity, 400),
        ("proof made with another key", create(&fresh(), Some(&other_key)), 401),
        ("object altered after its proof", altered, 401),
        ("proof naming another actor's key", fox.activity("Create", wolf_proof.unwrap()), 400),
    ] {
        assert_eq!(fox.send(&fx.a, &activity).await, want, "{what}");
    }
    // A listing from an organisation no local organisation follows.
    fx.f.org("owl", "جمعية").await;
    let owl = hold(&fx.f, "owl").await;
    assert_eq!(owl.send(&fx.a, &owl.create(1)).await, StatusCode::FORBIDDEN);
    assert_eq!(fx.needs().await.len(), 1, "a refused object was stored");

    // Bodies: too big, not JSON, not an object.
    let mut huge = fox.create(1);
    huge["object"]["content"] = json!("x".repeat(300 * 1024));
    let huge = bytes(&huge);
    assert_eq!(fox.signed_post(&fx.a, "/inbox", &huge, Tweak::None).await, 413);
    for body in [&b"{\"type\": \"Create\", \"actor\": "[..], b"[]", b"null"] {
        let what = String::from_utf8_lossy(body);
        assert_eq!(fox.signed_post(&fx.a, "/inbox", body, Tweak::None).await, 400, "{what}");
    }

    // A kind Sanad does not use is taken and ignored.
    let like = fox.activity("Like", json!(fx.a.actor("amal")));
    assert_eq!(fox.send(&fx.a, &like).await, 202);
    assert_eq!(fx.needs().await.len(), 1);

    // A FEP-0837 proposal from other software: no Sanad terms, no proof.
    let id = format!("{}/objects/{}", fox.origin, uuid::Uuid::new_v4());
    let plain = json!({
        "@context": ["https://www.w3.org/ns/activitystreams", {"vf": "https://w3id.org/valueflows/ont/vf#",
            "om2": "http://www.ontology-of-units-of-measure.org/resource/om-2/", "Proposal": "vf:Proposal",
            "Intent": "vf:Intent", "publishes": "vf:publishes", "purpose": "vf:purpose", "action": "vf:action",
            "unitBased": "vf:unitBased", "resourceQuantity": "vf:resourceQuantity", "hasUnit": "om2:hasUnit",
            "resourceConformsTo": "vf:resourceConformsTo", "hasNumericalValue": "om2:hasNumericalValue"}],
        "id": id, "type": "Proposal", "attributedTo": fox.actor, "name": "Blankets",
        "content": "<p>Winter blankets</p>", "published": "2026-01-10T09:00:00Z", "purpose": "request",
        "unitBased": false, "to": [vocab::PUBLIC],
        "publishes": {"type": "Intent", "id": format!("{id}#primary"), "action": "transfer",
            "resourceConformsTo": "https://www.wikidata.org/wiki/Q5852",
            "resourceQuantity": {"hasUnit": "one", "hasNumericalValue": "20"}},
    });
    assert_eq!(fox.send(&fx.a, &fox.activity("Create", plain)).await, 202);
    let got = fx.need(&json!(id)).await.expect("the plain proposal is listed");
    let keys = ["sector", "region_code", "proof_verified", "quantity", "item", "summary"];
    let seen: serde_json::Map<String, Value> =
        keys.iter().map(|k| ((*k).to_owned(), got[*k].clone())).collect();
    assert_eq!(
        Value::Object(seen),
        json!({"sector": "other", "region_code": null, "proof_verified": false, "quantity": 20,
            "item": "Blankets", "summary": "Winter blankets"})
    );
}

#[tokio::test]
async fn replays_stale_updates_and_changes_to_another_actors_objects_have_no_effect() {
    let (fx, orgs) = fixture(&["fox", "wolf"]).await;
    let (fox, wolf) = (&orgs[0], &orgs[1]);
    let t0 = Utc::now() - TimeDelta::minutes(10);
    let listing = fox.listing(10, t0);
    let create = fox.activity("Create", fox.proposal(&listing, None));
    assert_eq!(fox.send(&fx.a, &create).await, 202);
    let id = &create["object"]["id"];
    let quantity = async || fx.need(id).await.unwrap()["quantity"].as_i64().unwrap();
    assert_eq!(quantity().await, 10);

    // An update under the id of an activity already applied is a replay: taken, and nothing changes.
    let newer = Listing { id: listing.id.clone(), ..fox.listing(99, t0 + TimeDelta::minutes(1)) };
    let mut replay = fox.activity("Update", fox.proposal(&newer, None));
    replay["id"] = create["id"].clone();
    assert_eq!(fox.send(&fx.a, &replay).await, 202);
    assert_eq!(fox.send(&fx.a, &create).await, 202);
    assert_eq!((quantity().await, fx.needs().await.len()), (10, 1), "a replay had an effect");
    // The same update under a fresh id applies.
    assert_eq!(fox.send(&fx.a, &fox.activity("Update", fox.proposal(&newer, None))).await, 202);
    assert_eq!(quantity().await, 99);

    // An update older than what is stored does not overwrite it.
    let older = Listing { id: listing.id.clone(), ..fox.listing(5, t0 - TimeDelta::hours(1)) };
    let status = fox.send(&fx.a, &fox.activity("Update", fox.proposal(&older, None))).await;
    assert!(status == 202 || status.is_client_error(), "{status}");
    assert_eq!(quantity().await, 99, "a stale update overwrote a newer one");

    // Wolf's need (on the same host) cannot be changed or deleted by fox.
    let wolfs = wolf.create(7);
    assert_eq!(wolf.send(&fx.a, &wolfs).await, 202);
    let wolf_id = &wolfs["object"]["id"];
    let theft = Listing {
        id: Url::parse(wolf_id.as_str().unwrap()).unwrap(),
        ..fox.listing(1, Utc::now())
    };
    let mut posing = fox.proposal(&theft, None);
    posing["attributedTo"] = json!(wolf.actor);
    for (what, activity) in [
        ("update attributed to fox", fox.activity("Update", fox.proposal(&theft, None))),
        ("update attributed to wolf", fox.activity("Update", posing)),
        ("delete", fox.activity("Delete", wolf_id.clone())),
    ] {
        let status = fox.send(&fx.a, &activity).await;
        assert!(status == 202 || status.is_client_error(), "{what}: {status}");
        let got = fx.need(wolf_id).await.unwrap_or_else(|| panic!("{what} removed wolf's need"));
        assert_eq!(
            (&got["quantity"], &got["origin"]["id"]),
            (&json!(7), &json!(wolf.actor)),
            "{what}"
        );
    }
    // Fox may delete its own.
    assert_eq!(fox.send(&fx.a, &fox.activity("Delete", id.clone())).await, 202);
    assert!(fx.need(id).await.is_none());
}

#[tokio::test]
async fn a_proposal_sent_to_one_organisation_is_listed_for_it_alone() {
    let (fx, orgs) = fixture(&["fox"]).await;
    let fox = &orgs[0];
    // Another organisation on node A, which does not follow fox.
    fx.a.org("nahr", "جمعية النهر").await;
    fx.a.member("admin@nahr.org", "nahr", Role::Admin).await;
    let nahr = fx.a.token("admin@nahr.org", "nahr").await;
    let listed = async |token: &str, slug: &str| {
        let (s, list) =
            fx.a.api("GET", &format!("/api/v1/orgs/{slug}/network/needs"), token, None).await;
        assert_eq!(s, 200, "{list}");
        list["items"].as_array().unwrap().len()
    };
    // A request addressed to nahr only: nahr sees it, amal (which follows fox) does not.
    let mut only_nahr = fox.activity("Create", fox.proposal(&fox.listing(7, Utc::now()), None));
    only_nahr["to"] = json!([fx.a.actor("nahr")]);
    only_nahr["cc"] = json!([]);
    assert_eq!(fox.send(&fx.a, &only_nahr).await, StatusCode::ACCEPTED);
    assert_eq!(listed(&nahr, "nahr").await, 1);
    assert_eq!(
        listed(&fx.admin, "amal").await,
        0,
        "a listing sent to another organisation stays with it"
    );
    // One addressed to fox's followers is amal's, not nahr's.
    assert_eq!(fox.send(&fx.a, &fox.create(3)).await, StatusCode::ACCEPTED);
    assert_eq!(listed(&fx.admin, "amal").await, 1);
    assert_eq!(listed(&nahr, "nahr").await, 1);
}
