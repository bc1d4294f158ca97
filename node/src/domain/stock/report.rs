//! The monthly stock report: received, distributed, lost and adjusted, by sector, region and item.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};

use super::catalogue;
use crate::domain::{
    error::{AppError, AppResult},
    tenancy::{OrgScope, Perm},
};
use crate::infra::entities::{item, stock_movement};
use crate::vocab::{MovementKind, Sector};

/// One line of the report.
#[derive(Clone, Debug, PartialEq)]
pub struct ReportRow {
    /// Sector.
    pub sector: Sector,
    /// Region code of the warehouse.
    pub region_code: String,
    /// The item (its names, and its unit: the currency for cash).
    pub item: item::Model,
    /// Received: receipts and transfers in from other organisations.
    pub received: i64,
    /// Distributed to households, net of reversals.
    pub distributed: i64,
    /// Transferred out to other organisations.
    pub transferred_out: i64,
    /// Lost: expired, damaged, stolen.
    pub lost: i64,
    /// Net count corrections.
    pub adjusted: i64,
}

/// A month of stock activity.
#[derive(Clone, Debug)]
pub struct MonthlyReport {
    /// The month, `YYYY-MM`.
    pub month: String,
    /// Lines by sector, region and item.
    pub rows: Vec<ReportRow>,
}

/// The last day of the month that starts on `first`.
fn last_day(first: NaiveDate) -> AppResult<NaiveDate> {
    let next = if first.month() == 12 {
        NaiveDate::from_ymd_opt(first.year() + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(first.year(), first.month() + 1, 1)
    };
    next.and_then(|n| n.pred_opt()).ok_or(AppError::BadRequest("err-month"))
}

/// The report for a month.
pub async fn monthly_report(
    db: &impl ConnectionTrait,
    scope: &OrgScope,
    month: NaiveDate,
) -> AppResult<MonthlyReport> {
    scope.require(Perm::Read)?;
    let first = month.with_day(1).ok_or(AppError::BadRequest("err-month"))?;
    let last = last_day(first)?;
    let sums: Vec<(i64, i64, MovementKind, Option<i64>)> = stock_movement::Entity::find()
        .select_only()
        .column(stock_movement::Column::ItemId)
        .column(stock_movement::Column::WarehouseId)
        .column(stock_movement::Column::Kind)
        .column_as(super::ledger::sum_of(stock_movement::Column::Quantity), "s")
        .filter(stock_movement::Column::OrgId.eq(scope.org_id()))
        .filter(stock_movement::Column::OccurredOn.between(first, last))
        .group_by(stock_movement::Column::ItemId)
        .group_by(stock_movement::Column::WarehouseId)
        .group_by(stock_movement::Column::Kind)
        .into_tuple()
        .all(db)
        .await?;
    let lookup = catalogue::Lookup::load(db, scope).await?;
    let mut rows: BTreeMap<(&'static str, String, i64), ReportRow> = BTreeMap::new();
    for (item_id, warehouse_id, kind, sum) in sums {
        let Some((item, warehouse)) = lookup.pair(item_id, warehouse_id) else {
            continue;
        };
        let key = (item.sector.as_str(), warehouse.region_code.clone(), item.id);
        let row = rows.entry(key).or_insert_with(|| ReportRow {
            sector: item.sector,
            region_code: warehouse.region_code.clone(),
            item: item.clone(),
            received: 0,
            distributed: 0,
            transferred_out: 0,
            lost: 0,
            adjusted: 0,
        });
        let sum = sum.unwrap_or(0);
        match kind {
            MovementKind::Receipt | MovementKind::TransferIn => row.received += sum,
            MovementKind::Distribution | MovementKind::Reversal => row.distributed -= sum,
            MovementKind::TransferOut => row.transferred_out -= sum,
            MovementKind::Loss => row.lost -= sum,
            MovementKind::Adjustment => row.adjusted += sum,
            // Transfers between own warehouses move stock within the organisation.
            MovementKind::Transfer => {}
        }
    }
    Ok(MonthlyReport {
        month: first.format("%Y-%m").to_string(),
        rows: rows.into_values().collect(),
    })
}
