//! Sanad's text analysis: the Arabic-aware normalisation and light stemming shared by every place that matches text.
//!
//! **Architecture invariant:** this crate knows no database. It turns text into comparable terms; the node decides
//! where those terms are stored.

pub mod analysis;
mod arabic;
pub mod corpus;
pub mod index;
mod matches;
pub mod service;

pub use arabic::{fold_digits, light_stem, normalize, terms};
