//! The operator CLI, run in-process against the suite's database.

use clap::Parser;
use sanad_node::{
    cli::Cli,
    domain::{accounts, error::Input, tenancy::OrgScope},
};
use sanad_tests::spawn_app;

async fn sanad(
    app: &sanad_tests::TestApp,
    dir: &std::path::Path,
    args: &[&str],
) -> anyhow::Result<()> {
    let config = dir.join("sanad.toml");
    std::fs::write(
        &config,
        format!(
            "data_dir = {:?}\n[database]\nurl = {:?}\n[log]\nlevel = \"warn\"\n",
            app.config.data_dir, app.config.database.url
        ),
    )?;
    let mut argv = vec!["sanad", "--config", config.to_str().unwrap()];
    argv.extend_from_slice(args);
    sanad_node::cli::run(Cli::try_parse_from(argv)?).await
}

#[tokio::test]
async fn operators_create_orgs_users_roles_and_tokens_idempotently() {
    let app = spawn_app().await;
    let dir = tempfile::tempdir().unwrap();
    let password = dir.path().join("pw");
    std::fs::write(&password, "a long enough password\n").unwrap();
    let pw = password.to_str().unwrap();
    for _ in 0..2 {
        sanad(
            &app,
            dir.path(),
            &["org", "create", "--slug", "amal", "--name-ar", "جمعية الأمل", "--name-en", "Al Amal"],
        )
        .await
        .unwrap();
        sanad(
            &app,
            dir.path(),
            &["user", "create", "--email", "Staff@Amal.org", "--password-file", pw],
        )
        .await
        .unwrap();
        sanad(
            &app,
            dir.path(),
            &[
                "user",
                "grant",
                "--email",
                "staff@amal.org",
                "--org",
                "amal",
                "--role",
                "caseworker",
            ],
        )
        .await
        .unwrap();
    }
    sanad(&app, dir.path(), &["user", "operator", "--email", "staff@amal.org"]).await.unwrap();
    sanad(&app, dir.path(), &["token", "create", "--email", "staff@amal.org", "--org", "amal"])
        .await
        .unwrap();
    let user = accounts::find_user(&app.state.db, "staff@amal.org").await.unwrap().unwrap();
    assert!(
        user.is_operator
            && sanad_node::domain::auth::verify_password(
                "a long enough password",
                &user.password_hash
            )
    );
    let scope = OrgScope::for_user(&app.state.db, &user, "amal").await.unwrap();
    assert_eq!(scope.role(), sanad_node::domain::tenancy::Role::Caseworker);
    assert_eq!(accounts::members(&app.state.db, &scope).await.unwrap().len(), 1);

    let err = |r: anyhow::Result<()>| r.unwrap_err().to_string();
    let e = err(sanad(
        &app,
        dir.path(),
        &["user", "grant", "--email", "staff@amal.org", "--org", "amal", "--role", "king"],
    )
    .await);
    assert!(e.contains("Unknown role"), "{e}");
    let e = err(sanad(
        &app,
        dir.path(),
        &["token", "create", "--email", "staff@amal.org", "--org", "amal", "--role", "admin"],
    )
    .await);
    assert!(e.contains("higher role"), "{e}");
    let e = err(sanad(
        &app,
        dir.path(),
        &["token", "create", "--email", "ghost@amal.org", "--org", "amal"],
    )
    .await);
    assert!(e.contains("No account"), "{e}");
    let e = err(sanad(
        &app,
        dir.path(),
        &["org", "create", "--slug", "Bad Slug", "--name-ar", "x", "--name-en", "x"],
    )
    .await);
    assert!(e.contains("slug"), "{e}");
    std::fs::write(&password, "short\n").unwrap();
    let e = err(sanad(
        &app,
        dir.path(),
        &["user", "create", "--email", "b@amal.org", "--password-file", pw],
    )
    .await);
    assert!(e.contains("password"), "{e}");
}

#[tokio::test]
async fn regions_import_loads_a_valid_file_and_rejects_a_bad_one_naming_the_line_without_loading_any()
 {
    let app = spawn_app().await;
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.csv");
    std::fs::write(&good, "\u{feff}code,parent_code,level,name_en,name_ar,lat,lon\nPS0101,PS-GZA,2,Gaza City,مدينة غزة,31.5,34.46\nPS010101,PS0101,3,Ar Rimal,الرمال,,\n").unwrap();
    sanad(&app, dir.path(), &["regions", "import", good.to_str().unwrap()]).await.unwrap();
    assert!(sanad_node::domain::regions::exists(&app.state.db, "PS010101").await.unwrap());
    sanad(&app, dir.path(), &["regions", "import", good.to_str().unwrap()])
        .await
        .expect("re-import is harmless");

    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, "code,parent_code,level,name_en,name_ar\nSY0101,SY-DI,2,Damascus,دمشق\nSY0102,SY-XX,2,Nowhere,لا مكان\n").unwrap();
    let e = sanad(&app, dir.path(), &["regions", "import", bad.to_str().unwrap()])
        .await
        .unwrap_err()
        .to_string();
    assert!(e.contains("line 3") && e.contains("unknown parent code SY-XX"), "{e}");
    assert!(
        !sanad_node::domain::regions::exists(&app.state.db, "SY0101").await.unwrap(),
        "nothing of a bad file is loaded"
    );
    let dup = dir.path().join("dup.csv");
    std::fs::write(
        &dup,
        "code,parent_code,level,name_en,name_ar\nJO0101,JO-AM,2,A,أ\nJO0101,JO-AM,2,B,ب\n",
    )
    .unwrap();
    let e = sanad(&app, dir.path(), &["regions", "import", dup.to_str().unwrap()])
        .await
        .unwrap_err()
        .to_string();
    assert!(e.contains("line 3") && e.contains("duplicate code JO0101"), "{e}");
    assert!(!sanad_node::domain::regions::exists(&app.state.db, "JO0101").await.unwrap());

    // The imported regions are usable at once, and filtering by a parent finds cases below it.
    app.member_of_new_org().await;
}

trait NewOrg {
    async fn member_of_new_org(&self);
}

impl NewOrg for sanad_tests::TestApp {
    async fn member_of_new_org(&self) {
        self.org("amal", "جمعية الأمل").await;
        self.member("a@amal.org", "amal", sanad_node::domain::tenancy::Role::Caseworker).await;
        let user = accounts::find_user(&self.state.db, "a@amal.org").await.unwrap().unwrap();
        let scope = OrgScope::for_user(&self.state.db, &user, "amal").await.unwrap();
        let fields = sanad_node::domain::cases::CaseFields {
            head_name: "x".into(),
            region_code: "PS010101".into(),
            household_size: Some(2),
            ..Default::default()
        };
        self.state
            .write(async |uow| {
                sanad_node::domain::cases::create(uow, &scope, Input::new(fields)).await
            })
            .await
            .unwrap();
        let filter = sanad_node::domain::cases::CaseFilter {
            region: Some("PS-GZA".into()),
            ..Default::default()
        };
        assert_eq!(self.list_cases(&scope, &filter).await.1, 1);
    }
}

#[test]
fn invalid_configuration_stops_start_up_naming_the_option() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bad.toml");
    std::fs::write(&file, "[http]\nbind = \"not an address\"\n").unwrap();
    let e = sanad_node::config::Config::load(Some(&file)).unwrap_err().to_string();
    assert!(e.contains("http.bind"), "{e}");
    let e = sanad_node::config::Config::load(Some(&dir.path().join("missing.toml")))
        .unwrap_err()
        .to_string();
    assert!(e.contains("--config"), "{e}");
}
