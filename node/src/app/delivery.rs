//! The delivery worker: one task per peer host sends that host's pending deliveries in order, signed with the
//! organisation's key (HTTP signatures by activitypub_federation). A failure backs the host off (doubling, capped,
//! with jitter); a host unreachable for longer than `federation.dead_after_hours` is marked dead and its queue
//! parked, not dropped, until it is heard from again. A 4xx other than 408/429 is recorded as rejected. The queue
//! lives in the database, so it survives restarts; delivery is at least once (receivers dedupe by activity id).

use std::{
    collections::HashSet,
    sync::{Arc, Mutex},
    time::Duration,
};

use activitypub_federation::{activity_sending::SendActivityTask, config::FederationConfig};
use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use tokio::sync::broadcast::error::RecvError;
use url::Url;

use super::federation::LAST_STATUS;
use crate::domain::error::{AppError, AppResult};
use crate::domain::network::{
    Network, actors::ActorRecord, commitments, inbox::WireActivity, keys, peers,
};
use crate::infra::entities::{delivery, organisation, outbox, peer};
use crate::infra::{events::Event, uow::UnitOfWork};
use crate::vocab::{DeliveryState, PeerState};

/// The node's federation data inside the configuration.
fn net_of(fed: &FederationConfig<Network>) -> &Network {
    fed
}

/// How many deliveries a host task reads at a time.
const BATCH: u64 = 50;
/// The longest the manager waits before looking for due hosts again, when nothing wakes it.
const IDLE: Duration = Duration::from_secs(30);

/// Runs the delivery worker until the process ends.
pub fn spawn(fed: FederationConfig<Network>) {
    tokio::spawn(async move {
        let running: Arc<Mutex<HashSet<String>>> = Arc::default();
        let mut events = net_of(&fed).events.subscribe();
        let mut pruned_at = std::time::Instant::now() - PRUNE_EVERY;
        loop {
            if pruned_at.elapsed() >= PRUNE_EVERY {
                pruned_at = std::time::Instant::now();
                match prune(net_of(&fed)).await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(rows = n, "pruned old federation records"),
                    Err(e) => tracing::warn!("cannot prune old federation records: {e}"),
                }
            }
            if let Err(e) = start_due_hosts(&fed, &running).await {
                tracing::warn!("delivery: cannot read the queue: {e}");
            }
            let wait = next_wake(&fed).await.unwrap_or(IDLE).min(IDLE);
            // Only new deliveries, or a peer heard from, can make a host due before `wait` runs out.
            let woken = async {
                loop {
                    match events.recv().await {
                        Ok(Event::Outbox | Event::PeerHeard) | Err(RecvError::Lagged(_)) => {
                            return true;
                        }
                        Ok(_) => {}
                        Err(RecvError::Closed) => return false,
                    }
                }
            };
            tokio::select! {
                open = woken => if !open { return },
                () = tokio::time::sleep(wait) => {}
            }
        }
    });
}

/// How often old records are pruned.
const PRUNE_EVERY: Duration = Duration::from_secs(3600);
/// How long finished deliveries, delivered outbox rows and remembered activity ids are kept.
const KEEP_DAYS: i64 = 30;

/// Removes what nobody needs any more, so that nothing grows without a bound: activity ids seen more than 30 days
/// ago (a peer retries for days, not months), finished deliveries, and outbox rows with no delivery left.
async fn prune(net: &Network) -> AppResult<u64> {
    use sea_orm::QueryTrait;
    let cutoff = Utc::now() - chrono::Duration::days(KEEP_DAYS);
    let seen = crate::infra::entities::inbox_seen::Entity::delete_many()
        .filter(crate::infra::entities::inbox_seen::Column::ReceivedAt.lt(cutoff))
        .exec(&net.db)
        .await?
        .rows_affected;
    let done = delivery::Entity::delete_many()
        .filter(delivery::Column::State.ne(DeliveryState::Pending))
        .filter(delivery::Column::DoneAt.lt(cutoff))
        .exec(&net.db)
        .await?
        .rows_affected;
    let outbox = outbox::Entity::delete_many()
        .filter(outbox::Column::CreatedAt.lt(cutoff))
        .filter(
            outbox::Column::Id.not_in_subquery(
                delivery::Entity::find()
                    .select_only()
                    .column(delivery::Column::OutboxId)
                    .filter(delivery::Column::OutboxId.is_not_null())
                    .into_query(),
            ),
        )
        .exec(&net.db)
        .await?
        .rows_affected;
    Ok(seen + done + outbox)
}

