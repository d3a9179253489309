//! The request history's batches off sqlx (`storage::batch_writes`, SQLite files only): a
//! batch written there is stored byte for byte as sqlx stores it, reads back as it went in,
//! and a batch it cannot write goes through sqlx whole, never half and never twice.

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, Statement};
use storage::{
    Db, OrgId, PageQuery, Store,
    request_logs::{self, RequestLog, RequestLogFilter},
};

use crate::helpers::own_database_url;

/// Values at the edges of each column's type: unicode, quotes and control characters in
/// text, empty text, the widest integers, and times at whole seconds, milli- and
/// microseconds (PostgreSQL keeps microseconds).
fn rows(org: &OrgId, tag: &str) -> Vec<RequestLog> {
    let times: [DateTime<Utc>; 3] = [
        "2026-12-03T04:00:00Z".parse().unwrap(),
        "2026-12-03T04:00:00.120Z".parse().unwrap(),
        "2026-12-03T04:00:00.123456Z".parse().unwrap(),
    ];
    times
        .into_iter()
        .enumerate()
        .map(|(i, created_at)| RequestLog {
            id: request_logs::new_log_id(),
            organization_id: org.as_str().to_owned(),
            request_id: format!("req_{tag}_{i}"),
            method: ["GET", "POST", ""][i].to_owned(),
            path: format!("/api/public/v1/customers/cus_{i}?q=\u{e9}t\u{e9}&x='\""),
            status_code: [200, i32::MAX, 0][i],
            duration_ms: [0, i64::MAX, 7][i],
            ip: ["127.0.0.1", "::1", ""][i].to_owned(),
            key_id: ["key_a", "", "key_\u{1f600}"][i].to_owned(),
            request_body: ["", "{\"name\":\"Ren\u{e9}e\"}", "tab\tline\n"][i].to_owned(),
            response_body: "x".repeat([0, 1, 9_000][i]),
            created_at,
        })
        .collect()
}

/// Every stored value of the organization's rows as SQLite shows it (`typeof` and `quote`),
/// the row id left out (it differs between two inserts of the same values), by request id.
async fn stored(store: &Store, org: &OrgId) -> Vec<Vec<String>> {
    const COLUMNS: [&str; 11] = [
        "organization_id",
        "request_id",
        "method",
        "path",
        "status_code",
        "duration_ms",
        "ip",
        "key_id",
        "request_body",
        "response_body",
        "created_at",
    ];
    let select = COLUMNS
        .iter()
        .map(|c| format!("typeof({c}) || ':' || quote({c}) AS {c}"))
        .collect::<Vec<_>>()
        .join(", ");
    let rows = store
        .conn()
        .query_all_raw(Statement::from_sql_and_values(
            sea_orm::DbBackend::Sqlite,
            format!(
                "SELECT {select} FROM request_logs WHERE organization_id = ? ORDER BY request_id"
            ),
            [org.as_str().into()],
        ))
        .await
        .unwrap();
    rows.iter()
        .map(|row| {
            COLUMNS
                .iter()
                .map(|c| row.try_get::<String>("", c).unwrap())
                .collect()
        })
        .collect()
}

pub(crate) async fn read_back(store: &Store, org: &OrgId) -> Vec<RequestLog> {
    let query = PageQuery {
        limit: 100,
        starting_after: None,
    };
    let mut page = request_logs::list(store, org, &RequestLogFilter::default(), &query)
        .await
        .unwrap()
        .items;
    page.sort_by(|a, b| a.request_id.cmp(&b.request_id));
    page
}

/// A migrated store on a database of its own (kept while the folder lives).
pub(crate) async fn migrated() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::connect(&own_database_url(&dir).await).await.unwrap();
    store.migrate().await.unwrap();
    (dir, store)
}

