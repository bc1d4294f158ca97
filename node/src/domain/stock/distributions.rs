//! Distributions: a household receives items; stock leaves the ledger and the need's quantity met rises, in one
//! transaction. A distribution is undone only by compensating movements, with a reason.

use chrono::{NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    sea_query::{Expr, ExprTrait},
};
use serde_json::json;

use super::{
    MAX_QUANTITY,
    ledger::{self, Post, Take, item_ref, past_date, scoped, warehouse_ref},
};
use crate::domain::{
    audit, cases,
    error::{AppError, AppResult, FieldErrors, Input},
    fulfilment,
    tenancy::{OrgScope, Perm},
    validate,
};
use crate::infra::{
    entities::{case, distribution, item, membership, need, stock_movement, warehouse},
    uow::{LockKind, UnitOfWork},
};
use crate::vocab::{CaseStatus, MovementKind, NeedStatus};

/// One line of a distribution, as read at the edge.
#[derive(Clone, Debug, Default)]
pub struct LineFields {
    /// The item.
    pub item_id: Option<i64>,
    /// The warehouse or distribution point it leaves.
    pub warehouse_id: Option<i64>,
    /// How much.
    pub quantity: Option<i64>,
    /// A lot; empty means first-expiry-first-out.
    pub lot: String,
}

impl LineFields {
    fn is_blank(&self) -> bool {
        self.item_id.is_none() && self.quantity.is_none() && self.lot.trim().is_empty()
    }
}

/// A distribution to one household, as read at the edge.
#[derive(Clone, Debug, Default)]
pub struct DistributionFields {
    /// The household.
    pub case_id: Option<i64>,
    /// The need it meets, if any.
    pub need_id: Option<i64>,
    /// What was handed over (blank lines are skipped).
    pub lines: Vec<LineFields>,
    /// Who delivered it; the caller when not given.
    pub delivered_by: Option<i64>,
    /// When; today when not given.
    pub delivered_on: Option<NaiveDate>,
    /// Receipt note.
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
    delivered_on: NaiveDate,
    note: String,
}

async fn check_line(
    db: &impl ConnectionTrait,
    scope: &OrgScope,
    errors: &mut FieldErrors,
    prefix: &str,
    line: &LineFields,
) -> AppResult<Option<Line>> {
    let field = |name: &str| format!("{prefix}{name}");
    let item = item_ref(db, scope, errors, &field("item_id"), line.item_id).await?;
    let warehouse =
        warehouse_ref(db, scope, errors, &field("warehouse_id"), line.warehouse_id).await?;
    let quantity = validate::range(errors, &field("quantity"), line.quantity, 1, MAX_QUANTITY);
    let lot = validate::optional_text(errors, &field("lot"), Some(&line.lot), 64);
    Ok(item.zip(warehouse).map(|(item, warehouse)| Line { item, warehouse, quantity, lot }))
}

async fn check_delivery(
    db: &impl ConnectionTrait,
    scope: &OrgScope,
    errors: &mut FieldErrors,
    delivered_by: Option<i64>,
) -> AppResult<i64> {
    let Some(id) = delivered_by else {
        return Ok(scope.actor().user_id);
    };
    let member = membership::Entity::find()
        .filter(membership::Column::OrgId.eq(scope.org_id()))
        .filter(membership::Column::UserId.eq(id))
        .one(db)
        .await?;
    match member {
        Some(m) => Ok(m.user_id),
        None => {
            errors.add("delivered_by", "err-not-a-member-here");
            Ok(scope.actor().user_id)
        }
    }
}

