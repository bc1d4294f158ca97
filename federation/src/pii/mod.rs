//! The PII gate: personal data must never leave the node, so a need's public summary (and, as a last check, the
//! whole outgoing payload) is scanned before it is shared, and sharing is blocked with a message naming what was
//! found.
//!
//! What counts as a finding:
//!
//! - **Digits** are folded first: Arabic-Indic (U+0660–0669), Eastern Arabic-Indic/Persian (U+06F0–06F9) and
//!   fullwidth digits become ASCII. A *run* is digit groups joined by at most three spaces, dashes (any Unicode
//!   dash), dots, slashes or parentheses, with an optional leading '+'; invisible characters are ignored.
//!   Dates (YYYY-MM-DD, DD/MM/YYYY, DD-MM-YYYY, DD.MM.YYYY, MM/YYYY, year ranges) are cut out of a run and skipped.
//! - A run (≥ 6 digits) that equals, contains or (with ≥ 7 digits) ends a registered household's phone or id is a
//!   phone or id finding. A household phone is compared by its last 7–9 digits without trunk zeros, so
//!   "+970 599 123 456", "00970599123456" and "0599-123-456" all match "0599123456".
//! - Otherwise a run of 7–15 digits is a **phone** when it starts with '+' or "00" (international), with '0'
//!   (local), follows a phone word ("phone", "جوال", "للتواصل"…), or has 9–12 digits written in groups of ≤ 4.
//!   It is an **id** when it has 6+ digits after an identity word ("id", "هوية", "national"…) or right after
//!   "رقم"/"number", or 8+ digits in any case. Without such a word, ranges ("100-200") and round amounts written
//!   with thousands separators ("12.500.000", at least half trailing zeros) are quantities; ordinary numbers
//!   ("50 blankets", "2025", "1,200 kg", "3-12") are never long enough to be flagged.
//! - **E-mail**: `local@domain.tld`, also with spaces on both sides of "@", with "[at]"/"(at)"/"[dot]", or as
//!   "name at example dot com".
//! - **Names**: text and household names are normalised (NFKC, lower case, invisible characters and soft hyphens
//!   removed, Arabic diacritics, tatweel and Latin accents removed, أ إ آ ٱ → ا, ى → ي, ة → ه, ؤ → و, ئ → ي, punctuation → space).
//!   A name's parts shorter than two letters are dropped; "بن", "بنت", "ابو", "ام", "ال", "bin", "al", "el",
//!   "abu" and the like are joiners, and the article "ال" is ignored at the front of a part ("الحداد" = "حداد";
//!   a text word may also carry a proclitic: "والحداد", "لمريم"). A household is found when two of its distinct
//!   parts occur as whole words anywhere in the text, in any order; a one-part name of ≥ 4 letters when that
//!   word occurs; a name with one part and joiners ("أبو محمد") when it occurs as written, word after word.
//!
//! In a JSON payload ([`Gate::scan_json`]) every string value is scanned like a summary, except machine strings
//! (URLs, UUIDs, timestamps, keys and signatures), which, like numbers, are checked for registered phones and ids.
//!
//! Household names are indexed once by [`Gate::new`] (part → households), so a scan looks up the text's words
//! instead of searching the text for every household. Finding strings are at most 40 characters.

mod digits;
mod email;
mod names;
mod normalize;
#[cfg(test)]
mod tests;

use std::collections::HashMap;

use digits::DigitKind;

/// The identifying values of one household registered by the organisation.
#[derive(Clone, Debug, Default)]
pub struct Household {
    /// The household's name as registered (usually the head of household's full name).
    pub name: String,
    /// The household's phone number, in any format.
    pub phone: Option<String>,
    /// The household's national id number, in any format.
    pub national_id: Option<String>,
}

/// One thing found in a text that would identify someone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Finding {
    /// A phone number, as written in the text.
    Phone(String),
    /// An e-mail address, as written in the text.
    Email(String),
    /// An identity (or other personal) number, as written in the text.
    IdNumber(String),
    /// The registered name of a household found in the text.
    Name(String),
}

impl Finding {
    /// The kind of finding: "phone", "email", "id" or "name".
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Phone(_) => "phone",
            Self::Email(_) => "email",
            Self::IdNumber(_) => "id",
            Self::Name(_) => "name",
        }
    }

    /// The text of the finding.
    pub fn text(&self) -> &str {
        match self {
            Self::Phone(s) | Self::Email(s) | Self::IdNumber(s) | Self::Name(s) => s,
        }
    }
}

/// The longest finding string, in characters.
const MAX_FINDING_CHARS: usize = 40;

