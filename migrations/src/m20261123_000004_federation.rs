//! Federation: organisation profiles and keys, remote actors, follows, received objects, the inbox's memory of what
//! it has seen, peers (with their block/allow state and delivery health) and one delivery row per activity and peer.

use sea_orm_migration::{prelude::*, schema::*};

use crate::helpers::{drop_all, fk, index, ts};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Tables in creation order; dropped in reverse.
const TABLES: &[&str] = &[
    "org_keys",
    "remote_actors",
    "follows",
    "remote_objects",
    "inbox_seen",
    "peers",
    "deliveries",
];

/// Columns added to existing tables: (table, column).
const ADDED: &[(&str, &str)] = &[
    ("organisations", "sectors"),
    ("organisations", "regions_served"),
    ("organisations", "website"),
    ("organisations", "contact_email"),
    ("organisations", "registration_number"),
    ("organisations", "auto_accept_follows"),
    ("needs", "ap_id"),
    ("needs", "federated_at"),
    ("offers", "ap_id"),
    ("offers", "federated_at"),
    ("outbox", "actor_id"),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let added: [ColumnDef; 11] = [
            text("sectors").default("[]").to_owned(),
            text("regions_served").default("[]").to_owned(),
            string_len("website", 300).default("").to_owned(),
            string_len("contact_email", 254).default("").to_owned(),
            string_len("registration_number", 64).default("").to_owned(),
            boolean("auto_accept_follows").default(false).to_owned(),
            string_len_null("ap_id", 64),
            timestamp_with_time_zone_null("federated_at"),
            string_len_null("ap_id", 64),
            timestamp_with_time_zone_null("federated_at"),
            string_len("actor_id", 512).default("").to_owned(),
        ];
        for ((table, _), mut col) in ADDED.iter().zip(added) {
            m.alter_table(Table::alter().table(*table).add_column(&mut col).to_owned()).await?;
        }
        m.create_index(index("needs", &["ap_id"], true)).await?;
        m.create_index(index("offers", &["ap_id"], true)).await?;

        m.create_table(
            Table::create()
                .table("org_keys")
                .col(big_pk_auto("id"))
                .col(big_integer("org_id"))
                .col(text("rsa_private_pem"))
                .col(text("rsa_public_pem"))
                .col(string_len("ed25519_secret", 64))
                .col(ts("created_at"))
                .foreign_key(&mut fk("org_keys", "org_id", "organisations", true))
                .to_owned(),
        )
        .await?;
        m.create_index(index("org_keys", &["org_id"], true)).await?;

        m.create_table(
            Table::create()
                .table("remote_actors")
                .col(big_pk_auto("id"))
                .col(string_len("ap_id", 512))
                .col(string_len("host", 255))
                .col(string_len("kind", 32))
                .col(string_len("username", 255))
                .col(string_len("name", 300))
                .col(string_len("inbox", 512))
                .col(string_len_null("shared_inbox", 512))
                .col(text("public_key_pem"))
                .col(string_len_null("multikey", 128))
                .col(text("profile"))
                .col(ts("fetched_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("remote_actors", &["ap_id"], true)).await?;
        m.create_index(index("remote_actors", &["host"], false)).await?;

        m.create_table(
            Table::create()
                .table("follows")
                .col(big_pk_auto("id"))
                .col(big_integer("org_id"))
                .col(big_integer("remote_actor_id"))
                .col(string_len("direction", 16))
                .col(string_len("state", 16))
                .col(string_len("activity_id", 512))
                .col(ts("created_at"))
                .col(ts("updated_at"))
                .foreign_key(&mut fk("follows", "org_id", "organisations", true))
                .foreign_key(&mut fk("follows", "remote_actor_id", "remote_actors", true))
                .to_owned(),
        )
        .await?;
        m.create_index(index("follows", &["org_id", "direction", "remote_actor_id"], true)).await?;
        m.create_index(index("follows", &["remote_actor_id"], false)).await?;

        m.create_table(
            Table::create()
                .table("remote_objects")
                .col(big_pk_auto("id"))
                .col(string_len("ap_id", 512))
                .col(big_integer("remote_actor_id"))
                .col(big_integer_null("addressed_org_id"))
                .col(string_len("kind", 16))
                .col(string_len("sector", 32))
                .col(string_len("item", 300))
                .col(text("summary"))
                .col(string_len("unit", 64))
                .col(big_integer("quantity"))
                .col(big_integer("quantity_available"))
                .col(big_integer("quantity_met"))
                .col(string_len_null("region_code", 32))
                .col(string_len("urgency", 16))
                .col(date_null("needed_by"))
                .col(string_len("status", 16))
                .col(string_len_null("household_band", 16))
                .col(boolean("public"))
                .col(boolean("proof_verified"))
                .col(text("payload"))
                .col(ts("published_at"))
                .col(ts("updated_at"))
                .col(ts("received_at"))
                .col(ts("changed_at"))
                .col(timestamp_with_time_zone_null("deleted_at"))
                .foreign_key(&mut fk("remote_objects", "remote_actor_id", "remote_actors", true))
                .to_owned(),
        )
        .await?;
        m.create_index(index("remote_objects", &["ap_id"], true)).await?;
        m.create_index(index("remote_objects", &["remote_actor_id", "kind"], false)).await?;

        m.create_table(
            Table::create()
                .table("inbox_seen")
                .col(string_len("activity_id", 512).primary_key())
                .col(ts("received_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("inbox_seen", &["received_at"], false)).await?;

        m.create_table(
            Table::create()
                .table("peers")
                .col(big_pk_auto("id"))
                .col(string_len("host", 255))
                .col(string_len("policy", 16).default("open"))
                .col(string_len("state", 16).default("live"))
                .col(integer("failures").default(0))
                .col(timestamp_with_time_zone_null("first_failure_at"))
                .col(timestamp_with_time_zone_null("next_attempt_at"))
                .col(timestamp_with_time_zone_null("last_success_at"))
                .col(timestamp_with_time_zone_null("last_heard_at"))
                .col(text_null("last_error"))
                .col(big_integer("delivered").default(0))
                .col(big_integer("failed").default(0))
                .col(big_integer("rejected").default(0))
                .col(ts("created_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("peers", &["host"], true)).await?;

        m.create_table(
            Table::create()
                .table("deliveries")
                .col(big_pk_auto("id"))
                .col(big_integer("outbox_id"))
                .col(string_len("host", 255))
                .col(string_len("inbox", 512))
                .col(string_len("state", 16))
                .col(integer("attempts").default(0))
                .col(integer_null("last_status"))
                .col(text_null("last_error"))
                .col(ts("created_at"))
                .col(timestamp_with_time_zone_null("done_at"))
                .foreign_key(&mut fk("deliveries", "outbox_id", "outbox", true))
                .to_owned(),
        )
        .await?;
        m.create_index(index("deliveries", &["host", "state", "id"], false)).await?;
        m.create_index(index("deliveries", &["outbox_id"], false)).await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        drop_all(m, TABLES).await?;
        m.drop_index(Index::drop().name("ix_needs_ap_id").table("needs").to_owned()).await?;
        m.drop_index(Index::drop().name("ix_offers_ap_id").table("offers").to_owned()).await?;
        for (table, col) in ADDED.iter().rev() {
            m.alter_table(Table::alter().table(*table).drop_column(*col).to_owned()).await?;
        }
        Ok(())
    }
}
