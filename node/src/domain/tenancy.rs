//! Tenancy: roles, permissions and [`OrgScope`], the only way to reach an organisation's data.
//!
//! **Architecture invariant:** tenant rows are read and written only through functions that take an `OrgScope`, and
//! an `OrgScope` can only be built here, from a membership (or a token of a membership) of the organisation.

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use crate::domain::error::{AppError, AppResult};
use crate::infra::entities::{api_token, membership, organisation, user};
pub use crate::vocab::Role;

impl Role {
    /// Whether this role grants `perm`.
    pub fn allows(self, perm: Perm) -> bool {
        match perm {
            Perm::Read => true,
            Perm::WriteCases | Perm::WriteNeeds => matches!(self, Role::Admin | Role::Caseworker),
            Perm::ManageStock => matches!(self, Role::Admin | Role::Storekeeper),
            Perm::Distribute => matches!(self, Role::Admin | Role::Caseworker),
            Perm::ManageOrg => self == Role::Admin,
        }
    }
}

/// Something a role may or may not do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Perm {
    /// Read the organisation's cases, needs and settings.
    Read,
    /// Create and change cases and their notes.
    WriteCases,
    /// Create and change needs.
    WriteNeeds,
    /// Keep the catalogue, warehouses, receipts, transfers, adjustments, losses and offers.
    ManageStock,
    /// Record and reverse distributions to households.
    Distribute,
    /// Change settings and members.
    ManageOrg,
}

/// Who is acting: a signed-in user, or a user through an API token.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Actor {
    /// The user.
    pub user_id: i64,
    /// The API token used, if any.
    pub token_id: Option<i64>,
}

/// An authorised view of one organisation: built only from a membership, carried into every tenant query.
#[derive(Clone, Debug)]
pub struct OrgScope {
    org: organisation::Model,
    role: Role,
    actor: Actor,
}

impl OrgScope {
    /// The scope of a signed-in user in the organisation `slug`; 404 if the user is not a member (an organisation
    /// one does not belong to is indistinguishable from one that does not exist).
    pub async fn for_user(
        db: &impl ConnectionTrait,
        user: &user::Model,
        slug: &str,
    ) -> AppResult<Self> {
        let org = local_org(db, slug).await?;
        let member = membership::Entity::find()
            .filter(membership::Column::UserId.eq(user.id))
            .filter(membership::Column::OrgId.eq(org.id))
            .one(db)
            .await?
            .ok_or(AppError::NotFound)?;
        Ok(Self { org, role: member.role, actor: Actor { user_id: user.id, token_id: None } })
    }

    /// The scope of an API token in the organisation `slug`: 404 unless the token belongs to it. The role is the
    /// lower of the token's and the user's current membership; a token whose membership has ended is refused (401).
    pub async fn for_token(
        db: &impl ConnectionTrait,
        token: &api_token::Model,
        slug: &str,
    ) -> AppResult<Self> {
        let org = local_org(db, slug).await?;
        if org.id != token.org_id {
            return Err(AppError::NotFound);
        }
        let member = membership::Entity::find()
            .filter(membership::Column::UserId.eq(token.user_id))
            .filter(membership::Column::OrgId.eq(org.id))
            .one(db)
            .await?
            .ok_or(AppError::Unauthorized)?;
        Ok(Self {
            org,
            role: member.role.min(token.role),
            actor: Actor { user_id: token.user_id, token_id: Some(token.id) },
        })
    }

    /// `Ok` if the role grants `perm`, else 403.
    pub fn require(&self, perm: Perm) -> AppResult<()> {
        if self.role.allows(perm) { Ok(()) } else { Err(AppError::Forbidden) }
    }

    /// Whether the role grants `perm`.
    pub fn can(&self, perm: Perm) -> bool {
        self.role.allows(perm)
    }

    /// The organisation's id, for tenant queries.
    pub fn org_id(&self) -> i64 {
        self.org.id
    }

    /// The organisation.
    pub fn org(&self) -> &organisation::Model {
        &self.org
    }

    /// The caller's role.
    pub fn role(&self) -> Role {
        self.role
    }

    /// Who is acting.
    pub fn actor(&self) -> Actor {
        self.actor
    }
}

/// An authorised node operator: built only from a user with the operator capability. Node-wide actions (creating
/// organisations, managing peers) take it; it grants no [`OrgScope`].
#[derive(Clone, Copy, Debug)]
pub struct OperatorScope {
    actor: Actor,
}

impl OperatorScope {
    /// The operator scope of a signed-in user; 403 unless the user is a node operator.
    pub fn for_user(user: &user::Model) -> AppResult<Self> {
        if user.is_operator {
            Ok(Self { actor: Actor { user_id: user.id, token_id: None } })
        } else {
            Err(AppError::Forbidden)
        }
    }

    /// The operator at the command line (whoever can run `sanad` on the node's configuration).
    pub const fn command_line() -> Self {
        Self { actor: Actor { user_id: 0, token_id: None } }
    }

    /// Who is acting, if a user (`None` at the command line).
    pub fn actor(&self) -> Option<Actor> {
        (self.actor.user_id != 0).then_some(self.actor)
    }
}

async fn local_org(db: &impl ConnectionTrait, slug: &str) -> AppResult<organisation::Model> {
    organisation::Entity::find()
        .filter(organisation::Column::Slug.eq(slug))
        .filter(organisation::Column::Local.eq(true))
        .one(db)
        .await?
        .ok_or(AppError::NotFound)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_grant_what_the_guide_says() {
        let table = [
            (Role::Admin, [true, true, true, true, true, true]),
            (Role::Caseworker, [true, true, true, false, true, false]),
            (Role::Storekeeper, [true, false, false, true, false, false]),
            (Role::Viewer, [true, false, false, false, false, false]),
        ];
        let perms = [
            Perm::Read,
            Perm::WriteCases,
            Perm::WriteNeeds,
            Perm::ManageStock,
            Perm::Distribute,
            Perm::ManageOrg,
        ];
        for (role, expected) in table {
            let got = perms.map(|p| role.allows(p));
            assert_eq!(got, expected, "{role:?}");
        }
    }
}
