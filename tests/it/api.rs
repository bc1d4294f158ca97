//! The JSON API: tokens, cases and needs, errors as JSON with the right status.

use reqwest::{Client, StatusCode};
use sanad_node::domain::tenancy::Role;
use sanad_tests::{TestApp, spawn_app};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

async fn two_orgs() -> (TestApp, String, String, String) {
    let app = spawn_app().await;
    app.org("amal", "جمعية الأمل").await;
    app.org("nour", "جمعية النور").await;
    app.member("cw@amal.org", "amal", Role::Caseworker).await;
    app.member("view@amal.org", "amal", Role::Viewer).await;
    app.member("cw@nour.org", "nour", Role::Caseworker).await;
    let writer = app.token("cw@amal.org", "amal").await;
    let viewer = app.token("view@amal.org", "amal").await;
    let other = app.token("cw@nour.org", "nour").await;
    (app, writer, viewer, other)
}

async fn call(
    app: &TestApp,
    method: &str,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    app.api(method, path, token, body).await
}

fn case_body() -> Value {
    json!({ "head_name": "أحمد محمود", "phone": "0599123456", "region_code": "PS-GZA", "household_size": 6,
            "vulnerabilities": ["elderly"], "consent_share": true })
}

#[tokio::test]
async fn a_token_creates_and_lists_cases_and_needs_and_a_viewer_cannot_write() {
    let (app, writer, viewer, _) = two_orgs().await;
    let (status, case) =
        call(&app, "POST", "/api/v1/orgs/amal/cases", &writer, Some(case_body())).await;
    assert_eq!(status, 201, "{case}");
    assert_eq!(case["household_size"], 6);
    assert_eq!(case["status"], "open");
    assert!(case["consent_at"].is_string());
    let need = json!({ "case_id": case["id"], "sector": "food", "item": "سلة غذائية", "quantity": 10, "unit": "سلة",
                       "quantity_met": 4, "urgency": "high", "visibility": "network", "needed_by": "2026-12-01" });
    let (status, need) = call(&app, "POST", "/api/v1/orgs/amal/needs", &writer, Some(need)).await;
    assert_eq!(status, 201, "{need}");
    assert_eq!(need["status"], "partly-met");
    assert_eq!(need["region_code"], "PS-GZA", "defaults to the household's region");
    let community = json!({ "sector": "wash", "item": "خزان مياه", "quantity": 1, "unit": "خزان", "urgency": "medium", "region_code": "PS-KYS" });
    assert_eq!(
        call(&app, "POST", "/api/v1/orgs/amal/needs", &writer, Some(community)).await.0,
        201
    );

    let (status, list) = call(&app, "GET", "/api/v1/orgs/amal/cases", &viewer, None).await;
    assert_eq!(status, 200);
    assert_eq!(list["total"], 1);
    assert_eq!(list["items"][0]["head_name"], "أحمد محمود");
    let listed = sanad_node::infra::entities::audit_entry::Entity::find()
        .filter(sanad_node::infra::entities::audit_entry::Column::Action.eq("case.list"))
        .all(&app.state.db)
        .await
        .unwrap();
    assert_eq!(listed.len(), 1, "listing households is audited");
    assert!(listed[0].detail.contains(&case["id"].to_string()));
    let (_, needs) = call(&app, "GET", "/api/v1/orgs/amal/needs?sector=food", &viewer, None).await;
    assert_eq!(needs["total"], 1);
    let (_, all) = call(&app, "GET", "/api/v1/orgs/amal/needs", &viewer, None).await;
    assert_eq!(all["total"], 2);

    let (status, err) =
        call(&app, "POST", "/api/v1/orgs/amal/cases", &viewer, Some(case_body())).await;
    assert_eq!(status, 403);
    assert_eq!(err["error"]["code"], "forbidden");
    let id = case["id"].as_i64().unwrap();
    for (method, path) in [
        ("PUT", format!("/api/v1/orgs/amal/cases/{id}")),
        ("POST", format!("/api/v1/orgs/amal/cases/{id}/close")),
        ("POST", "/api/v1/orgs/amal/needs".to_owned()),
        ("PUT", format!("/api/v1/orgs/amal/needs/{}", need["id"])),
    ] {
        let body =
            if method == "POST" && path.ends_with("close") { None } else { Some(case_body()) };
        let (status, _) = call(&app, method, &path, &viewer, body).await;
        assert!(status == 403 || status == 422, "{method} {path}: {status}");
        if status == 422 {
            // The body did not fit; try the right shape to be sure the role is what refuses it.
            let need = json!({ "sector": "food", "item": "x", "quantity": 1, "unit": "u", "urgency": "low", "region_code": "PS" });
            assert_eq!(
                call(&app, method, &path, &viewer, Some(need)).await.0,
                403,
                "{method} {path}"
            );
        }
    }
    let (status, closed) =
        call(&app, "POST", &format!("/api/v1/orgs/amal/cases/{id}/close"), &writer, None).await;
    assert_eq!((status, closed["status"].as_str()), (StatusCode::OK, Some("closed")));
    let (status, note) = call(
        &app,
        "POST",
        &format!("/api/v1/orgs/amal/cases/{id}/notes"),
        &writer,
        Some(json!({"body": "اتصال هاتفي"})),
    )
    .await;
    assert_eq!(status, 201, "{note}");
    let (_, notes) =
        call(&app, "GET", &format!("/api/v1/orgs/amal/cases/{id}/notes"), &viewer, None).await;
    assert_eq!(notes[0]["body"], "اتصال هاتفي");
    let (_, orgs) = call(&app, "GET", "/api/v1/orgs", &viewer, None).await;
    assert_eq!(orgs.as_array().unwrap().len(), 1);
    for (key, value) in
        [("slug", "amal"), ("name_ar", "جمعية الأمل"), ("name_en", "amal (en)"), ("role", "viewer")]
    {
        assert_eq!(orgs[0][key], value, "{orgs}");
    }
    assert_eq!(orgs[0]["actor"], app.actor("amal"));
}

