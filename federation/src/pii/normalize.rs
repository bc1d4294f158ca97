//! Text normalisation shared by the name matcher and the keyword look-back of the digit scanner.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Invisible characters: removed wherever they appear, never turned into spaces.
pub(super) fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{061C}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{2069}'
            | '\u{FEFF}'
    )
}

/// Marks dropped from words: Arabic harakat and Quranic marks, superscript alef, tatweel, Latin accents.
fn is_dropped_mark(c: char) -> bool {
    matches!(
        c,
        '\u{0300}'..='\u{036F}'
            | '\u{0610}'..='\u{061A}'
            | '\u{064B}'..='\u{065F}'
            | '\u{0640}'
            | '\u{0670}'
            | '\u{06D6}'..='\u{06ED}'
    )
}

/// Letters that are written in several ways, mapped to one form.
fn unify(c: char) -> char {
    match c {
        'أ' | 'إ' | 'آ' | 'ٱ' | '\u{0672}' | '\u{0673}' => 'ا',
        'ى' | 'ی' | 'ئ' => 'ي',
        'ة' | 'ۀ' | 'ە' | 'ھ' => 'ه',
        'ؤ' => 'و',
        'ک' => 'ك',
        _ => c,
    }
}

/// Pushes a word character, inserting one space first if a separator came before it.
fn push_word_char(out: &mut String, c: char, pending_space: &mut bool) {
    if *pending_space && !out.is_empty() {
        out.push(' ');
    }
    *pending_space = false;
    out.push(c);
}

/// Normalises text for comparison: NFKC, lower case, no invisible characters, no diacritics or tatweel, unified
/// Arabic letter forms, and every run of punctuation or spaces turned into a single space (trimmed).
pub(super) fn normalize(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut pending_space = false;
    if s.is_ascii() {
        for c in s.chars() {
            if c.is_ascii_alphanumeric() {
                push_word_char(&mut out, c.to_ascii_lowercase(), &mut pending_space);
            } else {
                pending_space = true;
            }
        }
        return out;
    }
    let stripped: String = s
        .nfkd()
        .flat_map(char::to_lowercase)
        .filter(|&c| !is_invisible(c) && !is_dropped_mark(c))
        .collect();
    for c in stripped.nfc() {
        let c = unify(c);
        if c.is_alphanumeric() || is_combining_mark(c) {
            push_word_char(&mut out, c, &mut pending_space);
        } else {
            pending_space = true;
        }
    }
    out
}

/// One normalised word of a text, with the byte range of the original word it came from.
#[derive(Clone, Debug)]
pub(super) struct Word {
    /// Byte offset of the original word.
    pub start: usize,
    /// Byte offset just after the original word.
    pub end: usize,
    /// The normalised word (no spaces).
    pub norm: String,
}

/// Whether `c` belongs to a word of the original text (invisible characters and marks stay inside words).
fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || is_invisible(c) || is_dropped_mark(c) || is_combining_mark(c)
}

/// Splits `text` into normalised words, keeping where each came from.
pub(super) fn words(text: &str) -> Vec<Word> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in text.char_indices() {
        if is_word_char(c) {
            start.get_or_insert(i);
        } else if let Some(s) = start.take() {
            push_words(text, s, i, &mut out);
        }
    }
    if let Some(s) = start {
        push_words(text, s, text.len(), &mut out);
    }
    out
}

/// Normalises `text[start..end]` and pushes its words (NFKC may expand one token into several words).
fn push_words(text: &str, start: usize, end: usize, out: &mut Vec<Word>) {
    let norm = normalize(&text[start..end]);
    for w in norm.split(' ').filter(|w| !w.is_empty()) {
        out.push(Word { start, end, norm: w.to_string() });
    }
}

/// Words that join the parts of a name and are not distinctive on their own.
pub(super) const JOINERS: &[&str] = &[
    "بن", "بنت", "ابن", "ابو", "ام", "ال", "bin", "bint", "ibn", "al", "el", "abu", "abou", "umm",
    "um",
];

/// Removes the Arabic article "ال" from the front of a word ("الحداد" → "حداد"), keeping at least two letters.
pub(super) fn strip_al(w: &str) -> &str {
    match w.strip_prefix("ال") {
        Some(rest) if w != "الله" && rest.chars().count() >= 2 => rest,
        _ => w,
    }
}

/// Whether `c` is an Arabic letter (so Arabic proclitics may be stripped from the word).
fn is_arabic_letter(c: char) -> bool {
    matches!(c, '\u{0620}'..='\u{064A}' | '\u{066E}'..='\u{06D3}' | '\u{06FA}'..='\u{06FF}')
}

/// The keys a normalised text word may stand for: itself, without the article, and without a leading Arabic
/// proclitic ("و", "ف", "ب", "ل", "ك", "لل"): "والحداد" → "حداد", "لمريم" → "مريم".
pub(super) fn candidates(w: &str) -> Vec<String> {
    let mut out = vec![w.to_string()];
    let mut add = |s: &str| {
        if !out.iter().any(|o| o == s) {
            out.push(s.to_string());
        }
    };
    add(strip_al(w));
    if w.chars().next().is_some_and(is_arabic_letter) {
        if let Some(rest) = w.strip_prefix("لل")
            && rest.chars().count() >= 2
        {
            add(rest);
        }
        for p in ['و', 'ف', 'ب', 'ل', 'ك'] {
            if let Some(rest) = w.strip_prefix(p)
                && rest.chars().count() >= 3
            {
                add(rest);
                add(strip_al(rest));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pii_normalize_folds_forms() {
        assert_eq!(normalize("Mar\u{200B}iam  HADDAD"), "mariam haddad");
        assert_eq!(normalize("ma\u{00AD}riam"), "mariam");
        assert_eq!(normalize("أُمّ مُحَـمَّد، الحدّاد"), "ام محمد الحداد");
        assert_eq!(normalize("فاطمة إسماعيل مؤمن"), "فاطمه اسماعيل مومن");
        assert_eq!(normalize("Zoë O'Brien"), "zoe o brien");
        assert_eq!(strip_al("الحداد"), "حداد");
        assert!(candidates("والحداد").contains(&"حداد".to_string()));
        assert!(candidates("للحداد").contains(&"حداد".to_string()));
    }
}
