//! The `offers` table.

use sea_orm::entity::prelude::*;

use crate::vocab::{OfferStatus, Visibility};

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "offers")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub org_id: i64,
    pub quantity: i64,
    pub item_id: i64,
    pub warehouse_id: i64,
    pub region_code: String,
    pub available_until: Date,
    pub visibility: Visibility,
    pub status: OfferStatus,
    pub created_by: i64,
    pub created_at: DateTimeUtc,
    pub ap_id: Option<String>,
    pub federated_at: Option<DateTimeUtc>,
}

refers_to! {
    Item => item via ItemId,
    Warehouse => warehouse via WarehouseId,
}
