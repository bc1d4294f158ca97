//! The `regions` table.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "regions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub code: String,
    pub parent_code: Option<String>,
    pub level: i16,
    pub name_en: String,
    pub name_ar: String,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub path: String,
}

refers_to! {}
