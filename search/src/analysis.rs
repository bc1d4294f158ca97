//! Sanad's analyser as a tantivy tokenizer, in one pass over the text: it cuts the text into words (a word keeps its
//! combining marks, so decomposed accents and Arabic diacritics stay inside it), normalises each word
//! ([`crate::normalize`]: NFKC, lower case, digits folded, diacritics and tatweel removed, alef, yaa and taa marbuta
//! unified), drops the stop words of both languages, and then stems each word in its own language:
//! - a word with an Arabic letter: the light stemmer ([`crate::light_stem`]) with its table of broken plurals;
//! - any other word: English irregular plurals made singular, then the English Snowball stemmer.
//!
//! Every word therefore has its Arabic analysis and its English one, and the one that applies to its script is kept:
//! the other would only ever repeat it (the English analysis of an Arabic word is the word normalised, which the
//! Arabic analysis only shortens; likewise the Arabic analysis of an English word is the word lower-cased), so a query
//! word meets an indexed word when either analysis of the one equals the same analysis of the other exactly when
//! their kept analyses are equal. One term a word keeps the index small and a query a plain intersection of terms.
//!
//! At index time ([`index_analyser`]) a word that may begin with the joined particle ل is also indexed, at the same
//! position, as the stem of the rest. Offsets are those of the original text, for highlighting; stop words leave a
//! gap in the positions, so a phrase keeps its shape.

use std::sync::OnceLock;

use tantivy::tokenizer::{TextAnalyzer, Token, TokenStream, Tokenizer};

use crate::arabic::{is_arabic, normalize_into, stem};

/// The name of the analyser in an index's tokenizer manager (indexing form).
pub const ANALYSER: &str = "sanad";

const ARABIC_STOP_WORDS: &[&str] = &[
    "في",
    "من",
    "علي",
    "الي",
    "عن",
    "مع",
    "هذا",
    "هذه",
    "ذلك",
    "تلك",
    "التي",
    "الذي",
    "الذين",
    "او",
    "ثم",
    "كل",
    "بعض",
    "غير",
    "لا",
    "ما",
    "لم",
    "لن",
    "قد",
    "هو",
    "هي",
    "هم",
    "نحن",
    "انا",
    "ان",
    "كان",
    "كانت",
    "يكون",
    "عند",
    "حتي",
    "بين",
    "بعد",
    "قبل",
    "لدي",
    "اي",
    "كما",
    "ايضا",
    "لكن",
    "و",
    "ف",
    "ب",
    "ل",
    "ك",
    "يا",
    "منذ",
    "حول",
    "الا",
    "اذا",
    "لقد",
    "هناك",
    "هنا",
    "ضمن",
    "عبر",
    "خلال",
    "دون",
];
/// Common English function words (lower case): articles, conjunctions, prepositions, pronouns and auxiliaries, not
/// words that can carry meaning in a request ("can", "up", "over", "few" stay).
const ENGLISH_STOP_WORDS: &[&str] = &[
    "a", "am", "an", "and", "are", "as", "at", "be", "been", "being", "but", "by", "did", "do",
    "does", "for", "from", "had", "has", "have", "he", "her", "his", "if", "in", "into", "is",
    "it", "its", "me", "my", "no", "not", "of", "on", "or", "our", "s", "she", "so", "such", "t",
    "than", "that", "the", "their", "them", "then", "there", "these", "they", "this", "those",
    "to", "was", "we", "were", "will", "with", "you", "your",
];

/// Both lists, sorted, for a binary search.
fn stop_words() -> &'static [&'static str] {
    static SORTED: OnceLock<Vec<&'static str>> = OnceLock::new();
    SORTED.get_or_init(|| {
        let mut all: Vec<&str> =
            ARABIC_STOP_WORDS.iter().chain(ENGLISH_STOP_WORDS).copied().collect();
        all.sort_unstable();
        all.dedup();
        all
    })
}

/// Whether a normalised word is a stop word of either language.
pub fn is_stop_word(word: &str) -> bool {
    // No stop word is longer than this, in bytes: most words are decided by their length.
    const LONGEST: usize = 12;
    word.len() <= LONGEST && stop_words().binary_search(&word).is_ok()
}

/// English nouns whose plural the Snowball stemmer does not bring back to the singular, common in aid requests.
const ENGLISH_IRREGULAR: &[(&str, &str)] = &[
    ("children", "child"),
    ("women", "woman"),
    ("men", "man"),
    ("feet", "foot"),
    ("teeth", "tooth"),
    ("knives", "knife"),
    ("wives", "wife"),
    ("lives", "life"),
    ("shelves", "shelf"),
    ("loaves", "loaf"),
    ("halves", "half"),
    ("mice", "mouse"),
    ("geese", "goose"),
    ("people", "person"),
    ("crises", "crisis"),
    ("diagnoses", "diagnosis"),
];

