//! Search on a serving node: `cargo bench -p sanad-tests --bench search_node [-- N]` (N needs, default 100,000).
//!
//! 1. Time from a need's commit to its being searchable: 200 needs created through the API one after another; for
//!    each, the time from the API's answer (the unit of work has committed) to the first search through the API
//!    that finds it.
//! 2. `sanad reindex` (the real binary) over a node holding N needs written straight into its database, while a
//!    client keeps searching through the API: the rebuild's duration and rate, and how many searches were answered
//!    meanwhile, with their latency (every one must succeed and find what the index in use holds).
//!
//! SQLite by default; set `SANAD_TEST_DATABASE_URL` to run on PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::time::{Duration, Instant};

use reqwest::Client;
use sanad_node::{
    domain::tenancy::Role,
    infra::entities::need,
    vocab::{NeedStatus, Sector, Urgency, Visibility},
};
use sea_orm::{ActiveValue::Set, EntityTrait};
use serde_json::{Value, json};

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1_000.0)
}

async fn found(client: &Client, base: &str, query: &str) -> u64 {
    let v: Value = client
        .get(format!("{base}/api/v1/search?{query}"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    v["total"].as_u64().unwrap_or_else(|| panic!("{v}"))
}

#[tokio::main]
async fn main() {
    let n: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .or_else(|| std::env::var("SANAD_BENCH_DOCS").ok().and_then(|v| v.parse().ok()))
        .unwrap_or(100_000);
    let database = if sanad_tests::on_postgres() { "PostgreSQL" } else { "SQLite" };
    let app = sanad_tests::spawn_app_with(|c| c.database.max_connections = 16).await;
    app.org("amal", "جمعية الأمل").await;
    app.member("admin@amal.org", "amal", Role::Admin).await;
    let token = app.token("admin@amal.org", "amal").await;
    let client = Client::new();
    let base = app.base.clone();

    // 1. Commit to searchable.
    let mut latencies = Vec::new();
    for i in 0..200 {
        let word = format!("marker{i}x");
        let (s, need) = app
            .api("POST", "/api/v1/orgs/amal/needs", &token, Some(json!({"sector": "shelter",
                "item": format!("بطانيات {word}"), "quantity": 10, "unit": "piece", "urgency": "high",
                "region_code": "PS-GZA", "public_summary": "بطانيات شتوية", "visibility": "public"})))
            .await;
        assert_eq!(s, 201, "{need}");
        let committed = Instant::now();
        loop {
            if found(&client, &base, &format!("q={word}")).await == 1 {
                latencies.push(committed.elapsed());
                break;
            }
            assert!(committed.elapsed() < Duration::from_secs(10), "need {i} never searchable");
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    }
    latencies.sort();
    println!("## Commit to searchable ({database}, search.commit_interval_ms = 100)\n");
    println!("| needs | p50 | p99 | max |\n|---|---|---|---|");
    println!(
        "| {} | {} | {} | {} |\n",
        latencies.len(),
        ms(percentile(&latencies, 0.5)),
        ms(percentile(&latencies, 0.99)),
        ms(*latencies.last().unwrap())
    );

    // 2. Reindex N needs while searching.
    let loaded = Instant::now();
    let now = chrono::Utc::now();
    let words =
        ["بطانيات", "خيام", "أدوية", "حليب أطفال", "سلال غذائية", "مياه الشرب", "Blankets", "Tents"];
    let rows: Vec<need::ActiveModel> = (0..n)
        .map(|i| need::ActiveModel {
            org_id: Set(1),
            sector: Set(Sector::Food),
            item: Set(format!("{} {i}", words[i % words.len()])),
            quantity: Set(10),
            unit: Set("piece".into()),
            quantity_met: Set(0),
            urgency: Set(Urgency::Medium),
            region_code: Set("PS-GZA".into()),
            public_summary: Set(format!("{} للأسر النازحة، دفعة {i}", words[(i / 3) % words.len()])),
            status: Set(NeedStatus::Open),
            visibility: Set(Visibility::Public),
            created_by: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
            ap_id: Set(Some(uuid::Uuid::new_v4().to_string())),
            ..Default::default()
        })
        .collect();
    for chunk in rows.chunks(1_000) {
        need::Entity::insert_many(chunk.to_vec()).exec(&app.state.db).await.unwrap();
    }
    println!("(loaded {n} needs into the database in {:.1} s)\n", loaded.elapsed().as_secs_f64());
    let in_use = found(&client, &base, "q=%D8%A8%D8%B7%D8%A7%D9%86%D9%8A%D8%A7%D8%AA").await;

    let dir = tempfile::tempdir().unwrap();
    let config = app.cli_config(dir.path());
    let started = Instant::now();
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_sanad-under-test"))
        .args(["--config", config.to_str().unwrap(), "reindex"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let reindex = tokio::task::spawn_blocking(move || child.wait_with_output());
    let mut answered = Vec::new();
    while !reindex.is_finished() {
        let t = Instant::now();
        let total = found(&client, &base, "q=%D8%A8%D8%B7%D8%A7%D9%86%D9%8A%D8%A7%D8%AA").await;
        answered.push(t.elapsed());
        assert!(total >= in_use, "searches keep answering from the index in use");
    }
    let out = reindex.await.unwrap().unwrap();
    let took = started.elapsed();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let swapped = Instant::now();
    while found(&client, &base, "q=%D8%A8%D8%B7%D8%A7%D9%86%D9%8A%D8%A7%D8%AA").await <= in_use {
        assert!(swapped.elapsed() < Duration::from_secs(30), "the rebuilt index is never used");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let swap = swapped.elapsed();
    answered.sort();
    println!("## `sanad reindex` while serving ({database})\n");
    println!(
        "| needs | reindex (process) | rows/s | switched to after exit | searches answered meanwhile | their p50 | their p99 |"
    );
    println!("|---|---|---|---|---|---|---|");
    println!(
        "| {n} | {:.1} s | {:.0} | {} | {} (all 200) | {} | {} |\n",
        took.as_secs_f64(),
        n as f64 / took.as_secs_f64(),
        ms(swap),
        answered.len(),
        ms(percentile(&answered, 0.5)),
        ms(percentile(&answered, 0.99)),
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    println!("Progress shown by `sanad reindex` (standard error, not a terminal):\n\n```");
    for line in stderr.lines() {
        println!("{line}");
    }
    println!("```");
}
