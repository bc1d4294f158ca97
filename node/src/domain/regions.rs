//! The gazetteer: ISO 3166-2 level-1 regions shipped with the node, finer levels imported from OCHA P-code CSVs.

use std::collections::{HashMap, HashSet};

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    sea_query::OnConflict,
};

use crate::domain::{audit, error::FieldErrors};
use crate::infra::{entities::region, uow::UnitOfWork};

/// The gazetteer shipped with the node: countries and their first-level subdivisions.
const BUILTIN: &str = include_str!("../../data/regions.csv");

/// A problem with a gazetteer file, naming the line.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ImportError(pub String);

/// One parsed row: a region as stored (its `path` lists the codes from the country down to it, as
/// `/PS/PS-GZA/PS0101/`, so a region's descendants are the regions whose path starts with its own).
pub type RegionRow = region::Model;

/// What the database already holds about a code.
#[derive(Clone, Debug, PartialEq)]
pub struct Known {
    /// Its level.
    pub level: i16,
    /// Its parent.
    pub parent: Option<String>,
    /// Its path.
    pub path: String,
}

/// Parses a gazetteer CSV (`code,parent_code,level,name_en,name_ar[,lat,lon]`, header required), checking every row,
/// duplicate codes and that every parent is known (in `known` or earlier or later in the file).
pub fn parse(
    csv_text: &str,
    known: &HashMap<String, Known>,
) -> Result<Vec<RegionRow>, ImportError> {
    let text = csv_text.strip_prefix('\u{feff}').unwrap_or(csv_text);
    let mut reader =
        csv::ReaderBuilder::new().trim(csv::Trim::All).flexible(true).from_reader(text.as_bytes());
    let headers = reader.headers().map_err(|e| ImportError(format!("line 1: {e}")))?.clone();
    let col = |name: &str| headers.iter().position(|h| h.eq_ignore_ascii_case(name));
    let required = ["code", "parent_code", "level", "name_en", "name_ar"];
    let missing: Vec<_> = required.iter().filter(|c| col(c).is_none()).collect();
    if !missing.is_empty() {
        return Err(ImportError(format!(
            "line 1: missing column(s) {missing:?}; expected code,parent_code,level,name_en,name_ar[,lat,lon]"
        )));
    }
    let idx = |name| col(name).unwrap_or_default();
    let (lat_col, lon_col) = (col("lat"), col("lon"));
    let mut rows = Vec::new();
    let mut lines: Vec<u64> = Vec::new();
    let mut seen: HashMap<String, u64> = HashMap::new();
    for record in reader.records() {
        let record = record.map_err(|e| {
            let line = e.position().map(|p| p.line()).unwrap_or_default();
            ImportError(format!("line {line}: {e}"))
        })?;
        let line = record.position().map(|p| p.line()).unwrap_or_default();
        let get = |i: usize| record.get(i).unwrap_or_default().to_owned();
        let code = get(idx("code"));
        if code.is_empty()
            || code.len() > 32
            || !code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return Err(ImportError(format!(
                "line {line}: code `{code}` must be 1-32 letters, digits, - or _"
            )));
        }
        if let Some(first) = seen.insert(code.clone(), line) {
            return Err(ImportError(format!(
                "line {line}: duplicate code {code} (first on line {first})"
            )));
        }
        let level: i16 =
            get(idx("level")).parse().ok().filter(|l| (0..=6).contains(l)).ok_or_else(|| {
                ImportError(format!("line {line}: level must be a number from 0 to 6"))
            })?;
        let parent = Some(get(idx("parent_code"))).filter(|p| !p.is_empty());
        if level > 0 && parent.is_none() {
            return Err(ImportError(format!(
                "line {line}: a region of level {level} needs a parent_code"
            )));
        }
        let (name_en, name_ar) = (get(idx("name_en")), get(idx("name_ar")));
        if name_en.is_empty()
            || name_ar.is_empty()
            || name_en.chars().count() > 200
            || name_ar.chars().count() > 200
        {
            return Err(ImportError(format!(
                "line {line}: name_en and name_ar are required (at most 200 letters)"
            )));
        }
        let coord = |c: Option<usize>, limit: f64| -> Result<Option<f64>, ImportError> {
            let raw = c.map(get).unwrap_or_default();
            if raw.is_empty() {
                return Ok(None);
            }
            raw.parse::<f64>().ok().filter(|v| v.abs() <= limit).map(Some).ok_or_else(|| {
                ImportError(format!("line {line}: `{raw}` is not a valid coordinate"))
            })
        };
        let (lat, lon) = (coord(lat_col, 90.0)?, coord(lon_col, 180.0)?);
        rows.push(RegionRow {
            code,
            parent_code: parent,
            level,
            name_en,
            name_ar,
            lat,
            lon,
            path: String::new(),
        });
        lines.push(line);
    }
    for (row, line) in rows.iter().zip(&lines) {
        if let Some(k) = known.get(&row.code)
            && (k.level != row.level || k.parent != row.parent_code)
        {
            return Err(ImportError(format!(
                "line {line}: {} already exists at level {} under {}; its place in the tree cannot change",
                row.code,
                k.level,
                k.parent.as_deref().unwrap_or("nothing")
            )));
        }
    }
    let levels: HashMap<&str, i16> = rows.iter().map(|r| (r.code.as_str(), r.level)).collect();
    for (row, line) in rows.iter().zip(&lines) {
        if let Some(parent) = &row.parent_code {
            let parent_level =
                levels.get(parent.as_str()).copied().or_else(|| known.get(parent).map(|k| k.level));
            match parent_level {
                None => {
                    return Err(ImportError(format!("line {line}: unknown parent code {parent}")));
                }
                Some(pl) if pl >= row.level => {
                    return Err(ImportError(format!(
                        "line {line}: parent {parent} is level {pl}, not above level {}",
                        row.level
                    )));
                }
                Some(_) => {}
            }
        }
    }
    if rows.is_empty() {
        return Err(ImportError("the file has no regions".into()));
    }
    // Parents sit at lower levels, so in level order every parent's path is known before its children's.
    rows.sort_by_key(|r| r.level);
    let mut paths: HashMap<String, String> = HashMap::new();
    for row in &mut rows {
        let parent_path = match &row.parent_code {
            Some(p) => paths
                .get(p)
                .cloned()
                .or_else(|| known.get(p).map(|k| k.path.clone()))
                .unwrap_or_default(),
            None => "/".to_owned(),
        };
        row.path = format!("{parent_path}{}/", row.code);
        paths.insert(row.code.clone(), row.path.clone());
    }
    Ok(rows)
}

