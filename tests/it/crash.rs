//! The real `sanad` binary, killed with SIGKILL in the middle of a burst of needs and started again: its follower
//! ends with exactly the needs it committed, none lost and none twice.

use std::{io::BufRead, process::Stdio, time::Duration};

use sanad_node::{
    domain::{
        accounts::{self, OrgFields, UserFields},
        network::keys,
        tenancy::Role,
    },
    state::AppState,
};
use sanad_tests::{OPERATOR, PASSWORD, TestApp, spawn_federated, test_keys};
use serde_json::{Value, json};

/// A node run as a child process of the test.
struct Child {
    config_file: std::path::PathBuf,
    base: String,
    process: Option<std::process::Child>,
}

impl Child {
    /// Starts the binary and waits for the line that says it listens.
    fn start(&mut self) {
        let mut process = std::process::Command::new(env!("CARGO_BIN_EXE_sanad-under-test"))
            .args(["--config", self.config_file.to_str().unwrap(), "serve"])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start sanad");
        let stderr = process.stderr.take().unwrap();
        let mut lines = std::io::BufReader::new(stderr).lines();
        loop {
            let line = lines.next().expect("sanad said nothing").unwrap();
            if line.contains("listening on") {
                break;
            }
        }
        // Keep draining its output so that it never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        self.process = Some(process);
    }

    fn kill(&mut self) {
        if let Some(mut p) = self.process.take() {
            p.kill().unwrap(); // SIGKILL
            p.wait().unwrap();
        }
    }
}

impl Drop for Child {
    fn drop(&mut self) {
        self.kill();
    }
}

async fn api(
    base: &str,
    method: &str,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> Option<(u16, Value)> {
    let mut req = reqwest::Client::new()
        .request(method.parse().unwrap(), format!("{base}/api/v1/orgs/amal{path}"))
        .bearer_auth(token)
        .timeout(Duration::from_secs(10));
    if let Some(body) = body {
        req = req.json(&body);
    }
    let r = req.send().await.ok()?;
    let status = r.status().as_u16();
    Some((status, r.json().await.ok()?))
}

/// Prepares the child's database in-process (organisation, admin, token, keys) and writes its configuration.
async fn child(dir: &std::path::Path) -> (Child, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut config = sanad_tests::test_config(dir).await;
    config.http.bind = format!("127.0.0.1:{port}");
    config.public_url = format!("http://localhost:{port}");
    config.federation.allow_http = true;
    config.federation.max_backoff_secs = 1;
    let db = sanad_node::app::bootstrap::open_database(&config).await.unwrap();
    let state = AppState::build(config.clone(), db, test_keys()).await.unwrap();
    let fields = OrgFields {
        slug: "amal".into(),
        name_ar: "جمعية الأمل".into(),
        name_en: "Amal".into(),
        ..Default::default()
    };
    let org = state
        .write(async |uow| accounts::create_org(uow, &OPERATOR, &fields, None).await)
        .await
        .unwrap();
    keys::ensure(&state.db, &state.network.keys, org.id).await.unwrap();
    let new = accounts::prepare_user(&UserFields {
        email: "admin@amal.org".into(),
        display_name: "admin".into(),
        password: PASSWORD.into(),
    })
    .await
    .unwrap();
    state.write(async |uow| accounts::create_user(uow, &OPERATOR, &new).await).await.unwrap();
    state
        .write(async |uow| {
            accounts::grant_by_name(uow, &OPERATOR, "admin@amal.org", "amal", Role::Admin).await
        })
        .await
        .unwrap();
    let (token, _) = state
        .write(async |uow| {
            accounts::create_token(uow, &OPERATOR, "admin@amal.org", "amal", None, "t").await
        })
        .await
        .unwrap();
    state.db.close().await.unwrap();
    let file = dir.join("sanad.toml");
    std::fs::write(
        &file,
        format!(
            "data_dir = {:?}\npublic_url = {:?}\n[http]\nbind = {:?}\n[database]\nurl = {:?}\n[log]\nlevel = \"warn\"\n\
             [federation]\nallow_http = true\nmax_backoff_secs = 1\n",
            config.data_dir, config.public_url, config.http.bind, config.database.url
        ),
    )
    .unwrap();
    (Child { config_file: file, base: format!("http://127.0.0.1:{port}"), process: None }, token)
}

/// Posts needs `from..to` to the child one after another and kills it once `kill_after` were acknowledged.
async fn burst_then_kill(a: &mut Child, token: &str, from: usize, to: usize, kill_after: usize) {
    let (tx, mut acknowledged) = tokio::sync::mpsc::unbounded_channel::<usize>();
    let base = a.base.clone();
    let token = token.to_owned();
    let burst = tokio::spawn(async move {
        for i in from..to {
            let body = json!({"sector": "food", "item": format!("burst-{i:02}"), "quantity": 5, "unit": "basket",
                "urgency": "high", "region_code": "PS-GZA", "visibility": "network"});
            match api(&base, "POST", "/needs", &token, Some(body)).await {
                Some((201, _)) => {
                    let _ = tx.send(i);
                }
                _ => break,
            }
        }
    });
    let mut count = 0;
    while acknowledged.recv().await.is_some() {
        count += 1;
        if count == kill_after {
            a.kill();
            break;
        }
    }
    burst.await.unwrap();
}

/// The needs the child lists (what it committed), sorted.
async fn committed(a: &Child, token: &str) -> Vec<String> {
    let (_, list) = api(&a.base, "GET", "/needs", token, None).await.unwrap();
    let mut items: Vec<String> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["item"].as_str().unwrap().to_owned())
        .collect();
    items.sort();
    items
}

