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
            &[
                ("head_name", "سر الأسرة"),
                ("region_code", "PS-GZA"),
                ("household_size", "4"),
            ],
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
    let nid = r.headers()["location"]
        .to_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned();

    let nour = app.signed_in("n@nour.org").await;
    let own = nour
        .get(app.url("/o/nour"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
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
            vec![
                ("head_name", "x"),
                ("region_code", "PS"),
                ("household_size", "1"),
            ],
        ),
        (
            format!("/o/amal/cases/{id}/status"),
            vec![("status", "closed")],
        ),
        (format!("/o/amal/cases/{id}/notes"), vec![("body", "x")]),
        (
            "/o/amal/cases/new".to_owned(),
            vec![
                ("head_name", "x"),
                ("region_code", "PS"),
                ("household_size", "1"),
            ],
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
            vec![
                ("head_name", "x"),
                ("region_code", "PS"),
                ("household_size", "1"),
            ],
        ),
        (
            format!("/o/nour/cases/{id}/status"),
            vec![("status", "closed")],
        ),
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
            (
                "/o/amal/members".to_owned(),
                vec![("email", "n@nour.org"), ("role", "admin")],
            ),
            (
                "/o/amal/members/1/role".to_owned(),
                vec![("role", "viewer")],
            ),
            ("/o/amal/members/1/remove".to_owned(), vec![]),
            (
                "/o/amal/settings".to_owned(),
                vec![("name_ar", "x"), ("name_en", "x")],
            ),
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
    assert_eq!(
        r.status(),
        422,
        "a need cannot be attached to another organisation's case"
    );
    let page = amal
        .get(app.url(&case_path))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("سر الأسرة") && page.contains("مفتوحة"),
        "nothing changed"
    );
}
