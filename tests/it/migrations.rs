//! The schema: every migration goes up, down and up again on the suite's database.

use sanad_migrations::{Migrator, MigratorTrait};
use sea_orm::{ConnectionTrait, Statement};

#[tokio::test]
async fn migrations_go_up_down_and_up_again() {
    let app = sanad_tests::spawn_app().await;
    let db = &app.state.db;
    assert!(
        Migrator::get_pending_migrations(db)
            .await
            .unwrap()
            .is_empty()
    );
    Migrator::down(db, None).await.unwrap();
    assert_eq!(Migrator::get_applied_migrations(db).await.unwrap().len(), 0);
    let backend = db.get_database_backend();
    let tables = match backend {
        sea_orm::DbBackend::Postgres => {
            "SELECT count(*) AS n FROM information_schema.tables WHERE table_schema = 'public' AND table_name <> 'seaql_migrations'"
        }
        _ => {
            "SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> 'seaql_migrations'"
        }
    };
    let count = |row: Option<sea_orm::QueryResult>| row.unwrap().try_get::<i64>("", "n").unwrap();
    assert_eq!(
        count(
            db.query_one_raw(Statement::from_string(backend, tables))
                .await
                .unwrap()
        ),
        0,
        "down removes every table"
    );
    Migrator::up(db, None).await.unwrap();
    assert!(
        Migrator::get_pending_migrations(db)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        count(
            db.query_one_raw(Statement::from_string(backend, tables))
                .await
                .unwrap()
        ) >= 11
    );
    sanad_node::app::bootstrap::migrate(db)
        .await
        .expect("the gazetteer reloads onto the new schema");
    assert!(
        sanad_node::domain::regions::exists(db, "PS-GZA")
            .await
            .unwrap()
    );
}
