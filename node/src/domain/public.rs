//! What the public pages show beyond search: the network's figures for the home page, and an organisation's open
//! needs and what it delivered for its profile. Only aggregates and public listings: nothing of a household, donor
//! or member.

use chrono::{Datelike, Duration, NaiveDate, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};

use super::error::AppResult;
use crate::infra::entities::{commitment, need, remote_object, stock_movement};
use crate::vocab::{CommitmentRole, CommitmentStatus, MovementKind, NeedStatus, Visibility};

/// The first day of the month `today` is in.
pub fn month_start(today: NaiveDate) -> NaiveDate {
    today.with_day(1).unwrap_or(today)
}

/// Needs met this month that this node knows of: its own organisations' and those received from peers.
pub async fn met_this_month(db: &impl ConnectionTrait) -> AppResult<u64> {
    let since =
        month_start(Utc::now().date_naive()).and_hms_opt(0, 0, 0).unwrap_or_default().and_utc();
    let local = need::Entity::find()
        .filter(need::Column::Status.eq(NeedStatus::Met))
        .filter(need::Column::Visibility.ne(Visibility::Private))
        .filter(need::Column::UpdatedAt.gte(since))
        .count(db)
        .await?;
    let received = remote_object::Entity::find()
        .filter(remote_object::Column::Kind.eq("need"))
        .filter(remote_object::Column::Status.eq("met"))
        .filter(remote_object::Column::DeletedAt.is_null())
        .filter(remote_object::Column::UpdatedAt.gte(since))
        .count(db)
        .await?;
    Ok(local + received)
}

/// An organisation's public needs still open, most urgent first (at most 50).
pub async fn open_needs(db: &impl ConnectionTrait, org_id: i64) -> AppResult<Vec<need::Model>> {
    let mut needs = need::Entity::find()
        .filter(need::Column::OrgId.eq(org_id))
        .filter(need::Column::Visibility.eq(Visibility::Public))
        .filter(need::Column::FederatedAt.is_not_null())
        .filter(need::Column::Status.is_in([NeedStatus::Open, NeedStatus::PartlyMet]))
        .order_by_desc(need::Column::UpdatedAt)
        .limit(200)
        .all(db)
        .await?;
    // Urgency is stored as its code: ordered here, most urgent first, newest first within one urgency.
    needs.sort_by_key(|n| std::cmp::Reverse(n.urgency));
    needs.truncate(50);
    Ok(needs)
}

/// What an organisation delivered in one month.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Delivered {
    /// The month, `YYYY-MM`.
    pub month: String,
    /// Units handed to households (distributions, reversals deducted).
    pub to_households: i64,
    /// Units sent to other organisations under commitments.
    pub to_organisations: i64,
}

/// What an organisation delivered, month by month, over the last `months` months (newest first).
pub async fn delivered(
    db: &impl ConnectionTrait,
    org_id: i64,
    months: u32,
) -> AppResult<Vec<Delivered>> {
    let today = Utc::now().date_naive();
    let mut first = month_start(today);
    for _ in 1..months {
        first = month_start(first - Duration::days(1));
    }
    let moves: Vec<(MovementKind, i64, NaiveDate)> = stock_movement::Entity::find()
        .select_only()
        .column(stock_movement::Column::Kind)
        .column(stock_movement::Column::Quantity)
        .column(stock_movement::Column::OccurredOn)
        .filter(stock_movement::Column::OrgId.eq(org_id))
        .filter(stock_movement::Column::OccurredOn.gte(first))
        .filter(
            stock_movement::Column::Kind
                .is_in([MovementKind::Distribution, MovementKind::Reversal]),
        )
        .filter(stock_movement::Column::DistributionId.is_not_null())
        .into_tuple()
        .all(db)
        .await?;
    let sent = commitment::Entity::find()
        .filter(commitment::Column::OrgId.eq(org_id))
        .filter(
            commitment::Column::Status.is_in([CommitmentStatus::Sent, CommitmentStatus::Received]),
        )
        .filter(
            commitment::Column::UpdatedAt
                .gte(first.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc()),
        )
        .all(db)
        .await?;
    let mut out: Vec<Delivered> = Vec::new();
    let mut month = month_start(today);
    while month >= first {
        out.push(Delivered { month: month.format("%Y-%m").to_string(), ..Default::default() });
        month = month_start(month - Duration::days(1));
    }
    let slot = |out: &mut Vec<Delivered>, day: NaiveDate| {
        let key = day.format("%Y-%m").to_string();
        out.iter_mut().position(|d| d.month == key)
    };
    for (_, quantity, day) in moves {
        if let Some(i) = slot(&mut out, day) {
            out[i].to_households -= quantity;
        }
    }
    for c in sent {
        let gives = (c.role == CommitmentRole::Proposer) == (c.listing_kind == "need");
        if gives && let Some(i) = slot(&mut out, c.updated_at.date_naive()) {
            out[i].to_organisations += c.quantity;
        }
    }
    Ok(out)
}
