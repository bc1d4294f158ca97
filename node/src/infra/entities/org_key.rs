//! The `org_keys` table: each local organisation's signing keys. Never served, never logged (no `Debug` of the
//! secrets: the model's `Debug` is written by hand).

use sea_orm::entity::prelude::*;

#[derive(Clone, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "org_keys")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub org_id: i64,
    pub rsa_private_pem: String,
    pub rsa_public_pem: String,
    pub ed25519_secret: String,
    pub created_at: DateTimeUtc,
}

impl std::fmt::Debug for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OrgKey").field("org_id", &self.org_id).finish_non_exhaustive()
    }
}

refers_to! {
    Organisation => organisation via OrgId,
}
