//! Stock pages: overview, catalogue and stock cards, warehouses, recording movements, distributions (single, bulk,
//! reversal), offers, and the monthly report with its CSV.

use std::collections::BTreeMap;

use askama::Template;
use axum::{
    extract::{Path, Query},
    response::Response,
};
use serde::Deserialize;

use super::{
    CsrfForm, OrgPage, PageCtx, Regions,
    forms::{
        BulkDraft, DistributionDraft, ItemDraft, LineDraft, MovementDraft, OfferDraft,
        WarehouseDraft,
    },
    refusable, render, see_other, submit,
};
use crate::{
    domain::{
        accounts::{self, Member},
        cases::{self, CaseFilter},
        error::{AppError, AppResult, FieldErrors},
        needs::{self, NeedFilter, StatusFilter},
        stock::{self, BalanceRow, CardRow, ExpiringRow, MonthlyReport},
        tenancy::{OrgScope, Perm},
    },
    http::{input, queries},
    i18n::Lang,
    infra::entities::{
        case, distribution, item, need, offer, stock_balance, stock_movement, warehouse,
    },
    state::AppState,
    vocab::{CaseStatus, MovementKind},
};

/// Names of items and warehouses in the page's language, for tables and selects.
#[derive(Clone, Debug, Default)]
pub struct Names {
    items: BTreeMap<i64, String>,
    warehouses: BTreeMap<i64, String>,
}

impl Names {
    async fn load(state: &AppState, scope: &OrgScope, lang: Lang) -> AppResult<Self> {
        let items = stock::items(&state.db, scope)
            .await?
            .into_iter()
            .map(|i| (i.id, if lang == Lang::Ar { i.name_ar } else { i.name_en }))
            .collect();
        let warehouses = stock::warehouses(&state.db, scope)
            .await?
            .into_iter()
            .map(|w| (w.id, w.name))
            .collect();
        Ok(Self { items, warehouses })
    }

    /// An item's name.
    pub fn item(&self, id: &i64) -> &str {
        self.items.get(id).map(String::as_str).unwrap_or("—")
    }

    /// Every warehouse, for a filter.
    pub fn warehouses_list(&self) -> Vec<(&i64, &String)> {
        self.warehouses.iter().collect()
    }

    /// A warehouse's name.
    pub fn warehouse(&self, id: &i64) -> &str {
        self.warehouses.get(id).map(String::as_str).unwrap_or("—")
    }
}

fn item_name(lang: Lang, item: &item::Model) -> String {
    if lang == Lang::Ar { item.name_ar.clone() } else { item.name_en.clone() }
}

#[derive(Deserialize)]
pub struct DaysQuery {
    #[serde(default)]
    days: Option<i64>,
    #[serde(default)]
    distributed: Option<usize>,
}

#[derive(Template)]
#[template(path = "stock/index.html")]
struct OverviewPage {
    ctx: PageCtx,
    rows: Vec<BalanceRow>,
    cash: Vec<(String, i64)>,
    low: Vec<(String, i64, i64)>,
    expiring: Vec<ExpiringRow>,
    days: i64,
    can_manage: bool,
    distributed: Option<usize>,
}

impl OverviewPage {
    fn item_name(&self, item: &item::Model) -> String {
        item_name(self.ctx.tr.lang, item)
    }
}

/// Stock overview: balances by item and warehouse, cash by currency, low stock, and lots expiring soon.
pub async fn overview(
    OrgPage { state, ctx, scope, .. }: OrgPage,
    Query(q): Query<DaysQuery>,
) -> AppResult<Response> {
    let rows = stock::overview(&state.db, &scope).await?;
    let cash = stock::cash_totals(&rows);
    let lang = ctx.tr.lang;
    let low = stock::low_stock(&state.db, &scope)
        .await?
        .into_iter()
        .map(|(i, total)| (item_name(lang, &i), total, i.low_stock_threshold))
        .collect();
    let days = q.days.unwrap_or(30).clamp(0, 3650);
    let expiring = stock::expiring(&state.db, &scope, days).await?;
    let can_manage = scope.can(Perm::ManageStock);
    Ok(render(&OverviewPage {
        ctx,
        rows,
        cash,
        low,
        expiring,
        days,
        can_manage,
        distributed: q.distributed,
    }))
}

