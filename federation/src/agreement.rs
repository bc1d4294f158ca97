//! Commitments between organisations, as FEP-0837 defines them: the party answering a listing sends an
//! `Offer` whose object is an `Agreement` that `stipulates` one `Commitment` (it `satisfies` the listing's primary
//! `Intent`); the listing's owner answers `Accept` with the finalised agreement as `result` (ids assigned by the owner,
//! `attributedTo` the owner) or `Reject` with a reason in `content`. What happens afterwards (the goods leave, they
//! arrive, the commitment lapses) travels as a `Create` of a `Document` whose `context` is the agreement, as the FEP's
//! confirmation does, carrying Sanad's `commitmentStatus`.
//!
//! Everything here is built from and read into plain values: no names, no contacts, no households; only what was
//! committed, how much, and by when.

use chrono::NaiveDate;
use serde_json::{Map, Value, json};
use url::Url;

use crate::vocab::{VocabError, has_type, url_of};

/// The terms of one commitment: which intent it satisfies, how much of what unit, and by when.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Terms {
    /// The listing's primary intent (`<proposal id>#primary`).
    pub satisfies: Url,
    /// Unit, as the listing gives it.
    pub unit: String,
    /// How much.
    pub quantity: i64,
    /// The day by which it is to be delivered.
    pub due: Option<NaiveDate>,
}

/// The intent a listing publishes (what a commitment to it `satisfies`).
pub fn primary_intent(proposal: &Url) -> Url {
    let mut intent = proposal.clone();
    intent.set_fragment(Some("primary"));
    intent
}

/// The proposal an intent belongs to.
pub fn proposal_of(intent: &Url) -> Url {
    let mut proposal = intent.clone();
    proposal.set_fragment(None);
    proposal
}

fn commitment(terms: &Terms, id: Option<&Url>) -> Value {
    let mut c = json!({
        "type": "Commitment",
        "satisfies": terms.satisfies,
        "resourceQuantity": {"hasUnit": terms.unit, "hasNumericalValue": terms.quantity.to_string()},
    });
    if let Some(map) = c.as_object_mut() {
        if let Some(id) = id {
            map.insert("id".into(), json!(id));
        }
        if let Some(due) = terms.due {
            map.insert("due".into(), json!(due.to_string()));
        }
    }
    c
}

/// The `Agreement` an `Offer` carries: no ids yet (the owner assigns them on acceptance).
pub fn proposed(terms: &Terms) -> Value {
    json!({"type": "Agreement", "stipulates": commitment(terms, None)})
}

/// The finalised `Agreement` an `Accept` carries as its `result`.
pub fn finalised(id: &Url, owner: &Url, terms: &Terms) -> Value {
    let mut primary = id.clone();
    primary.set_fragment(Some("primary"));
    json!({
        "type": "Agreement",
        "id": id,
        "attributedTo": owner,
        "stipulates": commitment(terms, Some(&primary)),
    })
}

/// A received agreement: its id (finalised ones only) and its terms.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReceivedAgreement {
    /// The agreement's id, when finalised.
    pub id: Option<Url>,
    /// `attributedTo`, when given.
    pub attributed_to: Option<Url>,
    /// The primary commitment's terms.
    pub terms: Terms,
}

