//! The dashboard, organisation settings, members, and the operator's page.

use askama::Template;
use axum::{
    extract::{Path, Query, State},
    response::Response,
};
use serde::Deserialize;

use super::{CsrfForm, PageCtx, form_error, render, render_status, see_other};
use crate::{
    domain::accounts::{self, Member, MemberDraft, OrgDraft},
    domain::cases,
    domain::error::{AppError, AppResult, FieldErrors},
    domain::needs,
    domain::tenancy::Perm,
    domain::vocab,
    infra::entities::organisation,
    state::AppState,
};

#[derive(Template)]
#[template(path = "org/dashboard.html")]
struct DashboardPage {
    ctx: PageCtx,
    slug: String,
    open_cases: u64,
    /// Rows of (sector, counts per urgency from low to critical, total).
    table: Vec<(String, Vec<i64>, i64)>,
    total_needs: i64,
}

/// The organisation's dashboard: open cases, and open needs by sector and urgency.
pub async fn dashboard(
    State(state): State<AppState>,
    mut ctx: PageCtx,
    Path(slug): Path<String>,
) -> AppResult<Response> {
    let scope = ctx.scope(&state, &slug).await?;
    let open_cases = cases::count_open(&state.db, &scope).await?;
    let counts = needs::active_by_sector_and_urgency(&state.db, &scope).await?;
    let mut table = Vec::new();
    for sector in vocab::SECTORS {
        let row: Vec<i64> = vocab::URGENCIES
            .iter()
            .map(|u| {
                counts
                    .iter()
                    .filter(|(s, cu, _)| s == sector && cu == u)
                    .map(|(_, _, n)| *n)
                    .sum()
            })
            .collect();
        let total = row.iter().sum();
        if total > 0 {
            table.push(((*sector).to_owned(), row, total));
        }
    }
    let total_needs = table.iter().map(|(_, _, t)| t).sum();
    Ok(render(&DashboardPage {
        ctx,
        slug,
        open_cases,
        table,
        total_needs,
    }))
}

#[derive(Template)]
#[template(path = "org/settings.html")]
struct SettingsPage {
    ctx: PageCtx,
    draft: OrgDraft,
    errors: FieldErrors,
    saved: bool,
    public_key: String,
}

#[derive(Deserialize)]
pub struct SavedQuery {
    #[serde(default)]
    saved: Option<String>,
}

/// Organisation settings (admins).
pub async fn settings_page(
    State(state): State<AppState>,
    mut ctx: PageCtx,
    Path(slug): Path<String>,
    Query(q): Query<SavedQuery>,
) -> AppResult<Response> {
    let scope = ctx.scope(&state, &slug).await?;
    scope.require(Perm::ManageOrg)?;
    let org = scope.org();
    let draft = OrgDraft {
        slug: org.slug.clone(),
        name_ar: org.name_ar.clone(),
        name_en: org.name_en.clone(),
        description: org.description.clone(),
    };
    let public_key = state.secrets.keys.public_multibase();
    Ok(render(&SettingsPage {
        ctx,
        draft,
        errors: FieldErrors::default(),
        saved: q.saved.is_some(),
        public_key,
    }))
}

/// Saves organisation settings.
pub async fn settings_submit(
    State(state): State<AppState>,
    mut ctx: PageCtx,
    Path(slug): Path<String>,
    CsrfForm(draft): CsrfForm<OrgDraft>,
) -> AppResult<Response> {
    let scope = ctx.scope(&state, &slug).await?;
    match accounts::update_org(&state.db, &scope, &draft).await {
        Ok(org) => Ok(see_other(&format!("/o/{}/settings?saved=1", org.slug))),
        Err(err) => {
            let public_key = state.secrets.keys.public_multibase();
            form_error(err, |errors| SettingsPage {
                ctx,
                draft,
                errors,
                saved: false,
                public_key,
            })
        }
    }
}

#[derive(Template)]
#[template(path = "org/members.html")]
struct MembersPage {
    ctx: PageCtx,
    members: Vec<Member>,
    draft: MemberDraft,
    errors: FieldErrors,
    notice: String,
}

async fn members_page_for(
    state: &AppState,
    mut ctx: PageCtx,
    slug: &str,
    draft: MemberDraft,
    errors: FieldErrors,
    notice: &str,
) -> AppResult<MembersPage> {
    let scope = ctx.scope(state, slug).await?;
    scope.require(Perm::ManageOrg)?;
    let members = accounts::members(&state.db, &scope).await?;
    let notice = if notice.is_empty() {
        String::new()
    } else {
        ctx.t(notice)
    };
    Ok(MembersPage {
        ctx,
        members,
        draft,
        errors,
        notice,
    })
}

/// The members of the organisation (admins).
pub async fn members_page(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(slug): Path<String>,
) -> AppResult<Response> {
    Ok(render(
        &members_page_for(
            &state,
            ctx,
            &slug,
            MemberDraft::default(),
            FieldErrors::default(),
            "",
        )
        .await?,
    ))
}

