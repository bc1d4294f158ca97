//! The `distributions` table.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "distributions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub org_id: i64,
    pub case_id: i64,
    pub need_id: Option<i64>,
    pub delivered_by: i64,
    pub delivered_on: Date,
    pub note: String,
    pub reversed_at: Option<DateTimeUtc>,
    pub reversal_reason: Option<String>,
    pub created_by: i64,
    pub created_at: DateTimeUtc,
}

refers_to! {
    Case => case via CaseId,
    Need => need via NeedId,
}
