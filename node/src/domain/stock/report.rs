//! The monthly stock report: received, distributed, lost and adjusted, by sector, region and item; and its CSV.

use std::collections::{BTreeMap, HashMap};

use chrono::{Datelike, NaiveDate};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QuerySelect};

use super::catalogue;
use crate::{
    domain::error::{AppError, AppResult},
    domain::tenancy::{OrgScope, Perm},
    infra::entities::{item, stock_movement, warehouse},
};

/// One line of the report.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct ReportRow {
    /// Sector code.
    pub sector: String,
    /// Region code of the warehouse.
    pub region_code: String,
    /// Item id.
    pub item_id: i64,
    /// Item name in Arabic.
    pub item_ar: String,
    /// Item name in English.
    pub item_en: String,
    /// Unit (currency for cash).
    pub unit: String,
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
#[derive(Clone, Debug, serde::Serialize, utoipa::ToSchema)]
pub struct MonthlyReport {
    /// The month, `YYYY-MM`.
    pub month: String,
    /// Lines by sector, region and item.
    pub rows: Vec<ReportRow>,
}

/// Parses `YYYY-MM` (Arabic-Indic digits accepted) into the month's first and last day.
pub fn month_bounds(raw: &str) -> AppResult<(NaiveDate, NaiveDate)> {
    let folded = sanad_search::fold_digits(raw.trim());
    let first = NaiveDate::parse_from_str(&format!("{folded}-01"), "%Y-%m-%d")
        .ok()
        .filter(|d| (2000..=2200).contains(&d.year()))
        .ok_or(AppError::BadRequest("err-month"))?;
    let next = if first.month() == 12 {
        NaiveDate::from_ymd_opt(first.year() + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(first.year(), first.month() + 1, 1)
    };
    let last = next
        .and_then(|n| n.pred_opt())
        .ok_or(AppError::BadRequest("err-month"))?;
    Ok((first, last))
}

/// The report for a month.
pub async fn monthly_report(
    db: &DatabaseConnection,
    scope: &OrgScope,
    month: &str,
) -> AppResult<MonthlyReport> {
    scope.require(Perm::Read)?;
    let (first, last) = month_bounds(month)?;
    let sums: Vec<(i64, i64, String, Option<i64>)> = stock_movement::Entity::find()
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
    let mut rows: BTreeMap<(String, String, i64), ReportRow> = BTreeMap::new();
    for (item_id, warehouse_id, kind, sum) in sums {
        let (Some(item), Some(warehouse)) = (items.get(&item_id), warehouses.get(&warehouse_id))
        else {
            continue;
        };
        let key = (item.sector.clone(), warehouse.region_code.clone(), item.id);
        let row = rows.entry(key).or_insert_with(|| ReportRow {
            sector: item.sector.clone(),
            region_code: warehouse.region_code.clone(),
            item_id: item.id,
            item_ar: item.name_ar.clone(),
            item_en: item.name_en.clone(),
            unit: item.unit.clone(),
            received: 0,
            distributed: 0,
            transferred_out: 0,
            lost: 0,
            adjusted: 0,
        });
        let sum = sum.unwrap_or(0);
        match kind.as_str() {
            "receipt" | "transfer-in" => row.received += sum,
            "distribution" | "reversal" => row.distributed -= sum,
            "transfer-out" => row.transferred_out -= sum,
            "loss" => row.lost -= sum,
            "adjustment" => row.adjusted += sum,
            // Transfers between own warehouses move stock within the organisation.
            _ => {}
        }
    }
    Ok(MonthlyReport {
        month: first.format("%Y-%m").to_string(),
        rows: rows.into_values().collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_are_parsed_with_either_digits_and_bad_ones_refused() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
        assert_eq!(
            month_bounds("2026-02").unwrap(),
            (d(2026, 2, 1), d(2026, 2, 28))
        );
        assert_eq!(
            month_bounds("٢٠٢٦-١٢").unwrap(),
            (d(2026, 12, 1), d(2026, 12, 31))
        );
        for bad in ["2026-13", "2026", "", "abc", "1900-01"] {
            assert!(month_bounds(bad).is_err(), "{bad}");
        }
    }
}