async fn check(
    db: &impl ConnectionTrait,
    scope: &OrgScope,
    input: Input<DistributionFields>,
) -> AppResult<Checked> {
    let Input { value: f, mut errors } = input;
    let case = match validate::required(&mut errors, "case_id", f.case_id) {
        Some(id) => {
            scoped(&mut errors, "case_id", cases::get(db, scope, id).await, "err-unknown-case")?
        }
        None => None,
    };
    if case.as_ref().is_some_and(|c| c.status != CaseStatus::Open) {
        errors.add("case_id", "err-case-closed");
    }
    let need = match f.need_id {
        Some(id) => scoped(
            &mut errors,
            "need_id",
            fulfilment::need_of(db, scope, id).await,
            "err-unknown-need",
        )?,
        None => None,
    };
    if let (Some(need), Some(case)) = (&need, &case)
        && need.case_id != Some(case.id)
    {
        errors.add("need_id", "err-need-of-other-case");
    }
    if need.as_ref().is_some_and(|n| n.status == NeedStatus::Cancelled) {
        errors.add("need_id", "err-need-cancelled");
    }
    let mut lines = Vec::new();
    for (i, line) in f.lines.iter().enumerate().filter(|(_, l)| !l.is_blank()) {
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
    if f.lines.iter().all(LineFields::is_blank) {
        errors.add("lines", "err-no-lines");
    }
    let delivered_by = check_delivery(db, scope, &mut errors, f.delivered_by).await?;
    let delivered_on = past_date(&mut errors, "delivered_on", f.delivered_on);
    let note =
        validate::optional_text(&mut errors, "note", Some(&f.note), 1000).unwrap_or_default();
    errors.clone().into_result(())?;
    let Some(case) = case else {
        return Err(AppError::Validation(errors));
    };
    Ok(Checked { case, need, lines, delivered_by, delivered_on, note })
}

/// Records one distribution. Locks are taken in the one order: items (by the caller), then the case, then the need.
async fn record_in(
    uow: &mut UnitOfWork,
    scope: &OrgScope,
    c: Checked,
) -> AppResult<distribution::Model> {
    let case = cases::lock(uow, scope, c.case.id).await?;
    if case.status != CaseStatus::Open {
        return Err(AppError::Conflict("err-case-closed"));
    }
    let total: i64 = c.lines.iter().map(|l| l.quantity).sum();
    if let Some(need) = &c.need {
        // Checked again under the need's lock: an edit committed since the form was checked may have changed it.
        uow.lock(LockKind::Need, &[need.id]).await?;
        let now = fulfilment::need_of(uow.db(), scope, need.id).await?;
        if now.case_id != Some(case.id) {
            return Err(AppError::Conflict("err-need-of-other-case"));
        }
        if c.lines.iter().any(|l| l.item.sector != now.sector) {
            return Err(AppError::Conflict("err-item-other-sector"));
        }
        fulfilment::move_met(uow, need.id, total).await?;
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
    .insert(uow.db())
    .await?;
    let batch = ledger::new_batch()?;
    for line in &c.lines {
        // Each line is posted before the next is allocated, so two lines of one item see each other.
        let lots = ledger::allocate(
            uow.db(),
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
                    MovementKind::Distribution,
                    line.item.id,
                    line.warehouse.id,
                    -n,
                    c.delivered_on,
                )
                .in_lot(lot, expiry);
                p.row.distribution_id = Set(Some(record.id));
                p
            })
            .collect();
        ledger::post(uow, scope, &batch, posts).await?;
    }
    let detail =
        json!({ "case": c.case.id, "need": c.need.as_ref().map(|n| n.id), "quantity": total });
    audit::record(uow, scope, "distribution.create", "distribution", Some(record.id), detail);
    Ok(record)
}

/// Records that a household received items: stock leaves (first-expiry-first-out unless a lot is named) and the
/// need's quantity met rises, all or nothing.
pub async fn record_distribution(
    uow: &mut UnitOfWork,
    scope: &OrgScope,
    input: Input<DistributionFields>,
) -> AppResult<distribution::Model> {
    scope.require(Perm::Distribute)?;
    let checked = check(uow.db(), scope, input).await?;
    let items: Vec<i64> = checked.lines.iter().map(|l| l.item.id).collect();
    uow.lock(LockKind::Item, &items).await?;
    record_in(uow, scope, checked).await
}

