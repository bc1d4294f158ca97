//! The domain's checks on typed values: lengths, ranges, e-mail addresses, slugs, phones, passwords. Text is
//! normalised here, once, for every field: NFC, invisible format characters removed, characters that reorder text
//! (bidirectional embeddings, overrides and isolates) refused. Reading text into numbers, dates and vocabulary
//! values happens at the edge (`crate::http::input`).

use unicode_normalization::UnicodeNormalization;

use crate::domain::error::FieldErrors;

/// A required single-line text of at most `max` characters, trimmed and normalised.
pub fn required_text(errors: &mut FieldErrors, field: &str, raw: &str, max: usize) -> String {
    let value = clean(raw);
    if value.is_empty() {
        errors.add(field, "err-required");
    } else {
        check_len(errors, field, raw, &value, max);
    }
    value
}

/// An optional text of at most `max` characters, trimmed and normalised; empty becomes `None`.
pub fn optional_text(
    errors: &mut FieldErrors,
    field: &str,
    raw: Option<&str>,
    max: usize,
) -> Option<String> {
    let raw = raw?;
    let value = clean(raw);
    if value.is_empty() {
        return None;
    }
    check_len(errors, field, raw, &value, max);
    Some(value)
}

/// Text as stored: NFC, trimmed, without invisible format characters (zero-width space, BOM, soft hyphen, direction
/// marks). Zero-width joiners stay: Arabic and Persian spelling uses them.
pub fn clean(raw: &str) -> String {
    let composed: String = raw.nfc().filter(|c| !is_invisible(*c)).collect();
    composed.trim().to_owned()
}

fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{200B}' | '\u{2060}' | '\u{FEFF}' | '\u{00AD}' | '\u{061C}' | '\u{200E}' | '\u{200F}'
    )
}

/// Characters that reorder the text around them (embeddings, overrides, isolates): refused, they can make a name
/// read differently from what it is.
fn reorders(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

fn check_len(errors: &mut FieldErrors, field: &str, raw: &str, value: &str, max: usize) {
    if value.chars().count() > max {
        errors.add(field, "err-too-long");
    } else if raw.chars().any(reorders)
        || value.chars().any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        errors.add(field, "err-control-chars");
    }
}

/// A whole number in `min..=max`; `None` means the edge could not read one (and said so).
pub fn range(errors: &mut FieldErrors, field: &str, value: Option<i64>, min: i64, max: i64) -> i64 {
    match value {
        Some(n) if (min..=max).contains(&n) => n,
        Some(n) => {
            errors.add(field, if n < 0 && min >= 0 { "err-negative" } else { "err-out-of-range" });
            0
        }
        None => {
            errors.add(field, "err-required");
            0
        }
    }
}

/// A required value that the edge read (or reported as missing or unknown).
pub fn required<T>(errors: &mut FieldErrors, field: &str, value: Option<T>) -> Option<T> {
    if value.is_none() {
        errors.add(field, "err-required");
    }
    value
}

/// A phone number: digits, spaces, `+`, `-`, `(`, `)`; stored with ASCII digits.
pub fn optional_phone(errors: &mut FieldErrors, field: &str, raw: Option<&str>) -> Option<String> {
    let value = sanad_search::fold_digits(&clean(raw?));
    if value.is_empty() {
        return None;
    }
    let digits = value.chars().filter(char::is_ascii_digit).count();
    if value.chars().count() > 32 {
        errors.add(field, "err-too-long");
    } else if !value.chars().all(|c| c.is_ascii_digit() || " +-()".contains(c))
        || !(5..=20).contains(&digits)
    {
        errors.add(field, "err-phone");
    }
    Some(value)
}

/// An e-mail address, lower-cased.
pub fn email(errors: &mut FieldErrors, field: &str, raw: &str) -> String {
    let value = clean(raw).to_lowercase();
    let valid = value.len() <= 254
        && value.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
        })
        && !value.chars().any(|c| c.is_whitespace() || c.is_control());
    if value.is_empty() {
        errors.add(field, "err-required");
    } else if !valid {
        errors.add(field, "err-email");
    }
    value
}

