//! Needs: what a household (or the community an organisation serves) lacks. The status follows the quantity met,
//! unless the need is cancelled.

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait,
    DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde::Deserialize;
use serde_json::json;

use crate::{
    domain::audit,
    domain::cases,
    domain::error::{AppError, AppResult, FieldErrors},
    domain::tenancy::{OrgScope, Perm},
    domain::validate,
    domain::vocab,
    infra::entities::need,
};

/// How many needs a list page shows.
pub const PAGE_SIZE: u64 = 50;

/// The largest quantity a need may ask for: anything above is a typing mistake.
pub const MAX_QUANTITY: i64 = 10_000_000;

/// A need as typed or sent, before checking (numbers as text, see [`crate::domain::cases::CaseDraft`]).
#[derive(Clone, Debug, Default, Deserialize)]
pub struct NeedDraft {
    /// The household this need belongs to; empty for a community need.
    #[serde(default)]
    pub case_id: String,
    /// Humanitarian sector.
    #[serde(default)]
    pub sector: String,
    /// What is needed.
    #[serde(default)]
    pub item: String,
    /// How much.
    #[serde(default)]
    pub quantity: String,
    /// Unit of the quantity.
    #[serde(default)]
    pub unit: String,
    /// How much has been provided so far.
    #[serde(default)]
    pub quantity_met: String,
    /// How urgent.
    #[serde(default)]
    pub urgency: String,
    /// Where; defaults to the household's region.
    #[serde(default)]
    pub region_code: String,
    /// Needed by (YYYY-MM-DD).
    #[serde(default)]
    pub needed_by: String,
    /// A public description with no personal detail.
    #[serde(default)]
    pub public_summary: String,
    /// private, network or public.
    #[serde(default)]
    pub visibility: String,
    /// `on` to cancel the need.
    #[serde(default)]
    pub cancelled: Option<String>,
}

/// The status a need has for its quantities.
pub fn status_for(quantity: i64, met: i64, cancelled: bool) -> &'static str {
    if cancelled {
        "cancelled"
    } else if met >= quantity {
        "met"
    } else if met > 0 {
        "partly-met"
    } else {
        "open"
    }
}

#[derive(Clone, Debug)]
struct NeedInput {
    case_id: Option<i64>,
    sector: String,
    item: String,
    quantity: i64,
    unit: String,
    quantity_met: i64,
    urgency: String,
    region_code: String,
    needed_by: Option<chrono::NaiveDate>,
    public_summary: String,
    visibility: String,
    cancelled: bool,
}

