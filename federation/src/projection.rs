//! The anonymising projection: the one function that turns a need or an offer into what may leave the node. It takes
//! only the fields that may travel (the caller cannot hand it a name, an id number, a phone, an address, notes, a date
//! of birth, a case id or a database id: [`Source`] has no field for them), bands the household size, and generalises
//! the region until at least `k` of the organisation's open shared needs sit in it.

use chrono::{DateTime, NaiveDate, Utc};
use url::Url;

use crate::vocab::{Audience, Listing, Purpose};

/// What the node knows of a need or offer, restricted to what may be shared.
#[derive(Clone, Debug)]
pub struct Source {
    /// The random object id (a UUID), never a database id.
    pub object_uuid: String,
    /// Need or offer.
    pub purpose: Purpose,
    /// Public or followers only.
    pub audience: Audience,
    /// Item name.
    pub item: String,
    /// Public summary (checked by the PII gate before it gets here).
    pub summary: String,
    /// Sector code.
    pub sector: String,
    /// Unit.
    pub unit: String,
    /// Quantity.
    pub quantity: i64,
    /// Quantity met (needs) or 0.
    pub quantity_met: i64,
    /// Committed by other organisations and not yet delivered (needs).
    pub quantity_committed: i64,
    /// Still available (offers); ignored for needs.
    pub available: i64,
    /// The region and its ancestors, finest first, each with how many open shared needs of the organisation sit in
    /// it (descendants included).
    pub regions: Vec<(String, usize)>,
    /// Urgency code.
    pub urgency: Option<String>,
    /// Needed by / available until.
    pub needed_by: Option<NaiveDate>,
    /// Status code.
    pub status: String,
    /// Household size, for a household's need.
    pub household_size: Option<i32>,
    /// First shared.
    pub published: DateTime<Utc>,
    /// Last changed.
    pub updated: DateTime<Utc>,
}

/// The organisation's actor and followers collection, and the node's base URL.
#[derive(Clone, Debug)]
pub struct Publisher {
    /// Actor id.
    pub actor: Url,
    /// Followers collection.
    pub followers: Url,
    /// Base of object ids (`https://host/objects/`).
    pub objects_base: Url,
}

/// The default `k`: a region finer than the organisation's k-th open shared need is generalised.
pub const DEFAULT_K: usize = 5;

/// Turns a need or offer into its shareable listing.
pub fn project(source: &Source, publisher: &Publisher, k: usize) -> Option<Listing> {
    let id = publisher.objects_base.join(&source.object_uuid).ok()?;
    let level = source
        .regions
        .iter()
        .position(|(_, n)| *n >= k)
        .unwrap_or(source.regions.len().saturating_sub(1));
    let mut chain = source.regions.iter().skip(level).map(|(code, _)| code.clone());
    let region_code = chain.next()?;
    let available = match source.purpose {
        Purpose::Request => {
            (source.quantity - source.quantity_met - source.quantity_committed.max(0)).max(0)
        }
        Purpose::Offer => source.available.max(0),
    };
    Some(Listing {
        id,
        actor: publisher.actor.clone(),
        followers: publisher.followers.clone(),
        purpose: source.purpose,
        audience: source.audience,
        item: source.item.clone(),
        summary: source.summary.clone(),
        sector: source.sector.clone(),
        unit: source.unit.clone(),
        quantity: source.quantity,
        available,
        quantity_met: source.quantity_met,
        quantity_committed: source.quantity_committed.max(0),
        region_code,
        region_path: chain.collect(),
        urgency: source.urgency.clone(),
        needed_by: source.needed_by,
        status: source.status.clone(),
        household_band: source.household_size.map(band).map(str::to_owned),
        published: source.published,
        updated: source.updated,
    })
}

/// A household size as a band.
pub fn band(size: i32) -> &'static str {
    match size {
        ..=1 => "1",
        2..=3 => "2-3",
        4..=6 => "4-6",
        _ => "7+",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(regions: &[(&str, usize)]) -> Source {
        let t = Utc::now();
        Source {
            object_uuid: "6f1c1f0e-8d9a-4d7b-9a52-0d3c4c1e2b10".into(),
            purpose: Purpose::Request,
            audience: Audience::Followers,
            item: "blankets".into(),
            summary: "winter blankets".into(),
            sector: "shelter".into(),
            unit: "piece".into(),
            quantity: 50,
            quantity_met: 20,
            quantity_committed: 0,
            available: 0,
            regions: regions.iter().map(|(c, n)| ((*c).to_owned(), *n)).collect(),
            urgency: Some("high".into()),
            needed_by: None,
            status: "partly_met".into(),
            household_size: Some(5),
            published: t,
            updated: t,
        }
    }

    fn publisher() -> Publisher {
        Publisher {
            actor: Url::parse("https://a.example/orgs/amal").unwrap(),
            followers: Url::parse("https://a.example/orgs/amal/followers").unwrap(),
            objects_base: Url::parse("https://a.example/objects/").unwrap(),
        }
    }

    #[test]
    fn a_region_is_generalised_until_k_needs_share_it() {
        for (regions, want, path) in [
            (vec![("PS-GZA-01", 5), ("PS-GZA", 9), ("PS", 20)], "PS-GZA-01", vec!["PS-GZA", "PS"]),
            (vec![("PS-GZA-01", 2), ("PS-GZA", 9), ("PS", 20)], "PS-GZA", vec!["PS"]),
            (vec![("PS-GZA-01", 1), ("PS-GZA", 1), ("PS", 1)], "PS", vec![]),
        ] {
            let l = project(&source(&regions), &publisher(), DEFAULT_K).unwrap();
            assert_eq!(l.region_code, want);
            assert_eq!(l.region_path, path);
        }
    }

    #[test]
    fn the_listing_carries_bands_and_what_is_missing_under_a_random_id() {
        let l = project(&source(&[("PS", 9)]), &publisher(), DEFAULT_K).unwrap();
        assert_eq!(l.household_band.as_deref(), Some("4-6"));
        assert_eq!(l.available, 30);
        assert_eq!(l.id.as_str(), "https://a.example/objects/6f1c1f0e-8d9a-4d7b-9a52-0d3c4c1e2b10");
        assert_eq!([band(1), band(3), band(6), band(7)], ["1", "2-3", "4-6", "7+"]);
    }
}