#[tokio::test]
async fn another_organisations_token_gets_404_on_every_case_and_need_route() {
    let (app, writer, _, other) = two_orgs().await;
    let (_, case) = call(&app, "POST", "/api/v1/orgs/amal/cases", &writer, Some(case_body())).await;
    let id = case["id"].as_i64().unwrap();
    let need = json!({ "case_id": id, "sector": "food", "item": "طحين", "quantity": 2, "unit": "كيس", "urgency": "low" });
    let (_, need) = call(&app, "POST", "/api/v1/orgs/amal/needs", &writer, Some(need)).await;
    let nid = need["id"].as_i64().unwrap();
    let need_body = json!({ "sector": "food", "item": "x", "quantity": 1, "unit": "u", "urgency": "low", "region_code": "PS" });
    let routes: Vec<(&str, String, Option<Value>)> = vec![
        ("GET", "/api/v1/orgs/amal".into(), None),
        ("GET", "/api/v1/orgs/amal/cases".into(), None),
        ("POST", "/api/v1/orgs/amal/cases".into(), Some(case_body())),
        ("GET", format!("/api/v1/orgs/amal/cases/{id}"), None),
        ("PUT", format!("/api/v1/orgs/amal/cases/{id}"), Some(case_body())),
        ("POST", format!("/api/v1/orgs/amal/cases/{id}/close"), None),
        ("POST", format!("/api/v1/orgs/amal/cases/{id}/reopen"), None),
        ("GET", format!("/api/v1/orgs/amal/cases/{id}/notes"), None),
        ("POST", format!("/api/v1/orgs/amal/cases/{id}/notes"), Some(json!({"body": "x"}))),
        ("GET", "/api/v1/orgs/amal/needs".into(), None),
        ("POST", "/api/v1/orgs/amal/needs".into(), Some(need_body.clone())),
        ("GET", format!("/api/v1/orgs/amal/needs/{nid}"), None),
        ("PUT", format!("/api/v1/orgs/amal/needs/{nid}"), Some(need_body.clone())),
        // Through its own organisation's path, the foreign ids do not exist either.
        ("GET", format!("/api/v1/orgs/nour/cases/{id}"), None),
        ("PUT", format!("/api/v1/orgs/nour/cases/{id}"), Some(case_body())),
        ("POST", format!("/api/v1/orgs/nour/cases/{id}/close"), None),
        ("GET", format!("/api/v1/orgs/nour/cases/{id}/notes"), None),
        ("POST", format!("/api/v1/orgs/nour/cases/{id}/notes"), Some(json!({"body": "x"}))),
        ("GET", format!("/api/v1/orgs/nour/needs/{nid}"), None),
        ("PUT", format!("/api/v1/orgs/nour/needs/{nid}"), Some(need_body)),
    ];
    for (method, path, body) in routes {
        let (status, err) = call(&app, method, &path, &other, body).await;
        assert_eq!(status, 404, "{method} {path}: {err}");
        assert_eq!(err["error"]["code"], "not_found");
    }
    let (_, own) = call(&app, "GET", "/api/v1/orgs/nour/cases", &other, None).await;
    assert_eq!(own["total"], 0, "sees none of them");
    let (_, own) = call(&app, "GET", "/api/v1/orgs/nour/needs", &other, None).await;
    assert_eq!(own["total"], 0);
    let link = json!({ "case_id": id, "sector": "food", "item": "x", "quantity": 1, "unit": "u", "urgency": "low" });
    let (status, err) = call(&app, "POST", "/api/v1/orgs/nour/needs", &other, Some(link)).await;
    assert_eq!(status, 422, "a need cannot point at another organisation's case");
    assert!(err["error"]["fields"]["case_id"].is_string());
}

