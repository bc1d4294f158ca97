//! Cases: households registered by an organisation, with their notes. Every create, update and view is audited.
//!
//! Case rows hold personal data; they never leave the node (see `docs/ARCHITECTURE.md`).

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait,
    DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde::Deserialize;
use serde_json::json;

use crate::{
    domain::audit,
    domain::error::{AppError, AppResult, FieldErrors},
    domain::tenancy::{OrgScope, Perm},
    domain::validate,
    domain::vocab,
    infra::entities::{case, case_note, membership, need},
};

/// How many cases a list page shows.
pub const PAGE_SIZE: u64 = 50;

/// A case as typed by a person or sent by a client, before checking. Numbers are text so that forms can carry
/// Arabic-Indic digits; the API converts its numbers into this.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct CaseDraft {
    /// Head of household's full name.
    #[serde(default)]
    pub head_name: String,
    /// National id number, if any.
    #[serde(default)]
    pub national_id: String,
    /// Phone number.
    #[serde(default)]
    pub phone: String,
    /// Address (local only).
    #[serde(default)]
    pub address: String,
    /// Region code from the gazetteer.
    #[serde(default)]
    pub region_code: String,
    /// Number of people in the household.
    #[serde(default)]
    pub household_size: String,
    /// Vulnerability codes.
    #[serde(default)]
    pub vulnerabilities: Vec<String>,
    /// Consent to share anonymised needs (`on` in forms).
    #[serde(default)]
    pub consent_share: Option<String>,
    /// Assigned caseworker's user id, or empty.
    #[serde(default)]
    pub assigned_to: String,
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
    draft: &CaseDraft,
) -> AppResult<CaseInput> {
    let mut errors = FieldErrors::default();
    let head_name = validate::required_text(&mut errors, "head_name", &draft.head_name, 200);
    let national_id =
        validate::optional_text(&mut errors, "national_id", Some(&draft.national_id), 64)
            .map(|v| sanad_search::fold_digits(&v));
    let phone = validate::optional_phone(&mut errors, "phone", Some(&draft.phone));
    let address = validate::optional_text(&mut errors, "address", Some(&draft.address), 500);
    let region_code = draft.region_code.trim().to_owned();
    if region_code.is_empty() {
        errors.add("region_code", "err-required");
    } else if !crate::domain::regions::exists(db, &region_code).await? {
        errors.add("region_code", "err-unknown-region");
    }
    let household_size =
        validate::integer(&mut errors, "household_size", &draft.household_size, 1, 100) as i32;
    let mut vulns: Vec<&str> = Vec::new();
    for v in &draft.vulnerabilities {
        let v = v.trim();
        if !vocab::contains(vocab::VULNERABILITIES, v) {
            errors.add("vulnerabilities", "err-unknown-choice");
        } else if !vulns.contains(&v) {
            vulns.push(v);
        }
    }
    let consent_share = matches!(
        draft.consent_share.as_deref().map(str::trim),
        Some("on" | "true" | "1" | "yes")
    );
    let assigned_to = match sanad_search::fold_digits(draft.assigned_to.trim()).as_str() {
        "" => None,
        raw => match raw.parse::<i64>() {
            Ok(id) if is_caseworker(db, scope, id).await? => Some(id),
            _ => {
                errors.add("assigned_to", "err-not-a-caseworker");
                None
            }
        },
    };
    errors.into_result(CaseInput {
        head_name,
        national_id,
        phone,
        address,
        region_code,
        household_size,
        vulnerabilities: vulns.join(","),
        consent_share,
        assigned_to,
    })
}

