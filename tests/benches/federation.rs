//! Federation benchmark: `cargo bench -p sanad-tests --bench federation [-- N]`.
//!
//! 1. Inbox throughput: N signed `Create{need}` activities (HTTP signature and eddsa-jcs-2022 proof, made
//!    beforehand) POSTed to one node's shared inbox, 32 at a time; reports accepted activities per second, and, to
//!    show where the time goes, the cost of each step measured alone (RSA signature check, proof check, one stored
//!    activity).
//! 2. Fan-out: one need created on a node with 50 followers (51 nodes in this process, each with its own database);
//!    reports when the first, the median and the last follower had it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::{
    sync::Arc,
    time::{Duration, Instant, SystemTime},
};

use base64::{Engine, engine::general_purpose::STANDARD as BASE64};
use rsa::{Pkcs1v15Sign, RsaPrivateKey, RsaPublicKey, pkcs8::DecodePrivateKey};
use sanad_federation::{
    keys::KeyPair,
    proof,
    vocab::{self, Audience, Listing, Purpose},
};
use sanad_node::domain::{accounts, network::keys, tenancy::Role};
use sanad_tests::TestApp;
use serde_json::{Value, json};
use sha2_10::{Digest, Sha256};

struct Node {
    app: TestApp,
    slug: String,
    token: String,
}

/// Connections in each node's database pool (`database.max_connections`; the tests use 5).
fn pool() -> u32 {
    std::env::var("SANAD_BENCH_POOL").ok().and_then(|v| v.parse().ok()).unwrap_or(24)
}

async fn node(slug: &str) -> Node {
    let app = sanad_tests::spawn_app_with(|c| {
        c.federation.allow_http = true;
        c.database.max_connections = pool();
    })
    .await;
    app.org(slug, "جمعية").await;
    let email = format!("admin@{slug}.org");
    app.member(&email, slug, Role::Admin).await;
    let token = app.token(&email, slug).await;
    Node { app, slug: slug.to_owned(), token }
}

impl Node {
    async fn api(&self, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        let (s, v) = self
            .app
            .api(method, &format!("/api/v1/orgs/{}{path}", self.slug), &self.token, body)
            .await;
        (s.as_u16(), v)
    }

    /// `self` asks to follow `other` (accepted at once when `other` approves automatically).
    async fn follow(&self, other: &Node) {
        let (s, f) = self
            .api("POST", "/following", Some(json!({"actor": other.app.handle(&other.slug)})))
            .await;
        assert_eq!(s, 201, "{f}");
    }

    async fn followed(&self) {
        self.app
            .until("the follow is accepted", async || {
                self.api("GET", "/following", None).await.1["items"][0]["state"] == "accepted"
            })
            .await;
    }

    async fn received(&self) -> usize {
        self.api("GET", "/network/needs", None).await.1["items"].as_array().map_or(0, Vec::len)
    }
}

/// A request ready to send: body and headers, signed as the sender.
struct Signed {
    body: Vec<u8>,
    date: String,
    digest: String,
    signature: String,
}

fn sign(key: &RsaPrivateKey, key_id: &str, host: &str, body: Vec<u8>) -> Signed {
    let date = httpdate::fmt_http_date(SystemTime::now());
    let digest = format!("SHA-256={}", BASE64.encode(Sha256::digest(&body)));
    let text =
        format!("(request-target): post /inbox\nhost: {host}\ndate: {date}\ndigest: {digest}");
    let sig = key.sign(Pkcs1v15Sign::new::<Sha256>(), &Sha256::digest(text.as_bytes())).unwrap();
    let signature = format!(
        "keyId=\"{key_id}\",algorithm=\"rsa-sha256\",headers=\"(request-target) host date digest\",signature=\"{}\"",
        BASE64.encode(sig)
    );
    Signed { body, date, digest, signature }
}

