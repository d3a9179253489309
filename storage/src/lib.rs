//! Persistence: SeaORM over SQLite (default) or PostgreSQL. Knows no protobuf and no HTTP;
//! it stores plain records and enforces tenant scoping (see [`tenant`]).

pub mod batch_writes;
mod entities;
mod history_file;
pub mod ids;
pub mod point_reads;
mod read_pin;
pub mod tenant;
mod write;

pub mod api_keys;
pub mod appointments;
pub mod apps;
pub mod audit;
pub mod catalog;
pub mod customers;
pub mod estimates;
pub mod files;
pub mod idempotency;
pub mod invoices;
pub mod oauth;
pub mod objects;
pub mod organizations;
pub mod payments;
pub mod request_logs;
pub mod team_members;
pub mod users;
pub mod webhooks;

use std::time::Duration;

use migrations::{Migrator, MigratorTrait};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, DbErr,
    sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous},
};

/// Prepared statements each connection keeps (sqlx caches them by SQL text, evicting the
/// least recently used). sqlx's default of 100 is fewer than the distinct statements the
/// services run, so a busy mix of routes would prepare the hot ones again and again.
const STATEMENT_CACHE: usize = 1_000;

pub use batch_writes::BatchWriteStats;
pub use entities::{AddressList, AddressRecord, LineItemList, LineItemRecord, StringList};
pub use point_reads::PointReadStats;
pub use tenant::{Page, PageQuery, Record};
pub use write::{Actor, ActorKind, Change, Write, WriteContext};

/// Now, in microseconds: what every supported database keeps of a time. A record stamped
/// with it reads back exactly as it was written, so that what a create answers (and the
/// event it raises) is what a later read renders.
pub fn now() -> chrono::DateTime<chrono::Utc> {
    use chrono::SubsecRound as _;
    chrono::Utc::now().trunc_subsecs(6)
}