#[derive(Template)]
#[template(path = "stock/items.html")]
struct ItemsPage {
    ctx: PageCtx,
    items: Vec<item::Model>,
    draft: ItemDraft,
    errors: FieldErrors,
    can_manage: bool,
}

impl ItemsPage {
    fn expires(&self) -> bool {
        self.draft.expires.is_some()
    }
}

async fn items_page(
    state: &AppState,
    ctx: PageCtx,
    scope: &OrgScope,
    draft: ItemDraft,
) -> AppResult<ItemsPage> {
    let items = stock::items(&state.db, scope).await?;
    Ok(ItemsPage {
        ctx,
        items,
        draft,
        errors: FieldErrors::default(),
        can_manage: scope.can(Perm::ManageStock),
    })
}

/// The catalogue, with the form to add an item.
pub async fn items(OrgPage { state, ctx, scope, .. }: OrgPage) -> AppResult<Response> {
    let draft = ItemDraft { kind: "goods".into(), pack_size: "1".into(), ..Default::default() };
    Ok(render(&items_page(&state, ctx, &scope, draft).await?))
}

/// Adds an item.
pub async fn create_item(
    OrgPage { state, ctx, scope, slug }: OrgPage,
    CsrfForm(draft): CsrfForm<ItemDraft>,
) -> AppResult<Response> {
    let input = draft.input();
    submit(
        &state,
        async |uow| stock::create_item(uow, &scope, input).await,
        |item| format!("/o/{slug}/stock/items/{}", item.id),
        async || items_page(&state, ctx, &scope, draft).await,
    )
    .await
}

#[derive(Template)]
#[template(path = "stock/item_edit.html")]
struct ItemEditPage {
    ctx: PageCtx,
    id: i64,
    draft: ItemDraft,
    errors: FieldErrors,
}

impl ItemEditPage {
    fn expires(&self) -> bool {
        self.draft.expires.is_some()
    }
}

/// The form to change an item.
pub async fn edit_item(
    OrgPage { state, ctx, scope, .. }: OrgPage,
    Path((_, id)): Path<(String, i64)>,
) -> AppResult<Response> {
    scope.require(Perm::ManageStock)?;
    let item = stock::get_item(&state.db, &scope, id).await?;
    let draft = ItemDraft::of(&item);
    Ok(render(&ItemEditPage { ctx, id, draft, errors: FieldErrors::default() }))
}

/// Saves changes to an item.
pub async fn update_item(
    OrgPage { state, ctx, scope, slug }: OrgPage,
    Path((_, id)): Path<(String, i64)>,
    CsrfForm(draft): CsrfForm<ItemDraft>,
) -> AppResult<Response> {
    let input = draft.input();
    submit(
        &state,
        async |uow| stock::update_item(uow, &scope, id, input).await,
        |_| format!("/o/{slug}/stock/items/{id}"),
        async || Ok(ItemEditPage { ctx, id, draft, errors: FieldErrors::default() }),
    )
    .await
}

#[derive(Deserialize)]
pub struct CardQuery {
    #[serde(default)]
    warehouse: Option<i64>,
    #[serde(default)]
    page: Option<u64>,
}

#[derive(Template)]
#[template(path = "stock/item.html")]
struct CardPage {
    ctx: PageCtx,
    item: item::Model,
    name: String,
    lots: Vec<stock_balance::Model>,
    rows: Vec<CardRow>,
    names: Names,
    warehouse: Option<i64>,
    page: u64,
    pages: u64,
    total: u64,
}

