//! The unit of work: one write transaction with everything that must happen with it.
//!
//! A domain operation takes a `&mut UnitOfWork` and never begins or commits a transaction itself, so operations
//! compose. The unit collects the audit entries, the outgoing activities (outbox rows) and the after-commit events of
//! everything done in it; [`UnitOfWork::commit`] writes the audit entries and outbox rows, commits, and only then
//! publishes the events. Dropping a unit without committing rolls everything back and publishes nothing.
//!
//! **Architecture invariant:** rows that writers decide on are locked through [`UnitOfWork::lock`], in one global
//! order: organisations, then items, then cases, then needs, and by id within each kind. Taking a lock out of that
//! order is refused (an internal error, caught by tests), so two units can never wait on each other in a cycle.
//! Slow work (password hashing, network calls) happens before a unit begins or after it commits.

use std::collections::BTreeSet;

use chrono::Utc;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbErr,
    EntityTrait, QueryFilter, QueryOrder, QuerySelect, TransactionTrait,
};

use crate::infra::{
    entities::{audit_entry, case, delivery, item, need, organisation, outbox},
    events::{Event, EventBus},
};
use crate::vocab::DeliveryState;

/// How many rows one `INSERT` carries at the most (SQLite allows 32,766 parameters a statement).
const CHUNK: usize = 500;

/// Kinds of row a writer may lock, in the one order they are locked in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum LockKind {
    /// An organisation (membership decisions: the last admin).
    Organisation,
    /// Catalogue items (every stock movement of the item).
    Item,
    /// A household (its consent, status and needs' ownership).
    Case,
    /// A need (its quantity met).
    Need,
}

/// One activity to deliver, written to the outbox when the unit commits.
#[derive(Clone, Debug)]
pub struct OutboxRecord {
    /// The organisation (actor) it is sent for, if any.
    pub org_id: Option<i64>,
    /// The activity's id (unique: delivering it twice is a no-op for the receiver).
    pub activity_id: String,
    /// The activity's type, e.g. `Create`.
    pub kind: String,
    /// The activity as JSON.
    pub payload: serde_json::Value,
    /// The actor that signs it.
    pub actor_id: String,
    /// Where it goes: (peer host, inbox URL), one delivery row each.
    pub inboxes: Vec<(String, String)>,
}

/// A write transaction with its audit entries, outbox rows and after-commit events.
pub struct UnitOfWork {
    txn: DatabaseTransaction,
    /// This process's turn to write, on SQLite (released when the unit ends).
    _writer: Option<tokio::sync::OwnedSemaphorePermit>,
    bus: EventBus,
    audit: Vec<audit_entry::ActiveModel>,
    outbox: Vec<OutboxRecord>,
    events: Vec<Event>,
    held: BTreeSet<(LockKind, i64)>,
}

impl std::fmt::Debug for UnitOfWork {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UnitOfWork")
            .field("audit", &self.audit.len())
            .field("outbox", &self.outbox.len())
            .field("events", &self.events)
            .field("held", &self.held)
            .finish_non_exhaustive()
    }
}

/// Why a unit of work failed to start, lock or commit.
#[derive(Debug, thiserror::Error)]
pub enum UowError {
    /// The database refused.
    #[error(transparent)]
    Db(#[from] DbErr),
    /// A lock was requested out of the documented order: a programming error.
    #[error("lock order violated: {wanted:?} {id} requested while holding {held:?}")]
    LockOrder {
        /// What was asked for.
        wanted: LockKind,
        /// Its id.
        id: i64,
        /// The last lock held.
        held: (LockKind, i64),
    },
}

impl UnitOfWork {
    /// Begins a write transaction. On SQLite it takes the write lock at once (`BEGIN IMMEDIATE`), so concurrent
    /// writers queue on the busy timeout instead of failing on a stale snapshot; on PostgreSQL it is a plain `BEGIN`
    /// and rows are locked through [`UnitOfWork::lock`].
    pub async fn begin(db: &DatabaseConnection, bus: &EventBus) -> Result<Self, DbErr> {
        // SQLite has one writer at a time and makes waiting writers sleep and retry: in this process they queue in
        // order instead, and only the first in line asks for the lock.
        let writer = match db.get_database_backend() {
            sea_orm::DbBackend::Sqlite => bus.writer_turn().await,
            _ => None,
        };
        let txn = db
            .begin_with_options(sea_orm::TransactionOptions {
                sqlite_transaction_mode: Some(sea_orm::SqliteTransactionMode::Immediate),
                ..Default::default()
            })
            .await?;
        Ok(Self {
            txn,
            _writer: writer,
            bus: bus.clone(),
            audit: Vec::new(),
            outbox: Vec::new(),
            events: Vec::new(),
            held: BTreeSet::new(),
        })
    }

