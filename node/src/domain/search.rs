//! What the search index holds of this node's data, and who may find it.
//!
//! A local need or offer is indexed as the network sees it: the listing made by the one anonymising projection (the
//! region generalised, nothing the PII gate refuses), so the public search page shows donors exactly what peers
//! receive. A private listing, a cancelled one, or one the gate refuses is not in the index at all. A received
//! listing is indexed as it arrived. Who may find an entry is part of it: `public`, or `org:{id}` for each local
//! organisation allowed (the origin itself for its own network-only listings; the followers of the sender, or the
//! one organisation it was addressed to, for received ones). Organisations of the directory are local ones and the
//! remote organisations this node knows.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use sanad_federation::vocab::{self, Purpose};
use sanad_search::index::{Change, Listing, Organisation};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde_json::Value;

use crate::domain::error::AppResult;
use crate::domain::network::{Network, host_of, peers, publish};
use crate::infra::entities::{
    follow, need, offer, organisation, region, remote_actor, remote_object,
};
use crate::infra::events::Event;
use crate::vocab::{FollowDirection, FollowState, Visibility};

/// The index key of a local need.
fn need_key(id: i64) -> String {
    format!("need:{id}")
}

fn offer_key(id: i64) -> String {
    format!("offer:{id}")
}

fn remote_key(id: i64) -> String {
    format!("remote:{id}")
}

fn org_key(id: i64) -> String {
    format!("org:{id}")
}

fn actor_key(id: i64) -> String {
    format!("actor:{id}")
}

/// Urgency codes as the index orders them.
pub fn urgency_rank(code: &str) -> Option<u64> {
    match code {
        "low" => Some(0),
        "medium" => Some(1),
        "high" => Some(2),
        "critical" => Some(3),
        _ => None,
    }
}

/// The code of an urgency rank.
pub fn urgency_code(rank: u64) -> &'static str {
    match rank {
        0 => "low",
        1 => "medium",
        2 => "high",
        _ => "critical",
    }
}

fn day(d: NaiveDate) -> i64 {
    (d - NaiveDate::default()).num_days()
}

fn ms(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

/// A listing object (FEP-0837 `Proposal`) as the index holds it.
fn from_object(
    key: String,
    object: &Value,
    origin_name: String,
    audience: Vec<String>,
    verified: bool,
) -> Option<Listing> {
    let r = vocab::read_proposal(object).ok()?;
    let mut region_path: Vec<String> = r.region_path.iter().rev().cloned().collect();
    region_path.extend(r.region_code.clone());
    let (quantity, met) = match r.purpose {
        Purpose::Request => (r.quantity, r.quantity_met),
        Purpose::Offer => (r.available, 0),
    };
    Some(Listing {
        key,
        id: r.id.to_string(),
        kind: match r.purpose {
            Purpose::Request => "need",
            Purpose::Offer => "offer",
        }
        .to_owned(),
        origin: r.attributed_to.to_string(),
        origin_name,
        item: r.item,
        summary: r.summary,
        sector: r.sector,
        region_path,
        urgency: urgency_rank(&r.urgency).unwrap_or(1),
        status: r.status,
        unit: r.unit,
        quantity: quantity.max(0) as u64,
        quantity_met: met.max(0) as u64,
        needed_by_day: r.needed_by.map(day),
        published_ms: r.published.map(ms).unwrap_or_default(),
        updated_ms: r.updated.map(ms).unwrap_or_default(),
        verified,
        audience,
        url: r.id.to_string(),
    })
}

/// An organisation's display name: English when it has one, else Arabic.
fn org_name(org: &organisation::Model) -> String {
    if org.name_en.trim().is_empty() { org.name_ar.clone() } else { org.name_en.clone() }
}

/// Who may find a local listing of `visibility`.
fn local_audience(visibility: Visibility, org_id: i64) -> Vec<String> {
    match visibility {
        Visibility::Public => vec!["public".into()],
        _ => vec![format!("org:{org_id}")],
    }
}

/// A remote actor as the index needs it.
#[derive(Clone, Debug)]
struct Known {
    actor: remote_actor::Model,
    /// The local organisations following it (accepted).
    followers: Vec<i64>,
    /// Whether its host is refused (blocked, or not allowed in allow-list mode).
    refused: bool,
}

/// Reads the index's view of this node's data; caches what many entries share.
pub struct Reader<'a, C: ConnectionTrait> {
    db: &'a C,
    net: &'a Network,
    gates: publish::Gates,
    orgs: HashMap<i64, Option<organisation::Model>>,
    actors: HashMap<i64, Option<Known>>,
    paths: HashMap<String, Vec<String>>,
}

