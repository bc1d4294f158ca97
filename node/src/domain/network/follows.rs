//! Follows between this node's organisations and remote actors. A follow request waits for an org admin unless the
//! organisation approves automatically; accepting answers `Accept` and sends the new follower what the organisation
//! currently shares. Following a remote organisation sends `Follow`; `Undo` ends it.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder,
};
use serde::Serialize;
use serde_json::json;

use super::{
    Network, actors,
    publish::{self, Addressed},
};
use crate::domain::audit;
use crate::domain::error::{AppError, AppResult};
use crate::domain::tenancy::{OrgScope, Perm};
use crate::infra::entities::{follow, organisation, remote_actor};
use crate::infra::{events::Event, uow::UnitOfWork};
use crate::vocab::{FollowDirection, FollowState};

/// A follow as staff and the API see it.
#[derive(Clone, Debug, Serialize)]
pub struct FollowView {
    /// Id (for accept, reject, undo).
    pub id: i64,
    /// The remote actor's id.
    pub actor: String,
    /// Its name.
    pub name: String,
    /// Its host.
    pub host: String,
    /// Pending, accepted or rejected.
    pub state: FollowState,
    /// When it was asked.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

impl FollowView {
    /// A follow with the actor it is with.
    fn of(f: &follow::Model, a: &remote_actor::Model) -> Self {
        Self {
            id: f.id,
            actor: a.ap_id.clone(),
            name: a.name.clone(),
            host: a.host.clone(),
            state: f.state,
            created_at: f.created_at,
            updated_at: f.updated_at,
        }
    }
}

/// The organisation's follows in one direction, newest first.
pub async fn list(
    db: &impl ConnectionTrait,
    scope: &OrgScope,
    direction: FollowDirection,
) -> AppResult<Vec<FollowView>> {
    scope.require(Perm::Read)?;
    let rows = follow::Entity::find()
        .find_also_related(remote_actor::Entity)
        .filter(follow::Column::OrgId.eq(scope.org_id()))
        .filter(follow::Column::Direction.eq(direction))
        .order_by_desc(follow::Column::Id)
        .all(db)
        .await?;
    Ok(rows.into_iter().filter_map(|(f, a)| Some(FollowView::of(&f, &a?))).collect())
}

async fn one(
    db: &impl ConnectionTrait,
    scope: &OrgScope,
    id: i64,
    direction: FollowDirection,
) -> AppResult<(follow::Model, remote_actor::Model)> {
    let (f, a) = follow::Entity::find_by_id(id)
        .find_also_related(remote_actor::Entity)
        .filter(follow::Column::OrgId.eq(scope.org_id()))
        .filter(follow::Column::Direction.eq(direction))
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((f, a.ok_or(AppError::NotFound)?))
}

/// Answers a pending follow request (`accept` true: Accept and backfill; false: Reject).
pub async fn answer(
    uow: &mut UnitOfWork,
    net: &Network,
    scope: &OrgScope,
    id: i64,
    accept: bool,
) -> AppResult<FollowView> {
    scope.require(Perm::ManageOrg)?;
    let (f, actor) = one(uow.db(), scope, id, FollowDirection::Follower).await?;
    if accept && super::peers::refused(uow.db(), &net.settings, &actor.host).await? {
        return Err(AppError::Conflict("err-host-blocked"));
    }
    let wanted = if accept { FollowState::Accepted } else { FollowState::Rejected };
    if f.state == wanted {
        return Err(AppError::Conflict("err-follow-already-answered"));
    }
    let org = scope.org().clone();
    let view = settle(uow, net, &org, f, &actor, wanted).await?;
    audit::record(
        uow,
        scope,
        if accept { "follower.accept" } else { "follower.reject" },
        "follow",
        Some(id),
        json!({"actor": actor.ap_id}),
    );
    Ok(view)
}

/// Sets a follower's state and tells the follower (Accept or Reject of its Follow).
async fn settle(
    uow: &mut UnitOfWork,
    net: &Network,
    org: &organisation::Model,
    f: follow::Model,
    actor: &remote_actor::Model,
    state: FollowState,
) -> AppResult<FollowView> {
    let accepted = state == FollowState::Accepted;
    let mut active: follow::ActiveModel = f.into();
    active.state = Set(state);
    active.updated_at = Set(Utc::now());
    let f = active.update(uow.db()).await?;
    answer_follow(uow, net, org, &f, actor, accepted).await?;
    if accepted {
        publish::backfill(uow, net, org, actors::delivery_inbox(actor)).await?;
    }
    Ok(FollowView::of(&f, actor))
}

/// Sends `Accept` (or `Reject`) of a follower's `Follow`.
async fn answer_follow(
    uow: &mut UnitOfWork,
    net: &Network,
    org: &organisation::Model,
    f: &follow::Model,
    actor: &remote_actor::Model,
    accepted: bool,
) -> AppResult<()> {
    let follow = json!({"id": f.activity_id, "type": "Follow", "actor": actor.ap_id,
        "object": net.urls.org(&org.slug)});
    let kind = if accepted { "Accept" } else { "Reject" };
    let to = Addressed::Actor(actor.ap_id.clone());
    publish::enqueue(uow, net, org, kind, follow, to, vec![actors::delivery_inbox(actor)]).await?;
    Ok(())
}

/// Records a `Follow` received for a local organisation (pending, or accepted at once when it approves
/// automatically). A repeated Follow from a follower already accepted is answered with Accept again.
pub async fn received_follow(
    uow: &mut UnitOfWork,
    net: &Network,
    org: &organisation::Model,
    actor: &remote_actor::Model,
    activity_id: &str,
) -> AppResult<()> {
    let existing = follow::Entity::find()
        .filter(follow::Column::OrgId.eq(org.id))
        .filter(follow::Column::Direction.eq(FollowDirection::Follower))
        .filter(follow::Column::RemoteActorId.eq(actor.id))
        .one(uow.db())
        .await?;
    let f = match existing {
        Some(f) => {
            let mut active: follow::ActiveModel = f.into();
            active.activity_id = Set(activity_id.to_owned());
            active.updated_at = Set(Utc::now());
            active.update(uow.db()).await?
        }
        None => {
            follow::ActiveModel {
                org_id: Set(org.id),
                remote_actor_id: Set(actor.id),
                direction: Set(FollowDirection::Follower),
                state: Set(FollowState::Pending),
                activity_id: Set(activity_id.to_owned()),
                created_at: Set(Utc::now()),
                updated_at: Set(Utc::now()),
                ..Default::default()
            }
            .insert(uow.db())
            .await?
        }
    };
    if f.state == FollowState::Accepted {
        // Already a follower (its Accept may have been lost): answer again, without sending everything again.
        answer_follow(uow, net, org, &f, actor, true).await?;
    } else if org.auto_accept_follows {
        settle(uow, net, org, f, actor, FollowState::Accepted).await?;
    } else if f.state == FollowState::Rejected {
        let mut active: follow::ActiveModel = f.into();
        active.state = Set(FollowState::Pending);
        active.update(uow.db()).await?;
    }
    audit::record_raw(
        uow,
        Some(org.id),
        None,
        "follower.request",
        "remote_actor",
        Some(actor.id),
        json!({"actor": actor.ap_id}),
    );
    Ok(())
}

/// Applies an `Accept` or `Reject` of a Follow this node sent (found by the Follow's id).
pub async fn received_answer(
    uow: &mut UnitOfWork,
    actor: &remote_actor::Model,
    follow_id: &str,
    accepted: bool,
) -> AppResult<bool> {
    let Some(f) = follow::Entity::find()
        .filter(follow::Column::ActivityId.eq(follow_id))
        .filter(follow::Column::Direction.eq(FollowDirection::Following))
        .filter(follow::Column::RemoteActorId.eq(actor.id))
        .one(uow.db())
        .await?
    else {
        return Ok(false);
    };
    uow.emit(Event::RemoteActor(actor.id));
    let mut active: follow::ActiveModel = f.into();
    active.state = Set(if accepted { FollowState::Accepted } else { FollowState::Rejected });
    active.updated_at = Set(Utc::now());
    active.update(uow.db()).await?;
    Ok(true)
}

/// Applies an `Undo` of a Follow: the remote actor no longer follows the organisation.
pub async fn received_undo(
    uow: &mut UnitOfWork,
    actor: &remote_actor::Model,
    org: &organisation::Model,
) -> AppResult<()> {
    follow::Entity::delete_many()
        .filter(follow::Column::OrgId.eq(org.id))
        .filter(follow::Column::Direction.eq(FollowDirection::Follower))
        .filter(follow::Column::RemoteActorId.eq(actor.id))
        .exec(uow.db())
        .await?;
    Ok(())
}

/// Starts following a remote actor (already fetched and stored): sends `Follow`.
pub async fn follow(
    uow: &mut UnitOfWork,
    net: &Network,
    scope: &OrgScope,
    actor: &remote_actor::Model,
) -> AppResult<FollowView> {
    scope.require(Perm::ManageOrg)?;
    let org = scope.org().clone();
    let existing = follow::Entity::find()
        .filter(follow::Column::OrgId.eq(org.id))
        .filter(follow::Column::Direction.eq(FollowDirection::Following))
        .filter(follow::Column::RemoteActorId.eq(actor.id))
        .one(uow.db())
        .await?;
    if existing.as_ref().is_some_and(|f| f.state != FollowState::Rejected) {
        return Err(AppError::Conflict("err-already-following"));
    }
    let target = actors::delivery_inbox(actor);
    let id = publish::enqueue(
        uow,
        net,
        &org,
        "Follow",
        json!(actor.ap_id),
        Addressed::Actor(actor.ap_id.clone()),
        vec![target],
    )
    .await?;
    let now = Utc::now();
    let f = match existing {
        Some(f) => {
            let mut active: follow::ActiveModel = f.into();
            active.state = Set(FollowState::Pending);
            active.activity_id = Set(id.to_string());
            active.updated_at = Set(now);
            active.update(uow.db()).await?
        }
        None => {
            follow::ActiveModel {
                org_id: Set(org.id),
                remote_actor_id: Set(actor.id),
                direction: Set(FollowDirection::Following),
                state: Set(FollowState::Pending),
                activity_id: Set(id.to_string()),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            }
            .insert(uow.db())
            .await?
        }
    };
    audit::record(
        uow,
        scope,
        "following.request",
        "follow",
        Some(f.id),
        json!({"actor": actor.ap_id}),
    );
    Ok(FollowView::of(&f, actor))
}

/// Stops following (`Undo` of the Follow) and forgets the follow.
pub async fn unfollow(
    uow: &mut UnitOfWork,
    net: &Network,
    scope: &OrgScope,
    id: i64,
) -> AppResult<()> {
    scope.require(Perm::ManageOrg)?;
    let (f, actor) = one(uow.db(), scope, id, FollowDirection::Following).await?;
    let org = scope.org().clone();
    let follow_activity = json!({"id": f.activity_id, "type": "Follow", "actor": net.urls.org(&org.slug), "object": actor.ap_id});
    let target = actors::delivery_inbox(&actor);
    publish::enqueue(
        uow,
        net,
        &org,
        "Undo",
        follow_activity,
        Addressed::Actor(actor.ap_id.clone()),
        vec![target],
    )
    .await?;
    follow::Entity::delete_by_id(f.id).exec(uow.db()).await?;
    uow.emit(Event::RemoteActor(actor.id));
    audit::record(uow, scope, "following.undo", "follow", Some(id), json!({"actor": actor.ap_id}));
    Ok(())
}

/// Whether any local organisation follows `actor` (accepted): only then are its listings accepted.
pub async fn followed_by_us(db: &impl ConnectionTrait, actor_id: i64) -> AppResult<bool> {
    Ok(follow::Entity::find()
        .filter(follow::Column::RemoteActorId.eq(actor_id))
        .filter(follow::Column::Direction.eq(FollowDirection::Following))
        .filter(follow::Column::State.eq(FollowState::Accepted))
        .one(db)
        .await?
        .is_some())
}
