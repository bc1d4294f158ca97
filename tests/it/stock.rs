//! Stock: the ledger, distributions that meet needs, concurrency, offers, reports, bad input and roles.

use reqwest::StatusCode;
use sanad_node::domain::tenancy::{OrgScope, Role};
use sanad_tests::{TestApp, spawn_app};
use serde_json::{Value, json};

struct Org {
    app: TestApp,
    store: String,
    cw: String,
    viewer: String,
    other: String,
    parcel: i64,
    main: i64,
    point: i64,
}

async fn org() -> Org {
    let app = spawn_app().await;
    app.org("amal", "جمعية الأمل").await;
    app.org("nour", "جمعية النور").await;
    app.member("store@amal.org", "amal", Role::Storekeeper).await;
    app.member("cw@amal.org", "amal", Role::Caseworker).await;
    app.member("view@amal.org", "amal", Role::Viewer).await;
    app.member("admin@nour.org", "nour", Role::Admin).await;
    let store = app.token("store@amal.org", "amal").await;
    let cw = app.token("cw@amal.org", "amal").await;
    let viewer = app.token("view@amal.org", "amal").await;
    let other = app.token("admin@nour.org", "nour").await;
    let (s, item) = app
        .api("POST", "/api/v1/orgs/amal/items", &store, Some(json!({
            "name_ar": "طرد غذائي", "name_en": "Food parcel", "sector": "food", "unit": "parcel", "expires": true,
            "low_stock_threshold": 20 })))
        .await;
    assert_eq!(s, 201, "{item}");
    let (s, main) = app
        .api(
            "POST",
            "/api/v1/orgs/amal/warehouses",
            &store,
            Some(json!({ "name": "المستودع الرئيسي", "region_code": "PS-GZA" })),
        )
        .await;
    assert_eq!(s, 201, "{main}");
    let (_, point) = app
        .api("POST", "/api/v1/orgs/amal/warehouses", &store, Some(json!({
            "name": "نقطة توزيع خان يونس", "kind": "distribution-point", "region_code": "PS-KYS" })))
        .await;
    Org {
        parcel: item["id"].as_i64().unwrap(),
        main: main["id"].as_i64().unwrap(),
        point: point["id"].as_i64().unwrap(),
        app,
        store,
        cw,
        viewer,
        other,
    }
}

fn days(n: i64) -> String {
    (chrono::Utc::now().date_naive() + chrono::Duration::days(n)).to_string()
}

impl Org {
    async fn receive(
        &self,
        warehouse: i64,
        quantity: i64,
        lot: &str,
        expiry: &str,
    ) -> (StatusCode, Value) {
        let body = json!({ "kind": "receipt", "item_id": self.parcel, "warehouse_id": warehouse, "quantity": quantity,
                           "lot": lot, "expiry": expiry, "source_kind": "donor", "counterparty": "WFP" });
        self.app.api("POST", "/api/v1/orgs/amal/movements", &self.store, Some(body)).await
    }

    async fn household(&self, needs: i64) -> (i64, i64) {
        let (s, case) = self
            .app
            .api(
                "POST",
                "/api/v1/orgs/amal/cases",
                &self.cw,
                Some(json!({
                "head_name": "أسرة أبو محمد", "region_code": "PS-GZA", "household_size": 5 })),
            )
            .await;
        assert_eq!(s, 201, "{case}");
        let (s, need) = self
            .app
            .api("POST", "/api/v1/orgs/amal/needs", &self.cw, Some(json!({
                "case_id": case["id"], "sector": "food", "item": "طرد غذائي", "quantity": needs, "unit": "طرد", "urgency": "high" })))
            .await;
        assert_eq!(s, 201, "{need}");
        (case["id"].as_i64().unwrap(), need["id"].as_i64().unwrap())
    }

    async fn distribute(&self, case: i64, need: Option<i64>, quantity: i64) -> (StatusCode, Value) {
        let body = json!({ "case_id": case, "need_id": need,
                           "lines": [{ "item_id": self.parcel, "warehouse_id": self.main, "quantity": quantity }] });
        self.app.api("POST", "/api/v1/orgs/amal/distributions", &self.cw, Some(body)).await
    }

    async fn card(&self) -> Value {
        let (s, card) = self
            .app
            .api(
                "GET",
                &format!("/api/v1/orgs/amal/items/{}/card", self.parcel),
                &self.viewer,
                None,
            )
            .await;
        assert_eq!(s, 200, "{card}");
        card
    }

    async fn scope(&self) -> OrgScope {
        let user = sanad_node::domain::accounts::find_user(&self.app.state.db, "view@amal.org")
            .await
            .unwrap()
            .unwrap();
        OrgScope::for_user(&self.app.state.db, &user, "amal").await.unwrap()
    }

    async fn balances_match_ledger(&self) -> bool {
        sanad_node::domain::stock::verify_balances(&self.app.state.db, &self.scope().await)
            .await
            .unwrap()
    }
}

