//! The network in pages: an organisation's public profile (the same address serves its actor to peers), what it
//! receives from the organisations it follows ("Network", with filters), its follows (approve requests, follow
//! others, stop following), and the operator's federation page (peers, queues, block and allow lists).

use activitypub_federation::config::Data;
use askama::Template;
use axum::{
    extract::{Path, Query, State},
    http::HeaderMap,
    response::Response,
};
use serde::Deserialize;

use super::{CsrfForm, OrgPage, PageCtx, Regions, refusable, refused, render, see_other};
use crate::{
    domain::{
        accounts::{self, OrgProfile},
        error::{AppError, AppResult, FieldErrors},
        network::{
            Network, actors,
            follows::{self, FollowView},
            peers::{self, PeerStatus},
            received::{self, NetworkFilter, NetworkItem},
        },
        tenancy::{OperatorScope, Perm},
    },
    http::ap,
    infra::entities::organisation,
    state::AppState,
    vocab::{FollowDirection, PeerPolicy},
};

#[derive(Template)]
#[template(path = "orgs/profile.html")]
struct ProfilePage {
    ctx: PageCtx,
    org: organisation::Model,
    profile: OrgProfile,
    regions: Regions,
    handle: String,
    open_needs: Vec<crate::infra::entities::need::Model>,
    delivered: Vec<crate::domain::public::Delivered>,
}

/// `/orgs/{slug}`: the actor document for peers (who ask for ActivityPub JSON), the public profile for people.
pub async fn profile(
    State(state): State<AppState>,
    ctx: PageCtx,
    headers: HeaderMap,
    Path(slug): Path<String>,
) -> AppResult<Response> {
    if ap::wants_activity_json(&headers) {
        return ap::org_actor(&state, &slug).await;
    }
    let org = actors::local_org(&state.db, &slug).await?.ok_or(AppError::NotFound)?;
    let profile = accounts::profile_of(&org);
    let regions = Regions::in_use(&state, ctx.tr.lang, &profile.regions_served).await?;
    let handle = format!("{}@{}", org.slug, state.network.urls.domain());
    let open_needs = crate::domain::public::open_needs(&state.db, org.id).await?;
    let delivered = crate::domain::public::delivered(&state.db, org.id, 6).await?;
    Ok(render(&ProfilePage { ctx, org, profile, regions, handle, open_needs, delivered }))
}

#[derive(Template)]
#[template(path = "objects/listing.html")]
pub(super) struct ListingPage {
    pub(super) ctx: PageCtx,
    object: String,
    offer: bool,
    item: String,
    summary: String,
    sector: String,
    region: String,
    unit: String,
    quantity: i64,
    quantity_met: i64,
    committed: i64,
    missing: i64,
    urgency: String,
    status: String,
    needed_by: String,
    org: organisation::Model,
    /// Whether donors may pledge to it here (a public need of this node, still open).
    pledge_open: bool,
    pub(super) draft: super::exchange::PledgeDraft,
    errors: FieldErrors,
}

refusable!(ListingPage);

/// The page of a public need or offer of this node, with the pledge form when donors may pledge to it.
pub(super) async fn listing_page(
    state: &AppState,
    ctx: PageCtx,
    id: &str,
) -> AppResult<ListingPage> {
    let object = ap::listing_object(state, id).await?;
    let l = sanad_federation::vocab::read_proposal(&object).map_err(AppError::internal)?;
    let slug = state.network.urls.local_slug(&l.attributed_to).ok_or(AppError::NotFound)?;
    let org = actors::local_org(&state.db, &slug).await?.ok_or(AppError::NotFound)?;
    let code = l.region_code.clone().unwrap_or_default();
    let regions = Regions::in_use(state, ctx.tr.lang, std::slice::from_ref(&code)).await?;
    let offer = l.purpose == sanad_federation::vocab::Purpose::Offer;
    let pledge_open = !offer && crate::domain::pledges::pledgeable(&state.db, id).await.is_ok();
    let draft = super::exchange::PledgeDraft { kind: "goods".into(), ..Default::default() };
    Ok(ListingPage {
        object: id.to_owned(),
        offer,
        sector: ctx.term("sector", &l.sector),
        region: if code.is_empty() { String::new() } else { regions.label(&code) },
        urgency: ctx.term("urgency", &l.urgency),
        status: if offer {
            ctx.term("offer-status", &l.status)
        } else {
            ctx.term("need-status", &l.status)
        },
        needed_by: l.needed_by.map(|d| d.to_string()).unwrap_or_default(),
        committed: l.quantity_committed,
        missing: if offer {
            l.available
        } else {
            l.available.min(l.quantity - l.quantity_met).max(0)
        },
        item: l.item,
        summary: l.summary,
        unit: l.unit,
        quantity: if offer { l.available } else { l.quantity },
        quantity_met: l.quantity_met,
        org,
        pledge_open,
        draft,
        errors: FieldErrors::default(),
        ctx,
    })
}

