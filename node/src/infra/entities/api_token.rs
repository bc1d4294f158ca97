//! The `api_tokens` table.

use sea_orm::entity::prelude::*;

use crate::vocab::Role;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "api_tokens")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub token_hash: String,
    pub user_id: i64,
    pub org_id: i64,
    pub role: Role,
    pub label: String,
    pub created_at: DateTimeUtc,
    pub revoked_at: Option<DateTimeUtc>,
}

refers_to! {
    User => user via UserId,
    Organisation => organisation via OrgId,
}
