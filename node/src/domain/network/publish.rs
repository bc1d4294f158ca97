//! Publishing: before a unit of work commits, every need, offer, household and organisation it changed is weighed
//! again against what the network already knows, and the activities that bring the network up to date are queued
//! in the same transaction: `Create` when a listing starts being shared, `Update` when it changes, `Delete` when it
//! stops (cancelled, withdrawn, made private, consent withdrawn, or its summary now identifies someone).
//!
//! Everything that leaves goes through [`sanad_federation::projection::project`] (the one anonymising projection)
//! and then through the PII gate over the whole payload.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, LazyLock, Mutex};

use chrono::{DateTime, Utc};
use sanad_federation::{
    pii::{self, Gate},
    projection::{self, Publisher, Source},
    proof,
    vocab::{self, Audience, PUBLIC, Purpose},
};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QuerySelect,
    QueryTrait, sea_query::Expr,
};
use serde_json::{Value, json};
use url::Url;

use super::{Network, actors, keys};
use crate::domain::error::{AppError, AppResult};
use crate::domain::regions;
use crate::infra::entities::{case, follow, item, need, offer, organisation, region, remote_actor};
use crate::infra::{
    events::Event,
    uow::{OutboxRecord, UnitOfWork},
};
use crate::vocab::{FollowDirection, FollowState, NeedStatus, OfferStatus, Visibility};

/// Queues what the network must learn of the changes made in this unit (called just before it commits).
pub async fn outgoing(uow: &mut UnitOfWork, net: &Network) -> AppResult<()> {
    let events: Vec<Event> = uow.pending_events().to_vec();
    let mut gates = Gates::default();
    // Households first: a changed name or phone may withdraw needs, which then sync below.
    let mut needs: BTreeSet<i64> = BTreeSet::new();
    for event in &events {
        match *event {
            Event::Case(id) => needs.extend(recheck_household(uow, &mut gates, id).await?),
            Event::Need(id) => {
                needs.insert(id);
            }
            _ => {}
        }
    }
    for id in needs {
        sync_need(uow, net, &mut gates, id).await?;
    }
    for event in events {
        match event {
            Event::Offer(id) => sync_offer(uow, net, &mut gates, id).await?,
            Event::Organisation(id) => update_actor(uow, net, id).await?,
            _ => {}
        }
    }
    Ok(())
}

/// The PII gate of each organisation touched in a unit, and the region chains already read in it (the counts behind
/// a region's generalisation do not change within one unit).
#[derive(Default)]
pub struct Gates(HashMap<i64, Arc<Gate>>, HashMap<(i64, String, bool), Vec<(String, usize)>>);

/// What identifies the state of an organisation's households: their count, last change and last id.
type HouseholdsVersion = (i64, Option<DateTime<Utc>>, Option<i64>);

/// Built gates, shared by every unit: an organisation's gate is rebuilt only when its households changed, so saving
/// a need does not index 50,000 households each time. One entry per local organisation.
type BuiltGates = Mutex<HashMap<i64, (HouseholdsVersion, Arc<Gate>)>>;

/// The gates built so far.
static BUILT: LazyLock<BuiltGates> = LazyLock::new(Mutex::default);

impl Gates {
    /// The gate over every household `org_id` has registered.
    pub async fn of(&mut self, db: &impl ConnectionTrait, org_id: i64) -> AppResult<&Gate> {
        let vacant = match self.0.entry(org_id) {
            std::collections::hash_map::Entry::Occupied(e) => return Ok(e.into_mut()),
            std::collections::hash_map::Entry::Vacant(v) => v,
        };
        let version: Option<HouseholdsVersion> = case::Entity::find()
            .select_only()
            .column_as(case::Column::Id.count(), "n")
            .column_as(case::Column::UpdatedAt.max(), "changed")
            .column_as(case::Column::Id.max(), "last")
            .filter(case::Column::OrgId.eq(org_id))
            .into_tuple()
            .one(db)
            .await?;
        let version = version.unwrap_or((0, None, None));
        let cached = BUILT
            .lock()
            .ok()
            .and_then(|b| b.get(&org_id).filter(|(v, _)| *v == version).map(|(_, g)| g.clone()));
        let gate = match cached {
            Some(g) => g,
            None => {
                let households: Vec<pii::Household> = case::Entity::find()
                    .filter(case::Column::OrgId.eq(org_id))
                    .all(db)
                    .await?
                    .iter()
                    .map(household)
                    .collect();
                let gate = Arc::new(Gate::new(&households));
                if let Ok(mut b) = BUILT.lock() {
                    b.insert(org_id, (version, gate.clone()));
                }
                gate
            }
        };
        Ok(vacant.insert(gate))
    }

