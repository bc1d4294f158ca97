//! The household-name index: normalised name parts → households, so a text is checked against candidates only.

use std::collections::{HashMap, HashSet};

use super::normalize::{JOINERS, Word, candidates, normalize, strip_al};

/// How a household name is recognised in a text.
enum Rule {
    /// At least two of these distinct distinctive parts occur as whole words, in any order.
    AnyTwo(Vec<String>),
    /// This one distinctive part (≥ 4 characters) occurs as a whole word.
    Single(String),
    /// These keys occur as consecutive words (a name with one distinctive part and joiners: "ابو محمد").
    Phrase(Vec<String>),
}

/// The keys of a name: each word's key (without the article) and whether it is a joiner.
fn name_keys(name: &str) -> Vec<(String, bool)> {
    let norm = normalize(name);
    let words: Vec<&str> = norm.split(' ').filter(|w| !w.is_empty()).collect();
    let mut keys = Vec::with_capacity(words.len());
    let mut i = 0;
    while i < words.len() {
        let w = words[i];
        i += 1;
        if JOINERS.contains(&w) {
            keys.push((w.to_string(), true));
            continue;
        }
        // "عبد الله" and "عبدالله" are the same name.
        let word = match (w, words.get(i)) {
            ("عبد", Some(next)) => {
                i += 1;
                format!("عبد{next}")
            }
            _ => w.to_string(),
        };
        let key = strip_al(&word);
        if key.chars().count() >= 2 {
            keys.push((key.to_string(), false));
        }
    }
    keys
}

/// Works out how the name is recognised; `None` when it has no distinctive part at all.
fn rule(name: &str) -> Option<Rule> {
    let keys = name_keys(name);
    let mut parts: Vec<String> = Vec::new();
    for (k, joiner) in &keys {
        if !joiner && !parts.contains(k) {
            parts.push(k.clone());
        }
    }
    let has_joiner = keys.iter().any(|(_, j)| *j);
    let repeated = keys.iter().filter(|(_, j)| !j).count() > parts.len();
    match parts.len() {
        0 => None,
        1 if has_joiner || repeated => {
            Some(Rule::Phrase(keys.into_iter().map(|(k, _)| k).collect()))
        }
        1 => parts.pop().filter(|p| p.chars().count() >= 4).map(Rule::Single),
        _ => Some(Rule::AnyTwo(parts)),
    }
}

/// Name parts of all households, indexed for look-up by text word.
#[derive(Clone, Default)]
pub(super) struct NameIndex {
    /// Part → households recognised by any two of their parts.
    pairs: HashMap<String, Vec<u32>>,
    /// Part → households whose name is that one part.
    singles: HashMap<String, Vec<u32>>,
    /// Space-joined phrase → households recognised by that phrase.
    phrases: HashMap<String, Vec<u32>>,
    /// Every key that occurs in some phrase.
    phrase_words: HashSet<String>,
    /// The distinct phrase lengths, in words.
    phrase_lengths: Vec<usize>,
}

impl NameIndex {
    /// Adds household `h` with its registered name.
    pub(super) fn add(&mut self, h: u32, name: &str) {
        match rule(name) {
            None => {}
            Some(Rule::AnyTwo(parts)) => {
                for p in parts {
                    self.pairs.entry(p).or_default().push(h);
                }
            }
            Some(Rule::Single(p)) => self.singles.entry(p).or_default().push(h),
            Some(Rule::Phrase(keys)) => {
                if !self.phrase_lengths.contains(&keys.len()) {
                    self.phrase_lengths.push(keys.len());
                }
                self.phrase_words.extend(keys.iter().cloned());
                self.phrases.entry(keys.join(" ")).or_default().push(h);
            }
        }
    }

