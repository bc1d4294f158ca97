//! What a hostile-input sweep found, each now refused or bounded: needs moved away from their deliveries, slow
//! clients, huge values echoed back, text that reorders itself, accounts added without consent, and the HTTP details
//! (auth scheme, caching, retry hints, page numbers, compression).

use std::time::Duration;

use reqwest::StatusCode;
use sanad_node::domain::tenancy::Role;
use sanad_tests::{TestApp, spawn_app, spawn_app_with, spawn_signed_in};
use serde_json::{Value, json};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};

/// An organisation with an item in stock, two households and a token for each role used.
struct Setup {
    app: TestApp,
    cw: String,
    store: String,
    item: i64,
    warehouse: i64,
}

async fn setup() -> Setup {
    let app = spawn_app().await;
    app.org("amal", "جمعية الأمل").await;
    app.member("cw@amal.org", "amal", Role::Caseworker).await;
    app.member("store@amal.org", "amal", Role::Storekeeper).await;
    let cw = app.token("cw@amal.org", "amal").await;
    let store = app.token("store@amal.org", "amal").await;
    let (_, item) = app
        .api(
            "POST",
            "/api/v1/orgs/amal/items",
            &store,
            Some(json!({
            "name_ar": "طرد", "name_en": "Parcel", "sector": "food", "unit": "parcel" })),
        )
        .await;
    let (_, warehouse) = app
        .api(
            "POST",
            "/api/v1/orgs/amal/warehouses",
            &store,
            Some(json!({ "name": "Main", "region_code": "PS-GZA" })),
        )
        .await;
    let item = item["id"].as_i64().unwrap();
    let warehouse = warehouse["id"].as_i64().unwrap();
    let (s, v) = app
        .api("POST", "/api/v1/orgs/amal/movements", &store, Some(json!({
            "kind": "receipt", "item_id": item, "warehouse_id": warehouse, "quantity": 1000, "source_kind": "donor" })))
        .await;
    assert_eq!(s, 201, "{v}");
    Setup { app, cw, store, item, warehouse }
}

impl Setup {
    async fn case(&self, name: &str) -> i64 {
        let (s, v) = self
            .app
            .api(
                "POST",
                "/api/v1/orgs/amal/cases",
                &self.cw,
                Some(json!({
                "head_name": name, "region_code": "PS-GZA", "household_size": 4 })),
            )
            .await;
        assert_eq!(s, 201, "{v}");
        v["id"].as_i64().unwrap()
    }

    async fn need(&self, case: i64, quantity: i64) -> i64 {
        let (s, v) = self
            .app
            .api("POST", "/api/v1/orgs/amal/needs", &self.cw, Some(json!({
                "case_id": case, "sector": "food", "item": "طرد", "quantity": quantity, "unit": "parcel",
                "urgency": "high" })))
            .await;
        assert_eq!(s, 201, "{v}");
        v["id"].as_i64().unwrap()
    }

    async fn distribute(&self, case: i64, need: i64, quantity: i64) -> (StatusCode, Value) {
        self.app
            .api("POST", "/api/v1/orgs/amal/distributions", &self.cw, Some(json!({
                "case_id": case, "need_id": need,
                "lines": [{ "item_id": self.item, "warehouse_id": self.warehouse, "quantity": quantity }] })))
            .await
    }

    async fn edit_need(&self, need: i64, body: Value) -> (StatusCode, Value) {
        self.app.api("PUT", &format!("/api/v1/orgs/amal/needs/{need}"), &self.cw, Some(body)).await
    }
}

fn need_body(case: i64, sector: &str, quantity: i64, urgency: &str) -> Value {
    json!({ "case_id": case, "sector": sector, "item": "طرد", "quantity": quantity, "unit": "parcel",
            "urgency": urgency })
}

#[tokio::test]
async fn a_need_with_distributions_keeps_its_household_and_sector() {
    let s = setup().await;
    let (first, second) = (s.case("أسرة أولى").await, s.case("أسرة ثانية").await);
    let need = s.need(first, 10).await;
    let (status, v) = s.distribute(first, need, 3).await;
    assert_eq!(status, 201, "{v}");

    let (status, v) = s.edit_need(need, need_body(second, "food", 10, "high")).await;
    assert_eq!(status, 422, "moved to another household: {v}");
    assert!(v["error"]["fields"]["case_id"].is_string(), "{v}");
    let (status, v) = s.edit_need(need, need_body(first, "health", 10, "high")).await;
    assert_eq!(status, 422, "moved to another sector: {v}");
    assert!(v["error"]["fields"]["sector"].is_string(), "{v}");

    let (status, v) = s.edit_need(need, need_body(first, "food", 12, "low")).await;
    assert_eq!(status, 200, "other fields still change: {v}");
    assert_eq!((v["case_id"].as_i64(), v["quantity_met"].as_i64()), (Some(first), Some(3)));
    let fresh = s.need(second, 5).await;
    let (status, _) = s.edit_need(fresh, need_body(first, "health", 5, "low")).await;
    assert_eq!(status, 200, "a need nothing was delivered against may still move");
}

