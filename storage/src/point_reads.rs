//! Point reads on SQLite without sqlx's worker threads (issue 9, item 6).
//!
//! sqlx runs every SQLite statement on a thread of its connection: the query is sent to
//! that thread and its rows sent back, two context switches per statement. For the point
//! read behind every `Get*` (one row by primary key, a few microseconds inside SQLite) the
//! hand-off cost more than the read: `perf` put 28% of a REST GET's server time on sqlx's
//! SQLite threads, 12 points of it switching tasks. So a [`crate::Store`] on a SQLite file
//! answers [`crate::tenant::find_in`] here, on the calling thread, through connections of
//! its own opened with rusqlite (the same bundled SQLite, `libsqlite3-sys`), and sqlx
//! keeps everything else: writes, transactions, lists, PostgreSQL.
//!
//! Rules that keep this safe:
//! - Only autocommit SELECTs of one row, on connections that are `query_only`: nothing here
//!   can write. A read inside a [`crate::Write`] never comes here (it must see the write's
//!   own changes): only the pool's [`crate::Db`] offers point reads.
//! - WAL: each statement reads the last committed state when it starts, as a read on a
//!   sqlx connection does, so a write that committed before the read began is seen.
//! - It never waits on the runtime's thread: the busy timeout is zero, and any error (busy,
//!   I/O, a value it cannot decode) answers [`Fallback`], and the caller runs the same read
//!   through sqlx, whose errors the services already classify (503 and so on).
//! - Rows become models through sea-orm's own conversions (each value typed by its column's
//!   declared type, set on the entity's `ActiveModel`, which becomes the `Model`), so a
//!   model reads back exactly as through sqlx (`tests/it/point_reads.rs` compares the two
//!   for every resource). Not sea-orm's `proxy` rows: that feature does not build beside
//!   `sqlx-sqlite` in sea-orm 2.0.4.

use std::{
    collections::HashMap,
    path::PathBuf,
    sync::{
        Arc, Mutex, OnceLock, RwLock,
        atomic::{AtomicU64, AtomicUsize, Ordering},
    },
};

use chrono::{DateTime, Utc};
use rusqlite::{
    Connection, OpenFlags, ToSql,
    types::{ToSqlOutput, ValueRef},
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ColumnType, EntityTrait, IdenStatic, Iterable, TryIntoModel,
    Value,
};

use crate::read_pin::ReadPin;

/// Connections kept open for reuse. Each read holds one only while it runs on its thread
/// (it never awaits), so no more are in use at once than threads read: the runtime's
/// workers and, rarely, a blocking thread.
const KEPT: usize = 8;

/// How much of the database file each connection maps (virtual address space only).
const MMAP_BYTES: i64 = 256 << 20;

/// Statements each connection keeps prepared: one per tenant table at most.
const STATEMENTS: usize = 64;

/// The read could not be answered here; run it through sqlx instead.
#[derive(Debug)]
pub struct Fallback;

/// The `query_only` connections of one SQLite database file.
#[derive(Debug)]
pub struct PointReads {
    path: PathBuf,
    /// The store's history file, attached to each connection (`history_file`).
    history: PathBuf,
    idle: Mutex<Vec<Reader>>,
    /// Connections open now (idle and in use).
    open: AtomicUsize,
    answered: AtomicU64,
    fell_back: AtomicU64,
    /// Keeps the process's WAL read lock while the file is not written (`read_pin`).
    pin: ReadPin,
}

/// One connection, and the statements whose columns it has checked (see [`read`]).
#[derive(Debug)]
struct Reader {
    conn: Connection,
    /// The SQL of every statement found to select its entity's columns in order. A
    /// statement's column names are those its SQL spells, so one check per text suffices:
    /// checking every read was ~2.4k instructions of a ~25k-instruction point read
    /// (callgrind, `GetCustomer`), a dozen `sqlite3_column_name` calls and UTF-8 checks.
    checked: Vec<String>,
}

/// What the point reads of one [`crate::Store`] did: reads answered on the calling thread,
/// reads handed to sqlx instead (none, in normal operation), connections open now and idle
/// among them; and the file's read pin (`read_pin`): whether it holds the WAL's read lock
/// now, how many periods it held it, and how often it let go because the file was written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PointReadStats {
    pub answered: u64,
    pub fell_back: u64,
    pub open: usize,
    pub idle: usize,
    pub pinned: bool,
    pub pin_holds: u64,
    pub pin_yields: u64,
}

