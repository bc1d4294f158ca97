//! `/api/v1/orgs/{slug}/…`: the catalogue, warehouses, the stock ledger, distributions, offers and the monthly
//! report.

use axum::{
    Json,
    extract::{Path, Query, State},
    response::{IntoResponse, Response},
};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{ApiJson, ErrorBody, Scoped, created};
use crate::{
    domain::{
        error::{AppResult, FieldErrors, Input},
        stock::{
            self, BulkFields, DistributionFields, ItemFields, LineFields, MonthlyReport,
            MovementFields, OfferFields, WarehouseFields,
        },
        tenancy::OrgScope,
    },
    http::{input, queries, request::request_lang},
    i18n::Tr,
    infra::entities::{distribution, item, offer, stock_movement, warehouse},
    state::AppState,
    vocab::{ItemKind, Visibility, WarehouseKind},
};

/// An item to add to the catalogue, or its new state.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ItemRequest {
    /// Name in Arabic.
    pub name_ar: String,
    /// Name in English.
    pub name_en: String,
    /// Sector.
    pub sector: String,
    /// `goods` (default) or `cash`.
    #[serde(default)]
    pub kind: Option<String>,
    /// Unit counted; for cash, omit it and give `currency`.
    #[serde(default)]
    pub unit: Option<String>,
    /// ISO 4217 code, for cash.
    #[serde(default)]
    pub currency: Option<String>,
    /// Units per pack (default 1).
    #[serde(default)]
    pub pack_size: Option<i64>,
    /// Barcode or SKU.
    #[serde(default)]
    pub sku: Option<String>,
    /// Whether lots carry an expiry date.
    #[serde(default)]
    pub expires: bool,
    /// Warn when the total on hand falls below this.
    #[serde(default)]
    pub low_stock_threshold: Option<i64>,
}

impl ItemRequest {
    fn input(self) -> Input<ItemFields> {
        Input::read(|errors| ItemFields {
            name_ar: self.name_ar,
            name_en: self.name_en,
            sector: input::choice(errors, "sector", &self.sector),
            kind: input::choice_or(errors, "kind", &self.kind.unwrap_or_default(), ItemKind::Goods),
            unit: self.unit.unwrap_or_default(),
            currency: self.currency.unwrap_or_default(),
            pack_size: self.pack_size,
            sku: self.sku.unwrap_or_default(),
            expires: self.expires,
            low_stock_threshold: self.low_stock_threshold,
        })
    }
}

/// An item of the catalogue.
#[derive(Debug, Serialize, ToSchema)]
pub struct ItemResponse {
    /// Identifier.
    pub id: i64,
    /// Name in Arabic.
    pub name_ar: String,
    /// Name in English.
    pub name_en: String,
    /// Sector.
    pub sector: String,
    /// `goods` or `cash`.
    pub kind: String,
    /// Unit (currency for cash).
    pub unit: String,
    /// Currency, for cash.
    pub currency: Option<String>,
    /// Units per pack.
    pub pack_size: i64,
    /// Barcode or SKU.
    pub sku: Option<String>,
    /// Whether lots carry an expiry date.
    pub expires: bool,
    /// Low-stock threshold.
    pub low_stock_threshold: i64,
}

impl From<item::Model> for ItemResponse {
    fn from(i: item::Model) -> Self {
        ItemResponse {
            id: i.id,
            name_ar: i.name_ar,
            name_en: i.name_en,
            sector: i.sector.to_string(),
            kind: i.kind.to_string(),
            unit: i.unit,
            currency: i.currency,
            pack_size: i64::from(i.pack_size),
            sku: i.sku,
            expires: i.expires,
            low_stock_threshold: i.low_stock_threshold,
        }
    }
}

/// The catalogue.
#[utoipa::path(get, path = "/api/v1/orgs/{slug}/items", tag = "stock",
    params(("slug" = String, Path, description = "organisation slug")),
    responses((status = 200, body = Vec<ItemResponse>), (status = 404, body = ErrorBody)))]
pub async fn list_items(
    State(state): State<AppState>,
    Scoped(scope): Scoped,
) -> AppResult<Json<Vec<ItemResponse>>> {
    Ok(Json(stock::items(&state.db, &scope).await?.into_iter().map(Into::into).collect()))
}

