//! The `case_notes` table.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "case_notes")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub org_id: i64,
    pub case_id: i64,
    pub author_id: i64,
    pub body: String,
    pub created_at: DateTimeUtc,
}

refers_to! {
    Case => case via CaseId,
}
