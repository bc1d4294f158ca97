//! Commitments between organisations of three real nodes (FEP-0837 `Offer{Agreement}`, `Accept`, `Reject`, and the
//! documents of dispatch, receipt and expiry): a need met through both ledgers, two commitments racing for one need,
//! an unfulfilled commitment that expires, and the refusals on both sides.

use sanad_tests::{Node, TestApp, spawn_federated};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait};
use serde_json::{Value, json};

/// A node whose organisation keeps blankets: one item, one warehouse, `stock` pieces received.
pub(crate) struct Store {
    pub(crate) node: Node,
    pub(crate) item: i64,
    pub(crate) warehouse: i64,
}

pub(crate) async fn store(slug: &'static str, name: &str, stock: i64) -> Store {
    store_on(spawn_federated().await, slug, name, stock).await
}

/// [`store`] on a node already started.
pub(crate) async fn store_on(app: TestApp, slug: &'static str, name: &str, stock: i64) -> Store {
    let node = Node::new(app, slug, name).await;
    let (s, item) = node
        .api(
            "POST",
            "/items",
            Some(json!({"name_ar": "بطانية", "name_en": "Blanket", "sector": "shelter",
            "unit": "piece"})),
        )
        .await;
    assert_eq!(s, 201, "{item}");
    let (s, warehouse) = node
        .api("POST", "/warehouses", Some(json!({"name": "المستودع", "region_code": "PS-GZA"})))
        .await;
    assert_eq!(s, 201, "{warehouse}");
    let (item, warehouse) = (item["id"].as_i64().unwrap(), warehouse["id"].as_i64().unwrap());
    if stock > 0 {
        let (s, r) = node
            .api(
                "POST",
                "/movements",
                Some(json!({"kind": "receipt", "item_id": item, "warehouse_id": warehouse,
                "quantity": stock, "source_kind": "donor", "counterparty": "UNHCR"})),
            )
            .await;
        assert_eq!(s, 201, "{r}");
    }
    Store { node, item, warehouse }
}

impl Store {
    /// Records a need (`fields` added to 50-blanket defaults) and returns its id and object id, as followers know it.
    async fn post_need(&self, fields: Value) -> (i64, String) {
        let mut body = json!({"sector": "shelter", "item": "بطانيات شتوية", "unit": "piece", "urgency": "high",
            "region_code": "PS-GZA", "public_summary": "بطانيات للأسر النازحة قبل المنخفض", "visibility": "public"});
        body.as_object_mut().unwrap().extend(fields.as_object().unwrap().clone());
        let (s, need) = self.node.api("POST", "/needs", Some(body)).await;
        assert_eq!(s, 201, "{need}");
        let id = need["id"].as_i64().unwrap();
        let row = sanad_node::infra::entities::need::Entity::find_by_id(id)
            .one(&self.node.app.state.db)
            .await
            .unwrap()
            .unwrap();
        (id, format!("{}objects/{}", self.node.app.state.network.urls.base(), row.ap_id.unwrap()))
    }

    /// A public community need of `quantity` blankets: (need, object id).
    pub(crate) async fn need(&self, quantity: i64) -> (i64, String) {
        self.post_need(json!({"quantity": quantity})).await
    }

    /// A public need of blankets of a household that agreed to share it: (need, household, object id).
    pub(crate) async fn household_need(&self, quantity: i64) -> (i64, i64, String) {
        let (s, case) = self
            .node
            .api(
                "POST",
                "/cases",
                Some(json!({"head_name": "سعاد الخطيب", "region_code": "PS-GZA",
                "household_size": 6, "consent_share": true})),
            )
            .await;
        assert_eq!(s, 201, "{case}");
        let case = case["id"].as_i64().unwrap();
        let (id, object) = self.post_need(json!({"case_id": case, "quantity": quantity})).await;
        (id, case, object)
    }

