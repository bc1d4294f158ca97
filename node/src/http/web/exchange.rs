//! The exchange in pages: a donor's pledge on a need's public page, the staff's pledges (answer, record arrival), and
//! commitments between organisations (commit to a need another organisation shares or ask for part of its offer;
//! accept or reject; record sending; confirm receipt), each with its history.

use askama::Template;
use axum::{
    extract::{ConnectInfo, Path, Query, State},
    http::{HeaderMap, HeaderValue, header},
    response::Response,
};
use sea_orm::EntityTrait;
use serde::Deserialize;

use super::{CsrfForm, OrgPage, PageCtx, refusable, refused, render, render_status};
use crate::{
    domain::{
        error::{AppError, AppResult, FieldErrors, Input},
        network::commitments::{self, CommitFields, ReceiveFields},
        pledges::{self, PledgeFields, ReceiptFields},
        stock,
        tenancy::{OrgScope, Perm},
    },
    http::input,
    infra::entities::{
        commitment, commitment_event, item, need, pledge, remote_actor, remote_object, warehouse,
    },
    state::AppState,
    vocab::{CommitmentStatus, PledgeKind, PledgeStatus},
};

/// The pledge form as typed (numbers may use Arabic-Indic digits).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct PledgeDraft {
    /// `goods` or `money`.
    pub kind: String,
    /// Goods: how much.
    pub quantity: String,
    /// Money: how much.
    pub amount: String,
    /// Money: currency.
    pub currency: String,
    /// Donor's name.
    pub donor_name: String,
    /// Telephone or e-mail.
    pub donor_contact: String,
    /// `on` when ticked.
    pub consent: Option<String>,
    /// A note.
    pub note: String,
    /// Left empty by people; bots fill it in.
    pub website: String,
}

impl PledgeDraft {
    fn input(&self) -> Input<PledgeFields> {
        Input::read(|errors| PledgeFields {
            kind: input::choice::<PledgeKind>(errors, "kind", &self.kind),
            quantity: match self.kind.as_str() {
                "goods" => input::integer(errors, "quantity", &self.quantity),
                _ => None,
            },
            amount: match self.kind.as_str() {
                "money" => input::integer(errors, "amount", &self.amount),
                _ => None,
            },
            currency: self.currency.clone(),
            donor_name: self.donor_name.clone(),
            donor_contact: self.donor_contact.clone(),
            consent: input::checkbox(self.consent.as_deref()),
            note: self.note.clone(),
        })
    }
}

/// The need's organisation's name in the page's language.
async fn org_name(state: &AppState, n: &need::Model, ctx: &PageCtx) -> String {
    let org = crate::infra::entities::organisation::Entity::find_by_id(n.org_id)
        .one(&state.db)
        .await
        .ok()
        .flatten();
    org.map(|o| if ctx.is_lang("ar") { o.name_ar } else { o.name_en }).unwrap_or_default()
}

#[derive(Template)]
#[template(path = "objects/thanks.html")]
struct ThanksPage {
    ctx: PageCtx,
    item: String,
    org_name: String,
    object: String,
}