/// Reads an `Agreement` (an `Offer`'s object or an `Accept`'s result). Agreements with a reciprocal commitment
/// (something asked in return) are refused: aid is given, not sold.
pub fn read_agreement(v: &Value) -> Result<ReceivedAgreement, VocabError> {
    let map = v.as_object().ok_or(VocabError::Invalid("Agreement"))?;
    if !has_type(map, "Agreement") {
        return Err(VocabError::Invalid("Agreement"));
    }
    if map.get("stipulatesReciprocal").is_some_and(|r| !r.is_null()) {
        return Err(VocabError::Invalid("stipulatesReciprocal"));
    }
    let c = map
        .get("stipulates")
        .and_then(Value::as_object)
        .ok_or(VocabError::Invalid("stipulates"))?;
    if !has_type(c, "Commitment") {
        return Err(VocabError::Invalid("stipulates"));
    }
    let satisfies = url_of(c.get("satisfies")).ok_or(VocabError::Invalid("satisfies"))?;
    let quantity = c
        .get("resourceQuantity")
        .and_then(Value::as_object)
        .ok_or(VocabError::Invalid("resourceQuantity"))?;
    let unit = quantity
        .get("hasUnit")
        .and_then(Value::as_str)
        .filter(|u| !u.is_empty() && u.chars().count() <= 64)
        .ok_or(VocabError::Invalid("hasUnit"))?
        .to_owned();
    let value = match quantity.get("hasNumericalValue") {
        Some(Value::String(s)) => s.trim().parse::<i64>().ok(),
        Some(Value::Number(n)) => n.as_i64(),
        _ => None,
    }
    .filter(|q| (1..=10_000_000).contains(q))
    .ok_or(VocabError::Invalid("hasNumericalValue"))?;
    let due = match c.get("due") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(
            NaiveDate::parse_from_str(s.get(..10).unwrap_or(s), "%Y-%m-%d")
                .map_err(|_| VocabError::Invalid("due"))?,
        ),
        Some(_) => return Err(VocabError::Invalid("due")),
    };
    Ok(ReceivedAgreement {
        id: url_of(map.get("id")),
        attributed_to: url_of(map.get("attributedTo")),
        terms: Terms { satisfies, unit, quantity: value, due },
    })
}

/// How a commitment moved after it was agreed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Progress {
    /// The provider sent the goods.
    Sent,
    /// The receiver confirmed they arrived.
    Received,
    /// Its due date passed before the goods were sent.
    Expired,
    /// Withdrawn by the party that made it, before the goods were sent.
    Cancelled,
}

impl Progress {
    /// The wire form (`commitmentStatus`).
    pub fn as_str(self) -> &'static str {
        match self {
            Progress::Sent => "sent",
            Progress::Received => "received",
            Progress::Expired => "expired",
            Progress::Cancelled => "cancelled",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        [Progress::Sent, Progress::Received, Progress::Expired, Progress::Cancelled]
            .into_iter()
            .find(|p| p.as_str() == s)
    }

    fn name(self) -> &'static str {
        match self {
            Progress::Sent => "Dispatch",
            Progress::Received => "Receipt",
            Progress::Expired => "Expiry",
            Progress::Cancelled => "Cancellation",
        }
    }
}

/// The `Document` telling the other party how a commitment moved (the object of a `Create`).
pub fn progress_document(
    id: &Url,
    actor: &Url,
    to: &Url,
    agreement: &Url,
    progress: Progress,
    quantity: i64,
    unit: &str,
) -> Value {
    json!({
        "type": "Document",
        "id": id,
        "name": progress.name(),
        "attributedTo": actor,
        "context": agreement,
        "commitmentStatus": progress.as_str(),
        "resourceQuantity": {"hasUnit": unit, "hasNumericalValue": quantity.to_string()},
        "to": [to],
    })
}

/// A received progress document: the agreement it is about and how it moved.
pub fn read_progress(v: &Value) -> Result<(Url, Progress), VocabError> {
    let map: &Map<String, Value> = v.as_object().ok_or(VocabError::Invalid("Document"))?;
    if !has_type(map, "Document") {
        return Err(VocabError::Invalid("Document"));
    }
    let agreement = url_of(map.get("context")).ok_or(VocabError::Invalid("context"))?;
    let progress = map
        .get("commitmentStatus")
        .and_then(Value::as_str)
        .and_then(Progress::parse)
        .ok_or(VocabError::Invalid("commitmentStatus"))?;
    Ok((agreement, progress))
}

