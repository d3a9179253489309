//! `m20261203_000016_history_keyed_by_organization` rebuilds the request history with the
//! primary key `(organization_id, id)`: the rows of a history made before it come through
//! unchanged (also back down and up again), the key holds, and the table ends with exactly
//! the indexes its queries use (none on `id` alone), on SQLite and PostgreSQL.

use chrono::Duration;
use migrations::{Migrator, MigratorTrait};
use sea_orm::{ConnectionTrait, Statement};
use storage::{
    Db, OrgId, PageQuery, Store,
    request_logs::{self, RequestLog, RequestLogFilter},
};

use crate::helpers::own_database_url;

/// The migrations before the one under test.
const BEFORE: u32 = 15;
const ORGS: [&str; 2] = ["org_a", "org_b"];

fn log(org: &str, n: i64) -> RequestLog {
    RequestLog {
        id: request_logs::new_log_id(),
        organization_id: org.to_owned(),
        request_id: format!("req_{org}_{n}"),
        method: if n % 2 == 0 { "GET" } else { "POST" }.to_owned(),
        path: format!("/api/public/v1/customers?n={n}"),
        status_code: 200 + n as i32,
        duration_ms: n * 1_000_000_007,
        ip: "203.0.113.9".to_owned(),
        key_id: format!("key_{n}"),
        request_body: format!("{{\"n\":{n},\"name\":\"O'Brien \\u00e9\"}}"),
        response_body: "é ✓ \"quoted\"".repeat(n as usize),
        created_at: storage::now() - Duration::microseconds(n * 1_234_567),
    }
}

async fn history(store: &Store) -> Vec<RequestLog> {
    let mut all = Vec::new();
    for org in ORGS {
        let page = request_logs::list(
            store,
            &OrgId::new(org),
            &RequestLogFilter::default(),
            &PageQuery {
                limit: 100,
                starting_after: None,
            },
        )
        .await
        .unwrap();
        all.extend(page.items);
    }
    all
}

/// The table's indexes by name (SQLite names the primary key's own `sqlite_autoindex_...`).
async fn indexes(store: &Store) -> Vec<String> {
    names(
        store,
        "SELECT indexname AS name FROM pg_indexes WHERE tablename = 'request_logs' ORDER BY 1",
        "SELECT name FROM pragma_index_list('request_logs') ORDER BY 1",
    )
    .await
}

/// The columns of the primary key, in order.
async fn primary_key(store: &Store) -> Vec<String> {
    names(
        store,
        "SELECT a.attname AS name FROM pg_index i \
         JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) \
         WHERE i.indrelid = 'request_logs'::regclass AND i.indisprimary \
         ORDER BY array_position(i.indkey::int2[], a.attnum)",
        "SELECT name FROM pragma_table_info('request_logs') WHERE pk > 0 ORDER BY pk",
    )
    .await
}

/// The `name` column of the backend's query.
async fn names(store: &Store, postgres: &str, sqlite: &str) -> Vec<String> {
    let sql = if store.is_postgres() {
        postgres
    } else {
        sqlite
    };
    let conn = store.conn();
    conn.query_all_raw(Statement::from_string(conn.get_database_backend(), sql))
        .await
        .unwrap()
        .iter()
        .map(|row| row.try_get::<String>("", "name").unwrap())
        .collect()
}

fn named(names: &[&str]) -> Vec<String> {
    let mut names: Vec<String> = names.iter().map(|n| (*n).to_owned()).collect();
    names.sort();
    names
}

#[tokio::test]
async fn the_history_is_rebuilt_with_its_rows_and_the_organizations_key() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::connect(&own_database_url(&dir).await).await.unwrap();
    Migrator::up(store.conn(), Some(BEFORE)).await.unwrap();
    assert_eq!(primary_key(&store).await, ["id"]);
    let rows: Vec<RequestLog> = ORGS
        .iter()
        .flat_map(|org| (0..4).map(|n| log(org, n)))
        .collect();
    request_logs::insert_batch(&store, rows.clone())
        .await
        .unwrap();
    let before = history(&store).await;
    assert_eq!(before.len(), rows.len());

    let filters = [
        "idx_request_logs_org_request",
        "idx_request_logs_org_status",
        "idx_request_logs_org_method",
        "idx_request_logs_org_key",
        "idx_request_logs_org_created",
    ];
    let (old_key, new_key) = if store.is_postgres() {
        ("request_logs_pkey", "pk_request_logs")
    } else {
        (
            "sqlite_autoindex_request_logs_1",
            "sqlite_autoindex_request_logs_1",
        )
    };
    for round in 0..2 {
        // This migration alone: the next moves the table to its own file on SQLite
        // (`tests/it/history_file.rs`).
        Migrator::up(store.conn(), Some(1)).await.unwrap();
        assert_eq!(history(&store).await, before, "round {round}: rows changed");
        assert_eq!(primary_key(&store).await, ["organization_id", "id"]);
        let mut expected = filters.to_vec();
        expected.push(new_key);
        assert_eq!(indexes(&store).await, named(&expected), "round {round}");
        // The key holds: the same row twice is refused, and nothing is half written.
        let again = vec![log("org_a", 9), rows[0].clone()];
        request_logs::insert_batch(&store, again).await.unwrap_err();
        assert_eq!(history(&store).await, before);

        Migrator::down(store.conn(), Some(1)).await.unwrap();
        assert_eq!(history(&store).await, before, "round {round}: down");
        assert_eq!(primary_key(&store).await, ["id"]);
        let mut expected = filters.to_vec();
        expected.extend([old_key, "idx_request_logs_org_id"]);
        assert_eq!(
            indexes(&store).await,
            named(&expected),
            "round {round}: down"
        );
    }
    Migrator::up(store.conn(), None).await.unwrap();
    assert!(store.ready().await.is_ok());
}
