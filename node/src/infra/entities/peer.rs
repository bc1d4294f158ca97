//! The `peers` table: one row per peer host, with the operator's policy and the delivery health.

use sea_orm::entity::prelude::*;

use crate::vocab::{PeerPolicy, PeerState};

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "peers")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub host: String,
    pub policy: PeerPolicy,
    pub state: PeerState,
    pub failures: i32,
    pub first_failure_at: Option<DateTimeUtc>,
    pub next_attempt_at: Option<DateTimeUtc>,
    pub last_success_at: Option<DateTimeUtc>,
    pub last_heard_at: Option<DateTimeUtc>,
    pub last_error: Option<String>,
    pub delivered: i64,
    pub failed: i64,
    pub rejected: i64,
    pub created_at: DateTimeUtc,
}

refers_to! {}