async fn known_levels(db: &impl ConnectionTrait) -> Result<HashMap<String, Known>, sea_orm::DbErr> {
    Ok(region::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|r| (r.code, Known { level: r.level, parent: r.parent_code, path: r.path }))
        .collect())
}

/// The row to insert or update: every column set.
fn active(row: RegionRow) -> region::ActiveModel {
    region::ActiveModel::from(row).reset_all()
}

/// Imports a gazetteer file in one transaction: all rows or none. Existing codes are updated, so re-importing is
/// harmless. Returns the number of rows loaded.
pub async fn import(uow: &mut UnitOfWork, csv_text: &str) -> anyhow::Result<usize> {
    let txn = uow.db();
    let rows = parse(csv_text, &known_levels(txn).await?)?;
    let count = rows.len();
    for chunk in rows.chunks(200) {
        region::Entity::insert_many(chunk.iter().cloned().map(active))
            .on_conflict(
                OnConflict::column(region::Column::Code)
                    .update_columns([
                        region::Column::ParentCode,
                        region::Column::Level,
                        region::Column::NameEn,
                        region::Column::NameAr,
                        region::Column::Lat,
                        region::Column::Lon,
                    ])
                    .to_owned(),
            )
            .exec(txn)
            .await?;
    }
    audit::record_raw(
        uow,
        None,
        None,
        "regions.import",
        "region",
        None,
        serde_json::json!({ "rows": count }),
    );
    Ok(count)
}

/// Adds the shipped gazetteer's regions that the database lacks (operators' edits are kept).
pub async fn seed_builtin(uow: &mut UnitOfWork) -> anyhow::Result<()> {
    let txn = uow.db();
    let existing: HashSet<String> = known_levels(txn).await?.into_keys().collect();
    let rows: Vec<_> = parse(BUILTIN, &HashMap::new())?
        .into_iter()
        .filter(|r| !existing.contains(&r.code))
        .map(active)
        .collect();
    for chunk in rows.chunks(200) {
        region::Entity::insert_many(chunk.to_vec()).exec(txn).await?;
    }
    Ok(())
}

/// Every region, ordered by code (countries come before their subdivisions).
pub async fn all(db: &impl ConnectionTrait) -> Result<Vec<region::Model>, sea_orm::DbErr> {
    region::Entity::find().order_by_asc(region::Column::Code).all(db).await
}

/// A sub-query of the code and every code below it in the gazetteer, for `column IN (…)` filters.
pub async fn within(
    db: &impl ConnectionTrait,
    code: &str,
) -> Result<sea_orm::sea_query::SelectStatement, sea_orm::DbErr> {
    use sea_orm::sea_query::{Expr, ExprTrait, Query};
    let path = region::Entity::find_by_id(code.to_owned()).one(db).await?.map(|r| r.path);
    let mut query = Query::select();
    query.column(region::Column::Code).from(region::Entity);
    match path {
        // Paths end in '/', and '0' is the character after '/': the range holds exactly the paths below this one.
        Some(path) => {
            let upper = format!("{}0", &path[..path.len().saturating_sub(1)]);
            query
                .and_where(Expr::col(region::Column::Path).gte(path))
                .and_where(Expr::col(region::Column::Path).lt(upper));
        }
        None => {
            query.and_where(Expr::col(region::Column::Code).eq(code));
        }
    }
    Ok(query)
}

