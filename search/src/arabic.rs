//! Arabic normalisation (after Lucene's `ArabicNormalizer`) and light stemming (after Larkey et al.).

use unicode_normalization::UnicodeNormalization;

/// Folds Arabic-Indic (٠-٩) and Eastern Arabic-Indic (۰-۹) digits, and the Arabic decimal and thousands
/// separators, to their ASCII forms. Everything else is kept as is.
pub fn fold_digits(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\u{0660}'..='\u{0669}' => char::from(b'0' + (c as u32 - 0x0660) as u8),
            '\u{06F0}'..='\u{06F9}' => char::from(b'0' + (c as u32 - 0x06F0) as u8),
            '\u{066B}' => '.',
            '\u{066C}' => ',',
            _ => c,
        })
        .collect()
}

/// Normalises text for matching: NFKC first (so decomposed accents and Arabic presentation forms such as ﺃﺣﻤﺪ match
/// their ordinary forms), then lower case, digits folded, invisible format characters dropped, Arabic diacritics and
/// tatweel removed, the alef forms (آ أ إ ٱ) unified to ا, ى to ي and ة to ه.
pub fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let composed: String = text.nfkc().collect();
    for c in fold_digits(&composed).chars() {
        match c {
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
    out
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

/// Strips at most one common prefix and then each common suffix once from a normalised Arabic word, keeping at
/// least two letters. Words in other scripts are returned unchanged.
pub fn light_stem(word: &str) -> String {
    let mut letters: Vec<char> = word.chars().collect();
    if !letters.iter().any(|c| ('\u{0600}'..='\u{06FF}').contains(c)) {
        return word.to_owned();
    }
    let whole: String = letters.iter().collect();
    if let Some((_, stem)) = IRREGULAR.iter().find(|(w, _)| *w == whole) {
        return (*stem).to_owned();
    }
    let starts = |w: &[char], p: &str| w.iter().copied().take(p.chars().count()).eq(p.chars());
    let ends = |w: &[char], s: &str| {
        let n = s.chars().count();
        w.len() >= n && w[w.len() - n..].iter().copied().eq(s.chars())
    };
    if let Some(p) =
        PREFIXES.iter().find(|p| starts(&letters, p) && letters.len() - p.chars().count() >= 2)
    {
        letters.drain(..p.chars().count());
    } else if letters.len() >= 4 && letters.first() == Some(&'و') {
        letters.remove(0);
    }
    let rest: String = letters.iter().collect();
    if let Some((_, stem)) = IRREGULAR.iter().find(|(word, _)| *word == rest) {
        return (*stem).to_owned();
    }
    for s in SUFFIXES {
        let n = s.chars().count();
        if ends(&letters, s) && letters.len() - n >= 2 {
            letters.truncate(letters.len() - n);
        }
    }
    letters.into_iter().collect()
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
