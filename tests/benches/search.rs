//! Search benchmark: `cargo bench -p sanad-tests --bench search`.
//!
//! 1. Generates the deterministic corpus (`sanad_search::corpus`, seed 1): needs and offers, two thirds Arabic.
//! 2. Indexing: builds an on-disk tantivy index of the corpus twice in temporary directories, once with
//!    `SearchIndex::add` (no look-up of an earlier version: a fresh build) and once with `SearchIndex::upsert` (a
//!    delete term per document: what live updates use), one writer, then `commit` and `reload`; reports documents per
//!    second up to the end of the commit, then waits for tantivy's background merges.
//! 3. Query latency: opens the index afresh, runs the fixed query mix once to warm up, then times every query
//!    (`SearchIndex::search`: top 10 with snippets, total and sector and region facet counts, open items, public).
//! 4. Memory: a child process (this binary again) opens the on-disk index and runs the mix, and reports what its
//!    resident memory grew by: the memory the index adds to a serving node.
//! 5. Commit to searchable, in the index alone: one listing upserted, committed and the reader reloaded on the full
//!    index, until a search finds it (the node's writer task adds its batching interval to this).
//! 6. PostgreSQL: loads the same corpus into a fresh database (COPY; a stored generated `tsvector` column with a GIN
//!    index) and runs the same queries, top 10 by `ts_rank`; reports the ratio.
//!
//! Environment:
//! - `SANAD_BENCH_DOCS` (default 1,000,000): corpus size.
//! - `SANAD_BENCH_QUERIES` (default 100): queries of each category; tantivy runs each `SANAD_BENCH_ROUNDS` times
//!   (default 3), PostgreSQL once.
//! - `SANAD_BENCH_HEAP_MB` (default 1024): the index writer's memory budget, shared by its threads.
//! - `SANAD_BENCH_ALL_STATUSES=1`: the index (not PostgreSQL) is asked for every status, to show the status filter's
//!   cost.
//! - `SANAD_BENCH_INDEX_DIR`: where to build the index (kept afterwards); by default a temporary directory, removed.
//!   `SANAD_BENCH_SERVE_DIR=<the sanad-search-… directory made there>/add` then only runs the query mix on that index
//!   and prints its latencies and memory (for a profiler).
//! - `SANAD_TEST_DATABASE_URL`: PostgreSQL server to create the scratch database on; when unset,
//!   `postgres://postgres@127.0.0.1:5432/postgres` is tried, and the PostgreSQL part is skipped (with a message) when
//!   it cannot be reached. `SANAD_BENCH_SKIP_PG=1` skips it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::{
    collections::HashMap,
    fmt::Write as _,
    path::Path,
    sync::Arc,
    time::{Duration, Instant},
};

use sanad_search::{
    analysis,
    corpus::{self, BenchQuery, Category},
    index::{Change, Listing, SearchIndex, SearchQuery},
};
use sea_orm::sqlx::{self, AssertSqlSafe, Connection, PgConnection, Row};

/// What the public search page asks by default: items still open.
const OPEN: [&str; 3] = sanad_search::index::OPEN_STATUSES;
const SEED: u64 = 1;
const DEFAULT_PG: &str = "postgres://postgres@127.0.0.1:5432/postgres";

fn env(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.replace('_', "").parse().ok()).unwrap_or(default)
}

fn search_query(q: &BenchQuery) -> SearchQuery {
    SearchQuery {
        text: q.text.clone(),
        phrase: q.phrase,
        kind: q.kind.clone(),
        sector: q.sector.clone(),
        region_path: q.region_path.clone(),
        statuses: if std::env::var("SANAD_BENCH_ALL_STATUSES").is_ok_and(|v| v == "1") {
            Vec::new()
        } else {
            OPEN.iter().map(|s| (*s).to_owned()).collect()
        },
        per_page: 10,
        page: 1,
        facets: q.category == Category::Faceted
            || std::env::var("SANAD_BENCH_FACETS").is_ok_and(|v| v == "1"),
        offers_until_from: std::env::var("SANAD_BENCH_TODAY").ok().and_then(|d| d.parse().ok()),
        ..Default::default()
    }
}