    pub(crate) async fn get_need(&self, id: i64) -> Value {
        let (s, need) = self.node.api("GET", &format!("/needs/{id}"), None).await;
        assert_eq!(s, 200, "{need}");
        need
    }

    /// The listing `object` as this organisation receives it, once it matches `check`.
    pub(crate) async fn sees(
        &self,
        what: &str,
        object: &str,
        check: impl Fn(&Value) -> bool,
    ) -> Value {
        let found = async || {
            self.node.network("needs").await.into_iter().find(|l| l["id"] == object && check(l))
        };
        self.node.app.until(what, async || found().await.is_some()).await;
        found().await.unwrap()
    }

    async fn commit(&self, listing: &str, quantity: i64) -> (reqwest::StatusCode, Value) {
        self.node
            .api(
                "POST",
                "/commitments",
                Some(json!({"listing": listing, "quantity": quantity,
                "item_id": self.item, "warehouse_id": self.warehouse})),
            )
            .await
    }

    async fn commitments(&self) -> Vec<Value> {
        let (s, list) = self.node.api("GET", "/commitments", None).await;
        assert_eq!(s, 200, "{list}");
        list["items"].as_array().unwrap().clone()
    }

    /// The one commitment with the other organisation `actor`, once it has `status`.
    async fn commitment_with(&self, actor: &str, status: &str) -> Value {
        let found = async || {
            self.commitments()
                .await
                .into_iter()
                .find(|c| c["counterpart"]["id"] == actor && c["status"] == status)
        };
        self.node
            .app
            .until(&format!("a commitment {status}"), async || found().await.is_some())
            .await;
        let id = found().await.unwrap()["id"].as_i64().unwrap();
        let (s, c) = self.node.api("GET", &format!("/commitments/{id}"), None).await;
        assert_eq!(s, 200, "{c}");
        c
    }

    async fn act(
        &self,
        id: &Value,
        action: &str,
        body: Option<Value>,
    ) -> (reqwest::StatusCode, Value) {
        let body = body.or_else(|| (action == "reject").then(|| json!({})));
        self.node.api("POST", &format!("/commitments/{id}/{action}"), body).await
    }

    /// (on hand, reserved) of the blankets.
    pub(crate) async fn stock(&self) -> (i64, i64) {
        let (s, rows) = self.node.api("GET", "/stock", None).await;
        assert_eq!(s, 200, "{rows}");
        rows.as_array()
            .unwrap()
            .iter()
            .find(|r| r["item_id"] == self.item && r["warehouse_id"] == self.warehouse)
            .map_or((0, 0), |r| (r["on_hand"].as_i64().unwrap(), r["reserved"].as_i64().unwrap()))
    }

    /// The movements of the blanket's stock card, newest first.
    pub(crate) async fn card(&self) -> Vec<Value> {
        let (s, card) = self.node.api("GET", &format!("/items/{}/card", self.item), None).await;
        assert_eq!(s, 200, "{card}");
        card["lines"].as_array().unwrap().iter().map(|l| l["movement"].clone()).collect()
    }

    pub(crate) fn actor(&self) -> String {
        self.node.app.actor(self.node.slug)
    }
}