    /// [`region_chain`], read once per organisation, region and kind in this unit.
    async fn region_chain(
        &mut self,
        db: &impl ConnectionTrait,
        org_id: i64,
        code: &str,
        count: bool,
        k_floor: usize,
    ) -> AppResult<Vec<(String, usize)>> {
        let key = (org_id, code.to_owned(), count);
        if let Some(chain) = self.1.get(&key) {
            return Ok(chain.clone());
        }
        let chain = region_chain(db, org_id, code, count, k_floor).await?;
        self.1.insert(key, chain.clone());
        Ok(chain)
    }
}

/// The identifying values of a household, as the gate looks for them.
pub fn household(c: &case::Model) -> pii::Household {
    pii::Household {
        name: c.head_name.clone(),
        phone: c.phone.clone(),
        national_id: c.national_id.clone(),
    }
}

/// Properties Sanad writes itself (addresses, types, times, the proof): random ids and signatures would otherwise
/// read as digit runs that may end like someone's phone number.
const STRUCTURAL: &[&str] = &[
    "@context",
    "id",
    "type",
    "actor",
    "attributedTo",
    "to",
    "cc",
    "followers",
    "published",
    "updated",
    "proof",
    "mediaType",
    "action",
];

/// The gate over a whole outgoing payload: every string and number in it, except the structural properties.
pub fn gate_payload(gate: &Gate, payload: &Value) -> Vec<pii::Finding> {
    fn walk(gate: &Gate, v: &Value, out: &mut Vec<pii::Finding>) {
        match v {
            Value::Object(m) => {
                for (k, x) in m {
                    if !STRUCTURAL.contains(&k.as_str()) {
                        walk(gate, x, out);
                    }
                }
            }
            Value::Array(a) => a.iter().for_each(|x| walk(gate, x, out)),
            leaf => out.extend(gate.scan_json(leaf)),
        }
    }
    let mut out = Vec::new();
    walk(gate, payload, &mut out);
    out
}

/// Re-checks a household's shared needs after its name, phone or id changed: a need whose summary now carries one
/// of them is made private (and so withdrawn from the network). Returns the needs to sync.
async fn recheck_household(
    uow: &mut UnitOfWork,
    gates: &mut Gates,
    case_id: i64,
) -> AppResult<Vec<i64>> {
    let Some(c) = case::Entity::find_by_id(case_id).one(uow.db()).await? else {
        return Ok(Vec::new());
    };
    // The organisation's gate is rebuilt: it must know the household's new values.
    gates.0.remove(&c.org_id);
    let gate = Gate::new(&[household(&c)]);
    let shared = need::Entity::find()
        .filter(need::Column::OrgId.eq(c.org_id))
        .filter(need::Column::Visibility.ne(Visibility::Private))
        .all(uow.db())
        .await?;
    let mut out = Vec::new();
    for n in shared {
        if !gate.scan(&n.public_summary).is_empty() || !gate.scan(&n.item).is_empty() {
            need::Entity::update_many()
                .col_expr(need::Column::Visibility, Expr::value(Visibility::Private))
                .filter(need::Column::Id.eq(n.id))
                .exec(uow.db())
                .await?;
            crate::domain::audit::record_raw(
                uow,
                Some(c.org_id),
                None,
                "need.withdrawn",
                "need",
                Some(n.id),
                json!({"reason": "summary-identifies-household"}),
            );
            // Not only the network: the search index drops it too.
            uow.emit(Event::Need(n.id));
            out.push(n.id);
        } else if n.case_id == Some(case_id) {
            out.push(n.id);
        }
    }
    Ok(out)
}

