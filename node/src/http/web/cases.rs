//! Case pages: list with filters, new, show (with needs, notes and history), edit, close/reopen, notes.

use std::sync::Arc;

use askama::Template;
use axum::{
    extract::{Path, Query, State},
    response::Response,
};
use serde::Deserialize;

use super::{CsrfForm, PageCtx, form_error, region_options, render, see_other};
use crate::{
    domain::accounts::{self, Member},
    domain::cases::{self, CaseDraft, CaseFilter},
    domain::error::{AppResult, FieldErrors},
    domain::needs::{self, NeedFilter},
    domain::tenancy::Perm,
    domain::vocab,
    infra::entities::{audit_entry, case, case_note, need},
    state::AppState,
};

#[derive(Template)]
#[template(path = "cases/list.html")]
struct ListPage {
    ctx: PageCtx,
    rows: Vec<case::Model>,
    total: u64,
    filter: CaseFilter,
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

/// The case list with filters.
pub async fn list(
    State(state): State<AppState>,
    mut ctx: PageCtx,
    Path(slug): Path<String>,
    Query(filter): Query<CaseFilter>,
) -> AppResult<Response> {
    let scope = ctx.scope(&state, &slug).await?;
    let (rows, total) = cases::list(&state.db, &scope, &filter).await?;
    let regions = region_options(&state, ctx.tr.lang).await?;
    let page = filter.page.unwrap_or(1).max(1);
    let pages = total.div_ceil(cases::PAGE_SIZE).max(1);
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
#[template(path = "cases/form.html")]
struct FormPage {
    ctx: PageCtx,
    case_id: Option<i64>,
    draft: CaseDraft,
    errors: FieldErrors,
    regions: Arc<Vec<(String, String)>>,
    caseworkers: Vec<Member>,
}

impl FormPage {
    fn has_vuln(&self, v: &str) -> bool {
        self.draft.vulnerabilities.iter().any(|x| x == v)
    }

    fn consent(&self) -> bool {
        self.draft.consent_share.is_some()
    }
}

async fn form_page(
    state: &AppState,
    ctx: PageCtx,
    scope: &crate::domain::tenancy::OrgScope,
    case_id: Option<i64>,
    draft: CaseDraft,
) -> AppResult<FormPage> {
    let regions = region_options(state, ctx.tr.lang).await?;
    let caseworkers = accounts::members(&state.db, scope)
        .await?
        .into_iter()
        .filter(|m| m.role == "admin" || m.role == "caseworker")
        .collect();
    Ok(FormPage {
        ctx,
        case_id,
        draft,
        errors: FieldErrors::default(),
        regions,
        caseworkers,
    })
}

/// The new-case form.
pub async fn new_page(
    State(state): State<AppState>,
    mut ctx: PageCtx,
    Path(slug): Path<String>,
) -> AppResult<Response> {
    let scope = ctx.scope(&state, &slug).await?;
    scope.require(Perm::WriteCases)?;
    let draft = CaseDraft {
        household_size: "1".into(),
        ..Default::default()
    };
    Ok(render(&form_page(&state, ctx, &scope, None, draft).await?))
}

/// Registers a household.
pub async fn create(
    State(state): State<AppState>,
    mut ctx: PageCtx,
    Path(slug): Path<String>,
    CsrfForm(draft): CsrfForm<CaseDraft>,
) -> AppResult<Response> {
    let scope = ctx.scope(&state, &slug).await?;
    match cases::create(&state.db, &scope, &draft).await {
        Ok(case) => Ok(see_other(&format!("/o/{slug}/cases/{}", case.id))),
        Err(err) => {
            let page = form_page(&state, ctx, &scope, None, draft).await?;
            form_error(err, |errors| FormPage { errors, ..page })
        }
    }
}

fn draft_of(case: &case::Model) -> CaseDraft {
    CaseDraft {
        head_name: case.head_name.clone(),
        national_id: case.national_id.clone().unwrap_or_default(),
        phone: case.phone.clone().unwrap_or_default(),
        address: case.address.clone().unwrap_or_default(),
        region_code: case.region_code.clone(),
        household_size: case.household_size.to_string(),
        vulnerabilities: case
            .vulnerabilities
            .split(',')
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
            .collect(),
        consent_share: case.consent_share.then(|| "on".to_owned()),
        assigned_to: case
            .assigned_to
            .map(|id| id.to_string())
            .unwrap_or_default(),
    }
}

/// The edit form.
pub async fn edit_page(
    State(state): State<AppState>,
    mut ctx: PageCtx,
    Path((slug, id)): Path<(String, i64)>,
) -> AppResult<Response> {
    let scope = ctx.scope(&state, &slug).await?;
    scope.require(Perm::WriteCases)?;
    let case = cases::view(&state.db, &scope, id).await?;
    Ok(render(
        &form_page(&state, ctx, &scope, Some(id), draft_of(&case)).await?,
    ))
}

/// Saves changes to a household.
pub async fn update(
    State(state): State<AppState>,
    mut ctx: PageCtx,
    Path((slug, id)): Path<(String, i64)>,
    CsrfForm(draft): CsrfForm<CaseDraft>,
) -> AppResult<Response> {
    let scope = ctx.scope(&state, &slug).await?;
    match cases::update(&state.db, &scope, id, &draft).await {
        Ok(_) => Ok(see_other(&format!("/o/{slug}/cases/{id}"))),
        Err(err) => {
            let page = form_page(&state, ctx, &scope, Some(id), draft).await?;
            form_error(err, |errors| FormPage { errors, ..page })
        }
    }
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
    let case = cases::view(&state.db, &scope, id).await?;
    let members = accounts::members(&state.db, &scope).await?;
    let name_of = |user_id: Option<i64>| {
        user_id
            .and_then(|id| members.iter().find(|m| m.user_id == id))
            .map(|m| m.display_name.clone())
            .unwrap_or_else(|| ctx.t("former-member"))
    };
    let region = region_name(state, &ctx, &case.region_code).await?;
    let vulnerabilities = case
        .vulnerabilities
        .split(',')
        .filter(|v| vocab::contains(vocab::VULNERABILITIES, v))
        .map(|v| ctx.term("vuln", v))
        .collect();
    let assigned = case
        .assigned_to
        .map(|id| name_of(Some(id)))
        .unwrap_or_default();
    let filter = NeedFilter {
        case_id: Some(id),
        ..Default::default()
    };
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
    use sea_orm::EntityTrait;
    let region = crate::infra::entities::region::Entity::find_by_id(code.to_owned())
        .one(&state.db)
        .await?;
    Ok(region
        .map(|r| {
            if ctx.tr.lang == crate::i18n::Lang::Ar {
                r.name_ar
            } else {
                r.name_en
            }
        })
        .unwrap_or_else(|| code.to_owned()))
}

/// One household, with its needs, notes and recent history. The view is audited.
pub async fn show(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path((slug, id)): Path<(String, i64)>,
) -> AppResult<Response> {
    Ok(render(
        &show_page(&state, ctx, &slug, id, FieldErrors::default()).await?,
    ))
}

#[derive(Deserialize)]
pub struct StatusForm {
    #[serde(default)]
    status: String,
}

/// Closes or reopens a case.
pub async fn set_status(
    State(state): State<AppState>,
    mut ctx: PageCtx,
    Path((slug, id)): Path<(String, i64)>,
    CsrfForm(form): CsrfForm<StatusForm>,
) -> AppResult<Response> {
    let scope = ctx.scope(&state, &slug).await?;
    cases::set_status(&state.db, &scope, id, form.status.trim()).await?;
    Ok(see_other(&format!("/o/{slug}/cases/{id}")))
}

#[derive(Deserialize)]
pub struct NoteForm {
    #[serde(default)]
    body: String,
}

/// Adds a note.
pub async fn add_note(
    State(state): State<AppState>,
    mut ctx: PageCtx,
    Path((slug, id)): Path<(String, i64)>,
    CsrfForm(form): CsrfForm<NoteForm>,
) -> AppResult<Response> {
    let scope = ctx.scope(&state, &slug).await?;
    match cases::add_note(&state.db, &scope, id, &form.body).await {
        Ok(_) => Ok(see_other(&format!("/o/{slug}/cases/{id}#notes"))),
        Err(crate::domain::error::AppError::Validation(errors)) => {
            let page = show_page(&state, ctx, &slug, id, FieldErrors::default()).await?;
            form_error(
                crate::domain::error::AppError::Validation(errors),
                |errors| ShowPage { errors, ..page },
            )
        }
        Err(err) => Err(err),
    }
}