/// An organisation's slug: 2–64 of `a-z`, `0-9`, `-`, starting with a letter.
pub fn slug(errors: &mut FieldErrors, field: &str, raw: &str) -> String {
    let value = raw.trim().to_lowercase();
    let valid = (2..=64).contains(&value.len())
        && value.starts_with(|c: char| c.is_ascii_lowercase())
        && value.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if value.is_empty() {
        errors.add(field, "err-required");
    } else if !valid {
        errors.add(field, "err-slug");
    }
    value
}

/// A new password: 10 to 200 characters.
pub fn new_password(errors: &mut FieldErrors, field: &str, raw: &str) {
    let n = raw.chars().count();
    if n < 10 {
        errors.add(field, "err-password-short");
    } else if n > 200 {
        errors.add(field, "err-too-long");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_name_each_problem() {
        let mut errors = FieldErrors::default();
        assert_eq!(range(&mut errors, "a", Some(12), 0, 1000), 12);
        range(&mut errors, "b", Some(-3), 0, 1000);
        range(&mut errors, "c", Some(5000), 0, 1000);
        range(&mut errors, "d", Some(-5000), -1000, 1000);
        range(&mut errors, "e", None, 0, 1000);
        assert_eq!(errors.get("a"), None);
        assert_eq!(errors.get("b"), Some("err-negative"));
        assert_eq!(errors.get("c"), Some("err-out-of-range"));
        assert_eq!(
            errors.get("d"),
            Some("err-out-of-range"),
            "a negative adjustment past the limit is out of range, not 'negative'"
        );
        assert_eq!(errors.get("e"), Some("err-required"));
    }

    #[test]
    fn phones_emails_and_slugs_are_checked() {
        let mut errors = FieldErrors::default();
        assert_eq!(
            optional_phone(&mut errors, "p", Some("+٩٧٠ ٥٩٩ ١٢٣ ٤٥٦")).as_deref(),
            Some("+970 599 123 456")
        );
        optional_phone(&mut errors, "p2", Some("call me"));
        email(&mut errors, "e", "not-an-email");
        slug(&mut errors, "s", "Al Amal!");
        assert_eq!(errors.get("p"), None);
        assert_eq!(errors.get("p2"), Some("err-phone"));
        assert_eq!(errors.get("e"), Some("err-email"));
        assert_eq!(errors.get("s"), Some("err-slug"));
    }

    #[test]
    fn texts_are_trimmed_normalised_and_limited() {
        let mut errors = FieldErrors::default();
        assert_eq!(required_text(&mut errors, "a", "  أحمد ", 10), "أحمد");
        required_text(&mut errors, "b", "   ", 10);
        required_text(&mut errors, "c", &"ب".repeat(11), 10);
        required_text(&mut errors, "d", "a\u{0}b", 10);
        assert_eq!(
            required_text(&mut errors, "e", "Jose\u{301}\u{200B}", 10),
            "José",
            "composed, invisible characters dropped"
        );
        required_text(&mut errors, "f", "\u{202E}evil", 10);
        required_text(&mut errors, "g", "a\u{2066}b\u{2069}", 10);
        assert_eq!(required_text(&mut errors, "h", "\u{FEFF}\u{00AD}", 10), "");
        assert_eq!(errors.get("a"), None);
        assert_eq!(errors.get("b"), Some("err-required"));
        assert_eq!(errors.get("c"), Some("err-too-long"));
        assert_eq!(errors.get("d"), Some("err-control-chars"));
        assert_eq!(errors.get("e"), None);
        assert_eq!(errors.get("f"), Some("err-control-chars"));
        assert_eq!(errors.get("g"), Some("err-control-chars"));
        assert_eq!(errors.get("h"), Some("err-required"));
    }
}