/// Adds an item (storekeepers and admins).
#[utoipa::path(post, path = "/api/v1/orgs/{slug}/items", tag = "stock", request_body = ItemRequest,
    params(("slug" = String, Path, description = "organisation slug")),
    responses((status = 201, body = ItemResponse), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_item(
    State(state): State<AppState>,
    Scoped(scope): Scoped,
    ApiJson(body): ApiJson<ItemRequest>,
) -> AppResult<Response> {
    let item = state.write(async |uow| stock::create_item(uow, &scope, body.input()).await).await?;
    Ok(created(ItemResponse::from(item)))
}

/// Changes an item.
#[utoipa::path(put, path = "/api/v1/orgs/{slug}/items/{id}", tag = "stock", request_body = ItemRequest,
    params(("slug" = String, Path, description = "organisation slug"), ("id" = i64, Path, description = "item id")),
    responses((status = 200, body = ItemResponse), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update_item(
    State(state): State<AppState>,
    Scoped(scope): Scoped,
    Path((_, id)): Path<(String, i64)>,
    ApiJson(body): ApiJson<ItemRequest>,
) -> AppResult<Json<ItemResponse>> {
    let item =
        state.write(async |uow| stock::update_item(uow, &scope, id, body.input()).await).await?;
    Ok(Json(item.into()))
}

/// Stock card query.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CardQuery {
    /// Only this warehouse.
    #[serde(default)]
    pub warehouse_id: Option<i64>,
    /// Page, from 1 (50 movements each, newest first).
    #[serde(default)]
    pub page: Option<u64>,
}

/// A movement of the ledger.
#[derive(Debug, Serialize, ToSchema)]
pub struct MovementResponse {
    /// Identifier.
    pub id: i64,
    /// receipt, distribution, reversal, transfer, transfer-out, transfer-in, adjustment or loss.
    pub kind: String,
    /// Item.
    pub item_id: i64,
    /// Warehouse.
    pub warehouse_id: i64,
    /// Lot (empty when none).
    pub lot: String,
    /// Expiry of the lot.
    pub expiry: Option<NaiveDate>,
    /// Signed quantity: positive in, negative out.
    pub quantity: i64,
    /// Where a receipt came from.
    pub source_kind: Option<String>,
    /// The other party.
    pub counterparty: Option<String>,
    /// Reason of a loss.
    pub reason: Option<String>,
    /// Note.
    pub note: Option<String>,
    /// The distribution it belongs to.
    pub distribution_id: Option<i64>,
    /// The movement it compensates.
    pub reverses_id: Option<i64>,
    /// When it happened.
    pub occurred_on: NaiveDate,
    /// Who recorded it.
    pub created_by: i64,
    /// When it was recorded.
    pub created_at: DateTime<Utc>,
}

impl From<stock_movement::Model> for MovementResponse {
    fn from(m: stock_movement::Model) -> Self {
        MovementResponse {
            id: m.id,
            kind: m.kind.to_string(),
            item_id: m.item_id,
            warehouse_id: m.warehouse_id,
            lot: m.lot,
            expiry: m.expiry,
            quantity: m.quantity,
            source_kind: m.source_kind.map(|k| k.to_string()),
            counterparty: m.counterparty,
            reason: m.reason.map(|r| r.to_string()),
            note: m.note,
            distribution_id: m.distribution_id,
            reverses_id: m.reverses_id,
            occurred_on: m.occurred_on,
            created_by: m.created_by,
            created_at: m.created_at,
        }
    }
}

/// One line of a stock card.
#[derive(Debug, Serialize, ToSchema)]
pub struct CardLine {
    /// The movement.
    pub movement: MovementResponse,
    /// Balance right after it.
    pub balance_after: i64,
}

/// A stock card page.
#[derive(Debug, Serialize, ToSchema)]
pub struct CardResponse {
    /// The item.
    pub item: ItemResponse,
    /// Movements, newest first, with running balance.
    pub lines: Vec<CardLine>,
    /// How many movements in all.
    pub total: u64,
    /// This page.
    pub page: u64,
}

/// The stock card of an item: every movement with the running balance.
#[utoipa::path(get, path = "/api/v1/orgs/{slug}/items/{id}/card", tag = "stock",
    params(("slug" = String, Path, description = "organisation slug"), ("id" = i64, Path, description = "item id"), CardQuery),
    responses((status = 200, body = CardResponse), (status = 404, body = ErrorBody)))]
