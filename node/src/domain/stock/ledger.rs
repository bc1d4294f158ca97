//! The ledger: posting movements, keeping balances equal to their sum, allocating lots first-expiry-first-out,
//! and reading balances, stock cards and expiry lists.

use std::collections::{BTreeMap, HashMap};

use chrono::{NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
    sea_query::{Expr, ExprTrait, Func},
};
use serde::Deserialize;
use serde_json::json;

use super::{MAX_QUANTITY, catalogue};
use crate::{
    domain::audit,
    domain::error::{AppError, AppResult, FieldErrors},
    domain::tenancy::{OrgScope, Perm},
    domain::validate,
    infra::entities::{item, offer, stock_balance, stock_movement, warehouse},
};

/// Starts a stock-writing transaction (see [`crate::infra::db::begin_write`]).
pub(super) async fn begin(db: &DatabaseConnection) -> AppResult<DatabaseTransaction> {
    Ok(crate::infra::db::begin_write(db).await?)
}

/// Locks the items' rows until the transaction ends (PostgreSQL `FOR UPDATE`; SQLite already holds the write lock),
/// in id order so that two writers never wait on each other in a cycle.
pub(super) async fn lock_items(txn: &DatabaseTransaction, ids: &[i64]) -> AppResult<()> {
    let mut ids = ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    item::Entity::find()
        .filter(item::Column::Id.is_in(ids))
        .order_by_asc(item::Column::Id)
        .lock_exclusive()
        .all(txn)
        .await?;
    Ok(())
}

/// One movement to post.
#[derive(Clone, Debug)]
pub(super) struct Post {
    pub kind: &'static str,
    pub item_id: i64,
    pub warehouse_id: i64,
    pub lot: String,
    pub expiry: Option<NaiveDate>,
    pub quantity: i64,
    pub source_kind: Option<String>,
    pub counterparty: Option<String>,
    pub reason: Option<String>,
    pub note: Option<String>,
    pub distribution_id: Option<i64>,
    pub reverses_id: Option<i64>,
    pub occurred_on: NaiveDate,
}

impl Post {
    pub(super) fn new(
        kind: &'static str,
        item_id: i64,
        warehouse_id: i64,
        quantity: i64,
        occurred_on: NaiveDate,
    ) -> Self {
        Self {
            kind,
            item_id,
            warehouse_id,
            lot: String::new(),
            expiry: None,
            quantity,
            source_kind: None,
            counterparty: None,
            reason: None,
            note: None,
            distribution_id: None,
            reverses_id: None,
            occurred_on,
        }
    }
}