fn kinds(c: &Value) -> Vec<String> {
    c["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap().to_owned())
        .collect()
}

/// A owns a 50-blanket need; B and C follow A.
pub(crate) async fn three() -> (Store, Store, Store) {
    let a = store("amal", "جمعية الأمل", 0).await;
    let b = store("basma", "جمعية البسمة", 100).await;
    let c = store("nour", "جمعية النور", 100).await;
    b.node.follow(&a.node).await;
    c.node.follow(&a.node).await;
    (a, b, c)
}

#[tokio::test]
async fn b_commits_twenty_blankets_a_accepts_b_sends_a_confirms_and_every_node_sees_twenty_met() {
    let (a, b, c) = three().await;
    let (need, object) = a.need(50).await;
    b.sees("the need reaches B", &object, |_| true).await;

    // More than is missing, or than B has free, is refused on B with the field named.
    let (s, refused) = b.commit(&object, 60).await;
    assert_eq!(s, 422, "{refused}");
    assert!(refused["error"]["fields"]["quantity"].is_string(), "{refused}");
    let (s, refused) = b.commit("https://elsewhere.example/objects/nothing", 5).await;
    assert_eq!(s, 422, "{refused}");
    assert!(refused["error"]["fields"]["listing"].is_string(), "{refused}");

    let (s, mine) = b.commit(&object, 20).await;
    assert_eq!(s, 201, "{mine}");
    assert_eq!(mine["status"], "proposed");
    assert_eq!(mine["provider"], true);
    // Held back at once: B cannot hand those 20 to anyone else meanwhile.
    assert_eq!(b.stock().await, (100, 20));

    let theirs = a.commitment_with(&b.actor(), "proposed").await;
    assert_eq!(theirs["quantity"], 20);
    assert_eq!(theirs["need_id"], need);
    assert_eq!(theirs["provider"], false);
    // A cannot confirm what was never sent, and B cannot answer its own commitment.
    let (s, e) = a
        .act(
            &theirs["id"],
            "confirm",
            Some(json!({"item_id": a.item, "warehouse_id": a.warehouse})),
        )
        .await;
    assert_eq!(s, 409, "{e}");
    let (s, e) = b.act(&mine["id"], "accept", None).await;
    assert_eq!(s, 409, "{e}");

    let (s, accepted) = a.act(&theirs["id"], "accept", None).await;
    assert_eq!(s, 200, "{accepted}");
    assert_eq!(accepted["status"], "accepted");
    assert!(
        accepted["agreement"]
            .as_str()
            .unwrap()
            .starts_with(a.node.app.state.network.urls.base().as_str())
    );
    // Accepting twice changes nothing.
    let (s, again) = a.act(&theirs["id"], "accept", None).await;
    assert_eq!(s, 409, "{again}");
    let n = a.get_need(need).await;
    assert_eq!((n["quantity_met"].as_i64(), n["quantity_committed"].as_i64()), (Some(0), Some(20)));

    // Every follower sees 20 committed, 30 still missing.
    for node in [&b, &c] {
        node.sees("the commitment shows on the need", &object, |l| {
            l["quantity_committed"] == 20 && l["quantity_available"] == 30
        })
        .await;
    }
    let mine = b.commitment_with(&a.actor(), "accepted").await;
    assert_eq!(mine["agreement"], accepted["agreement"]);

    // B records the transfer out: its stock is 20 lower, the movement names A.
    let (s, sent) = b.act(&mine["id"], "send", None).await;
    assert_eq!(s, 200, "{sent}");
    assert_eq!(b.stock().await, (80, 0));
    let out = &b.card().await[0];
    assert_eq!(out["kind"], "transfer-out");
    assert_eq!(out["quantity"], -20);
    assert_eq!(out["counterparty"], "amal (en)");
    let (s, e) = b.act(&mine["id"], "send", None).await;
    assert_eq!(s, 409, "sent twice: {e}");

    // A confirms receipt: its stock is 20 higher, the movement names B, the need is 20 met.
    let theirs = a.commitment_with(&b.actor(), "sent").await;
    let (s, received) = a
        .act(
            &theirs["id"],
            "confirm",
            Some(json!({"item_id": a.item, "warehouse_id": a.warehouse})),
        )
        .await;
    assert_eq!(s, 200, "{received}");
    assert_eq!(a.stock().await, (20, 0));
    let inbound = &a.card().await[0];
    assert_eq!(inbound["kind"], "transfer-in");
    assert_eq!(inbound["counterparty"], "basma (en)");
    let n = a.get_need(need).await;
    assert_eq!((n["quantity_met"].as_i64(), n["quantity_committed"].as_i64()), (Some(20), Some(0)));
    for node in [&b, &c] {
        node.sees("20 met everywhere", &object, |l| {
            l["quantity_met"] == 20 && l["quantity_committed"] == 0 && l["quantity_available"] == 30
        })
        .await;
    }

    // The full history on both sides.
    let mine = b.commitment_with(&a.actor(), "received").await;
    let theirs = a.commitment_with(&b.actor(), "received").await;
    for history in [kinds(&mine), kinds(&theirs)] {
        assert_eq!(history, ["proposed", "accepted", "sent", "received"]);
    }
    assert_eq!(mine["transfer_out_id"], out["id"]);
    assert_eq!(theirs["transfer_in_id"], inbound["id"]);
}

#[tokio::test]
async fn two_commitments_of_thirty_to_a_fifty_need_accepted_at_once_never_over_commit_it() {
    let (a, b, c) = three().await;
    let (need, object) = a.need(50).await;
    for node in [&b, &c] {
        node.sees("the need arrives", &object, |_| true).await;
        let (s, made) = node.commit(&object, 30).await;
        assert_eq!(s, 201, "{made}");
    }
    let from_b = a.commitment_with(&b.actor(), "proposed").await;
    let from_c = a.commitment_with(&c.actor(), "proposed").await;
    let (first, second) =
        tokio::join!(a.act(&from_b["id"], "accept", None), a.act(&from_c["id"], "accept", None));
    let mut statuses = [first.0.as_u16(), second.0.as_u16()];
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 409], "{first:?} {second:?}");
    let refused = if first.0 == 409 { &first.1 } else { &second.1 };
    assert_eq!(refused["error"]["code"], "conflict", "{refused}");
    let n = a.get_need(need).await;
    assert_eq!(n["quantity_committed"], 30, "{n}");

    // The one refused can be rejected with a reason, which its organisation reads.
    let loser = if first.0 == 409 { &from_b } else { &from_c };
    let (s, rejected) = a
        .act(&loser["id"], "reject", Some(json!({"reason": "تم الالتزام بمعظم الكمية؛ يكفي 20"})))
        .await;
    assert_eq!(s, 200, "{rejected}");
    let (loser_node, winner_node) = if first.0 == 409 { (&b, &c) } else { (&c, &b) };
    let seen = loser_node.commitment_with(&a.actor(), "rejected").await;
    assert_eq!(seen["reason"], "تم الالتزام بمعظم الكمية؛ يكفي 20");
    assert_eq!(loser_node.stock().await, (100, 0), "the rejected commitment holds nothing");
    winner_node.commitment_with(&a.actor(), "accepted").await;
    assert_eq!(winner_node.stock().await, (100, 30));
    for node in [&b, &c] {
        node.sees("30 committed everywhere", &object, |l| {
            l["quantity_committed"] == 30 && l["quantity_available"] == 20
        })
        .await;
    }
    // Now only 20 remain: 30 more is refused at once on the committing side.
    let (s, e) = loser_node.commit(&object, 30).await;
    assert_eq!(s, 422, "{e}");
}

