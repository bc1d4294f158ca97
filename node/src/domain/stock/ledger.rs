//! The ledger's writing side: posting movements, keeping balances equal to their sum, allocating lots
//! first-expiry-first-out, and the movements a storekeeper records by hand.

use chrono::{NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect,
    sea_query::{Expr, ExprTrait, Func},
};
use serde_json::json;

use super::{MAX_QUANTITY, catalogue};
use crate::domain::{
    audit,
    error::{AppError, AppResult, FieldErrors, Input},
    tenancy::{OrgScope, Perm},
    validate,
};
use crate::infra::{
    entities::{commitment, item, offer, stock_balance, stock_movement, warehouse},
    uow::{LockKind, UnitOfWork},
};
use crate::vocab::{LossReason, MovementKind, OfferStatus, SourceKind};

/// One movement to post: where the stock moves (item, warehouse, lot with its expiry) and by how much, and the rest of
/// its ledger row (kind, date, references, notes), which `post` completes with the organisation, batch and author.
#[derive(Clone, Debug)]
pub(super) struct Post {
    pub item_id: i64,
    pub warehouse_id: i64,
    pub lot: String,
    pub expiry: Option<NaiveDate>,
    pub quantity: i64,
    pub row: stock_movement::ActiveModel,
}

impl Post {
    pub(super) fn new(
        kind: MovementKind,
        item_id: i64,
        warehouse_id: i64,
        quantity: i64,
        occurred_on: NaiveDate,
    ) -> Self {
        let row = stock_movement::ActiveModel {
            kind: Set(kind),
            occurred_on: Set(occurred_on),
            ..Default::default()
        };
        Self { item_id, warehouse_id, lot: String::new(), expiry: None, quantity, row }
    }

    /// The same movement taken from (or put into) one lot.
    pub(super) fn in_lot(mut self, lot: String, expiry: Option<NaiveDate>) -> Self {
        self.lot = lot;
        self.expiry = expiry;
        self
    }
}

/// Appends movements and moves the balances with them; refuses (409) any that would make a balance negative.
/// Every movement is written to the audit log. The caller holds the items' locks.
pub(super) async fn post(
    uow: &mut UnitOfWork,
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
        move_balance(uow, scope, &p).await?;
        let mut row = p.row;
        row.org_id = Set(scope.org_id());
        row.item_id = Set(p.item_id);
        row.warehouse_id = Set(p.warehouse_id);
        row.lot = Set(p.lot);
        row.expiry = Set(p.expiry);
        row.quantity = Set(p.quantity);
        row.batch = Set(batch.to_owned());
        row.created_by = Set(scope.actor().user_id);
        row.created_at = Set(now);
        let movement = row.insert(uow.db()).await?;
        let detail = json!({ "kind": movement.kind, "item": movement.item_id, "quantity": movement.quantity });
        let action = format!("stock.{}", movement.kind);
        audit::record(uow, scope, &action, "stock_movement", Some(movement.id), detail);
        out.push(movement);
    }
    Ok(out)
}

/// Moves the balance of the movement's item, warehouse and lot; a decrease is conditional, so it can never go below
/// zero, and an increase never merges stock of another expiry date into a lot that still holds some.
async fn move_balance(uow: &UnitOfWork, scope: &OrgScope, p: &Post) -> AppResult<()> {
    let bucket = Expr::col(stock_balance::Column::ItemId)
        .eq(p.item_id)
        .and(Expr::col(stock_balance::Column::WarehouseId).eq(p.warehouse_id))
        .and(Expr::col(stock_balance::Column::Lot).eq(p.lot.as_str()));
    if p.quantity < 0 {
        let changed = stock_balance::Entity::update_many()
            .col_expr(
                stock_balance::Column::Quantity,
                Expr::col(stock_balance::Column::Quantity).add(p.quantity),
            )
            .filter(bucket)
            .filter(Expr::col(stock_balance::Column::Quantity).add(p.quantity).gte(0))
            .exec(uow.db())
            .await?
            .rows_affected;
        if changed != 1 {
            return Err(AppError::Conflict("err-insufficient-stock"));
        }
        return Ok(());
    }
    let existing = stock_balance::Entity::find().filter(bucket).one(uow.db()).await?;
    match existing {
        // One lot, one expiry: stock of another date never merges into it while it holds any.
        Some(b) if b.quantity > 0 && b.expiry != p.expiry => {
            Err(AppError::Conflict("err-lot-expiry-mismatch"))
        }
        Some(b) => {
            let quantity = b.quantity + p.quantity;
            let mut active: stock_balance::ActiveModel = b.into();
            active.quantity = Set(quantity);
            active.expiry = Set(p.expiry);
            active.update(uow.db()).await?;
            Ok(())
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
            .insert(uow.db())
            .await?;
            Ok(())
        }
    }
}

