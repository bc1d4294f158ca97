//! The search index (groundwork for issue 8): its schema, one document per need or offer, and queries with filters,
//! facet counts, sorting, pages and highlighted snippets. The text of a listing is indexed twice, with the Arabic and
//! with the English analyser; a query matches either. Words typed by a visitor are only ever words: quotes, colons,
//! brackets and operators are not query syntax.

use std::path::Path;

use tantivy::{
    DocAddress, Index, IndexReader, IndexWriter, Order, ReloadPolicy, Searcher, TantivyDocument,
    Term,
    collector::{Count, FacetCollector, TopDocs},
    query::{AllQuery, BooleanQuery, Occur, Query, TermQuery},
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
    /// Quantity.
    pub quantity: u64,
    /// Quantity met.
    pub quantity_met: u64,
    /// Last change, milliseconds since the epoch.
    pub updated_ms: i64,
    /// Who may see it: `public`, or `org:{id}` for each organisation allowed.
    pub audience: Vec<String>,
    /// Where to read it.
    pub url: String,
}

#[derive(Clone, Copy, Debug)]
struct Fields {
    id: Field,
    kind: Field,
    origin: Field,
    origin_name: Field,
    item: Field,
    summary: Field,
    sector: Field,
    sector_facet: Field,
    region: Field,
    status: Field,
    urgency: Field,
    quantity: Field,
    quantity_met: Field,
    updated: Field,
    audience: Field,
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
        id: b.add_text_field("id", STRING | STORED),
        kind: b.add_text_field("kind", STRING | STORED),
        origin: b.add_text_field("origin", STRING | STORED),
        origin_name: b.add_text_field("origin_name", STORED),
        item: b.add_text_field("item", STORED),
        summary: b.add_text_field("summary", STORED),
        sector: b.add_text_field("sector", STRING | STORED),
        sector_facet: b.add_facet_field("sector_facet", FacetOptions::default()),
        region: b.add_facet_field("region", FacetOptions::default()),
        status: b.add_text_field("status", STRING | STORED),
        urgency: b.add_u64_field("urgency", INDEXED | FAST | STORED),
        quantity: b.add_u64_field("quantity", STORED),
        quantity_met: b.add_u64_field("quantity_met", STORED),
        updated: b.add_i64_field("updated", FAST | STORED),
        audience: b.add_text_field("audience", STRING),
        url: b.add_text_field("url", STORED),
        // The Arabic analysis is stored too: snippets are cut from it.
        text_ar: b.add_text_field("text_ar", text(ARABIC).set_stored()),
        text_en: b.add_text_field("text_en", text(ENGLISH)),
    };
    (b.build(), fields)
}

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

/// A search, as a visitor or a member of staff asks it.
#[derive(Clone, Debug, Default)]
pub struct SearchQuery {
    /// Free text (plain words).
    pub text: String,
    /// `need` or `offer`.
    pub kind: Option<String>,
    /// Sector code.
    pub sector: Option<String>,
    /// A region's path, country first: the region and everything inside it.
    pub region_path: Vec<String>,
    /// Statuses to keep (empty: any).
    pub statuses: Vec<String>,
    /// Lowest urgency.
    pub min_urgency: Option<u64>,
    /// Origin organisation's actor URL.
    pub origin: Option<String>,
    /// The organisations the viewer belongs to (they also see what is shared with them).
    pub viewer_orgs: Vec<i64>,
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
    /// The listing, as stored (its audience is not kept).
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

impl SearchIndex {
    /// Opens the index in `dir`, creating it when absent; `None` keeps it in memory.
    pub fn open(dir: Option<&Path>) -> Result<Self> {
        let (schema, fields) = schema();
        let index = match dir {
            Some(dir) => {
                std::fs::create_dir_all(dir)
                    .map_err(|e| tantivy::TantivyError::SystemError(e.to_string()))?;
                let directory = tantivy::directory::MmapDirectory::open(dir)?;
                Index::open_or_create(directory, schema)?
            }
            None => Index::create_in_ram(schema),
        };
        analysis::register(&index);
        let reader = index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into()?;
        Ok(Self { index, reader, fields })
    }

    /// A writer (one at a time per index) with `heap` bytes for its buffers.
    pub fn writer(&self, heap: usize) -> Result<IndexWriter> {
        Ok(self.index.writer(heap)?)
    }

    /// Adds a listing, replacing any earlier version of it (effective at the next commit).
    pub fn upsert(&self, writer: &IndexWriter, l: &Listing) -> Result<()> {
        let f = &self.fields;
        writer.delete_term(Term::from_field_text(f.id, &l.id));
        let mut doc = TantivyDocument::default();
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
        doc.add_text(f.status, &l.status);
        doc.add_u64(f.urgency, l.urgency);
        doc.add_u64(f.quantity, l.quantity);
        doc.add_u64(f.quantity_met, l.quantity_met);
        doc.add_i64(f.updated, l.updated_ms);
        for a in &l.audience {
            doc.add_text(f.audience, a);
        }
        doc.add_text(f.url, &l.url);
        let text = format!("{}\n{}", l.item, l.summary);
        doc.add_text(f.text_ar, &text);
        doc.add_text(f.text_en, &text);
        writer.add_document(doc)?;
        Ok(())
    }