/// Where the organisation's followers are reached: one shared inbox per host, hosts the operator refuses left out.
pub async fn follower_inboxes(
    db: &impl ConnectionTrait,
    net: &Network,
    org_id: i64,
) -> AppResult<Vec<(String, String)>> {
    let actors: Vec<remote_actor::Model> = remote_actor::Entity::find()
        .filter(
            remote_actor::Column::Id.in_subquery(
                follow::Entity::find()
                    .select_only()
                    .column(follow::Column::RemoteActorId)
                    .filter(follow::Column::OrgId.eq(org_id))
                    .filter(follow::Column::Direction.eq(FollowDirection::Follower))
                    .filter(follow::Column::State.eq(FollowState::Accepted))
                    .into_query(),
            ),
        )
        .all(db)
        .await?;
    let mut out: Vec<(String, String)> = Vec::new();
    for a in &actors {
        let target = actors::delivery_inbox(a);
        if !out.contains(&target) && !super::peers::refused(db, &net.settings, &target.0).await? {
            out.push(target);
        }
    }
    Ok(out)
}

/// Who an activity is addressed to.
#[derive(Clone, Debug)]
pub enum Addressed {
    /// A listing's audience (public and followers, or followers only).
    Listing(Audience),
    /// One actor (Follow, Accept, Reject, Undo).
    Actor(String),
}

/// The field error that says what the PII gate found.
pub fn finding_error(found: &pii::Finding) -> &'static str {
    match found {
        pii::Finding::Phone(_) => "err-identifies-phone",
        pii::Finding::Email(_) => "err-identifies-email",
        pii::Finding::IdNumber(_) => "err-identifies-id",
        pii::Finding::Name(_) => "err-identifies-name",
    }
}

/// Builds and queues one activity of a local organisation.
pub async fn enqueue(
    uow: &mut UnitOfWork,
    net: &Network,
    org: &organisation::Model,
    kind: &str,
    object: Value,
    to: Addressed,
    inboxes: Vec<(String, String)>,
) -> AppResult<Url> {
    enqueue_with(uow, net, org, kind, object, None, to, inboxes).await
}

/// Builds and queues one activity of a local organisation, with one more property beside its object (an `Accept`'s
/// `result`, a `Reject`'s `content`).
#[allow(clippy::too_many_arguments)]
pub async fn enqueue_with(
    uow: &mut UnitOfWork,
    net: &Network,
    org: &organisation::Model,
    kind: &str,
    object: Value,
    extra: Option<(&str, Value)>,
    to: Addressed,
    inboxes: Vec<(String, String)>,
) -> AppResult<Url> {
    let actor = net.urls.org(&org.slug);
    let followers = net.urls.followers(&org.slug);
    let id = net.urls.new_activity();
    let (to, cc) = match to {
        Addressed::Listing(Audience::Public) => (json!([PUBLIC]), json!([followers])),
        Addressed::Listing(Audience::Followers) => (json!([followers]), json!([])),
        Addressed::Actor(a) => (json!([a]), json!([])),
    };
    let mut activity = json!({
        "@context": vocab::context(),
        "id": id,
        "type": kind,
        "actor": actor,
        "object": object,
        "to": to,
        "cc": cc,
        "published": vocab::rfc3339(Utc::now()),
    });
    if let (Some((key, value)), Some(map)) = (extra, activity.as_object_mut()) {
        map.insert(key.to_owned(), value);
    }
    uow.enqueue(OutboxRecord {
        org_id: Some(org.id),
        activity_id: id.to_string(),
        kind: kind.to_owned(),
        payload: activity,
        actor_id: actor.to_string(),
        inboxes,
    });
    Ok(id)
}

