//! The matches of a plain conjunction of terms (what a search by words and filters is), counted or listed with
//! bitsets of the frequent terms, for the total and the facets of a search.
//!
//! tantivy steps through an intersection by seeking in each term's compressed postings: for a search whose rarest word
//! is in tens of thousands of listings, and which is also intersected with a term as common as the `scope` one, that
//! is milliseconds. Here the rarest term's postings are walked once and every other term is a bitset (one bit a
//! document of the segment), so a document costs a few bit tests; when even the rarest term is frequent, the bitsets
//! are and-ed a word (64 documents) at a time. A bitset is made from the term's postings the first time it is needed
//! and kept while its segment lives (segments never change; deletions are the segment's alive bitset), within a
//! memory budget.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

use tantivy::{
    DocId, DocSet, SegmentReader, TERMINATED, Term, index::SegmentId, schema::IndexRecordOption,
};

/// Terms in fewer than one document in this many of a segment are walked, not made into a bitset, when they lead.
const SPARSE: u32 = 32;

/// Bitsets kept at most, in bytes, for all segments (a bitset of a 1,000,000-document segment is 125 KB).
const BUDGET: usize = 64 << 20;

type Key = (SegmentId, Term);

/// Bitsets of terms, by segment.
#[derive(Default)]
pub(crate) struct TermSets {
    kept: Mutex<Kept>,
}

#[derive(Default)]
struct Kept {
    sets: HashMap<Key, Arc<Vec<u64>>>,
    bytes: usize,
}

impl std::fmt::Debug for TermSets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TermSets").finish_non_exhaustive()
    }
}

fn words(max_doc: DocId) -> usize {
    (max_doc as usize).div_ceil(64)
}

impl TermSets {
    /// Forgets the bitsets of segments no longer in use.
    pub(crate) fn retain(&self, segments: &[SegmentId]) {
        let mut kept = self.kept.lock().unwrap_or_else(|e| e.into_inner());
        kept.sets.retain(|(segment, _), _| segments.contains(segment));
        kept.bytes = kept.sets.values().map(|s| s.len() * 8).sum();
    }

    /// The bitset of a term in a segment (one bit a document, `u64` words), made from its postings when not kept.
    pub(crate) fn bitset(
        &self,
        segment: &SegmentReader,
        term: &Term,
    ) -> tantivy::Result<Arc<Vec<u64>>> {
        let key = (segment.segment_id(), term.clone());
        if let Some(set) =
            self.kept.lock().unwrap_or_else(|e| e.into_inner()).sets.get(&key).cloned()
        {
            return Ok(set);
        }
        let mut set = vec![0u64; words(segment.max_doc())];
        if let Some(mut postings) =
            segment.inverted_index(term.field())?.read_postings(term, IndexRecordOption::Basic)?
        {
            let mut doc = postings.doc();
            while doc != TERMINATED {
                set[(doc / 64) as usize] |= 1 << (doc % 64);
                doc = postings.advance();
            }
        }
        let set = Arc::new(set);
        let mut kept = self.kept.lock().unwrap_or_else(|e| e.into_inner());
        if kept.bytes + set.len() * 8 > BUDGET {
            kept.sets.clear();
            kept.bytes = 0;
        }
        kept.bytes += set.len() * 8;
        if let Some(replaced) = kept.sets.insert(key, set.clone()) {
            kept.bytes -= replaced.len() * 8;
        }
        Ok(set)
    }

    /// Calls `found` with every live document of the segment that has all the terms, in order; returns how many.
    /// With `list` false and no deletions, a conjunction of frequent terms is only counted.
    pub(crate) fn matches(
        &self,
        segment: &SegmentReader,
        terms: &[Term],
        list: bool,
        found: &mut dyn FnMut(DocId),
    ) -> tantivy::Result<usize> {
        let mut freqs = Vec::with_capacity(terms.len());
        for term in terms {
            let n = segment.inverted_index(term.field())?.doc_freq(term)?;
            if n == 0 {
                return Ok(0);
            }
            freqs.push((n, term));
        }
        freqs.sort_by_key(|(n, _)| *n);
        let Some(&(lead_freq, lead)) = freqs.first() else { return Ok(0) };
        let alive = segment.alive_bitset();
        let mut others = Vec::with_capacity(freqs.len() - 1);
        for (_, term) in &freqs[1..] {
            others.push(self.bitset(segment, term)?);
        }
        let mut count = 0;
        if lead_freq.saturating_mul(SPARSE) < segment.max_doc() {
            let Some(mut postings) = segment
                .inverted_index(lead.field())?
                .read_postings(lead, IndexRecordOption::Basic)?
            else {
                return Ok(0);
            };
            let mut doc = postings.doc();
            while doc != TERMINATED {
                let (word, bit) = ((doc / 64) as usize, 1u64 << (doc % 64));
                if others.iter().all(|s| s[word] & bit != 0)
                    && alive.is_none_or(|a| a.is_alive(doc))
                {
                    count += 1;
                    found(doc);
                }
                doc = postings.advance();
            }
            return Ok(count);
        }
        let lead = self.bitset(segment, lead)?;
        for (i, &first) in lead.iter().enumerate() {
            let mut word = others.iter().fold(first, |w, s| w & s[i]);
            if word == 0 {
                continue;
            }
            if !list && alive.is_none() {
                count += word.count_ones() as usize;
                continue;
            }
            while word != 0 {
                let doc = (i * 64) as DocId + word.trailing_zeros();
                word &= word - 1;
                if alive.is_none_or(|a| a.is_alive(doc)) {
                    count += 1;
                    found(doc);
                }
            }
        }
        Ok(count)
    }
}