/// The region code named in a required field: `err-required` when empty, `err-unknown-region` when not in the
/// gazetteer.
pub async fn field(
    db: &impl ConnectionTrait,
    errors: &mut FieldErrors,
    field: &str,
    raw: &str,
) -> Result<String, sea_orm::DbErr> {
    let code = raw.trim().to_owned();
    if code.is_empty() {
        errors.add(field, "err-required");
    } else if code.chars().count() > 32 || !exists(db, &code).await? {
        errors.add(field, "err-unknown-region");
    }
    Ok(code)
}

/// The name of a region in the language asked for (`arabic`), or its code when unknown.
pub fn label(regions: &[region::Model], code: &str, arabic: bool) -> String {
    regions
        .iter()
        .find(|r| r.code == code)
        .map(|r| if arabic { r.name_ar.clone() } else { r.name_en.clone() })
        .unwrap_or_else(|| code.to_owned())
}

/// Whether a region code exists.
pub async fn exists(db: &impl ConnectionTrait, code: &str) -> Result<bool, sea_orm::DbErr> {
    Ok(region::Entity::find().filter(region::Column::Code.eq(code)).one(db).await?.is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "code,parent_code,level,name_en,name_ar,lat,lon\n";

    fn check(body: &str, expected: Result<usize, &str>) {
        let k = |level, parent: Option<&str>, path: &str| Known {
            level,
            parent: parent.map(str::to_owned),
            path: path.into(),
        };
        let known: HashMap<String, Known> = [
            ("SY".to_owned(), k(0, None, "/SY/")),
            ("SY-HL".to_owned(), k(1, Some("SY"), "/SY/SY-HL/")),
        ]
        .into();
        let got = parse(&format!("{HEADER}{body}"), &known);
        match (got, expected) {
            (Ok(rows), Ok(n)) => assert_eq!(rows.len(), n),
            (Err(e), Err(msg)) => assert!(e.0.contains(msg), "{} does not contain {msg}", e.0),
            (got, expected) => panic!("{body}: got {got:?}, expected {expected:?}"),
        }
    }

    #[test]
    fn import_files_are_checked_line_by_line() {
        check("SY0200,SY-HL,2,Jebel Saman,جبل سمعان,36.2,37.1\n", Ok(1));
        check(
            "SY020000,SY0200,3,Aleppo city,مدينة حلب,,\nSY0200,SY-HL,2,Jebel Saman,جبل سمعان,,\n",
            Ok(2),
        );
        check("SY0200,SY-XX,2,Jebel Saman,جبل سمعان,,\n", Err("line 2: unknown parent code SY-XX"));
        check(
            "A1,SY,1,a,ا,,\nA2,SY,1,b,ب,,\nA1,SY,1,c,ج,,\n",
            Err("line 4: duplicate code A1 (first on line 2)"),
        );
        check("A1,SY,one,a,ا,,\n", Err("line 2: level"));
        check("A1,,2,a,ا,,\n", Err("needs a parent_code"));
        check("A1,SY-HL,1,a,ا,,\n", Err("not above level 1"));
        check("A1,SY,1,,ا,,\n", Err("name_en and name_ar"));
        check("A1,SY,1,a,ا,95,0\n", Err("not a valid coordinate"));
        check("", Err("no regions"));
        check("SY-HL,SY,2,Aleppo,حلب,,\n", Err("line 2: SY-HL already exists at level 1 under SY"));
        check("SY-HL,SY,1,Aleppo governorate,محافظة حلب,36.2,37.1\n", Ok(1));
        assert!(
            parse("code,name\nX,y\n", &HashMap::new()).unwrap_err().0.contains("missing column")
        );
    }

    #[test]
    fn paths_run_from_the_country_down() {
        let k = Known { level: 1, parent: Some("SY".into()), path: "/SY/SY-HL/".into() };
        let known: HashMap<String, Known> = [("SY-HL".to_owned(), k)].into();
        let rows =
            parse(&format!("{HEADER}SY020000,SY0200,3,a,ا,,\nSY0200,SY-HL,2,b,ب,,\n"), &known)
                .unwrap();
        let path = |code: &str| rows.iter().find(|r| r.code == code).unwrap().path.clone();
        assert_eq!(path("SY0200"), "/SY/SY-HL/SY0200/");
        assert_eq!(path("SY020000"), "/SY/SY-HL/SY0200/SY020000/");
    }

    #[test]
    fn builtin_gazetteer_covers_the_founding_countries() {
        let rows = parse(BUILTIN, &HashMap::new()).unwrap();
        for country in ["PS", "SY", "TN", "LB", "JO", "EG", "TR"] {
            assert!(rows.iter().any(|r| r.code == country && r.level == 0), "{country}");
            assert!(
                rows.iter().filter(|r| r.parent_code.as_deref() == Some(country)).count() >= 8,
                "{country}"
            );
        }
        assert!(rows.iter().any(|r| r.code == "PS-GZA" && r.name_ar == "غزة"));
    }
}
