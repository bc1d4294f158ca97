//! Stock: items, warehouses, the append-only movement ledger, balances derived from it, distributions and offers.

use sea_orm_migration::{prelude::*, schema::*};

use crate::helpers::{drop_all, fk, index, ts};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Tables in creation order; dropped in reverse.
const TABLES: &[&str] =
    &["items", "warehouses", "distributions", "stock_movements", "stock_balances", "offers"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table("items")
                .col(big_pk_auto("id"))
                .col(big_integer("org_id"))
                .col(string_len("name_ar", 200))
                .col(string_len("name_en", 200))
                .col(string_len("sector", 32))
                .col(string_len("kind", 16))
                .col(string_len("unit", 32))
                .col(string_len_null("currency", 3))
                .col(integer("pack_size"))
                .col(string_len_null("sku", 64))
                .col(boolean("expires"))
                .col(big_integer("low_stock_threshold"))
                .col(ts("created_at"))
                .foreign_key(&mut fk("items", "org_id", "organisations", false))
                .to_owned(),
        )
        .await?;
        m.create_index(index("items", &["org_id"], false)).await?;

        m.create_table(
            Table::create()
                .table("warehouses")
                .col(big_pk_auto("id"))
                .col(big_integer("org_id"))
                .col(string_len("name", 200))
                .col(string_len("kind", 32))
                .col(string_len("region_code", 32))
                .col(ts("created_at"))
                .foreign_key(&mut fk("warehouses", "org_id", "organisations", false))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_warehouses_region_code")
                        .from("warehouses", "region_code")
                        .to("regions", "code"),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(index("warehouses", &["org_id"], false)).await?;

        m.create_table(
            Table::create()
                .table("distributions")
                .col(big_pk_auto("id"))
                .col(big_integer("org_id"))
                .col(big_integer("case_id"))
                .col(big_integer_null("need_id"))
                .col(big_integer("delivered_by"))
                .col(date("delivered_on"))
                .col(string_len("note", 1000))
                .col(timestamp_with_time_zone_null("reversed_at"))
                .col(string_len_null("reversal_reason", 500))
                .col(big_integer("created_by"))
                .col(ts("created_at"))
                .foreign_key(&mut fk("distributions", "org_id", "organisations", false))
                .foreign_key(&mut fk("distributions", "case_id", "cases", false))
                .foreign_key(&mut fk("distributions", "need_id", "needs", false))
                .to_owned(),
        )
        .await?;
        m.create_index(index("distributions", &["org_id", "case_id"], false)).await?;
        m.create_index(index("distributions", &["need_id"], false)).await?;

        m.create_table(
            Table::create()
                .table("stock_movements")
                .col(big_pk_auto("id"))
                .col(big_integer("org_id"))
                .col(string_len("kind", 24))
                .col(big_integer("item_id"))
                .col(big_integer("warehouse_id"))
                .col(string_len("lot", 64))
                .col(date_null("expiry"))
                .col(big_integer("quantity"))
                .col(string_len_null("source_kind", 24))
                .col(string_len_null("counterparty", 200))
                .col(string_len_null("reason", 24))
                .col(string_len_null("note", 500))
                .col(big_integer_null("distribution_id"))
                .col(big_integer_null("reverses_id"))
                .col(string_len("batch", 36))
                .col(date("occurred_on"))
                .col(big_integer("created_by"))
                .col(ts("created_at"))
                .foreign_key(&mut fk("stock_movements", "org_id", "organisations", false))
                .foreign_key(&mut fk("stock_movements", "item_id", "items", false))
                .foreign_key(&mut fk("stock_movements", "warehouse_id", "warehouses", false))
                .foreign_key(&mut fk("stock_movements", "distribution_id", "distributions", false))
                .to_owned(),
        )
        .await?;
        m.create_index(index("stock_movements", &["item_id", "id"], false)).await?;
        m.create_index(index("stock_movements", &["item_id", "warehouse_id", "id"], false)).await?;
        m.create_index(index("stock_movements", &["org_id", "occurred_on"], false)).await?;
        m.create_index(index("stock_movements", &["distribution_id"], false)).await?;

        m.create_table(
            Table::create()
                .table("stock_balances")
                .col(big_pk_auto("id"))
                .col(big_integer("org_id"))
                .col(big_integer("item_id"))
                .col(big_integer("warehouse_id"))
                .col(string_len("lot", 64))
                .col(date_null("expiry"))
                .col(big_integer("quantity").check(Expr::col("quantity").gte(0)))
                .foreign_key(&mut fk("stock_balances", "item_id", "items", false))
                .foreign_key(&mut fk("stock_balances", "warehouse_id", "warehouses", false))
                .to_owned(),
        )
        .await?;
        m.create_index(index("stock_balances", &["item_id", "warehouse_id", "lot"], true)).await?;
        m.create_index(index("stock_balances", &["org_id", "warehouse_id"], false)).await?;

        m.create_table(
            Table::create()
                .table("offers")
                .col(big_pk_auto("id"))
                .col(big_integer("org_id"))
                .col(big_integer("item_id"))
                .col(big_integer("warehouse_id"))
                .col(big_integer("quantity").check(Expr::col("quantity").gt(0)))
                .col(string_len("region_code", 32))
                .col(date("available_until"))
                .col(string_len("visibility", 16))
                .col(string_len("status", 16))
                .col(big_integer("created_by"))
                .col(ts("created_at"))
                .foreign_key(&mut fk("offers", "org_id", "organisations", false))
                .foreign_key(&mut fk("offers", "item_id", "items", false))
                .foreign_key(&mut fk("offers", "warehouse_id", "warehouses", false))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_offers_region_code")
                        .from("offers", "region_code")
                        .to("regions", "code"),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(index("offers", &["item_id", "warehouse_id", "status"], false)).await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        drop_all(m, TABLES).await
    }
}
