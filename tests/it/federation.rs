//! Federation between real nodes on 127.0.0.1: follows, anonymised listings with verified proofs, updates and
//! deletes, a follower that is down for a while, and the inbox's refusals.

use sanad_node::{domain::tenancy::Role, i18n::Lang};
use sanad_tests::{Node, spawn_federated};
use serde_json::{Value, json};

async fn node(slug: &'static str) -> Node {
    Node::new(spawn_federated().await, slug, "جمعية").await
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
        follower
            .app
            .until("the need arrives", async || !follower.network("needs").await.is_empty())
            .await;
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
            .until("the progress arrives", async || {
                follower.network("needs").await[0]["quantity_met"] == 20
            })
            .await;
        let got = &follower.network("needs").await[0];
        assert_eq!(
            (got["quantity_available"].as_i64(), got["status"].as_str()),
            (Some(30), Some("partly-met"))
        );
    }

    // Made private: followers drop it.
    let (s, _) = a
        .api("PUT", &format!("/needs/{}", need["id"]), Some(json!({"case_id": case["id"], "sector": "shelter",
            "item": "بطانيات", "quantity": 50, "quantity_met": 20, "unit": "piece", "urgency": "high",
            "public_summary": "بطانيات شتوية لأسرة نازحة", "visibility": "private"})))
        .await;
    assert_eq!(s, 200);
    for follower in [&b, &c] {
        follower
            .app
            .until("the need is withdrawn", async || follower.network("needs").await.is_empty())
            .await;
    }

    // Shared again, it comes back (under a new id: receivers keep a tombstone of the old one).
    let (s, _) = a
        .api("PUT", &format!("/needs/{}", need["id"]), Some(json!({"case_id": case["id"], "sector": "shelter",
            "item": "بطانيات", "quantity": 50, "quantity_met": 20, "unit": "piece", "urgency": "high",
            "public_summary": "بطانيات شتوية لأسرة نازحة", "visibility": "network"})))
        .await;
    assert_eq!(s, 200);
    for follower in [&b, &c] {
        follower
            .app
            .until("the need is shared again", async || follower.network("needs").await.len() == 1)
            .await;
    }
}

