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

use super::{ApiJson, ApiToken, ErrorBody, created};
use crate::{
    domain::error::AppResult,
    domain::stock::{
        self, BulkDraft, DistributionDraft, ItemDraft, LineDraft, MonthlyReport, MovementDraft,
        OfferDraft, WarehouseDraft,
    },
    http::request::request_lang,
    i18n::Tr,
    infra::entities::{distribution, item, offer, stock_movement, warehouse},
    state::AppState,
};

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}

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

impl From<ItemRequest> for ItemDraft {
    fn from(r: ItemRequest) -> Self {
        ItemDraft {
            name_ar: r.name_ar,
            name_en: r.name_en,
            sector: r.sector,
            kind: r.kind.unwrap_or_default(),
            unit: r.unit.unwrap_or_default(),
            currency: r.currency.unwrap_or_default(),
            pack_size: opt(r.pack_size),
            sku: r.sku.unwrap_or_default(),
            expires: r.expires.then(|| "on".to_owned()),
            low_stock_threshold: opt(r.low_stock_threshold),
        }
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
    pub pack_size: i32,
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
            sector: i.sector,
            kind: i.kind,
            unit: i.unit,
            currency: i.currency,
            pack_size: i.pack_size,
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
    token: ApiToken,
    Path(slug): Path<String>,
) -> AppResult<Json<Vec<ItemResponse>>> {
    let scope = token.scope(&state, &slug).await?;
    Ok(Json(
        stock::items(&state.db, &scope)
            .await?
            .into_iter()
            .map(Into::into)
            .collect(),
    ))
}

/// Adds an item (storekeepers and admins).
#[utoipa::path(post, path = "/api/v1/orgs/{slug}/items", tag = "stock", request_body = ItemRequest,
    params(("slug" = String, Path, description = "organisation slug")),
    responses((status = 201, body = ItemResponse), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_item(
    State(state): State<AppState>,
    token: ApiToken,
    Path(slug): Path<String>,
    ApiJson(body): ApiJson<ItemRequest>,
) -> AppResult<Response> {
    let scope = token.scope(&state, &slug).await?;
    Ok(created(ItemResponse::from(
        stock::create_item(&state.db, &scope, &body.into()).await?,
    )))
}

/// Changes an item.
#[utoipa::path(put, path = "/api/v1/orgs/{slug}/items/{id}", tag = "stock", request_body = ItemRequest,
    params(("slug" = String, Path, description = "organisation slug"), ("id" = i64, Path, description = "item id")),
    responses((status = 200, body = ItemResponse), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update_item(
    State(state): State<AppState>,
    token: ApiToken,
    Path((slug, id)): Path<(String, i64)>,
    ApiJson(body): ApiJson<ItemRequest>,
) -> AppResult<Json<ItemResponse>> {
    let scope = token.scope(&state, &slug).await?;
    Ok(Json(
        stock::update_item(&state.db, &scope, id, &body.into())
            .await?
            .into(),
    ))
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
            kind: m.kind,
            item_id: m.item_id,
            warehouse_id: m.warehouse_id,
            lot: m.lot,
            expiry: m.expiry,
            quantity: m.quantity,
            source_kind: m.source_kind,
            counterparty: m.counterparty,
            reason: m.reason,
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
    token: ApiToken,
    Path((slug, id)): Path<(String, i64)>,
    Query(q): Query<CardQuery>,
) -> AppResult<Json<CardResponse>> {
    let scope = token.scope(&state, &slug).await?;
    let item = stock::get_item(&state.db, &scope, id).await?;
    let page = q.page.unwrap_or(1).max(1);
    let (rows, total) = stock::card(&state.db, &scope, id, q.warehouse_id, page).await?;
    let lines = rows
        .into_iter()
        .map(|r| CardLine {
            movement: r.movement.into(),
            balance_after: r.balance_after,
        })
        .collect();
    Ok(Json(CardResponse {
        item: item.into(),
        lines,
        total,
        page,
    }))
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
            kind: w.kind,
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
    token: ApiToken,
    Path(slug): Path<String>,
) -> AppResult<Json<Vec<WarehouseResponse>>> {
    let scope = token.scope(&state, &slug).await?;
    Ok(Json(
        stock::warehouses(&state.db, &scope)
            .await?
            .into_iter()
            .map(Into::into)
            .collect(),
    ))
}

/// Adds a warehouse or distribution point.
#[utoipa::path(post, path = "/api/v1/orgs/{slug}/warehouses", tag = "stock", request_body = WarehouseRequest,
    params(("slug" = String, Path, description = "organisation slug")),
    responses((status = 201, body = WarehouseResponse), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_warehouse(
    State(state): State<AppState>,
    token: ApiToken,
    Path(slug): Path<String>,
    ApiJson(body): ApiJson<WarehouseRequest>,
) -> AppResult<Response> {
    let scope = token.scope(&state, &slug).await?;
    let draft = WarehouseDraft {
        name: body.name,
        kind: body.kind.unwrap_or_default(),
        region_code: body.region_code,
    };
    Ok(created(WarehouseResponse::from(
        stock::create_warehouse(&state.db, &scope, &draft).await?,
    )))
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
    /// Reserved by live offers.
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
    token: ApiToken,
    Path(slug): Path<String>,
) -> AppResult<Json<Vec<BalanceResponse>>> {
    let scope = token.scope(&state, &slug).await?;
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
    token: ApiToken,
    Path((slug, id)): Path<(String, i64)>,
) -> AppResult<Json<Vec<LotResponse>>> {
    let scope = token.scope(&state, &slug).await?;
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
    token: ApiToken,
    Path(slug): Path<String>,
    Query(q): Query<DaysQuery>,
) -> AppResult<Json<Vec<LotResponse>>> {
    let scope = token.scope(&state, &slug).await?;
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
    token: ApiToken,
    Path(slug): Path<String>,
) -> AppResult<Json<Vec<LowStockResponse>>> {
    let scope = token.scope(&state, &slug).await?;
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
    token: ApiToken,
    Path(slug): Path<String>,
    ApiJson(b): ApiJson<MovementRequest>,
) -> AppResult<Response> {
    let scope = token.scope(&state, &slug).await?;
    let draft = MovementDraft {
        kind: b.kind,
        item_id: b.item_id.to_string(),
        warehouse_id: b.warehouse_id.to_string(),
        to_warehouse_id: opt(b.to_warehouse_id),
        quantity: b.quantity.to_string(),
        lot: b.lot.unwrap_or_default(),
        expiry: b.expiry.unwrap_or_default(),
        source_kind: b.source_kind.unwrap_or_default(),
        counterparty: b.counterparty.unwrap_or_default(),
        reason: b.reason.unwrap_or_default(),
        note: b.note.unwrap_or_default(),
        occurred_on: b.occurred_on.unwrap_or_default(),
    };
    let moves: Vec<MovementResponse> = stock::record(&state.db, &scope, &draft)
        .await?
        .into_iter()
        .map(Into::into)
        .collect();
    Ok(created(moves))
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

async fn distribution_response(
    state: &AppState,
    scope: &crate::domain::tenancy::OrgScope,
    d: distribution::Model,
) -> AppResult<DistributionResponse> {
    let lines = stock::distribution_lines(&state.db, scope, d.id)
        .await?
        .into_iter()
        .map(Into::into)
        .collect();
    Ok(DistributionResponse {
        id: d.id,
        case_id: d.case_id,
        need_id: d.need_id,
        delivered_by: d.delivered_by,
        delivered_on: d.delivered_on,
        note: d.note,
        reversed_at: d.reversed_at,
        reversal_reason: d.reversal_reason,
        lines,
    })
}

/// Records a distribution: stock leaves, the need's quantity met rises, all or nothing.
#[utoipa::path(post, path = "/api/v1/orgs/{slug}/distributions", tag = "distributions", request_body = DistributionRequest,
    params(("slug" = String, Path, description = "organisation slug")),
    responses((status = 201, body = DistributionResponse), (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody, description = "not enough stock, or more than the need"), (status = 422, body = ErrorBody)))]
pub async fn create_distribution(
    State(state): State<AppState>,
    token: ApiToken,
    Path(slug): Path<String>,
    ApiJson(b): ApiJson<DistributionRequest>,
) -> AppResult<Response> {
    let scope = token.scope(&state, &slug).await?;
    let draft = DistributionDraft {
        case_id: b.case_id.to_string(),
        need_id: opt(b.need_id),
        lines: b
            .lines
            .into_iter()
            .map(|l| LineDraft {
                item_id: l.item_id.to_string(),
                warehouse_id: l.warehouse_id.to_string(),
                quantity: l.quantity.to_string(),
                lot: l.lot.unwrap_or_default(),
            })
            .collect(),
        delivered_by: opt(b.delivered_by),
        delivered_on: b.delivered_on.unwrap_or_default(),
        note: b.note.unwrap_or_default(),
    };
    let d = stock::record_distribution(&state.db, &scope, &draft).await?;
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
    token: ApiToken,
    Path(slug): Path<String>,
    Query(q): Query<DistributionQuery>,
) -> AppResult<Json<Vec<DistributionResponse>>> {
    let scope = token.scope(&state, &slug).await?;
    let mut out = Vec::new();
    for d in stock::distributions_for(&state.db, &scope, q.case_id, q.need_id, 200).await? {
        out.push(distribution_response(&state, &scope, d).await?);
    }
    Ok(Json(out))
}

/// One distribution.
#[utoipa::path(get, path = "/api/v1/orgs/{slug}/distributions/{id}", tag = "distributions",
    params(("slug" = String, Path, description = "organisation slug"), ("id" = i64, Path, description = "distribution id")),
    responses((status = 200, body = DistributionResponse), (status = 404, body = ErrorBody)))]
pub async fn show_distribution(
    State(state): State<AppState>,
    token: ApiToken,
    Path((slug, id)): Path<(String, i64)>,
) -> AppResult<Json<DistributionResponse>> {
    let scope = token.scope(&state, &slug).await?;
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
    token: ApiToken,
    Path((slug, id)): Path<(String, i64)>,
    ApiJson(b): ApiJson<ReverseRequest>,
) -> AppResult<Json<DistributionResponse>> {
    let scope = token.scope(&state, &slug).await?;
    let d = stock::reverse_distribution(&state.db, &scope, id, &b.reason).await?;
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
    token: ApiToken,
    Path(slug): Path<String>,
    ApiJson(b): ApiJson<BulkRequest>,
) -> AppResult<Response> {
    let scope = token.scope(&state, &slug).await?;
    let draft = BulkDraft {
        item_id: b.item_id.to_string(),
        warehouse_id: b.warehouse_id.to_string(),
        quantity: b.quantity.to_string(),
        case_ids: b.case_ids.iter().map(i64::to_string).collect(),
        delivered_on: b.delivered_on.unwrap_or_default(),
        note: b.note.unwrap_or_default(),
        region: String::new(),
    };
    let mut out = Vec::new();
    for d in stock::bulk_distribute(&state.db, &scope, &draft).await? {
        out.push(distribution_response(&state, &scope, d).await?);
    }
    Ok(created(out))
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
            visibility: o.visibility,
            status: o.status,
        }
    }
}