#[tokio::test]
async fn a_receipt_of_100_and_a_distribution_of_3_meet_the_need_and_the_card_shows_97() {
    let o = org().await;
    let (s, moves) = o.receive(o.main, 100, "L-2026-11", &days(90)).await;
    assert_eq!(s, 201, "{moves}");
    let (case, need) = o.household(3).await;
    let (s, d) = o.distribute(case, Some(need), 3).await;
    assert_eq!(s, 201, "{d}");
    assert_eq!(d["lines"][0]["lot"], "L-2026-11", "first-expiry-first-out picks the only lot");
    let (_, need) =
        o.app.api("GET", &format!("/api/v1/orgs/amal/needs/{need}"), &o.viewer, None).await;
    assert_eq!((need["quantity_met"].as_i64(), need["status"].as_str()), (Some(3), Some("met")));
    let card = o.card().await;
    assert_eq!(card["total"], 2);
    assert_eq!(card["lines"][0]["movement"]["kind"], "distribution");
    assert_eq!(card["lines"][0]["movement"]["quantity"], -3);
    assert_eq!(card["lines"][0]["balance_after"], 97);
    assert_eq!(card["lines"][1]["movement"]["kind"], "receipt");
    assert_eq!(card["lines"][1]["balance_after"], 100);
    let (_, history) = o
        .app
        .api("GET", &format!("/api/v1/orgs/amal/distributions?case_id={case}"), &o.viewer, None)
        .await;
    assert_eq!(history.as_array().unwrap().len(), 1);
    assert!(o.balances_match_ledger().await);
    let audit = sanad_node::domain::audit::for_subject(
        &o.app.state.db,
        &o.scope().await,
        "stock_movement",
        card["lines"][0]["movement"]["id"].as_i64().unwrap(),
        5,
    )
    .await
    .unwrap();
    assert_eq!(audit.len(), 1, "every movement is in the audit log");
    assert_eq!(audit[0].action, "stock.distribution");
}

#[tokio::test]
async fn fifty_concurrent_distributions_against_ten_parcels_give_exactly_ten() {
    let o = org().await;
    assert_eq!(o.receive(o.main, 10, "L1", &days(30)).await.0, 201);
    let (case, need) = o.household(50).await;
    let mut tasks = Vec::new();
    for _ in 0..50 {
        let url = o.app.url("/api/v1/orgs/amal/distributions");
        let token = o.cw.clone();
        let body = json!({ "case_id": case, "need_id": need, "lines": [{ "item_id": o.parcel, "warehouse_id": o.main, "quantity": 1 }] });
        tasks.push(tokio::spawn(async move {
            let r = reqwest::Client::new()
                .post(url)
                .bearer_auth(token)
                .json(&body)
                .send()
                .await
                .unwrap();
            let status = r.status();
            (status, r.json::<Value>().await.unwrap())
        }));
    }
    let mut ok = 0;
    let mut refused = 0;
    for t in tasks {
        let (status, body) = t.await.unwrap();
        match status.as_u16() {
            201 => ok += 1,
            409 => {
                assert_eq!(body["error"]["code"], "conflict");
                assert!(
                    body["error"]["message"].as_str().unwrap().contains("المخزون غير كافٍ"),
                    "{body}"
                );
                refused += 1;
            }
            other => panic!("unexpected {other}: {body}"),
        }
    }
    assert_eq!((ok, refused), (10, 40));
    let (_, balances) = o.app.api("GET", "/api/v1/orgs/amal/stock", &o.viewer, None).await;
    assert_eq!(balances[0]["on_hand"], 0);
    let (_, need) =
        o.app.api("GET", &format!("/api/v1/orgs/amal/needs/{need}"), &o.viewer, None).await;
    assert_eq!(need["quantity_met"], 10, "the need moved exactly with the stock");
    assert!(o.balances_match_ledger().await);
}

