//! E-mail addresses, also written with spaces around "@", with "[at]" / "(dot)", or as "name at example dot com".

/// Where a character of the de-obfuscated text came from.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Origin {
    /// Copied from the text.
    Text,
    /// "at" written as a plain word.
    PlainAt,
    /// "[at]", "(at)", "{at}" or "<at>".
    BracketAt,
    /// "dot" as a word, or "[dot]" and the like.
    WordDot,
}

/// Whether `c` is an at sign.
fn is_at(c: char) -> bool {
    matches!(c, '@' | '\u{FF20}' | '\u{FE6B}')
}

/// Whether `c` may be part of the local part of an address.
fn is_local(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '.' | '_' | '%' | '+' | '-')
}

/// Whether `c` may be part of a domain label.
fn is_label(c: char) -> bool {
    c.is_alphanumeric() || c == '-'
}

/// Whether the chars at `i` spell `word` (ASCII, any case).
fn spells(chars: &[char], i: usize, word: &str) -> bool {
    chars
        .get(i..i + word.len())
        .is_some_and(|s| s.iter().zip(word.chars()).all(|(a, b)| a.eq_ignore_ascii_case(&b)))
}

/// A bracketed "at" or "dot" at `i` ("[at]", "( dot )"): the replacement, its origin and its length in chars.
fn bracketed(chars: &[char], i: usize) -> Option<(char, Origin, usize)> {
    let close = match chars.get(i)? {
        '[' => ']',
        '(' => ')',
        '{' => '}',
        '<' => '>',
        _ => return None,
    };
    let mut j = i + 1;
    while chars.get(j) == Some(&' ') {
        j += 1;
    }
    let (replacement, origin, len) = if spells(chars, j, "at") {
        ('@', Origin::BracketAt, 2)
    } else if spells(chars, j, "dot") {
        ('.', Origin::WordDot, 3)
    } else {
        return None;
    };
    j += len;
    while chars.get(j) == Some(&' ') {
        j += 1;
    }
    (chars.get(j) == Some(&close)).then_some((replacement, origin, j + 1 - i))
}

/// A plain word "at" or "dot" at `i`, between two words: the replacement, its origin and its length in chars.
fn plain_word(
    chars: &[char],
    i: usize,
    out: &[(char, usize, Origin)],
) -> Option<(char, Origin, usize)> {
    if i == 0 || !chars[i - 1].is_whitespace() {
        return None;
    }
    let (replacement, origin, len) = if spells(chars, i, "at") {
        ('@', Origin::PlainAt, 2)
    } else if spells(chars, i, "dot") {
        ('.', Origin::WordDot, 3)
    } else {
        return None;
    };
    let after_space = chars.get(i + len).is_some_and(|c| c.is_whitespace());
    let next_word = chars.get(i + len + 1).is_some_and(|c| c.is_alphanumeric());
    let prev_word = out
        .iter()
        .rev()
        .find(|(c, _, _)| !c.is_whitespace())
        .is_some_and(|(c, _, _)| c.is_alphanumeric());
    (after_space && next_word && prev_word).then_some((replacement, origin, len))
}

/// Finds e-mail addresses; returns their byte ranges in `text`.
pub(super) fn scan(text: &str) -> Vec<(usize, usize)> {
    let indexed: Vec<(usize, char)> = text.char_indices().collect();
    let chars: Vec<char> = indexed.iter().map(|&(_, c)| c).collect();
    // The text with obfuscated "@" and "." replaced, each char remembering its index in `chars`.
    let mut out: Vec<(char, usize, Origin)> = Vec::with_capacity(chars.len());
    let mut i = 0;
    while i < chars.len() {
        if let Some((c, origin, len)) = bracketed(&chars, i).or_else(|| plain_word(&chars, i, &out))
        {
            while out.last().is_some_and(|(c, _, _)| *c == ' ') {
                out.pop();
            }
            out.push((c, i, origin));
            i += len;
            while chars.get(i) == Some(&' ') {
                i += 1;
            }
            continue;
        }
        out.push((chars[i], i, Origin::Text));
        i += 1;
    }
    let mut found = Vec::new();
    for p in 0..out.len() {
        if !is_at(out[p].0) {
            continue;
        }
        if let Some((from, to)) = address_around(&out, p) {
            let start = indexed[out[from].1].0;
            let end = indexed.get(out[to - 1].1 + 1).map_or(text.len(), |&(b, _)| b);
            if found.last().is_none_or(|&(_, e)| e <= start) {
                found.push((start, end));
            }
        }
    }
    found
}

/// The address around the at sign at `p` of the de-obfuscated text, as a range of it.
fn address_around(out: &[(char, usize, Origin)], p: usize) -> Option<(usize, usize)> {
    // Local part, possibly followed by up to two spaces (as many as after the at sign: "@handle" is no address).
    let mut k = p;
    for _ in 0..2 {
        if k > 0 && out[k - 1].0 == ' ' {
            k -= 1;
        }
    }
    let spaces_before = p - k;
    let local_end = k;
    while k > 0 && is_local(out[k - 1].0) {
        k -= 1;
    }
    while k < local_end && out[k].0 == '.' {
        k += 1;
    }
    if !out[k..local_end].iter().any(|(c, _, _)| c.is_alphanumeric()) {
        return None;
    }
    // Domain: labels separated by dots, possibly after up to two spaces.
    let mut q = p + 1;
    for _ in 0..2 {
        if out.get(q).is_some_and(|(c, _, _)| *c == ' ') {
            q += 1;
        }
    }
    if (spaces_before == 0) != (q == p + 1) {
        return None;
    }
    let mut labels = Vec::new();
    let mut dots = Vec::new();
    loop {
        let label_start = q;
        while out.get(q).is_some_and(|(c, _, _)| is_label(*c)) {
            q += 1;
        }
        if q == label_start {
            break;
        }
        labels.push(label_start..q);
        match (out.get(q), out.get(q + 1)) {
            (Some(&('.' | '\u{FF0E}', _, origin)), Some(&(next, _, _))) if is_label(next) => {
                dots.push(origin);
                q += 1;
            }
            _ => break,
        }
    }
    let tld = labels.last()?;
    let tld_ok = labels.len() >= 2
        && tld.len() >= 2
        && out[tld.clone()].iter().all(|(c, _, _)| c.is_alphabetic());
    // "name at example.com" is too often plain English; the plain-word form needs a spelt-out dot too.
    let obfuscated_enough = out[p].2 != Origin::PlainAt || dots.contains(&Origin::WordDot);
    (tld_ok && obfuscated_enough).then_some((k, tld.end))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(text: &str) -> Vec<&str> {
        scan(text).into_iter().map(|(s, e)| &text[s..e]).collect()
    }

    #[test]
    fn pii_email_forms() {
        assert_eq!(found("email mariam.h@example.org."), ["mariam.h@example.org"]);
        assert_eq!(found("write to name @ example.com"), ["name @ example.com"]);
        assert_eq!(found("مريم٤٥@example.ps للتواصل"), ["مريم٤٥@example.ps"]);
        assert_eq!(found("name at example dot com"), ["name at example dot com"]);
        assert_eq!(found("name [at] example [dot] org"), ["name [at] example [dot] org"]);
        assert_eq!(found("name(at)example.org"), ["name(at)example.org"]);
        assert!(
            found("look at example.com, follow @sanad.org, thanks @ all, meet at school dot")
                .is_empty()
        );
    }
}
