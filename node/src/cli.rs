//! The operator CLI: `sanad serve`, `migrate`, `org`, `user`, `token`, `regions`, `federation`, `keys`, `reindex`.

use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::{Args, Parser, Subcommand};

use crate::{
    app::{Application, shutdown_signal},
    config::Config,
    domain::accounts::{self, OrgFields, UserFields},
    domain::error::AppError,
    domain::tenancy::{OperatorScope, Role},
    i18n::{Catalogue, Lang, Tr},
    infra::db,
    infra::{events::EventBus, uow::UnitOfWork},
};

/// Sanad: a federated aid-coordination node.
#[derive(Debug, Parser)]
#[command(name = "sanad", version, about)]
pub struct Cli {
    /// A TOML configuration file (see deploy/sanad.example.toml).
    #[arg(long, global = true, env = "SANAD_CONFIG")]
    pub config: Option<PathBuf>,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the node: migrate, create keys, serve HTTP until SIGTERM.
    Serve,
    /// Bring the database schema up to date.
    Migrate,
    /// Manage organisations.
    #[command(subcommand)]
    Org(OrgCommand),
    /// Manage user accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage API tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Manage the gazetteer.
    #[command(subcommand)]
    Regions(RegionsCommand),
    /// See and steer federation with peer hosts.
    #[command(subcommand)]
    Federation(FederationCommand),
    /// Manage organisations' signing keys.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Rebuild the search index from the database, beside the one in use (a running node keeps answering searches
    /// and switches to the new index when it is ready).
    Reindex,
}

/// Federation commands.
#[derive(Debug, Subcommand)]
pub enum FederationCommand {
    /// Each peer's policy, state and delivery queue.
    Status,
    /// Deliver to a peer now: clears its backoff and its dead mark (a running node picks it up within 30 s).
    Retry {
        /// The peer's host, e.g. aid.example.org.
        host: String,
    },
    /// Refuse a peer at the inbox and never deliver to it.
    Block {
        /// The peer's host.
        host: String,
    },
    /// Allow a peer (needed when `federation.allow_list_only` is on).
    Allow {
        /// The peer's host.
        host: String,
    },
    /// Lift a block or an allowance: the peer is treated like any other.
    Unblock {
        /// The peer's host.
        host: String,
    },
}

/// Key commands.
#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Make new keys for an organisation, tell its followers, and re-sign what it shares.
    Rotate {
        /// The organisation's slug.
        #[arg(long)]
        org: String,
    },
}

/// Organisation commands.
#[derive(Debug, Subcommand)]
pub enum OrgCommand {
    /// Create an organisation (does nothing if the slug exists).
    Create {
        /// Short name used in addresses (a-z, 0-9, -).
        #[arg(long)]
        slug: String,
        /// Name in Arabic.
        #[arg(long)]
        name_ar: String,
        /// Name in English.
        #[arg(long)]
        name_en: String,
        /// What the organisation does.
        #[arg(long, default_value = "")]
        description: String,
    },
}

/// User commands.
#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a user account (does nothing if the e-mail exists).
    Create(UserCreate),
    /// Give a user a role in an organisation (admin, caseworker, storekeeper, viewer).
    Grant {
        /// The user's e-mail.
        #[arg(long)]
        email: String,
        /// The organisation's slug.
        #[arg(long)]
        org: String,
        /// The role.
        #[arg(long)]
        role: String,
    },
    /// Make a user a node operator.
    Operator {
        /// The user's e-mail.
        #[arg(long)]
        email: String,
    },
}

/// Arguments of `user create`.
#[derive(Debug, Args)]
pub struct UserCreate {
    /// E-mail address, used to sign in.
    #[arg(long)]
    pub email: String,
    /// A file whose first line is the password; without it the password is asked for.
    #[arg(long)]
    pub password_file: Option<PathBuf>,
    /// Name shown to colleagues.
    #[arg(long, default_value = "")]
    pub name: String,
}

/// Token commands.
#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create an API token for a member of an organisation; it is printed once.
    Create {
        /// The user's e-mail.
        #[arg(long)]
        email: String,
        /// The organisation's slug.
        #[arg(long)]
        org: String,
        /// A role no higher than the membership's (default: the membership's role).
        #[arg(long)]
        role: Option<String>,
        /// What the token is for.
        #[arg(long, default_value = "cli")]
        label: String,
    },
}