#[tokio::test]
async fn bad_input_gets_json_errors_with_the_right_status_and_writes_nothing() {
    let (app, writer, _, _) = two_orgs().await;
    let client = Client::new();
    let url = app.url("/api/v1/orgs/amal/cases");
    let send = |body: &'static str, content_type: &'static str| {
        client
            .post(&url)
            .bearer_auth(&writer)
            .header("content-type", content_type)
            .header("accept-language", "en")
            .body(body)
            .send()
    };
    let r = send("{not json", "application/json").await.unwrap();
    assert_eq!(r.status(), 400);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"]["code"], "bad_request");
    assert_eq!(v["error"]["message"], "The body is not valid JSON.");
    let r = send("head_name=x", "application/x-www-form-urlencoded").await.unwrap();
    assert_eq!(r.status(), 415);
    let r = send(
        r#"{"head_name":"x","region_code":"PS-GZA","household_size":"six"}"#,
        "application/json",
    )
    .await
    .unwrap();
    assert_eq!(r.status(), 422);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"]["fields"]["household_size"], "This value has the wrong type.");
    let r =
        send(r#"{"region_code":"PS-GZA","household_size":2}"#, "application/json").await.unwrap();
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"]["fields"]["head_name"], "This field is required.", "{v}");

    let (status, v) = call(&app, "POST", "/api/v1/orgs/amal/cases", &writer, Some(json!({
        "head_name": "x".repeat(201), "region_code": "ZZ-404", "household_size": -1, "vulnerabilities": ["rich"],
        "phone": "abc", "assigned_to": 999999 }))).await;
    assert_eq!(status, 422);
    let fields = v["error"]["fields"].as_object().unwrap();
    for field in
        ["head_name", "region_code", "household_size", "vulnerabilities", "phone", "assigned_to"]
    {
        assert!(fields.contains_key(field), "{field} not named in {v}");
    }
    assert_eq!(
        v["error"]["fields"]["region_code"], "منطقة غير معروفة.",
        "Arabic without Accept-Language"
    );

    let need = |quantity: i64, sector: &str| json!({ "sector": sector, "item": "x", "quantity": quantity, "unit": "u", "urgency": "low", "region_code": "PS" });
    for (body, field) in [
        (need(-5, "food"), "quantity"),
        (need(0, "food"), "quantity"),
        (need(99_999_999_999, "food"), "quantity"),
        (need(1, "weapons"), "sector"),
    ] {
        let (status, v) = call(&app, "POST", "/api/v1/orgs/amal/needs", &writer, Some(body)).await;
        assert_eq!(status, 422);
        assert!(v["error"]["fields"][field].is_string(), "{field}: {v}");
    }

    let huge = format!(
        r#"{{"head_name":"{}","region_code":"PS","household_size":1}}"#,
        "x".repeat(300 * 1024)
    );
    let r = client
        .post(&url)
        .bearer_auth(&writer)
        .header("content-type", "application/json")
        .body(huge)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 413);
    assert_eq!(r.json::<Value>().await.unwrap()["error"]["code"], "payload_too_large");

    let r = client.get(&url).send().await.unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(r.headers()["www-authenticate"], "Bearer");
    let r = client.get(&url).bearer_auth("sanad_forged").send().await.unwrap();
    assert_eq!(r.status(), 401);
    let (status, _) =
        call(&app, "GET", "/api/v1/orgs/amal/cases/not-a-number", &writer, None).await;
    assert_eq!(status, 400);
    let (status, _) = call(&app, "DELETE", "/api/v1/orgs/amal/cases", &writer, None).await;
    assert_eq!(status, 405);
    let (status, _) = call(&app, "GET", "/api/v1/nothing-here", &writer, None).await;
    assert_eq!(status, 404);

    let (_, list) = call(&app, "GET", "/api/v1/orgs/amal/cases", &writer, None).await;
    assert_eq!(list["total"], 0, "no failed request wrote anything");
    let (_, list) = call(&app, "GET", "/api/v1/orgs/amal/needs", &writer, None).await;
    assert_eq!(list["total"], 0);
}