#[tokio::test]
async fn offers_and_distributions_reach_followers_and_a_withdrawn_offer_is_dropped() {
    let (a, b) = (node("amal").await, node("basma").await);
    b.follow(&a).await;
    let (s, item) = a
        .api(
            "POST",
            "/items",
            Some(json!({"name_ar": "بطانية", "name_en": "Blanket", "sector": "shelter",
            "unit": "piece", "expires": false, "low_stock_threshold": 0})),
        )
        .await;
    assert_eq!(s, 201, "{item}");
    let (s, wh) = a
        .api("POST", "/warehouses", Some(json!({"name": "المستودع", "region_code": "PS-GZA"})))
        .await;
    assert_eq!(s, 201, "{wh}");
    let (s, _) = a
        .api(
            "POST",
            "/movements",
            Some(json!({"kind": "receipt", "item_id": item["id"], "warehouse_id": wh["id"],
            "quantity": 100, "source_kind": "donor", "counterparty": "UNHCR"})),
        )
        .await;
    assert_eq!(s, 201);
    let until = (chrono::Utc::now().date_naive() + chrono::Duration::days(30)).to_string();
    let (s, offer) = a
        .api(
            "POST",
            "/offers",
            Some(json!({"item_id": item["id"], "warehouse_id": wh["id"], "quantity": 40,
            "available_until": until, "visibility": "public"})),
        )
        .await;
    assert_eq!(s, 201, "{offer}");
    b.app.until("the offer arrives", async || !b.network("offers").await.is_empty()).await;
    let got = &b.network("offers").await[0];
    assert_eq!(
        (got["quantity"].as_i64(), got["quantity_available"].as_i64()),
        (Some(40), Some(40))
    );
    assert_eq!(
        (got["sector"].as_str(), got["proof_verified"].as_bool()),
        (Some("shelter"), Some(true))
    );
    assert!(got["item"].as_str().unwrap().contains("Blanket"), "{got}");

    // A distribution against a shared need raises its quantity met on the follower.
    let (_, case) = a
        .api(
            "POST",
            "/cases",
            Some(json!({"head_name": "أسرة الريان", "region_code": "PS-GZA",
            "household_size": 3, "consent_share": true})),
        )
        .await;
    let (s, need) = a
        .api("POST", "/needs", Some(json!({"case_id": case["id"], "sector": "shelter", "item": "بطانيات",
            "quantity": 6, "unit": "piece", "urgency": "critical", "public_summary": "بطانيات للشتاء",
            "visibility": "network"})))
        .await;
    assert_eq!(s, 201, "{need}");
    b.app.until("the need arrives", async || !b.network("needs").await.is_empty()).await;
    let (s, d) = a
        .api(
            "POST",
            "/distributions",
            Some(json!({"case_id": case["id"], "need_id": need["id"],
            "lines": [{"item_id": item["id"], "warehouse_id": wh["id"], "quantity": 4}]})),
        )
        .await;
    assert_eq!(s, 201, "{d}");
    b.app
        .until("the distribution's progress arrives", async || {
            b.network("needs").await[0]["quantity_met"] == 4
        })
        .await;

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
            sanad_node::domain::network::peers::status(&down.db)
                .await
                .unwrap()
                .iter()
                .any(|p| p.failed > 0)
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
        .api(
            "POST",
            "/cases",
            Some(json!({"head_name": "Mariam Yusuf Haddad", "phone": "0599123456",
            "region_code": "PS-GZA", "household_size": 4, "consent_share": true})),
        )
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
            .api(
                "POST",
                "/needs",
                Some(json!({"case_id": case["id"], "sector": "shelter", "item": "blankets",
                "quantity": 2, "unit": "piece", "urgency": "high", "public_summary": summary,
                "visibility": "network"})),
            )
            .await;
        assert_eq!(s, 422, "{summary}: {body}");
        let said =
            a.app.state.catalogue.format(Lang::Ar, &format!("err-identifies-{field_says}"), None);
        assert_eq!(body["error"]["fields"]["public_summary"], said.as_str(), "{summary}");
    }
    // A public summary never identifies anyone, even while the need is private; the item of a private need may.
    let (s, _) = a
        .api(
            "POST",
            "/needs",
            Some(json!({"case_id": case["id"], "sector": "shelter", "item": "blankets",
            "quantity": 2, "unit": "piece", "urgency": "high", "public_summary": "call 0599123456",
            "visibility": "private"})),
        )
        .await;
    assert_eq!(s, 422);
    let (s, _) = a
        .api(
            "POST",
            "/needs",
            Some(json!({"case_id": case["id"], "sector": "shelter",
            "item": "blankets for Mariam Haddad", "quantity": 2, "unit": "piece", "urgency": "high",
            "visibility": "private"})),
        )
        .await;
    assert_eq!(s, 201);
}

/// A deterministic generator (splitmix64), so that a failure can be replayed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn pick<'a>(&mut self, from: &[&'a str]) -> &'a str {
        from[(self.next() % from.len() as u64) as usize]
    }

    fn digits(&mut self, n: usize) -> String {
        (0..n).map(|_| char::from(b'0' + (self.next() % 10) as u8)).collect()
    }
}

const GIVEN: &[&str] = &[
    "مريم",
    "أحمد",
    "خالد",
    "فاطمة",
    "يوسف",
    "سلمى",
    "Omar",
    "Layla",
    "Hassan",
    "Nour",
    "Rami",
    "Huda",
];
const FAMILY: &[&str] = &[
    "حداد",
    "الريان",
    "أبو شعبان",
    "النجار",
    "Khalil",
    "Saleh",
    "Darwish",
    "Odeh",
    "Mansour",
    "Barghouti",
];
const PHRASES: &[&str] = &[
    "بطانيات شتوية",
    "طرود غذائية",
    "حليب أطفال",
    "خيمة عائلية",
    "winter blankets",
    "hygiene kits",
    "insulin for a diabetic elder",
    "school bags",
    "مستلزمات نظافة",
    "fuel for heating",
    "3 سلال",
    "needed before 2026-12-20",
];

/// How a personal value is slipped into a summary, as a careless caseworker might.
fn leak(rng: &mut Rng, name: &str, phone: &str, id: &str) -> String {
    let spaced = |s: &str| {
        s.chars()
            .collect::<Vec<_>>()
            .chunks(3)
            .map(|c| c.iter().collect::<String>())
            .collect::<Vec<_>>()
            .join(" ")
    };
    let arabic = |s: &str| {
        s.chars()
            .map(|c| c.to_digit(10).map_or(c, |d| char::from_u32(0x0660 + d).unwrap_or(c)))
            .collect::<String>()
    };
    match rng.next() % 6 {
        0 => format!("للتواصل {}", arabic(phone)),
        1 => format!("call +970 {}", spaced(&phone[1..])),
        2 => format!("id {}", spaced(id)),
        3 => format!("for {name}"),
        4 => format!("{} family", name.split(' ').rev().collect::<Vec<_>>().join(", ")),
        _ => format!("contact {}", phone.replace("059", "059-")),
    }
}

