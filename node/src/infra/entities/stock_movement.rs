//! The `stock_movements` table.

use sea_orm::entity::prelude::*;

use crate::vocab::{LossReason, MovementKind, SourceKind};

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "stock_movements")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub org_id: i64,
    pub kind: MovementKind,
    pub item_id: i64,
    pub warehouse_id: i64,
    pub lot: String,
    pub expiry: Option<Date>,
    pub quantity: i64,
    pub source_kind: Option<SourceKind>,
    pub counterparty: Option<String>,
    pub reason: Option<LossReason>,
    pub note: Option<String>,
    pub distribution_id: Option<i64>,
    pub reverses_id: Option<i64>,
    pub batch: String,
    pub occurred_on: Date,
    pub created_by: i64,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The `distribution` row this one refers to.
    #[sea_orm(
        belongs_to = "super::distribution::Entity",
        from = "Column::DistributionId",
        to = "super::distribution::Column::Id"
    )]
    Distribution,
    /// The `item` row this one refers to.
    #[sea_orm(
        belongs_to = "super::item::Entity",
        from = "Column::ItemId",
        to = "super::item::Column::Id"
    )]
    Item,
    /// The `warehouse` row this one refers to.
    #[sea_orm(
        belongs_to = "super::warehouse::Entity",
        from = "Column::WarehouseId",
        to = "super::warehouse::Column::Id"
    )]
    Warehouse,
}

impl ActiveModelBehavior for ActiveModel {}

impl Related<super::distribution::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Distribution.def()
    }
}

impl Related<super::item::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Item.def()
    }
}

impl Related<super::warehouse::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Warehouse.def()
    }
}