    /// The households whose names occur in the text, each with the index of the first word that matched.
    pub(super) fn find(&self, words: &[Word]) -> Vec<(usize, u32)> {
        let cands: Vec<Vec<String>> = words
            .iter()
            .enumerate()
            .map(|(j, w)| {
                let mut c = candidates(&w.norm);
                if w.norm == "عبد"
                    && let Some(next) = words.get(j + 1)
                {
                    c.push(format!("عبد{}", next.norm));
                }
                c
            })
            .collect();
        let mut found = Vec::new();
        // Key → the words it occurs at (a word may stand for several keys: "كريم" is also "ك" + "ريم").
        let mut at: HashMap<&str, Vec<usize>> = HashMap::new();
        for (j, keys) in cands.iter().enumerate() {
            for key in keys {
                let positions = at.entry(key.as_str()).or_default();
                if positions.last() != Some(&j) {
                    positions.push(j);
                }
            }
        }
        // Household → (distinct parts matched, first word, whether they occur at two different words).
        let mut counts: HashMap<u32, (u8, usize, bool)> = HashMap::new();
        for (key, positions) in &at {
            let Some(&first) = positions.first() else { continue };
            if let Some(list) = self.singles.get(*key) {
                found.extend(list.iter().map(|&h| (first, h)));
            }
            for &h in self.pairs.get(*key).map_or(&[][..], Vec::as_slice) {
                let (parts, min, two) = counts.entry(h).or_insert((0, first, false));
                *parts = parts.saturating_add(1);
                *two |= positions.iter().any(|p| p != min);
                *min = first.min(*min);
            }
        }
        // Two distinct parts at two different words can always be paired with different words.
        found.extend(
            counts
                .into_iter()
                .filter(|&(_, (parts, _, two))| parts >= 2 && two)
                .map(|(h, (_, first, _))| (first, h)),
        );
        self.find_phrases(&cands, &mut found);
        found.sort_unstable();
        found.dedup();
        found
    }

    /// Adds the households whose phrase occurs as consecutive words.
    fn find_phrases(&self, cands: &[Vec<String>], found: &mut Vec<(usize, u32)>) {
        if self.phrases.is_empty() {
            return;
        }
        // Per word, only the keys that occur in some phrase.
        let useful: Vec<Vec<&str>> = cands
            .iter()
            .map(|c| {
                c.iter().map(String::as_str).filter(|k| self.phrase_words.contains(*k)).collect()
            })
            .collect();
        for &len in &self.phrase_lengths {
            for j in 0..useful.len().saturating_sub(len - 1) {
                let mut combos = vec![String::new()];
                for keys in &useful[j..j + len] {
                    combos = combos
                        .iter()
                        .flat_map(|c| {
                            keys.iter().map(move |k| {
                                if c.is_empty() { (*k).to_string() } else { format!("{c} {k}") }
                            })
                        })
                        .take(64)
                        .collect();
                    if combos.is_empty() {
                        break;
                    }
                }
                for c in &combos {
                    if let Some(list) = self.phrases.get(c) {
                        found.extend(list.iter().map(|&h| (j, h)));
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finds(name: &str, text: &str) -> bool {
        let mut index = NameIndex::default();
        index.add(0, name);
        !index.find(&super::super::normalize::words(text)).is_empty()
    }

    #[test]
    fn pii_name_parts_need_two_words() {
        assert!(finds("كريم سمير ريم", "كريم، ريم"));
        assert!(finds("كريم ريم", "ريم كريم"));
        assert!(!finds("كريم ريم", "كريم"));
        assert!(!finds("Mariam Yusuf Haddad", "mariam mariam"));
        assert!(finds("Mariam Yusuf Haddad", "haddad x y mariam"));
    }

    #[test]
    fn pii_name_rules() {
        assert!(matches!(rule("Mariam Yusuf Haddad"), Some(Rule::AnyTwo(p)) if p.len() == 3));
        assert!(
            matches!(rule("مريم يوسف الحداد"), Some(Rule::AnyTwo(p)) if p.contains(&"حداد".to_string()))
        );
        assert!(matches!(rule("أبو محمد"), Some(Rule::Phrase(k)) if k == ["ابو", "محمد"]));
        assert!(matches!(rule("Haddad"), Some(Rule::Single(_))));
        assert!(rule("Ali").is_none());
        assert!(rule("Al").is_none());
        assert!(matches!(rule("عبد الله حداد"), Some(Rule::AnyTwo(p)) if p == ["عبدالله", "حداد"]));
    }
}
