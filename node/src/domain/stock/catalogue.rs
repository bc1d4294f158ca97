//! Items and warehouses of an organisation.

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde::Deserialize;
use serde_json::json;

use crate::{
    domain::audit,
    domain::error::{AppError, AppResult, FieldErrors},
    domain::tenancy::{OrgScope, Perm},
    domain::validate,
    domain::vocab,
    infra::entities::{item, warehouse},
};

/// An item as typed or sent, before checking.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct ItemDraft {
    /// Name in Arabic.
    #[serde(default)]
    pub name_ar: String,
    /// Name in English.
    #[serde(default)]
    pub name_en: String,
    /// Humanitarian sector.
    #[serde(default)]
    pub sector: String,
    /// `goods` or `cash`.
    #[serde(default)]
    pub kind: String,
    /// Unit counted (for cash: the currency).
    #[serde(default)]
    pub unit: String,
    /// ISO 4217 code, for cash.
    #[serde(default)]
    pub currency: String,
    /// Units per pack.
    #[serde(default)]
    pub pack_size: String,
    /// Barcode or SKU.
    #[serde(default)]
    pub sku: String,
    /// `on` when lots carry an expiry date.
    #[serde(default)]
    pub expires: Option<String>,
    /// Warn when the total on hand falls below this.
    #[serde(default)]
    pub low_stock_threshold: String,
}

struct ItemInput {
    name_ar: String,
    name_en: String,
    sector: String,
    kind: String,
    unit: String,
    currency: Option<String>,
    pack_size: i32,
    sku: Option<String>,
    expires: bool,
    low_stock_threshold: i64,
}

fn check_item(draft: &ItemDraft) -> AppResult<ItemInput> {
    let mut errors = FieldErrors::default();
    let name_ar = validate::required_text(&mut errors, "name_ar", &draft.name_ar, 200);
    let name_en = validate::required_text(&mut errors, "name_en", &draft.name_en, 200);
    let sector = validate::choice(&mut errors, "sector", &draft.sector, vocab::SECTORS);
    let kind = if draft.kind.trim().is_empty() {
        "goods".to_owned()
    } else {
        validate::choice(&mut errors, "kind", &draft.kind, super::ITEM_KINDS)
    };
    let currency = if kind == "cash" {
        let code = draft.currency.trim().to_uppercase();
        if code.len() != 3 || !code.chars().all(|c| c.is_ascii_uppercase()) {
            errors.add("currency", "err-currency");
        }
        Some(code)
    } else {
        None
    };
    let unit = match &currency {
        Some(code) => code.clone(),
        None => validate::required_text(&mut errors, "unit", &draft.unit, 32),
    };
    let pack_size = if draft.pack_size.trim().is_empty() {
        1
    } else {
        validate::integer(&mut errors, "pack_size", &draft.pack_size, 1, 100_000) as i32
    };
    let sku = validate::optional_text(&mut errors, "sku", Some(&draft.sku), 64);
    let expires = kind != "cash"
        && matches!(
            draft.expires.as_deref().map(str::trim),
            Some("on" | "true" | "1" | "yes")
        );
    let low_stock_threshold = if draft.low_stock_threshold.trim().is_empty() {
        0
    } else {
        validate::integer(
            &mut errors,
            "low_stock_threshold",
            &draft.low_stock_threshold,
            0,
            super::MAX_QUANTITY,
        )
    };
    errors.into_result(ItemInput {
        name_ar,
        name_en,
        sector,
        kind,
        unit,
        currency,
        pack_size,
        sku,
        expires,
        low_stock_threshold,
    })
}

fn apply(active: &mut item::ActiveModel, input: ItemInput) {
    active.name_ar = Set(input.name_ar);
    active.name_en = Set(input.name_en);
    active.sector = Set(input.sector);
    active.kind = Set(input.kind);
    active.unit = Set(input.unit);
    active.currency = Set(input.currency);
    active.pack_size = Set(input.pack_size);
    active.sku = Set(input.sku);
    active.expires = Set(input.expires);
    active.low_stock_threshold = Set(input.low_stock_threshold);
}

/// Adds an item to the catalogue.
pub async fn create_item(
    db: &DatabaseConnection,
    scope: &OrgScope,
    draft: &ItemDraft,
) -> AppResult<item::Model> {
    scope.require(Perm::ManageStock)?;
    let input = check_item(draft)?;
    let mut active = item::ActiveModel {
        org_id: Set(scope.org_id()),
        created_at: Set(Utc::now()),
        ..Default::default()
    };
    apply(&mut active, input);
    let txn = crate::infra::db::begin_write(db).await?;
    let model = active.insert(&txn).await?;
    audit::record(&txn, scope, "item.create", "item", model.id, json!({})).await?;
    txn.commit().await?;
    Ok(model)
}