/// How long until the earliest backed-off host is due again.
async fn next_wake(fed: &FederationConfig<Network>) -> AppResult<Duration> {
    let next = peer::Entity::find()
        .filter(peer::Column::NextAttemptAt.is_not_null())
        .filter(peer::Column::State.eq(PeerState::Live))
        .order_by_asc(peer::Column::NextAttemptAt)
        .one(&net_of(fed).db)
        .await?
        .and_then(|p| p.next_attempt_at);
    Ok(next.map_or(IDLE, |t| (t - Utc::now()).to_std().unwrap_or(Duration::ZERO)))
}

/// Starts a task for every host with pending deliveries that is live, due and not already being served.
async fn start_due_hosts(
    fed: &FederationConfig<Network>,
    running: &Arc<Mutex<HashSet<String>>>,
) -> AppResult<()> {
    let net = net_of(fed);
    let hosts: Vec<String> = delivery::Entity::find()
        .select_only()
        .column(delivery::Column::Host)
        .filter(delivery::Column::State.eq(DeliveryState::Pending))
        .distinct()
        .into_tuple()
        .all(&net.db)
        .await?;
    for host in hosts {
        let p = peers::ensure(&net.db, &host).await?;
        let due = p.next_attempt_at.is_none_or(|t| t <= Utc::now());
        if p.state == PeerState::Dead
            || !due
            || peers::refused(&net.db, &net.settings, &host).await?
        {
            continue;
        }
        let fresh = running.lock().map(|mut r| r.insert(host.clone())).unwrap_or(false);
        if !fresh {
            continue;
        }
        let fed = fed.clone();
        let running = running.clone();
        tokio::spawn(async move {
            if let Err(e) = serve_host(&fed, &host).await {
                tracing::warn!(%host, "delivery stopped: {e}");
            }
            if let Ok(mut r) = running.lock() {
                r.remove(&host);
            }
            // Whatever arrived while this task ran is picked up on the manager's next pass.
            net_of(&fed).events.publish(Event::PeerHeard);
        });
    }
    Ok(())
}

/// What one attempt came to.
enum Outcome {
    Delivered(u16),
    Rejected(u16),
    Failed(String),
}