fn need(actor: &str, origin: &str, proof_key: &KeyPair, i: usize) -> Value {
    let now = chrono::Utc::now();
    let listing = Listing {
        id: url::Url::parse(&format!("{origin}/objects/{}", uuid::Uuid::new_v4())).unwrap(),
        actor: url::Url::parse(actor).unwrap(),
        followers: url::Url::parse(&format!("{actor}/followers")).unwrap(),
        purpose: Purpose::Request,
        audience: Audience::Followers,
        item: format!("بطانيات شتوية {i}"),
        summary: "بطانيات لأسر نازحة في الشمال".into(),
        sector: "shelter".into(),
        unit: "piece".into(),
        quantity: 50,
        available: 50,
        quantity_met: 0,
        quantity_committed: 0,
        region_code: "PS-GZA".into(),
        region_path: vec!["PS".into()],
        urgency: Some("high".into()),
        needed_by: None,
        status: "open".into(),
        household_band: Some("4-6".into()),
        published: now,
        updated: now,
    };
    let mut object = json!({"@context": vocab::context()});
    object.as_object_mut().unwrap().extend(listing.to_object().as_object().unwrap().clone());
    let object = proof::sign(&object, proof_key, &format!("{actor}#ed25519-key"), now).unwrap();
    json!({"@context": vocab::context(), "id": format!("{origin}/activities/{}", uuid::Uuid::new_v4()),
        "type": "Create", "actor": actor, "object": object, "to": [format!("{actor}/followers")]})
}