/// Latencies and result counts of one category.
#[derive(Default)]
struct Samples {
    times: Vec<Duration>,
    matches: Vec<usize>,
}

impl Samples {
    fn percentile(&self, p: f64) -> Duration {
        let mut t = self.times.clone();
        t.sort_unstable();
        t[((t.len() as f64 - 1.0) * p).round() as usize]
    }

    fn mean(&self) -> Duration {
        self.times.iter().sum::<Duration>() / self.times.len().max(1) as u32
    }

    fn mean_matches(&self) -> f64 {
        self.matches.iter().sum::<usize>() as f64 / self.matches.len().max(1) as f64
    }
}

fn ms(d: Duration) -> String {
    format!("{:.3} ms", d.as_secs_f64() * 1000.0)
}

/// A line of /proc/self/status in KiB (`VmRSS`, `VmHWM`, `RssAnon`, `RssFile`).
fn status_kib(key: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with(key) && l[key.len()..].starts_with(':'))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

fn dir_bytes(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .map(|entries| entries.flatten().filter_map(|e| e.metadata().ok()).map(|m| m.len()).sum())
        .unwrap_or(0)
}

fn segments(dir: &Path) -> usize {
    std::fs::read_to_string(dir.join("meta.json"))
        .ok()
        .and_then(|m| serde_json::from_str::<serde_json::Value>(&m).ok())
        .and_then(|m| m["segments"].as_array().map(Vec::len))
        .unwrap_or(0)
}

fn mib(bytes: u64) -> String {
    format!("{:.0} MiB", bytes as f64 / (1024.0 * 1024.0))
}

/// The corpus's regions are the node's: every code and parent is in its built-in region list.
fn check_regions() {
    let csv = include_str!("../../node/data/regions.csv");
    let known: HashMap<&str, &str> = csv
        .lines()
        .skip(1)
        .filter_map(|l| {
            let mut f = l.split(',');
            Some((f.next()?, f.next()?))
        })
        .collect();
    for (code, parent, _, _) in corpus::REGIONS {
        assert_eq!(known.get(code), Some(parent), "region {code} as in node/data/regions.csv");
    }
}

struct Build {
    secs: f64,
    cpu: f64,
    merge_secs: f64,
    segments_after_commit: usize,
    segments: usize,
    bytes: u64,
}

/// Indexes every listing into a new index in `dir`, with or without a delete term per document.
fn build(dir: &Path, changes: &[Change], heap: usize, upsert: bool) -> Build {
    let index = SearchIndex::open(Some(dir)).unwrap();
    let mut writer = index.writer(heap).unwrap();
    let cpu = sanad_tests::cpu_seconds();
    let t = Instant::now();
    for c in changes {
        if upsert {
            if let Change::Listing(l) = c {
                index.upsert(&writer, l).unwrap();
            }
        } else {
            index.add(&writer, c).unwrap();
        }
    }
    writer.commit().unwrap();
    index.reload().unwrap();
    let secs = t.elapsed().as_secs_f64();
    let cpu = sanad_tests::cpu_seconds() - cpu;
    assert_eq!(index.len(), changes.len() as u64, "every listing is in the index");
    let segments_after_commit = segments(dir);
    let t = Instant::now();
    writer.wait_merging_threads().unwrap();
    let merge_secs = t.elapsed().as_secs_f64();
    Build {
        secs,
        cpu,
        merge_secs,
        segments_after_commit,
        segments: segments(dir),
        bytes: dir_bytes(dir),
    }
}

/// Listings per second (one thread) through each of the index's analysers alone, on the text the index gets.
fn analysis_rate(changes: &[Change]) -> f64 {
    let texts: Vec<String> = changes
        .iter()
        .take(100_000)
        .filter_map(|c| match c {
            Change::Listing(l) => Some(format!("{}\n{}", l.item, l.summary)),
            _ => None,
        })
        .collect();
    let mut analyser = analysis::index_analyser();
    let t = Instant::now();
    let mut terms = 0;
    for text in &texts {
        let mut stream = analyser.token_stream(text);
        while stream.advance() {
            terms += 1;
        }
    }
    assert!(terms > texts.len());
    texts.len() as f64 / t.elapsed().as_secs_f64()
}

