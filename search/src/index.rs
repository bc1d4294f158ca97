//! The search index: its schema, one document per need, offer or organisation, and queries with filters, facet
//! counts, sorting, pages and highlighted snippets. Text is indexed with Sanad's analyser ([`crate::analysis`]), which
//! keeps each word's Arabic or English analysis. Words typed by a visitor are only ever words: quotes, colons,
//! brackets and operators are not query syntax.
//!
//! Queries are shaped for speed: the filters a visitor always has (open, public, needs and offers) are one indexed
//! term, `scope`; only the words score (filters score nothing); and a search that is a plain conjunction of terms
//! (words and filters) is counted, with its facets, over bitsets of its terms ([`crate::matches`]), while its page
//! is ranked by tantivy over the words alone, with block-max pruning, and kept to what the filters let through.

use std::{ops::Bound, path::Path};

use tantivy::{
    DocAddress, DocSet, Index, IndexReader, IndexWriter, Order, ReloadPolicy, Searcher, TERMINATED,
    TantivyDocument, Term,
    collector::{Collector, Count, FacetCollector, SegmentCollector, TopDocs},
    postings::Postings,
    query::{
        Bm25Weight, BooleanQuery, ConstScoreQuery, EnableScoring, Occur, PhraseQuery, Query,
        RangeQuery, TermQuery,
    },
    schema::{
        FAST, Facet, FacetOptions, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema,
        TextFieldIndexing, TextOptions, Value,
    },
    tokenizer::TextAnalyzer,
};

use crate::{
    analysis::{self, ANALYSER},
    matches::TermSets,
};

/// The statuses a search shows by default: needs still open or partly met, offers still active.
pub const OPEN_STATUSES: [&str; 3] = ["open", "partly-met", "active"];

/// What can go wrong in the index.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    /// tantivy failed.
    #[error("search index: {0}")]
    Index(#[from] tantivy::TantivyError),
    /// The index directory could not be opened.
    #[error("search index directory: {0}")]
    Directory(#[from] tantivy::directory::error::OpenDirectoryError),
}

/// The result type of the index.
pub type Result<T, E = SearchError> = std::result::Result<T, E>;

/// A need or an offer as the index holds it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Listing {
    /// The index's key for it (stable while the listing lives, e.g. `need:12` or `remote:7`); empty means `id`.
    pub key: String,
    /// Its id (the object's URL).
    pub id: String,
    /// `need` or `offer`.
    pub kind: String,
    /// The origin organisation's actor URL.
    pub origin: String,
    /// Its name.
    pub origin_name: String,
    /// Item.
    pub item: String,
    /// Public summary.
    pub summary: String,
    /// Sector code.
    pub sector: String,
    /// The region and its ancestors, country first (empty when unknown).
    pub region_path: Vec<String>,
    /// Urgency, 0 (low) to 3 (critical).
    pub urgency: u64,
    /// Status code.
    pub status: String,
    /// Unit of the quantities.
    pub unit: String,
    /// Quantity.
    pub quantity: u64,
    /// Quantity met.
    pub quantity_met: u64,
    /// Needed by (needs) or available until (offers), in days since 1970-01-01.
    pub needed_by_day: Option<i64>,
    /// First published, milliseconds since the epoch.
    pub published_ms: i64,
    /// Last change, milliseconds since the epoch.
    pub updated_ms: i64,
    /// Whether the origin's signature over it was verified.
    pub verified: bool,
    /// Who may see it: `public`, or `org:{id}` for each organisation allowed.
    pub audience: Vec<String>,
    /// Where to read it.
    pub url: String,
}

/// An organisation of the directory as the index holds it (kind `organisation`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Organisation {
    /// The index's key for it (e.g. `org:3` or `actor:9`).
    pub key: String,
    /// Its actor URL.
    pub id: String,
    /// Its name (English or the only one).
    pub name: String,
    /// Its Arabic name.
    pub name_ar: String,
    /// What it does.
    pub description: String,
    /// Sector codes it works in.
    pub sectors: Vec<String>,
    /// Regions it serves, each as a path, country first.
    pub regions: Vec<Vec<String>>,
    /// The node (host) it is held on.
    pub node: String,
    /// Profile page.
    pub url: String,
}

/// One change of the index: a listing or an organisation added or replaced, or something removed by key.
#[derive(Clone, Debug, PartialEq)]
pub enum Change {
    /// Adds or replaces a listing.
    Listing(Listing),
    /// Adds or replaces an organisation.
    Organisation(Organisation),
    /// Removes whatever has this key.
    Remove(String),
}

impl Change {
    /// The key of what it changes.
    pub fn key(&self) -> &str {
        match self {
            Change::Listing(l) => l.key(),
            Change::Organisation(o) => &o.key,
            Change::Remove(k) => k,
        }
    }
}

impl Listing {
    /// The index key.
    pub fn key(&self) -> &str {
        if self.key.is_empty() { &self.id } else { &self.key }
    }
}

#[derive(Clone, Copy, Debug)]
struct Fields {
    key: Field,
    id: Field,
    kind: Field,
    origin: Field,
    origin_name: Field,
    item: Field,
    summary: Field,
    sector: Field,
    sector_facet: Field,
    region: Field,
    region_any: Field,
    status: Field,
    urgency: Field,
    unit: Field,
    quantity: Field,
    quantity_met: Field,
    needed_by: Field,
    published: Field,
    updated: Field,
    verified: Field,
    audience: Field,
    scope: Field,
    node: Field,
    url: Field,
    text: Field,
}

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let fields = Fields {
        key: b.add_text_field("key", STRING | STORED),
        id: b.add_text_field("id", STRING | STORED),
        kind: b.add_text_field("kind", STRING | STORED),
        origin: b.add_text_field("origin", STRING | STORED),
        origin_name: b.add_text_field("origin_name", STORED),
        item: b.add_text_field("item", STORED),
        summary: b.add_text_field("summary", STORED),
        sector: b.add_text_field("sector", STRING | STORED),
        sector_facet: b.add_facet_field("sector_facet", FacetOptions::default()),
        region: b.add_facet_field("region", FacetOptions::default().set_stored()),
        // Every code of the region's path, for filtering by a code alone (a peer's region this node's gazetteer
        // does not know is still found).
        region_any: b.add_text_field("region_any", STRING),
        status: b.add_text_field("status", STRING | STORED),
        urgency: b.add_u64_field("urgency", INDEXED | FAST | STORED),
        unit: b.add_text_field("unit", STORED),
        quantity: b.add_u64_field("quantity", STORED),
        quantity_met: b.add_u64_field("quantity_met", STORED),
        needed_by: b.add_i64_field("needed_by", INDEXED | FAST | STORED),
        published: b.add_i64_field("published", STORED),
        updated: b.add_i64_field("updated", FAST | STORED),
        verified: b.add_bool_field("verified", STORED),
        audience: b.add_text_field("audience", STORED),
        // What kind of entry it is, whether it is open, and who may see it, in one term (see `scope`).
        scope: b.add_text_field("scope", STRING),
        node: b.add_text_field("node", STORED),
        url: b.add_text_field("url", STORED),
        text: b.add_text_field(
            "text",
            TextOptions::default().set_indexing_options(
                TextFieldIndexing::default()
                    .set_tokenizer(ANALYSER)
                    .set_index_option(IndexRecordOption::WithFreqsAndPositions),
            ),
        ),
    };
    (b.build(), fields)
}

