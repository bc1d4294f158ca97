//! The server-rendered web interface (askama, Arabic and English, no JavaScript needed).

mod account;
mod cases;
mod exchange;
pub mod forms;
mod needs;
mod network;
mod org;
mod public;
mod search;
mod stock;

use std::sync::Arc;

use askama::Template;
use axum::{
    Router,
    body::Bytes,
    extract::{FromRequest, FromRequestParts, Request},
    http::{HeaderMap, HeaderValue, StatusCode, header, request::Parts},
    middleware::Next,
    response::{Html, IntoResponse, Redirect, Response},
};
use serde::de::DeserializeOwned;

use crate::{
    domain::auth,
    domain::error::{AppError, AppResult, FieldErrors},
    domain::tenancy::{OrgScope, Perm},
    http::{
        error::body_error,
        request::{
            ANON_COOKIE, SESSION_COOKIE, cookie, percent_encode, request_lang, return_path,
            set_cookie,
        },
    },
    i18n::{Lang, Tr},
    infra::entities::user,
    state::AppState,
};

crate::http::declare_routes! {
    /// Every page route as (method, path), in the order the router declares them.
    ROUTES, page_routes;
    "/" => get(account::home);
    "/setup" => get(account::setup_page), post(account::setup_submit);
    "/signin" => get(account::signin_page), post(account::signin_submit);
    "/signout" => post(account::signout);
    "/lang" => post(account::switch_language);
    "/account" => get(account::account_page), post(account::change_password);
    "/account/invitations/{id}" => post(account::answer_invitation);
    "/operator" => get(org::operator_page), post(org::operator_create_org);
    "/o/{slug}" => get(org::dashboard);
    "/o/{slug}/settings" => get(org::settings_page), post(org::settings_submit);
    "/o/{slug}/members" => get(org::members_page), post(org::members_add);
    "/o/{slug}/members/{id}/role" => post(org::members_role);
    "/o/{slug}/members/{id}/remove" => post(org::members_remove);
    "/o/{slug}/cases" => get(cases::list);
    "/o/{slug}/cases/new" => get(cases::new_page), post(cases::create);
    "/o/{slug}/cases/{id}" => get(cases::show);
    "/o/{slug}/cases/{id}/edit" => get(cases::edit_page), post(cases::update);
    "/o/{slug}/cases/{id}/status" => post(cases::set_status);
    "/o/{slug}/cases/{id}/notes" => post(cases::add_note);
    "/o/{slug}/needs" => get(needs::list);
    "/o/{slug}/needs/new" => get(needs::new_page), post(needs::create);
    "/o/{slug}/needs/{id}" => get(needs::show);
    "/o/{slug}/needs/{id}/edit" => get(needs::edit_page), post(needs::update);
    "/o/{slug}/stock" => get(stock::overview);
    "/o/{slug}/stock/items" => get(stock::items), post(stock::create_item);
    "/o/{slug}/stock/items/{id}" => get(stock::card);
    "/o/{slug}/stock/items/{id}/edit" => get(stock::edit_item), post(stock::update_item);
    "/o/{slug}/stock/warehouses" => get(stock::warehouses), post(stock::create_warehouse);
    "/o/{slug}/stock/movements/new" => get(stock::movement_form), post(stock::record_movement);
    "/o/{slug}/stock/offers" => get(stock::offers), post(stock::create_offer);
    "/o/{slug}/stock/offers/{id}/withdraw" => post(stock::withdraw_offer);
    "/o/{slug}/stock/report" => get(stock::report);
    "/o/{slug}/distributions/new" => get(stock::new_distribution), post(stock::create_distribution);
    "/o/{slug}/distributions/bulk" => get(stock::bulk_form), post(stock::bulk_submit);
    "/o/{slug}/distributions/{id}" => get(stock::show_distribution);
    "/o/{slug}/distributions/{id}/reverse" => post(stock::reverse_distribution);
    "/needs" => get(public::needs);
    "/offers" => get(public::offers);
    "/orgs" => get(public::directory);
    "/orgs/{slug}" => get(network::profile);
    "/search" => get(search::page);
    "/objects/{id}" => get(network::listing);
    "/objects/{id}/pledge" => post(exchange::pledge_submit);
    "/o/{slug}/pledges" => get(exchange::pledges_list);
    "/o/{slug}/pledges/{id}/answer" => post(exchange::pledge_answer);
    "/o/{slug}/pledges/{id}/receive" => post(exchange::pledge_receive);
    "/o/{slug}/commitments" => get(exchange::commitments_list), post(exchange::commitment_create);
    "/o/{slug}/commitments/new" => get(exchange::commitment_new);
    "/o/{slug}/commitments/{id}" => get(exchange::commitment_show);
    "/o/{slug}/commitments/{id}/{action}" => post(exchange::commitment_step);
    "/o/{slug}/network" => get(network::list);
    "/o/{slug}/network/follows" => get(network::follows_list), post(network::follow);
    "/o/{slug}/network/followers/{id}/accept" => post(network::accept);
    "/o/{slug}/network/followers/{id}/reject" => post(network::reject);
    "/o/{slug}/network/following/{id}/undo" => post(network::unfollow);
    "/operator/federation" => get(network::operator_page), post(network::operator_peer);
    "/static/sanad.css" => get(stylesheet);
}

