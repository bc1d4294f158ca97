//! Donors' pledges to needs (kept on the node of the need's organisation, never federated) and the durable queue of
//! e-mail notifications.

use sea_orm_migration::{prelude::*, schema::*};

use crate::helpers::{drop_all, fk, index, ts};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Tables in creation order; dropped in reverse.
const TABLES: &[&str] = &["pledges", "mail_outbox"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("pledges")
                .col(big_pk_auto("id"))
                .col(big_integer("org_id"))
                .col(big_integer("need_id"))
                // `goods` (a quantity in the need's unit) or `money` (an amount in a currency).
                .col(string_len("kind", 16))
                .col(big_integer_null("quantity"))
                .col(big_integer_null("amount"))
                .col(string_len("currency", 8).default(""))
                .col(string_len("donor_name", 200))
                .col(string_len("donor_contact", 200))
                .col(boolean("consent_contact"))
                .col(text("note").default(""))
                .col(string_len("status", 16))
                .col(text("answer").default(""))
                .col(big_integer_null("receipt_movement_id"))
                .col(ts("created_at"))
                .col(ts("updated_at"))
                .foreign_key(&mut fk("pledges", "org_id", "organisations", true))
                .foreign_key(&mut fk("pledges", "need_id", "needs", true))
                .to_owned(),
        )
        .await?;
        m.create_index(index("pledges", &["org_id", "status"], false)).await?;
        m.create_index(index("pledges", &["need_id"], false)).await?;

        m.create_table(
            Table::create()
                .table("mail_outbox")
                .col(big_pk_auto("id"))
                .col(big_integer_null("org_id"))
                .col(string_len("recipient", 254))
                .col(string_len("subject", 300))
                .col(text("body"))
                .col(integer("attempts").default(0))
                .col(ts("next_attempt_at"))
                .col(timestamp_with_time_zone_null("sent_at"))
                .col(text("last_error").default(""))
                .col(ts("created_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("mail_outbox", &["sent_at", "next_attempt_at"], false)).await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        drop_all(m, TABLES).await
    }
}
