//! Donors' pledges: a short public form on a need's page (goods in the need's unit, or an amount of money; a name and a
//! contact, with consent to be contacted). A pledge is kept only on the node of the need's organisation: it is never
//! federated, never indexed, and its donor's details never leave the staff pages. Staff accept or decline it with a
//! message, and record its arrival as a stock receipt linked to it, which can then meet the need through a
//! distribution. The public form is guarded by a CSRF token, a hidden field bots fill in, and a rate limit per client
//! address and per need.

use std::num::NonZeroU32;

use chrono::{NaiveDate, Utc};
use governor::{
    DefaultKeyedRateLimiter, Quota, RateLimiter,
    clock::{Clock, DefaultClock},
};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, sea_query::Expr,
};
use serde_json::json;

use super::{
    audit,
    error::{AppError, AppResult, FieldErrors, Input},
    network::Network,
    notifications,
    stock::{self, MAX_QUANTITY},
    tenancy::{OrgScope, Perm},
    validate,
};
use crate::infra::{
    entities::{need, organisation, pledge},
    events::Event,
    uow::UnitOfWork,
};
use crate::vocab::{MovementKind, NeedStatus, PledgeKind, PledgeStatus, SourceKind, Visibility};

/// A pledge as the public form gives it.
#[derive(Clone, Debug, Default)]
pub struct PledgeFields {
    /// Goods or money.
    pub kind: Option<PledgeKind>,
    /// Goods: how much, in the need's unit.
    pub quantity: Option<i64>,
    /// Money: how much.
    pub amount: Option<i64>,
    /// Money: the currency (e.g. `USD`, `دينار`).
    pub currency: String,
    /// The donor's name.
    pub donor_name: String,
    /// A telephone number or an e-mail address.
    pub donor_contact: String,
    /// The donor agrees to be contacted about the pledge.
    pub consent: bool,
    /// Anything the donor adds.
    pub note: String,
}

/// Where a pledge that arrived is booked.
#[derive(Clone, Debug, Default)]
pub struct ReceiptFields {
    /// The catalogue item.
    pub item_id: Option<i64>,
    /// The warehouse.
    pub warehouse_id: Option<i64>,
    /// How much arrived (the pledged quantity or amount when not given).
    pub quantity: Option<i64>,
    /// The expiry date of what arrived (required for an item that expires).
    pub expiry: Option<NaiveDate>,
}

/// The public form's flood guard: pledges per hour per client address, and ten times that per need.
#[derive(Debug)]
pub struct PledgeLimiter {
    per_address: DefaultKeyedRateLimiter<String>,
    per_need: DefaultKeyedRateLimiter<String>,
}

impl PledgeLimiter {
    /// Allows `per_hour` pledges an hour from one address (in a burst of as many), `10 × per_hour` to one need.
    pub fn new(per_hour: u32) -> anyhow::Result<Self> {
        let n = NonZeroU32::new(per_hour)
            .ok_or_else(|| anyhow::anyhow!("pledges.per_address_per_hour must be at least 1"))?;
        let need = n.saturating_mul(NonZeroU32::new(10).unwrap_or(NonZeroU32::MIN));
        Ok(Self {
            per_address: RateLimiter::keyed(Quota::per_hour(n)),
            per_need: RateLimiter::keyed(Quota::per_hour(need)),
        })
    }

    /// Counts a submission; `Err(RateLimited)` with the seconds to wait when over either quota.
    pub fn check(&self, client: &str, need: &str) -> AppResult<()> {
        for limiter in [&self.per_address, &self.per_need] {
            if limiter.len() > 50_000 {
                limiter.retain_recent();
            }
        }
        let refused = |wait: governor::NotUntil<<DefaultClock as Clock>::Instant>| {
            let seconds = wait.wait_time_from(DefaultClock::default().now()).as_secs();
            AppError::RateLimited(seconds.max(1))
        };
        self.per_address.check_key(&client.chars().take(64).collect()).map_err(refused)?;
        self.per_need.check_key(&need.chars().take(64).collect()).map_err(refused)?;
        Ok(())
    }
}

/// A need donors may pledge to: public, still open, of an organisation of this node; by its object id.
pub async fn pledgeable(db: &impl ConnectionTrait, object: &str) -> AppResult<need::Model> {
    let need = need::Entity::find()
        .filter(need::Column::ApId.eq(object))
        .one(db)
        .await?
        .filter(|n| n.visibility == Visibility::Public && n.federated_at.is_some())
        .ok_or(AppError::NotFound)?;
    if matches!(need.status, NeedStatus::Met | NeedStatus::Cancelled) {
        return Err(AppError::Conflict("err-pledge-need-closed"));
    }
    Ok(need)
}

/// What is still missing of a need: neither met nor committed by an organisation.
pub fn missing(n: &need::Model) -> i64 {
    (n.quantity - n.quantity_met - n.quantity_committed).max(0)
}