/// The web routes.
pub fn router(state: AppState) -> Router<AppState> {
    page_routes()
        .fallback(|| async { AppError::NotFound })
        .layer(crate::http::request::time_limits(&state.config.http).0)
        .layer(crate::http::request::time_limits(&state.config.http).1)
        .layer(axum::middleware::from_fn_with_state(state.clone(), render_errors))
        .layer(axum::middleware::from_fn_with_state(state, ensure_browser_cookie))
}

async fn stylesheet() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        include_str!("../../../static/sanad.css"),
    )
}

/// Gives a browser without a session an anonymous id, so its forms (sign-in, setup) carry CSRF tokens too.
async fn ensure_browser_cookie(
    axum::extract::State(state): axum::extract::State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let headers = request.headers();
    if cookie(headers, SESSION_COOKIE).is_some() || cookie(headers, ANON_COOKIE).is_some() {
        return next.run(request).await;
    }
    let Ok(value) = auth::new_token("a_") else {
        return next.run(request).await;
    };
    let secure = state.config.is_https();
    if let Ok(header) = HeaderValue::from_str(&format!("{ANON_COOKIE}={value}")) {
        request.headers_mut().append(header::COOKIE, header);
    }
    let mut response = next.run(request).await;
    response
        .headers_mut()
        .append(header::SET_COOKIE, set_cookie(ANON_COOKIE, &value, 60 * 60 * 24 * 30, secure));
    response
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    ctx: PageCtx,
    status: u16,
    message: String,
    request_id: String,
}

/// Turns every error response of the web routes into a page in the visitor's language (or, for 401, a redirect to
/// the sign-in page).
async fn render_errors(
    axum::extract::State(state): axum::extract::State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let headers = request.headers().clone();
    let path = return_path(request.uri());
    let response = next.run(request).await;
    let status = response.status();
    if crate::http::error::passes_through(&response, "text/html") {
        return response;
    }
    let rendered = crate::http::error::RenderedError::of(&response);
    if status == StatusCode::UNAUTHORIZED {
        let next = percent_encode(&path);
        return Redirect::to(&format!("/signin?next={next}")).into_response();
    }
    let tr = Tr::new(state.catalogue.clone(), request_lang(&headers));
    let key = rendered.message_key;
    let request_id = response
        .headers()
        .get("x-request-id")
        .or_else(|| headers.get("x-request-id"))
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let ctx = PageCtx::anonymous(tr, &state, &headers, &path);
    let page = ErrorPage { message: ctx.t(key), status: status.as_u16(), request_id, ctx };
    let mut out = render(&page).into_response();
    *out.status_mut() = status;
    crate::http::error::keep_headers(response.headers(), out.headers_mut());
    out
}

/// Renders a template to an HTML response (a template error is an internal error, logged).
pub fn render(template: &impl Template) -> Response {
    match template.render() {
        // Pages show personal data: keep them out of shared caches and the browser's history cache.
        Ok(html) => ([(header::CACHE_CONTROL, "no-store")], Html(html)).into_response(),
        Err(err) => AppError::Internal(anyhow::anyhow!("template: {err}")).into_response(),
    }
}

/// Renders a template with a status other than 200 (a refused form shown again, say).
pub fn render_status(template: &impl Template, status: StatusCode) -> Response {
    let mut response = render(template);
    *response.status_mut() = status;
    response
}

