//! A Sanad node: the server and the operator CLI (`sanad`).
//!
//! See `docs/ARCHITECTURE.md` for the map. Layers point one way: `http` and `cli` (the edges) → `domain` (the
//! rules, which take an [`domain::tenancy::OrgScope`] for tenant data) → `infra` (database, unit of work, entities).
//! `app` wires them together; `state` is the leaf every handler shares.

pub mod app;
pub mod cli;
pub mod config;
pub mod domain;
pub mod http;
pub mod i18n;
pub mod infra;
pub mod state;
pub mod telemetry;
pub mod vocab;

#[cfg(test)]
mod layering;