impl CardPage {
    fn is_warehouse(&self, id: &i64) -> bool {
        self.warehouse == Some(*id)
    }
}

/// The stock card of an item: lots on hand, and every movement with its running balance.
pub async fn card(
    OrgPage { state, ctx, scope, .. }: OrgPage,
    Path((_, id)): Path<(String, i64)>,
    Query(q): Query<CardQuery>,
) -> AppResult<Response> {
    let item = stock::get_item(&state.db, &scope, id).await?;
    let page = queries::page(q.page);
    let (rows, total) = stock::card(&state.db, &scope, id, q.warehouse, page).await?;
    let lots = stock::lot_balances(&state.db, &scope, id, q.warehouse).await?;
    let names = Names::load(&state, &scope, ctx.tr.lang).await?;
    let pages = total.div_ceil(stock::CARD_PAGE).max(1);
    let name = item_name(ctx.tr.lang, &item);
    Ok(render(&CardPage {
        ctx,
        item,
        name,
        lots,
        rows,
        names,
        warehouse: q.warehouse,
        page,
        pages,
        total,
    }))
}

#[derive(Template)]
#[template(path = "stock/warehouses.html")]
struct WarehousesPage {
    ctx: PageCtx,
    warehouses: Vec<warehouse::Model>,
    draft: WarehouseDraft,
    errors: FieldErrors,
    regions: Regions,
    can_manage: bool,
}

async fn warehouses_page(
    state: &AppState,
    ctx: PageCtx,
    scope: &OrgScope,
    draft: WarehouseDraft,
) -> AppResult<WarehousesPage> {
    let warehouses = stock::warehouses(&state.db, scope).await?;
    let regions = Regions::all(state, ctx.tr.lang).await?;
    Ok(WarehousesPage {
        ctx,
        warehouses,
        draft,
        errors: FieldErrors::default(),
        regions,
        can_manage: scope.can(Perm::ManageStock),
    })
}

/// Warehouses and distribution points, with the form to add one.
pub async fn warehouses(OrgPage { state, ctx, scope, .. }: OrgPage) -> AppResult<Response> {
    let draft = WarehouseDraft { kind: "warehouse".into(), ..Default::default() };
    Ok(render(&warehouses_page(&state, ctx, &scope, draft).await?))
}

/// Adds a warehouse.
pub async fn create_warehouse(
    OrgPage { state, ctx, scope, slug }: OrgPage,
    CsrfForm(draft): CsrfForm<WarehouseDraft>,
) -> AppResult<Response> {
    let input = draft.input();
    submit(
        &state,
        async |uow| stock::create_warehouse(uow, &scope, input).await,
        |_| format!("/o/{slug}/stock/warehouses"),
        async || warehouses_page(&state, ctx, &scope, draft).await,
    )
    .await
}

#[derive(Template)]
#[template(path = "stock/movement.html")]
struct MovementPage {
    ctx: PageCtx,
    draft: MovementDraft,
    errors: FieldErrors,
    items: Vec<item::Model>,
    warehouses: Vec<warehouse::Model>,
}

impl MovementPage {
    fn is(&self, kind: &str) -> bool {
        self.draft.kind == kind
    }

    fn item_name(&self, item: &item::Model) -> String {
        item_name(self.ctx.tr.lang, item)
    }
}

#[derive(Deserialize)]
pub struct KindQuery {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    item: Option<i64>,
}

async fn movement_page(
    state: &AppState,
    ctx: PageCtx,
    scope: &OrgScope,
    draft: MovementDraft,
) -> AppResult<MovementPage> {
    scope.require(Perm::ManageStock)?;
    let items = stock::items(&state.db, scope).await?;
    let warehouses = stock::warehouses(&state.db, scope).await?;
    // Shown back in the page (and translated): only a kind the form offers, never what was sent.
    let kind = match MovementKind::parse(&draft.kind) {
        Some(kind) if MovementKind::MANUAL.contains(&kind) => kind,
        _ => MovementKind::Receipt,
    };
    let draft = MovementDraft { kind: kind.as_str().to_owned(), ..draft };
    Ok(MovementPage { ctx, draft, errors: FieldErrors::default(), items, warehouses })
}