async fn check(
    db: &impl ConnectionTrait,
    scope: &OrgScope,
    draft: &NeedDraft,
    current: Option<&need::Model>,
) -> AppResult<NeedInput> {
    let mut errors = FieldErrors::default();
    let case = match sanad_search::fold_digits(draft.case_id.trim()).as_str() {
        "" => None,
        raw => match raw.parse::<i64>() {
            Ok(id) => match cases::get_for_update(db, scope, id).await {
                Ok(case) => Some(case),
                Err(AppError::NotFound) => {
                    errors.add("case_id", "err-unknown-case");
                    None
                }
                Err(e) => return Err(e),
            },
            Err(_) => {
                errors.add("case_id", "err-unknown-case");
                None
            }
        },
    };
    let sector = validate::choice(&mut errors, "sector", &draft.sector, vocab::SECTORS);
    let item = validate::required_text(&mut errors, "item", &draft.item, 200);
    let quantity = validate::integer(&mut errors, "quantity", &draft.quantity, 1, MAX_QUANTITY);
    let unit = validate::required_text(&mut errors, "unit", &draft.unit, 32);
    // Left empty, the quantity met stays what it is (0 for a new need): distributions move it.
    let quantity_met = if draft.quantity_met.trim().is_empty() {
        current.map_or(0, |c| c.quantity_met)
    } else {
        validate::integer(
            &mut errors,
            "quantity_met",
            &draft.quantity_met,
            0,
            MAX_QUANTITY,
        )
    };
    if errors.get("quantity").is_none() && quantity_met > quantity {
        errors.add("quantity_met", "err-met-above-quantity");
    }
    if let Some(current) = current
        && errors.get("quantity_met").is_none()
        && quantity_met < crate::domain::stock::distributed_for_need(db, current.id).await?
    {
        // What was handed out stays counted: undo a distribution by reversing it.
        errors.add("quantity_met", "err-met-below-distributed");
    }
    let urgency = validate::choice(&mut errors, "urgency", &draft.urgency, vocab::URGENCIES);
    let mut region_code = draft.region_code.trim().to_owned();
    if region_code.is_empty()
        && let Some(case) = &case
    {
        region_code = case.region_code.clone();
    }
    if region_code.is_empty() {
        errors.add("region_code", "err-required");
    } else if !crate::domain::regions::exists(db, &region_code).await? {
        errors.add("region_code", "err-unknown-region");
    }
    let needed_by = validate::optional_date(&mut errors, "needed_by", Some(&draft.needed_by));
    let public_summary = validate::optional_text(
        &mut errors,
        "public_summary",
        Some(&draft.public_summary),
        500,
    )
    .unwrap_or_default();
    let visibility = if draft.visibility.trim().is_empty() {
        "private".to_owned()
    } else {
        validate::choice(
            &mut errors,
            "visibility",
            &draft.visibility,
            vocab::VISIBILITIES,
        )
    };
    if let Some(case) = &case {
        if visibility != "private" && !case.consent_share {
            errors.add("visibility", "err-no-consent");
        }
        // The summary may travel to other charities: it must not carry the household's identity.
        let summary = sanad_search::normalize(&public_summary);
        let identifying = [
            Some(case.head_name.as_str()),
            case.phone.as_deref(),
            case.national_id.as_deref(),
        ];
        if identifying.into_iter().flatten().any(|v| {
            let v = sanad_search::normalize(v);
            v.chars().count() >= 4 && summary.contains(&v)
        }) {
            errors.add("public_summary", "err-summary-identifies");
        }
    }
    let cancelled = matches!(
        draft.cancelled.as_deref().map(str::trim),
        Some("on" | "true" | "1" | "yes")
    );
    errors.into_result(NeedInput {
        case_id: case.map(|c| c.id),
        sector,
        item,
        quantity,
        unit,
        quantity_met,
        urgency,
        region_code,
        needed_by,
        public_summary,
        visibility,
        cancelled,
    })
}

fn apply(active: &mut need::ActiveModel, input: NeedInput) {
    active.status = Set(status_for(input.quantity, input.quantity_met, input.cancelled).to_owned());
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

/// Records a need.
pub async fn create(
    db: &DatabaseConnection,
    scope: &OrgScope,
    draft: &NeedDraft,
) -> AppResult<need::Model> {
    scope.require(Perm::WriteNeeds)?;
    let txn = crate::infra::db::begin_write(db).await?;
    let input = check(&txn, scope, draft, None).await?;
    let now = Utc::now();
    let mut active = need::ActiveModel {
        org_id: Set(scope.org_id()),
        created_by: Set(scope.actor().user_id),
        created_at: Set(now),
        ..Default::default()
    };
    apply(&mut active, input);
    let model = active.insert(&txn).await?;
    audit::record(
        &txn,
        scope,
        "need.create",
        "need",
        model.id,
        json!({ "case": model.case_id }),
    )
    .await?;
    txn.commit().await?;
    Ok(model)
}

/// Changes a need; the status follows the new quantities.
pub async fn update(
    db: &DatabaseConnection,
    scope: &OrgScope,
    id: i64,
    draft: &NeedDraft,
) -> AppResult<need::Model> {
    scope.require(Perm::WriteNeeds)?;
    let txn = crate::infra::db::begin_write(db).await?;
    let current = need::Entity::find_by_id(id)
        .filter(need::Column::OrgId.eq(scope.org_id()))
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    let input = check(&txn, scope, draft, Some(&current)).await?;
    let mut active: need::ActiveModel = current.into();
    apply(&mut active, input);
    let model = active.update(&txn).await?;
    audit::record(
        &txn,
        scope,
        "need.update",
        "need",
        id,
        json!({ "status": model.status }),
    )
    .await?;
    txn.commit().await?;
    Ok(model)
}

/// Reads a need of the scope's organisation; 404 for any other.
pub async fn get(db: &impl ConnectionTrait, scope: &OrgScope, id: i64) -> AppResult<need::Model> {
    scope.require(Perm::Read)?;
    need::Entity::find_by_id(id)
        .filter(need::Column::OrgId.eq(scope.org_id()))
        .one(db)
        .await?
        .ok_or(AppError::NotFound)
}

/// Filters of the need list; empty fields do not filter.
#[derive(Clone, Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct NeedFilter {
    /// open, partly-met, met or cancelled; `active` means open or partly met.
    #[serde(default)]
    pub status: String,
    /// A sector.
    #[serde(default)]
    pub sector: String,
    /// An urgency.
    #[serde(default)]
    pub urgency: String,
    /// A region code: needs in it or below it.
    #[serde(default)]
    pub region: String,
    /// Only the needs of this case.
    #[serde(default)]
    pub case_id: Option<i64>,
    /// Page number, from 1.
    #[serde(default)]
    pub page: Option<u64>,
}

