//! Items and warehouses of an organisation.

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder,
};
use serde_json::json;

use crate::domain::{
    audit,
    error::{AppError, AppResult, FieldErrors, Input},
    regions,
    tenancy::{OrgScope, Perm},
    validate,
};
use crate::infra::{
    entities::{item, warehouse},
    uow::{LockKind, UnitOfWork},
};
use crate::vocab::{ItemKind, Sector, WarehouseKind};

/// An item as read at the edge.
#[derive(Clone, Debug, Default)]
pub struct ItemFields {
    /// Name in Arabic.
    pub name_ar: String,
    /// Name in English.
    pub name_en: String,
    /// Humanitarian sector.
    pub sector: Option<Sector>,
    /// Goods or cash.
    pub kind: ItemKind,
    /// Unit counted (for cash: the currency).
    pub unit: String,
    /// ISO 4217 code, for cash.
    pub currency: String,
    /// Units per pack (1 when not given).
    pub pack_size: Option<i64>,
    /// Barcode or SKU.
    pub sku: String,
    /// Whether lots carry an expiry date.
    pub expires: bool,
    /// Warn when the total on hand falls below this (0 when not given).
    pub low_stock_threshold: Option<i64>,
}

struct ItemInput {
    name_ar: String,
    name_en: String,
    sector: Sector,
    kind: ItemKind,
    unit: String,
    currency: Option<String>,
    pack_size: i32,
    sku: Option<String>,
    expires: bool,
    low_stock_threshold: i64,
}