#[tokio::test]
async fn removing_a_member_revokes_their_tokens() {
    let (app, writer, _, _) = two_orgs().await;
    let admin_email = "boss@amal.org";
    app.member(admin_email, "amal", Role::Admin).await;
    let user =
        sanad_node::domain::accounts::find_user(&app.state.db, admin_email).await.unwrap().unwrap();
    let scope = sanad_node::domain::tenancy::OrgScope::for_user(&app.state.db, &user, "amal")
        .await
        .unwrap();
    let members = sanad_node::domain::accounts::members(&app.state.db, &scope).await.unwrap();
    let cw = members.iter().find(|m| m.email == "cw@amal.org").unwrap();
    app.state
        .write(async |uow| {
            sanad_node::domain::accounts::remove_member(uow, &scope, cw.membership_id).await
        })
        .await
        .unwrap();
    // Even when the person is made a member again, the old token stays revoked.
    app.member("cw@amal.org", "amal", Role::Caseworker).await;
    let (status, _) = call(&app, "GET", "/api/v1/orgs/amal/cases", &writer, None).await;
    assert_eq!(status, 401);
    let fresh = app.token("cw@amal.org", "amal").await;
    assert_eq!(call(&app, "GET", "/api/v1/orgs/amal/cases", &fresh, None).await.0, 200);
}

#[tokio::test]
async fn openapi_document_is_served_and_describes_the_routes() {
    let app = spawn_app().await;
    let doc: Value =
        reqwest::get(app.url("/api/v1/openapi.json")).await.unwrap().json().await.unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    for path in [
        "/api/v1/orgs/{slug}/cases",
        "/api/v1/orgs/{slug}/needs/{id}",
        "/api/v1/orgs/{slug}/cases/{id}/notes",
        "/api/v1/orgs/{slug}/movements",
        "/api/v1/orgs/{slug}/distributions/{id}/reverse",
        "/api/v1/orgs/{slug}/reports/monthly",
    ] {
        assert!(doc["paths"][path].is_object(), "{path}");
    }
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
    assert!(doc["components"]["schemas"]["NeedRequest"]["properties"]["quantity"].is_object());
}
