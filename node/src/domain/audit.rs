//! The audit log: who did what to which record, and when. Written in the same transaction as the change.

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};

use crate::{
    domain::error::AppResult,
    domain::tenancy::{Actor, OrgScope},
    infra::entities::audit_entry,
};

/// Records one action on a tenant's record.
pub async fn record(
    db: &impl ConnectionTrait,
    scope: &OrgScope,
    action: &str,
    subject_type: &str,
    subject_id: i64,
    detail: serde_json::Value,
) -> AppResult<()> {
    record_raw(
        db,
        Some(scope.org_id()),
        Some(scope.actor()),
        action,
        subject_type,
        Some(subject_id),
        detail,
    )
    .await
}

/// Records an action that may lie outside a tenant (node operations, CLI).
pub async fn record_raw(
    db: &impl ConnectionTrait,
    org_id: Option<i64>,
    actor: Option<Actor>,
    action: &str,
    subject_type: &str,
    subject_id: Option<i64>,
    detail: serde_json::Value,
) -> AppResult<()> {
    audit_entry::ActiveModel {
        org_id: Set(org_id),
        user_id: Set(actor.map(|a| a.user_id)),
        token_id: Set(actor.and_then(|a| a.token_id)),
        action: Set(action.to_owned()),
        subject_type: Set(subject_type.to_owned()),
        subject_id: Set(subject_id),
        detail: Set(detail.to_string()),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

/// The latest entries about one record of the scope's organisation, newest first.
pub async fn for_subject(
    db: &DatabaseConnection,
    scope: &OrgScope,
    subject_type: &str,
    subject_id: i64,
    limit: u64,
) -> AppResult<Vec<audit_entry::Model>> {
    Ok(audit_entry::Entity::find()
        .filter(audit_entry::Column::OrgId.eq(scope.org_id()))
        .filter(audit_entry::Column::SubjectType.eq(subject_type))
        .filter(audit_entry::Column::SubjectId.eq(subject_id))
        .order_by_desc(audit_entry::Column::Id)
        .limit(limit)
        .all(db)
        .await?)
}
