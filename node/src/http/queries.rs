//! The query strings of the case and need lists, shared by the pages and the API, and how each is read into the
//! domain's filter. Unknown vocabulary values do not filter (a stale link still lists); pages are clamped.

use serde::Deserialize;

use crate::{
    domain::{
        cases::{self, CaseFilter},
        needs::{NeedFilter, StatusFilter},
    },
    http::input,
    vocab::Vocabulary,
};

/// The highest page number a list goes to.
pub const MAX_PAGE: u64 = 100_000;

/// A page number as asked for, clamped to `1..=MAX_PAGE`.
pub fn page(raw: Option<u64>) -> u64 {
    raw.unwrap_or(1).clamp(1, MAX_PAGE)
}

fn region(raw: &str) -> Option<String> {
    let code = raw.trim();
    (!code.is_empty() && code.chars().count() <= 32).then(|| code.to_owned())
}

/// Filters of the case list; empty fields do not filter.
#[derive(Clone, Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub struct CaseQuery {
    /// `open` or `closed`.
    pub status: String,
    /// A region code: cases in it or in any region below it.
    pub region: String,
    /// Words matched against name, id number, phone and address (Arabic-aware).
    pub q: String,
    /// Page number, from 1.
    pub page: Option<u64>,
    /// Cases per page (default 50, at most 500).
    pub per_page: Option<u64>,
}

/// Filters of the need list; empty fields do not filter.
#[derive(Clone, Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(default)]
pub struct NeedQuery {
    /// open, partly-met, met or cancelled; `active` means open or partly met.
    pub status: String,
    /// A sector.
    pub sector: String,
    /// An urgency.
    pub urgency: String,
    /// A region code: needs in it or below it.
    pub region: String,
    /// Only the needs of this case.
    pub case_id: Option<i64>,
    /// Page number, from 1.
    pub page: Option<u64>,
}

impl CaseQuery {
    /// The query as a page shows it back (in its form and its links): only known values, the search words and the
    /// page clamped, so that a link with a huge parameter cannot make a huge page.
    pub fn normalized(&self) -> Self {
        let f = self.filter();
        CaseQuery {
            status: f.status.map(|s| s.as_str().to_owned()).unwrap_or_default(),
            region: f.region.unwrap_or_default(),
            q: f.q,
            page: Some(f.page),
            per_page: self.per_page.map(|_| f.per_page),
        }
    }

    /// The domain's filter.
    pub fn filter(&self) -> CaseFilter {
        CaseFilter {
            status: input::filter(&self.status),
            region: region(&self.region),
            q: self.q.chars().take(200).collect(),
            page: page(self.page),
            per_page: self.per_page.unwrap_or(cases::PAGE_SIZE).clamp(1, 500),
        }
    }
}

impl NeedQuery {
    /// The query as a page shows it back: only known values, the page clamped (see [`CaseQuery::normalized`]).
    pub fn normalized(&self) -> Self {
        let f = self.filter();
        NeedQuery {
            status: match f.status {
                Some(StatusFilter::Active) => "active".to_owned(),
                Some(StatusFilter::Is(s)) => s.as_str().to_owned(),
                None => String::new(),
            },
            sector: f.sector.map(|s| s.as_str().to_owned()).unwrap_or_default(),
            urgency: f.urgency.map(|u| u.as_str().to_owned()).unwrap_or_default(),
            region: f.region.unwrap_or_default(),
            case_id: f.case_id,
            page: Some(f.page),
        }
    }

    /// The domain's filter.
    pub fn filter(&self) -> NeedFilter {
        let status = match self.status.trim() {
            "active" => Some(StatusFilter::Active),
            other => Vocabulary::parse(other).map(StatusFilter::Is),
        };
        NeedFilter {
            status,
            sector: input::filter(&self.sector),
            urgency: input::filter(&self.urgency),
            region: region(&self.region),
            case_id: self.case_id,
            page: page(self.page),
        }
    }
}
