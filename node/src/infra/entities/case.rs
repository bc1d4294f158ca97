//! The `cases` table.

use sea_orm::entity::prelude::*;

use crate::vocab::CaseStatus;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "cases")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub org_id: i64,
    pub head_name: String,
    pub national_id: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub region_code: String,
    pub household_size: i32,
    pub vulnerabilities: String,
    pub consent_share: bool,
    pub consent_at: Option<DateTimeUtc>,
    pub status: CaseStatus,
    pub assigned_to: Option<i64>,
    pub search_text: String,
    pub created_by: i64,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

refers_to! {}
