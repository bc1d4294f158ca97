//! Stock ledger benchmark: loads a ledger of 1,000,000 movements over 2,000 items and 20 warehouses, then times
//! recording a distribution, looking up a balance and rendering the first stock-card page of the busiest item.
//!
//! `cargo bench -p sanad-node --bench stock` runs it on SQLite in a temporary directory;
//! `SANAD_BENCH_DATABASE_URL=postgres://user@host/db cargo bench -p sanad-node --bench stock` runs it on a fresh
//! PostgreSQL database created next to `db`. Sizes: `SANAD_BENCH_MOVEMENTS`, `SANAD_BENCH_ITEMS`,
//! `SANAD_BENCH_WAREHOUSES`, `SANAD_BENCH_SAMPLES`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::{
    collections::HashMap,
    io::Write,
    time::{Duration, Instant},
};

use sanad_node::{
    config::Config,
    domain::{
        accounts::{self, OrgFields, UserFields},
        cases::{self, CaseFields},
        error::{AppError, Input},
        needs::{self, NeedFields},
        stock::{
            self, DistributionFields, ItemFields, LineFields, MovementFields, WarehouseFields,
        },
        tenancy::{OperatorScope, OrgScope, Role},
    },
    infra::{events::EventBus, uow::UnitOfWork},
    vocab::{MovementKind, Sector, SourceKind, Urgency},
};
use sea_orm::{ConnectionTrait, DatabaseConnection};

/// Runs one operation in its own unit of work, as a request would.
async fn write<T>(
    db: &DatabaseConnection,
    bus: &EventBus,
    op: impl AsyncFnOnce(&mut UnitOfWork) -> Result<T, AppError>,
) -> T {
    let mut uow = UnitOfWork::begin(db, bus).await.unwrap();
    let out = op(&mut uow).await.unwrap();
    uow.commit().await.unwrap();
    out
}

fn env(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// A small deterministic generator, so every run loads the same ledger.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        self.0 >> 33
    }
}

fn percentile(samples: &mut [Duration], p: f64) -> Duration {
    samples.sort_unstable();
    let i = ((samples.len() as f64 - 1.0) * p).round() as usize;
    samples[i]
}

fn ms(d: Duration) -> String {
    format!("{:.3} ms", d.as_secs_f64() * 1000.0)
}

async fn database(dir: &std::path::Path) -> (Config, String) {
    let mut config = Config { data_dir: dir.to_path_buf(), ..Config::default() };
    config.log.level = "warn".into();
    let label = match std::env::var("SANAD_BENCH_DATABASE_URL") {
        Ok(admin) if !admin.trim().is_empty() => {
            let name = format!("sanad_bench_{}", std::process::id());
            let conn = sea_orm::Database::connect(admin.trim()).await.unwrap();
            conn.execute_unprepared(&format!("CREATE DATABASE \"{name}\"")).await.unwrap();
            let base = admin.trim().rsplit_once('/').map(|(b, _)| b.to_owned()).unwrap();
            config.database.url = format!("{base}/{name}");
            "PostgreSQL".to_owned()
        }
        _ => "SQLite".to_owned(),
    };
    (config.validated().unwrap(), label)
}

