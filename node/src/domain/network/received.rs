//! What the network sent: needs and offers of the organisations this node's organisations follow, stored in
//! `remote_objects` with the result of their proof check. Updates apply in order (a stale one never overwrites a
//! newer one) and a delete is kept as a tombstone so that a late `Create` cannot bring the object back.

use chrono::{DateTime, NaiveDate, Utc};
use sanad_federation::vocab::{Purpose, ReceivedListing};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, QueryTrait,
};
use serde::Serialize;

use crate::domain::error::AppResult;
use crate::domain::tenancy::{OrgScope, Perm};
use crate::infra::entities::{follow, remote_actor, remote_object};
use crate::infra::{events::Event, uow::UnitOfWork};
use crate::vocab::{FollowDirection, FollowState};

/// What happened to a received listing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Applied {
    /// Stored or updated.
    Stored,
    /// Older than (or as old as) what is stored, or already deleted: nothing changed.
    Stale,
}

fn kind(p: Purpose) -> &'static str {
    match p {
        Purpose::Request => "need",
        Purpose::Offer => "offer",
    }
}

/// Stores a received listing (Create or Update), unless what is stored is as new or newer.
pub async fn store(
    uow: &mut UnitOfWork,
    actor: &remote_actor::Model,
    listing: &ReceivedListing,
    payload: &serde_json::Value,
    proof_verified: bool,
    addressed_org_id: Option<i64>,
) -> AppResult<Applied> {
    let now = Utc::now();
    let updated = listing.updated.unwrap_or(now);
    let existing = remote_object::Entity::find()
        .filter(remote_object::Column::ApId.eq(listing.id.as_str()))
        .one(uow.db())
        .await?;
    let mut active = match existing {
        Some(row) if row.remote_actor_id != actor.id => return Ok(Applied::Stale),
        Some(row) if row.deleted_at.is_some() || row.updated_at >= updated => {
            return Ok(Applied::Stale);
        }
        Some(row) => row.into(),
        None => remote_object::ActiveModel {
            ap_id: Set(listing.id.to_string()),
            remote_actor_id: Set(actor.id),
            addressed_org_id: Set(addressed_org_id),
            received_at: Set(now),
            published_at: Set(listing.published.unwrap_or(now)),
            ..Default::default()
        },
    };
    active.kind = Set(kind(listing.purpose).to_owned());
    active.sector = Set(listing.sector.clone());
    active.item = Set(listing.item.clone());
    active.summary = Set(listing.summary.clone());
    active.unit = Set(listing.unit.clone());
    active.quantity = Set(listing.quantity);
    active.quantity_available = Set(listing.available);
    active.quantity_met = Set(listing.quantity_met);
    active.quantity_committed = Set(listing.quantity_committed);
    active.region_code = Set(listing.region_code.clone());
    active.urgency = Set(listing.urgency.clone());
    active.needed_by = Set(listing.needed_by);
    active.status = Set(listing.status.clone());
    active.household_band = Set(listing.household_band.clone());
    active.public = Set(listing.public);
    active.proof_verified = Set(proof_verified);
    active.payload = Set(payload.to_string());
    active.updated_at = Set(updated);
    active.changed_at = Set(now);
    let saved = active.save(uow.db()).await?;
    if let sea_orm::ActiveValue::Set(id) | sea_orm::ActiveValue::Unchanged(id) = saved.id {
        uow.emit(Event::RemoteObject(id));
    }
    Ok(Applied::Stored)
}

/// Marks a listing deleted (by its owner only); a delete of an unknown object leaves a tombstone.
pub async fn delete(
    uow: &mut UnitOfWork,
    actor: &remote_actor::Model,
    object_id: &str,
) -> AppResult<()> {
    let now = Utc::now();
    match remote_object::Entity::find()
        .filter(remote_object::Column::ApId.eq(object_id))
        .one(uow.db())
        .await?
    {
        Some(row) if row.remote_actor_id == actor.id => {
            uow.emit(Event::RemoteObject(row.id));
            let mut active: remote_object::ActiveModel = row.into();
            active.deleted_at = Set(Some(now));
            active.changed_at = Set(now);
            active.payload = Set("{}".into());
            active.update(uow.db()).await?;
        }
        Some(_) => {}
        None => {
            remote_object::ActiveModel {
                ap_id: Set(object_id.to_owned()),
                remote_actor_id: Set(actor.id),
                kind: Set("deleted".into()),
                sector: Set(String::new()),
                item: Set(String::new()),
                summary: Set(String::new()),
                unit: Set(String::new()),
                quantity: Set(0),
                quantity_available: Set(0),
                quantity_met: Set(0),
                urgency: Set(String::new()),
                status: Set(String::new()),
                public: Set(false),
                proof_verified: Set(false),
                payload: Set("{}".into()),
                published_at: Set(now),
                updated_at: Set(now),
                received_at: Set(now),
                changed_at: Set(now),
                deleted_at: Set(Some(now)),
                ..Default::default()
            }
            .insert(uow.db())
            .await?;
        }
    }
    Ok(())
}

