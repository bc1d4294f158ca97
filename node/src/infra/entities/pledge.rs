//! The `pledges` table: what donors offered to give to a need. Personal data (name, contact): never federated.

use sea_orm::entity::prelude::*;

use crate::vocab::{PledgeKind, PledgeStatus};

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "pledges")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub org_id: i64,
    pub need_id: i64,
    pub kind: PledgeKind,
    pub quantity: Option<i64>,
    pub amount: Option<i64>,
    pub currency: String,
    pub donor_name: String,
    pub donor_contact: String,
    pub consent_contact: bool,
    pub note: String,
    pub status: PledgeStatus,
    pub answer: String,
    pub receipt_movement_id: Option<i64>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

refers_to! {
    Organisation => organisation via OrgId,
    Need => need via NeedId,
}
