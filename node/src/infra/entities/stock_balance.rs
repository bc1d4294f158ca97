//! The `stock_balances` table.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "stock_balances")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub org_id: i64,
    pub item_id: i64,
    pub warehouse_id: i64,
    pub lot: String,
    pub expiry: Option<Date>,
    pub quantity: i64,
}

refers_to! {
    Item => item via ItemId,
    Warehouse => warehouse via WarehouseId,
}
