//! Distributions: a household receives items; stock leaves the ledger and the need's quantity met rises, in one
//! transaction. A distribution is undone only by compensating movements, with a reason.

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect,
    sea_query::{Expr, ExprTrait},
};
use serde::Deserialize;
use serde_json::json;

use super::{
    MAX_QUANTITY,
    ledger::{self, Post, Take, id_field, past_date, scoped},
};
use crate::{
    domain::audit,
    domain::cases,
    domain::error::{AppError, AppResult, FieldErrors},
    domain::needs::status_for,
    domain::tenancy::{OrgScope, Perm},
    domain::validate,
    infra::entities::{case, distribution, item, membership, need, stock_movement, warehouse},
};

/// One line of a distribution, as typed or sent.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct LineDraft {
    /// The item.
    #[serde(default)]
    pub item_id: String,
    /// The warehouse or distribution point it leaves.
    #[serde(default)]
    pub warehouse_id: String,
    /// How much.
    #[serde(default)]
    pub quantity: String,
    /// A lot; empty means first-expiry-first-out.
    #[serde(default)]
    pub lot: String,
}

impl LineDraft {
    fn is_blank(&self) -> bool {
        self.item_id.trim().is_empty()
            && self.quantity.trim().is_empty()
            && self.lot.trim().is_empty()
    }
}

/// A distribution to one household, as typed or sent.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct DistributionDraft {
    /// The household.
    #[serde(default)]
    pub case_id: String,
    /// The need it meets, if any.
    #[serde(default)]
    pub need_id: String,
    /// What was handed over.
    #[serde(default)]
    pub lines: Vec<LineDraft>,
    /// User id of who delivered it; the caller when empty.
    #[serde(default)]
    pub delivered_by: String,
    /// When (YYYY-MM-DD); today when empty.
    #[serde(default)]
    pub delivered_on: String,
    /// Receipt note.
    #[serde(default)]
    pub note: String,
}

struct Line {
    item: item::Model,
    warehouse: warehouse::Model,
    quantity: i64,
    lot: Option<String>,
}

struct Checked {
    case: case::Model,
    need: Option<need::Model>,
    lines: Vec<Line>,
    delivered_by: i64,
    delivered_on: chrono::NaiveDate,
    note: String,
}

async fn check_line(
    db: &DatabaseConnection,
    scope: &OrgScope,
    errors: &mut FieldErrors,
    prefix: &str,
    line: &LineDraft,
) -> AppResult<Option<Line>> {
    let field = |name: &str| format!("{prefix}{name}");
    let item = ledger::item_field(db, scope, errors, &field("item_id"), &line.item_id).await?;
    let warehouse = ledger::warehouse_field(
        db,
        scope,
        errors,
        &field("warehouse_id"),
        &line.warehouse_id,
    )
    .await?;
    let quantity = validate::integer(errors, &field("quantity"), &line.quantity, 1, MAX_QUANTITY);
    let lot = validate::optional_text(errors, &field("lot"), Some(&line.lot), 64);
    Ok(item.zip(warehouse).map(|(item, warehouse)| Line {
        item,
        warehouse,
        quantity,
        lot,
    }))
}

async fn check_delivery(
    db: &DatabaseConnection,
    scope: &OrgScope,
    errors: &mut FieldErrors,
    delivered_by: &str,
) -> AppResult<i64> {
    let raw = sanad_search::fold_digits(delivered_by.trim());
    if raw.is_empty() {
        return Ok(scope.actor().user_id);
    }
    let member = match raw.parse::<i64>() {
        Ok(id) => {
            membership::Entity::find()
                .filter(membership::Column::OrgId.eq(scope.org_id()))
                .filter(membership::Column::UserId.eq(id))
                .one(db)
                .await?
        }
        Err(_) => None,
    };
    match member {
        Some(m) => Ok(m.user_id),
        None => {
            errors.add("delivered_by", "err-not-a-member-here");
            Ok(scope.actor().user_id)
        }
    }
}