/// One item to many households at once, as read at the edge.
#[derive(Clone, Debug, Default)]
pub struct BulkFields {
    /// The item.
    pub item_id: Option<i64>,
    /// Where it leaves from.
    pub warehouse_id: Option<i64>,
    /// How much each household receives.
    pub quantity: Option<i64>,
    /// The households.
    pub case_ids: Vec<i64>,
    /// When; today when not given.
    pub delivered_on: Option<NaiveDate>,
    /// Receipt note.
    pub note: String,
}

/// The most households one bulk distribution may reach.
pub const BULK_MAX: usize = 1000;

/// Distributes one item to every selected household in one transaction: all of them or none. Each household's
/// oldest open need in the item's sector with room for the quantity is met by it.
pub async fn bulk_distribute(
    uow: &mut UnitOfWork,
    scope: &OrgScope,
    input: Input<BulkFields>,
) -> AppResult<Vec<distribution::Model>> {
    scope.require(Perm::Distribute)?;
    let Input { value: f, mut errors } = input;
    let db = uow.db();
    let line = LineFields {
        item_id: f.item_id,
        warehouse_id: f.warehouse_id,
        quantity: f.quantity,
        lot: String::new(),
    };
    let line = check_line(db, scope, &mut errors, "", &line).await?;
    let delivered_on = past_date(&mut errors, "delivered_on", f.delivered_on);
    let note =
        validate::optional_text(&mut errors, "note", Some(&f.note), 1000).unwrap_or_default();
    if f.case_ids.len() > BULK_MAX {
        errors.add("case_ids", "err-too-many");
        return Err(AppError::Validation(errors));
    }
    let mut case_list: Vec<case::Model> = Vec::new();
    for id in &f.case_ids {
        match scoped(&mut errors, "case_ids", cases::get(db, scope, *id).await, "err-unknown-case")?
        {
            Some(c) if c.status != CaseStatus::Open => errors.add("case_ids", "err-case-closed"),
            Some(c) if !case_list.iter().any(|x| x.id == c.id) => case_list.push(c),
            Some(_) | None => {}
        }
    }
    // Households in id order: the distributions are recorded (and listed) in the same order whatever the form's.
    case_list.sort_by_key(|c| c.id);
    if case_list.is_empty() && errors.get("case_ids").is_none() {
        errors.add("case_ids", "err-no-cases");
    }
    errors.clone().into_result(())?;
    let Some(line) = line else {
        return Err(AppError::Validation(errors));
    };

    // The one lock order: the item, every household (in id order), then every need they will meet (in id order).
    uow.lock(LockKind::Item, &[line.item.id]).await?;
    let case_ids: Vec<i64> = case_list.iter().map(|c| c.id).collect();
    uow.lock(LockKind::Case, &case_ids).await?;
    let mut planned = Vec::with_capacity(case_list.len());
    for case in case_list {
        let need = oldest_open_need(uow.db(), scope, case.id, &line).await?;
        planned.push((case, need));
    }
    let need_ids: Vec<i64> = planned.iter().filter_map(|(_, n)| n.as_ref().map(|n| n.id)).collect();
    uow.lock(LockKind::Need, &need_ids).await?;
    let mut out = Vec::with_capacity(planned.len());
    for (case, need) in planned {
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
        out.push(record_in(uow, scope, checked).await?);
    }
    Ok(out)
}