/// The form for a receipt, transfer, transfer to or from another organisation, adjustment or loss.
pub async fn movement_form(
    OrgPage { state, ctx, scope, .. }: OrgPage,
    Query(q): Query<KindQuery>,
) -> AppResult<Response> {
    let kind = match MovementKind::parse(&q.kind) {
        Some(kind) if MovementKind::MANUAL.contains(&kind) => kind,
        _ => MovementKind::Receipt,
    };
    let draft = MovementDraft {
        kind: kind.as_str().to_owned(),
        item_id: q.item.map(|i| i.to_string()).unwrap_or_default(),
        source_kind: "donor".into(),
        reason: "expired".into(),
        ..Default::default()
    };
    Ok(render(&movement_page(&state, ctx, &scope, draft).await?))
}

/// Records the movement; stock refused (409) shows the form again with the reason.
pub async fn record_movement(
    OrgPage { state, ctx, scope, slug }: OrgPage,
    CsrfForm(draft): CsrfForm<MovementDraft>,
) -> AppResult<Response> {
    let input = draft.input();
    submit(
        &state,
        async |uow| stock::record(uow, &scope, input).await,
        |moves| {
            let item = moves.first().map(|m| m.item_id).unwrap_or_default();
            format!("/o/{slug}/stock/items/{item}")
        },
        async || movement_page(&state, ctx, &scope, draft).await,
    )
    .await
}

#[derive(Template)]
#[template(path = "distributions/new.html")]
struct DistributionPage {
    ctx: PageCtx,
    case: case::Model,
    needs: Vec<need::Model>,
    need_id: String,
    lines: Vec<LineDraft>,
    delivered_by: String,
    delivered_on: String,
    note: String,
    errors: FieldErrors,
    items: Vec<item::Model>,
    warehouses: Vec<warehouse::Model>,
    members: Vec<Member>,
    lots: Vec<stock_balance::Model>,
    names: Names,
}

impl DistributionPage {
    fn item_name(&self, item: &item::Model) -> String {
        item_name(self.ctx.tr.lang, item)
    }

    fn line_err(&self, i: &usize, field: &str) -> String {
        self.ctx.err(&self.errors, &format!("lines[{i}].{field}"))
    }
}

/// The distribution form posts each line's fields as repeated values.
#[derive(Debug, Default, Deserialize)]
pub struct DistributionForm {
    #[serde(default)]
    case_id: String,
    #[serde(default)]
    need_id: String,
    #[serde(default)]
    item_id: Vec<String>,
    #[serde(default)]
    warehouse_id: Vec<String>,
    #[serde(default)]
    quantity: Vec<String>,
    #[serde(default)]
    lot: Vec<String>,
    #[serde(default)]
    delivered_by: String,
    #[serde(default)]
    delivered_on: String,
    #[serde(default)]
    note: String,
}

impl DistributionForm {
    fn lines(&self) -> Vec<LineDraft> {
        let at = |v: &Vec<String>, i: usize| v.get(i).cloned().unwrap_or_default();
        (0..self.item_id.len().max(self.quantity.len()))
            .map(|i| LineDraft {
                item_id: at(&self.item_id, i),
                warehouse_id: at(&self.warehouse_id, i),
                quantity: at(&self.quantity, i),
                lot: at(&self.lot, i),
            })
            .collect()
    }
}

/// How many item lines the distribution form offers.
const FORM_LINES: usize = 3;