async fn is_caseworker(
    db: &impl ConnectionTrait,
    scope: &OrgScope,
    user_id: i64,
) -> AppResult<bool> {
    Ok(membership::Entity::find()
        .filter(membership::Column::OrgId.eq(scope.org_id()))
        .filter(membership::Column::UserId.eq(user_id))
        .filter(membership::Column::Role.is_in(["admin", "caseworker"]))
        .one(db)
        .await?
        .is_some())
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
    db: &DatabaseConnection,
    scope: &OrgScope,
    draft: &CaseDraft,
) -> AppResult<case::Model> {
    scope.require(Perm::WriteCases)?;
    let txn = crate::infra::db::begin_write(db).await?;
    let input = check(&txn, scope, draft).await?;
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
        status: Set("open".into()),
        assigned_to: Set(input.assigned_to),
        created_by: Set(scope.actor().user_id),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::record(&txn, scope, "case.create", "case", model.id, json!({})).await?;
    txn.commit().await?;
    Ok(model)
}

/// Changes a household's details. Withdrawing consent makes its shared needs private again.
pub async fn update(
    db: &DatabaseConnection,
    scope: &OrgScope,
    id: i64,
    draft: &CaseDraft,
) -> AppResult<case::Model> {
    scope.require(Perm::WriteCases)?;
    let txn = crate::infra::db::begin_write(db).await?;
    // Read and decide under the row lock: concurrent edits, and needs checking this household's consent, wait.
    let current = get_for_update(&txn, scope, id).await?;
    let input = check(&txn, scope, draft).await?;
    let now = Utc::now();
    let mut changed = Vec::new();
    macro_rules! diff {
        ($($field:ident),*) => {$( if current.$field != input.$field { changed.push(stringify!($field)); } )*};
    }
    diff!(
        head_name,
        national_id,
        phone,
        address,
        region_code,
        household_size,
        vulnerabilities,
        consent_share,
        assigned_to
    );
    let consent_at = match (current.consent_share, input.consent_share) {
        (false, true) => Some(now),
        (true, true) => current.consent_at,
        _ => None,
    };
    if current.consent_share && !input.consent_share {
        need::Entity::update_many()
            .col_expr(
                need::Column::Visibility,
                sea_orm::sea_query::Expr::value("private"),
            )
            .filter(need::Column::OrgId.eq(scope.org_id()))
            .filter(need::Column::CaseId.eq(id))
            .exec(&txn)
            .await?;
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
    let model = active.update(&txn).await?;
    audit::record(
        &txn,
        scope,
        "case.update",
        "case",
        id,
        json!({ "fields": changed }),
    )
    .await?;
    txn.commit().await?;
    Ok(model)
}

/// Reads a case of the scope's organisation without auditing (for internal checks); 404 for any other.
pub async fn get(db: &impl ConnectionTrait, scope: &OrgScope, id: i64) -> AppResult<case::Model> {
    case::Entity::find_by_id(id)
        .filter(case::Column::OrgId.eq(scope.org_id()))
        .one(db)
        .await?
        .ok_or(AppError::NotFound)
}

/// Reads a case of the scope's organisation and locks its row until the transaction ends (PostgreSQL).
pub async fn get_for_update(
    db: &impl ConnectionTrait,
    scope: &OrgScope,
    id: i64,
) -> AppResult<case::Model> {
    case::Entity::find_by_id(id)
        .filter(case::Column::OrgId.eq(scope.org_id()))
        .lock_exclusive()
        .one(db)
        .await?
        .ok_or(AppError::NotFound)
}

/// Reads a case for display, recording the view in the audit log.
pub async fn view(db: &DatabaseConnection, scope: &OrgScope, id: i64) -> AppResult<case::Model> {
    scope.require(Perm::Read)?;
    let model = get(db, scope, id).await?;
    audit::record(db, scope, "case.view", "case", id, json!({})).await?;
    Ok(model)
}

/// Closes or reopens a case.
pub async fn set_status(
    db: &DatabaseConnection,
    scope: &OrgScope,
    id: i64,
    status: &str,
) -> AppResult<case::Model> {
    scope.require(Perm::WriteCases)?;
    if !vocab::contains(vocab::CASE_STATUSES, status) {
        return Err(AppError::BadRequest("err-unknown-choice"));
    }
    let txn = crate::infra::db::begin_write(db).await?;
    let current = get_for_update(&txn, scope, id).await?;
    let mut active: case::ActiveModel = current.into();
    active.status = Set(status.to_owned());
    active.updated_at = Set(Utc::now());
    let model = active.update(&txn).await?;
    let action = if status == "closed" {
        "case.close"
    } else {
        "case.reopen"
    };
    audit::record(&txn, scope, action, "case", id, json!({})).await?;
    txn.commit().await?;
    Ok(model)
}

/// Filters of the case list; empty fields do not filter.
#[derive(Clone, Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CaseFilter {
    /// `open` or `closed`.
    #[serde(default)]
    pub status: String,
    /// A region code: cases in it or in any region below it.
    #[serde(default)]
    pub region: String,
    /// Words matched against name, id number, phone and address (Arabic-aware).
    #[serde(default)]
    pub q: String,
    /// Page number, from 1.
    #[serde(default)]
    pub page: Option<u64>,
    /// Cases per page (default 50, at most 500).
    #[serde(default)]
    pub per_page: Option<u64>,
}