/// Sends a host's pending deliveries in order until none is left or one fails.
async fn serve_host(fed: &FederationConfig<Network>, host: &str) -> AppResult<()> {
    let net = net_of(fed);
    loop {
        let batch = delivery::Entity::find()
            .find_also_related(outbox::Entity)
            .filter(delivery::Column::Host.eq(host))
            .filter(delivery::Column::State.eq(DeliveryState::Pending))
            .order_by_asc(delivery::Column::Id)
            .limit(BATCH)
            .all(&net.db)
            .await?;
        if batch.is_empty() {
            return Ok(());
        }
        for (d, o) in batch {
            let outcome = match &o {
                Some(o) => attempt(fed, &d, o).await,
                None => Outcome::Rejected(0),
            };
            let attempts = d.attempts + 1;
            let mut active: delivery::ActiveModel = d.into();
            active.attempts = Set(attempts);
            // The bookkeeping is a short unit of work: on SQLite it waits for the node's turn to write instead of
            // failing on the busy timeout behind a long change.
            let mut uow = UnitOfWork::begin(&net.db, &net.events).await?;
            let stop = match outcome {
                Outcome::Delivered(status) => {
                    active.state = Set(DeliveryState::Delivered);
                    active.done_at = Set(Some(Utc::now()));
                    active.last_status = Set(Some(i32::from(status)));
                    active.update(uow.db()).await?;
                    peers::answered(uow.db(), host, false).await?;
                    false
                }
                Outcome::Rejected(status) => {
                    active.state = Set(DeliveryState::Rejected);
                    active.done_at = Set(Some(Utc::now()));
                    active.last_status = Set(Some(i32::from(status)));
                    active.update(uow.db()).await?;
                    peers::answered(uow.db(), host, true).await?;
                    tracing::info!(%host, status, "a peer rejected an activity");
                    // A commitment the other node refused outright (it blocks this node, say) is refused here too,
                    // so its organisation sees why and its stock is no longer held.
                    if let Some(o) = o.as_ref().filter(|o| o.kind == "Offer") {
                        commitments::refused_by_peer(&mut uow, &o.activity_id, status).await?;
                    }
                    false
                }
                Outcome::Failed(error) => {
                    active.last_error = Set(Some(error.chars().take(500).collect()));
                    active.update(uow.db()).await?;
                    let p = peers::failed(uow.db(), &net.settings, host, &error).await?;
                    if p.state == PeerState::Dead {
                        tracing::warn!(%host, "peer unreachable for too long: marked dead, its queue is parked");
                    }
                    true
                }
            };
            uow.commit().await?;
            if stop {
                return Ok(());
            }
        }
    }
}

/// One signed POST of an activity to an inbox.
async fn attempt(
    fed: &FederationConfig<Network>,
    d: &delivery::Model,
    o: &outbox::Model,
) -> Outcome {
    match try_attempt(fed, d, o).await {
        Ok(outcome) => outcome,
        Err(e) => Outcome::Failed(e.to_string()),
    }
}

async fn try_attempt(
    fed: &FederationConfig<Network>,
    d: &delivery::Model,
    o: &outbox::Model,
) -> AppResult<Outcome> {
    let net = net_of(fed);
    let data = fed.to_request_data();
    let activity: WireActivity = match serde_json::from_str(&o.payload) {
        Ok(a) => a,
        Err(_) => return Ok(Outcome::Rejected(0)),
    };
    let org_id =
        o.org_id.ok_or_else(|| AppError::internal("an outbox row without an organisation"))?;
    let Some(org) = organisation::Entity::find_by_id(org_id).one(&net.db).await? else {
        return Ok(Outcome::Rejected(0));
    };
    let keys = keys::ensure(&net.db, &net.keys, org.id).await?;
    let actor = ActorRecord::local(&net.urls, &org, &keys);
    let Ok(inbox_url) = Url::parse(&d.inbox) else { return Ok(Outcome::Rejected(0)) };
    let tasks = SendActivityTask::prepare(&activity, &actor, vec![inbox_url.clone()], &data)
        .await
        .map_err(|e| AppError::internal(format!("preparing a delivery: {e}")))?;
    let Some(task) = tasks.into_iter().next() else {
        // activitypub_federation left the inbox out: never deliverable when the URL itself is unusable, else (a
        // host name that did not resolve, the policy table unreadable) worth trying again later.
        let usable =
            matches!(inbox_url.scheme(), "https" | "http") && !net.urls.is_local(&inbox_url);
        return Ok(if usable {
            Outcome::Failed("the inbox could not be checked".into())
        } else {
            Outcome::Rejected(0)
        });
    };
    let status = Arc::new(Mutex::new(None));
    let sent = LAST_STATUS.scope(status.clone(), task.sign_and_send(&data)).await;
    let status = status.lock().ok().and_then(|s| *s);
    Ok(match (sent, status) {
        (Ok(()), Some(s)) if (200..300).contains(&s) => Outcome::Delivered(s),
        (Ok(()), Some(s)) => Outcome::Rejected(s),
        (Ok(()), None) => Outcome::Delivered(0),
        (Err(e), _) => Outcome::Failed(e.to_string()),
    })
}