/// `/objects/{id}`: a public need or offer of this node, as its signed listing for peers (ActivityPub JSON), or as a
/// page for people, made from that same listing (so it shows exactly what the network sees: region generalised,
/// nothing personal), with the pledge form for donors.
pub async fn listing(
    State(state): State<AppState>,
    ctx: PageCtx,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> AppResult<Response> {
    // One address, two representations: caches must keep them apart.
    let vary = |mut r: Response| {
        r.headers_mut()
            .insert(axum::http::header::VARY, axum::http::HeaderValue::from_static("Accept"));
        r
    };
    if ap::wants_activity_json(&headers) {
        let object = ap::listing_object(&state, &id).await?;
        return Ok(vary(ap::activity_json(object)));
    }
    Ok(vary(render(&listing_page(&state, ctx, &id).await?)))
}

/// Filters of the Network page.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct NetworkQuery {
    kind: String,
    sector: String,
    region: String,
    status: String,
}

#[derive(Template)]
#[template(path = "network/list.html")]
struct NetworkPage {
    ctx: PageCtx,
    offers: bool,
    items: Vec<NetworkItem>,
    sector: String,
    region: String,
    status: String,
    regions: Regions,
}

/// What the organisation receives from the network: needs (or offers), newest change first.
pub async fn list(
    OrgPage { state, ctx, scope, .. }: OrgPage,
    Query(q): Query<NetworkQuery>,
) -> AppResult<Response> {
    let offers = q.kind == "offers";
    let keep =
        |v: &str| Some(v.trim()).filter(|v| !v.is_empty() && v.len() <= 64).map(str::to_owned);
    let filter = NetworkFilter {
        sector: keep(&q.sector),
        region: keep(&q.region),
        status: keep(&q.status),
        origin: None,
    };
    let items =
        received::list(&state.db, &scope, if offers { "offer" } else { "need" }, &filter).await?;
    let mut codes: Vec<String> = items.iter().filter_map(|i| i.region_code.clone()).collect();
    codes.sort();
    codes.dedup();
    let regions = Regions::in_use(&state, ctx.tr.lang, &codes).await?;
    Ok(render(&NetworkPage {
        ctx,
        offers,
        items,
        sector: filter.sector.unwrap_or_default(),
        region: filter.region.unwrap_or_default(),
        status: filter.status.unwrap_or_default(),
        regions,
    }))
}

#[derive(Template)]
#[template(path = "network/follows.html")]
struct FollowsPage {
    ctx: PageCtx,
    handle: String,
    followers: Vec<FollowView>,
    following: Vec<FollowView>,
    actor: String,
    errors: FieldErrors,
    can_manage: bool,
}

refusable!(FollowsPage);

async fn follows_page(
    state: &AppState,
    ctx: PageCtx,
    scope: &crate::domain::tenancy::OrgScope,
    actor: String,
) -> AppResult<FollowsPage> {
    Ok(FollowsPage {
        handle: format!("{}@{}", scope.org().slug, state.network.urls.domain()),
        followers: follows::list(&state.db, scope, FollowDirection::Follower).await?,
        following: follows::list(&state.db, scope, FollowDirection::Following).await?,
        can_manage: scope.can(Perm::ManageOrg),
        ctx,
        actor,
        errors: FieldErrors::default(),
    })
}

/// The organisation's followers (requests to approve) and the organisations it follows.
pub async fn follows_list(OrgPage { state, ctx, scope, .. }: OrgPage) -> AppResult<Response> {
    Ok(render(&follows_page(&state, ctx, &scope, String::new()).await?))
}

/// The "follow an organisation" form.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct FollowForm {
    actor: String,
}

/// Asks to follow another organisation (admins).
pub async fn follow(
    OrgPage { state, ctx, scope, slug }: OrgPage,
    data: Data<Network>,
    CsrfForm(form): CsrfForm<FollowForm>,
) -> AppResult<Response> {
    scope.require(Perm::ManageOrg)?;
    let net = state.network.clone();
    let result = match actors::resolve(&data, &form.actor).await {
        Ok(actor) => state
            .write(async |uow| follows::follow(uow, &net, &scope, &actor).await)
            .await
            .map(|_| ()),
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => Ok(see_other(&format!("/o/{slug}/network/follows"))),
        Err(err @ (AppError::Validation(_) | AppError::Conflict(_))) => {
            refused(err, follows_page(&state, ctx, &scope, form.actor).await?)
        }
        Err(err) => Err(err),
    }
}

