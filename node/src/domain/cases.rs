//! Cases: households registered by an organisation, with their notes. Every create, update and view is audited.
//!
//! Case rows hold personal data; they never leave the node (see `docs/ARCHITECTURE.md`).

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, sea_query::Expr,
};
use serde_json::json;

use crate::domain::{
    audit,
    error::{AppError, AppResult, FieldErrors, Input},
    regions,
    tenancy::{OrgScope, Perm},
    validate,
};
use crate::infra::{
    entities::{case, case_note, membership, need},
    events::Event,
    uow::{LockKind, UnitOfWork},
};
use crate::vocab::{CaseStatus, Visibility, Vulnerability};

/// How many cases a list page shows.
pub const PAGE_SIZE: u64 = 50;

/// A household as read at the edge.
#[derive(Clone, Debug, Default)]
pub struct CaseFields {
    /// Head of household's full name.
    pub head_name: String,
    /// National id number, if any.
    pub national_id: String,
    /// Phone number.
    pub phone: String,
    /// Address (local only).
    pub address: String,
    /// Region code from the gazetteer.
    pub region_code: String,
    /// Number of people in the household.
    pub household_size: Option<i64>,
    /// Vulnerabilities.
    pub vulnerabilities: Vec<Vulnerability>,
    /// Consent to share anonymised needs.
    pub consent_share: bool,
    /// Assigned caseworker's user id.
    pub assigned_to: Option<i64>,
}

/// A checked case.
#[derive(Clone, Debug, PartialEq)]
struct CaseInput {
    head_name: String,
    national_id: Option<String>,
    phone: Option<String>,
    address: Option<String>,
    region_code: String,
    household_size: i32,
    vulnerabilities: String,
    consent_share: bool,
    assigned_to: Option<i64>,
}

async fn check(
    db: &impl ConnectionTrait,
    scope: &OrgScope,
    input: Input<CaseFields>,
) -> AppResult<CaseInput> {
    let Input { value: f, mut errors } = input;
    let head_name = validate::required_text(&mut errors, "head_name", &f.head_name, 200);
    let national_id = validate::optional_text(&mut errors, "national_id", Some(&f.national_id), 64)
        .map(|v| sanad_search::fold_digits(&v));
    let phone = validate::optional_phone(&mut errors, "phone", Some(&f.phone));
    let address = validate::optional_text(&mut errors, "address", Some(&f.address), 500);
    let region_code = regions::field(db, &mut errors, "region_code", &f.region_code).await?;
    let household_size =
        validate::range(&mut errors, "household_size", f.household_size, 1, 100) as i32;
    if let Some(id) = f.assigned_to
        && !is_caseworker(db, scope, id).await?
    {
        errors.add("assigned_to", "err-not-a-caseworker");
    }
    errors.into_result(CaseInput {
        head_name,
        national_id,
        phone,
        address,
        region_code,
        household_size,
        vulnerabilities: f.vulnerabilities.iter().map(|v| v.as_str()).collect::<Vec<_>>().join(","),
        consent_share: f.consent_share,
        assigned_to: f.assigned_to,
    })
}

/// Whether a user may be assigned cases of the scope's organisation: a member who registers households.
pub async fn is_caseworker(
    db: &impl ConnectionTrait,
    scope: &OrgScope,
    user_id: i64,
) -> AppResult<bool> {
    let member = membership::Entity::find()
        .filter(membership::Column::OrgId.eq(scope.org_id()))
        .filter(membership::Column::UserId.eq(user_id))
        .one(db)
        .await?;
    Ok(member.is_some_and(|m| m.role.allows(Perm::WriteCases)))
}

/// The vulnerabilities stored on a case.
pub fn vulnerabilities(case: &case::Model) -> Vec<Vulnerability> {
    case.vulnerabilities.split(',').filter_map(Vulnerability::parse).collect()
}

fn search_text(input: &CaseInput) -> String {
    let parts = [
        Some(input.head_name.as_str()),
        input.national_id.as_deref(),
        input.phone.as_deref(),
        input.address.as_deref(),
    ];
    sanad_search::normalize(&parts.into_iter().flatten().collect::<Vec<_>>().join(" "))
}

