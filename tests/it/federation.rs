//! Federation between real nodes on 127.0.0.1: follows, anonymised listings with verified proofs, updates and
//! deletes, a follower that is down for a while, and the inbox's refusals.

use reqwest::StatusCode;
use sanad_node::{domain::tenancy::Role, i18n::Lang};
use sanad_tests::{TestApp, spawn_federated};
use serde_json::{Value, json};

/// A node with one organisation and its admin's API token.
struct Node {
    app: TestApp,
    slug: &'static str,
    admin: String,
}

async fn node(slug: &'static str) -> Node {
    let app = spawn_federated().await;
    app.org(slug, "جمعية").await;
    let email = format!("admin@{slug}.org");
    app.member(&email, slug, Role::Admin).await;
    let admin = app.token(&email, slug).await;
    Node { app, slug, admin }
}

impl Node {
    async fn api(&self, method: &str, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        self.app.api(method, &format!("/api/v1/orgs/{}{path}", self.slug), &self.admin, body).await
    }

    /// `self` follows `other`, and `other` accepts.
    async fn follow(&self, other: &Node) {
        let (s, f) = self.api("POST", "/following", Some(json!({"actor": other.app.handle(other.slug)}))).await;
        assert_eq!(s, 201, "{f}");
        assert_eq!(f["state"], "pending");
        let me = self.app.actor(self.slug);
        let request = async || {
            let (_, list) = other.api("GET", "/followers", None).await;
            list["items"].as_array().unwrap().iter().find(|i| i["actor"] == me.as_str()).cloned()
        };
        other.app.until("the follow request arrives", async || request().await.is_some()).await;
        let f = request().await.unwrap();
        assert_eq!(f["state"], "pending");
        let id = f["id"].as_i64().unwrap();
        let (s, accepted) = other.api("POST", &format!("/followers/{id}/accept"), None).await;
        assert_eq!(s, 200, "{accepted}");
        self.app
            .until("the acceptance arrives", async || {
                let (_, list) = self.api("GET", "/following", None).await;
                list["items"][0]["state"] == "accepted"
            })
            .await;
    }

    async fn network(&self, kind: &str) -> Vec<Value> {
        let (s, list) = self.api("GET", &format!("/network/{kind}"), None).await;
        assert_eq!(s, 200, "{list}");
        list["items"].as_array().unwrap().clone()
    }
}

#[tokio::test]
async fn needs_and_offers_reach_followers_anonymised_and_verified_and_follow_their_changes() {
    let (a, b, c) = (node("amal").await, node("basma").await, node("cedar").await);
    b.follow(&a).await;
    c.follow(&a).await;

    // A household need (shared with consent) and a community need.
    let (s, case) = a
        .api("POST", "/cases", Some(json!({"head_name": "مريم يوسف حداد", "phone": "0599123456",
            "national_id": "401234567", "region_code": "PS-GZA", "household_size": 5, "consent_share": true,
            "address": "شارع الجلاء"})))
        .await;
    assert_eq!(s, 201, "{case}");
    let (s, need) = a
        .api("POST", "/needs", Some(json!({"case_id": case["id"], "sector": "shelter", "item": "بطانيات",
            "quantity": 50, "unit": "piece", "urgency": "high", "public_summary": "بطانيات شتوية لأسرة نازحة",
            "visibility": "network"})))
        .await;
    assert_eq!(s, 201, "{need}");
    for follower in [&b, &c] {
        follower.app.until("the need arrives", async || !follower.network("needs").await.is_empty()).await;
        let got = &follower.network("needs").await[0];
        assert_eq!(got["proof_verified"], true, "{got}");
        assert_eq!(got["item"], "بطانيات");
        assert_eq!(got["quantity"], 50);
        assert_eq!(got["household_band"], "4-6");
        assert_eq!(got["origin"]["id"], a.app.actor("amal"));
        // Fewer than five shared needs in Gaza governorate: the region is generalised to Palestine.
        assert_eq!(got["region_code"], "PS");
        let text = got.to_string();
        for personal in ["مريم", "حداد", "0599123456", "401234567", "الجلاء"] {
            assert!(!text.contains(personal), "{personal} leaked: {text}");
        }
    }

    // Progress travels as an Update.
    let (s, updated) = a
        .api("PUT", &format!("/needs/{}", need["id"]), Some(json!({"case_id": case["id"], "sector": "shelter",
            "item": "بطانيات", "quantity": 50, "quantity_met": 20, "unit": "piece", "urgency": "high",
            "public_summary": "بطانيات شتوية لأسرة نازحة", "visibility": "network"})))
        .await;
    assert_eq!(s, 200, "{updated}");
    for follower in [&b, &c] {
        follower
            .app
            .until("the progress arrives", async || follower.network("needs").await[0]["quantity_met"] == 20)
            .await;
        let got = &follower.network("needs").await[0];
        assert_eq!((got["quantity_available"].as_i64(), got["status"].as_str()), (Some(30), Some("partly-met")));
    }

    // Made private: followers drop it.
    let (s, _) = a
        .api("PUT", &format!("/needs/{}", need["id"]), Some(json!({"case_id": case["id"], "sector": "shelter",
            "item": "بطانيات", "quantity": 50, "quantity_met": 20, "unit": "piece", "urgency": "high",
            "public_summary": "بطانيات شتوية لأسرة نازحة", "visibility": "private"})))
        .await;
    assert_eq!(s, 200);
    for follower in [&b, &c] {
        follower.app.until("the need is withdrawn", async || follower.network("needs").await.is_empty()).await;
    }
}

