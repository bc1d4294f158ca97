//! Digit runs: phone numbers and identity numbers, told apart from dates, ranges and amounts.

use std::ops::Range;

use super::normalize::{Word, candidates, is_invisible};

/// What a digit run was found to be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum DigitKind {
    /// A phone number.
    Phone,
    /// An identity (or other personal) number.
    Id,
}

/// The value of a decimal digit: ASCII, Arabic-Indic, Eastern Arabic-Indic (Persian) or fullwidth.
pub(super) fn fold_digit(c: char) -> Option<u8> {
    let base = match c {
        '0'..='9' => '0',
        '\u{0660}'..='\u{0669}' => '\u{0660}',
        '\u{06F0}'..='\u{06F9}' => '\u{06F0}',
        '\u{FF10}'..='\u{FF19}' => '\u{FF10}',
        _ => return None,
    };
    u8::try_from(u32::from(c) - u32::from(base)).ok()
}

/// The ASCII digits of `s`, ignoring everything else.
pub(super) fn ascii_digits(s: &str) -> String {
    s.chars().filter_map(fold_digit).map(|d| char::from(b'0' + d)).collect()
}

/// A separator allowed inside a digit run, in its plain form: space, dash, dot, slash or parenthesis.
fn run_separator(c: char) -> Option<char> {
    Some(match c {
        ' ' | '\u{00A0}' | '\u{2007}' | '\u{2009}' | '\u{200A}' | '\u{202F}' | '\u{3000}' => ' ',
        '-'
        | '\u{058A}'
        | '\u{05BE}'
        | '\u{1400}'
        | '\u{1806}'
        | '\u{2010}'..='\u{2015}'
        | '\u{2043}'
        | '\u{2212}'
        | '\u{2E17}'
        | '\u{2E1A}'
        | '\u{2E3A}'
        | '\u{2E3B}'
        | '\u{2E40}'
        | '\u{2E5D}'
        | '\u{301C}'
        | '\u{3030}'
        | '\u{30A0}'
        | '\u{FE31}'
        | '\u{FE32}'
        | '\u{FE58}'
        | '\u{FE63}'
        | '\u{FF0D}' => '-',
        '.' | '\u{FF0E}' => '.',
        '/' | '\u{2044}' | '\u{2215}' | '\u{FF0F}' => '/',
        '(' | '\u{FF08}' => '(',
        ')' | '\u{FF09}' => ')',
        _ => return None,
    })
}

/// Whether `c` is a plus sign.
fn is_plus(c: char) -> bool {
    c == '+' || c == '\u{FF0B}'
}

/// The most separator characters allowed between two digit groups of one run.
const MAX_SEPARATORS: usize = 3;

/// Consecutive digits of a run.
struct Group {
    /// ASCII digits.
    digits: String,
    /// Index (in chars) of the first digit.
    start: usize,
    /// Index (in chars) just after the last digit.
    end: usize,
    /// The separators before this group, in plain form.
    sep: String,
}

impl Group {
    /// The separator before the group without spaces ("-" for " - "), or " " if it was only spaces.
    fn sep_kind(&self) -> &str {
        let core = self.sep.trim_matches(' ');
        if core.is_empty() && !self.sep.is_empty() { " " } else { core }
    }

    /// The numeric value of the group (saturating).
    fn value(&self) -> u32 {
        self.digits.parse().unwrap_or(u32::MAX)
    }
}

/// Digit groups joined by separators, with an optional leading '+'.
struct Run {
    /// Index (in chars) of the first character ('+', '(' or a digit).
    start: usize,
    /// Whether the run starts with '+'.
    plus: bool,
    /// The digit groups.
    groups: Vec<Group>,
}

/// Whether a run starts at `i`: a digit, or '+' / '(' followed closely by one.
fn starts_run(chars: &[(usize, char)], i: usize) -> bool {
    let c = chars[i].1;
    if fold_digit(c).is_some() {
        return true;
    }
    if !is_plus(c) && run_separator(c) != Some('(') {
        return false;
    }
    for &(_, c) in chars.iter().skip(i + 1).take(3) {
        if fold_digit(c).is_some() {
            return true;
        }
        if !(is_plus(c) || is_invisible(c) || matches!(run_separator(c), Some(' ' | '('))) {
            return false;
        }
    }
    false
}

