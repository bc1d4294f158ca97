//! The federation surface: actors, inboxes, collections, objects, WebFinger, NodeInfo, host-meta and Sanad's
//! JSON-LD context. The inbox checks what activitypub_federation does not (a signed, fresh date; blocked hosts)
//! before handing the request to it, then maps every refusal to a 4xx with a log line.

use activitypub_federation::{
    FEDERATION_CONTENT_TYPE,
    axum::inbox::{ActivityData, receive_activity},
    config::Data,
    error::Error as ApError,
    fetch::object_id::ObjectId,
};
use axum::{
    Router,
    body::{Body, Bytes},
    extract::{FromRequest, Path, Query, State},
    http::{HeaderMap, HeaderValue, Method, Request, StatusCode, Uri, header},
    response::{IntoResponse, Response},
    routing::{get, post},
};
use sanad_federation::{httpsig, vocab};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::domain::error::{AppError, AppResult};
use crate::domain::network::{
    Network,
    actors::{self, ActorLookupError, ActorRecord},
    host_of,
    inbox::{InboxError, WireActivity},
    keys, peers,
};
use crate::infra::entities::{follow, need, offer, organisation};
use crate::state::AppState;
use crate::vocab::{FollowDirection, FollowState, Visibility};

/// The federation routes (with activitypub_federation's `Data` supplied by its middleware).
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/.well-known/webfinger", get(webfinger))
        .route("/.well-known/nodeinfo", get(nodeinfo_links))
        .route("/.well-known/host-meta", get(host_meta))
        .route("/nodeinfo/2.1", get(nodeinfo))
        .route(vocab::CONTEXT_PATH, get(context))
        .route("/actor", get(instance_actor))
        .route("/inbox", post(inbox))
        .route("/orgs/{slug}/inbox", post(inbox))
        .route("/orgs/{slug}/outbox", get(outbox))
        .route("/orgs/{slug}/followers", get(followers))
        .route("/orgs/{slug}/following", get(following))
}

/// An ActivityPub JSON answer.
pub fn activity_json(value: Value) -> Response {
    let mut res = axum::Json(value).into_response();
    res.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(FEDERATION_CONTENT_TYPE));
    res
}

/// Whether a request asks for ActivityPub JSON rather than a page.
pub fn wants_activity_json(headers: &HeaderMap) -> bool {
    headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|a| {
        a.contains("application/activity+json") || a.contains("application/ld+json")
    })
}

/// An organisation's actor document.
pub async fn org_actor(state: &AppState, slug: &str) -> AppResult<Response> {
    let org = actors::local_org(&state.db, slug).await?.ok_or(AppError::NotFound)?;
    let keys = keys::ensure(&state.db, &state.network.keys, org.id).await?;
    Ok(activity_json(actors::org_document(&state.network.urls, &org, &keys)))
}

async fn instance_actor(State(state): State<AppState>) -> Response {
    activity_json(actors::instance_document(&state.network))
}

async fn context() -> Response {
    let mut res = axum::Json(vocab::context_document()).into_response();
    res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/ld+json"));
    res
}

#[derive(Deserialize)]
struct WebfingerQuery {
    #[serde(default)]
    resource: String,
}

async fn webfinger(
    State(state): State<AppState>,
    Query(q): Query<WebfingerQuery>,
) -> AppResult<Response> {
    let urls = &state.network.urls;
    let resource = q.resource.trim();
    // The resource may also be an actor's URL.
    let by_url = url::Url::parse(resource)
        .ok()
        .and_then(|u| urls.local_slug(&u))
        .map(|slug| format!("{slug}@{}", urls.domain()));
    let acct =
        by_url.as_deref().unwrap_or_else(|| resource.strip_prefix("acct:").unwrap_or(resource));
    let (name, host) = acct.rsplit_once('@').ok_or(AppError::BadRequest("err-bad-resource"))?;
    if !host.eq_ignore_ascii_case(&urls.domain()) {
        return Err(AppError::NotFound);
    }
    let id = if name == urls.domain() {
        urls.instance()
    } else {
        actors::local_org(&state.db, name).await?.ok_or(AppError::NotFound)?;
        urls.org(name)
    };
    let body = json!({
        "subject": format!("acct:{name}@{}", urls.domain()),
        "aliases": [id],
        "links": [
            {"rel": "self", "type": FEDERATION_CONTENT_TYPE, "href": id},
            {"rel": "http://webfinger.net/rel/profile-page", "type": "text/html", "href": id},
        ],
    });
    let mut res = axum::Json(body).into_response();
    res.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("application/jrd+json"));
    Ok(res)
}

