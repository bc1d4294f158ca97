//! Configuration, layered: built-in defaults, then a TOML file, then `SANAD_*` environment variables
//! (`SANAD_SECTION__KEY`). Validated once, at start-up; an invalid value stops start-up naming the option.

use std::{net::SocketAddr, path::PathBuf};

use figment::{
    Figment,
    providers::{Env, Format, Serialized, Toml},
};
use serde::{Deserialize, Serialize};

/// The node's whole configuration.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Where the node keeps its SQLite database and other files.
    pub data_dir: PathBuf,
    /// The address people and peers use to reach this node, e.g. `https://aid.example.org`.
    /// Empty means `http://` + `http.bind`.
    pub public_url: String,
    /// HTTP server settings.
    pub http: HttpConfig,
    /// Database settings.
    pub database: DatabaseConfig,
    /// Logging settings.
    pub log: LogConfig,
    /// Sign-in and session settings.
    pub auth: AuthConfig,
    /// Federation settings.
    pub federation: FederationSettings,
    /// Search index settings.
    pub search: SearchSettings,
    /// Donors' pledges.
    pub pledges: PledgeSettings,
    /// E-mail notifications.
    pub mail: MailSettings,
}

/// Donors' pledges.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PledgeSettings {
    /// Pledges accepted per hour from one client address (the public form's flood guard); a need takes at most ten
    /// times as many an hour.
    pub per_address_per_hour: u32,
}

impl Default for PledgeSettings {
    fn default() -> Self {
        Self { per_address_per_hour: 10 }
    }
}

/// E-mail notifications to organisations' staff, sent from a durable queue.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MailSettings {
    /// The SMTP server: `smtp://host:port` (plain), `smtp://host?tls=required` (STARTTLS), `smtps://host` (TLS), with
    /// `user:password@` when it needs a login. Empty: no e-mail (notifications show on the dashboard only).
    pub smtp_url: String,
    /// The sender, e.g. `Sanad <noreply@aid.example.org>`; `noreply@` the public host when empty.
    pub from: String,
}

/// Search index settings (the index lives in `data_dir/search`).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SearchSettings {
    /// Milliseconds at most between a change and its being searchable (the writer commits in batches).
    pub commit_interval_ms: u64,
    /// A batch is committed at once when this many changes wait.
    pub batch: usize,
    /// Megabytes of memory the writer of a rebuild may use.
    pub rebuild_memory_mb: usize,
}

impl SearchSettings {
    /// How the index's writer batches, from these settings.
    pub fn writer(&self) -> sanad_search::service::Settings {
        sanad_search::service::Settings {
            batch: self.batch,
            interval: std::time::Duration::from_millis(self.commit_interval_ms),
            ..sanad_search::service::Settings::default()
        }
    }
}

impl Default for SearchSettings {
    fn default() -> Self {
        Self { commit_interval_ms: 100, batch: 1_000, rebuild_memory_mb: 256 }
    }
}

/// Federation settings.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FederationSettings {
    /// Permit http:// URLs and loopback addresses (tests and local demos only; logged as a warning when on).
    pub allow_http: bool,
    /// Federate only with hosts the operator allowed (`sanad federation allow HOST`).
    pub allow_list_only: bool,
    /// A need's region is generalised to its parent while fewer than this many open shared needs of the organisation
    /// sit in it.
    pub k_anonymity: usize,
    /// Hours a peer may stay unreachable before it is marked dead and its queue parked.
    pub dead_after_hours: u64,
    /// Longest wait between two delivery attempts to a peer, in seconds.
    pub max_backoff_secs: u64,
    /// Seconds an outgoing request (delivery or fetch) may take.
    pub request_timeout_secs: u64,
}

impl Default for FederationSettings {
    fn default() -> Self {
        Self {
            allow_http: false,
            allow_list_only: false,
            k_anonymity: sanad_federation::projection::DEFAULT_K,
            dead_after_hours: 72,
            max_backoff_secs: 3600,
            request_timeout_secs: 10,
        }
    }
}

/// HTTP server settings.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HttpConfig {
    /// Address and port to listen on.
    pub bind: String,
    /// Largest request body accepted, in bytes; larger bodies are answered with 413.
    pub body_limit: usize,
    /// Trust the first address of `X-Forwarded-For` (only behind a reverse proxy you run).
    pub behind_proxy: bool,
    /// Seconds a client has to send a request's headers; also how long an idle kept-alive connection stays open.
    pub header_timeout_secs: u64,
    /// Seconds a request body may pause between two parts before the request is answered with 408.
    pub body_timeout_secs: u64,
    /// Seconds a whole request may take, reading its body included, before it is answered with 503 (nothing is
    /// committed after that).
    pub request_timeout_secs: u64,
    /// Most connections open at once; further clients wait in the listen queue.
    pub max_connections: usize,
}

