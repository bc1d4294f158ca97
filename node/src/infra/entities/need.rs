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
    pub urgency: Urgency,
    pub region_code: String,
    pub needed_by: Option<Date>,
    pub public_summary: String,
    pub status: NeedStatus,
    pub visibility: Visibility,
    pub created_by: i64,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The `case` row this one refers to.
    #[sea_orm(
        belongs_to = "super::case::Entity",
        from = "Column::CaseId",
        to = "super::case::Column::Id"
    )]
    Case,
}

impl ActiveModelBehavior for ActiveModel {}

impl Related<super::case::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Case.def()
    }
}
