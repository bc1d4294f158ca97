//! What needs the attention of an organisation's staff: counted live for the dashboard (new pledges, commitments to
//! answer, goods to confirm, commitments about to expire), and told by e-mail when the node has a mail server. An
//! e-mail is queued in the unit of work of the change it tells of; it names the need or item and the quantity, never
//! a donor's or a household's details (those stay behind the sign-in).

use chrono::{Duration, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter};

use super::error::AppResult;
use crate::infra::{
    entities::{commitment, membership, organisation, pledge, user},
    mail,
    uow::UnitOfWork,
};
use crate::vocab::{CommitmentRole, CommitmentStatus, PledgeStatus, Role};

/// How many days before its due date an accepted commitment counts as about to expire.
pub const EXPIRING_DAYS: i64 = 3;

/// The counts on an organisation's dashboard.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Attention {
    /// Pledges of donors waiting for an answer.
    pub pledges: u64,
    /// Commitments of other organisations to the organisation's listings, waiting for an answer.
    pub to_answer: u64,
    /// Goods another organisation sent, waiting for the receipt to be confirmed.
    pub to_confirm: u64,
    /// Goods the organisation committed and must still send (accepted).
    pub to_send: u64,
    /// Accepted commitments, either side, due within [`EXPIRING_DAYS`] days.
    pub expiring: u64,
}

impl Attention {
    /// Whether anything waits.
    pub fn any(&self) -> bool {
        self.pledges + self.to_answer + self.to_confirm + self.to_send + self.expiring > 0
    }
}

/// What waits for the organisation's staff now.
pub async fn attention(db: &impl ConnectionTrait, org_id: i64) -> AppResult<Attention> {
    let of_org = || commitment::Entity::find().filter(commitment::Column::OrgId.eq(org_id));
    let accepted = of_org()
        .filter(
            commitment::Column::Status.is_in([CommitmentStatus::Accepted, CommitmentStatus::Sent]),
        )
        .all(db)
        .await?;
    let soon = Utc::now().date_naive() + Duration::days(EXPIRING_DAYS);
    Ok(Attention {
        pledges: pledge::Entity::find()
            .filter(pledge::Column::OrgId.eq(org_id))
            .filter(pledge::Column::Status.eq(PledgeStatus::Proposed))
            .count(db)
            .await?,
        to_answer: of_org()
            .filter(commitment::Column::Role.eq(CommitmentRole::Owner))
            .filter(commitment::Column::Status.eq(CommitmentStatus::Proposed))
            .count(db)
            .await?,
        to_confirm: accepted
            .iter()
            .filter(|c| c.status == CommitmentStatus::Sent && !c.provides())
            .count() as u64,
        to_send: accepted
            .iter()
            .filter(|c| c.status == CommitmentStatus::Accepted && c.provides())
            .count() as u64,
        expiring: accepted
            .iter()
            .filter(|c| c.status == CommitmentStatus::Accepted && c.due <= soon)
            .count() as u64,
    })
}

/// Who an organisation's e-mail goes to: its contact address, or else its admins.
async fn recipients(
    db: &impl ConnectionTrait,
    org: &organisation::Model,
) -> AppResult<Vec<String>> {
    if !org.contact_email.trim().is_empty() {
        return Ok(vec![org.contact_email.trim().to_owned()]);
    }
    let admins = membership::Entity::find()
        .filter(membership::Column::OrgId.eq(org.id))
        .filter(membership::Column::Role.eq(Role::Admin))
        .find_also_related(user::Entity)
        .all(db)
        .await?;
    Ok(admins.into_iter().filter_map(|(_, u)| u.map(|u| u.email)).collect())
}

/// Queues an e-mail to the organisation's staff (when the node sends e-mail), in Arabic and English: `what_ar` and
/// `what_en` say what happened, in one line each; the message points to the page (below `base`) where it is handled.
/// Nothing is queued when the node sends no e-mail (`mail` false).
pub async fn tell(
    uow: &mut UnitOfWork,
    mail: bool,
    base: &url::Url,
    org_id: i64,
    what_ar: &str,
    what_en: &str,
    path: &str,
) -> AppResult<()> {
    if !mail {
        return Ok(());
    }
    let Some(org) = organisation::Entity::find_by_id(org_id).one(uow.db()).await? else {
        return Ok(());
    };
    let link = base.join(path).map(|u| u.to_string()).unwrap_or_default();
    let subject = format!("Sanad — {what_en}");
    let body =
        format!("{what_ar}\n{link}\n\n{what_en}\n{link}\n\n— {} / {}\n", org.name_ar, org.name_en);
    for to in recipients(uow.db(), &org).await? {
        mail::queue(uow, Some(org.id), &to, &subject, &body).await?;
    }
    Ok(())
}