/// Records a donor's pledge to the public need `object` and tells the organisation's staff.
pub async fn create(
    uow: &mut UnitOfWork,
    net: &Network,
    object: &str,
    input: Input<PledgeFields>,
) -> AppResult<pledge::Model> {
    let need = pledgeable(uow.db(), object).await?;
    let Input { value: f, mut errors } = input;
    let kind = validate::required(&mut errors, "kind", f.kind);
    let (mut quantity, mut amount, mut currency) = (None, None, String::new());
    match kind {
        Some(PledgeKind::Goods) => {
            let most = missing(&need).max(1);
            quantity = Some(validate::range(&mut errors, "quantity", f.quantity, 1, most));
        }
        Some(PledgeKind::Money) => {
            amount = Some(validate::range(&mut errors, "amount", f.amount, 1, MAX_QUANTITY));
            currency = validate::required_text(&mut errors, "currency", &f.currency, 8);
        }
        None => {}
    }
    let donor_name = validate::required_text(&mut errors, "donor_name", &f.donor_name, 200);
    let donor_contact =
        validate::required_text(&mut errors, "donor_contact", &f.donor_contact, 200);
    if !f.consent {
        errors.add("consent", "err-consent-required");
    }
    let note =
        validate::optional_text(&mut errors, "note", Some(&f.note), 1000).unwrap_or_default();
    errors.into_result(())?;
    let Some(kind) = kind else { return Err(AppError::BadRequest("err-required")) };
    let now = Utc::now();
    let p = pledge::ActiveModel {
        org_id: Set(need.org_id),
        need_id: Set(need.id),
        kind: Set(kind),
        quantity: Set(quantity),
        amount: Set(amount),
        currency: Set(currency),
        donor_name: Set(donor_name),
        donor_contact: Set(donor_contact),
        consent_contact: Set(true),
        note: Set(note),
        status: Set(PledgeStatus::Proposed),
        answer: Set(String::new()),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(uow.db())
    .await?;
    uow.emit(Event::Pledge(p.id));
    // The audit names the pledge, never the donor.
    audit::record_raw(
        uow,
        Some(need.org_id),
        None,
        "pledge.create",
        "pledge",
        Some(p.id),
        json!({"need": need.id}),
    );
    if let Some(org) = organisation::Entity::find_by_id(need.org_id).one(uow.db()).await? {
        let (ar, en) = (
            format!("تعهّد جديد من متبرّع لاحتياج «{}»", need.item),
            format!("A donor pledged to the need \"{}\"", need.item),
        );
        let path = format!("/o/{}/pledges", org.slug);
        notifications::tell(uow, net.mail, net.urls.base(), org.id, &ar, &en, &path).await?;
    }
    Ok(p)
}

/// The organisation's pledges, newest first, optionally of one status, with their needs.
pub async fn list(
    db: &impl ConnectionTrait,
    scope: &OrgScope,
    status: Option<PledgeStatus>,
) -> AppResult<Vec<(pledge::Model, Option<need::Model>)>> {
    scope.require(Perm::Read)?;
    let mut q = pledge::Entity::find()
        .filter(pledge::Column::OrgId.eq(scope.org_id()))
        .find_also_related(need::Entity)
        .order_by_desc(pledge::Column::Id);
    if let Some(s) = status {
        q = q.filter(pledge::Column::Status.eq(s));
    }
    Ok(q.all(db).await?)
}

/// One pledge of the organisation.
pub async fn get(db: &impl ConnectionTrait, scope: &OrgScope, id: i64) -> AppResult<pledge::Model> {
    scope.require(Perm::Read)?;
    pledge::Entity::find_by_id(id)
        .filter(pledge::Column::OrgId.eq(scope.org_id()))
        .one(db)
        .await?
        .ok_or(AppError::NotFound)
}

/// Accepts or declines a pledge still waiting, with a message for the donor (kept with it).
pub async fn answer(
    uow: &mut UnitOfWork,
    net: &Network,
    scope: &OrgScope,
    id: i64,
    accept: bool,
    message: &str,
) -> AppResult<pledge::Model> {
    scope.require(Perm::WriteNeeds)?;
    let p = get(uow.db(), scope, id).await?;
    let mut errors = FieldErrors::default();
    let message =
        validate::optional_text(&mut errors, "message", Some(message), 1000).unwrap_or_default();
    errors.into_result(())?;
    // Compare and set: of two concurrent answers, one is refused (and rolled back).
    let status = if accept { PledgeStatus::Accepted } else { PledgeStatus::Declined };
    let done = pledge::Entity::update_many()
        .col_expr(pledge::Column::Status, Expr::value(status))
        .filter(pledge::Column::Id.eq(p.id))
        .filter(pledge::Column::Status.eq(PledgeStatus::Proposed))
        .exec(uow.db())
        .await?;
    if done.rows_affected != 1 {
        return Err(AppError::Conflict("err-pledge-already-answered"));
    }
    let mut active: pledge::ActiveModel = p.into();
    active.status = Set(if accept { PledgeStatus::Accepted } else { PledgeStatus::Declined });
    active.answer = Set(message);
    active.updated_at = Set(Utc::now());
    let p = active.update(uow.db()).await?;
    uow.emit(Event::Pledge(p.id));
    tell_donor(uow, net, scope, &p, accept).await?;
    let action = if accept { "pledge.accept" } else { "pledge.decline" };
    audit::record(uow, scope, action, "pledge", Some(p.id), json!({}));
    Ok(p)
}

/// Sends the organisation's answer to the donor, when the node sends e-mail and the donor left an e-mail address
/// (they agreed to be contacted). The message names the organisation and the need's item, nothing of the household.
async fn tell_donor(
    uow: &mut UnitOfWork,
    net: &Network,
    scope: &OrgScope,
    p: &pledge::Model,
    accept: bool,
) -> AppResult<()> {
    let mut errors = FieldErrors::default();
    let address = validate::email(&mut errors, "donor_contact", &p.donor_contact);
    if !net.mail || !p.consent_contact || !errors.is_empty() {
        return Ok(());
    }
    let item = need::Entity::find_by_id(p.need_id)
        .one(uow.db())
        .await?
        .map(|n| n.item)
        .unwrap_or_default();
    let org = scope.org();
    let (ar, en) = if accept {
        ("قبلت الجمعية تعهّدك", "accepted your pledge")
    } else {
        ("اعتذرت الجمعية عن تعهّدك", "declined your pledge")
    };
    let subject = format!("{} {en}", org.name_en);
    let body = format!(
        "{} — {ar}: «{item}»\n{}\n\n{} {en}: \"{item}\"\n{}\n",
        org.name_ar, p.answer, org.name_en, p.answer
    );
    crate::infra::mail::queue(uow, Some(org.id), &address, &subject, &body).await?;
    Ok(())
}

/// Records the arrival of an accepted pledge: a stock receipt from the donor, linked to the pledge.
pub async fn receive(
    uow: &mut UnitOfWork,
    scope: &OrgScope,
    id: i64,
    input: Input<ReceiptFields>,
) -> AppResult<pledge::Model> {
    scope.require(Perm::ManageStock)?;
    let p = get(uow.db(), scope, id).await?;
    if p.status != PledgeStatus::Accepted {
        return Err(AppError::Conflict(match p.status {
            PledgeStatus::Received => "err-pledge-already-received",
            _ => "err-pledge-not-accepted",
        }));
    }
    let Input { value: f, mut errors } = input;
    // Money goes to a cash item of its currency, goods to an item that is not cash.
    if let Some(id) = f.item_id
        && let Ok(item) = stock::get_item(uow.db(), scope, id).await
    {
        let fits = match p.kind {
            PledgeKind::Money => {
                item.currency.as_deref().is_some_and(|c| c.eq_ignore_ascii_case(p.currency.trim()))
            }
            PledgeKind::Goods => item.currency.is_none(),
        };
        if !fits {
            errors.add("item_id", "err-pledge-item-kind");
        }
    }
    // Compare and set: of two concurrent receipts of one pledge, one is refused (and rolled back).
    let done = pledge::Entity::update_many()
        .col_expr(pledge::Column::Status, Expr::value(PledgeStatus::Received))
        .filter(pledge::Column::Id.eq(p.id))
        .filter(pledge::Column::Status.eq(PledgeStatus::Accepted))
        .exec(uow.db())
        .await?;
    if done.rows_affected != 1 {
        return Err(AppError::Conflict("err-pledge-already-received"));
    }
    let moved = stock::record(
        uow,
        scope,
        Input {
            value: stock::MovementFields {
                kind: Some(MovementKind::Receipt),
                item_id: f.item_id,
                warehouse_id: f.warehouse_id,
                quantity: f.quantity.or(p.quantity).or(p.amount),
                expiry: f.expiry,
                source_kind: Some(SourceKind::Donor),
                // The donor's name stays on the pledge (which staff can see), not in the ledger.
                counterparty: format!("pledge #{}", p.id),
                note: format!("pledge #{}", p.id),
                ..Default::default()
            },
            errors,
        },
    )
    .await?;
    let mut active: pledge::ActiveModel = p.into();
    active.status = Set(PledgeStatus::Received);
    active.receipt_movement_id = Set(moved.first().map(|m| m.id));
    active.updated_at = Set(Utc::now());
    let p = active.update(uow.db()).await?;
    uow.emit(Event::Pledge(p.id));
    audit::record(uow, scope, "pledge.receive", "pledge", Some(p.id), json!({}));
    Ok(p)
}
