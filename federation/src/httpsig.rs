//! The checks Sanad adds in front of HTTP-signature verification: the `Signature` header must sign the body's digest
//! (on POST), the host, and a time (`date` or `(created)`), and that time must be within an hour of now, neither
//! stale nor in the future. activitypub_federation verifies the signature itself but only rejects expired ones.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use url::Url;

/// How far from now a signed time may be, either way.
pub const MAX_SKEW: Duration = Duration::from_secs(60 * 60);

/// The parts of a `Signature` header Sanad looks at.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignatureHeader {
    /// `keyId`.
    pub key_id: String,
    /// The signed headers, lower-case.
    pub headers: Vec<String>,
    /// `created`, seconds since the epoch.
    pub created: Option<u64>,
}

/// Why a request's signature header is refused before any key is fetched.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum FreshnessError {
    /// No usable `Signature` header.
    #[error("the request is not signed")]
    Unsigned,
    /// The header cannot be read.
    #[error("the signature header is malformed")]
    Malformed,
    /// The digest of the body is not signed.
    #[error("the digest is not signed")]
    DigestNotSigned,
    /// The `host` header is not signed (a signature could then be replayed to another node).
    #[error("the host is not signed")]
    HostNotSigned,
    /// Neither `date` nor `(created)` is signed.
    #[error("no date is signed")]
    DateNotSigned,
    /// The signed date is missing or unreadable.
    #[error("the signed date is missing or invalid")]
    BadDate,
    /// The signed date is more than an hour old.
    #[error("the signed date is too old")]
    Stale,
    /// The signed date is more than an hour ahead.
    #[error("the signed date is in the future")]
    Future,
}

/// Reads a `Signature` header (draft-cavage form: comma-separated `name="value"` pairs).
pub fn parse_signature(header: &str) -> Result<SignatureHeader, FreshnessError> {
    let mut key_id = None;
    let mut headers = None;
    let mut created = None;
    let mut rest = header.trim();
    while !rest.is_empty() {
        let eq = rest.find('=').ok_or(FreshnessError::Malformed)?;
        let name = rest[..eq].trim().to_ascii_lowercase();
        let after = &rest[eq + 1..];
        let (value, next) = if let Some(quoted) = after.strip_prefix('"') {
            let end = quoted.find('"').ok_or(FreshnessError::Malformed)?;
            // The verifier splits the header on commas: a comma inside a value would make it read another header.
            if quoted[..end].contains(',') {
                return Err(FreshnessError::Malformed);
            }
            (&quoted[..end], &quoted[end + 1..])
        } else {
            let end = after.find(',').unwrap_or(after.len());
            (after[..end].trim(), &after[end..])
        };
        match name.as_str() {
            "keyid" => key_id = Some(value.to_owned()),
            "headers" => {
                headers = Some(value.split_whitespace().map(str::to_ascii_lowercase).collect())
            }
            "created" => created = Some(value.parse().map_err(|_| FreshnessError::BadDate)?),
            _ => {}
        }
        rest = next.trim_start().strip_prefix(',').unwrap_or(next).trim_start();
    }
    Ok(SignatureHeader {
        key_id: key_id.filter(|k| !k.is_empty()).ok_or(FreshnessError::Malformed)?,
        headers: headers.unwrap_or_else(|| vec!["date".to_owned()]),
        created,
    })
}

/// Checks that a request's signature covers the digest (for a body) and a fresh time. `date` is the `Date` header.
pub fn check_fresh(
    signature: Option<&str>,
    date: Option<&str>,
    has_body: bool,
    now: SystemTime,
) -> Result<SignatureHeader, FreshnessError> {
    let sig = parse_signature(signature.ok_or(FreshnessError::Unsigned)?)?;
    let signed = |h: &str| sig.headers.iter().any(|s| s == h);
    if has_body && !signed("digest") {
        return Err(FreshnessError::DigestNotSigned);
    }
    if !signed("host") {
        return Err(FreshnessError::HostNotSigned);
    }
    let when = if signed("(created)") {
        UNIX_EPOCH + Duration::from_secs(sig.created.ok_or(FreshnessError::BadDate)?)
    } else if signed("date") {
        httpdate::parse_http_date(date.ok_or(FreshnessError::BadDate)?)
            .map_err(|_| FreshnessError::BadDate)?
    } else {
        return Err(FreshnessError::DateNotSigned);
    };
    if let Ok(age) = now.duration_since(when) {
        if age > MAX_SKEW {
            return Err(FreshnessError::Stale);
        }
    } else if when.duration_since(now).unwrap_or_default() > MAX_SKEW {
        return Err(FreshnessError::Future);
    }
    Ok(sig)
}

impl SignatureHeader {
    /// The actor the key belongs to (the key id without its fragment).
    pub fn actor(&self) -> Option<Url> {
        let mut url = Url::parse(&self.key_id).ok()?;
        url.set_fragment(None);
        Some(url)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SIG: &str = r#"keyId="https://b.example/orgs/x#main-key",algorithm="hs2019",headers="(request-target) host date digest",signature="abc==""#;

    fn check(sig: Option<&str>, date_offset: i64, has_body: bool) -> Result<(), FreshnessError> {
        let now = UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        let when = if date_offset >= 0 {
            now + Duration::from_secs(date_offset as u64)
        } else {
            now - Duration::from_secs(date_offset.unsigned_abs())
        };
        check_fresh(sig, Some(&httpdate::fmt_http_date(when)), has_body, now).map(|_| ())
    }

    #[test]
    fn fresh_signed_requests_pass_and_others_are_refused() {
        use FreshnessError::*;
        let no_digest = SIG.replace(" digest", "");
        let no_date = SIG.replace(" date", "");
        let no_host = SIG.replace(" host", "");
        for (sig, offset, body, want) in [
            (Some(SIG), 0, true, Ok(())),
            (Some(SIG), -3500, true, Ok(())),
            (Some(SIG), 3500, true, Ok(())),
            (Some(SIG), -3700, true, Err(Stale)),
            (Some(SIG), 3700, true, Err(Future)),
            (None, 0, true, Err(Unsigned)),
            (Some(no_digest.as_str()), 0, true, Err(DigestNotSigned)),
            (Some(no_digest.as_str()), 0, false, Ok(())),
            (Some(no_date.as_str()), 0, true, Err(DateNotSigned)),
            (Some(no_host.as_str()), 0, true, Err(HostNotSigned)),
            (Some("garbage"), 0, true, Err(Malformed)),
        ] {
            assert_eq!(check(sig, offset, body), want, "{sig:?} {offset}");
        }
    }

    #[test]
    fn created_is_used_when_signed() {
        let now = UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        let sig = r#"keyId="https://b.example/a#main-key",headers="(request-target) host (created) digest",created=1799990000,signature="x""#;
        assert_eq!(check_fresh(Some(sig), None, true, now), Err(FreshnessError::Stale));
        let sig = sig.replace("1799990000", "1799999000");
        let got = check_fresh(Some(&sig), None, true, now).unwrap();
        assert_eq!(got.actor().unwrap().as_str(), "https://b.example/a");
    }
}