pub async fn card(
    State(state): State<AppState>,
    Scoped(scope): Scoped,
    Path((_, id)): Path<(String, i64)>,
    Query(q): Query<CardQuery>,
) -> AppResult<Json<CardResponse>> {
    let item = stock::get_item(&state.db, &scope, id).await?;
    let page = queries::page(q.page);
    let (rows, total) = stock::card(&state.db, &scope, id, q.warehouse_id, page).await?;
    let lines = rows
        .into_iter()
        .map(|r| CardLine { movement: r.movement.into(), balance_after: r.balance_after })
        .collect();
    Ok(Json(CardResponse { item: item.into(), lines, total, page }))
}

/// A warehouse to add.
#[derive(Debug, Deserialize, ToSchema)]
pub struct WarehouseRequest {
    /// Name.
    pub name: String,
    /// `warehouse` (default) or `distribution-point`.
    #[serde(default)]
    pub kind: Option<String>,
    /// Region code.
    pub region_code: String,
}

/// A warehouse or distribution point.
#[derive(Debug, Serialize, ToSchema)]
pub struct WarehouseResponse {
    /// Identifier.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Kind.
    pub kind: String,
    /// Region code.
    pub region_code: String,
}

impl From<warehouse::Model> for WarehouseResponse {
    fn from(w: warehouse::Model) -> Self {
        WarehouseResponse {
            id: w.id,
            name: w.name,
            kind: w.kind.to_string(),
            region_code: w.region_code,
        }
    }
}

/// Warehouses and distribution points.
#[utoipa::path(get, path = "/api/v1/orgs/{slug}/warehouses", tag = "stock",
    params(("slug" = String, Path, description = "organisation slug")),
    responses((status = 200, body = Vec<WarehouseResponse>), (status = 404, body = ErrorBody)))]
pub async fn list_warehouses(
    State(state): State<AppState>,
    Scoped(scope): Scoped,
) -> AppResult<Json<Vec<WarehouseResponse>>> {
    Ok(Json(stock::warehouses(&state.db, &scope).await?.into_iter().map(Into::into).collect()))
}

/// Adds a warehouse or distribution point.
#[utoipa::path(post, path = "/api/v1/orgs/{slug}/warehouses", tag = "stock", request_body = WarehouseRequest,
    params(("slug" = String, Path, description = "organisation slug")),
    responses((status = 201, body = WarehouseResponse), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_warehouse(
    State(state): State<AppState>,
    Scoped(scope): Scoped,
    ApiJson(body): ApiJson<WarehouseRequest>,
) -> AppResult<Response> {
    let mut errors = FieldErrors::default();
    let value = WarehouseFields {
        name: body.name,
        kind: input::choice_or(
            &mut errors,
            "kind",
            &body.kind.unwrap_or_default(),
            WarehouseKind::Warehouse,
        ),
        region_code: body.region_code,
    };
    let input = Input { value, errors };
    let warehouse =
        state.write(async |uow| stock::create_warehouse(uow, &scope, input).await).await?;
    Ok(created(WarehouseResponse::from(warehouse)))
}

/// A balance of an item in a warehouse.
#[derive(Debug, Serialize, ToSchema)]
pub struct BalanceResponse {
    /// Item.
    pub item_id: i64,
    /// Warehouse.
    pub warehouse_id: i64,
    /// On hand, all lots.
    pub on_hand: i64,
    /// Reserved by live offers and by commitments to other organisations not yet sent.
    pub reserved: i64,
    /// On hand minus reserved.
    pub free: i64,
}

/// Balances by item and warehouse.
#[utoipa::path(get, path = "/api/v1/orgs/{slug}/stock", tag = "stock",
    params(("slug" = String, Path, description = "organisation slug")),
    responses((status = 200, body = Vec<BalanceResponse>), (status = 404, body = ErrorBody)))]
pub async fn balances(
    State(state): State<AppState>,
    Scoped(scope): Scoped,
) -> AppResult<Json<Vec<BalanceResponse>>> {
    Ok(Json(
        stock::overview(&state.db, &scope)
            .await?
            .into_iter()
            .map(|r| BalanceResponse {
                item_id: r.item.id,
                warehouse_id: r.warehouse.id,
                on_hand: r.on_hand,
                reserved: r.reserved,
                free: r.on_hand - r.reserved,
            })
            .collect(),
    ))
}

/// A lot with stock.
#[derive(Debug, Serialize, ToSchema)]
pub struct LotResponse {
    /// Item.
    pub item_id: i64,
    /// Warehouse.
    pub warehouse_id: i64,
    /// Lot (for stock received without one: its expiry date).
    pub lot: String,
    /// Expiry date.
    pub expiry: Option<NaiveDate>,
    /// Quantity on hand.
    pub quantity: i64,
}