async fn nodeinfo_links(State(state): State<AppState>) -> Response {
    let href =
        state.network.urls.base().join("/nodeinfo/2.1").map(|u| u.to_string()).unwrap_or_default();
    axum::Json(json!({"links": [{"rel": "http://nodeinfo.diaspora.software/ns/schema/2.1", "href": href}]}))
        .into_response()
}

async fn host_meta(State(state): State<AppState>) -> Response {
    let base = state.network.urls.base().as_str().trim_end_matches('/').to_owned();
    let xml = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<XRD xmlns=\"http://docs.oasis-open.org/ns/xri/xrd-1.0\">\n  \
         <Link rel=\"lrdd\" template=\"{base}/.well-known/webfinger?resource={{uri}}\"/>\n</XRD>\n"
    );
    ([(header::CONTENT_TYPE, "application/xrd+xml; charset=utf-8")], xml).into_response()
}

async fn nodeinfo(State(state): State<AppState>) -> AppResult<Response> {
    let orgs = organisation::Entity::find()
        .filter(organisation::Column::Local.eq(true))
        .count(&state.db)
        .await?;
    let listings = need::Entity::find()
        .filter(need::Column::FederatedAt.is_not_null())
        .count(&state.db)
        .await?
        + offer::Entity::find()
            .filter(offer::Column::FederatedAt.is_not_null())
            .count(&state.db)
            .await?;
    let body = json!({
        "version": "2.1",
        "software": {"name": "sanad", "version": env!("CARGO_PKG_VERSION"),
            "repository": env!("CARGO_PKG_REPOSITORY")},
        "protocols": ["activitypub"],
        "services": {"inbound": [], "outbound": []},
        "openRegistrations": false,
        "usage": {"users": {"total": orgs}, "localPosts": listings},
        "metadata": {"nodeName": state.network.urls.domain(), "organisations": orgs},
    });
    let mut res = axum::Json(body).into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(
            "application/json; profile=\"http://nodeinfo.diaspora.software/ns/schema/2.1#\"",
        ),
    );
    Ok(res)
}

async fn collection(
    state: &AppState,
    slug: &str,
    name: &str,
    total: u64,
    items: Vec<Value>,
) -> Response {
    let id = format!("{}/{name}", state.network.urls.org(slug));
    let mut doc = json!({"@context": vocab::AS_CONTEXT, "id": id, "type": "OrderedCollection", "totalItems": total});
    if !items.is_empty() {
        doc["orderedItems"] = json!(items);
    }
    activity_json(doc)
}

async fn follow_count(state: &AppState, org_id: i64, direction: FollowDirection) -> AppResult<u64> {
    Ok(follow::Entity::find()
        .filter(follow::Column::OrgId.eq(org_id))
        .filter(follow::Column::Direction.eq(direction))
        .filter(follow::Column::State.eq(FollowState::Accepted))
        .count(&state.db)
        .await?)
}

/// Followers: the count only (who follows a charity is not published).
async fn followers(State(state): State<AppState>, Path(slug): Path<String>) -> AppResult<Response> {
    let org = actors::local_org(&state.db, &slug).await?.ok_or(AppError::NotFound)?;
    let n = follow_count(&state, org.id, FollowDirection::Follower).await?;
    Ok(collection(&state, &slug, "followers", n, Vec::new()).await)
}

/// Following: the count only.
async fn following(State(state): State<AppState>, Path(slug): Path<String>) -> AppResult<Response> {
    let org = actors::local_org(&state.db, &slug).await?.ok_or(AppError::NotFound)?;
    let n = follow_count(&state, org.id, FollowDirection::Following).await?;
    Ok(collection(&state, &slug, "following", n, Vec::new()).await)
}