#[tokio::test]
async fn an_unfulfilled_commitment_expires_and_the_quantity_is_open_again_everywhere() {
    let (a, b, c) = three().await;
    let (need, object) = a.need(50).await;
    b.sees("the need arrives", &object, |_| true).await;
    let (s, _) = b.commit(&object, 20).await;
    assert_eq!(s, 201);
    let theirs = a.commitment_with(&b.actor(), "proposed").await;
    let (s, _) = a.act(&theirs["id"], "accept", None).await;
    assert_eq!(s, 200);
    b.commitment_with(&a.actor(), "accepted").await;
    c.sees("20 committed on C", &object, |l| l["quantity_available"] == 30).await;

    // While it holds 20, the need can neither be cancelled nor shrunk below met + committed.
    let n = a.get_need(need).await;
    let mut cancelled = n.clone();
    cancelled["cancelled"] = json!(true);
    let (s, e) = a.node.api("PUT", &format!("/needs/{need}"), Some(cancelled)).await;
    assert_eq!(s, 422, "{e}");
    assert!(e["error"]["fields"]["cancelled"].is_string(), "{e}");
    let mut smaller = n.clone();
    smaller["quantity"] = json!(10);
    let (s, e) = a.node.api("PUT", &format!("/needs/{need}"), Some(smaller)).await;
    assert_eq!(s, 422, "{e}");
    assert!(e["error"]["fields"]["quantity"].is_string(), "{e}");

    // Its due date passes unfulfilled (the sweeper runs with an explicit date: no waiting).
    let today = chrono::Utc::now().date_naive();
    // On B, the committing side: past its date it can no longer be sent, and B's sweeper leaves an agreed
    // commitment to A (the owner decides).
    let mine = b.commitment_with(&a.actor(), "accepted").await;
    let row =
        sanad_node::infra::entities::commitment::Entity::find_by_id(mine["id"].as_i64().unwrap())
            .one(&b.node.app.state.db)
            .await
            .unwrap()
            .unwrap();
    let mut row: sanad_node::infra::entities::commitment::ActiveModel = row.into();
    row.due = Set(today - chrono::Duration::days(1));
    row.update(&b.node.app.state.db).await.unwrap();
    let (s, e) = b.act(&mine["id"], "send", None).await;
    assert_eq!(s, 409, "overdue: {e}");
    assert_eq!(sanad_node::app::expiry::sweep(&b.node.app.state, today).await.unwrap(), 0);
    let row =
        sanad_node::infra::entities::commitment::Entity::find_by_id(theirs["id"].as_i64().unwrap())
            .one(&a.node.app.state.db)
            .await
            .unwrap()
            .unwrap();
    let mut row: sanad_node::infra::entities::commitment::ActiveModel = row.into();
    row.due = Set(today - chrono::Duration::days(1));
    row.update(&a.node.app.state.db).await.unwrap();
    assert_eq!(sanad_node::app::expiry::sweep(&a.node.app.state, today).await.unwrap(), 1);
    assert_eq!(sanad_node::app::expiry::sweep(&a.node.app.state, today).await.unwrap(), 0, "once");

    let n = a.get_need(need).await;
    assert_eq!(n["quantity_committed"], 0, "{n}");
    let mine = b.commitment_with(&a.actor(), "expired").await;
    assert_eq!(kinds(&mine), ["proposed", "accepted", "expired"]);
    assert_eq!(b.stock().await, (100, 0), "B's reservation is freed");
    let (s, e) = b.act(&mine["id"], "send", None).await;
    assert_eq!(s, 409, "an expired commitment is not sent: {e}");
    for node in [&b, &c] {
        node.sees("the quantity is open again", &object, |l| {
            l["quantity_committed"] == 0 && l["quantity_available"] == 50
        })
        .await;
    }
}