    /// The transaction, for queries.
    pub fn db(&self) -> &DatabaseTransaction {
        &self.txn
    }

    /// Records an audit entry (stamped now), written at commit.
    pub fn audit(&mut self, mut entry: audit_entry::ActiveModel) {
        entry.created_at = Set(Utc::now());
        self.audit.push(entry);
    }

    /// The events this unit will publish when it commits, in the order they were emitted.
    pub fn pending_events(&self) -> &[Event] {
        &self.events
    }

    /// Queues an activity for delivery, written to the outbox at commit.
    pub fn enqueue(&mut self, record: OutboxRecord) {
        self.outbox.push(record);
    }

    /// Queues an event, published after a successful commit.
    pub fn emit(&mut self, event: Event) {
        if !self.events.contains(&event) {
            self.events.push(event);
        }
    }

    /// Locks rows of one kind until the unit ends (PostgreSQL `SELECT … FOR UPDATE`, in id order; SQLite already
    /// holds its write lock). Rows already held are skipped. Refused when it would break the lock order: a kind
    /// earlier than one already held, or, within a kind, an id below one already held.
    pub async fn lock(&mut self, kind: LockKind, ids: &[i64]) -> Result<(), UowError> {
        let wanted: BTreeSet<i64> =
            ids.iter().copied().filter(|id| !self.held.contains(&(kind, *id))).collect();
        let Some(&first) = wanted.first() else {
            return Ok(());
        };
        if let Some(&last) = self.held.last()
            && (kind, first) < last
        {
            return Err(UowError::LockOrder { wanted: kind, id: first, held: last });
        }
        let ids: Vec<i64> = wanted.iter().copied().collect();
        match kind {
            LockKind::Organisation => {
                lock_rows::<organisation::Entity, _>(&self.txn, organisation::Column::Id, ids)
                    .await?
            }
            LockKind::Item => {
                lock_rows::<item::Entity, _>(&self.txn, item::Column::Id, ids).await?
            }
            LockKind::Case => {
                lock_rows::<case::Entity, _>(&self.txn, case::Column::Id, ids).await?
            }
            LockKind::Need => {
                lock_rows::<need::Entity, _>(&self.txn, need::Column::Id, ids).await?
            }
        }
        self.held.extend(wanted.into_iter().map(|id| (kind, id)));
        Ok(())
    }

