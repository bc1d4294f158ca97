//! Reading what people and clients send into typed values, at the edge: numbers and dates written with Arabic-Indic
//! or ASCII digits (and thousands separators), checkboxes, ids, and vocabulary values. Each reader records what it
//! could not read in a `FieldErrors`, so the domain operation can add its own checks and report everything at once.

use chrono::NaiveDate;

use crate::{domain::error::FieldErrors, vocab::Vocabulary};

/// A whole number; Arabic-Indic digits, surrounding spaces and thousands separators (1,000 · ١٬٠٠٠ · 1 000) are
/// accepted. `None` (with an error) when empty or not a number.
pub fn integer(errors: &mut FieldErrors, field: &str, raw: &str) -> Option<i64> {
    let folded: String = sanad_search::fold_digits(raw.trim())
        .chars()
        .filter(|c| !matches!(c, ',' | '_' | ' ' | '\u{a0}' | '\u{202f}'))
        .collect();
    if folded.is_empty() {
        errors.add(field, "err-required");
        return None;
    }
    match folded.parse::<i64>() {
        Ok(n) => Some(n),
        Err(_) => {
            let digits = folded.strip_prefix('-').unwrap_or(&folded);
            let too_big = !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit());
            errors.add(field, if too_big { "err-out-of-range" } else { "err-not-a-number" });
            None
        }
    }
}

/// A whole number that may be left empty.
pub fn optional_integer(errors: &mut FieldErrors, field: &str, raw: &str) -> Option<i64> {
    if raw.trim().is_empty() { None } else { integer(errors, field, raw) }
}

/// The id of a record named in a field, or `None` when empty; `bad` is the error when it is not an id.
pub fn optional_id(
    errors: &mut FieldErrors,
    field: &str,
    raw: &str,
    bad: &'static str,
) -> Option<i64> {
    let folded = sanad_search::fold_digits(raw.trim());
    if folded.is_empty() {
        return None;
    }
    match folded.parse::<i64>() {
        Ok(id) if id > 0 => Some(id),
        _ => {
            errors.add(field, bad);
            None
        }
    }
}

/// The id of a record a form names from a list (an item, a warehouse), or `None` when none was chosen.
pub fn reference(errors: &mut FieldErrors, field: &str, raw: &str) -> Option<i64> {
    optional_id(errors, field, raw, "err-unknown-choice")
}

/// A date as `YYYY-MM-DD` (Arabic-Indic digits accepted), or `None` when empty.
pub fn optional_date(errors: &mut FieldErrors, field: &str, raw: &str) -> Option<NaiveDate> {
    let folded = sanad_search::fold_digits(raw.trim());
    if folded.is_empty() {
        return None;
    }
    match NaiveDate::parse_from_str(&folded, "%Y-%m-%d") {
        Ok(date) if (2000..=2200).contains(&chrono::Datelike::year(&date)) => Some(date),
        _ => {
            errors.add(field, "err-date");
            None
        }
    }
}

/// A month as `YYYY-MM` (Arabic-Indic digits accepted): its first day.
pub fn month(raw: &str) -> Result<NaiveDate, crate::domain::error::AppError> {
    let folded = sanad_search::fold_digits(raw.trim());
    NaiveDate::parse_from_str(&format!("{folded}-01"), "%Y-%m-%d")
        .ok()
        .filter(|d| (2000..=2200).contains(&chrono::Datelike::year(d)))
        .ok_or(crate::domain::error::AppError::BadRequest("err-month"))
}

/// A checkbox: ticked when sent as `on`, `true`, `1` or `yes`.
pub fn checkbox(raw: Option<&str>) -> bool {
    matches!(raw.map(str::trim), Some("on" | "true" | "1" | "yes"))
}

/// One value of a vocabulary; `None` (with an error) when empty or unknown. The unknown value itself is never kept.
pub fn choice<V: Vocabulary>(errors: &mut FieldErrors, field: &str, raw: &str) -> Option<V> {
    if raw.trim().is_empty() {
        errors.add(field, "err-required");
        return None;
    }
    let value = V::parse(raw);
    if value.is_none() {
        errors.add(field, "err-unknown-choice");
    }
    value
}

/// A vocabulary value that may be left empty (then `None`).
pub fn optional_choice<V: Vocabulary>(
    errors: &mut FieldErrors,
    field: &str,
    raw: &str,
) -> Option<V> {
    if raw.trim().is_empty() { None } else { choice(errors, field, raw) }
}

