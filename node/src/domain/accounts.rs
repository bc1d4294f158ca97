//! Organisations, users, memberships, API tokens and the first-run setup: everything about who may do what.

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde_json::json;

use crate::{
    domain::audit,
    domain::auth::{self, new_token, token_hash},
    domain::error::{AppError, AppResult, FieldErrors},
    domain::tenancy::{Actor, OrgScope, Perm, Role},
    domain::validate,
    domain::vocab,
    infra::db,
    infra::entities::{api_token, membership, organisation, user},
};

/// The checked fields of an organisation.
#[derive(Clone, Debug, Default, serde::Deserialize, utoipa::ToSchema)]
pub struct OrgDraft {
    /// Short name used in addresses: 2-64 of a-z, 0-9 and -.
    #[serde(default)]
    pub slug: String,
    /// Name in Arabic.
    #[serde(default)]
    pub name_ar: String,
    /// Name in English.
    #[serde(default)]
    pub name_en: String,
    /// What the organisation does.
    #[serde(default)]
    pub description: String,
}

fn check_org(errors: &mut FieldErrors, draft: &OrgDraft) -> OrgDraft {
    OrgDraft {
        slug: validate::slug(errors, "slug", &draft.slug),
        name_ar: validate::required_text(errors, "name_ar", &draft.name_ar, 200),
        name_en: validate::required_text(errors, "name_en", &draft.name_en, 200),
        description: validate::optional_text(errors, "description", Some(&draft.description), 2000)
            .unwrap_or_default(),
    }
}

