//! The `needs` table.

use sea_orm::entity::prelude::*;

use crate::vocab::{NeedStatus, Sector, Urgency, Visibility};

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "needs")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub org_id: i64,
    pub case_id: Option<i64>,
    pub sector: Sector,
    pub item: String,
    pub quantity: i64,
    pub unit: String,
    pub quantity_met: i64,
    pub quantity_committed: i64,
    pub urgency: Urgency,
    pub region_code: String,
    pub needed_by: Option<Date>,
    pub public_summary: String,
    pub status: NeedStatus,
    pub visibility: Visibility,
    pub created_by: i64,
    pub created_at: DateTimeUtc,
    pub ap_id: Option<String>,
    pub federated_at: Option<DateTimeUtc>,
    pub updated_at: DateTimeUtc,
}

refers_to! {
    Case => case via CaseId,
}
