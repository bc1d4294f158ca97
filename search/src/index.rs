//! The search index (groundwork for issue 8): its schema, one document per need or offer, and queries with filters,
//! facet counts, sorting, pages and highlighted snippets. The text of a listing is indexed twice, with the Arabic and
//! with the English analyser; a query matches either. Words typed by a visitor are only ever words: quotes, colons,
//! brackets and operators are not query syntax.

use std::{ops::Bound, path::Path};

use tantivy::{
    DocAddress, Index, IndexReader, IndexWriter, Order, ReloadPolicy, Searcher, TantivyDocument,
    Term,
    collector::{Count, FacetCollector, TopDocs},
    query::{BooleanQuery, Occur, PhraseQuery, Query, RangeQuery, TermQuery},
    schema::{
        FAST, Facet, FacetOptions, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema,
        TextFieldIndexing, TextOptions, Value,
    },
    snippet::SnippetGenerator,
};

use crate::analysis::{self, ARABIC, ENGLISH};

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
    node: Field,
    url: Field,
    text_ar: Field,
    text_en: Field,
}

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let text = |analyser: &str| {
        TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(analyser)
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        )
    };
    let fields = Fields {
        key: b.add_text_field("key", STRING),
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
        audience: b.add_text_field("audience", STRING),
        node: b.add_text_field("node", STORED),
        url: b.add_text_field("url", STORED),
        // The Arabic analysis is stored too: snippets are cut from it.
        text_ar: b.add_text_field("text_ar", text(ARABIC).set_stored()),
        text_en: b.add_text_field("text_en", text(ENGLISH)),
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
}

/// One result.
#[derive(Clone, Debug, PartialEq)]
pub struct Hit {
    /// The listing, as stored (its audience is not kept). An organisation comes back as a listing of kind
    /// `organisation`: its name as `origin_name`, its Arabic name as `item`, its description as `summary`, its
    /// sectors joined by spaces as `sector`, and its first region served as `region_path`.
    pub listing: Listing,
    /// Highlighted excerpt (HTML, with `<b>` around matches), empty when nothing matched the text.
    pub snippet: String,
}

/// A page of results with the facet counts of the whole result set.
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

