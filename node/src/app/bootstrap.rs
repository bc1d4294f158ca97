//! Bringing a node's database to a usable state: connect, migrate, load the built-in gazetteer.

use anyhow::Context;
use sea_orm::DatabaseConnection;

use crate::{
    config::Config,
    domain::regions,
    infra::{db, events::EventBus, uow::UnitOfWork},
};

/// Connects to the configured database and brings it up to date.
pub async fn open_database(config: &Config) -> anyhow::Result<DatabaseConnection> {
    let conn = db::connect(config).await?;
    migrate(&conn).await?;
    Ok(conn)
}

/// Brings the schema up to date and loads the built-in gazetteer (missing codes only).
pub async fn migrate(conn: &DatabaseConnection) -> anyhow::Result<()> {
    db::migrate(conn).await?;
    let mut uow = UnitOfWork::begin(conn, &EventBus::new()).await?;
    regions::seed_builtin(&mut uow).await.context("loading the built-in gazetteer")?;
    uow.commit().await?;
    Ok(())
}