/// The outbox: the organisation's public listings, newest first (the last 20), as `Create` activities.
async fn outbox(State(state): State<AppState>, Path(slug): Path<String>) -> AppResult<Response> {
    let org = actors::local_org(&state.db, &slug).await?.ok_or(AppError::NotFound)?;
    let public = need::Entity::find()
        .filter(need::Column::OrgId.eq(org.id))
        .filter(need::Column::FederatedAt.is_not_null())
        .filter(need::Column::Visibility.eq(Visibility::Public));
    let total = public.clone().count(&state.db).await?;
    let recent = public.order_by_desc(need::Column::UpdatedAt).limit(20).all(&state.db).await?;
    let mut items = Vec::new();
    for n in recent {
        if let Some(object) = public_need_object(&state, &org, &n).await? {
            items.push(
                json!({"id": format!("{}#create", object["id"].as_str().unwrap_or_default()),
                "type": "Create", "actor": state.network.urls.org(&slug), "object": object}),
            );
        }
    }
    Ok(collection(&state, &slug, "outbox", total, items).await)
}

async fn public_need_object(
    state: &AppState,
    org: &organisation::Model,
    n: &need::Model,
) -> AppResult<Option<Value>> {
    use crate::domain::network::publish;
    let net = &state.network;
    let mut gates = publish::Gates::default();
    let listing = publish::need_listing(&state.db, net, &mut gates, n, org).await?;
    publish::servable(&state.db, net, org, listing).await
}

/// A public listing (need or offer), signed; followers-only and private listings are not served.
/// A public need or offer of this node as its signed listing object (what `/objects/{id}` serves to peers; people get
/// a page made from the same object).
pub async fn listing_object(state: &AppState, id: &str) -> AppResult<Value> {
    use crate::domain::network::publish;
    if let Some(n) = need::Entity::find()
        .filter(need::Column::ApId.eq(id))
        .filter(need::Column::FederatedAt.is_not_null())
        .filter(need::Column::Visibility.eq(Visibility::Public))
        .one(&state.db)
        .await?
    {
        let org = organisation::Entity::find_by_id(n.org_id)
            .one(&state.db)
            .await?
            .ok_or(AppError::NotFound)?;
        return public_need_object(state, &org, &n).await?.ok_or(AppError::NotFound);
    }
    let o = offer::Entity::find()
        .filter(offer::Column::ApId.eq(id))
        .filter(offer::Column::FederatedAt.is_not_null())
        .filter(offer::Column::Visibility.eq(Visibility::Public))
        .one(&state.db)
        .await?
        .ok_or(AppError::NotFound)?;
    let org = organisation::Entity::find_by_id(o.org_id)
        .one(&state.db)
        .await?
        .ok_or(AppError::NotFound)?;
    let net = &state.network;
    let listing = publish::offer_listing(&state.db, net, &o, &org).await?;
    publish::servable(&state.db, net, &org, listing).await?.ok_or(AppError::NotFound)
}

/// Why the inbox refused a request: the status and a reason for the log and the sender.
fn refusal(status: StatusCode, reason: impl std::fmt::Display) -> Response {
    tracing::info!(status = status.as_u16(), %reason, "inbox refused an activity");
    (status, axum::Json(json!({"error": reason.to_string()}))).into_response()
}

fn protocol_status(e: &ApError) -> StatusCode {
    match e {
        ApError::ActivitySignatureInvalid => StatusCode::UNAUTHORIZED,
        ApError::UrlVerificationError(m) if m.contains("blocked") => StatusCode::FORBIDDEN,
        // The node could not read its own policy table: its failure, the sender retries.
        ApError::UrlVerificationError(m) if m.contains("could not be read") => {
            StatusCode::SERVICE_UNAVAILABLE
        }
        ApError::ActivityBodyDigestInvalid
        | ApError::ParseReceivedActivity { .. }
        | ApError::UrlVerificationError(_)
        | ApError::UrlParse(_) => StatusCode::BAD_REQUEST,
        // The signing actor could not be reached for now: the sender retries later.
        ApError::Reqwest(_)
        | ApError::ReqwestMiddleware(_)
        | ApError::DomainResolveError(_)
        | ApError::RequestLimit => StatusCode::SERVICE_UNAVAILABLE,
        // The signing actor's document is missing, gone or unusable: the signature cannot be checked.
        _ => StatusCode::UNAUTHORIZED,
    }
}

