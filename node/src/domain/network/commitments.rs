//! Commitments between organisations of different nodes (FEP-0837 agreements), on both sides.
//!
//! The proposer answers a listing of another organisation: it commits part of its stock to a need, or asks for part
//! of an offer (`Offer{Agreement}` to the owner). The owner accepts (`Accept` with the finalised agreement) or rejects
//! with a reason. The provider (the proposer of a need, the owner of an offer) keeps the quantity reserved in its
//! stock from the moment it committed it (or, for an offer, accepted) until it records the transfer out; the owner of
//! a need counts it as committed, so that `quantity_met + quantity_committed <= quantity` always holds: checked with the
//! need's row locked, so two acceptances at once can never over-commit it. The receiver confirms the transfer in,
//! which meets the need. An accepted commitment not sent by its due date expires and frees its quantity on both sides.
//!
//! Every change is one unit of work: the commitment's row, its history (`commitment_events`), the stock movement,
//! the need's quantities, and the activity to the other side are written together or not at all.

use chrono::{Duration, NaiveDate, Utc};
use sanad_federation::agreement::{self, Progress, Terms};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, sea_query::Expr, sea_query::ExprTrait,
};
use serde_json::{Value, json};
use url::Url;

use super::{Network, actors, peers, publish};
use crate::domain::{
    audit,
    error::{AppError, AppResult, FieldErrors, Input},
    fulfilment, notifications,
    stock::{self as ledger, MAX_QUANTITY},
    tenancy::{OrgScope, Perm},
    validate,
};
use crate::infra::{
    entities::{
        commitment, commitment_event, follow, need, offer, organisation, remote_actor,
        remote_object,
    },
    events::Event,
    uow::{LockKind, UnitOfWork},
};
use crate::vocab::{
    CommitmentRole, CommitmentStatus, FollowDirection, FollowState, MovementKind, NeedStatus,
    OfferStatus,
};

/// A need (the provider is the proposer).
pub const NEED: &str = "need";
/// An offer (the provider is the owner).
pub const OFFER: &str = "offer";

/// How long a commitment runs when the proposer gives no date.
const DEFAULT_DAYS: i64 = 14;
/// The longest a commitment may run.
const MAX_DAYS: i64 = 366;

/// Whether this side provides the goods (and so reserves and sends them).
pub fn provides(c: &commitment::Model) -> bool {
    c.provides()
}

/// The statuses in which a commitment still holds its quantity (reserved, committed).
pub const LIVE: [CommitmentStatus; 2] = CommitmentStatus::HOLDING;

/// A commitment to make, as read at the edge.
#[derive(Clone, Debug, Default)]
pub struct CommitFields {
    /// The received listing: its object id (URL).
    pub listing: String,
    /// How much.
    pub quantity: Option<i64>,
    /// For a need: the item given from stock.
    pub item_id: Option<i64>,
    /// For a need: the warehouse it leaves from.
    pub warehouse_id: Option<i64>,
    /// By when it will be delivered (in two weeks when not given).
    pub due: Option<NaiveDate>,
}

/// Where goods received arrive, as read at the edge.
#[derive(Clone, Debug, Default)]
pub struct ReceiveFields {
    /// The catalogue item they are booked as.
    pub item_id: Option<i64>,
    /// The warehouse they enter.
    pub warehouse_id: Option<i64>,
    /// Their expiry date (required for an item that expires).
    pub expiry: Option<NaiveDate>,
}

fn event(c: &commitment::Model, kind: &str, by: &str, note: &str) -> commitment_event::ActiveModel {
    commitment_event::ActiveModel {
        commitment_id: Set(c.id),
        at: Set(Utc::now()),
        kind: Set(kind.to_owned()),
        by_name: Set(by.chars().take(300).collect()),
        quantity: Set(c.quantity),
        note: Set(note.chars().take(2000).collect()),
        ..Default::default()
    }
}

async fn history(
    uow: &mut UnitOfWork,
    c: &commitment::Model,
    kind: &str,
    by: &str,
    note: &str,
) -> AppResult<()> {
    event(c, kind, by, note).insert(uow.db()).await?;
    uow.emit(Event::Commitment(c.id));
    Ok(())
}

/// A step staff of the scope's organisation took: its history entry and its audit entry (`commitment.<action>`).
async fn staff_step(
    uow: &mut UnitOfWork,
    scope: &OrgScope,
    c: &commitment::Model,
    kind: &str,
    action: &str,
    note: &str,
) -> AppResult<()> {
    history(uow, c, kind, &org_name(scope.org()), note).await?;
    audit::record(uow, scope, &format!("commitment.{action}"), "commitment", Some(c.id), json!({}));
    Ok(())
}

fn org_name(org: &organisation::Model) -> String {
    if org.name_en.is_empty() { org.name_ar.clone() } else { org.name_en.clone() }
}

/// Whether a remote actor follows a local organisation (accepted): only its followers receive its listings, so only
/// they may answer them.
async fn connected(db: &impl ConnectionTrait, org_id: i64, actor_id: i64) -> AppResult<bool> {
    Ok(follow::Entity::find()
        .filter(follow::Column::OrgId.eq(org_id))
        .filter(follow::Column::RemoteActorId.eq(actor_id))
        .filter(follow::Column::Direction.eq(FollowDirection::Follower))
        .filter(follow::Column::State.eq(FollowState::Accepted))
        .one(db)
        .await?
        .is_some())
}

/// Whether the organisation follows the actor (accepted): only then does it receive its listings.
async fn following(db: &impl ConnectionTrait, org_id: i64, actor_id: i64) -> AppResult<bool> {
    Ok(follow::Entity::find()
        .filter(follow::Column::OrgId.eq(org_id))
        .filter(follow::Column::RemoteActorId.eq(actor_id))
        .filter(follow::Column::Direction.eq(FollowDirection::Following))
        .filter(follow::Column::State.eq(FollowState::Accepted))
        .one(db)
        .await?
        .is_some())
}