async fn check(
    db: &DatabaseConnection,
    scope: &OrgScope,
    draft: &DistributionDraft,
) -> AppResult<Checked> {
    let mut errors = FieldErrors::default();
    let case = match id_field(&mut errors, "case_id", &draft.case_id) {
        Some(id) => {
            scoped(
                &mut errors,
                "case_id",
                cases::get(db, scope, id).await,
                "err-unknown-case",
            )
            .await?
        }
        None => None,
    };
    if case.as_ref().is_some_and(|c| c.status != "open") {
        errors.add("case_id", "err-case-closed");
    }
    let need = match sanad_search::fold_digits(draft.need_id.trim()).as_str() {
        "" => None,
        raw => {
            let found = match raw.parse::<i64>() {
                Ok(id) => crate::domain::needs::get(db, scope, id).await,
                Err(_) => Err(AppError::NotFound),
            };
            scoped(&mut errors, "need_id", found, "err-unknown-need").await?
        }
    };
    if let (Some(need), Some(case)) = (&need, &case)
        && need.case_id != Some(case.id)
    {
        errors.add("need_id", "err-need-of-other-case");
    }
    if need.as_ref().is_some_and(|n| n.status == "cancelled") {
        errors.add("need_id", "err-need-cancelled");
    }
    let mut lines = Vec::new();
    for (i, line) in draft
        .lines
        .iter()
        .enumerate()
        .filter(|(_, l)| !l.is_blank())
    {
        if let Some(line) =
            check_line(db, scope, &mut errors, &format!("lines[{i}]."), line).await?
        {
            // A need is met only by items of its own sector: blankets do not meet a food need.
            if need.as_ref().is_some_and(|n| n.sector != line.item.sector) {
                errors.add(&format!("lines[{i}].item_id"), "err-item-other-sector");
            }
            lines.push(line);
        }
    }
    if draft.lines.iter().all(LineDraft::is_blank) {
        errors.add("lines", "err-no-lines");
    }
    let delivered_by = check_delivery(db, scope, &mut errors, &draft.delivered_by).await?;
    let delivered_on = past_date(&mut errors, "delivered_on", &draft.delivered_on);
    let note =
        validate::optional_text(&mut errors, "note", Some(&draft.note), 1000).unwrap_or_default();
    errors.clone().into_result(())?;
    let Some(case) = case else {
        return Err(AppError::Validation(errors));
    };
    Ok(Checked {
        case,
        need,
        lines,
        delivered_by,
        delivered_on,
        note,
    })
}

