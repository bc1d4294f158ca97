//! The `invitations` table: an existing account asked to join an organisation, until its owner answers.

use sea_orm::entity::prelude::*;

use crate::vocab::Role;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "invitations")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub org_id: i64,
    pub user_id: i64,
    pub role: Role,
    pub invited_by: i64,
    pub created_at: DateTimeUtc,
}

refers_to! {
    User => user via UserId,
    Organisation => organisation via OrgId,
}
