//! The `items` table.

use sea_orm::entity::prelude::*;

use crate::vocab::{ItemKind, Sector};

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "items")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub org_id: i64,
    pub name_ar: String,
    pub name_en: String,
    pub sector: Sector,
    pub kind: ItemKind,
    pub unit: String,
    pub currency: Option<String>,
    pub pack_size: i32,
    pub sku: Option<String>,
    pub expires: bool,
    pub low_stock_threshold: i64,
    pub created_at: DateTimeUtc,
}

refers_to! {}