/// Whether a character belongs inside a word: letters, digits, combining marks, and the joiners and format
/// characters that [`crate::normalize`] removes. ASCII and the Arabic block are decided without Unicode's tables.
fn in_word(c: char) -> bool {
    match c {
        'a'..='z' | 'A'..='Z' | '0'..='9' => true,
        _ if c.is_ascii() => false,
        // Arabic letters, marks, tatweel and digits; not its punctuation (، ؛ ؟ ٪ ٫ ٬ ۔).
        '\u{0621}'..='\u{065F}'
        | '\u{0660}'..='\u{0669}'
        | '\u{066E}'..='\u{06D3}'
        | '\u{06D5}' => true,
        '\u{06F0}'..='\u{06F9}' => true,
        '\u{0300}'..='\u{036F}'
        | '\u{1AB0}'..='\u{1AFF}'
        | '\u{1DC0}'..='\u{1DFF}'
        | '\u{20D0}'..='\u{20FF}'
        | '\u{FE20}'..='\u{FE2F}'
        | '\u{200B}'..='\u{200D}'
        | '\u{2060}'
        | '\u{00AD}' => true,
        _ => c.is_alphanumeric(),
    }
}

/// The stem a word would have without a joined ل ("for": لكبار السن, "for the elderly"), when it may have one: at
/// least four letters remain (after a leading و). The light stemmer cannot strip it, since ل also begins many
/// words; ب, ك and ف are left alone: stripped, they would make بطاقة meet طاقة and فقراء meet قراء.
fn without_particle(word: &str) -> Option<&str> {
    let mut rest = word;
    if rest.chars().count() >= 6 && rest.starts_with('و') {
        rest = &rest['و'.len_utf8()..];
    }
    let rest = rest.strip_prefix('ل')?;
    if rest.chars().count() < 4 || rest.starts_with('ل') || rest.starts_with("ال") {
        return None;
    }
    Some(stem(rest))
}

/// Sanad's analyser (see the module's documentation); `index` adds the forms without a joined particle.
#[derive(Clone, Debug)]
pub struct Analyser {
    index: bool,
    token: Token,
    word: String,
    alternative: String,
}

impl Analyser {
    fn new(index: bool) -> Self {
        Self { index, token: Token::default(), word: String::new(), alternative: String::new() }
    }
}

/// The terms of one text.
pub struct Terms<'a> {
    text: &'a str,
    at: usize,
    index: bool,
    pending: bool,
    token: &'a mut Token,
    word: &'a mut String,
    alternative: &'a mut String,
}

impl Tokenizer for Analyser {
    type TokenStream<'a> = Terms<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Terms<'a> {
        self.token.reset();
        Terms {
            text,
            at: 0,
            index: self.index,
            pending: false,
            token: &mut self.token,
            word: &mut self.word,
            alternative: &mut self.alternative,
        }
    }
}

fn english_stemmer() -> &'static frostem::Stemmer {
    static STEMMER: OnceLock<frostem::Stemmer> = OnceLock::new();
    STEMMER.get_or_init(|| frostem::Stemmer::new(frostem::Algorithm::English))
}

impl Terms<'_> {
    /// The next word of the text, normalised into `self.word`, with its offsets; `None` at the end.
    fn next_word(&mut self) -> Option<(usize, usize)> {
        loop {
            let rest = &self.text[self.at..];
            let start = self.at + rest.char_indices().find(|(_, c)| in_word(*c))?.0;
            let end = self.text[start..]
                .char_indices()
                .find(|(_, c)| !in_word(*c))
                .map_or(self.text.len(), |(i, _)| start + i);
            self.at = end;
            normalize_into(&self.text[start..end], self.word);
            if !self.word.is_empty() {
                return Some((start, end));
            }
        }
    }
}