/// Runs the mix on tantivy: once to warm up, then `rounds` timed rounds.
fn tantivy_queries(
    index: &SearchIndex,
    mix: &[BenchQuery],
    rounds: usize,
) -> HashMap<Category, Samples> {
    let queries: Vec<(Category, SearchQuery)> =
        mix.iter().map(|q| (q.category, search_query(q))).collect();
    for (_, q) in &queries {
        index.search(q).unwrap();
    }
    let mut out: HashMap<Category, Samples> = HashMap::new();
    for _ in 0..rounds {
        for (category, q) in &queries {
            let t = Instant::now();
            let r = index.search(q).unwrap();
            let e = t.elapsed();
            let s = out.entry(*category).or_default();
            s.times.push(e);
            s.matches.push(r.total);
        }
    }
    out
}

/// The child process: opens the index in `dir`, runs the mix, prints its memory.
fn serve(dir: &Path, mix: &[BenchQuery], rounds: usize) {
    let before = (status_kib("VmRSS"), status_kib("RssAnon"), status_kib("RssFile"));
    let t = Instant::now();
    let index = SearchIndex::open(Some(dir)).unwrap();
    let open_ms = t.elapsed().as_secs_f64() * 1000.0;
    let opened = status_kib("VmRSS");
    let samples = tantivy_queries(&index, mix, rounds);
    for category in Category::ALL {
        let s = &samples[&category];
        println!(
            "{}: p50 {}, p99 {}, mean {}, {:.0} matches",
            category.name(),
            ms(s.percentile(0.5)),
            ms(s.percentile(0.99)),
            ms(s.mean()),
            s.mean_matches()
        );
    }
    println!(
        "MEM before_rss={} before_anon={} before_file={} opened_rss={opened} rss={} hwm={} anon={} file={} open_ms={open_ms:.0}",
        before.0,
        before.1,
        before.2,
        status_kib("VmRSS"),
        status_kib("VmHWM"),
        status_kib("RssAnon"),
        status_kib("RssFile"),
    );
}

/// Commit to searchable on the full index: upsert one listing with a word no other has, commit, reload, search.
fn commit_to_searchable(dir: &Path, samples: usize) -> Vec<Duration> {
    let index = SearchIndex::open(Some(dir)).unwrap();
    let mut writer = index.writer(50_000_000).unwrap();
    let mut out = Vec::with_capacity(samples);
    for (i, mut l) in corpus::listings(SEED + 1).take(samples).enumerate() {
        let word = format!("zqx{i}marker");
        l.summary = format!("{} {word}", l.summary);
        l.status = "open".into();
        l.kind = "need".into();
        l.audience = vec!["public".into()];
        let t = Instant::now();
        index.upsert(&writer, &l).unwrap();
        writer.commit().unwrap();
        index.reload().unwrap();
        let q = SearchQuery { text: word, per_page: 10, page: 1, ..Default::default() };
        assert_eq!(index.search(&q).unwrap().total, 1);
        out.push(t.elapsed());
    }
    drop(writer);
    out
}

// ---------------------------------------------------------------------------------------------------------------
// PostgreSQL

/// The scratch database's connection, and how to drop it.
struct Pg {
    admin: String,
    name: String,
    conn: PgConnection,
}

async fn pg_connect() -> Option<Pg> {
    if std::env::var("SANAD_BENCH_SKIP_PG").is_ok_and(|v| v == "1") {
        println!("PostgreSQL part skipped (SANAD_BENCH_SKIP_PG=1)");
        return None;
    }
    let admin = std::env::var("SANAD_TEST_DATABASE_URL")
        .ok()
        .filter(|v| !v.trim().is_empty())
        .unwrap_or_else(|| DEFAULT_PG.to_owned());
    let admin = admin.trim().to_owned();
    let mut conn = match PgConnection::connect(&admin).await {
        Ok(c) => c,
        Err(e) => {
            println!(
                "PostgreSQL part skipped: cannot connect to {admin} ({e}); set SANAD_TEST_DATABASE_URL to a server \
                 where a database may be created"
            );
            return None;
        }
    };
    let name = format!("sanad_bench_search_{}", std::process::id());
    sqlx::raw_sql(AssertSqlSafe(format!("CREATE DATABASE \"{name}\"")))
        .execute(&mut conn)
        .await
        .unwrap();
    conn.close().await.ok();
    let conn =
        PgConnection::connect(&sanad_tests::with_database_name(&admin, &name)).await.unwrap();
    Some(Pg { admin, name, conn })
}