impl PointReads {
    /// For the file of a SQLite store ([`sqlite_path`], once it exists) and its history file.
    pub(crate) fn for_path(path: PathBuf, history: PathBuf) -> Self {
        Self {
            pin: ReadPin::start(path.clone()),
            path,
            history,
            idle: Mutex::new(Vec::new()),
            open: AtomicUsize::new(0),
            answered: AtomicU64::new(0),
            fell_back: AtomicU64::new(0),
        }
    }

    pub(crate) fn stats(&self) -> PointReadStats {
        PointReadStats {
            answered: self.answered.load(Ordering::Relaxed),
            fell_back: self.fell_back.load(Ordering::Relaxed),
            open: self.open.load(Ordering::Relaxed),
            idle: self.idle.lock().map(|idle| idle.len()).unwrap_or(0),
            pinned: self.pin.state.holding(),
            pin_holds: self.pin.state.holds.load(Ordering::Relaxed),
            pin_yields: self.pin.state.yields.load(Ordering::Relaxed),
        }
    }

    fn open(&self) -> rusqlite::Result<Connection> {
        let conn = open_for_reads(&self.path)?;
        // The same schema as the pool's connections, though no point read is of the history.
        crate::history_file::attach(&conn, &self.history)?;
        conn.pragma_update(None, "query_only", true)?;
        // Every history commit by another connection empties this connection's page
        // cache, so pages were read again with `pread` (0.87 a REST GET); mapped, the
        // database file's pages are read from memory (0.33). Pages still in the WAL are
        // read as before. Only the pages a read touches count in the process's RSS.
        conn.pragma_update(None, "mmap_size", MMAP_BYTES)?;
        // The plans stay put when `LIMIT ?` is bound anew (see `stable_plans` in lib.rs).
        conn.set_db_config(
            rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG,
            true,
        )?;
        conn.set_prepared_statement_cache_capacity(STATEMENTS);
        Ok(conn)
    }

    /// The one row `sql` selects (all of `E`'s columns, in `E::Column` order), if any.
    pub(crate) fn find<E: EntityTrait>(
        &self,
        sql: &str,
        values: &[Value],
    ) -> Result<Option<E::Model>, Fallback>
    where
        E::ActiveModel: TryIntoModel<E::Model>,
    {
        let found = self.with_connection(|reader| read::<E>(reader, sql, values));
        let counter = match found {
            Ok(_) => &self.answered,
            Err(_) => &self.fell_back,
        };
        counter.fetch_add(1, Ordering::Relaxed);
        found
    }

    /// Runs `f` on an idle connection (or a new one), then keeps it for the next read.
    fn with_connection<T>(
        &self,
        f: impl FnOnce(&mut Reader) -> Result<T, Fallback>,
    ) -> Result<T, Fallback> {
        let mut reader = match self.idle.lock().map(|mut idle| idle.pop()) {
            Ok(Some(reader)) => reader,
            _ => {
                let conn = self.open().map_err(|err| fallback("open", &err))?;
                self.open.fetch_add(1, Ordering::Relaxed);
                Reader {
                    conn,
                    checked: Vec::new(),
                }
            }
        };
        let found = f(&mut reader);
        match self.idle.lock() {
            Ok(mut idle) if idle.len() < KEPT => idle.push(reader),
            _ => {
                drop(reader);
                self.open.fetch_sub(1, Ordering::Relaxed);
            }
        }
        found
    }
}

/// A connection to `path` for reads that never wait for a lock (busy timeout zero); the
/// caller makes it `query_only`. Opened for writing all the same: a connection opened
/// read-only cannot take part in WAL recovery or create the shared-memory index, and would
/// fail where a writer's reader works. NO_MUTEX: a connection is used by one thread at a
/// time (a point read takes it out of `idle`; the read pin has its own), so SQLite's own
/// locking of it is pure cost.
pub(crate) fn open_for_reads(path: &std::path::Path) -> rusqlite::Result<Connection> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(std::time::Duration::ZERO)?;
    Ok(conn)
}

/// The path of the database file that a SQLite `url` names (which may not exist yet);
/// `None` for PostgreSQL and for an in-memory database, whose "filename" sqlx makes up
/// (`file:sqlx-in-memory-N` for `sqlite::memory:`) and which no file stands for.
pub(crate) fn sqlite_path(url: &str) -> Option<PathBuf> {
    use std::str::FromStr as _;
    if !url.starts_with("sqlite:") || url.contains(":memory:") || url.contains("mode=memory") {
        return None;
    }
    let options = sea_orm::sqlx::sqlite::SqliteConnectOptions::from_str(url).ok()?;
    Some(options.get_filename().to_path_buf())
}