#[tokio::test]
async fn commitments_to_a_need_met_meanwhile_or_from_an_organisation_not_following_are_refused() {
    let (a, b, c) = three().await;
    let (need, object) = a.need(50).await;
    b.sees("the need arrives", &object, |_| true).await;
    c.sees("the need arrives", &object, |_| true).await;

    // Met on A without B hearing of it yet (written directly): B's commitment is refused by A, with the reason.
    let row = sanad_node::infra::entities::need::Entity::find_by_id(need)
        .one(&a.node.app.state.db)
        .await
        .unwrap()
        .unwrap();
    let mut met: sanad_node::infra::entities::need::ActiveModel = row.into();
    met.quantity_met = Set(50);
    met.status = Set(sanad_node::vocab::NeedStatus::Met);
    met.update(&a.node.app.state.db).await.unwrap();
    let (s, made) = b.commit(&object, 10).await;
    assert_eq!(s, 201, "{made}");
    let seen = b.commitment_with(&a.actor(), "rejected").await;
    assert!(seen["reason"].as_str().unwrap().contains("no longer open"), "{seen}");
    assert_eq!(b.stock().await, (100, 0));
    let theirs = a.commitment_with(&b.actor(), "rejected").await;
    assert_eq!(kinds(&theirs), ["proposed", "rejected"]);

    // C stops following A: it can no longer commit to A's listings.
    let (_, following) = c.node.api("GET", "/following", None).await;
    let id = following["items"][0]["id"].as_i64().unwrap();
    let s = reqwest::Client::new()
        .delete(c.node.app.url(&format!("/api/v1/orgs/nour/following/{id}")))
        .bearer_auth(&c.node.admin)
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(s, 204);
    let (s, e) = c.commit(&object, 10).await;
    assert!(s == 409 || s == 422, "{s}: {e}");
    assert!(c.commitments().await.is_empty());
}

