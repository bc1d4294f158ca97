//! Credentials: argon2id passwords, random tokens stored hashed (sessions, API tokens, the setup link), CSRF tokens
//! and the sign-in rate limiter.

use std::num::NonZeroU32;

use anyhow::Context;
use argon2::{
    Argon2,
    password_hash::{PasswordHasher, PasswordVerifier, phc::PasswordHash},
};
use chrono::{Duration, Utc};
use governor::{
    DefaultKeyedRateLimiter, Quota, RateLimiter,
    clock::{Clock, DefaultClock},
};
use hmac::{Hmac, KeyInit, Mac};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
};
use sha2::{Digest, Sha256};

use crate::domain::error::{AppError, AppResult};
use crate::infra::entities::{api_token, session, user};

/// `N` bytes from the operating system's randomness.
pub fn random_bytes<const N: usize>() -> anyhow::Result<[u8; N]> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
    Ok(bytes)
}

/// A new random token: 32 bytes as hex, with a prefix telling what it is for.
pub fn new_token(prefix: &str) -> anyhow::Result<String> {
    Ok(format!("{prefix}{}", hex::encode(random_bytes::<32>()?)))
}

/// The SHA-256 of a token, as stored in the database (tokens are high-entropy, so no salt is needed).
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Hashes a password with argon2id and a random salt.
pub fn hash_password(password: &str) -> anyhow::Result<String> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("hashing password: {e}"))
}

/// Hashes a password on a blocking thread (argon2 is deliberately slow; it must not stall the async workers).
pub async fn hash_password_blocking(password: &str) -> anyhow::Result<String> {
    let password = password.to_owned();
    tokio::task::spawn_blocking(move || hash_password(&password)).await?
}

/// Checks a password on a blocking thread.
pub async fn verify_password_blocking(password: &str, stored: &str) -> bool {
    let (password, stored) = (password.to_owned(), stored.to_owned());
    tokio::task::spawn_blocking(move || verify_password(&password, &stored)).await.unwrap_or(false)
}

/// Whether `password` matches the stored hash.
pub fn verify_password(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored)
        .is_ok_and(|hash| Argon2::default().verify_password(password.as_bytes(), &hash).is_ok())
}

/// A hash to verify against when the account does not exist, so that timing does not reveal which e-mails exist.
pub fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash_password("sanad-dummy-password").unwrap_or_default())
}