/// Registers a household.
pub async fn create(
    uow: &mut UnitOfWork,
    scope: &OrgScope,
    input: Input<CaseFields>,
) -> AppResult<case::Model> {
    scope.require(Perm::WriteCases)?;
    let input = check(uow.db(), scope, input).await?;
    let now = Utc::now();
    let model = case::ActiveModel {
        org_id: Set(scope.org_id()),
        search_text: Set(search_text(&input)),
        head_name: Set(input.head_name),
        national_id: Set(input.national_id),
        phone: Set(input.phone),
        address: Set(input.address),
        region_code: Set(input.region_code),
        household_size: Set(input.household_size),
        vulnerabilities: Set(input.vulnerabilities),
        consent_share: Set(input.consent_share),
        consent_at: Set(input.consent_share.then_some(now)),
        status: Set(CaseStatus::Open),
        assigned_to: Set(input.assigned_to),
        created_by: Set(scope.actor().user_id),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(uow.db())
    .await?;
    audit::record(uow, scope, "case.create", "case", Some(model.id), json!({}));
    uow.emit(Event::Case(model.id));
    Ok(model)
}

/// Changes a household's details. Withdrawing consent makes its shared needs private again.
pub async fn update(
    uow: &mut UnitOfWork,
    scope: &OrgScope,
    id: i64,
    input: Input<CaseFields>,
) -> AppResult<case::Model> {
    scope.require(Perm::WriteCases)?;
    // Read and decide under the row lock: concurrent edits, and needs checking this household's consent, wait.
    let current = lock(uow, scope, id).await?;
    let input = check(uow.db(), scope, input).await?;
    let now = Utc::now();
    let mut changed = Vec::new();
    macro_rules! diff {
        ($($field:ident),* $(,)?) => {$( if current.$field != input.$field { changed.push(stringify!($field)); } )*};
    }
    diff! { head_name, national_id, phone, address, region_code, household_size, vulnerabilities, consent_share,
    assigned_to }
    let consent_at = match (current.consent_share, input.consent_share) {
        (false, true) => Some(now),
        (true, true) => current.consent_at,
        _ => None,
    };
    if current.consent_share && !input.consent_share {
        withdraw_consent(uow, scope, id).await?;
    }
    let mut active: case::ActiveModel = current.into();
    active.search_text = Set(search_text(&input));
    active.head_name = Set(input.head_name);
    active.national_id = Set(input.national_id);
    active.phone = Set(input.phone);
    active.address = Set(input.address);
    active.region_code = Set(input.region_code);
    active.household_size = Set(input.household_size);
    active.vulnerabilities = Set(input.vulnerabilities);
    active.consent_share = Set(input.consent_share);
    active.consent_at = Set(consent_at);
    active.assigned_to = Set(input.assigned_to);
    active.updated_at = Set(now);
    let model = active.update(uow.db()).await?;
    audit::record(uow, scope, "case.update", "case", Some(id), json!({ "fields": changed }));
    uow.emit(Event::Case(id));
    Ok(model)
}

/// Makes every shared need of a household private again (its consent was withdrawn). The household is locked.
async fn withdraw_consent(uow: &mut UnitOfWork, scope: &OrgScope, id: i64) -> AppResult<()> {
    let shared: Vec<i64> = need::Entity::find()
        .select_only()
        .column(need::Column::Id)
        .filter(need::Column::OrgId.eq(scope.org_id()))
        .filter(need::Column::CaseId.eq(id))
        .filter(need::Column::Visibility.ne(Visibility::Private))
        .into_tuple()
        .all(uow.db())
        .await?;
    uow.lock(LockKind::Need, &shared).await?;
    need::Entity::update_many()
        .col_expr(need::Column::Visibility, Expr::value(Visibility::Private))
        .filter(need::Column::Id.is_in(shared.clone()))
        .exec(uow.db())
        .await?;
    for need_id in shared {
        uow.emit(Event::Need(need_id));
    }
    Ok(())
}

/// Reads a case of the scope's organisation without auditing (for internal checks); 404 for any other.
pub async fn get(db: &impl ConnectionTrait, scope: &OrgScope, id: i64) -> AppResult<case::Model> {
    case::Entity::find_by_id(id)
        .filter(case::Column::OrgId.eq(scope.org_id()))
        .one(db)
        .await?
        .ok_or(AppError::NotFound)
}

/// Locks a case of the scope's organisation until the unit ends and reads it.
pub async fn lock(uow: &mut UnitOfWork, scope: &OrgScope, id: i64) -> AppResult<case::Model> {
    // Checked first: another organisation's row is never locked, only not found.
    get(uow.db(), scope, id).await?;
    uow.lock(LockKind::Case, &[id]).await?;
    get(uow.db(), scope, id).await
}

/// Reads a case for display, recording the view in the audit log.
pub async fn view(uow: &mut UnitOfWork, scope: &OrgScope, id: i64) -> AppResult<case::Model> {
    scope.require(Perm::Read)?;
    let model = get(uow.db(), scope, id).await?;
    audit::record(uow, scope, "case.view", "case", Some(id), json!({}));
    Ok(model)
}

/// Records that cases were shown (a list, or a form naming households), as one `case.list` entry.
pub fn record_shown(uow: &mut UnitOfWork, scope: &OrgScope, ids: &[i64]) {
    if !ids.is_empty() {
        audit::record(uow, scope, "case.list", "case", None, json!({ "cases": ids }));
    }
}

/// Closes or reopens a case.
pub async fn set_status(
    uow: &mut UnitOfWork,
    scope: &OrgScope,
    id: i64,
    status: CaseStatus,
) -> AppResult<case::Model> {
    scope.require(Perm::WriteCases)?;
    let current = lock(uow, scope, id).await?;
    let mut active: case::ActiveModel = current.into();
    active.status = Set(status);
    active.updated_at = Set(Utc::now());
    let model = active.update(uow.db()).await?;
    let action = match status {
        CaseStatus::Closed => "case.close",
        CaseStatus::Open => "case.reopen",
    };
    audit::record(uow, scope, action, "case", Some(id), json!({}));
    uow.emit(Event::Case(id));
    Ok(model)
}

/// Filters of the case list; `None` does not filter.
#[derive(Clone, Debug)]
pub struct CaseFilter {
    /// Open or closed.
    pub status: Option<CaseStatus>,
    /// A region code: cases in it or in any region below it.
    pub region: Option<String>,
    /// Words matched against name, id number, phone and address (Arabic-aware).
    pub q: String,
    /// Page number, from 1.
    pub page: u64,
    /// Cases per page.
    pub per_page: u64,
}

impl Default for CaseFilter {
    fn default() -> Self {
        Self { status: None, region: None, q: String::new(), page: 1, per_page: PAGE_SIZE }
    }
}

/// A page of the scope's cases, newest first, and the total count. Listing shows personal data, so the cases
/// listed are recorded in the audit log as one `case.list` entry.
pub async fn list(
    uow: &mut UnitOfWork,
    scope: &OrgScope,
    filter: &CaseFilter,
) -> AppResult<(Vec<case::Model>, u64)> {
    scope.require(Perm::Read)?;
    let db = uow.db();
    let mut cond = Condition::all().add(case::Column::OrgId.eq(scope.org_id()));
    if let Some(status) = filter.status {
        cond = cond.add(case::Column::Status.eq(status));
    }
    if let Some(region) = &filter.region {
        cond = cond.add(case::Column::RegionCode.in_subquery(regions::within(db, region).await?));
    }
    for term in sanad_search::normalize(&filter.q).split_whitespace().take(8) {
        cond = cond.add(case::Column::SearchText.contains(term));
    }
    let query = case::Entity::find().filter(cond);
    let total = query.clone().count(db).await?;
    let per_page = filter.per_page.clamp(1, 500);
    let rows = query
        .order_by_desc(case::Column::Id)
        .offset((filter.page.max(1) - 1) * per_page)
        .limit(per_page)
        .all(db)
        .await?;
    record_shown(uow, scope, &rows.iter().map(|c| c.id).collect::<Vec<_>>());
    Ok((rows, total))
}

/// Adds a note to a case.
pub async fn add_note(
    uow: &mut UnitOfWork,
    scope: &OrgScope,
    id: i64,
    body: &str,
) -> AppResult<case_note::Model> {
    scope.require(Perm::WriteCases)?;
    let mut errors = FieldErrors::default();
    let body = validate::required_text(&mut errors, "body", body, 5000);
    errors.into_result(())?;
    lock(uow, scope, id).await?;
    let note = case_note::ActiveModel {
        org_id: Set(scope.org_id()),
        case_id: Set(id),
        author_id: Set(scope.actor().user_id),
        body: Set(body),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(uow.db())
    .await?;
    audit::record(uow, scope, "case.note", "case", Some(id), json!({ "note": note.id }));
    Ok(note)
}

/// The notes of a case, oldest first.
pub async fn notes(
    db: &impl ConnectionTrait,
    scope: &OrgScope,
    id: i64,
) -> AppResult<Vec<case_note::Model>> {
    scope.require(Perm::Read)?;
    Ok(case_note::Entity::find()
        .filter(case_note::Column::OrgId.eq(scope.org_id()))
        .filter(case_note::Column::CaseId.eq(id))
        .order_by_asc(case_note::Column::Id)
        .all(db)
        .await?)
}

/// The notes of a case for a client that reads only them: recorded in the audit log as a view of the case.
pub async fn view_notes(
    uow: &mut UnitOfWork,
    scope: &OrgScope,
    id: i64,
) -> AppResult<Vec<case_note::Model>> {
    view(uow, scope, id).await?;
    notes(uow.db(), scope, id).await
}

/// How many of the scope's cases are open.
pub async fn count_open(db: &impl ConnectionTrait, scope: &OrgScope) -> AppResult<u64> {
    Ok(case::Entity::find()
        .filter(case::Column::OrgId.eq(scope.org_id()))
        .filter(case::Column::Status.eq(CaseStatus::Open))
        .count(db)
        .await?)
}

/// The regions the scope's cases are in (for list filters).
pub async fn regions_in_use(db: &impl ConnectionTrait, scope: &OrgScope) -> AppResult<Vec<String>> {
    Ok(case::Entity::find()
        .select_only()
        .column(case::Column::RegionCode)
        .distinct()
        .filter(case::Column::OrgId.eq(scope.org_id()))
        .into_tuple()
        .all(db)
        .await?)
}