/// Forgets an actor that deleted its account: its follows (both ways) end and its listings are marked deleted.
pub async fn forget_actor(uow: &mut UnitOfWork, actor: &remote_actor::Model) -> AppResult<()> {
    let now = Utc::now();
    uow.emit(Event::RemoteActor(actor.id));
    follow::Entity::delete_many()
        .filter(follow::Column::RemoteActorId.eq(actor.id))
        .exec(uow.db())
        .await?;
    remote_object::Entity::update_many()
        .col_expr(remote_object::Column::DeletedAt, sea_orm::sea_query::Expr::value(Some(now)))
        .col_expr(remote_object::Column::ChangedAt, sea_orm::sea_query::Expr::value(now))
        .filter(remote_object::Column::RemoteActorId.eq(actor.id))
        .filter(remote_object::Column::DeletedAt.is_null())
        .exec(uow.db())
        .await?;
    Ok(())
}

/// Filters of the Network page and API.
#[derive(Clone, Debug, Default)]
pub struct NetworkFilter {
    /// Sector code.
    pub sector: Option<String>,
    /// Region code (exact, or any region whose code starts with it).
    pub region: Option<String>,
    /// Origin actor id.
    pub origin: Option<String>,
    /// Status code.
    pub status: Option<String>,
}

/// One received listing as staff see it.
#[derive(Clone, Debug, Serialize)]
pub struct NetworkItem {
    /// The object id (its address on the origin node).
    pub id: String,
    /// The origin organisation's actor id.
    pub origin: String,
    /// Its name.
    pub origin_name: String,
    /// Its Arabic name, when its actor gives one (`nameMap.ar`).
    pub origin_name_ar: String,
    /// Its host.
    pub origin_host: String,
    /// Item.
    pub item: String,
    /// Public summary.
    pub summary: String,
    /// Sector code (`other` when the origin did not say).
    pub sector: String,
    /// Unit.
    pub unit: String,
    /// Quantity asked or offered.
    pub quantity: i64,
    /// Still missing (needs) or available (offers).
    pub quantity_available: i64,
    /// Met so far.
    pub quantity_met: i64,
    /// Committed by organisations and not yet delivered (needs).
    pub quantity_committed: i64,
    /// Region code, when known.
    pub region_code: Option<String>,
    /// Urgency.
    pub urgency: String,
    /// Needed by / available until.
    pub needed_by: Option<NaiveDate>,
    /// Status.
    pub status: String,
    /// Household-size band.
    pub household_band: Option<String>,
    /// Whether the origin's Ed25519 proof verified.
    pub proof_verified: bool,
    /// First received.
    pub received_at: DateTime<Utc>,
    /// Last changed on the origin.
    pub updated_at: DateTime<Utc>,
}

/// The needs (`need`) or offers (`offer`) the organisation receives: live listings of the actors it follows, and
/// those sent to it directly.
pub async fn list(
    db: &impl ConnectionTrait,
    scope: &OrgScope,
    kind: &str,
    filter: &NetworkFilter,
) -> AppResult<Vec<NetworkItem>> {
    scope.require(Perm::Read)?;
    let mut q = remote_object::Entity::find()
        .find_also_related(remote_actor::Entity)
        .filter(remote_object::Column::Kind.eq(kind))
        .filter(remote_object::Column::DeletedAt.is_null())
        .filter(
            Condition::any()
                .add(
                    // From an actor the organisation follows, unless it was sent to another organisation only.
                    Condition::all().add(remote_object::Column::AddressedOrgId.is_null()).add(
                        remote_object::Column::RemoteActorId.in_subquery(
                            follow::Entity::find()
                                .select_only()
                                .column(follow::Column::RemoteActorId)
                                .filter(follow::Column::OrgId.eq(scope.org_id()))
                                .filter(follow::Column::Direction.eq(FollowDirection::Following))
                                .filter(follow::Column::State.eq(FollowState::Accepted))
                                .into_query(),
                        ),
                    ),
                )
                .add(remote_object::Column::AddressedOrgId.eq(scope.org_id())),
        );
    if let Some(s) = &filter.sector {
        q = q.filter(remote_object::Column::Sector.eq(s.as_str()));
    }
    if let Some(r) = &filter.region {
        q = q.filter(remote_object::Column::RegionCode.starts_with(r.as_str()));
    }
    if let Some(s) = &filter.status {
        q = q.filter(remote_object::Column::Status.eq(s.as_str()));
    }
    if let Some(o) = &filter.origin {
        q = q.filter(remote_actor::Column::ApId.eq(o.as_str()));
    }
    let rows = q.order_by_desc(remote_object::Column::UpdatedAt).limit(500).all(db).await?;
    Ok(rows
        .into_iter()
        .filter_map(|(o, a)| {
            let a = a?;
            Some(NetworkItem {
                id: o.ap_id,
                origin: a.ap_id,
                origin_name_ar: serde_json::from_str::<serde_json::Value>(&a.profile)
                    .ok()
                    .and_then(|p| p["nameMap"]["ar"].as_str().map(str::to_owned))
                    .unwrap_or_default(),
                origin_name: a.name,
                origin_host: a.host,
                item: o.item,
                summary: o.summary,
                sector: o.sector,
                unit: o.unit,
                quantity: o.quantity,
                quantity_available: o.quantity_available,
                quantity_met: o.quantity_met,
                quantity_committed: o.quantity_committed,
                region_code: o.region_code,
                urgency: o.urgency,
                needed_by: o.needed_by,
                status: o.status,
                household_band: o.household_band,
                proof_verified: o.proof_verified,
                received_at: o.received_at,
                updated_at: o.updated_at,
            })
        })
        .collect())
}
