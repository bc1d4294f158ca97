//! The audit log: who did what to which record, and when. Entries are collected by the unit of work and written in
//! the same transaction as the change.

use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};

use crate::domain::{
    error::AppResult,
    tenancy::{Actor, OrgScope},
};
use crate::infra::{entities::audit_entry, uow::UnitOfWork};

/// Records one action on a tenant's record.
pub fn record(
    uow: &mut UnitOfWork,
    scope: &OrgScope,
    action: &str,
    subject_type: &str,
    subject_id: Option<i64>,
    detail: serde_json::Value,
) {
    record_raw(
        uow,
        Some(scope.org_id()),
        Some(scope.actor()),
        action,
        subject_type,
        subject_id,
        detail,
    );
}

/// Records an action that may lie outside a tenant (node operations, CLI).
pub fn record_raw(
    uow: &mut UnitOfWork,
    org_id: Option<i64>,
    actor: Option<Actor>,
    action: &str,
    subject_type: &str,
    subject_id: Option<i64>,
    detail: serde_json::Value,
) {
    uow.audit(audit_entry::ActiveModel {
        org_id: Set(org_id),
        user_id: Set(actor.map(|a| a.user_id)),
        token_id: Set(actor.and_then(|a| a.token_id)),
        action: Set(action.to_owned()),
        subject_type: Set(subject_type.to_owned()),
        subject_id: Set(subject_id),
        detail: Set(detail.to_string()),
        ..Default::default()
    });
}

/// The latest entries about one record of the scope's organisation, newest first.
pub async fn for_subject(
    db: &impl ConnectionTrait,
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
