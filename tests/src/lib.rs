//! Test harness: `spawn_app()` starts a real node on 127.0.0.1:0 with a fresh database (SQLite in a temporary
//! directory, or a new PostgreSQL database when `SANAD_TEST_DATABASE_URL` is set) and gives back a client.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::{net::SocketAddr, path::PathBuf};

use activitypub_federation::http_signatures::{Keypair, generate_actor_keypair};
use reqwest::{Client, redirect::Policy};
use sanad_node::domain::network::KeyMaker;
use sanad_node::{
    app::Application,
    config::Config,
    domain::{
        accounts::{self, OrgFields, UserFields},
        cases::{self, CaseFilter},
        tenancy::{OperatorScope, OrgScope, Role},
    },
    state::AppState,
};
use sea_orm::{ConnectionTrait, Database};
use tokio::{sync::oneshot, task::JoinHandle};

/// A running node under test.
pub struct TestApp {
    /// Base URL, e.g. `http://127.0.0.1:41234`.
    pub base: String,
    /// Bound address.
    pub addr: SocketAddr,
    /// The node's state (database handle and configuration), for arranging data and checking results.
    pub state: AppState,
    /// The configuration it was started with (reused by `restart`).
    pub config: Config,
    stop: Option<oneshot::Sender<()>>,
    server: Option<JoinHandle<()>>,
    _dir: tempfile::TempDir,
}

/// Where the database of a new test node lives.
pub async fn fresh_database_url(dir: &std::path::Path) -> String {
    match std::env::var("SANAD_TEST_DATABASE_URL") {
        Ok(admin_url) if !admin_url.trim().is_empty() => {
            let name = format!("sanad_t_{}", uuid::Uuid::new_v4().simple());
            let admin = Database::connect(admin_url.trim())
                .await
                .expect("connect to SANAD_TEST_DATABASE_URL");
            admin
                .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
                .await
                .expect("create test database");
            admin.close().await.ok();
            with_database_name(admin_url.trim(), &name)
        }
        _ => format!("sqlite://{}?mode=rwc", dir.join("sanad.db").display()),
    }
}

/// Replaces the database name in a PostgreSQL URL.
pub fn with_database_name(url: &str, name: &str) -> String {
    let (base, query) = url.split_once('?').map(|(b, q)| (b, Some(q))).unwrap_or((url, None));
    let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let path_start = base[scheme_end..].find('/').map(|i| i + scheme_end).unwrap_or(base.len());
    let mut out = format!("{}/{name}", &base[..path_start]);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

/// CPU time this process has used so far (user and system, all threads), from `/proc/self/stat`, for benchmarks.
pub fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> =
        stat.rsplit(')').next().unwrap_or_default().split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the command name; 100 ticks a second.
    (ticks(11) + ticks(12)) / 100.0
}

/// The cores this process may use.
pub fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}

/// Whether the suite runs against PostgreSQL.
pub fn on_postgres() -> bool {
    std::env::var("SANAD_TEST_DATABASE_URL").is_ok_and(|v| !v.trim().is_empty())
}

/// A configuration for a test node: port 0, a temporary data directory, a fresh database.
pub async fn test_config(dir: &std::path::Path) -> Config {
    let mut config =
        Config { data_dir: PathBuf::from(dir), public_url: String::new(), ..Config::default() };
    config.http.bind = "127.0.0.1:0".into();
    config.database.url = fresh_database_url(dir).await;
    config.database.max_connections = 5;
    config.log.level = "warn".into();
    config.validated().expect("test configuration is valid")
}

/// Starts a node with a fresh database.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// Starts a node with one organisation, "amal", and a browser signed in as its member a@amal.org in `role`.
pub async fn spawn_signed_in(role: Role) -> (TestApp, Client) {
    let app = spawn_app().await;
    app.org("amal", "جمعية الأمل").await;
    app.member("a@amal.org", "amal", role).await;
    let browser = app.signed_in("a@amal.org").await;
    (app, browser)
}

/// Starts a node that federates over plain HTTP on 127.0.0.1 (`federation.allow_http`).
pub async fn spawn_federated() -> TestApp {
    spawn_app_with(|c| c.federation.allow_http = true).await
}

impl TestApp {
    /// Waits until `check` holds, re-checking whenever this node commits a change (an inbox delivery, an
    /// answer to a follow…); panics with `what` after 20 seconds.
    pub async fn until<F: AsyncFn() -> bool>(&self, what: &str, check: F) {
        let mut events = self.state.events.subscribe();
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(20);
        loop {
            if check().await {
                return;
            }
            match tokio::time::timeout_at(deadline, events.recv()).await {
                Ok(_) => {}
                Err(_) => panic!("timed out waiting until {what}"),
            }
        }
    }