/// An empty form (CSRF token only).
#[derive(Debug, Default, Deserialize)]
pub struct Empty {}

async fn answer(
    state: &AppState,
    mut ctx: PageCtx,
    slug: &str,
    id: i64,
    accept: bool,
) -> AppResult<Response> {
    let scope = ctx.scope(state, slug).await?;
    let net = state.network.clone();
    match state.write(async |uow| follows::answer(uow, &net, &scope, id, accept).await).await {
        Ok(_) => Ok(see_other(&format!("/o/{slug}/network/follows"))),
        Err(err @ AppError::Conflict(_)) => {
            refused(err, follows_page(state, ctx, &scope, String::new()).await?)
        }
        Err(err) => Err(err),
    }
}

/// Accepts a follow request.
pub async fn accept(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path((slug, id)): Path<(String, i64)>,
    CsrfForm(_): CsrfForm<Empty>,
) -> AppResult<Response> {
    answer(&state, ctx, &slug, id, true).await
}

/// Refuses a follow request (or removes a follower).
pub async fn reject(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path((slug, id)): Path<(String, i64)>,
    CsrfForm(_): CsrfForm<Empty>,
) -> AppResult<Response> {
    answer(&state, ctx, &slug, id, false).await
}

/// Stops following.
pub async fn unfollow(
    State(state): State<AppState>,
    mut ctx: PageCtx,
    Path((slug, id)): Path<(String, i64)>,
    CsrfForm(_): CsrfForm<Empty>,
) -> AppResult<Response> {
    let scope = ctx.scope(&state, &slug).await?;
    let net = state.network.clone();
    state.write(async |uow| follows::unfollow(uow, &net, &scope, id).await).await?;
    Ok(see_other(&format!("/o/{slug}/network/follows")))
}

#[derive(Template)]
#[template(path = "operator/federation.html")]
struct FederationPage {
    ctx: PageCtx,
    peers: Vec<PeerStatus>,
    allow_list_only: bool,
    host: String,
    errors: FieldErrors,
}

refusable!(FederationPage);

async fn federation_page(
    state: &AppState,
    ctx: PageCtx,
    host: String,
) -> AppResult<FederationPage> {
    Ok(FederationPage {
        peers: peers::status(&state.db).await?,
        allow_list_only: state.config.federation.allow_list_only,
        ctx,
        host,
        errors: FieldErrors::default(),
    })
}

/// The operator's view of federation: each peer's policy, state and queue.
pub async fn operator_page(State(state): State<AppState>, ctx: PageCtx) -> AppResult<Response> {
    OperatorScope::for_user(ctx.require_user()?)?;
    Ok(render(&federation_page(&state, ctx, String::new()).await?))
}

/// What the operator does to a peer.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PeerForm {
    host: String,
    action: String,
}

/// Blocks, allows, opens or retries a peer (operators).
pub async fn operator_peer(
    State(state): State<AppState>,
    ctx: PageCtx,
    CsrfForm(form): CsrfForm<PeerForm>,
) -> AppResult<Response> {
    OperatorScope::for_user(ctx.require_user()?)?;
    let host = form.host.clone();
    let result = state
        .write(async |uow| match form.action.as_str() {
            "block" => peers::set_policy(uow, &host, PeerPolicy::Blocked).await,
            "allow" => peers::set_policy(uow, &host, PeerPolicy::Allowed).await,
            "open" => peers::set_policy(uow, &host, PeerPolicy::Open).await,
            "retry" => peers::retry(uow, &host).await,
            _ => Err(AppError::BadRequest("err-bad-action")),
        })
        .await;
    match result {
        Ok(_) => {
            state.events.publish(crate::infra::events::Event::PeerHeard);
            Ok(see_other("/operator/federation"))
        }
        Err(AppError::BadRequest(key)) | Err(AppError::Conflict(key)) => {
            let mut errors = FieldErrors::default();
            errors.add("host", key);
            refused(AppError::Validation(errors), federation_page(&state, ctx, form.host).await?)
        }
        Err(AppError::NotFound) => {
            let mut errors = FieldErrors::default();
            errors.add("host", "err-unknown-peer");
            refused(AppError::Validation(errors), federation_page(&state, ctx, form.host).await?)
        }
        Err(err) => Err(err),
    }
}
