//! Donors' pledges: found by a search on another node, made on the need's own node through its public form, answered
//! and received by the organisation's staff, and delivered to the household, so the need's remaining quantity drops on
//! every node; the form's refusals (bad input, a bot's hidden field, a flood, a need met meanwhile); and the e-mail
//! that tells the organisation, through a real SMTP server.

use reqwest::{Client, StatusCode, header};
use sanad_tests::{csrf_of, smtp_server, spawn_app_with};
use serde_json::{Value, json};

use super::commitments::{store_on, three};

/// The donor's browser: keeps cookies (the anonymous id the CSRF token is bound to), follows no redirects.
fn browser() -> Client {
    Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// Opens the need's page and submits the pledge form with `fields`; returns the status and the page.
async fn pledge(
    donor: &Client,
    page: &str,
    lang: &str,
    fields: &[(&str, &str)],
) -> (StatusCode, String) {
    let html = donor.get(page).header(header::ACCEPT_LANGUAGE, lang).send().await.unwrap();
    assert_eq!(html.status(), 200);
    let html = html.text().await.unwrap();
    assert!(html.contains("/pledge#pledge"), "the page has the pledge form: {html}");
    let mut form: Vec<(&str, String)> = vec![("csrf", csrf_of(&html))];
    form.extend(fields.iter().map(|(k, v)| (*k, (*v).to_owned())));
    let r = donor
        .post(format!("{page}/pledge"))
        .header(header::ACCEPT_LANGUAGE, lang)
        .form(&form)
        .send()
        .await
        .unwrap();
    (r.status(), r.text().await.unwrap())
}

/// A message's body as a mail reader shows it (lettre sends UTF-8 text in base64).
fn body_of(mail: &sanad_tests::Mail) -> String {
    use base64::Engine;
    let (head, encoded) = mail.data.split_once("\r\n\r\n").unwrap();
    assert!(head.contains("Content-Transfer-Encoding: base64"), "{head}");
    let body = base64::engine::general_purpose::STANDARD
        .decode(encoded.split_whitespace().collect::<String>().trim_end_matches('.'))
        .unwrap();
    String::from_utf8(body).unwrap()
}

const GOOD: &[(&str, &str)] = &[
    ("kind", "goods"),
    ("quantity", "١٠"),
    ("donor_name", "Huda Mansour"),
    ("donor_contact", "+970 599 123 456"),
    ("consent", "on"),
    ("note", "أستطيع إيصالها يوم الخميس"),
];

#[tokio::test]
async fn a_donor_on_c_finds_a_need_of_a_in_arabic_pledges_and_the_delivery_lowers_it_on_every_node()
{
    let (a, b, c) = three().await;
    let (need, case, object) = a.household_need(50).await;

    // On C, a donor searches in Arabic (another form of the word) and follows the result to A's page.
    let search = async || {
        let r: Value = Client::new()
            .get(c.node.app.url("/api/v1/search?q=%D8%A8%D8%B7%D8%A7%D9%86%D9%8A%D8%A9"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        r["items"].as_array().unwrap().iter().find(|i| i["url"] == object.as_str()).cloned()
    };
    c.node.app.until_searchable("A's need is found on C", async || search().await.is_some()).await;
    let found = search().await.unwrap();
    assert_eq!(found["quantity_met"], 0);

    let donor = browser();
    let (s, thanks) = pledge(&donor, found["url"].as_str().unwrap(), "ar", GOOD).await;
    assert_eq!(s, 200, "{thanks}");
    assert!(thanks.contains("شكراً لك"), "{thanks}");
    assert!(!thanks.contains("سعاد"), "the thank-you page never names the household");

    // A's staff see it, accept it, and record its arrival as a stock receipt linked to it.
    let (s, list) = a.node.api("GET", "/pledges?status=proposed", None).await;
    assert_eq!(s, 200, "{list}");
    let p = &list["items"][0];
    assert_eq!((p["quantity"].as_i64(), p["need_id"].as_i64()), (Some(10), Some(need)));
    assert_eq!(p["donor_name"], "Huda Mansour");
    let id = p["id"].as_i64().unwrap();
    let (s, e) = a
        .node
        .api(
            "POST",
            &format!("/pledges/{id}/receive"),
            Some(json!({"item_id": a.item, "warehouse_id": a.warehouse})),
        )
        .await;
    assert_eq!(s, 409, "not accepted yet: {e}");
    let (s, accepted) = a
        .node
        .api("POST", &format!("/pledges/{id}/accept"), Some(json!({"message": "شكراً، بانتظارك"})))
        .await;
    assert_eq!(s, 200, "{accepted}");
    let (s, again) = a.node.api("POST", &format!("/pledges/{id}/decline"), Some(json!({}))).await;
    assert_eq!(s, 409, "answered twice: {again}");
    let (s, received) = a
        .node
        .api(
            "POST",
            &format!("/pledges/{id}/receive"),
            Some(json!({"item_id": a.item, "warehouse_id": a.warehouse})),
        )
        .await;
    assert_eq!(s, 200, "{received}");
    assert_eq!(received["status"], "received");
    let receipt = &a.card().await[0];
    assert_eq!(receipt["id"], received["receipt_movement_id"]);
    assert_eq!(
        (receipt["kind"].as_str(), receipt["quantity"].as_i64()),
        (Some("receipt"), Some(10))
    );

    // Handed to the household against the need: 10 met on A, and 40 still missing on A, B and C.
    let (s, d) = a
        .node
        .api(
            "POST",
            "/distributions",
            Some(json!({"case_id": case, "need_id": need,
            "lines": [{"item_id": a.item, "warehouse_id": a.warehouse, "quantity": 10}]})),
        )
        .await;
    assert_eq!(s, 201, "{d}");
    assert_eq!(a.get_need(need).await["quantity_met"], 10);
    for node in [&b, &c] {
        node.sees("the need is 10 met", &object, |l| {
            l["quantity_met"] == 10 && l["quantity_available"] == 40
        })
        .await;
    }
    c.node
        .app
        .until_searchable("C's search shows 10 met", async || {
            search().await.is_some_and(|i| i["quantity_met"] == 10)
        })
        .await;
    // The pledge never left A: nothing of the donor is on B or C.
    for node in [&b, &c] {
        let db = &node.node.app.state.db;
        use sea_orm::{ConnectionTrait, Statement};
        let backend = db.get_database_backend();
        for table in ["remote_objects", "inbox_seen", "remote_actors"] {
            let rows = db
                .query_all_raw(Statement::from_string(backend, format!("SELECT * FROM {table}")))
                .await
                .unwrap();
            let text = format!("{rows:?}");
            assert!(!text.contains("Huda") && !text.contains("599 123"), "{table} holds the donor");
        }
    }
}

#[tokio::test]
async fn the_pledge_form_refuses_bad_input_in_the_visitors_language_drops_bots_and_stops_a_flood() {
    let (a, _b, _c) = three().await;
    let (need, _, object) = a.household_need(50).await;
    let donor = browser();
    let pledges = async || {
        let (_, list) = a.node.api("GET", "/pledges", None).await;
        list["items"].as_array().unwrap().len()
    };

    // More than is missing, no consent, no name: 422, each field named, in Arabic; nothing kept.
    let (s, page) = pledge(
        &donor,
        &object,
        "ar",
        &[("kind", "goods"), ("quantity", "٦٠"), ("donor_contact", "x")],
    )
    .await;
    assert_eq!(s, 422, "{page}");
    assert!(page.contains("ضع علامة للموافقة"), "consent, in Arabic: {page}");
    assert!(
        page.contains("id=\"f-quantity-err\"") && page.contains("id=\"f-donor_name-err\""),
        "{page}"
    );
    assert_eq!(pledges().await, 0);
    // Money needs an amount and a currency.
    let (s, page) = pledge(
        &donor,
        &object,
        "en",
        &[("kind", "money"), ("donor_name", "N"), ("donor_contact", "n@x.org"), ("consent", "on")],
    )
    .await;
    assert_eq!(s, 422);
    assert!(
        page.contains("id=\"f-amount-err\"") && page.contains("id=\"f-currency-err\""),
        "{page}"
    );

    // A bot that fills the hidden field is thanked and forgotten.
    let mut bot: Vec<(&str, &str)> = GOOD.to_vec();
    bot.push(("website", "http://spam.example"));
    let (s, _) = pledge(&donor, &object, "en", &bot).await;
    assert_eq!(s, 200);
    assert_eq!(pledges().await, 0);

    // A form without its CSRF token is refused.
    let s = donor.post(format!("{object}/pledge")).form(GOOD).send().await.unwrap().status();
    assert_eq!(s, 403);

    // Met meanwhile (another need): the form is gone from its page, and a late submission is refused with a notice.
    let (other, _, other_object) = a.household_need(20).await;
    let html = donor.get(&other_object).send().await.unwrap().text().await.unwrap();
    let token = csrf_of(&html);
    let (s, n) = a.node.api("GET", &format!("/needs/{other}"), None).await;
    assert_eq!(s, 200);
    let mut met = n.clone();
    met["quantity_met"] = json!(20);
    let (s, e) = a.node.api("PUT", &format!("/needs/{other}"), Some(met)).await;
    assert_eq!(s, 200, "{e}");
    let mut form: Vec<(&str, String)> = vec![("csrf", token)];
    form.extend(GOOD.iter().map(|(k, v)| (*k, (*v).to_owned())));
    let r = donor.post(format!("{other_object}/pledge")).form(&form).send().await.unwrap();
    assert_eq!(r.status(), 409);
    let html = donor.get(&other_object).send().await.unwrap().text().await.unwrap();
    assert!(!html.contains("/pledge#pledge"), "no form on a met need");

    // A flood from one address: ten submissions an hour (three were counted above), the rest get 429.
    let mut statuses = Vec::new();
    for _ in 0..10 {
        let html = donor.get(&object).send().await.unwrap().text().await.unwrap();
        let mut form: Vec<(&str, String)> = vec![("csrf", csrf_of(&html))];
        form.extend(GOOD.iter().map(|(k, v)| (*k, (*v).to_owned())));
        let r = donor.post(format!("{object}/pledge")).form(&form).send().await.unwrap();
        if r.status() == 429 {
            assert!(r.headers().contains_key(header::RETRY_AFTER));
        }
        statuses.push(r.status().as_u16());
    }
    assert_eq!(statuses.iter().filter(|s| **s == 200).count(), 7, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 429).count(), 3, "{statuses:?}");
    assert_eq!(pledges().await, 7);
    let _ = need;
}

#[tokio::test]
async fn a_pledge_is_told_to_the_organisation_by_e_mail_through_a_real_smtp_server_without_the_donors_details()
 {
    let (smtp, mailbox) = smtp_server();
    let app = spawn_app_with(|c| c.mail.smtp_url = smtp.clone()).await;
    let a = store_on(app, "amal", "جمعية الأمل", 0).await;
    let (_, _, object) = a.household_need(50).await;
    let (s, page) = pledge(&browser(), &object, "en", GOOD).await;
    assert_eq!(s, 200, "{page}");
    a.node.app.until("the e-mail is sent", async || !mailbox.lock().unwrap().is_empty()).await;
    let mail = mailbox.lock().unwrap()[0].clone();
    assert_eq!(mail.to, ["admin@amal.org"]);
    assert!(mail.data.contains("Subject: Sanad"), "{}", mail.data);
    let body = body_of(&mail);
    assert!(body.contains("A donor pledged to the need") && body.contains("تعهّد جديد"), "{body}");
    assert!(body.contains("/o/amal/pledges"), "it links to the pledges page: {body}");
    assert!(!body.contains("Huda") && !body.contains("599"), "no donor details by e-mail: {body}");
    // Sent once, and the queue says so.
    use sea_orm::EntityTrait;
    let outbox = async || {
        sanad_node::infra::entities::mail_outbox::Entity::find()
            .all(&a.node.app.state.db)
            .await
            .unwrap()
    };
    a.node.app.until("the queue marks it sent", async || outbox().await[0].sent_at.is_some()).await;
    assert_eq!(outbox().await.len(), 1);
    assert_eq!(mailbox.lock().unwrap().len(), 1);

    // A donor who left an e-mail address hears the organisation's answer.
    let fields: Vec<(&str, &str)> = GOOD
        .iter()
        .map(|&(k, v)| if k == "donor_contact" { (k, "huda@example.org") } else { (k, v) })
        .collect();
    let (s, _) = pledge(&browser(), &object, "en", &fields).await;
    assert_eq!(s, 200);
    let (_, list) = a.node.api("GET", "/pledges", None).await;
    let id = list["items"][0]["id"].as_i64().unwrap();
    let (s, r) = a
        .node
        .api(
            "POST",
            &format!("/pledges/{id}/accept"),
            Some(json!({"message": "Please bring them Thursday"})),
        )
        .await;
    assert_eq!(s, 200, "{r}");
    let to_donor =
        async || mailbox.lock().unwrap().iter().find(|m| m.to == ["huda@example.org"]).cloned();
    a.node.app.until("the donor's e-mail is sent", async || to_donor().await.is_some()).await;
    let mail = to_donor().await.unwrap();
    let body = body_of(&mail);
    assert!(
        body.contains("Please bring them Thursday") && body.contains("accepted your pledge"),
        "{body}"
    );
    assert!(!body.contains("سعاد"), "never the household");
}

#[tokio::test]
async fn the_home_page_shows_the_networks_figures_and_a_profile_its_open_needs_and_deliveries() {
    let (a, _b, c) = three().await;
    let (need, case, object) = a.household_need(50).await;
    let donor = browser();
    let home = async || {
        let r = donor
            .get(c.node.app.url("/"))
            .header(header::ACCEPT_LANGUAGE, "en")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        r.text().await.unwrap()
    };
    c.node
        .app
        .until_searchable("C's home page counts A's need", async || {
            home().await.contains("<strong>1</strong> open needs")
        })
        .await;
    let page = home().await;
    assert!(page.contains("href=\"/search?kind=need&#38;sector=shelter\""), "{page}");
    assert!(page.contains("href=\"/search?kind=need&#38;region=PS\""), "{page}");
    for (path, to) in [
        ("/needs", "/search?kind=need"),
        ("/offers", "/search?kind=offer"),
        ("/orgs", "/search?kind=organisation"),
    ] {
        let r = donor.get(c.node.app.url(path)).send().await.unwrap();
        assert_eq!(r.status(), 303, "{path}");
        assert_eq!(r.headers()[header::LOCATION], to);
    }
    // The directory finds A on C, by sector facet too.
    let dir = donor
        .get(c.node.app.url("/search?kind=organisation"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(dir.contains("amal (en)") || dir.contains("جمعية الأمل"), "{dir}");

    // A's profile: its open need, and what it delivered this month once it hands out 10.
    let (s, r) = a
        .node
        .api(
            "POST",
            "/movements",
            Some(json!({"kind": "receipt", "item_id": a.item, "warehouse_id": a.warehouse,
            "quantity": 10, "source_kind": "donor", "counterparty": "WFP"})),
        )
        .await;
    assert_eq!(s, 201, "{r}");
    let (s, d) = a
        .node
        .api(
            "POST",
            "/distributions",
            Some(json!({"case_id": case, "need_id": need,
            "lines": [{"item_id": a.item, "warehouse_id": a.warehouse, "quantity": 10}]})),
        )
        .await;
    assert_eq!(s, 201, "{d}");
    let profile = donor
        .get(a.node.app.url("/orgs/amal"))
        .header(header::ACCEPT_LANGUAGE, "en")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let uuid = object.rsplit('/').next().unwrap();
    assert!(profile.contains(&format!("href=\"/objects/{uuid}\"")), "{profile}");
    let month = chrono::Utc::now().format("%Y-%m").to_string();
    assert!(profile.contains(&format!("<td>{month}</td><td class=\"num\">10</td>")), "{profile}");
    assert!(!profile.contains("سعاد"), "the profile never names a household");
}