#[tokio::test]
async fn adjustments_losses_transfers_and_reversals_keep_the_card_and_report_exact() {
    let o = org().await;
    o.receive(o.main, 40, "OLD", &days(10)).await;
    o.receive(o.main, 60, "NEW", &days(200)).await;
    let (s, moved) = o
        .app
        .api("POST", "/api/v1/orgs/amal/movements", &o.store, Some(json!({
            "kind": "transfer", "item_id": o.parcel, "warehouse_id": o.main, "to_warehouse_id": o.point, "quantity": 50 })))
        .await;
    assert_eq!(s, 201, "{moved}");
    let lots: Vec<(&str, i64)> = moved
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (m["lot"].as_str().unwrap(), m["quantity"].as_i64().unwrap()))
        .collect();
    assert_eq!(
        lots,
        vec![("OLD", -40), ("OLD", 40), ("NEW", -10), ("NEW", 10)],
        "soonest expiry leaves first"
    );
    let (s, adj) = o
        .app
        .api("POST", "/api/v1/orgs/amal/movements", &o.store, Some(json!({
            "kind": "adjustment", "item_id": o.parcel, "warehouse_id": o.main, "quantity": -2, "note": "جرد شهري: نقص طردين" })))
        .await;
    assert_eq!(s, 201, "{adj}");
    let (s, loss) = o
        .app
        .api("POST", "/api/v1/orgs/amal/movements", &o.store, Some(json!({
            "kind": "loss", "item_id": o.parcel, "warehouse_id": o.main, "quantity": 3, "reason": "damaged", "note": "مياه أمطار" })))
        .await;
    assert_eq!(s, 201, "{loss}");
    let (case, need) = o.household(5).await;
    let (_, d) = o.distribute(case, Some(need), 5).await;
    let did = d["id"].as_i64().unwrap();
    let (s, err) = o
        .app
        .api(
            "POST",
            &format!("/api/v1/orgs/amal/distributions/{did}/reverse"),
            &o.cw,
            Some(json!({"reason": ""})),
        )
        .await;
    assert_eq!(s, 422, "a reversal needs a reason: {err}");
    let (s, rev) = o
        .app
        .api(
            "POST",
            &format!("/api/v1/orgs/amal/distributions/{did}/reverse"),
            &o.cw,
            Some(json!({"reason": "سُجّل خطأً"})),
        )
        .await;
    assert_eq!(s, 200, "{rev}");
    assert!(rev["reversed_at"].is_string());
    let (s, _) = o
        .app
        .api(
            "POST",
            &format!("/api/v1/orgs/amal/distributions/{did}/reverse"),
            &o.cw,
            Some(json!({"reason": "مرة أخرى"})),
        )
        .await;
    assert_eq!(s, 409, "a distribution is reversed once");
    let (_, need) =
        o.app.api("GET", &format!("/api/v1/orgs/amal/needs/{need}"), &o.viewer, None).await;
    assert_eq!((need["quantity_met"].as_i64(), need["status"].as_str()), (Some(0), Some("open")));

    let card = o.card().await;
    let kinds: Vec<&str> = card["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["movement"]["kind"].as_str().unwrap())
        .collect();
    assert!(
        kinds.contains(&"adjustment") && kinds.contains(&"loss") && kinds.contains(&"reversal"),
        "{kinds:?}"
    );
    assert_eq!(
        card["lines"][0]["balance_after"], 95,
        "100 received - 2 adjusted - 3 lost; transfers and the reversed distribution net out"
    );
    let loss_line =
        card["lines"].as_array().unwrap().iter().find(|l| l["movement"]["kind"] == "loss").unwrap();
    assert_eq!(loss_line["movement"]["reason"], "damaged");
    assert!(o.balances_match_ledger().await);

    let month = chrono::Utc::now().format("%Y-%m").to_string();
    let (s, report) = o
        .app
        .api("GET", &format!("/api/v1/orgs/amal/reports/monthly?month={month}"), &o.viewer, None)
        .await;
    assert_eq!(s, 200, "{report}");
    let gaza =
        report["rows"].as_array().unwrap().iter().find(|r| r["region_code"] == "PS-GZA").unwrap();
    assert_eq!(
        (
            gaza["received"].as_i64(),
            gaza["lost"].as_i64(),
            gaza["adjusted"].as_i64(),
            gaza["distributed"].as_i64()
        ),
        (Some(100), Some(3), Some(-2), Some(0))
    );
    let csv = reqwest::Client::new()
        .get(o.app.url(&format!("/api/v1/orgs/amal/reports/monthly?month={month}&format=csv")))
        .bearer_auth(&o.viewer)
        .header("accept-language", "ar")
        .send()
        .await
        .unwrap();
    assert_eq!(csv.headers()["content-type"], "text/csv; charset=utf-8");
    let bytes = csv.bytes().await.unwrap();
    assert!(bytes.starts_with(&[0xEF, 0xBB, 0xBF]), "UTF-8 byte-order mark for spreadsheets");
    let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
    assert!(text.starts_with("الشهر,القطاع"), "{text}");
    assert!(text.contains("طرد غذائي") && text.contains("غزة") && text.contains("غذاء"), "{text}");
    let (s, _) =
        o.app.api("GET", "/api/v1/orgs/amal/reports/monthly?month=2026-13", &o.viewer, None).await;
    assert_eq!(s, 400);
}

#[tokio::test]
async fn offers_reserve_stock_until_withdrawn() {
    let o = org().await;
    o.receive(o.main, 10, "L1", &days(60)).await;
    let offer = |q: i64| json!({ "item_id": o.parcel, "warehouse_id": o.main, "quantity": q, "available_until": days(14), "visibility": "network" });
    let (s, _) = o.app.api("POST", "/api/v1/orgs/amal/offers", &o.store, Some(offer(11))).await;
    assert_eq!(s, 409, "no more than the free balance");
    let (s, created) =
        o.app.api("POST", "/api/v1/orgs/amal/offers", &o.store, Some(offer(8))).await;
    assert_eq!(s, 201, "{created}");
    assert_eq!(created["region_code"], "PS-GZA");
    let (_, balances) = o.app.api("GET", "/api/v1/orgs/amal/stock", &o.viewer, None).await;
    assert_eq!(
        (
            balances[0]["on_hand"].as_i64(),
            balances[0]["reserved"].as_i64(),
            balances[0]["free"].as_i64()
        ),
        (Some(10), Some(8), Some(2))
    );
    let (case, need) = o.household(5).await;
    let (s, err) = o.distribute(case, Some(need), 3).await;
    assert_eq!(s, 409, "reserved stock cannot be distributed twice: {err}");
    assert_eq!(o.distribute(case, Some(need), 2).await.0, 201);
    let (s, _) = o.app.api("POST", "/api/v1/orgs/amal/offers", &o.store, Some(offer(1))).await;
    assert_eq!(s, 409, "nothing free is left");
    let id = created["id"].as_i64().unwrap();
    let (s, w) =
        o.app.api("POST", &format!("/api/v1/orgs/amal/offers/{id}/withdraw"), &o.store, None).await;
    assert_eq!((s, w["status"].as_str()), (StatusCode::OK, Some("withdrawn")));
    assert_eq!(o.distribute(case, Some(need), 3).await.0, 201, "withdrawing released the stock");
}