fn check_item(input: Input<ItemFields>) -> AppResult<ItemInput> {
    let Input { value: f, mut errors } = input;
    let name_ar = validate::required_text(&mut errors, "name_ar", &f.name_ar, 200);
    let name_en = validate::required_text(&mut errors, "name_en", &f.name_en, 200);
    let sector = validate::required(&mut errors, "sector", f.sector);
    let currency = if f.kind == ItemKind::Cash {
        let code = f.currency.trim().to_uppercase();
        if code.len() != 3 || !code.chars().all(|c| c.is_ascii_uppercase()) {
            errors.add("currency", "err-currency");
        }
        Some(code)
    } else {
        None
    };
    let unit = match &currency {
        Some(code) => code.clone(),
        None => validate::required_text(&mut errors, "unit", &f.unit, 32),
    };
    let pack_size =
        validate::range(&mut errors, "pack_size", Some(f.pack_size.unwrap_or(1)), 1, 100_000)
            as i32;
    let sku = validate::optional_text(&mut errors, "sku", Some(&f.sku), 64);
    let low_stock_threshold = validate::range(
        &mut errors,
        "low_stock_threshold",
        Some(f.low_stock_threshold.unwrap_or(0)),
        0,
        super::MAX_QUANTITY,
    );
    let Some(sector) = sector else {
        return Err(AppError::Validation(errors));
    };
    errors.into_result(ItemInput {
        name_ar,
        name_en,
        sector,
        kind: f.kind,
        unit,
        currency,
        pack_size,
        sku,
        expires: f.kind != ItemKind::Cash && f.expires,
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
    uow: &mut UnitOfWork,
    scope: &OrgScope,
    input: Input<ItemFields>,
) -> AppResult<item::Model> {
    scope.require(Perm::ManageStock)?;
    let input = check_item(input)?;
    let mut active = item::ActiveModel {
        org_id: Set(scope.org_id()),
        created_at: Set(Utc::now()),
        ..Default::default()
    };
    apply(&mut active, input);
    let model = active.insert(uow.db()).await?;
    audit::record(uow, scope, "item.create", "item", Some(model.id), json!({}));
    Ok(model)
}

/// Changes an item. Its kind cannot change once it has movements, so the ledger keeps one meaning.
pub async fn update_item(
    uow: &mut UnitOfWork,
    scope: &OrgScope,
    id: i64,
    input: Input<ItemFields>,
) -> AppResult<item::Model> {
    scope.require(Perm::ManageStock)?;
    let input = check_item(input)?;
    // Checked first: another organisation's row is never locked, only not found.
    get_item(uow.db(), scope, id).await?;
    uow.lock(LockKind::Item, &[id]).await?;
    let current = get_item(uow.db(), scope, id).await?;
    if input.kind != current.kind || input.unit != current.unit {
        let used = crate::infra::entities::stock_movement::Entity::find()
            .filter(crate::infra::entities::stock_movement::Column::ItemId.eq(id))
            .one(uow.db())
            .await?
            .is_some();
        if used {
            let mut errors = FieldErrors::default();
            errors.add(if input.kind != current.kind { "kind" } else { "unit" }, "err-item-in-use");
            return Err(AppError::Validation(errors));
        }
    }
    let mut active: item::ActiveModel = current.into();
    apply(&mut active, input);
    let model = active.update(uow.db()).await?;
    audit::record(uow, scope, "item.update", "item", Some(id), json!({}));
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
pub async fn items(db: &impl ConnectionTrait, scope: &OrgScope) -> AppResult<Vec<item::Model>> {
    scope.require(Perm::Read)?;
    Ok(item::Entity::find()
        .filter(item::Column::OrgId.eq(scope.org_id()))
        .order_by_asc(item::Column::NameEn)
        .all(db)
        .await?)
}

/// A warehouse or distribution point as read at the edge.
#[derive(Clone, Debug, Default)]
pub struct WarehouseFields {
    /// Its name.
    pub name: String,
    /// Warehouse or distribution point.
    pub kind: WarehouseKind,
    /// Where it is.
    pub region_code: String,
}

/// Adds a warehouse or distribution point.
pub async fn create_warehouse(
    uow: &mut UnitOfWork,
    scope: &OrgScope,
    input: Input<WarehouseFields>,
) -> AppResult<warehouse::Model> {
    scope.require(Perm::ManageStock)?;
    let Input { value: f, mut errors } = input;
    let name = validate::required_text(&mut errors, "name", &f.name, 200);
    let region_code = regions::field(uow.db(), &mut errors, "region_code", &f.region_code).await?;
    errors.into_result(())?;
    let model = warehouse::ActiveModel {
        org_id: Set(scope.org_id()),
        name: Set(name),
        kind: Set(f.kind),
        region_code: Set(region_code),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(uow.db())
    .await?;
    audit::record(uow, scope, "warehouse.create", "warehouse", Some(model.id), json!({}));
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
    db: &impl ConnectionTrait,
    scope: &OrgScope,
) -> AppResult<Vec<warehouse::Model>> {
    scope.require(Perm::Read)?;
    Ok(warehouse::Entity::find()
        .filter(warehouse::Column::OrgId.eq(scope.org_id()))
        .order_by_asc(warehouse::Column::Name)
        .all(db)
        .await?)
}

/// The organisation's items and warehouses by id, for showing rows that name them.
#[derive(Clone, Debug, Default)]
pub struct Lookup {
    /// Items by id.
    pub items: std::collections::HashMap<i64, item::Model>,
    /// Warehouses by id.
    pub warehouses: std::collections::HashMap<i64, warehouse::Model>,
}

impl Lookup {
    /// Loads the organisation's catalogue and warehouses.
    pub async fn load(db: &impl ConnectionTrait, scope: &OrgScope) -> AppResult<Self> {
        Ok(Self {
            items: items(db, scope).await?.into_iter().map(|i| (i.id, i)).collect(),
            warehouses: warehouses(db, scope).await?.into_iter().map(|w| (w.id, w)).collect(),
        })
    }

    /// The item and warehouse of a row, when both are the organisation's.
    pub fn pair(&self, item_id: i64, warehouse_id: i64) -> Option<(item::Model, warehouse::Model)> {
        Some((self.items.get(&item_id)?.clone(), self.warehouses.get(&warehouse_id)?.clone()))
    }
}
