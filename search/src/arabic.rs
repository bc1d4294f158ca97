//! Arabic normalisation (after Lucene's `ArabicNormalizer`) and light stemming (after Larkey et al.).

use unicode_normalization::UnicodeNormalization;

/// Folds Arabic-Indic (٠-٩) and Eastern Arabic-Indic (۰-۹) digits, and the Arabic decimal and thousands
/// separators, to their ASCII forms. Everything else is kept as is.
pub fn fold_digits(text: &str) -> String {
    text.chars().map(|c| fold_digit(c).unwrap_or(c)).collect()
}

/// The ASCII form of an Arabic-Indic or Eastern Arabic-Indic digit or of an Arabic separator.
fn fold_digit(c: char) -> Option<char> {
    match c {
        '\u{0660}'..='\u{0669}' => Some(char::from(b'0' + (c as u32 - 0x0660) as u8)),
        '\u{06F0}'..='\u{06F9}' => Some(char::from(b'0' + (c as u32 - 0x06F0) as u8)),
        '\u{066B}' => Some('.'),
        '\u{066C}' => Some(','),
        _ => None,
    }
}

/// Normalises text for matching: NFKC first (so decomposed accents and Arabic presentation forms such as ﺃﺣﻤﺪ match
/// their ordinary forms), then lower case, digits folded, invisible format characters dropped, Arabic diacritics and
/// tatweel removed, the alef forms (آ أ إ ٱ) unified to ا, ى to ي and ة to ه.
pub fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    normalize_into(text, &mut out);
    out
}

/// Whether NFKC leaves a character as it is whatever surrounds it, and [`normalize`] needs no table for it: ASCII,
/// the basic Arabic letters and marks (not the combining maddah and hamzas, U+0653–U+0655, which compose with the
/// letter before them), both Arabic-Indic digit sets, the superscript alef and alef wasla.
fn plain(c: char) -> bool {
    c.is_ascii()
        || matches!(c, '\u{0621}'..='\u{0652}' | '\u{0660}'..='\u{0669}' | '\u{0670}' | '\u{0671}' | '\u{06F0}'..='\u{06F9}')
}

/// [`normalize`] into a buffer (cleared first). Text made only of ASCII and basic Arabic skips the NFKC tables and
/// allocates nothing once the buffer is large enough: the analysers call this for every word.
pub fn normalize_into(text: &str, out: &mut String) {
    out.clear();
    if text.chars().all(plain) {
        for c in text.chars() {
            fold_char(c, out);
        }
    } else {
        normalize_composed(text, out);
    }
}

fn normalize_composed(text: &str, out: &mut String) {
    let composed: String = text.nfkc().collect();
    for c in composed.chars() {
        fold_char(c, out);
    }
}

fn fold_char(c: char, out: &mut String) {
    if let Some(ascii) = fold_digit(c) {
        out.push(ascii);
        return;
    }
    match c {
        'A'..='Z' => out.push(c.to_ascii_lowercase()),
        _ if c.is_ascii() => out.push(c),
        // zero-width space, word joiner, BOM, soft hyphen, direction marks and embeddings: invisible, never meant
        '\u{200B}'
        | '\u{2060}'
        | '\u{FEFF}'
        | '\u{00AD}'
        | '\u{061C}'
        | '\u{200E}'
        | '\u{200F}'
        | '\u{202A}'..='\u{202E}'
        | '\u{2066}'..='\u{2069}' => {}
        // harakat, tanween, shadda, sukun, superscript alef
        '\u{064B}'..='\u{0652}' | '\u{0670}' | '\u{0640}' => {}
        'آ' | 'أ' | 'إ' | 'ٱ' => out.push('ا'),
        'ى' => out.push('ي'),
        'ة' => out.push('ه'),
        _ => out.extend(c.to_lowercase()),
    }
}

const PREFIXES: &[&str] = &["ال", "وال", "بال", "كال", "فال", "لل"];
const SUFFIXES: &[&str] = &["ها", "ان", "ات", "ون", "ين", "يه", "ية", "ه", "ة", "ي"];

/// Broken plurals (and singulars whose suffixes the light stemmer cannot reach) of common aid words, as they stand
/// once a prefix is stripped, with the stem they share with their other number. The light stemmer only strips
/// affixes; without these a donor typing خيمة would miss خيام.
const IRREGULAR: &[(&str, &str)] = &[
    ("خيام", "خيم"),
    ("سلال", "سلل"),
    ("سله", "سلل"),
    ("ادويه", "دوا"),
    ("دواء", "دوا"),
    ("اغطيه", "غطا"),
    ("غطاء", "غطا"),
    ("اطفال", "طفل"),
    ("مدارس", "مدرس"),
    ("حقائب", "حقيب"),
    ("مراكز", "مركز"),
    ("كراسي", "كرس"),
    ("مياه", "ماء"),
    ("ماء", "ماء"),
    ("العاب", "لعب"),
    ("لعبه", "لعب"),
    ("ايتام", "يتيم"),
    ("مرضي", "مريض"),
    ("جرحي", "جريح"),
    ("ارامل", "ارمل"),
    ("اغذيه", "غذا"),
    ("غذاء", "غذا"),
    ("احذيه", "حذا"),
    ("حذاء", "حذا"),
    ("ملابس", "ملبس"),
    ("اجهزه", "جهاز"),
    ("منازل", "منزل"),
    ("بيوت", "بيت"),
];