/// `CAST(SUM(col) AS BIGINT)`: PostgreSQL sums bigints as numeric, which does not decode into `i64`.
pub(super) fn sum_of(col: impl sea_orm::sea_query::IntoColumnRef) -> Expr {
    Expr::from(Func::cast_as(Func::sum(Expr::col(col)), "BIGINT"))
}

/// A new batch id linking the movements of one operation (both legs of a transfer, the lines of a distribution).
pub(super) fn new_batch() -> AppResult<String> {
    Ok(crate::domain::auth::new_token("")?.chars().take(32).collect())
}

/// The order lots are taken in: soonest expiry first, lots without expiry last, then by lot.
pub fn fefo(rows: &mut [stock_balance::Model]) {
    rows.sort_by(|a, b| {
        (a.expiry.is_none(), a.expiry, &a.lot).cmp(&(b.expiry.is_none(), b.expiry, &b.lot))
    });
}

/// The condition "not past its expiry date today".
pub(super) fn usable_today() -> sea_orm::Condition {
    sea_orm::Condition::any()
        .add(stock_balance::Column::Expiry.is_null())
        .add(stock_balance::Column::Expiry.gte(Utc::now().date_naive()))
}

/// The condition "an offer that still reserves its stock": active and not past its last day.
pub(super) fn live_offer() -> sea_orm::Condition {
    sea_orm::Condition::all()
        .add(offer::Column::Status.eq(OfferStatus::Active))
        .add(offer::Column::AvailableUntil.gte(Utc::now().date_naive()))
}

/// Usable quantity on hand (lots not past their expiry) and quantity reserved by live offers and by commitments to
/// other organisations not yet sent, for an item in a warehouse: what reservations and distributions are weighed against.
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
        .filter(usable_today())
        .into_tuple()
        .one(db)
        .await?
        .flatten();
    let reserved: Option<i64> = offer::Entity::find()
        .select_only()
        .column_as(sum_of(offer::Column::Quantity), "s")
        .filter(offer::Column::ItemId.eq(item_id))
        .filter(offer::Column::WarehouseId.eq(warehouse_id))
        .filter(live_offer())
        .into_tuple()
        .one(db)
        .await?
        .flatten();
    // Committed to other organisations and not yet sent (or handed from an offer to a commitment).
    let committed: Option<i64> = commitment::Entity::find()
        .select_only()
        .column_as(sum_of(commitment::Column::Quantity), "s")
        .filter(commitment::Column::ItemId.eq(item_id))
        .filter(commitment::Column::WarehouseId.eq(warehouse_id))
        .filter(commitment::Column::Status.is_in(crate::vocab::CommitmentStatus::HOLDING))
        .into_tuple()
        .one(db)
        .await?
        .flatten();
    Ok((on_hand.unwrap_or(0), reserved.unwrap_or(0) + committed.unwrap_or(0)))
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
    db: &impl ConnectionTrait,
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
        .all(db)
        .await?;
    fefo(&mut lots);
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
        let (on_hand, reserved) = free_quantity(db, item_id, warehouse_id).await?;
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

/// A movement recorded by hand, as read at the edge.
#[derive(Clone, Debug, Default)]
pub struct MovementFields {
    /// Receipt, transfer, transfer out or in, adjustment or loss.
    pub kind: Option<MovementKind>,
    /// The item.
    pub item_id: Option<i64>,
    /// The warehouse it enters or leaves.
    pub warehouse_id: Option<i64>,
    /// For a transfer: the warehouse it goes to.
    pub to_warehouse_id: Option<i64>,
    /// How much (an adjustment may be negative).
    pub quantity: Option<i64>,
    /// Lot number; for stock leaving, empty means first-expiry-first-out.
    pub lot: String,
    /// Expiry date of the lot received.
    pub expiry: Option<NaiveDate>,
    /// For a receipt: where it came from.
    pub source_kind: Option<SourceKind>,
    /// Who it came from or went to.
    pub counterparty: String,
    /// For a loss: why.
    pub reason: Option<LossReason>,
    /// Free text; required for an adjustment (why the count was wrong).
    pub note: String,
    /// When it happened; today when not given.
    pub occurred_on: Option<NaiveDate>,
}

