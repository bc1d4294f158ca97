//! Sanad's database schema as sea-orm migrations.
//!
//! Migrations declare their own columns and never import the node's entities, so that an old migration keeps
//! meaning what it meant when it was written.

pub use sea_orm_migration::MigratorTrait;
use sea_orm_migration::prelude::*;

mod helpers;
mod m20261122_000001_foundation;
mod m20261122_000002_stock;
mod m20261123_000003_unit_of_work;
mod m20261123_000004_federation;
mod m20261123_000005_commitments;
mod m20261123_000006_pledges;

/// Every migration of the schema, in order.
#[derive(Debug)]
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261122_000001_foundation::Migration),
            Box::new(m20261122_000002_stock::Migration),
            Box::new(m20261123_000003_unit_of_work::Migration),
            Box::new(m20261123_000004_federation::Migration),
            Box::new(m20261123_000005_commitments::Migration),
            Box::new(m20261123_000006_pledges::Migration),
        ]
    }
}