#[tokio::test]
async fn need_edits_and_distributions_on_one_household_run_together_without_a_500() {
    let s = setup().await;
    let case = s.case("أسرة").await;
    let need = s.need(case, 40).await;
    let mut tasks = Vec::new();
    for i in 0..24 {
        let (app, cw, item, warehouse) = (s.app.base.clone(), s.cw.clone(), s.item, s.warehouse);
        tasks.push(tokio::spawn(async move {
            let client = reqwest::Client::new();
            let request = if i % 2 == 0 {
                client
                    .post(format!("{app}/api/v1/orgs/amal/distributions"))
                    .json(&json!({ "case_id": case, "need_id": need,
                        "lines": [{ "item_id": item, "warehouse_id": warehouse, "quantity": 1 }] }))
            } else {
                let urgency = ["low", "medium", "high", "critical"][i % 4];
                client
                    .put(format!("{app}/api/v1/orgs/amal/needs/{need}"))
                    .json(&need_body(case, "food", 40, urgency))
            };
            let r = request.bearer_auth(cw).send().await.unwrap();
            (i % 2 == 0, r.status())
        }));
    }
    let mut delivered = 0;
    for task in tasks {
        let (distribution, status) = task.await.unwrap();
        assert!(
            status.is_success() || status == StatusCode::CONFLICT,
            "distribution {distribution}: {status}"
        );
        if distribution && status.is_success() {
            delivered += 1;
        }
    }
    assert!(delivered > 0);
    let (_, v) = s.app.api("GET", &format!("/api/v1/orgs/amal/needs/{need}"), &s.cw, None).await;
    assert_eq!(v["quantity_met"].as_i64(), Some(delivered), "{v}");
    let (_, stock) = s.app.api("GET", "/api/v1/orgs/amal/stock", &s.store, None).await;
    assert_eq!(stock[0]["on_hand"].as_i64(), Some(1000 - delivered));
}

/// Reads from a raw connection until the server closes it or answers; `None` if neither happens in `limit`.
async fn outcome(stream: &mut TcpStream, limit: Duration) -> Option<String> {
    let mut buf = Vec::new();
    let read = tokio::time::timeout(limit, async {
        let mut chunk = [0u8; 1024];
        loop {
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    buf.extend_from_slice(&chunk[..n]);
                    if buf.windows(4).any(|w| w == b"\r\n\r\n") {
                        break;
                    }
                }
            }
        }
    })
    .await;
    read.ok().map(|()| String::from_utf8_lossy(&buf).into_owned())
}

#[tokio::test]
async fn slow_clients_are_cut_off_and_connections_are_capped() {
    let app = spawn_app_with(|c| {
        c.http.header_timeout_secs = 1;
        c.http.body_timeout_secs = 1;
        c.http.max_connections = 2;
    })
    .await;
    let patience = Duration::from_secs(10);

    // Headers trickled and never finished: the connection is closed.
    let mut trickle = TcpStream::connect(app.addr).await.unwrap();
    trickle.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n").await.unwrap();
    let closed = outcome(&mut trickle, patience).await;
    assert_eq!(closed.as_deref(), Some(""), "closed without an answer");

    // A body that stops arriving: 408.
    let mut stalled = TcpStream::connect(app.addr).await.unwrap();
    stalled
        .write_all(b"POST /signin HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\nemail=")
        .await
        .unwrap();
    let answer = outcome(&mut stalled, patience).await.unwrap_or_default();
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    drop(stalled);

    // Two connections held open: a third waits until one of them goes.
    let app = spawn_app_with(|c| c.http.max_connections = 2).await;
    let first = TcpStream::connect(app.addr).await.unwrap();
    let _second = TcpStream::connect(app.addr).await.unwrap();
    let mut third = TcpStream::connect(app.addr).await.unwrap();
    third
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    assert_eq!(
        outcome(&mut third, Duration::from_millis(300)).await,
        None,
        "not served while two connections are open"
    );
    drop(first);
    let answer = outcome(&mut third, patience).await.unwrap_or_default();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
}

