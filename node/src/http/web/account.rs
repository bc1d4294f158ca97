//! Setup, sign-in, sign-out, language and password pages.

use askama::Template;
use axum::{
    extract::{ConnectInfo, Path, Query, State},
    http::{HeaderMap, header},
    response::Response,
};
use serde::Deserialize;

use super::{
    CsrfForm, PageCtx, form_error,
    forms::{OrgDraft, SetupDraft},
    refusable, refused, render, see_other, submit,
};
use crate::{
    domain::{
        accounts::{self, Invitation},
        auth,
        error::{AppError, AppResult, FieldErrors},
    },
    http::request::{LANG_COOKIE, SESSION_COOKIE, set_cookie},
    i18n::Lang,
    infra::entities::organisation,
    state::AppState,
    vocab::Role,
};

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    ctx: PageCtx,
    orgs: Vec<(organisation::Model, Role)>,
    needs_setup: bool,
    invitations: usize,
}

/// `/`: the organisation's dashboard when there is one, a chooser when there are several.
pub async fn home(State(state): State<AppState>, ctx: PageCtx) -> AppResult<Response> {
    let Some(user) = &ctx.user else {
        let needs_setup = accounts::needs_setup(&state.db).await?;
        if !needs_setup {
            return super::public::home(&state, ctx).await;
        }
        return Ok(render(&HomePage { ctx, orgs: Vec::new(), needs_setup, invitations: 0 }));
    };
    let orgs = accounts::memberships_of(&state.db, user.id).await?;
    let invitations = accounts::invitations_of(&state.db, user.id).await?.len();
    if let [(org, _)] = orgs.as_slice()
        && invitations == 0
    {
        return Ok(see_other(&format!("/o/{}", org.slug)));
    }
    Ok(render(&HomePage { ctx, orgs, needs_setup: false, invitations }))
}

#[derive(Template)]
#[template(path = "setup.html")]
struct SetupPage {
    ctx: PageCtx,
    draft: SetupDraft,
    errors: FieldErrors,
}

#[derive(Deserialize)]
pub struct TokenQuery {
    #[serde(default)]
    token: String,
}

/// The one-time setup page: only with the live token printed at start-up.
pub async fn setup_page(
    State(state): State<AppState>,
    ctx: PageCtx,
    Query(q): Query<TokenQuery>,
) -> AppResult<Response> {
    if !accounts::setup_token_valid(&state.db, &q.token).await? {
        return Err(AppError::NotFound);
    }
    let draft = SetupDraft { token: q.token, ..Default::default() };
    Ok(render(&SetupPage { ctx, draft, errors: FieldErrors::default() }))
}

/// Creates the first organisation and admin, then signs the admin in.
pub async fn setup_submit(
    State(state): State<AppState>,
    ctx: PageCtx,
    CsrfForm(draft): CsrfForm<SetupDraft>,
) -> AppResult<Response> {
    let result = match accounts::prepare_setup(&draft.fields()).await {
        Ok(setup) => state.write(async |uow| accounts::complete_setup(uow, &setup).await).await,
        Err(err) => Err(err),
    };
    match result {
        Ok(user) => {
            tracing::info!(user = user.id, "node set up");
            start_session(&state, user.id, None, "/").await
        }
        Err(err) => form_error(err, |errors| SetupPage {
            ctx,
            draft: SetupDraft { password: String::new(), ..draft },
            errors,
        }),
    }
}

async fn start_session(
    state: &AppState,
    user_id: i64,
    lang: Option<&str>,
    to: &str,
) -> AppResult<Response> {
    let token = auth::create_session(&state.db, user_id, state.config.auth.session_hours).await?;
    let secure = state.config.is_https();
    let mut response = see_other(to);
    let max_age = i64::from(state.config.auth.session_hours) * 3600;
    let headers = response.headers_mut();
    headers.append(header::SET_COOKIE, set_cookie(SESSION_COOKIE, &token, max_age, secure));
    if let Some(lang) = lang {
        headers
            .append(header::SET_COOKIE, set_cookie(LANG_COOKIE, lang, 60 * 60 * 24 * 365, secure));
    }
    Ok(response)
}

