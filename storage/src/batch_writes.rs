//! Batches of new rows on SQLite without sea-query and sqlx (issue 9, item 6): the request
//! history's inserts.
//!
//! Every request adds a row to the history, so its batch insert runs as often as requests
//! are served. Through sea-orm it cost more outside SQLite than inside it: callgrind put
//! ~19k instructions a row in building the multi-row statement (sea-query renders one SQL
//! text per chunk, sqlx hashes it to find its prepared statement) and ~12k in sqlx's
//! argument encoding and worker hand-offs, beside ~55k in SQLite's own B-tree work (at the
//! time the table, its id index and seven more). Here one prepared single-row `INSERT` is stepped
//! once per row inside one `BEGIN IMMEDIATE` transaction, on one rusqlite connection of
//! its own, on a blocking thread (a batch may wait for the write lock).
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

use std::{
    path::PathBuf,
    sync::{
        Mutex,
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

/// The one writing connection of a SQLite database file.
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
    /// For the file of a SQLite store ([`crate::point_reads::sqlite_file`]).
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
        {
            let mut statement = tx
                .prepare_cached(INSERT_REQUEST_LOG)
                .map_err(|err| fallback("prepare", &err))?;
            for log in logs {
                // Every field named, none with `..`: a column added to the entity does not
                // compile here until it is stored.
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
                statement
                    .execute(rusqlite::params![
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
                        sqlx_time(created_at),
                    ])
                    .map_err(|err| fallback("insert", &err))?;
            }
        }
        // Dropping an uncommitted transaction rolls it back (every early return above).
        tx.commit().map_err(|err| fallback("commit", &err))
    }
}

/// The columns in the order of the entity's fields (and of the parameters above).
const INSERT_REQUEST_LOG: &str = "INSERT INTO \"request_logs\" (\"id\", \"organization_id\", \
    \"request_id\", \"method\", \"path\", \"status_code\", \"duration_ms\", \"ip\", \"key_id\", \
    \"request_body\", \"response_body\", \"created_at\") \
    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)";

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