#[tokio::test]
async fn bulk_distribution_serves_every_household_or_none() {
    let o = org().await;
    o.receive(o.main, 5, "L1", &days(60)).await;
    let mut cases = Vec::new();
    for _ in 0..3 {
        cases.push(o.household(2).await);
    }
    let ids: Vec<i64> = cases.iter().map(|c| c.0).collect();
    let body = |q: i64| json!({ "item_id": o.parcel, "warehouse_id": o.main, "quantity": q, "case_ids": ids });
    let (s, err) =
        o.app.api("POST", "/api/v1/orgs/amal/distributions/bulk", &o.cw, Some(body(2))).await;
    assert_eq!(s, 409, "6 needed, 5 held: {err}");
    let (_, balances) = o.app.api("GET", "/api/v1/orgs/amal/stock", &o.viewer, None).await;
    assert_eq!(balances[0]["on_hand"], 5, "nothing left the warehouse");
    let (_, history) = o.app.api("GET", "/api/v1/orgs/amal/distributions", &o.viewer, None).await;
    assert_eq!(history.as_array().unwrap().len(), 0);
    let (s, done) =
        o.app.api("POST", "/api/v1/orgs/amal/distributions/bulk", &o.cw, Some(body(1))).await;
    assert_eq!(s, 201, "{done}");
    assert_eq!(done.as_array().unwrap().len(), 3);
    for (_, need) in &cases {
        let (_, n) =
            o.app.api("GET", &format!("/api/v1/orgs/amal/needs/{need}"), &o.viewer, None).await;
        assert_eq!(
            (n["quantity_met"].as_i64(), n["status"].as_str()),
            (Some(1), Some("partly-met"))
        );
    }
    assert!(o.balances_match_ledger().await);
}

#[tokio::test]
async fn bad_stock_input_is_refused_naming_the_field_and_writes_nothing() {
    let o = org().await;
    let (_, foreign) = o
        .app
        .api(
            "POST",
            "/api/v1/orgs/nour/warehouses",
            &o.other,
            Some(json!({ "name": "x", "region_code": "PS" })),
        )
        .await;
    let foreign = foreign["id"].as_i64().unwrap();
    let receipt = |item: i64, warehouse: i64, quantity: Value, expiry: String| {
        json!({ "kind": "receipt", "item_id": item, "warehouse_id": warehouse, "quantity": quantity, "lot": "L",
                "expiry": expiry, "source_kind": "donor" })
    };
    let cases = [
        (receipt(999_999, o.main, json!(5), days(30)), "item_id"),
        (receipt(o.parcel, foreign, json!(5), days(30)), "warehouse_id"),
        (receipt(o.parcel, o.main, json!(0), days(30)), "quantity"),
        (receipt(o.parcel, o.main, json!(-4), days(30)), "quantity"),
        (receipt(o.parcel, o.main, json!("ten"), days(30)), "quantity"),
        (receipt(o.parcel, o.main, json!(5), days(-1)), "expiry"),
        (receipt(o.parcel, o.main, json!(5), String::new()), "expiry"),
        (
            json!({ "kind": "gift", "item_id": o.parcel, "warehouse_id": o.main, "quantity": 1 }),
            "kind",
        ),
        (
            json!({ "kind": "loss", "item_id": o.parcel, "warehouse_id": o.main, "quantity": 1, "reason": "lost-interest" }),
            "reason",
        ),
        (
            json!({ "kind": "adjustment", "item_id": o.parcel, "warehouse_id": o.main, "quantity": 3 }),
            "note",
        ),
        (
            json!({ "kind": "transfer", "item_id": o.parcel, "warehouse_id": o.main, "to_warehouse_id": o.main, "quantity": 1 }),
            "to_warehouse_id",
        ),
    ];
    for (body, field) in cases {
        let (s, err) =
            o.app.api("POST", "/api/v1/orgs/amal/movements", &o.store, Some(body.clone())).await;
        assert_eq!(s, 422, "{body}: {err}");
        assert!(err["error"]["fields"][field].is_string(), "{field} not named: {err}");
    }
    let (s, err) = o
        .app
        .api("POST", "/api/v1/orgs/amal/movements", &o.store, Some(json!({
            "kind": "loss", "item_id": o.parcel, "warehouse_id": o.main, "quantity": 1, "reason": "stolen" })))
        .await;
    assert_eq!(s, 409, "nothing to lose yet: {err}");
    let (s, err) = o
        .app
        .api("POST", "/api/v1/orgs/amal/items", &o.store, Some(json!({ "name_ar": "نقد", "name_en": "Cash", "sector": "cash", "kind": "cash", "currency": "dollars" })))
        .await;
    assert_eq!(s, 422);
    assert!(err["error"]["fields"]["currency"].is_string());
    assert_eq!(o.card().await["total"], 0, "no refused request wrote a movement");
    let (case, need) = o.household(2).await;
    let (s, err) = o.distribute(case, Some(need), 1).await;
    assert_eq!(s, 409, "{err}");
    let (s, err) = o
        .app
        .api(
            "POST",
            "/api/v1/orgs/amal/distributions",
            &o.cw,
            Some(json!({ "case_id": case, "lines": [] })),
        )
        .await;
    assert_eq!(s, 422);
    assert!(err["error"]["fields"]["lines"].is_string());
    let (_, n) =
        o.app.api("GET", &format!("/api/v1/orgs/amal/needs/{need}"), &o.viewer, None).await;
    assert_eq!(n["quantity_met"], 0);
    assert!(o.balances_match_ledger().await);
}

