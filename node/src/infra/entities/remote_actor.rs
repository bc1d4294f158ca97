//! The `remote_actors` table: actors of other servers that follow, are followed by, or wrote to this node.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "remote_actors")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub ap_id: String,
    pub host: String,
    pub kind: String,
    pub username: String,
    pub name: String,
    pub inbox: String,
    pub shared_inbox: Option<String>,
    pub public_key_pem: String,
    pub multikey: Option<String>,
    pub profile: String,
    pub fetched_at: DateTimeUtc,
}

refers_to! {}
