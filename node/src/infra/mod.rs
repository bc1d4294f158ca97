//! Infrastructure: the database connection, the unit of work, the sea-orm entities and the metrics registry.

pub mod db;
pub mod entities;
pub mod events;
pub mod metrics;
pub mod uow;
