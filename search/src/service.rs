//! The index as a node runs it: one writer thread fed through a channel, committing in batches (a number of
//! changes, or a short interval after the first uncommitted one), and readers reloaded on each commit.
//!
//! On disk the index lives in a root directory (`data_dir/search`) holding generations, one directory each, and a
//! `CURRENT` file naming the one in use (with the time its build began reading and the version of the analysis it was
//! made with). A rebuild ([`Build`]) writes a new generation beside the one being served, then names it in
//! `CURRENT`; the writer thread notices, replays onto it the changes it applied since the build began (it keeps a
//! journal of them while a build is under way), and swaps it in. The same happens whether the rebuild ran in the node
//! or in `sanad reindex`, another process. A `DIRTY` file marks an index whose writer has not stopped cleanly: opened
//! again, it may lack changes, and the caller is told to rebuild.

use std::{
    collections::VecDeque,
    path::{Path, PathBuf},
    sync::{Arc, Condvar, Mutex, RwLock, mpsc},
    thread,
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};

use tantivy::IndexWriter;

use crate::index::{Change, Result, SearchError, SearchIndex, SearchQuery, SearchResults};

/// The file naming the generation in use.
const CURRENT: &str = "CURRENT";

/// Present while a writer may have applied changes it has not committed.
const DIRTY: &str = "DIRTY";

/// A build replays changes from this long before it began: changes committed as it starts reading.
const SINCE_MARGIN_MS: i64 = 1_000;

/// Marks a generation still being built (so a swap does not remove it).
const BUILDING: &str = ".building";

/// The version of the analysis (tokenizers, stop words, stemmer tables) and schema. An index made with another one is
/// rebuilt: its terms would not meet the terms of today's queries.
pub const ANALYSIS_VERSION: u32 = 4;

/// How the writer batches.
#[derive(Clone, Debug)]
pub struct Settings {
    /// Commit once this many changes wait.
    pub batch: usize,
    /// Commit this long after the first uncommitted change at the latest.
    pub interval: Duration,
    /// Buffer of the writer, in bytes.
    pub heap: usize,
    /// While a build is under way, applied changes are kept this long for replay onto it.
    pub journal_for: Duration,
    /// At most this many are kept.
    pub journal_max: usize,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            batch: 1_000,
            interval: Duration::from_millis(100),
            heap: 50_000_000,
            journal_for: Duration::from_secs(3_600),
            journal_max: 200_000,
        }
    }
}

/// What opening found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Opened {
    /// The index in use was opened, and is up to date as far as it knows.
    Existing,
    /// The index in use was opened but may be out of date (the reason): it serves while it is rebuilt.
    Stale(String),
    /// There was none, or it could not be read (the reason): an empty one is in use and should be rebuilt.
    Empty(String),
}

/// Told when a swapped-in rebuild may lack changes (the reason): the caller rebuilds again.
pub type OnIncomplete = Box<dyn Fn(String) + Send>;

enum Message {
    Change(Box<Change>),
    Flush(mpsc::Sender<Result<()>>),
    Stop(mpsc::Sender<Result<()>>),
}

/// Counts commits, so that a caller can wait for the next one.
#[derive(Debug, Default)]
struct Commits {
    count: Mutex<u64>,
    changed: Condvar,
}

/// The running index: searches go to the generation in use, changes to the writer thread. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Service {
    current: Arc<RwLock<Arc<SearchIndex>>>,
    sender: mpsc::Sender<Message>,
    commits: Arc<Commits>,
    root: Option<PathBuf>,
}

fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64)
}

fn io(e: impl std::fmt::Display) -> SearchError {
    SearchError::Index(tantivy::TantivyError::SystemError(e.to_string()))
}

/// What `CURRENT` says.
#[derive(Clone, Debug, PartialEq)]
struct Current {
    dir: PathBuf,
    since: i64,
    version: u32,
}

