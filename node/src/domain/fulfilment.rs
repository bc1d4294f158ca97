//! How a need's quantity met moves: up when something is delivered against it, down when a delivery is reversed.
//! Every path that meets a need (distributions, commitments received) goes through [`move_met`].

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, EntityTrait, JoinType, QueryFilter, QuerySelect, RelationTrait,
    sea_query::{Expr, ExprTrait, Func},
};

use crate::domain::{
    error::{AppError, AppResult},
    tenancy::{OrgScope, Perm},
};
use crate::infra::{
    entities::{distribution, need, stock_movement},
    events::Event,
    uow::{LockKind, UnitOfWork},
};
use crate::vocab::{MovementKind, NeedStatus};

/// A need of the scope's organisation (404 for another organisation's).
pub async fn need_of(
    db: &impl ConnectionTrait,
    scope: &OrgScope,
    id: i64,
) -> AppResult<need::Model> {
    scope.require(Perm::Read)?;
    need::Entity::find_by_id(id)
        .filter(need::Column::OrgId.eq(scope.org_id()))
        .one(db)
        .await?
        .ok_or(AppError::NotFound)
}

/// Adds `delta` to a need's quantity met (refusing to go beyond the quantity needed less what other organisations
/// committed, or to meet a cancelled need)
/// and lets the status follow. Locks the need (the caller holds the locks that come before it).
pub async fn move_met(uow: &mut UnitOfWork, need_id: i64, delta: i64) -> AppResult<need::Model> {
    uow.lock(LockKind::Need, &[need_id]).await?;
    let mut update = need::Entity::update_many()
        .col_expr(need::Column::QuantityMet, Expr::col(need::Column::QuantityMet).add(delta))
        .col_expr(need::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(need::Column::Id.eq(need_id));
    if delta > 0 {
        // Conditional, so that concurrent deliveries can never meet a need more than once over.
        update = update
            .filter(
                // What other organisations committed stays theirs to deliver.
                Expr::col(need::Column::QuantityMet)
                    .add(Expr::col(need::Column::QuantityCommitted))
                    .add(delta)
                    .lte(Expr::col(need::Column::Quantity)),
            )
            .filter(need::Column::Status.ne(NeedStatus::Cancelled));
    }
    if update.exec(uow.db()).await?.rows_affected != 1 {
        return Err(AppError::Conflict("err-exceeds-need"));
    }
    let need = need::Entity::find_by_id(need_id).one(uow.db()).await?.ok_or(AppError::NotFound)?;
    let met = std::cmp::max(need.quantity_met, 0);
    let status =
        NeedStatus::for_quantities(need.quantity, met, need.status == NeedStatus::Cancelled);
    uow.emit(Event::Need(need_id));
    if met == need.quantity_met && status == need.status {
        return Ok(need);
    }
    let mut active: need::ActiveModel = need.into();
    active.quantity_met = Set(met);
    active.status = Set(status);
    Ok(active.update(uow.db()).await?)
}

/// How much of a need its distributions (not reversed) have delivered.
pub async fn distributed_for_need(db: &impl ConnectionTrait, need_id: i64) -> AppResult<i64> {
    let delivered: Option<i64> = stock_movement::Entity::find()
        .select_only()
        .column_as(
            Expr::from(Func::cast_as(
                Func::coalesce([
                    Expr::from(Func::sum(Expr::col(stock_movement::Column::Quantity).mul(-1))),
                    Expr::val(0),
                ]),
                "BIGINT",
            )),
            "s",
        )
        .join(JoinType::InnerJoin, stock_movement::Relation::Distribution.def())
        .filter(distribution::Column::NeedId.eq(need_id))
        .filter(distribution::Column::ReversedAt.is_null())
        .filter(stock_movement::Column::Kind.eq(MovementKind::Distribution))
        .into_tuple()
        .one(db)
        .await?;
    Ok(delivered.unwrap_or(0))
}

/// Whether any distribution (even a reversed one) names the need.
pub async fn has_distributions(db: &impl ConnectionTrait, need_id: i64) -> AppResult<bool> {
    Ok(distribution::Entity::find()
        .filter(distribution::Column::NeedId.eq(need_id))
        .one(db)
        .await?
        .is_some())
}