/// `batch` is written, reads back as it went in, and the SQLite counters then read `stats`
/// (rows written here, batches handed to sqlx).
async fn written_whole(store: &Store, org: &OrgId, batch: Vec<RequestLog>, stats: (u64, u64)) {
    request_logs::insert_batch(store, batch.clone())
        .await
        .unwrap();
    assert_eq!(read_back(store, org).await, batch);
    if let Some(s) = store.batch_write_stats() {
        assert_eq!((s.rows, s.fell_back), stats, "{s:?}");
    }
}

/// `batch` is refused, not as unavailable, and none of it is kept; the SQLite counters
/// then read `stats`.
async fn refused_whole(store: &Store, org: &OrgId, batch: Vec<RequestLog>, stats: (u64, u64)) {
    let err = request_logs::insert_batch(store, batch).await.unwrap_err();
    assert!(!err.is_unavailable(), "{err:?}");
    assert_eq!(read_back(store, org).await, []);
    if let Some(s) = store.batch_write_stats() {
        assert_eq!((s.rows, s.fell_back), stats, "{s:?}");
    }
}

#[tokio::test]
async fn a_batch_is_stored_as_sqlx_stores_it() {
    let (_dir, store) = migrated().await;
    let (here, through_sqlx) = (OrgId::new("org_here"), OrgId::new("org_sqlx"));
    let written = rows(&here, "a");
    request_logs::insert_batch(&store, written.clone())
        .await
        .unwrap();
    request_logs::insert_batch(&store.sqlx_only(), rows(&through_sqlx, "a"))
        .await
        .unwrap();

    // What went in is what comes out, on either database.
    assert_eq!(read_back(&store, &here).await, written);
    let Some(stats) = store.batch_write_stats() else {
        // PostgreSQL: every batch is one multi-row statement through sqlx.
        assert!(store.is_postgres());
        return;
    };
    assert_eq!((stats.rows, stats.fell_back), (3, 0), "{stats:?}");
    let (ours, sqlx) = (
        stored(&store, &here).await,
        stored(&store, &through_sqlx).await,
    );
    assert_eq!(ours.len(), 3);
    for (a, b) in ours.iter().zip(&sqlx) {
        // The organization differs by construction; every other value to the byte.
        assert_eq!(a[1..], b[1..]);
    }
    assert_eq!(ours[1][10], "text:'2026-12-03T04:00:00.120+00:00'");
}

#[tokio::test]
async fn a_batch_that_fails_here_goes_through_sqlx_whole_or_not_at_all() {
    let (_dir, store) = migrated().await;
    let org = OrgId::new("org_fails");
    // The third row repeats the first's id: the batch breaks the primary key after two
    // rows were inserted, here and then through sqlx.
    let mut batch = rows(&org, "b");
    batch[2].id = batch[0].id.clone();
    refused_whole(&store, &org, batch, (0, 1)).await;

    // The connection is fine afterwards: the next batch is written here.
    written_whole(&store, &org, rows(&org, "c"), (3, 1)).await;
}

/// More rows than one multi-row statement holds (`storage::batch_writes::CHUNK`, 32): two
/// whole statements and a rest of single rows, all in the batch's one transaction.
pub(crate) fn many(org: &OrgId, tag: &str, n: usize) -> Vec<RequestLog> {
    (0..n)
        .map(|i| {
            let mut row = rows(org, tag)[i % 3].clone();
            row.id = request_logs::new_log_id();
            row.request_id = format!("req_{tag}_{i:03}");
            row
        })
        .collect()
}

#[tokio::test]
async fn a_batch_longer_than_one_statement_is_stored_whole_or_not_at_all() {
    let (_dir, store) = migrated().await;
    let org = OrgId::new("org_many");
    written_whole(&store, &org, many(&org, "m", 70), (70, 0)).await;

    // A broken row inside the second statement: nothing of the batch is kept, neither the
    // first statement's rows nor the rest, here or through sqlx.
    let other = OrgId::new("org_many_broken");
    let mut broken = many(&other, "n", 70);
    broken[40].id = broken[3].id.clone();
    refused_whole(&store, &other, broken, (70, 1)).await;
}
