//! The `follows` table: follows between a local organisation and a remote actor, either way.

use sea_orm::entity::prelude::*;

use crate::vocab::{FollowDirection, FollowState};

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "follows")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub org_id: i64,
    pub remote_actor_id: i64,
    pub direction: FollowDirection,
    pub state: FollowState,
    pub activity_id: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

refers_to! {
    RemoteActor => remote_actor via RemoteActorId,
}