#[tokio::test]
async fn no_personal_value_of_thousands_of_generated_households_leaves_the_node() {
    use sanad_node::domain::{
        cases::{self, CaseFields},
        error::{AppError, Input},
        needs::{self, NeedFields},
    };
    use sanad_node::infra::entities::outbox;
    use sanad_node::vocab::{Sector, Urgency, Visibility};
    use sea_orm::EntityTrait;

    let a = node("amal").await;
    let user = sanad_node::domain::accounts::find_user(&a.app.state.db, "admin@amal.org")
        .await
        .unwrap()
        .unwrap();
    let scope = sanad_node::domain::tenancy::OrgScope::for_user(&a.app.state.db, &user, "amal")
        .await
        .unwrap();
    let mut rng = Rng(0x5a4a_d000_2026_1123);
    let households: Vec<CaseFields> = (0..1000)
        .map(|_| CaseFields {
            head_name: format!("{} {} {}", rng.pick(GIVEN), rng.pick(GIVEN), rng.pick(FAMILY)),
            national_id: format!("4{}", rng.digits(8)),
            phone: format!("059{}", rng.digits(7)),
            address: format!("شارع {} {}", rng.pick(FAMILY), rng.digits(2)),
            region_code: rng.pick(&["PS-GZA", "PS-KYS", "PS-RFH", "PS-DEB", "PS-NGZ"]).to_owned(),
            household_size: Some((rng.next() % 11 + 1) as i64),
            consent_share: true,
            ..Default::default()
        })
        .collect();
    let made = a
        .app
        .state
        .write(async |uow| {
            let mut made = Vec::new();
            for h in &households {
                made.push(cases::create(uow, &scope, Input::new(h.clone())).await?);
            }
            Ok(made)
        })
        .await
        .unwrap();
    let (mut refused, mut shared) = (0, 0);
    a.app
        .state
        .write(async |uow| {
            for (h, case) in households.iter().zip(&made) {
                let careless = rng.next().is_multiple_of(3);
                let summary = if careless {
                    leak(&mut rng, &h.head_name, &h.phone, &h.national_id)
                } else {
                    format!("{} · {}", rng.pick(PHRASES), rng.pick(PHRASES))
                };
                let fields = NeedFields {
                    case_id: Some(case.id),
                    sector: Some(Sector::Shelter),
                    item: rng.pick(PHRASES).to_owned(),
                    quantity: Some((rng.next() % 40 + 1) as i64),
                    unit: "piece".into(),
                    urgency: Some(Urgency::High),
                    public_summary: summary,
                    visibility: if rng.next().is_multiple_of(2) {
                        Visibility::Network
                    } else {
                        Visibility::Public
                    },
                    ..Default::default()
                };
                match needs::create(uow, &scope, Input::new(fields)).await {
                    Ok(_) => shared += 1,
                    Err(AppError::Validation(_)) if careless => refused += 1,
                    Err(e) => panic!("a clean summary was refused: {e:?}"),
                }
            }
            Ok(())
        })
        .await
        .unwrap();
    assert!(refused > 250 && shared > 500, "refused {refused}, shared {shared}");
    let payloads: Vec<String> = outbox::Entity::find()
        .all(&a.app.state.db)
        .await
        .unwrap()
        .into_iter()
        .map(|o| o.payload)
        .collect();
    assert_eq!(payloads.len(), shared, "one Create per shared need");
    let everything = payloads.join("\n");
    for h in &households {
        for personal in [&h.head_name, &h.phone, &h.national_id, &h.address] {
            assert!(!everything.contains(personal.as_str()), "{personal} left the node");
        }
    }
    // Nothing of a case either: no case id, no database id of the need.
    for payload in &payloads {
        let v: Value = serde_json::from_str(payload).unwrap();
        let object = v["object"].as_object().unwrap();
        for key in object.keys() {
            assert!(
                !["caseId", "case_id", "householdSize", "address", "phone", "nationalId", "notes"]
                    .contains(&key.as_str()),
                "{key}"
            );
        }
    }
}

