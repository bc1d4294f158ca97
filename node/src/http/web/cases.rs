//! Case pages: list with filters, new, show (with needs, notes and history), edit, close/reopen, notes.

use askama::Template;
use axum::{
    extract::{Path, Query, State},
    response::Response,
};
use serde::Deserialize;

use super::{
    CsrfForm, OrgPage, PageCtx, Regions, forms::CaseDraft, refusable, render, see_other, submit,
};
use crate::{
    domain::{
        accounts::{self, Member},
        cases,
        error::{AppError, AppResult, FieldErrors},
        needs::{self, NeedFilter},
        tenancy::{OrgScope, Perm},
    },
    http::queries::CaseQuery,
    infra::entities::{audit_entry, case, case_note, need},
    state::AppState,
    vocab::{CaseStatus, Vocabulary},
};

#[derive(Template)]
#[template(path = "cases/list.html")]
struct ListPage {
    ctx: PageCtx,
    rows: Vec<case::Model>,
    total: u64,
    filter: CaseQuery,
    regions: Regions,
    page: u64,
    pages: u64,
}

/// The case list with filters.
pub async fn list(
    OrgPage { state, ctx, scope, .. }: OrgPage,
    Query(filter): Query<CaseQuery>,
) -> AppResult<Response> {
    let query = filter.filter();
    let filter = filter.normalized();
    let (rows, total) = state.write(async |uow| cases::list(uow, &scope, &query).await).await?;
    let regions =
        Regions::in_use(&state, ctx.tr.lang, &cases::regions_in_use(&state.db, &scope).await?)
            .await?;
    let page = query.page;
    let pages = total.div_ceil(query.per_page).max(1);
    Ok(render(&ListPage { ctx, rows, total, filter, regions, page, pages }))
}

#[derive(Template)]
#[template(path = "cases/form.html")]
struct FormPage {
    ctx: PageCtx,
    case_id: Option<i64>,
    draft: CaseDraft,
    errors: FieldErrors,
    regions: Regions,
    caseworkers: Vec<Member>,
}

impl FormPage {
    fn has_vuln(&self, v: impl AsRef<str>) -> bool {
        self.draft.vulnerabilities.iter().any(|x| x == v.as_ref())
    }

    fn consent(&self) -> bool {
        self.draft.consent_share.is_some()
    }
}

async fn form_page(
    state: &AppState,
    ctx: PageCtx,
    scope: &OrgScope,
    case_id: Option<i64>,
    draft: CaseDraft,
) -> AppResult<FormPage> {
    let regions = Regions::all(state, ctx.tr.lang).await?;
    let caseworkers = accounts::caseworkers(&state.db, scope).await?;
    Ok(FormPage { ctx, case_id, draft, errors: FieldErrors::default(), regions, caseworkers })
}

/// The new-case form.
pub async fn new_page(OrgPage { state, ctx, scope, .. }: OrgPage) -> AppResult<Response> {
    scope.require(Perm::WriteCases)?;
    let draft = CaseDraft { household_size: "1".into(), ..Default::default() };
    Ok(render(&form_page(&state, ctx, &scope, None, draft).await?))
}

/// Registers a household.
pub async fn create(
    OrgPage { state, ctx, scope, slug }: OrgPage,
    CsrfForm(draft): CsrfForm<CaseDraft>,
) -> AppResult<Response> {
    let input = draft.input();
    submit(
        &state,
        async |uow| cases::create(uow, &scope, input).await,
        |case| format!("/o/{slug}/cases/{}", case.id),
        async || form_page(&state, ctx, &scope, None, draft).await,
    )
    .await
}

/// The edit form.
pub async fn edit_page(
    OrgPage { state, ctx, scope, .. }: OrgPage,
    Path((_, id)): Path<(String, i64)>,
) -> AppResult<Response> {
    scope.require(Perm::WriteCases)?;
    let case = state.write(async |uow| cases::view(uow, &scope, id).await).await?;
    Ok(render(&form_page(&state, ctx, &scope, Some(id), CaseDraft::of(&case)).await?))
}

/// Saves changes to a household.
pub async fn update(
    OrgPage { state, ctx, scope, slug }: OrgPage,
    Path((_, id)): Path<(String, i64)>,
    CsrfForm(draft): CsrfForm<CaseDraft>,
) -> AppResult<Response> {
    let input = draft.input();
    submit(
        &state,
        async |uow| cases::update(uow, &scope, id, input).await,
        |_| format!("/o/{slug}/cases/{id}"),
        async || form_page(&state, ctx, &scope, Some(id), draft).await,
    )
    .await
}