/// Gazetteer commands.
#[derive(Debug, Subcommand)]
pub enum RegionsCommand {
    /// Load regions from a CSV (code,parent_code,level,name_en,name_ar[,lat,lon]); all rows or none.
    Import {
        /// The CSV file.
        file: PathBuf,
    },
}

/// Runs the CLI with parsed arguments.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    let config = Config::load(cli.config.as_deref())?;
    let mut log = config.log.clone();
    if !matches!(cli.command, Command::Serve) && log.level == crate::config::DEFAULT_LOG_LEVEL {
        // One-off commands print their result; routine progress logs would only bury it.
        log.level = "warn".into();
    }
    crate::telemetry::init(&log);
    let tr = Tr::new(
        std::sync::Arc::new(Catalogue::load()?),
        std::env::var("LANG").ok().as_deref().and_then(Lang::parse).unwrap_or(Lang::En),
    );
    let explain = |e: AppError| explain(&tr, e);
    match cli.command {
        Command::Serve => serve(config).await,
        Command::Migrate => {
            crate::app::bootstrap::open_database(&config).await?;
            println!("database is up to date ({})", db::redact(&config.database.url));
            Ok(())
        }
        Command::Org(OrgCommand::Create { slug, name_ar, name_en, description }) => {
            let conn = open(&config).await?;
            if let Some(org) = accounts::find_org(&conn, &slug).await.map_err(explain)? {
                println!("organisation {} already exists; nothing changed", org.slug);
                return Ok(());
            }
            let fields =
                OrgFields { slug, name_ar, name_en, description, profile: Default::default() };
            let org =
                write(&conn, async |uow| accounts::create_org(uow, &OPERATOR, &fields, None).await)
                    .await
                    .map_err(explain)?;
            println!("created organisation {} ({} / {})", org.slug, org.name_ar, org.name_en);
            Ok(())
        }
        Command::User(UserCommand::Create(args)) => {
            let conn = open(&config).await?;
            if accounts::find_user(&conn, &args.email).await.map_err(explain)?.is_some() {
                println!(
                    "user {} already exists; nothing changed",
                    args.email.trim().to_lowercase()
                );
                return Ok(());
            }
            let password = read_password(args.password_file.as_deref())?;
            let new = accounts::prepare_user(&UserFields {
                email: args.email,
                display_name: args.name,
                password,
            })
            .await
            .map_err(explain)?;
            let user = write(&conn, async |uow| accounts::create_user(uow, &OPERATOR, &new).await)
                .await
                .map_err(explain)?;
            println!("created user {}", user.email);
            Ok(())
        }
        Command::User(UserCommand::Grant { email, org, role }) => {
            let conn = open(&config).await?;
            let role = Role::parse(&role)
                .ok_or(AppError::BadRequest("err-unknown-role"))
                .map_err(explain)?;
            write(&conn, async |uow| {
                accounts::grant_by_name(uow, &OPERATOR, &email, &org, role).await
            })
            .await
            .map_err(explain)?;
            println!("{email} is now {role} of {org}");
            Ok(())
        }
        Command::User(UserCommand::Operator { email }) => {
            let conn = open(&config).await?;
            write(&conn, async |uow| accounts::make_operator(uow, &OPERATOR, &email).await)
                .await
                .map_err(explain)?;
            println!("{email} is a node operator");
            Ok(())
        }
        Command::Token(TokenCommand::Create { email, org, role, label }) => {
            let conn = open(&config).await?;
            let role = match role.as_deref() {
                Some(raw) => Some(
                    Role::parse(raw)
                        .ok_or(AppError::BadRequest("err-unknown-role"))
                        .map_err(explain)?,
                ),
                None => None,
            };
            let (token, model) = write(&conn, async |uow| {
                accounts::create_token(uow, &OPERATOR, &email, &org, role, &label).await
            })
            .await
            .map_err(explain)?;
            eprintln!(
                "token {} for {email} in {org} as {} (shown once; store it safely):",
                model.id, model.role
            );
            println!("{token}");
            Ok(())
        }
        Command::Federation(command) => federation(config, command, explain).await,
        Command::Keys(KeysCommand::Rotate { org }) => rotate_keys(config, &org, explain).await,
        Command::Reindex => reindex(config).await,
        Command::Regions(RegionsCommand::Import { file }) => {
            let conn = open(&config).await?;
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("cannot read {}", file.display()))?;
            eprintln!("checking {} ...", file.display());
            let mut uow = UnitOfWork::begin(&conn, &EventBus::new()).await?;
            let n = crate::domain::regions::import(&mut uow, &text)
                .await
                .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
            uow.commit().await?;
            println!("loaded {n} regions from {}", file.display());
            Ok(())
        }
    }
}

