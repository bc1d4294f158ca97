//! The `stock_movements` table.

use sea_orm::entity::prelude::*;

use crate::vocab::{LossReason, MovementKind, SourceKind};

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "stock_movements")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub org_id: i64,
    pub kind: MovementKind,
    pub item_id: i64,
    pub warehouse_id: i64,
    pub lot: String,
    pub expiry: Option<Date>,
    pub quantity: i64,
    pub source_kind: Option<SourceKind>,
    pub counterparty: Option<String>,
    pub reason: Option<LossReason>,
    pub note: Option<String>,
    pub distribution_id: Option<i64>,
    pub reverses_id: Option<i64>,
    pub batch: String,
    pub occurred_on: Date,
    pub created_by: i64,
    pub created_at: DateTimeUtc,
}

refers_to! {
    Distribution => distribution via DistributionId,
    Item => item via ItemId,
    Warehouse => warehouse via WarehouseId,
}
