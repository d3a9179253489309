//! The request history's own file on SQLite (`storage/src/history_file.rs`, migration
//! `m20261204_000017_history_in_its_own_file`): the rows are in `<database>-history` and
//! not in the database file, both write paths and every read find them there, and the
//! migration moves existing rows both ways, finishing a move that a crash cut in two; an
//! in-memory database keeps its history in itself and makes no file.

use migrations::{Migrator, MigratorTrait};
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use storage::{Db, OrgId, Store, request_logs};

use crate::batch_writes::{many, read_back};

/// Rows of the history table in `schema` (`None`: no such table there), through the pool.
async fn rows_in(store: &Store, schema: &str) -> Option<i64> {
    let table = format!("SELECT 1 AS n FROM {schema}.sqlite_master WHERE name = 'request_logs'");
    sql_one(store, &table).await?;
    let count = format!("SELECT count(*) AS n FROM {schema}.request_logs");
    Some(sql_one(store, &count).await?.try_get("", "n").unwrap())
}

/// The one row (if any) of a raw SQLite query through the pool.
async fn sql_one(store: &Store, sql: &str) -> Option<sea_orm::QueryResult> {
    let statement = Statement::from_string(DbBackend::Sqlite, sql);
    store.conn().query_one_raw(statement).await.unwrap()
}

/// A migrated store on a database of its own, and the history file's path (SQLite only).
async fn migrated() -> (tempfile::TempDir, Store, Option<std::path::PathBuf>) {
    let (dir, store) = crate::batch_writes::migrated().await;
    let history = (!store.is_postgres()).then(|| dir.path().join("asteri.db-history"));
    (dir, store, history)
}

#[tokio::test]
async fn the_history_lives_in_its_own_file() {
    let (_dir, store, history) = migrated().await;
    let org = OrgId::new("org_file");
    let all = many(&org, "f", 40);
    let (ours, sqlx) = all.split_at(33);
    request_logs::insert_batch(&store, ours.to_vec())
        .await
        .unwrap();
    request_logs::insert_batch(&store.sqlx_only(), sqlx.to_vec())
        .await
        .unwrap();
    assert_eq!(read_back(&store, &org).await.len(), 40);
    let Some(history) = history else {
        // PostgreSQL: one database, nothing attached, the migration changed nothing.
        return;
    };
    if let Some(stats) = store.batch_write_stats() {
        assert_eq!((stats.rows, stats.fell_back), (33, 0), "{stats:?}");
    }
    assert_eq!(rows_in(&store, "main").await, None);
    assert_eq!(rows_in(&store, "history").await, Some(40));

    // As SQLite itself sees the two files, without the store's attach.
    let file = rusqlite::Connection::open(&history).unwrap();
    let n: i64 = file
        .query_row("SELECT count(*) FROM request_logs", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 40);
    let journal: String = file
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(journal, "wal");
    // A new history file has larger pages than the database file (`attach_sqlx`).
    let page_size = |c: &rusqlite::Connection| -> i64 {
        c.query_row("PRAGMA page_size", [], |r| r.get(0)).unwrap()
    };
    assert_eq!(page_size(&file), 16_384);
    let main = rusqlite::Connection::open(history.with_file_name("asteri.db")).unwrap();
    let tables: i64 = main
        .query_row(
            "SELECT count(*) FROM sqlite_master WHERE tbl_name = 'request_logs'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(tables, 0);
    assert_eq!(page_size(&main), 4_096);
}

#[tokio::test]
async fn the_migration_moves_existing_rows_both_ways_and_finishes_a_cut_move() {
    let (_dir, store, history) = migrated().await;
    let org = OrgId::new("org_moved");
    request_logs::insert_batch(&store, many(&org, "f", 50))
        .await
        .unwrap();
    let before = read_back(&store, &org).await;
    assert_eq!(before.len(), 50);

    Migrator::down(store.conn(), Some(1)).await.unwrap();
    assert_eq!(read_back(&store, &org).await, before);
    if history.is_some() {
        assert_eq!(rows_in(&store, "main").await, Some(50));
        assert_eq!(rows_in(&store, "history").await, None);

        // A move cut by a crash: the history file's commit landed (its table, with the
        // first 20 rows), the database file's did not (the table still there, whole).
        let sql: String = sql_one(
            &store,
            "SELECT sql FROM main.sqlite_master WHERE name = 'request_logs'",
        )
        .await
        .unwrap()
        .try_get("", "sql")
        .unwrap();
        let create = sql.replacen(
            "CREATE TABLE \"request_logs\"",
            "CREATE TABLE history.\"request_logs\"",
            1,
        );
        assert_ne!(create, sql, "{sql}");
        store.execute_unprepared(&create).await.unwrap();
        store
            .execute_unprepared(
                "INSERT INTO history.request_logs SELECT * FROM main.request_logs \
                 ORDER BY id LIMIT 20",
            )
            .await
            .unwrap();
    }

    Migrator::up(store.conn(), None).await.unwrap();
    assert_eq!(read_back(&store, &org).await, before);
    if history.is_some() {
        assert_eq!(rows_in(&store, "main").await, None);
        assert_eq!(rows_in(&store, "history").await, Some(50));
    }
    // New rows keep going where the reads look.
    let org2 = OrgId::new("org_after");
    request_logs::insert_batch(&store, many(&org2, "f", 3))
        .await
        .unwrap();
    assert_eq!(read_back(&store, &org2).await.len(), 3);
}

#[tokio::test]
async fn an_in_memory_database_keeps_its_history_in_itself() {
    let store = Store::connect("sqlite::memory:").await.unwrap();
    store.migrate().await.unwrap();
    let org = OrgId::new("org_memory");
    request_logs::insert_batch(&store, many(&org, "f", 3))
        .await
        .unwrap();
    assert_eq!(read_back(&store, &org).await.len(), 3);
    assert_eq!(rows_in(&store, "main").await, Some(3));
    let attached = sql_one(
        &store,
        "SELECT 1 AS n FROM pragma_database_list WHERE name = 'history'",
    );
    assert!(attached.await.is_none());
    // No file was made for it: sqlx names an in-memory database `file:sqlx-in-memory-N`.
    let strays: Vec<_> = std::fs::read_dir(".")
        .unwrap()
        .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
        .filter(|name| name.contains("sqlx-in-memory"))
        .collect();
    assert_eq!(strays, Vec::<String>::new());
}

/// The POSIX locks this process holds on `file`, as the kernel lists them (`/proc/locks`:
/// `id: POSIX ADVISORY READ|WRITE pid major:minor:inode start end`).
#[cfg(target_os = "linux")]
pub(crate) fn locks_held_on(file: &std::path::Path) -> Vec<String> {
    use std::os::unix::fs::MetadataExt as _;
    let meta = std::fs::metadata(file).unwrap();
    let dev = meta.dev();
    // glibc's `major()` and `minor()` of a `dev_t`.
    let (major, minor) = (
        ((dev >> 8) & 0xfff) | ((dev >> 32) & !0xfff),
        (dev & 0xff) | ((dev >> 12) & !0xff),
    );
    let id = format!("{major:02x}:{minor:02x}:{}", meta.ino());
    let pid = std::process::id().to_string();
    std::fs::read_to_string("/proc/locks")
        .unwrap()
        .lines()
        .filter(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            fields.get(1) == Some(&"POSIX")
                && fields.get(4) == Some(&pid.as_str())
                && fields.get(5) == Some(&id.as_str())
        })
        .map(str::to_owned)
        .collect()
}