impl<'a, C: ConnectionTrait> Reader<'a, C> {
    /// A reader over `db`.
    pub fn new(db: &'a C, net: &'a Network) -> Self {
        Self {
            db,
            net,
            gates: publish::Gates::default(),
            orgs: HashMap::new(),
            actors: HashMap::new(),
            paths: HashMap::new(),
        }
    }

    async fn org(&mut self, id: i64) -> AppResult<Option<organisation::Model>> {
        if let Some(org) = self.orgs.get(&id) {
            return Ok(org.clone());
        }
        let org = organisation::Entity::find_by_id(id).one(self.db).await?;
        self.orgs.insert(id, org.clone());
        Ok(org)
    }

    /// A remote actor, the local organisations that follow it, and whether its host is refused.
    async fn actor(&mut self, id: i64) -> AppResult<Option<Known>> {
        if let Some(a) = self.actors.get(&id) {
            return Ok(a.clone());
        }
        let found = match remote_actor::Entity::find_by_id(id).one(self.db).await? {
            Some(actor) => {
                let followers: Vec<i64> = follow::Entity::find()
                    .select_only()
                    .column(follow::Column::OrgId)
                    .filter(follow::Column::RemoteActorId.eq(id))
                    .filter(follow::Column::Direction.eq(FollowDirection::Following))
                    .filter(follow::Column::State.eq(FollowState::Accepted))
                    .into_tuple()
                    .all(self.db)
                    .await?;
                let refused = peers::refused(self.db, &self.net.settings, &actor.host).await?;
                Some(Known { actor, followers, refused })
            }
            None => None,
        };
        self.actors.insert(id, found.clone());
        Ok(found)
    }

    /// A region's path, country first (just the code when the gazetteer does not know it).
    async fn path(&mut self, code: &str) -> AppResult<Vec<String>> {
        if code.is_empty() {
            return Ok(Vec::new());
        }
        if let Some(p) = self.paths.get(code) {
            return Ok(p.clone());
        }
        let path = match region::Entity::find_by_id(code.to_owned()).one(self.db).await? {
            Some(r) => r.path.split('/').filter(|s| !s.is_empty()).map(str::to_owned).collect(),
            None => vec![code.to_owned()],
        };
        self.paths.insert(code.to_owned(), path.clone());
        Ok(path)
    }

    /// An address on this node.
    fn local_url(&self, path: &str) -> String {
        format!("{}{path}", self.net.urls.base().as_str().trim_end_matches('/'))
    }

    /// A local need's entry, or its removal when it must not be found.
    pub async fn need(&mut self, n: &need::Model) -> AppResult<Change> {
        let Some(org) = self.org(n.org_id).await? else {
            return Ok(Change::Remove(need_key(n.id)));
        };
        let object = if n.ap_id.is_some() {
            publish::need_listing(self.db, self.net, &mut self.gates, n, &org).await?
        } else {
            None
        };
        let listing = object.and_then(|o| {
            from_object(
                need_key(n.id),
                &o,
                org_name(&org),
                local_audience(n.visibility, org.id),
                true,
            )
        });
        let Some(mut listing) = listing else { return Ok(Change::Remove(need_key(n.id))) };
        if n.visibility != Visibility::Public {
            // Only its organisation's staff find it, and its public address would answer 404.
            listing.url = self.local_url(&format!("/o/{}/needs/{}", org.slug, n.id));
        }
        Ok(Change::Listing(listing))
    }