/// What every page needs: the translator, the signed-in user, the CSRF token and the organisation in view.
#[derive(Clone, Debug)]
pub struct PageCtx {
    /// Translator for this request's language.
    pub tr: Tr,
    /// The signed-in user, if any.
    pub user: Option<user::Model>,
    /// CSRF token for this page's forms.
    pub csrf: String,
    /// This page's path and query, to come back to after switching language.
    pub path: String,
    /// The organisation in view, for the navigation.
    pub org: Option<OrgNav>,
    /// Why the change just asked for was refused (a conflict), shown at the top of the page.
    pub notice: String,
    session: Option<String>,
}

/// The organisation shown in the navigation.
#[derive(Clone, Debug)]
pub struct OrgNav {
    /// Its slug.
    pub slug: String,
    /// Its name in the page's language.
    pub name: String,
    /// Whether the user may change settings and members.
    pub can_manage: bool,
    /// Whether the user may change cases.
    pub can_write_cases: bool,
    /// Whether the user may change needs.
    pub can_write_needs: bool,
    /// Whether the user keeps stock.
    pub can_manage_stock: bool,
    /// Whether the user records distributions.
    pub can_distribute: bool,
}

impl PageCtx {
    fn anonymous(tr: Tr, state: &AppState, headers: &HeaderMap, path: &str) -> Self {
        let binding = cookie(headers, SESSION_COOKIE)
            .or_else(|| cookie(headers, ANON_COOKIE))
            .unwrap_or_default();
        Self {
            tr,
            user: None,
            csrf: auth::csrf_token(&state.secrets.hmac_key, binding),
            path: path.to_owned(),
            org: None,
            notice: String::new(),
            session: None,
        }
    }

    /// The message for `key` in the page's language.
    pub fn t(&self, key: &str) -> String {
        self.tr.t(key)
    }

    /// The message for `key` with one argument.
    pub fn t1(&self, key: &str, name: &str, value: impl std::fmt::Display) -> String {
        self.tr.t1(key, name, value)
    }

    /// The message for `key` with two arguments.
    pub fn t2(
        &self,
        key: &str,
        a: &str,
        a_value: impl std::fmt::Display,
        b: &str,
        b_value: impl std::fmt::Display,
    ) -> String {
        self.tr.t2(key, (a, a_value), (b, b_value))
    }

    /// The path of the organisation in view, e.g. `/o/al-amal` (empty outside an organisation).
    pub fn base(&self) -> String {
        self.org.as_ref().map(|o| format!("/o/{}", o.slug)).unwrap_or_default()
    }

    /// The translation of a vocabulary value, e.g. `term("sector", "food")`.
    pub fn term(&self, prefix: &str, value: impl AsRef<str>) -> String {
        self.tr.term(prefix, value.as_ref())
    }

    /// The translated error for `field`, or an empty string.
    pub fn err(&self, errors: &FieldErrors, field: &str) -> String {
        errors.get(field).map(|k| self.t(k)).unwrap_or_default()
    }

    /// The signed-in user, or 401 (which the web renders as a redirect to the sign-in page).
    pub fn require_user(&self) -> AppResult<&user::Model> {
        self.user.as_ref().ok_or(AppError::Unauthorized)
    }

    /// The raw session token, if signed in.
    pub fn session_token(&self) -> Option<&str> {
        self.session.as_deref()
    }

    /// The signed-in user's scope in `slug`, and the navigation for it.
    pub async fn scope(&mut self, state: &AppState, slug: &str) -> AppResult<OrgScope> {
        let user = self.require_user()?;
        let scope = OrgScope::for_user(&state.db, user, slug).await?;
        let org = scope.org();
        self.org = Some(OrgNav {
            slug: org.slug.clone(),
            name: if self.tr.lang == Lang::Ar { org.name_ar.clone() } else { org.name_en.clone() },
            can_manage: scope.can(Perm::ManageOrg),
            can_write_cases: scope.can(Perm::WriteCases),
            can_write_needs: scope.can(Perm::WriteNeeds),
            can_manage_stock: scope.can(Perm::ManageStock),
            can_distribute: scope.can(Perm::Distribute),
        });
        Ok(scope)
    }

    /// Whether two values are equal (for `selected` and `checked` in templates).
    pub fn same(&self, a: impl AsRef<str>, b: impl AsRef<str>) -> bool {
        a.as_ref() == b.as_ref()
    }