/// Records a donor's pledge to a public need of this node (CSRF-checked, rate-limited per address and per need).
pub async fn pledge_submit(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<std::net::SocketAddr>,
    headers: HeaderMap,
    ctx: PageCtx,
    Path(id): Path<String>,
    CsrfForm(draft): CsrfForm<PledgeDraft>,
) -> AppResult<Response> {
    let need = pledges::pledgeable(&state.db, &id).await;
    if !draft.website.trim().is_empty() {
        // A bot filled in the field people never see: it is thanked, and nothing is kept.
        tracing::info!("pledge form: a submission with the hidden field filled in was dropped");
        let need = need?;
        let org_name = org_name(&state, &need, &ctx).await;
        return Ok(render(&ThanksPage { item: need.item, org_name, object: id, ctx }));
    }
    let client = super::account::client_address(&state, &headers, peer);
    if let Err(err @ AppError::RateLimited(seconds)) = state.pledge_limiter.check(&client, &id) {
        let mut page = super::network::listing_page(&state, ctx, &id).await?;
        page.draft = draft;
        page.ctx.notice = page.ctx.t("err-pledge-rate-limited");
        let mut response = render_status(&page, crate::http::error::status(&err));
        response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        return Ok(response);
    }
    let net = state.network.clone();
    let input = draft.input();
    match state.write(async |uow| pledges::create(uow, &net, &id, input).await).await {
        Ok(p) => {
            let need = need?;
            tracing::info!(pledge = p.id, "pledge received");
            let org_name = org_name(&state, &need, &ctx).await;
            Ok(render(&ThanksPage { item: need.item, org_name, object: id, ctx }))
        }
        Err(err @ (AppError::Validation(_) | AppError::Conflict(_))) => {
            let mut page = super::network::listing_page(&state, ctx, &id).await?;
            page.draft = draft;
            refused(err, page)
        }
        Err(err) => Err(err),
    }
}

#[derive(Template)]
#[template(path = "pledges/list.html")]
struct PledgesPage {
    ctx: PageCtx,
    rows: Vec<(pledge::Model, Option<need::Model>)>,
    items: Vec<item::Model>,
    warehouses: Vec<warehouse::Model>,
    status: String,
    errors: FieldErrors,
}

refusable!(PledgesPage);

/// Filter of the pledges page.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct StatusQuery {
    status: String,
}

async fn pledges_page(
    state: &AppState,
    ctx: PageCtx,
    scope: &OrgScope,
    status: &str,
) -> AppResult<PledgesPage> {
    let wanted = crate::vocab::Vocabulary::parse(status);
    Ok(PledgesPage {
        rows: pledges::list(&state.db, scope, wanted).await?,
        items: stock::items(&state.db, scope).await?,
        warehouses: stock::warehouses(&state.db, scope).await?,
        status: status.to_owned(),
        ctx,
        errors: FieldErrors::default(),
    })
}

/// The organisation's pledges, with what to do about each.
pub async fn pledges_list(
    OrgPage { state, ctx, scope, .. }: OrgPage,
    Query(q): Query<StatusQuery>,
) -> AppResult<Response> {
    Ok(render(&pledges_page(&state, ctx, &scope, &q.status).await?))
}

/// An answer to a pledge.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct AnswerForm {
    /// `accept` or `decline`.
    decision: String,
    /// For the donor.
    message: String,
}

/// Accepts or declines a pledge.
pub async fn pledge_answer(
    OrgPage { state, ctx, scope, slug }: OrgPage,
    Path((_, id)): Path<(String, i64)>,
    CsrfForm(form): CsrfForm<AnswerForm>,
) -> AppResult<Response> {
    // Another organisation's pledge is not found, whatever the form says.
    pledges::get(&state.db, &scope, id).await?;
    let net = state.network.clone();
    let accept = match form.decision.as_str() {
        "accept" => true,
        "decline" => false,
        _ => return Err(AppError::BadRequest("err-bad-form")),
    };
    super::submit(
        &state,
        async |uow| pledges::answer(uow, &net, &scope, id, accept, &form.message).await,
        |_| format!("/o/{slug}/pledges"),
        async || pledges_page(&state, ctx, &scope, "").await,
    )
    .await
}

/// Where goods received are booked, as typed.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ReceiveForm {
    item_id: String,
    warehouse_id: String,
    quantity: String,
    expiry: String,
}

