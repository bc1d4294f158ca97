//! The `remote_objects` table: needs and offers received from peers.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "remote_objects")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub ap_id: String,
    pub remote_actor_id: i64,
    pub addressed_org_id: Option<i64>,
    pub kind: String,
    pub sector: String,
    pub item: String,
    pub summary: String,
    pub unit: String,
    pub quantity: i64,
    pub quantity_available: i64,
    pub quantity_met: i64,
    pub quantity_committed: i64,
    pub region_code: Option<String>,
    pub urgency: String,
    pub needed_by: Option<Date>,
    pub status: String,
    pub household_band: Option<String>,
    pub public: bool,
    pub proof_verified: bool,
    pub payload: String,
    pub published_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub received_at: DateTimeUtc,
    pub changed_at: DateTimeUtc,
    pub deleted_at: Option<DateTimeUtc>,
}

refers_to! {
    RemoteActor => remote_actor via RemoteActorId,
}