/// Lots of an item on hand, soonest expiry first (the order distributions take them in).
#[utoipa::path(get, path = "/api/v1/orgs/{slug}/items/{id}/lots", tag = "stock",
    params(("slug" = String, Path, description = "organisation slug"), ("id" = i64, Path, description = "item id")),
    responses((status = 200, body = Vec<LotResponse>), (status = 404, body = ErrorBody)))]
pub async fn lots(
    State(state): State<AppState>,
    Scoped(scope): Scoped,
    Path((_, id)): Path<(String, i64)>,
) -> AppResult<Json<Vec<LotResponse>>> {
    stock::get_item(&state.db, &scope, id).await?;
    Ok(Json(
        stock::lot_balances(&state.db, &scope, id, None)
            .await?
            .into_iter()
            .map(|b| LotResponse {
                item_id: b.item_id,
                warehouse_id: b.warehouse_id,
                lot: b.lot,
                expiry: b.expiry,
                quantity: b.quantity,
            })
            .collect(),
    ))
}

/// Expiry window.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DaysQuery {
    /// Days ahead (default 30).
    #[serde(default)]
    pub days: Option<i64>,
}

/// Lots with stock that expire within the window (or already have), soonest first.
#[utoipa::path(get, path = "/api/v1/orgs/{slug}/stock/expiring", tag = "stock",
    params(("slug" = String, Path, description = "organisation slug"), DaysQuery),
    responses((status = 200, body = Vec<LotResponse>), (status = 404, body = ErrorBody)))]
pub async fn expiring(
    State(state): State<AppState>,
    Scoped(scope): Scoped,
    Query(q): Query<DaysQuery>,
) -> AppResult<Json<Vec<LotResponse>>> {
    Ok(Json(
        stock::expiring(&state.db, &scope, q.days.unwrap_or(30))
            .await?
            .into_iter()
            .map(|e| LotResponse {
                item_id: e.item.id,
                warehouse_id: e.warehouse.id,
                lot: e.lot,
                expiry: Some(e.expiry),
                quantity: e.quantity,
            })
            .collect(),
    ))
}

/// An item below its low-stock threshold.
#[derive(Debug, Serialize, ToSchema)]
pub struct LowStockResponse {
    /// Item.
    pub item_id: i64,
    /// Total on hand in all warehouses.
    pub on_hand: i64,
    /// Its threshold.
    pub threshold: i64,
}

/// Items whose total on hand is below their low-stock threshold.
#[utoipa::path(get, path = "/api/v1/orgs/{slug}/stock/low", tag = "stock",
    params(("slug" = String, Path, description = "organisation slug")),
    responses((status = 200, body = Vec<LowStockResponse>), (status = 404, body = ErrorBody)))]
pub async fn low_stock(
    State(state): State<AppState>,
    Scoped(scope): Scoped,
) -> AppResult<Json<Vec<LowStockResponse>>> {
    Ok(Json(
        stock::low_stock(&state.db, &scope)
            .await?
            .into_iter()
            .map(|(item, on_hand)| LowStockResponse {
                item_id: item.id,
                on_hand,
                threshold: item.low_stock_threshold,
            })
            .collect(),
    ))
}

/// A movement recorded by hand.
#[derive(Debug, Deserialize, ToSchema)]
pub struct MovementRequest {
    /// receipt, transfer, transfer-out, transfer-in, adjustment or loss.
    pub kind: String,
    /// Item.
    pub item_id: i64,
    /// The warehouse it enters or leaves.
    pub warehouse_id: i64,
    /// For a transfer: the warehouse it goes to.
    #[serde(default)]
    pub to_warehouse_id: Option<i64>,
    /// How much (positive; an adjustment may be negative).
    pub quantity: i64,
    /// Lot; for stock leaving, omit for first-expiry-first-out.
    #[serde(default)]
    pub lot: Option<String>,
    /// Expiry of the lot received, `YYYY-MM-DD`.
    #[serde(default)]
    pub expiry: Option<String>,
    /// For a receipt: donor, purchase or organisation.
    #[serde(default)]
    pub source_kind: Option<String>,
    /// Who it came from or went to.
    #[serde(default)]
    pub counterparty: Option<String>,
    /// For a loss: expired, damaged, stolen or other.
    #[serde(default)]
    pub reason: Option<String>,
    /// Note; required for an adjustment.
    #[serde(default)]
    pub note: Option<String>,
    /// When it happened, `YYYY-MM-DD` (default today).
    #[serde(default)]
    pub occurred_on: Option<String>,
}

