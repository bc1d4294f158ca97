//! Need pages: list with filters, new (for a case or the community), show, edit.

use askama::Template;
use axum::{
    extract::{Path, Query},
    response::Response,
};
use serde::Deserialize;

use super::{
    CsrfForm, OrgPage, PageCtx, Regions, cases::region_name, forms::NeedDraft, refusable, render,
    submit,
};
use crate::{
    domain::{
        cases,
        error::{AppResult, FieldErrors},
        needs,
        tenancy::{OrgScope, Perm},
    },
    http::queries::NeedQuery,
    infra::entities::need,
    state::AppState,
};

#[derive(Template)]
#[template(path = "needs/list.html")]
struct ListPage {
    ctx: PageCtx,
    rows: Vec<need::Model>,
    total: u64,
    filter: NeedQuery,
    regions: Regions,
    page: u64,
    pages: u64,
}

/// The need list with filters.
pub async fn list(
    OrgPage { state, ctx, scope, .. }: OrgPage,
    Query(filter): Query<NeedQuery>,
) -> AppResult<Response> {
    let query = filter.filter();
    let filter = filter.normalized();
    let (rows, total) = needs::list(&state.db, &scope, &query).await?;
    let used = needs::regions_in_use(&state.db, &scope).await?;
    let regions = Regions::in_use(&state, ctx.tr.lang, &used).await?;
    let page = query.page;
    let pages = total.div_ceil(needs::PAGE_SIZE).max(1);
    Ok(render(&ListPage { ctx, rows, total, filter, regions, page, pages }))
}

#[derive(Template)]
#[template(path = "needs/form.html")]
struct FormPage {
    ctx: PageCtx,
    need_id: Option<i64>,
    case_label: String,
    draft: NeedDraft,
    errors: FieldErrors,
    regions: Regions,
}

impl FormPage {
    fn cancelled(&self) -> bool {
        self.draft.cancelled.is_some()
    }
}

async fn form_page(
    state: &AppState,
    ctx: PageCtx,
    scope: &OrgScope,
    need_id: Option<i64>,
    draft: NeedDraft,
) -> AppResult<FormPage> {
    let regions = Regions::all(state, ctx.tr.lang).await?;
    // The form names the household: that is a view of the case, and is audited like one.
    let case_label = match draft.case_id.trim().parse::<i64>() {
        Ok(id) => match cases::get(&state.db, scope, id).await {
            Ok(case) => {
                state
                    .write(async |uow| {
                        cases::record_shown(uow, scope, &[case.id]);
                        Ok(())
                    })
                    .await?;
                format!("#{} {}", case.id, case.head_name)
            }
            Err(_) => String::new(),
        },
        Err(_) => String::new(),
    };
    Ok(FormPage { ctx, need_id, case_label, draft, errors: FieldErrors::default(), regions })
}

#[derive(Deserialize)]
pub struct NewQuery {
    #[serde(default)]
    case: Option<i64>,
}

/// The new-need form; `?case=ID` attaches it to a household.
pub async fn new_page(
    OrgPage { state, ctx, scope, .. }: OrgPage,
    Query(q): Query<NewQuery>,
) -> AppResult<Response> {
    scope.require(Perm::WriteNeeds)?;
    let mut draft =
        NeedDraft { urgency: "medium".into(), visibility: "private".into(), ..Default::default() };
    if let Some(case_id) = q.case {
        let case = cases::get(&state.db, &scope, case_id).await?;
        draft.case_id = case.id.to_string();
        draft.region_code = case.region_code;
    }
    Ok(render(&form_page(&state, ctx, &scope, None, draft).await?))
}

/// Records a need.
pub async fn create(
    OrgPage { state, ctx, scope, slug }: OrgPage,
    CsrfForm(draft): CsrfForm<NeedDraft>,
) -> AppResult<Response> {
    let input = draft.input();
    submit(
        &state,
        async |uow| needs::create(uow, &scope, input).await,
        |need| format!("/o/{slug}/needs/{}", need.id),
        async || form_page(&state, ctx, &scope, None, draft).await,
    )
    .await
}

#[derive(Template)]
#[template(path = "needs/show.html")]
struct ShowPage {
    ctx: PageCtx,
    need: need::Model,
    region: String,
    distributions: Vec<crate::infra::entities::distribution::Model>,
}

/// One need.
pub async fn show(
    OrgPage { state, ctx, scope, .. }: OrgPage,
    Path((_, id)): Path<(String, i64)>,
) -> AppResult<Response> {
    let need = needs::get(&state.db, &scope, id).await?;
    let region = region_name(&state, &ctx, &need.region_code).await?;
    let distributions =
        crate::domain::stock::distributions_for(&state.db, &scope, None, Some(id), 100).await?;
    Ok(render(&ShowPage { ctx, need, region, distributions }))
}

/// The edit form.
pub async fn edit_page(
    OrgPage { state, ctx, scope, .. }: OrgPage,
    Path((_, id)): Path<(String, i64)>,
) -> AppResult<Response> {
    scope.require(Perm::WriteNeeds)?;
    let need = needs::get(&state.db, &scope, id).await?;
    Ok(render(&form_page(&state, ctx, &scope, Some(id), NeedDraft::of(&need)).await?))
}

/// Saves changes to a need.
pub async fn update(
    OrgPage { state, ctx, scope, slug }: OrgPage,
    Path((_, id)): Path<(String, i64)>,
    CsrfForm(draft): CsrfForm<NeedDraft>,
) -> AppResult<Response> {
    // The household of an existing need does not change through the form.
    let current = needs::get(&state.db, &scope, id).await?;
    let draft =
        NeedDraft { case_id: current.case_id.map(|c| c.to_string()).unwrap_or_default(), ..draft };
    let input = draft.input();
    submit(
        &state,
        async |uow| needs::update(uow, &scope, id, input).await,
        |_| format!("/o/{slug}/needs/{id}"),
        async || form_page(&state, ctx, &scope, Some(id), draft).await,
    )
    .await
}

refusable!(FormPage);
