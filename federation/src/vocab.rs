//! The wire vocabulary: needs and offers as FEP-0837 `Proposal`s publishing a `transfer` `Intent`, with Sanad's own
//! terms (sector, region, urgency, needed-by, quantity met, status, household-size band) defined in Sanad's JSON-LD
//! context. Outgoing objects are built from [`Listing`]s (already anonymised); incoming ones are read leniently, so a
//! valid proposal from other software without Sanad's terms is still understood.

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::{Map, Value, json};
use url::Url;

/// The ActivityStreams namespace, and the audience that means "everyone".
pub const AS_CONTEXT: &str = "https://www.w3.org/ns/activitystreams";
/// The public collection.
pub const PUBLIC: &str = "https://www.w3.org/ns/activitystreams#Public";
/// The data-integrity context, needed by object proofs.
pub const DATA_INTEGRITY_CONTEXT: &str = "https://w3id.org/security/data-integrity/v2";
/// The security context of `publicKey` (HTTP signatures).
pub const SECURITY_CONTEXT: &str = "https://w3id.org/security/v1";
/// The Multikey context of `assertionMethod` (FEP-521a).
pub const MULTIKEY_CONTEXT: &str = "https://w3id.org/security/multikey/v1";
/// The namespace of Sanad's own terms.
pub const SANAD_NS: &str = "https://w3id.org/sanad/ns#";
/// Where every node serves Sanad's context document.
pub const CONTEXT_PATH: &str = "/ns/sanad.jsonld";

/// The term definitions of FEP-0837 (Valueflows) and Sanad, embedded in every object so no receiver has to fetch them.
pub fn term_definitions() -> Value {
    json!({
        "om2": "http://www.ontology-of-units-of-measure.org/resource/om-2/",
        "vf": "https://w3id.org/valueflows/ont/vf#",
        "sanad": SANAD_NS,
        "Proposal": "vf:Proposal",
        "Intent": "vf:Intent",
        "Agreement": "vf:Agreement",
        "Commitment": "vf:Commitment",
        "action": "vf:action",
        "purpose": "vf:purpose",
        "unitBased": "vf:unitBased",
        "publishes": "vf:publishes",
        "reciprocal": "vf:reciprocal",
        "stipulates": "vf:stipulates",
        "stipulatesReciprocal": "vf:stipulatesReciprocal",
        "due": "vf:due",
        "satisfies": "vf:satisfies",
        "resourceConformsTo": "vf:resourceConformsTo",
        "resourceQuantity": "vf:resourceQuantity",
        "availableQuantity": "vf:availableQuantity",
        "hasUnit": "om2:hasUnit",
        "hasNumericalValue": "om2:hasNumericalValue",
        "sector": "sanad:sector",
        "regionCode": "sanad:regionCode",
        "regionPath": {"@id": "sanad:regionPath", "@container": "@list"},
        "urgency": "sanad:urgency",
        "neededBy": {"@id": "sanad:neededBy", "@type": "http://www.w3.org/2001/XMLSchema#date"},
        "quantityMet": "sanad:quantityMet",
        "quantityCommitted": "sanad:quantityCommitted",
        "commitmentStatus": "sanad:commitmentStatus",
        "status": "sanad:status",
        "householdSizeBand": "sanad:householdSizeBand",
        "sectors": "sanad:sectors",
        "regionsServed": "sanad:regionsServed",
        "website": {"@id": "sanad:website", "@type": "@id"},
        "contactEmail": "sanad:contactEmail",
        "registrationNumber": "sanad:registrationNumber",
        "manuallyApprovesFollowers": "as:manuallyApprovesFollowers",
        "as": "https://www.w3.org/ns/activitystreams#"
    })
}

/// The `@context` of every object and activity Sanad sends.
pub fn context() -> Value {
    json!([AS_CONTEXT, DATA_INTEGRITY_CONTEXT, term_definitions()])
}

/// The context document served at [`CONTEXT_PATH`].
pub fn context_document() -> Value {
    json!({ "@context": term_definitions() })
}

/// Whether a proposal asks for something or offers it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    /// A need.
    Request,
    /// A stock offer.
    Offer,
}

impl Purpose {
    /// The FEP-0837 value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Request => "request",
            Self::Offer => "offer",
        }
    }
}

/// Who may see a listing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Audience {
    /// Public and followers.
    Public,
    /// Followers only.
    Followers,
}

