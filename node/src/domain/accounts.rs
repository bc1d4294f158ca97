//! Organisations, users, memberships and invitations, API tokens, signing in and the first-run setup: everything
//! about who may do what.
//!
//! Password hashing is slow on purpose: it happens in the `prepare_*` functions, before a unit of work begins,
//! never while one holds the database's write lock.

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, sea_query::Expr,
};
use serde_json::json;

use crate::vocab::Sector;

use crate::domain::{
    audit,
    auth::{self, SigninLimiter, new_token, token_hash},
    error::{AppError, AppResult, FieldErrors},
    regions,
    tenancy::{Actor, OperatorScope, OrgScope, Perm, Role},
    validate,
};
use crate::infra::{
    db,
    entities::{api_token, invitation, membership, organisation, user},
    events::Event,
    uow::{LockKind, UnitOfWork},
};

/// The fields of an organisation.
#[derive(Clone, Debug, Default)]
pub struct OrgFields {
    /// Short name used in addresses: 2-64 of a-z, 0-9 and -.
    pub slug: String,
    /// Name in Arabic.
    pub name_ar: String,
    /// Name in English.
    pub name_en: String,
    /// What the organisation does.
    pub description: String,
    /// The public profile that travels with its actor.
    pub profile: OrgProfile,
}

/// An organisation's public profile: where and in what it works, and how to reach it.
#[derive(Clone, Debug, Default)]
pub struct OrgProfile {
    /// Sectors it works in.
    pub sectors: Vec<Sector>,
    /// Region codes it serves.
    pub regions_served: Vec<String>,
    /// Its website (http:// or https://), or empty.
    pub website: String,
    /// A public contact e-mail, or empty.
    pub contact_email: String,
    /// Its registration number in the national registry of associations, or empty.
    pub registration_number: String,
    /// Whether follow requests are accepted without an admin's approval.
    pub auto_accept_follows: bool,
}

async fn check_profile(
    db: &impl ConnectionTrait,
    errors: &mut FieldErrors,
    p: &OrgProfile,
) -> AppResult<OrgProfile> {
    let website =
        validate::optional_text(errors, "website", Some(&p.website), 300).unwrap_or_default();
    let well_formed = (website.starts_with("https://") || website.starts_with("http://"))
        && website.len() > "https://".len()
        && !website.contains(char::is_whitespace);
    if !website.is_empty() && !well_formed {
        errors.add("website", "err-website");
    }
    let contact_email = if p.contact_email.trim().is_empty() {
        String::new()
    } else {
        validate::email(errors, "contact_email", &p.contact_email)
    };
    let registration_number =
        validate::optional_text(errors, "registration_number", Some(&p.registration_number), 64)
            .unwrap_or_default();
    let mut regions_served = Vec::new();
    for code in &p.regions_served {
        let code = code.trim();
        if code.is_empty() || regions_served.iter().any(|c| c == code) {
            continue;
        }
        if regions_served.len() >= 50
            || code.chars().count() > 32
            || !regions::exists(db, code).await?
        {
            errors.add("regions_served", "err-unknown-region");
            break;
        }
        regions_served.push(code.to_owned());
    }
    let mut sectors = p.sectors.clone();
    sectors.sort();
    sectors.dedup();
    Ok(OrgProfile {
        sectors,
        regions_served,
        website,
        contact_email,
        registration_number,
        auto_accept_follows: p.auto_accept_follows,
    })
}

fn apply_profile(active: &mut organisation::ActiveModel, p: OrgProfile) {
    let sectors: Vec<&str> = p.sectors.iter().map(|s| s.as_str()).collect();
    active.sectors = Set(json!(sectors).to_string());
    active.regions_served = Set(json!(p.regions_served).to_string());
    active.website = Set(p.website);
    active.contact_email = Set(p.contact_email);
    active.registration_number = Set(p.registration_number);
    active.auto_accept_follows = Set(p.auto_accept_follows);
}

/// An organisation's stored profile.
pub fn profile_of(org: &organisation::Model) -> OrgProfile {
    let list = |raw: &str| serde_json::from_str::<Vec<String>>(raw).unwrap_or_default();
    OrgProfile {
        sectors: list(&org.sectors).iter().filter_map(|s| Sector::parse(s)).collect(),
        regions_served: list(&org.regions_served),
        website: org.website.clone(),
        contact_email: org.contact_email.clone(),
        registration_number: org.registration_number.clone(),
        auto_accept_follows: org.auto_accept_follows,
    }
}