async fn distribution_page(
    state: &AppState,
    ctx: PageCtx,
    scope: &OrgScope,
    case_id: i64,
    form: &DistributionForm,
) -> AppResult<DistributionPage> {
    let scope = scope.clone();
    scope.require(Perm::Distribute)?;
    // The form names the household: a view of the case, audited like one.
    let case = state.write(async |uow| cases::view(uow, &scope, case_id).await).await?;
    let filter = NeedFilter {
        case_id: Some(case.id),
        status: Some(StatusFilter::Active),
        page: 1,
        ..Default::default()
    };
    let (needs, _) = needs::list(&state.db, &scope, &filter).await?;
    let mut lines = form.lines();
    lines.resize(FORM_LINES.max(lines.len()), LineDraft::default());
    Ok(DistributionPage {
        case,
        needs,
        need_id: form.need_id.clone(),
        lines,
        delivered_by: form.delivered_by.clone(),
        delivered_on: form.delivered_on.clone(),
        note: form.note.clone(),
        errors: FieldErrors::default(),
        items: stock::items(&state.db, &scope).await?,
        warehouses: stock::warehouses(&state.db, &scope).await?,
        members: accounts::members(&state.db, &scope).await?,
        lots: stock::usable_lots(&state.db, &scope, 30).await?,
        names: Names::load(state, &scope, ctx.tr.lang).await?,
        ctx,
    })
}

#[derive(Deserialize)]
pub struct NewDistributionQuery {
    case: i64,
    #[serde(default)]
    need: Option<i64>,
}

/// The form to record what a household received.
pub async fn new_distribution(
    OrgPage { state, ctx, scope, .. }: OrgPage,
    Query(q): Query<NewDistributionQuery>,
) -> AppResult<Response> {
    let user = ctx.require_user()?.id.to_string();
    let form = DistributionForm {
        need_id: q.need.map(|n| n.to_string()).unwrap_or_default(),
        delivered_by: user,
        delivered_on: chrono::Utc::now().date_naive().to_string(),
        ..Default::default()
    };
    Ok(render(&distribution_page(&state, ctx, &scope, q.case, &form).await?))
}

/// Records a distribution.
pub async fn create_distribution(
    OrgPage { state, ctx, scope, slug }: OrgPage,
    CsrfForm(form): CsrfForm<DistributionForm>,
) -> AppResult<Response> {
    let draft = DistributionDraft {
        case_id: form.case_id.clone(),
        need_id: form.need_id.clone(),
        lines: form.lines(),
        delivered_by: form.delivered_by.clone(),
        delivered_on: form.delivered_on.clone(),
        note: form.note.clone(),
    };
    let case_id = sanad_search::fold_digits(form.case_id.trim())
        .parse::<i64>()
        .map_err(|_| AppError::NotFound)?;
    let input = draft.input();
    submit(
        &state,
        async |uow| stock::record_distribution(uow, &scope, input).await,
        |d| format!("/o/{slug}/distributions/{}", d.id),
        async || distribution_page(&state, ctx, &scope, case_id, &form).await,
    )
    .await
}

#[derive(Template)]
#[template(path = "distributions/show.html")]
struct DistributionShowPage {
    ctx: PageCtx,
    record: distribution::Model,
    lines: Vec<stock_movement::Model>,
    names: Names,
    delivered_by: String,
    errors: FieldErrors,
}

async fn distribution_show(
    state: &AppState,
    ctx: PageCtx,
    scope: &OrgScope,
    id: i64,
) -> AppResult<DistributionShowPage> {
    let record = stock::get_distribution(&state.db, scope, id).await?;
    let lines = stock::distribution_lines(&state.db, scope, id).await?;
    let names = Names::load(state, scope, ctx.tr.lang).await?;
    let delivered_by = accounts::members(&state.db, scope)
        .await?
        .into_iter()
        .find(|m| m.user_id == record.delivered_by)
        .map(|m| m.display_name)
        .unwrap_or_else(|| ctx.t("former-member"));
    Ok(DistributionShowPage {
        ctx,
        record,
        lines,
        names,
        delivered_by,
        errors: FieldErrors::default(),
    })
}