/// Database settings.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DatabaseConfig {
    /// `sqlite://…` or `postgres://…`; empty means SQLite in `data_dir/sanad.db`.
    pub url: String,
    /// A file holding the database URL (for secrets); used when `url` is empty.
    pub url_file: Option<PathBuf>,
    /// Largest number of pooled connections.
    pub max_connections: u32,
}

/// Logging settings.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LogConfig {
    /// `plain` or `json`.
    pub format: String,
    /// A tracing filter such as `info` or `sanad_node=debug,info`.
    pub level: String,
}

/// The default log filter: the node's own events at info, the database driver's only when they matter.
pub const DEFAULT_LOG_LEVEL: &str = "info,sqlx=warn";

/// Sign-in and session settings.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AuthConfig {
    /// How long a sign-in lasts, in hours.
    pub session_hours: u32,
    /// Sign-in attempts allowed per minute, per client address and per e-mail address.
    pub signin_attempts_per_minute: u32,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            data_dir: PathBuf::from("./sanad-data"),
            public_url: String::new(),
            http: HttpConfig::default(),
            database: DatabaseConfig::default(),
            log: LogConfig::default(),
            auth: AuthConfig::default(),
            federation: FederationSettings::default(),
            search: SearchSettings::default(),
            pledges: PledgeSettings::default(),
            mail: MailSettings::default(),
        }
    }
}

impl Default for HttpConfig {
    fn default() -> Self {
        Self {
            bind: "127.0.0.1:8080".into(),
            body_limit: 256 * 1024,
            behind_proxy: false,
            header_timeout_secs: 10,
            body_timeout_secs: 10,
            request_timeout_secs: 60,
            max_connections: 1024,
        }
    }
}

impl Default for DatabaseConfig {
    fn default() -> Self {
        Self { url: String::new(), url_file: None, max_connections: 10 }
    }
}

impl Default for LogConfig {
    fn default() -> Self {
        Self { format: "plain".into(), level: DEFAULT_LOG_LEVEL.into() }
    }
}

impl Default for AuthConfig {
    fn default() -> Self {
        Self { session_hours: 12, signin_attempts_per_minute: 10 }
    }
}

/// The public URL of a node with none configured: `http://` and the bind address, with `localhost` for a loopback
/// address (peers and activitypub_federation name hosts, not IP addresses).
pub fn derived_public_url(bind: SocketAddr) -> String {
    if bind.ip().is_loopback() {
        format!("http://localhost:{}", bind.port())
    } else {
        format!("http://{bind}")
    }
}

/// A configuration problem, naming the option.
#[derive(Debug, thiserror::Error)]
#[error("invalid configuration: {0}")]
pub struct ConfigError(pub String);

impl Config {
    /// Loads defaults, then `file` (if given; it must exist), then `SANAD_*` environment variables, and validates.
    pub fn load(file: Option<&std::path::Path>) -> Result<Self, ConfigError> {
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        if let Some(path) = file {
            if !path.is_file() {
                return Err(ConfigError(format!("--config: no such file {}", path.display())));
            }
            figment = figment.merge(Toml::file_exact(path));
        }
        figment = figment
            .merge(Env::prefixed("SANAD_").split("__").ignore(&["test_database_url", "config"]));
        let config: Config = figment.extract().map_err(|e| {
            let mut msg = String::new();
            for err in e {
                if !msg.is_empty() {
                    msg.push_str("; ");
                }
                let path = err.path.join(".");
                if path.is_empty() {
                    msg.push_str(&err.kind.to_string());
                } else {
                    msg.push_str(&format!("{path}: {}", err.kind));
                }
            }
            ConfigError(msg)
        })?;
        config.validated()
    }

