//! Infrastructure: the database connection, the unit of work, the sea-orm entities, e-mail and the metrics registry.

pub mod db;
pub mod entities;
pub mod events;
pub mod mail;
pub mod metrics;
pub mod uow;