impl Pg {
    async fn drop_database(self) {
        self.conn.close().await.ok();
        let mut admin = PgConnection::connect(&self.admin).await.unwrap();
        sqlx::raw_sql(AssertSqlSafe(format!("DROP DATABASE IF EXISTS \"{}\"", self.name)))
            .execute(&mut admin)
            .await
            .unwrap();
    }
}

/// The table: the listing's filter columns and its text (item and summary, as the index holds it), analysed into
/// one `tsvector` by both PostgreSQL's Arabic (Snowball) and English configurations, like the index's two analyses.
const SCHEMA: &str = "
CREATE TABLE listings (
    id text PRIMARY KEY,
    kind text NOT NULL,
    origin text NOT NULL,
    origin_name text NOT NULL,
    item text NOT NULL,
    summary text NOT NULL,
    sector text NOT NULL,
    country text,
    region text,
    urgency int NOT NULL,
    status text NOT NULL,
    quantity bigint NOT NULL,
    quantity_met bigint NOT NULL,
    updated_ms bigint NOT NULL,
    audience text[] NOT NULL,
    url text NOT NULL,
    tsv tsvector GENERATED ALWAYS AS (
        to_tsvector('arabic'::regconfig, item || ' ' || summary)
        || to_tsvector('english'::regconfig, item || ' ' || summary)
    ) STORED
)";

const INDEXES: &[&str] = &[
    "CREATE INDEX listings_tsv ON listings USING gin (tsv)",
    "CREATE INDEX listings_country ON listings (country)",
    "CREATE INDEX listings_region ON listings (region)",
    "CREATE INDEX listings_sector ON listings (sector)",
];

fn copy_escape(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
}

fn copy_row(out: &mut String, l: &Listing) {
    for (i, field) in [&l.id, &l.kind, &l.origin, &l.origin_name, &l.item, &l.summary, &l.sector]
        .into_iter()
        .enumerate()
    {
        if i > 0 {
            out.push('\t');
        }
        copy_escape(out, field);
    }
    for part in [l.region_path.first(), l.region_path.get(1)] {
        out.push('\t');
        match part {
            Some(p) => copy_escape(out, p),
            None => out.push_str("\\N"),
        }
    }
    let _ = write!(
        out,
        "\t{}\t{}\t{}\t{}\t{}\t{{{}}}\t",
        l.urgency,
        l.status,
        l.quantity,
        l.quantity_met,
        l.updated_ms,
        l.audience.join(",")
    );
    copy_escape(out, &l.url);
    out.push('\n');
}

struct PgLoad {
    copy_secs: f64,
    index_secs: f64,
    vacuum_secs: f64,
    table_bytes: u64,
    gin_bytes: u64,
}

/// Sends rows to PostgreSQL with one `COPY … FROM STDIN`.
async fn copy_in(conn: &mut PgConnection, changes: &[Change]) -> u64 {
    let mut copy = conn
        .copy_in_raw(
            "COPY listings (id, kind, origin, origin_name, item, summary, sector, country, region, urgency, \
             status, quantity, quantity_met, updated_ms, audience, url) FROM STDIN",
        )
        .await
        .unwrap();
    let mut buf = String::with_capacity(4 << 20);
    for c in changes {
        if let Change::Listing(l) = c {
            copy_row(&mut buf, l);
        }
        if buf.len() > (4 << 20) - 4096 {
            copy.send(buf.as_bytes()).await.unwrap();
            buf.clear();
        }
    }
    copy.send(buf.as_bytes()).await.unwrap();
    copy.finish().await.unwrap()
}

