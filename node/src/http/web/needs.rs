//! Need pages: list with filters, new (for a case or the community), show, edit.

use std::sync::Arc;

use askama::Template;
use axum::{
    extract::{Path, Query, State},
    response::Response,
};
use serde::Deserialize;

use super::{CsrfForm, PageCtx, cases::region_name, form_error, region_options, render, see_other};
use crate::{
    domain::cases,
    domain::error::{AppResult, FieldErrors},
    domain::needs::{self, NeedDraft, NeedFilter},
    domain::tenancy::{OrgScope, Perm},
    infra::entities::need,
    state::AppState,
};

#[derive(Template)]
#[template(path = "needs/list.html")]
struct ListPage {
    ctx: PageCtx,
    rows: Vec<need::Model>,
    total: u64,
    filter: NeedFilter,
    regions: Arc<Vec<(String, String)>>,
    page: u64,
    pages: u64,
}

impl ListPage {
    fn region_label(&self, code: &str) -> String {
        self.regions
            .iter()
            .find(|(c, _)| c == code)
            .map(|(_, l)| l.trim_start_matches('\u{a0}').to_owned())
            .unwrap_or_else(|| code.to_owned())
    }
}

/// The need list with filters.
pub async fn list(
    State(state): State<AppState>,
    mut ctx: PageCtx,
    Path(slug): Path<String>,
    Query(filter): Query<NeedFilter>,
) -> AppResult<Response> {
    let scope = ctx.scope(&state, &slug).await?;
    let (rows, total) = needs::list(&state.db, &scope, &filter).await?;
    let regions = region_options(&state, ctx.tr.lang).await?;
    let page = filter.page.unwrap_or(1).max(1);
    let pages = total.div_ceil(needs::PAGE_SIZE).max(1);
    Ok(render(&ListPage {
        ctx,
        rows,
        total,
        filter,
        regions,
        page,
        pages,
    }))
}

#[derive(Template)]
#[template(path = "needs/form.html")]
struct FormPage {
    ctx: PageCtx,
    need_id: Option<i64>,
    case_label: String,
    draft: NeedDraft,
    errors: FieldErrors,
    regions: Arc<Vec<(String, String)>>,
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
    let regions = region_options(state, ctx.tr.lang).await?;
    let case_label = match draft.case_id.trim().parse::<i64>() {
        Ok(id) => match cases::get(&state.db, scope, id).await {
            Ok(case) => format!("#{} {}", case.id, case.head_name),
            Err(_) => String::new(),
        },
        Err(_) => String::new(),
    };
    Ok(FormPage {
        ctx,
        need_id,
        case_label,
        draft,
        errors: FieldErrors::default(),
        regions,
    })
}

#[derive(Deserialize)]
pub struct NewQuery {
    #[serde(default)]
    case: Option<i64>,
}

/// The new-need form; `?case=ID` attaches it to a household.
pub async fn new_page(
    State(state): State<AppState>,
    mut ctx: PageCtx,
    Path(slug): Path<String>,
    Query(q): Query<NewQuery>,
) -> AppResult<Response> {
    let scope = ctx.scope(&state, &slug).await?;
    scope.require(Perm::WriteNeeds)?;
    let mut draft = NeedDraft {
        urgency: "medium".into(),
        visibility: "private".into(),
        ..Default::default()
    };
    if let Some(case_id) = q.case {
        let case = cases::get(&state.db, &scope, case_id).await?;
        draft.case_id = case.id.to_string();
        draft.region_code = case.region_code;
    }
    Ok(render(&form_page(&state, ctx, &scope, None, draft).await?))
}

/// Records a need.
pub async fn create(
    State(state): State<AppState>,
    mut ctx: PageCtx,
    Path(slug): Path<String>,
    CsrfForm(draft): CsrfForm<NeedDraft>,
) -> AppResult<Response> {
    let scope = ctx.scope(&state, &slug).await?;
    match needs::create(&state.db, &scope, &draft).await {
        Ok(need) => Ok(see_other(&format!("/o/{slug}/needs/{}", need.id))),
        Err(err) => {
            let page = form_page(&state, ctx, &scope, None, draft).await?;
            form_error(err, |errors| FormPage { errors, ..page })
        }
    }
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
    State(state): State<AppState>,
    mut ctx: PageCtx,
    Path((slug, id)): Path<(String, i64)>,
) -> AppResult<Response> {
    let scope = ctx.scope(&state, &slug).await?;
    let need = needs::get(&state.db, &scope, id).await?;
    let region = region_name(&state, &ctx, &need.region_code).await?;
    let distributions =
        crate::domain::stock::distributions_for(&state.db, &scope, None, Some(id), 100).await?;
    Ok(render(&ShowPage {
        ctx,
        need,
        region,
        distributions,
    }))
}

fn draft_of(need: &need::Model) -> NeedDraft {
    NeedDraft {
        case_id: need.case_id.map(|c| c.to_string()).unwrap_or_default(),
        sector: need.sector.clone(),
        item: need.item.clone(),
        quantity: need.quantity.to_string(),
        unit: need.unit.clone(),
        quantity_met: need.quantity_met.to_string(),
        urgency: need.urgency.clone(),
        region_code: need.region_code.clone(),
        needed_by: need.needed_by.map(|d| d.to_string()).unwrap_or_default(),
        public_summary: need.public_summary.clone(),
        visibility: need.visibility.clone(),
        cancelled: (need.status == "cancelled").then(|| "on".to_owned()),
    }
}

/// The edit form.
pub async fn edit_page(
    State(state): State<AppState>,
    mut ctx: PageCtx,
    Path((slug, id)): Path<(String, i64)>,
) -> AppResult<Response> {
    let scope = ctx.scope(&state, &slug).await?;
    scope.require(Perm::WriteNeeds)?;
    let need = needs::get(&state.db, &scope, id).await?;
    Ok(render(
        &form_page(&state, ctx, &scope, Some(id), draft_of(&need)).await?,
    ))
}

/// Saves changes to a need.
pub async fn update(
    State(state): State<AppState>,
    mut ctx: PageCtx,
    Path((slug, id)): Path<(String, i64)>,
    CsrfForm(draft): CsrfForm<NeedDraft>,
) -> AppResult<Response> {
    let scope = ctx.scope(&state, &slug).await?;
    // The household of an existing need does not change through the form.
    let current = needs::get(&state.db, &scope, id).await?;
    let draft = NeedDraft {
        case_id: current.case_id.map(|c| c.to_string()).unwrap_or_default(),
        ..draft
    };
    match needs::update(&state.db, &scope, id, &draft).await {
        Ok(_) => Ok(see_other(&format!("/o/{slug}/needs/{id}"))),
        Err(err) => {
            let page = form_page(&state, ctx, &scope, Some(id), draft).await?;
            form_error(err, |errors| FormPage { errors, ..page })
        }
    }
}