/// Signs a listing, passes the whole object through the PII gate, and queues it as `kind` (`Create`/`Update`).
#[allow(clippy::too_many_arguments)]
async fn share(
    uow: &mut UnitOfWork,
    net: &Network,
    gates: &mut Gates,
    org: &organisation::Model,
    kind: &str,
    object: Value,
    visibility: Visibility,
    inboxes: Vec<(String, String)>,
) -> AppResult<()> {
    let keys = org_keys(uow, net, org.id).await?;
    let object = signed_object(object, &net.urls.org(&org.slug), &keys)?;
    let found = gate_payload(gates.of(uow.db(), org.id).await?, &object);
    if !found.is_empty() {
        tracing::error!(kinds = ?found.iter().map(pii::Finding::kind).collect::<Vec<_>>(),
            "the PII gate stopped an outgoing listing");
        return Err(AppError::Conflict("err-pii-gate"));
    }
    let to = Addressed::Listing(audience(visibility).unwrap_or(Audience::Followers));
    enqueue(uow, net, org, kind, object, to, inboxes).await?;
    Ok(())
}

/// Signs a proposal with the organisation's proof key (the object carries its own `@context`, so it stays
/// verifiable when relayed).
pub fn signed_object(listing_object: Value, actor: &Url, keys: &keys::OrgKeys) -> AppResult<Value> {
    let mut doc = json!({"@context": vocab::context()});
    if let (Some(map), Value::Object(fields)) = (doc.as_object_mut(), listing_object) {
        map.extend(fields);
    }
    proof::sign(
        &doc,
        &keys.proof,
        &format!("{actor}#{}", sanad_federation::actor::PROOF_KEY),
        Utc::now(),
    )
    .map_err(|e| AppError::internal(format!("signing a proposal: {e}")))
}

/// A listing as served at its id or in the outbox: signed, and only when the PII gate finds nothing in it (the
/// same last check as for what is pushed to followers).
pub async fn servable(
    db: &impl ConnectionTrait,
    net: &Network,
    org: &organisation::Model,
    listing: Option<Value>,
) -> AppResult<Option<Value>> {
    let Some(listing) = listing else { return Ok(None) };
    let keys = keys::ensure(db, &net.keys, org.id).await?;
    let object = signed_object(listing, &net.urls.org(&org.slug), &keys)?;
    let mut gates = Gates::default();
    Ok(gate_payload(gates.of(db, org.id).await?, &object).is_empty().then_some(object))
}

/// The region of a listing and its ancestors (finest first), each with the count of the organisation's open shared
/// needs inside it.
async fn region_chain(
    db: &impl ConnectionTrait,
    org_id: i64,
    code: &str,
    count: bool,
    k_floor: usize,
) -> AppResult<Vec<(String, usize)>> {
    let mut chain = Vec::new();
    let mut next = Some(code.to_owned());
    while let Some(code) = next.take() {
        if chain.len() > 8 {
            break;
        }
        let row = region::Entity::find_by_id(code.clone()).one(db).await?;
        // A region holds at least what the regions inside it hold: once one level has k, the count is not needed.
        let enough = chain.last().is_some_and(|(_, n): &(String, usize)| *n >= k_floor);
        let n = if count && !enough {
            need::Entity::find()
                .filter(need::Column::OrgId.eq(org_id))
                .filter(need::Column::Visibility.ne(Visibility::Private))
                .filter(need::Column::Status.is_in([NeedStatus::Open, NeedStatus::PartlyMet]))
                .filter(need::Column::RegionCode.in_subquery(regions::within(db, &code).await?))
                .count(db)
                .await? as usize
        } else {
            usize::MAX
        };
        chain.push((code, n));
        next = row.and_then(|r| r.parent_code);
    }
    Ok(chain)
}

fn publisher(net: &Network, org: &organisation::Model) -> Publisher {
    Publisher {
        actor: net.urls.org(&org.slug),
        followers: net.urls.followers(&org.slug),
        objects_base: net.urls.objects(),
    }
}

