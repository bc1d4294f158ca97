//! Search: the index kept current with local changes and with what peers send, Arabic word forms, the API's
//! answers and refusals, the public page, and rebuilding the index while the node serves.

use reqwest::StatusCode;
use sanad_tests::{Node, TestApp, spawn_app, spawn_federated};
use serde_json::{Value, json};

async fn node(app: TestApp, slug: &'static str) -> Node {
    Node::new(app, slug, "جمعية الأمل").await
}

/// Records a 50-piece shelter need in Gaza with `visibility`.
async fn post_need(node: &Node, item: &str, summary: &str, visibility: &str) -> Value {
    let (s, need) = node
        .api(
            "POST",
            "/needs",
            Some(json!({"sector": "shelter", "item": item, "quantity": 50,
            "unit": "piece", "urgency": "high", "region_code": "PS-GZA", "public_summary": summary,
            "visibility": visibility})),
        )
        .await;
    assert_eq!(s, 201, "{need}");
    need
}

/// `GET /api/v1/search` with a query string, without a token or with one.
async fn search(app: &TestApp, query: &str, token: Option<&str>) -> (StatusCode, Value) {
    let mut request = reqwest::Client::new().get(app.url(&format!("/api/v1/search?{query}")));
    if let Some(t) = token {
        request = request.bearer_auth(t);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

fn q(text: &str) -> String {
    format!("q={}", urlencoding(text))
}

fn urlencoding(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

async fn total(app: &TestApp, query: &str, token: Option<&str>) -> u64 {
    let (s, body) = search(app, query, token).await;
    assert_eq!(s, 200, "{query}: {body}");
    body["total"].as_u64().unwrap()
}

#[tokio::test]
async fn a_need_published_on_a_peer_is_found_by_other_forms_of_its_words_and_leaves_once_met() {
    let a = node(spawn_federated().await, "amal").await;
    let b = node(spawn_federated().await, "basma").await;
    b.follow(&a).await;
    let need = post_need(
        &a,
        "بطانيات شتوية",
        "توزيع البطانيات على الأسر النازحة في خان يونس قبل المنخفض",
        "public",
    )
    .await;
    let network_only =
        post_need(&a, "أدوية الضغط", "أدوية لكبار السن في المخيمات", "network").await;

    // On B, another form of the word: singular, with the article, with diacritics, with another hamza.
    b.app
        .until_searchable("the need is searchable on B", async || {
            total(&b.app, &q("بطانية"), None).await == 1
        })
        .await;
    for form in ["البطانية", "بَطّانِيّة", "بطانيه", "والبطانيات", "الأسرة النازحة", "blankets بطانيات"]
    {
        let query = q(form);
        let (s, body) = search(&b.app, &query, None).await;
        assert_eq!(s, 200);
        if form == "blankets بطانيات" {
            assert_eq!(body["total"], 0, "every word must match: {body}");
            continue;
        }
        assert_eq!(body["total"], 1, "{form}: {body}");
        let item = &body["items"][0];
        assert_eq!(item["kind"], "need");
        assert_eq!(item["origin"], a.app.actor("amal"));
        assert_eq!(item["sector"], "shelter");
        assert_eq!(item["quantity"], 50);
        assert_eq!(item["quantity_met"], 0);
        assert_eq!(item["urgency"], "high");
        assert_eq!(item["status"], "open");
        assert_eq!(item["verified"], true, "the proof checked out on B");
        assert!(item["snippet"].as_str().unwrap().contains("<b>"), "{item}");
        assert!(item["url"].as_str().unwrap().starts_with(&a.app.state.config.public_url));
        assert!(body["facets"]["sector"]["shelter"].as_u64() == Some(1), "{body}");
    }
    // The region is the generalised one A shared (Palestine, one need in it), and its facet is there.
    let (_, body) = search(&b.app, &q("بطانية"), None).await;
    assert_eq!(body["items"][0]["region_code"], "PS", "{body}");
    assert_eq!(body["facets"]["region"]["PS"], 1, "{body}");
    // Quotes, colons, brackets and operators are plain characters.
    for odd in ["\"بطانيات\"", "بطانيات: (", "[بطانيات] AND", "بطانيات*", "-بطانيات~", "\\بطانيات/"]
    {
        assert_eq!(total(&b.app, &q(odd), None).await, 1, "{odd}");
    }

    // The network-only need: not for the public on either node; for B's staff (B follows A) and A's own.
    b.app
        .until_searchable("the network-only need is indexed on B", async || {
            total(&b.app, &q("الأدوية"), Some(&b.admin)).await == 1
        })
        .await;
    assert_eq!(total(&b.app, &q("الأدوية"), None).await, 0);
    a.app
        .until_searchable("the network-only need is indexed on A", async || {
            total(&a.app, &q("ادويه"), Some(&a.admin)).await == 1
        })
        .await;
    assert_eq!(total(&a.app, &q("ادويه"), None).await, 0);
    let _ = network_only;

    // Met on A: it leaves the open results on B (and on A), and stays findable among closed ones.
    let (s, met) = a
        .api("PUT", &format!("/needs/{}", need["id"]), Some(json!({"sector": "shelter",
            "item": "بطانيات شتوية", "quantity": 50, "quantity_met": 50, "unit": "piece", "urgency": "high",
            "region_code": "PS-GZA", "public_summary": "توزيع البطانيات على الأسر النازحة في خان يونس قبل المنخفض",
            "visibility": "public"})))
        .await;
    assert_eq!(s, 200, "{met}");
    b.app
        .until_searchable("the need leaves the open results on B", async || {
            total(&b.app, &q("بطانية"), None).await == 0
        })
        .await;
    a.app
        .until_searchable("the need leaves the open results on A", async || {
            total(&a.app, &q("بطانية"), None).await == 0
        })
        .await;
    let (_, body) = search(&b.app, &format!("{}&status=any", q("بطانية")), None).await;
    assert_eq!(body["items"][0]["status"], "met", "{body}");
    assert_eq!(body["items"][0]["quantity_met"], 50);

    // B stops following A: nothing more of A's would reach B (not even its deletes), so A's listings leave B's
    // index, public ones too, and A leaves B's directory.
    let (_, following) = b.api("GET", "/following", None).await;
    let id = following["items"][0]["id"].as_i64().unwrap();
    let s = reqwest::Client::new()
        .delete(b.app.url(&format!("/api/v1/orgs/basma/following/{id}")))
        .bearer_auth(&b.admin)
        .send()
        .await
        .unwrap()
        .status();
    assert!(s.is_success(), "{s}");
    b.app
        .until_searchable("A's listings leave B's index", async || {
            let (s, body) = search(&b.app, "status=any", Some(&b.admin)).await;
            assert_eq!(s, 200, "{body}");
            if body["total"] != 0 {
                eprintln!("still on B: {body}");
            }
            body["total"] == 0
        })
        .await;
}

#[tokio::test]
async fn a_need_that_comes_to_name_a_household_leaves_the_index_with_the_network() {
    let a = node(spawn_app().await, "amal").await;
    let need = post_need(&a, "بطانيات", "بطانيات لعائلة سعاد الخطيب في المخيم", "public").await;
    a.app
        .until_searchable("the need is searchable", async || {
            total(&a.app, &q("بطانيات"), None).await == 1
        })
        .await;
    // The household is registered afterwards: the summary now names it, so the need is withdrawn everywhere.
    let (s, case) = a
        .api(
            "POST",
            "/cases",
            Some(json!({"head_name": "سعاد الخطيب", "phone": "0599765432",
            "region_code": "PS-GZA", "household_size": 4, "consent_share": false})),
        )
        .await;
    assert_eq!(s, 201, "{case}");
    a.app
        .until_searchable("the need leaves the index", async || {
            total(&a.app, &format!("{}&status=any", q("بطانيات")), Some(&a.admin)).await == 0
        })
        .await;
    let (_, shown) = a.api("GET", &format!("/needs/{}", need["id"]), None).await;
    assert_eq!(shown["visibility"], "private", "{shown}");
}

#[tokio::test]
async fn the_api_names_each_bad_parameter_in_the_callers_language() {
    let app = spawn_app().await;
    for (query, field) in [
        ("kind=cases", "kind"),
        ("sector=weapons", "sector"),
        ("region=XX-NOWHERE", "region"),
        ("status=lost", "status"),
        ("urgency=extreme", "urgency"),
        ("sort=price", "sort"),
        ("page=abc", "page"),
        ("page=0", "page"),
        ("page=501", "page"),
        ("per_page=1000", "per_page"),
        ("page=101&per_page=100", "page"),
        ("needed_from=31-12-2026", "needed_from"),
        ("org=no-such-org", "org"),
    ] {
        let (s, body) = search(&app, query, None).await;
        assert_eq!(s, 422, "{query}: {body}");
        assert!(body["error"]["fields"][field].is_string(), "{query}: {body}");
    }
    let long = "ب".repeat(501);
    let (s, body) = search(&app, &q(&long), None).await;
    assert_eq!(s, 422);
    assert!(body["error"]["fields"]["q"].is_string());
    let response = reqwest::Client::new()
        .get(app.url("/api/v1/search?kind=x"))
        .header("Accept-Language", "ar")
        .send()
        .await
        .unwrap();
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["fields"]["kind"], "اختر أحد الخيارات المعروضة.", "{body}");
    // Arabic-Indic digits are numbers; a bad token is refused rather than ignored.
    assert_eq!(search(&app, "page=%D9%A2", None).await.0, 200);
    assert_eq!(search(&app, "q=x", Some("not-a-token")).await.0, 401);
    let (s, body) = search(&app, "", None).await;
    assert_eq!(s, 200);
    assert_eq!(body["total"], 0);
    assert!(body["facets"]["sector"].is_object() && body["facets"]["region"].is_object());
    let doc: Value =
        reqwest::get(app.url("/api/v1/openapi.json")).await.unwrap().json().await.unwrap();
    assert!(doc["paths"]["/api/v1/search"]["get"].is_object());
}

#[tokio::test]
async fn the_public_search_page_has_facet_links_results_and_works_in_arabic() {
    let a = node(spawn_app().await, "amal").await;
    post_need(&a, "خيام", "خيام للعائلات النازحة في رفح", "public").await;
    post_need(&a, "Blankets", "Winter blankets for displaced families", "public").await;
    post_need(&a, "Private", "never indexed", "private").await;
    a.app
        .until_searchable("both public needs are searchable", async || {
            total(&a.app, "", None).await == 2
        })
        .await;
    let page = |path: String| {
        let url = a.app.url(&path);
        async move {
            let r = reqwest::Client::new()
                .get(url)
                .header("Accept-Language", "ar")
                .send()
                .await
                .unwrap();
            (r.status(), r.text().await.unwrap())
        }
    };
    let (s, html) = page(format!("/search?{}", q("خيمة"))).await;
    assert_eq!(s, 200);
    assert!(html.contains("dir=\"rtl\""), "Arabic pages are right to left");
    assert!(html.contains("<b>خيام</b>"), "the match is highlighted: {html}");
    assert!(!html.contains("<script"), "no JavaScript");
    assert!(
        html.contains("href=\"/search?q=%D8%AE%D9%8A%D9%85%D8%A9&#38;sector=shelter\""),
        "a sector facet link: {html}"
    );
    // The result links to the listing's page on its node: the same listing, for people.
    let (_, found) = search(&a.app, &q("خيمة"), None).await;
    let url = found["items"][0]["url"].as_str().unwrap().to_owned();
    let path = url.split_once("/objects/").map(|(_, id)| format!("/objects/{id}")).unwrap();
    assert!(html.contains(&format!("href=\"{url}\"")), "{html}");
    let (s, listing) = page(path.clone()).await;
    assert_eq!(s, 200);
    assert!(
        listing.contains("خيام للعائلات النازحة في رفح") && listing.contains("موثَّق بتوقيعها"),
        "{listing}"
    );
    assert!(listing.contains("href=\"/orgs/amal\""));
    let json = reqwest::Client::new()
        .get(a.app.url(&path))
        .header("Accept", "application/activity+json")
        .send()
        .await
        .unwrap();
    let object: Value = json.json().await.unwrap();
    assert_eq!(object["type"], "Proposal", "peers still get the object");
    let (_, all) = page("/search".into()).await;
    assert!(all.contains("Winter blankets") && all.contains("خيام"));
    assert!(!all.contains("never indexed"), "a private need is never indexed");
    // Bad input is shown on the page, in Arabic, not as an error page.
    let (s, html) = page("/search?kind=x".into()).await;
    assert_eq!(s, 200);
    assert!(html.contains("اختر أحد الخيارات المعروضة."), "{html}");
}

#[tokio::test]
async fn reindex_rebuilds_beside_the_index_in_use_while_searches_go_on_and_a_damaged_index_is_rebuilt()
 {
    use sanad_node::infra::entities::need;
    use sea_orm::{ActiveValue::Set, EntityTrait};
    let a = node(spawn_app().await, "amal").await;
    let first = post_need(&a, "بطانيات", "بطانيات للأسر", "public").await;
    a.app
        .until_searchable("the first need is searchable", async || {
            total(&a.app, &q("بطانية"), None).await == 1
        })
        .await;
    // Rows written behind the node's back (as a restore would): not in the index until it is rebuilt.
    const ROWS: usize = 3_000;
    let org_id = 1;
    let now = chrono::Utc::now();
    let created_by = first["created_by"].as_i64().unwrap_or(1);
    let rows: Vec<need::ActiveModel> = (0..ROWS)
        .map(|i| need::ActiveModel {
            org_id: Set(org_id),
            sector: Set(sanad_node::vocab::Sector::Food),
            item: Set(format!("سلال غذائية {i}")),
            quantity: Set(10),
            unit: Set("basket".into()),
            quantity_met: Set(0),
            urgency: Set(sanad_node::vocab::Urgency::Medium),
            region_code: Set("PS-GZA".into()),
            public_summary: Set(format!("سلة غذائية رقم {i} لعائلة نازحة")),
            status: Set(sanad_node::vocab::NeedStatus::Open),
            visibility: Set(sanad_node::vocab::Visibility::Public),
            created_by: Set(created_by),
            created_at: Set(now),
            updated_at: Set(now),
            ap_id: Set(Some(uuid::Uuid::new_v4().to_string())),
            ..Default::default()
        })
        .collect();
    for chunk in rows.chunks(500) {
        need::Entity::insert_many(chunk.to_vec()).exec(&a.app.state.db).await.unwrap();
    }
    assert_eq!(total(&a.app, &q("سلة"), None).await, 0);

    // `sanad reindex`, the real binary, while searches go on.
    let dir = tempfile::tempdir().unwrap();
    let config = a.app.cli_config(dir.path());
    let reindex = std::process::Command::new(env!("CARGO_BIN_EXE_sanad-under-test"))
        .args(["--config", config.to_str().unwrap(), "reindex"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let reindex = tokio::task::spawn_blocking(move || reindex.wait_with_output());
    let searching = async {
        let mut answered = 0;
        loop {
            let (s, body) = search(&a.app, &q("بطانيات"), None).await;
            assert_eq!(s, 200, "{body}");
            assert_eq!(body["total"], 1, "the index in use keeps answering: {body}");
            answered += 1;
            if answered >= 20 {
                return answered;
            }
        }
    };
    let (out, answered) = tokio::join!(reindex, searching);
    let out = out.unwrap().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("100%") && stderr.contains("rows"), "progress is shown: {stderr}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("entries"));
    assert!(answered >= 20);
    a.app
        .until_searchable("the rebuilt index is in use", async || {
            total(&a.app, &format!("{}&per_page=1", q("سلة")), None).await == ROWS as u64
        })
        .await;
    assert_eq!(total(&a.app, &q("بطانية"), None).await, 1, "the need made before is kept");

    // A damaged index is rebuilt at start, with a log line, not a crash.
    let mut app = a.app;
    app.shutdown().await;
    let root = app.config.data_dir.join("search");
    let current = std::fs::read_to_string(root.join("CURRENT")).unwrap();
    let generation = root.join(current.lines().next().unwrap());
    std::fs::write(generation.join("meta.json"), b"{ damaged").unwrap();
    let app = app.restart().await;
    app.until_searchable("the damaged index is rebuilt", async || {
        total(&app, &format!("{}&per_page=1", q("سلة")), None).await == ROWS as u64
    })
    .await;
}

#[tokio::test]
async fn a_relevance_set_in_arabic_and_english_finds_what_it_must_and_not_what_it_must_not() {
    let set: Value =
        serde_json::from_str(include_str!("../relevance/aid.json")).expect("relevance set");
    let a = node(spawn_app().await, "amal").await;
    let documents = set["documents"].as_object().unwrap();
    for (key, d) in documents {
        let (s, need) = a
            .api(
                "POST",
                "/needs",
                Some(json!({"sector": d["sector"], "item": d["item"], "quantity": 10,
                "unit": "piece", "urgency": "medium", "region_code": "PS-GZA",
                "public_summary": d["summary"], "visibility": "public"})),
            )
            .await;
        assert_eq!(s, 201, "{key}: {need}");
    }
    let n = documents.len() as u64;
    a.app
        .until_searchable("every need is searchable", async || {
            total(&a.app, "per_page=1", None).await == n
        })
        .await;
    // Results name objects; the need each one is comes from the object's key on the origin node.
    let (_, all) = search(&a.app, "per_page=100", None).await;
    let by_url: std::collections::HashMap<String, String> = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            let key = documents
                .iter()
                .find(|(_, d)| d["item"] == i["item"] && d["summary"] == i["summary"])
                .map(|(k, _)| k.clone())
                .unwrap();
            (i["id"].as_str().unwrap().to_owned(), key)
        })
        .collect();
    let mut failures = Vec::new();
    for query in set["queries"].as_array().unwrap() {
        let mut qs = format!("{}&per_page=100", q(query["q"].as_str().unwrap()));
        if let Some(sector) = query["sector"].as_str() {
            qs.push_str(&format!("&sector={sector}"));
        }
        let (s, body) = search(&a.app, &qs, None).await;
        assert_eq!(s, 200, "{qs}: {body}");
        let found: Vec<&str> = body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| by_url[i["id"].as_str().unwrap()].as_str())
            .collect();
        let list = |k: &str| -> Vec<&str> {
            query[k]
                .as_array()
                .map(|a| a.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default()
        };
        for must in list("must") {
            if !found.contains(&must) {
                failures.push(format!("{:?} misses {must} (found {found:?})", query["q"]));
            }
        }
        for must_not in list("must_not") {
            if found.contains(&must_not) {
                failures.push(format!("{:?} finds {must_not}", query["q"]));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