/// SQLite keeps a SHARED lock on a WAL database file for as long as a connection has it
/// open; a `close()` of any other descriptor of the file would end it for the whole
/// process (`history_file::create_if_missing`), and another process closing the history
/// would then delete its WAL under this one. So the lock must survive the pool opening
/// more connections, each of which attaches the file.
#[cfg(target_os = "linux")]
#[tokio::test]
async fn the_process_keeps_its_lock_on_the_history_file_as_connections_open() {
    use sea_orm::TransactionTrait as _;
    let (_dir, store, history) = migrated().await;
    let Some(history) = history else {
        return; // PostgreSQL: no file.
    };
    let org = OrgId::new("org_locked");
    request_logs::insert_batch(&store, many(&org, "f", 5))
        .await
        .unwrap();
    assert_eq!(read_back(&store, &org).await.len(), 5);
    assert!(
        !locks_held_on(&history).is_empty(),
        "no lock after the first reads"
    );

    // Four transactions at once: the pool (one connection at the start) opens new ones.
    let count = Statement::from_string(DbBackend::Sqlite, "SELECT count(*) AS n FROM request_logs");
    let mut open = Vec::new();
    for _ in 0..4 {
        let txn = store.conn().begin().await.unwrap();
        let n: i64 = txn
            .query_one_raw(count.clone())
            .await
            .unwrap()
            .unwrap()
            .try_get("", "n")
            .unwrap();
        assert_eq!(n, 5);
        open.push(txn);
    }
    let held = locks_held_on(&history);
    assert!(
        !held.is_empty(),
        "the history file's lock was dropped as connections opened"
    );
    for txn in open {
        txn.commit().await.unwrap();
    }
    // Rows written after the new connections still land where another process looks.
    request_logs::insert_batch(&store, many(&org, "g", 2))
        .await
        .unwrap();
    let file = rusqlite::Connection::open(&history).unwrap();
    let n: i64 = file
        .query_row("SELECT count(*) FROM request_logs", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 7);
    assert!(!locks_held_on(&history).is_empty());
}