async fn received(b: &TestApp, token: &str) -> Vec<String> {
    let (_, list) = b.api("GET", "/api/v1/orgs/basma/network/needs", token, None).await;
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["item"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn a_node_killed_during_a_burst_loses_nothing_and_duplicates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (mut a, a_token) = child(dir.path()).await;
    a.start();

    let b = spawn_federated().await;
    b.org("basma", "جمعية بسمة").await;
    b.member("admin@basma.org", "basma", Role::Admin).await;
    let b_token = b.token("admin@basma.org", "basma").await;
    let handle = format!("amal@{}", a.base.replace("http://127.0.0.1", "localhost"));
    let (s, f) = b
        .api("POST", "/api/v1/orgs/basma/following", &b_token, Some(json!({"actor": handle})))
        .await;
    assert_eq!(s, 201, "{f}");
    let follower = b.actor("basma");
    let mut id = None;
    for _ in 0..200 {
        let (_, list) = api(&a.base, "GET", "/followers", &a_token, None).await.unwrap();
        id = list["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["actor"] == follower.as_str())
            .map(|i| i["id"].clone());
        if id.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let id = id.expect("the follow request reached the child node");
    let (s, _) =
        api(&a.base, "POST", &format!("/followers/{id}/accept"), &a_token, None).await.unwrap();
    assert_eq!(s, 200);
    b.until("the follow is accepted", async || {
        let (_, list) = b.api("GET", "/api/v1/orgs/basma/following", &b_token, None).await;
        list["items"][0]["state"] == "accepted"
    })
    .await;

    // A burst of 50 needs; the node is killed after the 20th is acknowledged, with requests still in flight.
    burst_then_kill(&mut a, &a_token, 0, 50, 20).await;
    a.start();
    // What the node committed is what it lists now; the follower must end with exactly that.
    let first = committed(&a, &a_token).await;
    assert!(first.len() >= 20, "{first:?}");
    b.until("every committed need arrives", async || {
        received(&b, &b_token).await.len() >= first.len()
    })
    .await;
    let mut got = received(&b, &b_token).await;
    got.sort();
    assert_eq!(got, first, "exactly the committed needs, none twice");

    // Again with the follower down: the queue the node holds when it is killed must survive the kill.
    let mut b = b;
    b.shutdown().await;
    let (s, _) = api(
        &a.base,
        "POST",
        "/needs",
        &a_token,
        Some(json!({"sector": "food", "item": "queued", "quantity": 1,
        "unit": "basket", "urgency": "low", "region_code": "PS-GZA", "visibility": "network"})),
    )
    .await
    .unwrap();
    assert_eq!(s, 201);
    burst_then_kill(&mut a, &a_token, 50, 60, 5).await;
    a.start();
    let second = committed(&a, &a_token).await;
    assert!(second.len() > first.len() + 5, "{second:?}");
    let b = b.restart().await;
    b.until("the queued needs arrive", async || received(&b, &b_token).await.len() >= second.len())
        .await;
    let mut got = received(&b, &b_token).await;
    got.sort();
    assert_eq!(got, second, "exactly the committed needs, none twice");
}
