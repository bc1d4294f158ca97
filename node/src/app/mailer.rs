//! The mailer: sends the e-mail queued in `mail_outbox` through the configured SMTP server, oldest first, and retries
//! a message that failed with a growing wait (two minutes, doubling, at most six hours) until it has been tried
//! [`MAX_ATTEMPTS`] times. It runs only when `mail.smtp_url` is set (nothing is queued otherwise). Messages sent more
//! than [`KEEP_DAYS`] days ago are deleted.

use std::time::Duration;

use chrono::Utc;
use lettre::{
    AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor, message::header::ContentType,
};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use tokio::sync::broadcast::error::RecvError;

use crate::{
    infra::{entities::mail_outbox, events::Event, mail},
    state::AppState,
};

/// Attempts after which a message is left unsent (its last error stays on the row).
pub const MAX_ATTEMPTS: i32 = 12;
/// How often the queue is looked at when nothing wakes the mailer.
const IDLE: Duration = Duration::from_secs(60);
/// Messages sent per turn.
const BATCH: u64 = 50;
/// Days a sent message is kept (for the operator's questions), then deleted.
pub const KEEP_DAYS: i64 = 30;

/// The sender address: the configured one, or `noreply@` the public host.
fn sender(state: &AppState) -> String {
    let from = state.config.mail.from.trim();
    if from.is_empty() {
        format!("Sanad <noreply@{}>", state.network.urls.base().host_str().unwrap_or("localhost"))
    } else {
        from.to_owned()
    }
}

fn message(from: &str, row: &mail_outbox::Model) -> Result<Message, String> {
    Message::builder()
        .from(from.parse().map_err(|e| format!("mail.from: {e}"))?)
        .to(row.recipient.parse().map_err(|e| format!("recipient: {e}"))?)
        .subject(row.subject.clone())
        .header(ContentType::TEXT_PLAIN)
        .body(row.body.clone())
        .map_err(|e| e.to_string())
}

/// Sends what is due now; returns how many were sent.
pub async fn send_due(
    state: &AppState,
    transport: &AsyncSmtpTransport<Tokio1Executor>,
) -> anyhow::Result<usize> {
    let due = mail_outbox::Entity::find()
        .filter(mail_outbox::Column::SentAt.is_null())
        .filter(mail_outbox::Column::Attempts.lt(MAX_ATTEMPTS))
        .filter(mail_outbox::Column::NextAttemptAt.lte(Utc::now()))
        .order_by_asc(mail_outbox::Column::Id)
        .limit(BATCH)
        .all(&state.db)
        .await?;
    let from = sender(state);
    let mut sent = 0;
    let old = Utc::now() - chrono::Duration::days(KEEP_DAYS);
    if mail_outbox::Entity::find()
        .filter(mail_outbox::Column::SentAt.lt(old))
        .one(&state.db)
        .await?
        .is_some()
    {
        state
            .write(async |uow| {
                mail_outbox::Entity::delete_many()
                    .filter(mail_outbox::Column::SentAt.lt(old))
                    .exec(uow.db())
                    .await?;
                Ok(())
            })
            .await?;
    }
    for row in due {
        let outcome = match message(&from, &row) {
            Ok(m) => transport.send(m).await.map(|_| ()).map_err(|e| e.to_string()),
            Err(e) => Err(e),
        }
        // Servers often quote the recipient (a donor's address, say): it is kept out of logs and the queue.
        .map_err(|e| e.replace(row.recipient.as_str(), "<recipient>"));
        let (id, attempts) = (row.id, row.attempts + 1);
        let mut active: mail_outbox::ActiveModel = row.into();
        active.attempts = Set(attempts);
        match outcome {
            Ok(()) => {
                active.sent_at = Set(Some(Utc::now()));
                sent += 1;
            }
            Err(e) => {
                let wait = 60i64.saturating_mul(1 << attempts.clamp(0, 9)).min(6 * 3600);
                tracing::warn!(attempts, error = %e, "mail: a message could not be sent");
                active.next_attempt_at = Set(Utc::now() + chrono::Duration::seconds(wait));
                active.last_error = Set(e.chars().take(500).collect());
            }
        }
        // Through a unit of work: on SQLite, writers take turns.
        state
            .write(async |uow| {
                active.update(uow.db()).await?;
                uow.emit(Event::MailSent(id));
                Ok(())
            })
            .await?;
    }
    Ok(sent)
}

/// Starts the mailer when a server is configured.
pub fn spawn(state: &AppState) {
    let url = state.config.mail.smtp_url.trim().to_owned();
    if url.is_empty() {
        return;
    }
    let transport = match mail::transport(&url) {
        Ok(t) => t,
        Err(e) => {
            tracing::error!(error = %e, "mail: the SMTP server address is not usable; no e-mail is sent");
            return;
        }
    };
    let state = state.clone();
    let mut events = state.events.subscribe();
    tokio::spawn(async move {
        loop {
            if let Err(e) = send_due(&state, &transport).await {
                tracing::warn!(error = %e, "mail: cannot read the queue");
            }
            let woken = async {
                loop {
                    match events.recv().await {
                        Ok(Event::Mail) | Err(RecvError::Lagged(_)) => return true,
                        Ok(_) => {}
                        Err(RecvError::Closed) => return false,
                    }
                }
            };
            tokio::select! {
                alive = woken => if !alive { return },
                () = tokio::time::sleep(IDLE) => {}
            }
        }
    });
}
