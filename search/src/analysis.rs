//! Sanad's analysers as tantivy tokenizers: text is cut into words (a word keeps its combining marks, so decomposed
//! accents and Arabic diacritics stay inside it), each word is normalised ([`crate::normalize`]: NFKC, lower case,
//! digits folded, diacritics and tatweel removed, alef, yaa and taa marbuta unified), then
//! - `sanad_ar`: stop words dropped (Arabic and English), then the light stemmer ([`crate::light_stem`]);
//! - `sanad_en`: stop words dropped (English and Arabic), then the English Snowball stemmer.
//!
//! Text is indexed with both, and a query is analysed with both: a word meets another when either analysis of the
//! one shares a term with the same analysis of the other. Offsets are those of the original text, for highlighting.

use tantivy::tokenizer::{
    Language, Stemmer, StopWordFilter, TextAnalyzer, Token, TokenStream, Tokenizer,
};

use crate::arabic::{light_stem, normalize};

/// The name of the Arabic analyser in an index's tokenizer manager.
pub const ARABIC: &str = "sanad_ar";
/// The name of the English analyser.
pub const ENGLISH: &str = "sanad_en";

/// Common Arabic function words, as [`normalize`] writes them.
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

/// Cuts text into words and normalises each one.
#[derive(Clone, Debug, Default)]
pub struct WordTokenizer {
    token: Token,
}

/// The words of one text.
#[derive(Debug)]
pub struct WordStream<'a> {
    text: &'a str,
    at: usize,
    token: &'a mut Token,
}

/// Whether a character belongs inside a word: letters, digits, combining marks, and the joiners and format
/// characters that [`normalize`] removes.
fn in_word(c: char) -> bool {
    c.is_alphanumeric()
        || matches!(c,
            '\u{0300}'..='\u{036F}' | '\u{064B}'..='\u{065F}' | '\u{0670}' | '\u{0640}' | '\u{1AB0}'..='\u{1AFF}'
            | '\u{1DC0}'..='\u{1DFF}' | '\u{20D0}'..='\u{20FF}' | '\u{FE20}'..='\u{FE2F}' | '\u{200B}'..='\u{200D}'
            | '\u{2060}' | '\u{00AD}')
}

impl Tokenizer for WordTokenizer {
    type TokenStream<'a> = WordStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> WordStream<'a> {
        self.token.reset();
        WordStream { text, at: 0, token: &mut self.token }
    }
}

