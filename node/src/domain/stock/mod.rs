//! Stock that cannot lie: the catalogue, warehouses, an append-only movement ledger with balances derived from it,
//! distributions that meet needs, offers that reserve surplus, and the reports built on them.
//!
//! **Architecture invariant:** `stock_movements` is append-only. A correction is a new movement. `stock_balances`
//! holds, per item, warehouse and lot, the sum of the movements, updated in the same transaction; a movement that
//! would make a balance negative (or take stock reserved by an offer) is refused inside that transaction. Writers
//! serialise per item: PostgreSQL locks the item rows (`SELECT … FOR UPDATE`), SQLite takes the write lock at
//! `BEGIN IMMEDIATE`.

mod balances;
mod catalogue;
mod distributions;
mod ledger;
mod offers;
mod report;

pub use balances::{
    BalanceRow, CARD_PAGE, CardRow, ExpiringRow, card, cash_totals, expiring, lot_balances,
    low_stock, overview, usable_lots, verify_balances,
};
pub use catalogue::{
    ItemFields, Lookup, WarehouseFields, create_item, create_warehouse, get_item, get_warehouse,
    items, update_item, warehouses,
};
pub use distributions::{
    BULK_MAX, BulkFields, DistributionFields, LineFields, bulk_distribute, distribution_lines,
    distribution_lines_of, distributions_for, get_distribution, record_distribution,
    reverse_distribution,
};
pub use ledger::{MovementFields, fefo, free_quantity, item_ref, record, warehouse_ref};
pub use offers::{OfferFields, create_offer, offers, withdraw_offer};
pub use report::{MonthlyReport, ReportRow, monthly_report};

/// The largest quantity one movement may carry: anything above is a typing mistake.
pub const MAX_QUANTITY: i64 = 1_000_000_000;