fn parse_current(root: &Path, text: &str) -> Option<Current> {
    let mut lines = text.lines();
    let name = lines.next()?.trim();
    if name.is_empty() || name.contains(['/', '\\']) || name.starts_with('.') {
        return None;
    }
    let since = lines.next().and_then(|l| l.trim().parse().ok()).unwrap_or(0);
    let version = lines.next().and_then(|l| l.trim().parse().ok()).unwrap_or(0);
    Some(Current { dir: root.join(name), since, version })
}

fn read_current(root: &Path) -> Option<Current> {
    parse_current(root, &std::fs::read_to_string(root.join(CURRENT)).ok()?)
}

/// Names `generation` in `CURRENT` (atomically: written aside, then renamed).
fn write_current(root: &Path, generation: &Path, since_ms: i64) -> Result<()> {
    let name =
        generation.file_name().and_then(|n| n.to_str()).ok_or_else(|| io("bad generation"))?;
    let aside = root.join(format!("{CURRENT}.new"));
    std::fs::write(&aside, format!("{name}\n{since_ms}\n{ANALYSIS_VERSION}\n")).map_err(io)?;
    std::fs::rename(&aside, root.join(CURRENT)).map_err(io)
}

/// A new, empty generation directory under `root`.
fn new_generation(root: &Path) -> Result<PathBuf> {
    std::fs::create_dir_all(root).map_err(io)?;
    let mut n = 0u32;
    loop {
        let dir = root.join(format!("g{}-{n}", now_ms()));
        match std::fs::create_dir(&dir) {
            Ok(()) => return Ok(dir),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && n < 1000 => n += 1,
            Err(e) => return Err(io(e)),
        }
    }
}

/// The generations under `root`.
fn generations(root: &Path) -> impl Iterator<Item = PathBuf> {
    std::fs::read_dir(root).into_iter().flatten().flatten().map(|e| e.path()).filter(|p| p.is_dir())
}

/// Whether a build is under way under `root`.
fn building(root: &Path) -> bool {
    generations(root).any(|g| g.join(BUILDING).exists())
}

/// Removes the generations other than `keep` and than what `CURRENT` names, except those still being built (unless
/// their build stopped over a day ago: it died).
fn remove_others(root: &Path, keep: &Path) {
    let named = read_current(root).map(|c| c.dir);
    for path in generations(root) {
        let marker = path.join(BUILDING);
        let abandoned = std::fs::metadata(&marker)
            .and_then(|m| m.modified())
            .is_ok_and(|t| t.elapsed().is_ok_and(|age| age > Duration::from_secs(86_400)));
        let busy = marker.exists() && !abandoned;
        if path != keep && Some(&path) != named.as_ref() && !busy {
            let _ = std::fs::remove_dir_all(&path);
        }
    }
}

