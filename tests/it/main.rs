//! Sanad's end-to-end tests: one binary, one module per area. Every test starts real nodes on 127.0.0.1:0.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod api;
mod cli;
mod commitments;
mod crash;
mod federation;
mod hostile;
mod inbox;
mod migrations;
mod ops;
mod pledges;
mod search;
mod stock;
mod tenancy;
mod web;
