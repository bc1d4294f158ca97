//! Operations: health, readiness, metrics, configuration errors.

use sanad_tests::spawn_app;

#[tokio::test]
async fn health_readiness_and_metrics_answer() {
    let app = spawn_app().await;
    let health = reqwest::get(app.url("/healthz")).await.unwrap();
    assert_eq!(health.status(), 200);
    let ready: serde_json::Value =
        reqwest::get(app.url("/readyz")).await.unwrap().json().await.unwrap();
    assert_eq!(
        ready,
        serde_json::json!({"status": "ready", "database": true, "migrations_current": true})
    );
    reqwest::get(app.url("/o/none/cases/1")).await.unwrap();
    let metrics = reqwest::get(app.url("/metrics")).await.unwrap().text().await.unwrap();
    assert!(
        metrics
            .contains(r#"sanad_http_requests_total{method="GET",route="/healthz",status="200"} 1"#),
        "{metrics}"
    );
    assert!(metrics.contains(r#"route="/o/{slug}/cases/{id}""#), "routes are labelled by pattern");
    assert!(metrics.contains("sanad_http_request_duration_seconds_bucket"));
    assert!(metrics.contains("sanad_db_pool_connections"));
}

#[tokio::test]
async fn readiness_fails_when_migrations_are_pending() {
    use sanad_migrations::{Migrator, MigratorTrait};
    let app = spawn_app().await;
    Migrator::down(&app.state.db, Some(1)).await.unwrap();
    let r = reqwest::get(app.url("/readyz")).await.unwrap();
    assert_eq!(r.status(), 503);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["migrations_current"], false);
}

#[tokio::test]
async fn a_stopped_node_answers_nothing_and_restarts_on_the_same_data() {
    let mut app = spawn_app().await;
    app.org("amal", "جمعية الأمل").await;
    let old = app.base.clone();
    assert!(reqwest::get(format!("{old}/healthz")).await.is_ok());
    app.shutdown().await;
    assert!(reqwest::get(format!("{old}/healthz")).await.is_err(), "the old listener is closed");
    let app = app.restart().await;
    assert!(sanad_node::domain::accounts::find_org(&app.state.db, "amal").await.unwrap().is_some());
}
