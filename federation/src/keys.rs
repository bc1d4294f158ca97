//! Ed25519 keys: generated from OS randomness, stored as hex by the node, published as FEP-521a Multikeys.

use ed25519_dalek::{Signer, SigningKey, Verifier, VerifyingKey};

use crate::{Error, Result};

/// The multicodec prefix of an Ed25519 public key (0xed, varint-encoded).
const ED25519_PUB_MULTICODEC: [u8; 2] = [0xed, 0x01];

/// An actor's Ed25519 key pair, used for object proofs.
#[derive(Clone)]
pub struct KeyPair {
    signing: SigningKey,
}

impl std::fmt::Debug for KeyPair {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyPair").field("public", &self.public_multibase()).finish_non_exhaustive()
    }
}

impl KeyPair {
    /// Generates a new key pair from the operating system's randomness.
    pub fn generate() -> Result<Self> {
        let mut secret = [0u8; 32];
        getrandom::fill(&mut secret).map_err(|e| Error::Randomness(e.to_string()))?;
        Ok(Self { signing: SigningKey::from_bytes(&secret) })
    }

    /// Restores a key pair from the hex form produced by [`KeyPair::secret_hex`].
    pub fn from_secret_hex(hex: &str) -> Result<Self> {
        let bytes =
            decode_hex(hex.trim()).ok_or(Error::InvalidKey("secret key is not 64 hex digits"))?;
        let secret: [u8; 32] =
            bytes.try_into().map_err(|_| Error::InvalidKey("secret key is not 32 bytes"))?;
        Ok(Self { signing: SigningKey::from_bytes(&secret) })
    }

    /// The secret key as lower-case hex, for storage on the node only.
    pub fn secret_hex(&self) -> String {
        self.signing.to_bytes().iter().map(|b| format!("{b:02x}")).collect()
    }

    /// The public key as a FEP-521a `publicKeyMultibase` value (`z6Mk…`).
    pub fn public_multibase(&self) -> String {
        encode_multibase(&self.signing.verifying_key())
    }

    /// Signs a message.
    pub fn sign(&self, message: &[u8]) -> [u8; 64] {
        self.signing.sign(message).to_bytes()
    }
}

/// Encodes an Ed25519 public key as multibase base58btc with the multicodec prefix.
pub fn encode_multibase(key: &VerifyingKey) -> String {
    let mut bytes = ED25519_PUB_MULTICODEC.to_vec();
    bytes.extend_from_slice(key.as_bytes());
    format!("z{}", bs58::encode(bytes).into_string())
}

/// Decodes a `publicKeyMultibase` value into an Ed25519 public key.
pub fn decode_multibase(multibase: &str) -> Result<VerifyingKey> {
    let encoded =
        multibase.strip_prefix('z').ok_or(Error::InvalidKey("multibase key must start with z"))?;
    let bytes = bs58::decode(encoded)
        .into_vec()
        .map_err(|_| Error::InvalidKey("multibase key is not base58btc"))?;
    let raw = bytes
        .strip_prefix(&ED25519_PUB_MULTICODEC)
        .ok_or(Error::InvalidKey("multibase key is not an Ed25519 key"))?;
    let raw: [u8; 32] =
        raw.try_into().map_err(|_| Error::InvalidKey("Ed25519 key is not 32 bytes"))?;
    VerifyingKey::from_bytes(&raw).map_err(|_| Error::InvalidKey("not a point on the curve"))
}

/// Verifies an Ed25519 signature against a multibase public key.
pub fn verify(multibase: &str, message: &[u8], signature: &[u8; 64]) -> Result<bool> {
    let key = decode_multibase(multibase)?;
    Ok(key.verify(message, &ed25519_dalek::Signature::from_bytes(signature)).is_ok())
}

fn decode_hex(hex: &str) -> Option<Vec<u8>> {
    if !hex.len().is_multiple_of(2) {
        return None;
    }
    (0..hex.len()).step_by(2).map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multibase_key_starts_with_z6mk_and_round_trips() {
        let pair = KeyPair::generate().unwrap();
        let multibase = pair.public_multibase();
        assert!(multibase.starts_with("z6Mk"), "{multibase}");
        let restored = KeyPair::from_secret_hex(&pair.secret_hex()).unwrap();
        assert_eq!(restored.public_multibase(), multibase);
        let sig = pair.sign(b"sanad");
        assert!(verify(&multibase, b"sanad", &sig).unwrap());
        assert!(!verify(&multibase, b"other", &sig).unwrap());
    }

    #[test]
    fn malformed_keys_are_refused() {
        for bad in ["", "abc", "zz", "z6Mk", &"0".repeat(63)] {
            assert!(
                KeyPair::from_secret_hex(bad).is_err() || decode_multibase(bad).is_err(),
                "{bad}"
            );
        }
        assert!(decode_multibase("z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK").is_ok());
    }
}
