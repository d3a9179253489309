//! Batches of new rows on SQLite without sea-query and sqlx (issue 9, item 6): the request
//! history's inserts.
//!
//! Every request adds a row to the history, so its batch insert runs as often as requests
//! are served. Through sea-orm it cost more outside SQLite than inside it: callgrind put
//! ~19k instructions a row in building the multi-row statement (sea-query renders one SQL
//! text per chunk, sqlx hashes it to find its prepared statement) and ~12k in sqlx's
//! argument encoding and worker hand-offs, beside ~55k in SQLite's own B-tree work (at the
//! time the table, its id index and seven more). Here the batch goes through two prepared
//! `INSERT`s, one of [`CHUNK`] rows and one of a single row for the rest, inside one
//! `BEGIN IMMEDIATE` transaction, on one rusqlite connection of its own, on a blocking
//! thread (a batch may wait for the write lock).
//!
//! Rules that keep this equivalent to the sqlx path:
//! - Values are stored exactly as sqlx stores them (text, integers, and times as sqlx's
//!   RFC 3339 text), so that every read, filter and ordering sees the same bytes;
//!   `tests/it/batch_writes.rs` compares the stored rows of both paths column by column.
//! - A batch commits whole or not at all. An error before the commit rolls it back and
//!   answers [`Fallback`]; the caller then inserts the same batch through sqlx, so nothing
//!   is lost or doubled.
//! - Like the pool's connections: WAL (a property of the file), `synchronous = NORMAL`,
//!   foreign keys enforced, a five-second busy timeout.
//! - The connection opens the history's own file (`history_file.rs`), where the table
//!   lives; the pool's connections see the same table there, attached as `history`.

use std::{
    path::PathBuf,
    sync::{
        LazyLock, Mutex,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};

use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::{Connection, OpenFlags, TransactionBehavior};

use crate::request_logs::RequestLog;

/// The write lock can be held by the pool's writers for a moment: wait as sqlx does.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// The batch could not be written here; write it through sqlx instead.
#[derive(Debug)]
pub struct Fallback;

/// The one writing connection of a SQLite store's history file.
#[derive(Debug)]
pub struct BatchWrites {
    path: PathBuf,
    /// Opened on first use; SQLite takes one writer at a time, so one connection serves.
    conn: Mutex<Option<Connection>>,
    rows: AtomicU64,
    fell_back: AtomicU64,
}

/// What the batch writes of one [`crate::Store`] did: rows written here, and batches handed
/// to sqlx instead (none, in normal operation).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BatchWriteStats {
    pub rows: u64,
    pub fell_back: u64,
}

impl BatchWrites {
    /// For the history file of a SQLite store ([`crate::history_file::path_for`]).
    pub(crate) fn for_path(path: PathBuf) -> Self {
        Self {
            path,
            conn: Mutex::new(None),
            rows: AtomicU64::new(0),
            fell_back: AtomicU64::new(0),
        }
    }

    pub(crate) fn stats(&self) -> BatchWriteStats {
        BatchWriteStats {
            rows: self.rows.load(Ordering::Relaxed),
            fell_back: self.fell_back.load(Ordering::Relaxed),
        }
    }

    fn open(&self) -> rusqlite::Result<Connection> {
        let conn = Connection::open_with_flags(
            &self.path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", true)?;
        // Temporary data in memory, never in /var/tmp. The multi-row INSERT's statement
        // journal once spilled past SQLite's 64 KiB to a file created and unlinked per
        // batch (55% of the process's `pwrite`s; strace, hot-path bench); `OR FAIL` (see
        // `COLUMNS`) now keeps it from being written at all, and this keeps whatever else
        // SQLite may need temporarily (a sort, a savepoint) off the disk too.
        conn.pragma_update(None, "temp_store", "MEMORY")?;
        Ok(conn)
    }

    /// Inserts `logs` in one transaction. Blocks: call it on a blocking thread.
    pub(crate) fn insert_request_logs(&self, logs: &[RequestLog]) -> Result<(), Fallback> {
        let written = self.write(logs);
        match &written {
            Ok(()) => self.rows.fetch_add(logs.len() as u64, Ordering::Relaxed),
            Err(_) => self.fell_back.fetch_add(1, Ordering::Relaxed),
        };
        written
    }

    fn write(&self, logs: &[RequestLog]) -> Result<(), Fallback> {
        let mut slot = self.conn.lock().unwrap_or_else(|e| e.into_inner());
        if slot.is_none() {
            *slot = Some(self.open().map_err(|err| fallback("open", &err))?);
        }
        let conn = slot.as_mut().expect("opened above");
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|err| fallback("begin", &err))?;
        let mut chunks = logs.chunks_exact(CHUNK);
        for chunk in chunks.by_ref() {
            insert(&tx, &INSERT_CHUNK, chunk)?;
        }
        for log in chunks.remainder() {
            insert(&tx, &INSERT_ONE, std::slice::from_ref(log))?;
        }
        // Dropping an uncommitted transaction rolls it back (every early return above).
        tx.commit().map_err(|err| fallback("commit", &err))
    }
}