#[tokio::test]
async fn offers_and_distributions_reach_followers_and_a_withdrawn_offer_is_dropped() {
    let (a, b) = (node("amal").await, node("basma").await);
    b.follow(&a).await;
    let (s, item) = a
        .api("POST", "/items", Some(json!({"name_ar": "بطانية", "name_en": "Blanket", "sector": "shelter",
            "unit": "piece", "expires": false, "low_stock_threshold": 0})))
        .await;
    assert_eq!(s, 201, "{item}");
    let (s, wh) = a.api("POST", "/warehouses", Some(json!({"name": "المستودع", "region_code": "PS-GZA"}))).await;
    assert_eq!(s, 201, "{wh}");
    let (s, _) = a
        .api("POST", "/movements", Some(json!({"kind": "receipt", "item_id": item["id"], "warehouse_id": wh["id"],
            "quantity": 100, "source_kind": "donor", "counterparty": "UNHCR"})))
        .await;
    assert_eq!(s, 201);
    let until = (chrono::Utc::now().date_naive() + chrono::Duration::days(30)).to_string();
    let (s, offer) = a
        .api("POST", "/offers", Some(json!({"item_id": item["id"], "warehouse_id": wh["id"], "quantity": 40,
            "available_until": until, "visibility": "public"})))
        .await;
    assert_eq!(s, 201, "{offer}");
    b.app.until("the offer arrives", async || !b.network("offers").await.is_empty()).await;
    let got = &b.network("offers").await[0];
    assert_eq!((got["quantity"].as_i64(), got["quantity_available"].as_i64()), (Some(40), Some(40)));
    assert_eq!((got["sector"].as_str(), got["proof_verified"].as_bool()), (Some("shelter"), Some(true)));
    assert!(got["item"].as_str().unwrap().contains("Blanket"), "{got}");

    // A distribution against a shared need raises its quantity met on the follower.
    let (_, case) = a
        .api("POST", "/cases", Some(json!({"head_name": "أسرة الريان", "region_code": "PS-GZA",
            "household_size": 3, "consent_share": true})))
        .await;
    let (s, need) = a
        .api("POST", "/needs", Some(json!({"case_id": case["id"], "sector": "shelter", "item": "بطانيات",
            "quantity": 6, "unit": "piece", "urgency": "critical", "public_summary": "بطانيات للشتاء",
            "visibility": "network"})))
        .await;
    assert_eq!(s, 201, "{need}");
    b.app.until("the need arrives", async || !b.network("needs").await.is_empty()).await;
    let (s, d) = a
        .api("POST", "/distributions", Some(json!({"case_id": case["id"], "need_id": need["id"],
            "lines": [{"item_id": item["id"], "warehouse_id": wh["id"], "quantity": 4}]})))
        .await;
    assert_eq!(s, 201, "{d}");
    b.app.until("the distribution's progress arrives", async || b.network("needs").await[0]["quantity_met"] == 4).await;

    let (s, _) = a.api("POST", &format!("/offers/{}/withdraw", offer["id"]), None).await;
    assert_eq!(s, 200);
    b.app.until("the offer is withdrawn", async || b.network("offers").await.is_empty()).await;
}

