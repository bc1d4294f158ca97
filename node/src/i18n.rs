//! The translation catalogue (Fluent, Arabic and English) and language negotiation.

use std::sync::Arc;

use fluent_bundle::{FluentArgs, FluentResource, FluentValue, concurrent::FluentBundle};

/// A language the interface is written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    /// Arabic, the default: right to left.
    Ar,
    /// English.
    En,
}

impl Lang {
    /// Every supported language, default first.
    pub const ALL: [Lang; 2] = [Lang::Ar, Lang::En];

    /// The BCP 47 code.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Ar => "ar",
            Lang::En => "en",
        }
    }

    /// Parses a code such as `ar`, `ar-PS` or `en-GB`.
    pub fn parse(code: &str) -> Option<Lang> {
        let primary = code.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        match primary.as_str() {
            "ar" => Some(Lang::Ar),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The text direction, for the `dir` attribute.
    pub fn dir(self) -> &'static str {
        match self {
            Lang::Ar => "rtl",
            Lang::En => "ltr",
        }
    }

    /// Picks the best supported language from an `Accept-Language` header value.
    pub fn from_accept_language(header: &str) -> Option<Lang> {
        let mut best: Option<(f32, Lang)> = None;
        for part in header.split(',') {
            let mut pieces = part.split(';');
            let tag = pieces.next().unwrap_or_default();
            let q = pieces
                .find_map(|p| p.trim().strip_prefix("q="))
                .and_then(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            if let Some(lang) = Lang::parse(tag)
                && q > 0.0
                && best.is_none_or(|(bq, _)| q > bq)
            {
                best = Some((q, lang));
            }
        }
        best.map(|(_, lang)| lang)
    }
}

/// Both catalogues, loaded once.
pub struct Catalogue {
    ar: FluentBundle<FluentResource>,
    en: FluentBundle<FluentResource>,
}

impl std::fmt::Debug for Catalogue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Catalogue")
    }
}

const AR_FTL: &str = include_str!("../locales/ar.ftl");
const EN_FTL: &str = include_str!("../locales/en.ftl");

impl Catalogue {
    /// Parses the built-in catalogues.
    pub fn load() -> anyhow::Result<Self> {
        Ok(Self { ar: bundle("ar", AR_FTL)?, en: bundle("en", EN_FTL)? })
    }

    fn bundle(&self, lang: Lang) -> &FluentBundle<FluentResource> {
        match lang {
            Lang::Ar => &self.ar,
            Lang::En => &self.en,
        }
    }

    /// Formats a message; an unknown key is returned as is (and caught by the catalogue tests).
    pub fn format(&self, lang: Lang, key: &str, args: Option<&FluentArgs<'_>>) -> String {
        let bundle = self.bundle(lang);
        let Some(pattern) = bundle.get_message(key).and_then(|m| m.value()) else {
            let key_start: String = key.chars().take(64).collect();
            tracing::warn!(key = %key_start, lang = lang.code(), "missing translation");
            return key.to_owned();
        };
        let mut errors = Vec::new();
        bundle.format_pattern(pattern, args, &mut errors).into_owned()
    }
}

fn bundle(code: &str, source: &str) -> anyhow::Result<FluentBundle<FluentResource>> {
    let resource = FluentResource::try_new(source.to_owned())
        .map_err(|(_, errors)| anyhow::anyhow!("{code}.ftl does not parse: {errors:?}"))?;
    let mut bundle = FluentBundle::new_concurrent(vec![code.parse()?]);
    // Numbers and names are inserted into sentences of either direction; isolate them for correct bidi display.
    bundle.set_use_isolating(true);
    bundle.add_resource(resource).map_err(|errors| anyhow::anyhow!("{code}.ftl: {errors:?}"))?;
    Ok(bundle)
}

/// A translator bound to one language: what templates and error renderers use.
#[derive(Clone, Debug)]
pub struct Tr {
    /// The language of this request.
    pub lang: Lang,
    catalogue: Arc<Catalogue>,
}

impl Tr {
    /// Binds the catalogue to a language.
    pub fn new(catalogue: Arc<Catalogue>, lang: Lang) -> Self {
        Self { lang, catalogue }
    }

    /// The message for `key`.
    pub fn t(&self, key: &str) -> String {
        self.catalogue.format(self.lang, key, None)
    }

    /// The message for `prefix-value`, e.g. `sector-food`: for translated vocabularies.
    pub fn term(&self, prefix: &str, value: &str) -> String {
        self.t(&format!("{prefix}-{value}"))
    }

    /// The message for `key` with one argument.
    pub fn t1(&self, key: &str, name: &str, value: impl std::fmt::Display) -> String {
        let mut args = FluentArgs::new();
        args.set(name, FluentValue::from(value.to_string()));
        self.catalogue.format(self.lang, key, Some(&args))
    }