async fn insert_org(db: &impl ConnectionTrait, draft: &OrgDraft) -> AppResult<organisation::Model> {
    if find_org(db, &draft.slug).await?.is_some() {
        let mut errors = FieldErrors::default();
        errors.add("slug", "err-slug-taken");
        return Err(AppError::Validation(errors));
    }
    Ok(organisation::ActiveModel {
        slug: Set(draft.slug.clone()),
        name_ar: Set(draft.name_ar.clone()),
        name_en: Set(draft.name_en.clone()),
        description: Set(draft.description.clone()),
        local: Set(true),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(db)
    .await?)
}

/// Finds a local organisation by slug.
pub async fn find_org(
    db: &impl ConnectionTrait,
    slug: &str,
) -> AppResult<Option<organisation::Model>> {
    Ok(organisation::Entity::find()
        .filter(organisation::Column::Slug.eq(slug.trim().to_lowercase()))
        .filter(organisation::Column::Local.eq(true))
        .one(db)
        .await?)
}

/// Creates an organisation (node operator or CLI).
pub async fn create_org(
    db: &DatabaseConnection,
    draft: &OrgDraft,
    by: Option<Actor>,
) -> AppResult<organisation::Model> {
    create_org_with_admin(db, draft, None, by).await
}

/// Creates an organisation and, when `admin_email` names an existing account, makes it the first admin.
pub async fn create_org_with_admin(
    db: &DatabaseConnection,
    draft: &OrgDraft,
    admin_email: Option<&str>,
    by: Option<Actor>,
) -> AppResult<organisation::Model> {
    let mut errors = FieldErrors::default();
    let draft = check_org(&mut errors, draft);
    let admin = match admin_email.map(str::trim).filter(|e| !e.is_empty()) {
        Some(email) => {
            let user = find_user(db, email).await?;
            if user.is_none() {
                errors.add("admin_email", "err-no-such-user");
            }
            user
        }
        None => None,
    };
    errors.into_result(())?;
    let txn = crate::infra::db::begin_write(db).await?;
    let org = insert_org(&txn, &draft).await?;
    if let Some(admin) = &admin {
        grant(&txn, admin.id, org.id, Role::Admin).await?;
    }
    audit::record_raw(
        &txn,
        Some(org.id),
        by,
        "org.create",
        "organisation",
        Some(org.id),
        json!({"slug": org.slug}),
    )
    .await?;
    txn.commit().await?;
    Ok(org)
}

/// Every local organisation, for the operator.
pub async fn all_orgs(db: &DatabaseConnection) -> AppResult<Vec<(organisation::Model, u64)>> {
    let orgs = organisation::Entity::find()
        .filter(organisation::Column::Local.eq(true))
        .order_by_asc(organisation::Column::Slug)
        .all(db)
        .await?;
    let mut out = Vec::with_capacity(orgs.len());
    for org in orgs {
        let members = membership::Entity::find()
            .filter(membership::Column::OrgId.eq(org.id))
            .count(db)
            .await?;
        out.push((org, members));
    }
    Ok(out)
}

/// Changes an organisation's names and description (admins).
pub async fn update_org(
    db: &DatabaseConnection,
    scope: &OrgScope,
    draft: &OrgDraft,
) -> AppResult<organisation::Model> {
    scope.require(Perm::ManageOrg)?;
    let mut errors = FieldErrors::default();
    let draft = check_org(
        &mut errors,
        &OrgDraft {
            slug: scope.org().slug.clone(),
            ..draft.clone()
        },
    );
    errors.into_result(())?;
    let txn = crate::infra::db::begin_write(db).await?;
    let mut active: organisation::ActiveModel = scope.org().clone().into();
    active.name_ar = Set(draft.name_ar);
    active.name_en = Set(draft.name_en);
    active.description = Set(draft.description);
    let org = active.update(&txn).await?;
    audit::record(&txn, scope, "org.update", "organisation", org.id, json!({})).await?;
    txn.commit().await?;
    Ok(org)
}

/// The checked fields of a new user.
#[derive(Clone, Debug, Default)]
pub struct UserDraft {
    /// E-mail address, used to sign in.
    pub email: String,
    /// Name shown to colleagues.
    pub display_name: String,
    /// Initial password.
    pub password: String,
}

fn check_user(errors: &mut FieldErrors, draft: &UserDraft) -> UserDraft {
    let email = validate::email(errors, "email", &draft.email);
    let display_name =
        validate::optional_text(errors, "display_name", Some(&draft.display_name), 200)
            .unwrap_or_else(|| {
                email
                    .split('@')
                    .next()
                    .unwrap_or_default()
                    .chars()
                    .take(200)
                    .collect()
            });
    validate::new_password(errors, "password", &draft.password);
    UserDraft {
        email,
        display_name,
        password: draft.password.clone(),
    }
}

async fn insert_user(
    db: &impl ConnectionTrait,
    draft: &UserDraft,
    operator: bool,
) -> AppResult<user::Model> {
    if find_user(db, &draft.email).await?.is_some() {
        let mut errors = FieldErrors::default();
        errors.add("email", "err-email-taken");
        return Err(AppError::Validation(errors));
    }
    Ok(user::ActiveModel {
        email: Set(draft.email.clone()),
        display_name: Set(draft.display_name.clone()),
        password_hash: Set(auth::hash_password_blocking(&draft.password).await?),
        lang: Set(None),
        is_operator: Set(operator),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(db)
    .await?)
}

/// Finds a user by e-mail (case-insensitive).
pub async fn find_user(db: &impl ConnectionTrait, email: &str) -> AppResult<Option<user::Model>> {
    Ok(user::Entity::find()
        .filter(user::Column::Email.eq(email.trim().to_lowercase()))
        .one(db)
        .await?)
}

/// Creates a user (CLI).
pub async fn create_user(db: &DatabaseConnection, draft: &UserDraft) -> AppResult<user::Model> {
    let mut errors = FieldErrors::default();
    let draft = check_user(&mut errors, draft);
    errors.into_result(())?;
    let txn = crate::infra::db::begin_write(db).await?;
    let user = insert_user(&txn, &draft, false).await?;
    audit::record_raw(
        &txn,
        None,
        None,
        "user.create",
        "user",
        Some(user.id),
        json!({"email": user.email}),
    )
    .await?;
    txn.commit().await?;
    Ok(user)
}

/// Gives `user` the role `role` in `org` (creating or changing the membership).
pub async fn grant(
    db: &impl ConnectionTrait,
    user_id: i64,
    org_id: i64,
    role: Role,
) -> AppResult<()> {
    let existing = membership::Entity::find()
        .filter(membership::Column::UserId.eq(user_id))
        .filter(membership::Column::OrgId.eq(org_id))
        .one(db)
        .await?;
    match existing {
        Some(m) => {
            let mut active: membership::ActiveModel = m.into();
            active.role = Set(role.as_str().to_owned());
            active.update(db).await?;
        }
        None => {
            membership::ActiveModel {
                user_id: Set(user_id),
                org_id: Set(org_id),
                role: Set(role.as_str().to_owned()),
                created_at: Set(Utc::now()),
                ..Default::default()
            }
            .insert(db)
            .await?;
        }
    }
    Ok(())
}

/// Grants a role from the CLI, by e-mail and slug.
pub async fn grant_by_name(
    db: &DatabaseConnection,
    email: &str,
    slug: &str,
    role: &str,
) -> AppResult<()> {
    let role = Role::parse(role).ok_or(AppError::BadRequest("err-unknown-role"))?;
    let user = find_user(db, email)
        .await?
        .ok_or(AppError::BadRequest("err-no-such-user"))?;
    let org = find_org(db, slug)
        .await?
        .ok_or(AppError::BadRequest("err-no-such-org"))?;
    let txn = crate::infra::db::begin_write(db).await?;
    grant(&txn, user.id, org.id, role).await?;
    audit::record_raw(
        &txn,
        Some(org.id),
        None,
        "member.grant",
        "user",
        Some(user.id),
        json!({"role": role.as_str()}),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Makes a user a node operator.
pub async fn make_operator(db: &DatabaseConnection, email: &str) -> AppResult<()> {
    let user = find_user(db, email)
        .await?
        .ok_or(AppError::BadRequest("err-no-such-user"))?;
    let txn = crate::infra::db::begin_write(db).await?;
    let mut active: user::ActiveModel = user.clone().into();
    active.is_operator = Set(true);
    active.update(&txn).await?;
    audit::record_raw(
        &txn,
        None,
        None,
        "user.operator",
        "user",
        Some(user.id),
        json!({}),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Creates an API token for `email` in `slug` with the membership's role (or a lower `role`); returns it in clear,
/// the only time it is ever shown.
pub async fn create_token(
    db: &DatabaseConnection,
    email: &str,
    slug: &str,
    role: Option<&str>,
    label: &str,
) -> AppResult<(String, api_token::Model)> {
    let user = find_user(db, email)
        .await?
        .ok_or(AppError::BadRequest("err-no-such-user"))?;
    let org = find_org(db, slug)
        .await?
        .ok_or(AppError::BadRequest("err-no-such-org"))?;
    let member = membership::Entity::find()
        .filter(membership::Column::UserId.eq(user.id))
        .filter(membership::Column::OrgId.eq(org.id))
        .one(db)
        .await?
        .ok_or(AppError::BadRequest("err-not-a-member"))?;
    let member_role = Role::parse(&member.role).ok_or(AppError::BadRequest("err-unknown-role"))?;
    let role = match role {
        Some(r) => Role::parse(r).ok_or(AppError::BadRequest("err-unknown-role"))?,
        None => member_role,
    };
    if role > member_role {
        return Err(AppError::BadRequest("err-role-above-membership"));
    }
    let token = new_token("sanad_")?;
    let txn = crate::infra::db::begin_write(db).await?;
    let model = api_token::ActiveModel {
        token_hash: Set(token_hash(&token)),
        user_id: Set(user.id),
        org_id: Set(org.id),
        role: Set(role.as_str().to_owned()),
        label: Set(label.chars().take(200).collect()),
        created_at: Set(Utc::now()),
        revoked_at: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::record_raw(
        &txn,
        Some(org.id),
        None,
        "token.create",
        "api_token",
        Some(model.id),
        json!({"user": user.id}),
    )
    .await?;
    txn.commit().await?;
    Ok((token, model))
}

/// The organisations a user belongs to, with the role in each.
pub async fn memberships_of(
    db: &DatabaseConnection,
    user_id: i64,
) -> AppResult<Vec<(organisation::Model, String)>> {
    let members = membership::Entity::find()
        .filter(membership::Column::UserId.eq(user_id))
        .all(db)
        .await?;
    let mut out = Vec::new();
    for m in members {
        if let Some(org) = organisation::Entity::find_by_id(m.org_id).one(db).await? {
            out.push((org, m.role));
        }
    }
    out.sort_by(|a, b| a.0.slug.cmp(&b.0.slug));
    Ok(out)
}

/// A member of an organisation as listed on the members page.
#[derive(Clone, Debug)]
pub struct Member {
    /// The membership's id.
    pub membership_id: i64,
    /// The user's id.
    pub user_id: i64,
    /// E-mail address.
    pub email: String,
    /// Display name.
    pub display_name: String,
    /// Role name.
    pub role: String,
}

/// The members of the scope's organisation.
pub async fn members(db: &DatabaseConnection, scope: &OrgScope) -> AppResult<Vec<Member>> {
    let rows = membership::Entity::find()
        .filter(membership::Column::OrgId.eq(scope.org_id()))
        .all(db)
        .await?;
    let users = user::Entity::find()
        .filter(user::Column::Id.is_in(rows.iter().map(|m| m.user_id).collect::<Vec<_>>()))
        .all(db)
        .await?;
    let mut out: Vec<Member> = rows
        .into_iter()
        .filter_map(|m| {
            users.iter().find(|u| u.id == m.user_id).map(|u| Member {
                membership_id: m.id,
                user_id: u.id,
                email: u.email.clone(),
                display_name: u.display_name.clone(),
                role: m.role,
            })
        })
        .collect();
    out.sort_by(|a, b| a.display_name.cmp(&b.display_name));
    Ok(out)
}

/// The fields of the "add a member" form.
#[derive(Clone, Debug, Default, serde::Deserialize)]
pub struct MemberDraft {
    /// E-mail of the person to add.
    #[serde(default)]
    pub email: String,
    /// Their name, for a new account.
    #[serde(default)]
    pub display_name: String,
    /// Role to give.
    #[serde(default)]
    pub role: String,
    /// Initial password, for a new account.
    #[serde(default)]
    pub password: String,
}

/// Adds a member (creating the account if the e-mail is new) or changes the role of an existing one.
pub async fn add_member(
    db: &DatabaseConnection,
    scope: &OrgScope,
    draft: &MemberDraft,
) -> AppResult<()> {
    scope.require(Perm::ManageOrg)?;
    let mut errors = FieldErrors::default();
    let email = validate::email(&mut errors, "email", &draft.email);
    let role = validate::choice(&mut errors, "role", &draft.role, vocab::ROLES);
    errors.clone().into_result(())?;
    let txn = crate::infra::db::begin_write(db).await?;
    lock_org(&txn, scope.org_id()).await?;
    let user = match find_user(&txn, &email).await? {
        Some(user) => {
            let member = membership::Entity::find()
                .filter(membership::Column::UserId.eq(user.id))
                .filter(membership::Column::OrgId.eq(scope.org_id()))
                .one(&txn)
                .await?;
            if member.is_some() {
                // Changing a member's role goes through `set_member_role`, which guards the last admin.
                return Err(AppError::Conflict("err-already-member"));
            }
            user
        }
        None => {
            let new = check_user(
                &mut errors,
                &UserDraft {
                    email,
                    display_name: draft.display_name.clone(),
                    password: draft.password.clone(),
                },
            );
            errors.into_result(())?;
            insert_user(&txn, &new, false).await?
        }
    };
    let role = Role::parse(&role).ok_or(AppError::BadRequest("err-unknown-role"))?;
    grant(&txn, user.id, scope.org_id(), role).await?;
    audit::record(
        &txn,
        scope,
        "member.add",
        "user",
        user.id,
        json!({"role": role.as_str()}),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Locks the organisation's row until the transaction ends, so that membership decisions (the last admin) are made
/// one at a time on PostgreSQL (SQLite already serialises writers).
async fn lock_org(txn: &impl ConnectionTrait, org_id: i64) -> AppResult<()> {
    organisation::Entity::find_by_id(org_id)
        .lock_exclusive()
        .one(txn)
        .await?;
    Ok(())
}

async fn scoped_membership(
    db: &impl ConnectionTrait,
    scope: &OrgScope,
    id: i64,
) -> AppResult<membership::Model> {
    membership::Entity::find_by_id(id)
        .filter(membership::Column::OrgId.eq(scope.org_id()))
        .one(db)
        .await?
        .ok_or(AppError::NotFound)
}

async fn other_admins(db: &impl ConnectionTrait, scope: &OrgScope, except: i64) -> AppResult<u64> {
    Ok(membership::Entity::find()
        .filter(membership::Column::OrgId.eq(scope.org_id()))
        .filter(membership::Column::Role.eq("admin"))
        .filter(membership::Column::Id.ne(except))
        .count(db)
        .await?)
}

/// Changes a member's role; the last admin cannot be demoted.
pub async fn set_member_role(
    db: &DatabaseConnection,
    scope: &OrgScope,
    id: i64,
    role: &str,
) -> AppResult<()> {
    scope.require(Perm::ManageOrg)?;
    let mut errors = FieldErrors::default();
    let role = validate::choice(&mut errors, "role", role, vocab::ROLES);
    errors.into_result(())?;
    let txn = crate::infra::db::begin_write(db).await?;
    lock_org(&txn, scope.org_id()).await?;
    let member = scoped_membership(&txn, scope, id).await?;
    if member.role == "admin" && role != "admin" && other_admins(&txn, scope, id).await? == 0 {
        return Err(AppError::Conflict("err-last-admin"));
    }
    let user_id = member.user_id;
    let mut active: membership::ActiveModel = member.into();
    active.role = Set(role.clone());
    active.update(&txn).await?;
    audit::record(
        &txn,
        scope,
        "member.role",
        "user",
        user_id,
        json!({"role": role}),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Removes a member and revokes their tokens for this organisation; the last admin cannot be removed.
pub async fn remove_member(db: &DatabaseConnection, scope: &OrgScope, id: i64) -> AppResult<()> {
    scope.require(Perm::ManageOrg)?;
    let txn = crate::infra::db::begin_write(db).await?;
    lock_org(&txn, scope.org_id()).await?;
    let member = scoped_membership(&txn, scope, id).await?;
    if member.role == "admin" && other_admins(&txn, scope, id).await? == 0 {
        return Err(AppError::Conflict("err-last-admin"));
    }
    api_token::Entity::update_many()
        .col_expr(
            api_token::Column::RevokedAt,
            sea_orm::sea_query::Expr::value(Utc::now()),
        )
        .filter(api_token::Column::UserId.eq(member.user_id))
        .filter(api_token::Column::OrgId.eq(scope.org_id()))
        .filter(api_token::Column::RevokedAt.is_null())
        .exec(&txn)
        .await?;
    membership::Entity::delete_by_id(member.id)
        .exec(&txn)
        .await?;
    audit::record(
        &txn,
        scope,
        "member.remove",
        "user",
        member.user_id,
        json!({}),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Changes a signed-in user's password after checking the current one; other sessions end.
pub async fn change_password(
    db: &DatabaseConnection,
    user: &user::Model,
    current: &str,
    new: &str,
    keep_session: Option<&str>,
) -> AppResult<()> {
    let mut errors = FieldErrors::default();
    if !auth::verify_password_blocking(current, &user.password_hash).await {
        errors.add("current_password", "err-wrong-password");
    }
    validate::new_password(&mut errors, "new_password", new);
    errors.into_result(())?;
    let txn = crate::infra::db::begin_write(db).await?;
    let mut active: user::ActiveModel = user.clone().into();
    active.password_hash = Set(auth::hash_password_blocking(new).await?);
    active.update(&txn).await?;
    auth::end_other_sessions(&txn, user.id, keep_session).await?;
    audit::record_raw(
        &txn,
        None,
        Some(Actor {
            user_id: user.id,
            token_id: None,
        }),
        "user.password",
        "user",
        Some(user.id),
        json!({}),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Stores a user's language preference.
pub async fn set_language(
    db: &DatabaseConnection,
    user: &user::Model,
    lang: &str,
) -> AppResult<()> {
    let mut active: user::ActiveModel = user.clone().into();
    active.lang = Set(Some(lang.to_owned()));
    active.update(db).await?;
    Ok(())
}

const SETUP_KEY: &str = "setup_token_hash";

/// Whether the node has no account yet (so the setup page is open to the holder of the setup link).
pub async fn needs_setup(db: &impl ConnectionTrait) -> AppResult<bool> {
    Ok(user::Entity::find().count(db).await? == 0)
}

/// When the node has no account yet, makes a fresh one-time setup token and returns the setup link.
pub async fn setup_link(db: &DatabaseConnection, public_url: &str) -> AppResult<Option<String>> {
    if !needs_setup(db).await? {
        db::delete_setting(db, SETUP_KEY).await?;
        return Ok(None);
    }
    let token = new_token("")?;
    db::set_setting(db, SETUP_KEY, &token_hash(&token)).await?;
    Ok(Some(format!("{public_url}/setup?token={token}")))
}

/// Whether `token` is the live setup token.
pub async fn setup_token_valid(db: &impl ConnectionTrait, token: &str) -> AppResult<bool> {
    Ok(db::setting(db, SETUP_KEY)
        .await?
        .is_some_and(|h| h == token_hash(token.trim()))
        && needs_setup(db).await?)
}

/// The setup form: the first organisation and its first admin.
#[derive(Clone, Debug, Default, serde::Deserialize)]
pub struct SetupDraft {
    /// The one-time token from the setup link.
    #[serde(default)]
    pub token: String,
    /// The organisation.
    #[serde(flatten)]
    pub org: OrgDraft,
    /// Admin's e-mail.
    #[serde(default)]
    pub email: String,
    /// Admin's name.
    #[serde(default)]
    pub display_name: String,
    /// Admin's password.
    #[serde(default)]
    pub password: String,
}

/// Creates the first organisation and its admin (who is also the node operator), in one transaction, and uses up
/// the setup token.
pub async fn complete_setup(db: &DatabaseConnection, draft: &SetupDraft) -> AppResult<user::Model> {
    let mut errors = FieldErrors::default();
    let org = check_org(&mut errors, &draft.org);
    let new_user = check_user(
        &mut errors,
        &UserDraft {
            email: draft.email.clone(),
            display_name: draft.display_name.clone(),
            password: draft.password.clone(),
        },
    );
    errors.into_result(())?;
    let txn = crate::infra::db::begin_write(db).await?;
    if !setup_token_valid(&txn, &draft.token).await? {
        return Err(AppError::NotFound);
    }
    let org = insert_org(&txn, &org).await?;
    let user = insert_user(&txn, &new_user, true).await?;
    grant(&txn, user.id, org.id, Role::Admin).await?;
    db::delete_setting(&txn, SETUP_KEY).await?;
    let actor = Some(Actor {
        user_id: user.id,
        token_id: None,
    });
    audit::record_raw(
        &txn,
        Some(org.id),
        actor,
        "node.setup",
        "organisation",
        Some(org.id),
        json!({"slug": org.slug}),
    )
    .await?;
    txn.commit().await?;
    Ok(user)
}