/// The analysed words of a query, with their positions, in both analyses (the two keep the same words: both drop
/// the stop words of both languages).
fn words(text: &str) -> Vec<(usize, String, String)> {
    let ar = analysis::analyse_with_positions(&mut analysis::arabic(), text);
    let en = analysis::analyse_with_positions(&mut analysis::english(), text);
    ar.into_iter().zip(en).map(|((p, a), (_, e))| (p, a, e)).collect()
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
            segment.inverted_index(fields.text_ar)?;
            segment.inverted_index(fields.key)?;
            segment.fast_fields().i64("updated")?;
        }
        Ok(Self { index, reader, fields })
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
            Change::Listing(l) => self.listing_doc(l),
            Change::Organisation(o) => self.organisation_doc(o),
            Change::Remove(_) => return Ok(()),
        };
        writer.add_document(doc)?;
        Ok(())
    }

    /// Adds a listing, replacing any earlier version of it (effective at the next commit).
    pub fn upsert(&self, writer: &IndexWriter, l: &Listing) -> Result<()> {
        writer.delete_term(Term::from_field_text(self.fields.key, l.key()));
        writer.add_document(self.listing_doc(l))?;
        Ok(())
    }

    /// Removes what has this key (effective at the next commit).
    pub fn remove(&self, writer: &IndexWriter, key: &str) {
        writer.delete_term(Term::from_field_text(self.fields.key, key));
    }

    fn listing_doc(&self, l: &Listing) -> TantivyDocument {
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
        for a in &l.audience {
            doc.add_text(f.audience, a);
        }
        doc.add_text(f.url, &l.url);
        // Two values: a phrase does not run from the item into the summary.
        for text in [&l.item, &l.summary] {
            doc.add_text(f.text_ar, text);
            doc.add_text(f.text_en, text);
        }
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
        doc.add_text(f.audience, "public");
        doc.add_text(f.node, &o.node);
        doc.add_text(f.url, &o.url);
        for text in [&o.name, &o.name_ar, &o.description] {
            doc.add_text(f.text_ar, text);
            doc.add_text(f.text_en, text);
        }
        doc
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
        Ok(self.reader.reload()?)
    }

    fn searcher(&self) -> Searcher {
        self.reader.searcher()
    }

    /// The query for a search: the words (each must match, in either analysis) and the filters.
    fn query(&self, q: &SearchQuery) -> Box<dyn Query> {
        let f = &self.fields;
        let term = |field: Field, text: &str| -> Box<dyn Query> {
            Box::new(TermQuery::new(
                Term::from_field_text(field, text),
                IndexRecordOption::WithFreqs,
            ))
        };
        let mut must: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        let words = words(&q.text);
        for (_, a, e) in &words {
            let either = BooleanQuery::new(vec![
                (Occur::Should, term(f.text_ar, a)),
                (Occur::Should, term(f.text_en, e)),
            ]);
            must.push((Occur::Must, Box::new(either)));
        }
        if q.phrase && words.len() > 1 {
            let phrase = |field: Field, pick: fn(&(usize, String, String)) -> &str| {
                let first = words[0].0;
                let terms =
                    words.iter().map(|w| (w.0 - first, Term::from_field_text(field, pick(w))));
                Box::new(PhraseQuery::new_with_offset(terms.collect())) as Box<dyn Query>
            };
            let either = BooleanQuery::new(vec![
                (Occur::Should, phrase(f.text_ar, |w| &w.1)),
                (Occur::Should, phrase(f.text_en, |w| &w.2)),
            ]);
            must.push((Occur::Must, Box::new(either)));
        }
        match &q.kind {
            Some(kind) => must.push((Occur::Must, term(f.kind, kind))),
            None => must.push((Occur::MustNot, term(f.kind, ORGANISATION))),
        }
        for (field, value) in [(f.sector, &q.sector), (f.origin, &q.origin)] {
            if let Some(v) = value {
                must.push((Occur::Must, term(field, v)));
            }
        }
        if let Some(code) = q.region_path.last() {
            must.push((Occur::Must, term(f.region_any, code)));
        }
        if !q.statuses.is_empty() {
            let any = q.statuses.iter().map(|s| (Occur::Should, term(f.status, s))).collect();
            must.push((Occur::Must, Box::new(BooleanQuery::new(any))));
        }
        if !q.urgencies.is_empty() {
            let any = q
                .urgencies
                .iter()
                .map(|u| -> (Occur, Box<dyn Query>) {
                    (
                        Occur::Should,
                        Box::new(TermQuery::new(
                            Term::from_field_u64(f.urgency, *u),
                            IndexRecordOption::Basic,
                        )),
                    )
                })
                .collect();
            must.push((Occur::Must, Box::new(BooleanQuery::new(any))));
        }
        if q.needed_from.is_some() || q.needed_until.is_some() {
            let bound = |day: Option<i64>| match day {
                Some(d) => Bound::Included(Term::from_field_i64(f.needed_by, d)),
                None => Bound::Unbounded,
            };
            must.push((
                Occur::Must,
                Box::new(RangeQuery::new(bound(q.needed_from), bound(q.needed_until))),
            ));
        }
        if let Some(today) = q.offers_until_from {
            let expired = BooleanQuery::new(vec![
                (Occur::Must, term(f.kind, "offer")),
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
        // Visibility is the index's: public listings, and those shared with one of the viewer's organisations.
        let mut seen: Vec<(Occur, Box<dyn Query>)> =
            vec![(Occur::Should, term(f.audience, "public"))];
        for org in &q.viewer_orgs {
            seen.push((Occur::Should, term(f.audience, &format!("org:{org}"))));
        }
        must.push((Occur::Must, Box::new(BooleanQuery::new(seen))));
        Box::new(BooleanQuery::new(must))
    }

    /// Runs a search.
    pub fn search(&self, q: &SearchQuery) -> Result<SearchResults> {
        let f = &self.fields;
        let searcher = self.searcher();
        let query = self.query(q);
        let per_page = q.per_page.clamp(1, 100);
        let offset = q.page.max(1).saturating_sub(1).saturating_mul(per_page).min(MAX_OFFSET);
        let top = TopDocs::with_limit(per_page).and_offset(offset);
        let mut sectors = FacetCollector::for_field("sector_facet");
        sectors.add_facet("/");
        let mut regions = FacetCollector::for_field("region");
        let region_root = facet(&q.region_path);
        regions.add_facet(region_root.clone());
        let (addresses, total, sector_counts, region_counts): (Vec<DocAddress>, usize, _, _) =
            match q.sort {
                Sort::Relevance => {
                    let (docs, total, s, r) = searcher
                        .search(&query, &(top.order_by_score(), Count, sectors, regions))?;
                    (docs.into_iter().map(|(_, a)| a).collect(), total, s, r)
                }
                Sort::Urgency => {
                    let c = top.order_by_fast_field::<u64>("urgency", Order::Desc);
                    let (docs, total, s, r) =
                        searcher.search(&query, &(c, Count, sectors, regions))?;
                    (docs.into_iter().map(|(_, a)| a).collect(), total, s, r)
                }
                Sort::Recency => {
                    let c = top.order_by_fast_field::<i64>("updated", Order::Desc);
                    let (docs, total, s, r) =
                        searcher.search(&query, &(c, Count, sectors, regions))?;
                    (docs.into_iter().map(|(_, a)| a).collect(), total, s, r)
                }
            };
        let snippets = if words(&q.text).is_empty() {
            None
        } else {
            let mut g = SnippetGenerator::create(&searcher, &*query, f.text_ar)?;
            g.set_max_num_chars(160);
            Some(g)
        };
        let mut hits = Vec::with_capacity(addresses.len());
        for address in addresses {
            let doc: TantivyDocument = searcher.doc(address)?;
            hits.push(Hit {
                snippet: snippets
                    .as_ref()
                    .map(|g| g.snippet_from_doc(&doc).to_html())
                    .unwrap_or_default(),
                listing: self.read(&doc),
            });
        }
        let name =
            |facet: &Facet| facet.to_path().last().map(|s| (*s).to_owned()).unwrap_or_default();
        Ok(SearchResults {
            total,
            hits,
            sectors: sector_counts.get("/").map(|(f, n)| (name(f), n)).collect(),
            regions: region_counts.get(region_root).map(|(f, n)| (name(f), n)).collect(),
        })
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
            key: String::new(),
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
            audience: Vec::new(),
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
        let all = index.search(&q("")).unwrap();
        assert_eq!(all.total, 4, "the listing shared with organisation 7 only is not public");
        assert_eq!(all.sectors.iter().find(|(s, _)| s == "shelter").map(|(_, n)| *n), Some(2));
        let gaza = SearchQuery {
            region_path: vec!["PS".into(), "PS-GZA".into()],
            per_page: 10,
            ..Default::default()
        };
        assert_eq!(index.search(&gaza).unwrap().total, 2);
        let palestine =
            SearchQuery { region_path: vec!["PS".into()], per_page: 10, ..Default::default() };
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
}