    /// Waits until `check` holds, re-checking whenever this node's search index commits; panics with `what` after
    /// 20 seconds.
    pub async fn until_searchable<F: AsyncFn() -> bool>(&self, what: &str, check: F) {
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(20);
        loop {
            let seen = self.state.search.commits();
            if check().await {
                return;
            }
            if tokio::time::Instant::now() >= deadline {
                panic!("timed out waiting until {what}");
            }
            let search = self.state.search.clone();
            tokio::task::spawn_blocking(move || {
                search.wait_commit(seen, std::time::Duration::from_secs(1))
            })
            .await
            .expect("waiting for a commit");
        }
    }

    /// Writes, in `dir`, a configuration file for running the `sanad` CLI against this node (same data directory,
    /// database and public URL), and returns its path.
    pub fn cli_config(&self, dir: &std::path::Path) -> PathBuf {
        let config = dir.join("sanad.toml");
        std::fs::write(
            &config,
            format!(
                "data_dir = {:?}\npublic_url = {:?}\n[database]\nurl = {:?}\n[log]\nlevel = \"warn\"\n",
                self.config.data_dir, self.config.public_url, self.config.database.url
            ),
        )
        .expect("write the CLI configuration");
        config
    }

    /// `slug@host` of one of this node's organisations.
    pub fn handle(&self, slug: &str) -> String {
        let public = &self.state.config.public_url;
        format!("{slug}@{}", public.split_once("://").map_or(public.as_str(), |(_, h)| h))
    }

    /// The actor id of one of this node's organisations.
    pub fn actor(&self, slug: &str) -> String {
        format!("{}/orgs/{slug}", self.state.config.public_url)
    }
}

/// Starts a node with a fresh database and a configuration changed by `tweak`.
pub async fn spawn_app_with(tweak: impl FnOnce(&mut Config)) -> TestApp {
    let dir = tempfile::tempdir().expect("temporary directory");
    let mut config = test_config(dir.path()).await;
    tweak(&mut config);
    start(config, dir).await
}

/// RSA key pairs made once per test run and shared by every test node (making one takes about a second).
pub fn test_keys() -> KeyMaker {
    static KEYS: std::sync::OnceLock<Vec<Keypair>> = std::sync::OnceLock::new();
    KeyMaker::pool(
        KEYS.get_or_init(|| {
            (0..4).map(|_| generate_actor_keypair().expect("RSA key pair")).collect()
        })
        .clone(),
    )
}

async fn start(config: Config, dir: tempfile::TempDir) -> TestApp {
    let keys = tokio::task::spawn_blocking(test_keys).await.expect("key pool");
    let app = Application::build_with(config.clone(), keys).await.expect("node starts");
    let addr = app.local_addr().expect("bound address");
    let state = app.state().clone();
    // A restart comes back at the same address (peers know the node by it).
    let mut config = config;
    config.public_url = state.config.public_url.clone();
    config.http.bind = addr.to_string();
    let (stop, stopped) = oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        app.run_until(async {
            let _ = stopped.await;
        })
        .await
        .expect("server runs");
    });
    TestApp {
        base: format!("http://{addr}"),
        addr,
        state,
        config,
        stop: Some(stop),
        server: Some(server),
        _dir: dir,
    }
}

impl TestApp {
    /// Stops the node gracefully and starts it again on the same database and data directory.
    pub async fn restart(mut self) -> TestApp {
        self.shutdown().await;
        let dir =
            std::mem::replace(&mut self._dir, tempfile::tempdir().expect("temporary directory"));
        start(self.config.clone(), dir).await
    }

    /// Stops the node gracefully and waits until it has stopped.
    pub async fn shutdown(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(server) = self.server.take() {
            server.await.expect("server task ends cleanly");
        }
    }

    /// A URL on this node.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A browser-like client: keeps cookies, does not follow redirects.
    pub fn browser(&self) -> Client {
        Client::builder().cookie_store(true).redirect(Policy::none()).build().expect("client")
    }

    /// Creates an organisation directly (as the CLI would).
    pub async fn org(&self, slug: &str, name_ar: &str) {
        let fields = OrgFields {
            slug: slug.into(),
            name_ar: name_ar.into(),
            name_en: format!("{slug} (en)"),
            description: String::new(),
            ..Default::default()
        };
        self.state
            .write(async |uow| accounts::create_org(uow, &OPERATOR, &fields, None).await)
            .await
            .expect("create organisation");
    }