#[tokio::test]
async fn roles_decide_who_keeps_stock_and_who_distributes_and_tenants_see_nothing_of_each_other() {
    let o = org().await;
    let receipt = json!({ "kind": "receipt", "item_id": o.parcel, "warehouse_id": o.main, "quantity": 5, "lot": "L",
                          "expiry": days(30), "source_kind": "purchase" });
    assert_eq!(
        o.app.api("POST", "/api/v1/orgs/amal/movements", &o.viewer, Some(receipt.clone())).await.0,
        403
    );
    assert_eq!(
        o.app.api("POST", "/api/v1/orgs/amal/movements", &o.cw, Some(receipt.clone())).await.0,
        403
    );
    assert_eq!(
        o.app.api("POST", "/api/v1/orgs/amal/movements", &o.store, Some(receipt)).await.0,
        201
    );
    let (case, need) = o.household(1).await;
    let body = json!({ "case_id": case, "need_id": need, "lines": [{ "item_id": o.parcel, "warehouse_id": o.main, "quantity": 1 }] });
    assert_eq!(
        o.app.api("POST", "/api/v1/orgs/amal/distributions", &o.store, Some(body.clone())).await.0,
        403
    );
    let (_, d) = o.app.api("POST", "/api/v1/orgs/amal/distributions", &o.cw, Some(body)).await;
    let item = o.parcel;
    let did = d["id"].as_i64().unwrap();
    for (method, path) in [
        ("GET", "/api/v1/orgs/amal/items".to_owned()),
        ("GET", format!("/api/v1/orgs/amal/items/{item}/card")),
        ("GET", "/api/v1/orgs/amal/stock".to_owned()),
        ("GET", "/api/v1/orgs/amal/warehouses".to_owned()),
        ("GET", format!("/api/v1/orgs/amal/distributions/{did}")),
        ("GET", format!("/api/v1/orgs/nour/items/{item}/card")),
        ("GET", format!("/api/v1/orgs/nour/distributions/{did}")),
        ("GET", "/api/v1/orgs/amal/offers".to_owned()),
        ("GET", "/api/v1/orgs/amal/reports/monthly?month=2026-11".to_owned()),
    ] {
        let (s, err) = o.app.api(method, &path, &o.other, None).await;
        assert_eq!(s, 404, "{method} {path}: {err}");
    }
    let (s, err) = o
        .app
        .api(
            "POST",
            &format!("/api/v1/orgs/nour/distributions/{did}/reverse"),
            &o.other,
            Some(json!({ "reason": "x" })),
        )
        .await;
    assert_eq!(s, 404, "{err}");
    let (s, _) = o.app.api("GET", "/api/v1/orgs/nour/stock", &o.other, None).await;
    assert_eq!(s, 200);
}