/// `s` cut to [`MAX_FINDING_CHARS`] characters (the last one an ellipsis when cut).
fn clip(s: &str) -> String {
    if s.chars().count() <= MAX_FINDING_CHARS {
        return s.to_string();
    }
    let mut out: String = s.chars().take(MAX_FINDING_CHARS - 1).collect();
    out.push('…');
    out
}

/// The comparable tail of a phone number: its last 9 digits without leading zeros, if at least 7 remain.
fn phone_tail(digits: &str) -> Option<String> {
    let tail = digits.get(digits.len().saturating_sub(9)..)?.trim_start_matches('0');
    (tail.len() >= 7).then(|| tail.to_string())
}

/// The last `n` bytes of an ASCII string.
fn last(s: &str, n: usize) -> &str {
    s.get(s.len().saturating_sub(n)..).unwrap_or(s)
}

/// The PII gate for one organisation: its households' names, phones and ids, indexed once for fast scans.
#[derive(Clone, Default)]
pub struct Gate {
    /// Each household's registered name, cut for messages.
    names: Vec<String>,
    /// The name index.
    name_index: names::NameIndex,
    /// Last 7 digits → phone tails ending with them.
    phones: HashMap<String, Vec<String>>,
    /// Last 6 digits → id numbers ending with them.
    ids: HashMap<String, Vec<String>>,
}

impl std::fmt::Debug for Gate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the personal data itself.
        f.debug_struct("Gate").field("households", &self.names.len()).finish_non_exhaustive()
    }
}

/// Which checks apply to a string.
#[derive(Clone, Copy)]
struct Checks {
    /// Names, e-mail addresses, and phone/id shapes; otherwise only registered phones and ids.
    full: bool,
    /// E-mail addresses, even when not `full`.
    email: bool,
}

impl Gate {
    /// Indexes the organisation's households.
    pub fn new(households: &[Household]) -> Self {
        let mut gate = Self::default();
        for (i, h) in households.iter().enumerate() {
            let Ok(id) = u32::try_from(i) else { break };
            gate.names.push(clip(h.name.trim()));
            gate.name_index.add(id, &h.name);
            // A phone field may hold several numbers.
            for phone in h.phone.iter().flat_map(|p| p.split([',', ';', '|', '\n', '،', '؛'])) {
                if let Some(tail) = phone_tail(&digits::ascii_digits(phone)) {
                    let list = gate.phones.entry(last(&tail, 7).to_string()).or_default();
                    if !list.contains(&tail) {
                        list.push(tail);
                    }
                }
            }
            let number = h.national_id.as_deref().map(digits::ascii_digits).unwrap_or_default();
            if number.len() >= 6 {
                let list = gate.ids.entry(last(&number, 6).to_string()).or_default();
                if !list.contains(&number) {
                    list.push(number);
                }
            }
        }
        gate
    }

    /// The number of households indexed.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// Whether no household is indexed.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// Scans `text`; returns every finding, in order of appearance (empty = may be shared).
    pub fn scan(&self, text: &str) -> Vec<Finding> {
        let mut found = Vec::new();
        self.scan_into(text, Checks { full: true, email: true }, 0, &mut found);
        finish(found)
    }

    /// Scans every string value of a JSON payload (keys excluded) like [`Gate::scan`], and every value (string or
    /// number) for the households' phones and ids. Machine strings (URLs, UUIDs, timestamps, keys and other long
    /// tokens without spaces) are checked for the households' phones and ids only.
    pub fn scan_json(&self, payload: &serde_json::Value) -> Vec<Finding> {
        use serde_json::Value;
        let mut found = Vec::new();
        let mut offset = 0;
        let mut stack = vec![payload];
        while let Some(value) = stack.pop() {
            match value {
                Value::String(s) => {
                    let machine = is_machine_string(s);
                    let email = !machine || starts_with_ignore_case(s, "mailto:");
                    self.scan_into(s, Checks { full: !machine, email }, offset, &mut found);
                    offset += s.len() + 1;
                }
                Value::Number(n) => {
                    let digits = n.to_string();
                    if digits.len() >= 6
                        && digits.bytes().all(|b| b.is_ascii_digit())
                        && let Some(kind) = self.household_digits(&digits)
                    {
                        found.push((offset, digit_finding(kind, &digits)));
                    }
                    offset += 1;
                }
                Value::Array(items) => stack.extend(items.iter().rev()),
                Value::Object(map) => stack.extend(map.values().rev()),
                Value::Null | Value::Bool(_) => {}
            }
        }
        finish(found)
    }