    /// Creates a user with `password` and gives them `role` in `org`.
    pub async fn member(&self, email: &str, org: &str, role: Role) {
        if accounts::find_user(&self.state.db, email).await.unwrap().is_none() {
            let new = accounts::prepare_user(&UserFields {
                email: email.into(),
                display_name: email.split('@').next().unwrap().into(),
                password: PASSWORD.into(),
            })
            .await
            .expect("valid user");
            self.state
                .write(async |uow| accounts::create_user(uow, &OPERATOR, &new).await)
                .await
                .expect("create user");
        }
        self.state
            .write(async |uow| accounts::grant_by_name(uow, &OPERATOR, email, org, role).await)
            .await
            .expect("grant role");
    }

    /// The cases `scope` lists with `filter` (the listing is audited, as in the application).
    pub async fn list_cases(
        &self,
        scope: &OrgScope,
        filter: &CaseFilter,
    ) -> (Vec<sanad_node::infra::entities::case::Model>, u64) {
        self.state
            .write(async |uow| cases::list(uow, scope, filter).await)
            .await
            .expect("list cases")
    }

    /// An API token for `email` in `org`.
    pub async fn token(&self, email: &str, org: &str) -> String {
        self.state
            .write(async |uow| {
                accounts::create_token(uow, &OPERATOR, email, org, None, "test").await
            })
            .await
            .expect("create token")
            .0
    }