/// Records a receipt, transfer, transfer to or from another organisation, adjustment or loss.
#[utoipa::path(post, path = "/api/v1/orgs/{slug}/movements", tag = "stock", request_body = MovementRequest,
    params(("slug" = String, Path, description = "organisation slug")),
    responses((status = 201, body = Vec<MovementResponse>), (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "not enough stock"), (status = 422, body = ErrorBody)))]
pub async fn record_movement(
    State(state): State<AppState>,
    Scoped(scope): Scoped,
    ApiJson(b): ApiJson<MovementRequest>,
) -> AppResult<Response> {
    let mut errors = FieldErrors::default();
    let (receiving, sourced, lost) = input::movement_parts(&b.kind);
    let value = MovementFields {
        kind: input::choice(&mut errors, "kind", &b.kind),
        item_id: Some(b.item_id),
        warehouse_id: Some(b.warehouse_id),
        to_warehouse_id: b.to_warehouse_id,
        quantity: Some(b.quantity),
        lot: b.lot.unwrap_or_default(),
        expiry: b
            .expiry
            .filter(|_| receiving)
            .and_then(|e| input::optional_date(&mut errors, "expiry", &e)),
        source_kind: b
            .source_kind
            .filter(|_| sourced)
            .and_then(|k| input::optional_choice(&mut errors, "source_kind", &k)),
        counterparty: b.counterparty.unwrap_or_default(),
        reason: b
            .reason
            .filter(|_| lost)
            .and_then(|r| input::optional_choice(&mut errors, "reason", &r)),
        note: b.note.unwrap_or_default(),
        occurred_on: input::optional_date(
            &mut errors,
            "occurred_on",
            &b.occurred_on.unwrap_or_default(),
        ),
    };
    let input = Input { value, errors };
    let moves = state.write(async |uow| stock::record(uow, &scope, input).await).await?;
    Ok(created(moves.into_iter().map(MovementResponse::from).collect::<Vec<_>>()))
}

/// One line of a distribution request.
#[derive(Debug, Deserialize, ToSchema)]
pub struct LineRequest {
    /// Item.
    pub item_id: i64,
    /// Warehouse it leaves.
    pub warehouse_id: i64,
    /// How much.
    pub quantity: i64,
    /// Lot; omit for first-expiry-first-out.
    #[serde(default)]
    pub lot: Option<String>,
}

/// A distribution to a household.
#[derive(Debug, Deserialize, ToSchema)]
pub struct DistributionRequest {
    /// The household.
    pub case_id: i64,
    /// The need it meets.
    #[serde(default)]
    pub need_id: Option<i64>,
    /// What was handed over.
    pub lines: Vec<LineRequest>,
    /// Who delivered it (user id; default the caller).
    #[serde(default)]
    pub delivered_by: Option<i64>,
    /// When, `YYYY-MM-DD` (default today).
    #[serde(default)]
    pub delivered_on: Option<String>,
    /// Receipt note.
    #[serde(default)]
    pub note: Option<String>,
}

/// A recorded distribution.
#[derive(Debug, Serialize, ToSchema)]
pub struct DistributionResponse {
    /// Identifier.
    pub id: i64,
    /// Household.
    pub case_id: i64,
    /// Need met.
    pub need_id: Option<i64>,
    /// Who delivered it.
    pub delivered_by: i64,
    /// When.
    pub delivered_on: NaiveDate,
    /// Note.
    pub note: String,
    /// When it was reversed, if it was.
    pub reversed_at: Option<DateTime<Utc>>,
    /// Why it was reversed.
    pub reversal_reason: Option<String>,
    /// The stock movements that delivered it.
    pub lines: Vec<MovementResponse>,
}

/// The distributions as the API shows them, with their lines (read in one query for all of them).
async fn distribution_responses(
    state: &AppState,
    scope: &OrgScope,
    records: Vec<distribution::Model>,
) -> AppResult<Vec<DistributionResponse>> {
    let ids: Vec<i64> = records.iter().map(|d| d.id).collect();
    let mut lines = stock::distribution_lines_of(&state.db, scope, &ids).await?;
    Ok(records
        .into_iter()
        .map(|d| DistributionResponse {
            lines: lines.remove(&d.id).unwrap_or_default().into_iter().map(Into::into).collect(),
            id: d.id,
            case_id: d.case_id,
            need_id: d.need_id,
            delivered_by: d.delivered_by,
            delivered_on: d.delivered_on,
            note: d.note,
            reversed_at: d.reversed_at,
            reversal_reason: d.reversal_reason,
        })
        .collect())
}