impl Service {
    /// Opens the index under `root` (`None`: in memory) and starts its writer thread. A missing or unreadable index
    /// is replaced by an empty one ([`Opened::Empty`]); one that may lack changes is used as it is ([`Opened::Stale`]).
    /// Either way the caller should rebuild. `on_incomplete` is told when a rebuild swapped in may lack changes.
    pub fn start(
        root: Option<&Path>,
        settings: Settings,
        on_incomplete: Option<OnIncomplete>,
    ) -> Result<(Service, Opened)> {
        let (index, opened, current_file) = match root {
            None => (SearchIndex::open(None)?, Opened::Empty("kept in memory".into()), None),
            Some(root) => {
                std::fs::create_dir_all(root).map_err(io)?;
                let text = std::fs::read_to_string(root.join(CURRENT)).ok();
                let dirty = root.join(DIRTY).exists();
                let (index, opened) = match text.as_deref().and_then(|t| parse_current(root, t)) {
                    Some(c) if c.dir.is_dir() => match SearchIndex::open(Some(&c.dir)) {
                        Ok(index) => {
                            remove_others(root, &c.dir);
                            let opened = if c.version != ANALYSIS_VERSION {
                                Opened::Stale(format!(
                                    "made with analysis version {}, this node uses {ANALYSIS_VERSION}",
                                    c.version
                                ))
                            } else if dirty {
                                Opened::Stale("the node did not stop cleanly".into())
                            } else {
                                Opened::Existing
                            };
                            (index, opened)
                        }
                        Err(e) => (Self::fresh(root)?, Opened::Empty(format!("unreadable: {e}"))),
                    },
                    Some(c) => (
                        Self::fresh(root)?,
                        Opened::Empty(format!("{} is missing", c.dir.display())),
                    ),
                    None => (Self::fresh(root)?, Opened::Empty("no index yet".into())),
                };
                std::fs::write(root.join(DIRTY), b"").map_err(io)?;
                // `CURRENT` as this writer starts from (a rebuild naming another one later is swapped in).
                let text = std::fs::read_to_string(root.join(CURRENT)).ok();
                (index, opened, text)
            }
        };
        let writer = index.writer_with_threads(1, settings.heap)?;
        let current = Arc::new(RwLock::new(Arc::new(index)));
        let commits = Arc::new(Commits::default());
        let (sender, receiver) = mpsc::channel();
        let worker = Worker {
            current: current.clone(),
            commits: commits.clone(),
            root: root.map(Path::to_path_buf),
            settings,
            writer,
            journal: VecDeque::new(),
            dropped_until: 0,
            // With the margin a build's `since` has: a build this node begins is never before it.
            started: now_ms() - SINCE_MARGIN_MS,
            building: false,
            looked: Instant::now(),
            pending: 0,
            first_pending: None,
            current_file,
            on_incomplete,
            swept: i64::MIN,
            sweep_after: None,
        };
        thread::Builder::new()
            .name("search-writer".into())
            .spawn(move || worker.run(receiver))
            .map_err(io)?;
        Ok((Service { current, sender, commits, root: root.map(Path::to_path_buf) }, opened))
    }

    /// A new empty generation, named in `CURRENT`.
    fn fresh(root: &Path) -> Result<SearchIndex> {
        let dir = new_generation(root)?;
        let index = SearchIndex::open(Some(&dir))?;
        write_current(root, &dir, 0)?;
        Ok(index)
    }

    /// Hands a change to the writer (visible after its batch commits).
    pub fn apply(&self, change: Change) {
        let _ = self.sender.send(Message::Change(Box::new(change)));
    }

    /// Commits everything handed over so far and makes it visible; blocks until done.
    pub fn flush(&self) -> Result<()> {
        let (tx, rx) = mpsc::channel();
        self.sender.send(Message::Flush(tx)).map_err(|_| io("the search writer stopped"))?;
        rx.recv().map_err(|_| io("the search writer stopped"))?
    }

    /// Commits what was handed over and stops the writer thread, releasing the index directory (and marking it
    /// clean); blocks until done. Searches still work; later changes are dropped.
    pub fn stop(&self) -> Result<()> {
        let (tx, rx) = mpsc::channel();
        self.sender.send(Message::Stop(tx)).map_err(|_| io("the search writer stopped"))?;
        rx.recv().map_err(|_| io("the search writer stopped"))?
    }