    /// Writes the audit entries and outbox rows, commits, then publishes the events.
    pub async fn commit(self) -> Result<(), DbErr> {
        let now = Utc::now();
        // In chunks: a bulk distribution can write thousands of entries, more than one statement may carry.
        let mut audit = self.audit.into_iter().peekable();
        while audit.peek().is_some() {
            let chunk: Vec<_> = audit.by_ref().take(CHUNK).collect();
            audit_entry::Entity::insert_many(chunk).exec_without_returning(&self.txn).await?;
        }
        let delivering = !self.outbox.is_empty();
        for o in self.outbox {
            let row = outbox::ActiveModel {
                org_id: Set(o.org_id),
                activity_id: Set(o.activity_id),
                kind: Set(o.kind),
                payload: Set(o.payload.to_string()),
                actor_id: Set(o.actor_id),
                created_at: Set(now),
                attempts: Set(0),
                next_attempt_at: Set(Some(now)),
                delivered_at: Set(None),
                last_error: Set(None),
                ..Default::default()
            };
            let outbox_id = outbox::Entity::insert(row).exec(&self.txn).await?.last_insert_id;
            let mut deliveries = o.inboxes.into_iter().map(|(host, inbox)| delivery::ActiveModel {
                outbox_id: Set(outbox_id),
                host: Set(host),
                inbox: Set(inbox),
                state: Set(DeliveryState::Pending),
                attempts: Set(0),
                created_at: Set(now),
                ..Default::default()
            });
            loop {
                let chunk: Vec<_> = deliveries.by_ref().take(CHUNK).collect();
                if chunk.is_empty() {
                    break;
                }
                delivery::Entity::insert_many(chunk).exec_without_returning(&self.txn).await?;
            }
        }
        self.txn.commit().await?;
        for event in self.events {
            self.bus.publish(event);
        }
        if delivering {
            self.bus.publish(Event::Outbox);
        }
        Ok(())
    }
}

async fn lock_rows<E, C>(txn: &impl ConnectionTrait, id: C, ids: Vec<i64>) -> Result<(), DbErr>
where
    E: EntityTrait,
    C: ColumnTrait,
{
    E::find().filter(id.is_in(ids)).order_by_asc(id).lock_exclusive().all(txn).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use sea_orm::{Database, PaginatorTrait};

    use super::*;

    async fn memory_db() -> DatabaseConnection {
        let db = Database::connect("sqlite::memory:").await.unwrap();
        crate::infra::db::migrate(&db).await.unwrap();
        db
    }

    fn audit(action: &str) -> audit_entry::ActiveModel {
        audit_entry::ActiveModel {
            action: Set(action.into()),
            subject_type: Set("test".into()),
            detail: Set("{}".into()),
            ..Default::default()
        }
    }

    fn activity(id: &str) -> OutboxRecord {
        OutboxRecord {
            org_id: None,
            activity_id: id.into(),
            kind: "Create".into(),
            payload: serde_json::json!({ "id": id }),
            actor_id: "https://a.example/orgs/x".into(),
            inboxes: vec![("b.example".into(), "https://b.example/inbox".into())],
        }
    }

    #[tokio::test]
    async fn commit_writes_audit_and_outbox_then_publishes_and_a_dropped_unit_leaves_nothing() {
        let db = memory_db().await;
        let bus = EventBus::new();
        let mut events = bus.subscribe();

        let mut dropped = UnitOfWork::begin(&db, &bus).await.unwrap();
        dropped.audit(audit("dropped"));
        dropped.enqueue(activity("https://x.example/1"));
        dropped.emit(Event::Need(1));
        drop(dropped);
        assert!(events.try_recv().is_err(), "nothing is published without a commit");
        assert_eq!(audit_entry::Entity::find().count(&db).await.unwrap(), 0);
        assert_eq!(outbox::Entity::find().count(&db).await.unwrap(), 0);

        let mut unit = UnitOfWork::begin(&db, &bus).await.unwrap();
        unit.audit(audit("kept"));
        unit.enqueue(activity("https://x.example/2"));
        unit.emit(Event::Need(2));
        unit.emit(Event::Need(2));
        assert!(events.try_recv().is_err(), "nothing is published before the commit");
        unit.commit().await.unwrap();
        assert_eq!(events.try_recv().unwrap(), Event::Need(2));
        assert_eq!(events.try_recv().unwrap(), Event::Outbox);
        assert!(events.try_recv().is_err(), "an event is published once per unit");
        assert_eq!(delivery::Entity::find().count(&db).await.unwrap(), 1);
        assert_eq!(audit_entry::Entity::find().count(&db).await.unwrap(), 1);
        let row = outbox::Entity::find().one(&db).await.unwrap().unwrap();
        assert_eq!((row.activity_id.as_str(), row.delivered_at), ("https://x.example/2", None));
    }

    #[tokio::test]
    async fn locks_are_taken_in_one_order_and_out_of_order_requests_are_refused() {
        let db = memory_db().await;
        let bus = EventBus::new();
        let check = |steps: &[(LockKind, &[i64])], ok: bool| {
            let steps: Vec<(LockKind, Vec<i64>)> =
                steps.iter().map(|(k, ids)| (*k, ids.to_vec())).collect();
            let db = db.clone();
            let bus = bus.clone();
            async move {
                let mut unit = UnitOfWork::begin(&db, &bus).await.unwrap();
                let mut result = Ok(());
                for (kind, ids) in &steps {
                    result = result.and(unit.lock(*kind, ids).await.map_err(|e| e.to_string()));
                }
                assert_eq!(result.is_ok(), ok, "{steps:?}: {result:?}");
            }
        };
        use LockKind::*;
        check(&[(Item, &[3, 1]), (Case, &[7]), (Need, &[2])], true).await;
        check(&[(Case, &[7]), (Case, &[7]), (Need, &[1])], true).await;
        check(&[(Case, &[1, 5]), (Need, &[9]), (Case, &[5])], true).await;
        check(&[(Organisation, &[1]), (Item, &[1])], true).await;
        check(&[(Need, &[1]), (Case, &[1])], false).await;
        check(&[(Case, &[1]), (Item, &[1])], false).await;
        check(&[(Case, &[5]), (Case, &[2])], false).await;
    }
}