/// One distribution, with the form to reverse it.
pub async fn show_distribution(
    OrgPage { state, ctx, scope, .. }: OrgPage,
    Path((_, id)): Path<(String, i64)>,
) -> AppResult<Response> {
    Ok(render(&distribution_show(&state, ctx, &scope, id).await?))
}

#[derive(Deserialize)]
pub struct ReverseForm {
    #[serde(default)]
    reason: String,
}

/// Reverses a distribution.
pub async fn reverse_distribution(
    OrgPage { state, ctx, scope, slug }: OrgPage,
    Path((_, id)): Path<(String, i64)>,
    CsrfForm(form): CsrfForm<ReverseForm>,
) -> AppResult<Response> {
    submit(
        &state,
        async |uow| stock::reverse_distribution(uow, &scope, id, &form.reason).await,
        |_| format!("/o/{slug}/distributions/{id}"),
        async || distribution_show(&state, ctx, &scope, id).await,
    )
    .await
}

#[derive(Template)]
#[template(path = "distributions/bulk.html")]
struct BulkPage {
    ctx: PageCtx,
    draft: BulkDraft,
    errors: FieldErrors,
    items: Vec<item::Model>,
    warehouses: Vec<warehouse::Model>,
    cases: Vec<case::Model>,
    region: String,
    regions: Regions,
}

impl BulkPage {
    fn item_name(&self, item: &item::Model) -> String {
        item_name(self.ctx.tr.lang, item)
    }

    fn selected(&self, id: &i64) -> bool {
        self.draft.case_ids.iter().any(|c| c.trim() == id.to_string())
    }
}

#[derive(Deserialize, Default)]
pub struct BulkQuery {
    #[serde(default)]
    region: String,
}

async fn bulk_page(
    state: &AppState,
    ctx: PageCtx,
    scope: &OrgScope,
    region: String,
    draft: BulkDraft,
) -> AppResult<BulkPage> {
    scope.require(Perm::Distribute)?;
    // Shown back in the page: never longer than a region code can be.
    let region: String = region.trim().chars().take(32).collect();
    let filter = CaseFilter {
        status: Some(CaseStatus::Open),
        region: (!region.trim().is_empty()).then(|| region.trim().to_owned()),
        ..Default::default()
    };
    let (cases, _) = state.write(async |uow| cases::list(uow, scope, &filter).await).await?;
    let used = cases::regions_in_use(&state.db, scope).await?;
    Ok(BulkPage {
        draft,
        errors: FieldErrors::default(),
        items: stock::items(&state.db, scope).await?,
        warehouses: stock::warehouses(&state.db, scope).await?,
        cases,
        region,
        regions: Regions::in_use(state, ctx.tr.lang, &used).await?,
        ctx,
    })
}

/// The bulk distribution form: one item to many open households (filtered by region).
pub async fn bulk_form(
    OrgPage { state, ctx, scope, .. }: OrgPage,
    Query(q): Query<BulkQuery>,
) -> AppResult<Response> {
    let draft = BulkDraft {
        delivered_on: chrono::Utc::now().date_naive().to_string(),
        ..Default::default()
    };
    Ok(render(&bulk_page(&state, ctx, &scope, q.region, draft).await?))
}

/// Distributes to every selected household, or to none.
pub async fn bulk_submit(
    OrgPage { state, ctx, scope, slug }: OrgPage,
    CsrfForm(draft): CsrfForm<BulkDraft>,
) -> AppResult<Response> {
    let input = draft.input();
    submit(
        &state,
        async |uow| stock::bulk_distribute(uow, &scope, input).await,
        |done| format!("/o/{slug}/stock?distributed={}", done.len()),
        async || bulk_page(&state, ctx, &scope, draft.region.clone(), draft).await,
    )
    .await
}