#[derive(Template)]
#[template(path = "cases/show.html")]
struct ShowPage {
    ctx: PageCtx,
    case: case::Model,
    region: String,
    vulnerabilities: Vec<String>,
    assigned: String,
    needs: Vec<need::Model>,
    notes: Vec<(case_note::Model, String)>,
    history: Vec<(audit_entry::Model, String)>,
    distributions: Vec<crate::infra::entities::distribution::Model>,
    errors: FieldErrors,
}

async fn show_page(
    state: &AppState,
    mut ctx: PageCtx,
    slug: &str,
    id: i64,
    note_errors: FieldErrors,
) -> AppResult<ShowPage> {
    let scope = ctx.scope(state, slug).await?;
    let case = state.write(async |uow| cases::view(uow, &scope, id).await).await?;
    let members = accounts::members(&state.db, &scope).await?;
    let name_of = |user_id: Option<i64>| {
        user_id
            .and_then(|id| members.iter().find(|m| m.user_id == id))
            .map(|m| m.display_name.clone())
            .unwrap_or_else(|| ctx.t("former-member"))
    };
    let region = region_name(state, &ctx, &case.region_code).await?;
    let vulnerabilities =
        cases::vulnerabilities(&case).into_iter().map(|v| ctx.t(&v.key())).collect();
    let assigned = case.assigned_to.map(|id| name_of(Some(id))).unwrap_or_default();
    let filter = NeedFilter { case_id: Some(id), page: 1, ..Default::default() };
    let (needs, _) = needs::list(&state.db, &scope, &filter).await?;
    let notes = cases::notes(&state.db, &scope, id)
        .await?
        .into_iter()
        .map(|n| {
            let a = name_of(Some(n.author_id));
            (n, a)
        })
        .collect();
    let history = crate::domain::audit::for_subject(&state.db, &scope, "case", id, 20)
        .await?
        .into_iter()
        .map(|e| {
            let who = name_of(e.user_id);
            (e, who)
        })
        .collect();
    let distributions =
        crate::domain::stock::distributions_for(&state.db, &scope, Some(id), None, 100).await?;
    Ok(ShowPage {
        ctx,
        case,
        region,
        vulnerabilities,
        assigned,
        needs,
        notes,
        history,
        errors: note_errors,
        distributions,
    })
}

/// A region's name in the page's language.
pub async fn region_name(state: &AppState, ctx: &PageCtx, code: &str) -> AppResult<String> {
    let regions = crate::domain::regions::all(&state.db).await?;
    Ok(crate::domain::regions::label(&regions, code, ctx.tr.lang == crate::i18n::Lang::Ar))
}

/// One household, with its needs, notes and recent history. The view is audited.
pub async fn show(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path((slug, id)): Path<(String, i64)>,
) -> AppResult<Response> {
    Ok(render(&show_page(&state, ctx, &slug, id, FieldErrors::default()).await?))
}

#[derive(Deserialize)]
pub struct StatusForm {
    #[serde(default)]
    status: String,
}

/// Closes or reopens a case.
pub async fn set_status(
    OrgPage { state, scope, slug, .. }: OrgPage,
    Path((_, id)): Path<(String, i64)>,
    CsrfForm(form): CsrfForm<StatusForm>,
) -> AppResult<Response> {
    let status =
        CaseStatus::parse(&form.status).ok_or(AppError::BadRequest("err-unknown-choice"))?;
    state.write(async |uow| cases::set_status(uow, &scope, id, status).await).await?;
    Ok(see_other(&format!("/o/{slug}/cases/{id}")))
}

#[derive(Deserialize)]
pub struct NoteForm {
    #[serde(default)]
    body: String,
}

/// Adds a note.
pub async fn add_note(
    OrgPage { state, ctx, scope, slug }: OrgPage,
    Path((_, id)): Path<(String, i64)>,
    CsrfForm(form): CsrfForm<NoteForm>,
) -> AppResult<Response> {
    submit(
        &state,
        async |uow| cases::add_note(uow, &scope, id, &form.body).await,
        |_| format!("/o/{slug}/cases/{id}#notes"),
        async || show_page(&state, ctx, &slug, id, FieldErrors::default()).await,
    )
    .await
}

refusable!(FormPage, ShowPage);