#[tokio::main]
async fn main() {
    let movements = env("SANAD_BENCH_MOVEMENTS", 1_000_000);
    let item_count = env("SANAD_BENCH_ITEMS", 2_000);
    let warehouse_count = env("SANAD_BENCH_WAREHOUSES", 20);
    let samples = env("SANAD_BENCH_SAMPLES", 1_000);
    let dir = tempfile::tempdir().unwrap();
    let (config, backend) = database(dir.path()).await;
    let db = sanad_node::app::bootstrap::open_database(&config).await.unwrap();

    let bus = EventBus::new();
    let operator = OperatorScope::command_line();
    let org = OrgFields {
        slug: "bench".into(),
        name_ar: "مقياس".into(),
        name_en: "Bench".into(),
        description: String::new(),
        ..Default::default()
    };
    write(&db, &bus, async |uow| accounts::create_org(uow, &operator, &org, None).await).await;
    let new = accounts::prepare_user(&UserFields {
        email: "bench@example.org".into(),
        display_name: "Bench".into(),
        password: "bench bench bench".into(),
    })
    .await
    .unwrap();
    let user =
        write(&db, &bus, async |uow| accounts::create_user(uow, &operator, &new).await).await;
    write(&db, &bus, async |uow| {
        accounts::grant_by_name(uow, &operator, "bench@example.org", "bench", Role::Admin).await
    })
    .await;
    let scope = OrgScope::for_user(&db, &user, "bench").await.unwrap();

    eprintln!("[1/4] catalogue: {item_count} items, {warehouse_count} warehouses");
    let mut items = Vec::with_capacity(item_count);
    for i in 0..item_count {
        let d = Input::new(ItemFields {
            name_ar: format!("صنف {i}"),
            name_en: format!("Item {i}"),
            sector: Some(Sector::Food),
            unit: "parcel".into(),
            ..Default::default()
        });
        let item = write(&db, &bus, async |uow| stock::create_item(uow, &scope, d).await).await;
        items.push(item.id);
    }
    let mut warehouses = Vec::with_capacity(warehouse_count);
    for w in 0..warehouse_count {
        let d = Input::new(WarehouseFields {
            name: format!("Warehouse {w}"),
            region_code: "PS-GZA".into(),
            ..Default::default()
        });
        let warehouse =
            write(&db, &bus, async |uow| stock::create_warehouse(uow, &scope, d).await).await;
        warehouses.push(warehouse.id);
    }

    eprintln!("[2/4] ledger: {movements} movements");
    let started = Instant::now();
    let load = load_ledger(&db, scope.org_id(), user.id, &items, &warehouses, movements).await;
    eprintln!("      loaded in {:.1} s", started.elapsed().as_secs_f64());
    // Measure the steady state: statistics gathered and (PostgreSQL) the visibility map set, as autovacuum does.
    let maintenance = if backend == "PostgreSQL" { "VACUUM ANALYZE" } else { "ANALYZE" };
    db.execute_unprepared(maintenance).await.unwrap();
    let busy = items[0];

    let household = Input::new(CaseFields {
        head_name: "Bench household".into(),
        region_code: "PS-GZA".into(),
        household_size: Some(4),
        ..Default::default()
    });
    let case = write(&db, &bus, async |uow| cases::create(uow, &scope, household).await).await;
    let need = Input::new(NeedFields {
        case_id: Some(case.id),
        sector: Some(Sector::Food),
        item: "parcels".into(),
        quantity: Some(10_000_000),
        unit: "parcel".into(),
        urgency: Some(Urgency::High),
        ..Default::default()
    });
    let need = write(&db, &bus, async |uow| needs::create(uow, &scope, need).await).await;

    eprintln!("[3/4] timing {samples} distributions, balance lookups and stock-card pages");
    // Distribute from the fullest buckets of ordinary items, one parcel at a time.
    let mut buckets: Vec<_> = load.iter().filter(|((i, _), q)| *i != busy && **q > 0).collect();
    buckets.sort_by_key(|(_, q)| std::cmp::Reverse(**q));
    let ((item, warehouse), _) = buckets[0];
    // Enough stock in that bucket for every sample, received like any other delivery.
    let receipt = Input::new(MovementFields {
        kind: Some(MovementKind::Receipt),
        item_id: Some(*item),
        warehouse_id: Some(*warehouse),
        quantity: Some(i64::try_from(samples * 2).unwrap()),
        source_kind: Some(SourceKind::Donor),
        ..Default::default()
    });
    write(&db, &bus, async |uow| stock::record(uow, &scope, receipt).await).await;
    let draft = DistributionFields {
        case_id: Some(case.id),
        need_id: Some(need.id),
        lines: vec![LineFields {
            item_id: Some(*item),
            warehouse_id: Some(*warehouse),
            quantity: Some(1),
            lot: String::new(),
        }],
        ..Default::default()
    };
    let mut record = Vec::with_capacity(samples);
    for _ in 0..samples {
        let t = Instant::now();
        let input = Input::new(draft.clone());
        write(&db, &bus, async |uow| stock::record_distribution(uow, &scope, input).await).await;
        record.push(t.elapsed());
    }
    let mut lookup = Vec::with_capacity(samples);
    let mut rng = Lcg(7);
    for _ in 0..samples {
        let i = items[(rng.next() as usize) % items.len()];
        let w = warehouses[(rng.next() as usize) % warehouses.len()];
        let t = Instant::now();
        stock::free_quantity(&db, i, w).await.unwrap();
        lookup.push(t.elapsed());
    }
    let card_samples = samples.min(200);
    let mut card = Vec::with_capacity(card_samples);
    let mut busy_total = 0;
    for _ in 0..card_samples {
        let t = Instant::now();
        let (rows, total) = stock::card(&db, &scope, busy, None, 1).await.unwrap();
        card.push(t.elapsed());
        assert_eq!(rows.len(), 50);
        busy_total = total;
    }
    assert!(stock::verify_balances(&db, &scope).await.unwrap(), "balances equal the ledger");

    eprintln!("[4/4] done");
    let mut out = std::io::stdout().lock();
    writeln!(out, "\n{backend}: {movements} movements, {item_count} items, {warehouse_count} warehouses; busiest item has {busy_total} movements\n").unwrap();
    writeln!(out, "| operation | samples | p50 | p99 |").unwrap();
    writeln!(out, "|---|---|---|---|").unwrap();
    for (name, s) in [
        ("record a distribution (1 line, FEFO, need update, audit)", &mut record),
        ("balance lookup (on hand + reserved)", &mut lookup),
        ("stock card, first page of the busiest item", &mut card),
    ] {
        let n = s.len();
        let (p50, p99) = (percentile(s, 0.50), percentile(s, 0.99));
        writeln!(out, "| {name} | {n} | {} | {} |", ms(p50), ms(p99)).unwrap();
    }
    db.close().await.ok();
    if let Ok(admin) = std::env::var("SANAD_BENCH_DATABASE_URL")
        && !admin.trim().is_empty()
    {
        let conn = sea_orm::Database::connect(admin.trim()).await.unwrap();
        let name = format!("sanad_bench_{}", std::process::id());
        conn.execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\"")).await.ok();
    }
}

