//! E-mail: the SMTP transport (lettre, rustls) and the durable queue it is sent from. A notification is written to
//! `mail_outbox` in the unit of work of the change it tells of, so it is sent if and only if that change committed;
//! the mailer (`app::mailer`) sends what is due and retries with backoff, so a slow or absent mail server never holds
//! up or loses a change.

use chrono::Utc;
use lettre::{AsyncSmtpTransport, Tokio1Executor};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, DbErr};

use crate::infra::{entities::mail_outbox, events::Event, uow::UnitOfWork};

/// How long the SMTP client waits on the server.
const TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// The transport for a server address (`smtp://`, `smtp://…?tls=required`, `smtps://`).
pub fn transport(
    url: &str,
) -> Result<AsyncSmtpTransport<Tokio1Executor>, lettre::transport::smtp::Error> {
    Ok(AsyncSmtpTransport::<Tokio1Executor>::from_url(url.trim())?.timeout(Some(TIMEOUT)).build())
}

/// Queues one message in the unit of work; the mailer wakes when the unit commits.
pub async fn queue(
    uow: &mut UnitOfWork,
    org_id: Option<i64>,
    recipient: &str,
    subject: &str,
    body: &str,
) -> Result<(), DbErr> {
    let now = Utc::now();
    mail_outbox::ActiveModel {
        org_id: Set(org_id),
        recipient: Set(recipient.chars().take(254).collect()),
        subject: Set(subject.chars().take(300).collect()),
        body: Set(body.to_owned()),
        attempts: Set(0),
        next_attempt_at: Set(now),
        sent_at: Set(None),
        last_error: Set(String::new()),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(uow.db())
    .await?;
    uow.emit(Event::Mail);
    Ok(())
}