async fn federation(
    config: Config,
    command: FederationCommand,
    explain: impl Fn(AppError) -> anyhow::Error,
) -> anyhow::Result<()> {
    use crate::domain::network::peers;
    use crate::vocab::PeerPolicy;
    let conn = open(&config).await?;
    let (host, policy) = match command {
        FederationCommand::Status => {
            let all = peers::status(&conn).await.map_err(explain)?;
            if all.is_empty() {
                println!("no peer yet");
            }
            println!(
                "{:<32} {:<8} {:<5} {:>8} {:>10} {:>8} {:>9}  {:<20}  last error",
                "host",
                "policy",
                "state",
                "pending",
                "delivered",
                "failed",
                "rejected",
                "oldest pending"
            );
            for p in all {
                println!(
                    "{:<32} {:<8} {:<5} {:>8} {:>10} {:>8} {:>9}  {:<20}  {}",
                    p.host,
                    p.policy.as_str(),
                    p.state.as_str(),
                    p.pending,
                    p.delivered,
                    p.failed,
                    p.rejected,
                    p.oldest_pending
                        .map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string())
                        .unwrap_or_default(),
                    p.last_error.unwrap_or_default()
                );
            }
            return Ok(());
        }
        FederationCommand::Retry { host } => {
            let p =
                write(&conn, async |uow| peers::retry(uow, &host).await).await.map_err(explain)?;
            println!("{}: deliveries resume now", p.host);
            return Ok(());
        }
        FederationCommand::Block { host } => (host, PeerPolicy::Blocked),
        FederationCommand::Allow { host } => (host, PeerPolicy::Allowed),
        FederationCommand::Unblock { host } => (host, PeerPolicy::Open),
    };
    let p = write(&conn, async |uow| peers::set_policy(uow, &host, policy).await)
        .await
        .map_err(explain)?;
    println!("{}: {}", p.host, p.policy.as_str());
    Ok(())
}

async fn rotate_keys(
    config: Config,
    slug: &str,
    explain: impl Fn(AppError) -> anyhow::Error,
) -> anyhow::Result<()> {
    use crate::domain::network::{KeyMaker, keys};
    let conn = open(&config).await?;
    let org = accounts::find_org(&conn, slug)
        .await
        .map_err(&explain)?
        .ok_or_else(|| anyhow::anyhow!("no organisation {slug}"))?;
    eprintln!("making new keys for {slug}…");
    let state = crate::state::AppState::build(config, conn, KeyMaker::fresh()).await?;
    let rsa = state.network.keys.rsa().await.map_err(&explain)?;
    let net = state.network.clone();
    let resigned = state
        .write(async |uow| keys::rotate(uow, &net, &org, rsa).await)
        .await
        .map_err(&explain)?;
    println!(
        "{slug}: new keys; its followers are told, and {resigned} shared listing(s) are re-signed (delivered by the running node)"
    );
    Ok(())
}

async fn reindex(config: Config) -> anyhow::Result<()> {
    use crate::domain::network::KeyMaker;
    let conn = open(&config).await?;
    let root = crate::app::indexer::root(&config);
    let memory = config.search.rebuild_memory_mb;
    let state = crate::state::AppState::build(config, conn, KeyMaker::fresh()).await?;
    eprintln!("rebuilding the search index in {} …", root.display());
    let mut bar = Progress::new();
    let added =
        crate::app::indexer::rebuild(&state.db, &state.network, &root, memory, |done, total| {
            bar.show(done, total);
        })
        .await?;
    bar.finish();
    println!(
        "search index rebuilt: {added} entries; a running node switches to it within a second"
    );
    Ok(())
}

/// A progress bar on standard error: redrawn in place on a terminal, a line every tenth otherwise (logs).
struct Progress {
    started: std::time::Instant,
    terminal: bool,
    last_tenth: u64,
}