/// A need or offer as it may leave the node: built by the anonymising projection, nothing personal in it.
#[derive(Clone, Debug, PartialEq)]
pub struct Listing {
    /// The object's id: a random URL, unrelated to database ids.
    pub id: Url,
    /// The organisation's actor.
    pub actor: Url,
    /// The organisation's followers collection.
    pub followers: Url,
    /// Need or offer.
    pub purpose: Purpose,
    /// Public or followers only.
    pub audience: Audience,
    /// What is needed or offered.
    pub item: String,
    /// Public summary (needs) or empty.
    pub summary: String,
    /// Humanitarian sector code.
    pub sector: String,
    /// Unit of the quantities.
    pub unit: String,
    /// Quantity asked or offered.
    pub quantity: i64,
    /// What is still missing (needs) or still available (offers).
    pub available: i64,
    /// Quantity met so far (needs).
    pub quantity_met: i64,
    /// Quantity other organisations have committed and not yet delivered (needs).
    pub quantity_committed: i64,
    /// The region code, possibly generalised.
    pub region_code: String,
    /// The region's ancestors, nearest first.
    pub region_path: Vec<String>,
    /// Urgency code.
    pub urgency: Option<String>,
    /// Needed by (needs) or available until (offers).
    pub needed_by: Option<NaiveDate>,
    /// Status code.
    pub status: String,
    /// Household size as a band (`1`, `2-3`, `4-6`, `7+`), for household needs.
    pub household_band: Option<String>,
    /// First published.
    pub published: DateTime<Utc>,
    /// Last changed.
    pub updated: DateTime<Utc>,
}

/// A number as FEP-0837 writes it (a string).
fn amount(unit: &str, value: i64) -> Value {
    json!({ "hasUnit": unit, "hasNumericalValue": value.to_string() })
}

impl Listing {
    /// The `Proposal` document (without `@context` or proof).
    pub fn to_object(&self) -> Value {
        let (to, cc) = match self.audience {
            Audience::Public => (json!([PUBLIC]), json!([self.followers])),
            Audience::Followers => (json!([self.followers]), json!([])),
        };
        let mut o = json!({
            "type": "Proposal",
            "id": self.id,
            "attributedTo": self.actor,
            "purpose": self.purpose.as_str(),
            "name": self.item,
            "content": self.summary,
            "mediaType": "text/plain",
            "published": rfc3339(self.published),
            "updated": rfc3339(self.updated),
            "publishes": {
                "type": "Intent",
                "id": format!("{}#primary", self.id),
                "action": "transfer",
                "resourceQuantity": amount(&self.unit, self.quantity),
                "availableQuantity": amount(&self.unit, self.available),
            },
            "to": to,
            "cc": cc,
            "sector": self.sector,
            "regionCode": self.region_code,
            "regionPath": self.region_path,
            "quantityMet": self.quantity_met.to_string(),
            "quantityCommitted": self.quantity_committed.to_string(),
            "status": self.status,
        });
        if let Some(map) = o.as_object_mut() {
            if let Some(u) = &self.urgency {
                map.insert("urgency".into(), json!(u));
            }
            if let Some(d) = self.needed_by {
                map.insert("neededBy".into(), json!(d.to_string()));
            }
            if let Some(b) = &self.household_band {
                map.insert("householdSizeBand".into(), json!(b));
            }
        }
        o
    }
}

/// RFC 3339 with milliseconds and `Z` (two changes within one second must still be told apart).
pub fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// A received proposal, read leniently: what Sanad does not find gets a neutral default.
#[derive(Clone, Debug, PartialEq)]
pub struct ReceivedListing {
    /// The object id.
    pub id: Url,
    /// `attributedTo`.
    pub attributed_to: Url,
    /// Need or offer.
    pub purpose: Purpose,
    /// `name` (or the intent's resource type when there is no name).
    pub item: String,
    /// `content`, as plain text.
    pub summary: String,
    /// Sector code, `other` when absent.
    pub sector: String,
    /// Unit.
    pub unit: String,
    /// Quantity asked or offered (0 when the proposal leaves it open).
    pub quantity: i64,
    /// Still missing / available; the quantity when absent.
    pub available: i64,
    /// Met so far.
    pub quantity_met: i64,
    /// Committed by organisations and not yet delivered (0 when absent).
    pub quantity_committed: i64,
    /// Region code, none when unknown.
    pub region_code: Option<String>,
    /// The region's ancestors, nearest first (the country last), as the origin sent them (`regionPath`; at most 8,
    /// each clipped); the region itself is `region_code`.
    pub region_path: Vec<String>,
    /// Urgency code, `medium` when absent.
    pub urgency: String,
    /// Needed by.
    pub needed_by: Option<NaiveDate>,
    /// Status, `open` when absent.
    pub status: String,
    /// Household-size band.
    pub household_band: Option<String>,
    /// Whether it is addressed to the public.
    pub public: bool,
    /// Published.
    pub published: Option<DateTime<Utc>>,
    /// Updated (or published).
    pub updated: Option<DateTime<Utc>>,
}

