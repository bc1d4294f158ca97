//! The commitments' clock: every few minutes (and at start), commitments still proposed or accepted past their due
//! date expire, each in its own unit of work, freeing what they held (see `domain::network::commitments::expire`).

use std::time::Duration;

use chrono::NaiveDate;

use crate::{domain::network::commitments, state::AppState};

/// How often overdue commitments are looked for.
const EVERY: Duration = Duration::from_secs(600);

/// Expires every commitment overdue on `today`; returns how many expired. One that fails is logged and left for the
/// next sweep; the others go on.
pub async fn sweep(state: &AppState, today: NaiveDate) -> anyhow::Result<usize> {
    let net = state.network.clone();
    let mut expired = 0;
    for id in commitments::overdue(&state.db, today).await? {
        match state.write(async |uow| commitments::expire(uow, &net, id, today).await).await {
            Ok(true) => expired += 1,
            Ok(false) => {}
            Err(e) => tracing::warn!(commitment = id, error = %e, "cannot expire a commitment"),
        }
    }
    Ok(expired)
}

/// Starts the sweeper.
pub fn spawn(state: &AppState) {
    let state = state.clone();
    tokio::spawn(async move {
        loop {
            match sweep(&state, chrono::Utc::now().date_naive()).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(commitments = n, "commitments past their due date expired"),
                Err(e) => tracing::warn!(error = %e, "cannot look for overdue commitments"),
            }
            tokio::time::sleep(EVERY).await;
        }
    });
}