/// The deepest result a search pages to.
pub const MAX_OFFSET: usize = 10_000;

/// The kind the directory's organisations have in the index.
pub const ORGANISATION: &str = "organisation";

/// The index, with a reader that is reloaded after each commit.
pub struct SearchIndex {
    index: Index,
    reader: IndexReader,
    fields: Fields,
    sets: TermSets,
    /// [`RANK_ALL`], or another bound for a test.
    rank_all: std::sync::atomic::AtomicUsize,
}

impl std::fmt::Debug for SearchIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchIndex").finish_non_exhaustive()
    }
}

/// How results are ordered.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Sort {
    /// Best match first.
    #[default]
    Relevance,
    /// Most urgent first.
    Urgency,
    /// Most recently changed first.
    Recency,
}

impl Sort {
    /// Reads `relevance`, `urgency` or `recency`.
    pub fn parse(s: &str) -> Option<Sort> {
        match s {
            "relevance" => Some(Sort::Relevance),
            "urgency" => Some(Sort::Urgency),
            "recency" => Some(Sort::Recency),
            _ => None,
        }
    }
}

/// A search, as a visitor or a member of staff asks it.
#[derive(Clone, Debug, Default)]
pub struct SearchQuery {
    /// Free text (plain words: every word must match, in any of its forms).
    pub text: String,
    /// Whether the words must also stand together, in order.
    pub phrase: bool,
    /// `need`, `offer` or `organisation` (none: needs and offers).
    pub kind: Option<String>,
    /// Sector code.
    pub sector: Option<String>,
    /// A region's path, country first: the region and everything inside it.
    pub region_path: Vec<String>,
    /// Statuses to keep (empty: any).
    pub statuses: Vec<String>,
    /// Urgencies to keep (empty: any).
    pub urgencies: Vec<u64>,
    /// Origin organisation's actor URL.
    pub origin: Option<String>,
    /// Needed by on or after this day (days since 1970-01-01).
    pub needed_from: Option<i64>,
    /// Needed by on or before this day.
    pub needed_until: Option<i64>,
    /// The organisations the viewer belongs to (they also see what is shared with them).
    pub viewer_orgs: Vec<i64>,
    /// Leaves out offers available only until before this day (they expire without any change being indexed).
    pub offers_until_from: Option<i64>,
    /// Order.
    pub sort: Sort,
    /// Page, from 1.
    pub page: usize,
    /// Results a page.
    pub per_page: usize,
    /// Whether to count the sector and region facets of the whole result set.
    pub facets: bool,
}

/// One result.
#[derive(Clone, Debug, PartialEq)]
pub struct Hit {
    /// The listing, as stored. An organisation comes back as a listing of kind
    /// `organisation`: its name as `origin_name`, its Arabic name as `item`, its description as `summary`, its
    /// sectors joined by spaces as `sector`, and its first region served as `region_path`.
    pub listing: Listing,
    /// Highlighted excerpt (HTML, with `<b>` around matches), empty when nothing matched the text.
    pub snippet: String,
}

/// A page of results with the facet counts of the whole result set (when asked for).
#[derive(Clone, Debug, Default)]
pub struct SearchResults {
    /// How many match in all.
    pub total: usize,
    /// This page.
    pub hits: Vec<Hit>,
    /// Count per sector code.
    pub sectors: Vec<(String, u64)>,
    /// Count per region one level below the filtered region (countries when no region is asked for).
    pub regions: Vec<(String, u64)>,
}

fn facet(path: &[String]) -> Facet {
    Facet::from_path(path.iter().map(String::as_str))
}

fn system(e: impl std::fmt::Display) -> SearchError {
    SearchError::Index(tantivy::TantivyError::SystemError(e.to_string()))
}

/// The analysed words of a query, with their positions.
fn words(text: &str) -> Vec<(usize, String)> {
    analysis::analyse_with_positions(&mut analysis::query_analyser(), text)
}

/// The `scope` terms: what an entry is (`organisation`, or `listing` and, while open, `open` too) with each audience
/// that may see it, e.g. `open public` or `listing org:7`.
fn scope(what: &str, audience: &str) -> String {
    format!("{what} {audience}")
}

/// The `scope` term of an open offer with a date: it stops being open on the day after (see
/// [`SearchIndex::expired_offers`]).
const EXPIRES: &str = "expires";

/// Today, in days since 1970-01-01 (UTC).
pub fn today() -> i64 {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    secs.div_euclid(86_400)
}

/// Whether a listing is open on a day: open or partly met, or an active offer not past its date.
pub fn is_open(l: &Listing, today: i64) -> bool {
    OPEN_STATUSES.contains(&l.status.as_str())
        && !(l.kind == "offer" && l.needed_by_day.is_some_and(|d| d < today))
}

/// How many documents match, found by stepping through the matches without scores. tantivy's own count of an
/// intersection fills bitsets block by block from every term once the rarest term is frequent, which walks all of a
/// term as common as the `scope` one; stepping seeks past it.
fn count(searcher: &Searcher, query: &dyn Query) -> Result<usize> {
    let weight = query.weight(EnableScoring::disabled_from_searcher(searcher))?;
    let mut total = 0;
    for segment in searcher.segment_readers() {
        let mut scorer = weight.scorer(segment, 1.0)?;
        let alive = segment.alive_bitset();
        let mut doc = scorer.doc();
        while doc != TERMINATED {
            if alive.is_none_or(|a| a.is_alive(doc)) {
                total += 1;
            }
            doc = scorer.advance();
        }
    }
    Ok(total)
}

/// A search by words with at most this many matches has every match scored; with more, tantivy ranks the words
/// with block-max pruning ([`SearchIndex::ranked`]).
const RANK_ALL: usize = 5_000;

/// A search that is a plain conjunction of terms: its words' terms (which score) and its filters' (which do not).
#[derive(Debug, Default)]
struct Plain {
    words: Vec<Term>,
    filters: Vec<Term>,
}

/// In how many documents of all segments a term is (deleted ones included).
fn doc_freq(searcher: &Searcher, term: &Term) -> Result<u64> {
    let mut n = 0;
    for segment in searcher.segment_readers() {
        n += u64::from(segment.inverted_index(term.field())?.doc_freq(term).map_err(system)?);
    }
    Ok(n)
}

/// How long a snippet is at most, in characters.
const SNIPPET_CHARS: usize = 160;