/// Creates the table and loads the corpus: one `COPY` a core, side by side (computing the two `tsvector`s of each
/// row is most of the work), then the indexes and `VACUUM ANALYZE`.
async fn pg_load(pg: &mut Pg, changes: &[Change]) -> PgLoad {
    sqlx::raw_sql(SCHEMA).execute(&mut pg.conn).await.unwrap();
    let url = sanad_tests::with_database_name(&pg.admin, &pg.name);
    let chunk = changes.len().div_ceil(sanad_tests::cores()).max(1);
    let parts: Vec<Vec<Change>> = changes.chunks(chunk).map(<[Change]>::to_vec).collect();
    let t = Instant::now();
    let mut tasks = Vec::new();
    for part in parts {
        let url = url.clone();
        tasks.push(tokio::spawn(async move {
            let mut conn = PgConnection::connect(&url).await.unwrap();
            let rows = copy_in(&mut conn, &part).await;
            conn.close().await.ok();
            rows
        }));
    }
    let mut rows = 0;
    for task in tasks {
        rows += task.await.unwrap();
    }
    assert_eq!(rows, changes.len() as u64);
    let copy_secs = t.elapsed().as_secs_f64();
    let conn = &mut pg.conn;
    let t = Instant::now();
    sqlx::raw_sql("SET maintenance_work_mem = '1GB'").execute(&mut *conn).await.unwrap();
    for ddl in INDEXES {
        sqlx::raw_sql(*ddl).execute(&mut *conn).await.unwrap();
    }
    let index_secs = t.elapsed().as_secs_f64();
    let t = Instant::now();
    sqlx::raw_sql("VACUUM ANALYZE listings").execute(&mut *conn).await.unwrap();
    let vacuum_secs = t.elapsed().as_secs_f64();
    let row = sqlx::query(
        "SELECT pg_total_relation_size('listings')::bigint, pg_relation_size('listings_tsv')::bigint",
    )
    .fetch_one(&mut *conn)
    .await
    .unwrap();
    PgLoad {
        copy_secs,
        index_secs,
        vacuum_secs,
        table_bytes: row.get::<i64, _>(0) as u64,
        gin_bytes: row.get::<i64, _>(1) as u64,
    }
}

/// The statement(s) for one query, with their parameters: top 10 by `ts_rank`, and for faceted queries (no words)
/// the first 10 plus the total and the sector and region counts in one `GROUPING SETS` scan.
struct PgStatement {
    sql: Arc<str>,
    facets: Option<Arc<str>>,
    params: Vec<String>,
}

fn pg_statement(q: &BenchQuery) -> PgStatement {
    let mut params: Vec<String> = Vec::new();
    let mut param = |v: &str| {
        params.push(v.to_owned());
        format!("${}", params.len())
    };
    // Each word matches in either analysis, all words must match (as in the index); a phrase keeps its order.
    let tsquery = if q.phrase {
        let p = param(&q.text);
        format!("(phraseto_tsquery('arabic', {p}) || phraseto_tsquery('english', {p}))")
    } else {
        q.text
            .split_whitespace()
            .map(|w| {
                let p = param(w);
                format!("(plainto_tsquery('arabic', {p}) || plainto_tsquery('english', {p}))")
            })
            .collect::<Vec<_>>()
            .join(" && ")
    };
    let mut filters = vec![
        format!(
            "status IN ({})",
            OPEN.iter().map(|s| format!("'{s}'")).collect::<Vec<_>>().join(", ")
        ),
        "'public' = ANY (audience)".to_owned(),
    ];
    if let Some(kind) = &q.kind {
        filters.push(format!("kind = {}", param(kind)));
    }
    if let Some(sector) = &q.sector {
        filters.push(format!("sector = {}", param(sector)));
    }
    match q.region_path.as_slice() {
        [] => {}
        [country] => filters.push(format!("country = {}", param(country))),
        [.., region] => filters.push(format!("region = {}", param(region))),
    }
    let columns = "id, kind, origin, origin_name, item, summary, sector, country, region, urgency, status, \
                   quantity, quantity_met, updated_ms, url";
    let filters = filters.join(" AND ");
    if tsquery.is_empty() {
        PgStatement {
            sql: format!("SELECT {columns} FROM listings WHERE {filters} LIMIT 10").into(),
            facets: Some(
                format!(
                    "SELECT GROUPING(sector, region), sector, region, count(*) FROM listings WHERE {filters} \
                     GROUP BY GROUPING SETS ((sector), (region), ())"
                )
                .into(),
            ),
            params,
        }
    } else {
        PgStatement {
            sql: format!(
                "SELECT {columns}, ts_rank(tsv, query.q) AS rank \
                 FROM listings, (SELECT {tsquery} AS q) AS query \
                 WHERE tsv @@ query.q AND {filters} ORDER BY rank DESC LIMIT 10"
            )
            .into(),
            facets: None,
            params,
        }
    }
}