    /// Removes a listing (effective at the next commit).
    pub fn remove(&self, writer: &IndexWriter, id: &str) {
        writer.delete_term(Term::from_field_text(self.fields.id, id));
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
        let ar = analysis::analyse(&mut analysis::arabic(), &q.text);
        let en = analysis::analyse(&mut analysis::english(), &q.text);
        for (a, e) in ar.iter().zip(en.iter()) {
            let either = BooleanQuery::new(vec![
                (Occur::Should, term(f.text_ar, a)),
                (Occur::Should, term(f.text_en, e)),
            ]);
            must.push((Occur::Must, Box::new(either)));
        }
        for (field, value) in [(f.kind, &q.kind), (f.sector, &q.sector), (f.origin, &q.origin)] {
            if let Some(v) = value {
                must.push((Occur::Must, term(field, v)));
            }
        }
        if !q.region_path.is_empty() {
            let t = Term::from_facet(f.region, &facet(&q.region_path));
            must.push((Occur::Must, Box::new(TermQuery::new(t, IndexRecordOption::Basic))));
        }
        if !q.statuses.is_empty() {
            let any = q.statuses.iter().map(|s| (Occur::Should, term(f.status, s))).collect();
            must.push((Occur::Must, Box::new(BooleanQuery::new(any))));
        }
        if let Some(min) = q.min_urgency {
            let any = (min..=3)
                .map(|u| -> (Occur, Box<dyn Query>) {
                    (
                        Occur::Should,
                        Box::new(TermQuery::new(
                            Term::from_field_u64(f.urgency, u),
                            IndexRecordOption::Basic,
                        )),
                    )
                })
                .collect();
            must.push((Occur::Must, Box::new(BooleanQuery::new(any))));
        }
        // Visibility is the index's: public listings, and those shared with one of the viewer's organisations.
        let mut seen: Vec<(Occur, Box<dyn Query>)> =
            vec![(Occur::Should, term(f.audience, "public"))];
        for org in &q.viewer_orgs {
            seen.push((Occur::Should, term(f.audience, &format!("org:{org}"))));
        }
        must.push((Occur::Must, Box::new(BooleanQuery::new(seen))));
        if must.is_empty() { Box::new(AllQuery) } else { Box::new(BooleanQuery::new(must)) }
    }

    /// Runs a search.
    pub fn search(&self, q: &SearchQuery) -> Result<SearchResults> {
        let f = &self.fields;
        let searcher = self.searcher();
        let query = self.query(q);
        let per_page = q.per_page.clamp(1, 100);
        let offset = q.page.max(1).saturating_sub(1).saturating_mul(per_page).min(10_000);
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
        let snippets = if q.text.trim().is_empty() {
            None
        } else {
            let mut g = SnippetGenerator::create(&searcher, &*query, f.text_ar)?;
            g.set_max_num_chars(160);
            Some(g)
        };
        let mut hits = Vec::with_capacity(addresses.len());
        for address in addresses {
            let doc: TantivyDocument = searcher.doc(address)?;
            let text = |field: Field| {
                doc.get_first(field).and_then(|v| v.as_str()).unwrap_or_default().to_owned()
            };
            let number =
                |field: Field| doc.get_first(field).and_then(|v| v.as_u64()).unwrap_or_default();
            let region_path = doc
                .get_first(f.region)
                .and_then(|v| v.as_facet())
                .map(|p| {
                    Facet::from_text(p)
                        .map(|f| f.to_path().into_iter().map(str::to_owned).collect())
                        .unwrap_or_default()
                })
                .unwrap_or_default();
            hits.push(Hit {
                snippet: snippets
                    .as_ref()
                    .map(|g| g.snippet_from_doc(&doc).to_html())
                    .unwrap_or_default(),
                listing: Listing {
                    id: text(f.id),
                    kind: text(f.kind),
                    origin: text(f.origin),
                    origin_name: text(f.origin_name),
                    item: text(f.item),
                    summary: text(f.summary),
                    sector: text(f.sector),
                    region_path,
                    urgency: number(f.urgency),
                    status: text(f.status),
                    quantity: number(f.quantity),
                    quantity_met: number(f.quantity_met),
                    updated_ms: doc
                        .get_first(f.updated)
                        .and_then(|v| v.as_i64())
                        .unwrap_or_default(),
                    audience: Vec::new(),
                    url: text(f.url),
                },
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
}
