//! Domain errors as HTTP: `status()` is the one mapping to statuses; the web and the API render the body.

use axum::{
    http::StatusCode,
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
        AppError::RateLimited => StatusCode::TOO_MANY_REQUESTS,
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
        response.extensions_mut().insert(RenderedError {
            code: self.code(),
            message_key: self.message_key(),
            fields,
        });
        response
    }
}

/// Maps a body-reading failure: over the limit is 413, anything else 400.
pub fn body_error(rejection: axum::extract::rejection::BytesRejection) -> AppError {
    if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
        AppError::PayloadTooLarge
    } else {
        AppError::BadRequest("err-bad-request")
    }
}