/// Why a received object is not a proposal Sanad can use.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum VocabError {
    /// Not a `Proposal`.
    #[error("not a proposal")]
    NotAProposal,
    /// A required property is missing or of the wrong type.
    #[error("proposal property {0} is missing or invalid")]
    Invalid(&'static str),
}

/// Reads a `Proposal` object.
pub fn read_proposal(o: &Value) -> Result<ReceivedListing, VocabError> {
    let map = o.as_object().ok_or(VocabError::NotAProposal)?;
    if !has_type(map, "Proposal") {
        return Err(VocabError::NotAProposal);
    }
    let id = url_of(map.get("id")).ok_or(VocabError::Invalid("id"))?;
    let attributed_to =
        url_of(map.get("attributedTo")).ok_or(VocabError::Invalid("attributedTo"))?;
    let purpose = match map.get("purpose").and_then(Value::as_str) {
        Some("request") => Purpose::Request,
        Some("offer") => Purpose::Offer,
        _ => return Err(VocabError::Invalid("purpose")),
    };
    let intent =
        map.get("publishes").and_then(Value::as_object).ok_or(VocabError::Invalid("publishes"))?;
    if !has_type(intent, "Intent") {
        return Err(VocabError::Invalid("publishes"));
    }
    let (unit, quantity) =
        measure(intent.get("resourceQuantity")).ok_or(VocabError::Invalid("resourceQuantity"))?;
    let available = measure(intent.get("availableQuantity")).map_or(quantity, |(_, q)| q);
    let text = |k: &str| map.get(k).and_then(Value::as_str).map(str::to_owned);
    let item = text("name")
        .or_else(|| intent.get("resourceConformsTo").and_then(Value::as_str).map(str::to_owned))
        .unwrap_or_default();
    let audience = |k: &str| match map.get(k) {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).map(str::to_owned).collect(),
        _ => Vec::new(),
    };
    let public = audience("to").iter().chain(audience("cc").iter()).any(|a| is_public(a));
    let time = |k: &str| {
        map.get(k)
            .and_then(Value::as_str)
            .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
            .map(|t| t.with_timezone(&Utc))
    };
    let published = time("published");
    Ok(ReceivedListing {
        id,
        attributed_to,
        purpose,
        item: clip(&item, 300),
        summary: clip(&strip_html(&text("content").unwrap_or_default()), 2000),
        sector: text("sector").map_or_else(|| "other".to_owned(), |s| clip(&s, 32)),
        unit: clip(&unit, 64),
        quantity,
        available,
        quantity_met: map
            .get("quantityMet")
            .and_then(number)
            .unwrap_or(quantity - available)
            .max(0),
        quantity_committed: map.get("quantityCommitted").and_then(number).unwrap_or(0),
        region_code: text("regionCode").map(|s| clip(&s, 32)),
        region_path: match map.get("regionPath") {
            Some(Value::Array(a)) => {
                a.iter().filter_map(Value::as_str).take(8).map(|s| clip(s, 32)).collect()
            }
            _ => Vec::new(),
        },
        urgency: text("urgency").map_or_else(|| "medium".to_owned(), |s| clip(&s, 16)),
        needed_by: text("neededBy").and_then(|s| NaiveDate::parse_from_str(&s, "%Y-%m-%d").ok()),
        status: text("status").map_or_else(|| "open".to_owned(), |s| clip(&s, 16)),
        household_band: text("householdSizeBand").map(|s| clip(&s, 16)),
        public,
        published,
        updated: time("updated").or(published),
    })
}

/// Whether an audience entry means the public (the three spellings ActivityPub allows).
pub fn is_public(a: &str) -> bool {
    matches!(a, PUBLIC | "as:Public" | "Public")
}

/// Whether an object's `type` (a string or an array) includes `kind`.
pub fn has_type(map: &Map<String, Value>, kind: &str) -> bool {
    match map.get("type") {
        Some(Value::String(s)) => s == kind,
        Some(Value::Array(a)) => a.iter().any(|t| t.as_str() == Some(kind)),
        _ => false,
    }
}

/// A URL given as a string or as an object with an `id`.
pub fn url_of(v: Option<&Value>) -> Option<Url> {
    match v? {
        Value::String(s) => Url::parse(s).ok(),
        Value::Object(o) => url_of(o.get("id")),
        _ => None,
    }
}

