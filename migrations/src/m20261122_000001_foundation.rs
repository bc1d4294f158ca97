//! The foundation: node settings, regions, organisations, accounts, sessions, tokens, cases, needs, audit log.

use sea_orm_migration::{prelude::*, schema::*};

use crate::helpers::{drop_all, fk, index, ts};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Tables in creation order; dropped in reverse.
const TABLES: &[&str] = &[
    "node_settings",
    "regions",
    "organisations",
    "users",
    "memberships",
    "sessions",
    "api_tokens",
    "cases",
    "case_notes",
    "needs",
    "audit_log",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("node_settings")
                .col(string_len("key", 64).primary_key())
                .col(text("value"))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("regions")
                .col(string_len("code", 32).primary_key())
                .col(string_len_null("parent_code", 32))
                .col(small_integer("level"))
                .col(string_len("name_en", 200))
                .col(string_len("name_ar", 200))
                .col(double_null("lat"))
                .col(double_null("lon"))
                .col(string_len("path", 1024))
                .to_owned(),
        )
        .await?;
        m.create_index(index("regions", &["parent_code"], false)).await?;
        m.create_index(index("regions", &["path"], false)).await?;

        m.create_table(
            Table::create()
                .table("organisations")
                .col(big_pk_auto("id"))
                .col(string_len_uniq("slug", 64))
                .col(string_len("name_ar", 200))
                .col(string_len("name_en", 200))
                .col(text("description"))
                .col(boolean("local"))
                .col(ts("created_at"))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("users")
                .col(big_pk_auto("id"))
                .col(string_len_uniq("email", 254))
                .col(string_len("display_name", 200))
                .col(string_len("password_hash", 200))
                .col(string_len_null("lang", 8))
                .col(boolean("is_operator"))
                .col(ts("created_at"))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("memberships")
                .col(big_pk_auto("id"))
                .col(big_integer("user_id"))
                .col(big_integer("org_id"))
                .col(string_len("role", 16))
                .col(ts("created_at"))
                .foreign_key(&mut fk("memberships", "user_id", "users", true))
                .foreign_key(&mut fk("memberships", "org_id", "organisations", true))
                .to_owned(),
        )
        .await?;
        m.create_index(index("memberships", &["user_id", "org_id"], true)).await?;
        m.create_index(index("memberships", &["org_id"], false)).await?;

        m.create_table(
            Table::create()
                .table("sessions")
                .col(big_pk_auto("id"))
                .col(string_len_uniq("token_hash", 64))
                .col(big_integer("user_id"))
                .col(ts("created_at"))
                .col(ts("expires_at"))
                .foreign_key(&mut fk("sessions", "user_id", "users", true))
                .to_owned(),
        )
        .await?;
        m.create_index(index("sessions", &["user_id"], false)).await?;

        m.create_table(
            Table::create()
                .table("api_tokens")
                .col(big_pk_auto("id"))
                .col(string_len_uniq("token_hash", 64))
                .col(big_integer("user_id"))
                .col(big_integer("org_id"))
                .col(string_len("role", 16))
                .col(string_len("label", 200))
                .col(ts("created_at"))
                .col(timestamp_with_time_zone_null("revoked_at"))
                .foreign_key(&mut fk("api_tokens", "user_id", "users", true))
                .foreign_key(&mut fk("api_tokens", "org_id", "organisations", true))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table("cases")
                .col(big_pk_auto("id"))
                .col(big_integer("org_id"))
                .col(string_len("head_name", 200))
                .col(string_len_null("national_id", 64))
                .col(string_len_null("phone", 32))
                .col(string_len_null("address", 500))
                .col(string_len("region_code", 32))
                .col(integer("household_size"))
                .col(string_len("vulnerabilities", 500))
                .col(boolean("consent_share"))
                .col(timestamp_with_time_zone_null("consent_at"))
                .col(string_len("status", 16))
                .col(big_integer_null("assigned_to"))
                .col(text("search_text"))
                .col(big_integer("created_by"))
                .col(ts("created_at"))
                .col(ts("updated_at"))
                .foreign_key(&mut fk("cases", "org_id", "organisations", true))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_cases_region_code")
                        .from("cases", "region_code")
                        .to("regions", "code"),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(index("cases", &["org_id", "status"], false)).await?;
        m.create_index(index("cases", &["org_id", "region_code"], false)).await?;

        m.create_table(
            Table::create()
                .table("case_notes")
                .col(big_pk_auto("id"))
                .col(big_integer("org_id"))
                .col(big_integer("case_id"))
                .col(big_integer("author_id"))
                .col(text("body"))
                .col(ts("created_at"))
                .foreign_key(&mut fk("case_notes", "case_id", "cases", true))
                .to_owned(),
        )
        .await?;
        m.create_index(index("case_notes", &["case_id"], false)).await?;

        m.create_table(
            Table::create()
                .table("needs")
                .col(big_pk_auto("id"))
                .col(big_integer("org_id"))
                .col(big_integer_null("case_id"))
                .col(string_len("sector", 32))
                .col(string_len("item", 200))
                .col(big_integer("quantity"))
                .col(string_len("unit", 32))
                .col(big_integer("quantity_met"))
                .col(string_len("urgency", 16))
                .col(string_len("region_code", 32))
                .col(date_null("needed_by"))
                .col(string_len("public_summary", 1000))
                .col(string_len("status", 16))
                .col(string_len("visibility", 16))
                .col(big_integer("created_by"))
                .col(ts("created_at"))
                .col(ts("updated_at"))
                .foreign_key(&mut fk("needs", "org_id", "organisations", true))
                .foreign_key(&mut fk("needs", "case_id", "cases", true))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_needs_region_code")
                        .from("needs", "region_code")
                        .to("regions", "code"),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(index("needs", &["org_id", "status"], false)).await?;
        m.create_index(index("needs", &["case_id"], false)).await?;

        m.create_table(
            Table::create()
                .table("audit_log")
                .col(big_pk_auto("id"))
                .col(big_integer_null("org_id"))
                .col(big_integer_null("user_id"))
                .col(big_integer_null("token_id"))
                .col(string_len("action", 64))
                .col(string_len("subject_type", 32))
                .col(big_integer_null("subject_id"))
                .col(text("detail"))
                .col(ts("created_at"))
                .to_owned(),
        )
        .await?;
        m.create_index(index("audit_log", &["org_id", "subject_type", "subject_id"], false))
            .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        drop_all(m, TABLES).await
    }
}