/// A page of the scope's cases, newest first, and the total count. Listing shows personal data, so the cases
/// listed are recorded in the audit log as one `case.list` entry.
pub async fn list(
    db: &DatabaseConnection,
    scope: &OrgScope,
    filter: &CaseFilter,
) -> AppResult<(Vec<case::Model>, u64)> {
    scope.require(Perm::Read)?;
    let mut cond = Condition::all().add(case::Column::OrgId.eq(scope.org_id()));
    if !filter.status.trim().is_empty() {
        cond = cond.add(case::Column::Status.eq(filter.status.trim()));
    }
    if !filter.region.trim().is_empty() {
        cond = cond.add(
            case::Column::RegionCode
                .in_subquery(crate::domain::regions::within(db, filter.region.trim()).await?),
        );
    }
    for term in sanad_search::normalize(&filter.q)
        .split_whitespace()
        .take(8)
    {
        cond = cond.add(case::Column::SearchText.contains(term));
    }
    let query = case::Entity::find().filter(cond);
    let total = query.clone().count(db).await?;
    let page = filter.page.unwrap_or(1).clamp(1, 100_000);
    let per_page = filter.per_page.unwrap_or(PAGE_SIZE).clamp(1, 500);
    let rows = query
        .order_by_desc(case::Column::Id)
        .offset((page - 1) * per_page)
        .limit(per_page)
        .all(db)
        .await?;
    let ids: Vec<i64> = rows.iter().map(|c| c.id).collect();
    if !ids.is_empty() {
        audit::record_raw(
            db,
            Some(scope.org_id()),
            Some(scope.actor()),
            "case.list",
            "case",
            None,
            json!({ "cases": ids }),
        )
        .await?;
    }
    Ok((rows, total))
}

/// Adds a note to a case.
pub async fn add_note(
    db: &DatabaseConnection,
    scope: &OrgScope,
    id: i64,
    body: &str,
) -> AppResult<case_note::Model> {
    scope.require(Perm::WriteCases)?;
    let mut errors = FieldErrors::default();
    let body = validate::required_text(&mut errors, "body", body, 5000);
    errors.into_result(())?;
    let txn = crate::infra::db::begin_write(db).await?;
    get_for_update(&txn, scope, id).await?;
    let note = case_note::ActiveModel {
        org_id: Set(scope.org_id()),
        case_id: Set(id),
        author_id: Set(scope.actor().user_id),
        body: Set(body),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        scope,
        "case.note",
        "case",
        id,
        json!({ "note": note.id }),
    )
    .await?;
    txn.commit().await?;
    Ok(note)
}

/// The notes of a case, oldest first.
pub async fn notes(
    db: &DatabaseConnection,
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
    db: &DatabaseConnection,
    scope: &OrgScope,
    id: i64,
) -> AppResult<Vec<case_note::Model>> {
    view(db, scope, id).await?;
    notes(db, scope, id).await
}

/// How many of the scope's cases are open.
pub async fn count_open(db: &DatabaseConnection, scope: &OrgScope) -> AppResult<u64> {
    Ok(case::Entity::find()
        .filter(case::Column::OrgId.eq(scope.org_id()))
        .filter(case::Column::Status.eq("open"))
        .count(db)
        .await?)
}
