//! The `stock_movements` table.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "stock_movements")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub org_id: i64,
    pub kind: String,
    pub item_id: i64,
    pub warehouse_id: i64,
    pub lot: String,
    pub expiry: Option<Date>,
    pub quantity: i64,
    pub source_kind: Option<String>,
    pub counterparty: Option<String>,
    pub reason: Option<String>,
    pub note: Option<String>,
    pub distribution_id: Option<i64>,
    pub reverses_id: Option<i64>,
    pub batch: String,
    pub occurred_on: Date,
    pub created_by: i64,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