impl TokenStream for Terms<'_> {
    fn advance(&mut self) -> bool {
        if self.pending {
            // Same position and offsets as the word it comes from.
            self.pending = false;
            std::mem::swap(&mut self.token.text, self.alternative);
            return true;
        }
        loop {
            let Some((start, end)) = self.next_word() else {
                self.at = self.text.len();
                return false;
            };
            // Every word takes a position, stop words too: they leave gaps.
            self.token.position = self.token.position.wrapping_add(1);
            if is_stop_word(self.word) {
                continue;
            }
            self.token.offset_from = start;
            self.token.offset_to = end;
            self.token.text.clear();
            if is_arabic(self.word) {
                let stemmed = stem(self.word);
                self.token.text.push_str(stemmed);
                if self.index
                    && let Some(alternative) = without_particle(self.word)
                    && alternative != stemmed
                {
                    self.alternative.clear();
                    self.alternative.push_str(alternative);
                    self.pending = true;
                }
            } else {
                let word = ENGLISH_IRREGULAR
                    .iter()
                    .find(|(plural, _)| *plural == self.word.as_str())
                    .map_or(self.word.as_str(), |(_, singular)| singular);
                self.token.text.push_str(&english_stemmer().stem(word));
            }
            return true;
        }
    }

    fn token(&self) -> &Token {
        self.token
    }

    fn token_mut(&mut self) -> &mut Token {
        self.token
    }
}

/// The analyser for indexing: words that may begin with a joined particle are also indexed without it.
pub fn index_analyser() -> TextAnalyzer {
    TextAnalyzer::from(Analyser::new(true))
}

/// The analyser for queries and snippets: a query word is never split.
pub fn query_analyser() -> TextAnalyzer {
    TextAnalyzer::from(Analyser::new(false))
}

/// Registers the indexing analyser with an index.
pub fn register(index: &tantivy::Index) {
    index.tokenizers().register(ANALYSER, index_analyser());
}

/// The terms an analyser makes of a text.
pub fn analyse(analyser: &mut TextAnalyzer, text: &str) -> Vec<String> {
    let mut stream = analyser.token_stream(text);
    let mut out = Vec::new();
    while stream.advance() {
        out.push(stream.token().text.clone());
    }
    out
}