#[derive(Template)]
#[template(path = "signin.html")]
struct SigninPage {
    ctx: PageCtx,
    email: String,
    next: String,
    error: String,
}

#[derive(Deserialize)]
pub struct NextQuery {
    #[serde(default)]
    next: String,
}

/// Only local paths are followed after sign-in.
fn safe_next(next: &str) -> String {
    let local = next.starts_with('/') && !next.starts_with("//") && !next.contains('\\');
    // Only visible ASCII: browsers drop tabs and newlines from URLs, which would turn "/\t/x" into "//x".
    if local && next.len() <= 2000 && next.bytes().all(|b| b.is_ascii_graphic()) {
        next.to_owned()
    } else {
        "/".into()
    }
}

/// The sign-in page.
pub async fn signin_page(ctx: PageCtx, Query(q): Query<NextQuery>) -> Response {
    if ctx.user.is_some() {
        return see_other(&safe_next(&q.next));
    }
    render(&SigninPage {
        ctx,
        email: String::new(),
        next: safe_next(&q.next),
        error: String::new(),
    })
}

#[derive(Deserialize)]
pub struct SigninForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

pub(crate) fn client_address(
    state: &AppState,
    headers: &HeaderMap,
    peer: std::net::SocketAddr,
) -> String {
    if state.config.http.behind_proxy
        && let Some(forwarded) = headers.get("x-forwarded-for").and_then(|v| v.to_str().ok())
        && let Some(first) = forwarded.split(',').next()
    {
        return first.trim().to_owned();
    }
    peer.ip().to_string()
}

/// Checks the credentials (rate-limited per address and per account) and starts a session.
pub async fn signin_submit(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<std::net::SocketAddr>,
    headers: HeaderMap,
    ctx: PageCtx,
    CsrfForm(form): CsrfForm<SigninForm>,
) -> AppResult<Response> {
    let next = safe_next(&form.next);
    let client = client_address(&state, &headers, peer);
    let outcome =
        accounts::sign_in(&state.db, &state.signin_limiter, &client, &form.email, &form.password)
            .await;
    let err = match outcome {
        Ok(user) => {
            tracing::info!(user = user.id, "signed in");
            return start_session(&state, user.id, user.lang.as_deref(), &next).await;
        }
        Err(err @ (AppError::RateLimited(_) | AppError::Unauthorized)) => err,
        Err(other) => return Err(other),
    };
    let key = match err {
        AppError::RateLimited(_) => "err-rate-limited",
        _ => "err-bad-credentials",
    };
    let error = ctx.t(key);
    let mut response =
        render(&SigninPage { ctx, email: form.email.chars().take(254).collect(), next, error });
    *response.status_mut() = crate::http::error::status(&err);
    if let AppError::RateLimited(seconds) = err {
        response.headers_mut().insert(header::RETRY_AFTER, axum::http::HeaderValue::from(seconds));
    }
    Ok(response)
}

#[derive(Deserialize)]
pub struct EmptyForm {}

/// Ends the session.
pub async fn signout(
    State(state): State<AppState>,
    ctx: PageCtx,
    CsrfForm(_): CsrfForm<EmptyForm>,
) -> AppResult<Response> {
    if let Some(token) = ctx.session_token() {
        auth::end_session(&state.db, token).await?;
    }
    let mut response = see_other("/signin");
    response
        .headers_mut()
        .append(header::SET_COOKIE, set_cookie(SESSION_COOKIE, "", 0, state.config.is_https()));
    Ok(response)
}

#[derive(Deserialize)]
pub struct LangForm {
    #[serde(default)]
    lang: String,
    #[serde(default)]
    back: String,
}