    /// Scans one string, pushing findings with their byte position (plus `offset`).
    fn scan_into(
        &self,
        text: &str,
        checks: Checks,
        offset: usize,
        found: &mut Vec<(usize, Finding)>,
    ) {
        let words = if checks.full { normalize::words(text) } else { Vec::new() };
        let emails = if checks.email { email::scan(text) } else { Vec::new() };
        for &(s, e) in &emails {
            found.push((offset + s, Finding::Email(clip(&text[s..e]))));
        }
        let household = |d: &str| self.household_digits(d);
        for f in digits::scan(text, &words, &emails, checks.full, &household) {
            found.push((offset + f.start, digit_finding(f.kind, &text[f.start..f.end])));
        }
        if checks.full {
            for (w, h) in self.name_index.find(&words) {
                let (Some(word), Some(name)) = (words.get(w), self.names.get(h as usize)) else {
                    continue;
                };
                found.push((offset + word.start, Finding::Name(name.clone())));
            }
        }
    }

    /// Whether ASCII `digits` (a run of ≥ 6) equal, contain or end a household's phone or id.
    fn household_digits(&self, digits: &str) -> Option<DigitKind> {
        let windows = |n: usize| {
            (0..=digits.len().saturating_sub(n)).filter_map(move |i| digits.get(i..i + n))
        };
        for key in windows(7) {
            for tail in self.phones.get(key).map_or(&[][..], Vec::as_slice) {
                if digits.contains(tail.as_str()) || tail.ends_with(digits) {
                    return Some(DigitKind::Phone);
                }
            }
        }
        for key in windows(6) {
            for id in self.ids.get(key).map_or(&[][..], Vec::as_slice) {
                if digits.contains(id.as_str()) || (digits.len() >= 7 && id.ends_with(digits)) {
                    return Some(DigitKind::Id);
                }
            }
        }
        None
    }
}

/// The finding for a number of `kind` written as `text`.
fn digit_finding(kind: DigitKind, text: &str) -> Finding {
    match kind {
        DigitKind::Phone => Finding::Phone(clip(text)),
        DigitKind::Id => Finding::IdNumber(clip(text)),
    }
}

/// Orders findings by position and drops repeats.
fn finish(mut found: Vec<(usize, Finding)>) -> Vec<Finding> {
    found.sort_by_key(|(pos, _)| *pos);
    let mut out: Vec<Finding> = Vec::with_capacity(found.len());
    for (_, f) in found {
        if !out.contains(&f) {
            out.push(f);
        }
    }
    out
}

/// Whether `s` starts with the ASCII `prefix`, in any case.
fn starts_with_ignore_case(s: &str, prefix: &str) -> bool {
    s.get(..prefix.len()).is_some_and(|p| p.eq_ignore_ascii_case(prefix))
}

/// Whether `s` is a machine string rather than text: a URI, a UUID, a timestamp, or a long token (key, hash,
/// signature) of letters and digits without spaces.
fn is_machine_string(s: &str) -> bool {
    if s.is_empty() || s.chars().any(char::is_whitespace) {
        return false;
    }
    const SCHEMES: &[&str] =
        &["http://", "https://", "urn:", "did:", "acct:", "mailto:", "ipfs://", "data:"];
    if SCHEMES.iter().any(|p| starts_with_ignore_case(s, p)) {
        return true;
    }
    let b = s.as_bytes();
    let is_uuid = b.len() == 36
        && b.iter().enumerate().all(|(i, c)| {
            if matches!(i, 8 | 13 | 18 | 23) { *c == b'-' } else { c.is_ascii_hexdigit() }
        });
    let is_timestamp = b.len() >= 19
        && b.iter()
            .take(10)
            .enumerate()
            .all(|(i, c)| if matches!(i, 4 | 7) { *c == b'-' } else { c.is_ascii_digit() })
        && matches!(b[10], b'T' | b't');
    let is_token = b.len() >= 20
        && b.iter().all(|c| c.is_ascii_alphanumeric() || b"+/=_-.:".contains(c))
        && b.iter().any(u8::is_ascii_alphabetic)
        && b.iter().any(u8::is_ascii_digit);
    is_uuid || is_timestamp || is_token
}

/// Scans `text`; returns every finding (empty = may be shared). Builds a [`Gate`]; reuse one for many texts.
pub fn scan(text: &str, households: &[Household]) -> Vec<Finding> {
    Gate::new(households).scan(text)
}

/// Scans a whole outgoing JSON payload, as [`Gate::scan_json`]: the last gate before queueing.
pub fn scan_json(payload: &serde_json::Value, households: &[Household]) -> Vec<Finding> {
    Gate::new(households).scan_json(payload)
}