fn audience(v: Visibility) -> Option<Audience> {
    match v {
        Visibility::Private => None,
        Visibility::Network => Some(Audience::Followers),
        Visibility::Public => Some(Audience::Public),
    }
}

/// The organisation's keys (made now, from the pool or fresh, if it has none yet).
async fn org_keys(uow: &mut UnitOfWork, net: &Network, org_id: i64) -> AppResult<keys::OrgKeys> {
    keys::ensure(uow.db(), &net.keys, org_id).await
}

/// A need's listing as it stands (or none when it must not be shared).
pub async fn need_listing(
    db: &impl ConnectionTrait,
    net: &Network,
    gates: &mut Gates,
    n: &need::Model,
    org: &organisation::Model,
) -> AppResult<Option<Value>> {
    let household = match n.case_id {
        Some(id) => case::Entity::find_by_id(id).one(db).await?,
        None => None,
    };
    let Some(aud) = audience(n.visibility) else { return Ok(None) };
    if n.status == NeedStatus::Cancelled || household.as_ref().is_some_and(|c| !c.consent_share) {
        return Ok(None);
    }
    let gate = gates.of(db, org.id).await?;
    if !gate.scan(&n.public_summary).is_empty() || !gate.scan(&n.item).is_empty() {
        return Ok(None);
    }
    let source = Source {
        object_uuid: n.ap_id.clone().unwrap_or_default(),
        purpose: Purpose::Request,
        audience: aud,
        item: n.item.clone(),
        summary: n.public_summary.clone(),
        sector: n.sector.as_str().to_owned(),
        unit: n.unit.clone(),
        quantity: n.quantity,
        quantity_met: n.quantity_met,
        quantity_committed: n.quantity_committed,
        available: 0,
        regions: gates
            .region_chain(db, org.id, &n.region_code, true, net.settings.k_anonymity)
            .await?,
        urgency: Some(n.urgency.as_str().to_owned()),
        needed_by: n.needed_by,
        status: n.status.as_str().to_owned(),
        household_size: household.as_ref().map(|c| c.household_size),
        published: n.federated_at.unwrap_or(n.updated_at),
        updated: n.updated_at,
    };
    Ok(projection::project(&source, &publisher(net, org), net.settings.k_anonymity)
        .map(|l| l.to_object()))
}

async fn sync_need(
    uow: &mut UnitOfWork,
    net: &Network,
    gates: &mut Gates,
    id: i64,
) -> AppResult<()> {
    let Some(mut n) = need::Entity::find_by_id(id).one(uow.db()).await? else { return Ok(()) };
    let Some(org) = organisation::Entity::find_by_id(n.org_id).one(uow.db()).await? else {
        return Ok(());
    };
    if n.ap_id.is_none() {
        n.ap_id = Some(uuid::Uuid::new_v4().to_string());
    }
    let listing = need_listing(uow.db(), net, gates, &n, &org).await?;
    // `published` is read from `federated_at`: first shared when it was last changed.
    let known = Known { ap_id: n.ap_id, federated_at: n.federated_at };
    let known =
        reconcile(uow, net, gates, &org, listing, n.visibility, known, n.updated_at).await?;
    need::Entity::update_many()
        .col_expr(need::Column::ApId, Expr::value(known.ap_id))
        .col_expr(need::Column::FederatedAt, Expr::value(known.federated_at))
        .filter(need::Column::Id.eq(id))
        .exec(uow.db())
        .await?;
    Ok(())
}

/// What the network knows of one listing: its object id, and when it was first shared (none while it is not).
struct Known {
    ap_id: Option<String>,
    federated_at: Option<DateTime<Utc>>,
}