    /// Whether the user keeps stock in the organisation in view.
    pub fn can_manage_stock(&self) -> bool {
        self.org.as_ref().is_some_and(|o| o.can_manage_stock)
    }

    /// Whether the user records distributions in the organisation in view.
    pub fn can_distribute(&self) -> bool {
        self.org.as_ref().is_some_and(|o| o.can_distribute)
    }

    /// Whether `lang` is the page's language (for the switcher).
    pub fn is_lang(&self, code: &str) -> bool {
        self.tr.code() == code
    }

    /// The user's name for the header.
    pub fn user_name(&self) -> &str {
        self.user.as_ref().map(|u| u.display_name.as_str()).unwrap_or_default()
    }

    /// Whether the user is a node operator.
    pub fn is_operator(&self) -> bool {
        self.user.as_ref().is_some_and(|u| u.is_operator)
    }
}

impl FromRequestParts<AppState> for PageCtx {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        // Where the language switch returns to: this page, unless it answers a form (a POST URL cannot be reloaded).
        let path = if parts.method == axum::http::Method::GET {
            return_path(&parts.uri)
        } else {
            "/".into()
        };
        let tr = Tr::new(state.catalogue.clone(), request_lang(&parts.headers));
        let mut ctx = PageCtx::anonymous(tr, state, &parts.headers, &path);
        if let Some(token) = cookie(&parts.headers, SESSION_COOKIE)
            && let Some(user) = auth::session_user(&state.db, token).await?
        {
            // A signed-in user's own setting wins over the cookie and the browser's languages.
            if let Some(lang) = user.lang.as_deref().and_then(Lang::parse) {
                ctx.tr = Tr::new(state.catalogue.clone(), lang);
            }
            ctx.user = Some(user);
            ctx.session = Some(token.to_owned());
        }
        Ok(ctx)
    }
}

/// A page of one organisation: the page context, and the signed-in member's scope in the organisation named by the
/// route's `{slug}` (404 for anyone else), resolved before the body is read.
#[derive(Debug)]
pub struct OrgPage {
    /// The shared state.
    pub state: AppState,
    /// The page context (with the organisation in the navigation).
    pub ctx: PageCtx,
    /// The member's scope.
    pub scope: OrgScope,
    /// The organisation's slug, for links.
    pub slug: String,
}

impl FromRequestParts<AppState> for OrgPage {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let mut ctx = PageCtx::from_request_parts(parts, state).await?;
        let slug = crate::http::request::slug(parts).await?;
        let scope = ctx.scope(state, &slug).await?;
        Ok(OrgPage { state: state.clone(), ctx, scope, slug })
    }
}

/// A form body checked for its CSRF token, then parsed into `T` (repeated fields become lists).
#[derive(Debug)]
pub struct CsrfForm<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for CsrfForm<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let form_type = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
        if !form_type {
            return Err(AppError::UnsupportedMediaType);
        }
        let binding = cookie(req.headers(), SESSION_COOKIE)
            .or_else(|| cookie(req.headers(), ANON_COOKIE))
            .unwrap_or_default()
            .to_owned();
        let body = Bytes::from_request(req, state).await.map_err(body_error)?;
        let pairs: Vec<(String, String)> =
            serde_html_form::from_bytes(&body).map_err(|_| AppError::BadRequest("err-bad-form"))?;
        let submitted =
            pairs.iter().find(|(k, _)| k == "csrf").map(|(_, v)| v.as_str()).unwrap_or_default();
        if binding.is_empty() || !auth::csrf_valid(&state.secrets.hmac_key, &binding, submitted) {
            return Err(AppError::Csrf);
        }
        serde_html_form::from_bytes(&body)
            .map(CsrfForm)
            .map_err(|_| AppError::BadRequest("err-bad-form"))
    }
}

/// A redirect after a successful POST (303, so the browser GETs the target).
pub fn see_other(to: &str) -> Response {
    Redirect::to(to).into_response()
}

/// Renders a form page again with its errors (422), or passes any other error on.
pub fn form_error<P: Template>(
    err: AppError,
    page: impl FnOnce(FieldErrors) -> P,
) -> AppResult<Response> {
    match err {
        AppError::Validation(errors) => {
            Ok(render_status(&page(errors), StatusCode::UNPROCESSABLE_ENTITY))
        }
        other => Err(other),
    }
}