/// A date that must not be in the future (a movement that already happened); today when not given.
pub(super) fn past_date(
    errors: &mut FieldErrors,
    field: &str,
    date: Option<NaiveDate>,
) -> NaiveDate {
    let today = Utc::now().date_naive();
    match date {
        Some(d) if d > today + chrono::Duration::days(1) => {
            errors.add(field, "err-date-in-future");
            today
        }
        Some(d) => d,
        None => today,
    }
}

/// Turns "not the scope's" into a field error: records of another organisation look like records that do not exist.
pub(super) fn scoped<T>(
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

/// The item named by field `field`: a field error when missing or not the scope's.
pub async fn item_ref(
    db: &impl ConnectionTrait,
    scope: &OrgScope,
    errors: &mut FieldErrors,
    field: &str,
    id: Option<i64>,
) -> AppResult<Option<item::Model>> {
    match validate::required(errors, field, id) {
        Some(id) => {
            scoped(errors, field, catalogue::get_item(db, scope, id).await, "err-unknown-item")
        }
        None => Ok(None),
    }
}

/// The warehouse named by field `field`: a field error when missing or not the scope's.
pub async fn warehouse_ref(
    db: &impl ConnectionTrait,
    scope: &OrgScope,
    errors: &mut FieldErrors,
    field: &str,
    id: Option<i64>,
) -> AppResult<Option<warehouse::Model>> {
    match validate::required(errors, field, id) {
        Some(id) => scoped(
            errors,
            field,
            catalogue::get_warehouse(db, scope, id).await,
            "err-unknown-warehouse",
        ),
        None => Ok(None),
    }
}

/// A hand-recorded movement, checked.
struct Manual {
    kind: MovementKind,
    item: item::Model,
    warehouse: warehouse::Model,
    to_warehouse: Option<warehouse::Model>,
    quantity: i64,
    lot: String,
    expiry: Option<NaiveDate>,
    occurred_on: NaiveDate,
    source_kind: Option<SourceKind>,
    counterparty: Option<String>,
    reason: Option<LossReason>,
    note: Option<String>,
}

impl Manual {
    /// Whether stock enters the warehouse (a receipt, a transfer in, an upward count correction).
    fn inbound(&self) -> bool {
        matches!(self.kind, MovementKind::Receipt | MovementKind::TransferIn)
            || (self.kind == MovementKind::Adjustment && self.quantity > 0)
    }

    fn post(&self, warehouse_id: i64, quantity: i64) -> Post {
        let mut p = Post::new(self.kind, self.item.id, warehouse_id, quantity, self.occurred_on);
        p.row.note = Set(self.note.clone());
        p.row.counterparty = Set(self.counterparty.clone());
        p.row.source_kind = Set(self.source_kind);
        p.row.reason = Set(self.reason);
        p
    }
}

async fn check_manual(
    db: &impl ConnectionTrait,
    scope: &OrgScope,
    input: Input<MovementFields>,
) -> AppResult<Manual> {
    let Input { value: f, mut errors } = input;
    let kind = validate::required(&mut errors, "kind", f.kind);
    if kind.is_some_and(|k| !MovementKind::MANUAL.contains(&k)) {
        errors.add("kind", "err-unknown-choice");
    }
    let item = item_ref(db, scope, &mut errors, "item_id", f.item_id).await?;
    let warehouse = warehouse_ref(db, scope, &mut errors, "warehouse_id", f.warehouse_id).await?;
    let signed = kind == Some(MovementKind::Adjustment);
    let min = if signed { -MAX_QUANTITY } else { 1 };
    let quantity = validate::range(&mut errors, "quantity", f.quantity, min, MAX_QUANTITY);
    if signed && quantity == 0 && errors.get("quantity").is_none() {
        errors.add("quantity", "err-zero");
    }
    let lot = validate::optional_text(&mut errors, "lot", Some(&f.lot), 64).unwrap_or_default();
    let occurred_on = past_date(&mut errors, "occurred_on", f.occurred_on);
    let note = validate::optional_text(&mut errors, "note", Some(&f.note), 500);
    let counterparty =
        validate::optional_text(&mut errors, "counterparty", Some(&f.counterparty), 200);
    let receiving = matches!(kind, Some(MovementKind::Receipt | MovementKind::TransferIn));
    let expiry = if receiving { f.expiry } else { None };
    if expiry.is_some_and(|e| e < Utc::now().date_naive()) {
        errors.add("expiry", "err-expiry-past");
    }
    if receiving && item.as_ref().is_some_and(|i| i.expires) && expiry.is_none() {
        errors.add("expiry", "err-required");
    }
    let source_kind = match kind {
        Some(MovementKind::Receipt) => {
            validate::required(&mut errors, "source_kind", f.source_kind)
        }
        _ => None,
    };
    if matches!(kind, Some(MovementKind::TransferOut | MovementKind::TransferIn))
        && counterparty.is_none()
    {
        errors.add("counterparty", "err-required");
    }
    let reason = match kind {
        Some(MovementKind::Loss) => validate::required(&mut errors, "reason", f.reason),
        _ => None,
    };
    if signed && note.is_none() {
        errors.add("note", "err-required");
    }
    let to_warehouse = if kind == Some(MovementKind::Transfer) {
        let to =
            warehouse_ref(db, scope, &mut errors, "to_warehouse_id", f.to_warehouse_id).await?;
        if to.as_ref().zip(warehouse.as_ref()).is_some_and(|(t, w)| t.id == w.id) {
            errors.add("to_warehouse_id", "err-same-warehouse");
        }
        to
    } else {
        None
    };
    errors.clone().into_result(())?;
    let (Some(kind), Some(item), Some(warehouse)) = (kind, item, warehouse) else {
        return Err(AppError::Validation(errors));
    };
    Ok(Manual {
        kind,
        item,
        warehouse,
        to_warehouse,
        quantity,
        lot,
        expiry,
        occurred_on,
        source_kind,
        counterparty,
        reason,
        note,
    })
}

/// Records a receipt, transfer, transfer to or from another organisation, adjustment or loss.
pub async fn record(
    uow: &mut UnitOfWork,
    scope: &OrgScope,
    input: Input<MovementFields>,
) -> AppResult<Vec<stock_movement::Model>> {
    scope.require(Perm::ManageStock)?;
    let m = check_manual(uow.db(), scope, input).await?;
    uow.lock(LockKind::Item, &[m.item.id]).await?;
    let posts = if m.inbound() {
        vec![inbound(uow.db(), &m).await?]
    } else {
        outbound(uow.db(), &m).await?
    };
    post(uow, scope, &new_batch()?, posts).await
}

/// The one movement of stock entering: stock without a lot number is kept apart by its expiry date, so deliveries
/// of different dates never merge; a count correction upwards of a known lot keeps that lot's date.
async fn inbound(db: &impl ConnectionTrait, m: &Manual) -> AppResult<Post> {
    let lot = match (m.lot.is_empty(), m.expiry) {
        (true, Some(date)) => date.to_string(),
        _ => m.lot.clone(),
    };
    let mut expiry = m.expiry;
    if expiry.is_none() && !lot.is_empty() {
        expiry = stock_balance::Entity::find()
            .filter(stock_balance::Column::ItemId.eq(m.item.id))
            .filter(stock_balance::Column::WarehouseId.eq(m.warehouse.id))
            .filter(stock_balance::Column::Lot.eq(lot.as_str()))
            .one(db)
            .await?
            .and_then(|b| b.expiry);
    }
    Ok(m.post(m.warehouse.id, m.quantity).in_lot(lot, expiry))
}

/// The movements of stock leaving, lot by lot (and, for a transfer, entering the other warehouse in the same lots).
async fn outbound(db: &impl ConnectionTrait, m: &Manual) -> AppResult<Vec<Post>> {
    let take = if matches!(m.kind, MovementKind::Loss | MovementKind::Adjustment) {
        Take::Any
    } else {
        Take::Usable
    };
    let wanted = (!m.lot.is_empty()).then_some(m.lot.as_str());
    let lots = allocate(db, m.item.id, m.warehouse.id, wanted, m.quantity.abs(), take).await?;
    let mut posts = Vec::new();
    for (lot, expiry, n) in lots {
        posts.push(m.post(m.warehouse.id, -n).in_lot(lot.clone(), expiry));
        if let Some(to) = &m.to_warehouse {
            posts.push(m.post(to.id, n).in_lot(lot, expiry));
        }
    }
    Ok(posts)
}