/// Appends movements and moves the balances with them; refuses (409) any that would make a balance negative.
/// Every movement is written to the audit log. Must run inside a transaction from [`begin`] holding the items' locks.
pub(super) async fn post(
    txn: &DatabaseTransaction,
    scope: &OrgScope,
    batch: &str,
    posts: Vec<Post>,
) -> AppResult<Vec<stock_movement::Model>> {
    let now = Utc::now();
    let mut out = Vec::with_capacity(posts.len());
    for p in posts {
        if p.quantity == 0 {
            continue;
        }
        let same_bucket = || {
            stock_balance::Entity::update_many()
                .col_expr(
                    stock_balance::Column::Quantity,
                    Expr::col(stock_balance::Column::Quantity).add(p.quantity),
                )
                .filter(stock_balance::Column::ItemId.eq(p.item_id))
                .filter(stock_balance::Column::WarehouseId.eq(p.warehouse_id))
                .filter(stock_balance::Column::Lot.eq(p.lot.as_str()))
        };
        if p.quantity < 0 {
            let changed = same_bucket()
                .filter(
                    Expr::col(stock_balance::Column::Quantity)
                        .add(p.quantity)
                        .gte(0),
                )
                .exec(txn)
                .await?
                .rows_affected;
            if changed != 1 {
                return Err(AppError::Conflict("err-insufficient-stock"));
            }
        } else {
            let existing = stock_balance::Entity::find()
                .filter(stock_balance::Column::ItemId.eq(p.item_id))
                .filter(stock_balance::Column::WarehouseId.eq(p.warehouse_id))
                .filter(stock_balance::Column::Lot.eq(p.lot.as_str()))
                .one(txn)
                .await?;
            match existing {
                // One lot, one expiry: stock of another date never merges into it while it holds any.
                Some(b) if b.quantity > 0 && b.expiry != p.expiry => {
                    return Err(AppError::Conflict("err-lot-expiry-mismatch"));
                }
                Some(b) => {
                    let mut active: stock_balance::ActiveModel = b.into();
                    let quantity = active.quantity.take().unwrap_or(0) + p.quantity;
                    active.quantity = Set(quantity);
                    active.expiry = Set(p.expiry);
                    active.update(txn).await?;
                }
                None => {
                    stock_balance::ActiveModel {
                        org_id: Set(scope.org_id()),
                        item_id: Set(p.item_id),
                        warehouse_id: Set(p.warehouse_id),
                        lot: Set(p.lot.clone()),
                        expiry: Set(p.expiry),
                        quantity: Set(p.quantity),
                        ..Default::default()
                    }
                    .insert(txn)
                    .await?;
                }
            }
        }
        let movement = stock_movement::ActiveModel {
            org_id: Set(scope.org_id()),
            kind: Set(p.kind.to_owned()),
            item_id: Set(p.item_id),
            warehouse_id: Set(p.warehouse_id),
            lot: Set(p.lot),
            expiry: Set(p.expiry),
            quantity: Set(p.quantity),
            source_kind: Set(p.source_kind),
            counterparty: Set(p.counterparty),
            reason: Set(p.reason),
            note: Set(p.note),
            distribution_id: Set(p.distribution_id),
            reverses_id: Set(p.reverses_id),
            batch: Set(batch.to_owned()),
            occurred_on: Set(p.occurred_on),
            created_by: Set(scope.actor().user_id),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(txn)
        .await?;
        let detail = json!({ "kind": movement.kind, "item": movement.item_id, "quantity": movement.quantity });
        audit::record(
            txn,
            scope,
            &format!("stock.{}", movement.kind),
            "stock_movement",
            movement.id,
            detail,
        )
        .await?;
        out.push(movement);
    }
    Ok(out)
}

/// `CAST(SUM(col) AS BIGINT)`: PostgreSQL sums bigints as numeric, which does not decode into `i64`.
pub(super) fn sum_of(col: impl sea_orm::sea_query::IntoColumnRef) -> Expr {
    Expr::from(Func::cast_as(Func::sum(Expr::col(col)), "BIGINT"))
}

/// A new batch id linking the movements of one operation (both legs of a transfer, the lines of a distribution).
pub(super) fn new_batch() -> AppResult<String> {
    Ok(crate::domain::auth::new_token("")?
        .chars()
        .take(32)
        .collect())
}

/// Usable quantity on hand (lots not past their expiry) and quantity reserved by live offers, for an item in a
/// warehouse: what reservations and distributions are weighed against.
pub async fn free_quantity(
    db: &impl ConnectionTrait,
    item_id: i64,
    warehouse_id: i64,
) -> AppResult<(i64, i64)> {
    let on_hand: Option<i64> = stock_balance::Entity::find()
        .select_only()
        .column_as(sum_of(stock_balance::Column::Quantity), "s")
        .filter(stock_balance::Column::ItemId.eq(item_id))
        .filter(stock_balance::Column::WarehouseId.eq(warehouse_id))
        .filter(
            sea_orm::Condition::any()
                .add(stock_balance::Column::Expiry.is_null())
                .add(stock_balance::Column::Expiry.gte(Utc::now().date_naive())),
        )
        .into_tuple()
        .one(db)
        .await?
        .flatten();
    let reserved: Option<i64> = offer::Entity::find()
        .select_only()
        .column_as(sum_of(offer::Column::Quantity), "s")
        .filter(offer::Column::ItemId.eq(item_id))
        .filter(offer::Column::WarehouseId.eq(warehouse_id))
        .filter(offer::Column::Status.eq("active"))
        .filter(offer::Column::AvailableUntil.gte(Utc::now().date_naive()))
        .into_tuple()
        .one(db)
        .await?
        .flatten();
    Ok((on_hand.unwrap_or(0), reserved.unwrap_or(0)))
}

/// How an outbound quantity is taken from lots.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Take {
    /// Distribution or transfer: skips expired lots and leaves stock reserved by offers alone.
    Usable,
    /// Loss or count correction: any lot, reservations notwithstanding (the stock is gone either way).
    Any,
}