async fn pg_run(conn: &mut PgConnection, s: &PgStatement) -> usize {
    let mut query = sqlx::query(AssertSqlSafe(s.sql.clone()));
    for p in &s.params {
        query = query.bind(p.as_str());
    }
    let rows = query.fetch_all(&mut *conn).await.unwrap();
    let mut total = rows.len();
    if let Some(facets) = &s.facets {
        let mut query = sqlx::query(AssertSqlSafe(facets.clone()));
        for p in &s.params {
            query = query.bind(p.as_str());
        }
        for row in query.fetch_all(&mut *conn).await.unwrap() {
            // GROUPING() is 3 on the row of the empty grouping set: the total.
            if row.get::<i32, _>(0) == 3 {
                total = row.get::<i64, _>(3) as usize;
            }
        }
    }
    total
}

/// How many listings a query's words match on PostgreSQL (not timed: text queries fetch only the top 10).
async fn pg_count(conn: &mut PgConnection, s: &PgStatement) -> usize {
    let Some(from) = s.sql.split_once(" FROM ").map(|(_, f)| f) else { return 0 };
    let from = from.split(" ORDER BY ").next().unwrap_or(from);
    let sql = format!("SELECT count(*) FROM {from}");
    let mut query = sqlx::query(AssertSqlSafe(sql));
    for p in &s.params {
        query = query.bind(p.as_str());
    }
    let row = query.fetch_one(&mut *conn).await.unwrap();
    row.get::<i64, _>(0) as usize
}