    /// A local offer's entry, or its removal.
    pub async fn offer(&mut self, o: &offer::Model) -> AppResult<Change> {
        let Some(org) = self.org(o.org_id).await? else {
            return Ok(Change::Remove(offer_key(o.id)));
        };
        let object = if o.ap_id.is_some() {
            publish::offer_listing(self.db, self.net, o, &org).await?
        } else {
            None
        };
        let listing = object.and_then(|v| {
            from_object(
                offer_key(o.id),
                &v,
                org_name(&org),
                local_audience(o.visibility, org.id),
                true,
            )
        });
        let Some(mut listing) = listing else { return Ok(Change::Remove(offer_key(o.id))) };
        // The projection stamps an offer with the time it is made; its own time is when it was created.
        listing.updated_ms = ms(o.created_at);
        if o.visibility != Visibility::Public {
            listing.url = self.local_url(&format!("/o/{}/stock/offers", org.slug));
        }
        Ok(Change::Listing(listing))
    }

    /// A received listing's entry, or its removal (deleted, or from an actor no longer known).
    pub async fn remote(&mut self, o: &remote_object::Model) -> AppResult<Change> {
        let gone = Change::Remove(remote_key(o.id));
        if o.deleted_at.is_some() || !matches!(o.kind.as_str(), "need" | "offer") {
            return Ok(gone);
        }
        let Some(known) = self.actor(o.remote_actor_id).await? else { return Ok(gone) };
        // Only while a local organisation still receives it (it follows the sender, or it was addressed by name),
        // as the Network page shows it: from a sender no longer followed, or refused, no update or delete would
        // arrive any more, so it would stay "open" for ever.
        let receivers: Vec<String> = match o.addressed_org_id {
            Some(org) => vec![format!("org:{org}")],
            None => known.followers.iter().map(|id| format!("org:{id}")).collect(),
        };
        if known.refused || receivers.is_empty() {
            return Ok(gone);
        }
        let audience = if o.public { vec!["public".to_owned()] } else { receivers };
        let actor = known.actor;
        let Ok(object) = serde_json::from_str::<Value>(&o.payload) else { return Ok(gone) };
        let listing =
            from_object(remote_key(o.id), &object, actor.name.clone(), audience, o.proof_verified);
        Ok(listing.map_or(gone, Change::Listing))
    }

    /// A local organisation's entry in the directory.
    pub async fn organisation(&mut self, org: &organisation::Model) -> AppResult<Change> {
        if !org.local {
            return Ok(Change::Remove(org_key(org.id)));
        }
        let profile = crate::domain::network::actors::profile(org);
        let mut regions = Vec::new();
        for code in strings(&profile["regionsServed"]) {
            regions.push(self.path(&code).await?);
        }
        Ok(Change::Organisation(Organisation {
            key: org_key(org.id),
            id: self.net.urls.org(&org.slug).to_string(),
            name: org_name(org),
            name_ar: org.name_ar.clone(),
            description: org.description.clone(),
            sectors: strings(&profile["sectors"]),
            regions,
            node: self.net.urls.domain(),
            url: self.net.urls.org(&org.slug).to_string(),
        }))
    }

    /// A remote organisation's entry in the directory: only one this node is in touch with (a follow accepted
    /// either way, or a listing it holds), from a host it does not refuse. Any actor can make a node fetch it (a
    /// signed request is enough); that alone does not put it in the public directory.
    pub async fn remote_actor(&mut self, a: &remote_actor::Model) -> AppResult<Change> {
        let gone = Change::Remove(actor_key(a.id));
        if a.kind != "Organization" || peers::refused(self.db, &self.net.settings, &a.host).await? {
            return Ok(gone);
        }
        let follows = follow::Entity::find()
            .filter(follow::Column::RemoteActorId.eq(a.id))
            .filter(follow::Column::State.eq(FollowState::Accepted))
            .count(self.db)
            .await?;
        let listings = remote_object::Entity::find()
            .filter(remote_object::Column::RemoteActorId.eq(a.id))
            .filter(remote_object::Column::DeletedAt.is_null())
            .count(self.db)
            .await?;
        if follows == 0 && listings == 0 {
            return Ok(gone);
        }
        let profile: Value = serde_json::from_str(&a.profile).unwrap_or_default();
        let mut regions = Vec::new();
        for code in strings(&profile["regionsServed"]) {
            regions.push(self.path(&code).await?);
        }
        let url = url::Url::parse(&a.ap_id).ok();
        Ok(Change::Organisation(Organisation {
            key: actor_key(a.id),
            id: a.ap_id.clone(),
            name: a.name.clone(),
            name_ar: profile["nameMap"]["ar"].as_str().unwrap_or_default().to_owned(),
            description: profile["summary"].as_str().map(strip_tags).unwrap_or_default(),
            sectors: strings(&profile["sectors"]),
            regions,
            node: url.as_ref().and_then(host_of).unwrap_or_else(|| a.host.clone()),
            url: a.ap_id.clone(),
        }))
    }