    /// How many commits the writer has made (each makes changes visible).
    pub fn commits(&self) -> u64 {
        *self.commits.count.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Waits until the writer has made more than `seen` commits, or `timeout` passes; returns the count.
    pub fn wait_commit(&self, seen: u64, timeout: Duration) -> u64 {
        let count = self.commits.count.lock().unwrap_or_else(|e| e.into_inner());
        let (count, _) = self
            .commits
            .changed
            .wait_timeout_while(count, timeout, |c| *c <= seen)
            .unwrap_or_else(|e| e.into_inner());
        *count
    }

    /// The generation in use.
    pub fn index(&self) -> Arc<SearchIndex> {
        self.current.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Runs a search on the generation in use.
    pub fn search(&self, q: &SearchQuery) -> Result<SearchResults> {
        self.index().search(q)
    }

    /// Begins a rebuild beside the generation in use (only for an index on disk).
    pub fn rebuild(&self, heap: usize) -> Result<Build> {
        let root = self.root.as_deref().ok_or_else(|| io("the index is kept in memory"))?;
        Build::begin(root, heap)
    }
}

struct Worker {
    current: Arc<RwLock<Arc<SearchIndex>>>,
    commits: Arc<Commits>,
    root: Option<PathBuf>,
    settings: Settings,
    writer: IndexWriter,
    /// Changes applied, with when, for replay onto a rebuild.
    journal: VecDeque<(i64, Change)>,
    /// The newest change dropped from the journal (a rebuild that began before it may lack it).
    dropped_until: i64,
    /// When this writer started (a rebuild that began before may lack changes made by an earlier process).
    started: i64,
    /// Whether a build was under way when last looked at, and when that was.
    building: bool,
    looked: Instant,
    pending: usize,
    first_pending: Option<Instant>,
    current_file: Option<String>,
    on_incomplete: Option<OnIncomplete>,
    /// The day the offers past their date were last closed in the generation in use.
    swept: i64,
    /// After a failed sweep, when to try again.
    sweep_after: Option<Instant>,
}

/// How long the writer waits before trying a failed sweep of expired offers again.
const SWEEP_RETRY: Duration = Duration::from_secs(60);

/// While no build is under way, changes are still kept this long: a build writes its marker just after it began.
const JOURNAL_IDLE: Duration = Duration::from_secs(120);

impl Worker {
    fn run(mut self, receiver: mpsc::Receiver<Message>) {
        // How often `CURRENT` is looked at when nothing else happens.
        let tick = self.settings.interval.max(Duration::from_millis(50));
        loop {
            self.sweep_if_new_day();
            let wait = match self.first_pending {
                Some(first) => self.settings.interval.saturating_sub(first.elapsed()),
                None => tick,
            };
            match receiver.recv_timeout(wait) {
                Ok(Message::Change(change)) => {
                    if let Err(e) = self.index().apply(&self.writer, &change) {
                        tracing::error!(error = %e, "search: a change could not be indexed");
                    }
                    self.remember(*change);
                    self.pending += 1;
                    self.first_pending.get_or_insert_with(Instant::now);
                    let due =
                        self.first_pending.is_some_and(|f| f.elapsed() >= self.settings.interval);
                    if self.pending >= self.settings.batch || due {
                        self.commit_logged();
                        self.swap_if_rebuilt();
                    }
                }
                Ok(Message::Flush(reply)) => {
                    let _ = reply.send(self.commit());
                }
                Ok(Message::Stop(reply)) => {
                    let done = self.commit();
                    let root = self.root.clone();
                    // The writer (and its lock on the directory) goes before the caller hears back.
                    drop(self);
                    if done.is_ok()
                        && let Some(root) = root
                    {
                        let _ = std::fs::remove_file(root.join(DIRTY));
                    }
                    let _ = reply.send(done);
                    return;
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    if self.first_pending.is_some_and(|f| f.elapsed() >= self.settings.interval) {
                        self.commit_logged();
                    }
                    self.swap_if_rebuilt();
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    self.commit_logged();
                    return;
                }
            }
        }
    }

    fn index(&self) -> Arc<SearchIndex> {
        self.current.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Once a day (and after each swap), re-applies the offers indexed as open whose date has passed: they leave
    /// the open results without any change of theirs.
    fn sweep_if_new_day(&mut self) {
        let today = crate::index::today();
        if self.swept == today || self.sweep_after.is_some_and(|t| Instant::now() < t) {
            return;
        }
        // Changes waiting to be committed go first: the sweep re-applies what the committed index holds, which must
        // not be older than what was applied. If they cannot be committed, the sweep waits.
        self.commit_logged();
        if self.pending > 0 {
            self.sweep_after = Some(Instant::now() + SWEEP_RETRY);
            return;
        }
        let index = self.index();
        match index.expired_offers(today) {
            Ok(expired) => {
                if !expired.is_empty() {
                    tracing::info!(offers = expired.len(), "search: offers past their date closed");
                }
                for listing in expired {
                    let change = Change::Listing(listing);
                    if let Err(e) = index.apply(&self.writer, &change) {
                        tracing::error!(error = %e, "search: an expired offer could not be closed");
                    }
                    self.remember(change);
                    self.pending += 1;
                }
                self.commit_logged();
                if self.pending == 0 {
                    self.swept = today;
                } else {
                    self.sweep_after = Some(Instant::now() + SWEEP_RETRY);
                }
            }
            Err(e) => {
                tracing::error!(error = %e, "search: offers past their date could not be read");
                // Tried again a little later, not at every turn of the loop.
                self.sweep_after = Some(Instant::now() + SWEEP_RETRY);
            }
        }
    }

    fn remember(&mut self, change: Change) {
        let now = now_ms();
        if self.looked.elapsed() >= Duration::from_secs(1) {
            self.looked = Instant::now();
            self.building = self.root.as_deref().is_some_and(building);
        }
        self.journal.push_back((now, change));
        let keep = if self.building { self.settings.journal_for } else { JOURNAL_IDLE };
        let oldest = now - keep.as_millis() as i64;
        while let Some((at, _)) = self.journal.front() {
            if *at >= oldest && self.journal.len() <= self.settings.journal_max {
                break;
            }
            if self.building {
                self.dropped_until = self.dropped_until.max(*at);
            }
            self.journal.pop_front();
        }
    }

    fn commit(&mut self) -> Result<()> {
        if self.pending > 0 {
            self.writer.commit()?;
            self.index().reload()?;
            self.pending = 0;
            self.first_pending = None;
            self.counted();
        }
        Ok(())
    }

    /// Tells waiters that what was applied so far is visible.
    fn counted(&self) {
        let mut count = self.commits.count.lock().unwrap_or_else(|e| e.into_inner());
        *count += 1;
        self.commits.changed.notify_all();
    }

    fn commit_logged(&mut self) {
        if let Err(e) = self.commit() {
            tracing::error!(error = %e, "search: commit failed");
        }
    }

    /// Swaps in the generation a rebuild named in `CURRENT`, after replaying onto it what changed since the build
    /// began reading.
    fn swap_if_rebuilt(&mut self) {
        let Some(root) = self.root.clone() else { return };
        let text = std::fs::read_to_string(root.join(CURRENT)).ok();
        if text.is_none() || text == self.current_file {
            return;
        }
        let Some(current) = text.as_deref().and_then(|t| parse_current(&root, t)) else { return };
        self.current_file = text;
        match self.swap(&current.dir, current.since) {
            Ok(replayed) => {
                tracing::info!(generation = %current.dir.display(), replayed, "search: rebuilt index in use");
                let missed = if current.since < self.started {
                    Some("the rebuild began before this node started")
                } else if current.since <= self.dropped_until {
                    Some("the rebuild took longer than the journal of changes keeps")
                } else {
                    None
                };
                if let (Some(why), Some(tell)) = (missed, &self.on_incomplete) {
                    tell(why.to_owned());
                }
                self.counted();
            }
            Err(e) => tracing::error!(error = %e, "search: the rebuilt index could not be used"),
        }
    }

    fn swap(&mut self, dir: &Path, since: i64) -> Result<usize> {
        self.commit()?;
        let index = SearchIndex::open(Some(dir))?;
        let mut writer = index.writer_with_threads(1, self.settings.heap)?;
        let mut replayed = 0;
        for (_, change) in self.journal.iter().filter(|(at, _)| *at >= since) {
            index.apply(&writer, change)?;
            replayed += 1;
        }
        writer.commit()?;
        index.reload()?;
        drop(std::mem::replace(&mut self.writer, writer));
        *self.current.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(index);
        self.swept = i64::MIN;
        if let Some(root) = &self.root {
            remove_others(root, dir);
        }
        Ok(replayed)
    }
}

/// A rebuild in progress: a new generation written beside the one in use, named in `CURRENT` when finished.
pub struct Build {
    root: PathBuf,
    dir: PathBuf,
    index: SearchIndex,
    writer: IndexWriter,
    since: i64,
    added: u64,
}

impl std::fmt::Debug for Build {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Build").field("dir", &self.dir).field("added", &self.added).finish()
    }
}

impl Build {
    /// Begins a new generation under `root`; call it before reading the data, so that the running node replays
    /// whatever changes while the build reads.
    pub fn begin(root: &Path, heap: usize) -> Result<Build> {
        let since = now_ms() - SINCE_MARGIN_MS;
        let dir = new_generation(root)?;
        std::fs::write(dir.join(BUILDING), b"").map_err(io)?;
        let index = SearchIndex::open(Some(&dir))?;
        let writer = index.writer(heap)?;
        Ok(Build { root: root.to_path_buf(), dir, index, writer, since, added: 0 })
    }

    /// Adds a document.
    pub fn add(&mut self, change: &Change) -> Result<()> {
        self.index.add(&self.writer, change)?;
        self.added += 1;
        Ok(())
    }

    /// How many documents were added.
    pub fn added(&self) -> u64 {
        self.added
    }

    /// Commits the new generation and names it in `CURRENT`: a running node swaps it in, one starting opens it.
    pub fn finish(mut self) -> Result<PathBuf> {
        self.writer.commit()?;
        self.writer.wait_merging_threads()?;
        // Named first, then unmarked: at no moment may a swap take it for an abandoned generation.
        write_current(&self.root, &self.dir, self.since)?;
        std::fs::remove_file(self.dir.join(BUILDING)).map_err(io)?;
        Ok(self.dir)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::Listing;

    fn need(id: u32, item: &str, status: &str) -> Change {
        Change::Listing(Listing {
            key: format!("need:{id}"),
            id: format!("https://a.example/objects/{id}"),
            kind: "need".into(),
            item: item.into(),
            sector: "shelter".into(),
            status: status.into(),
            audience: vec!["public".into()],
            ..Default::default()
        })
    }

    fn found(service: &Service, text: &str) -> usize {
        let q = SearchQuery {
            text: text.into(),
            statuses: vec!["open".into()],
            per_page: 10,
            ..Default::default()
        };
        service.search(&q).unwrap().total
    }

    #[test]
    fn changes_become_visible_in_batches_by_count_or_by_interval() {
        let settings =
            Settings { batch: 3, interval: Duration::from_secs(3_600), ..Default::default() };
        let (service, _) = Service::start(None, settings, None).unwrap();
        let before = service.commits();
        service.apply(need(1, "بطانيات", "open"));
        service.apply(need(2, "خيام", "open"));
        assert_eq!(service.commits(), before);
        service.apply(need(3, "أدوية", "open"));
        let after = service.wait_commit(before, Duration::from_secs(10));
        assert_eq!(after, before + 1, "the third change fills the batch");
        assert_eq!(found(&service, "بطانية"), 1);
        assert_eq!(found(&service, "الأدوية"), 1);

        let quick =
            Settings { batch: 1_000, interval: Duration::from_millis(20), ..Default::default() };
        let (service, _) = Service::start(None, quick, None).unwrap();
        let before = service.commits();
        service.apply(need(1, "بطانيات", "open"));
        assert!(
            service.wait_commit(before, Duration::from_secs(10)) > before,
            "the interval commits"
        );
        assert_eq!(found(&service, "بطانية"), 1);
        // Met: it leaves the open results with the commit that records it.
        service.apply(need(1, "بطانيات", "met"));
        service.flush().unwrap();
        assert_eq!(found(&service, "بطانية"), 0);
    }

    #[test]
    fn a_rebuild_is_swapped_in_with_the_changes_made_meanwhile_and_a_damaged_index_is_replaced() {
        let root =
            std::env::temp_dir().join(format!("sanad-search-{}-{}", std::process::id(), now_ms()));
        let settings = Settings { interval: Duration::from_millis(20), ..Default::default() };
        let told = Arc::new(Mutex::new(Vec::<String>::new()));
        let sink = told.clone();
        let tell: OnIncomplete = Box::new(move |why| sink.lock().unwrap().push(why));
        let (service, opened) = Service::start(Some(&root), settings.clone(), Some(tell)).unwrap();
        assert_eq!(opened, Opened::Empty("no index yet".into()));
        service.apply(need(1, "بطانيات", "open"));
        service.flush().unwrap();

        let mut build = service.rebuild(20_000_000).unwrap();
        // The data the build reads: need 1 (as the database has it) and need 2.
        build.add(&need(1, "بطانيات", "open")).unwrap();
        build.add(&need(2, "خيام", "open")).unwrap();
        // Meanwhile the node indexes a change: need 1 is met, need 3 is new.
        service.apply(need(1, "بطانيات", "met"));
        service.apply(need(3, "حليب أطفال", "open"));
        service.flush().unwrap();
        assert_eq!(found(&service, "خيمة"), 0, "the rebuild is not in use yet");
        let seen = service.commits();
        build.finish().unwrap();
        service.wait_commit(seen, Duration::from_secs(10));
        assert_eq!(found(&service, "خيمة"), 1, "the rebuilt index is in use");
        assert_eq!(found(&service, "بطانية"), 0, "the change made meanwhile was replayed");
        assert_eq!(found(&service, "حليب"), 1);
        let generations = std::fs::read_dir(&root).unwrap().flatten().filter(|e| e.path().is_dir());
        assert_eq!(generations.count(), 1, "the old generation is removed");
        assert!(told.lock().unwrap().is_empty(), "a rebuild begun by this node misses nothing");
        service.stop().unwrap();

        // Reopened: the rebuilt generation is found.
        let (service, opened) = Service::start(Some(&root), settings.clone(), None).unwrap();
        assert_eq!(opened, Opened::Existing);
        assert_eq!(found(&service, "خيمة"), 1);
        service.stop().unwrap();

        // Not stopped cleanly, or made with another analysis: used, but stale.
        std::fs::write(root.join(DIRTY), b"").unwrap();
        let (service, opened) = Service::start(Some(&root), settings.clone(), None).unwrap();
        assert_eq!(opened, Opened::Stale("the node did not stop cleanly".into()));
        assert_eq!(found(&service, "خيمة"), 1, "a stale index serves while it is rebuilt");
        service.stop().unwrap();
        let current = std::fs::read_to_string(root.join(CURRENT)).unwrap();
        let older: Vec<&str> = current.lines().take(2).collect();
        std::fs::write(root.join(CURRENT), format!("{}\n", older.join("\n"))).unwrap();
        let (service, opened) = Service::start(Some(&root), settings.clone(), None).unwrap();
        assert!(matches!(opened, Opened::Stale(ref why) if why.contains("analysis")), "{opened:?}");
        service.stop().unwrap();

        // Damaged: an empty index is used and the caller is told why.
        let dir = read_current(&root).unwrap().dir;
        std::fs::write(dir.join("meta.json"), b"{not json").unwrap();
        let (service, opened) = Service::start(Some(&root), settings, None).unwrap();
        assert!(
            matches!(opened, Opened::Empty(ref why) if why.starts_with("unreadable")),
            "{opened:?}"
        );
        assert_eq!(found(&service, "خيمة"), 0);
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn a_rebuild_begun_before_the_node_started_is_used_and_reported_as_possibly_incomplete() {
        let root = std::env::temp_dir().join(format!(
            "sanad-search-b-{}-{}",
            std::process::id(),
            now_ms()
        ));
        let settings = Settings { interval: Duration::from_millis(20), ..Default::default() };
        let (service, _) = Service::start(Some(&root), settings.clone(), None).unwrap();
        let mut build = service.rebuild(20_000_000).unwrap();
        service.stop().unwrap();
        build.add(&need(2, "خيام", "open")).unwrap();
        let told = Arc::new(Mutex::new(Vec::<String>::new()));
        let sink = told.clone();
        let tell: OnIncomplete = Box::new(move |why| sink.lock().unwrap().push(why));
        // The node restarts while the build runs: what the old process changed meanwhile was never journaled here.
        let (service, _) = Service::start(Some(&root), settings, Some(tell)).unwrap();
        let seen = service.commits();
        build.finish().unwrap();
        service.wait_commit(seen, Duration::from_secs(10));
        assert_eq!(found(&service, "خيمة"), 1);
        assert_eq!(*told.lock().unwrap(), ["the rebuild began before this node started"]);
        service.stop().unwrap();
        std::fs::remove_dir_all(&root).unwrap();
    }
}