/// A vocabulary value that may be left empty (then `default`).
pub fn choice_or<V: Vocabulary>(errors: &mut FieldErrors, field: &str, raw: &str, default: V) -> V {
    if raw.trim().is_empty() { default } else { choice(errors, field, raw).unwrap_or(default) }
}

/// Several values of a vocabulary, without repeats; unknown ones are an error.
pub fn choices<V: Vocabulary>(errors: &mut FieldErrors, field: &str, raw: &[String]) -> Vec<V> {
    let mut out = Vec::new();
    for value in raw.iter().filter(|v| !v.trim().is_empty()) {
        match V::parse(value) {
            Some(v) if !out.contains(&v) => out.push(v),
            Some(_) => {}
            None => errors.add(field, "err-unknown-choice"),
        }
    }
    out
}

/// Which of the optional parts of a hand-recorded movement its kind reads: the expiry (stock received), the source
/// (a receipt) and the reason (a loss). Forms send every field whichever kind is chosen; the others are not read.
pub fn movement_parts(kind: &str) -> (bool, bool, bool) {
    let kind = crate::vocab::MovementKind::parse(kind);
    let is = |k| kind == Some(k);
    use crate::vocab::MovementKind::{Loss, Receipt, TransferIn};
    (is(Receipt) || is(TransferIn), is(Receipt), is(Loss))
}

/// A filter's vocabulary value: empty or unknown means "any" (a list is never refused for a stale link).
pub fn filter<V: Vocabulary>(raw: &str) -> Option<V> {
    V::parse(raw)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vocab::Sector;

    fn check_int(raw: &str, expected: Result<i64, &str>) {
        let mut errors = FieldErrors::default();
        let value = integer(&mut errors, "n", raw);
        match expected {
            Ok(n) => assert_eq!((value, errors.get("n")), (Some(n), None), "{raw}"),
            Err(code) => assert_eq!(errors.get("n"), Some(code), "{raw}"),
        }
    }

    #[test]
    fn integers_accept_arabic_indic_digits_and_name_each_problem() {
        check_int("12", Ok(12));
        check_int(" ١٢ ", Ok(12));
        check_int("۷", Ok(7));
        check_int("", Err("err-required"));
        check_int("-3", Ok(-3));
        check_int("99999999999999999999", Err("err-out-of-range"));
        check_int("-99999999999999999999", Err("err-out-of-range"));
        check_int("twelve", Err("err-not-a-number"));
        check_int("1.5", Err("err-not-a-number"));
        check_int("١٬٠٠٠", Ok(1000));
        check_int("1,000", Ok(1000));
        check_int("٩٠٠", Ok(900));
    }

    #[test]
    fn months_are_parsed_with_either_digits_and_bad_ones_refused() {
        let d = |y, m| NaiveDate::from_ymd_opt(y, m, 1).unwrap();
        assert_eq!(month("2026-02").unwrap(), d(2026, 2));
        assert_eq!(month("٢٠٢٦-١٢").unwrap(), d(2026, 12));
        for bad in ["2026-13", "2026", "", "abc", "1900-01"] {
            assert!(month(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn dates_ids_checkboxes_and_choices_are_read() {
        let mut errors = FieldErrors::default();
        assert_eq!(
            optional_date(&mut errors, "d", "٢٠٢٦-١٢-٠١"),
            NaiveDate::from_ymd_opt(2026, 12, 1)
        );
        assert_eq!(optional_date(&mut errors, "bad", "2026-13-01"), None);
        assert_eq!(optional_id(&mut errors, "id", "٤٢", "err-unknown-case"), Some(42));
        assert_eq!(optional_id(&mut errors, "id2", "-1", "err-unknown-case"), None);
        assert!(checkbox(Some("on")) && !checkbox(None) && !checkbox(Some("off")));
        assert_eq!(choice::<Sector>(&mut errors, "s", " food "), Some(Sector::Food));
        assert_eq!(choice::<Sector>(&mut errors, "s2", &"x".repeat(200_000)), None);
        assert_eq!(
            choices::<Sector>(&mut errors, "s3", &["food".into(), "food".into(), "".into()]),
            vec![Sector::Food]
        );
        assert_eq!(errors.get("d"), None);
        assert_eq!(errors.get("bad"), Some("err-date"));
        assert_eq!(errors.get("id2"), Some("err-unknown-case"));
        assert_eq!(errors.get("s2"), Some("err-unknown-choice"));
        assert_eq!(errors.get("s3"), None);
    }
}
