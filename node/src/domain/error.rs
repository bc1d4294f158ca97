//! The domain's error type. `crate::http::error::status` maps it to HTTP statuses, in one place.

use serde::Serialize;

/// One invalid field: its name and the catalogue key of the message explaining what is wrong.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// The field's name as in the form and the JSON body.
    pub field: String,
    /// Catalogue key of the message.
    pub code: &'static str,
}

/// Everything wrong with one submission.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FieldErrors(pub Vec<FieldError>);

impl FieldErrors {
    /// Records a problem with `field` (the first problem per field wins).
    pub fn add(&mut self, field: &str, code: &'static str) {
        if self.get(field).is_none() {
            self.0.push(FieldError { field: field.to_owned(), code });
        }
    }

    /// The message key for `field`, if it has a problem.
    pub fn get(&self, field: &str) -> Option<&'static str> {
        self.0.iter().find(|e| e.field == field).map(|e| e.code)
    }

    /// Whether there is no problem.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `Ok(value)` when there is no problem, else the validation error.
    pub fn into_result<T>(self, value: T) -> Result<T, AppError> {
        if self.is_empty() { Ok(value) } else { Err(AppError::Validation(self)) }
    }
}

/// An error a request can end in.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Some fields are invalid (422).
    #[error("invalid input")]
    Validation(FieldErrors),
    /// The request is malformed (400); the catalogue key says how.
    #[error("bad request: {0}")]
    BadRequest(&'static str),
    /// The body is not of a supported type (415).
    #[error("unsupported media type")]
    UnsupportedMediaType,
    /// The body is over the limit (413).
    #[error("payload too large")]
    PayloadTooLarge,
    /// Not signed in, or a bad token (401).
    #[error("unauthorised")]
    Unauthorized,
    /// Signed in but the role does not allow it (403).
    #[error("forbidden")]
    Forbidden,
    /// No such thing, or not in the caller's organisation (404).
    #[error("not found")]
    NotFound,
    /// The change conflicts with existing data (409); the catalogue key says how.
    #[error("conflict: {0}")]
    Conflict(&'static str),
    /// The form's CSRF token is missing or wrong (403).
    #[error("csrf token mismatch")]
    Csrf,
    /// Too many attempts (429); try again after this many seconds.
    #[error("too many requests")]
    RateLimited(u64),
    /// The request took too long to arrive (408).
    #[error("request timeout")]
    Timeout,
    /// Anything else (500): logged in full, shown only as a request id.
    #[error("internal error: {0:#}")]
    Internal(#[from] anyhow::Error),
}

impl AppError {
    /// An internal error (500) with a message for the log.
    pub fn internal(message: impl std::fmt::Display) -> Self {
        Self::Internal(anyhow::anyhow!("{message}"))
    }
}

impl From<sea_orm::DbErr> for AppError {
    fn from(err: sea_orm::DbErr) -> Self {
        // Two requests racing to create the same unique thing: the loser gets a conflict, not a 500.
        if let Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) = err.sql_err() {
            return AppError::Conflict("err-conflict");
        }
        // A deadlock or serialisation failure (PostgreSQL), or a writer that waited out the busy timeout (SQLite):
        // nothing was written, and the same request may simply be sent again.
        if matches!(sqlstate(&err).as_deref(), Some("40P01" | "40001" | "55P03" | "5" | "517")) {
            return AppError::Conflict("err-busy");
        }
        AppError::Internal(err.into())
    }
}

/// The SQLSTATE (PostgreSQL) or result code (SQLite) of a database error, if it has one.
fn sqlstate(err: &sea_orm::DbErr) -> Option<String> {
    use sea_orm::{DbErr, RuntimeErr};
    match err {
        DbErr::Exec(RuntimeErr::SqlxError(e))
        | DbErr::Query(RuntimeErr::SqlxError(e))
        | DbErr::Conn(RuntimeErr::SqlxError(e)) => match &**e {
            sea_orm::sqlx::Error::Database(db) => db.code().map(|c| c.into_owned()),
            _ => None,
        },
        _ => None,
    }
}

impl From<crate::infra::uow::UowError> for AppError {
    fn from(err: crate::infra::uow::UowError) -> Self {
        match err {
            crate::infra::uow::UowError::Db(e) => e.into(),
            other => AppError::Internal(other.into()),
        }
    }
}

/// A typed input and the problems already found while reading it at the edge (a number that was not one, a value
/// outside its vocabulary). The operation that takes it adds the domain's own checks and reports all problems
/// together, so a person fixing a form sees every mistake at once.
#[derive(Clone, Debug, Default)]
pub struct Input<T> {
    /// The values read.
    pub value: T,
    /// What could not be read.
    pub errors: FieldErrors,
}

impl<T> Input<T> {
    /// Reads an input with `read`, which records in the errors it is given what it cannot read.
    pub fn read(read: impl FnOnce(&mut FieldErrors) -> T) -> Self {
        let mut errors = FieldErrors::default();
        let value = read(&mut errors);
        Self { value, errors }
    }

    /// An input read without problems.
    pub fn new(value: T) -> Self {
        Self { value, errors: FieldErrors::default() }
    }
}

impl From<sea_orm::TransactionError<AppError>> for AppError {
    fn from(err: sea_orm::TransactionError<AppError>) -> Self {
        match err {
            sea_orm::TransactionError::Connection(e) => e.into(),
            sea_orm::TransactionError::Transaction(e) => e,
        }
    }
}

impl AppError {
    /// A stable machine-readable code, for API clients.
    pub fn code(&self) -> &'static str {
        match self {
            AppError::Validation(_) => "validation_failed",
            AppError::BadRequest(_) => "bad_request",
            AppError::UnsupportedMediaType => "unsupported_media_type",
            AppError::PayloadTooLarge => "payload_too_large",
            AppError::Unauthorized => "unauthorized",
            AppError::Forbidden => "forbidden",
            AppError::Csrf => "csrf",
            AppError::NotFound => "not_found",
            AppError::Conflict(_) => "conflict",
            AppError::RateLimited(_) => "rate_limited",
            AppError::Timeout => "timeout",
            AppError::Internal(_) => "internal",
        }
    }

    /// The catalogue key of the human message.
    pub fn message_key(&self) -> &'static str {
        match self {
            AppError::Validation(_) => "err-validation",
            AppError::BadRequest(key) | AppError::Conflict(key) => key,
            AppError::UnsupportedMediaType => "err-media-type",
            AppError::PayloadTooLarge => "err-too-large",
            AppError::Unauthorized => "err-unauthorized",
            AppError::Forbidden => "err-forbidden",
            AppError::Csrf => "err-csrf",
            AppError::NotFound => "err-not-found",
            AppError::RateLimited(_) => "err-rate-limited",
            AppError::Timeout => "err-timeout",
            AppError::Internal(_) => "err-internal",
        }
    }
}

/// The result type of handlers and services.
pub type AppResult<T> = Result<T, AppError>;