/// The terms an analyser makes of a text, with their positions (stop words leave gaps).
pub fn analyse_with_positions(analyser: &mut TextAnalyzer, text: &str) -> Vec<(usize, String)> {
    let mut stream = analyser.token_stream(text);
    let mut out = Vec::new();
    while stream.advance() {
        out.push((stream.token().position, stream.token().text.clone()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whether two texts meet: a query of either finds the other once indexed.
    fn meet(a: &str, b: &str) -> bool {
        let finds = |query: &str, doc: &str| {
            let indexed = analyse(&mut index_analyser(), doc);
            analyse(&mut query_analyser(), query).iter().any(|t| indexed.contains(t))
        };
        finds(a, b) || finds(b, a)
    }

    fn check(pairs: &[(&str, &str)], expected: bool) {
        for (a, b) in pairs {
            assert_eq!(
                meet(a, b),
                expected,
                "{a} / {b} should {}meet",
                if expected { "" } else { "not " }
            );
        }
    }

    #[test]
    fn word_forms_a_donor_types_meet_the_forms_a_charity_wrote() {
        check(
            &[
                ("مستشفى", "المستشفيات"),
                ("بطانية", "بطانيات"),
                ("مساعدات", "والمساعدات"),
                ("أدوية", "ادوية"),
                ("أدوية", "الأدوية"),
                ("ادوية", "الادويه"),
                ("٣ سلال", "3 سلال"),
                ("سِلالٌ", "سلال"),
                ("خيـــمة", "خيمة"),
                ("ﺃﺣﻤﺪ", "أحمد"),
                ("مدرسة", "المدرسة"),
                ("خيمة", "خيام"),
                ("الخيمة", "والخيام"),
                ("سلة غذائية", "سلال"),
                ("دواء", "الأدوية"),
                ("غطاء", "أغطية"),
                ("طفل", "للأطفال"),
                ("مدرسة", "المدارس"),
                ("أدوية", "أدْوِيَة"),
                ("ﺧﻴﻤﺔ", "خيمة"),
                ("blanket", "blankets"),
                ("child", "children's clothes"),
                ("women", "woman"),
                ("كرسي متحرك", "كراسي متحركة"),
                ("مياه الشرب", "ماء"),
                ("الألعاب", "لعبة"),
                ("أيتام", "يتيم"),
                ("مرضى", "المريض"),
                ("أغذية", "غذاء"),
                ("أحذية", "حذاء"),
                ("كبار السن", "لكبار"),
                ("مرضى", "للمرضى"),
                ("كبار", "ولكبار"),
                ("Hospitals", "hospital"),
                ("Jose\u{0301}", "José"),
                ("children's shoes", "shoe"),
            ],
            true,
        );
    }

    #[test]
    fn different_words_do_not_meet() {
        check(
            &[
                ("بطانية", "بطاطا"),
                ("مستشفى", "مستوصف"),
                ("خيمة", "خيط"),
                ("حليب", "حطب"),
                ("blanket", "bucket"),
                ("tent", "ten"),
                ("في المدرسة", "في المستشفى"),
                ("the school", "the hospital"),
                ("أدوية", "أدوات"),
                ("خيام", "خيار"),
                ("سلال", "سلام"),
                ("طفل", "طفايه"),
                ("medicine", "medal"),
                ("طان", "قطن"),
                ("بطانية", "طاولة"),
                ("رأس", "كراسي"),
                ("طاقة", "بطاقة"),
                ("قال", "بقالة"),
                ("قراء", "فقراء"),
                ("مال", "كمال"),
                ("حافي", "لحاف"),
                ("طور", "فطور"),
                ("طار", "بطارية"),
                ("رش", "فرشات"),
                ("علاج السل", "سلة غذائية"),
                ("السل", "سلال"),
            ],
            false,
        );
    }

    #[test]
    fn an_index_with_the_analyser_finds_another_form_of_the_word() {
        use tantivy::{
            Index, TantivyDocument,
            collector::Count,
            query::QueryParser,
            schema::{IndexRecordOption, Schema, TextFieldIndexing, TextOptions},
        };
        let mut schema = Schema::builder();
        let summary = schema.add_text_field(
            "summary",
            TextOptions::default().set_indexing_options(
                TextFieldIndexing::default()
                    .set_tokenizer(ANALYSER)
                    .set_index_option(IndexRecordOption::WithFreqsAndPositions),
            ),
        );
        let index = Index::create_in_ram(schema.build());
        register(&index);
        let mut writer = index.writer::<TantivyDocument>(15_000_000).unwrap();
        for text in [
            "توزيع بطانيات شتوية على الأسر النازحة",
            "Winter blankets for displaced families",
            "حليب أطفال",
        ] {
            let mut doc = TantivyDocument::default();
            doc.add_text(summary, text);
            writer.add_document(doc).unwrap();
        }
        writer.commit().unwrap();
        let searcher = index.reader().unwrap().searcher();
        let parser = QueryParser::for_index(&index, vec![summary]);
        for (query, hits) in
            [("البطانية", 1), ("blanket", 1), ("الأطفال", 1), ("الاسرة", 1), ("مستشفى", 0)]
        {
            let found = searcher.search(&parser.parse_query(query).unwrap(), &Count).unwrap();
            assert_eq!(found, hits, "{query}");
        }
    }

    #[test]
    fn stop_words_leave_gaps_and_particles_share_a_position() {
        let terms =
            analyse_with_positions(&mut index_analyser(), "بطانيات لكبار السن and the blankets");
        assert_eq!(
            terms,
            [(0, "بطان"), (1, "لكبار"), (1, "كبار"), (2, "سن"), (5, "blanket")]
                .map(|(p, t)| (p, t.to_owned()))
        );
        assert_eq!(
            analyse(&mut query_analyser(), "لكبار"),
            ["لكبار"],
            "a query word is never split"
        );
    }

    /// ASCII and the Arabic block are decided without Unicode's tables, as Unicode decides them.
    #[test]
    fn every_stop_word_is_found() {
        for word in ARABIC_STOP_WORDS.iter().chain(ENGLISH_STOP_WORDS) {
            assert!(is_stop_word(word), "{word}");
        }
        assert!(!is_stop_word("blanket"));
        assert!(!is_stop_word("can"), "cans of food are asked for");
    }

    #[test]
    fn words_are_cut_as_unicode_cuts_them() {
        for c in
            ('\u{0}'..='\u{07FF}').filter(|c| c.is_ascii() || ('\u{0600}'..='\u{06FF}').contains(c))
        {
            let marks = matches!(c, '\u{064B}'..='\u{065F}' | '\u{0670}');
            assert_eq!(in_word(c), c.is_alphanumeric() || marks, "{c:?}");
        }
    }

    #[test]
    fn offsets_are_those_of_the_original_text() {
        let text = "بطانيات، ﺃﺣﻤﺪ و Jose\u{0301}!";
        let mut analyser = query_analyser();
        let mut stream = analyser.token_stream(text);
        let mut spans = Vec::new();
        while stream.advance() {
            let t = stream.token();
            spans.push((t.text.clone(), &text[t.offset_from..t.offset_to]));
        }
        assert_eq!(spans[0], ("بطان".to_owned(), "بطانيات"));
        assert_eq!(spans[1].1, "ﺃﺣﻤﺪ");
        assert_eq!(spans[2], ("josé".to_owned(), "Jose\u{0301}"), "{spans:?}");
    }
}