fn inbox_status(e: &InboxError) -> StatusCode {
    match e {
        InboxError::Protocol(p) | InboxError::Actor(ActorLookupError::Protocol(p)) => {
            protocol_status(p)
        }
        InboxError::Actor(ActorLookupError::Document(_)) | InboxError::Invalid(_) => {
            StatusCode::BAD_REQUEST
        }
        InboxError::Forbidden(_) => StatusCode::FORBIDDEN,
        InboxError::Proof(_) => StatusCode::UNAUTHORIZED,
        InboxError::Actor(ActorLookupError::Node(AppError::NotFound))
        | InboxError::Node(AppError::NotFound) => StatusCode::NOT_FOUND,
        // The node's own failure: the sender retries later, nothing is lost.
        InboxError::Actor(ActorLookupError::Node(_)) | InboxError::Node(_) => {
            StatusCode::SERVICE_UNAVAILABLE
        }
    }
}

fn is_signature_failure(e: &InboxError) -> bool {
    matches!(
        e,
        InboxError::Protocol(ApError::ActivitySignatureInvalid)
            | InboxError::Actor(ActorLookupError::Protocol(ApError::ActivitySignatureInvalid))
    )
}

async fn receive(
    data: &Data<Network>,
    parts: &(Method, Uri, HeaderMap),
    body: &Bytes,
) -> Result<(), InboxError> {
    let mut req = Request::builder().method(parts.0.clone()).uri(parts.1.clone());
    if let Some(h) = req.headers_mut() {
        *h = parts.2.clone();
    }
    let req = req.body(Body::from(body.clone())).map_err(|e| AppError::internal(e.to_string()))?;
    let activity = ActivityData::from_request(req, &())
        .await
        .map_err(|_| InboxError::Invalid("unreadable body"))?;
    receive_activity::<WireActivity, ActorRecord, Network>(activity, data).await
}

/// The shared inbox and each organisation's inbox (they behave alike: the activity says whom it is for).
async fn inbox(
    data: Data<Network>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let sig = match httpsig::check_fresh(
        header("signature"),
        header("date"),
        true,
        std::time::SystemTime::now(),
    ) {
        Ok(sig) => sig,
        Err(e) => return refusal(StatusCode::UNAUTHORIZED, e),
    };
    // The signed host must be this node: a request signed for another node is not replayed here.
    if header("host").is_some_and(|h| !h.trim_end_matches('.').eq_ignore_ascii_case(data.domain()))
    {
        return refusal(StatusCode::UNAUTHORIZED, "the request was signed for another host");
    }
    let Some(signer) = sig.actor() else {
        return refusal(StatusCode::UNAUTHORIZED, "the key id is not a URL");
    };
    let host = host_of(&signer).unwrap_or_default();
    match peers::refused(&data.db, &data.settings, &host).await {
        Ok(true) => return refusal(StatusCode::FORBIDDEN, format!("host {host} is blocked")),
        Ok(false) => {}
        Err(_) => return refusal(StatusCode::SERVICE_UNAVAILABLE, "the node is busy"),
    }
    let parsed: Option<Value> = serde_json::from_slice(&body).ok();
    let Some(parsed) = parsed.filter(Value::is_object) else {
        return refusal(StatusCode::BAD_REQUEST, "the body is not a JSON object");
    };
    let actor = vocab::url_of(parsed.get("actor"));
    if actor.as_ref() != Some(&signer) {
        return refusal(StatusCode::UNAUTHORIZED, "the activity's actor did not sign it");
    }
    // A deleted account we never knew: nothing to do, and nothing to fetch.
    if parsed.get("type").and_then(Value::as_str) == Some("Delete")
        && vocab::url_of(parsed.get("object")) == actor
        && matches!(actors::remote(&data.db, signer.as_str()).await, Ok(None))
    {
        return StatusCode::ACCEPTED.into_response();
    }
    let parts = (method, uri, headers);
    let mut result = receive(&data, &parts, &body).await;
    if let Err(e) = &result
        && is_signature_failure(e)
        && data.may_refetch(signer.as_str())
    {
        // The key may have been rotated: fetch the actor again, once, and retry.
        if ObjectId::<ActorRecord>::from(signer.clone()).dereference_forced(&data).await.is_ok() {
            result = receive(&data, &parts, &body).await;
        }
    }
    match result {
        Ok(()) => StatusCode::ACCEPTED.into_response(),
        Err(e) => refusal(inbox_status(&e), e),
    }
}
