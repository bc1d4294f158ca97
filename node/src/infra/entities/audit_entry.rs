//! The `audit_log` table.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_log")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub org_id: Option<i64>,
    pub user_id: Option<i64>,
    pub token_id: Option<i64>,
    pub action: String,
    pub subject_type: String,
    pub subject_id: Option<i64>,
    pub detail: String,
    pub created_at: DateTimeUtc,
}

refers_to! {}