fn number(v: &Value) -> Option<i64> {
    let n = match v {
        Value::String(s) => s.trim().parse::<f64>().ok()?,
        Value::Number(n) => n.as_f64()?,
        _ => return None,
    };
    (n.is_finite() && (0.0..=1e15).contains(&n)).then_some(n.round() as i64)
}

fn measure(v: Option<&Value>) -> Option<(String, i64)> {
    let m = v?.as_object()?;
    let unit = m.get("hasUnit")?.as_str()?.to_owned();
    let value = m.get("hasNumericalValue").map_or(Some(0), number)?;
    Some((unit, value))
}

fn clip(s: &str, max: usize) -> String {
    s.chars().filter(|c| !c.is_control() || *c == '\n').take(max).collect()
}

/// Plain text of an HTML fragment (tags dropped, the common entities decoded).
fn strip_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut in_tag = false;
    for c in s.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                out.push(' ');
            }
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    let out = out
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&");
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listing() -> Listing {
        let t = DateTime::parse_from_rfc3339("2026-11-23T10:00:00Z").unwrap().with_timezone(&Utc);
        Listing {
            id: Url::parse("https://a.example/objects/1f0c").unwrap(),
            actor: Url::parse("https://a.example/orgs/amal").unwrap(),
            followers: Url::parse("https://a.example/orgs/amal/followers").unwrap(),
            purpose: Purpose::Request,
            audience: Audience::Followers,
            item: "بطانيات".into(),
            summary: "بطانيات شتوية لأسرة".into(),
            sector: "shelter".into(),
            unit: "piece".into(),
            quantity: 50,
            available: 30,
            quantity_met: 20,
            quantity_committed: 0,
            region_code: "PS-GZA".into(),
            region_path: vec!["PS".into()],
            urgency: Some("high".into()),
            needed_by: NaiveDate::from_ymd_opt(2026, 12, 1),
            status: "partly_met".into(),
            household_band: Some("4-6".into()),
            published: t,
            updated: t,
        }
    }

    #[test]
    fn a_listing_round_trips_through_its_proposal() {
        let l = listing();
        let got = read_proposal(&l.to_object()).unwrap();
        assert_eq!(got.id, l.id);
        assert_eq!(got.purpose, Purpose::Request);
        assert_eq!((got.quantity, got.available, got.quantity_met), (50, 30, 20));
        assert_eq!(got.region_code.as_deref(), Some("PS-GZA"));
        assert_eq!(got.needed_by, l.needed_by);
        assert!(!got.public);
        assert_eq!(got.household_band.as_deref(), Some("4-6"));
    }

    #[test]
    fn a_foreign_proposal_without_sanad_terms_gets_defaults() {
        let o = json!({
            "type": "Proposal",
            "id": "https://market.example/proposals/ddde9d6f",
            "purpose": "offer",
            "attributedTo": "https://market.example/users/alice",
            "name": "Offering used bike",
            "content": "<p>Blue one-speed bike &amp; lock</p>",
            "publishes": {"type": "Intent", "id": "https://market.example/proposals/ddde9d6f#primary",
                "action": "transfer", "resourceQuantity": {"hasUnit": "one", "hasNumericalValue": "1"}},
            "unitBased": false,
            "to": "https://www.w3.org/ns/activitystreams#Public"
        });
        let got = read_proposal(&o).unwrap();
        assert_eq!(got.sector, "other");
        assert_eq!(got.region_code, None);
        assert_eq!(got.summary, "Blue one-speed bike & lock");
        assert!(got.public);
        assert_eq!((got.quantity, got.available), (1, 1));
    }

    #[test]
    fn objects_that_are_not_usable_proposals_are_refused() {
        for (o, want) in [
            (json!({"type": "Note", "id": "https://x.example/1"}), VocabError::NotAProposal),
            (json!("text"), VocabError::NotAProposal),
            (
                json!({"type": "Proposal", "id": "https://x.example/1", "attributedTo": "https://x.example/a",
                "purpose": "swap", "publishes": {}}),
                VocabError::Invalid("purpose"),
            ),
            (
                json!({"type": "Proposal", "id": "https://x.example/1", "attributedTo": "https://x.example/a",
                "purpose": "offer", "publishes": {"type": "Intent", "resourceQuantity": {"hasUnit": "one",
                "hasNumericalValue": "-3"}}}),
                VocabError::Invalid("resourceQuantity"),
            ),
        ] {
            assert_eq!(read_proposal(&o), Err(want), "{o}");
        }
    }
}
