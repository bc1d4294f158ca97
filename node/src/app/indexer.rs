//! Keeps the search index current: after each unit of work commits, the entries its events name are read back from
//! the database and handed to the index's writer thread (which commits them in batches). A rebuild reads everything
//! into a new generation beside the one in use and swaps it in; it runs at start when the index is missing, damaged,
//! made by another version of the analysis or not closed cleanly, when this task falls behind the event bus or cannot
//! read a change, when a swapped-in rebuild may lack changes, and from `sanad reindex`.

use std::{path::PathBuf, time::Duration};

use sanad_search::service::{Opened, Service};
use sea_orm::DatabaseConnection;
use tokio::sync::broadcast::error::RecvError;

use crate::{
    config::Config,
    domain::{network::Network, search},
    infra::events::Event,
    state::AppState,
};

/// Where the index lives.
pub fn root(config: &Config) -> PathBuf {
    config.data_dir.join("search")
}

/// Opens the node's index (an empty one when it is missing or damaged: see [`Opened`]), and the channel on which
/// the writer asks for a rebuild when one it swapped in may lack changes.
pub fn open(config: &Config) -> anyhow::Result<(Service, Opened, Rebuilds)> {
    let (ask, asked) = tokio::sync::mpsc::unbounded_channel();
    let tell = ask.clone();
    let (service, opened) = Service::start(
        Some(&root(config)),
        config.search.writer(),
        Some(Box::new(move |why| {
            let _ = tell.send(why);
        })),
    )?;
    Ok((service, opened, Rebuilds { ask, asked }))
}

/// Requests for a rebuild (and their reasons), served one at a time.
#[derive(Debug)]
pub struct Rebuilds {
    ask: tokio::sync::mpsc::UnboundedSender<String>,
    asked: tokio::sync::mpsc::UnboundedReceiver<String>,
}

/// Rebuilds the index beside the one in use from the database, reporting `(rows read, rows in all)` as it goes;
/// returns how many entries the new index holds. A node serving from `root` swaps it in within a moment.
pub async fn rebuild(
    db: &DatabaseConnection,
    net: &Network,
    root: &std::path::Path,
    memory_mb: usize,
    mut progress: impl FnMut(u64, u64),
) -> anyhow::Result<u64> {
    // Begun before reading, so that the node replays whatever changes while this reads.
    let mut build = sanad_search::service::Build::begin(root, memory_mb * 1_000_000)?;
    let total = search::count(db).await?;
    progress(0, total);
    let mut last = std::time::Instant::now();
    search::everything(db, net, |change, read| {
        if let Some(change) = change {
            build.add(&change)?;
        }
        if last.elapsed() >= Duration::from_millis(100) {
            last = std::time::Instant::now();
            progress(read, total.max(read));
        }
        Ok(())
    })
    .await?;
    let added = build.added();
    tokio::task::spawn_blocking(move || build.finish()).await??;
    progress(total, total);
    Ok(added)
}

/// Starts the task that indexes what units of work commit, and the one that rebuilds on request (at once when the
/// index was not usable as it stood).
pub fn spawn(state: &AppState, opened: Opened, rebuilds: Rebuilds) {
    let mut events = state.events.subscribe();
    let Rebuilds { ask, mut asked } = rebuilds;
    match opened {
        Opened::Existing => {}
        Opened::Stale(why) | Opened::Empty(why) => {
            let _ = ask.send(why);
        }
    }
    let (db, net, config) = (state.db.clone(), state.network.clone(), state.config.clone());
    // One rebuild at a time; requests made during one are served by one more afterwards.
    tokio::spawn(async move {
        while let Some(why) = asked.recv().await {
            while asked.try_recv().is_ok() {}
            tracing::warn!(reason = %why, "search: rebuilding the index from the database");
            let started = std::time::Instant::now();
            match rebuild(&db, &net, &root(&config), config.search.rebuild_memory_mb, |_, _| {})
                .await
            {
                Ok(n) => tracing::info!(
                    entries = n,
                    seconds = started.elapsed().as_secs_f32(),
                    "search: index rebuilt"
                ),
                Err(e) => tracing::error!(error = %e, "search: the index could not be rebuilt"),
            }
        }
    });
    let db = state.db.clone();
    let net = state.network.clone();
    let service = state.search.clone();
    tokio::spawn(async move {
        loop {
            let event = match events.recv().await {
                Ok(e) => e,
                Err(RecvError::Lagged(n)) => {
                    let _ = ask.send(format!("{n} changes were missed"));
                    continue;
                }
                Err(RecvError::Closed) => return,
            };
            if matches!(
                event,
                Event::Outbox
                    | Event::PeerHeard
                    | Event::Inbox
                    | Event::Commitment(_)
                    | Event::Pledge(_)
                    | Event::Mail
                    | Event::MailSent(_)
            ) {
                continue;
            }
            let mut reader = search::Reader::new(&db, &net);
            match reader.changes(event).await {
                Ok(changes) => changes.into_iter().for_each(|c| service.apply(c)),
                Err(e) => {
                    // The entry may now be wrong (even visible when it should not be): the index is rebuilt.
                    tracing::error!(?event, error = %e, "search: cannot read a change");
                    let _ = ask.send(format!("a change could not be read: {e}"));
                }
            }
        }
    });
}
