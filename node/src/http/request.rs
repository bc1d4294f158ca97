//! What web pages and the API read from a request alike: cookies, the language, the page to come back to, and the
//! time a request may take.

use std::time::Duration;

use axum::http::{HeaderMap, HeaderValue, header};
use tower_http::timeout::{RequestBodyTimeoutLayer, TimeoutLayer};

use crate::i18n::Lang;

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "sanad_session";
/// Name of the cookie identifying a signed-out browser (binds its CSRF tokens).
pub const ANON_COOKIE: &str = "sanad_anon";
/// Name of the language cookie.
pub const LANG_COOKIE: &str = "sanad_lang";

/// Reads one cookie from the request headers.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
        .filter(|v| !v.is_empty())
}

/// A `Set-Cookie` value: HttpOnly, SameSite=Lax, Path=/, and Secure when served over https.
pub fn set_cookie(name: &str, value: &str, max_age_secs: i64, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_secs}{secure}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static("sanad_invalid=; Max-Age=0"))
}

/// The language of a request: the language cookie, then `Accept-Language`, then Arabic.
pub fn request_lang(headers: &HeaderMap) -> Lang {
    cookie(headers, LANG_COOKIE)
        .and_then(Lang::parse)
        .or_else(|| {
            headers
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .and_then(Lang::from_accept_language)
        })
        .unwrap_or(Lang::Ar)
}

/// Percent-encodes a path for use in a query string.
pub fn percent_encode(s: &str) -> String {
    form_urlencoded_byte_serialize(s)
}

fn form_urlencoded_byte_serialize(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The path and query of a page, to come back to after switching language: a query too long to be a real link is
/// dropped rather than echoed into every form of the page.
pub fn return_path(uri: &axum::http::Uri) -> String {
    match uri.path_and_query() {
        Some(p) if p.as_str().len() <= 1000 => p.as_str().to_owned(),
        _ => uri.path().chars().take(1000).collect(),
    }
}

/// The time limits of one request (answered with 408, rendered by each surface): a body that pauses too long between
/// two parts, and a request that takes too long in all.
pub fn time_limits(config: &crate::config::HttpConfig) -> (RequestBodyTimeoutLayer, TimeoutLayer) {
    (
        RequestBodyTimeoutLayer::new(Duration::from_secs(config.body_timeout_secs)),
        TimeoutLayer::with_status_code(
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            Duration::from_secs(config.request_timeout_secs),
        ),
    )
}

/// The organisation slug a route names in its `{slug}` parameter (404 when it has none).
pub async fn slug(
    parts: &mut axum::http::request::Parts,
) -> Result<String, crate::domain::error::AppError> {
    use axum::extract::{FromRequestParts, RawPathParams};
    let not_found = crate::domain::error::AppError::NotFound;
    let params = RawPathParams::from_request_parts(parts, &()).await.map_err(|_| not_found)?;
    params
        .iter()
        .find(|(name, _)| *name == "slug")
        .map(|(_, value)| value.to_owned())
        .ok_or(crate::domain::error::AppError::NotFound)
}
