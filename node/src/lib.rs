//! A Sanad node: the server and the operator CLI (`sanad`).
//!
//! See `docs/ARCHITECTURE.md` for the map. Domain modules (`accounts`, `cases`, `needs`, `regions`) hold the rules
//! and take an [`tenancy::OrgScope`] for tenant data; `web` and `api` are thin layers over them.

pub mod accounts;
pub mod api;
pub mod app;
pub mod audit;
pub mod auth;
pub mod cases;
pub mod cli;
pub mod config;
pub mod db;
pub mod entities;
pub mod error;
pub mod i18n;
pub mod needs;
pub mod ops;
pub mod regions;
pub mod stock;
pub mod telemetry;
pub mod tenancy;
pub mod validate;
pub mod vocab;
pub mod web;