impl Progress {
    fn new() -> Self {
        use std::io::IsTerminal;
        Self {
            started: std::time::Instant::now(),
            terminal: std::io::stderr().is_terminal(),
            last_tenth: 0,
        }
    }

    fn line(&self, done: u64, total: u64) -> String {
        const WIDTH: u64 = 30;
        let filled = (done.min(total) * WIDTH).checked_div(total).unwrap_or(WIDTH);
        let percent = (done.min(total) * 100).checked_div(total).unwrap_or(100);
        let seconds = self.started.elapsed().as_secs_f64().max(0.001);
        let rate = done as f64 / seconds;
        let left = if rate > 0.0 { total.saturating_sub(done) as f64 / rate } else { 0.0 };
        format!(
            "[{}{}] {percent:>3}% {done}/{total} rows · {rate:.0}/s · {left:.0} s left",
            "#".repeat(filled as usize),
            "-".repeat((WIDTH - filled) as usize),
        )
    }

    fn show(&mut self, done: u64, total: u64) {
        let line = self.line(done, total);
        if self.terminal {
            eprint!("\r{line}");
        } else {
            let tenth = (done * 10).checked_div(total).unwrap_or(10);
            if tenth > self.last_tenth || done == 0 {
                self.last_tenth = tenth;
                eprintln!("{line}");
            }
        }
    }

    fn finish(&self) {
        if self.terminal {
            eprintln!();
        }
        eprintln!("done in {:.1} s", self.started.elapsed().as_secs_f64());
    }
}

fn explain(tr: &Tr, err: AppError) -> anyhow::Error {
    match err {
        AppError::Validation(errors) => {
            let parts: Vec<String> =
                errors.0.iter().map(|e| format!("{}: {}", e.field, tr.t(e.code))).collect();
            anyhow::anyhow!("{}", parts.join("; "))
        }
        AppError::Internal(e) => e,
        other => anyhow::anyhow!("{}", tr.t(other.message_key())),
    }
}

async fn open(config: &Config) -> anyhow::Result<sea_orm::DatabaseConnection> {
    crate::app::bootstrap::open_database(config).await
}

/// The operator at the command line.
const OPERATOR: OperatorScope = OperatorScope::command_line();

/// Runs `op` in a unit of work and commits it when `op` succeeds.
async fn write<T>(
    conn: &sea_orm::DatabaseConnection,
    op: impl AsyncFnOnce(&mut UnitOfWork) -> Result<T, AppError>,
) -> Result<T, AppError> {
    let mut uow = UnitOfWork::begin(conn, &EventBus::new()).await?;
    let out = op(&mut uow).await?;
    uow.commit().await?;
    Ok(out)
}

fn read_password(file: Option<&std::path::Path>) -> anyhow::Result<String> {
    if let Some(file) = file {
        let text = std::fs::read_to_string(file)
            .with_context(|| format!("--password-file: cannot read {}", file.display()))?;
        let password = text.lines().next().unwrap_or_default().to_owned();
        if password.is_empty() {
            bail!("--password-file: {} is empty", file.display());
        }
        return Ok(password);
    }
    let first = rpassword::prompt_password("Password: ")
        .context("cannot read the password from the terminal")?;
    let second = rpassword::prompt_password("Again: ")
        .context("cannot read the password from the terminal")?;
    if first != second {
        bail!("the two passwords differ");
    }
    Ok(first)
}

async fn serve(config: Config) -> anyhow::Result<()> {
    let public_url = config.public_url.clone();
    let backend = if config.is_postgres() { "PostgreSQL" } else { "SQLite" };
    let db_url = db::redact(&config.database.url);
    let app = Application::build(config).await?;
    let addr = app.local_addr()?;
    tracing::info!(%addr, backend, database = %db_url, "sanad node listening");
    eprintln!("Sanad is listening on http://{addr} ({backend}: {db_url})");
    if let Some(link) = app.announce_setup(&public_url).await? {
        eprintln!(
            "\nThis node has no account yet. Open this one-time link to create the first organisation:\n\n    {link}\n"
        );
    } else {
        eprintln!("Sign in at {public_url}/signin");
    }
    app.run_until(shutdown_signal()).await
}