/// Brings the network up to date with one listing (`listing` is what may be shared now, or none): `Create` when it
/// starts being shared, `Update` while it is, `Delete` when it stops. A deleted listing loses its object id:
/// receivers keep a tombstone of it, so shared again it gets a new one. `first` is when it is first shared.
#[allow(clippy::too_many_arguments)]
async fn reconcile(
    uow: &mut UnitOfWork,
    net: &Network,
    gates: &mut Gates,
    org: &organisation::Model,
    listing: Option<Value>,
    visibility: Visibility,
    known: Known,
    first: DateTime<Utc>,
) -> AppResult<Known> {
    let was_shared = known.federated_at.is_some();
    match listing {
        Some(object) => {
            let inboxes = follower_inboxes(uow.db(), net, org.id).await?;
            let kind = if was_shared { "Update" } else { "Create" };
            share(uow, net, gates, org, kind, object, visibility, inboxes).await?;
            Ok(Known { federated_at: Some(known.federated_at.unwrap_or(first)), ..known })
        }
        None if was_shared => {
            delete_object(uow, net, org, known.ap_id.as_deref().unwrap_or_default()).await?;
            Ok(Known { ap_id: None, federated_at: None })
        }
        None => Ok(known),
    }
}

async fn delete_object(
    uow: &mut UnitOfWork,
    net: &Network,
    org: &organisation::Model,
    uuid: &str,
) -> AppResult<()> {
    let object_id = net.urls.objects().join(uuid).map_err(|e| AppError::internal(e.to_string()))?;
    let inboxes = follower_inboxes(uow.db(), net, org.id).await?;
    let tombstone = json!({"id": object_id, "type": "Tombstone"});
    enqueue(uow, net, org, "Delete", tombstone, Addressed::Listing(Audience::Public), inboxes)
        .await?;
    Ok(())
}

/// An offer's listing as it stands (or none when it must not be shared).
pub async fn offer_listing(
    db: &impl ConnectionTrait,
    net: &Network,
    o: &offer::Model,
    org: &organisation::Model,
) -> AppResult<Option<Value>> {
    let Some(aud) = audience(o.visibility) else { return Ok(None) };
    if o.status != OfferStatus::Active || o.available_until < Utc::now().date_naive() {
        return Ok(None);
    }
    let Some(it) = item::Entity::find_by_id(o.item_id).one(db).await? else { return Ok(None) };
    let name = match (it.name_ar.trim(), it.name_en.trim()) {
        (ar, en) if !ar.is_empty() && !en.is_empty() && ar != en => format!("{ar} — {en}"),
        (ar, "") => ar.to_owned(),
        (_, en) => en.to_owned(),
    };
    let source = Source {
        object_uuid: o.ap_id.clone().unwrap_or_default(),
        purpose: Purpose::Offer,
        audience: aud,
        item: name,
        summary: String::new(),
        sector: it.sector.as_str().to_owned(),
        unit: it.unit.clone(),
        quantity: o.quantity,
        quantity_met: 0,
        quantity_committed: 0,
        available: o.quantity,
        regions: region_chain(db, org.id, &o.region_code, false, 0).await?,
        urgency: None,
        needed_by: Some(o.available_until),
        status: o.status.as_str().to_owned(),
        household_size: None,
        published: o.federated_at.unwrap_or(o.created_at),
        updated: Utc::now(),
    };
    Ok(projection::project(&source, &publisher(net, org), net.settings.k_anonymity)
        .map(|l| l.to_object()))
}

async fn sync_offer(
    uow: &mut UnitOfWork,
    net: &Network,
    gates: &mut Gates,
    id: i64,
) -> AppResult<()> {
    let Some(mut o) = offer::Entity::find_by_id(id).one(uow.db()).await? else { return Ok(()) };
    let Some(org) = organisation::Entity::find_by_id(o.org_id).one(uow.db()).await? else {
        return Ok(());
    };
    if o.ap_id.is_none() {
        o.ap_id = Some(uuid::Uuid::new_v4().to_string());
    }
    let listing = offer_listing(uow.db(), net, &o, &org).await?;
    let known = Known { ap_id: o.ap_id, federated_at: o.federated_at };
    let known =
        reconcile(uow, net, gates, &org, listing, o.visibility, known, o.created_at).await?;
    offer::Entity::update_many()
        .col_expr(offer::Column::ApId, Expr::value(known.ap_id))
        .col_expr(offer::Column::FederatedAt, Expr::value(known.federated_at))
        .filter(offer::Column::Id.eq(id))
        .exec(uow.db())
        .await?;
    Ok(())
}

