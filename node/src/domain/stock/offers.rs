//! Offers of surplus: stock an organisation makes available to others. An active offer reserves its quantity, so
//! distributions and transfers cannot use it; it lapses after its last day or when withdrawn.

use chrono::{NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder,
};
use serde_json::json;

use super::{MAX_QUANTITY, ledger};
use crate::domain::{
    audit,
    error::{AppError, AppResult, Input},
    tenancy::{OrgScope, Perm},
    validate,
};
use crate::infra::{
    entities::offer,
    events::Event,
    uow::{LockKind, UnitOfWork},
};
use crate::vocab::{OfferStatus, Visibility};

/// An offer as read at the edge.
#[derive(Clone, Debug, Default)]
pub struct OfferFields {
    /// The item offered.
    pub item_id: Option<i64>,
    /// The warehouse holding it.
    pub warehouse_id: Option<i64>,
    /// How much: at most the free balance (on hand minus other offers).
    pub quantity: Option<i64>,
    /// Where it is offered; the warehouse's region when empty.
    pub region_code: String,
    /// Last day it is available.
    pub available_until: Option<NaiveDate>,
    /// Who may see it.
    pub visibility: Visibility,
}

/// Offers part of the free balance of an item in a warehouse.
pub async fn create_offer(
    uow: &mut UnitOfWork,
    scope: &OrgScope,
    input: Input<OfferFields>,
) -> AppResult<offer::Model> {
    scope.require(Perm::ManageStock)?;
    let Input { value: f, mut errors } = input;
    let db = uow.db();
    let item = ledger::item_ref(db, scope, &mut errors, "item_id", f.item_id).await?;
    let warehouse =
        ledger::warehouse_ref(db, scope, &mut errors, "warehouse_id", f.warehouse_id).await?;
    let quantity = validate::range(&mut errors, "quantity", f.quantity, 1, MAX_QUANTITY);
    let available_until = validate::required(&mut errors, "available_until", f.available_until);
    if available_until.is_some_and(|d| d < Utc::now().date_naive()) {
        errors.add("available_until", "err-date-past");
    }
    let region_code = match (f.region_code.trim(), &warehouse) {
        ("", Some(w)) => w.region_code.clone(),
        ("", None) => String::new(),
        (code, _) => crate::domain::regions::field(db, &mut errors, "region_code", code).await?,
    };
    errors.clone().into_result(())?;
    let (Some(item), Some(warehouse), Some(available_until)) = (item, warehouse, available_until)
    else {
        return Err(AppError::Validation(errors));
    };
    uow.lock(LockKind::Item, &[item.id]).await?;
    let (on_hand, reserved) = ledger::free_quantity(uow.db(), item.id, warehouse.id).await?;
    if on_hand - reserved < quantity {
        return Err(AppError::Conflict("err-offer-above-free"));
    }
    let model = offer::ActiveModel {
        org_id: Set(scope.org_id()),
        item_id: Set(item.id),
        warehouse_id: Set(warehouse.id),
        quantity: Set(quantity),
        region_code: Set(region_code),
        available_until: Set(available_until),
        visibility: Set(f.visibility),
        status: Set(OfferStatus::Active),
        created_by: Set(scope.actor().user_id),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(uow.db())
    .await?;
    audit::record(
        uow,
        scope,
        "offer.create",
        "offer",
        Some(model.id),
        json!({ "quantity": quantity }),
    );
    uow.emit(Event::Offer(model.id));
    Ok(model)
}

/// Withdraws an offer, releasing what it reserved.
pub async fn withdraw_offer(
    uow: &mut UnitOfWork,
    scope: &OrgScope,
    id: i64,
) -> AppResult<offer::Model> {
    scope.require(Perm::ManageStock)?;
    let current = offer::Entity::find_by_id(id)
        .filter(offer::Column::OrgId.eq(scope.org_id()))
        .one(uow.db())
        .await?
        .ok_or(AppError::NotFound)?;
    // The offer's item is what reservations are weighed under: lock it, then read the offer again.
    uow.lock(LockKind::Item, &[current.item_id]).await?;
    let current = offer::Entity::find_by_id(id).one(uow.db()).await?.ok_or(AppError::NotFound)?;
    if current.status != OfferStatus::Active {
        return Err(AppError::Conflict("err-offer-not-active"));
    }
    let mut active: offer::ActiveModel = current.into();
    active.status = Set(OfferStatus::Withdrawn);
    let model = active.update(uow.db()).await?;
    audit::record(uow, scope, "offer.withdraw", "offer", Some(id), json!({}));
    uow.emit(Event::Offer(id));
    Ok(model)
}

/// The organisation's offers, newest first. An active offer past its last day is shown as expired.
pub async fn offers(db: &impl ConnectionTrait, scope: &OrgScope) -> AppResult<Vec<offer::Model>> {
    scope.require(Perm::Read)?;
    let today = Utc::now().date_naive();
    let mut rows = offer::Entity::find()
        .filter(offer::Column::OrgId.eq(scope.org_id()))
        .order_by_desc(offer::Column::Id)
        .all(db)
        .await?;
    for o in &mut rows {
        if o.status == OfferStatus::Active && o.available_until < today {
            o.status = OfferStatus::Expired;
        }
    }
    Ok(rows)
}
