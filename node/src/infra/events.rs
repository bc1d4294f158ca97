//! After-commit events: what changed, published once its unit of work has committed (the search indexer and other
//! background tasks subscribe). An event names a record; subscribers read its committed state from the database.

use tokio::sync::broadcast;

/// Something that changed, by id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Event {
    /// An organisation's profile.
    Organisation(i64),
    /// A household (its consent can change what its needs share).
    Case(i64),
    /// A need.
    Need(i64),
    /// A stock offer.
    Offer(i64),
    /// Activities were written to the outbox (the delivery worker wakes).
    Outbox,
    /// A peer was heard from (its parked queue resumes).
    PeerHeard,
    /// The inbox applied an activity.
    Inbox,
    /// A listing received from a peer was stored, changed or deleted (by its row id).
    RemoteObject(i64),
    /// A remote actor changed: its profile, who follows it, or it is gone (its listings are re-read).
    RemoteActor(i64),
    /// A commitment between organisations changed.
    Commitment(i64),
    /// A pledge of a donor arrived or changed.
    Pledge(i64),
    /// E-mail was queued (the mailer wakes).
    Mail,
    /// The mailer sent or gave up a message, by its row id.
    MailSent(i64),
}

/// How many events a slow subscriber may fall behind before it is told it lagged (and should resynchronise).
const CAPACITY: usize = 4096;

/// Publishes events to every subscriber; cheap to clone. It also hands out the turns of the node's units of work on
/// SQLite (one writer at a time, in order).
#[derive(Clone, Debug)]
pub struct EventBus {
    sender: broadcast::Sender<Event>,
    writers: std::sync::Arc<tokio::sync::Semaphore>,
}

impl EventBus {
    /// A bus with no subscriber yet.
    pub fn new() -> Self {
        let (sender, _) = broadcast::channel(CAPACITY);
        Self { sender, writers: std::sync::Arc::new(tokio::sync::Semaphore::new(1)) }
    }

    /// Waits for this node's turn to write (first come, first served); the semaphore is never closed.
    pub async fn writer_turn(&self) -> Option<tokio::sync::OwnedSemaphorePermit> {
        self.writers.clone().acquire_owned().await.ok()
    }

    /// A new subscriber, receiving every event published from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.sender.subscribe()
    }

    /// Publishes an event (dropped when nobody listens).
    pub fn publish(&self, event: Event) {
        let _ = self.sender.send(event);
    }
}

impl Default for EventBus {
    fn default() -> Self {
        Self::new()
    }
}