/// Tells followers an organisation's actor changed (profile edited, keys rotated).
pub async fn update_actor(uow: &mut UnitOfWork, net: &Network, org_id: i64) -> AppResult<()> {
    let Some(org) = organisation::Entity::find_by_id(org_id).one(uow.db()).await? else {
        return Ok(());
    };
    if !org.local {
        return Ok(());
    }
    let inboxes = follower_inboxes(uow.db(), net, org.id).await?;
    if inboxes.is_empty() {
        return Ok(());
    }
    let keys = org_keys(uow, net, org.id).await?;
    let mut doc = actors::org_document(&net.urls, &org, &keys);
    if let Some(map) = doc.as_object_mut() {
        map.remove("@context");
    }
    enqueue(uow, net, &org, "Update", doc, Addressed::Listing(Audience::Public), inboxes).await?;
    Ok(())
}

/// A listing the PII gate stops is left out of a backfill rather than failing it (its next change withdraws it).
fn skip_refused(result: AppResult<()>) -> AppResult<()> {
    match result {
        Err(AppError::Conflict("err-pii-gate")) => Ok(()),
        other => other,
    }
}

/// Sends one follower everything the organisation currently shares (after its follow is accepted).
pub async fn backfill(
    uow: &mut UnitOfWork,
    net: &Network,
    org: &organisation::Model,
    inbox: (String, String),
) -> AppResult<()> {
    let mut gates = Gates::default();
    let shared = need::Entity::find()
        .filter(need::Column::OrgId.eq(org.id))
        .filter(need::Column::FederatedAt.is_not_null())
        .all(uow.db())
        .await?;
    for n in shared {
        if let Some(object) = need_listing(uow.db(), net, &mut gates, &n, org).await? {
            let shared = share(
                uow,
                net,
                &mut gates,
                org,
                "Create",
                object,
                n.visibility,
                vec![inbox.clone()],
            );
            skip_refused(shared.await)?;
        }
    }
    let offers = offer::Entity::find()
        .filter(offer::Column::OrgId.eq(org.id))
        .filter(offer::Column::FederatedAt.is_not_null())
        .all(uow.db())
        .await?;
    for o in offers {
        if let Some(object) = offer_listing(uow.db(), net, &o, org).await? {
            let shared = share(
                uow,
                net,
                &mut gates,
                org,
                "Create",
                object,
                o.visibility,
                vec![inbox.clone()],
            );
            skip_refused(shared.await)?;
        }
    }
    Ok(())
}

/// Sends every listing the organisation shares again, re-signed (after a key rotation).
pub async fn resign_all(
    uow: &mut UnitOfWork,
    net: &Network,
    org: &organisation::Model,
) -> AppResult<usize> {
    let mut gates = Gates::default();
    let needs: Vec<i64> = need::Entity::find()
        .filter(need::Column::OrgId.eq(org.id))
        .filter(need::Column::FederatedAt.is_not_null())
        .all(uow.db())
        .await?
        .into_iter()
        .map(|n| n.id)
        .collect();
    let offers: Vec<i64> = offer::Entity::find()
        .filter(offer::Column::OrgId.eq(org.id))
        .filter(offer::Column::FederatedAt.is_not_null())
        .all(uow.db())
        .await?
        .into_iter()
        .map(|o| o.id)
        .collect();
    // Newer than what followers hold, so that they replace it with the copy proved by the new key.
    need::Entity::update_many()
        .col_expr(need::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(need::Column::Id.is_in(needs.clone()))
        .exec(uow.db())
        .await?;
    for id in &needs {
        sync_need(uow, net, &mut gates, *id).await?;
    }
    for id in &offers {
        sync_offer(uow, net, &mut gates, *id).await?;
    }
    Ok(needs.len() + offers.len())
}