#[tokio::test]
async fn huge_unknown_values_are_not_echoed_back() {
    let (app, browser) = spawn_signed_in(Role::Admin).await;
    let huge = "x".repeat(8_000);
    for list in ["cases", "needs"] {
        let url = format!(
            "/o/amal/{list}?status={huge}&sector={huge}&urgency={huge}&region={huge}&q={huge}&page=2"
        );
        let r = browser.get(app.url(&url)).send().await.unwrap();
        assert_eq!(r.status(), 200, "{list}");
        let page = r.text().await.unwrap();
        assert!(page.len() < 30_000, "{list}: {} bytes", page.len());
        assert!(!page.contains(&"x".repeat(300)), "{list} echoes the value");
    }
    let r = app
        .submit(
            &browser,
            "/o/amal/cases/new",
            "/o/amal/cases/new",
            &[
                ("head_name", "أسرة"),
                ("region_code", "PS-GZA"),
                ("household_size", "2"),
                ("vulnerabilities", &"y".repeat(200_000)),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    assert!(page.len() < 60_000, "{} bytes", page.len());
    assert!(!page.contains(&"y".repeat(300)));
    let r = app
        .submit(
            &browser,
            "/o/amal/stock/movements/new",
            "/o/amal/stock/movements/new",
            &[("kind", &"z".repeat(200_000)), ("quantity", "1")],
        )
        .await;
    assert_eq!(r.status(), 422, "an unknown movement kind is refused");
    let page = r.text().await.unwrap();
    assert!(page.len() < 60_000, "{} bytes", page.len());
    assert!(!page.contains(&"z".repeat(300)), "and never shown back");
}

#[tokio::test]
async fn names_are_normalised_searched_in_any_form_and_isolated_in_pages() {
    let s = setup().await;
    let decomposed = s.case("Jose\u{301} Haddad\u{200B}").await;
    let presentation = s.case("ﺃﺣﻤﺪ العلي").await;
    let (status, v) = s
        .app
        .api(
            "POST",
            "/api/v1/orgs/amal/cases",
            &s.cw,
            Some(json!({
            "head_name": "\u{202E}evil", "region_code": "PS-GZA", "household_size": 1 })),
        )
        .await;
    assert_eq!(status, 422, "text that reorders itself is refused: {v}");
    assert!(v["error"]["fields"]["head_name"].is_string());

    let search = |q: &str| {
        let q = q.to_owned();
        let app = &s.app;
        let cw = s.cw.clone();
        async move {
            let (_, v) = app.api("GET", &format!("/api/v1/orgs/amal/cases?q={q}"), &cw, None).await;
            v["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["id"].as_i64().unwrap())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(search("Jos%C3%A9").await, vec![decomposed], "composed finds decomposed");
    assert_eq!(search("%D8%A7%D8%AD%D9%85%D8%AF").await, vec![presentation], "احمد finds ﺃﺣﻤﺪ");
    let (_, stored) =
        s.app.api("GET", &format!("/api/v1/orgs/amal/cases/{decomposed}"), &s.cw, None).await;
    assert_eq!(
        stored["head_name"], "Jos\u{e9} Haddad",
        "stored composed, invisible characters gone"
    );

    s.app.member("a@amal.org", "amal", Role::Admin).await;
    let browser = s.app.signed_in("a@amal.org").await;
    let page = browser
        .get(s.app.url(&format!("/o/amal/cases/{presentation}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("<h1><bdi>ﺃﺣﻤﺪ العلي</bdi>"), "names are isolated");
    assert!(page.contains("<bdi dir=\"ltr\">"), "the phone reads left to right in its own cell");
}

#[tokio::test]
async fn existing_accounts_are_invited_and_the_answer_does_not_tell() {
    let app = spawn_app().await;
    app.org("amal", "جمعية الأمل").await;
    app.org("nour", "جمعية النور").await;
    app.member("boss@amal.org", "amal", Role::Admin).await;
    app.member("n@nour.org", "nour", Role::Viewer).await;
    let admin = app.signed_in("boss@amal.org").await;
    let add = |email: &'static str| {
        let (app, admin) = (&app, &admin);
        async move {
            app.submit(
                admin,
                "/o/amal/members",
                "/o/amal/members",
                &[
                    ("email", email),
                    ("role", "viewer"),
                    ("display_name", "Someone"),
                    ("password", sanad_tests::PASSWORD),
                ],
            )
            .await
        }
    };
    let existing = add("n@nour.org").await;
    let new = add("new@amal.org").await;
    assert_eq!(existing.status(), new.status());
    assert_eq!(existing.headers()["location"], new.headers()["location"]);

    let invited = app.signed_in("n@nour.org").await;
    let r = invited.get(app.url("/o/amal")).send().await.unwrap();
    assert_eq!(r.status(), 404, "not a member before accepting");
    let account = invited.get(app.url("/account")).send().await.unwrap().text().await.unwrap();
    assert!(account.contains("جمعية الأمل"), "the invitation waits on the account page");
    let marker = "action=\"/account/invitations/";
    let id: String = account[account.find(marker).unwrap() + marker.len()..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    let answer = format!("/account/invitations/{id}");
    let accept = || app.submit(&invited, "/account", &answer, &[("answer", "accept")]);
    let r = accept().await;
    assert_eq!(r.status(), 303);
    let r = invited.get(app.url("/o/amal")).send().await.unwrap();
    assert_eq!(r.status(), 200, "a member once accepted");
    let again = add("n@nour.org").await;
    assert_eq!(again.status(), 409, "an admin adding a member again is told so");
    let r = accept().await;
    assert_eq!(r.status(), 404, "an invitation is answered once");
}

#[tokio::test]
async fn the_http_details_auth_scheme_caching_retry_pages_ranges_and_compression() {
    let s = setup().await;
    let client = reqwest::Client::new();
    let r = client
        .get(s.app.url("/api/v1/orgs/amal/cases?page=999999999"))
        .header("authorization", format!("BEARER {}", s.cw))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "the auth scheme is case-insensitive");
    assert_eq!(r.headers()["cache-control"], "no-store");
    let page: Value = r.json().await.unwrap();
    assert_eq!(page["page"], 100_000, "a huge page number is clamped");
    let r = client
        .get(s.app.url("/api/v1/orgs/amal/reports/monthly?month=2026-11&format=csv"))
        .bearer_auth(&s.store)
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["cache-control"], "no-store");

    let (status, v) = s
        .app
        .api("POST", "/api/v1/orgs/amal/movements", &s.store, Some(json!({
            "kind": "adjustment", "item_id": s.item, "warehouse_id": s.warehouse, "quantity": -2_000_000_000_i64,
            "note": "count" })))
        .await;
    assert_eq!(status, 422);
    assert_eq!(
        v["error"]["fields"]["quantity"], "هذا الرقم خارج الحدود المسموحة.",
        "past the limit is out of range, not 'negative': {v}"
    );

    let limited = spawn_app_with(|c| c.auth.signin_attempts_per_minute = 1).await;
    let browser = limited.browser();
    let mut last = None;
    for _ in 0..2 {
        last = Some(
            limited
                .submit(
                    &browser,
                    "/signin",
                    "/signin",
                    &[("email", "x@y.org"), ("password", "wrong password")],
                )
                .await,
        );
    }
    let last = last.unwrap();
    assert_eq!(last.status(), 429);
    let retry: u64 = last.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry), "{retry}");

    s.app.member("a@amal.org", "amal", Role::Admin).await;
    let browser = s.app.signed_in("a@amal.org").await;
    let r = browser
        .get(s.app.url("/o/amal/cases"))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["content-encoding"], "gzip");
    let r = browser.get(s.app.url("/o/amal/cases")).send().await.unwrap();
    let page = r.text().await.unwrap();
    assert!(
        page.matches("<option").count() < 20,
        "the region filter lists the regions in use, not the whole gazetteer"
    );
}

#[tokio::test]
async fn forms_that_name_a_household_record_the_view() {
    let s = setup().await;
    let case = s.case("أسرة للمراجعة").await;
    s.app.member("a@amal.org", "amal", Role::Admin).await;
    let browser = s.app.signed_in("a@amal.org").await;
    for path in
        [format!("/o/amal/distributions/new?case={case}"), format!("/o/amal/needs/new?case={case}")]
    {
        let before = views(&s.app, case).await;
        let r = browser.get(s.app.url(&path)).send().await.unwrap();
        assert_eq!(r.status(), 200, "{path}");
        assert!(r.text().await.unwrap().contains("أسرة للمراجعة"));
        assert_eq!(views(&s.app, case).await, before + 1, "{path} is audited");
    }
}

/// How many audit entries record that the case was shown.
async fn views(app: &TestApp, case: i64) -> usize {
    use sanad_node::infra::entities::audit_entry;
    use sea_orm::EntityTrait;
    audit_entry::Entity::find()
        .all(&app.state.db)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| {
            (e.action == "case.view" && e.subject_id == Some(case))
                || (e.action == "case.list" && e.detail.contains(&case.to_string()))
        })
        .count()
}