/// Records the arrival of an accepted pledge as a stock receipt.
pub async fn pledge_receive(
    OrgPage { state, ctx, scope, slug }: OrgPage,
    Path((_, id)): Path<(String, i64)>,
    CsrfForm(form): CsrfForm<ReceiveForm>,
) -> AppResult<Response> {
    let input = Input::read(|errors| ReceiptFields {
        item_id: input::reference(errors, "item_id", &form.item_id),
        warehouse_id: input::reference(errors, "warehouse_id", &form.warehouse_id),
        quantity: input::optional_integer(errors, "quantity", &form.quantity),
        expiry: input::optional_date(errors, "expiry", &form.expiry),
    });
    super::submit(
        &state,
        async |uow| pledges::receive(uow, &scope, id, input).await,
        |_| format!("/o/{slug}/pledges"),
        async || pledges_page(&state, ctx, &scope, "").await,
    )
    .await
}

type CommitmentRow = (commitment::Model, Option<remote_actor::Model>);

#[derive(Template)]
#[template(path = "commitments/list.html")]
struct CommitmentsPage {
    ctx: PageCtx,
    rows: Vec<CommitmentRow>,
    status: String,
}

/// The organisation's commitments, both sides.
pub async fn commitments_list(
    OrgPage { state, ctx, scope, .. }: OrgPage,
    Query(q): Query<StatusQuery>,
) -> AppResult<Response> {
    let wanted: Option<CommitmentStatus> = crate::vocab::Vocabulary::parse(&q.status);
    let rows = commitments::list(&state.db, &scope, wanted).await?;
    Ok(render(&CommitmentsPage { ctx, rows, status: q.status }))
}

#[derive(Template)]
#[template(path = "commitments/show.html")]
struct CommitmentPage {
    ctx: PageCtx,
    c: commitment::Model,
    with: remote_actor::Model,
    provider: bool,
    history: Vec<commitment_event::Model>,
    items: Vec<item::Model>,
    warehouses: Vec<warehouse::Model>,
    errors: FieldErrors,
}

refusable!(CommitmentPage);

async fn commitment_page(
    state: &AppState,
    ctx: PageCtx,
    scope: &OrgScope,
    id: i64,
) -> AppResult<CommitmentPage> {
    scope.require(Perm::Read)?;
    let (c, with) = commitments::get(&state.db, scope, id).await?;
    Ok(CommitmentPage {
        provider: commitments::provides(&c),
        history: commitments::events_of(&state.db, c.id).await?,
        items: stock::items(&state.db, scope).await?,
        warehouses: stock::warehouses(&state.db, scope).await?,
        c,
        with,
        ctx,
        errors: FieldErrors::default(),
    })
}

/// One commitment with its history and what can be done next.
pub async fn commitment_show(
    OrgPage { state, ctx, scope, .. }: OrgPage,
    Path((_, id)): Path<(String, i64)>,
) -> AppResult<Response> {
    Ok(render(&commitment_page(&state, ctx, &scope, id).await?))
}

/// A step of a commitment, as typed.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct StepForm {
    /// Rejection: why.
    reason: String,
    /// Receipt: the item.
    item_id: String,
    /// Receipt: the warehouse.
    warehouse_id: String,
    /// Receipt: the expiry date.
    expiry: String,
}

/// Accepts, rejects, records sending, confirms receipt of or withdraws a commitment (`{action}`).
pub async fn commitment_step(
    OrgPage { state, ctx, scope, slug }: OrgPage,
    Path((_, id, action)): Path<(String, i64, String)>,
    CsrfForm(form): CsrfForm<StepForm>,
) -> AppResult<Response> {
    let net = state.network.clone();
    let receipt = Input::read(|errors| ReceiveFields {
        item_id: input::reference(errors, "item_id", &form.item_id),
        warehouse_id: input::reference(errors, "warehouse_id", &form.warehouse_id),
        expiry: input::optional_date(errors, "expiry", &form.expiry),
    });
    let op = async |uow: &mut crate::infra::uow::UnitOfWork| match action.as_str() {
        "accept" => commitments::accept(uow, &net, &scope, id).await,
        "reject" => commitments::reject(uow, &net, &scope, id, &form.reason).await,
        "send" => commitments::send(uow, &net, &scope, id).await,
        "confirm" => commitments::confirm(uow, &net, &scope, id, receipt).await,
        "cancel" => commitments::cancel(uow, &net, &scope, id).await,
        _ => Err(AppError::NotFound),
    };
    super::submit(
        &state,
        op,
        |_| format!("/o/{slug}/commitments/{id}"),
        async || commitment_page(&state, ctx, &scope, id).await,
    )
    .await
}