/// Splits the text into digit runs.
fn collect_runs(chars: &[(usize, char)]) -> Vec<Run> {
    let mut runs = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if !starts_run(chars, i) {
            i += 1;
            continue;
        }
        let mut run = Run { start: i, plus: false, groups: Vec::new() };
        let mut current: Option<Group> = None;
        let mut sep = String::new();
        for (j, &(_, c)) in chars.iter().enumerate().skip(i) {
            if let Some(d) = fold_digit(c) {
                let digit = char::from(b'0' + d);
                match current.as_mut() {
                    Some(g) => {
                        g.digits.push(digit);
                        g.end = j + 1;
                    }
                    None => {
                        let sep = std::mem::take(&mut sep);
                        current =
                            Some(Group { digits: digit.to_string(), start: j, end: j + 1, sep });
                    }
                }
            } else if is_invisible(c) {
            } else if is_plus(c) && !run.plus && run.groups.is_empty() && current.is_none() {
                run.plus = true;
            } else if let Some(s) = run_separator(c) {
                // A dot followed by a space ends a sentence, not a number.
                if s == '.' && chars.get(j + 1).is_some_and(|&(_, n)| n.is_whitespace()) {
                    break;
                }
                run.groups.extend(current.take());
                sep.push(s);
                if sep.len() > MAX_SEPARATORS {
                    break;
                }
            } else {
                break;
            }
        }
        run.groups.extend(current.take());
        i = run.groups.last().map_or(i + 1, |g| g.end).max(i + 1);
        if !run.groups.is_empty() {
            runs.push(run);
        }
    }
    runs
}

/// Whether `v` is a plausible year.
fn is_year(g: &Group) -> bool {
    g.digits.len() == 4 && (1900..=2100).contains(&g.value())
}

/// Whether `g` is a one- or two-digit number in `1..=max`.
fn is_small(g: &Group, max: u32) -> bool {
    g.digits.len() <= 2 && (1..=max).contains(&g.value())
}

/// Whether the separator before `g` is a date separator.
fn is_date_sep(g: &Group) -> bool {
    matches!(g.sep_kind(), "-" | "/" | ".")
}

/// Whether groups `k..k + 3` form a date: YYYY-MM-DD, DD/MM/YYYY, DD-MM-YYYY, DD.MM.YYYY (or MM/DD/YYYY).
fn is_date3(gs: &[Group], k: usize) -> bool {
    let [a, b, c] = match gs.get(k..k + 3) {
        Some([a, b, c]) => [a, b, c],
        _ => return false,
    };
    if !is_date_sep(b) || b.sep_kind() != c.sep_kind() {
        return false;
    }
    (is_year(a) && is_small(b, 12) && is_small(c, 31))
        || (is_year(c)
            && ((is_small(a, 31) && is_small(b, 12)) || (is_small(a, 12) && is_small(b, 31))))
}

/// Whether groups `k..k + 2` form a month and year or a range of years: 12/2026, 2026-12, 2025-2026, 2025/26.
fn is_date2(gs: &[Group], k: usize) -> bool {
    let [a, b] = match gs.get(k..k + 2) {
        Some([a, b]) => [a, b],
        _ => return false,
    };
    is_date_sep(b)
        && ((is_year(a) && (b.digits.len() <= 2 || is_year(b))) || (is_small(a, 12) && is_year(b)))
}

/// Whether the groups are a range of quantities: "100-200", "1000-1500".
fn is_range(gs: &[Group]) -> bool {
    let [a, b] = gs else { return false };
    b.sep_kind() == "-"
        && [a, b].iter().all(|g| g.digits.len() <= 5 && !g.digits.starts_with('0'))
        && a.value() < b.value()
        && b.digits.len() - a.digits.len().min(b.digits.len()) <= 1
}

/// Whether the groups are a round amount with thousands separators: "12.500.000", "1 200 000" (at least half
/// of the digits are trailing zeros, so an id such as "912.781.000" is not one).
fn is_amount(gs: &[Group]) -> bool {
    let Some((first, rest)) = gs.split_first() else { return false };
    let Some(last) = rest.last() else { return false };
    let kind = last.sep_kind();
    let digits: String = gs.iter().map(|g| g.digits.as_str()).collect();
    let zeros = digits.len() - digits.trim_end_matches('0').len();
    (1..=3).contains(&first.digits.len())
        && !first.digits.starts_with('0')
        && matches!(kind, "." | " ")
        && rest.iter().all(|g| g.digits.len() == 3 && g.sep_kind() == kind)
        && zeros >= 3
        && 2 * zeros >= digits.len()
}

/// A keyword shortly before a digit run.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Keyword {
    None,
    /// "id", "هوية", "national": the number is an identity number.
    Id,
    /// "phone", "جوال", "للتواصل": the number is a phone number.
    Phone,
    /// "رقم", "number", "no": a number of something (only right before the run).
    Number,
}