#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("database error")]
    Db(#[from] DbErr),
    #[error("the write recorded no audit entry: every write path must call Write::record")]
    Unaudited,
    #[error("{0}")]
    Invalid(String),
    /// A blocking task of the storage layer (a SQLite batch write) panicked or was
    /// cancelled; what it was doing did not commit.
    #[error("a storage task did not finish")]
    Task(#[from] tokio::task::JoinError),
    /// The request history's file beside a SQLite database file could not be created.
    #[error("cannot create the request history's file {}", path.display())]
    HistoryFile {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
}

impl StorageError {
    /// The database could not be reached or could not take the change now (as opposed to
    /// a query that is wrong): no connection, a connection that broke, SQLite's write lock
    /// held past the busy timeout, or PostgreSQL aborting the transaction for a
    /// serialization failure, a deadlock or a shutdown. The transaction rolled back, so
    /// nothing was written: callers answer 503 and the same request may be retried.
    pub fn is_unavailable(&self) -> bool {
        if matches!(self, Self::Db(DbErr::ConnectionAcquire(_) | DbErr::Conn(_))) {
            return true;
        }
        if let Self::Db(
            DbErr::Query(sea_orm::RuntimeErr::SqlxError(err))
            | DbErr::Exec(sea_orm::RuntimeErr::SqlxError(err)),
        ) = self
            && matches!(
                **err,
                sea_orm::sqlx::Error::Io(_)
                    | sea_orm::sqlx::Error::PoolTimedOut
                    | sea_orm::sqlx::Error::PoolClosed
                    | sea_orm::sqlx::Error::WorkerCrashed
            )
        {
            return true;
        }
        // SQLite's codes are short numbers: BUSY (5) and LOCKED (6), with their extended
        // codes in the high bits. PostgreSQL's are five-character SQLSTATEs: 40001, 40P01,
        // 57P01-57P03 (shutdown, cannot connect now), 53300 (too many connections).
        self.database_error()
            .and_then(|db| db.code())
            .is_some_and(|code| {
                let sqlite =
                    code.len() < 5 && code.parse::<u32>().is_ok_and(|n| matches!(n & 0xff, 5 | 6));
                sqlite
                    || matches!(
                        code.as_ref(),
                        "40001" | "40P01" | "57P01" | "57P02" | "57P03" | "53300"
                    )
            })
    }

    /// The database refused a value the caller sent: PostgreSQL stores no NUL character in
    /// text (SQLSTATE 22021) nor in JSON text (22P05, "\u0000 cannot be converted"). The
    /// statement failed and its transaction rolls back, so nothing was written: callers
    /// answer 400, not 500.
    pub fn is_invalid_text(&self) -> bool {
        self.database_error()
            .and_then(|db| db.code())
            .is_some_and(|code| code == "22021" || code == "22P05")
    }

    /// The change broke a unique or foreign-key constraint (a concurrent write won the race,
    /// or a referenced row is gone). sqlx classifies both backends' codes (PostgreSQL 23505
    /// and 23503; SQLite 2067, 1555 and 787). The transaction rolls back, so nothing was
    /// written: callers answer 409, not 500.
    pub fn is_conflict(&self) -> bool {
        use sea_orm::sqlx::error::ErrorKind;
        self.database_error().is_some_and(|db| {
            matches!(
                db.kind(),
                ErrorKind::UniqueViolation | ErrorKind::ForeignKeyViolation
            )
        })
    }

    fn database_error(&self) -> Option<&dyn sea_orm::sqlx::error::DatabaseError> {
        let Self::Db(
            DbErr::Query(sea_orm::RuntimeErr::SqlxError(err))
            | DbErr::Exec(sea_orm::RuntimeErr::SqlxError(err)),
        ) = self
        else {
            return None;
        };
        err.as_database_error()
    }
}

pub type Result<T, E = StorageError> = std::result::Result<T, E>;

/// Turns on SQLite's query planner stability guarantee (QPSG) for a new connection.
///
/// Without it, SQLite reads the value bound to `LIMIT ?` while planning (and, built with
/// STAT4 as sqlx's bundled SQLite is, values compared to indexed columns), and marks the
/// statement to be prepared again whenever that parameter is bound anew: every `.one()`
/// and every keyset page was parsed and planned again on each execution, although sqlx
/// keeps it prepared (a callgrind profile of `GetCustomer` showed `sqlite3Reprepare` as a
/// quarter of all instructions). With QPSG a statement keeps its plan, which is what a
/// statement cache is for; the plans here never depend on a value (every filter is an
/// index range on `organization_id` and `id`).
async fn stable_plans(
    conn: &mut sea_orm::sqlx::SqliteConnection,
) -> Result<(), sea_orm::sqlx::Error> {
    use std::ffi::c_int;
    let mut handle = conn.lock_handle().await?;
    let db = handle.as_raw_handle().as_ptr();
    // SAFETY: `db` is this connection's open handle, held locked (no other thread uses it)
    // for the call; SQLITE_DBCONFIG_ENABLE_QPSG takes an int and an optional int pointer.
    let rc = unsafe {
        libsqlite3_sys::sqlite3_db_config(
            db,
            libsqlite3_sys::SQLITE_DBCONFIG_ENABLE_QPSG,
            1 as c_int,
            std::ptr::null_mut::<c_int>(),
        )
    };
    if rc == libsqlite3_sys::SQLITE_OK {
        Ok(())
    } else {
        Err(sea_orm::sqlx::Error::Configuration(
            format!("enabling SQLite's query planner stability guarantee failed ({rc})").into(),
        ))
    }
}

/// Turns off SQLite's memory statistics, process-wide, before its first connection.
///
/// With them on (the bundled build's default), every allocation and free inside SQLite
/// takes one global mutex to keep the counts, shared by every connection on every thread:
/// half of the mutex acquisitions of a REST GET (45 -> 23) and 1.2% of its instructions
/// (callgrind, hot-path bench; in time within the machine's noise, the mutex was rarely
/// contended). Nothing here reads those statistics (`sqlite3_memory_used`,
/// `sqlite3_status`), and SQLite's own recommended options turn them off. The setting is
/// taken only before SQLite initializes: a later call is refused with `SQLITE_MISUSE` and
/// changes nothing, which is harmless (a test process connects many stores; the first
/// call wins).
///
/// The other process-wide lock, the page caches' group mutex, is a build setting, not a
/// runtime one: libsqlite3-sys builds SQLite with `SQLITE_ENABLE_MEMORY_MANAGEMENT`, which
/// puts every connection's page cache in one group behind one global mutex, taken at every
/// page a statement touches. Under load the runtime's threads queued on it in the kernel:
/// `perf` on the futex calls of a server answering REST GETs from wrk found about half of
/// them on that mutex (the point reads' and the history inserts' page fetches and
/// releases), 0.25 futex calls a request before and 0.10 after (the rest: WAL read locks,
/// the runtime's parking; the throughput on two cores did not move beyond the machine's
/// noise). `.cargo/config.toml` builds SQLite without that option (`LIBSQLITE3_FLAGS`; it
/// serves only `sqlite3_release_memory` and the soft heap limit, unused here), so each
/// connection's page cache is its own, guarded by its connection alone, and connections
/// share no mutex for it; `tests::sqlite_is_built_without_memory_management` checks the
/// build.
fn sqlite_process_config() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // SAFETY: SQLITE_CONFIG_MEMSTATUS takes one int; sqlite3_config is safe to call
        // before initialization and answers SQLITE_MISUSE, doing nothing, after it.
        let rc = unsafe {
            libsqlite3_sys::sqlite3_config(
                libsqlite3_sys::SQLITE_CONFIG_MEMSTATUS,
                0 as std::ffi::c_int,
            )
        };
        if rc != libsqlite3_sys::SQLITE_OK {
            tracing::debug!(
                rc,
                "SQLite was initialized already: memory statistics stay on"
            );
        }
    });
}

