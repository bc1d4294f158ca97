//! FEP-8b32 object integrity proofs with the W3C `eddsa-jcs-2022` cryptosuite (vc-di-eddsa).
//!
//! The proof configuration (`type`, `cryptosuite`, `verificationMethod`, `proofPurpose`, `created`, plus the
//! document's `@context` when it has one) and the document without its `proof` are each canonicalised with JCS
//! (RFC 8785) and hashed with SHA-256; the two hashes, configuration first, are signed with Ed25519 and the signature
//! is published as `proofValue`, multibase base58btc (`z…`). The embedded proof leaves out `@context`, as FEP-8b32
//! does; a proof that carries one (as the W3C test vectors do) is accepted when it equals the document's.

use chrono::{DateTime, SecondsFormat, Utc};
use ed25519_dalek::Signature;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::keys::{KeyPair, decode_multibase};

/// The proof type of every Data Integrity proof.
const PROOF_TYPE: &str = "DataIntegrityProof";
/// The only cryptosuite this module signs and verifies.
const CRYPTOSUITE: &str = "eddsa-jcs-2022";
/// The only proof purpose this module signs and verifies.
const PROOF_PURPOSE: &str = "assertionMethod";
/// The largest integer magnitude that I-JSON (and so JCS) represents exactly.
const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;

/// What a proof check found.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProofError {
    /// The document carries no `proof`.
    #[error("the document has no proof")]
    Missing,
    /// The document or its proof is not shaped as this cryptosuite requires.
    #[error("malformed proof: {0}")]
    Malformed(&'static str),
    /// The proof's type, cryptosuite or purpose is not `DataIntegrityProof`, `eddsa-jcs-2022`, `assertionMethod`.
    #[error("unsupported proof type, cryptosuite or purpose")]
    UnsupportedSuite,
    /// The public key given to check the proof is not an Ed25519 `publicKeyMultibase` value.
    #[error("the verification key is not an Ed25519 multibase key")]
    WrongKey,
    /// The signature does not match the document, the proof options and the key.
    #[error("the proof signature does not verify")]
    Invalid,
}

/// Returns `document` with a fresh `eddsa-jcs-2022` proof in `proof`, replacing any proof it had.
pub fn sign(
    document: &Value,
    key: &KeyPair,
    verification_method: &str,
    created: DateTime<Utc>,
) -> Result<Value, ProofError> {
    if verification_method.is_empty() {
        return Err(ProofError::Malformed("verificationMethod is empty"));
    }
    let mut unsecured = unsecured(document)?;
    let mut proof = proof_options(verification_method, created);
    let signature = key.sign(&hash_data(&prepare(&proof, &unsecured)?));
    proof.insert("proofValue".into(), Value::String(encode_proof_value(&signature)));
    unsecured.insert("proof".into(), Value::Object(proof));
    Ok(Value::Object(unsecured))
}

/// The `verificationMethod` of the document's proof, if it has one.
pub fn verification_method(document: &Value) -> Option<&str> {
    document.get("proof")?.as_object()?.get("verificationMethod")?.as_str()
}

/// Checks the document's `eddsa-jcs-2022` proof against an Ed25519 `publicKeyMultibase` key.
pub fn verify(document: &Value, public_key_multibase: &str) -> Result<(), ProofError> {
    let unsecured = unsecured(document)?;
    let proof = match document.get("proof") {
        None => return Err(ProofError::Missing),
        Some(Value::Object(proof)) => proof,
        Some(Value::Array(_)) => return Err(ProofError::Malformed("proof sets are not supported")),
        Some(_) => return Err(ProofError::Malformed("proof is not an object")),
    };
    let mut options = proof.clone();
    let proof_value = match options.shift_remove("proofValue") {
        Some(Value::String(value)) => value,
        Some(_) => return Err(ProofError::Malformed("proofValue is not a string")),
        None => return Err(ProofError::Malformed("proof has no proofValue")),
    };
    let proof_type = string_field(&options, "type")?;
    let cryptosuite = string_field(&options, "cryptosuite")?;
    let purpose = string_field(&options, "proofPurpose")?;
    if proof_type != PROOF_TYPE || cryptosuite != CRYPTOSUITE || purpose != PROOF_PURPOSE {
        return Err(ProofError::UnsupportedSuite);
    }
    if string_field(&options, "verificationMethod")?.is_empty() {
        return Err(ProofError::Malformed("verificationMethod is empty"));
    }
    DateTime::parse_from_rfc3339(string_field(&options, "created")?)
        .map_err(|_| ProofError::Malformed("created is not an RFC 3339 date-time"))?;
    if let Some(context) = options.get("@context")
        && unsecured.get("@context") != Some(context)
    {
        return Err(ProofError::Malformed("the proof's @context differs from the document's"));
    }
    let signature = decode_proof_value(&proof_value)?;
    let key = decode_multibase(public_key_multibase).map_err(|_| ProofError::WrongKey)?;
    let hash = hash_data(&prepare(&options, &unsecured)?);
    key.verify_strict(&hash, &Signature::from_bytes(&signature)).map_err(|_| ProofError::Invalid)
}