/// A form page that can be shown again after a refusal: with the invalid fields (422) or with a notice saying why
/// the change conflicts with what is stored (409; every page shows its context's notice).
pub trait Refusable: Template {
    /// The page's context.
    fn ctx_mut(&mut self) -> &mut PageCtx;
    /// Shows these field errors.
    fn set_errors(&mut self, errors: FieldErrors);
}

/// Implements [`Refusable`] for pages with `ctx` and `errors` fields.
macro_rules! refusable {
    ($($page:ty),+ $(,)?) => {$(
        impl $crate::http::web::Refusable for $page {
            fn ctx_mut(&mut self) -> &mut $crate::http::web::PageCtx {
                &mut self.ctx
            }
            fn set_errors(&mut self, errors: $crate::domain::error::FieldErrors) {
                self.errors = errors;
            }
        }
    )+};
}
pub(crate) use refusable;

/// Shows a form page again after a refusal: invalid fields (422) or a conflict with a notice (409); any other error
/// passes on.
pub fn refused<P: Refusable>(err: AppError, mut page: P) -> AppResult<Response> {
    match err {
        AppError::Validation(errors) => {
            page.set_errors(errors);
            Ok(render_status(&page, StatusCode::UNPROCESSABLE_ENTITY))
        }
        AppError::Conflict(key) => {
            let ctx = page.ctx_mut();
            ctx.notice = ctx.t(key);
            Ok(render_status(&page, StatusCode::CONFLICT))
        }
        other => Err(other),
    }
}

/// Runs one change in a unit of work: on success, a redirect (303) to where `to` says; on refusal, the form page
/// that `page` builds, shown again with the problems (422) or the conflict (409).
pub async fn submit<T, P: Refusable>(
    state: &AppState,
    op: impl AsyncFnOnce(&mut crate::infra::uow::UnitOfWork) -> AppResult<T>,
    to: impl FnOnce(T) -> String,
    page: impl AsyncFnOnce() -> AppResult<P>,
) -> AppResult<Response> {
    match state.write(op).await {
        Ok(done) => Ok(see_other(&to(done))),
        Err(err @ (AppError::Validation(_) | AppError::Conflict(_))) => refused(err, page().await?),
        Err(err) => Err(err),
    }
}

/// The gazetteer for select boxes and labels: (code, indented name) in the page's language.
#[derive(Clone, Debug, Default)]
pub struct Regions(Arc<Vec<(String, String)>>);

impl Regions {
    /// Every region, countries before their subdivisions.
    pub async fn all(state: &AppState, lang: Lang) -> AppResult<Self> {
        let regions = crate::domain::regions::all(&state.db).await?;
        Ok(Self::of(regions, lang))
    }

    /// The regions in use (and the countries above them), for list filters: much shorter than the gazetteer.
    pub async fn in_use(state: &AppState, lang: Lang, codes: &[String]) -> AppResult<Self> {
        let regions = crate::domain::regions::all(&state.db).await?;
        let paths: Vec<&str> =
            regions.iter().filter(|r| codes.contains(&r.code)).map(|r| r.path.as_str()).collect();
        let used: Vec<_> = regions
            .iter()
            .filter(|r| {
                let segment = format!("/{}/", r.code);
                paths.iter().any(|p| p.contains(&segment))
            })
            .cloned()
            .collect();
        Ok(Self::of(used, lang))
    }

    fn of(regions: Vec<crate::infra::entities::region::Model>, lang: Lang) -> Self {
        Self(Arc::new(
            regions
                .into_iter()
                .map(|r| {
                    let name = if lang == Lang::Ar { r.name_ar } else { r.name_en };
                    let indent =
                        "\u{00a0}\u{00a0}".repeat(usize::try_from(r.level).unwrap_or_default());
                    let label = format!("{indent}{name} ({})", r.code);
                    (r.code, label)
                })
                .collect(),
        ))
    }

    /// The options, in order.
    pub fn iter(&self) -> impl Iterator<Item = &(String, String)> {
        self.0.iter()
    }

    /// The name of a region (its code when unknown).
    pub fn label(&self, code: &str) -> String {
        self.0
            .iter()
            .find(|(c, _)| c == code)
            .map(|(_, l)| l.trim_start_matches('\u{a0}').to_owned())
            .unwrap_or_else(|| code.to_owned())
    }
}
