//! The `users` table.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub password_hash: String,
    pub lang: Option<String>,
    pub is_operator: bool,
    pub created_at: DateTimeUtc,
}

refers_to! {}