fn fallback(step: &str, err: &(dyn std::error::Error + 'static)) -> Fallback {
    tracing::debug!(step, error = err, "point read falls back to sqlx");
    Fallback
}

fn read<E: EntityTrait>(
    reader: &mut Reader,
    sql: &str,
    values: &[Value],
) -> Result<Option<E::Model>, Fallback>
where
    E::ActiveModel: TryIntoModel<E::Model>,
{
    let params = values.iter().map(Param::of).collect::<Option<Vec<_>>>();
    let params = params.ok_or(Fallback)?;
    let columns = columns::<E>();
    let Reader { conn, checked } = reader;
    let mut statement = conn
        .prepare_cached(sql)
        .map_err(|err| fallback("prepare", &err))?;
    if !checked.iter().any(|known| known == sql) {
        if statement.column_count() != columns.len() {
            return Err(Fallback);
        }
        for (i, column) in columns.iter().enumerate() {
            if statement.column_name(i).ok() != Some(column.name) {
                return Err(Fallback);
            }
        }
        // Bounded like the statement cache (one statement per tenant table).
        if checked.len() < STATEMENTS {
            checked.push(sql.to_owned());
        }
    }
    let mut rows = statement
        .query(rusqlite::params_from_iter(params))
        .map_err(|err| fallback("query", &err))?;
    let Some(row) = rows.next().map_err(|err| fallback("step", &err))? else {
        return Ok(None);
    };
    let mut record = <E::ActiveModel as ActiveModelTrait>::default();
    for ((i, column), entity_column) in columns.iter().enumerate().zip(E::Column::iter()) {
        let value = row.get_ref(i).map_err(|err| fallback("column", &err))?;
        let value = column.kind.decode(value).ok_or(Fallback)?;
        record
            .try_set(entity_column, value)
            .map_err(|err| fallback("decode", &err))?;
    }
    record
        .try_into_model()
        .map(Some)
        .map_err(|err| fallback("decode", &err))
}

/// A bound value: the organization and id as text, the `LIMIT` as an integer.
enum Param<'a> {
    Text(&'a str),
    Integer(i64),
}

impl<'a> Param<'a> {
    fn of(value: &'a Value) -> Option<Self> {
        Some(match value {
            Value::String(Some(s)) => Self::Text(s),
            Value::BigUnsigned(Some(n)) => Self::Integer(i64::try_from(*n).ok()?),
            Value::Unsigned(Some(n)) => Self::Integer(i64::from(*n)),
            Value::BigInt(Some(n)) => Self::Integer(*n),
            Value::Int(Some(n)) => Self::Integer(i64::from(*n)),
            _ => return None,
        })
    }
}

impl ToSql for Param<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match self {
            Self::Text(s) => ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes())),
            Self::Integer(n) => ToSqlOutput::Borrowed(ValueRef::Integer(*n)),
        })
    }
}

/// A column as the decoder needs it: its name and how sea-orm expects its value.
#[derive(Debug)]
struct Column {
    name: &'static str,
    kind: Kind,
}

/// The value types sea-orm's conversions expect, by declared column type. A column of any
/// other type makes every read of its table fall back to sqlx.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Text,
    Int,
    BigInt,
    Bool,
    TimestampUtc,
    Json,
    Bytes,
    Unsupported,
}

impl Kind {
    fn of(column_type: &ColumnType) -> Self {
        match column_type {
            ColumnType::Char(_) | ColumnType::String(_) | ColumnType::Text => Self::Text,
            ColumnType::Integer => Self::Int,
            ColumnType::BigInteger => Self::BigInt,
            ColumnType::Boolean => Self::Bool,
            ColumnType::TimestampWithTimeZone => Self::TimestampUtc,
            ColumnType::Json | ColumnType::JsonBinary => Self::Json,
            ColumnType::Binary(_) | ColumnType::VarBinary(_) | ColumnType::Blob => Self::Bytes,
            _ => Self::Unsupported,
        }
    }

