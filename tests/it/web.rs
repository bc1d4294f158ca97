//! The web interface: setup, sign-in, language, cases and needs through forms.

use sanad_node::domain::{accounts, tenancy::Role};
use sanad_tests::{PASSWORD, csrf_of, spawn_app, spawn_signed_in};

#[tokio::test]
async fn setup_link_creates_the_first_organisation_and_signs_the_admin_in_then_expires() {
    let app = spawn_app().await;
    let link = accounts::setup_link(&app.state.db, &app.base)
        .await
        .unwrap()
        .expect("a fresh node offers setup");
    let path = link.strip_prefix(&app.base).unwrap().to_owned();
    let token = path.split("token=").nth(1).unwrap().to_owned();
    let browser = app.browser();
    assert_eq!(browser.get(app.url("/setup?token=wrong")).send().await.unwrap().status(), 404);
    let page = browser.get(app.url(&path)).send().await.unwrap().text().await.unwrap();
    assert!(
        page.contains(r#"<html lang="ar" dir="rtl">"#),
        "Arabic is the default and right-to-left"
    );
    let response = browser
        .post(app.url("/setup"))
        .form(&[
            ("csrf", csrf_of(&page).as_str()),
            ("token", token.as_str()),
            ("name_ar", "جمعية الأمل"),
            ("name_en", "Al Amal"),
            ("slug", "al-amal"),
            ("email", "admin@amal.org"),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    let home = browser.get(app.url("/")).send().await.unwrap();
    assert_eq!(home.headers()["location"], "/o/al-amal");
    let dashboard = browser.get(app.url("/o/al-amal")).send().await.unwrap().text().await.unwrap();
    assert!(dashboard.contains("جمعية الأمل") && dashboard.contains("لوحة المتابعة"));
    assert_eq!(
        browser.get(app.url(&path)).send().await.unwrap().status(),
        404,
        "the setup link is single-use"
    );
    assert!(accounts::setup_link(&app.state.db, &app.base).await.unwrap().is_none());
    let admin = accounts::find_user(&app.state.db, "admin@amal.org").await.unwrap().unwrap();
    assert!(admin.is_operator, "the first admin operates the node");
}

#[tokio::test]
async fn setup_form_errors_are_shown_next_to_the_field_and_nothing_is_written() {
    let app = spawn_app().await;
    let link = accounts::setup_link(&app.state.db, &app.base).await.unwrap().unwrap();
    let path = link.strip_prefix(&app.base).unwrap().to_owned();
    let token = path.split("token=").nth(1).unwrap().to_owned();
    let browser = app.browser();
    let page = browser.get(app.url(&path)).send().await.unwrap().text().await.unwrap();
    let response = browser
        .post(app.url("/setup"))
        .form(&[
            ("csrf", csrf_of(&page).as_str()),
            ("token", token.as_str()),
            ("name_ar", "جمعية"),
            ("name_en", ""),
            ("slug", "Bad Slug"),
            ("email", "not-an-email"),
            ("password", "short"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 422);
    let html = response.text().await.unwrap();
    for (field, message) in [
        ("name_en", "هذا الحقل مطلوب."),
        ("slug", "استعمل من ٢ إلى ٦٤"),
        ("email", "أدخل بريداً إلكترونياً صحيحاً."),
        ("password", "يجب أن تتكون كلمة المرور من عشرة أحرف على الأقل."),
    ] {
        let marker = format!("id=\"f-{field}-err\">{message}");
        assert!(html.contains(&marker), "{field}: {marker} not in page");
    }
    assert!(accounts::needs_setup(&app.state.db).await.unwrap(), "a refused setup writes nothing");
    assert!(accounts::find_org(&app.state.db, "bad-slug").await.unwrap().is_none());
}

#[tokio::test]
async fn language_switch_sets_english_and_back_and_follows_accept_language() {
    let (app, browser) = spawn_signed_in(Role::Admin).await;
    let response = browser.get(app.url("/o/amal")).send().await.unwrap();
    assert_eq!(
        response.headers()["cache-control"],
        "no-store",
        "pages with personal data are not cached"
    );
    assert_eq!(response.headers()["x-frame-options"], "DENY");
    assert!(
        response.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("frame-ancestors 'none'")
    );
    let ar = response.text().await.unwrap();
    assert!(ar.contains(r#"dir="rtl""#) && ar.contains("لوحة المتابعة"));
    let r = app.submit(&browser, "/o/amal", "/lang", &[("lang", "en"), ("back", "/o/amal")]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/o/amal");
    let en = browser.get(app.url("/o/amal")).send().await.unwrap().text().await.unwrap();
    assert!(en.contains(r#"<html lang="en" dir="ltr">"#) && en.contains("Dashboard"));
    let user = accounts::find_user(&app.state.db, "a@amal.org").await.unwrap().unwrap();
    assert_eq!(user.lang.as_deref(), Some("en"), "the choice is kept on the account");
    app.submit(&browser, "/o/amal", "/lang", &[("lang", "ar"), ("back", "/o/amal")]).await;
    let back = browser.get(app.url("/o/amal")).send().await.unwrap().text().await.unwrap();
    assert!(back.contains(r#"<html lang="ar" dir="rtl">"#));
    let anonymous = app.browser();
    let page = anonymous
        .get(app.url("/signin"))
        .header("accept-language", "en-GB,en;q=0.9")
        .send()
        .await
        .unwrap();
    assert!(page.text().await.unwrap().contains(r#"lang="en""#));
}

#[tokio::test]
async fn signin_refuses_wrong_passwords_limits_attempts_and_signout_ends_the_session() {
    let app = sanad_tests::spawn_app_with(|c| c.auth.signin_attempts_per_minute = 3).await;
    app.org("amal", "جمعية الأمل").await;
    app.member("a@amal.org", "amal", Role::Caseworker).await;
    let browser = app.browser();
    assert_eq!(
        browser.get(app.url("/o/amal")).send().await.unwrap().headers()["location"],
        "/signin?next=/o/amal"
    );
    let page = browser.get(app.url("/signin")).send().await.unwrap().text().await.unwrap();
    let csrf = csrf_of(&page);
    let attempt = |password: &'static str| {
        browser
            .post(app.url("/signin"))
            .form(&[("csrf", csrf.as_str()), ("email", "a@amal.org"), ("password", password)])
            .send()
    };
    let wrong = attempt("wrong password").await.unwrap();
    assert_eq!(wrong.status(), 401);
    assert!(wrong.text().await.unwrap().contains("البريد الإلكتروني أو كلمة المرور خاطئة."));
    assert_eq!(attempt("wrong password").await.unwrap().status(), 401);
    assert_eq!(attempt(PASSWORD).await.unwrap().status(), 303, "third attempt is within the quota");
    let other_browser = app.browser();
    let page = other_browser.get(app.url("/signin")).send().await.unwrap().text().await.unwrap();
    let limited = other_browser
        .post(app.url("/signin"))
        .form(&[("csrf", csrf_of(&page).as_str()), ("email", "a@amal.org"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(limited.status(), 429, "fourth attempt in a minute is refused");
    assert!(limited.text().await.unwrap().contains("محاولات كثيرة"));

    let signed_in = app.signed_in_after_limit_reset().await;
    assert_eq!(signed_in.get(app.url("/o/amal")).send().await.unwrap().status(), 200);
    let r = app.submit(&signed_in, "/o/amal", "/signout", &[]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(signed_in.get(app.url("/o/amal")).send().await.unwrap().status(), 303, "signed out");
}

trait FreshLimiter {
    async fn signed_in_after_limit_reset(&self) -> reqwest::Client;
}

impl FreshLimiter for sanad_tests::TestApp {
    /// Signs in through a session created directly (the limiter of this node is exhausted on purpose).
    async fn signed_in_after_limit_reset(&self) -> reqwest::Client {
        let user = accounts::find_user(&self.state.db, "a@amal.org").await.unwrap().unwrap();
        let token =
            sanad_node::domain::auth::create_session(&self.state.db, user.id, 1).await.unwrap();
        let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
        jar.add_cookie_str(&format!("sanad_session={token}"), &self.base.parse().unwrap());
        reqwest::Client::builder()
            .cookie_provider(jar)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap()
    }
}

#[tokio::test]
async fn forms_without_a_valid_csrf_token_are_refused() {
    let (app, browser) = spawn_signed_in(Role::Admin).await;
    for token in ["", "00", "deadbeef"] {
        let r = browser
            .post(app.url("/o/amal/cases/new"))
            .form(&[
                ("csrf", token),
                ("head_name", "x"),
                ("region_code", "PS-GZA"),
                ("household_size", "1"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 403, "token {token:?}");
    }
    let r = browser
        .post(app.url("/o/amal/cases/new"))
        .body("head_name=x")
        .header("content-type", "text/plain")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 415);
    let rows_scope = scope(&app, "a@amal.org", "amal").await;
    let (rows, _) = app.list_cases(&rows_scope, &Default::default()).await;
    assert!(rows.is_empty());
}

async fn scope(
    app: &sanad_tests::TestApp,
    email: &str,
    slug: &str,
) -> sanad_node::domain::tenancy::OrgScope {
    let user = accounts::find_user(&app.state.db, email).await.unwrap().unwrap();
    sanad_node::domain::tenancy::OrgScope::for_user(&app.state.db, &user, slug).await.unwrap()
}

#[tokio::test]
async fn a_case_and_two_needs_typed_with_arabic_indic_digits_survive_a_restart() {
    let (app, browser) = spawn_signed_in(Role::Caseworker).await;
    let r = app
        .submit(
            &browser,
            "/o/amal/cases/new",
            "/o/amal/cases/new",
            &[
                ("head_name", "أحمد محمود"),
                ("phone", "٠٥٩٩ ١٢٣ ٤٥٦"),
                ("region_code", "PS-GZA"),
                ("household_size", "٧"),
                ("vulnerabilities", "elderly"),
                ("vulnerabilities", "displaced"),
                ("consent_share", "on"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let case_url = r.headers()["location"].to_str().unwrap().to_owned();
    let case_id = case_url.rsplit('/').next().unwrap().to_owned();
    let (app_ref, browser_ref) = (&app, &browser);
    let need = |item: &'static str, quantity: &'static str, met: &'static str| {
        let case_id = case_id.clone();
        async move {
            let (app, browser) = (app_ref, browser_ref);
            let fields = [
                ("case_id", case_id.as_str()),
                ("sector", "food"),
                ("item", item),
                ("quantity", quantity),
                ("unit", "سلة"),
                ("quantity_met", met),
                ("urgency", "high"),
                ("region_code", ""),
                ("needed_by", "٢٠٢٦-١٢-٠١"),
                ("visibility", "network"),
            ];
            app.submit(
                browser,
                &format!("/o/amal/needs/new?case={case_id}"),
                "/o/amal/needs/new",
                &fields,
            )
            .await
        }
    };
    assert_eq!(need("سلة غذائية", "١٢", "٣").await.status(), 303);
    assert_eq!(need("حليب أطفال", "4", "4").await.status(), 303);

    let app = app.restart().await;
    let browser = app.signed_in("a@amal.org").await;
    let case = browser.get(app.url(&case_url)).send().await.unwrap().text().await.unwrap();
    assert!(case.contains("أحمد محمود") && case.contains("0599 123 456") && case.contains("مسنّ"));
    assert!(
        case.contains("3 / 12 سلة") && case.contains("ملبّى جزئياً"),
        "status follows quantity met"
    );
    assert!(case.contains("4 / 4 سلة") && case.contains(">ملبّى<"));
    let needs = browser
        .get(app.url("/o/amal/needs?status=active"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        needs.contains("سلة غذائية") && !needs.contains("حليب أطفال"),
        "the met need is not active"
    );
    let dashboard = browser.get(app.url("/o/amal")).send().await.unwrap().text().await.unwrap();
    assert!(dashboard.contains("الحالات المفتوحة: \u{2068}1\u{2069}"), "{dashboard}");
}

#[tokio::test]
async fn case_form_errors_name_each_field_in_the_page_language_and_write_nothing() {
    let (app, browser) = spawn_signed_in(Role::Caseworker).await;
    let long = "ب".repeat(201);
    let r = app
        .submit(
            &browser,
            "/o/amal/cases/new",
            "/o/amal/cases/new",
            &[
                ("head_name", long.as_str()),
                ("phone", "call me"),
                ("region_code", "XX-NOPE"),
                ("household_size", "-2"),
                ("vulnerabilities", "rich"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    for (field, message) in [
        ("head_name", "هذا النص أطول من المسموح."),
        ("phone", "أدخل رقم هاتف"),
        ("region_code", "منطقة غير معروفة."),
        ("household_size", "لا يمكن أن تكون القيمة سالبة."),
    ] {
        let marker = format!("id=\"f-{field}-err\">{message}");
        assert!(html.contains(&marker), "{field}: {marker} not in page");
    }
    assert!(html.contains("اختر أحد الخيارات المعروضة."), "unknown vulnerability");
    let rows_scope = scope(&app, "a@amal.org", "amal").await;
    let (rows, total) = app.list_cases(&rows_scope, &Default::default()).await;
    assert_eq!((rows.len(), total), (0, 0));
}

#[tokio::test]
async fn cases_are_filtered_edited_closed_noted_and_every_touch_is_audited() {
    let (app, browser) = spawn_signed_in(Role::Caseworker).await;
    for (name, region) in
        [("فاطمة الزهراء", "PS-GZA"), ("محمد أبو علي", "PS-KYS"), ("Sara Haddad", "SY-HL")]
    {
        let r = app
            .submit(
                &browser,
                "/o/amal/cases/new",
                "/o/amal/cases/new",
                &[("head_name", name), ("region_code", region), ("household_size", "3")],
            )
            .await;
        assert_eq!(r.status(), 303, "{name}");
    }
    let list = |q: &'static str| {
        let browser = browser.clone();
        let url = app.url(&format!("/o/amal/cases?{q}"));
        async move { browser.get(url).send().await.unwrap().text().await.unwrap() }
    };
    let by_text = list("q=%D9%81%D8%A7%D8%B7%D9%85%D9%87").await; // فاطمه: taa marbuta typed as haa
    assert!(by_text.contains("فاطمة الزهراء") && !by_text.contains("محمد أبو علي"));
    let by_alef = list("q=%D8%A7%D8%A8%D9%88").await; // ابو without hamza matches أبو
    assert!(by_alef.contains("محمد أبو علي"));
    let by_country = list("region=PS").await;
    assert!(
        by_country.contains("فاطمة الزهراء")
            && by_country.contains("محمد أبو علي")
            && !by_country.contains("Sara Haddad")
    );

    let s = scope(&app, "a@amal.org", "amal").await;
    let (rows, _) = app.list_cases(&s, &Default::default()).await;
    let sara = rows.iter().find(|c| c.head_name == "Sara Haddad").unwrap().id;
    let base = format!("/o/amal/cases/{sara}");
    let r = app
        .submit(
            &browser,
            &format!("{base}/edit"),
            &format!("{base}/edit"),
            &[("head_name", "Sara Haddad"), ("region_code", "SY-HL"), ("household_size", "5")],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(
        app.submit(&browser, &base, &format!("{base}/status"), &[("status", "closed")])
            .await
            .status(),
        303
    );
    assert_eq!(
        app.submit(&browser, &base, &format!("{base}/notes"), &[("body", "زيارة منزلية")])
            .await
            .status(),
        303
    );
    let page = browser.get(app.url(&base)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("مغلقة") && page.contains("زيارة منزلية") && page.contains("<dd>5</dd>"));
    let closed = list("status=closed").await;
    assert!(closed.contains("Sara Haddad") && !closed.contains("فاطمة الزهراء"));

    let history =
        sanad_node::domain::audit::for_subject(&app.state.db, &s, "case", sara, 50).await.unwrap();
    let actions: Vec<&str> = history.iter().map(|e| e.action.as_str()).collect();
    for expected in ["case.create", "case.view", "case.update", "case.close", "case.note"] {
        assert!(actions.contains(&expected), "{expected} missing from {actions:?}");
    }
    let user = accounts::find_user(&app.state.db, "a@amal.org").await.unwrap().unwrap();
    assert!(history.iter().all(|e| e.user_id == Some(user.id)), "who is recorded");
    let update = history.iter().find(|e| e.action == "case.update").unwrap();
    assert!(
        update.detail.contains("household_size") && !update.detail.contains('5'),
        "what changed, not the values"
    );
}

#[tokio::test]
async fn need_status_follows_quantity_met_and_sharing_requires_consent() {
    let (app, browser) = spawn_signed_in(Role::Caseworker).await;
    let r = app
        .submit(
            &browser,
            "/o/amal/cases/new",
            "/o/amal/cases/new",
            &[
                ("head_name", "خالد سليم"),
                ("phone", "0599111222"),
                ("region_code", "PS-GZA"),
                ("household_size", "2"),
            ],
        )
        .await;
    let case_id = r.headers()["location"].to_str().unwrap().rsplit('/').next().unwrap().to_owned();
    let base = [
        ("case_id", case_id.as_str()),
        ("sector", "shelter"),
        ("item", "خيمة"),
        ("unit", "خيمة"),
        ("urgency", "critical"),
    ];
    let with = |extra: &[(&'static str, &'static str)]| {
        let mut f: Vec<(&str, &str)> = base.to_vec();
        f.extend_from_slice(extra);
        f
    };
    let r = app
        .submit(
            &browser,
            "/o/amal/needs/new",
            "/o/amal/needs/new",
            &with(&[("quantity", "2"), ("visibility", "public")]),
        )
        .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("لم توافق الأسرة على المشاركة"));
    let r = app
        .submit(
            &browser,
            "/o/amal/needs/new",
            "/o/amal/needs/new",
            &with(&[("quantity", "2"), ("public_summary", "خيمة لعائلة خالد سليم")]),
        )
        .await;
    assert_eq!(r.status(), 422, "a summary naming the household is refused");
    let r = app
        .submit(
            &browser,
            "/o/amal/needs/new",
            "/o/amal/needs/new",
            &with(&[("quantity", "2"), ("quantity_met", "3")]),
        )
        .await;
    assert!(r.text().await.unwrap().contains("لا يمكن أن تتجاوز الكمية المقدَّمة"));
    let r = app
        .submit(&browser, "/o/amal/needs/new", "/o/amal/needs/new", &with(&[("quantity", "2")]))
        .await;
    assert_eq!(r.status(), 303);
    let need_url = r.headers()["location"].to_str().unwrap().to_owned();
    let edit = format!("{need_url}/edit");
    for (met, status) in [("1", "ملبّى جزئياً"), ("2", "ملبّى"), ("0", "مفتوح")]
    {
        let r = app
            .submit(&browser, &edit, &edit, &with(&[("quantity", "2"), ("quantity_met", met)]))
            .await;
        assert_eq!(r.status(), 303);
        let page = browser.get(app.url(&need_url)).send().await.unwrap().text().await.unwrap();
        assert!(page.contains(&format!(">{status}</span>")), "met {met} → {status}");
    }
    let r = app
        .submit(
            &browser,
            &edit,
            &edit,
            &with(&[("quantity", "2"), ("quantity_met", "1"), ("cancelled", "on")]),
        )
        .await;
    assert_eq!(r.status(), 303);
    assert!(
        browser
            .get(app.url(&need_url))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
            .contains(">ملغى</span>")
    );
}

#[tokio::test]
async fn admins_manage_members_but_cannot_remove_the_last_admin_and_others_cannot_manage() {
    let app = spawn_app().await;
    app.org("amal", "جمعية الأمل").await;
    app.member("boss@amal.org", "amal", Role::Admin).await;
    app.member("cw@amal.org", "amal", Role::Caseworker).await;
    let admin = app.signed_in("boss@amal.org").await;
    let r = app
        .submit(
            &admin,
            "/o/amal/members",
            "/o/amal/members",
            &[
                ("email", "new@amal.org"),
                ("role", "viewer"),
                ("display_name", "New"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let viewer = app.signed_in("new@amal.org").await;
    assert_eq!(viewer.get(app.url("/o/amal/cases")).send().await.unwrap().status(), 200);
    assert_eq!(
        viewer.get(app.url("/o/amal/cases/new")).send().await.unwrap().status(),
        403,
        "viewers cannot write"
    );
    let caseworker = app.signed_in("cw@amal.org").await;
    assert_eq!(caseworker.get(app.url("/o/amal/members")).send().await.unwrap().status(), 403);
    assert_eq!(caseworker.get(app.url("/o/amal/settings")).send().await.unwrap().status(), 403);
    let members = accounts::members(&app.state.db, &scope(&app, "boss@amal.org", "amal").await)
        .await
        .unwrap();
    let boss = members.iter().find(|m| m.email == "boss@amal.org").unwrap().membership_id;
    let r =
        app.submit(&admin, "/o/amal/members", &format!("/o/amal/members/{boss}/remove"), &[]).await;
    assert_eq!(r.status(), 409);
    assert!(r.text().await.unwrap().contains("يجب أن يبقى للمنظمة مدير واحد على الأقل."));
    let r = app
        .submit(
            &admin,
            "/o/amal/settings",
            "/o/amal/settings",
            &[
                ("name_ar", "جمعية الأمل الخيرية"),
                ("name_en", "Al Amal Charity"),
                ("description", ""),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(
        accounts::find_org(&app.state.db, "amal").await.unwrap().unwrap().name_ar,
        "جمعية الأمل الخيرية"
    );
}

#[tokio::test]
async fn password_change_needs_the_current_password_and_ends_other_sessions() {
    let app = spawn_app().await;
    app.org("amal", "جمعية الأمل").await;
    app.member("a@amal.org", "amal", Role::Viewer).await;
    let first = app.signed_in("a@amal.org").await;
    let second = app.signed_in("a@amal.org").await;
    let r = app
        .submit(
            &first,
            "/account",
            "/account",
            &[("current_password", "nope nope nope"), ("new_password", "a much longer password")],
        )
        .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("كلمة المرور الحالية خاطئة."));
    let r = app
        .submit(
            &first,
            "/account",
            "/account",
            &[("current_password", PASSWORD), ("new_password", "a much longer password")],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(
        first.get(app.url("/o/amal")).send().await.unwrap().status(),
        200,
        "this session stays"
    );
    assert_eq!(
        second.get(app.url("/o/amal")).send().await.unwrap().status(),
        303,
        "other sessions end"
    );
}

#[tokio::test]
async fn the_operator_sees_organisations_but_not_their_cases() {
    let app = spawn_app().await;
    app.org("amal", "جمعية الأمل").await;
    app.member("op@node.org", "amal", Role::Viewer).await;
    app.state
        .write(async |uow| {
            accounts::make_operator(uow, &sanad_tests::OPERATOR, "op@node.org").await
        })
        .await
        .unwrap();
    let op = app.signed_in("op@node.org").await;
    let r = app
        .submit(
            &op,
            "/operator",
            "/operator",
            &[("name_ar", "جمعية النور"), ("name_en", "An Nour"), ("slug", "nour")],
        )
        .await;
    assert_eq!(r.status(), 303);
    let page = op.get(app.url("/operator")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("جمعية النور") && page.contains("جمعية الأمل"));
    assert_eq!(
        op.get(app.url("/o/nour/cases")).send().await.unwrap().status(),
        404,
        "operating is not membership"
    );
    app.member("x@amal.org", "amal", Role::Admin).await;
    let fields = [
        ("name_ar", "جمعية الرحمة"),
        ("name_en", "Ar Rahma"),
        ("slug", "rahma"),
        ("admin_email", "nobody@x.org"),
    ];
    let r = app.submit(&op, "/operator", "/operator", &fields).await;
    assert_eq!(r.status(), 422, "the first admin must be an existing account");
    assert!(accounts::find_org(&app.state.db, "rahma").await.unwrap().is_none());
    let fields = [
        ("name_ar", "جمعية الرحمة"),
        ("name_en", "Ar Rahma"),
        ("slug", "rahma"),
        ("admin_email", "x@amal.org"),
    ];
    assert_eq!(app.submit(&op, "/operator", "/operator", &fields).await.status(), 303);
    let not_op = app.signed_in("x@amal.org").await;
    assert_eq!(
        not_op.get(app.url("/o/rahma/members")).send().await.unwrap().status(),
        200,
        "admin of the new organisation"
    );
    assert_eq!(not_op.get(app.url("/operator")).send().await.unwrap().status(), 403);
}

#[tokio::test]
async fn unknown_pages_and_malformed_ids_get_a_translated_error_page_not_a_500() {
    let (app, browser) = spawn_signed_in(Role::Admin).await;
    for (path, status) in [
        ("/nowhere", 404),
        ("/o/amal/cases/abc", 400),
        ("/o/amal/cases/999999", 404),
        ("/o/amal/needs/-1", 404),
    ] {
        let r = browser.get(app.url(path)).send().await.unwrap();
        assert_eq!(r.status(), status, "{path}");
        assert!(r.headers().contains_key("x-request-id"));
        let html = r.text().await.unwrap();
        assert!(
            html.contains(r#"dir="rtl""#) && html.contains("العودة إلى الصفحة الأولى"),
            "{path}"
        );
    }
}
