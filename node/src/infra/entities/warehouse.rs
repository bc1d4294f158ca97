//! The `warehouses` table.

use sea_orm::entity::prelude::*;

use crate::vocab::WarehouseKind;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "warehouses")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub org_id: i64,
    pub name: String,
    pub kind: WarehouseKind,
    pub region_code: String,
    pub created_at: DateTimeUtc,
}

refers_to! {}
