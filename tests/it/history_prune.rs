//! Retention: `request_logs::prune` deletes exactly the rows older than the cutoff, of
//! every organization in the history (also one no longer in `organizations`), and on
//! SQLite each of its statements is an index search, never a scan of the table (the
//! history has no index on `created_at` alone).

use chrono::{Duration, Utc};
use sea_orm::{ConnectionTrait, Statement};
use storage::{
    Db, OrgId, PageQuery, Store,
    request_logs::{self, RequestLog, RequestLogFilter},
};

use crate::helpers::own_database_url;

const ORGS: [&str; 3] = ["org_a", "org_b", "org_gone"];

#[tokio::test]
async fn pruning_deletes_the_older_rows_of_every_organization() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::connect(&own_database_url(&dir).await).await.unwrap();
    store.migrate().await.unwrap();
    let now = storage::now();
    let ages = [40, 31, 1, 0];
    let mut batch = Vec::new();
    for org in ORGS {
        for days in ages {
            batch.push(RequestLog {
                id: request_logs::new_log_id(),
                organization_id: org.to_owned(),
                request_id: format!("req_{org}_{days}"),
                method: "GET".to_owned(),
                path: "/api/public/v1/customers".to_owned(),
                status_code: 200,
                duration_ms: 1,
                ip: "127.0.0.1".to_owned(),
                key_id: String::new(),
                request_body: String::new(),
                response_body: String::new(),
                created_at: now - Duration::days(days),
            });
        }
    }
    request_logs::insert_batch(&store, batch).await.unwrap();

    let cutoff = now - Duration::days(30);
    assert_eq!(request_logs::prune(&store, cutoff).await.unwrap(), 6);
    assert_eq!(request_logs::count_all(&store).await.unwrap(), 6);
    let query = PageQuery {
        limit: 100,
        starting_after: None,
    };
    for org in ORGS {
        let page = request_logs::list(
            &store,
            &OrgId::new(org),
            &RequestLogFilter::default(),
            &query,
        )
        .await
        .unwrap();
        let mut kept: Vec<String> = page.items.into_iter().map(|l| l.request_id).collect();
        kept.sort();
        assert_eq!(kept, [format!("req_{org}_0"), format!("req_{org}_1")]);
    }
    // Nothing older is left: a second pass deletes nothing, an empty history neither.
    assert_eq!(request_logs::prune(&store, cutoff).await.unwrap(), 0);
    assert_eq!(request_logs::prune(&store, Utc::now()).await.unwrap(), 6);
    assert_eq!(request_logs::prune(&store, Utc::now()).await.unwrap(), 0);

    if store.is_postgres() {
        return;
    }
    // SQLite's plans for the two statements pruning runs.
    for sql in [
        "SELECT MIN(organization_id) FROM request_logs WHERE organization_id > ?",
        "DELETE FROM request_logs WHERE organization_id = ? AND created_at < ?",
    ] {
        let rows = store
            .conn()
            .query_all_raw(Statement::from_sql_and_values(
                sea_orm::DbBackend::Sqlite,
                format!("EXPLAIN QUERY PLAN {sql}"),
                ["org_a".into(), "x".into()][..sql.matches('?').count()].to_vec(),
            ))
            .await
            .unwrap();
        let plan: Vec<String> = rows
            .iter()
            .map(|r| r.try_get::<String>("", "detail").unwrap())
            .collect();
        assert!(
            plan.iter().all(|line| line.starts_with("SEARCH")),
            "{sql}: {plan:?}"
        );
    }
}
