//! Federation between real nodes on 127.0.0.1: follows, anonymised listings with verified proofs, updates and
//! deletes, a follower that is down for a while, and the inbox's refusals.

use reqwest::StatusCode;
use sanad_node::domain::tenancy::Role;
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
