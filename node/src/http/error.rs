//! Domain errors as HTTP: `status()` is the one mapping to statuses; the web and the API render the body.

use axum::{
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};

use crate::domain::error::{AppError, FieldError};

/// The HTTP status of an error: the one place that decides it.
pub fn status(err: &AppError) -> StatusCode {
    match err {
        AppError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
        AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
        AppError::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        AppError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        AppError::Unauthorized => StatusCode::UNAUTHORIZED,
        AppError::Forbidden | AppError::Csrf => StatusCode::FORBIDDEN,
        AppError::NotFound => StatusCode::NOT_FOUND,
        AppError::Conflict(_) => StatusCode::CONFLICT,
        AppError::RateLimited(_) => StatusCode::TOO_MANY_REQUESTS,
        AppError::Timeout => StatusCode::REQUEST_TIMEOUT,
        AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// An error carried from a handler to the error renderer.
#[derive(Clone, Debug)]
pub struct RenderedError {
    /// Machine code.
    pub code: &'static str,
    /// Catalogue key of the message.
    pub message_key: &'static str,
    /// Invalid fields, if any.
    pub fields: Vec<FieldError>,
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        if let AppError::Internal(err) = &self {
            tracing::error!(error = %format!("{err:#}"), "request failed");
        }
        let fields = match &self {
            AppError::Validation(f) => f.0.clone(),
            _ => Vec::new(),
        };
        let mut response = status(&self).into_response();
        if let AppError::RateLimited(seconds) = &self {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(*seconds));
        }
        response.extensions_mut().insert(RenderedError {
            code: self.code(),
            message_key: self.message_key(),
            fields,
        });
        response
    }
}

/// Maps a body-reading failure: over the limit is 413, a body that stalled is 408, anything else 400.
pub fn body_error(rejection: axum::extract::rejection::BytesRejection) -> AppError {
    if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
        return AppError::PayloadTooLarge;
    }
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(&rejection);
    while let Some(err) = cause {
        if err.is::<tower_http::timeout::TimeoutError>() {
            return AppError::Timeout;
        }
        cause = err.source();
    }
    AppError::BadRequest("err-bad-request")
}

/// Carries over the headers of an error response that its re-rendering (a page, a JSON body) must keep.
pub fn keep_headers(from: &HeaderMap, to: &mut HeaderMap) {
    for name in [header::RETRY_AFTER, header::WWW_AUTHENTICATE] {
        if let Some(value) = from.get(&name) {
            to.insert(name, value.clone());
        }
    }
}

impl RenderedError {
    /// What an error response says: the domain error it came from, or (for rejections made by axum itself: bad
    /// path parameters, wrong method, unknown route) what its status means.
    pub fn of(response: &Response) -> Self {
        if let Some(rendered) = response.extensions().get::<RenderedError>() {
            return rendered.clone();
        }
        let (code, message_key) = match response.status() {
            StatusCode::NOT_FOUND => ("not_found", "err-not-found"),
            StatusCode::METHOD_NOT_ALLOWED => ("method_not_allowed", "err-method"),
            StatusCode::PAYLOAD_TOO_LARGE => ("payload_too_large", "err-too-large"),
            StatusCode::UNSUPPORTED_MEDIA_TYPE => ("unsupported_media_type", "err-media-type"),
            StatusCode::REQUEST_TIMEOUT => ("timeout", "err-timeout"),
            StatusCode::SERVICE_UNAVAILABLE => ("too_slow", "err-too-slow"),
            s if s.is_server_error() => ("internal", "err-internal"),
            _ => ("bad_request", "err-bad-request"),
        };
        RenderedError { code, message_key, fields: Vec::new() }
    }
}

/// Whether an answer needs no rendering by a surface: it is not an error, or it is already in the surface's format.
pub fn passes_through(response: &Response, format: &str) -> bool {
    let status = response.status();
    !(status.is_client_error() || status.is_server_error())
        || response
            .headers()
            .get(header::CONTENT_TYPE)
            .is_some_and(|v| v.as_bytes().starts_with(format.as_bytes()))
}
