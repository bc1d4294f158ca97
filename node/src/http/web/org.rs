//! The dashboard, organisation settings, members, and the operator's page.

use askama::Template;
use axum::{
    extract::{Path, Query, State},
    response::Response,
};
use serde::Deserialize;

use super::{
    CsrfForm, OrgPage, PageCtx,
    forms::{MemberDraft, OrgDraft},
    refusable, refused, render, submit,
};
use crate::{
    domain::{
        accounts::{self, Member},
        cases,
        error::{AppError, AppResult, FieldErrors},
        needs,
        tenancy::{OperatorScope, OrgScope, Perm},
    },
    infra::{entities::organisation, uow::UnitOfWork},
    state::AppState,
    vocab::{Role, Sector},
};

#[derive(Template)]
#[template(path = "org/dashboard.html")]
struct DashboardPage {
    ctx: PageCtx,
    slug: String,
    open_cases: u64,
    /// Rows of (sector, counts per urgency from low to critical, total).
    table: Vec<(Sector, Vec<i64>, i64)>,
    total_needs: i64,
    attention: crate::domain::notifications::Attention,
}

/// The organisation's dashboard: what needs attention (pledges, commitments), open cases, and open needs by sector
/// and urgency.
pub async fn dashboard(OrgPage { state, ctx, scope, slug }: OrgPage) -> AppResult<Response> {
    let open_cases = cases::count_open(&state.db, &scope).await?;
    let mut table = needs::active_by_sector_and_urgency(&state.db, &scope).await?;
    table.retain(|(_, _, total)| *total > 0);
    let total_needs = table.iter().map(|(_, _, t)| t).sum();
    let attention = crate::domain::notifications::attention(&state.db, scope.org_id()).await?;
    Ok(render(&DashboardPage { ctx, slug, open_cases, table, total_needs, attention }))
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
    OrgPage { state, ctx, scope, .. }: OrgPage,
    Query(q): Query<SavedQuery>,
) -> AppResult<Response> {
    scope.require(Perm::ManageOrg)?;
    let draft = OrgDraft::of(scope.org());
    let public_key =
        crate::domain::network::keys::ensure(&state.db, &state.network.keys, scope.org_id())
            .await?
            .proof
            .public_multibase();
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
    OrgPage { state, ctx, scope, .. }: OrgPage,
    CsrfForm(draft): CsrfForm<OrgDraft>,
) -> AppResult<Response> {
    let fields = draft.fields();
    submit(
        &state,
        async |uow| accounts::update_org(uow, &scope, &fields).await,
        |org| format!("/o/{}/settings?saved=1", org.slug),
        async || {
            Ok(SettingsPage {
                ctx,
                draft,
                errors: FieldErrors::default(),
                saved: false,
                public_key: crate::domain::network::keys::ensure(
                    &state.db,
                    &state.network.keys,
                    scope.org_id(),
                )
                .await?
                .proof
                .public_multibase(),
            })
        },
    )
    .await
}

#[derive(Template)]
#[template(path = "org/members.html")]
struct MembersPage {
    ctx: PageCtx,
    members: Vec<Member>,
    invitations: Vec<(String, Role)>,
    draft: MemberDraft,
    errors: FieldErrors,
    added: bool,
}

async fn members_page_for(
    state: &AppState,
    ctx: PageCtx,
    scope: &OrgScope,
    draft: MemberDraft,
) -> AppResult<MembersPage> {
    scope.require(Perm::ManageOrg)?;
    Ok(MembersPage {
        ctx,
        members: accounts::members(&state.db, scope).await?,
        invitations: accounts::pending_invitations(&state.db, scope).await?,
        draft,
        errors: FieldErrors::default(),
        added: false,
    })
}

#[derive(Deserialize)]
pub struct AddedQuery {
    #[serde(default)]
    added: Option<String>,
}

/// The members of the organisation (admins).
pub async fn members_page(
    OrgPage { state, ctx, scope, .. }: OrgPage,
    Query(q): Query<AddedQuery>,
) -> AppResult<Response> {
    let mut page = members_page_for(&state, ctx, &scope, MemberDraft::default()).await?;
    page.added = q.added.is_some();
    Ok(render(&page))
}

/// Adds a member: a new e-mail gets an account, an existing account is invited. The answer is the same either way.
pub async fn members_add(
    OrgPage { state, ctx, scope, slug }: OrgPage,
    CsrfForm(draft): CsrfForm<MemberDraft>,
) -> AppResult<Response> {
    let prepared = match draft.fields() {
        Ok(fields) => accounts::prepare_member(&scope, &fields).await,
        Err(err) => Err(err),
    };
    let draft = MemberDraft { password: String::new(), ..draft };
    let new = match prepared {
        Ok(new) => new,
        Err(err) => return refused(err, members_page_for(&state, ctx, &scope, draft).await?),
    };
    submit(
        &state,
        async |uow| accounts::add_member(uow, &scope, &new).await,
        |()| format!("/o/{slug}/members?added=1"),
        async || members_page_for(&state, ctx, &scope, draft).await,
    )
    .await
}

#[derive(Deserialize)]
pub struct RoleForm {
    #[serde(default)]
    role: String,
}

/// Changes a member's role.
pub async fn members_role(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path((slug, id)): Path<(String, i64)>,
    CsrfForm(form): CsrfForm<RoleForm>,
) -> AppResult<Response> {
    change_member(&state, ctx, &slug, async |uow, scope| {
        let mut errors = FieldErrors::default();
        let role = crate::http::input::choice::<Role>(&mut errors, "role", &form.role);
        let role = role.ok_or(AppError::Validation(errors))?;
        accounts::set_member_role(uow, scope, id, role).await
    })
    .await
}

#[derive(Deserialize)]
pub struct EmptyForm {}

/// Removes a member.
pub async fn members_remove(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path((slug, id)): Path<(String, i64)>,
    CsrfForm(_): CsrfForm<EmptyForm>,
) -> AppResult<Response> {
    change_member(&state, ctx, &slug, async |uow, scope| {
        accounts::remove_member(uow, scope, id).await
    })
    .await
}

/// Changes a membership; a refusal (the last admin) shows the members page with the reason.
async fn change_member(
    state: &AppState,
    mut ctx: PageCtx,
    slug: &str,
    op: impl AsyncFnOnce(&mut UnitOfWork, &OrgScope) -> AppResult<()>,
) -> AppResult<Response> {
    let scope = ctx.scope(state, slug).await?;
    submit(
        state,
        async |uow| op(uow, &scope).await,
        |()| format!("/o/{slug}/members"),
        async || members_page_for(state, ctx, &scope, MemberDraft::default()).await,
    )
    .await
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

/// The operator's page: the node's organisations (names and member counts only, never their cases).
pub async fn operator_page(State(state): State<AppState>, ctx: PageCtx) -> AppResult<Response> {
    let operator = OperatorScope::for_user(ctx.require_user()?)?;
    let orgs = accounts::all_orgs(&state.db, &operator).await?;
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
    let operator = OperatorScope::for_user(ctx.require_user()?)?;
    let (fields, admin) = (form.org.fields(), form.admin_email.clone());
    submit(
        &state,
        async |uow| accounts::create_org(uow, &operator, &fields, Some(&admin)).await,
        |_| "/operator".to_owned(),
        async || {
            Ok(OperatorPage {
                ctx,
                orgs: accounts::all_orgs(&state.db, &operator).await?,
                draft: form.org,
                admin_email: form.admin_email,
                errors: FieldErrors::default(),
            })
        },
    )
    .await
}

refusable!(SettingsPage, MembersPage, OperatorPage);