/// Picks lots for `quantity` of an item in a warehouse: the given lot, or first-expiry-first-out (lots without expiry
/// last). Refuses (409) when there is not enough, or when the rest is reserved by offers.
pub(super) async fn allocate(
    txn: &DatabaseTransaction,
    item_id: i64,
    warehouse_id: i64,
    lot: Option<&str>,
    quantity: i64,
    take: Take,
) -> AppResult<Vec<(String, Option<NaiveDate>, i64)>> {
    let today = Utc::now().date_naive();
    let mut lots = stock_balance::Entity::find()
        .filter(stock_balance::Column::ItemId.eq(item_id))
        .filter(stock_balance::Column::WarehouseId.eq(warehouse_id))
        .filter(stock_balance::Column::Quantity.gt(0))
        .all(txn)
        .await?;
    lots.sort_by(|a, b| {
        (a.expiry.is_none(), a.expiry, &a.lot).cmp(&(b.expiry.is_none(), b.expiry, &b.lot))
    });
    if let Some(lot) = lot {
        lots.retain(|l| l.lot == lot);
    }
    if take == Take::Usable {
        lots.retain(|l| l.expiry.is_none_or(|e| e >= today));
    }
    let available: i64 = lots.iter().map(|l| l.quantity).sum();
    if available < quantity {
        return Err(AppError::Conflict("err-insufficient-stock"));
    }
    if take == Take::Usable {
        let (on_hand, reserved) = free_quantity(txn, item_id, warehouse_id).await?;
        if on_hand - reserved < quantity {
            return Err(AppError::Conflict("err-stock-reserved"));
        }
    }
    let mut left = quantity;
    let mut out = Vec::new();
    for l in lots {
        if left == 0 {
            break;
        }
        let n = std::cmp::min(l.quantity, left);
        out.push((l.lot, l.expiry, n));
        left -= n;
    }
    Ok(out)
}

/// A movement recorded by hand, as typed or sent.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct MovementDraft {
    /// receipt, transfer, transfer-out, transfer-in, adjustment or loss.
    #[serde(default)]
    pub kind: String,
    /// The item.
    #[serde(default)]
    pub item_id: String,
    /// The warehouse it enters or leaves.
    #[serde(default)]
    pub warehouse_id: String,
    /// For a transfer: the warehouse it goes to.
    #[serde(default)]
    pub to_warehouse_id: String,
    /// How much (an adjustment may be negative).
    #[serde(default)]
    pub quantity: String,
    /// Lot number; for stock leaving, empty means first-expiry-first-out.
    #[serde(default)]
    pub lot: String,
    /// Expiry date of the lot received (YYYY-MM-DD).
    #[serde(default)]
    pub expiry: String,
    /// For a receipt: donor, purchase or organisation.
    #[serde(default)]
    pub source_kind: String,
    /// Who it came from or went to.
    #[serde(default)]
    pub counterparty: String,
    /// For a loss: expired, damaged, stolen or other.
    #[serde(default)]
    pub reason: String,
    /// Free text; required for an adjustment (why the count was wrong).
    #[serde(default)]
    pub note: String,
    /// When it happened (YYYY-MM-DD); today if empty.
    #[serde(default)]
    pub occurred_on: String,
}