async fn inbox_throughput(n: usize) {
    let (a, f) = (node("amal").await, node("fox").await);
    a.follow(&f).await;
    f.app
        .until("the follow request arrives", async || {
            f.api("GET", "/followers", None).await.1["items"]
                .as_array()
                .is_some_and(|i| !i.is_empty())
        })
        .await;
    let id = f.api("GET", "/followers", None).await.1["items"][0]["id"].as_i64().unwrap();
    assert_eq!(f.api("POST", &format!("/followers/{id}/accept"), None).await.0, 200);
    a.followed().await;

    let org = accounts::find_org(&f.app.state.db, "fox").await.unwrap().unwrap();
    let held = keys::ensure(&f.app.state.db, &f.app.state.network.keys, org.id).await.unwrap();
    let rsa = RsaPrivateKey::from_pkcs8_pem(&held.rsa_private_pem).unwrap();
    let actor = f.app.actor("fox");
    let origin = f.app.state.config.public_url.clone();
    let host = a.app.state.config.public_url.split_once("://").unwrap().1.to_owned();
    let key_id = format!("{actor}#main-key");

    let started = Instant::now();
    let requests: Vec<Signed> = (0..n)
        .map(|i| {
            sign(
                &rsa,
                &key_id,
                &host,
                serde_json::to_vec(&need(&actor, &origin, &held.proof, i)).unwrap(),
            )
        })
        .collect();
    println!(
        "prepared {n} signed activities in {:.1} s (sender's cost, not measured)",
        started.elapsed().as_secs_f64()
    );

    // Each step alone, to show where the inbox's time goes.
    let public = RsaPublicKey::from(&rsa);
    let sample = &requests[0];
    let text = format!(
        "(request-target): post /inbox\nhost: {host}\ndate: {}\ndigest: {}",
        sample.date, sample.digest
    );
    let sig = rsa.sign(Pkcs1v15Sign::new::<Sha256>(), &Sha256::digest(text.as_bytes())).unwrap();
    let t = Instant::now();
    for _ in 0..1000 {
        public
            .verify(Pkcs1v15Sign::new::<Sha256>(), &Sha256::digest(text.as_bytes()), &sig)
            .unwrap();
    }
    let rsa_us = t.elapsed().as_secs_f64() * 1e6 / 1000.0;
    let doc: Value = serde_json::from_slice(&sample.body).unwrap();
    let object = &doc["object"];
    let multikey = held.proof.public_multibase();
    let t = Instant::now();
    for _ in 0..1000 {
        proof::verify(object, &multikey).unwrap();
    }
    let proof_us = t.elapsed().as_secs_f64() * 1e6 / 1000.0;

    let client = reqwest::Client::new();
    let url = a.app.url("/inbox");
    let concurrency: usize =
        std::env::var("SANAD_BENCH_CONCURRENCY").ok().and_then(|v| v.parse().ok()).unwrap_or(32);
    let limit = Arc::new(tokio::sync::Semaphore::new(concurrency));
    let cpu_before = sanad_tests::cpu_seconds();
    let t = Instant::now();
    let mut tasks = Vec::with_capacity(n);
    for r in requests {
        let (client, url, limit, host) = (client.clone(), url.clone(), limit.clone(), host.clone());
        tasks.push(tokio::spawn(async move {
            let _permit = limit.acquire_owned().await.unwrap();
            client
                .post(url)
                .header("host", host)
                .header("date", r.date)
                .header("digest", r.digest)
                .header("signature", r.signature)
                .header("content-type", "application/activity+json")
                .body(r.body)
                .send()
                .await
                .map(|res| res.status().as_u16())
                .unwrap_or(0)
        }));
    }
    let mut accepted = 0;
    for task in tasks {
        if task.await.unwrap() == 202 {
            accepted += 1;
        }
    }
    let secs = t.elapsed().as_secs_f64();
    let cpu = sanad_tests::cpu_seconds() - cpu_before;
    assert_eq!(accepted, n, "every activity is accepted");
    assert_eq!(a.received().await.min(500), n.min(500));
    println!(
        "inbox: {accepted} signed Create{{need}} accepted in {secs:.2} s = {:.0} activities/s ({concurrency} concurrent, \
         pool of {} connections, {})",
        accepted as f64 / secs,
        pool(),
        if sanad_tests::on_postgres() { "PostgreSQL" } else { "SQLite" }
    );
    // The node's own view of the same requests: time spent inside the inbox handler, from its /metrics.
    let metrics = reqwest::get(a.app.url("/metrics")).await.unwrap().text().await.unwrap();
    let figure = |name: &str| {
        metrics
            .lines()
            .find(|l| l.starts_with(name) && l.contains("route=\"/inbox\"") && l.contains("POST"))
            .and_then(|l| l.rsplit(' ').next())
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    let (sum, count) = (
        figure("sanad_http_request_duration_seconds_sum"),
        figure("sanad_http_request_duration_seconds_count"),
    );
    if count > 0.0 {
        println!(
            "  inside the node: {:.2} ms per request on average ({count} requests)",
            sum / count * 1000.0
        );
    }
    println!(
        "  CPU: {:.2} ms per activity over all threads (node and load generator; {:.0}% of the machine's {} cores)",
        cpu * 1000.0 / n as f64,
        cpu / secs / sanad_tests::cores() as f64 * 100.0,
        sanad_tests::cores()
    );
    println!(
        "  per activity: RSA-2048 signature check {rsa_us:.0} µs, eddsa-jcs-2022 proof check {proof_us:.0} µs, \
         everything else (HTTP, JSON, actor lookup, one write transaction) {:.0} µs of wall time per request",
        secs * 1e6 / n as f64
    );
}

async fn fanout(followers: usize) {
    let a = node("amal").await;
    let (s, _) = a
        .api(
            "PUT",
            "",
            Some(json!({"name_ar": "جمعية الأمل", "name_en": "Amal", "auto_accept_follows": true})),
        )
        .await;
    assert_eq!(s, 200);
    let t = Instant::now();
    let mut nodes = Vec::with_capacity(followers);
    for i in 0..followers {
        nodes.push(node(&format!("f{i}")).await);
    }
    for n in &nodes {
        n.follow(&a).await;
    }
    for n in &nodes {
        n.followed().await;
    }
    println!(
        "fan-out: {followers} follower nodes started and following in {:.1} s",
        t.elapsed().as_secs_f64()
    );

    // Each follower waits on its own event bus, concurrently, and notes when the need is in its database.
    let t = Instant::now();
    let waits: Vec<_> = nodes
        .iter()
        .map(|n| {
            let state = n.app.state.clone();
            let mut events = state.events.subscribe();
            tokio::spawn(async move {
                use sea_orm::{EntityTrait, PaginatorTrait};
                loop {
                    let got = sanad_node::infra::entities::remote_object::Entity::find()
                        .count(&state.db)
                        .await
                        .unwrap();
                    if got > 0 {
                        return t.elapsed();
                    }
                    let _ = tokio::time::timeout(Duration::from_secs(30), events.recv())
                        .await
                        .expect("the need arrives");
                }
            })
        })
        .collect();
    let (s, _) = a
        .api(
            "POST",
            "/needs",
            Some(json!({"sector": "shelter", "item": "خيام", "quantity": 20, "unit": "tent",
            "urgency": "critical", "region_code": "PS-GZA", "visibility": "network"})),
        )
        .await;
    assert_eq!(s, 201);
    let committed = t.elapsed();
    let mut arrivals = Vec::with_capacity(followers);
    for w in waits {
        arrivals.push(w.await.unwrap());
    }
    arrivals.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "fan-out: one need committed in {:.0} ms, on the first follower after {:.0} ms, the median after {:.0} ms, \
         on all {followers} after {:.0} ms",
        ms(committed),
        ms(arrivals[0]),
        ms(arrivals[followers / 2]),
        ms(arrivals[followers - 1])
    );
}

fn main() {
    let n: usize = std::env::args().skip(1).find_map(|a| a.parse().ok()).unwrap_or(5000);
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        inbox_throughput(n).await;
        fanout(50).await;
    });
}