/// The excerpt of a hit around the first word the query matched, in its summary or else its item, as HTML with the
/// matched words in `<b>`; empty when no word of the query is in either.
fn snippet(analyser: &mut TextAnalyzer, terms: &[&str], listing: &Listing) -> String {
    if terms.is_empty() {
        return String::new();
    }
    let name = (listing.kind == ORGANISATION).then_some(&listing.origin_name);
    for text in [Some(&listing.summary), Some(&listing.item), name].into_iter().flatten() {
        let mut stream = analyser.token_stream(text);
        let mut spans: Vec<(usize, usize)> = Vec::new();
        let mut window = (0, text.len());
        while stream.advance() {
            let token = stream.token();
            if token.offset_from >= window.1 {
                break;
            }
            if !terms.contains(&token.text.as_str()) {
                continue;
            }
            if spans.is_empty() {
                window = excerpt(text, token.offset_from);
            }
            // A word's form without its joined particle comes at the same place: highlighted once.
            let after = spans.last().is_none_or(|(_, end)| token.offset_from >= *end);
            if token.offset_to <= window.1 && after {
                spans.push((token.offset_from, token.offset_to));
            }
        }
        if spans.is_empty() {
            continue;
        }
        let (start, end) = window;
        let mut html = String::with_capacity(end - start + 16 * spans.len() + 8);
        if start > 0 {
            html.push('…');
        }
        let mut at = start;
        for (from, to) in spans {
            escape(&text[at..from], &mut html);
            html.push_str("<b>");
            escape(&text[from..to], &mut html);
            html.push_str("</b>");
            at = to;
        }
        escape(&text[at..end], &mut html);
        if end < text.len() {
            html.push('…');
        }
        return html;
    }
    String::new()
}

/// The byte range of at most [`SNIPPET_CHARS`] characters of a text around a match at `at`: from the start of a
/// word up to 40 characters before the match (from the start of the text when the match is near it), ending at a
/// space where one is near the limit.
fn excerpt(text: &str, at: usize) -> (usize, usize) {
    let before: Vec<(usize, char)> = text[..at].char_indices().rev().take(40).collect();
    let mut start = if before.len() < 40 { 0 } else { before.last().map_or(0, |(i, _)| *i) };
    if start > 0
        && let Some((i, c)) = text[start..at].char_indices().find(|(_, c)| c.is_whitespace())
    {
        start += i + c.len_utf8();
    }
    let mut end =
        text[start..].char_indices().nth(SNIPPET_CHARS).map_or(text.len(), |(i, _)| start + i);
    if end < text.len()
        && let Some(space) = text[start..end].rfind(char::is_whitespace).filter(|i| start + i > at)
    {
        end = start + space;
    }
    (start, end)
}

fn escape(text: &str, out: &mut String) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
}

impl SearchIndex {
    /// Opens the index in `dir`, creating it when absent; `None` keeps it in memory. A directory holding something
    /// tantivy cannot read (or another schema) is an error: the caller rebuilds.
    pub fn open(dir: Option<&Path>) -> Result<Self> {
        let (schema, fields) = schema();
        let index = match dir {
            Some(dir) => {
                std::fs::create_dir_all(dir).map_err(system)?;
                let directory = tantivy::directory::MmapDirectory::open(dir)?;
                let index = Index::open_or_create(directory, schema.clone())?;
                if index.schema() != schema {
                    return Err(system("the index was made with another schema"));
                }
                index
            }
            None => Index::create_in_ram(schema),
        };
        analysis::register(&index);
        let reader = index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into()?;
        // Reading every segment's metadata and term dictionaries finds a damaged index now rather than mid-search.
        for segment in reader.searcher().segment_readers() {
            segment.inverted_index(fields.text)?;
            segment.inverted_index(fields.key)?;
            segment.fast_fields().i64("updated")?;
        }
        Ok(Self { index, reader, fields, sets: TermSets::default(), rank_all: RANK_ALL.into() })
    }

    /// A writer (one at a time per index) with `heap` bytes for its buffers, on as many threads as tantivy picks.
    pub fn writer(&self, heap: usize) -> Result<IndexWriter> {
        Ok(self.index.writer(heap)?)
    }

    /// A writer on `threads` threads.
    pub fn writer_with_threads(&self, threads: usize, heap: usize) -> Result<IndexWriter> {
        Ok(self.index.writer_with_num_threads(threads, heap)?)
    }