/// Checks a date that must not be in the future (a movement that already happened); today when empty.
pub(super) fn past_date(errors: &mut FieldErrors, field: &str, raw: &str) -> NaiveDate {
    let today = Utc::now().date_naive();
    match validate::optional_date(errors, field, Some(raw)) {
        Some(d) if d > today + chrono::Duration::days(1) => {
            errors.add(field, "err-date-in-future");
            today
        }
        Some(d) => d,
        None => today,
    }
}

/// Parses an id field that must name one of the scope's rows.
pub(super) fn id_field(errors: &mut FieldErrors, field: &str, raw: &str) -> Option<i64> {
    let raw = sanad_search::fold_digits(raw.trim());
    if raw.is_empty() {
        errors.add(field, "err-required");
        return None;
    }
    match raw.parse::<i64>() {
        Ok(id) => Some(id),
        Err(_) => {
            errors.add(field, "err-unknown-choice");
            None
        }
    }
}

/// Looks up an item or warehouse named in a form, turning "not ours" into a field error.
pub(super) async fn scoped<T>(
    errors: &mut FieldErrors,
    field: &str,
    found: AppResult<T>,
    missing: &'static str,
) -> AppResult<Option<T>> {
    match found {
        Ok(v) => Ok(Some(v)),
        Err(AppError::NotFound) => {
            errors.add(field, missing);
            Ok(None)
        }
        Err(e) => Err(e),
    }
}

/// The item named by form field `field`, or a field error when it is missing, malformed or not the scope's.
pub(super) async fn item_field(
    db: &DatabaseConnection,
    scope: &OrgScope,
    errors: &mut FieldErrors,
    field: &str,
    raw: &str,
) -> AppResult<Option<item::Model>> {
    match id_field(errors, field, raw) {
        Some(id) => {
            scoped(
                errors,
                field,
                catalogue::get_item(db, scope, id).await,
                "err-unknown-item",
            )
            .await
        }
        None => Ok(None),
    }
}

/// The warehouse named by form field `field`, or a field error when it is missing, malformed or not the scope's.
pub(super) async fn warehouse_field(
    db: &DatabaseConnection,
    scope: &OrgScope,
    errors: &mut FieldErrors,
    field: &str,
    raw: &str,
) -> AppResult<Option<warehouse::Model>> {
    match id_field(errors, field, raw) {
        Some(id) => {
            scoped(
                errors,
                field,
                catalogue::get_warehouse(db, scope, id).await,
                "err-unknown-warehouse",
            )
            .await
        }
        None => Ok(None),
    }
}