    /// A browser signed in as `email`.
    pub async fn signed_in(&self, email: &str) -> Client {
        let client = self.browser();
        let page = client.get(self.url("/signin")).send().await.unwrap().text().await.unwrap();
        let response = client
            .post(self.url("/signin"))
            .form(&[
                ("csrf", csrf_of(&page).as_str()),
                ("email", email),
                ("password", PASSWORD),
                ("next", "/"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 303, "sign-in of {email} should redirect");
        client
    }

    /// Calls the JSON API with a bearer token; returns the status and the JSON body.
    pub async fn api(
        &self,
        method: &str,
        path: &str,
        token: &str,
        body: Option<serde_json::Value>,
    ) -> (reqwest::StatusCode, serde_json::Value) {
        let mut req =
            Client::new().request(method.parse().unwrap(), self.url(path)).bearer_auth(token);
        if let Some(body) = body {
            req = req.json(&body);
        }
        let r = req.send().await.unwrap();
        let status = r.status();
        let text = r.text().await.unwrap();
        let value = serde_json::from_str(&text)
            .unwrap_or_else(|_| panic!("{method} {path}: not JSON: {text}"));
        (status, value)
    }

    /// Fetches a page and submits a form to `action` with the page's CSRF token and `fields`.
    pub async fn submit(
        &self,
        client: &Client,
        page: &str,
        action: &str,
        fields: &[(&str, &str)],
    ) -> reqwest::Response {
        let html = client.get(self.url(page)).send().await.unwrap().text().await.unwrap();
        let csrf = csrf_of(&html);
        let mut form: Vec<(&str, &str)> = vec![("csrf", csrf.as_str())];
        form.extend_from_slice(fields);
        client.post(self.url(action)).form(&form).send().await.unwrap()
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// The operator acting for the tests, as at the command line.
pub const OPERATOR: OperatorScope = OperatorScope::command_line();

/// The password every test user has.
pub const PASSWORD: &str = "correct horse battery";

/// The CSRF token embedded in a page's forms.
pub fn csrf_of(html: &str) -> String {
    let marker = "name=\"csrf\" value=\"";
    let start =
        html.find(marker).map(|i| i + marker.len()).expect("page has a form with a CSRF token");
    html[start..].split('"').next().unwrap().to_owned()
}

/// A message a test SMTP server received.
#[derive(Clone, Debug)]
pub struct Mail {
    /// The envelope sender.
    pub from: String,
    /// The envelope recipients.
    pub to: Vec<String>,
    /// The message as sent (headers and body).
    pub data: String,
}

/// The messages a test SMTP server received so far.
pub type Mailbox = std::sync::Arc<std::sync::Mutex<Vec<Mail>>>;

#[derive(Clone, Default)]
struct Collect {
    inbox: Mailbox,
    current: Option<Mail>,
}

impl mailin_embedded::Handler for Collect {
    fn data_start(
        &mut self,
        _domain: &str,
        from: &str,
        _is8bit: bool,
        to: &[String],
    ) -> mailin_embedded::Response {
        self.current = Some(Mail { from: from.to_owned(), to: to.to_vec(), data: String::new() });
        mailin_embedded::response::OK
    }

    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        if let Some(m) = self.current.as_mut() {
            m.data.push_str(&String::from_utf8_lossy(buf));
        }
        Ok(())
    }

    fn data_end(&mut self) -> mailin_embedded::Response {
        if let Some(m) = self.current.take() {
            self.inbox.lock().unwrap().push(m);
        }
        mailin_embedded::response::OK
    }
}

/// Starts a real SMTP server (RFC 5321, plain) on 127.0.0.1 port 0 for the rest of the test run; returns its
/// `smtp://` address and what it receives.
pub fn smtp_server() -> (String, Mailbox) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind the SMTP server");
    let addr = listener.local_addr().unwrap();
    let handler = Collect::default();
    let inbox = handler.inbox.clone();
    let mut server = mailin_embedded::Server::new(handler);
    server
        .with_name("smtp.test")
        .with_num_threads(8)
        .with_ssl(mailin_embedded::SslConfig::None)
        .expect("no TLS")
        .with_tcp_listener(listener);
    std::thread::spawn(move || server.serve().map_err(|e| e.to_string()));
    (format!("smtp://{addr}"), inbox)
}

/// A node with one organisation and its admin's API token: the federation tests' unit.
pub struct Node {
    /// The node.
    pub app: TestApp,
    /// Its organisation's slug.
    pub slug: &'static str,
    /// The organisation admin's API token.
    pub admin: String,
}

impl Node {
    /// Creates organisation `slug` (Arabic name `name_ar`) on `app`, with an admin and their token.
    pub async fn new(app: TestApp, slug: &'static str, name_ar: &str) -> Node {
        app.org(slug, name_ar).await;
        let email = format!("admin@{slug}.org");
        app.member(&email, slug, Role::Admin).await;
        let admin = app.token(&email, slug).await;
        Node { app, slug, admin }
    }

    /// Calls the organisation's API (`path` below `/api/v1/orgs/{slug}`) as its admin.
    pub async fn api(
        &self,
        method: &str,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> (reqwest::StatusCode, serde_json::Value) {
        self.app.api(method, &format!("/api/v1/orgs/{}{path}", self.slug), &self.admin, body).await
    }

    /// `self` follows `other`, and `other` accepts.
    pub async fn follow(&self, other: &Node) {
        let (s, f) = self
            .api(
                "POST",
                "/following",
                Some(serde_json::json!({"actor": other.app.handle(other.slug)})),
            )
            .await;
        assert_eq!(s, 201, "{f}");
        assert_eq!(f["state"], "pending");
        let me = self.app.actor(self.slug);
        let request = async || {
            let (_, list) = other.api("GET", "/followers", None).await;
            list["items"].as_array().unwrap().iter().find(|i| i["actor"] == me.as_str()).cloned()
        };
        other.app.until("the follow request arrives", async || request().await.is_some()).await;
        let id = request().await.unwrap()["id"].as_i64().unwrap();
        let (s, accepted) = other.api("POST", &format!("/followers/{id}/accept"), None).await;
        assert_eq!(s, 200, "{accepted}");
        let them = other.app.actor(other.slug);
        self.app
            .until("the acceptance arrives", async || {
                let (_, list) = self.api("GET", "/following", None).await;
                list["items"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|i| i["actor"] == them.as_str() && i["state"] == "accepted")
            })
            .await;
    }

    /// The listings of `kind` (`needs` or `offers`) the organisation receives.
    pub async fn network(&self, kind: &str) -> Vec<serde_json::Value> {
        let (s, list) = self.api("GET", &format!("/network/{kind}"), None).await;
        assert_eq!(s, 200, "{list}");
        list["items"].as_array().unwrap().clone()
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn database_name_is_replaced_keeping_the_query() {
        let cases = [
            ("postgres://postgres@127.0.0.1:5432/test", "postgres://postgres@127.0.0.1:5432/x"),
            ("postgres://u:p@h/db?sslmode=disable", "postgres://u:p@h/x?sslmode=disable"),
            ("postgres://h:5432", "postgres://h:5432/x"),
        ];
        for (url, expected) in cases {
            assert_eq!(super::with_database_name(url, "x"), expected);
        }
    }
}