    /// Checks every value and fills derived ones (public URL, database URL).
    pub fn validated(mut self) -> Result<Self, ConfigError> {
        let bind = self.bind_addr()?;
        if self.public_url.trim().is_empty() {
            self.public_url = derived_public_url(bind);
        }
        self.public_url = self.public_url.trim().trim_end_matches('/').to_owned();
        let ok_url = |u: &str| {
            let rest = u.strip_prefix("https://").or_else(|| u.strip_prefix("http://"));
            rest.is_some_and(|r| {
                !r.is_empty() && !r.contains(char::is_whitespace) && !r.contains('/')
            })
        };
        if !ok_url(&self.public_url) {
            return Err(ConfigError(format!(
                "public_url: `{}` must be an http:// or https:// address with no path, like https://aid.example.org",
                self.public_url
            )));
        }
        if !(1..=60_000).contains(&self.search.commit_interval_ms) {
            return Err(ConfigError(
                "search.commit_interval_ms: must be between 1 and 60000".into(),
            ));
        }
        if !(1..=1_000_000).contains(&self.search.batch) {
            return Err(ConfigError("search.batch: must be between 1 and 1000000".into()));
        }
        if !(16..=65_536).contains(&self.search.rebuild_memory_mb) {
            return Err(ConfigError(
                "search.rebuild_memory_mb: must be between 16 and 65536".into(),
            ));
        }
        if self.database.url.trim().is_empty()
            && let Some(file) = &self.database.url_file
        {
            self.database.url = std::fs::read_to_string(file)
                .map_err(|e| {
                    ConfigError(format!("database.url_file: cannot read {}: {e}", file.display()))
                })?
                .trim()
                .to_owned();
        }
        if self.database.url.trim().is_empty() {
            self.database.url =
                format!("sqlite://{}?mode=rwc", self.data_dir.join("sanad.db").display());
        }
        let url = self.database.url.trim();
        if !(url.starts_with("sqlite:")
            || url.starts_with("postgres://")
            || url.starts_with("postgresql://"))
        {
            return Err(ConfigError(
                "database.url: must start with sqlite:, postgres:// or postgresql://".into(),
            ));
        }
        if self.database.max_connections == 0 || self.database.max_connections > 1000 {
            return Err(ConfigError("database.max_connections: must be between 1 and 1000".into()));
        }
        if !matches!(self.log.format.as_str(), "plain" | "json") {
            return Err(ConfigError(format!(
                "log.format: `{}` is neither plain nor json",
                self.log.format
            )));
        }
        if tracing_subscriber::EnvFilter::try_new(&self.log.level).is_err() {
            return Err(ConfigError(format!(
                "log.level: `{}` is not a valid filter",
                self.log.level
            )));
        }
        if !(1024..=64 * 1024 * 1024).contains(&self.http.body_limit) {
            return Err(ConfigError(
                "http.body_limit: must be between 1024 and 67108864 bytes".into(),
            ));
        }
        for (name, value) in [
            ("http.header_timeout_secs", self.http.header_timeout_secs),
            ("http.body_timeout_secs", self.http.body_timeout_secs),
            ("http.request_timeout_secs", self.http.request_timeout_secs),
        ] {
            if !(1..=3600).contains(&value) {
                return Err(ConfigError(format!("{name}: must be between 1 and 3600 seconds")));
            }
        }
        if !(1..=1_000_000).contains(&self.http.max_connections) {
            return Err(ConfigError("http.max_connections: must be between 1 and 1000000".into()));
        }
        if self.auth.session_hours == 0 || self.auth.session_hours > 24 * 90 {
            return Err(ConfigError("auth.session_hours: must be between 1 and 2160".into()));
        }
        if self.federation.k_anonymity == 0 || self.federation.k_anonymity > 1000 {
            return Err(ConfigError("federation.k_anonymity: must be between 1 and 1000".into()));
        }
        for (name, value, max) in [
            ("federation.dead_after_hours", self.federation.dead_after_hours, 24 * 365),
            ("federation.max_backoff_secs", self.federation.max_backoff_secs, 7 * 24 * 3600),
            ("federation.request_timeout_secs", self.federation.request_timeout_secs, 600),
        ] {
            if !(1..=max).contains(&value) {
                return Err(ConfigError(format!("{name}: must be between 1 and {max}")));
            }
        }
        if self.auth.signin_attempts_per_minute == 0 {
            return Err(ConfigError("auth.signin_attempts_per_minute: must be at least 1".into()));
        }
        if self.pledges.per_address_per_hour == 0 {
            return Err(ConfigError("pledges.per_address_per_hour: must be at least 1".into()));
        }
        if !self.mail.from.trim().is_empty()
            && self.mail.from.trim().parse::<lettre::message::Mailbox>().is_err()
        {
            return Err(ConfigError(format!(
                "mail.from: `{}` is not an address like Sanad <noreply@aid.example.org>",
                self.mail.from
            )));
        }
        if !self.mail.smtp_url.trim().is_empty() {
            lettre::AsyncSmtpTransport::<lettre::Tokio1Executor>::from_url(
                self.mail.smtp_url.trim(),
            )
            .map_err(|e| ConfigError(format!("mail.smtp_url: not an SMTP server address ({e})")))?;
        }
        Ok(self)
    }