/// Records one distribution inside an open stock transaction. Locks are taken in one order everywhere: items (by
/// the caller), then the case, then the need.
async fn record_in(
    txn: &DatabaseTransaction,
    scope: &OrgScope,
    c: Checked,
) -> AppResult<distribution::Model> {
    let case = cases::get_for_update(txn, scope, c.case.id).await?;
    if case.status != "open" {
        return Err(AppError::Conflict("err-case-closed"));
    }
    let total: i64 = c.lines.iter().map(|l| l.quantity).sum();
    if let Some(need) = &c.need {
        // Atomic and conditional, so that concurrent distributions cannot meet a need more than once over.
        move_need(txn, need.id, total).await?;
    }
    let record = distribution::ActiveModel {
        org_id: Set(scope.org_id()),
        case_id: Set(c.case.id),
        need_id: Set(c.need.as_ref().map(|n| n.id)),
        delivered_by: Set(c.delivered_by),
        delivered_on: Set(c.delivered_on),
        note: Set(c.note.clone()),
        reversed_at: Set(None),
        reversal_reason: Set(None),
        created_by: Set(scope.actor().user_id),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    let batch = ledger::new_batch()?;
    for line in &c.lines {
        // Each line is posted before the next is allocated, so two lines of one item see each other.
        let lots = ledger::allocate(
            txn,
            line.item.id,
            line.warehouse.id,
            line.lot.as_deref(),
            line.quantity,
            Take::Usable,
        )
        .await?;
        let posts = lots
            .into_iter()
            .map(|(lot, expiry, n)| {
                let mut p = Post::new(
                    "distribution",
                    line.item.id,
                    line.warehouse.id,
                    -n,
                    c.delivered_on,
                );
                p.lot = lot;
                p.expiry = expiry;
                p.distribution_id = Some(record.id);
                p
            })
            .collect();
        ledger::post(txn, scope, &batch, posts).await?;
    }
    let detail =
        json!({ "case": c.case.id, "need": c.need.as_ref().map(|n| n.id), "quantity": total });
    audit::record(
        txn,
        scope,
        "distribution.create",
        "distribution",
        record.id,
        detail,
    )
    .await?;
    Ok(record)
}

/// Adds `delta` to a need's quantity met (refusing to go beyond the quantity needed) and lets the status follow
/// (a cancelled need stays cancelled).
async fn move_need(txn: &DatabaseTransaction, need_id: i64, delta: i64) -> AppResult<()> {
    let mut update = need::Entity::update_many()
        .col_expr(
            need::Column::QuantityMet,
            Expr::col(need::Column::QuantityMet).add(delta),
        )
        .col_expr(need::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(need::Column::Id.eq(need_id));
    if delta > 0 {
        update = update
            .filter(
                Expr::col(need::Column::QuantityMet)
                    .add(delta)
                    .lte(Expr::col(need::Column::Quantity)),
            )
            .filter(need::Column::Status.ne("cancelled"));
    }
    if update.exec(txn).await?.rows_affected != 1 {
        return Err(AppError::Conflict("err-exceeds-need"));
    }
    let need = need::Entity::find_by_id(need_id)
        .one(txn)
        .await?
        .ok_or(AppError::NotFound)?;
    let met = std::cmp::max(need.quantity_met, 0);
    let status = status_for(need.quantity, met, need.status == "cancelled");
    if met != need.quantity_met || status != need.status {
        let mut active: need::ActiveModel = need.into();
        active.quantity_met = Set(met);
        active.status = Set(status.to_owned());
        active.update(txn).await?;
    }
    Ok(())
}

/// Records that a household received items: stock leaves (first-expiry-first-out unless a lot is named) and the
/// need's quantity met rises, all or nothing.
pub async fn record_distribution(
    db: &DatabaseConnection,
    scope: &OrgScope,
    draft: &DistributionDraft,
) -> AppResult<distribution::Model> {
    scope.require(Perm::Distribute)?;
    let checked = check(db, scope, draft).await?;
    let txn = ledger::begin(db).await?;
    ledger::lock_items(
        &txn,
        &checked.lines.iter().map(|l| l.item.id).collect::<Vec<_>>(),
    )
    .await?;
    let record = record_in(&txn, scope, checked).await?;
    txn.commit().await?;
    Ok(record)
}

/// One item to many households at once.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct BulkDraft {
    /// The item.
    #[serde(default)]
    pub item_id: String,
    /// Where it leaves from.
    #[serde(default)]
    pub warehouse_id: String,
    /// How much each household receives.
    #[serde(default)]
    pub quantity: String,
    /// The households.
    #[serde(default)]
    pub case_ids: Vec<String>,
    /// When (YYYY-MM-DD); today when empty.
    #[serde(default)]
    pub delivered_on: String,
    /// Receipt note.
    #[serde(default)]
    pub note: String,
    /// For forms: the region the list of households was narrowed to (not used when distributing).
    #[serde(default)]
    pub region: String,
}

/// Distributes one item to every selected household in one transaction: all of them or none. Each household's
/// oldest open need in the item's sector with room for the quantity is met by it.
pub async fn bulk_distribute(
    db: &DatabaseConnection,
    scope: &OrgScope,
    draft: &BulkDraft,
) -> AppResult<Vec<distribution::Model>> {
    scope.require(Perm::Distribute)?;
    let mut errors = FieldErrors::default();
    let line = check_line(
        db,
        scope,
        &mut errors,
        "",
        &LineDraft {
            item_id: draft.item_id.clone(),
            warehouse_id: draft.warehouse_id.clone(),
            quantity: draft.quantity.clone(),
            lot: String::new(),
        },
    )
    .await?;
    let delivered_on = past_date(&mut errors, "delivered_on", &draft.delivered_on);
    let note =
        validate::optional_text(&mut errors, "note", Some(&draft.note), 1000).unwrap_or_default();
    if draft.case_ids.len() > 1000 {
        errors.add("case_ids", "err-too-many");
        return Err(AppError::Validation(errors));
    }
    let mut case_list = Vec::new();
    for raw in draft
        .case_ids
        .iter()
        .map(|c| sanad_search::fold_digits(c.trim()))
        .filter(|c| !c.is_empty())
    {
        let found = match raw.parse::<i64>() {
            Ok(id) => cases::get(db, scope, id).await,
            Err(_) => Err(AppError::NotFound),
        };
        match scoped(&mut errors, "case_ids", found, "err-unknown-case").await? {
            Some(c) if c.status != "open" => errors.add("case_ids", "err-case-closed"),
            Some(c) if !case_list.iter().any(|x: &case::Model| x.id == c.id) => case_list.push(c),
            Some(_) | None => {}
        }
    }
    if case_list.is_empty() && errors.get("case_ids").is_none() {
        errors.add("case_ids", "err-no-cases");
    }
    // Households in id order, so that two bulk distributions lock them in the same order.
    case_list.sort_by_key(|c| c.id);
    errors.clone().into_result(())?;
    let Some(line) = line else {
        return Err(AppError::Validation(errors));
    };

    let txn = ledger::begin(db).await?;
    ledger::lock_items(&txn, &[line.item.id]).await?;
    let mut out = Vec::with_capacity(case_list.len());
    for case in case_list {
        let need = need::Entity::find()
            .filter(need::Column::OrgId.eq(scope.org_id()))
            .filter(need::Column::CaseId.eq(case.id))
            .filter(need::Column::Sector.eq(line.item.sector.as_str()))
            .filter(need::Column::Status.is_in(["open", "partly-met"]))
            .filter(
                Expr::col(need::Column::Quantity)
                    .sub(Expr::col(need::Column::QuantityMet))
                    .gte(line.quantity),
            )
            .order_by_asc(need::Column::Id)
            .one(&txn)
            .await?;
        let checked = Checked {
            case,
            need,
            lines: vec![Line {
                item: line.item.clone(),
                warehouse: line.warehouse.clone(),
                quantity: line.quantity,
                lot: None,
            }],
            delivered_by: scope.actor().user_id,
            delivered_on,
            note: note.clone(),
        };
        out.push(record_in(&txn, scope, checked).await?);
    }
    txn.commit().await?;
    Ok(out)
}

/// Reverses a distribution with compensating movements and a reason; the need's quantity met falls back.
pub async fn reverse_distribution(
    db: &DatabaseConnection,
    scope: &OrgScope,
    id: i64,
    reason: &str,
) -> AppResult<distribution::Model> {
    scope.require(Perm::Distribute)?;
    let mut errors = FieldErrors::default();
    let reason = validate::required_text(&mut errors, "reason", reason, 500);
    errors.into_result(())?;
    let record = get_distribution(db, scope, id).await?;
    let moves = distribution_lines(db, scope, id).await?;
    let txn = ledger::begin(db).await?;
    ledger::lock_items(&txn, &moves.iter().map(|m| m.item_id).collect::<Vec<_>>()).await?;
    // Checked again under the lock, so two reversals cannot both pass.
    let current = distribution::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    if current.reversed_at.is_some() {
        return Err(AppError::Conflict("err-already-reversed"));
    }
    let today = Utc::now().date_naive();
    let posts = moves
        .iter()
        .map(|m| {
            let mut p = Post::new("reversal", m.item_id, m.warehouse_id, -m.quantity, today);
            p.lot = m.lot.clone();
            p.expiry = m.expiry;
            p.distribution_id = Some(id);
            p.reverses_id = Some(m.id);
            p.note = Some(reason.clone());
            p
        })
        .collect();
    ledger::post(&txn, scope, &ledger::new_batch()?, posts).await?;
    let total: i64 = moves.iter().map(|m| -m.quantity).sum();
    if let Some(need_id) = record.need_id {
        move_need(&txn, need_id, -total).await?;
    }
    let mut active: distribution::ActiveModel = current.into();
    active.reversed_at = Set(Some(Utc::now()));
    active.reversal_reason = Set(Some(reason.clone()));
    let reversed = active.update(&txn).await?;
    audit::record(
        &txn,
        scope,
        "distribution.reverse",
        "distribution",
        id,
        json!({ "reason": reason }),
    )
    .await?;
    txn.commit().await?;
    Ok(reversed)
}

/// One distribution of the scope's organisation; 404 for any other.
pub async fn get_distribution(
    db: &impl ConnectionTrait,
    scope: &OrgScope,
    id: i64,
) -> AppResult<distribution::Model> {
    scope.require(Perm::Read)?;
    distribution::Entity::find_by_id(id)
        .filter(distribution::Column::OrgId.eq(scope.org_id()))
        .one(db)
        .await?
        .ok_or(AppError::NotFound)
}

/// The stock movements that delivered a distribution (not its reversal).
pub async fn distribution_lines(
    db: &impl ConnectionTrait,
    scope: &OrgScope,
    id: i64,
) -> AppResult<Vec<stock_movement::Model>> {
    Ok(stock_movement::Entity::find()
        .filter(stock_movement::Column::OrgId.eq(scope.org_id()))
        .filter(stock_movement::Column::DistributionId.eq(id))
        .filter(stock_movement::Column::Kind.eq("distribution"))
        .order_by_asc(stock_movement::Column::Id)
        .all(db)
        .await?)
}

/// The distribution history of a case or of a need, newest first, at most `limit` of them.
pub async fn distributions_for(
    db: &DatabaseConnection,
    scope: &OrgScope,
    case_id: Option<i64>,
    need_id: Option<i64>,
    limit: u64,
) -> AppResult<Vec<distribution::Model>> {
    scope.require(Perm::Read)?;
    let mut query =
        distribution::Entity::find().filter(distribution::Column::OrgId.eq(scope.org_id()));
    if let Some(c) = case_id {
        query = query.filter(distribution::Column::CaseId.eq(c));
    }
    if let Some(n) = need_id {
        query = query.filter(distribution::Column::NeedId.eq(n));
    }
    Ok(query
        .order_by_desc(distribution::Column::Id)
        .limit(limit)
        .all(db)
        .await?)
}

/// How much of a need its distributions (not reversed) have delivered.
pub async fn distributed_for_need(db: &impl ConnectionTrait, need_id: i64) -> AppResult<i64> {
    // `need_id` is an integer, so formatting it into the statement cannot inject anything.
    let sql = format!(
        "SELECT CAST(COALESCE(SUM(-m.quantity), 0) AS BIGINT) AS s FROM stock_movements m \
         JOIN distributions d ON d.id = m.distribution_id \
         WHERE d.need_id = {need_id} AND d.reversed_at IS NULL AND m.kind = 'distribution'"
    );
    let row = db
        .query_one_raw(sea_orm::Statement::from_string(
            db.get_database_backend(),
            sql,
        ))
        .await?;
    Ok(row
        .map(|r| r.try_get::<i64>("", "s"))
        .transpose()?
        .unwrap_or(0))
}
