//! Sanad's federation protocol, with no database and no network: keys, the wire vocabulary and actor documents,
//! object proofs, the date and digest checks in front of HTTP-signature verification, the anonymising projection
//! and the PII gate. The node persists, sends and receives what this crate defines.
//!
//! **Architecture invariant:** this crate never touches a database; the node persists what it produces.

pub mod actor;
pub mod agreement;
pub mod httpsig;
pub mod keys;
pub mod pii;
pub mod projection;
pub mod proof;
pub mod vocab;

/// Everything that can go wrong in the protocol layer.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The operating system could not provide randomness.
    #[error("no randomness available: {0}")]
    Randomness(String),
    /// A stored or received key is not a valid key.
    #[error("invalid key: {0}")]
    InvalidKey(&'static str),
}

/// The result type of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