fn check_org(errors: &mut FieldErrors, fields: &OrgFields) -> OrgFields {
    OrgFields {
        slug: validate::slug(errors, "slug", &fields.slug),
        name_ar: validate::required_text(errors, "name_ar", &fields.name_ar, 200),
        name_en: validate::required_text(errors, "name_en", &fields.name_en, 200),
        description: validate::optional_text(
            errors,
            "description",
            Some(&fields.description),
            2000,
        )
        .unwrap_or_default(),
        profile: fields.profile.clone(),
    }
}

async fn insert_org(uow: &mut UnitOfWork, fields: &OrgFields) -> AppResult<organisation::Model> {
    if find_org(uow.db(), &fields.slug).await?.is_some() {
        let mut errors = FieldErrors::default();
        errors.add("slug", "err-slug-taken");
        return Err(AppError::Validation(errors));
    }
    let mut errors = FieldErrors::default();
    let profile = check_profile(uow.db(), &mut errors, &fields.profile).await?;
    errors.into_result(())?;
    let mut org = organisation::ActiveModel {
        slug: Set(fields.slug.clone()),
        name_ar: Set(fields.name_ar.clone()),
        name_en: Set(fields.name_en.clone()),
        description: Set(fields.description.clone()),
        local: Set(true),
        created_at: Set(Utc::now()),
        ..Default::default()
    };
    apply_profile(&mut org, profile);
    let org = org.insert(uow.db()).await?;
    uow.emit(Event::Organisation(org.id));
    Ok(org)
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

/// Creates an organisation and, when `admin_email` names an existing account, makes it the first admin (node
/// operators and the CLI).
pub async fn create_org(
    uow: &mut UnitOfWork,
    operator: &OperatorScope,
    fields: &OrgFields,
    admin_email: Option<&str>,
) -> AppResult<organisation::Model> {
    let mut errors = FieldErrors::default();
    let fields = check_org(&mut errors, fields);
    let admin = match admin_email.map(str::trim).filter(|e| !e.is_empty()) {
        Some(email) => {
            let user = find_user(uow.db(), email).await?;
            if user.is_none() {
                errors.add("admin_email", "err-no-such-user");
            }
            user
        }
        None => None,
    };
    errors.into_result(())?;
    let org = insert_org(uow, &fields).await?;
    if let Some(admin) = &admin {
        grant(uow.db(), admin.id, org.id, Role::Admin).await?;
    }
    audit::record_raw(
        uow,
        Some(org.id),
        operator.actor(),
        "org.create",
        "organisation",
        Some(org.id),
        json!({"slug": org.slug}),
    );
    Ok(org)
}

/// Every local organisation with its number of members, for the operator.
pub async fn all_orgs(
    db: &impl ConnectionTrait,
    _operator: &OperatorScope,
) -> AppResult<Vec<(organisation::Model, u64)>> {
    let orgs = organisation::Entity::find()
        .filter(organisation::Column::Local.eq(true))
        .order_by_asc(organisation::Column::Slug)
        .all(db)
        .await?;
    let counts: Vec<(i64, i64)> = membership::Entity::find()
        .select_only()
        .column(membership::Column::OrgId)
        .column_as(membership::Column::Id.count(), "n")
        .group_by(membership::Column::OrgId)
        .into_tuple()
        .all(db)
        .await?;
    let counts: std::collections::HashMap<i64, i64> = counts.into_iter().collect();
    Ok(orgs
        .into_iter()
        .map(|org| {
            let n = counts.get(&org.id).copied().unwrap_or(0);
            (org, u64::try_from(n).unwrap_or(0))
        })
        .collect())
}

/// Changes an organisation's names and description (admins).
pub async fn update_org(
    uow: &mut UnitOfWork,
    scope: &OrgScope,
    fields: &OrgFields,
) -> AppResult<organisation::Model> {
    scope.require(Perm::ManageOrg)?;
    let mut errors = FieldErrors::default();
    let fields =
        check_org(&mut errors, &OrgFields { slug: scope.org().slug.clone(), ..fields.clone() });
    let profile = check_profile(uow.db(), &mut errors, &fields.profile).await?;
    // The description travels with the organisation's actor: it must not name or reach a household.
    let mut gates = crate::domain::network::publish::Gates::default();
    if !gates.of(uow.db(), scope.org_id()).await?.scan(&fields.description).is_empty() {
        errors.add("description", "err-identifies-someone");
    }
    errors.into_result(())?;
    uow.lock(LockKind::Organisation, &[scope.org_id()]).await?;
    let mut active: organisation::ActiveModel = scope.org().clone().into();
    active.name_ar = Set(fields.name_ar);
    active.name_en = Set(fields.name_en);
    active.description = Set(fields.description);
    apply_profile(&mut active, profile);
    let org = active.update(uow.db()).await?;
    audit::record(uow, scope, "org.update", "organisation", Some(org.id), json!({}));
    uow.emit(Event::Organisation(org.id));
    Ok(org)
}

/// The fields of a new account.
#[derive(Clone, Debug, Default)]
pub struct UserFields {
    /// E-mail address, used to sign in.
    pub email: String,
    /// Name shown to colleagues.
    pub display_name: String,
    /// Initial password.
    pub password: String,
}

/// A checked account with its password already hashed, ready to be written.
#[derive(Clone, Debug)]
pub struct NewUser {
    email: String,
    display_name: String,
    password_hash: String,
}

fn check_user(errors: &mut FieldErrors, fields: &UserFields) -> (String, String) {
    let email = validate::email(errors, "email", &fields.email);
    let display_name =
        validate::optional_text(errors, "display_name", Some(&fields.display_name), 200)
            .unwrap_or_else(|| {
                email.split('@').next().unwrap_or_default().chars().take(200).collect()
            });
    validate::new_password(errors, "password", &fields.password);
    (email, display_name)
}

/// Checks an account's fields and hashes its password (slow: call before the unit of work begins).
pub async fn prepare_user(fields: &UserFields) -> AppResult<NewUser> {
    let mut errors = FieldErrors::default();
    let (email, display_name) = check_user(&mut errors, fields);
    errors.into_result(())?;
    Ok(NewUser {
        email,
        display_name,
        password_hash: auth::hash_password_blocking(&fields.password).await?,
    })
}

async fn insert_user(
    uow: &mut UnitOfWork,
    new: &NewUser,
    operator: bool,
) -> AppResult<user::Model> {
    if find_user(uow.db(), &new.email).await?.is_some() {
        let mut errors = FieldErrors::default();
        errors.add("email", "err-email-taken");
        return Err(AppError::Validation(errors));
    }
    Ok(user::ActiveModel {
        email: Set(new.email.clone()),
        display_name: Set(new.display_name.clone()),
        password_hash: Set(new.password_hash.clone()),
        lang: Set(None),
        is_operator: Set(operator),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(uow.db())
    .await?)
}

/// Finds a user by e-mail (case-insensitive).
pub async fn find_user(db: &impl ConnectionTrait, email: &str) -> AppResult<Option<user::Model>> {
    Ok(user::Entity::find()
        .filter(user::Column::Email.eq(email.trim().to_lowercase()))
        .one(db)
        .await?)
}

/// Creates an account (CLI).
pub async fn create_user(
    uow: &mut UnitOfWork,
    operator: &OperatorScope,
    new: &NewUser,
) -> AppResult<user::Model> {
    let user = insert_user(uow, new, false).await?;
    audit::record_raw(
        uow,
        None,
        operator.actor(),
        "user.create",
        "user",
        Some(user.id),
        json!({"email": user.email}),
    );
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
            active.role = Set(role);
            active.update(db).await?;
        }
        None => {
            membership::ActiveModel {
                user_id: Set(user_id),
                org_id: Set(org_id),
                role: Set(role),
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
    uow: &mut UnitOfWork,
    operator: &OperatorScope,
    email: &str,
    slug: &str,
    role: Role,
) -> AppResult<()> {
    let user = find_user(uow.db(), email).await?.ok_or(AppError::BadRequest("err-no-such-user"))?;
    let org = find_org(uow.db(), slug).await?.ok_or(AppError::BadRequest("err-no-such-org"))?;
    uow.lock(LockKind::Organisation, &[org.id]).await?;
    grant(uow.db(), user.id, org.id, role).await?;
    audit::record_raw(
        uow,
        Some(org.id),
        operator.actor(),
        "member.grant",
        "user",
        Some(user.id),
        json!({"role": role}),
    );
    Ok(())
}

/// Makes a user a node operator.
pub async fn make_operator(
    uow: &mut UnitOfWork,
    operator: &OperatorScope,
    email: &str,
) -> AppResult<()> {
    let user = find_user(uow.db(), email).await?.ok_or(AppError::BadRequest("err-no-such-user"))?;
    let id = user.id;
    let mut active: user::ActiveModel = user.into();
    active.is_operator = Set(true);
    active.update(uow.db()).await?;
    audit::record_raw(uow, None, operator.actor(), "user.operator", "user", Some(id), json!({}));
    Ok(())
}

/// Creates an API token for `email` in `slug` with the membership's role (or a lower `role`); returns it in clear,
/// the only time it is ever shown.
pub async fn create_token(
    uow: &mut UnitOfWork,
    operator: &OperatorScope,
    email: &str,
    slug: &str,
    role: Option<Role>,
    label: &str,
) -> AppResult<(String, api_token::Model)> {
    let user = find_user(uow.db(), email).await?.ok_or(AppError::BadRequest("err-no-such-user"))?;
    let org = find_org(uow.db(), slug).await?.ok_or(AppError::BadRequest("err-no-such-org"))?;
    let member = membership::Entity::find()
        .filter(membership::Column::UserId.eq(user.id))
        .filter(membership::Column::OrgId.eq(org.id))
        .one(uow.db())
        .await?
        .ok_or(AppError::BadRequest("err-not-a-member"))?;
    let role = role.unwrap_or(member.role);
    if role > member.role {
        return Err(AppError::BadRequest("err-role-above-membership"));
    }
    let token = new_token("sanad_")?;
    let model = api_token::ActiveModel {
        token_hash: Set(token_hash(&token)),
        user_id: Set(user.id),
        org_id: Set(org.id),
        role: Set(role),
        label: Set(label.chars().take(200).collect()),
        created_at: Set(Utc::now()),
        revoked_at: Set(None),
        ..Default::default()
    }
    .insert(uow.db())
    .await?;
    audit::record_raw(
        uow,
        Some(org.id),
        operator.actor(),
        "token.create",
        "api_token",
        Some(model.id),
        json!({"user": user.id}),
    );
    Ok((token, model))
}

/// The organisations a user belongs to, with the role in each, by slug.
pub async fn memberships_of(
    db: &impl ConnectionTrait,
    user_id: i64,
) -> AppResult<Vec<(organisation::Model, Role)>> {
    let rows = membership::Entity::find()
        .filter(membership::Column::UserId.eq(user_id))
        .find_also_related(organisation::Entity)
        .all(db)
        .await?;
    let mut out: Vec<(organisation::Model, Role)> =
        rows.into_iter().filter_map(|(m, org)| Some((org?, m.role))).collect();
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
    /// Role.
    pub role: Role,
}

/// The members of the scope's organisation, by name.
pub async fn members(db: &impl ConnectionTrait, scope: &OrgScope) -> AppResult<Vec<Member>> {
    let rows = membership::Entity::find()
        .filter(membership::Column::OrgId.eq(scope.org_id()))
        .find_also_related(user::Entity)
        .all(db)
        .await?;
    let mut out: Vec<Member> = rows
        .into_iter()
        .filter_map(|(m, u)| {
            let u = u?;
            Some(Member {
                membership_id: m.id,
                user_id: u.id,
                email: u.email,
                display_name: u.display_name,
                role: m.role,
            })
        })
        .collect();
    out.sort_by(|a, b| a.display_name.cmp(&b.display_name));
    Ok(out)
}

/// The members who may register households (assigned cases, record distributions).
pub async fn caseworkers(db: &impl ConnectionTrait, scope: &OrgScope) -> AppResult<Vec<Member>> {
    let mut all = members(db, scope).await?;
    all.retain(|m| m.role.allows(Perm::WriteCases));
    Ok(all)
}

/// The fields of the "add a member" form.
#[derive(Clone, Debug, Default)]
pub struct MemberFields {
    /// E-mail of the person to add.
    pub email: String,
    /// Their name, for a new account.
    pub display_name: String,
    /// Role to give.
    pub role: Option<Role>,
    /// Initial password, for a new account.
    pub password: String,
}

/// A checked "add a member" request, its password hashed (used only if the e-mail has no account yet).
#[derive(Clone, Debug)]
pub struct NewMember {
    user: NewUser,
    role: Role,
}

/// Checks the "add a member" form and hashes its password, whether or not the account exists: the answer, and the
/// time it takes, must not tell the admin which e-mails have accounts on this node.
pub async fn prepare_member(scope: &OrgScope, fields: &MemberFields) -> AppResult<NewMember> {
    scope.require(Perm::ManageOrg)?;
    let mut errors = FieldErrors::default();
    let role = validate::required(&mut errors, "role", fields.role);
    let (email, display_name) = check_user(
        &mut errors,
        &UserFields {
            email: fields.email.clone(),
            display_name: fields.display_name.clone(),
            password: fields.password.clone(),
        },
    );
    let Some(role) = role else {
        return Err(AppError::Validation(errors));
    };
    errors.into_result(())?;
    Ok(NewMember {
        user: NewUser {
            email,
            display_name,
            password_hash: auth::hash_password_blocking(&fields.password).await?,
        },
        role,
    })
}

/// Adds a member. A new e-mail gets an account with the given password and joins at once; an existing account is
/// invited and joins only when its owner accepts (see [`answer_invitation`]). Both answer the same.
pub async fn add_member(uow: &mut UnitOfWork, scope: &OrgScope, new: &NewMember) -> AppResult<()> {
    scope.require(Perm::ManageOrg)?;
    uow.lock(LockKind::Organisation, &[scope.org_id()]).await?;
    let Some(user) = find_user(uow.db(), &new.user.email).await? else {
        let user = insert_user(uow, &new.user, false).await?;
        grant(uow.db(), user.id, scope.org_id(), new.role).await?;
        audit::record(uow, scope, "member.add", "user", Some(user.id), json!({"role": new.role}));
        return Ok(());
    };
    let member = membership::Entity::find()
        .filter(membership::Column::UserId.eq(user.id))
        .filter(membership::Column::OrgId.eq(scope.org_id()))
        .one(uow.db())
        .await?;
    if member.is_some() {
        // The admin sees the members already; a role changes through `set_member_role`, which guards the last admin.
        return Err(AppError::Conflict("err-already-member"));
    }
    invitation::Entity::delete_many()
        .filter(invitation::Column::OrgId.eq(scope.org_id()))
        .filter(invitation::Column::UserId.eq(user.id))
        .exec(uow.db())
        .await?;
    invitation::ActiveModel {
        org_id: Set(scope.org_id()),
        user_id: Set(user.id),
        role: Set(new.role),
        invited_by: Set(scope.actor().user_id),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(uow.db())
    .await?;
    audit::record(uow, scope, "member.invite", "user", Some(user.id), json!({"role": new.role}));
    Ok(())
}

/// An invitation waiting for its account's owner.
#[derive(Clone, Debug)]
pub struct Invitation {
    /// The invitation's id.
    pub id: i64,
    /// The organisation inviting.
    pub org: organisation::Model,
    /// The role offered.
    pub role: Role,
}

/// The invitations waiting for a user.
pub async fn invitations_of(db: &impl ConnectionTrait, user_id: i64) -> AppResult<Vec<Invitation>> {
    let rows = invitation::Entity::find()
        .filter(invitation::Column::UserId.eq(user_id))
        .find_also_related(organisation::Entity)
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(i, org)| Some(Invitation { id: i.id, org: org?, role: i.role }))
        .collect())
}

/// The invitations an organisation has sent and that wait for an answer, as (e-mail, role).
pub async fn pending_invitations(
    db: &impl ConnectionTrait,
    scope: &OrgScope,
) -> AppResult<Vec<(String, Role)>> {
    scope.require(Perm::ManageOrg)?;
    let rows = invitation::Entity::find()
        .filter(invitation::Column::OrgId.eq(scope.org_id()))
        .find_also_related(user::Entity)
        .all(db)
        .await?;
    Ok(rows.into_iter().filter_map(|(i, u)| Some((u?.email, i.role))).collect())
}

/// Accepts (joining with the role offered) or declines an invitation of the signed-in user; 404 for anyone else's.
pub async fn answer_invitation(
    uow: &mut UnitOfWork,
    user: &user::Model,
    id: i64,
    accept: bool,
) -> AppResult<()> {
    let found = invitation::Entity::find_by_id(id)
        .filter(invitation::Column::UserId.eq(user.id))
        .one(uow.db())
        .await?
        .ok_or(AppError::NotFound)?;
    uow.lock(LockKind::Organisation, &[found.org_id]).await?;
    let deleted = invitation::Entity::delete_by_id(found.id).exec(uow.db()).await?;
    if deleted.rows_affected != 1 {
        return Err(AppError::NotFound);
    }
    let already = membership::Entity::find()
        .filter(membership::Column::UserId.eq(user.id))
        .filter(membership::Column::OrgId.eq(found.org_id))
        .one(uow.db())
        .await?;
    // A member already (added again meanwhile): the invitation is used up, the role stays what it is.
    if accept && already.is_none() {
        grant(uow.db(), user.id, found.org_id, found.role).await?;
    }
    audit::record_raw(
        uow,
        Some(found.org_id),
        Some(Actor { user_id: user.id, token_id: None }),
        if accept { "member.accept" } else { "member.decline" },
        "user",
        Some(user.id),
        json!({"role": found.role}),
    );
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

/// Whether the membership `id` is the organisation's last admin. The organisation is locked by the caller, so that
/// membership decisions are made one at a time.
async fn is_last_admin(
    db: &impl ConnectionTrait,
    scope: &OrgScope,
    member: &membership::Model,
) -> AppResult<bool> {
    if member.role != Role::Admin {
        return Ok(false);
    }
    let others = membership::Entity::find()
        .filter(membership::Column::OrgId.eq(scope.org_id()))
        .filter(membership::Column::Role.eq(Role::Admin))
        .filter(membership::Column::Id.ne(member.id))
        .count(db)
        .await?;
    Ok(others == 0)
}

/// Changes a member's role; the last admin cannot be demoted.
pub async fn set_member_role(
    uow: &mut UnitOfWork,
    scope: &OrgScope,
    id: i64,
    role: Role,
) -> AppResult<()> {
    scope.require(Perm::ManageOrg)?;
    uow.lock(LockKind::Organisation, &[scope.org_id()]).await?;
    let member = scoped_membership(uow.db(), scope, id).await?;
    if role != Role::Admin && is_last_admin(uow.db(), scope, &member).await? {
        return Err(AppError::Conflict("err-last-admin"));
    }
    let user_id = member.user_id;
    let mut active: membership::ActiveModel = member.into();
    active.role = Set(role);
    active.update(uow.db()).await?;
    audit::record(uow, scope, "member.role", "user", Some(user_id), json!({"role": role}));
    Ok(())
}

/// Removes a member and revokes their tokens for this organisation; the last admin cannot be removed.
pub async fn remove_member(uow: &mut UnitOfWork, scope: &OrgScope, id: i64) -> AppResult<()> {
    scope.require(Perm::ManageOrg)?;
    uow.lock(LockKind::Organisation, &[scope.org_id()]).await?;
    let member = scoped_membership(uow.db(), scope, id).await?;
    if is_last_admin(uow.db(), scope, &member).await? {
        return Err(AppError::Conflict("err-last-admin"));
    }
    api_token::Entity::update_many()
        .col_expr(api_token::Column::RevokedAt, Expr::value(Utc::now()))
        .filter(api_token::Column::UserId.eq(member.user_id))
        .filter(api_token::Column::OrgId.eq(scope.org_id()))
        .filter(api_token::Column::RevokedAt.is_null())
        .exec(uow.db())
        .await?;
    membership::Entity::delete_by_id(member.id).exec(uow.db()).await?;
    audit::record(uow, scope, "member.remove", "user", Some(member.user_id), json!({}));
    Ok(())
}

/// Checks the current password and hashes the new one (slow: call before the unit of work begins).
pub async fn prepare_password_change(
    user: &user::Model,
    current: &str,
    new: &str,
) -> AppResult<String> {
    let mut errors = FieldErrors::default();
    if !auth::verify_password_blocking(current, &user.password_hash).await {
        errors.add("current_password", "err-wrong-password");
    }
    validate::new_password(&mut errors, "new_password", new);
    errors.into_result(())?;
    Ok(auth::hash_password_blocking(new).await?)
}

/// Stores a new password hash (from [`prepare_password_change`]); the user's other sessions end.
pub async fn change_password(
    uow: &mut UnitOfWork,
    user: &user::Model,
    new_hash: String,
    keep_session: Option<&str>,
) -> AppResult<()> {
    let mut active: user::ActiveModel = user.clone().into();
    active.password_hash = Set(new_hash);
    active.update(uow.db()).await?;
    auth::end_other_sessions(uow.db(), user.id, keep_session).await?;
    audit::record_raw(
        uow,
        None,
        Some(Actor { user_id: user.id, token_id: None }),
        "user.password",
        "user",
        Some(user.id),
        json!({}),
    );
    Ok(())
}

/// Checks an e-mail and password, with the same work whether or not the account exists (so that timing does not
/// tell which e-mails have accounts), after counting the attempt against the client's and the account's quota.
pub async fn sign_in(
    db: &impl ConnectionTrait,
    limiter: &SigninLimiter,
    client: &str,
    email: &str,
    password: &str,
) -> AppResult<user::Model> {
    limiter.check(client, email)?;
    let user = find_user(db, email).await?;
    let hash =
        user.as_ref().map_or_else(|| auth::dummy_hash().to_owned(), |u| u.password_hash.clone());
    let ok = auth::verify_password_blocking(password, &hash).await;
    match user {
        Some(user) if ok => Ok(user),
        _ => Err(AppError::Unauthorized),
    }
}

/// Stores a user's language preference.
pub async fn set_language(
    db: &impl ConnectionTrait,
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
    Ok(db::setting(db, SETUP_KEY).await?.is_some_and(|h| h == token_hash(token.trim()))
        && needs_setup(db).await?)
}

/// The setup form's fields: the first organisation and its first admin.
#[derive(Clone, Debug, Default)]
pub struct SetupFields {
    /// The one-time token from the setup link.
    pub token: String,
    /// The organisation.
    pub org: OrgFields,
    /// The admin's account.
    pub admin: UserFields,
}

/// A checked setup, the admin's password hashed.
#[derive(Clone, Debug)]
pub struct NewSetup {
    token: String,
    org: OrgFields,
    admin: NewUser,
}

/// Checks the setup form and hashes the admin's password (slow: call before the unit of work begins).
pub async fn prepare_setup(fields: &SetupFields) -> AppResult<NewSetup> {
    let mut errors = FieldErrors::default();
    let org = check_org(&mut errors, &fields.org);
    let (email, display_name) = check_user(&mut errors, &fields.admin);
    errors.into_result(())?;
    Ok(NewSetup {
        token: fields.token.clone(),
        org,
        admin: NewUser {
            email,
            display_name,
            password_hash: auth::hash_password_blocking(&fields.admin.password).await?,
        },
    })
}

/// Creates the first organisation and its admin (who is also the node operator), and uses up the setup token.
pub async fn complete_setup(uow: &mut UnitOfWork, setup: &NewSetup) -> AppResult<user::Model> {
    if !setup_token_valid(uow.db(), &setup.token).await? {
        return Err(AppError::NotFound);
    }
    let org = insert_org(uow, &setup.org).await?;
    let user = insert_user(uow, &setup.admin, true).await?;
    grant(uow.db(), user.id, org.id, Role::Admin).await?;
    db::delete_setting(uow.db(), SETUP_KEY).await?;
    let actor = Some(Actor { user_id: user.id, token_id: None });
    audit::record_raw(
        uow,
        Some(org.id),
        actor,
        "node.setup",
        "organisation",
        Some(org.id),
        json!({"slug": org.slug}),
    );
    Ok(user)
}