    /// The socket address to listen on.
    pub fn bind_addr(&self) -> Result<SocketAddr, ConfigError> {
        self.http.bind.trim().parse().map_err(|_| {
            ConfigError(format!(
                "http.bind: `{}` is not an address and port like 127.0.0.1:8080",
                self.http.bind
            ))
        })
    }

    /// Whether the node is reached over https (cookies are then marked `Secure`).
    pub fn is_https(&self) -> bool {
        self.public_url.starts_with("https://")
    }

    /// Whether the database is PostgreSQL.
    pub fn is_postgres(&self) -> bool {
        self.database.url.starts_with("postgres")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(mutate: impl FnOnce(&mut Config), expected: &str) {
        let mut config = Config::default();
        mutate(&mut config);
        let err = config.validated().expect_err("should be refused");
        assert!(err.to_string().contains(expected), "{err} does not name {expected}");
    }

    #[test]
    fn defaults_are_valid_and_derive_urls() {
        let config = Config::default().validated().unwrap();
        assert_eq!(config.public_url, "http://localhost:8080");
        assert!(config.database.url.starts_with("sqlite://"));
        assert!(!config.is_https());
    }

    #[test]
    fn invalid_values_name_their_option() {
        check(|c| c.http.bind = "localhost".into(), "http.bind");
        check(|c| c.public_url = "ftp://x".into(), "public_url");
        check(|c| c.database.url = "mysql://x".into(), "database.url");
        check(|c| c.log.format = "xml".into(), "log.format");
        check(|c| c.http.body_limit = 1, "http.body_limit");
        check(|c| c.http.header_timeout_secs = 0, "http.header_timeout_secs");
        check(|c| c.http.max_connections = 0, "http.max_connections");
        check(|c| c.database.max_connections = 0, "database.max_connections");
        check(|c| c.auth.session_hours = 0, "auth.session_hours");
    }

    #[test]
    fn example_file_sets_every_option_and_parses() {
        let path =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../deploy/sanad.example.toml");
        let text = std::fs::read_to_string(&path).unwrap();
        let parsed: Config = Figment::from(Serialized::defaults(Config::default()))
            .merge(Toml::file_exact(&path))
            .extract()
            .unwrap();
        parsed.validated().unwrap();
        fn keys(value: &serde_json::Value, out: &mut Vec<String>) {
            if let Some(map) = value.as_object() {
                for (k, v) in map {
                    out.push(k.clone());
                    keys(v, out);
                }
            }
        }
        let mut all = Vec::new();
        keys(&serde_json::to_value(Config::default()).unwrap(), &mut all);
        for key in all {
            let documented = text.lines().any(|l| {
                let l = l.trim_start_matches(['#', ' ']);
                l.starts_with(&format!("{key} =")) || l.starts_with(&format!("[{key}]"))
            });
            assert!(documented, "deploy/sanad.example.toml does not document `{key}`");
        }
    }

    #[test]
    #[allow(clippy::result_large_err)]
    fn toml_file_and_environment_are_layered() {
        figment::Jail::expect_with(|jail| {
            jail.create_file(
                "sanad.toml",
                "public_url = \"https://aid.example.org/\"\n[http]\nbind = \"0.0.0.0:9000\"",
            )?;
            jail.set_env("SANAD_HTTP__BIND", "127.0.0.1:9100");
            jail.set_env("SANAD_TEST_DATABASE_URL", "postgres://ignored");
            let config = Config::load(Some(std::path::Path::new("sanad.toml"))).unwrap();
            assert_eq!(config.http.bind, "127.0.0.1:9100");
            assert_eq!(config.public_url, "https://aid.example.org");
            jail.set_env("SANAD_HTTP__BODY_LIMIT", "lots");
            let err = Config::load(None).unwrap_err().to_string();
            assert!(err.contains("http.body_limit"), "{err}");
            jail.create_file("bad.toml", "[htp]\nbind = \"x\"")?;
            let err = Config::load(Some(std::path::Path::new("bad.toml"))).unwrap_err().to_string();
            assert!(err.contains("htp"), "{err}");
            Ok(())
        });
    }
}