async fn distribution_response(
    state: &AppState,
    scope: &OrgScope,
    d: distribution::Model,
) -> AppResult<DistributionResponse> {
    let mut out = distribution_responses(state, scope, vec![d]).await?;
    out.pop().ok_or(crate::domain::error::AppError::NotFound)
}

impl DistributionRequest {
    fn input(self) -> Input<DistributionFields> {
        Input::read(|errors| DistributionFields {
            case_id: Some(self.case_id),
            need_id: self.need_id,
            lines: self
                .lines
                .into_iter()
                .map(|l| LineFields {
                    item_id: Some(l.item_id),
                    warehouse_id: Some(l.warehouse_id),
                    quantity: Some(l.quantity),
                    lot: l.lot.unwrap_or_default(),
                })
                .collect(),
            delivered_by: self.delivered_by,
            delivered_on: input::optional_date(
                errors,
                "delivered_on",
                &self.delivered_on.unwrap_or_default(),
            ),
            note: self.note.unwrap_or_default(),
        })
    }
}

/// Records a distribution: stock leaves, the need's quantity met rises, all or nothing.
#[utoipa::path(post, path = "/api/v1/orgs/{slug}/distributions", tag = "distributions", request_body = DistributionRequest,
    params(("slug" = String, Path, description = "organisation slug")),
    responses((status = 201, body = DistributionResponse), (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "not enough stock, or more than the need"), (status = 422, body = ErrorBody)))]
pub async fn create_distribution(
    State(state): State<AppState>,
    Scoped(scope): Scoped,
    ApiJson(b): ApiJson<DistributionRequest>,
) -> AppResult<Response> {
    let d =
        state.write(async |uow| stock::record_distribution(uow, &scope, b.input()).await).await?;
    Ok(created(distribution_response(&state, &scope, d).await?))
}

/// Distribution history filter.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DistributionQuery {
    /// Only this household's.
    #[serde(default)]
    pub case_id: Option<i64>,
    /// Only this need's.
    #[serde(default)]
    pub need_id: Option<i64>,
}

/// Distribution history, newest first (the latest 200).
#[utoipa::path(get, path = "/api/v1/orgs/{slug}/distributions", tag = "distributions",
    params(("slug" = String, Path, description = "organisation slug"), DistributionQuery),
    responses((status = 200, body = Vec<DistributionResponse>), (status = 404, body = ErrorBody)))]
pub async fn list_distributions(
    State(state): State<AppState>,
    Scoped(scope): Scoped,
    Query(q): Query<DistributionQuery>,
) -> AppResult<Json<Vec<DistributionResponse>>> {
    let records = stock::distributions_for(&state.db, &scope, q.case_id, q.need_id, 200).await?;
    Ok(Json(distribution_responses(&state, &scope, records).await?))
}

/// One distribution.
#[utoipa::path(get, path = "/api/v1/orgs/{slug}/distributions/{id}", tag = "distributions",
    params(("slug" = String, Path, description = "organisation slug"), ("id" = i64, Path, description = "distribution id")),
    responses((status = 200, body = DistributionResponse), (status = 404, body = ErrorBody)))]
pub async fn show_distribution(
    State(state): State<AppState>,
    Scoped(scope): Scoped,
    Path((_, id)): Path<(String, i64)>,
) -> AppResult<Json<DistributionResponse>> {
    let d = stock::get_distribution(&state.db, &scope, id).await?;
    Ok(Json(distribution_response(&state, &scope, d).await?))
}

/// Why a distribution is reversed.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ReverseRequest {
    /// The reason (required).
    pub reason: String,
}

/// Reverses a distribution with compensating movements.
#[utoipa::path(post, path = "/api/v1/orgs/{slug}/distributions/{id}/reverse", tag = "distributions", request_body = ReverseRequest,
    params(("slug" = String, Path, description = "organisation slug"), ("id" = i64, Path, description = "distribution id")),
    responses((status = 200, body = DistributionResponse), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "already reversed"), (status = 422, body = ErrorBody)))]