#[tokio::test]
async fn a_household_renamed_so_that_a_shared_summary_names_it_withdraws_that_need() {
    let (a, b) = (node("amal").await, node("basma").await);
    b.follow(&a).await;
    let (_, case) = a
        .api(
            "POST",
            "/cases",
            Some(json!({"head_name": "أسرة أخرى", "region_code": "PS-GZA",
            "household_size": 2, "consent_share": true})),
        )
        .await;
    let (s, need) = a
        .api("POST", "/needs", Some(json!({"sector": "food", "item": "طرود", "quantity": 3, "unit": "parcel",
            "urgency": "high", "region_code": "PS-GZA", "public_summary": "طرود لعائلة سلمى عودة في الحي",
            "visibility": "network"})))
        .await;
    assert_eq!(s, 201, "{need}");
    b.app.until("the need arrives", async || b.network("needs").await.len() == 1).await;
    // The household is registered under the name the summary happens to carry.
    let (s, renamed) = a
        .api(
            "PUT",
            &format!("/cases/{}", case["id"]),
            Some(json!({"head_name": "سلمى عودة", "region_code": "PS-GZA",
            "household_size": 2, "consent_share": true})),
        )
        .await;
    assert_eq!(s, 200, "{renamed}");
    b.app.until("the need is withdrawn", async || b.network("needs").await.is_empty()).await;
    let (_, now) = a.api("GET", &format!("/needs/{}", need["id"]), None).await;
    assert_eq!(now["visibility"], "private", "{now}");
}

#[tokio::test]
async fn after_a_key_rotation_followers_verify_listings_with_the_new_key() {
    use sanad_node::domain::network::keys;
    let (a, b) = (node("amal").await, node("basma").await);
    b.follow(&a).await;
    let need = |item: &str| {
        json!({"sector": "food", "item": item, "quantity": 4, "unit": "parcel", "urgency": "high",
            "region_code": "PS-GZA", "visibility": "network"})
    };
    assert_eq!(a.api("POST", "/needs", Some(need("before"))).await.0, 201);
    b.app.until("the first need arrives", async || b.network("needs").await.len() == 1).await;
    let actor = a.app.actor("amal");
    let stored_key = async || {
        sanad_node::domain::network::actors::remote(&b.app.state.db, &actor)
            .await
            .unwrap()
            .unwrap()
            .multikey
    };
    let old = stored_key().await;
    let first_version = b.network("needs").await[0]["updated_at"].clone();

    let org =
        sanad_node::domain::accounts::find_org(&a.app.state.db, "amal").await.unwrap().unwrap();
    let net = a.app.state.network.clone();
    let rsa = net.keys.rsa().await.unwrap();
    let resigned =
        a.app.state.write(async |uow| keys::rotate(uow, &net, &org, rsa).await).await.unwrap();
    assert_eq!(resigned, 1);
    b.app.until("the new key arrives", async || stored_key().await != old).await;
    b.app
        .until("the re-signed need replaces the old copy", async || {
            b.network("needs").await[0]["updated_at"] != first_version
        })
        .await;
    assert_eq!(a.api("POST", "/needs", Some(need("after"))).await.0, 201);
    b.app.until("the second need arrives", async || b.network("needs").await.len() == 2).await;
    for n in b.network("needs").await {
        assert_eq!(n["proof_verified"], true, "{n}");
    }
}

#[tokio::test]
async fn a_permanent_refusal_is_recorded_as_rejected_not_delivered() {
    use sanad_node::{domain::network::peers, vocab::PeerPolicy};
    let (a, b) = (node("amal").await, node("basma").await);
    b.follow(&a).await;
    // B's operator blocks A's host: B's inbox now answers 403 to A.
    let a_host = a.app.handle("amal").split_once('@').unwrap().1.to_owned();
    b.app
        .state
        .write(async |uow| peers::set_policy(uow, &a_host, PeerPolicy::Blocked).await)
        .await
        .unwrap();
    let (s, _) = a
        .api(
            "POST",
            "/needs",
            Some(json!({"sector": "food", "item": "طحين", "quantity": 9, "unit": "bag",
            "urgency": "high", "region_code": "PS-GZA", "visibility": "network"})),
        )
        .await;
    assert_eq!(s, 201);
    let b_host = b.app.handle("basma").split_once('@').unwrap().1.to_owned();
    let db = a.app.state.db.clone();
    let status =
        async || peers::status(&db).await.unwrap().into_iter().find(|p| p.host == b_host).unwrap();
    a.app.until("the refusal is recorded", async || status().await.rejected == 1).await;
    let p = status().await;
    assert_eq!(
        (p.delivered, p.pending),
        (1, 0),
        "only the Follow's Accept was delivered before the block: {p:?}"
    );
    assert!(b.network("needs").await.is_empty());
}