    /// How many documents the committed index holds (as of the last reload).
    pub fn len(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    /// Whether the committed index is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Applies a change, replacing any earlier version of what it names (effective at the next commit).
    pub fn apply(&self, writer: &IndexWriter, change: &Change) -> Result<()> {
        writer.delete_term(Term::from_field_text(self.fields.key, change.key()));
        self.add(writer, change)
    }

    /// Adds what a change names without looking for an earlier version (for building a fresh index).
    pub fn add(&self, writer: &IndexWriter, change: &Change) -> Result<()> {
        let doc = match change {
            Change::Listing(l) => self.listing_doc(l, today()),
            Change::Organisation(o) => self.organisation_doc(o),
            Change::Remove(_) => return Ok(()),
        };
        writer.add_document(doc)?;
        Ok(())
    }

    /// Adds a listing, replacing any earlier version of it (effective at the next commit).
    pub fn upsert(&self, writer: &IndexWriter, l: &Listing) -> Result<()> {
        writer.delete_term(Term::from_field_text(self.fields.key, l.key()));
        writer.add_document(self.listing_doc(l, today()))?;
        Ok(())
    }

    /// Removes what has this key (effective at the next commit).
    pub fn remove(&self, writer: &IndexWriter, key: &str) {
        writer.delete_term(Term::from_field_text(self.fields.key, key));
    }

    fn listing_doc(&self, l: &Listing, today: i64) -> TantivyDocument {
        let f = &self.fields;
        let mut doc = TantivyDocument::default();
        doc.add_text(f.key, l.key());
        doc.add_text(f.id, &l.id);
        doc.add_text(f.kind, &l.kind);
        doc.add_text(f.origin, &l.origin);
        doc.add_text(f.origin_name, &l.origin_name);
        doc.add_text(f.item, &l.item);
        doc.add_text(f.summary, &l.summary);
        doc.add_text(f.sector, &l.sector);
        doc.add_facet(f.sector_facet, Facet::from_path([l.sector.as_str()]));
        if !l.region_path.is_empty() {
            doc.add_facet(f.region, facet(&l.region_path));
        }
        for code in &l.region_path {
            doc.add_text(f.region_any, code);
        }
        doc.add_text(f.status, &l.status);
        doc.add_u64(f.urgency, l.urgency);
        doc.add_text(f.unit, &l.unit);
        doc.add_u64(f.quantity, l.quantity);
        doc.add_u64(f.quantity_met, l.quantity_met);
        if let Some(day) = l.needed_by_day {
            doc.add_i64(f.needed_by, day);
        }
        doc.add_i64(f.published, l.published_ms);
        doc.add_i64(f.updated, l.updated_ms);
        doc.add_bool(f.verified, l.verified);
        let open = is_open(l, today);
        for a in &l.audience {
            doc.add_text(f.audience, a);
            doc.add_text(f.scope, scope("listing", a));
            if open {
                doc.add_text(f.scope, scope("open", a));
            }
        }
        if open && l.kind == "offer" && l.needed_by_day.is_some() {
            doc.add_text(f.scope, EXPIRES);
        }
        doc.add_text(f.url, &l.url);
        // Two values: a phrase does not run from the item into the summary.
        doc.add_text(f.text, &l.item);
        doc.add_text(f.text, &l.summary);
        doc
    }

    fn organisation_doc(&self, o: &Organisation) -> TantivyDocument {
        let f = &self.fields;
        let mut doc = TantivyDocument::default();
        doc.add_text(f.key, &o.key);
        doc.add_text(f.id, &o.id);
        doc.add_text(f.kind, ORGANISATION);
        doc.add_text(f.origin, &o.id);
        doc.add_text(f.origin_name, &o.name);
        doc.add_text(f.item, &o.name_ar);
        doc.add_text(f.summary, &o.description);
        for s in &o.sectors {
            doc.add_text(f.sector, s);
            doc.add_facet(f.sector_facet, Facet::from_path([s.as_str()]));
        }
        for r in o.regions.iter().filter(|r| !r.is_empty()) {
            doc.add_facet(f.region, facet(r));
        }
        for code in o.regions.iter().flatten() {
            doc.add_text(f.region_any, code);
        }
        doc.add_text(f.status, "active");
        doc.add_u64(f.urgency, 0);
        doc.add_i64(f.updated, 0);
        doc.add_text(f.scope, scope(ORGANISATION, "public"));
        doc.add_text(f.node, &o.node);
        doc.add_text(f.url, &o.url);
        for text in [&o.name, &o.name_ar, &o.description] {
            doc.add_text(f.text, text);
        }
        doc
    }

    /// The offers indexed as open whose date is before `today`: re-applied, they are no longer open. The writer does
    /// this once a day, so that the open offers are those still available without a filter on dates at every search.
    pub fn expired_offers(&self, today: i64) -> Result<Vec<Listing>> {
        let f = &self.fields;
        let query = BooleanQuery::new(vec![
            (
                Occur::Must,
                Box::new(TermQuery::new(
                    Term::from_field_text(f.scope, EXPIRES),
                    IndexRecordOption::Basic,
                )) as Box<dyn Query>,
            ),
            (
                Occur::Must,
                Box::new(RangeQuery::new(
                    Bound::Unbounded,
                    Bound::Excluded(Term::from_field_i64(f.needed_by, today)),
                )),
            ),
        ]);
        let searcher = self.searcher();
        let found = searcher.search(&query, &tantivy::collector::DocSetCollector)?;
        let mut out = Vec::with_capacity(found.len());
        for address in found {
            out.push(self.read(&searcher.doc(address)?));
        }
        Ok(out)
    }

    /// Whether some entry lies in the region with this code.
    pub fn has_region(&self, code: &str) -> bool {
        let term = Term::from_field_text(self.fields.region_any, code);
        self.searcher().segment_readers().iter().any(|s| {
            s.inverted_index(self.fields.region_any)
                .is_ok_and(|i| i.doc_freq(&term).is_ok_and(|n| n > 0))
        })
    }

    /// Makes what was committed visible to searches.
    pub fn reload(&self) -> Result<()> {
        self.reader.reload()?;
        let segments: Vec<_> =
            self.searcher().segment_readers().iter().map(|s| s.segment_id()).collect();
        self.sets.retain(&segments);
        Ok(())
    }

    fn searcher(&self) -> Searcher {
        self.reader.searcher()
    }

    /// The query for a search: the words (each must match, and they alone score) and the filters (which score
    /// nothing); and, when it is a plain conjunction of terms, its words' and its filters' terms.
    fn query(&self, q: &SearchQuery, words: &[(usize, String)]) -> (Box<dyn Query>, Option<Plain>) {
        let f = &self.fields;
        let mut plain = Some(Plain::default());
        let mut must: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        let filtered = |query: Box<dyn Query>| -> (Occur, Box<dyn Query>) {
            (Occur::Must, Box::new(ConstScoreQuery::new(query, 0.0)))
        };
        let basic = |term: Term| -> Box<dyn Query> {
            Box::new(TermQuery::new(term, IndexRecordOption::Basic))
        };
        for (_, word) in words {
            let term = Term::from_field_text(f.text, word);
            if let Some(p) = plain.as_mut() {
                p.words.push(term.clone());
            }
            must.push((Occur::Must, Box::new(TermQuery::new(term, IndexRecordOption::WithFreqs))));
        }
        if q.phrase && words.len() > 1 {
            plain = None;
            let first = words[0].0;
            let terms = words.iter().map(|w| (w.0 - first, Term::from_field_text(f.text, &w.1)));
            must.push((Occur::Must, Box::new(PhraseQuery::new_with_offset(terms.collect()))));
        }
        let organisations = q.kind.as_deref() == Some(ORGANISATION);
        let open_only = q.statuses.len() == OPEN_STATUSES.len()
            && OPEN_STATUSES.iter().all(|s| q.statuses.iter().any(|t| t == s));
        // Kind, openness and visibility are the index's, in one term: public entries, and those shared with one of
        // the viewer's organisations.
        let what = if organisations {
            ORGANISATION
        } else if open_only {
            "open"
        } else {
            "listing"
        };
        let mut terms: Vec<Term> = vec![Term::from_field_text(f.scope, &scope(what, "public"))];
        if let Some(kind) = q.kind.as_deref().filter(|_| !organisations) {
            terms.push(Term::from_field_text(f.kind, kind));
        }
        for (field, value) in [(f.sector, &q.sector), (f.origin, &q.origin)] {
            if let Some(v) = value {
                terms.push(Term::from_field_text(field, v));
            }
        }
        if let Some(code) = q.region_path.last() {
            terms.push(Term::from_field_text(f.region_any, code));
        }
        if q.viewer_orgs.is_empty() {
            if let Some(p) = plain.as_mut() {
                p.filters.extend(terms.iter().cloned());
            }
            must.extend(terms.into_iter().map(|t| filtered(basic(t))));
        } else {
            plain = None;
            let mut seen: Vec<(Occur, Box<dyn Query>)> =
                vec![(Occur::Should, basic(terms.remove(0)))];
            for org in &q.viewer_orgs {
                let term = Term::from_field_text(f.scope, &scope(what, &format!("org:{org}")));
                seen.push((Occur::Should, basic(term)));
            }
            must.push(filtered(Box::new(BooleanQuery::new(seen))));
            must.extend(terms.into_iter().map(|t| filtered(basic(t))));
        }
        // Organisations are always `active`, so open.
        if !q.statuses.is_empty() && !open_only {
            plain = None;
            let any = q
                .statuses
                .iter()
                .map(|s| (Occur::Should, basic(Term::from_field_text(f.status, s))))
                .collect();
            must.push(filtered(Box::new(BooleanQuery::new(any))));
        }
        if !q.urgencies.is_empty() {
            plain = None;
            let any = q
                .urgencies
                .iter()
                .map(|u| (Occur::Should, basic(Term::from_field_u64(f.urgency, *u))));
            must.push(filtered(Box::new(BooleanQuery::new(any.collect()))));
        }
        if q.needed_from.is_some() || q.needed_until.is_some() {
            plain = None;
            let bound = |day: Option<i64>| match day {
                Some(d) => Bound::Included(Term::from_field_i64(f.needed_by, d)),
                None => Bound::Unbounded,
            };
            must.push(filtered(Box::new(RangeQuery::new(
                bound(q.needed_from),
                bound(q.needed_until),
            ))));
        }
        // The open offers the index holds are those not past their date (see `expired_offers`).
        let expiry_left_out = open_only || q.kind.as_deref() == Some("need");
        if let Some(today) = q.offers_until_from.filter(|_| !expiry_left_out) {
            plain = None;
            let expired = BooleanQuery::new(vec![
                (Occur::Must, basic(Term::from_field_text(f.kind, "offer"))),
                (
                    Occur::Must,
                    Box::new(RangeQuery::new(
                        Bound::Unbounded,
                        Bound::Excluded(Term::from_field_i64(f.needed_by, today)),
                    )),
                ),
            ]);
            must.push((Occur::MustNot, Box::new(expired)));
        }
        (Box::new(BooleanQuery::new(must)), plain)
    }

    /// The page of a plain conjunction with words: the words alone ranked by tantivy (block-max pruning over their
    /// postings), enough of them to fill the page once those the filters leave out (looked up in the filters'
    /// bitsets) are dropped. The filters score nothing, so the order is that of the whole query. `None` when the
    /// filters leave out too much to guess how many to ask for, or too few were left: the caller ranks the whole
    /// query.
    fn ranked(
        &self,
        searcher: &Searcher,
        plain: &Plain,
        total: usize,
        offset: usize,
        per_page: usize,
    ) -> Result<Option<Vec<DocAddress>>> {
        let wanted = offset + per_page;
        if total == 0 {
            return Ok(Some(Vec::new()));
        }
        // The share of the index each filter lets through, taken as independent: a guess of how many of the words'
        // best results are left once filtered, corrected by asking again for more when too few were.
        let docs: u64 = searcher.segment_readers().iter().map(|s| u64::from(s.max_doc())).sum();
        let mut share = 1.0f64;
        for term in &plain.filters {
            share *= doc_freq(searcher, term)? as f64 / docs.max(1) as f64;
        }
        let scored = |t: &Term| -> Box<dyn Query> {
            Box::new(TermQuery::new(t.clone(), IndexRecordOption::WithFreqs))
        };
        let query: Box<dyn Query> = match plain.words.as_slice() {
            [one] => scored(one),
            many => {
                Box::new(BooleanQuery::new(many.iter().map(|t| (Occur::Must, scored(t))).collect()))
            }
        };
        let mut sets = Vec::with_capacity(searcher.segment_readers().len());
        for segment in searcher.segment_readers() {
            let mut of_segment = Vec::with_capacity(plain.filters.len());
            for term in &plain.filters {
                of_segment.push(self.sets.bitset(segment, term)?);
            }
            sets.push(of_segment);
        }
        let mut fetch = (wanted as f64 / share.max(1e-9) * 1.1).ceil().min(1e9) as usize + 4;
        while fetch <= 40 * wanted + 1_000 {
            let found = searcher.search(&*query, &TopDocs::with_limit(fetch).order_by_score())?;
            let seen_all = found.len() < fetch;
            let kept: Vec<DocAddress> = found
                .into_iter()
                .map(|(_, a)| a)
                .filter(|a| {
                    let (word, bit) = ((a.doc_id / 64) as usize, 1u64 << (a.doc_id % 64));
                    sets[a.segment_ord as usize].iter().all(|s| s[word] & bit != 0)
                })
                .collect();
            if kept.len() >= wanted || seen_all {
                return Ok(Some(kept.into_iter().skip(offset).take(per_page).collect()));
            }
            fetch *= 4;
        }
        Ok(None)
    }

    /// Runs a search. A plain conjunction of terms (the usual search) is counted, and its facets and, without
    /// words, its page are found, in one pass over bitsets; with words, the page is ranked by
    /// [`SearchIndex::ranked`]. Anything else is left to tantivy's collectors.
    pub fn search(&self, q: &SearchQuery) -> Result<SearchResults> {
        let searcher = self.searcher();
        let words = words(&q.text);
        let (query, plain) = self.query(q, &words);
        let per_page = q.per_page.clamp(1, 100);
        let offset = q.page.max(1).saturating_sub(1).saturating_mul(per_page).min(MAX_OFFSET);
        let wanted = offset + per_page;
        let mut results = SearchResults::default();
        let region_root = facet(&q.region_path);
        let mut sectors = FacetCollector::for_field("sector_facet");
        sectors.add_facet("/");
        let mut regions = FacetCollector::for_field("region");
        regions.add_facet(region_root.clone());
        // The first matches in index order: the page of a search without words (they all score the same).
        let mut first: Vec<DocAddress> = Vec::new();
        let mut scored: Vec<(f32, DocAddress)> = Vec::new();
        let mut ranked: Option<Vec<DocAddress>> = None;
        let mut counts = None;
        if let Some(plain) = &plain {
            let terms: Vec<Term> = plain.words.iter().chain(&plain.filters).cloned().collect();
            let (mut by_sector, mut by_region) = (Vec::new(), Vec::new());
            // Without words, the first matches are the page (they all score the same). With words, while they are
            // few enough, every match is scored as tantivy scores the words; beyond, the page is ranked apart.
            let paged = plain.words.is_empty() && q.sort == Sort::Relevance;
            let rank_all = self.rank_all.load(std::sync::atomic::Ordering::Relaxed);
            let mut scoring = !plain.words.is_empty() && q.sort == Sort::Relevance;
            // When the matches will clearly be too many (the rarest word's entries times the share of the index
            // each filter lets through, taken as independent), tantivy's pruning ranks them faster.
            if scoring {
                let docs = searcher.num_docs().max(1) as f64;
                let mut estimate = f64::MAX;
                for word in &plain.words {
                    estimate = estimate.min(doc_freq(&searcher, word)? as f64);
                }
                for filter in &plain.filters {
                    estimate *= doc_freq(&searcher, filter)? as f64 / docs;
                }
                scoring = estimate <= 4.0 * rank_all as f64;
            }
            let mut weights = Vec::new();
            if scoring {
                for word in &plain.words {
                    weights.push(Bm25Weight::for_terms(&searcher, std::slice::from_ref(word))?);
                }
            }
            for (ord, segment) in searcher.segment_readers().iter().enumerate() {
                let ord = ord as u32;
                let mut facets = match q.facets {
                    true => Some((
                        sectors.for_segment(ord, segment)?,
                        regions.for_segment(ord, segment)?,
                    )),
                    false => None,
                };
                let mut words = Vec::new();
                let norms = segment.get_fieldnorms_reader(self.fields.text)?;
                if scoring && scored.len() <= rank_all {
                    let inverted = segment.inverted_index(self.fields.text)?;
                    for word in &plain.words {
                        if let Some(p) = inverted
                            .read_postings(word, IndexRecordOption::WithFreqs)
                            .map_err(system)?
                        {
                            words.push(p);
                        }
                    }
                }
                let score = words.len() == plain.words.len() && scored.len() <= rank_all;
                let list = facets.is_some() || score || (paged && first.len() < wanted);
                results.total += self.sets.matches(segment, &terms, list, &mut |doc| {
                    if let Some((s, r)) = facets.as_mut() {
                        s.collect(doc, 0.0);
                        r.collect(doc, 0.0);
                    }
                    if paged && first.len() < wanted {
                        first.push(DocAddress::new(ord, doc));
                    }
                    if score && scored.len() <= rank_all {
                        let norm = norms.fieldnorm_id(doc);
                        let mut total = 0.0;
                        for (postings, weight) in words.iter_mut().zip(&weights) {
                            postings.seek(doc);
                            total += weight.score(norm, postings.term_freq());
                        }
                        scored.push((total, DocAddress::new(ord, doc)));
                    }
                })?;
                if let Some((s, r)) = facets {
                    by_sector.push(s.harvest());
                    by_region.push(r.harvest());
                }
            }
            if scoring && scored.len() <= rank_all {
                // Best first; equal scores in index order, as tantivy orders them.
                let order = |a: &(f32, DocAddress), b: &(f32, DocAddress)| {
                    b.0.total_cmp(&a.0).then(a.1.cmp(&b.1))
                };
                if scored.len() > wanted {
                    scored.select_nth_unstable_by(wanted - 1, order);
                    scored.truncate(wanted);
                }
                scored.sort_unstable_by(order);
                ranked = Some(scored.iter().skip(offset).map(|(_, a)| *a).collect());
            }
            if q.facets {
                counts = Some((sectors.merge_fruits(by_sector)?, regions.merge_fruits(by_region)?));
            }
        } else if q.facets {
            let (total, s, r) = searcher.search(&query, &(Count, sectors, regions))?;
            results.total = total;
            counts = Some((s, r));
        } else {
            results.total = count(&searcher, &*query)?;
        }
        if let Some((sector_counts, region_counts)) = counts {
            let name =
                |facet: &Facet| facet.to_path().last().map(|s| (*s).to_owned()).unwrap_or_default();
            results.sectors = sector_counts.get("/").map(|(f, n)| (name(f), n)).collect();
            results.regions = region_counts.get(region_root).map(|(f, n)| (name(f), n)).collect();
        }
        let page = match (&plain, q.sort) {
            _ if ranked.is_some() => ranked,
            (Some(p), Sort::Relevance) if p.words.is_empty() => {
                Some(first.into_iter().skip(offset).take(per_page).collect())
            }
            (Some(p), Sort::Relevance) => {
                self.ranked(&searcher, p, results.total, offset, per_page)?
            }
            _ => None,
        };
        let top = TopDocs::with_limit(per_page).and_offset(offset);
        let addresses: Vec<DocAddress> = match (page, q.sort) {
            (Some(page), _) => page,
            (None, Sort::Relevance) => searcher
                .search(&query, &top.order_by_score())?
                .into_iter()
                .map(|(_, a)| a)
                .collect(),
            (None, Sort::Urgency) => searcher
                .search(&query, &top.order_by_fast_field::<u64>("urgency", Order::Desc))?
                .into_iter()
                .map(|(_, a)| a)
                .collect(),
            (None, Sort::Recency) => searcher
                .search(&query, &top.order_by_fast_field::<i64>("updated", Order::Desc))?
                .into_iter()
                .map(|(_, a)| a)
                .collect(),
        };
        let terms: Vec<&str> = words.iter().map(|(_, w)| w.as_str()).collect();
        // The indexing analyser: a word matched by its form without a joined particle is highlighted too.
        let mut analyser = analysis::index_analyser();
        for address in addresses {
            let doc: TantivyDocument = searcher.doc(address)?;
            let listing = self.read(&doc);
            results.hits.push(Hit { snippet: snippet(&mut analyser, &terms, &listing), listing });
        }
        Ok(results)
    }

    fn read(&self, doc: &TantivyDocument) -> Listing {
        let f = &self.fields;
        let text = |field: Field| {
            doc.get_first(field).and_then(|v| v.as_str()).unwrap_or_default().to_owned()
        };
        let number =
            |field: Field| doc.get_first(field).and_then(|v| v.as_u64()).unwrap_or_default();
        let signed = |field: Field| doc.get_first(field).and_then(|v| v.as_i64());
        let region_path = doc
            .get_first(f.region)
            .and_then(|v| v.as_facet())
            .and_then(|p| Facet::from_encoded(p.as_bytes().to_vec()).ok())
            .map(|f| f.to_path().into_iter().map(str::to_owned).collect())
            .unwrap_or_default();
        let sectors: Vec<&str> = doc.get_all(f.sector).filter_map(|v| v.as_str()).collect();
        Listing {
            key: text(f.key),
            id: text(f.id),
            kind: text(f.kind),
            origin: text(f.origin),
            origin_name: text(f.origin_name),
            item: text(f.item),
            summary: text(f.summary),
            sector: sectors.join(" "),
            region_path,
            urgency: number(f.urgency),
            status: text(f.status),
            unit: text(f.unit),
            quantity: number(f.quantity),
            quantity_met: number(f.quantity_met),
            needed_by_day: signed(f.needed_by),
            published_ms: signed(f.published).unwrap_or_default(),
            updated_ms: signed(f.updated).unwrap_or_default(),
            verified: doc.get_first(f.verified).and_then(|v| v.as_bool()).unwrap_or_default(),
            audience: doc
                .get_all(f.audience)
                .filter_map(|v| v.as_str())
                .map(str::to_owned)
                .collect(),
            url: text(f.url),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listing(
        id: &str,
        item: &str,
        summary: &str,
        sector: &str,
        region: &[&str],
        urgency: u64,
    ) -> Listing {
        Listing {
            id: format!("https://a.example/objects/{id}"),
            kind: "need".into(),
            origin: "https://a.example/orgs/amal".into(),
            origin_name: "Amal".into(),
            item: item.into(),
            summary: summary.into(),
            sector: sector.into(),
            region_path: region.iter().map(|r| (*r).to_owned()).collect(),
            urgency,
            status: "open".into(),
            quantity: 50,
            quantity_met: 0,
            updated_ms: 1_700_000_000_000 + urgency as i64,
            audience: vec!["public".into()],
            url: format!("https://a.example/needs/{id}"),
            needed_by_day: Some(20_000 + urgency as i64),
            ..Default::default()
        }
    }

    fn index() -> SearchIndex {
        let index = SearchIndex::open(None).unwrap();
        let writer = index.writer(15_000_000).unwrap();
        for l in [
            listing(
                "1",
                "بطانيات",
                "بطانيات شتوية للأسر النازحة في خان يونس",
                "shelter",
                &["PS", "PS-KYS"],
                2,
            ),
            listing(
                "2",
                "Blankets",
                "Winter blankets for displaced families",
                "shelter",
                &["PS", "PS-GZA"],
                3,
            ),
            listing("3", "أدوية", "أدوية الضغط والسكري لكبار السن", "health", &["PS", "PS-GZA"], 1),
            listing("4", "حليب أطفال", "حليب للأطفال الرضع", "food", &["SY", "SY-AL"], 0),
            Listing {
                audience: vec!["org:7".into()],
                ..listing("5", "خيام", "خيام لعائلات", "shelter", &["PS"], 3)
            },
        ] {
            index.upsert(&writer, &l).unwrap();
        }
        let mut writer = writer;
        writer.commit().unwrap();
        index.reload().unwrap();
        index
    }

    fn ids(r: &SearchResults) -> Vec<String> {
        r.hits.iter().map(|h| h.listing.id.rsplit('/').next().unwrap().to_owned()).collect()
    }

    #[test]
    fn words_in_either_language_and_form_find_listings_and_filters_narrow_them() {
        let index = index();
        let q = |text: &str| SearchQuery { text: text.into(), per_page: 10, ..Default::default() };
        let r = index.search(&q("البطانية")).unwrap();
        assert_eq!(ids(&r), ["1"]);
        assert!(r.hits[0].snippet.contains("<b>"), "{}", r.hits[0].snippet);
        assert_eq!(ids(&index.search(&q("blanket")).unwrap()), ["2"]);
        assert_eq!(index.search(&q("الادوية")).unwrap().total, 1);
        let all = index.search(&SearchQuery { facets: true, ..q("") }).unwrap();
        assert_eq!(all.total, 4, "the listing shared with organisation 7 only is not public");
        assert_eq!(all.sectors.iter().find(|(s, _)| s == "shelter").map(|(_, n)| *n), Some(2));
        let gaza = SearchQuery {
            region_path: vec!["PS".into(), "PS-GZA".into()],
            per_page: 10,
            ..Default::default()
        };
        assert_eq!(index.search(&gaza).unwrap().total, 2);
        let palestine = SearchQuery {
            region_path: vec!["PS".into()],
            per_page: 10,
            facets: true,
            ..Default::default()
        };
        let r = index.search(&palestine).unwrap();
        assert_eq!(r.total, 3);
        assert_eq!(r.regions.iter().find(|(c, _)| c == "PS-GZA").map(|(_, n)| *n), Some(2));
        let urgent = SearchQuery { sort: Sort::Urgency, per_page: 1, ..Default::default() };
        assert_eq!(ids(&index.search(&urgent).unwrap()), ["2"]);
        let staff = SearchQuery { viewer_orgs: vec![7], per_page: 10, ..Default::default() };
        assert_eq!(index.search(&staff).unwrap().total, 5);
    }

    #[test]
    fn query_syntax_is_only_words() {
        let index = index();
        for text in ["\"بطانيات", "sector:health", "(blanket OR) AND", "*:*", "-+~^[]{}", "\\"]
        {
            let q = SearchQuery { text: text.into(), per_page: 10, ..Default::default() };
            assert!(index.search(&q).is_ok(), "{text}");
        }
    }

    #[test]
    fn a_replaced_or_removed_listing_leaves_the_results_once_committed() {
        let index = index();
        let mut writer = index.writer(15_000_000).unwrap();
        index
            .upsert(&writer, &listing("1", "بطانيات", "تم التوزيع", "shelter", &["PS"], 0))
            .unwrap();
        index.remove(&writer, "https://a.example/objects/2");
        writer.commit().unwrap();
        index.reload().unwrap();
        let q = SearchQuery { text: "بطانيات".into(), per_page: 10, ..Default::default() };
        let r = index.search(&q).unwrap();
        assert_eq!(ids(&r), ["1"]);
        assert_eq!(r.hits[0].listing.summary, "تم التوزيع");
    }

    #[test]
    fn phrases_needed_by_ranges_urgencies_and_the_directory() {
        let index = index();
        let mut writer = index.writer(15_000_000).unwrap();
        index
            .apply(
                &writer,
                &Change::Organisation(Organisation {
                    key: "org:1".into(),
                    id: "https://a.example/orgs/amal".into(),
                    name: "Amal Relief".into(),
                    name_ar: "جمعية الأمل للإغاثة".into(),
                    description: "توزيع البطانيات والخيام في غزة".into(),
                    sectors: vec!["shelter".into(), "food".into()],
                    regions: vec![vec!["PS".into(), "PS-GZA".into()]],
                    node: "a.example".into(),
                    url: "https://a.example/orgs/amal".into(),
                }),
            )
            .unwrap();
        writer.commit().unwrap();
        drop(writer);
        index.reload().unwrap();
        let q = |text: &str, phrase: bool| SearchQuery {
            text: text.into(),
            phrase,
            per_page: 10,
            ..Default::default()
        };
        assert_eq!(ids(&index.search(&q("winter blankets", true)).unwrap()), ["2"]);
        assert_eq!(index.search(&q("blankets winter", true)).unwrap().total, 0);
        assert_eq!(index.search(&q("blankets winter", false)).unwrap().total, 1);
        // A stop word inside a phrase keeps its place.
        assert_eq!(index.search(&q("blankets for displaced", true)).unwrap().total, 1);
        // Organisations are found only when asked for.
        assert_eq!(index.search(&q("الخيمة", false)).unwrap().total, 0);
        let orgs = SearchQuery { kind: Some(ORGANISATION.into()), ..q("الخيمة", false) };
        let r = index.search(&orgs).unwrap();
        assert_eq!(r.total, 1);
        assert_eq!(r.hits[0].listing.sector, "shelter food");
        assert_eq!(r.hits[0].listing.item, "جمعية الأمل للإغاثة");
        let soon = SearchQuery {
            needed_from: Some(20_001),
            needed_until: Some(20_002),
            per_page: 10,
            ..Default::default()
        };
        let mut found = ids(&index.search(&soon).unwrap());
        found.sort();
        assert_eq!(found, ["1", "3"]);
        let mut writer = index.writer(15_000_000).unwrap();
        let offer = |id: &str, until: i64| Listing {
            kind: "offer".into(),
            needed_by_day: Some(until),
            ..listing(id, "Tents", "tents on offer", "shelter", &["PS"], 0)
        };
        index.upsert(&writer, &offer("6", 19_999)).unwrap();
        index.upsert(&writer, &offer("7", 20_000)).unwrap();
        writer.commit().unwrap();
        index.reload().unwrap();
        let offers = |from: Option<i64>| SearchQuery {
            kind: Some("offer".into()),
            offers_until_from: from,
            per_page: 10,
            ..Default::default()
        };
        assert_eq!(index.search(&offers(None)).unwrap().total, 2);
        assert_eq!(
            ids(&index.search(&offers(Some(20_000))).unwrap()),
            ["7"],
            "an expired offer is left out"
        );
        let critical = SearchQuery { urgencies: vec![3, 2], per_page: 10, ..Default::default() };
        let r = index.search(&critical).unwrap();
        assert_eq!(r.total, 2);
        assert_eq!(
            r.hits.iter().find(|h| h.listing.id.ends_with("/1")).unwrap().listing.needed_by_day,
            Some(20_002)
        );
    }

    #[test]
    fn snippets_are_cut_around_the_first_match_escaped_and_highlighted() {
        let mut analyser = analysis::index_analyser();
        let long =
            format!("{} <توزيع> بطانيات شتوية & فرشات {}", "كلمة ".repeat(40), "نص ".repeat(60));
        let l =
            Listing { item: "بطانيات".into(), summary: long.clone(), ..Default::default() };
        let html = snippet(&mut analyser, &["بطان"], &l);
        assert!(html.starts_with('…') && html.ends_with('…'), "{html}");
        assert!(html.contains("&lt;توزيع&gt; <b>بطانيات</b> شتوية &amp; فرشات"), "{html}");
        let text: String = html.replace("<b>", "").replace("</b>", "");
        assert!(text.chars().count() <= SNIPPET_CHARS + 2 + 20, "{}", text.chars().count());
        // No match in the summary: the item's.
        let l = Listing {
            item: "Blankets".into(),
            summary: "for the winter".into(),
            ..Default::default()
        };
        assert_eq!(snippet(&mut analyser, &["blanket"], &l), "<b>Blankets</b>");
        assert_eq!(snippet(&mut analyser, &["tent"], &l), "");
        // A match near the start: the excerpt begins with the text.
        let l = Listing { summary: "Winter blankets for families".into(), ..Default::default() };
        assert_eq!(
            snippet(&mut analyser, &["blanket", "famili"], &l),
            "Winter <b>blankets</b> for <b>families</b>"
        );
        // Found by the form without the joined particle (لكبار → كبار), or by either form: highlighted once.
        let l = Listing { summary: "ملابس لكبار السن".into(), ..Default::default() };
        assert_eq!(snippet(&mut analyser, &["كبار"], &l), "ملابس <b>لكبار</b> السن");
        assert_eq!(snippet(&mut analyser, &["لكبار", "كبار"], &l), "ملابس <b>لكبار</b> السن");
        // An organisation found by its English name.
        let o = Listing {
            kind: ORGANISATION.into(),
            origin_name: "Amal Relief".into(),
            ..Default::default()
        };
        assert_eq!(snippet(&mut analyser, &["relief"], &o), "Amal <b>Relief</b>");
    }

    #[test]
    fn offers_past_their_date_leave_the_open_results_once_swept() {
        let index = SearchIndex::open(None).unwrap();
        let mut writer = index.writer(15_000_000).unwrap();
        let t = today();
        let offer = |id: &str, until: i64| Listing {
            kind: "offer".into(),
            status: "active".into(),
            needed_by_day: Some(until),
            audience: vec!["public".into(), "org:3".into()],
            ..listing(id, "Tents", "tents on offer", "shelter", &["PS", "PS-GZA"], 0)
        };
        // Indexed two days ago, when it was still available.
        writer.add_document(index.listing_doc(&offer("8", t - 1), t - 2)).unwrap();
        // Indexed today: already closed.
        index.upsert(&writer, &offer("9", t - 1)).unwrap();
        index.upsert(&writer, &offer("10", t)).unwrap();
        writer.commit().unwrap();
        index.reload().unwrap();
        let open = SearchQuery {
            kind: Some("offer".into()),
            statuses: OPEN_STATUSES.map(str::to_owned).to_vec(),
            per_page: 10,
            ..Default::default()
        };
        let mut found = ids(&index.search(&open).unwrap());
        found.sort();
        assert_eq!(found, ["10", "8"]);
        let expired = index.expired_offers(t).unwrap();
        assert_eq!(expired.len(), 1);
        assert_eq!(expired[0], Listing { key: expired[0].id.clone(), ..offer("8", t - 1) });
        for l in expired {
            index.apply(&writer, &Change::Listing(l)).unwrap();
        }
        writer.commit().unwrap();
        index.reload().unwrap();
        assert_eq!(ids(&index.search(&open).unwrap()), ["10"]);
        assert!(index.expired_offers(t).unwrap().is_empty());
        let any = SearchQuery { statuses: Vec::new(), ..open };
        assert_eq!(index.search(&any).unwrap().total, 3, "asked for any status, they are found");
    }

    /// Totals and facets counted with bitsets equal what tantivy counts, with deletions and over several
    /// segments, for the benchmark's query mix.
    #[test]
    fn counts_from_bitsets_equal_tantivys() {
        let index = SearchIndex::open(None).unwrap();
        let mut writer = index.writer_with_threads(1, 15_000_000).unwrap();
        let listings: Vec<Listing> = crate::corpus::listings(7).take(3_000).collect();
        for (i, l) in listings.iter().enumerate() {
            index.add(&writer, &Change::Listing(l.clone())).unwrap();
            if i % 1_000 == 999 {
                writer.commit().unwrap();
            }
        }
        // Deletions: some replaced, some removed.
        for l in listings.iter().step_by(7) {
            index.upsert(&writer, &Listing { status: "met".into(), ..l.clone() }).unwrap();
        }
        for l in listings.iter().skip(3).step_by(11) {
            index.remove(&writer, l.key());
        }
        writer.commit().unwrap();
        index.reload().unwrap();
        let searcher = index.searcher();
        assert!(searcher.segment_readers().len() > 1);
        let mut checked = 0;
        for bench in crate::corpus::queries(3, 40) {
            let q = SearchQuery {
                text: bench.text,
                phrase: bench.phrase,
                kind: bench.kind,
                sector: bench.sector,
                region_path: bench.region_path,
                statuses: OPEN_STATUSES.map(str::to_owned).to_vec(),
                facets: true,
                per_page: 10,
                ..Default::default()
            };
            let words = words(&q.text);
            let (query, plain) = index.query(&q, &words);
            if bench.phrase && words.len() > 1 {
                assert!(plain.is_none());
                continue;
            }
            assert!(plain.is_some(), "{q:?}");
            let mut sectors = FacetCollector::for_field("sector_facet");
            sectors.add_facet("/");
            let mut regions = FacetCollector::for_field("region");
            regions.add_facet(facet(&q.region_path));
            let (total, s, r) = searcher.search(&query, &(Count, sectors, regions)).unwrap();
            let found = index.search(&q).unwrap();
            assert_eq!(found.total, total, "{q:?}");
            let counts = |c: &tantivy::collector::FacetCounts, root: Facet| -> Vec<(String, u64)> {
                c.get(root).map(|(f, n)| (f.to_string(), n)).collect()
            };
            let sectors: Vec<u64> = counts(&s, Facet::root()).into_iter().map(|(_, n)| n).collect();
            assert_eq!(found.sectors.iter().map(|(_, n)| *n).collect::<Vec<_>>(), sectors);
            let regions = counts(&r, facet(&q.region_path)).len();
            assert_eq!(found.regions.len(), regions);
            // The page, whether every match is scored or tantivy ranks the words alone, is the page of the whole
            // query: the same scores in the same order (entries of equal score may come in another order).
            for (page, rank_all) in [(1, RANK_ALL), (2, RANK_ALL), (1, 0), (2, 0)] {
                index.rank_all.store(rank_all, std::sync::atomic::Ordering::Relaxed);
                let top = TopDocs::with_limit(10).and_offset((page - 1) * 10).order_by_score();
                // Without pruning: a collector paired with `Count` sees every match.
                let (top, _) = searcher.search(&query, &(top, Count)).unwrap();
                let expected: Vec<f32> = top.into_iter().map(|(s, _)| s).collect();
                let q = SearchQuery { page, facets: false, ..q.clone() };
                let found = index.search(&q).unwrap();
                let scores: Vec<f32> = found
                    .hits
                    .iter()
                    .map(|h| {
                        let id = TermQuery::new(
                            Term::from_field_text(index.fields.id, &h.listing.id),
                            IndexRecordOption::Basic,
                        );
                        let at = searcher.search(&id, &TopDocs::with_limit(1).order_by_score());
                        query.explain(&searcher, at.unwrap()[0].1).unwrap().value()
                    })
                    .collect();
                assert_eq!(scores.len(), expected.len(), "{q:?}");
                for (a, b) in scores.iter().zip(&expected) {
                    assert!((a - b).abs() < 1e-4, "{q:?}: {scores:?} / {expected:?}");
                }
                assert_eq!(found.total, total);
            }
            checked += usize::from(total > 0);
        }
        assert!(checked > 100, "{checked}");
    }
}