/// Keys of words announcing an identity number.
const ID_WORDS: &[&str] = &[
    "id",
    "ids",
    "identity",
    "identification",
    "national",
    "passport",
    "ssn",
    "card",
    "هويه",
    "هويته",
    "هويتها",
    "هويات",
    "وطني",
    "وطنيه",
    "جواز",
    "بطاقه",
    "تسجيل",
];
/// Keys of words announcing a phone number.
const PHONE_WORDS: &[&str] = &[
    "phone",
    "telephone",
    "tel",
    "mobile",
    "mob",
    "cell",
    "cellphone",
    "call",
    "whatsapp",
    "contact",
    "sms",
    "هاتف",
    "هاتفه",
    "هاتفها",
    "جوال",
    "جواله",
    "موبايل",
    "تلفون",
    "تليفون",
    "اتصال",
    "تواصل",
    "واتس",
    "واتساب",
    "اتصل",
    "اتصلوا",
    "محمول",
];
/// Keys of words announcing a number of something.
const NUMBER_WORDS: &[&str] = &["رقم", "رقمه", "رقمها", "number", "no", "num", "nr"];

/// How many words before a run are searched for an identity or phone keyword.
const KEYWORD_REACH: usize = 3;

/// The keyword nearest before the byte offset `start`, looking back at most [`KEYWORD_REACH`] words.
fn keyword_before(words: &[Word], start: usize) -> Keyword {
    let before = words.partition_point(|w| w.end <= start);
    for (distance, w) in words[..before].iter().rev().take(KEYWORD_REACH).enumerate() {
        let keys = candidates(&w.norm);
        let any = |list: &[&str]| keys.iter().any(|k| list.contains(&k.as_str()));
        if any(ID_WORDS) {
            return Keyword::Id;
        }
        if any(PHONE_WORDS) {
            return Keyword::Phone;
        }
        if distance == 0 && any(NUMBER_WORDS) {
            return Keyword::Number;
        }
    }
    Keyword::None
}

/// What a run that matches no household looks like, if anything.
fn classify(gs: &[Group], plus: bool, keyword: Keyword) -> Option<DigitKind> {
    if keyword == Keyword::None && (is_range(gs) || is_amount(gs)) {
        return None;
    }
    let digits: String = gs.iter().map(|g| g.digits.as_str()).collect();
    let n = digits.len();
    let phone_length = |n: usize| (7..=15).contains(&n);
    if plus || (digits.starts_with("00") && !digits.starts_with("000")) {
        let national = if plus { n } else { n - 2 };
        if phone_length(national) {
            return Some(DigitKind::Phone);
        }
    }
    if keyword == Keyword::Id && n >= 6 {
        return Some(DigitKind::Id);
    }
    if (digits.starts_with('0') || keyword == Keyword::Phone) && phone_length(n) {
        return Some(DigitKind::Phone);
    }
    if keyword == Keyword::Number && n >= 6 {
        return Some(DigitKind::Id);
    }
    if gs.len() >= 2 && (9..=12).contains(&n) && gs.iter().all(|g| g.digits.len() <= 4) {
        return Some(DigitKind::Phone);
    }
    (n >= 8).then_some(DigitKind::Id)
}

/// Judges the pieces of one run (the groups between dates).
struct Judge<'a> {
    run: &'a Run,
    words: &'a [Word],
    generic: bool,
    household: &'a dyn Fn(&str) -> Option<DigitKind>,
    byte: &'a dyn Fn(usize) -> usize,
}

impl Judge<'_> {
    /// The digits of groups `span`.
    fn digits(&self, span: Range<usize>) -> String {
        self.run.groups[span].iter().map(|g| g.digits.as_str()).collect()
    }

    /// Whether groups `span` (≥ 6 digits) match a household's phone or id.
    fn household(&self, span: Range<usize>) -> Option<DigitKind> {
        let digits = self.digits(span);
        if digits.len() >= 6 { (self.household)(&digits) } else { None }
    }

    /// Whether a space comes before group `k`: where a phone may start after other numbers.
    fn spaced(&self, k: usize) -> bool {
        self.run.groups[k].sep.contains(' ')
    }

    /// Whether a spaced dash or slash comes before group `k` ("2-3 - 0599…"): where one number ends and
    /// another starts, unlike the single spaces of "+970 599 123 456".
    fn split(&self, k: usize) -> bool {
        let sep = &self.run.groups[k].sep;
        sep.contains(' ') && matches!(sep.trim_matches(' '), "-" | "/")
    }

    /// Classifies groups `span` by their shape and the words before them.
    fn classify(&self, span: Range<usize>) -> Option<DigitKind> {
        let start =
            if span.start == 0 { self.run.start } else { self.run.groups[span.start].start };
        let keyword = keyword_before(self.words, (self.byte)(start));
        classify(&self.run.groups[span.clone()], span.start == 0 && self.run.plus, keyword)
    }

    /// What the groups `piece` hold, if anything, narrowed to the groups that make it so ("aged 2-3 - 0599…").
    fn piece(&self, piece: Range<usize>) -> Option<(Range<usize>, DigitKind)> {
        let Range { mut start, mut end } = piece;
        if let Some(kind) = self.household(start..end) {
            while let Some(k) = (start + 1..end).find(|&k| self.split(k))
                && self.household(k..end) == Some(kind)
            {
                start = k;
            }
            while let Some(k) = (start + 1..end).rev().find(|&k| self.split(k))
                && self.household(start..k) == Some(kind)
            {
                end = k;
            }
            return Some((start..end, kind));
        }
        if !self.generic {
            return None;
        }
        // A phone after other numbers ("aged 2-3 - 0599…", "size 4 0599…") is reported alone.
        let phone_after = |boundary: &dyn Fn(usize) -> bool| {
            (start + 1..end)
                .filter(|&k| boundary(k))
                .find(|&k| self.classify(k..end) == Some(DigitKind::Phone))
                .map(|k| (k..end, DigitKind::Phone))
        };
        let whole = self.classify(start..end);
        phone_after(&|k| self.split(k))
            .or_else(|| (whole == Some(DigitKind::Phone)).then_some((start..end, DigitKind::Phone)))
            .or_else(|| phone_after(&|k| self.spaced(k)))
            .or(whole.map(|kind| (start..end, kind)))
    }
}

