//! Tenant isolation on the web: a member of one organisation finds nothing of another.

use sanad_node::domain::tenancy::Role;
use sanad_tests::spawn_app;

#[tokio::test]
async fn a_member_of_one_organisation_gets_404_on_every_case_and_need_page_of_another() {
    let app = spawn_app().await;
    app.org("amal", "جمعية الأمل").await;
    app.org("nour", "جمعية النور").await;
    app.member("a@amal.org", "amal", Role::Admin).await;
    app.member("n@nour.org", "nour", Role::Admin).await;
    let amal = app.signed_in("a@amal.org").await;
    let r = app
        .submit(
            &amal,
            "/o/amal/cases/new",
            "/o/amal/cases/new",
            &[("head_name", "سر الأسرة"), ("region_code", "PS-GZA"), ("household_size", "4")],
        )
        .await;
    let case_path = r.headers()["location"].to_str().unwrap().to_owned();
    let id = case_path.rsplit('/').next().unwrap().to_owned();
    let r = app
        .submit(
            &amal,
            "/o/amal/needs/new",
            "/o/amal/needs/new",
            &[
                ("case_id", id.as_str()),
                ("sector", "health"),
                ("item", "دواء"),
                ("quantity", "1"),
                ("unit", "علبة"),
                ("urgency", "high"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let nid = r.headers()["location"].to_str().unwrap().rsplit('/').next().unwrap().to_owned();

    let nour = app.signed_in("n@nour.org").await;
    let own = nour.get(app.url("/o/nour")).send().await.unwrap().text().await.unwrap();
    let gets = [
        "/o/amal".to_owned(),
        "/o/amal/cases".to_owned(),
        "/o/amal/cases/new".to_owned(),
        format!("/o/amal/cases/{id}"),
        format!("/o/amal/cases/{id}/edit"),
        "/o/amal/needs".to_owned(),
        "/o/amal/needs/new".to_owned(),
        format!("/o/amal/needs/{nid}"),
        format!("/o/amal/needs/{nid}/edit"),
        "/o/amal/members".to_owned(),
        "/o/amal/settings".to_owned(),
        format!("/o/nour/cases/{id}"),
        format!("/o/nour/cases/{id}/edit"),
        format!("/o/nour/needs/{nid}"),
        format!("/o/nour/needs/{nid}/edit"),
        format!("/o/nour/needs/new?case={id}"),
    ];
    for path in &gets {
        let r = nour.get(app.url(path)).send().await.unwrap();
        assert_eq!(r.status(), 404, "GET {path}");
        assert!(!r.text().await.unwrap().contains("سر الأسرة"));
    }
    let csrf = sanad_tests::csrf_of(&own);
    let posts = [
        (
            format!("/o/amal/cases/{id}/edit"),
            vec![("head_name", "x"), ("region_code", "PS"), ("household_size", "1")],
        ),
        (format!("/o/amal/cases/{id}/status"), vec![("status", "closed")]),
        (format!("/o/amal/cases/{id}/notes"), vec![("body", "x")]),
        (
            "/o/amal/cases/new".to_owned(),
            vec![("head_name", "x"), ("region_code", "PS"), ("household_size", "1")],
        ),
        (
            format!("/o/amal/needs/{nid}/edit"),
            vec![
                ("sector", "food"),
                ("item", "x"),
                ("quantity", "1"),
                ("unit", "u"),
                ("urgency", "low"),
            ],
        ),
        (
            format!("/o/nour/cases/{id}/edit"),
            vec![("head_name", "x"), ("region_code", "PS"), ("household_size", "1")],
        ),
        (format!("/o/nour/cases/{id}/status"), vec![("status", "closed")]),
        (format!("/o/nour/cases/{id}/notes"), vec![("body", "x")]),
        (
            format!("/o/nour/needs/{nid}/edit"),
            vec![
                ("sector", "food"),
                ("item", "x"),
                ("quantity", "1"),
                ("unit", "u"),
                ("urgency", "low"),
            ],
        ),
    ];
    let posts: Vec<(String, Vec<(&str, &str)>)> = posts
        .into_iter()
        .chain([
            (
                "/o/amal/needs/new".to_owned(),
                vec![
                    ("sector", "food"),
                    ("item", "x"),
                    ("quantity", "1"),
                    ("unit", "u"),
                    ("urgency", "low"),
                    ("region_code", "PS"),
                ],
            ),
            ("/o/amal/members".to_owned(), vec![("email", "n@nour.org"), ("role", "admin")]),
            ("/o/amal/members/1/role".to_owned(), vec![("role", "viewer")]),
            ("/o/amal/members/1/remove".to_owned(), vec![]),
            ("/o/amal/settings".to_owned(), vec![("name_ar", "x"), ("name_en", "x")]),
        ])
        .collect();
    for (path, fields) in &posts {
        let mut form = vec![("csrf", csrf.as_str())];
        form.extend(fields.iter().copied());
        let r = nour.post(app.url(path)).form(&form).send().await.unwrap();
        assert_eq!(r.status(), 404, "POST {path}");
    }
    let r = app
        .submit(
            &nour,
            "/o/nour/needs/new",
            "/o/nour/needs/new",
            &[
                ("case_id", id.as_str()),
                ("sector", "health"),
                ("item", "x"),
                ("quantity", "1"),
                ("unit", "u"),
                ("urgency", "high"),
                ("region_code", "PS"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422, "a need cannot be attached to another organisation's case");
    let page = amal.get(app.url(&case_path)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("سر الأسرة") && page.contains("مفتوحة"), "nothing changed");
}

/// One body valid for every write that names a record (cases, needs, items, notes, reversals), so that a refusal
/// can only come from the organisation, never from the body.
fn universal_body() -> serde_json::Value {
    serde_json::json!({ "head_name": "x", "region_code": "PS-GZA", "household_size": 1, "sector": "food",
        "item": "x", "quantity": 1, "unit": "u", "urgency": "low", "name_ar": "x", "name_en": "x", "body": "x",
        "reason": "x" })
}

/// The same for the pages' forms.
const UNIVERSAL_FORM: [(&str, &str); 15] = [
    ("status", "closed"),
    ("role", "viewer"),
    ("reason", "x"),
    ("body", "x"),
    ("head_name", "x"),
    ("region_code", "PS-GZA"),
    ("household_size", "1"),
    ("sector", "food"),
    ("item", "x"),
    ("quantity", "1"),
    ("unit", "u"),
    ("urgency", "low"),
    ("name_ar", "x"),
    ("name_en", "x"),
    ("kind", "goods"),
];

/// What one organisation holds, by the kind of record a route's `{id}` names.
struct Records {
    ids: Vec<(&'static str, i64)>,
}

impl Records {
    /// The id of the record of `kind`.
    fn id(&self, kind: &str) -> i64 {
        self.ids
            .iter()
            .find(|(k, _)| *k == kind)
            .unwrap_or_else(|| panic!("no record of kind `{kind}`"))
            .1
    }

    /// The id to put in `path` for its `{id}`: the record of the kind named by the segment before it.
    fn fill(&self, path: &str, slug: &str) -> String {
        let mut out = path.replace("{slug}", slug).replace("{action}", "accept");
        if let Some(at) = path.find("/{id}") {
            let kind = path[..at].rsplit('/').next().unwrap_or_default();
            out = out.replace("{id}", &self.id(kind).to_string());
        }
        out
    }
}

/// Two organisations; `amal` holds one record of every kind, made through the API.
async fn two_organisations() -> (sanad_tests::TestApp, Records, String) {
    use serde_json::json;
    let app = spawn_app().await;
    app.org("amal", "جمعية الأمل").await;
    app.org("nour", "جمعية النور").await;
    app.member("a@amal.org", "amal", Role::Admin).await;
    app.member("n@nour.org", "nour", Role::Admin).await;
    let amal = app.token("a@amal.org", "amal").await;
    let nour = app.token("n@nour.org", "nour").await;
    let made = |v: serde_json::Value| v["id"].as_i64().unwrap();
    let post = |path: &'static str, body: serde_json::Value| {
        let (app, amal) = (&app, &amal);
        async move {
            let (s, v) = app.api("POST", path, amal, Some(body)).await;
            assert!(s.is_success(), "{path}: {v}");
            v
        }
    };
    let case = made(
        post(
            "/api/v1/orgs/amal/cases",
            json!({ "head_name": "سر الأسرة", "region_code": "PS-GZA", "household_size": 3 }),
        )
        .await,
    );
    let need = made(post("/api/v1/orgs/amal/needs", json!({ "case_id": case, "sector": "food", "item": "طرد", "quantity": 5, "unit": "u", "urgency": "high" })).await);
    let item = made(
        post(
            "/api/v1/orgs/amal/items",
            json!({ "name_ar": "طرد", "name_en": "Parcel", "sector": "food", "unit": "u" }),
        )
        .await,
    );
    let warehouse = made(
        post("/api/v1/orgs/amal/warehouses", json!({ "name": "W", "region_code": "PS-GZA" })).await,
    );
    post("/api/v1/orgs/amal/movements", json!({ "kind": "receipt", "item_id": item, "warehouse_id": warehouse, "quantity": 50, "source_kind": "donor" })).await;
    let distribution = made(post("/api/v1/orgs/amal/distributions", json!({ "case_id": case, "need_id": need, "lines": [{ "item_id": item, "warehouse_id": warehouse, "quantity": 1 }] })).await);
    let until = (chrono::Utc::now().date_naive() + chrono::Duration::days(9)).to_string();
    let offer = made(post("/api/v1/orgs/amal/offers", json!({ "item_id": item, "warehouse_id": warehouse, "quantity": 2, "available_until": until })).await);
    let scope = {
        let user = sanad_node::domain::accounts::find_user(&app.state.db, "a@amal.org")
            .await
            .unwrap()
            .unwrap();
        sanad_node::domain::tenancy::OrgScope::for_user(&app.state.db, &user, "amal").await.unwrap()
    };
    let member = sanad_node::domain::accounts::members(&app.state.db, &scope).await.unwrap()[0]
        .membership_id;
    // A remote organisation that follows amal and that amal follows (the follows are what `{id}` names).
    let (follower, following, far) = {
        use sanad_node::{
            infra::entities::{follow, remote_actor},
            vocab::{FollowDirection, FollowState},
        };
        use sea_orm::{ActiveModelTrait, ActiveValue::Set};
        let now = chrono::Utc::now();
        let actor = remote_actor::ActiveModel {
            ap_id: Set("https://peer.example/orgs/far".into()),
            host: Set("peer.example".into()),
            kind: Set("Organization".into()),
            username: Set("far".into()),
            name: Set("Far".into()),
            inbox: Set("https://peer.example/orgs/far/inbox".into()),
            shared_inbox: Set(Some("https://peer.example/inbox".into())),
            public_key_pem: Set(String::new()),
            profile: Set("{}".into()),
            fetched_at: Set(now),
            ..Default::default()
        }
        .insert(&app.state.db)
        .await
        .unwrap();
        let mut ids = Vec::new();
        for direction in [FollowDirection::Follower, FollowDirection::Following] {
            let f = follow::ActiveModel {
                org_id: Set(scope.org_id()),
                remote_actor_id: Set(actor.id),
                direction: Set(direction),
                state: Set(FollowState::Pending),
                activity_id: Set(format!("https://peer.example/activities/{}", direction.as_str())),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            }
            .insert(&app.state.db)
            .await
            .unwrap();
            ids.push(f.id);
        }
        (ids[0], ids[1], actor.id)
    };
    // A commitment of the remote organisation to amal's need, and a donor's pledge to it.
    let (commitment, pledge) = {
        use sanad_node::{
            infra::entities::{commitment, pledge},
            vocab::{CommitmentRole, CommitmentStatus, PledgeKind, PledgeStatus},
        };
        use sea_orm::{ActiveModelTrait, ActiveValue::Set};
        let now = chrono::Utc::now();
        let c = commitment::ActiveModel {
            org_id: Set(scope.org_id()),
            role: Set(CommitmentRole::Owner),
            listing_kind: Set("need".into()),
            remote_actor_id: Set(far),
            offer_ap_id: Set("https://peer.example/activities/offer".into()),
            listing_ap_id: Set("https://node.example/objects/x".into()),
            need_id: Set(Some(need)),
            item: Set("طرد".into()),
            unit: Set("u".into()),
            quantity: Set(1),
            due: Set(now.date_naive()),
            status: Set(CommitmentStatus::Proposed),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&app.state.db)
        .await
        .unwrap();
        let p = pledge::ActiveModel {
            org_id: Set(scope.org_id()),
            need_id: Set(need),
            kind: Set(PledgeKind::Goods),
            quantity: Set(Some(1)),
            donor_name: Set("x".into()),
            donor_contact: Set("x".into()),
            consent_contact: Set(true),
            status: Set(PledgeStatus::Proposed),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&app.state.db)
        .await
        .unwrap();
        (c.id, p.id)
    };
    let records = Records {
        ids: vec![
            ("followers", follower),
            ("following", following),
            ("cases", case),
            ("needs", need),
            ("items", item),
            ("warehouses", warehouse),
            ("distributions", distribution),
            ("offers", offer),
            ("members", member),
            ("commitments", commitment),
            ("pledges", pledge),
        ],
    };
    (app, records, nour)
}

#[tokio::test]
async fn every_api_route_of_an_organisation_answers_404_to_another_organisation() {
    let (app, records, nour) = two_organisations().await;
    let doc = sanad_node::http::api::openapi_document();
    let client = reqwest::Client::new();
    let mut checked = 0;
    for (path, operations) in doc["paths"].as_object().unwrap() {
        let Some(path) = path.strip_prefix("/api/v1") else {
            continue;
        };
        if !path.contains("{slug}") {
            continue;
        }
        for method in operations.as_object().unwrap().keys() {
            // Another organisation's slug, and this organisation's slug with another organisation's record.
            let mut targets = vec![records.fill(path, "amal")];
            if path.contains("{id}") {
                targets.push(records.fill(path, "nour"));
            }
            for target in targets {
                let r = client
                    .request(
                        method.to_uppercase().parse().unwrap(),
                        app.url(&format!("/api/v1{target}")),
                    )
                    .bearer_auth(&nour)
                    .json(&universal_body())
                    .send()
                    .await
                    .unwrap();
                assert_eq!(r.status(), 404, "{method} {target}");
                assert!(!r.text().await.unwrap().contains("سر الأسرة"));
                checked += 1;
            }
        }
    }
    assert!(
        checked >= 40,
        "every organisation route of the OpenAPI document was tried ({checked})"
    );
}

#[tokio::test]
async fn every_page_of_an_organisation_answers_404_to_another_organisation() {
    let (app, records, _) = two_organisations().await;
    let nour = app.signed_in("n@nour.org").await;
    let own = nour.get(app.url("/o/nour")).send().await.unwrap().text().await.unwrap();
    let csrf = sanad_tests::csrf_of(&own);
    let mut checked = 0;
    for (method, path) in sanad_node::http::web::ROUTES {
        if !path.starts_with("/o/{slug}") {
            continue;
        }
        let mut targets = vec![records.fill(path, "amal")];
        if path.contains("{id}") {
            targets.push(records.fill(path, "nour"));
        }
        for target in targets {
            // A form that names a household takes it from the query string: point it at another organisation's.
            let target = if target.ends_with("/distributions/new") || target.ends_with("/needs/new")
            {
                format!("{target}?case={}", records.id("cases"))
            } else {
                target
            };
            let r = match *method {
                "get" => nour.get(app.url(&target)).send().await.unwrap(),
                _ => {
                    let mut form = vec![("csrf", csrf.as_str())];
                    form.extend(UNIVERSAL_FORM);
                    nour.post(app.url(&target)).form(&form).send().await.unwrap()
                }
            };
            assert_eq!(r.status(), 404, "{method} {target}");
            assert!(!r.text().await.unwrap().contains("سر الأسرة"));
            checked += 1;
        }
    }
    assert!(checked >= 40, "every organisation page was tried ({checked})");
}
