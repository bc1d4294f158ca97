//! The schema: every migration goes up, down and up again on the suite's database, and the second `up` builds the
//! very schema the first one did.

use sanad_migrations::{Migrator, MigratorTrait};
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};

/// A description of the schema: tables with their columns, indexes and constraints, one line each, sorted.
async fn schema(db: &DatabaseConnection) -> Vec<String> {
    let backend = db.get_database_backend();
    let sql = match backend {
        sea_orm::DbBackend::Postgres => {
            "SELECT 'column ' || table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable || ' ' \
                 || coalesce(column_default, '') AS line \
             FROM information_schema.columns WHERE table_schema = 'public' \
             UNION ALL SELECT 'index ' || indexdef FROM pg_indexes WHERE schemaname = 'public' \
             UNION ALL SELECT 'constraint ' || conrelid::regclass::text || ' ' || conname || ' ' \
                 || pg_get_constraintdef(oid) FROM pg_constraint WHERE connamespace = 'public'::regnamespace"
        }
        _ => {
            "SELECT type || ' ' || name || ' ' || coalesce(sql, '') AS line FROM sqlite_master \
             WHERE name NOT LIKE 'sqlite_%'"
        }
    };
    let mut lines: Vec<String> = db
        .query_all_raw(Statement::from_string(backend, sql))
        .await
        .unwrap()
        .into_iter()
        .map(|row| row.try_get::<String>("", "line").unwrap())
        .filter(|line| !line.contains("seaql_migrations"))
        .collect();
    lines.sort();
    lines
}

#[tokio::test]
async fn migrations_go_up_down_and_up_again_to_the_same_schema() {
    let app = sanad_tests::spawn_app().await;
    let db = &app.state.db;
    assert!(Migrator::get_pending_migrations(db).await.unwrap().is_empty());
    let first = schema(db).await;
    assert!(
        first.len() > 20 && first.iter().any(|l| l.contains("stock_movements")),
        "the schema is described: {first:?}"
    );
    Migrator::down(db, None).await.unwrap();
    assert_eq!(Migrator::get_applied_migrations(db).await.unwrap().len(), 0);
    assert_eq!(schema(db).await, Vec::<String>::new(), "down removes every table");
    Migrator::up(db, None).await.unwrap();
    assert!(Migrator::get_pending_migrations(db).await.unwrap().is_empty());
    assert_eq!(schema(db).await, first, "up after down builds the same schema");
    sanad_node::app::bootstrap::migrate(db)
        .await
        .expect("the gazetteer reloads onto the new schema");
    assert!(sanad_node::domain::regions::exists(db, "PS-GZA").await.unwrap());
}