/// The organisation's offers.
#[utoipa::path(get, path = "/api/v1/orgs/{slug}/offers", tag = "stock",
    params(("slug" = String, Path, description = "organisation slug")),
    responses((status = 200, body = Vec<OfferResponse>), (status = 404, body = ErrorBody)))]
pub async fn list_offers(
    State(state): State<AppState>,
    token: ApiToken,
    Path(slug): Path<String>,
) -> AppResult<Json<Vec<OfferResponse>>> {
    let scope = token.scope(&state, &slug).await?;
    Ok(Json(
        stock::offers(&state.db, &scope)
            .await?
            .into_iter()
            .map(Into::into)
            .collect(),
    ))
}

/// Offers part of the free stock; the quantity is reserved.
#[utoipa::path(post, path = "/api/v1/orgs/{slug}/offers", tag = "stock", request_body = OfferRequest,
    params(("slug" = String, Path, description = "organisation slug")),
    responses((status = 201, body = OfferResponse), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_offer(
    State(state): State<AppState>,
    token: ApiToken,
    Path(slug): Path<String>,
    ApiJson(b): ApiJson<OfferRequest>,
) -> AppResult<Response> {
    let scope = token.scope(&state, &slug).await?;
    let draft = OfferDraft {
        item_id: b.item_id.to_string(),
        warehouse_id: b.warehouse_id.to_string(),
        quantity: b.quantity.to_string(),
        region_code: b.region_code.unwrap_or_default(),
        available_until: b.available_until,
        visibility: b.visibility.unwrap_or_default(),
    };
    Ok(created(OfferResponse::from(
        stock::create_offer(&state.db, &scope, &draft).await?,
    )))
}

/// Withdraws an offer, releasing its reservation.
#[utoipa::path(post, path = "/api/v1/orgs/{slug}/offers/{id}/withdraw", tag = "stock",
    params(("slug" = String, Path, description = "organisation slug"), ("id" = i64, Path, description = "offer id")),
    responses((status = 200, body = OfferResponse), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn withdraw_offer(
    State(state): State<AppState>,
    token: ApiToken,
    Path((slug, id)): Path<(String, i64)>,
) -> AppResult<Json<OfferResponse>> {
    let scope = token.scope(&state, &slug).await?;
    Ok(Json(
        stock::withdraw_offer(&state.db, &scope, id).await?.into(),
    ))
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
    responses((status = 200, body = MonthlyReport), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn monthly_report(
    State(state): State<AppState>,
    token: ApiToken,
    headers: axum::http::HeaderMap,
    Path(slug): Path<String>,
    Query(q): Query<ReportQuery>,
) -> AppResult<Response> {
    let scope = token.scope(&state, &slug).await?;
    let report = stock::monthly_report(&state.db, &scope, &q.month).await?;
    if q.format.as_deref() == Some("csv") {
        let tr = Tr::new(state.catalogue.clone(), request_lang(&headers));
        return crate::http::download::report_csv(&state, &tr, &slug, &report).await;
    }
    Ok(Json(report).into_response())
}