/// A household's oldest open need in the line's sector with room for the line's quantity.
async fn oldest_open_need(
    db: &impl ConnectionTrait,
    scope: &OrgScope,
    case_id: i64,
    line: &Line,
) -> AppResult<Option<need::Model>> {
    Ok(need::Entity::find()
        .filter(need::Column::OrgId.eq(scope.org_id()))
        .filter(need::Column::CaseId.eq(case_id))
        .filter(need::Column::Sector.eq(line.item.sector))
        .filter(need::Column::Status.is_in(NeedStatus::ACTIVE))
        .filter(
            Expr::col(need::Column::Quantity)
                .sub(Expr::col(need::Column::QuantityMet))
                .gte(line.quantity),
        )
        .order_by_asc(need::Column::Id)
        .one(db)
        .await?)
}

/// Reverses a distribution with compensating movements and a reason; the need's quantity met falls back.
pub async fn reverse_distribution(
    uow: &mut UnitOfWork,
    scope: &OrgScope,
    id: i64,
    reason: &str,
) -> AppResult<distribution::Model> {
    scope.require(Perm::Distribute)?;
    let mut errors = FieldErrors::default();
    let reason = validate::required_text(&mut errors, "reason", reason, 500);
    errors.into_result(())?;
    let record = get_distribution(uow.db(), scope, id).await?;
    let moves = distribution_lines(uow.db(), scope, id).await?;
    let items: Vec<i64> = moves.iter().map(|m| m.item_id).collect();
    uow.lock(LockKind::Item, &items).await?;
    // Checked again under the lock, so two reversals cannot both pass.
    let current = get_distribution(uow.db(), scope, id).await?;
    if current.reversed_at.is_some() {
        return Err(AppError::Conflict("err-already-reversed"));
    }
    let today = Utc::now().date_naive();
    let posts = moves
        .iter()
        .map(|m| {
            let mut p =
                Post::new(MovementKind::Reversal, m.item_id, m.warehouse_id, -m.quantity, today)
                    .in_lot(m.lot.clone(), m.expiry);
            p.row.distribution_id = Set(Some(id));
            p.row.reverses_id = Set(Some(m.id));
            p.row.note = Set(Some(reason.clone()));
            p
        })
        .collect();
    ledger::post(uow, scope, &ledger::new_batch()?, posts).await?;
    let total: i64 = moves.iter().map(|m| -m.quantity).sum();
    if let Some(need_id) = record.need_id {
        fulfilment::move_met(uow, need_id, -total).await?;
    }
    let mut active: distribution::ActiveModel = current.into();
    active.reversed_at = Set(Some(Utc::now()));
    active.reversal_reason = Set(Some(reason.clone()));
    let reversed = active.update(uow.db()).await?;
    audit::record(
        uow,
        scope,
        "distribution.reverse",
        "distribution",
        Some(id),
        json!({ "reason": reason }),
    );
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
        .filter(stock_movement::Column::Kind.eq(MovementKind::Distribution))
        .order_by_asc(stock_movement::Column::Id)
        .all(db)
        .await?)
}

/// The distribution history of a case or of a need, newest first, at most `limit` of them.
pub async fn distributions_for(
    db: &impl ConnectionTrait,
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
    Ok(query.order_by_desc(distribution::Column::Id).limit(limit).all(db).await?)
}

/// The delivering movements of several distributions at once, by distribution.
pub async fn distribution_lines_of(
    db: &impl ConnectionTrait,
    scope: &OrgScope,
    ids: &[i64],
) -> AppResult<std::collections::HashMap<i64, Vec<stock_movement::Model>>> {
    let rows = stock_movement::Entity::find()
        .filter(stock_movement::Column::OrgId.eq(scope.org_id()))
        .filter(stock_movement::Column::DistributionId.is_in(ids.to_vec()))
        .filter(stock_movement::Column::Kind.eq(MovementKind::Distribution))
        .order_by_asc(stock_movement::Column::Id)
        .all(db)
        .await?;
    let mut out: std::collections::HashMap<i64, Vec<stock_movement::Model>> =
        std::collections::HashMap::new();
    for m in rows {
        if let Some(d) = m.distribution_id {
            out.entry(d).or_default().push(m);
        }
    }
    Ok(out)
}