/// The document as an object, without its `proof`.
fn unsecured(document: &Value) -> Result<Map<String, Value>, ProofError> {
    let mut unsecured =
        document.as_object().ok_or(ProofError::Malformed("document is not a JSON object"))?.clone();
    unsecured.shift_remove("proof");
    Ok(unsecured)
}

/// The proof options this module signs with, before `proofValue` and without `@context`.
fn proof_options(verification_method: &str, created: DateTime<Utc>) -> Map<String, Value> {
    let mut options = Map::new();
    options.insert("type".into(), PROOF_TYPE.into());
    options.insert("cryptosuite".into(), CRYPTOSUITE.into());
    options.insert("verificationMethod".into(), verification_method.into());
    options.insert("proofPurpose".into(), PROOF_PURPOSE.into());
    options.insert("created".into(), created.to_rfc3339_opts(SecondsFormat::Secs, true).into());
    options
}

/// A string field of the proof options.
fn string_field<'a>(
    options: &'a Map<String, Value>,
    name: &'static str,
) -> Result<&'a str, ProofError> {
    match options.get(name) {
        Some(Value::String(value)) => Ok(value),
        Some(_) => Err(ProofError::Malformed("a proof field is not a string")),
        None => Err(ProofError::Malformed("a required proof field is missing")),
    }
}

/// The canonical (JCS) forms of the proof configuration and of the unsecured document.
#[derive(Debug)]
struct Canonical {
    /// The proof options with the document's `@context`, canonicalised.
    proof_config: String,
    /// The document without `proof`, canonicalised.
    document: String,
}

/// Builds the proof configuration from the options and the document's `@context`, and canonicalises both.
fn prepare(
    options: &Map<String, Value>,
    unsecured: &Map<String, Value>,
) -> Result<Canonical, ProofError> {
    let mut config = options.clone();
    if let Some(context) = unsecured.get("@context") {
        config.insert("@context".into(), context.clone());
    }
    Ok(Canonical { proof_config: canonicalize(&config)?, document: canonicalize(unsecured)? })
}

/// SHA-256 of the canonical proof configuration followed by SHA-256 of the canonical document.
fn hash_data(canonical: &Canonical) -> [u8; 64] {
    let mut hash = [0u8; 64];
    hash[..32].copy_from_slice(&Sha256::digest(canonical.proof_config.as_bytes()));
    hash[32..].copy_from_slice(&Sha256::digest(canonical.document.as_bytes()));
    hash
}

/// JCS (RFC 8785) of an object whose integers all lie in the I-JSON range.
fn canonicalize(object: &Map<String, Value>) -> Result<String, ProofError> {
    if !object.values().all(is_i_json) {
        return Err(ProofError::Malformed("an integer is outside the I-JSON range"));
    }
    serde_json_canonicalizer::to_string(object)
        .map_err(|_| ProofError::Malformed("the document cannot be canonicalised"))
}

/// Whether every integer in the value is exact as an IEEE double, as JCS implementations elsewhere assume.
fn is_i_json(value: &Value) -> bool {
    match value {
        Value::Number(number) => match (number.as_u64(), number.as_i64()) {
            (Some(unsigned), _) => unsigned <= MAX_SAFE_INTEGER,
            (None, Some(signed)) => signed.unsigned_abs() <= MAX_SAFE_INTEGER,
            (None, None) => true,
        },
        Value::Array(items) => items.iter().all(is_i_json),
        Value::Object(object) => object.values().all(is_i_json),
        Value::Null | Value::Bool(_) | Value::String(_) => true,
    }
}

/// An Ed25519 signature as multibase base58btc.
fn encode_proof_value(signature: &[u8; 64]) -> String {
    format!("z{}", bs58::encode(signature).into_string())
}