/// Records a receipt, transfer, transfer to or from another organisation, adjustment or loss.
pub async fn record(
    db: &DatabaseConnection,
    scope: &OrgScope,
    draft: &MovementDraft,
) -> AppResult<Vec<stock_movement::Model>> {
    scope.require(Perm::ManageStock)?;
    let mut errors = FieldErrors::default();
    let kind = validate::choice(&mut errors, "kind", &draft.kind, super::MANUAL_KINDS);
    let item = item_field(db, scope, &mut errors, "item_id", &draft.item_id).await?;
    let warehouse =
        warehouse_field(db, scope, &mut errors, "warehouse_id", &draft.warehouse_id).await?;
    let signed = kind == "adjustment";
    let quantity = validate::integer(
        &mut errors,
        "quantity",
        &draft.quantity,
        if signed { -MAX_QUANTITY } else { 1 },
        MAX_QUANTITY,
    );
    if signed && quantity == 0 && errors.get("quantity").is_none() {
        errors.add("quantity", "err-zero");
    }
    let lot = validate::optional_text(&mut errors, "lot", Some(&draft.lot), 64).unwrap_or_default();
    let occurred_on = past_date(&mut errors, "occurred_on", &draft.occurred_on);
    let note = validate::optional_text(&mut errors, "note", Some(&draft.note), 500);
    let counterparty =
        validate::optional_text(&mut errors, "counterparty", Some(&draft.counterparty), 200);
    let inbound = matches!(kind.as_str(), "receipt" | "transfer-in") || (signed && quantity > 0);
    let mut expiry = None;
    if matches!(kind.as_str(), "receipt" | "transfer-in") {
        expiry = validate::optional_date(&mut errors, "expiry", Some(&draft.expiry));
        if let Some(e) = expiry
            && e < Utc::now().date_naive()
        {
            errors.add("expiry", "err-expiry-past");
        }
        if item.as_ref().is_some_and(|i| i.expires)
            && expiry.is_none()
            && errors.get("expiry").is_none()
        {
            errors.add("expiry", "err-required");
        }
    }
    let source_kind = if kind == "receipt" {
        Some(validate::choice(
            &mut errors,
            "source_kind",
            &draft.source_kind,
            super::SOURCE_KINDS,
        ))
    } else {
        None
    };
    if matches!(kind.as_str(), "transfer-out" | "transfer-in") && counterparty.is_none() {
        errors.add("counterparty", "err-required");
    }
    let reason = if kind == "loss" {
        Some(validate::choice(
            &mut errors,
            "reason",
            &draft.reason,
            super::LOSS_REASONS,
        ))
    } else {
        None
    };
    if signed && note.is_none() {
        errors.add("note", "err-required");
    }
    let to_warehouse = if kind == "transfer" {
        let to = warehouse_field(
            db,
            scope,
            &mut errors,
            "to_warehouse_id",
            &draft.to_warehouse_id,
        )
        .await?;
        if to
            .as_ref()
            .zip(warehouse.as_ref())
            .is_some_and(|(t, f)| t.id == f.id)
        {
            errors.add("to_warehouse_id", "err-same-warehouse");
        }
        to
    } else {
        None
    };
    errors.clone().into_result(())?;
    let (Some(item), Some(warehouse)) = (item, warehouse) else {
        return Err(AppError::Validation(errors));
    };

    let txn = begin(db).await?;
    lock_items(&txn, &[item.id]).await?;
    let mut posts = Vec::new();
    let base = |kind: &'static str, warehouse_id: i64, q: i64| {
        let mut p = Post::new(kind, item.id, warehouse_id, q, occurred_on);
        p.note = note.clone();
        p.counterparty = counterparty.clone();
        p.source_kind = source_kind.clone();
        p.reason = reason.clone();
        p
    };
    let kind_static: &'static str = super::MANUAL_KINDS
        .iter()
        .find(|k| **k == kind)
        .copied()
        .unwrap_or("adjustment");
    if inbound {
        // Stock without a lot number is kept apart by its expiry date, so deliveries of different dates never merge.
        let lot = match (lot.is_empty(), expiry) {
            (true, Some(date)) => date.to_string(),
            _ => lot.clone(),
        };
        if expiry.is_none() && !lot.is_empty() {
            // A count correction upwards of a known lot keeps that lot's date.
            expiry = stock_balance::Entity::find()
                .filter(stock_balance::Column::ItemId.eq(item.id))
                .filter(stock_balance::Column::WarehouseId.eq(warehouse.id))
                .filter(stock_balance::Column::Lot.eq(lot.as_str()))
                .one(&txn)
                .await?
                .and_then(|b| b.expiry);
        }
        let mut p = base(kind_static, warehouse.id, quantity);
        p.lot = lot.clone();
        p.expiry = expiry;
        posts.push(p);
    } else {
        let take = if matches!(kind.as_str(), "loss" | "adjustment") {
            Take::Any
        } else {
            Take::Usable
        };
        let wanted = if lot.is_empty() {
            None
        } else {
            Some(lot.as_str())
        };
        for (lot, expiry, n) in
            allocate(&txn, item.id, warehouse.id, wanted, quantity.abs(), take).await?
        {
            let mut out = base(kind_static, warehouse.id, -n);
            out.lot = lot.clone();
            out.expiry = expiry;
            posts.push(out);
            if let Some(to) = &to_warehouse {
                let mut into = base(kind_static, to.id, n);
                into.lot = lot;
                into.expiry = expiry;
                posts.push(into);
            }
        }
    }
    let movements = post(&txn, scope, &new_batch()?, posts).await?;
    txn.commit().await?;
    Ok(movements)
}