#[derive(Template)]
#[template(path = "stock/offers.html")]
struct OffersPage {
    ctx: PageCtx,
    offers: Vec<offer::Model>,
    names: Names,
    draft: OfferDraft,
    errors: FieldErrors,
    items: Vec<item::Model>,
    warehouses: Vec<warehouse::Model>,
    can_manage: bool,
}

impl OffersPage {
    fn item_name(&self, item: &item::Model) -> String {
        item_name(self.ctx.tr.lang, item)
    }
}

async fn offers_page(
    state: &AppState,
    ctx: PageCtx,
    scope: &OrgScope,
    draft: OfferDraft,
) -> AppResult<OffersPage> {
    Ok(OffersPage {
        offers: stock::offers(&state.db, scope).await?,
        names: Names::load(state, scope, ctx.tr.lang).await?,
        draft,
        errors: FieldErrors::default(),
        items: stock::items(&state.db, scope).await?,
        warehouses: stock::warehouses(&state.db, scope).await?,
        can_manage: scope.can(Perm::ManageStock),
        ctx,
    })
}

/// Offers of surplus, with the form to make one.
pub async fn offers(OrgPage { state, ctx, scope, .. }: OrgPage) -> AppResult<Response> {
    let draft = OfferDraft { visibility: "network".into(), ..Default::default() };
    Ok(render(&offers_page(&state, ctx, &scope, draft).await?))
}

/// Makes an offer.
pub async fn create_offer(
    OrgPage { state, ctx, scope, slug }: OrgPage,
    CsrfForm(draft): CsrfForm<OfferDraft>,
) -> AppResult<Response> {
    let input = draft.input();
    submit(
        &state,
        async |uow| stock::create_offer(uow, &scope, input).await,
        |_| format!("/o/{slug}/stock/offers"),
        async || offers_page(&state, ctx, &scope, draft).await,
    )
    .await
}

#[derive(Deserialize)]
pub struct EmptyForm {}

/// Withdraws an offer.
pub async fn withdraw_offer(
    OrgPage { state, scope, slug, .. }: OrgPage,
    Path((_, id)): Path<(String, i64)>,
    CsrfForm(_): CsrfForm<EmptyForm>,
) -> AppResult<Response> {
    state.write(async |uow| stock::withdraw_offer(uow, &scope, id).await).await?;
    Ok(see_other(&format!("/o/{slug}/stock/offers")))
}

#[derive(Deserialize)]
pub struct ReportQuery {
    #[serde(default)]
    month: Option<String>,
    #[serde(default)]
    format: Option<String>,
}

#[derive(Template)]
#[template(path = "stock/report.html")]
struct ReportPage {
    ctx: PageCtx,
    report: MonthlyReport,
    regions: Regions,
}

impl ReportPage {
    fn item(&self, row: &stock::ReportRow) -> String {
        item_name(self.ctx.tr.lang, &row.item)
    }
}

/// The monthly report, or its CSV with `format=csv`.
pub async fn report(
    OrgPage { state, ctx, scope, slug }: OrgPage,
    Query(q): Query<ReportQuery>,
) -> AppResult<Response> {
    let month = match q.month.as_deref().map(str::trim).filter(|m| !m.is_empty()) {
        Some(raw) => input::month(raw)?,
        None => chrono::Utc::now().date_naive(),
    };
    let report = stock::monthly_report(&state.db, &scope, month).await?;
    if q.format.as_deref() == Some("csv") {
        return crate::http::download::report_csv(&state, &ctx.tr, &slug, &report).await;
    }
    let regions = Regions::all(&state, ctx.tr.lang).await?;
    Ok(render(&ReportPage { ctx, report, regions }))
}

refusable!(
    ItemsPage,
    ItemEditPage,
    WarehousesPage,
    MovementPage,
    DistributionPage,
    DistributionShowPage,
    BulkPage,
    OffersPage,
);
