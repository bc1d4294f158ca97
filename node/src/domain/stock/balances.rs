//! The ledger's reading side: balances by lot, item and warehouse, stock cards with running balances, expiry and
//! low-stock lists, and the check that balances equal the sum of the movements.

use std::collections::{BTreeMap, HashMap};

use chrono::{NaiveDate, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect,
};

use super::{
    catalogue::{self, Lookup},
    ledger::{fefo, live_offer, sum_of, usable_today},
};
use crate::domain::{
    error::AppResult,
    tenancy::{OrgScope, Perm},
};
use crate::infra::entities::{commitment, item, offer, stock_balance, stock_movement, warehouse};

pub async fn lot_balances(
    db: &impl ConnectionTrait,
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
    fefo(&mut rows);
    Ok(rows)
}

/// Usable lots with stock (not past expiry), soonest expiry first: the order distributions take them in.
pub async fn usable_lots(
    db: &impl ConnectionTrait,
    scope: &OrgScope,
    limit: u64,
) -> AppResult<Vec<stock_balance::Model>> {
    scope.require(Perm::Read)?;
    let mut rows = stock_balance::Entity::find()
        .filter(stock_balance::Column::OrgId.eq(scope.org_id()))
        .filter(stock_balance::Column::Quantity.gt(0))
        .filter(usable_today())
        .order_by_asc(stock_balance::Column::Expiry)
        .limit(limit)
        .all(db)
        .await?;
    fefo(&mut rows);
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
    /// Quantity reserved by live offers and by commitments not yet sent.
    pub reserved: i64,
}

/// Balances by item and warehouse (an empty shelf that once held the item shows 0).
pub async fn overview(db: &impl ConnectionTrait, scope: &OrgScope) -> AppResult<Vec<BalanceRow>> {
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
    let reserved: Vec<(i64, i64, Option<i64>)> = offer::Entity::find()
        .select_only()
        .column(offer::Column::ItemId)
        .column(offer::Column::WarehouseId)
        .column_as(sum_of(offer::Column::Quantity), "s")
        .filter(offer::Column::OrgId.eq(scope.org_id()))
        .filter(live_offer())
        .group_by(offer::Column::ItemId)
        .group_by(offer::Column::WarehouseId)
        .into_tuple()
        .all(db)
        .await?;
    // Commitments to other organisations not yet sent hold their stock too.
    let committed: Vec<(Option<i64>, Option<i64>, Option<i64>)> = commitment::Entity::find()
        .select_only()
        .column(commitment::Column::ItemId)
        .column(commitment::Column::WarehouseId)
        .column_as(sum_of(commitment::Column::Quantity), "s")
        .filter(commitment::Column::OrgId.eq(scope.org_id()))
        .filter(commitment::Column::ItemId.is_not_null())
        .filter(commitment::Column::Status.is_in(crate::vocab::CommitmentStatus::HOLDING))
        .group_by(commitment::Column::ItemId)
        .group_by(commitment::Column::WarehouseId)
        .into_tuple()
        .all(db)
        .await?;
    let mut reserved: HashMap<(i64, i64), i64> =
        reserved.into_iter().map(|(i, w, s)| ((i, w), s.unwrap_or(0))).collect();
    for (i, w, s) in committed {
        if let (Some(i), Some(w)) = (i, w) {
            *reserved.entry((i, w)).or_default() += s.unwrap_or(0);
        }
    }
    let lookup = Lookup::load(db, scope).await?;
    let mut rows: Vec<BalanceRow> = sums
        .into_iter()
        .filter_map(|(i, w, s)| {
            let (item, warehouse) = lookup.pair(i, w)?;
            Some(BalanceRow {
                item,
                warehouse,
                on_hand: s.unwrap_or(0),
                reserved: reserved.get(&(i, w)).copied().unwrap_or(0),
            })
        })
        .collect();
    rows.sort_by(|a, b| {
        (&a.item.name_en, &a.warehouse.name).cmp(&(&b.item.name_en, &b.warehouse.name))
    });
    Ok(rows)
}

/// Cash on hand by currency, from the overview's rows.
pub fn cash_totals(rows: &[BalanceRow]) -> Vec<(String, i64)> {
    let mut cash: BTreeMap<String, i64> = BTreeMap::new();
    for r in rows {
        if let Some(currency) = &r.item.currency {
            *cash.entry(currency.clone()).or_default() += r.on_hand;
        }
    }
    cash.into_iter().collect()
}

/// Items whose total on hand (all warehouses) is below their low-stock threshold, with that total.
pub async fn low_stock(
    db: &impl ConnectionTrait,
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
    let mut on_hand = stock_balance::Entity::find()
        .select_only()
        .column_as(sum_of(stock_balance::Column::Quantity), "s")
        .filter(stock_balance::Column::ItemId.eq(item_id));
    let mut newer = stock_movement::Entity::find()
        .select_only()
        .column_as(sum_of(stock_movement::Column::Quantity), "s")
        .filter(stock_movement::Column::ItemId.eq(item_id))
        .filter(stock_movement::Column::Id.gt(first.id));
    if let Some(w) = warehouse_id {
        on_hand = on_hand.filter(stock_balance::Column::WarehouseId.eq(w));
        newer = newer.filter(stock_movement::Column::WarehouseId.eq(w));
    }
    let on_hand: Option<i64> = on_hand.into_tuple().one(db).await?.flatten();
    let newer: Option<i64> = newer.into_tuple().one(db).await?.flatten();
    let mut balance = on_hand.unwrap_or(0) - newer.unwrap_or(0);
    let mut out = Vec::with_capacity(rows.len());
    for movement in rows {
        let quantity = movement.quantity;
        out.push(CardRow { movement, balance_after: balance });
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
    db: &impl ConnectionTrait,
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
    let lookup = Lookup::load(db, scope).await?;
    Ok(rows
        .into_iter()
        .filter_map(|b| {
            let (item, warehouse) = lookup.pair(b.item_id, b.warehouse_id)?;
            Some(ExpiringRow {
                item,
                warehouse,
                lot: b.lot,
                expiry: b.expiry?,
                quantity: b.quantity,
            })
        })
        .collect())
}

/// Whether every balance of the organisation equals the sum of its movements (and no movement lacks a balance).
pub async fn verify_balances(db: &impl ConnectionTrait, scope: &OrgScope) -> AppResult<bool> {
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