#[tokio::test]
async fn a_follower_that_was_down_receives_everything_once_it_is_back() {
    let a = {
        let app = sanad_tests::spawn_app_with(|c| {
            c.federation.allow_http = true;
            c.federation.max_backoff_secs = 1;
        })
        .await;
        app.org("amal", "جمعية").await;
        app.member("admin@amal.org", "amal", Role::Admin).await;
        let admin = app.token("admin@amal.org", "amal").await;
        Node { app, slug: "amal", admin }
    };
    let mut b = node("basma").await;
    b.follow(&a).await;
    b.app.shutdown().await;
    for i in 0..5 {
        let (s, n) = a
            .api("POST", "/needs", Some(json!({"sector": "food", "item": format!("سلة غذائية {i}"), "quantity": 10,
                "unit": "basket", "urgency": "high", "region_code": "PS-GZA", "visibility": "network"})))
            .await;
        assert_eq!(s, 201, "{n}");
    }
    let down = a.app.state.clone();
    a.app
        .until("a delivery to the stopped follower failed", async || {
            sanad_node::domain::network::peers::status(&down.db).await.unwrap().iter().any(|p| p.failed > 0)
        })
        .await;
    b.app = b.app.restart().await;
    b.app.until("all five needs arrive", async || b.network("needs").await.len() == 5).await;
    let mut items: Vec<String> =
        b.network("needs").await.iter().map(|n| n["item"].as_str().unwrap().to_owned()).collect();
    items.sort();
    assert_eq!(items, (0..5).map(|i| format!("سلة غذائية {i}")).collect::<Vec<_>>());
}

#[tokio::test]
async fn summaries_that_identify_someone_are_refused_with_what_was_found() {
    let a = node("amal").await;
    let (_, case) = a
        .api("POST", "/cases", Some(json!({"head_name": "Mariam Yusuf Haddad", "phone": "0599123456",
            "region_code": "PS-GZA", "household_size": 4, "consent_share": true})))
        .await;
    for (summary, field_says) in [
        ("للتواصل: ٠٥٩٩ ١٢٣ ٤٥٦", "phone"),
        ("call +970 599 123 456", "phone"),
        ("Haddad, Mariam Yusuf needs blankets", "name"),
        ("Mar\u{200B}iam Haddad", "name"),
        ("id 401 234 567", "id"),
        ("write to mariam.h@example.org", "email"),
    ] {
        let (s, body) = a
            .api("POST", "/needs", Some(json!({"case_id": case["id"], "sector": "shelter", "item": "blankets",
                "quantity": 2, "unit": "piece", "urgency": "high", "public_summary": summary,
                "visibility": "network"})))
            .await;
        assert_eq!(s, 422, "{summary}: {body}");
        let said = a.app.state.catalogue.format(Lang::Ar, &format!("err-identifies-{field_says}"), None);
        assert_eq!(body["error"]["fields"]["public_summary"], said.as_str(), "{summary}");
    }
    // A public summary never identifies anyone, even while the need is private; the item of a private need may.
    let (s, _) = a
        .api("POST", "/needs", Some(json!({"case_id": case["id"], "sector": "shelter", "item": "blankets",
            "quantity": 2, "unit": "piece", "urgency": "high", "public_summary": "call 0599123456",
            "visibility": "private"})))
        .await;
    assert_eq!(s, 422);
    let (s, _) = a
        .api("POST", "/needs", Some(json!({"case_id": case["id"], "sector": "shelter",
            "item": "blankets for Mariam Haddad", "quantity": 2, "unit": "piece", "urgency": "high",
            "visibility": "private"})))
        .await;
    assert_eq!(s, 201);
}
