//! Needs: what a household (or the community an organisation serves) lacks. The status follows the quantity met,
//! unless the need is cancelled. `domain::fulfilment` moves the quantity met (distributions, and later pledges and
//! commitments).

pub use super::fulfilment::{distributed_for_need, has_distributions, move_met};

use chrono::{NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde_json::json;

use crate::domain::{
    audit, cases,
    error::{AppError, AppResult, FieldErrors, Input},
    network, regions,
    tenancy::{OrgScope, Perm},
    validate,
};
use crate::infra::{
    entities::{case, need},
    events::Event,
    uow::{LockKind, UnitOfWork},
};
use crate::vocab::{NeedStatus, Sector, Urgency, Visibility};

/// How many needs a list page shows.
pub const PAGE_SIZE: u64 = 50;

/// The largest quantity a need may ask for: anything above is a typing mistake.
pub const MAX_QUANTITY: i64 = 10_000_000;

/// A need as read at the edge.
#[derive(Clone, Debug, Default)]
pub struct NeedFields {
    /// The household this need belongs to; none for a community need.
    pub case_id: Option<i64>,
    /// Humanitarian sector.
    pub sector: Option<Sector>,
    /// What is needed.
    pub item: String,
    /// How much.
    pub quantity: Option<i64>,
    /// Unit of the quantity.
    pub unit: String,
    /// How much has been provided so far; unchanged (0 for a new need) when not given.
    pub quantity_met: Option<i64>,
    /// How urgent.
    pub urgency: Option<Urgency>,
    /// Where; defaults to the household's region.
    pub region_code: String,
    /// Needed by.
    pub needed_by: Option<NaiveDate>,
    /// A public description with no personal detail.
    pub public_summary: String,
    /// Who may see it.
    pub visibility: Visibility,
    /// Whether the need is cancelled.
    pub cancelled: bool,
}

#[derive(Clone, Debug)]
struct NeedInput {
    case_id: Option<i64>,
    sector: Sector,
    item: String,
    quantity: i64,
    unit: String,
    quantity_met: i64,
    urgency: Urgency,
    region_code: String,
    needed_by: Option<NaiveDate>,
    public_summary: String,
    visibility: Visibility,
    cancelled: bool,
}

/// Checks a need against the household it belongs to (`case`, already locked by the caller) and, for an edit, the
/// need as it is (`current`, locked).
async fn check(
    db: &impl ConnectionTrait,
    org_id: i64,
    input: Input<NeedFields>,
    case: Option<&case::Model>,
    current: Option<&need::Model>,
) -> AppResult<NeedInput> {
    let Input { value: f, mut errors } = input;
    if f.case_id.is_some() && case.is_none() {
        errors.add("case_id", "err-unknown-case");
    }
    let sector = validate::required(&mut errors, "sector", f.sector);
    let item = validate::required_text(&mut errors, "item", &f.item, 200);
    let quantity = validate::range(&mut errors, "quantity", f.quantity, 1, MAX_QUANTITY);
    let unit = validate::required_text(&mut errors, "unit", &f.unit, 32);
    // Left empty, the quantity met stays what it is (0 for a new need): distributions move it.
    let quantity_met = match f.quantity_met {
        None => current.map_or(0, |c| c.quantity_met),
        met => validate::range(&mut errors, "quantity_met", met, 0, MAX_QUANTITY),
    };
    if errors.get("quantity").is_none() && quantity_met > quantity {
        errors.add("quantity_met", "err-met-above-quantity");
    }
    // What other organisations committed (accepted, not yet delivered) stays within the need, and keeps it open.
    let committed = current.map_or(0, |c| c.quantity_committed);
    if f.cancelled && committed > 0 {
        errors.add("cancelled", "err-cancel-committed");
    }
    if errors.get("quantity").is_none()
        && errors.get("quantity_met").is_none()
        && quantity_met + committed > quantity
    {
        errors.add("quantity", "err-below-committed");
    }
    if let Some(current) = current {
        check_delivered(db, &mut errors, current, case, sector, quantity_met).await?;
    }
    let urgency = validate::required(&mut errors, "urgency", f.urgency);
    let region_code = match (f.region_code.trim(), case) {
        ("", Some(case)) => case.region_code.clone(),
        (code, _) => regions::field(db, &mut errors, "region_code", code).await?,
    };
    let public_summary =
        validate::optional_text(&mut errors, "public_summary", Some(&f.public_summary), 500)
            .unwrap_or_default();
    check_sharing(db, &mut errors, org_id, case, f.visibility, &item, &public_summary).await?;
    let (Some(sector), Some(urgency)) = (sector, urgency) else {
        return Err(AppError::Validation(errors));
    };
    errors.into_result(NeedInput {
        case_id: case.map(|c| c.id),
        sector,
        item,
        quantity,
        unit,
        quantity_met,
        urgency,
        region_code,
        needed_by: f.needed_by,
        public_summary,
        visibility: f.visibility,
        cancelled: f.cancelled,
    })
}

/// What was handed out stays counted and stays with its household: once a need has distributions, its quantity met
/// cannot fall below what they delivered (undo one by reversing it), and its household and sector are fixed.
async fn check_delivered(
    db: &impl ConnectionTrait,
    errors: &mut FieldErrors,
    current: &need::Model,
    case: Option<&case::Model>,
    sector: Option<Sector>,
    quantity_met: i64,
) -> AppResult<()> {
    if !has_distributions(db, current.id).await? {
        return Ok(());
    }
    if case.map(|c| c.id) != current.case_id {
        errors.add("case_id", "err-need-has-distributions");
    }
    if sector.is_some_and(|s| s != current.sector) {
        errors.add("sector", "err-need-has-distributions");
    }
    if errors.get("quantity_met").is_none()
        && quantity_met < distributed_for_need(db, current.id).await?
    {
        errors.add("quantity_met", "err-met-below-distributed");
    }
    Ok(())
}

/// A need travels beyond the organisation only with its household's consent. Its public summary never carries what
/// identifies a person (a phone number, an e-mail address, an id number, or the name of any household the
/// organisation registered: the PII gate, which says what it found), and neither does its item once it is shared.
async fn check_sharing(
    db: &impl ConnectionTrait,
    errors: &mut FieldErrors,
    org_id: i64,
    case: Option<&case::Model>,
    visibility: Visibility,
    item: &str,
    public_summary: &str,
) -> AppResult<()> {
    let shared = visibility != Visibility::Private;
    if shared && case.is_some_and(|c| !c.consent_share) {
        errors.add("visibility", "err-no-consent");
    }
    let mut gates = network::publish::Gates::default();
    let gate = gates.of(db, org_id).await?;
    let checked: &[(&str, &str)] = if shared {
        &[("item", item), ("public_summary", public_summary)]
    } else {
        &[("public_summary", public_summary)]
    };
    for &(field, text) in checked {
        if let Some(found) = gate.scan(text).first() {
            errors.add(field, network::publish::finding_error(found));
        }
    }
    Ok(())
}

fn apply(active: &mut need::ActiveModel, input: NeedInput) {
    active.status =
        Set(NeedStatus::for_quantities(input.quantity, input.quantity_met, input.cancelled));
    active.case_id = Set(input.case_id);
    active.sector = Set(input.sector);
    active.item = Set(input.item);
    active.quantity = Set(input.quantity);
    active.unit = Set(input.unit);
    active.quantity_met = Set(input.quantity_met);
    active.urgency = Set(input.urgency);
    active.region_code = Set(input.region_code);
    active.needed_by = Set(input.needed_by);
    active.public_summary = Set(input.public_summary);
    active.visibility = Set(input.visibility);
    active.updated_at = Set(Utc::now());
}

/// Locks the households named (in id order) and reads the one the need is to belong to.
async fn lock_household(
    uow: &mut UnitOfWork,
    scope: &OrgScope,
    wanted: Option<i64>,
    also: Option<i64>,
) -> AppResult<Option<case::Model>> {
    // Only the scope's own households are locked: an id of another organisation's is simply not found.
    let wanted = match wanted {
        Some(id) => match cases::get(uow.db(), scope, id).await {
            Ok(_) => Some(id),
            Err(AppError::NotFound) => None,
            Err(e) => return Err(e),
        },
        None => None,
    };
    let ids: Vec<i64> = wanted.into_iter().chain(also).collect();
    uow.lock(LockKind::Case, &ids).await?;
    match wanted {
        Some(id) => Ok(Some(cases::get(uow.db(), scope, id).await?)),
        None => Ok(None),
    }
}

/// Records a need.
pub async fn create(
    uow: &mut UnitOfWork,
    scope: &OrgScope,
    input: Input<NeedFields>,
) -> AppResult<need::Model> {
    scope.require(Perm::WriteNeeds)?;
    let case = lock_household(uow, scope, input.value.case_id, None).await?;
    let input = check(uow.db(), scope.org_id(), input, case.as_ref(), None).await?;
    let mut active = need::ActiveModel {
        org_id: Set(scope.org_id()),
        created_by: Set(scope.actor().user_id),
        created_at: Set(Utc::now()),
        ..Default::default()
    };
    apply(&mut active, input);
    let model = active.insert(uow.db()).await?;
    audit::record(
        uow,
        scope,
        "need.create",
        "need",
        Some(model.id),
        json!({ "case": model.case_id }),
    );
    uow.emit(Event::Need(model.id));
    Ok(model)
}

/// Changes a need; the status follows the new quantities. Locks are taken in the one order: the households (the
/// need's and the one it moves to), then the need.
pub async fn update(
    uow: &mut UnitOfWork,
    scope: &OrgScope,
    id: i64,
    input: Input<NeedFields>,
) -> AppResult<need::Model> {
    scope.require(Perm::WriteNeeds)?;
    let before = get(uow.db(), scope, id).await?;
    let case = lock_household(uow, scope, input.value.case_id, before.case_id).await?;
    uow.lock(LockKind::Need, &[id]).await?;
    let current = get(uow.db(), scope, id).await?;
    if current.case_id != before.case_id {
        // Moved to another household between the read and the lock: the caller may try again.
        return Err(AppError::Conflict("err-busy"));
    }
    let input = check(uow.db(), scope.org_id(), input, case.as_ref(), Some(&current)).await?;
    let mut active: need::ActiveModel = current.into();
    apply(&mut active, input);
    let model = active.update(uow.db()).await?;
    audit::record(uow, scope, "need.update", "need", Some(id), json!({ "status": model.status }));
    uow.emit(Event::Need(id));
    Ok(model)
}

/// Reads a need of the scope's organisation; 404 for any other.
pub async fn get(db: &impl ConnectionTrait, scope: &OrgScope, id: i64) -> AppResult<need::Model> {
    super::fulfilment::need_of(db, scope, id).await
}

/// Which statuses a need list shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StatusFilter {
    /// Open or partly met.
    Active,
    /// Exactly this status.
    Is(NeedStatus),
}