/// Bulk-loads the ledger with plain multi-row INSERTs (the benchmark measures use, not loading), and the balances
/// equal to its sums. Returns the final quantity per item and warehouse.
async fn load_ledger(
    db: &DatabaseConnection,
    org: i64,
    user: i64,
    items: &[i64],
    warehouses: &[i64],
    movements: usize,
) -> HashMap<(i64, i64), i64> {
    let mut rng = Lcg(42);
    let mut balance: HashMap<(i64, i64), i64> = HashMap::new();
    let today = chrono::Utc::now().date_naive();
    let now = chrono::Utc::now().format("%Y-%m-%d %H:%M:%S%.f+00:00").to_string();
    let mut rows = Vec::with_capacity(1000);
    let mut done = 0;
    while done < movements {
        let txn = sea_orm::TransactionTrait::begin(db).await.unwrap();
        for _ in 0..100 {
            rows.clear();
            for _ in 0..1000.min(movements - done) {
                // One movement in ten is of the busiest item, the rest spread evenly.
                let item = if rng.next().is_multiple_of(10) {
                    items[0]
                } else {
                    items[(rng.next() as usize) % items.len()]
                };
                let warehouse = warehouses[(rng.next() as usize) % warehouses.len()];
                let bucket = balance.entry((item, warehouse)).or_default();
                let (kind, quantity) = if *bucket < 20 {
                    ("receipt", 200)
                } else {
                    ("distribution", -((rng.next() % 5) as i64 + 1))
                };
                *bucket += quantity;
                let day = today - chrono::Duration::days((rng.next() % 365) as i64);
                rows.push(format!(
                    "({org}, '{kind}', {item}, {warehouse}, '', NULL, {quantity}, 'bench', '{day}', {user}, '{now}')"
                ));
                done += 1;
            }
            if rows.is_empty() {
                break;
            }
            let sql = format!(
                "INSERT INTO stock_movements (org_id, kind, item_id, warehouse_id, lot, expiry, quantity, batch, occurred_on, created_by, created_at) VALUES {}",
                rows.join(",")
            );
            txn.execute_unprepared(&sql).await.unwrap();
        }
        txn.commit().await.unwrap();
        eprint!("\r      {done} / {movements}");
    }
    eprintln!();
    let txn = sea_orm::TransactionTrait::begin(db).await.unwrap();
    let all: Vec<String> =
        balance.iter().map(|((i, w), q)| format!("({org}, {i}, {w}, '', NULL, {q})")).collect();
    for chunk in all.chunks(1000) {
        let sql = format!(
            "INSERT INTO stock_balances (org_id, item_id, warehouse_id, lot, expiry, quantity) VALUES {}",
            chunk.join(",")
        );
        txn.execute_unprepared(&sql).await.unwrap();
    }
    txn.commit().await.unwrap();
    balance
}
