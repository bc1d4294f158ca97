//! sea-orm entities: one module per table. The migrations are the truth; these mirror them.

pub mod api_token;
pub mod audit_entry;
pub mod case;
pub mod case_note;
pub mod distribution;
pub mod invitation;
pub mod item;
pub mod membership;
pub mod need;
pub mod node_setting;
pub mod offer;
pub mod organisation;
pub mod outbox;
pub mod region;
pub mod session;
pub mod stock_balance;
pub mod stock_movement;
pub mod user;
pub mod warehouse;
