//! Offers of surplus: stock an organisation makes available to others. An active offer reserves its quantity, so
//! distributions and transfers cannot use it; it lapses after its last day or when withdrawn.

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect,
};
use serde::Deserialize;
use serde_json::json;

use super::{MAX_QUANTITY, ledger};
use crate::{
    domain::audit,
    domain::error::{AppError, AppResult, FieldErrors},
    domain::tenancy::{OrgScope, Perm},
    domain::validate,
    domain::vocab,
    infra::entities::offer,
};

/// An offer as typed or sent.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct OfferDraft {
    /// The item offered.
    #[serde(default)]
    pub item_id: String,
    /// The warehouse holding it.
    #[serde(default)]
    pub warehouse_id: String,
    /// How much: at most the free balance (on hand minus other offers).
    #[serde(default)]
    pub quantity: String,
    /// Where it is offered; the warehouse's region when empty.
    #[serde(default)]
    pub region_code: String,
    /// Last day it is available (YYYY-MM-DD).
    #[serde(default)]
    pub available_until: String,
    /// private, network or public.
    #[serde(default)]
    pub visibility: String,
}

/// Offers part of the free balance of an item in a warehouse.
pub async fn create_offer(
    db: &DatabaseConnection,
    scope: &OrgScope,
    draft: &OfferDraft,
) -> AppResult<offer::Model> {
    scope.require(Perm::ManageStock)?;
    let mut errors = FieldErrors::default();
    let item = ledger::item_field(db, scope, &mut errors, "item_id", &draft.item_id).await?;
    let warehouse =
        ledger::warehouse_field(db, scope, &mut errors, "warehouse_id", &draft.warehouse_id)
            .await?;
    let quantity = validate::integer(&mut errors, "quantity", &draft.quantity, 1, MAX_QUANTITY);
    let available_until =
        validate::optional_date(&mut errors, "available_until", Some(&draft.available_until));
    if available_until.is_none() && errors.get("available_until").is_none() {
        errors.add("available_until", "err-required");
    }
    if available_until.is_some_and(|d| d < Utc::now().date_naive()) {
        errors.add("available_until", "err-date-past");
    }
    let visibility = if draft.visibility.trim().is_empty() {
        "private".to_owned()
    } else {
        validate::choice(
            &mut errors,
            "visibility",
            &draft.visibility,
            vocab::VISIBILITIES,
        )
    };
    let mut region_code = draft.region_code.trim().to_owned();
    if region_code.is_empty()
        && let Some(w) = &warehouse
    {
        region_code = w.region_code.clone();
    }
    if !region_code.is_empty() && !crate::domain::regions::exists(db, &region_code).await? {
        errors.add("region_code", "err-unknown-region");
    }
    errors.clone().into_result(())?;
    let (Some(item), Some(warehouse), Some(available_until)) = (item, warehouse, available_until)
    else {
        return Err(AppError::Validation(errors));
    };
    let txn = crate::infra::db::begin_write(db).await?;
    ledger::lock_items(&txn, &[item.id]).await?;
    let (on_hand, reserved) = ledger::free_quantity(&txn, item.id, warehouse.id).await?;
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
        visibility: Set(visibility),
        status: Set("active".into()),
        created_by: Set(scope.actor().user_id),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        scope,
        "offer.create",
        "offer",
        model.id,
        json!({ "quantity": quantity }),
    )
    .await?;
    txn.commit().await?;
    Ok(model)
}

/// Withdraws an offer, releasing what it reserved.
pub async fn withdraw_offer(
    db: &DatabaseConnection,
    scope: &OrgScope,
    id: i64,
) -> AppResult<offer::Model> {
    scope.require(Perm::ManageStock)?;
    let txn = crate::infra::db::begin_write(db).await?;
    let current = offer::Entity::find_by_id(id)
        .filter(offer::Column::OrgId.eq(scope.org_id()))
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    if current.status != "active" {
        return Err(AppError::Conflict("err-offer-not-active"));
    }
    let mut active: offer::ActiveModel = current.into();
    active.status = Set("withdrawn".into());
    let model = active.update(&txn).await?;
    audit::record(&txn, scope, "offer.withdraw", "offer", id, json!({})).await?;
    txn.commit().await?;
    Ok(model)
}

/// The organisation's offers, newest first. An active offer past its last day is shown as expired.
pub async fn offers(db: &DatabaseConnection, scope: &OrgScope) -> AppResult<Vec<offer::Model>> {
    scope.require(Perm::Read)?;
    let today = Utc::now().date_naive();
    let mut rows = offer::Entity::find()
        .filter(offer::Column::OrgId.eq(scope.org_id()))
        .order_by_desc(offer::Column::Id)
        .all(db)
        .await?;
    for o in &mut rows {
        if o.status == "active" && o.available_until < today {
            o.status = "expired".into();
        }
    }
    Ok(rows)
}
