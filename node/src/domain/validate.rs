//! Parsing of raw input (forms and JSON alike) into checked values. Numbers and dates accept Arabic-Indic digits.

use chrono::NaiveDate;

use crate::domain::error::FieldErrors;

/// A required single-line text of at most `max` characters, trimmed.
pub fn required_text(errors: &mut FieldErrors, field: &str, raw: &str, max: usize) -> String {
    let value = raw.trim();
    if value.is_empty() {
        errors.add(field, "err-required");
    } else {
        check_len(errors, field, value, max);
    }
    value.to_owned()
}

/// An optional text of at most `max` characters, trimmed; empty becomes `None`.
pub fn optional_text(
    errors: &mut FieldErrors,
    field: &str,
    raw: Option<&str>,
    max: usize,
) -> Option<String> {
    let value = raw.map(str::trim).filter(|v| !v.is_empty())?;
    check_len(errors, field, value, max);
    Some(value.to_owned())
}

fn check_len(errors: &mut FieldErrors, field: &str, value: &str, max: usize) {
    if value.chars().count() > max {
        errors.add(field, "err-too-long");
    } else if value
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        errors.add(field, "err-control-chars");
    }
}

/// An integer in `min..=max`; Arabic-Indic digits and surrounding spaces are accepted.
pub fn integer(errors: &mut FieldErrors, field: &str, raw: &str, min: i64, max: i64) -> i64 {
    // Thousands separators (1,000 · ١٬٠٠٠ · 1 000) are accepted: quantities are whole numbers.
    let folded: String = sanad_search::fold_digits(raw.trim())
        .chars()
        .filter(|c| !matches!(c, ',' | '_' | ' ' | '\u{a0}' | '\u{202f}'))
        .collect();
    if folded.is_empty() {
        errors.add(field, "err-required");
        return 0;
    }
    match folded.parse::<i64>() {
        Ok(n) if (min..=max).contains(&n) => n,
        Ok(_) => {
            errors.add(
                field,
                if folded.starts_with('-') {
                    "err-negative"
                } else {
                    "err-out-of-range"
                },
            );
            0
        }
        Err(_) if folded.starts_with('-') && folded[1..].chars().all(|c| c.is_ascii_digit()) => {
            errors.add(field, "err-negative");
            0
        }
        Err(_) if folded.chars().all(|c| c.is_ascii_digit()) => {
            errors.add(field, "err-out-of-range");
            0
        }
        Err(_) => {
            errors.add(field, "err-not-a-number");
            0
        }
    }
}

/// An optional date as `YYYY-MM-DD` (Arabic-Indic digits accepted).
pub fn optional_date(
    errors: &mut FieldErrors,
    field: &str,
    raw: Option<&str>,
) -> Option<NaiveDate> {
    let folded = sanad_search::fold_digits(raw.map(str::trim).filter(|v| !v.is_empty())?);
    match NaiveDate::parse_from_str(&folded, "%Y-%m-%d") {
        Ok(date) if (2000..=2200).contains(&chrono::Datelike::year(&date)) => Some(date),
        _ => {
            errors.add(field, "err-date");
            None
        }
    }
}

/// One value of a fixed vocabulary.
pub fn choice(errors: &mut FieldErrors, field: &str, raw: &str, allowed: &[&str]) -> String {
    let value = raw.trim();
    if value.is_empty() {
        errors.add(field, "err-required");
    } else if !allowed.contains(&value) {
        errors.add(field, "err-unknown-choice");
    }
    value.to_owned()
}

/// A phone number: digits (any script), spaces, `+`, `-`, `(`, `)`; stored with ASCII digits.
pub fn optional_phone(errors: &mut FieldErrors, field: &str, raw: Option<&str>) -> Option<String> {
    let value = sanad_search::fold_digits(raw.map(str::trim).filter(|v| !v.is_empty())?);
    let digits = value.chars().filter(char::is_ascii_digit).count();
    if value.chars().count() > 32 {
        errors.add(field, "err-too-long");
    } else if !value
        .chars()
        .all(|c| c.is_ascii_digit() || " +-()".contains(c))
        || !(5..=20).contains(&digits)
    {
        errors.add(field, "err-phone");
    }
    Some(value)
}

/// An e-mail address, lower-cased.
pub fn email(errors: &mut FieldErrors, field: &str, raw: &str) -> String {
    let value = raw.trim().to_lowercase();
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
        && value
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
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

    fn check_int(raw: &str, expected: Result<i64, &str>) {
        let mut errors = FieldErrors::default();
        let value = integer(&mut errors, "n", raw, 0, 1000);
        match expected {
            Ok(n) => assert_eq!((value, errors.get("n")), (n, None), "{raw}"),
            Err(code) => assert_eq!(errors.get("n"), Some(code), "{raw}"),
        }
    }

    #[test]
    fn integers_accept_arabic_indic_digits_and_name_each_problem() {
        check_int("12", Ok(12));
        check_int(" ١٢ ", Ok(12));
        check_int("۷", Ok(7));
        check_int("", Err("err-required"));
        check_int("-3", Err("err-negative"));
        check_int("5000", Err("err-out-of-range"));
        check_int("99999999999999999999", Err("err-out-of-range"));
        check_int("twelve", Err("err-not-a-number"));
        check_int("1.5", Err("err-not-a-number"));
        check_int("١٬٠٠٠", Ok(1000));
        check_int("1,000", Ok(1000));
        check_int("1,001", Err("err-out-of-range"));
        check_int("٩٠٠", Ok(900));
    }

    #[test]
    fn dates_phones_emails_and_slugs_are_checked() {
        let mut errors = FieldErrors::default();
        assert_eq!(
            optional_date(&mut errors, "d", Some("٢٠٢٦-١٢-٠١")),
            NaiveDate::from_ymd_opt(2026, 12, 1)
        );
        assert_eq!(optional_date(&mut errors, "bad", Some("2026-13-01")), None);
        assert_eq!(
            optional_phone(&mut errors, "p", Some("+٩٧٠ ٥٩٩ ١٢٣ ٤٥٦")).as_deref(),
            Some("+970 599 123 456")
        );
        optional_phone(&mut errors, "p2", Some("call me"));
        email(&mut errors, "e", "not-an-email");
        slug(&mut errors, "s", "Al Amal!");
        assert_eq!(errors.get("d"), None);
        assert_eq!(errors.get("p"), None);
        assert_eq!(errors.get("bad"), Some("err-date"));
        assert_eq!(errors.get("p2"), Some("err-phone"));
        assert_eq!(errors.get("e"), Some("err-email"));
        assert_eq!(errors.get("s"), Some("err-slug"));
    }

    #[test]
    fn texts_are_trimmed_and_limited() {
        let mut errors = FieldErrors::default();
        assert_eq!(required_text(&mut errors, "a", "  أحمد ", 10), "أحمد");
        required_text(&mut errors, "b", "   ", 10);
        required_text(&mut errors, "c", &"ب".repeat(11), 10);
        required_text(&mut errors, "d", "a\u{0}b", 10);
        assert_eq!(errors.get("a"), None);
        assert_eq!(errors.get("b"), Some("err-required"));
        assert_eq!(errors.get("c"), Some("err-too-long"));
        assert_eq!(errors.get("d"), Some("err-control-chars"));
    }
}