/// Whether a `Document` is about a commitment (so the inbox hands it here).
pub fn is_progress(v: &Value) -> bool {
    v.as_object().is_some_and(|m| has_type(m, "Document") && m.contains_key("commitmentStatus"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms() -> Terms {
        Terms {
            satisfies: primary_intent(&Url::parse("https://a.example/objects/7c1e").unwrap()),
            unit: "piece".into(),
            quantity: 20,
            due: NaiveDate::from_ymd_opt(2026, 12, 1),
        }
    }

    #[test]
    fn an_offered_agreement_has_no_ids_and_reads_back_its_terms() {
        let offered = proposed(&terms());
        assert!(offered.get("id").is_none() && offered["stipulates"].get("id").is_none());
        assert_eq!(offered["stipulates"]["satisfies"], "https://a.example/objects/7c1e#primary");
        assert_eq!(offered["stipulates"]["resourceQuantity"]["hasNumericalValue"], "20");
        let read = read_agreement(&offered).unwrap();
        assert_eq!(read, ReceivedAgreement { id: None, attributed_to: None, terms: terms() });
        assert_eq!(proposal_of(&read.terms.satisfies).as_str(), "https://a.example/objects/7c1e");
    }

    #[test]
    fn the_finalised_agreement_is_the_owners_with_a_fragment_id_for_the_commitment() {
        let id = Url::parse("https://a.example/agreements/5d2b").unwrap();
        let owner = Url::parse("https://a.example/orgs/amal").unwrap();
        let done = finalised(&id, &owner, &terms());
        assert_eq!(done["attributedTo"], owner.as_str());
        assert_eq!(done["stipulates"]["id"], "https://a.example/agreements/5d2b#primary");
        let read = read_agreement(&done).unwrap();
        assert_eq!(read.id, Some(id));
        assert_eq!(read.attributed_to, Some(owner));
        assert_eq!(read.terms, terms());
    }

    #[test]
    fn agreements_asking_something_in_return_or_with_bad_quantities_are_refused() {
        let mut with_price = proposed(&terms());
        with_price["stipulatesReciprocal"] = json!({"type": "Commitment"});
        assert_eq!(read_agreement(&with_price), Err(VocabError::Invalid("stipulatesReciprocal")));
        for bad in [json!("0"), json!("-3"), json!("1.5"), json!("lots"), json!(20_000_000)] {
            let mut a = proposed(&terms());
            a["stipulates"]["resourceQuantity"]["hasNumericalValue"] = bad.clone();
            assert_eq!(read_agreement(&a), Err(VocabError::Invalid("hasNumericalValue")), "{bad}");
        }
        let mut a = proposed(&terms());
        a["stipulates"]["due"] = json!("next week");
        assert_eq!(read_agreement(&a), Err(VocabError::Invalid("due")));
        assert!(read_agreement(&json!({"type": "Note"})).is_err());
        // A number as a JSON number is read too (other software may write one).
        let mut a = proposed(&terms());
        a["stipulates"]["resourceQuantity"]["hasNumericalValue"] = json!(20);
        assert_eq!(read_agreement(&a).unwrap().terms.quantity, 20);
    }

    #[test]
    fn progress_documents_name_their_agreement_and_status() {
        let agreement = Url::parse("https://a.example/agreements/5d2b").unwrap();
        let doc = progress_document(
            &Url::parse("https://b.example/objects/91").unwrap(),
            &Url::parse("https://b.example/orgs/basma").unwrap(),
            &Url::parse("https://a.example/orgs/amal").unwrap(),
            &agreement,
            Progress::Sent,
            20,
            "piece",
        );
        assert!(is_progress(&doc));
        assert_eq!(doc["name"], "Dispatch");
        assert_eq!(read_progress(&doc).unwrap(), (agreement, Progress::Sent));
        let mut bad = doc.clone();
        bad["commitmentStatus"] = json!("lost");
        assert!(read_progress(&bad).is_err());
        assert!(!is_progress(&json!({"type": "Document", "name": "Receipt"})));
    }
}