/// Balances of one item (optionally in one warehouse) by lot, soonest expiry first.
pub async fn lot_balances(
    db: &DatabaseConnection,
    scope: &OrgScope,
    item_id: i64,
    warehouse_id: Option<i64>,
) -> AppResult<Vec<stock_balance::Model>> {
    scope.require(Perm::Read)?;
    let mut query = stock_balance::Entity::find()
        .filter(stock_balance::Column::OrgId.eq(scope.org_id()))
        .filter(stock_balance::Column::ItemId.eq(item_id))
        .filter(stock_balance::Column::Quantity.gt(0));
    if let Some(w) = warehouse_id {
        query = query.filter(stock_balance::Column::WarehouseId.eq(w));
    }
    let mut rows = query.all(db).await?;
    rows.sort_by(|a, b| {
        (a.expiry.is_none(), a.expiry, &a.lot).cmp(&(b.expiry.is_none(), b.expiry, &b.lot))
    });
    Ok(rows)
}

/// Usable lots with stock (not past expiry), soonest expiry first: the order distributions take them in.
pub async fn usable_lots(
    db: &DatabaseConnection,
    scope: &OrgScope,
    limit: u64,
) -> AppResult<Vec<stock_balance::Model>> {
    scope.require(Perm::Read)?;
    let today = Utc::now().date_naive();
    let mut rows = stock_balance::Entity::find()
        .filter(stock_balance::Column::OrgId.eq(scope.org_id()))
        .filter(stock_balance::Column::Quantity.gt(0))
        .filter(
            sea_orm::Condition::any()
                .add(stock_balance::Column::Expiry.is_null())
                .add(stock_balance::Column::Expiry.gte(today)),
        )
        .order_by_asc(stock_balance::Column::Expiry)
        .limit(limit)
        .all(db)
        .await?;
    rows.sort_by(|a, b| {
        (a.expiry.is_none(), a.expiry, &a.lot).cmp(&(b.expiry.is_none(), b.expiry, &b.lot))
    });
    Ok(rows)
}

/// One line of the stock overview: an item in a warehouse.
#[derive(Clone, Debug)]
pub struct BalanceRow {
    /// The item.
    pub item: item::Model,
    /// The warehouse.
    pub warehouse: warehouse::Model,
    /// Quantity on hand (all lots).
    pub on_hand: i64,
    /// Quantity reserved by live offers.
    pub reserved: i64,
}

/// Balances by item and warehouse (an empty shelf that once held the item shows 0).
pub async fn overview(db: &DatabaseConnection, scope: &OrgScope) -> AppResult<Vec<BalanceRow>> {
    scope.require(Perm::Read)?;
    let sums: Vec<(i64, i64, Option<i64>)> = stock_balance::Entity::find()
        .select_only()
        .column(stock_balance::Column::ItemId)
        .column(stock_balance::Column::WarehouseId)
        .column_as(sum_of(stock_balance::Column::Quantity), "s")
        .filter(stock_balance::Column::OrgId.eq(scope.org_id()))
        .group_by(stock_balance::Column::ItemId)
        .group_by(stock_balance::Column::WarehouseId)
        .into_tuple()
        .all(db)
        .await?;
    let today = Utc::now().date_naive();
    let reserved: Vec<(i64, i64, Option<i64>)> = offer::Entity::find()
        .select_only()
        .column(offer::Column::ItemId)
        .column(offer::Column::WarehouseId)
        .column_as(sum_of(offer::Column::Quantity), "s")
        .filter(offer::Column::OrgId.eq(scope.org_id()))
        .filter(offer::Column::Status.eq("active"))
        .filter(offer::Column::AvailableUntil.gte(today))
        .group_by(offer::Column::ItemId)
        .group_by(offer::Column::WarehouseId)
        .into_tuple()
        .all(db)
        .await?;
    let reserved: HashMap<(i64, i64), i64> = reserved
        .into_iter()
        .map(|(i, w, s)| ((i, w), s.unwrap_or(0)))
        .collect();
    let items: HashMap<i64, item::Model> = catalogue::items(db, scope)
        .await?
        .into_iter()
        .map(|i| (i.id, i))
        .collect();
    let warehouses: HashMap<i64, warehouse::Model> = catalogue::warehouses(db, scope)
        .await?
        .into_iter()
        .map(|w| (w.id, w))
        .collect();
    let mut rows: Vec<BalanceRow> = sums
        .into_iter()
        .filter_map(|(i, w, s)| {
            let on_hand = s.unwrap_or(0);
            let reserved = reserved.get(&(i, w)).copied().unwrap_or(0);
            Some(BalanceRow {
                item: items.get(&i)?.clone(),
                warehouse: warehouses.get(&w)?.clone(),
                on_hand,
                reserved,
            })
        })
        .collect();
    rows.sort_by(|a, b| {
        (&a.item.name_en, &a.warehouse.name).cmp(&(&b.item.name_en, &b.warehouse.name))
    });
    Ok(rows)
}