/// Adds a member.
pub async fn members_add(
    State(state): State<AppState>,
    mut ctx: PageCtx,
    Path(slug): Path<String>,
    CsrfForm(draft): CsrfForm<MemberDraft>,
) -> AppResult<Response> {
    let scope = ctx.scope(&state, &slug).await?;
    match accounts::add_member(&state.db, &scope, &draft).await {
        Ok(()) => Ok(see_other(&format!("/o/{slug}/members"))),
        Err(AppError::Validation(errors)) => {
            let draft = MemberDraft {
                password: String::new(),
                ..draft
            };
            let page =
                members_page_for(&state, ctx, &slug, draft, FieldErrors::default(), "").await?;
            form_error(AppError::Validation(errors), |errors| MembersPage {
                errors,
                ..page
            })
        }
        Err(err) => Err(err),
    }
}

#[derive(Deserialize)]
pub struct RoleForm {
    #[serde(default)]
    role: String,
}

fn conflict_notice(err: AppError) -> AppResult<&'static str> {
    match err {
        AppError::Conflict(key) => Ok(key),
        other => Err(other),
    }
}

/// Changes a member's role.
pub async fn members_role(
    State(state): State<AppState>,
    mut ctx: PageCtx,
    Path((slug, id)): Path<(String, i64)>,
    CsrfForm(form): CsrfForm<RoleForm>,
) -> AppResult<Response> {
    let scope = ctx.scope(&state, &slug).await?;
    match accounts::set_member_role(&state.db, &scope, id, &form.role).await {
        Ok(()) => Ok(see_other(&format!("/o/{slug}/members"))),
        Err(err) => {
            let notice = conflict_notice(err)?;
            let page = members_page_for(
                &state,
                ctx,
                &slug,
                MemberDraft::default(),
                FieldErrors::default(),
                notice,
            )
            .await?;
            Ok(render_status(&page, axum::http::StatusCode::CONFLICT))
        }
    }
}

#[derive(Deserialize)]
pub struct EmptyForm {}

/// Removes a member.
pub async fn members_remove(
    State(state): State<AppState>,
    mut ctx: PageCtx,
    Path((slug, id)): Path<(String, i64)>,
    CsrfForm(_): CsrfForm<EmptyForm>,
) -> AppResult<Response> {
    let scope = ctx.scope(&state, &slug).await?;
    match accounts::remove_member(&state.db, &scope, id).await {
        Ok(()) => Ok(see_other(&format!("/o/{slug}/members"))),
        Err(err) => {
            let notice = conflict_notice(err)?;
            let page = members_page_for(
                &state,
                ctx,
                &slug,
                MemberDraft::default(),
                FieldErrors::default(),
                notice,
            )
            .await?;
            Ok(render_status(&page, axum::http::StatusCode::CONFLICT))
        }
    }
}

#[derive(Template)]
#[template(path = "operator/index.html")]
struct OperatorPage {
    ctx: PageCtx,
    orgs: Vec<(organisation::Model, u64)>,
    draft: OrgDraft,
    admin_email: String,
    errors: FieldErrors,
}

/// The operator's new-organisation form: the organisation and, optionally, an existing account as its first admin.
#[derive(Deserialize)]
pub struct OperatorOrgForm {
    #[serde(flatten)]
    org: OrgDraft,
    #[serde(default)]
    admin_email: String,
}

fn require_operator(ctx: &PageCtx) -> AppResult<()> {
    if ctx.require_user()?.is_operator {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// The operator's page: the node's organisations (names and member counts only, never their cases).
pub async fn operator_page(State(state): State<AppState>, ctx: PageCtx) -> AppResult<Response> {
    require_operator(&ctx)?;
    let orgs = accounts::all_orgs(&state.db).await?;
    Ok(render(&OperatorPage {
        ctx,
        orgs,
        draft: OrgDraft::default(),
        admin_email: String::new(),
        errors: FieldErrors::default(),
    }))
}

/// Creates an organisation (operators).
pub async fn operator_create_org(
    State(state): State<AppState>,
    ctx: PageCtx,
    CsrfForm(form): CsrfForm<OperatorOrgForm>,
) -> AppResult<Response> {
    require_operator(&ctx)?;
    let actor = ctx.user.as_ref().map(|u| crate::domain::tenancy::Actor {
        user_id: u.id,
        token_id: None,
    });
    match accounts::create_org_with_admin(&state.db, &form.org, Some(&form.admin_email), actor)
        .await
    {
        Ok(_) => Ok(see_other("/operator")),
        Err(err) => {
            let orgs = accounts::all_orgs(&state.db).await?;
            let OperatorOrgForm {
                org: draft,
                admin_email,
            } = form;
            form_error(err, |errors| OperatorPage {
                ctx,
                orgs,
                draft,
                admin_email,
                errors,
            })
        }
    }
}