#[tokio::test]
async fn a_charity_asks_for_part_of_a_remote_offer_and_the_offering_side_accepts_sends_and_is_confirmed()
 {
    let a = store("amal", "جمعية الأمل", 0).await;
    let b = store("basma", "جمعية البسمة", 100).await;
    a.node.follow(&b.node).await;
    let until = (chrono::Utc::now().date_naive() + chrono::Duration::days(30)).to_string();
    let (s, offer) = b
        .node
        .api(
            "POST",
            "/offers",
            Some(json!({"item_id": b.item, "warehouse_id": b.warehouse, "quantity": 50,
            "available_until": until, "visibility": "public"})),
        )
        .await;
    assert_eq!(s, 201, "{offer}");
    let listing = async || a.node.network("offers").await.into_iter().next();
    a.node.app.until("B's offer reaches A", async || listing().await.is_some()).await;
    let object = listing().await.unwrap()["id"].as_str().unwrap().to_owned();

    // A asks for 10: no stock of A's is involved, B provides.
    let (s, asked) =
        a.node.api("POST", "/commitments", Some(json!({"listing": object, "quantity": 10}))).await;
    assert_eq!(s, 201, "{asked}");
    assert_eq!(asked["provider"], false);
    let theirs = b.commitment_with(&a.actor(), "proposed").await;
    assert_eq!(
        (theirs["listing_kind"].as_str(), theirs["provider"].as_bool()),
        (Some("offer"), Some(true))
    );
    let (s, accepted) = b.act(&theirs["id"], "accept", None).await;
    assert_eq!(s, 200, "{accepted}");
    // The offer hands 10 of its reservation to the commitment: still 50 held, 40 of them offered.
    assert_eq!(b.stock().await, (100, 50));
    a.node
        .app
        .until("the offer shows 40 on A", async || {
            listing().await.is_some_and(|l| l["quantity_available"] == 40)
        })
        .await;
    a.commitment_with(&b.actor(), "accepted").await;
    let (s, sent) = b.act(&theirs["id"], "send", None).await;
    assert_eq!(s, 200, "{sent}");
    assert_eq!(b.stock().await, (90, 40));
    assert_eq!(b.card().await[0]["counterparty"], "amal (en)");
    let mine = a.commitment_with(&b.actor(), "sent").await;
    let (s, e) = a.act(&mine["id"], "confirm", Some(json!({"item_id": a.item}))).await;
    assert_eq!(s, 422, "the warehouse is named: {e}");
    assert!(e["error"]["fields"]["warehouse_id"].is_string(), "{e}");
    let (s, done) = a
        .act(&mine["id"], "confirm", Some(json!({"item_id": a.item, "warehouse_id": a.warehouse})))
        .await;
    assert_eq!(s, 200, "{done}");
    assert_eq!(a.stock().await, (10, 0));
    assert_eq!(a.card().await[0]["counterparty"], "basma (en)");
    b.commitment_with(&a.actor(), "received").await;
}