fn irregular(word: &str) -> Option<&'static str> {
    static SORTED: std::sync::OnceLock<Vec<(&str, &str)>> = std::sync::OnceLock::new();
    let sorted = SORTED.get_or_init(|| {
        let mut all = IRREGULAR.to_vec();
        all.sort_unstable();
        all
    });
    sorted.binary_search_by(|(w, _)| (*w).cmp(word)).ok().map(|i| sorted[i].1)
}

/// Whether a word holds an Arabic letter (the light stemmer leaves other words alone).
pub fn is_arabic(word: &str) -> bool {
    word.chars().any(|c| ('\u{0600}'..='\u{06FF}').contains(&c))
}

/// Strips at most one common prefix and then each common suffix once from a normalised Arabic word, keeping at
/// least two letters. Words in other scripts are returned unchanged.
pub fn light_stem(word: &str) -> String {
    stem(word).to_owned()
}

/// [`light_stem`] without allocating: the stem is a part of the word, or a stem from the table of broken plurals.
pub fn stem(word: &str) -> &str {
    if !is_arabic(word) {
        return word;
    }
    if let Some(stem) = irregular(word) {
        return stem;
    }
    let letters = |w: &str| w.chars().count();
    let mut w = word;
    let mut n = letters(w);
    if let Some(p) = PREFIXES.iter().find(|p| w.starts_with(**p) && n - letters(p) >= 2) {
        w = &w[p.len()..];
        n -= letters(p);
    } else if n >= 4 && w.starts_with('و') {
        w = &w['و'.len_utf8()..];
        n -= 1;
    }
    if let Some(stem) = irregular(w) {
        return stem;
    }
    for s in SUFFIXES {
        let k = letters(s);
        if n >= k + 2 && w.ends_with(s) {
            w = &w[..w.len() - s.len()];
            n -= k;
        }
    }
    w
}

/// Splits text into normalised, stemmed terms: the unit of matching everywhere in Sanad.
pub fn terms(text: &str) -> Vec<String> {
    normalize(text)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
        .map(light_stem)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(f: fn(&str) -> String, cases: &[(&str, &str)]) {
        for (input, expected) in cases {
            assert_eq!(f(input), *expected, "input {input:?}");
        }
    }

    #[test]
    fn normalize_unifies_arabic_letter_forms_and_strips_marks() {
        check(
            normalize,
            &[
                ("مُسْتَشْفَى", "مستشفي"),
                ("مستشفـــى", "مستشفي"),
                ("أحمد", "احمد"),
                ("إسطنبول", "اسطنبول"),
                ("آمنة", "امنه"),
                ("Food Parcel", "food parcel"),
                ("٠١٢٣٤٥٦٧٨٩", "0123456789"),
                ("۱۲", "12"),
                ("ﺃﺣﻤﺪ", "احمد"),
                ("Jose\u{301}", "josé"),
                ("أح\u{200B}مد\u{202E}", "احمد"),
            ],
        );
    }

    /// Plain ASCII and Arabic words skip NFKC: they come out as they would through it.
    #[test]
    fn the_fast_path_agrees_with_nfkc() {
        for word in
            ["Blankets", "بَطّانِيّة", "الأدوية", "٣٤", "۱۲", "مستشفـــى", "آمنة", "ٱلله", "x1", "a-b c"]
        {
            assert!(word.chars().all(plain), "{word}");
            let mut slow = String::new();
            normalize_composed(word, &mut slow);
            assert_eq!(normalize(word), slow, "{word}");
        }
        assert!(!"ا\u{0653}".chars().all(plain), "a combining maddah composes with its alef");
        assert_eq!(normalize("ا\u{0653}ب"), "اب");
    }

    #[test]
    fn fold_digits_keeps_letters_and_converts_separators() {
        check(fold_digits, &[("٣٫٥", "3.5"), ("١٬٠٠٠", "1,000"), ("abc ١", "abc 1")]);
    }

    #[test]
    fn light_stem_gives_one_form_for_common_aid_words() {
        check(
            |w| light_stem(&normalize(w)),
            &[
                ("المساعدات", "مساعد"),
                ("والمساعدات", "مساعد"),
                ("مساعدات", "مساعد"),
                ("بطانيات", "بطان"),
                ("بطانية", "بطان"),
                ("للأطفال", "طفل"),
                ("طفل", "طفل"),
                ("الخيام", "خيم"),
                ("خيمة", "خيم"),
                ("سلة", "سلل"),
                ("سلال", "سلل"),
                ("الأدوية", "دوا"),
                ("دواء", "دوا"),
                ("blankets", "blankets"),
            ],
        );
    }

    #[test]
    fn terms_split_on_punctuation_and_spaces() {
        assert_eq!(terms("سلة غذائية، Food-parcel"), vec!["سلل", "غذائ", "food", "parcel"]);
    }
}