impl TokenStream for WordStream<'_> {
    fn advance(&mut self) -> bool {
        loop {
            let rest = &self.text[self.at..];
            let Some(start) =
                rest.char_indices().find(|(_, c)| in_word(*c)).map(|(i, _)| self.at + i)
            else {
                self.at = self.text.len();
                return false;
            };
            let end = self.text[start..]
                .char_indices()
                .find(|(_, c)| !in_word(*c))
                .map_or(self.text.len(), |(i, _)| start + i);
            self.at = end;
            let word = normalize(&self.text[start..end]);
            if word.is_empty() {
                continue;
            }
            self.token.position = self.token.position.wrapping_add(1);
            self.token.offset_from = start;
            self.token.offset_to = end;
            self.token.text = word;
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

/// A token filter rewriting each word with a function (the Arabic light stemmer, English irregular plurals).
#[derive(Clone, Copy, Debug)]
pub struct Rewrite(pub fn(&str) -> String);

/// The Arabic light stemmer as a token filter.
pub const ARABIC_STEM: Rewrite = Rewrite(light_stem);

impl tantivy::tokenizer::TokenFilter for Rewrite {
    type Tokenizer<T: Tokenizer> = RewriteFilter<T>;

    fn transform<T: Tokenizer>(self, tokenizer: T) -> RewriteFilter<T> {
        RewriteFilter(tokenizer, self.0)
    }
}

/// A tokenizer whose words are rewritten.
#[derive(Clone, Debug)]
pub struct RewriteFilter<T>(T, fn(&str) -> String);

impl<T: Tokenizer> Tokenizer for RewriteFilter<T> {
    type TokenStream<'a> = RewriteStream<T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        RewriteStream(self.0.token_stream(text), self.1)
    }
}

/// The rewritten words of one text.
#[derive(Debug)]
pub struct RewriteStream<S>(S, fn(&str) -> String);

impl<S: TokenStream> TokenStream for RewriteStream<S> {
    fn advance(&mut self) -> bool {
        if !self.0.advance() {
            return false;
        }
        let rewritten = (self.1)(&self.0.token().text);
        self.0.token_mut().text = rewritten;
        true
    }

    fn token(&self) -> &Token {
        self.0.token()
    }

    fn token_mut(&mut self) -> &mut Token {
        self.0.token_mut()
    }
}

/// The stem a word would have without a joined ل ("for": لكبار السن, "for the elderly"), when it may have one: at
/// least four letters remain (after a leading و). The light stemmer cannot strip it, since ل also begins many
/// words; ب, ك and ف are left alone: stripped, they would make بطاقة meet طاقة and فقراء meet قراء.
fn without_particle(word: &str) -> Option<String> {
    let mut rest = word;
    if rest.chars().count() >= 6 && rest.starts_with('و') {
        rest = &rest['و'.len_utf8()..];
    }
    let rest = rest.strip_prefix('ل')?;
    if rest.chars().count() < 4 || rest.starts_with('ل') || rest.starts_with("ال") {
        return None;
    }
    Some(light_stem(rest))
}

/// The Arabic light stemmer for indexing: each word is stemmed, and a word that may begin with a joined particle
/// (لكبار "for the elderly") is also indexed at the same place as the stem of the rest (كبار), so that a query for
/// the bare word finds it. Queries use the plain stemmer: a query word is never split.
#[derive(Clone, Copy, Debug, Default)]
pub struct ArabicIndexStem;

impl tantivy::tokenizer::TokenFilter for ArabicIndexStem {
    type Tokenizer<T: Tokenizer> = ArabicIndexStemFilter<T>;

    fn transform<T: Tokenizer>(self, tokenizer: T) -> ArabicIndexStemFilter<T> {
        ArabicIndexStemFilter(tokenizer)
    }
}

/// A tokenizer stemming for indexing.
#[derive(Clone, Debug)]
pub struct ArabicIndexStemFilter<T>(T);

impl<T: Tokenizer> Tokenizer for ArabicIndexStemFilter<T> {
    type TokenStream<'a> = ArabicIndexStemStream<T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        ArabicIndexStemStream { inner: self.0.token_stream(text), pending: None }
    }
}

/// The stems of one text, with the alternatives.
#[derive(Debug)]
pub struct ArabicIndexStemStream<S> {
    inner: S,
    pending: Option<String>,
}

impl<S: TokenStream> TokenStream for ArabicIndexStemStream<S> {
    fn advance(&mut self) -> bool {
        if let Some(alternative) = self.pending.take() {
            // Same position and offsets as the word it comes from.
            self.inner.token_mut().text = alternative;
            return true;
        }
        if !self.inner.advance() {
            return false;
        }
        let word = std::mem::take(&mut self.inner.token_mut().text);
        let stem = light_stem(&word);
        self.pending = without_particle(&word).filter(|alt| *alt != stem);
        self.inner.token_mut().text = stem;
        true
    }

    fn token(&self) -> &Token {
        self.inner.token()
    }