    /// What sqlx's decoding would give for the stored value (as sqlx stores each type:
    /// times as RFC 3339 text, JSON as text, booleans as 0 or 1); `None` for a value stored
    /// in any other way, which the caller reads through sqlx instead.
    fn decode(self, value: ValueRef<'_>) -> Option<Value> {
        let text = |bytes: &[u8]| std::str::from_utf8(bytes).ok().map(str::to_owned);
        Some(match (self, value) {
            (Self::Text, ValueRef::Text(t)) => Value::String(Some(text(t)?)),
            (Self::Text, ValueRef::Null) => Value::String(None),
            (Self::Int, ValueRef::Integer(n)) => Value::Int(Some(i32::try_from(n).ok()?)),
            (Self::Int, ValueRef::Null) => Value::Int(None),
            (Self::BigInt, ValueRef::Integer(n)) => Value::BigInt(Some(n)),
            (Self::BigInt, ValueRef::Null) => Value::BigInt(None),
            (Self::Bool, ValueRef::Integer(n)) => Value::Bool(Some(n != 0)),
            (Self::Bool, ValueRef::Null) => Value::Bool(None),
            (Self::TimestampUtc, ValueRef::Text(t)) => Value::ChronoDateTimeUtc(Some(
                DateTime::parse_from_rfc3339(std::str::from_utf8(t).ok()?)
                    .ok()?
                    .with_timezone(&Utc),
            )),
            (Self::TimestampUtc, ValueRef::Null) => Value::ChronoDateTimeUtc(None),
            (Self::Json, ValueRef::Text(t)) => {
                Value::Json(Some(Box::new(serde_json::from_slice(t).ok()?)))
            }
            (Self::Json, ValueRef::Null) => Value::Json(None),
            (Self::Bytes, ValueRef::Blob(b)) => Value::Bytes(Some(b.to_vec())),
            (Self::Bytes, ValueRef::Null) => Value::Bytes(None),
            _ => return None,
        })
    }
}

/// `E`'s columns in select order, worked out once per table.
fn columns<E: EntityTrait>() -> Arc<[Column]> {
    type Tables = HashMap<&'static str, Arc<[Column]>>;
    static COLUMNS: OnceLock<RwLock<Tables>> = OnceLock::new();
    let all = COLUMNS.get_or_init(Default::default);
    let table = E::default().table_name();
    if let Some(found) = all.read().unwrap_or_else(|e| e.into_inner()).get(table) {
        return found.clone();
    }
    let columns: Arc<[Column]> = E::Column::iter()
        .map(|c| Column {
            name: c.as_str(),
            kind: Kind::of(c.def().get_column_type()),
        })
        .collect();
    all.write()
        .unwrap_or_else(|e| e.into_inner())
        .insert(table, columns.clone());
    columns
}

#[cfg(test)]
mod tests {
    use super::{Kind, sqlite_path};
    use std::path::Path;

    #[test]
    fn only_a_database_file_has_a_path() {
        assert_eq!(
            sqlite_path("sqlite://data/asteri.db?mode=rwc").as_deref(),
            Some(Path::new("data/asteri.db"))
        );
        assert_eq!(
            sqlite_path("sqlite:///tmp/a.db").as_deref(),
            Some(Path::new("/tmp/a.db"))
        );
        for memory in [
            "sqlite::memory:",
            "sqlite://:memory:",
            "sqlite://shared?mode=memory",
            "sqlite://file::memory:?cache=shared",
            "postgres://postgres@127.0.0.1/test",
        ] {
            assert_eq!(sqlite_path(memory), None, "{memory}");
        }
    }
    use rusqlite::types::ValueRef;
    use sea_orm::Value;

    #[test]
    fn values_stored_another_way_are_not_guessed() {
        // sqlx also reads times stored as numbers or in SQLite's own text formats; this
        // decoder does not, so those rows must go through sqlx, not decode wrongly.
        assert_eq!(Kind::TimestampUtc.decode(ValueRef::Integer(0)), None);
        assert_eq!(
            Kind::TimestampUtc.decode(ValueRef::Text(b"2026-12-03 04:00:00")),
            None
        );
        assert_eq!(Kind::Int.decode(ValueRef::Integer(i64::MAX)), None);
        assert_eq!(Kind::Json.decode(ValueRef::Text(b"{not json")), None);
        assert_eq!(Kind::Text.decode(ValueRef::Integer(1)), None);
        assert_eq!(Kind::Unsupported.decode(ValueRef::Null), None);
        assert_eq!(
            Kind::TimestampUtc.decode(ValueRef::Text(b"2026-12-03T04:00:00.123456+00:00")),
            Some(Value::ChronoDateTimeUtc(Some(
                "2026-12-03T04:00:00.123456Z".parse().unwrap()
            )))
        );
    }
}
