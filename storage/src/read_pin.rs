//! Keeps this process's share of a SQLite file's WAL read lock while nothing writes to the
//! file (issue 9, item 6).
//!
//! Why: a read transaction on a WAL database takes a shared lock on one of the WAL's read
//! slots, and gives it back when it ends. SQLite counts the holders of a slot within the
//! process and makes a system call (`fcntl` on the `-shm` file) only when that count goes
//! from 0 to 1 and back, inside a mutex shared by every connection to the file. The point
//! reads of the two runtime threads rarely overlap, so nearly every read made two such
//! calls and the other thread often waited on the mutex: `perf`, a direct `GetCustomer`
//! under h2load, 6.6% of the server's time in `unixShmLock`, 1.6 `fcntl`s a request.
//! While one connection holds a read transaction, a read that finds the WAL where that
//! connection found it shares its slot, and takes and gives back the lock in memory only
//! (strace: 0.05 `fcntl`s a request).
//!
//! What the pin must not do, and why it does not:
//! - Change what any read sees. Nothing is ever read through its transaction; every read
//!   still begins its own, at the last commit.
//! - Hold back checkpoints or the WAL's reuse. A reader's snapshot keeps a checkpoint from
//!   copying later frames into the database file, and the WAL from being written again
//!   from its start. So the pin holds only while the file is not written: every [`PERIOD`]
//!   it ends its transaction and reads `PRAGMA data_version`, which changes whenever
//!   another connection (of this process or any other) has committed; on a change it lets
//!   go, and takes the lock again only after a whole period without a commit. Writes are
//!   held back by it for at most one period after a quiet spell; while they go on, it
//!   holds nothing, and SQLite behaves as without it.
//! - Outlive its store: its thread ends when its [`ReadPin`] is dropped.
//!
//! Its connection is `query_only`, like the point reads' own, and never waits for a lock.

use std::{
    path::{Path, PathBuf},
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicU64, Ordering},
        mpsc::{self, RecvTimeoutError},
    },
    time::Duration,
};

use rusqlite::Connection;

/// How long the pin holds a transaction before it looks for commits, and how long the file
/// must go without one before it holds again.
pub(crate) const PERIOD: Duration = Duration::from_millis(10);

/// How long the pin waits before it opens its connection again after an error.
const RETRY: Duration = Duration::from_secs(1);

/// What the pin has done; see [`crate::PointReadStats`].
#[derive(Debug, Default)]
pub(crate) struct PinState {
    holding: AtomicBool,
    /// Transactions taken (one per period while the file is quiet).
    pub(crate) holds: AtomicU64,
    /// Times it let go because the file had been written.
    pub(crate) yields: AtomicU64,
}

impl PinState {
    pub(crate) fn holding(&self) -> bool {
        self.holding.load(Ordering::Relaxed)
    }
}

/// The pin of one database file; dropping it ends the pin's thread and transaction.
#[derive(Debug)]
pub(crate) struct ReadPin {
    pub(crate) state: Arc<PinState>,
    /// Dropped with the pin: the thread's wait then ends at once.
    _stop: mpsc::Sender<()>,
}

impl ReadPin {
    /// Starts pinning `path` (an existing SQLite file in WAL mode) on a thread of its own.
    /// Without that thread (the system refused one) reads work as before, only without the
    /// pin, and the refusal is logged.
    pub(crate) fn start(path: PathBuf) -> Self {
        let state = Arc::new(PinState::default());
        let (stop, stopped) = mpsc::channel();
        let pin = Pinner {
            path,
            state: state.clone(),
            stopped,
        };
        if let Err(err) = std::thread::Builder::new()
            .name("sqlite-read-pin".into())
            .spawn(move || pin.run())
        {
            tracing::warn!(error = %err, "no thread for the SQLite read pin");
        }
        Self { state, _stop: stop }
    }
}

/// The pin's thread.
struct Pinner {
    path: PathBuf,
    state: Arc<PinState>,
    stopped: mpsc::Receiver<()>,
}

impl Pinner {
    fn run(self) {
        loop {
            match self.pin() {
                Ok(()) => return,
                Err(err) => {
                    self.state.holding.store(false, Ordering::Relaxed);
                    tracing::debug!(error = %err, "SQLite read pin lets go; trying again");
                    if !self.wait(RETRY) {
                        return;
                    }
                }
            }
        }
    }

    /// Waits `period`; false once the pin was dropped.
    fn wait(&self, period: Duration) -> bool {
        matches!(
            self.stopped.recv_timeout(period),
            Err(RecvTimeoutError::Timeout)
        )
    }

    /// Holds a read transaction during every period that follows a period without commits,
    /// until the pin is dropped (`Ok`) or SQLite fails. The connection (and with it any
    /// transaction) closes when this returns.
    fn pin(&self) -> rusqlite::Result<()> {
        let conn = open(&self.path)?;
        let mut seen = data_version(&conn)?;
        loop {
            if !self.wait(PERIOD) {
                return Ok(());
            }
            let now = data_version(&conn)?;
            if now != seen {
                seen = now;
                continue;
            }
            // A whole period without a commit: hold until the next one shows.
            loop {
                run(&conn, "BEGIN")?;
                // The read transaction starts with the first read, not with `BEGIN`.
                conn.prepare_cached("SELECT count(*) FROM sqlite_schema")?
                    .query_row([], |r| r.get::<_, i64>(0))?;
                self.state.holding.store(true, Ordering::Relaxed);
                self.state.holds.fetch_add(1, Ordering::Relaxed);
                let go_on = self.wait(PERIOD);
                run(&conn, "COMMIT")?;
                self.state.holding.store(false, Ordering::Relaxed);
                if !go_on {
                    return Ok(());
                }
                let now = data_version(&conn)?;
                if now != seen {
                    seen = now;
                    self.state.yields.fetch_add(1, Ordering::Relaxed);
                    break;
                }
            }
        }
    }
}

fn open(path: &Path) -> rusqlite::Result<Connection> {
    let conn = crate::point_reads::open_for_reads(path)?;
    conn.pragma_update(None, "query_only", true)?;
    Ok(conn)
}

// The pin's few statements run every period for as long as the process lives: each is
// prepared once and kept in the connection's cache, not parsed again a hundred times a
// second.

/// Changes when another connection has committed to the file since the last reading.
fn data_version(conn: &Connection) -> rusqlite::Result<i64> {
    conn.prepare_cached("PRAGMA data_version")?
        .query_row([], |r| r.get(0))
}

/// Runs `sql`, a statement without rows (`BEGIN`, `COMMIT`).
fn run(conn: &Connection, sql: &str) -> rusqlite::Result<()> {
    conn.prepare_cached(sql)?.execute([])?;
    Ok(())
}
