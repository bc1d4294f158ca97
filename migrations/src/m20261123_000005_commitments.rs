//! Commitments between organisations (FEP-0837 agreements) and their history; the quantity committed to a need, on
//! the need and on received copies of it.

use sea_orm_migration::{prelude::*, schema::*};

use crate::helpers::{drop_all, fk, index, ts};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Tables in creation order; dropped in reverse.
const TABLES: &[&str] = &["commitments", "commitment_events"];

/// Columns added to existing tables: (table, column).
const ADDED: &[(&str, &str)] =
    &[("needs", "quantity_committed"), ("remote_objects", "quantity_committed")];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for (table, column) in ADDED {
            m.alter_table(
                Table::alter()
                    .table(*table)
                    .add_column(big_integer(*column).default(0).to_owned())
                    .to_owned(),
            )
            .await?;
        }

        m.create_table(
            Table::create()
                .table("commitments")
                .col(big_pk_auto("id"))
                .col(big_integer("org_id"))
                // `proposer`: this organisation sent the Offer; `owner`: it holds the listing and answers.
                .col(string_len("role", 16))
                // `need` or `offer`: what the listing is (the provider is the proposer of a need, the owner of an offer).
                .col(string_len("listing_kind", 16))
                .col(big_integer("remote_actor_id"))
                .col(string_len("offer_ap_id", 512))
                .col(string_len_null("agreement_ap_id", 512))
                .col(string_len("listing_ap_id", 512))
                .col(big_integer_null("need_id"))
                .col(big_integer_null("offer_id"))
                .col(big_integer_null("remote_object_id"))
                .col(string_len("item", 300))
                .col(string_len("unit", 64))
                .col(big_integer("quantity"))
                .col(date("due"))
                .col(string_len("status", 16))
                .col(text("reason").default(""))
                .col(big_integer_null("item_id"))
                .col(big_integer_null("warehouse_id"))
                .col(big_integer_null("transfer_out_id"))
                .col(big_integer_null("transfer_in_id"))
                .col(big_integer_null("created_by"))
                .col(ts("created_at"))
                .col(ts("updated_at"))
                .foreign_key(&mut fk("commitments", "org_id", "organisations", true))
                .foreign_key(&mut fk("commitments", "remote_actor_id", "remote_actors", false))
                .to_owned(),
        )
        .await?;
        m.create_index(index("commitments", &["offer_ap_id"], true)).await?;
        m.create_index(index("commitments", &["agreement_ap_id"], false)).await?;
        m.create_index(index("commitments", &["org_id", "status"], false)).await?;
        m.create_index(index("commitments", &["status", "due"], false)).await?;
        m.create_index(index("commitments", &["item_id", "warehouse_id"], false)).await?;

        m.create_table(
            Table::create()
                .table("commitment_events")
                .col(big_pk_auto("id"))
                .col(big_integer("commitment_id"))
                .col(ts("at"))
                .col(string_len("kind", 16))
                .col(string_len("by_name", 300))
                .col(big_integer("quantity"))
                .col(text("note").default(""))
                .foreign_key(&mut fk("commitment_events", "commitment_id", "commitments", true))
                .to_owned(),
        )
        .await?;
        m.create_index(index("commitment_events", &["commitment_id"], false)).await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        drop_all(m, TABLES).await?;
        for (table, column) in ADDED.iter().rev() {
            m.alter_table(Table::alter().table(*table).drop_column(*column).to_owned()).await?;
        }
        Ok(())
    }
}