    fn token_mut(&mut self) -> &mut Token {
        self.inner.token_mut()
    }
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

/// The singular of an English irregular plural (the word itself otherwise).
fn english_singular(word: &str) -> String {
    ENGLISH_IRREGULAR.iter().find(|(p, _)| *p == word).map_or(word, |(_, s)| s).to_owned()
}

fn arabic_stop_words() -> StopWordFilter {
    StopWordFilter::remove(ARABIC_STOP_WORDS.iter().map(|w| (*w).to_owned()))
}

fn english_stop_words() -> StopWordFilter {
    StopWordFilter::new(Language::English)
        .unwrap_or_else(|| StopWordFilter::remove(Vec::<String>::new()))
}

/// The Arabic analyser: words, stop words (Arabic and English: text mixes them) dropped, light stemming.
pub fn arabic() -> TextAnalyzer {
    TextAnalyzer::builder(WordTokenizer::default())
        .filter(arabic_stop_words())
        .filter(english_stop_words())
        .filter(ARABIC_STEM)
        .build()
}

/// The English analyser: words, stop words (English and Arabic) dropped, Snowball stemming.
pub fn english() -> TextAnalyzer {
    TextAnalyzer::builder(WordTokenizer::default())
        .filter(english_stop_words())
        .filter(arabic_stop_words())
        .filter(Rewrite(english_singular))
        .filter(Stemmer::new(Language::English))
        .build()
}

/// The Arabic analyser for indexing: as [`arabic`], and words that may begin with a joined particle are also
/// indexed without it.
pub fn arabic_index() -> TextAnalyzer {
    TextAnalyzer::builder(WordTokenizer::default())
        .filter(arabic_stop_words())
        .filter(english_stop_words())
        .filter(ArabicIndexStem)
        .build()
}

/// Registers both analysers with an index (the Arabic one for indexing; queries are analysed with [`arabic`]).
pub fn register(index: &tantivy::Index) {
    index.tokenizers().register(ARABIC, arabic_index());
    index.tokenizers().register(ENGLISH, english());
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

    /// Whether two texts meet: a shared term in the Arabic analysis or in the English one.
    /// Whether two texts meet: a query of either finds the other once indexed, in the Arabic analysis or the
    /// English one.
    fn meet(a: &str, b: &str) -> bool {
        let shared = |x: Vec<String>, y: Vec<String>| x.iter().any(|t| y.contains(t));
        let finds = |query: &str, doc: &str| {
            shared(analyse(&mut arabic(), query), analyse(&mut arabic_index(), doc))
                || shared(analyse(&mut english(), query), analyse(&mut english(), doc))
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
    fn an_index_with_both_analysers_finds_another_form_of_the_word() {
        use tantivy::{
            Index, TantivyDocument,
            collector::Count,
            query::QueryParser,
            schema::{IndexRecordOption, Schema, TextFieldIndexing, TextOptions},
        };
        let mut schema = Schema::builder();
        let options = |analyser: &str| {
            TextOptions::default().set_indexing_options(
                TextFieldIndexing::default()
                    .set_tokenizer(analyser)
                    .set_index_option(IndexRecordOption::WithFreqsAndPositions),
            )
        };
        let ar = schema.add_text_field("summary_ar", options(ARABIC));
        let en = schema.add_text_field("summary_en", options(ENGLISH));
        let index = Index::create_in_ram(schema.build());
        register(&index);
        let mut writer = index.writer::<TantivyDocument>(15_000_000).unwrap();
        for text in [
            "توزيع بطانيات شتوية على الأسر النازحة",
            "Winter blankets for displaced families",
            "حليب أطفال",
        ] {
            let mut doc = TantivyDocument::default();
            doc.add_text(ar, text);
            doc.add_text(en, text);
            writer.add_document(doc).unwrap();
        }
        writer.commit().unwrap();
        let searcher = index.reader().unwrap().searcher();
        let parser = QueryParser::for_index(&index, vec![ar, en]);
        for (query, hits) in
            [("البطانية", 1), ("blanket", 1), ("الأطفال", 1), ("الاسرة", 1), ("مستشفى", 0)]
        {
            let found = searcher.search(&parser.parse_query(query).unwrap(), &Count).unwrap();
            assert_eq!(found, hits, "{query}");
        }
    }

    #[test]
    fn offsets_are_those_of_the_original_text() {
        let text = "بطانيات، ﺃﺣﻤﺪ و Jose\u{0301}!";
        let mut ar = arabic();
        let mut stream = ar.token_stream(text);
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