    /// What an event changes in the index.
    pub async fn changes(&mut self, event: Event) -> AppResult<Vec<Change>> {
        let mut out = Vec::new();
        match event {
            Event::Need(id) => match need::Entity::find_by_id(id).one(self.db).await? {
                Some(n) => out.push(self.need(&n).await?),
                None => out.push(Change::Remove(need_key(id))),
            },
            Event::Offer(id) => match offer::Entity::find_by_id(id).one(self.db).await? {
                Some(o) => out.push(self.offer(&o).await?),
                None => out.push(Change::Remove(offer_key(id))),
            },
            Event::Case(id) => {
                for n in
                    need::Entity::find().filter(need::Column::CaseId.eq(id)).all(self.db).await?
                {
                    out.push(self.need(&n).await?);
                }
            }
            Event::Organisation(id) => {
                self.orgs.remove(&id);
                match organisation::Entity::find_by_id(id).one(self.db).await? {
                    Some(org) => out.push(self.organisation(&org).await?),
                    None => out.push(Change::Remove(org_key(id))),
                }
                // Its name is on each of its listings.
                for n in
                    need::Entity::find().filter(need::Column::OrgId.eq(id)).all(self.db).await?
                {
                    out.push(self.need(&n).await?);
                }
                for o in
                    offer::Entity::find().filter(offer::Column::OrgId.eq(id)).all(self.db).await?
                {
                    out.push(self.offer(&o).await?);
                }
            }
            Event::RemoteObject(id) => {
                match remote_object::Entity::find_by_id(id).one(self.db).await? {
                    Some(o) => out.push(self.remote(&o).await?),
                    None => out.push(Change::Remove(remote_key(id))),
                }
            }
            Event::RemoteActor(id) => {
                self.actors.remove(&id);
                match remote_actor::Entity::find_by_id(id).one(self.db).await? {
                    Some(a) => out.push(self.remote_actor(&a).await?),
                    None => out.push(Change::Remove(actor_key(id))),
                }
                let objects = remote_object::Entity::find()
                    .filter(remote_object::Column::RemoteActorId.eq(id))
                    .all(self.db)
                    .await?;
                for o in objects {
                    out.push(self.remote(&o).await?);
                }
            }
            Event::Outbox
            | Event::PeerHeard
            | Event::Inbox
            | Event::Commitment(_)
            | Event::Pledge(_)
            | Event::Mail
            | Event::MailSent(_) => {}
        }
        Ok(out)
    }
}

fn strings(v: &Value) -> Vec<String> {
    match v {
        Value::Array(a) => a.iter().filter_map(Value::as_str).map(str::to_owned).take(50).collect(),
        _ => Vec::new(),
    }
}

fn strip_tags(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut inside = false;
    for c in html.chars() {
        match c {
            '<' => inside = true,
            '>' => inside = false,
            c if !inside => out.push(c),
            _ => {}
        }
    }
    out
}

/// How many entries a rebuild reads (an upper bound: some are not indexed).
pub async fn count(db: &impl ConnectionTrait) -> AppResult<u64> {
    Ok(need::Entity::find().count(db).await?
        + offer::Entity::find().count(db).await?
        + remote_object::Entity::find()
            .filter(remote_object::Column::DeletedAt.is_null())
            .count(db)
            .await?
        + organisation::Entity::find().count(db).await?
        + remote_actor::Entity::find().count(db).await?)
}

/// Rows read at a time by a rebuild.
const PAGE: u64 = 2_000;