#[tokio::test]
async fn storekeepers_and_caseworkers_do_it_all_through_the_web_pages() {
    let app = spawn_app().await;
    app.org("amal", "جمعية الأمل").await;
    app.member("store@amal.org", "amal", Role::Storekeeper).await;
    app.member("cw@amal.org", "amal", Role::Caseworker).await;
    let store = app.signed_in("store@amal.org").await;
    let r = app
        .submit(
            &store,
            "/o/amal/stock/items",
            "/o/amal/stock/items",
            &[
                ("name_ar", "طرد غذائي"),
                ("name_en", "Food parcel"),
                ("sector", "food"),
                ("kind", "goods"),
                ("unit", "طرد"),
                ("expires", "on"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let item_page = r.headers()["location"].to_str().unwrap().to_owned();
    let item = item_page.rsplit('/').next().unwrap().to_owned();
    let r = app
        .submit(
            &store,
            "/o/amal/stock/warehouses",
            "/o/amal/stock/warehouses",
            &[("name", "المستودع الرئيسي"), ("kind", "warehouse"), ("region_code", "PS-GZA")],
        )
        .await;
    assert_eq!(r.status(), 303);
    let user = sanad_node::domain::accounts::find_user(&app.state.db, "store@amal.org")
        .await
        .unwrap()
        .unwrap();
    let scope = OrgScope::for_user(&app.state.db, &user, "amal").await.unwrap();
    let warehouse = sanad_node::domain::stock::warehouses(&app.state.db, &scope).await.unwrap()[0]
        .id
        .to_string();
    let expiry = (chrono::Utc::now().date_naive() + chrono::Duration::days(20)).to_string();
    let arabic_expiry: String = expiry
        .chars()
        .map(|c| c.to_digit(10).map_or(c, |d| char::from_u32(0x0660 + d).unwrap()))
        .collect();
    let receipt = [
        ("kind", "receipt"),
        ("item_id", item.as_str()),
        ("warehouse_id", warehouse.as_str()),
        ("quantity", "١٠٠"),
        ("lot", "L-7"),
        ("expiry", arabic_expiry.as_str()),
        ("source_kind", "donor"),
        ("counterparty", "برنامج الأغذية العالمي"),
    ];
    let r = app
        .submit(
            &store,
            "/o/amal/stock/movements/new?kind=receipt",
            "/o/amal/stock/movements/new",
            &receipt,
        )
        .await;
    assert_eq!(r.status(), 303);
    let bad = [
        ("kind", "loss"),
        ("item_id", item.as_str()),
        ("warehouse_id", warehouse.as_str()),
        ("quantity", "500"),
        ("reason", "damaged"),
    ];
    let r = app
        .submit(
            &store,
            "/o/amal/stock/movements/new?kind=loss",
            "/o/amal/stock/movements/new",
            &bad,
        )
        .await;
    assert_eq!(r.status(), 409);
    assert!(
        r.text().await.unwrap().contains("المخزون غير كافٍ"),
        "the refusal is explained on the form"
    );

    let cw = app.signed_in("cw@amal.org").await;
    let r = app
        .submit(
            &cw,
            "/o/amal/cases/new",
            "/o/amal/cases/new",
            &[("head_name", "أسرة سالم"), ("region_code", "PS-GZA"), ("household_size", "4")],
        )
        .await;
    let case = r.headers()["location"].to_str().unwrap().rsplit('/').next().unwrap().to_owned();
    let r = app
        .submit(
            &cw,
            "/o/amal/needs/new",
            "/o/amal/needs/new",
            &[
                ("case_id", case.as_str()),
                ("sector", "food"),
                ("item", "طرد غذائي"),
                ("quantity", "3"),
                ("unit", "طرد"),
                ("urgency", "high"),
            ],
        )
        .await;
    let need = r.headers()["location"].to_str().unwrap().rsplit('/').next().unwrap().to_owned();
    let form = format!("/o/amal/distributions/new?case={case}&need={need}");
    let page = cw.get(app.url(&form)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("طرد غذائي") && page.contains("أسرة سالم"));
    let lines = [
        ("case_id", case.as_str()),
        ("need_id", need.as_str()),
        ("item_id", item.as_str()),
        ("warehouse_id", warehouse.as_str()),
        ("quantity", "٣"),
        ("lot", ""),
        ("item_id", ""),
        ("warehouse_id", ""),
        ("quantity", ""),
        ("lot", ""),
    ];
    let r = app.submit(&cw, &form, "/o/amal/distributions/new", &lines).await;
    assert_eq!(r.status(), 303);
    let distribution = r.headers()["location"].to_str().unwrap().to_owned();
    let need_page = cw
        .get(app.url(&format!("/o/amal/needs/{need}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(need_page.contains(">ملبّى</span>") && need_page.contains(&distribution));
    let card = store.get(app.url(&item_page)).send().await.unwrap().text().await.unwrap();
    assert!(
        card.contains(r#"<td class="num">97</td>"#) && card.contains(r#"<td class="num">100</td>"#),
        "running balance 100 then 97"
    );
    assert!(card.contains("توزيع") && card.contains("استلام مخزون"));
    assert_eq!(
        store.get(app.url(&form)).send().await.unwrap().status(),
        403,
        "storekeepers do not distribute"
    );

    for page in [
        "/o/amal/stock",
        "/o/amal/stock/items",
        "/o/amal/stock/warehouses",
        "/o/amal/stock/offers",
        "/o/amal/stock/report",
        "/o/amal/stock/movements/new?kind=transfer",
        "/o/amal/stock/movements/new?kind=transfer-out",
        "/o/amal/stock/movements/new?kind=transfer-in",
        "/o/amal/stock/movements/new?kind=adjustment",
        "/o/amal/stock/movements/new?kind=loss",
    ] {
        let r = store.get(app.url(page)).send().await.unwrap();
        assert_eq!(r.status(), 200, "{page}");
    }
    assert_eq!(cw.get(app.url("/o/amal/distributions/bulk")).send().await.unwrap().status(), 200);
    let edit = format!("{item_page}/edit");
    let renamed = [
        ("name_ar", "طرد غذائي عائلي"),
        ("name_en", "Family food parcel"),
        ("sector", "food"),
        ("kind", "goods"),
        ("unit", "طرد"),
        ("expires", "on"),
    ];
    assert_eq!(app.submit(&store, &edit, &edit, &renamed).await.status(), 303);
    assert!(
        store
            .get(app.url(&item_page))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
            .contains("طرد غذائي عائلي")
    );
    let recounted = [
        ("name_ar", "طرد"),
        ("name_en", "Parcel"),
        ("sector", "food"),
        ("kind", "goods"),
        ("unit", "kg"),
    ];
    let r = app.submit(&store, &edit, &edit, &recounted).await;
    assert_eq!(r.status(), 422, "the unit of an item with movements cannot change");
    assert!(r.text().await.unwrap().contains("لهذا الصنف حركات مخزون"));
    let overview = store.get(app.url("/o/amal/stock")).send().await.unwrap().text().await.unwrap();
    assert!(
        overview.contains("97 طرد") && overview.contains("L-7"),
        "balance and the lot expiring within 30 days are listed"
    );
    let csv = store.get(app.url("/o/amal/stock/report?format=csv")).send().await.unwrap();
    assert!(csv.headers()["content-disposition"].to_str().unwrap().starts_with("attachment"));
    let bytes = csv.bytes().await.unwrap();
    assert!(bytes.starts_with(&[0xEF, 0xBB, 0xBF]));
    assert!(String::from_utf8_lossy(&bytes).contains("طرد غذائي عائلي,طرد,100,3,0,0,0"));
}

#[tokio::test]
async fn lines_see_each_other_lots_keep_their_dates_and_needs_keep_what_was_delivered() {
    let o = org().await;
    // Two lots: the one expiring first is taken first, and two lines of one item see each other.
    o.receive(o.main, 5, "X", &days(20)).await;
    o.receive(o.main, 5, "Y", &days(90)).await;
    let (case, need) = o.household(10).await;
    let two_lines = |a: i64, b: i64| {
        json!({ "case_id": case, "need_id": need, "lines": [
            { "item_id": o.parcel, "warehouse_id": o.main, "quantity": a },
            { "item_id": o.parcel, "warehouse_id": o.main, "quantity": b }] })
    };
    let (s, d) =
        o.app.api("POST", "/api/v1/orgs/amal/distributions", &o.cw, Some(two_lines(5, 5))).await;
    assert_eq!(s, 201, "{d}");
    let lots: Vec<&str> =
        d["lines"].as_array().unwrap().iter().map(|l| l["lot"].as_str().unwrap()).collect();
    assert_eq!(lots, vec!["X", "Y"]);
    // A reservation is weighed against all the lines together.
    o.receive(o.main, 10, "Z", &days(60)).await;
    let offer = json!({ "item_id": o.parcel, "warehouse_id": o.main, "quantity": 6, "available_until": days(7) });
    assert_eq!(o.app.api("POST", "/api/v1/orgs/amal/offers", &o.store, Some(offer)).await.0, 201);
    let (case2, need2) = o.household(8).await;
    let body = json!({ "case_id": case2, "need_id": need2, "lines": [
        { "item_id": o.parcel, "warehouse_id": o.main, "quantity": 4 },
        { "item_id": o.parcel, "warehouse_id": o.main, "quantity": 4 }] });
    let (s, err) = o.app.api("POST", "/api/v1/orgs/amal/distributions", &o.cw, Some(body)).await;
    assert_eq!(s, 409, "8 asked, 4 free: {err}");
    let (_, balances) = o.app.api("GET", "/api/v1/orgs/amal/stock", &o.viewer, None).await;
    assert_eq!(balances[0]["on_hand"], 10, "the refused distribution took nothing");

    // Stock received without a lot number is kept apart by expiry date, also across transfers.
    let lotless = |warehouse: i64, date: String| json!({ "kind": "receipt", "item_id": o.parcel, "warehouse_id": warehouse, "quantity": 10, "expiry": date, "source_kind": "purchase" });
    let (early, late) = (days(40), days(120));
    assert_eq!(
        o.app
            .api(
                "POST",
                "/api/v1/orgs/amal/movements",
                &o.store,
                Some(lotless(o.point, late.clone()))
            )
            .await
            .0,
        201
    );
    assert_eq!(
        o.app
            .api(
                "POST",
                "/api/v1/orgs/amal/movements",
                &o.store,
                Some(lotless(o.main, early.clone()))
            )
            .await
            .0,
        201
    );
    let transfer = json!({ "kind": "transfer", "item_id": o.parcel, "warehouse_id": o.main, "to_warehouse_id": o.point, "quantity": 10, "lot": early });
    let (s, moved) =
        o.app.api("POST", "/api/v1/orgs/amal/movements", &o.store, Some(transfer)).await;
    assert_eq!(s, 201, "{moved}");
    let (_, lots) = o
        .app
        .api("GET", &format!("/api/v1/orgs/amal/items/{}/lots", o.parcel), &o.viewer, None)
        .await;
    let at_point: Vec<(String, String)> = lots
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["warehouse_id"] == o.point)
        .map(|l| (l["lot"].as_str().unwrap().to_owned(), l["expiry"].as_str().unwrap().to_owned()))
        .collect();
    assert_eq!(
        at_point,
        vec![(early.clone(), early.clone()), (late.clone(), late.clone())],
        "two dates, two lots, soonest first"
    );
    let (_, soon) =
        o.app.api("GET", "/api/v1/orgs/amal/stock/expiring?days=45", &o.viewer, None).await;
    assert!(soon.as_array().unwrap().iter().any(|l| l["lot"] == early.as_str()), "{soon}");

    // A need keeps what distributions delivered: an edit cannot lower it, and leaving it out keeps it.
    let need_url = format!("/api/v1/orgs/amal/needs/{need}");
    let edit = |met: Option<i64>| json!({ "case_id": case, "sector": "food", "item": "طرد غذائي", "quantity": 10, "unit": "طرد", "urgency": "low", "quantity_met": met });
    let (s, n) = o.app.api("PUT", &need_url, &o.cw, Some(edit(None))).await;
    assert_eq!(
        (s, n["quantity_met"].as_i64(), n["urgency"].as_str()),
        (StatusCode::OK, Some(10), Some("low"))
    );
    let (s, err) = o.app.api("PUT", &need_url, &o.cw, Some(edit(Some(2)))).await;
    assert_eq!(s, 422);
    assert!(err["error"]["fields"]["quantity_met"].is_string());

    // Items of another sector do not meet a need.
    let (_, blanket) = o
        .app
        .api("POST", "/api/v1/orgs/amal/items", &o.store, Some(json!({ "name_ar": "بطانية", "name_en": "Blanket", "sector": "shelter", "unit": "piece" })))
        .await;
    let (case3, need3) = o.household(3).await;
    let body = json!({ "case_id": case3, "need_id": need3, "lines": [{ "item_id": blanket["id"], "warehouse_id": o.main, "quantity": 1 }] });
    let (s, err) = o.app.api("POST", "/api/v1/orgs/amal/distributions", &o.cw, Some(body)).await;
    assert_eq!(s, 422);
    assert!(err["error"]["fields"]["lines[0].item_id"].is_string(), "{err}");

    let (_, low) = o.app.api("GET", "/api/v1/orgs/amal/stock/low", &o.viewer, None).await;
    assert!(
        low.as_array().unwrap().is_empty() || low[0]["item_id"] != o.parcel,
        "the parcels are above their threshold: {low}"
    );
    assert!(o.balances_match_ledger().await);
}

#[tokio::test]
async fn another_organisation_cannot_use_our_items_warehouses_cases_or_needs() {
    let o = org().await;
    o.receive(o.main, 10, "L", &days(30)).await;
    let (case, need) = o.household(2).await;
    let (_, theirs) = o
        .app
        .api(
            "POST",
            "/api/v1/orgs/nour/warehouses",
            &o.other,
            Some(json!({ "name": "x", "region_code": "PS" })),
        )
        .await;
    let their_warehouse = theirs["id"].as_i64().unwrap();
    let (_, their_item) = o
        .app
        .api(
            "POST",
            "/api/v1/orgs/nour/items",
            &o.other,
            Some(json!({ "name_ar": "x", "name_en": "x", "sector": "food", "unit": "u" })),
        )
        .await;
    let attempts = [
        (
            "/api/v1/orgs/nour/distributions",
            json!({ "case_id": case, "need_id": need, "lines": [{ "item_id": their_item["id"], "warehouse_id": their_warehouse, "quantity": 1 }] }),
            "case_id",
        ),
        (
            "/api/v1/orgs/nour/distributions/bulk",
            json!({ "item_id": o.parcel, "warehouse_id": o.main, "quantity": 1, "case_ids": [case] }),
            "item_id",
        ),
        (
            "/api/v1/orgs/nour/offers",
            json!({ "item_id": o.parcel, "warehouse_id": o.main, "quantity": 1, "available_until": days(3) }),
            "item_id",
        ),
        (
            "/api/v1/orgs/nour/movements",
            json!({ "kind": "transfer", "item_id": their_item["id"], "warehouse_id": their_warehouse, "to_warehouse_id": o.main, "quantity": 1 }),
            "to_warehouse_id",
        ),
        (
            "/api/v1/orgs/nour/movements",
            json!({ "kind": "loss", "item_id": o.parcel, "warehouse_id": o.main, "quantity": 1, "reason": "stolen" }),
            "item_id",
        ),
    ];
    for (path, body, field) in attempts {
        let (s, err) = o.app.api("POST", path, &o.other, Some(body)).await;
        assert_eq!(s, 422, "{path}: {err}");
        assert!(err["error"]["fields"][field].is_string(), "{path} should name {field}: {err}");
    }
    let (_, balances) = o.app.api("GET", "/api/v1/orgs/amal/stock", &o.viewer, None).await;
    assert_eq!(balances[0]["on_hand"], 10);
    let (_, n) =
        o.app.api("GET", &format!("/api/v1/orgs/amal/needs/{need}"), &o.viewer, None).await;
    assert_eq!(n["quantity_met"], 0);
}