/// Filters of the need list; `None` does not filter.
#[derive(Clone, Debug, Default)]
pub struct NeedFilter {
    /// Which statuses.
    pub status: Option<StatusFilter>,
    /// A sector.
    pub sector: Option<Sector>,
    /// An urgency.
    pub urgency: Option<Urgency>,
    /// A region code: needs in it or below it.
    pub region: Option<String>,
    /// Only the needs of this case.
    pub case_id: Option<i64>,
    /// Page number, from 1.
    pub page: u64,
}

/// A page of the scope's needs, newest first, and the total count.
pub async fn list(
    db: &impl ConnectionTrait,
    scope: &OrgScope,
    filter: &NeedFilter,
) -> AppResult<(Vec<need::Model>, u64)> {
    scope.require(Perm::Read)?;
    let mut cond = Condition::all().add(need::Column::OrgId.eq(scope.org_id()));
    match filter.status {
        None => {}
        Some(StatusFilter::Active) => {
            cond = cond.add(need::Column::Status.is_in(NeedStatus::ACTIVE))
        }
        Some(StatusFilter::Is(s)) => cond = cond.add(need::Column::Status.eq(s)),
    }
    if let Some(sector) = filter.sector {
        cond = cond.add(need::Column::Sector.eq(sector));
    }
    if let Some(urgency) = filter.urgency {
        cond = cond.add(need::Column::Urgency.eq(urgency));
    }
    if let Some(region) = &filter.region {
        cond = cond.add(need::Column::RegionCode.in_subquery(regions::within(db, region).await?));
    }
    if let Some(case_id) = filter.case_id {
        cond = cond.add(need::Column::CaseId.eq(case_id));
    }
    let query = need::Entity::find().filter(cond);
    let total = query.clone().count(db).await?;
    let rows = query
        .order_by_desc(need::Column::Id)
        .offset((filter.page.max(1) - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE)
        .all(db)
        .await?;
    Ok((rows, total))
}

/// Open and partly met needs of the scope, counted by sector and urgency: one row per sector, in the vocabulary's
/// order, with a count per urgency (from least to most urgent) and the row's total.
pub async fn active_by_sector_and_urgency(
    db: &impl ConnectionTrait,
    scope: &OrgScope,
) -> AppResult<Vec<(Sector, Vec<i64>, i64)>> {
    use crate::vocab::Vocabulary;
    scope.require(Perm::Read)?;
    let counts: Vec<(Sector, Urgency, i64)> = need::Entity::find()
        .select_only()
        .column(need::Column::Sector)
        .column(need::Column::Urgency)
        .column_as(need::Column::Id.count(), "n")
        .filter(need::Column::OrgId.eq(scope.org_id()))
        .filter(need::Column::Status.is_in(NeedStatus::ACTIVE))
        .group_by(need::Column::Sector)
        .group_by(need::Column::Urgency)
        .into_tuple()
        .all(db)
        .await?;
    Ok(Sector::ALL
        .iter()
        .map(|sector| {
            let row: Vec<i64> = Urgency::ALL
                .iter()
                .map(|u| {
                    counts
                        .iter()
                        .filter(|(s, c, _)| s == sector && c == u)
                        .map(|(_, _, n)| *n)
                        .sum()
                })
                .collect();
            let total = row.iter().sum();
            (*sector, row, total)
        })
        .collect())
}

/// The regions the scope's needs are in (for list filters).
pub async fn regions_in_use(db: &impl ConnectionTrait, scope: &OrgScope) -> AppResult<Vec<String>> {
    Ok(need::Entity::find()
        .select_only()
        .column(need::Column::RegionCode)
        .distinct()
        .filter(need::Column::OrgId.eq(scope.org_id()))
        .into_tuple()
        .all(db)
        .await?)
}