fn due_date(errors: &mut FieldErrors, due: Option<NaiveDate>) -> NaiveDate {
    let today = Utc::now().date_naive();
    match due {
        None => today + Duration::days(DEFAULT_DAYS),
        Some(d) if d < today => {
            errors.add("due", "err-date-past");
            today
        }
        Some(d) if d > today + Duration::days(MAX_DAYS) => {
            errors.add("due", "err-due-too-far");
            today
        }
        Some(d) => d,
    }
}

/// The staff page of a commitment.
fn page(org: &organisation::Model, c: &commitment::Model) -> String {
    format!("/o/{}/commitments/{}", org.slug, c.id)
}

/// Tells the commitment's organisation (by e-mail, when the node sends any) that `what` happened, with whom.
async fn tell_org(
    uow: &mut UnitOfWork,
    net: &Network,
    c: &commitment::Model,
    what_ar: &str,
    what_en: &str,
    with: &str,
) -> AppResult<()> {
    let Some(org) = organisation::Entity::find_by_id(c.org_id).one(uow.db()).await? else {
        return Ok(());
    };
    let ar = format!("{what_ar} ({with}): {} {} من «{}»", c.quantity, c.unit, c.item);
    let en = format!("{what_en} ({with}): {} {} of \"{}\"", c.quantity, c.unit, c.item);
    notifications::tell(uow, net.mail, net.urls.base(), org.id, &ar, &en, &page(&org, c)).await
}

fn url(raw: &str) -> AppResult<Url> {
    Url::parse(raw).map_err(|e| AppError::internal(format!("a stored id is not a URL: {e}")))
}

/// Sends an activity of `org` to the remote actor of a commitment.
async fn tell(
    uow: &mut UnitOfWork,
    net: &Network,
    org: &organisation::Model,
    actor: &remote_actor::Model,
    kind: &str,
    object: Value,
    extra: Option<(&str, Value)>,
) -> AppResult<Url> {
    publish::enqueue_with(
        uow,
        net,
        org,
        kind,
        object,
        extra,
        publish::Addressed::Actor(actor.ap_id.clone()),
        vec![actors::delivery_inbox(actor)],
    )
    .await
}

