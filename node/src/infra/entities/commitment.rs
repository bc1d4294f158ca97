//! The `commitments` table: agreements with organisations of other nodes about one listing, on either side.

use sea_orm::entity::prelude::*;

use crate::vocab::{CommitmentRole, CommitmentStatus};

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "commitments")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub org_id: i64,
    pub role: CommitmentRole,
    pub listing_kind: String,
    pub remote_actor_id: i64,
    pub offer_ap_id: String,
    pub agreement_ap_id: Option<String>,
    pub listing_ap_id: String,
    pub need_id: Option<i64>,
    pub offer_id: Option<i64>,
    pub remote_object_id: Option<i64>,
    pub item: String,
    pub unit: String,
    pub quantity: i64,
    pub due: Date,
    pub status: CommitmentStatus,
    pub reason: String,
    pub item_id: Option<i64>,
    pub warehouse_id: Option<i64>,
    pub transfer_out_id: Option<i64>,
    pub transfer_in_id: Option<i64>,
    pub created_by: Option<i64>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

impl Model {
    /// Whether this side provides the goods (and so reserves and sends them): the proposer of a need, the owner of
    /// an offer.
    pub fn provides(&self) -> bool {
        (self.role == CommitmentRole::Proposer) == (self.listing_kind == "need")
    }
}

refers_to! {
    Organisation => organisation via OrgId,
    RemoteActor => remote_actor via RemoteActorId,
}