/// A multibase base58btc `proofValue` as a 64-byte Ed25519 signature.
fn decode_proof_value(proof_value: &str) -> Result<[u8; 64], ProofError> {
    let encoded = proof_value
        .strip_prefix('z')
        .ok_or(ProofError::Malformed("proofValue is not multibase base58btc"))?;
    let bytes = bs58::decode(encoded)
        .into_vec()
        .map_err(|_| ProofError::Malformed("proofValue is not base58btc"))?;
    bytes.try_into().map_err(|_| ProofError::Malformed("proofValue is not a 64-byte signature"))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    /// The W3C `eddsa-jcs-2022` test vectors (w3c/vc-di-eddsa, `TestVectors/`).
    mod vector {
        pub const KEY_PAIR: &str = include_str!("../tests-data/eddsa-jcs-2022/keyPair.json");
        pub const UNSIGNED: &str = include_str!("../tests-data/eddsa-jcs-2022/unsigned.json");
        pub const PROOF_CONFIG: &str =
            include_str!("../tests-data/eddsa-jcs-2022/proofConfigJCS.json");
        pub const PROOF_CANON: &str =
            include_str!("../tests-data/eddsa-jcs-2022/proofCanonJCS.txt");
        pub const DOC_CANON: &str = include_str!("../tests-data/eddsa-jcs-2022/canonDocJCS.txt");
        pub const PROOF_HASH: &str = include_str!("../tests-data/eddsa-jcs-2022/proofHashJCS.txt");
        pub const DOC_HASH: &str = include_str!("../tests-data/eddsa-jcs-2022/docHashJCS.txt");
        pub const COMBINED_HASH: &str =
            include_str!("../tests-data/eddsa-jcs-2022/combinedHashJCS.txt");
        pub const SIG_HEX: &str = include_str!("../tests-data/eddsa-jcs-2022/sigHexJCS.txt");
        pub const SIG_BTC58: &str = include_str!("../tests-data/eddsa-jcs-2022/sigBTC58JCS.txt");
        pub const SIGNED: &str = include_str!("../tests-data/eddsa-jcs-2022/signedJCS.json");
    }

    fn parse(json: &str) -> Value {
        serde_json::from_str(json).unwrap()
    }

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    fn created() -> DateTime<Utc> {
        "2023-02-24T23:36:38Z".parse().unwrap()
    }

    /// The vector's key pair, restored from its `privateKeyMultibase` (multicodec 0x80 0x26, ed25519-priv).
    fn vector_key() -> KeyPair {
        let pair = parse(vector::KEY_PAIR);
        let secret = pair["privateKeyMultibase"].as_str().unwrap().strip_prefix('z').unwrap();
        let secret = bs58::decode(secret).into_vec().unwrap();
        let secret = secret.strip_prefix(&[0x80, 0x26]).unwrap();
        assert_eq!(secret.len(), 32);
        let key = KeyPair::from_secret_hex(&hex(secret)).unwrap();
        assert_eq!(key.public_multibase(), pair["publicKeyMultibase"].as_str().unwrap());
        key
    }

    fn vector_public() -> String {
        parse(vector::KEY_PAIR)["publicKeyMultibase"].as_str().unwrap().to_owned()
    }

    fn vector_method() -> String {
        let public = vector_public();
        format!("did:key:{public}#{public}")
    }

    /// A copy of `document` changed by `change`.
    fn tampered(document: &Value, change: impl FnOnce(&mut Value)) -> Value {
        let mut document = document.clone();
        change(&mut document);
        document
    }

    /// Asserts that the change makes an otherwise valid document fail with `expected`.
    fn check(document: &Value, key: &str, expected: ProofError, change: impl FnOnce(&mut Value)) {
        assert_eq!(verify(document, key), Ok(()));
        let changed = tampered(document, change);
        assert_eq!(verify(&changed, key), Err(expected), "{changed:#}");
    }

    #[test]
    fn reproduces_the_w3c_test_vector() {
        let unsigned = parse(vector::UNSIGNED);
        let options = proof_options(&vector_method(), created());
        let mut config = options.clone();
        config.insert("@context".into(), unsigned["@context"].clone());
        assert_eq!(Value::Object(config), parse(vector::PROOF_CONFIG));

        let canonical = prepare(&options, &unsecured(&unsigned).unwrap()).unwrap();
        assert_eq!(canonical.proof_config, vector::PROOF_CANON.trim());
        assert_eq!(canonical.document, vector::DOC_CANON.trim());
        let hash = hash_data(&canonical);
        assert_eq!(hex(&hash[..32]), vector::PROOF_HASH.trim());
        assert_eq!(hex(&hash[32..]), vector::DOC_HASH.trim());
        assert_eq!(hex(&hash), vector::COMBINED_HASH.trim());

        let key = vector_key();
        assert_eq!(hex(&key.sign(&hash)), vector::SIG_HEX.trim());
        let signed = sign(&unsigned, &key, &vector_method(), created()).unwrap();
        assert_eq!(signed["proof"]["proofValue"], vector::SIG_BTC58.trim());
        let mut expected = parse(vector::SIGNED);
        expected["proof"].as_object_mut().unwrap().shift_remove("@context");
        assert_eq!(signed, expected);
        assert_eq!(verification_method(&signed), Some(vector_method().as_str()));
        assert_eq!(verify(&signed, &vector_public()), Ok(()));
    }

    #[test]
    fn verifies_the_w3c_signed_document() {
        let signed = parse(vector::SIGNED);
        assert_eq!(verification_method(&signed), Some(vector_method().as_str()));
        assert_eq!(verify(&signed, &vector_public()), Ok(()));
        check(
            &signed,
            &vector_public(),
            ProofError::Malformed("the proof's @context differs from the document's"),
            |doc| doc["proof"]["@context"] = json!(["https://www.w3.org/ns/credentials/v2"]),
        );
    }

    #[test]
    fn tampering_with_the_document_breaks_the_proof() {
        let public = vector_public();
        for signed in [
            parse(vector::SIGNED),
            sign(&parse(vector::UNSIGNED), &vector_key(), &vector_method(), created()).unwrap(),
        ] {
            let fields: Vec<String> =
                signed.as_object().unwrap().keys().filter(|k| *k != "proof").cloned().collect();
            for field in fields {
                // The W3C vector repeats @context in its proof, so changing the document's is caught earlier.
                let expected = if field == "@context" && signed["proof"].get("@context").is_some() {
                    ProofError::Malformed("the proof's @context differs from the document's")
                } else {
                    ProofError::Invalid
                };
                check(&signed, &public, expected.clone(), |doc| {
                    doc[field.as_str()] = json!("tampered")
                });
                check(&signed, &public, expected, |doc| {
                    doc.as_object_mut().unwrap().shift_remove(&field);
                });
            }
            check(&signed, &public, ProofError::Invalid, |doc| {
                doc["credentialSubject"]["alumniOf"] = json!("The School of Counterexamples")
            });
            check(&signed, &public, ProofError::Invalid, |doc| doc["extra"] = json!(1));
            check(&signed, &public, ProofError::Invalid, |doc| {
                doc["proof"]["created"] = json!("2023-02-24T23:36:39Z")
            });
            check(&signed, &public, ProofError::Invalid, |doc| {
                doc["proof"]["verificationMethod"] = json!("https://vc.example/issuers/5678#key")
            });
            check(&signed, &public, ProofError::Invalid, |doc| {
                doc["proof"]["expires"] = json!("2030-01-01T00:00:00Z")
            });
            let mut value = signed["proof"]["proofValue"].as_str().unwrap().to_owned();
            let last = if value.ends_with('X') { "Y" } else { "X" };
            value.replace_range(value.len() - 1.., last);
            check(&signed, &public, ProofError::Invalid, |doc| {
                doc["proof"]["proofValue"] = json!(value)
            });
        }
    }

    #[test]
    fn tampering_with_the_context_breaks_the_proof() {
        let signed =
            sign(&parse(vector::UNSIGNED), &vector_key(), &vector_method(), created()).unwrap();
        check(&signed, &vector_public(), ProofError::Invalid, |doc| {
            doc["@context"] = json!("https://www.w3.org/ns/activitystreams")
        });
        check(&signed, &vector_public(), ProofError::Invalid, |doc| {
            doc.as_object_mut().unwrap().shift_remove("@context");
        });
    }

    #[test]
    fn unsupported_suites_are_refused() {
        let signed = parse(vector::SIGNED);
        let public = vector_public();
        for (field, value) in [
            ("type", "Ed25519Signature2020"),
            ("cryptosuite", "eddsa-rdfc-2022"),
            ("proofPurpose", "authentication"),
        ] {
            check(&signed, &public, ProofError::UnsupportedSuite, |doc| {
                doc["proof"][field] = json!(value)
            });
        }
    }

    #[test]
    fn a_proof_made_with_one_key_fails_against_another() {
        let signer = KeyPair::generate().unwrap();
        let other = KeyPair::generate().unwrap();
        let document = json!({"type": "Note", "content": "hello"});
        let signed =
            sign(&document, &signer, "https://a.example/actor#ed25519", Utc::now()).unwrap();
        assert_eq!(verify(&signed, &signer.public_multibase()), Ok(()));
        assert_eq!(verify(&signed, &other.public_multibase()), Err(ProofError::Invalid));
        assert_eq!(verify(&signed, &vector_public()), Err(ProofError::Invalid));
    }

    #[test]
    fn round_trips_with_a_fresh_key_and_replaces_an_old_proof() {
        let key = KeyPair::generate().unwrap();
        let document = json!({
            "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/data-integrity/v2"],
            "id": "https://a.example/objects/1",
            "type": "Note",
            "attributedTo": "https://a.example/actor",
            "content": "hello",
        });
        let method = "https://a.example/actor#ed25519-key";
        let signed = sign(&document, &key, method, Utc::now()).unwrap();
        assert_eq!(verify(&signed, &key.public_multibase()), Ok(()));
        assert_eq!(verification_method(&signed), Some(method));
        assert!(signed["proof"].get("@context").is_none());
        let created = signed["proof"]["created"].as_str().unwrap();
        assert!(created.ends_with('Z') && created.len() == 20, "{created}");

        let mut without_proof = signed.clone();
        without_proof.as_object_mut().unwrap().shift_remove("proof");
        assert_eq!(without_proof, document);

        let other = KeyPair::generate().unwrap();
        let resigned = sign(&signed, &other, "https://b.example/actor#key", Utc::now()).unwrap();
        assert_eq!(verify(&resigned, &other.public_multibase()), Ok(()));
        assert_eq!(verify(&resigned, &key.public_multibase()), Err(ProofError::Invalid));
        assert_eq!(verification_method(&resigned), Some("https://b.example/actor#key"));
    }

    #[test]
    fn nested_arabic_text_and_numbers_round_trip() {
        let key = KeyPair::generate().unwrap();
        let document = json!({
            "type": "Note",
            "content": "السلام عليكم ورحمة الله — «سند»",
            "tag": [{"name": "#حديث", "type": "Hashtag"}, {"name": "😀 emoji", "n": -0.0}],
            "سند": {"رواة": ["أبو هريرة", "مالك"], "عدد": 3, "نسبة": 0.1, "كبير": 1e21, "صغير": 1e-7},
            "numbers": [0, -1, 9007199254740991_i64, 1.5, 100.0, 0.30000000000000004, 123.456e-30],
            "nested": {"deeper": {"deepest": [null, true, false, "\u{200f}\u{0000}\"\\"]}},
        });
        let signed = sign(&document, &key, "https://a.example/actor#key", created()).unwrap();
        let text = serde_json::to_string(&signed).unwrap();
        let reparsed: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(verify(&reparsed, &key.public_multibase()), Ok(()));
        check(&reparsed, &key.public_multibase(), ProofError::Invalid, |doc| {
            doc["سند"]["رواة"][1] = json!("مالكٌ")
        });
        check(&reparsed, &key.public_multibase(), ProofError::Invalid, |doc| {
            doc["سند"]["عدد"] = json!(4)
        });
    }

    #[test]
    fn canonical_form_follows_jcs() {
        let object = json!({"b": 1.0, "a": [1e21, 1e-7, -0.0, 0.1], "\u{fb33}": 1, "\u{1f600}": 2, "\u{e9}": "\u{639}"});
        let canonical = canonicalize(object.as_object().unwrap()).unwrap();
        // Keys sort by UTF-16 code units: U+1F600 (D83D DE00) before U+FB33.
        assert_eq!(
            canonical,
            "{\"a\":[1e+21,1e-7,0,0.1],\"b\":1,\"\u{e9}\":\"\u{639}\",\"\u{1f600}\":2,\"\u{fb33}\":1}"
        );
        let unsafe_integer = json!({"n": 9007199254740992_u64});
        assert!(canonicalize(unsafe_integer.as_object().unwrap()).is_err());
        let key = KeyPair::generate().unwrap();
        assert!(sign(&unsafe_integer, &key, "https://a.example/actor#key", created()).is_err());
    }

    #[test]
    fn key_order_does_not_matter() {
        let key = KeyPair::generate().unwrap();
        let method = "https://a.example/actor#key";
        let forward = json!({"a": 1, "b": {"x": "س", "y": [1, 2]}, "c": "ج"});
        let mut backward = Map::new();
        backward.insert("c".into(), json!("ج"));
        backward.insert("b".into(), json!({"y": [1, 2], "x": "س"}));
        backward.insert("a".into(), json!(1));
        let backward = Value::Object(backward);
        assert_eq!(forward, backward);

        let signed_forward = sign(&forward, &key, method, created()).unwrap();
        let signed_backward = sign(&backward, &key, method, created()).unwrap();
        assert_eq!(signed_forward["proof"]["proofValue"], signed_backward["proof"]["proofValue"]);

        let mut reordered = Map::new();
        reordered.insert("proof".into(), signed_forward["proof"].clone());
        for (name, value) in backward.as_object().unwrap() {
            reordered.insert(name.clone(), value.clone());
        }
        assert_eq!(verify(&Value::Object(reordered), &key.public_multibase()), Ok(()));
    }

    #[test]
    fn malformed_documents_and_proofs_are_refused() {
        let key = vector_key();
        let public = vector_public();
        for not_an_object in [json!([]), json!("note"), json!(null), json!(1)] {
            assert!(matches!(
                sign(&not_an_object, &key, "https://a.example/actor#key", created()),
                Err(ProofError::Malformed(_))
            ));
            assert!(matches!(verify(&not_an_object, &public), Err(ProofError::Malformed(_))));
        }
        assert!(matches!(sign(&json!({}), &key, "", created()), Err(ProofError::Malformed(_))));
        assert_eq!(verify(&parse(vector::UNSIGNED), &public), Err(ProofError::Missing));
        assert_eq!(verification_method(&parse(vector::UNSIGNED)), None);
        assert_eq!(verification_method(&json!({"proof": [{"verificationMethod": "x"}]})), None);

        let signed = parse(vector::SIGNED);
        let malformed: Vec<Change> = vec![
            Box::new(|doc| {
                let proof = doc["proof"].clone();
                doc["proof"] = json!([proof]);
            }),
            Box::new(|doc| doc["proof"] = json!("z2Hn")),
            Box::new(|doc| doc["proof"] = json!(null)),
            Box::new(|doc| doc["proof"]["proofValue"] = json!(64)),
            Box::new(|doc| {
                doc["proof"].as_object_mut().unwrap().shift_remove("proofValue");
            }),
            Box::new(|doc| doc["proof"]["created"] = json!(1677281798)),
            Box::new(|doc| doc["proof"]["created"] = json!("yesterday")),
            Box::new(|doc| {
                doc["proof"].as_object_mut().unwrap().shift_remove("created");
            }),
            Box::new(|doc| doc["proof"]["verificationMethod"] = json!({"id": "x"})),
            Box::new(|doc| doc["proof"]["verificationMethod"] = json!("")),
            Box::new(|doc| doc["proof"]["type"] = json!(["DataIntegrityProof"])),
            Box::new(|doc| doc["proof"]["cryptosuite"] = json!(null)),
            Box::new(|doc| {
                doc["proof"]["@context"] = json!("https://www.w3.org/ns/credentials/v2")
            }),
            Box::new(|doc| {
                let value = doc["proof"]["proofValue"].as_str().unwrap().replacen('z', "u", 1);
                doc["proof"]["proofValue"] = json!(value);
            }),
            Box::new(|doc| doc["proof"]["proofValue"] = json!("z0OIl")),
            Box::new(|doc| doc["proof"]["proofValue"] = json!(encode_63_or_65(63))),
            Box::new(|doc| doc["proof"]["proofValue"] = json!(encode_63_or_65(65))),
            Box::new(|doc| doc["proof"]["proofValue"] = json!("z")),
        ];
        for change in malformed {
            let changed = tampered(&signed, change);
            assert!(
                matches!(verify(&changed, &public), Err(ProofError::Malformed(_))),
                "{changed:#}"
            );
        }
    }

    /// A boxed change to a document, for tables of cases.
    type Change = Box<dyn FnOnce(&mut Value)>;

    fn encode_63_or_65(len: usize) -> String {
        format!("z{}", bs58::encode(vec![7u8; len]).into_string())
    }

    #[test]
    fn an_unusable_public_key_is_refused() {
        let signed = parse(vector::SIGNED);
        for bad in [
            "",
            "z",
            "zz",
            "6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2",
            "z3u2en7t5LR2WtQH5PfFqMqwVHBeXouLzo6haApm8XHqvjxq",
        ] {
            assert_eq!(verify(&signed, bad), Err(ProofError::WrongKey), "{bad}");
        }
    }
}
