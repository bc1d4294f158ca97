//! The outbox (activities written in the same transaction as the change that causes them, delivered later by the
//! federation worker) and member invitations (an existing account joins an organisation only when its owner accepts).

use sea_orm_migration::{prelude::*, schema::*};

use crate::helpers::{drop_all, fk, index, ts};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Tables in creation order; dropped in reverse.
const TABLES: &[&str] = &["outbox", "invitations"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("outbox")
                .col(big_pk_auto("id"))
                .col(big_integer_null("org_id"))
                .col(string_len("activity_id", 512))
                .col(string_len("kind", 32))
                .col(text("payload"))
                .col(ts("created_at"))
                .col(integer("attempts").default(0))
                .col(timestamp_with_time_zone_null("next_attempt_at"))
                .col(timestamp_with_time_zone_null("delivered_at"))
                .col(text_null("last_error"))
                .foreign_key(&mut fk("outbox", "org_id", "organisations", true))
                .to_owned(),
        )
        .await?;
        m.create_index(index("outbox", &["activity_id"], true)).await?;
        m.create_index(index("outbox", &["delivered_at", "next_attempt_at"], false)).await?;

        m.create_table(
            Table::create()
                .table("invitations")
                .col(big_pk_auto("id"))
                .col(big_integer("org_id"))
                .col(big_integer("user_id"))
                .col(string_len("role", 16))
                .col(big_integer("invited_by"))
                .col(ts("created_at"))
                .foreign_key(&mut fk("invitations", "org_id", "organisations", true))
                .foreign_key(&mut fk("invitations", "user_id", "users", true))
                .to_owned(),
        )
        .await?;
        m.create_index(index("invitations", &["org_id", "user_id"], true)).await?;
        m.create_index(index("invitations", &["user_id"], false)).await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        drop_all(m, TABLES).await
    }
}
