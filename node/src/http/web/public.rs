//! The donor's pages besides search: the home page with the network's figures (open needs by sector and region,
//! organisations, needs met this month), and the short addresses of browsing (`/needs`, `/offers`, `/orgs`, which
//! are the search page with its kind chosen, facets and all).

use askama::Template;
use axum::{extract::State, response::Response};

use super::{PageCtx, Regions, render, see_other};
use crate::{
    domain::{
        error::{AppError, AppResult},
        public,
        search::{self, SearchParams},
    },
    state::AppState,
};

/// A figure with its link.
pub struct Figure {
    /// What it counts.
    pub label: String,
    /// How many.
    pub count: u64,
    /// Where its listings are.
    pub href: String,
}

#[derive(Template)]
#[template(path = "public/home.html")]
struct HomePage {
    ctx: PageCtx,
    open_needs: usize,
    organisations: usize,
    met_this_month: u64,
    by_sector: Vec<Figure>,
    by_region: Vec<Figure>,
}

/// What anonymous visitors see at `/`: the network's figures and the way in to search.
pub async fn home(state: &AppState, ctx: PageCtx) -> AppResult<Response> {
    let index = state.search.index();
    let run = async |kind: &str| {
        let params = SearchParams { kind: Some(kind.to_owned()), ..Default::default() };
        let q = search::query(&state.db, &state.network, &params, Vec::new(), &index).await?;
        state.search.search(&q).map_err(AppError::internal)
    };
    let needs = run("need").await?;
    let organisations = run("organisation").await?.total;
    let codes: Vec<String> = needs.regions.iter().map(|(c, _)| c.clone()).collect();
    let labels = Regions::in_use(state, ctx.tr.lang, &codes).await?;
    let by_sector = needs
        .sectors
        .iter()
        .map(|(code, n)| Figure {
            label: ctx.term("sector", code),
            count: *n,
            href: format!("/search?kind=need&sector={code}"),
        })
        .collect();
    let by_region = needs
        .regions
        .iter()
        .map(|(code, n)| Figure {
            label: labels.label(code),
            count: *n,
            href: format!("/search?kind=need&region={code}"),
        })
        .collect();
    Ok(render(&HomePage {
        open_needs: needs.total,
        organisations,
        met_this_month: public::met_this_month(&state.db).await?,
        by_sector,
        by_region,
        ctx,
    }))
}

/// `/needs`: the network's open needs (the search page for needs).
pub async fn needs() -> Response {
    see_other("/search?kind=need")
}

/// `/offers`: the network's offers.
pub async fn offers() -> Response {
    see_other("/search?kind=offer")
}

/// `/orgs`: the directory of organisations, by sector and region.
pub async fn directory(State(_): State<AppState>) -> Response {
    see_other("/search?kind=organisation")
}