/// Changes an item. Its kind cannot change once it has movements, so the ledger keeps one meaning.
pub async fn update_item(
    db: &DatabaseConnection,
    scope: &OrgScope,
    id: i64,
    draft: &ItemDraft,
) -> AppResult<item::Model> {
    scope.require(Perm::ManageStock)?;
    let input = check_item(draft)?;
    let txn = crate::infra::db::begin_write(db).await?;
    let current = item::Entity::find_by_id(id)
        .filter(item::Column::OrgId.eq(scope.org_id()))
        .lock_exclusive()
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    if input.kind != current.kind || input.unit != current.unit {
        let used = crate::infra::entities::stock_movement::Entity::find()
            .filter(crate::infra::entities::stock_movement::Column::ItemId.eq(id))
            .one(&txn)
            .await?
            .is_some();
        if used {
            let mut errors = FieldErrors::default();
            errors.add(
                if input.kind != current.kind {
                    "kind"
                } else {
                    "unit"
                },
                "err-item-in-use",
            );
            return Err(AppError::Validation(errors));
        }
    }
    let mut active: item::ActiveModel = current.into();
    apply(&mut active, input);
    let model = active.update(&txn).await?;
    audit::record(&txn, scope, "item.update", "item", id, json!({})).await?;
    txn.commit().await?;
    Ok(model)
}

/// One item of the scope's organisation; 404 for any other.
pub async fn get_item(
    db: &impl ConnectionTrait,
    scope: &OrgScope,
    id: i64,
) -> AppResult<item::Model> {
    scope.require(Perm::Read)?;
    item::Entity::find_by_id(id)
        .filter(item::Column::OrgId.eq(scope.org_id()))
        .one(db)
        .await?
        .ok_or(AppError::NotFound)
}

/// The organisation's catalogue, by English name.
pub async fn items(db: &DatabaseConnection, scope: &OrgScope) -> AppResult<Vec<item::Model>> {
    scope.require(Perm::Read)?;
    Ok(item::Entity::find()
        .filter(item::Column::OrgId.eq(scope.org_id()))
        .order_by_asc(item::Column::NameEn)
        .all(db)
        .await?)
}

/// A warehouse or distribution point as typed or sent.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct WarehouseDraft {
    /// Its name.
    #[serde(default)]
    pub name: String,
    /// `warehouse` or `distribution-point`.
    #[serde(default)]
    pub kind: String,
    /// Where it is.
    #[serde(default)]
    pub region_code: String,
}

/// Adds a warehouse or distribution point.
pub async fn create_warehouse(
    db: &DatabaseConnection,
    scope: &OrgScope,
    draft: &WarehouseDraft,
) -> AppResult<warehouse::Model> {
    scope.require(Perm::ManageStock)?;
    let mut errors = FieldErrors::default();
    let name = validate::required_text(&mut errors, "name", &draft.name, 200);
    let kind = if draft.kind.trim().is_empty() {
        "warehouse".to_owned()
    } else {
        validate::choice(&mut errors, "kind", &draft.kind, super::WAREHOUSE_KINDS)
    };
    let region_code = draft.region_code.trim().to_owned();
    if region_code.is_empty() {
        errors.add("region_code", "err-required");
    } else if !crate::domain::regions::exists(db, &region_code).await? {
        errors.add("region_code", "err-unknown-region");
    }
    errors.into_result(())?;
    let txn = crate::infra::db::begin_write(db).await?;
    let model = warehouse::ActiveModel {
        org_id: Set(scope.org_id()),
        name: Set(name),
        kind: Set(kind),
        region_code: Set(region_code),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        scope,
        "warehouse.create",
        "warehouse",
        model.id,
        json!({}),
    )
    .await?;
    txn.commit().await?;
    Ok(model)
}

/// One warehouse of the scope's organisation; 404 for any other.
pub async fn get_warehouse(
    db: &impl ConnectionTrait,
    scope: &OrgScope,
    id: i64,
) -> AppResult<warehouse::Model> {
    scope.require(Perm::Read)?;
    warehouse::Entity::find_by_id(id)
        .filter(warehouse::Column::OrgId.eq(scope.org_id()))
        .one(db)
        .await?
        .ok_or(AppError::NotFound)
}

/// The organisation's warehouses and distribution points.
pub async fn warehouses(
    db: &DatabaseConnection,
    scope: &OrgScope,
) -> AppResult<Vec<warehouse::Model>> {
    scope.require(Perm::Read)?;
    Ok(warehouse::Entity::find()
        .filter(warehouse::Column::OrgId.eq(scope.org_id()))
        .order_by_asc(warehouse::Column::Name)
        .all(db)
        .await?)
}