/// Items whose total on hand (all warehouses) is below their low-stock threshold, with that total.
pub async fn low_stock(
    db: &DatabaseConnection,
    scope: &OrgScope,
) -> AppResult<Vec<(item::Model, i64)>> {
    let mut totals: BTreeMap<i64, i64> = BTreeMap::new();
    for row in overview(db, scope).await? {
        *totals.entry(row.item.id).or_default() += row.on_hand;
    }
    Ok(catalogue::items(db, scope)
        .await?
        .into_iter()
        .filter_map(|i| {
            let total = totals.get(&i.id).copied().unwrap_or(0);
            (i.low_stock_threshold > 0 && total < i.low_stock_threshold).then_some((i, total))
        })
        .collect())
}

/// One line of a stock card: a movement and the balance right after it.
#[derive(Clone, Debug)]
pub struct CardRow {
    /// The movement.
    pub movement: stock_movement::Model,
    /// Balance of the item (in the warehouse, if filtered) after this movement.
    pub balance_after: i64,
}

/// How many movements a stock card page shows.
pub const CARD_PAGE: u64 = 50;

/// The stock card of an item: its movements, newest first, each with the running balance; and the total count.
pub async fn card(
    db: &DatabaseConnection,
    scope: &OrgScope,
    item_id: i64,
    warehouse_id: Option<i64>,
    page: u64,
) -> AppResult<(Vec<CardRow>, u64)> {
    catalogue::get_item(db, scope, item_id).await?;
    // The count, the page and the running balance come from one snapshot.
    let snapshot = crate::infra::db::begin_snapshot(db).await?;
    let db = &snapshot;
    let filter = |q: sea_orm::Select<stock_movement::Entity>| {
        let q = q.filter(stock_movement::Column::ItemId.eq(item_id));
        match warehouse_id {
            Some(w) => q.filter(stock_movement::Column::WarehouseId.eq(w)),
            None => q,
        }
    };
    let total = filter(stock_movement::Entity::find()).count(db).await?;
    let page = page.clamp(1, 1_000_000);
    let rows = filter(stock_movement::Entity::find())
        .order_by_desc(stock_movement::Column::Id)
        .offset((page - 1) * CARD_PAGE)
        .limit(CARD_PAGE)
        .all(db)
        .await?;
    let Some(first) = rows.first() else {
        return Ok((Vec::new(), total));
    };
    // The balance after the newest row of this page: the current balance minus every newer movement. Both sums use
    // indexes and touch only the lots and the rows newer than this page, however long the item's history.
    let warehouse_filter = |col: &str| {
        warehouse_id
            .map(|w| format!(" AND {col} = {w}"))
            .unwrap_or_default()
    };
    let sql = format!(
        "SELECT CAST((SELECT COALESCE(SUM(quantity), 0) FROM stock_balances WHERE item_id = {item_id}{}) \
         - (SELECT COALESCE(SUM(quantity), 0) FROM stock_movements WHERE item_id = {item_id} AND id > {}{}) AS BIGINT) AS s",
        warehouse_filter("warehouse_id"),
        first.id,
        warehouse_filter("warehouse_id"),
    );
    let upto: Option<i64> = db
        .query_one_raw(sea_orm::Statement::from_string(
            db.get_database_backend(),
            sql,
        ))
        .await?
        .map(|row| row.try_get::<i64>("", "s"))
        .transpose()?;
    let mut balance = upto.unwrap_or(0);
    let mut out = Vec::with_capacity(rows.len());
    for movement in rows {
        let quantity = movement.quantity;
        out.push(CardRow {
            movement,
            balance_after: balance,
        });
        balance -= quantity;
    }
    Ok((out, total))
}