#[tokio::test]
async fn a_commitment_to_an_organisation_whose_node_blocks_the_committing_node_is_refused_on_both_sides()
 {
    let (a, b, _c) = three().await;
    let (_, object) = a.need(50).await;
    b.sees("the need arrives", &object, |_| true).await;
    // A's operator blocks B's node; B still holds A's listing.
    let b_host = url::Url::parse(&b.node.app.state.config.public_url).unwrap();
    let b_host = format!("{}:{}", b_host.host_str().unwrap(), b_host.port().unwrap());
    use sanad_node::{domain::network::peers, vocab::PeerPolicy};
    a.node
        .app
        .state
        .write(async |uow| peers::set_policy(uow, &b_host, PeerPolicy::Blocked).await)
        .await
        .unwrap();
    let (s, made) = b.commit(&object, 20).await;
    assert_eq!(s, 201, "{made}");
    // A's inbox refuses it (403), nothing is stored on A, and B's commitment is refused with the reason, its stock
    // no longer held.
    let seen = b.commitment_with(&a.actor(), "rejected").await;
    assert!(seen["reason"].as_str().unwrap().contains("refused"), "{seen}");
    assert_eq!(kinds(&seen), ["proposed", "rejected"]);
    assert_eq!(b.stock().await, (100, 0));
    assert!(a.commitments().await.is_empty());
    // And B, blocking A in turn, cannot commit to A's listings at all.
    let a_host = url::Url::parse(&a.node.app.state.config.public_url).unwrap();
    let a_host = format!("{}:{}", a_host.host_str().unwrap(), a_host.port().unwrap());
    b.node
        .app
        .state
        .write(async |uow| peers::set_policy(uow, &a_host, PeerPolicy::Blocked).await)
        .await
        .unwrap();
    let (s, e) = b.commit(&object, 5).await;
    assert!(s == 409 || s == 422, "{s}: {e}");
}

#[tokio::test]
async fn a_commitment_withdrawn_before_or_after_it_was_accepted_frees_its_quantity_on_both_sides() {
    let (a, b, c) = three().await;
    let (need, object) = a.need(50).await;
    b.sees("the need arrives", &object, |_| true).await;

    // Withdrawn while unanswered: an `Undo` of the `Offer`.
    let (s, first) = b.commit(&object, 10).await;
    assert_eq!(s, 201, "{first}");
    a.commitment_with(&b.actor(), "proposed").await;
    let (s, withdrawn) = b.act(&first["id"], "cancel", None).await;
    assert_eq!(s, 200, "{withdrawn}");
    assert_eq!(b.stock().await, (100, 0));
    let theirs = a.commitment_with(&b.actor(), "cancelled").await;
    assert_eq!(kinds(&theirs), ["proposed", "cancelled"]);
    let (s, e) = a.act(&theirs["id"], "accept", None).await;
    assert_eq!(s, 409, "a withdrawn commitment cannot be accepted: {e}");

    // Withdrawn once agreed: a cancellation document; A's need and every follower see the 20 open again.
    let (s, second) = b.commit(&object, 20).await;
    assert_eq!(s, 201, "{second}");
    let theirs = a.commitment_with(&b.actor(), "proposed").await;
    let (s, _) = a.act(&theirs["id"], "accept", None).await;
    assert_eq!(s, 200);
    b.commitment_with(&a.actor(), "accepted").await;
    c.sees("20 committed", &object, |l| l["quantity_committed"] == 20).await;
    // Only the organisation that made it withdraws it.
    let (s, e) = a.act(&theirs["id"], "cancel", None).await;
    assert_eq!(s, 409, "{e}");
    let (s, _) = b.act(&second["id"], "cancel", None).await;
    assert_eq!(s, 200);
    assert_eq!(b.stock().await, (100, 0));
    // (The first commitment is cancelled too: wait for this one.)
    let path = format!("/commitments/{}", theirs["id"]);
    a.node
        .app
        .until("the withdrawal reaches A", async || {
            a.node.api("GET", &path, None).await.1["status"] == "cancelled"
        })
        .await;
    assert_eq!(a.get_need(need).await["quantity_committed"], 0);
    c.sees("open again", &object, |l| {
        l["quantity_committed"] == 0 && l["quantity_available"] == 50
    })
    .await;
}