/// Switches the interface language (remembered in a cookie, and on the account when signed in).
pub async fn switch_language(
    State(state): State<AppState>,
    ctx: PageCtx,
    CsrfForm(form): CsrfForm<LangForm>,
) -> AppResult<Response> {
    let lang = Lang::parse(&form.lang).ok_or(AppError::BadRequest("err-unknown-language"))?;
    if let Some(user) = &ctx.user {
        accounts::set_language(&state.db, user, lang.code()).await?;
    }
    let mut response = see_other(&safe_next(&form.back));
    response.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(LANG_COOKIE, lang.code(), 60 * 60 * 24 * 365, state.config.is_https()),
    );
    Ok(response)
}

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    ctx: PageCtx,
    errors: FieldErrors,
    saved: bool,
    invitations: Vec<Invitation>,
}

impl AccountPage {
    fn org_name(&self, invitation: &Invitation) -> String {
        if self.ctx.tr.lang == Lang::Ar {
            invitation.org.name_ar.clone()
        } else {
            invitation.org.name_en.clone()
        }
    }
}

async fn account_page_for(
    state: &AppState,
    ctx: PageCtx,
    errors: FieldErrors,
    saved: bool,
) -> AppResult<AccountPage> {
    let user = ctx.require_user()?;
    let invitations = accounts::invitations_of(&state.db, user.id).await?;
    Ok(AccountPage { ctx, errors, saved, invitations })
}

#[derive(Deserialize)]
pub struct SavedQuery {
    #[serde(default)]
    saved: Option<String>,
}

/// The account page (password change).
pub async fn account_page(
    State(state): State<AppState>,
    ctx: PageCtx,
    Query(q): Query<SavedQuery>,
) -> AppResult<Response> {
    let page = account_page_for(&state, ctx, FieldErrors::default(), q.saved.is_some()).await?;
    Ok(render(&page))
}

#[derive(Deserialize)]
pub struct AnswerForm {
    #[serde(default)]
    answer: String,
}

/// Accepts or declines an invitation to join an organisation.
pub async fn answer_invitation(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(id): Path<i64>,
    CsrfForm(form): CsrfForm<AnswerForm>,
) -> AppResult<Response> {
    let user = ctx.require_user()?.clone();
    let accept = match form.answer.as_str() {
        "accept" => true,
        "decline" => false,
        _ => return Err(AppError::BadRequest("err-unknown-choice")),
    };
    state.write(async |uow| accounts::answer_invitation(uow, &user, id, accept).await).await?;
    Ok(see_other(if accept { "/" } else { "/account" }))
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
}

/// Changes the password; other sessions end.
pub async fn change_password(
    State(state): State<AppState>,
    ctx: PageCtx,
    CsrfForm(form): CsrfForm<PasswordForm>,
) -> AppResult<Response> {
    let user = ctx.require_user()?.clone();
    let keep = ctx.session_token().map(str::to_owned);
    // The slow hashing happens before the unit of work: no write lock is held while argon2 runs.
    let prepared =
        accounts::prepare_password_change(&user, &form.current_password, &form.new_password).await;
    let hash = match prepared {
        Ok(hash) => hash,
        Err(err) => {
            let page = account_page_for(&state, ctx, FieldErrors::default(), false).await?;
            return refused(err, page);
        }
    };
    submit(
        &state,
        async |uow| accounts::change_password(uow, &user, hash, keep.as_deref()).await,
        |()| "/account?saved=1".to_owned(),
        async || account_page_for(&state, ctx, FieldErrors::default(), false).await,
    )
    .await
}

impl SetupDraft {
    /// The organisation part, for templates.
    pub fn org(&self) -> &OrgDraft {
        &self.org
    }
}

refusable!(AccountPage);

#[cfg(test)]
mod tests {
    #[test]
    fn only_local_paths_are_followed_after_signin() {
        for (next, expected) in [
            ("/o/amal", "/o/amal"),
            ("https://evil.example", "/"),
            ("//evil.example", "/"),
            ("/\\evil", "/"),
            ("/\t/evil.example", "/"),
            ("/\n", "/"),
            ("/o/amal/cases?q=%D8%A7", "/o/amal/cases?q=%D8%A7"),
            ("", "/"),
        ] {
            assert_eq!(super::safe_next(next), expected, "{next}");
        }
    }
}