/// Commits part of the organisation's stock to a need of another organisation, or asks for part of its offer.
pub async fn propose(
    uow: &mut UnitOfWork,
    net: &Network,
    scope: &OrgScope,
    input: Input<CommitFields>,
) -> AppResult<commitment::Model> {
    scope.require(Perm::ManageStock)?;
    let Input { value: f, mut errors } = input;
    let wanted = f.listing.trim();
    let listing = match wanted {
        "" => {
            errors.add("listing", "err-required");
            None
        }
        id => {
            remote_object::Entity::find()
                .filter(remote_object::Column::ApId.eq(id))
                .filter(remote_object::Column::Kind.is_in([NEED, OFFER]))
                .one(uow.db())
                .await?
        }
    };
    let Some(listing) = listing.filter(|l| l.deleted_at.is_none()) else {
        if !wanted.is_empty() {
            errors.add("listing", "err-commit-listing-gone");
        }
        return Err(AppError::Validation(errors));
    };
    let actor = remote_actor::Entity::find_by_id(listing.remote_actor_id)
        .one(uow.db())
        .await?
        .ok_or(AppError::NotFound)?;
    if peers::refused(uow.db(), &net.settings, &actor.host).await? {
        return Err(AppError::Conflict("err-commit-peer-blocked"));
    }
    // Only an organisation that receives the listing (it follows its owner) answers it.
    // As the Network page lists it: addressed to one organisation, only that one; else its owner's followers.
    let receives = match listing.addressed_org_id {
        Some(org) => org == scope.org_id(),
        None => following(uow.db(), scope.org_id(), actor.id).await?,
    };
    if !receives {
        return Err(AppError::Conflict("err-commit-not-following"));
    }
    if !matches!(listing.status.as_str(), "open" | "partly-met" | "active") {
        return Err(AppError::Conflict("err-commit-listing-closed"));
    }
    let kind = listing.kind.clone();
    let quantity = validate::range(&mut errors, "quantity", f.quantity, 1, MAX_QUANTITY);
    if errors.get("quantity").is_none() && quantity > listing.quantity_available {
        errors.add("quantity", "err-commit-exceeds-remaining");
    }
    let due = due_date(&mut errors, f.due);
    let (mut item_id, mut warehouse_id) = (None, None);
    if kind == NEED {
        let item = ledger::item_ref(uow.db(), scope, &mut errors, "item_id", f.item_id).await?;
        let warehouse =
            ledger::warehouse_ref(uow.db(), scope, &mut errors, "warehouse_id", f.warehouse_id)
                .await?;
        if item.as_ref().is_some_and(|i| !i.unit.trim().eq_ignore_ascii_case(listing.unit.trim())) {
            errors.add("item_id", "err-commit-unit");
        }
        if let (Some(item), Some(warehouse)) = (&item, &warehouse) {
            uow.lock(LockKind::Item, &[item.id]).await?;
            let (on_hand, reserved) =
                ledger::free_quantity(uow.db(), item.id, warehouse.id).await?;
            if errors.get("quantity").is_none() && on_hand - reserved < quantity {
                errors.add("quantity", "err-stock-reserved");
            }
        }
        item_id = item.map(|i| i.id);
        warehouse_id = warehouse.map(|w| w.id);
    }
    errors.into_result(())?;
    let org = scope.org().clone();
    let terms = Terms {
        satisfies: agreement::primary_intent(&url(&listing.ap_id)?),
        unit: listing.unit.clone(),
        quantity,
        due: Some(due),
    };
    let offer_id = tell(uow, net, &org, &actor, "Offer", agreement::proposed(&terms), None).await?;
    let now = Utc::now();
    let c = commitment::ActiveModel {
        org_id: Set(org.id),
        role: Set(CommitmentRole::Proposer),
        listing_kind: Set(kind),
        remote_actor_id: Set(actor.id),
        offer_ap_id: Set(offer_id.to_string()),
        listing_ap_id: Set(listing.ap_id.clone()),
        remote_object_id: Set(Some(listing.id)),
        item: Set(listing.item.clone()),
        unit: Set(listing.unit.clone()),
        quantity: Set(quantity),
        due: Set(due),
        status: Set(CommitmentStatus::Proposed),
        item_id: Set(item_id),
        warehouse_id: Set(warehouse_id),
        created_by: Set(Some(scope.actor().user_id)),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(uow.db())
    .await?;
    history(uow, &c, "proposed", &org_name(&org), "").await?;
    audit::record(
        uow,
        scope,
        "commitment.propose",
        "commitment",
        Some(c.id),
        json!({"listing": listing.ap_id, "quantity": quantity}),
    );
    Ok(c)
}

/// One commitment of the organisation, with the remote organisation it is with.
pub async fn get(
    db: &impl ConnectionTrait,
    scope: &OrgScope,
    id: i64,
) -> AppResult<(commitment::Model, remote_actor::Model)> {
    let c = commitment::Entity::find_by_id(id)
        .filter(commitment::Column::OrgId.eq(scope.org_id()))
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    let actor = remote_actor::Entity::find_by_id(c.remote_actor_id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((c, actor))
}

/// A commitment's history, oldest first.
pub async fn events_of(
    db: &impl ConnectionTrait,
    commitment_id: i64,
) -> AppResult<Vec<commitment_event::Model>> {
    Ok(commitment_event::Entity::find()
        .filter(commitment_event::Column::CommitmentId.eq(commitment_id))
        .order_by_asc(commitment_event::Column::Id)
        .all(db)
        .await?)
}

/// The organisation's commitments, newest first, optionally of one status, with the organisation each is with.
pub async fn list(
    db: &impl ConnectionTrait,
    scope: &OrgScope,
    status: Option<CommitmentStatus>,
) -> AppResult<Vec<(commitment::Model, Option<remote_actor::Model>)>> {
    scope.require(Perm::Read)?;
    let mut q = commitment::Entity::find()
        .filter(commitment::Column::OrgId.eq(scope.org_id()))
        .find_also_related(remote_actor::Entity)
        .order_by_desc(commitment::Column::Id);
    if let Some(s) = status {
        q = q.filter(commitment::Column::Status.eq(s));
    }
    Ok(q.all(db).await?)
}

/// Locks the commitment's stock item (when it holds stock) and need (owner of a need), in the lock order, and
/// re-reads the commitment. Every status change is also a compare-and-set (`set_status`), so concurrent changes of
/// one commitment never both apply.
async fn locked(uow: &mut UnitOfWork, c: commitment::Model) -> AppResult<commitment::Model> {
    if let Some(item_id) = c.item_id {
        uow.lock(LockKind::Item, &[item_id]).await?;
    }
    if let Some(need_id) = c.need_id {
        uow.lock(LockKind::Need, &[need_id]).await?;
    }
    commitment::Entity::find_by_id(c.id).one(uow.db()).await?.ok_or(AppError::NotFound)
}

fn check_status(c: &commitment::Model, wanted: CommitmentStatus) -> AppResult<()> {
    if c.status == wanted {
        return Ok(());
    }
    Err(AppError::Conflict(match (wanted, c.status) {
        (CommitmentStatus::Proposed, _) => "err-commitment-already-answered",
        (CommitmentStatus::Accepted, CommitmentStatus::Sent | CommitmentStatus::Received) => {
            "err-commitment-already-sent"
        }
        (CommitmentStatus::Sent, CommitmentStatus::Accepted) => "err-commitment-not-sent",
        (CommitmentStatus::Sent, CommitmentStatus::Received) => "err-commitment-already-received",
        _ => "err-commitment-not-open",
    }))
}

async fn set_status(
    uow: &mut UnitOfWork,
    c: commitment::Model,
    status: CommitmentStatus,
    change: impl FnOnce(&mut commitment::ActiveModel),
) -> AppResult<commitment::Model> {
    // Compare and set: a concurrent unit that changed the status first wins, and this one is refused (and rolled
    // back) rather than overwriting it. On PostgreSQL the row stays locked until this unit ends.
    let now = Utc::now();
    let done = commitment::Entity::update_many()
        .col_expr(commitment::Column::Status, Expr::value(status))
        .col_expr(commitment::Column::UpdatedAt, Expr::value(now))
        .filter(commitment::Column::Id.eq(c.id))
        .filter(commitment::Column::Status.eq(c.status))
        .exec(uow.db())
        .await?;
    if done.rows_affected != 1 {
        return Err(AppError::Conflict("err-commitment-changed"));
    }
    let mut active: commitment::ActiveModel = c.into();
    active.status = Set(status);
    active.updated_at = Set(now);
    change(&mut active);
    Ok(active.update(uow.db()).await?)
}

/// Adds `delta` to a need's quantity committed; an increase only while the need is open and
/// `quantity_met + quantity_committed` stays within its quantity. The caller holds the need's lock.
async fn move_committed(uow: &mut UnitOfWork, need_id: i64, delta: i64) -> AppResult<()> {
    let mut update = need::Entity::update_many()
        .col_expr(
            need::Column::QuantityCommitted,
            Expr::col(need::Column::QuantityCommitted).add(delta),
        )
        .col_expr(need::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(need::Column::Id.eq(need_id));
    if delta > 0 {
        update = update
            .filter(need::Column::Status.is_in([NeedStatus::Open, NeedStatus::PartlyMet]))
            .filter(
                Expr::col(need::Column::QuantityMet)
                    .add(Expr::col(need::Column::QuantityCommitted))
                    .add(delta)
                    .lte(Expr::col(need::Column::Quantity)),
            );
    } else {
        update = update.filter(Expr::col(need::Column::QuantityCommitted).add(delta).gte(0));
    }
    if update.exec(uow.db()).await?.rows_affected != 1 {
        return Err(AppError::Conflict("err-commit-exceeds-remaining"));
    }
    uow.emit(Event::Need(need_id));
    Ok(())
}

/// Accepts a commitment proposed to one of the organisation's listings: the need counts it as committed (refused when
/// that would exceed what is still missing), or the offer hands that much of its reservation to it.
pub async fn accept(
    uow: &mut UnitOfWork,
    net: &Network,
    scope: &OrgScope,
    id: i64,
) -> AppResult<commitment::Model> {
    let (c, actor) = get(uow.db(), scope, id).await?;
    scope.require(if c.listing_kind == NEED { Perm::WriteNeeds } else { Perm::ManageStock })?;
    if c.role != CommitmentRole::Owner {
        return Err(AppError::Conflict("err-commitment-not-yours-to-answer"));
    }
    let c = locked(uow, c).await?;
    check_status(&c, CommitmentStatus::Proposed)?;
    let (mut item_id, mut warehouse_id) = (None, None);
    if let Some(need_id) = c.need_id {
        move_committed(uow, need_id, c.quantity).await?;
    } else if let Some(offer_id) = c.offer_id {
        let o =
            offer::Entity::find_by_id(offer_id).one(uow.db()).await?.ok_or(AppError::NotFound)?;
        uow.lock(LockKind::Item, &[o.item_id]).await?;
        // The offer's reservation passes to the commitment: the offer shrinks by as much.
        let done = offer::Entity::update_many()
            .col_expr(offer::Column::Quantity, Expr::col(offer::Column::Quantity).sub(c.quantity))
            .filter(offer::Column::Id.eq(o.id))
            .filter(offer::Column::Status.eq(OfferStatus::Active))
            .filter(offer::Column::AvailableUntil.gte(Utc::now().date_naive()))
            .filter(offer::Column::Quantity.gte(c.quantity))
            .exec(uow.db())
            .await?;
        if done.rows_affected != 1 {
            return Err(AppError::Conflict("err-commit-exceeds-remaining"));
        }
        uow.emit(Event::Offer(o.id));
        item_id = Some(o.item_id);
        warehouse_id = Some(o.warehouse_id);
    }
    let org = scope.org().clone();
    let agreement_id = net.urls.new_agreement();
    let terms = Terms {
        satisfies: agreement::primary_intent(&url(&c.listing_ap_id)?),
        unit: c.unit.clone(),
        quantity: c.quantity,
        due: Some(c.due),
    };
    let result = agreement::finalised(&agreement_id, &net.urls.org(&org.slug), &terms);
    tell(uow, net, &org, &actor, "Accept", json!(c.offer_ap_id), Some(("result", result))).await?;
    let c = set_status(uow, c, CommitmentStatus::Accepted, |a| {
        a.agreement_ap_id = Set(Some(agreement_id.to_string()));
        if item_id.is_some() {
            a.item_id = Set(item_id);
            a.warehouse_id = Set(warehouse_id);
        }
    })
    .await?;
    staff_step(uow, scope, &c, "accepted", "accept", "").await?;
    Ok(c)
}

/// Withdraws a commitment the organisation made, before anything was sent: an `Undo` of the `Offer` while it is
/// unanswered, or a cancellation document once agreed. What it held is freed on both sides.
pub async fn cancel(
    uow: &mut UnitOfWork,
    net: &Network,
    scope: &OrgScope,
    id: i64,
) -> AppResult<commitment::Model> {
    scope.require(Perm::ManageStock)?;
    let (c, actor) = get(uow.db(), scope, id).await?;
    if c.role != CommitmentRole::Proposer {
        return Err(AppError::Conflict("err-commitment-not-yours-to-cancel"));
    }
    let c = locked(uow, c).await?;
    if !LIVE.contains(&c.status) {
        return Err(AppError::Conflict("err-commitment-not-open"));
    }
    let org = scope.org().clone();
    let was = c.status;
    let c = set_status(uow, c, CommitmentStatus::Cancelled, |_| {}).await?;
    if was == CommitmentStatus::Proposed {
        let offer = json!({"id": c.offer_ap_id, "type": "Offer", "actor": net.urls.org(&org.slug)});
        tell(uow, net, &org, &actor, "Undo", offer, None).await?;
    } else {
        progress(uow, net, &org, &actor, &c, Progress::Cancelled).await?;
    }
    staff_step(uow, scope, &c, "cancelled", "cancel", "").await?;
    Ok(c)
}

/// The proposer withdrew an `Offer` still unanswered (`Undo{Offer}`): the commitment is cancelled here too.
pub async fn received_withdrawal(
    uow: &mut UnitOfWork,
    net: &Network,
    actor: &remote_actor::Model,
    offer_id: &Url,
) -> AppResult<()> {
    let Some(c) = commitment::Entity::find()
        .filter(commitment::Column::OfferApId.eq(offer_id.as_str()))
        .filter(commitment::Column::Role.eq(CommitmentRole::Owner))
        .filter(commitment::Column::RemoteActorId.eq(actor.id))
        .one(uow.db())
        .await?
    else {
        return Ok(());
    };
    let c = locked(uow, c).await?;
    if c.status != CommitmentStatus::Proposed {
        // Once agreed, a withdrawal comes as a cancellation document (§ progress); an answered offer stays answered.
        return Ok(());
    }
    let c = set_status(uow, c, CommitmentStatus::Cancelled, |_| {}).await?;
    history(uow, &c, "cancelled", &actor.name, "").await?;
    tell_org(uow, net, &c, "سُحب التزام", "A commitment was withdrawn", &actor.name).await
}

/// Rejects a commitment proposed to one of the organisation's listings, with a reason the other side sees.
pub async fn reject(
    uow: &mut UnitOfWork,
    net: &Network,
    scope: &OrgScope,
    id: i64,
    reason: &str,
) -> AppResult<commitment::Model> {
    let (c, actor) = get(uow.db(), scope, id).await?;
    scope.require(if c.listing_kind == NEED { Perm::WriteNeeds } else { Perm::ManageStock })?;
    if c.role != CommitmentRole::Owner {
        return Err(AppError::Conflict("err-commitment-not-yours-to-answer"));
    }
    let mut errors = FieldErrors::default();
    let reason =
        validate::optional_text(&mut errors, "reason", Some(reason), 500).unwrap_or_default();
    // The reason travels to the other node: the PII gate reads it as it reads a listing.
    let mut gates = publish::Gates::default();
    if let Some(found) = gates.of(uow.db(), scope.org_id()).await?.scan(&reason).first() {
        errors.add("reason", publish::finding_error(found));
    }
    errors.into_result(())?;
    let c = locked(uow, c).await?;
    check_status(&c, CommitmentStatus::Proposed)?;
    let org = scope.org().clone();
    send_reject(uow, net, &org, &actor, &c.offer_ap_id, &reason).await?;
    let c =
        set_status(uow, c, CommitmentStatus::Rejected, |a| a.reason = Set(reason.clone())).await?;
    staff_step(uow, scope, &c, "rejected", "reject", &reason).await?;
    Ok(c)
}

async fn send_reject(
    uow: &mut UnitOfWork,
    net: &Network,
    org: &organisation::Model,
    actor: &remote_actor::Model,
    offer_id: &str,
    reason: &str,
) -> AppResult<()> {
    let content = (!reason.is_empty()).then(|| ("content", json!(reason)));
    tell(uow, net, org, actor, "Reject", json!(offer_id), content).await?;
    Ok(())
}

async fn progress(
    uow: &mut UnitOfWork,
    net: &Network,
    org: &organisation::Model,
    actor: &remote_actor::Model,
    c: &commitment::Model,
    p: Progress,
) -> AppResult<()> {
    let Some(agreement_id) = &c.agreement_ap_id else { return Ok(()) };
    let doc = agreement::progress_document(
        &net.urls.new_document(),
        &net.urls.org(&org.slug),
        &url(&actor.ap_id)?,
        &url(agreement_id)?,
        p,
        c.quantity,
        &c.unit,
    );
    tell(uow, net, org, actor, "Create", doc, None).await?;
    Ok(())
}

/// The provider records that the goods left: a transfer out of its ledger naming the other organisation, in the same
/// unit as the commitment's new status and the notice to the receiver.
pub async fn send(
    uow: &mut UnitOfWork,
    net: &Network,
    scope: &OrgScope,
    id: i64,
) -> AppResult<commitment::Model> {
    scope.require(Perm::ManageStock)?;
    let (c, actor) = get(uow.db(), scope, id).await?;
    if !provides(&c) {
        return Err(AppError::Conflict("err-commitment-not-provider"));
    }
    let (Some(item_id), Some(warehouse_id)) = (c.item_id, c.warehouse_id) else {
        return Err(AppError::Conflict("err-commitment-not-provider"));
    };
    uow.lock(LockKind::Item, &[item_id]).await?;
    let c = commitment::Entity::find_by_id(c.id).one(uow.db()).await?.ok_or(AppError::NotFound)?;
    check_status(&c, CommitmentStatus::Accepted)?;
    if c.due < Utc::now().date_naive() {
        // Past its date the owner expires it: goods sent now could arrive to a commitment that no longer exists.
        return Err(AppError::Conflict("err-commitment-overdue"));
    }
    // No longer reserved (it is leaving): the transfer takes it from the free stock.
    let c = set_status(uow, c, CommitmentStatus::Sent, |_| {}).await?;
    let moved = ledger::record(
        uow,
        scope,
        Input::new(ledger::MovementFields {
            kind: Some(MovementKind::TransferOut),
            item_id: Some(item_id),
            warehouse_id: Some(warehouse_id),
            quantity: Some(c.quantity),
            counterparty: actor.name.chars().take(200).collect(),
            note: format!("commitment #{}", c.id),
            ..Default::default()
        }),
    )
    .await?;
    let movement = moved.first().map(|m| m.id);
    let c =
        set_status(uow, c, CommitmentStatus::Sent, |a| a.transfer_out_id = Set(movement)).await?;
    let org = scope.org().clone();
    progress(uow, net, &org, &actor, &c, Progress::Sent).await?;
    staff_step(uow, scope, &c, "sent", "send", "").await?;
    Ok(c)
}

/// The receiver confirms the goods arrived: a transfer in naming the other organisation, which (for a need) moves the
/// quantity from committed to met.
pub async fn confirm(
    uow: &mut UnitOfWork,
    net: &Network,
    scope: &OrgScope,
    id: i64,
    input: Input<ReceiveFields>,
) -> AppResult<commitment::Model> {
    scope.require(Perm::ManageStock)?;
    let (c, actor) = get(uow.db(), scope, id).await?;
    if provides(&c) {
        return Err(AppError::Conflict("err-commitment-not-receiver"));
    }
    let Input { value: f, mut errors } = input;
    let item = ledger::item_ref(uow.db(), scope, &mut errors, "item_id", f.item_id).await?;
    ledger::warehouse_ref(uow.db(), scope, &mut errors, "warehouse_id", f.warehouse_id).await?;
    errors.into_result(())?;
    if let Some(item) = &item {
        uow.lock(LockKind::Item, &[item.id]).await?;
    }
    let c = locked(uow, c).await?;
    check_status(&c, CommitmentStatus::Sent)?;
    let moved = ledger::record(
        uow,
        scope,
        Input::new(ledger::MovementFields {
            kind: Some(MovementKind::TransferIn),
            item_id: f.item_id,
            warehouse_id: f.warehouse_id,
            expiry: f.expiry,
            quantity: Some(c.quantity),
            counterparty: actor.name.chars().take(200).collect(),
            note: format!("commitment #{}", c.id),
            ..Default::default()
        }),
    )
    .await?;
    if let Some(need_id) = c.need_id {
        move_committed(uow, need_id, -c.quantity).await?;
        fulfilment::move_met(uow, need_id, c.quantity).await?;
    }
    let movement = moved.first().map(|m| m.id);
    let c = set_status(uow, c, CommitmentStatus::Received, |a| a.transfer_in_id = Set(movement))
        .await?;
    let org = scope.org().clone();
    progress(uow, net, &org, &actor, &c, Progress::Received).await?;
    staff_step(uow, scope, &c, "received", "confirm", "").await?;
    Ok(c)
}

/// Gives back what an accepted commitment held on the owner's side: the need's committed quantity, or the part of
/// the offer handed to it. The caller holds the locks.
async fn release(uow: &mut UnitOfWork, c: &commitment::Model) -> AppResult<()> {
    if let Some(need_id) = c.need_id {
        move_committed(uow, need_id, -c.quantity).await?;
    }
    if let Some(offer_id) = c.offer_id {
        offer::Entity::update_many()
            .col_expr(offer::Column::Quantity, Expr::col(offer::Column::Quantity).add(c.quantity))
            .filter(offer::Column::Id.eq(offer_id))
            .exec(uow.db())
            .await?;
        uow.emit(Event::Offer(offer_id));
    }
    Ok(())
}

/// The commitments, on every organisation of the node, still proposed or accepted past their due date.
pub async fn overdue(db: &impl ConnectionTrait, today: NaiveDate) -> AppResult<Vec<i64>> {
    Ok(commitment::Entity::find()
        .filter(commitment::Column::Status.is_in(LIVE))
        .filter(commitment::Column::Due.lt(today))
        .order_by_asc(commitment::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|c| c.id)
        .collect())
}

/// Expires one commitment still proposed or accepted past its due date: the need's committed quantity and the
/// provider's reservation are freed, and the owner tells the other side. `false` when it was no longer due.
pub async fn expire(
    uow: &mut UnitOfWork,
    net: &Network,
    id: i64,
    today: NaiveDate,
) -> AppResult<bool> {
    let Some(c) = commitment::Entity::find_by_id(id).one(uow.db()).await? else { return Ok(false) };
    let c = locked(uow, c).await?;
    if !LIVE.contains(&c.status) || c.due >= today {
        return Ok(false);
    }
    // An agreed commitment is expired by the listing's owner alone, who tells the other side; the proposer expires
    // only what was never answered. Both sides thus agree on whether the goods may still come.
    if c.role == CommitmentRole::Proposer && c.status == CommitmentStatus::Accepted {
        return Ok(false);
    }
    let was = c.status;
    let org = organisation::Entity::find_by_id(c.org_id)
        .one(uow.db())
        .await?
        .ok_or(AppError::NotFound)?;
    let actor = remote_actor::Entity::find_by_id(c.remote_actor_id).one(uow.db()).await?;
    if was == CommitmentStatus::Accepted && c.role == CommitmentRole::Owner {
        release(uow, &c).await?;
    }
    let c = set_status(uow, c, CommitmentStatus::Expired, |_| {}).await?;
    if c.role == CommitmentRole::Owner
        && let Some(actor) = &actor
    {
        if was == CommitmentStatus::Accepted {
            progress(uow, net, &org, actor, &c, Progress::Expired).await?;
        } else {
            send_reject(
                uow,
                net,
                &org,
                actor,
                &c.offer_ap_id,
                reason_text("commitment-reason-expired-unanswered"),
            )
            .await?;
        }
    }
    history(uow, &c, "expired", &org_name(&org), "").await?;
    let other = actor.as_ref().map(|a| a.name.clone()).unwrap_or_default();
    tell_org(
        uow,
        net,
        &c,
        "انتهى أجل الالتزام دون إرسال",
        "A commitment expired before it was sent",
        &other,
    )
    .await?;
    audit::record_raw(
        uow,
        Some(org.id),
        None,
        "commitment.expire",
        "commitment",
        Some(c.id),
        json!({}),
    );
    Ok(true)
}

/// The reasons Sanad itself gives for refusing a commitment: stored as their message key (so that pages show them in
/// the reader's language), sent to the other node as the English text (a `Reject`'s `content`), and recognised when
/// another Sanad node sends one of them.
const REASONS: &[(&str, &str)] = &[
    ("commitment-reason-unknown", "The listing is not known here or is not shared with you."),
    ("commitment-reason-closed", "The listing is no longer open."),
    ("commitment-reason-unit", "The unit does not match the listing's."),
    ("commitment-reason-exceeds", "More than is still missing (or still available)."),
    ("commitment-reason-not-connected", "Your organisation does not follow this organisation."),
    ("commitment-reason-expired-unanswered", "The commitment expired unanswered."),
    ("commitment-reason-peer-refused", "The other organisation's node refused the commitment."),
];

/// A stored reason as text: the English of one of Sanad's own reasons, or the text as given.
pub fn reason_text(stored: &str) -> &str {
    REASONS.iter().find(|(key, _)| *key == stored).map_or(stored, |(_, text)| text)
}

/// A received reason as stored: the key of one of Sanad's own reasons, or the text as given.
fn reason_key(text: &str) -> String {
    REASONS
        .iter()
        .find(|(_, t)| *t == text)
        .map_or_else(|| text.to_owned(), |(key, _)| (*key).to_owned())
}

/// Why an incoming commitment is refused: the key of the reason.
fn refusal(code: &str) -> &'static str {
    match code {
        "unknown" => "commitment-reason-unknown",
        "closed" => "commitment-reason-closed",
        "unit" => "commitment-reason-unit",
        "exceeds" => "commitment-reason-exceeds",
        _ => "commitment-reason-not-connected",
    }
}

/// An `Offer{Agreement}` received for a listing of a local organisation. Stored as proposed for the owner's staff to
/// answer, or, when it cannot be honoured (unknown or closed listing, other unit, more than remains, no follow
/// between the two), stored as rejected and answered at once with a `Reject` giving the reason.
pub async fn received_offer(
    uow: &mut UnitOfWork,
    net: &Network,
    actor: &remote_actor::Model,
    offer_id: &Url,
    object: &Value,
) -> AppResult<()> {
    let proposed = agreement::read_agreement(object)
        .map_err(|_| AppError::BadRequest("the Offer's object is not a valid Agreement"))?;
    if proposed.attributed_to.as_ref().is_some_and(|a| a.as_str() != actor.ap_id) {
        return Err(AppError::BadRequest("the Agreement is attributed to another actor"));
    }
    let terms = proposed.terms;
    let listing = agreement::proposal_of(&terms.satisfies);
    let Some(uuid) = net.urls.local_object(&listing) else {
        return Err(AppError::BadRequest("the commitment is not for a listing of this node"));
    };
    let need =
        need::Entity::find().filter(need::Column::ApId.eq(uuid.as_str())).one(uow.db()).await?;
    let offer = match &need {
        Some(_) => None,
        None => {
            offer::Entity::find()
                .filter(offer::Column::ApId.eq(uuid.as_str()))
                .one(uow.db())
                .await?
        }
    };
    let (org_id, kind, item, unit, due) = match (&need, &offer) {
        (Some(n), _) => (n.org_id, NEED, n.item.clone(), n.unit.clone(), n.needed_by),
        (None, Some(o)) => {
            let item =
                crate::infra::entities::item::Entity::find_by_id(o.item_id).one(uow.db()).await?;
            let (name, unit) = item
                .map(|i| (if i.name_en.is_empty() { i.name_ar } else { i.name_en }, i.unit))
                .unwrap_or_default();
            (o.org_id, OFFER, name, unit, Some(o.available_until))
        }
        (None, None) => {
            return Err(AppError::BadRequest("the commitment is for an unknown listing"));
        }
    };
    let Some(org) = organisation::Entity::find_by_id(org_id).one(uow.db()).await? else {
        return Err(AppError::NotFound);
    };
    if let Some(n) = &need {
        uow.lock(LockKind::Need, &[n.id]).await?;
    }
    let need = match need {
        Some(n) => need::Entity::find_by_id(n.id).one(uow.db()).await?,
        None => None,
    };
    let refused = if !connected(uow.db(), org.id, actor.id).await? {
        Some("not-connected")
    } else if need
        .as_ref()
        .is_some_and(|n| matches!(n.status, NeedStatus::Met | NeedStatus::Cancelled))
        || offer.as_ref().is_some_and(|o| {
            o.status != OfferStatus::Active || o.available_until < Utc::now().date_naive()
        })
    {
        Some("closed")
    } else if terms.unit != unit {
        Some("unit")
    } else if need
        .as_ref()
        .is_some_and(|n| terms.quantity > n.quantity - n.quantity_met - n.quantity_committed)
        || offer.as_ref().is_some_and(|o| terms.quantity > o.quantity)
    {
        Some("exceeds")
    } else {
        None
    };
    let today = Utc::now().date_naive();
    let due = terms.due.or(due).unwrap_or(today + Duration::days(DEFAULT_DAYS));
    let now = Utc::now();
    let status =
        if refused.is_some() { CommitmentStatus::Rejected } else { CommitmentStatus::Proposed };
    let reason = refused.map(refusal).unwrap_or_default();
    let c = commitment::ActiveModel {
        org_id: Set(org.id),
        role: Set(CommitmentRole::Owner),
        listing_kind: Set(kind.to_owned()),
        remote_actor_id: Set(actor.id),
        offer_ap_id: Set(offer_id.to_string()),
        listing_ap_id: Set(listing.to_string()),
        need_id: Set(need.as_ref().map(|n| n.id)),
        offer_id: Set(offer.as_ref().map(|o| o.id)),
        item: Set(item.chars().take(300).collect()),
        unit: Set(unit),
        quantity: Set(terms.quantity),
        due: Set(due),
        status: Set(status),
        reason: Set(reason.to_owned()),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(uow.db())
    .await?;
    history(uow, &c, "proposed", &actor.name, "").await?;
    if refused.is_some() {
        send_reject(uow, net, &org, actor, offer_id.as_str(), reason_text(reason)).await?;
        history(uow, &c, "rejected", &org_name(&org), reason).await?;
    } else {
        let (ar, en) = (
            format!(
                "التزام جديد من {}: {} {} من «{}» — بانتظار ردّكم",
                actor.name, c.quantity, c.unit, c.item
            ),
            format!(
                "New commitment from {}: {} {} of \"{}\" — waiting for your answer",
                actor.name, c.quantity, c.unit, c.item
            ),
        );
        notifications::tell(uow, net.mail, net.urls.base(), org.id, &ar, &en, &page(&org, &c))
            .await?;
    }
    Ok(())
}

/// An `Accept` or `Reject` of an `Offer` this node sent for a commitment; `false` when the object is no commitment
/// of ours (the inbox then tries follows).
pub async fn received_answer(
    uow: &mut UnitOfWork,
    net: &Network,
    actor: &remote_actor::Model,
    offer_id: &Url,
    accepted: bool,
    activity: &serde_json::Map<String, Value>,
) -> AppResult<bool> {
    let Some(c) = commitment::Entity::find()
        .filter(commitment::Column::OfferApId.eq(offer_id.as_str()))
        .filter(commitment::Column::Role.eq(CommitmentRole::Proposer))
        .one(uow.db())
        .await?
    else {
        return Ok(false);
    };
    if c.remote_actor_id != actor.id {
        return Err(AppError::Forbidden);
    }
    if c.status != CommitmentStatus::Proposed {
        tracing::info!(
            commitment = c.id,
            status = c.status.as_str(),
            "answer to a commitment no longer proposed"
        );
        return Ok(true);
    }
    if accepted {
        let result =
            activity.get("result").ok_or(AppError::BadRequest("the Accept has no result"))?;
        let done = agreement::read_agreement(result)
            .map_err(|_| AppError::BadRequest("the Accept's result is not a valid Agreement"))?;
        let id = done.id.ok_or(AppError::BadRequest("the finalised Agreement has no id"))?;
        if id.as_str().len() > 500 {
            return Err(AppError::BadRequest("the Agreement's id is too long"));
        }
        if done.terms.unit != c.unit
            || agreement::proposal_of(&done.terms.satisfies).as_str() != c.listing_ap_id
        {
            return Err(AppError::BadRequest(
                "the Agreement is not for the listing and unit offered",
            ));
        }
        if done.attributed_to.as_ref().is_some_and(|a| a.as_str() != actor.ap_id)
            || id.host_str() != Url::parse(&actor.ap_id).ok().as_ref().and_then(|u| u.host_str())
        {
            return Err(AppError::BadRequest("the Agreement is not the accepting actor's"));
        }
        if done.terms.quantity != c.quantity {
            return Err(AppError::BadRequest("the Agreement's quantity is not the one offered"));
        }
        let c = set_status(uow, c, CommitmentStatus::Accepted, |a| {
            a.agreement_ap_id = Set(Some(id.to_string()))
        })
        .await?;
        history(uow, &c, "accepted", &actor.name, "").await?;
        tell_org(uow, net, &c, "قُبل التزامكم", "Your commitment was accepted", &actor.name).await?;
    } else {
        let text: String = activity
            .get("content")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .chars()
            .filter(|ch| !ch.is_control())
            .take(500)
            .collect();
        let reason = reason_key(&text);
        let c = set_status(uow, c, CommitmentStatus::Rejected, |a| a.reason = Set(reason.clone()))
            .await?;
        history(uow, &c, "rejected", &actor.name, &reason).await?;
        tell_org(uow, net, &c, "رُفض التزامكم", "Your commitment was rejected", &actor.name).await?;
    }
    Ok(true)
}

/// The other node refused the `Offer` of a commitment outright (its inbox answered 4xx: it blocks this node, or the
/// offer broke one of its rules): the commitment is rejected here, which frees what it held, with the reason.
pub async fn refused_by_peer(uow: &mut UnitOfWork, offer_id: &str, status: u16) -> AppResult<()> {
    let Some(c) = commitment::Entity::find()
        .filter(commitment::Column::OfferApId.eq(offer_id))
        .filter(commitment::Column::Role.eq(CommitmentRole::Proposer))
        .one(uow.db())
        .await?
    else {
        return Ok(());
    };
    let c = locked(uow, c).await?;
    if c.status != CommitmentStatus::Proposed {
        return Ok(());
    }
    tracing::info!(commitment = c.id, status, "the other node refused a commitment");
    let reason = "commitment-reason-peer-refused".to_owned();
    let c =
        set_status(uow, c, CommitmentStatus::Rejected, |a| a.reason = Set(reason.clone())).await?;
    let by = remote_actor::Entity::find_by_id(c.remote_actor_id)
        .one(uow.db())
        .await?
        .map(|a| a.host)
        .unwrap_or_default();
    history(uow, &c, "rejected", &by, &reason).await?;
    Ok(())
}

/// A `Document` telling how a commitment moved on the other side (sent, received, expired, cancelled).
pub async fn received_progress(
    uow: &mut UnitOfWork,
    net: &Network,
    actor: &remote_actor::Model,
    doc: &Value,
) -> AppResult<()> {
    let (agreement_id, p) = agreement::read_progress(doc)
        .map_err(|_| AppError::BadRequest("not a valid commitment document"))?;
    let Some(c) = commitment::Entity::find()
        .filter(commitment::Column::AgreementApId.eq(agreement_id.as_str()))
        .filter(commitment::Column::RemoteActorId.eq(actor.id))
        .one(uow.db())
        .await?
    else {
        return Err(AppError::BadRequest("the document is about no commitment with this actor"));
    };
    let c = locked(uow, c).await?;
    let (from, to): (&[CommitmentStatus], CommitmentStatus) = match p {
        // Only the provider sends, only the receiver confirms.
        Progress::Sent if !provides(&c) => (&[CommitmentStatus::Accepted], CommitmentStatus::Sent),
        Progress::Received if provides(&c) => {
            (&[CommitmentStatus::Sent], CommitmentStatus::Received)
        }
        Progress::Expired | Progress::Cancelled => (
            &LIVE,
            if p == Progress::Expired {
                CommitmentStatus::Expired
            } else {
                CommitmentStatus::Cancelled
            },
        ),
        _ => return Err(AppError::BadRequest("this side of the commitment cannot say that")),
    };
    if !from.contains(&c.status) {
        tracing::info!(
            commitment = c.id,
            status = c.status.as_str(),
            news = p.as_str(),
            "commitment news that no longer applies"
        );
        return Ok(());
    }
    let was = c.status;
    if matches!(to, CommitmentStatus::Expired | CommitmentStatus::Cancelled)
        && was == CommitmentStatus::Accepted
        && c.role == CommitmentRole::Owner
    {
        release(uow, &c).await?;
    }
    let c = set_status(uow, c, to, |_| {}).await?;
    history(uow, &c, p.as_str(), &actor.name, "").await?;
    let (ar, en) = match p {
        Progress::Sent => {
            ("أُرسلت المواد: أكّدوا استلامها", "Goods were sent to you: confirm their receipt")
        }
        Progress::Received => ("أُكّد استلام المواد", "The receipt of your goods was confirmed"),
        Progress::Expired => {
            ("انتهى أجل الالتزام دون إرسال", "A commitment expired before it was sent")
        }
        Progress::Cancelled => ("أُلغي الالتزام", "A commitment was cancelled"),
    };
    tell_org(uow, net, &c, ar, en, &actor.name).await?;
    Ok(())
}
