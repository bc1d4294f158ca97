//! The `organisations` table.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "organisations")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub slug: String,
    pub name_ar: String,
    pub name_en: String,
    pub description: String,
    pub local: bool,
    pub sectors: String,
    pub regions_served: String,
    pub website: String,
    pub contact_email: String,
    pub registration_number: String,
    pub auto_accept_follows: bool,
    pub created_at: DateTimeUtc,
}

refers_to! {}