/// Reads every entry the index should hold, in pages, handing each to `sink` (with the number of rows read so
/// far, indexed or not).
pub async fn everything(
    db: &impl ConnectionTrait,
    net: &Network,
    mut sink: impl FnMut(Option<Change>, u64) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let mut reader = Reader::new(db, net);
    let mut read = 0u64;
    let mut put = |change: Change, read: u64| -> anyhow::Result<()> {
        match change {
            Change::Remove(_) => sink(None, read),
            c => sink(Some(c), read),
        }
    };
    for org in organisation::Entity::find().all(db).await? {
        read += 1;
        put(reader.organisation(&org).await?, read)?;
    }
    for a in remote_actor::Entity::find().all(db).await? {
        read += 1;
        put(reader.remote_actor(&a).await?, read)?;
    }
    // Each table in pages by id (a snapshot of 100,000 rows is never held at once).
    macro_rules! in_pages {
        ($entity:ident, $query:expr, $entry:ident) => {
            let mut after = 0;
            loop {
                let rows = $query
                    .filter($entity::Column::Id.gt(after))
                    .order_by_asc($entity::Column::Id)
                    .limit(PAGE)
                    .all(db)
                    .await?;
                let Some(last) = rows.last() else { break };
                after = last.id;
                for row in &rows {
                    read += 1;
                    put(reader.$entry(row).await?, read)?;
                }
            }
        };
    }
    in_pages!(need, need::Entity::find(), need);
    in_pages!(offer, offer::Entity::find(), offer);
    in_pages!(
        remote_object,
        remote_object::Entity::find().filter(remote_object::Column::DeletedAt.is_null()),
        remote
    );
    Ok(())
}

/// A search as typed in the page's form or the API's query string: every value as sent.
#[derive(Clone, Debug, Default, serde::Deserialize)]
pub struct SearchParams {
    /// Free text.
    pub q: Option<String>,
    /// `need`, `offer` or `organisation`.
    pub kind: Option<String>,
    /// Sector code.
    pub sector: Option<String>,
    /// Region code: that region and everything inside it.
    pub region: Option<String>,
    /// Status codes, comma-separated; `any` for all. Default: open listings only.
    pub status: Option<String>,
    /// Urgency codes, comma-separated.
    pub urgency: Option<String>,
    /// Origin organisation: a local slug, or an actor URL.
    pub org: Option<String>,
    /// `relevance`, `urgency` or `recency`.
    pub sort: Option<String>,
    /// Page, from 1.
    pub page: Option<String>,
    /// Results a page (1 to 100).
    pub per_page: Option<String>,
    /// Needed by on or after (YYYY-MM-DD).
    pub needed_from: Option<String>,
    /// Needed by on or before (YYYY-MM-DD).
    pub needed_until: Option<String>,
}

/// Statuses a search keeps unless told otherwise: what is still open.
pub const OPEN: &[&str] = &sanad_search::index::OPEN_STATUSES;

/// Every status a listing can have.
const STATUSES: &[&str] =
    &["open", "partly-met", "met", "cancelled", "active", "withdrawn", "expired"];

/// The deepest result a search pages to.
pub const MAX_OFFSET: usize = sanad_search::index::MAX_OFFSET;

/// Longest free text accepted, in characters.
const MAX_TEXT: usize = 500;

fn given(v: &Option<String>) -> Option<String> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned)
}