/// An organization id: the key of every tenant query.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct OrgId(String);

impl OrgId {
    pub fn new(id: impl Into<String>) -> Self {
        Self(id.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for OrgId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Anything queries can run on: the pool, or an open [`Write`].
pub trait Db: Sync {
    type Conn: ConnectionTrait;
    fn conn(&self) -> &Self::Conn;
    /// Point reads off sqlx's threads (SQLite files only): the pool's, never a write's,
    /// whose reads must see its own uncommitted changes.
    #[doc(hidden)]
    fn point_reads(&self) -> Option<&point_reads::PointReads> {
        None
    }
}

/// The database handle shared by every service.
#[derive(Clone, Debug)]
pub struct Store {
    db: DatabaseConnection,
    /// Woken when a write queues webhook deliveries, so that a worker in this process sends
    /// them at once instead of at its next poll.
    deliveries: std::sync::Arc<tokio::sync::Notify>,
    /// The worker of this process that takes committed deliveries directly, if any.
    handoff: std::sync::Arc<std::sync::RwLock<Option<webhooks::queue::Handoff>>>,
    /// Connections of its own for `tenant::find_in` on a SQLite file (see `point_reads`).
    point_reads: Option<std::sync::Arc<point_reads::PointReads>>,
    /// The connection of its own for the request history's batches on a SQLite file (see
    /// `batch_writes`).
    batch_writes: Option<std::sync::Arc<batch_writes::BatchWrites>>,
}

impl Db for Store {
    type Conn = DatabaseConnection;
    fn conn(&self) -> &DatabaseConnection {
        &self.db
    }
    fn point_reads(&self) -> Option<&point_reads::PointReads> {
        self.point_reads.as_deref()
    }
}

impl Store {
    /// Connects to `url` (`sqlite://path?mode=rwc` or `postgres://...`).
    pub async fn connect(url: &str) -> Result<Self> {
        if url.starts_with("sqlite:") {
            sqlite_process_config();
        }
        // A database file keeps the request history in a file of its own (`history_file`).
        let main = point_reads::sqlite_path(url);
        let history = main.as_deref().map(history_file::path_for);
        if let Some(path) = &history {
            history_file::create_if_missing(path).map_err(|source| StorageError::HistoryFile {
                path: path.clone(),
                source,
            })?;
        }
        let attached = history.clone();
        let mut options = ConnectOptions::new(url.to_owned());
        options
            .max_connections(if url.starts_with("sqlite:") { 8 } else { 20 })
            .min_connections(1)
            .connect_timeout(Duration::from_secs(10))
            .acquire_timeout(Duration::from_secs(30))
            // No ping before each use: sqlx already pings every connection as it returns to
            // the pool (and closes a broken one), so the ping before would be a second
            // round trip on every request's path, which costs more here than most
            // statements. A connection that breaks while idle (the database restarted)
            // fails one statement, whose error closes it; the caller gets a retryable 503.
            .test_before_acquire(false)
            .sqlx_logging(false)
            // Per connection, as sqlx opens it: a PRAGMA run once on the pool reaches only
            // the connection that ran it. WAL lets readers proceed during a write; writers
            // queue on the busy timeout and start with BEGIN IMMEDIATE (see `write`);
            // NORMAL syncs the WAL at checkpoints, not at every commit.
            .map_sqlx_sqlite_opts(|o| {
                o.journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
                    .busy_timeout(Duration::from_secs(5))
                    .statement_cache_capacity(STATEMENT_CACHE)
            })
            .map_sqlx_sqlite_pool_opts(move |pool| {
                let history = attached.clone();
                pool.after_connect(move |conn, _| {
                    let history = history.clone();
                    Box::pin(async move {
                        stable_plans(conn).await?;
                        match history {
                            Some(path) => history_file::attach_sqlx(conn, &path).await,
                            None => Ok(()),
                        }
                    })
                })
            })
            .map_sqlx_postgres_opts(|o| o.statement_cache_capacity(STATEMENT_CACHE));
        let db = Database::connect(options).await?;
        // After the connect: sqlx has created the file if the URL asked it to, and the
        // pool's first connection the history file beside it. Read once for both
        // connections of the store's own.
        let files = main.filter(|path| path.is_file()).zip(history);
        Ok(Self {
            db,
            deliveries: Default::default(),
            handoff: Default::default(),
            point_reads: files.clone().map(|(path, history)| {
                std::sync::Arc::new(point_reads::PointReads::for_path(path, history))
            }),
            batch_writes: files.map(|(_, history)| {
                std::sync::Arc::new(batch_writes::BatchWrites::for_path(history))
            }),
        })
    }

    /// Registers (or, with `None`, removes) the worker that takes this process's committed
    /// deliveries directly. Removing names the worker, so that a newer one stays.
    pub fn set_handoff(&self, handoff: Option<webhooks::queue::Handoff>, worker: &str) {
        let mut slot = self.handoff.write().expect("never poisoned");
        match handoff {
            Some(h) => *slot = Some(h),
            None if slot.as_ref().is_some_and(|h| h.worker == worker) => *slot = None,
            None => {}
        }
    }

    pub(crate) fn handoff(&self) -> Option<webhooks::queue::Handoff> {
        self.handoff.read().expect("never poisoned").clone()
    }

    /// Tells this process's delivery worker that deliveries were queued.
    pub fn deliveries_queued(&self) {
        self.deliveries.notify_one();
    }

    /// Resolves when deliveries were queued in this process since the last call (or the
    /// next time they are).
    pub async fn deliveries_ready(&self) {
        self.deliveries.notified().await;
    }

    pub async fn migrate(&self) -> Result<()> {
        Migrator::up(&self.db, None).await?;
        Ok(())
    }

    /// Ready: the database answers and every migration is applied.
    pub async fn ready(&self) -> Result<()> {
        self.db.ping().await?;
        let pending = Migrator::get_pending_migrations(&self.db).await?;
        if pending.is_empty() {
            Ok(())
        } else {
            Err(StorageError::Invalid(format!(
                "{} migrations pending",
                pending.len()
            )))
        }
    }

    /// Runs raw SQL on the pool. For tests that need to shape the database (for instance a
    /// trigger that injects a failure); never called by the services.
    #[doc(hidden)]
    pub async fn execute_unprepared(&self, sql: &str) -> Result<()> {
        self.db.execute_unprepared(sql).await?;
        Ok(())
    }

    pub fn is_postgres(&self) -> bool {
        self.db.get_database_backend() == DbBackend::Postgres
    }

    /// What the point reads off sqlx's threads did (`None`: this store has none, as on
    /// PostgreSQL or an in-memory SQLite database).
    pub fn point_read_stats(&self) -> Option<PointReadStats> {
        self.point_reads.as_ref().map(|reads| reads.stats())
    }

    /// What the history's batch writes off sqlx did (`None`: this store has none, as on
    /// PostgreSQL or an in-memory SQLite database).
    pub fn batch_write_stats(&self) -> Option<BatchWriteStats> {
        self.batch_writes.as_ref().map(|writes| writes.stats())
    }

    pub(crate) fn batch_writes(&self) -> Option<&std::sync::Arc<batch_writes::BatchWrites>> {
        self.batch_writes.as_ref()
    }

    /// This store with every read and write through sqlx: for tests that compare the paths.
    #[doc(hidden)]
    pub fn sqlx_only(&self) -> Self {
        Self {
            point_reads: None,
            batch_writes: None,
            ..self.clone()
        }
    }

    /// The connection pool as sqlx counts it: no query, only its counters (for metrics).
    pub fn pool_status(&self) -> PoolStatus {
        fn status<DB: sea_orm::sqlx::Database>(pool: &sea_orm::sqlx::Pool<DB>) -> PoolStatus {
            PoolStatus {
                size: pool.size(),
                idle: u32::try_from(pool.num_idle()).unwrap_or(u32::MAX),
                max: pool.options().get_max_connections(),
            }
        }
        match self.db.get_database_backend() {
            DbBackend::Postgres => status(self.db.get_postgres_connection_pool()),
            DbBackend::Sqlite => status(self.db.get_sqlite_connection_pool()),
            _ => PoolStatus::default(),
        }
    }
}

/// Open connections of the pool (idle and in use), the idle ones, and the most it opens.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PoolStatus {
    pub size: u32,
    pub idle: u32,
    pub max: u32,
}

#[cfg(test)]
mod tests {
    /// `.cargo/config.toml`'s `LIBSQLITE3_FLAGS` reached the bundled SQLite's build (see
    /// `sqlite_process_config`): a build without it (another `LIBSQLITE3_FLAGS` in the
    /// environment, or the file gone) would bring back the page caches' global mutex.
    #[test]
    fn sqlite_is_built_without_memory_management() {
        // SAFETY: the argument is a NUL-terminated string; the call only reads it.
        let used = unsafe {
            libsqlite3_sys::sqlite3_compileoption_used(c"ENABLE_MEMORY_MANAGEMENT".as_ptr())
        };
        assert_eq!(
            used, 0,
            "SQLite was built with SQLITE_ENABLE_MEMORY_MANAGEMENT"
        );
        // The probe itself works: an option every build of the crate has.
        // SAFETY: as above.
        let threadsafe =
            unsafe { libsqlite3_sys::sqlite3_compileoption_used(c"THREADSAFE=1".as_ptr()) };
        assert_eq!(threadsafe, 1);
    }
}
