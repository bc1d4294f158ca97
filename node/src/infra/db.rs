//! Connecting to the database (SQLite or PostgreSQL), running migrations, and the node's own settings.

use std::time::Duration;

use anyhow::Context;
use sanad_migrations::{Migrator, MigratorTrait};
use sea_orm::{
    ActiveValue::Set, ConnectOptions, ConnectionTrait, Database, DatabaseConnection, EntityTrait,
    TransactionTrait,
};

use crate::{config::Config, infra::entities::node_setting};

/// Opens the pool described by the configuration, creating the data directory for SQLite.
pub async fn connect(config: &Config) -> anyhow::Result<DatabaseConnection> {
    let url = config.database.url.trim();
    if url.starts_with("sqlite:") {
        std::fs::create_dir_all(&config.data_dir)
            .with_context(|| format!("data_dir: cannot create {}", config.data_dir.display()))?;
    }
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .max_connections(config.database.max_connections)
        .min_connections(1)
        .connect_timeout(Duration::from_secs(10))
        .acquire_timeout(Duration::from_secs(10))
        .sqlx_logging(false)
        // Every pooled connection (these settings are per connection): WAL lets readers proceed while one writer
        // commits, `NORMAL` syncs at checkpoints rather than at every commit (safe in WAL mode: a crash loses no
        // committed transaction, only a power cut may lose the last ones), the busy timeout makes writers queue.
        .map_sqlx_sqlite_opts(|o| {
            o.journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                .synchronous(sea_orm::sqlx::sqlite::SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(5))
        });
    let db = Database::connect(options)
        .await
        .with_context(|| format!("database.url: cannot connect to {}", redact(url)))?;
    Ok(db)
}

/// The URL without its password, for messages.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let creds = &url[scheme + 3..at];
            let user = creds.split(':').next().unwrap_or_default();
            format!("{}{user}:***{}", &url[..scheme + 3], &url[at..])
        }
        _ => url.to_owned(),
    }
}

/// Brings the schema up to date (see `crate::app::bootstrap::migrate` for the data loaded after).
pub async fn migrate(db: &DatabaseConnection) -> anyhow::Result<()> {
    Migrator::up(db, None).await.context("running migrations")?;
    Ok(())
}

/// Whether every migration has been applied.
pub async fn migrations_current(db: &DatabaseConnection) -> anyhow::Result<bool> {
    Ok(Migrator::get_pending_migrations(db).await?.is_empty())
}

/// Starts a transaction that will write. On SQLite it takes the write lock at once (`BEGIN IMMEDIATE`), so
/// concurrent writers queue on the busy timeout instead of failing on a stale read snapshot; on PostgreSQL it is a
/// plain `BEGIN` (row locks are taken where a decision depends on a read).
pub async fn begin_write(
    db: &DatabaseConnection,
) -> Result<sea_orm::DatabaseTransaction, sea_orm::DbErr> {
    db.begin_with_options(sea_orm::TransactionOptions {
        sqlite_transaction_mode: Some(sea_orm::SqliteTransactionMode::Immediate),
        ..Default::default()
    })
    .await
}

/// Starts a read-only transaction in which several statements see one snapshot (PostgreSQL `REPEATABLE READ`;
/// a SQLite read transaction already does).
pub async fn begin_snapshot(
    db: &DatabaseConnection,
) -> Result<sea_orm::DatabaseTransaction, sea_orm::DbErr> {
    if db.get_database_backend() == sea_orm::DbBackend::Postgres {
        db.begin_with_config(
            Some(sea_orm::IsolationLevel::RepeatableRead),
            Some(sea_orm::AccessMode::ReadOnly),
        )
        .await
    } else {
        db.begin().await
    }
}

/// Reads a node setting.
pub async fn setting(db: &impl ConnectionTrait, key: &str) -> anyhow::Result<Option<String>> {
    Ok(node_setting::Entity::find_by_id(key.to_owned()).one(db).await?.map(|s| s.value))
}

/// Writes (inserts or replaces) a node setting.
pub async fn set_setting(db: &impl ConnectionTrait, key: &str, value: &str) -> anyhow::Result<()> {
    let model =
        node_setting::ActiveModel { key: Set(key.to_owned()), value: Set(value.to_owned()) };
    node_setting::Entity::insert(model)
        .on_conflict(
            sea_orm::sea_query::OnConflict::column(node_setting::Column::Key)
                .update_column(node_setting::Column::Value)
                .to_owned(),
        )
        .exec(db)
        .await?;
    Ok(())
}

/// Removes a node setting.
pub async fn delete_setting(db: &impl ConnectionTrait, key: &str) -> anyhow::Result<()> {
    node_setting::Entity::delete_by_id(key.to_owned()).exec(db).await?;
    Ok(())
}

/// The node's long-lived secrets, created on first start and kept in the database.
#[derive(Clone)]
pub struct NodeSecrets {
    /// Key for HMACs (CSRF tokens).
    pub hmac_key: [u8; 32],
    /// The instance actor's Ed25519 key, for object proofs.
    pub keys: sanad_federation::keys::KeyPair,
}

impl std::fmt::Debug for NodeSecrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NodeSecrets").field("keys", &self.keys).finish_non_exhaustive()
    }
}

/// Loads the node's secrets, generating and storing them the first time.
pub async fn node_secrets(db: &DatabaseConnection) -> anyhow::Result<NodeSecrets> {
    let txn = begin_write(db).await?;
    let hmac_hex = match setting(&txn, "hmac_key").await? {
        Some(v) => v,
        None => {
            let mut key = [0u8; 32];
            getrandom::fill(&mut key).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
            let v = hex::encode(key);
            set_setting(&txn, "hmac_key", &v).await?;
            v
        }
    };
    let keys = match setting(&txn, "node_ed25519_secret").await? {
        Some(v) => sanad_federation::keys::KeyPair::from_secret_hex(&v)?,
        None => {
            let pair = sanad_federation::keys::KeyPair::generate()?;
            set_setting(&txn, "node_ed25519_secret", &pair.secret_hex()).await?;
            set_setting(&txn, "node_ed25519_public", &pair.public_multibase()).await?;
            tracing::info!(public_key = %pair.public_multibase(), "created the node's Ed25519 key");
            pair
        }
    };
    txn.commit().await?;
    let hmac_key: [u8; 32] = hex::decode(hmac_hex.trim())
        .ok()
        .and_then(|b| b.try_into().ok())
        .context("node setting hmac_key is corrupt")?;
    Ok(NodeSecrets { hmac_key, keys })
}

#[cfg(test)]
mod tests {
    #[test]
    fn redact_hides_passwords_only() {
        assert_eq!(
            super::redact("postgres://sanad:secret@db:5432/sanad"),
            "postgres://sanad:***@db:5432/sanad"
        );
        assert_eq!(super::redact("sqlite://./x.db?mode=rwc"), "sqlite://./x.db?mode=rwc");
    }
}
