//! Stock that cannot lie: the catalogue, warehouses, an append-only movement ledger with balances derived from it,
//! distributions that meet needs, offers that reserve surplus, and the reports built on them.
//!
//! **Architecture invariant:** `stock_movements` is append-only. A correction is a new movement. `stock_balances`
//! holds, per item, warehouse and lot, the sum of the movements, updated in the same transaction; a movement that
//! would make a balance negative (or take stock reserved by an offer) is refused inside that transaction. Writers
//! serialise per item: PostgreSQL locks the item rows (`SELECT … FOR UPDATE`), SQLite takes the write lock at
//! `BEGIN IMMEDIATE`.

mod catalogue;
mod distributions;
mod ledger;
mod offers;
mod report;

pub use catalogue::{
    ItemDraft, WarehouseDraft, create_item, create_warehouse, get_item, get_warehouse, items,
    update_item, warehouses,
};
pub use distributions::{
    BulkDraft, DistributionDraft, LineDraft, bulk_distribute, distributed_for_need,
    distribution_lines, distributions_for, get_distribution, record_distribution,
    reverse_distribution,
};
pub use ledger::{
    BalanceRow, CARD_PAGE, CardRow, ExpiringRow, MovementDraft, card, expiring, free_quantity,
    lot_balances, low_stock, overview, record, usable_lots, verify_balances,
};
pub use offers::{OfferDraft, create_offer, offers, withdraw_offer};
pub use report::{MonthlyReport, ReportRow, monthly_report};

/// The largest quantity one movement may carry: anything above is a typing mistake.
pub const MAX_QUANTITY: i64 = 1_000_000_000;

/// Item kinds: physical goods, or money in one currency.
pub const ITEM_KINDS: &[&str] = &["goods", "cash"];

/// Kinds of place that hold stock.
pub const WAREHOUSE_KINDS: &[&str] = &["warehouse", "distribution-point"];

/// Movement kinds a storekeeper records by hand (distributions and reversals have their own flows).
pub const MANUAL_KINDS: &[&str] = &[
    "receipt",
    "transfer",
    "transfer-out",
    "transfer-in",
    "adjustment",
    "loss",
];

/// Where a receipt comes from.
pub const SOURCE_KINDS: &[&str] = &["donor", "purchase", "organisation"];

/// Why stock was lost.
pub const LOSS_REASONS: &[&str] = &["expired", "damaged", "stolen", "other"];