pub async fn reverse_distribution(
    State(state): State<AppState>,
    Scoped(scope): Scoped,
    Path((_, id)): Path<(String, i64)>,
    ApiJson(b): ApiJson<ReverseRequest>,
) -> AppResult<Json<DistributionResponse>> {
    let d = state
        .write(async |uow| stock::reverse_distribution(uow, &scope, id, &b.reason).await)
        .await?;
    Ok(Json(distribution_response(&state, &scope, d).await?))
}

/// One item to many households.
#[derive(Debug, Deserialize, ToSchema)]
pub struct BulkRequest {
    /// Item.
    pub item_id: i64,
    /// Warehouse it leaves.
    pub warehouse_id: i64,
    /// How much each household receives.
    pub quantity: i64,
    /// The households.
    pub case_ids: Vec<i64>,
    /// When, `YYYY-MM-DD` (default today).
    #[serde(default)]
    pub delivered_on: Option<String>,
    /// Receipt note.
    #[serde(default)]
    pub note: Option<String>,
}

/// Distributes one item to many households in one transaction: all or none.
#[utoipa::path(post, path = "/api/v1/orgs/{slug}/distributions/bulk", tag = "distributions", request_body = BulkRequest,
    params(("slug" = String, Path, description = "organisation slug")),
    responses((status = 201, body = Vec<DistributionResponse>), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn bulk_distribute(
    State(state): State<AppState>,
    Scoped(scope): Scoped,
    ApiJson(b): ApiJson<BulkRequest>,
) -> AppResult<Response> {
    let mut errors = FieldErrors::default();
    let value = BulkFields {
        item_id: Some(b.item_id),
        warehouse_id: Some(b.warehouse_id),
        quantity: Some(b.quantity),
        case_ids: b.case_ids,
        delivered_on: input::optional_date(
            &mut errors,
            "delivered_on",
            &b.delivered_on.unwrap_or_default(),
        ),
        note: b.note.unwrap_or_default(),
    };
    let input = Input { value, errors };
    let records = state.write(async |uow| stock::bulk_distribute(uow, &scope, input).await).await?;
    Ok(created(distribution_responses(&state, &scope, records).await?))
}

/// An offer of surplus.
#[derive(Debug, Deserialize, ToSchema)]
pub struct OfferRequest {
    /// Item.
    pub item_id: i64,
    /// Warehouse holding it.
    pub warehouse_id: i64,
    /// How much (at most the free balance).
    pub quantity: i64,
    /// Region (default the warehouse's).
    #[serde(default)]
    pub region_code: Option<String>,
    /// Last day, `YYYY-MM-DD`.
    pub available_until: String,
    /// private (default), network or public.
    #[serde(default)]
    pub visibility: Option<String>,
}

/// An offer.
#[derive(Debug, Serialize, ToSchema)]
pub struct OfferResponse {
    /// Identifier.
    pub id: i64,
    /// Item.
    pub item_id: i64,
    /// Warehouse.
    pub warehouse_id: i64,
    /// Quantity reserved.
    pub quantity: i64,
    /// Region.
    pub region_code: String,
    /// Last day.
    pub available_until: NaiveDate,
    /// Visibility.
    pub visibility: String,
    /// active, withdrawn or expired.
    pub status: String,
}

impl From<offer::Model> for OfferResponse {
    fn from(o: offer::Model) -> Self {
        OfferResponse {
            id: o.id,
            item_id: o.item_id,
            warehouse_id: o.warehouse_id,
            quantity: o.quantity,
            region_code: o.region_code,
            available_until: o.available_until,
            visibility: o.visibility.to_string(),
            status: o.status.to_string(),
        }
    }
}

/// The organisation's offers.
#[utoipa::path(get, path = "/api/v1/orgs/{slug}/offers", tag = "stock",
    params(("slug" = String, Path, description = "organisation slug")),
    responses((status = 200, body = Vec<OfferResponse>), (status = 404, body = ErrorBody)))]
pub async fn list_offers(
    State(state): State<AppState>,
    Scoped(scope): Scoped,
) -> AppResult<Json<Vec<OfferResponse>>> {
    Ok(Json(stock::offers(&state.db, &scope).await?.into_iter().map(Into::into).collect()))
}

