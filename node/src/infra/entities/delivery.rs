//! The `deliveries` table: one outgoing activity (an outbox row) to one peer's inbox.

use sea_orm::entity::prelude::*;

use crate::vocab::DeliveryState;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "deliveries")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub outbox_id: i64,
    pub host: String,
    pub inbox: String,
    pub state: DeliveryState,
    pub attempts: i32,
    pub last_status: Option<i32>,
    pub last_error: Option<String>,
    pub created_at: DateTimeUtc,
    pub done_at: Option<DateTimeUtc>,
}

refers_to! {
    Outbox => outbox via OutboxId,
}