/// Rows per multi-row `INSERT`; the rest of a batch goes one row a statement.
///
/// One statement for many rows is cheaper inside SQLite, not only outside it: the
/// statement's cursors on the table and its seven B-trees are opened and closed once per
/// chunk instead of once per row, and the statement is begun, reset and halted once.
/// Callgrind, hot-path bench: the history's insert went from about 50k to about 41k
/// instructions a row (README, "Benchmark: the hot path"). 32 rows are 384 parameters, far
/// below SQLite's limit of 32,766.
const CHUNK: usize = 32;

/// The columns in the order of the entity's fields (and of each row's parameters below).
///
/// `OR FAIL` rather than the default `ABORT`: a statement that can abort after changing
/// rows must be able to undo just itself, so SQLite copied every page the 32-row insert
/// touched into a statement journal first (callgrind: ~4k instructions a row, with the
/// savepoint it opens and closes per statement). Here a failed statement rolls back the
/// whole batch's transaction anyway (see `write`), so what `FAIL` leaves of it is undone
/// with the rest, and the outcome is the same: all of the batch or none of it.
const COLUMNS: &str = "INSERT OR FAIL INTO \"request_logs\" (\"id\", \"organization_id\", \
    \"request_id\", \"method\", \"path\", \"status_code\", \"duration_ms\", \"ip\", \"key_id\", \
    \"request_body\", \"response_body\", \"created_at\") VALUES ";
const ROW: &str = "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
/// Parameters a row binds.
const PARAMS: usize = 12;

static INSERT_ONE: LazyLock<String> = LazyLock::new(|| insert_sql(1));
static INSERT_CHUNK: LazyLock<String> = LazyLock::new(|| insert_sql(CHUNK));

fn insert_sql(rows: usize) -> String {
    format!("{COLUMNS}{}", vec![ROW; rows].join(", "))
}

/// Inserts `rows` through the prepared statement `sql` made for exactly that many rows.
fn insert(tx: &rusqlite::Transaction<'_>, sql: &str, rows: &[RequestLog]) -> Result<(), Fallback> {
    let mut statement = tx
        .prepare_cached(sql)
        .map_err(|err| fallback("prepare", &err))?;
    debug_assert_eq!(statement.parameter_count(), rows.len() * PARAMS);
    for (i, log) in rows.iter().enumerate() {
        // Every field named, none with `..`: a column added to the entity does not compile
        // here until it is stored.
        let RequestLog {
            id,
            organization_id,
            request_id,
            method,
            path,
            status_code,
            duration_ms,
            ip,
            key_id,
            request_body,
            response_body,
            created_at,
        } = log;
        let created_at = sqlx_time(created_at);
        let values: [&dyn rusqlite::ToSql; PARAMS] = [
            id,
            organization_id,
            request_id,
            method,
            path,
            status_code,
            duration_ms,
            ip,
            key_id,
            request_body,
            response_body,
            &created_at,
        ];
        for (j, value) in values.into_iter().enumerate() {
            statement
                .raw_bind_parameter(i * PARAMS + j + 1, value)
                .map_err(|err| fallback("bind", &err))?;
        }
    }
    statement
        .raw_execute()
        .map_err(|err| fallback("insert", &err))?;
    Ok(())
}

fn fallback(step: &str, err: &(dyn std::error::Error + 'static)) -> Fallback {
    tracing::warn!(step, error = err, "batch write falls back to sqlx");
    Fallback
}

/// A time as sqlx-sqlite's `Encode` for `DateTime<Tz>` stores it, to the byte: filters
/// and orderings compare this text.
fn sqlx_time(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::AutoSi, false)
}

#[cfg(test)]
mod tests {
    use super::sqlx_time;

    #[test]
    fn times_are_stored_as_sqlx_stores_them() {
        let t = "2026-12-03T04:00:00.123456Z".parse().unwrap();
        assert_eq!(sqlx_time(&t), "2026-12-03T04:00:00.123456+00:00");
        let whole = "2026-12-03T04:00:00Z".parse().unwrap();
        assert_eq!(sqlx_time(&whole), "2026-12-03T04:00:00+00:00");
    }
}
