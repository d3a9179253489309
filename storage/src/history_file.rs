//! The request history's own SQLite file, beside the database file (issue 9, item 6).
//!
//! Why: every request adds a history row, so the history commits many times a second. In
//! WAL mode a connection that starts a read and finds the WAL changed since its last one
//! empties its page cache, and with `mmap_size` set unmaps the file too
//! (`pagerBeginReadTransaction`), so each history commit cost the point reads
//! (`point_reads.rs`) their cache and a round of page faults, although they never read the
//! history. In a file of its own, with its own WAL, the history's commits leave the
//! database file's readers alone.
//!
//! How: the file is `<database file>-history` (next to SQLite's own `-wal` and `-shm`),
//! attached as the schema `history` to every connection that opens the database file: the
//! pool's (`attach_sqlx`), the point reads' (`attach`); `Store::connect` creates it first
//! (`create_if_missing`, which says why this process never closes a descriptor of it).
//! SQLite resolves an unqualified table name in `main` first, then in the attached schemas,
//! so every query of `request_logs` stays as it is and finds the table wherever it lives.
//! Migration `m20261204_000017_history_in_its_own_file` moves the table there; the batch
//! writer (`batch_writes.rs`) opens the history file directly. An in-memory database keeps
//! the history in `main` (nothing is attached, and the migration leaves the table where it
//! is).
//!
//! What it changes: the two files are backed up together; a transaction that writes both
//! (only the migration does) is atomic in each file, not across them, which is why the
//! migration is written to be run again after a crash.

use std::{
    ffi::OsString,
    path::{Path, PathBuf},
};

/// Attaches the history file (the parameter) under the schema name `history`. Literal
/// SQL, as sqlx asks of every statement text it is given.
const ATTACH: &str = "ATTACH DATABASE ? AS history";

/// The page size of a new history file (see `attach_sqlx`); SQLite's default is 4,096.
const HISTORY_PAGE_SIZE: &str = "PRAGMA history.page_size = 16384";

/// The history file of the database file `main`.
pub(crate) fn path_for(main: &Path) -> PathBuf {
    let mut name = OsString::from(main.as_os_str());
    name.push("-history");
    PathBuf::from(name)
}

/// Creates the history file if it is missing (an empty file is an empty database; ATTACH
/// would create it only if the database file was opened with `mode=rwc`). Called by
/// `Store::connect` before its pool opens a connection.
///
/// Why `create_new`, and why not on every connection: a `close()` of any descriptor of a
/// file ends every POSIX lock the process holds on it (SQLite's "How To Corrupt", 2.2).
/// Opening and closing the existing file as each pool connection attached it silently
/// dropped the SHARED lock that SQLite keeps on a WAL database while it is open; SQLite
/// does not take it again (it counts its locks per process), so the next other process to
/// read the history and close it (an `sqlite3` shell, a backup script) found it unlocked,
/// checkpointed it and deleted its WAL and shared memory under the running server, whose
/// later rows no other process saw (reproduced with Python's `sqlite3` against a server).
/// `create_new` never opens a file that exists, so no descriptor of a file SQLite may have
/// locked is ever closed here.
pub(crate) fn create_if_missing(path: &Path) -> std::io::Result<()> {
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
    {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(e),
    }
}

/// Attaches the history file to one of the pool's connections (sqlx's `after_connect`).
pub(crate) async fn attach_sqlx(
    conn: &mut sea_orm::sqlx::SqliteConnection,
    path: &Path,
) -> Result<(), sea_orm::sqlx::Error> {
    use sea_orm::sqlx::{Executor as _, query};
    let file = path.to_str().ok_or_else(|| {
        sea_orm::sqlx::Error::Configuration(
            format!("the history file's path is not UTF-8: {}", path.display()).into(),
        )
    })?;
    query(ATTACH).bind(file).execute(&mut *conn).await?;
    // A new file's page size, before anything is written to it (WAL mode writes its first
    // page; after that SQLite keeps the size the file has, and this does nothing). The
    // history is written a row at a time into the table and its six indexes, and a full
    // index page is split by rebalancing it with its siblings: pages four times the
    // default size split a quarter as often, and one large split costs less than four
    // small ones. Callgrind, hot-path bench (README, "Benchmark: the hot path"): the
    // batched insert of a direct call's row went from about 30.5k to about 27.9k
    // instructions (the rebalancing 6.2k to 4.2k).
    conn.execute(HISTORY_PAGE_SIZE).await?;
    // Per schema, not per connection: WAL (then a property of the file, kept from one open
    // to the next) and when to sync, as the database file's.
    conn.execute("PRAGMA history.journal_mode = WAL").await?;
    conn.execute("PRAGMA history.synchronous = NORMAL").await?;
    Ok(())
}

/// Attaches the history file to a point-read connection of the database file. Nothing
/// more: `Store::connect` created the file, and the pool's connections, opened first, made
/// it WAL.
pub(crate) fn attach(conn: &rusqlite::Connection, path: &Path) -> rusqlite::Result<()> {
    let file = path
        .to_str()
        .ok_or(rusqlite::Error::InvalidPath(path.into()))?;
    conn.execute(ATTACH, [file])?;
    Ok(())
}