    /// The message for `key` with two arguments.
    pub fn t2(
        &self,
        key: &str,
        a: (&str, impl std::fmt::Display),
        b: (&str, impl std::fmt::Display),
    ) -> String {
        let mut args = FluentArgs::new();
        args.set(a.0, FluentValue::from(a.1.to_string()));
        args.set(b.0, FluentValue::from(b.1.to_string()));
        self.catalogue.format(self.lang, key, Some(&args))
    }

    /// The language code, for `lang` attributes.
    pub fn code(&self) -> &'static str {
        self.lang.code()
    }

    /// The text direction, for `dir` attributes.
    pub fn dir(&self) -> &'static str {
        self.lang.dir()
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    fn keys(source: &str) -> BTreeSet<String> {
        source
            .lines()
            .filter(|l| !l.starts_with([' ', '#', '\t']) && l.contains('='))
            .filter_map(|l| l.split('=').next())
            .map(|k| k.trim().to_owned())
            .collect()
    }

    #[test]
    fn both_catalogues_parse_and_have_the_same_keys() {
        Catalogue::load().unwrap();
        let (ar, en) = (keys(AR_FTL), keys(EN_FTL));
        assert!(en.len() > 100, "catalogue unexpectedly small: {}", en.len());
        let only_en: Vec<_> = en.difference(&ar).collect();
        let only_ar: Vec<_> = ar.difference(&en).collect();
        assert!(
            only_en.is_empty() && only_ar.is_empty(),
            "untranslated: {only_en:?}; only Arabic: {only_ar:?}"
        );
    }

    #[test]
    fn every_key_used_in_code_and_templates_exists() {
        let known = keys(EN_FTL);
        let mut missing = BTreeSet::new();
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut stack = vec![root.join("src"), root.join("templates")];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                    continue;
                }
                let text = std::fs::read_to_string(&path).unwrap();
                // Keys passed to the translator, and error keys written anywhere (`errors.add(…, "err-…")`).
                let markers = [(".t(\"", ""), (".t1(\"", ""), (".t2(\"", ""), ("\"err-", "err-")];
                for (marker, prefix) in markers {
                    for chunk in text.split(marker).skip(1) {
                        let rest = chunk.split('"').next().unwrap_or_default();
                        if rest.is_empty()
                            || !rest
                                .chars()
                                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
                        {
                            continue;
                        }
                        let key = format!("{prefix}{rest}");
                        let key = key.as_str();
                        if !key.is_empty() && !known.contains(key) {
                            missing.insert(format!(
                                "{}: {key}",
                                path.file_name().unwrap().to_string_lossy()
                            ));
                        }
                    }
                }
            }
        }
        assert!(missing.is_empty(), "keys used but not in the catalogue: {missing:?}");
    }

    #[test]
    fn vocabularies_are_translated() {
        let catalogue = Arc::new(Catalogue::load().unwrap());
        let known = keys(EN_FTL);
        fn keys_of<V: crate::vocab::Vocabulary>() -> Vec<String> {
            V::ALL.iter().map(|v| v.key()).collect()
        }
        use crate::vocab::*;
        let all = [
            keys_of::<Sector>(),
            keys_of::<Vulnerability>(),
            keys_of::<Urgency>(),
            keys_of::<CaseStatus>(),
            keys_of::<NeedStatus>(),
            keys_of::<Visibility>(),
            keys_of::<Role>(),
            keys_of::<ItemKind>(),
            keys_of::<WarehouseKind>(),
            keys_of::<MovementKind>(),
            keys_of::<SourceKind>(),
            keys_of::<LossReason>(),
            keys_of::<OfferStatus>(),
            keys_of::<FollowDirection>(),
            keys_of::<FollowState>(),
            keys_of::<DeliveryState>(),
            keys_of::<PeerPolicy>(),
            keys_of::<PeerState>(),
            MovementKind::MANUAL.iter().map(|k| format!("movement-help-{}", k.as_str())).collect(),
        ];
        for key in all.iter().flatten() {
            assert!(known.contains(key), "missing {key}");
        }
        let tr = Tr::new(catalogue, Lang::Ar);
        assert_eq!(tr.term("sector", "food"), "غذاء");
    }

    #[test]
    fn accept_language_prefers_the_highest_quality_supported_language() {
        let cases = [
            ("en-GB,en;q=0.9,ar;q=0.8", Some(Lang::En)),
            ("fr-FR,ar;q=0.5,en;q=0.4", Some(Lang::Ar)),
            ("ar-PS", Some(Lang::Ar)),
            ("de", None),
            ("", None),
        ];
        for (header, expected) in cases {
            assert_eq!(Lang::from_accept_language(header), expected, "{header}");
        }
    }
}
