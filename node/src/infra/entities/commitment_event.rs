//! The `commitment_events` table: the history of a commitment, one row per change, as both sides show it.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "commitment_events")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub commitment_id: i64,
    pub at: DateTimeUtc,
    pub kind: String,
    pub by_name: String,
    pub quantity: i64,
    pub note: String,
}

refers_to! {
    Commitment => commitment via CommitmentId,
}