/// A lot that expires soon.
#[derive(Clone, Debug)]
pub struct ExpiringRow {
    /// The item.
    pub item: item::Model,
    /// Where it is.
    pub warehouse: warehouse::Model,
    /// The lot.
    pub lot: String,
    /// Its expiry date.
    pub expiry: NaiveDate,
    /// Quantity left.
    pub quantity: i64,
}

/// Lots with stock that expire within `days` (or already have), soonest first.
pub async fn expiring(
    db: &DatabaseConnection,
    scope: &OrgScope,
    days: i64,
) -> AppResult<Vec<ExpiringRow>> {
    scope.require(Perm::Read)?;
    let limit = Utc::now().date_naive() + chrono::Duration::days(days.clamp(0, 3650));
    let rows = stock_balance::Entity::find()
        .filter(stock_balance::Column::OrgId.eq(scope.org_id()))
        .filter(stock_balance::Column::Quantity.gt(0))
        .filter(stock_balance::Column::Expiry.lte(limit))
        .order_by_asc(stock_balance::Column::Expiry)
        .limit(500)
        .all(db)
        .await?;
    let items: HashMap<i64, item::Model> = catalogue::items(db, scope)
        .await?
        .into_iter()
        .map(|i| (i.id, i))
        .collect();
    let warehouses: HashMap<i64, warehouse::Model> = catalogue::warehouses(db, scope)
        .await?
        .into_iter()
        .map(|w| (w.id, w))
        .collect();
    Ok(rows
        .into_iter()
        .filter_map(|b| {
            Some(ExpiringRow {
                item: items.get(&b.item_id)?.clone(),
                warehouse: warehouses.get(&b.warehouse_id)?.clone(),
                lot: b.lot,
                expiry: b.expiry?,
                quantity: b.quantity,
            })
        })
        .collect())
}

/// Whether every balance of the organisation equals the sum of its movements (and no movement lacks a balance).
pub async fn verify_balances(db: &DatabaseConnection, scope: &OrgScope) -> AppResult<bool> {
    scope.require(Perm::Read)?;
    let sums: Vec<(i64, i64, String, Option<i64>)> = stock_movement::Entity::find()
        .select_only()
        .column(stock_movement::Column::ItemId)
        .column(stock_movement::Column::WarehouseId)
        .column(stock_movement::Column::Lot)
        .column_as(sum_of(stock_movement::Column::Quantity), "s")
        .filter(stock_movement::Column::OrgId.eq(scope.org_id()))
        .group_by(stock_movement::Column::ItemId)
        .group_by(stock_movement::Column::WarehouseId)
        .group_by(stock_movement::Column::Lot)
        .into_tuple()
        .all(db)
        .await?;
    let from_ledger: BTreeMap<(i64, i64, String), i64> = sums
        .into_iter()
        .map(|(i, w, l, s)| ((i, w, l), s.unwrap_or(0)))
        .filter(|(_, s)| *s != 0)
        .collect();
    let balances: BTreeMap<(i64, i64, String), i64> = stock_balance::Entity::find()
        .filter(stock_balance::Column::OrgId.eq(scope.org_id()))
        .all(db)
        .await?
        .into_iter()
        .map(|b| ((b.item_id, b.warehouse_id, b.lot), b.quantity))
        .filter(|(_, q)| *q != 0)
        .collect();
    Ok(from_ledger == balances)
}