/// A personal number found in a text.
pub(super) struct DigitFinding {
    /// Byte offset where it starts.
    pub start: usize,
    /// Byte offset where it ends.
    pub end: usize,
    /// What it is.
    pub kind: DigitKind,
}

/// Finds phone and identity numbers in `text`. `household` tells whether a run's ASCII digits (≥ 6) match a
/// registered household's phone or id; when `generic` is false, only such matches are reported. Runs starting
/// inside one of the `skip` byte ranges (e-mail addresses) are ignored.
pub(super) fn scan(
    text: &str,
    words: &[Word],
    skip: &[(usize, usize)],
    generic: bool,
    household: &dyn Fn(&str) -> Option<DigitKind>,
) -> Vec<DigitFinding> {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let byte = |i: usize| chars.get(i).map_or(text.len(), |&(b, _)| b);
    let mut out = Vec::new();
    for run in collect_runs(&chars) {
        if skip.iter().any(|&(s, e)| (s..e).contains(&byte(run.start))) {
            continue;
        }
        // Cut the dates out; what is left between them is judged on its own.
        let gs = &run.groups;
        let mut pieces = Vec::new();
        let (mut piece_start, mut k) = (0, 0);
        while k < gs.len() {
            let date = if is_date3(gs, k) {
                3
            } else if is_date2(gs, k) {
                2
            } else {
                0
            };
            if date == 0 {
                k += 1;
                continue;
            }
            if piece_start < k {
                pieces.push(piece_start..k);
            }
            k += date;
            piece_start = k;
        }
        if piece_start < gs.len() {
            pieces.push(piece_start..gs.len());
        }
        for piece in pieces {
            let judge = Judge { run: &run, words, generic, household, byte: &byte };
            if let Some((span, kind)) = judge.piece(piece) {
                let (Some(first), Some(last)) = (gs.get(span.start), gs.get(span.end - 1)) else {
                    continue;
                };
                let start = if span.start == 0 { run.start } else { first.start };
                out.push(DigitFinding { start: byte(start), end: byte(last.end), kind });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<DigitKind> {
        let words = super::super::normalize::words(text);
        scan(text, &words, &[], true, &|_| None).into_iter().map(|f| f.kind).collect()
    }

    #[test]
    fn pii_digit_shapes() {
        use DigitKind::{Id, Phone};
        assert_eq!(fold_digit('٧'), Some(7));
        assert_eq!(fold_digit('۹'), Some(9));
        assert_eq!(fold_digit('９'), Some(9));
        assert_eq!(kinds("call 0599123456"), [Phone]);
        assert_eq!(kinds("(00970) 599-123-456"), [Phone]);
        assert_eq!(kinds("599 123 456"), [Phone]);
        assert_eq!(kinds("ID: 401 234 567"), [Id]);
        assert_eq!(kinds("401234567"), [Id]);
        assert_eq!(kinds("2026-12-01 0599123456"), [Phone]);
        assert_eq!(kinds("aged 2-3 - 0599123456"), [Phone]);
        assert!(kinds("2026-12-01, 01/12/2026, 1.12.2026, 12/2026, 2025-2026, 2025/26").is_empty());
        assert!(
            kinds("1000-1500 kg, 12.500.000 ILS, 1 200 000 ILS, 1,200 kg, 3.5 t, 5000. 3000 more")
                .is_empty()
        );
    }
}
