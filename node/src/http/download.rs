//! Downloads: reports as CSV files in the reader's language.

use std::collections::HashMap;

use sea_orm::DatabaseConnection;

use axum::{
    http::header,
    response::{IntoResponse, Response},
};

use crate::{
    domain::{
        error::{AppError, AppResult},
        regions,
        stock::MonthlyReport,
    },
    i18n::{Lang, Tr},
    infra::entities::region,
    state::AppState,
};

/// A report as a CSV download.
pub async fn report_csv(
    state: &AppState,
    tr: &Tr,
    slug: &str,
    report: &MonthlyReport,
) -> AppResult<Response> {
    let body = csv_body(&state.db, tr, report).await?;
    let disposition = format!("attachment; filename=\"sanad-{slug}-stock-{}.csv\"", report.month);
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
            // Reports can name what was given to whom: never kept in shared caches or the browser's.
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        body,
    )
        .into_response())
}

/// The report as CSV in the page's language: UTF-8 with a byte-order mark, so spreadsheets keep Arabic intact.
async fn csv_body(db: &DatabaseConnection, tr: &Tr, report: &MonthlyReport) -> AppResult<Vec<u8>> {
    let regions: HashMap<String, region::Model> =
        regions::all(db).await?.into_iter().map(|r| (r.code.clone(), r)).collect();
    let mut writer = csv::Writer::from_writer(Vec::new());
    let header = [
        tr.t("report-month"),
        tr.t("field-sector"),
        tr.t("field-region"),
        tr.t("field-item"),
        tr.t("field-unit"),
        tr.t("report-received"),
        tr.t("report-distributed"),
        tr.t("report-transferred-out"),
        tr.t("report-lost"),
        tr.t("report-adjusted"),
    ];
    let csv_err = |e: csv::Error| AppError::Internal(e.into());
    writer.write_record(&header).map_err(csv_err)?;
    for row in &report.rows {
        let region = regions
            .get(&row.region_code)
            .map(|r| if tr.lang == Lang::Ar { r.name_ar.clone() } else { r.name_en.clone() })
            .unwrap_or_else(|| row.region_code.clone());
        let item = if tr.lang == Lang::Ar { &row.item.name_ar } else { &row.item.name_en };
        writer
            .write_record([
                report.month.clone(),
                tr.term("sector", row.sector.as_str()),
                cell(&region),
                cell(item),
                cell(&row.item.unit),
                row.received.to_string(),
                row.distributed.to_string(),
                row.transferred_out.to_string(),
                row.lost.to_string(),
                row.adjusted.to_string(),
            ])
            .map_err(csv_err)?;
    }
    let body = writer.into_inner().map_err(|e| AppError::Internal(anyhow::anyhow!("csv: {e}")))?;
    let mut out = "\u{feff}".as_bytes().to_vec();
    out.extend(body);
    Ok(out)
}

/// A cell a spreadsheet will not run as a formula: text starting with `=`, `+`, `-`, `@`, tab or carriage return
/// gets a leading apostrophe (OWASP's advice against CSV injection).
fn cell(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_that_look_like_formulas_are_neutralised() {
        assert_eq!(cell("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(cell("-2+3"), "'-2+3");
        assert_eq!(cell("طرد غذائي"), "طرد غذائي");
    }
}
