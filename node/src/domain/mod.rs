//! The domain: Sanad's rules, with no HTTP in them.
//!
//! **Architecture invariant:** nothing under `domain` imports axum, askama or utoipa (a test reads the sources to
//! check). Tenant data is reached through a [`tenancy::OrgScope`]; every write runs inside a
//! [`crate::infra::uow::UnitOfWork`] handed in by the caller.

pub mod accounts;
pub mod audit;
pub mod auth;
pub mod cases;
pub mod error;
pub mod fulfilment;
pub mod needs;
pub mod network;
pub mod notifications;
pub mod pledges;
pub mod public;
pub mod regions;
pub mod search;
pub mod stock;
pub mod tenancy;
pub mod validate;