/// Checks a search's parameters (each bad one named, with the reason) and makes the index's query. `viewer_orgs` are
/// the organisations whose network-only entries the caller may see; `index` knows the regions of peers' listings
/// that the gazetteer does not.
pub async fn query(
    db: &impl ConnectionTrait,
    net: &Network,
    p: &SearchParams,
    viewer_orgs: Vec<i64>,
    index: &sanad_search::index::SearchIndex,
) -> AppResult<sanad_search::index::SearchQuery> {
    use crate::domain::error::{AppError, FieldErrors};
    use crate::vocab::Sector;
    let mut errors = FieldErrors::default();
    let mut q = sanad_search::index::SearchQuery {
        viewer_orgs,
        per_page: 20,
        page: 1,
        // The page and the API always show them.
        facets: true,
        ..Default::default()
    };
    if let Some(text) = &p.q {
        if text.chars().count() > MAX_TEXT {
            errors.add("q", "err-too-long");
        }
        q.text = text.chars().take(MAX_TEXT).collect();
    }
    if let Some(kind) = given(&p.kind) {
        match kind.as_str() {
            "need" | "offer" | sanad_search::index::ORGANISATION => q.kind = Some(kind),
            _ => errors.add("kind", "err-unknown-choice"),
        }
    }
    if let Some(sector) = given(&p.sector) {
        match Sector::parse(&sector) {
            Some(s) => q.sector = Some(s.as_str().to_owned()),
            // What a peer's listing without a Sanad sector is filed under.
            None if sector == "other" => q.sector = Some(sector),
            None => errors.add("sector", "err-unknown-choice"),
        }
    }
    if let Some(code) = given(&p.region) {
        match region::Entity::find_by_id(code.clone()).one(db).await? {
            Some(r) => {
                q.region_path =
                    r.path.split('/').filter(|s| !s.is_empty()).map(str::to_owned).collect();
            }
            // A region of a peer's gazetteer: found by its code alone.
            None if index.has_region(&code) => q.region_path = vec![code],
            None => errors.add("region", "err-unknown-region"),
        }
    }
    // An offer past its date has expired even though no change said so.
    q.offers_until_from = Some(day(Utc::now().date_naive()));
    match given(&p.status) {
        Some(s) if s == "any" => q.offers_until_from = None,
        Some(s) => {
            for status in s.split(',').map(str::trim).filter(|s| !s.is_empty()) {
                if STATUSES.contains(&status) {
                    q.statuses.push(status.to_owned());
                } else {
                    errors.add("status", "err-unknown-choice");
                    break;
                }
            }
        }
        None => q.statuses = OPEN.iter().map(|s| (*s).to_owned()).collect(),
    }
    if let Some(u) = given(&p.urgency) {
        for code in u.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            match urgency_rank(code) {
                Some(rank) => q.urgencies.push(rank),
                None => {
                    errors.add("urgency", "err-unknown-choice");
                    break;
                }
            }
        }
    }
    if let Some(org) = given(&p.org) {
        if org.starts_with("https://") || org.starts_with("http://") {
            q.origin = Some(org);
        } else {
            match crate::domain::accounts::find_org(db, &org).await? {
                Some(o) => q.origin = Some(net.urls.org(&o.slug).to_string()),
                None => errors.add("org", "err-no-such-org"),
            }
        }
    }
    if let Some(sort) = given(&p.sort) {
        match sanad_search::index::Sort::parse(&sort) {
            Some(s) => q.sort = s,
            None => errors.add("sort", "err-unknown-choice"),
        }
    }
    let number = |field: &str, v: &Option<String>, max: usize, errors: &mut FieldErrors| {
        let raw = given(v)?;
        match sanad_search::fold_digits(&raw).parse::<usize>() {
            Ok(n) if (1..=max).contains(&n) => Some(n),
            Ok(_) => {
                errors.add(field, "err-out-of-range");
                None
            }
            Err(_) => {
                errors.add(field, "err-not-a-number");
                None
            }
        }
    };
    if let Some(page) = number("page", &p.page, 500, &mut errors) {
        q.page = page;
    }
    if let Some(n) = number("per_page", &p.per_page, 100, &mut errors) {
        q.per_page = n;
    }
    for (field, value, slot) in [
        ("needed_from", &p.needed_from, &mut q.needed_from),
        ("needed_until", &p.needed_until, &mut q.needed_until),
    ] {
        if let Some(raw) = given(value) {
            match NaiveDate::parse_from_str(&sanad_search::fold_digits(&raw), "%Y-%m-%d") {
                Ok(d) => *slot = Some(day(d)),
                Err(_) => errors.add(field, "err-date"),
            }
        }
    }
    if (q.page - 1) * q.per_page >= MAX_OFFSET && errors.get("page").is_none() {
        // Nobody reads that far; the index does not page past it.
        errors.add("page", "err-out-of-range");
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    Ok(q)
}
