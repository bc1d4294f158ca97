//! Peers: one row per host this node federates with. The operator's policy (open, allowed, blocked; or allow-list
//! only), and the delivery health the worker keeps (failures, backoff, dead and parked, counts).

use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, QueryTrait, sea_query::OnConflict,
};
use serde::Serialize;

use crate::config::FederationSettings;
use crate::domain::error::{AppError, AppResult};
use crate::infra::entities::{delivery, follow, peer, remote_actor};
use crate::infra::uow::UnitOfWork;
use crate::vocab::{DeliveryState, FollowDirection, FollowState, PeerPolicy, PeerState};

/// Normalises an operator-typed host (`Example.org`, `https://example.org/`, `example.org:8443`).
pub fn normalise_host(raw: &str) -> Option<String> {
    let raw = raw.trim();
    let raw = raw.strip_prefix("https://").or_else(|| raw.strip_prefix("http://")).unwrap_or(raw);
    let host = raw.trim_end_matches('/').to_ascii_lowercase();
    let ok = !host.is_empty()
        && host.len() <= 255
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'));
    ok.then_some(host)
}

/// The stored row of a host, if any.
pub async fn find(db: &impl ConnectionTrait, host: &str) -> AppResult<Option<peer::Model>> {
    Ok(peer::Entity::find().filter(peer::Column::Host.eq(host)).one(db).await?)
}

/// Whether this node refuses a host: blocked, or not allowed while the node federates with allowed hosts only.
pub async fn refused(
    db: &impl ConnectionTrait,
    settings: &FederationSettings,
    host: &str,
) -> AppResult<bool> {
    let policy = find(db, host).await?.map(|p| p.policy);
    Ok(match policy {
        Some(PeerPolicy::Blocked) => true,
        Some(PeerPolicy::Allowed) => false,
        Some(PeerPolicy::Open) | None => settings.allow_list_only,
    })
}

/// The row of a host, created when first met.
pub async fn ensure(db: &impl ConnectionTrait, host: &str) -> AppResult<peer::Model> {
    let row = peer::ActiveModel {
        host: Set(host.to_owned()),
        policy: Set(PeerPolicy::Open),
        state: Set(PeerState::Live),
        failures: Set(0),
        delivered: Set(0),
        failed: Set(0),
        rejected: Set(0),
        created_at: Set(Utc::now()),
        ..Default::default()
    };
    peer::Entity::insert(row)
        .on_conflict(OnConflict::column(peer::Column::Host).do_nothing().to_owned())
        .exec_without_returning(db)
        .await?;
    find(db, host).await?.ok_or(AppError::NotFound)
}

/// Sets the operator's policy for a host (`sanad federation block|allow|open HOST`).
pub async fn set_policy(
    uow: &mut UnitOfWork,
    host: &str,
    policy: PeerPolicy,
) -> AppResult<peer::Model> {
    let host = normalise_host(host).ok_or(AppError::BadRequest("err-bad-host"))?;
    let row = ensure(uow.db(), &host).await?;
    let mut active: peer::ActiveModel = row.into();
    active.policy = Set(policy);
    let row = active.update(uow.db()).await?;
    // What the host's actors shared leaves the search index while it is blocked (and comes back when it is not).
    let actors: Vec<i64> = remote_actor::Entity::find()
        .select_only()
        .column(remote_actor::Column::Id)
        .filter(remote_actor::Column::Host.eq(&host))
        .into_tuple()
        .all(uow.db())
        .await?;
    for id in actors {
        uow.emit(crate::infra::events::Event::RemoteActor(id));
    }
    if policy == PeerPolicy::Blocked {
        // Its actors stop following this node's organisations: nothing more is sent there, and should the block be
        // lifted they follow again and receive only what is shared then (never what was withdrawn meanwhile).
        follow::Entity::update_many()
            .col_expr(follow::Column::State, sea_orm::sea_query::Expr::value(FollowState::Rejected))
            .filter(follow::Column::Direction.eq(FollowDirection::Follower))
            .filter(
                follow::Column::RemoteActorId.in_subquery(
                    remote_actor::Entity::find()
                        .select_only()
                        .column(remote_actor::Column::Id)
                        .filter(remote_actor::Column::Host.eq(&host))
                        .into_query(),
                ),
            )
            .exec(uow.db())
            .await?;
        // Never delivered to: what waited for the host is dropped as rejected.
        delivery::Entity::update_many()
            .col_expr(
                delivery::Column::State,
                sea_orm::sea_query::Expr::value(DeliveryState::Rejected),
            )
            .col_expr(
                delivery::Column::LastError,
                sea_orm::sea_query::Expr::value("host blocked by the operator"),
            )
            .col_expr(delivery::Column::DoneAt, sea_orm::sea_query::Expr::value(Utc::now()))
            .filter(delivery::Column::Host.eq(&host))
            .filter(delivery::Column::State.eq(DeliveryState::Pending))
            .exec(uow.db())
            .await?;
    }
    crate::domain::audit::record_raw(
        uow,
        None,
        None,
        "peer.policy",
        "peer",
        Some(row.id),
        serde_json::json!({"host": host, "policy": policy.as_str()}),
    );
    Ok(row)
}

/// Whether hearing from a host changes its row: unknown, dead, backed off, or not heard from for a minute.
pub async fn needs_hearing(db: &impl ConnectionTrait, host: &str) -> AppResult<bool> {
    Ok(match find(db, host).await? {
        None => true,
        Some(p) => {
            p.state == PeerState::Dead
                || p.next_attempt_at.is_some()
                || p.last_heard_at.is_none_or(|t| Utc::now() - t > Duration::seconds(60))
        }
    })
}