/// A page of the scope's needs, most urgent and newest first, and the total count.
pub async fn list(
    db: &DatabaseConnection,
    scope: &OrgScope,
    filter: &NeedFilter,
) -> AppResult<(Vec<need::Model>, u64)> {
    scope.require(Perm::Read)?;
    let mut cond = Condition::all().add(need::Column::OrgId.eq(scope.org_id()));
    match filter.status.trim() {
        "" => {}
        "active" => cond = cond.add(need::Column::Status.is_in(["open", "partly-met"])),
        s => cond = cond.add(need::Column::Status.eq(s)),
    }
    if !filter.sector.trim().is_empty() {
        cond = cond.add(need::Column::Sector.eq(filter.sector.trim()));
    }
    if !filter.urgency.trim().is_empty() {
        cond = cond.add(need::Column::Urgency.eq(filter.urgency.trim()));
    }
    if !filter.region.trim().is_empty() {
        cond = cond.add(
            need::Column::RegionCode
                .in_subquery(crate::domain::regions::within(db, filter.region.trim()).await?),
        );
    }
    if let Some(case_id) = filter.case_id {
        cond = cond.add(need::Column::CaseId.eq(case_id));
    }
    let query = need::Entity::find().filter(cond);
    let total = query.clone().count(db).await?;
    let page = filter.page.unwrap_or(1).clamp(1, 100_000);
    let rows = query
        .order_by_desc(need::Column::Id)
        .offset((page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE)
        .all(db)
        .await?;
    Ok((rows, total))
}

/// Open and partly met needs of the scope, counted by sector and urgency.
pub async fn active_by_sector_and_urgency(
    db: &DatabaseConnection,
    scope: &OrgScope,
) -> AppResult<Vec<(String, String, i64)>> {
    scope.require(Perm::Read)?;
    Ok(need::Entity::find()
        .select_only()
        .column(need::Column::Sector)
        .column(need::Column::Urgency)
        .column_as(need::Column::Id.count(), "n")
        .filter(need::Column::OrgId.eq(scope.org_id()))
        .filter(need::Column::Status.is_in(["open", "partly-met"]))
        .group_by(need::Column::Sector)
        .group_by(need::Column::Urgency)
        .into_tuple()
        .all(db)
        .await?)
}

#[cfg(test)]
mod tests {
    #[test]
    fn status_follows_quantity_met_unless_cancelled() {
        let cases = [
            ((10, 0, false), "open"),
            ((10, 3, false), "partly-met"),
            ((10, 10, false), "met"),
            ((10, 12, false), "met"),
            ((10, 3, true), "cancelled"),
        ];
        for ((q, m, c), expected) in cases {
            assert_eq!(super::status_for(q, m, c), expected, "{q} {m} {c}");
        }
    }
}