/// Offers part of the free stock; the quantity is reserved.
#[utoipa::path(post, path = "/api/v1/orgs/{slug}/offers", tag = "stock", request_body = OfferRequest,
    params(("slug" = String, Path, description = "organisation slug")),
    responses((status = 201, body = OfferResponse), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_offer(
    State(state): State<AppState>,
    Scoped(scope): Scoped,
    ApiJson(b): ApiJson<OfferRequest>,
) -> AppResult<Response> {
    let mut errors = FieldErrors::default();
    let available_until = input::optional_date(&mut errors, "available_until", &b.available_until);
    let value = OfferFields {
        item_id: Some(b.item_id),
        warehouse_id: Some(b.warehouse_id),
        quantity: Some(b.quantity),
        region_code: b.region_code.unwrap_or_default(),
        available_until,
        visibility: input::choice_or(
            &mut errors,
            "visibility",
            &b.visibility.unwrap_or_default(),
            Visibility::Private,
        ),
    };
    let input = Input { value, errors };
    let offer = state.write(async |uow| stock::create_offer(uow, &scope, input).await).await?;
    Ok(created(OfferResponse::from(offer)))
}

/// Withdraws an offer, releasing its reservation.
#[utoipa::path(post, path = "/api/v1/orgs/{slug}/offers/{id}/withdraw", tag = "stock",
    params(("slug" = String, Path, description = "organisation slug"), ("id" = i64, Path, description = "offer id")),
    responses((status = 200, body = OfferResponse), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn withdraw_offer(
    State(state): State<AppState>,
    Scoped(scope): Scoped,
    Path((_, id)): Path<(String, i64)>,
) -> AppResult<Json<OfferResponse>> {
    let offer = state.write(async |uow| stock::withdraw_offer(uow, &scope, id).await).await?;
    Ok(Json(offer.into()))
}

/// Report query.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportQuery {
    /// The month, `YYYY-MM`.
    #[serde(default)]
    pub month: String,
    /// `csv` for a spreadsheet file (UTF-8 with BOM, in the caller's language); JSON otherwise.
    #[serde(default)]
    pub format: Option<String>,
}

/// The monthly stock report: received, distributed, transferred out, lost and adjusted, by sector, region and item.
#[utoipa::path(get, path = "/api/v1/orgs/{slug}/reports/monthly", tag = "stock",
    params(("slug" = String, Path, description = "organisation slug"), ReportQuery),
    responses((status = 200, body = ReportResponse), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn monthly_report(
    State(state): State<AppState>,
    Scoped(scope): Scoped,
    headers: axum::http::HeaderMap,
    Path(slug): Path<String>,
    Query(q): Query<ReportQuery>,
) -> AppResult<Response> {
    let month = input::month(&q.month)?;
    let report = stock::monthly_report(&state.db, &scope, month).await?;
    if q.format.as_deref() == Some("csv") {
        let tr = Tr::new(state.catalogue.clone(), request_lang(&headers));
        return crate::http::download::report_csv(&state, &tr, &slug, &report).await;
    }
    Ok(Json(ReportResponse::from(report)).into_response())
}

/// One line of the monthly report.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReportRowResponse {
    /// Sector code.
    pub sector: String,
    /// Region code of the warehouse.
    pub region_code: String,
    /// Item id.
    pub item_id: i64,
    /// Item name in Arabic.
    pub item_ar: String,
    /// Item name in English.
    pub item_en: String,
    /// Unit (currency for cash).
    pub unit: String,
    /// Received: receipts and transfers in from other organisations.
    pub received: i64,
    /// Distributed to households, net of reversals.
    pub distributed: i64,
    /// Transferred out to other organisations.
    pub transferred_out: i64,
    /// Lost: expired, damaged, stolen.
    pub lost: i64,
    /// Net count corrections.
    pub adjusted: i64,
}

/// A month of stock activity.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReportResponse {
    /// The month, `YYYY-MM`.
    pub month: String,
    /// Lines by sector, region and item.
    pub rows: Vec<ReportRowResponse>,
}

impl From<MonthlyReport> for ReportResponse {
    fn from(r: MonthlyReport) -> Self {
        ReportResponse {
            month: r.month,
            rows: r
                .rows
                .into_iter()
                .map(|row| ReportRowResponse {
                    sector: row.sector.to_string(),
                    region_code: row.region_code,
                    item_id: row.item.id,
                    item_ar: row.item.name_ar,
                    item_en: row.item.name_en,
                    unit: row.item.unit,
                    received: row.received,
                    distributed: row.distributed,
                    transferred_out: row.transferred_out,
                    lost: row.lost,
                    adjusted: row.adjusted,
                })
                .collect(),
        }
    }
}