/// A peer was heard from (it sent us something): a dead peer comes back and its parked queue resumes now.
pub async fn heard_from(db: &impl ConnectionTrait, host: &str) -> AppResult<bool> {
    let row = ensure(db, host).await?;
    let revived =
        row.state == PeerState::Dead || row.next_attempt_at.is_some_and(|t| t > Utc::now());
    let mut active: peer::ActiveModel = row.into();
    active.last_heard_at = Set(Some(Utc::now()));
    if revived {
        active.state = Set(PeerState::Live);
        active.next_attempt_at = Set(None);
        active.failures = Set(0);
        active.first_failure_at = Set(None);
    }
    active.update(db).await?;
    Ok(revived)
}

/// Retries a peer now (`sanad federation retry HOST`): clears its backoff and dead mark.
pub async fn retry(uow: &mut UnitOfWork, host: &str) -> AppResult<peer::Model> {
    let host = normalise_host(host).ok_or(AppError::BadRequest("err-bad-host"))?;
    let row = find(uow.db(), &host).await?.ok_or(AppError::NotFound)?;
    let mut active: peer::ActiveModel = row.into();
    active.state = Set(PeerState::Live);
    active.next_attempt_at = Set(None);
    active.failures = Set(0);
    active.first_failure_at = Set(None);
    Ok(active.update(uow.db()).await?)
}

/// The wait before the next attempt after `failures` failures in a row: doubling from 10 s, capped, with up to a
/// quarter of jitter either way so that many nodes retrying one peer do not arrive together.
pub fn backoff(failures: i32, cap_secs: u64) -> Duration {
    let base = 10u64.saturating_mul(1u64 << failures.clamp(0, 30)).min(cap_secs);
    let mut r = [0u8; 8];
    let jitter =
        if getrandom::fill(&mut r).is_ok() { u64::from_le_bytes(r) % (base / 2 + 1) } else { 0 };
    let secs = (base - base / 4 + jitter).min(cap_secs).max(1);
    Duration::seconds(secs as i64)
}

/// Records a failed attempt; returns the peer as updated (dead when unreachable for longer than `dead_after`).
pub async fn failed(
    db: &impl ConnectionTrait,
    settings: &FederationSettings,
    host: &str,
    error: &str,
) -> AppResult<peer::Model> {
    let row = ensure(db, host).await?;
    let now = Utc::now();
    let first = row.first_failure_at.unwrap_or(now);
    let failures = row.failures.saturating_add(1);
    let dead = now - first > Duration::hours(settings.dead_after_hours as i64);
    let failed = row.failed + 1;
    let mut active: peer::ActiveModel = row.into();
    active.failures = Set(failures);
    active.failed = Set(failed);
    active.first_failure_at = Set(Some(first));
    active.next_attempt_at = Set(Some(now + backoff(failures - 1, settings.max_backoff_secs)));
    active.last_error = Set(Some(error.chars().take(500).collect()));
    if dead {
        active.state = Set(PeerState::Dead);
    }
    Ok(active.update(db).await?)
}

/// Records a successful (or permanently rejected) attempt: the peer answers.
pub async fn answered(db: &impl ConnectionTrait, host: &str, rejected: bool) -> AppResult<()> {
    let row = ensure(db, host).await?;
    let (delivered, rejected_n) = if rejected {
        (row.delivered, row.rejected + 1)
    } else {
        (row.delivered + 1, row.rejected)
    };
    let mut active: peer::ActiveModel = row.into();
    active.state = Set(PeerState::Live);
    active.failures = Set(0);
    active.first_failure_at = Set(None);
    active.next_attempt_at = Set(None);
    active.last_success_at = Set(Some(Utc::now()));
    active.delivered = Set(delivered);
    active.rejected = Set(rejected_n);
    active.update(db).await?;
    Ok(())
}

/// One peer's delivery state, for the operator.
#[derive(Clone, Debug, Serialize)]
pub struct PeerStatus {
    /// Host.
    pub host: String,
    /// Operator policy.
    pub policy: PeerPolicy,
    /// Live or dead.
    pub state: PeerState,
    /// Deliveries waiting.
    pub pending: u64,
    /// When the oldest waiting delivery was queued.
    pub oldest_pending: Option<DateTime<Utc>>,
    /// Delivered so far.
    pub delivered: i64,
    /// Failed attempts so far.
    pub failed: i64,
    /// Permanently rejected so far.
    pub rejected: i64,
    /// Failures in a row.
    pub failures: i32,
    /// Next attempt (backoff).
    pub next_attempt_at: Option<DateTime<Utc>>,
    /// Last successful delivery.
    pub last_success_at: Option<DateTime<Utc>>,
    /// Last error.
    pub last_error: Option<String>,
}

/// Every peer's delivery state.
pub async fn status(db: &impl ConnectionTrait) -> AppResult<Vec<PeerStatus>> {
    let peers = peer::Entity::find().order_by_asc(peer::Column::Host).all(db).await?;
    let mut out = Vec::with_capacity(peers.len());
    for p in peers {
        let pending = delivery::Entity::find()
            .filter(delivery::Column::Host.eq(&p.host))
            .filter(delivery::Column::State.eq(DeliveryState::Pending));
        let oldest = pending
            .clone()
            .order_by_asc(delivery::Column::Id)
            .limit(1)
            .one(db)
            .await?
            .map(|d| d.created_at);
        out.push(PeerStatus {
            pending: pending.count(db).await?,
            oldest_pending: oldest,
            host: p.host,
            policy: p.policy,
            state: p.state,
            delivered: p.delivered,
            failed: p.failed,
            rejected: p.rejected,
            failures: p.failures,
            next_attempt_at: p.next_attempt_at,
            last_success_at: p.last_success_at,
            last_error: p.last_error,
        })
    }
    Ok(out)
}