#[derive(Template)]
#[template(path = "commitments/new.html")]
struct NewCommitmentPage {
    ctx: PageCtx,
    listing: remote_object::Model,
    origin: String,
    items: Vec<item::Model>,
    warehouses: Vec<warehouse::Model>,
    draft: CommitDraft,
    errors: FieldErrors,
}

refusable!(NewCommitmentPage);

/// A commitment as typed.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct CommitDraft {
    /// The listing's object id.
    pub listing: String,
    quantity: String,
    item_id: String,
    warehouse_id: String,
    due: String,
}

async fn new_commitment_page(
    state: &AppState,
    ctx: PageCtx,
    scope: &OrgScope,
    draft: CommitDraft,
) -> AppResult<NewCommitmentPage> {
    scope.require(Perm::ManageStock)?;
    use sea_orm::{ColumnTrait, QueryFilter};
    let listing = remote_object::Entity::find()
        .filter(remote_object::Column::ApId.eq(draft.listing.as_str()))
        .filter(remote_object::Column::DeletedAt.is_null())
        .one(&state.db)
        .await?
        // One addressed to another organisation of the node is not this one's to see.
        .filter(|l| l.addressed_org_id.is_none_or(|org| org == scope.org_id()))
        .ok_or(AppError::NotFound)?;
    let origin = remote_actor::Entity::find_by_id(listing.remote_actor_id)
        .one(&state.db)
        .await?
        .map(|a| a.name)
        .unwrap_or_default();
    Ok(NewCommitmentPage {
        items: stock::items(&state.db, scope).await?,
        warehouses: stock::warehouses(&state.db, scope).await?,
        listing,
        origin,
        draft,
        ctx,
        errors: FieldErrors::default(),
    })
}

/// The form to commit to a listing another organisation shares (`?listing=` its object id).
pub async fn commitment_new(
    OrgPage { state, ctx, scope, .. }: OrgPage,
    Query(draft): Query<CommitDraft>,
) -> AppResult<Response> {
    Ok(render(&new_commitment_page(&state, ctx, &scope, draft).await?))
}

/// Sends a commitment.
pub async fn commitment_create(
    OrgPage { state, ctx, scope, slug }: OrgPage,
    CsrfForm(draft): CsrfForm<CommitDraft>,
) -> AppResult<Response> {
    let input = Input::read(|errors| CommitFields {
        listing: draft.listing.clone(),
        quantity: input::integer(errors, "quantity", &draft.quantity),
        item_id: input::reference(errors, "item_id", &draft.item_id),
        warehouse_id: input::reference(errors, "warehouse_id", &draft.warehouse_id),
        due: input::optional_date(errors, "due", &draft.due),
    });
    let net = state.network.clone();
    super::submit(
        &state,
        async |uow| commitments::propose(uow, &net, &scope, input).await,
        |c| format!("/o/{slug}/commitments/{}", c.id),
        async || new_commitment_page(&state, ctx, &scope, draft.clone()).await,
    )
    .await
}

/// A commitment's stored reason (or history note) in the page's language: Sanad's own reasons are message keys.
pub fn reason(ctx: &PageCtx, stored: &str) -> String {
    if stored.starts_with("commitment-reason-") { ctx.t(stored) } else { stored.to_owned() }
}

/// How much a pledge gives: its quantity of goods or its amount of money (for the template).
pub fn pledged(p: &pledge::Model) -> i64 {
    p.quantity.or(p.amount).unwrap_or_default()
}

/// Whether a pledge still waits for an answer (for the template).
pub fn waiting(p: &pledge::Model) -> bool {
    p.status == PledgeStatus::Proposed
}