async fn pg_queries(
    conn: &mut PgConnection,
    mix: &[BenchQuery],
    warm: usize,
) -> HashMap<Category, Samples> {
    let statements: Vec<(Category, PgStatement)> =
        mix.iter().map(|q| (q.category, pg_statement(q))).collect();
    for (_, s) in statements.iter().take(warm * Category::ALL.len()) {
        pg_run(conn, s).await;
    }
    let mut out: HashMap<Category, Samples> = HashMap::new();
    for (category, s) in &statements {
        let t = Instant::now();
        let total = pg_run(conn, s).await;
        let e = t.elapsed();
        let samples = out.entry(*category).or_default();
        samples.times.push(e);
        if s.facets.is_some() {
            samples.matches.push(total);
        }
    }
    // Result counts of the first queries of each text category, to compare with the index's.
    for (category, s) in statements.iter().take(20 * Category::ALL.len()) {
        if s.facets.is_none() {
            let n = pg_count(conn, s).await;
            out.entry(*category).or_default().matches.push(n);
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------------------------

fn main() {
    let docs = env("SANAD_BENCH_DOCS", 1_000_000);
    let per_category = env("SANAD_BENCH_QUERIES", 100);
    let rounds = env("SANAD_BENCH_ROUNDS", 3).max(1);
    let heap = env("SANAD_BENCH_HEAP_MB", 1024) << 20;
    let mix = corpus::queries(SEED, per_category);
    if let Ok(dir) = std::env::var("SANAD_BENCH_SERVE_DIR") {
        serve(Path::new(&dir), &mix, rounds);
        return;
    }
    check_regions();
    let mut report = String::new();

    eprintln!("[1/6] generating {docs} listings");
    let t = Instant::now();
    let changes: Vec<Change> = corpus::listings(SEED).take(docs).map(Change::Listing).collect();
    let text_bytes: usize = changes
        .iter()
        .map(|c| match c {
            Change::Listing(l) => l.item.len() + l.summary.len() + 1,
            _ => 0,
        })
        .sum();
    eprintln!("      {:.1} s", t.elapsed().as_secs_f64());

    let analysis_rate = analysis_rate(&changes);
    eprintln!("[2/6] indexing with add, then with upsert (heap {} MiB)", heap >> 20);
    let tmp = match std::env::var("SANAD_BENCH_INDEX_DIR") {
        Ok(dir) => {
            tempfile::Builder::new().prefix("sanad-search-").disable_cleanup(true).tempdir_in(dir)
        }
        Err(_) => tempfile::tempdir(),
    }
    .unwrap();
    let (dir_add, dir_upsert) = (tmp.path().join("add"), tmp.path().join("upsert"));
    let added = build(&dir_add, &changes, heap, false);
    eprintln!("      add: {:.1} s", added.secs);
    let upserted = build(&dir_upsert, &changes, heap, true);
    eprintln!("      upsert: {:.1} s", upserted.secs);
    std::fs::remove_dir_all(&dir_upsert).ok();

    let _ = writeln!(
        report,
        "\nCorpus: {docs} listings (seed {SEED}), item and summary {:.0} bytes on average; {} cores.\n",
        text_bytes as f64 / docs as f64,
        sanad_tests::cores()
    );
    let _ = writeln!(
        report,
        "| indexing ({} MiB writer heap) | documents/s | time to commit | CPU (all threads) | merges after commit | segments (after commit → merged) | index on disk |",
        heap >> 20
    );
    let _ = writeln!(report, "|---|---|---|---|---|---|---|");
    for (name, b) in
        [("`add` (fresh build)", &added), ("`upsert` (delete term per document)", &upserted)]
    {
        let _ = writeln!(
            report,
            "| {name} | **{:.0}** | {:.1} s | {:.1} s ({:.0}% of {} cores) | {:.1} s | {} → {} | {} |",
            docs as f64 / b.secs,
            b.secs,
            b.cpu,
            b.cpu / b.secs / sanad_tests::cores() as f64 * 100.0,
            sanad_tests::cores(),
            b.merge_secs,
            b.segments_after_commit,
            b.segments,
            mib(b.bytes)
        );
    }

    let _ = writeln!(
        report,
        "\nThe analyser alone (indexing form), one thread, on the same text (first 100,000 listings): {analysis_rate:.0} \
         listings/s."
    );

    eprintln!(
        "[3/6] {} queries ({per_category} a category), warm-up then {rounds} rounds",
        mix.len()
    );
    let tantivy = {
        let index = SearchIndex::open(Some(&dir_add)).unwrap();
        tantivy_queries(&index, &mix, rounds)
    };

    eprintln!("[4/6] memory of a fresh process serving the index");
    let child = std::process::Command::new(std::env::current_exe().unwrap())
        .env("SANAD_BENCH_SERVE_DIR", &dir_add)
        .env("SANAD_BENCH_QUERIES", per_category.to_string())
        .env("SANAD_BENCH_ROUNDS", "1")
        .output()
        .unwrap();
    let line = String::from_utf8_lossy(&child.stdout)
        .lines()
        .find(|l| l.starts_with("MEM "))
        .map(str::to_owned)
        .unwrap_or_default();
    let mem: HashMap<&str, u64> = line
        .split_whitespace()
        .filter_map(|kv| kv.split_once('='))
        .filter_map(|(k, v)| Some((k, v.parse().ok()?)))
        .collect();
    let kib = |k: &str| mem.get(k).copied().unwrap_or(0) * 1024;

    eprintln!("[5/6] commit to searchable on the full index");
    let mut visible = commit_to_searchable(&dir_add, 20);
    visible.sort_unstable();

    let pg =
        tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap().block_on(async {
            let mut pg = pg_connect().await?;
            eprintln!("[6/6] PostgreSQL: COPY, indexes, VACUUM ANALYZE, the same queries");
            let load = pg_load(&mut pg, &changes).await;
            eprintln!("      loaded in {:.1} s + {:.1} s", load.copy_secs, load.index_secs);
            let samples = pg_queries(&mut pg.conn, &mix, 20.min(per_category)).await;
            let version: String =
                sqlx::query_scalar("SHOW server_version").fetch_one(&mut pg.conn).await.unwrap();
            pg.drop_database().await;
            Some((load, samples, version))
        });

    let _ = writeln!(
        report,
        "\n| query ({per_category} a category) | tantivy p50 | p99 | mean | mean matches | PostgreSQL p50 | p99 | mean | mean matches | PostgreSQL ÷ tantivy, p50 / p99 |"
    );
    let _ = writeln!(report, "|---|---|---|---|---|---|---|---|---|---|");
    let mut totals = (Duration::ZERO, Duration::ZERO);
    for category in Category::ALL {
        let t = &tantivy[&category];
        let _ = write!(
            report,
            "| {} | {} | {} | {} | {:.0} |",
            category.name(),
            ms(t.percentile(0.5)),
            ms(t.percentile(0.99)),
            ms(t.mean()),
            t.mean_matches()
        );
        match pg.as_ref().and_then(|(_, s, _)| s.get(&category)) {
            Some(p) => {
                totals.0 += t.mean();
                totals.1 += p.mean();
                let _ = writeln!(
                    report,
                    " {} | {} | {} | {:.0} | {:.0}× / {:.0}× |",
                    ms(p.percentile(0.5)),
                    ms(p.percentile(0.99)),
                    ms(p.mean()),
                    p.mean_matches(),
                    p.percentile(0.5).as_secs_f64() / t.percentile(0.5).as_secs_f64(),
                    p.percentile(0.99).as_secs_f64() / t.percentile(0.99).as_secs_f64(),
                );
            }
            None => {
                let _ = writeln!(report, " – | – | – | – | – |");
            }
        }
    }
    if let Some((load, _, version)) = &pg {
        let _ = writeln!(
            report,
            "\nWhole mix, mean time per query: tantivy {}, PostgreSQL {} ({:.0}×). tantivy: {} samples a category \
             ({rounds} rounds after a warm-up round); PostgreSQL {version}: {per_category} samples a category after \
             {} warm-up queries a category.",
            ms(totals.0 / 5),
            ms(totals.1 / 5),
            totals.1.as_secs_f64() / totals.0.as_secs_f64(),
            per_category * rounds,
            20.min(per_category)
        );
        let _ = writeln!(
            report,
            "\nPostgreSQL load: COPY {:.1} s ({:.0} rows/s, one COPY a core side by side, both tsvectors computed on insert), indexes (GIN and three \
             b-trees) {:.1} s, VACUUM ANALYZE {:.1} s; table with indexes {}, of which the GIN index {}.",
            load.copy_secs,
            docs as f64 / load.copy_secs,
            load.index_secs,
            load.vacuum_secs,
            mib(load.table_bytes),
            mib(load.gin_bytes)
        );
    }
    let _ = writeln!(
        report,
        "\n| memory of a process serving the index (fresh `SearchIndex::open`, then the mix once) | |\n|---|---|"
    );
    let _ = writeln!(
        report,
        "| resident before opening (the bare benchmark binary) | {} |",
        mib(kib("before_rss"))
    );
    let _ = writeln!(
        report,
        "| resident after opening ({} ms) | {} |",
        mem.get("open_ms").copied().unwrap_or(0),
        mib(kib("opened_rss"))
    );
    let _ = writeln!(
        report,
        "| resident after the mix (VmRSS) / peak (VmHWM) | {} / {} |",
        mib(kib("rss")),
        mib(kib("hwm"))
    );
    let _ = writeln!(
        report,
        "| of which anonymous (heap) / file-backed (mapped index pages) | {} / {} |",
        mib(kib("anon")),
        mib(kib("file"))
    );
    let _ = writeln!(
        report,
        "| **added by the index** (after the mix − before opening) | **{}** (index on disk {}) |",
        mib(kib("rss").saturating_sub(kib("before_rss"))),
        mib(added.bytes)
    );
    let _ = writeln!(
        report,
        "\nCommit to searchable in the index alone (upsert one listing, commit, reload, find it; {} samples on the \
         full index): p50 {}, max {}.",
        visible.len(),
        ms(visible[visible.len() / 2]),
        ms(visible[visible.len() - 1])
    );
    println!("{report}");
}