/// Starts a session for `user_id`; returns the cookie value.
pub async fn create_session(
    db: &impl ConnectionTrait,
    user_id: i64,
    hours: u32,
) -> AppResult<String> {
    let token = new_token("s_")?;
    let now = Utc::now();
    session::Entity::delete_many().filter(session::Column::ExpiresAt.lt(now)).exec(db).await?;
    session::ActiveModel {
        token_hash: Set(token_hash(&token)),
        user_id: Set(user_id),
        created_at: Set(now),
        expires_at: Set(now + Duration::hours(i64::from(hours))),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(token)
}

/// The user behind a session cookie, if the session is live.
pub async fn session_user(
    db: &impl ConnectionTrait,
    token: &str,
) -> AppResult<Option<user::Model>> {
    let Some(session) = session::Entity::find()
        .filter(session::Column::TokenHash.eq(token_hash(token)))
        .filter(session::Column::ExpiresAt.gt(Utc::now()))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    Ok(user::Entity::find_by_id(session.user_id).one(db).await?)
}

/// Ends a session.
pub async fn end_session(db: &impl ConnectionTrait, token: &str) -> AppResult<()> {
    session::Entity::delete_many()
        .filter(session::Column::TokenHash.eq(token_hash(token)))
        .exec(db)
        .await?;
    Ok(())
}

/// Ends every session of a user except `keep` (after a password change).
pub async fn end_other_sessions(
    db: &impl ConnectionTrait,
    user_id: i64,
    keep: Option<&str>,
) -> AppResult<()> {
    let mut query = session::Entity::delete_many().filter(session::Column::UserId.eq(user_id));
    if let Some(keep) = keep {
        query = query.filter(session::Column::TokenHash.ne(token_hash(keep)));
    }
    query.exec(db).await?;
    Ok(())
}

/// The live API token presented as `Authorization: Bearer …`, or 401.
pub async fn bearer_token(db: &impl ConnectionTrait, token: &str) -> AppResult<api_token::Model> {
    api_token::Entity::find()
        .filter(api_token::Column::TokenHash.eq(token_hash(token.trim())))
        .filter(api_token::Column::RevokedAt.is_null())
        .one(db)
        .await?
        .ok_or(AppError::Unauthorized)
}

/// The CSRF token for forms of the browser identified by `binding` (its session or anonymous cookie).
/// It is masked with a fresh random pad every time (pad, then pad XOR token), so compressed pages never repeat it
/// and cannot leak it byte by byte (BREACH).
pub fn csrf_token(key: &[u8; 32], binding: &str) -> String {
    let expected = csrf_mac(key, binding);
    let pad = random_bytes::<32>().unwrap_or(expected);
    let masked: Vec<u8> = pad.iter().zip(expected).map(|(p, e)| p ^ e).collect();
    format!("{}{}", hex::encode(pad), hex::encode(masked))
}

fn csrf_mac(key: &[u8; 32], binding: &str) -> [u8; 32] {
    let mut mac =
        <Hmac<Sha256> as KeyInit>::new_from_slice(key).unwrap_or_else(|_| unreachable_mac());
    mac.update(b"csrf:");
    mac.update(binding.as_bytes());
    mac.finalize().into_bytes().into()
}

fn unreachable_mac() -> Hmac<Sha256> {
    // HMAC accepts keys of any length, so `new_from_slice` cannot fail; this keeps the code panic-free.
    <Hmac<Sha256> as KeyInit>::new(&Default::default())
}

/// Whether `submitted` is the CSRF token for `binding`, compared in constant time.
pub fn csrf_valid(key: &[u8; 32], binding: &str, submitted: &str) -> bool {
    let Ok(submitted) = hex::decode(submitted.trim()) else {
        return false;
    };
    if submitted.len() != 64 {
        return false;
    }
    let (pad, masked) = submitted.split_at(32);
    let unmasked: Vec<u8> = pad.iter().zip(masked).map(|(p, m)| p ^ m).collect();
    let mut mac =
        <Hmac<Sha256> as KeyInit>::new_from_slice(key).unwrap_or_else(|_| unreachable_mac());
    mac.update(b"csrf:");
    mac.update(binding.as_bytes());
    mac.verify_slice(&unmasked).is_ok()
}

/// Limits sign-in attempts per client address and per e-mail address.
#[derive(Debug)]
pub struct SigninLimiter {
    limiter: DefaultKeyedRateLimiter<String>,
}

impl SigninLimiter {
    /// Allows `per_minute` attempts per minute for each key, in a burst of the same size.
    pub fn new(per_minute: u32) -> anyhow::Result<Self> {
        let n = NonZeroU32::new(per_minute)
            .context("auth.signin_attempts_per_minute must be at least 1")?;
        Ok(Self { limiter: RateLimiter::keyed(Quota::per_minute(n)) })
    }

    /// Counts an attempt; `Err(RateLimited)` when the client or the account is over its quota. Keys are bounded
    /// in size and stale ones are dropped, so a flood of made-up accounts cannot grow memory without end.
    pub fn check(&self, client: &str, email: &str) -> AppResult<()> {
        if self.limiter.len() > 50_000 {
            self.limiter.retain_recent();
        }
        let refused = |wait: governor::NotUntil<<DefaultClock as Clock>::Instant>| {
            let seconds = wait.wait_time_from(DefaultClock::default().now()).as_secs();
            AppError::RateLimited(seconds.max(1))
        };
        self.limiter.check_key(&format!("ip:{client}")).map_err(refused)?;
        let email: String = email.trim().to_lowercase().chars().take(254).collect();
        self.limiter.check_key(&format!("email:{email}")).map_err(refused)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_verify_only_against_their_own_hash() {
        let hash = hash_password("correct horse battery").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery", &hash));
        assert!(!verify_password("wrong horse battery", &hash));
        assert!(!verify_password("anything", "not a hash"));
    }

    #[test]
    fn csrf_tokens_are_bound_to_their_browser() {
        let key = [7u8; 32];
        let token = csrf_token(&key, "session-a");
        assert!(csrf_valid(&key, "session-a", &token));
        assert!(!csrf_valid(&key, "session-b", &token));
        assert!(!csrf_valid(&[8u8; 32], "session-a", &token));
        assert!(!csrf_valid(&key, "session-a", "zz"));
        let again = csrf_token(&key, "session-a");
        assert_ne!(token, again, "masked afresh each time");
        assert!(csrf_valid(&key, "session-a", &again));
    }

    #[test]
    fn signin_limiter_refuses_after_quota_per_account_and_client() {
        let limiter = SigninLimiter::new(3).unwrap();
        for _ in 0..3 {
            limiter.check("1.1.1.1", "a@x.org").unwrap();
        }
        assert!(limiter.check("2.2.2.2", "a@x.org").is_err(), "same account from another address");
        assert!(limiter.check("1.1.1.1", "b@x.org").is_err(), "same address, another account");
        limiter.check("3.3.3.3", "c@x.org").unwrap();
    }
}
