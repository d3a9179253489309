//! Request history written by the gateway in batches, read per organization.

use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, FromQueryResult, QueryFilter, QueryOrder,
    QuerySelect, Select,
    sea_query::{Expr, ExprTrait as _, Func},
};

pub use crate::entities::request_logs::Model as RequestLog;
use crate::{
    Db, OrgId, Page, PageQuery, Result,
    entities::request_logs::{Column, Entity},
    ids::new_id,
    tenant::{page, scoped},
};

pub const ID_PREFIX: &str = "rl";

/// A new log row's id.
pub fn new_log_id() -> String {
    new_id(ID_PREFIX)
}

/// Stores a batch. Logs are not tenant writes: they carry their own organization ids and are
/// not audited.
///
/// On PostgreSQL a batch is one multi-row statement: one round trip. On SQLite, in process,
/// statements cost no round trip but a new statement text costs a parse: a multi-row INSERT of
/// every batch size is a statement of its own, and a profile of the hot-path benchmark put 5%
/// of a REST GET's instructions in SQLite parsing them (batches of a few dozen rows, rarely
/// the same size twice). So SQLite inserts a batch in chunks of power-of-two sizes up to
/// [`MAX_CHUNK`] (seven statement texts, prepared once per connection and kept in its cache), in
/// one transaction, so that the batch still commits once and whole.
///
/// On a SQLite file, a batch is first offered to [`crate::batch_writes`] (one prepared
/// single-row statement stepped per row, off sqlx), and comes here only if that path
/// declines it.
pub async fn insert_batch(store: &crate::Store, mut logs: Vec<RequestLog>) -> Result<()> {
    if logs.is_empty() {
        return Ok(());
    }
    logs.iter_mut().for_each(without_nul);
    let Some(writes) = store.batch_writes().cloned() else {
        return insert_batch_sqlx(store, logs).await;
    };
    // The rows go to the blocking thread and come back, to go through sqlx if it declined
    // them (a panic there loses the batch: reported as an error, as a failed insert is).
    let (logs, written) = tokio::task::spawn_blocking(move || {
        let written = writes.insert_request_logs(&logs);
        (logs, written)
    })
    .await?;
    match written {
        Ok(()) => Ok(()),
        Err(crate::batch_writes::Fallback) => insert_batch_sqlx(store, logs).await,
    }
}

/// PostgreSQL's `text` cannot hold U+0000: one such character fails the statement, and with
/// it every record of the batch. A request body may carry one, so every backend stores it as
/// U+FFFD, the replacement character that a body's invalid UTF-8 already becomes: one
/// request cannot cost others their records, and the history reads the same everywhere.
fn without_nul(log: &mut RequestLog) {
    for text in [
        &mut log.id,
        &mut log.organization_id,
        &mut log.request_id,
        &mut log.method,
        &mut log.path,
        &mut log.ip,
        &mut log.key_id,
        &mut log.request_body,
        &mut log.response_body,
    ] {
        if text.contains('\0') {
            *text = text.replace('\0', "\u{FFFD}");
        }
    }
}

async fn insert_batch_sqlx(store: &crate::Store, logs: Vec<RequestLog>) -> Result<()> {
    use sea_orm::{IntoActiveModel, TransactionTrait};
    let insert = |rows: Vec<RequestLog>| {
        Entity::insert_many(rows.into_iter().map(IntoActiveModel::into_active_model))
    };
    let chunks = chunk_sizes(logs.len());
    if store.conn().get_database_backend() != DbBackend::Sqlite || chunks.len() == 1 {
        insert(logs).exec(store.conn()).await?;
        return Ok(());
    }
    let tx = store
        .conn()
        .begin_with_options(sea_orm::TransactionOptions {
            sqlite_transaction_mode: Some(sea_orm::SqliteTransactionMode::Immediate),
            ..Default::default()
        })
        .await?;
    let mut rows = logs.into_iter();
    for size in chunks {
        insert(rows.by_ref().take(size).collect()).exec(&tx).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// The most rows one chunk of [`insert_batch`] holds on SQLite (12 values a row: well within
/// SQLite's 32,766 variables).
const MAX_CHUNK: usize = 64;

/// `n` as a sum of chunks: as many [`MAX_CHUNK`]s as fit, then the binary digits of the rest,
/// largest first (`100` is `64 + 32 + 4`).
fn chunk_sizes(n: usize) -> Vec<usize> {
    let mut sizes = vec![MAX_CHUNK; n / MAX_CHUNK];
    let rest = n % MAX_CHUNK;
    let mut bit = MAX_CHUNK / 2;
    while bit > 0 {
        if rest & bit != 0 {
            sizes.push(bit);
        }
        bit /= 2;
    }
    sizes
}

#[derive(Clone, Debug, Default)]
pub struct RequestLogFilter {
    pub status_code: Option<i32>,
    pub method: Option<String>,
    pub key_id: Option<String>,
    pub created_after: Option<DateTime<Utc>>,
    /// Only requests made before this time.
    pub created_before: Option<DateTime<Utc>>,
    /// Only requests whose stored path starts with this (the caller makes sure it holds no
    /// `?`, so that it can only match the path before the query string).
    pub path_prefix: Option<String>,
}

pub async fn list(
    db: &impl Db,
    org: &OrgId,
    filter: &RequestLogFilter,
    q: &PageQuery,
) -> Result<Page<RequestLog>> {
    Ok(page(db.conn(), select(org, filter), q).await?)
}

/// The database's plan for [`list`] (see [`crate::tenant::explain_page`]): each filter is
/// one range scan of an index of `m20261202_000010_history_filter_indexes`.
#[doc(hidden)]
pub async fn explain_list(
    db: &impl Db,
    org: &OrgId,
    filter: &RequestLogFilter,
    q: &PageQuery,
) -> Result<Vec<String>> {
    Ok(crate::tenant::explain_page(db.conn(), select(org, filter), q).await?)
}

fn select(org: &OrgId, filter: &RequestLogFilter) -> Select<Entity> {
    let mut select = scoped::<Entity>(org);
    if let Some(v) = filter.status_code {
        select = select.filter(Column::StatusCode.eq(v));
    }
    if let Some(v) = &filter.method {
        select = select.filter(Column::Method.eq(v.to_ascii_uppercase()));
    }
    if let Some(v) = &filter.key_id {
        select = select.filter(Column::KeyId.eq(v.as_str()));
    }
    if let Some(v) = filter.created_after {
        select = select.filter(Column::CreatedAt.gte(v));
    }
    if let Some(v) = filter.created_before {
        select = select.filter(Column::CreatedAt.lt(v));
    }
    if let Some(prefix) = filter.path_prefix.as_deref().filter(|p| !p.is_empty()) {
        select = select.filter(path_starts_with(prefix));
    }
    select
}

/// `substr(path, 1, <characters of prefix>) = prefix`: an exact, case-sensitive prefix test
/// that reads the same on both databases and needs no escaping.
///
/// The alternatives were worse: `LIKE 'prefix%'` needs `%`, `_` and the escape character
/// escaped, and SQLite's LIKE ignores ASCII case ("/API" would match "/api"); a range
/// `path >= p AND path < successor(p)` is a prefix test only under a byte-order collation,
/// which SQLite has but a PostgreSQL database created with a linguistic one
/// (`en_US.UTF-8`) does not. Equality is byte-wise under every deterministic collation.
/// `substr` counts characters on both (SQLite on TEXT, PostgreSQL in UTF-8).
///
/// No index serves it, deliberately: a B-tree on `path` would refuse any row whose path
/// with its query string passed PostgreSQL's index entry limit (about 2.7 kB), failing the
/// history batch it came in. The filter is read along the organization's keyset (or the
/// index of another filter it is combined with), stopping at a page of matches.
fn path_starts_with(prefix: &str) -> sea_orm::sea_query::SimpleExpr {
    let chars = i32::try_from(prefix.chars().count()).unwrap_or(i32::MAX);
    Expr::expr(
        Func::cust("substr")
            .arg(Expr::col(Column::Path))
            .arg(1)
            .arg(chars),
    )
    .eq(prefix)
}

/// Requests of one key in one UTC hour.
#[derive(Clone, Debug, PartialEq, Eq, FromQueryResult)]
pub struct KeyUsage {
    pub key_id: String,
    /// Hours since the Unix epoch: the bucket's start is `hour * 3600` seconds.
    pub hour: i64,
    pub requests: i64,
    /// Answered with a status of 400 or more (429s included).
    pub errors: i64,
    /// Answered 429.
    pub rate_limited: i64,
}

/// The hour (since the epoch) of `created_at`, by backend: the column is TEXT in RFC 3339
/// on SQLite (as sqlx writes it; `strftime` reads the offset) and `timestamptz` on
/// PostgreSQL (`extract(epoch ...)` is absolute, whatever the session's time zone). Both
/// give an integer, which decodes the same way from either.
fn hour_expr(backend: DbBackend) -> &'static str {
    match backend {
        DbBackend::Postgres => "CAST(floor(extract(epoch FROM created_at) / 3600) AS BIGINT)",
        _ => "CAST(strftime('%s', created_at) AS INTEGER) / 3600",
    }
}

/// Requests, errors and 429s per key and UTC hour since `since`, oldest hour first, for
/// the requests made with a key (optionally one key). Grouped by the database: one row per
/// key and hour that saw a request, read through `(organization_id, created_at, id)`.
pub async fn key_usage(
    db: &impl Db,
    org: &OrgId,
    since: DateTime<Utc>,
    key_id: Option<&str>,
) -> Result<Vec<KeyUsage>> {
    let hour = hour_expr(db.conn().get_database_backend());
    let mut select = scoped::<Entity>(org)
        .select_only()
        .column(Column::KeyId)
        .column_as(Expr::cust(hour), "hour")
        .column_as(Expr::cust("COUNT(*)"), "requests")
        .column_as(
            Expr::cust("SUM(CASE WHEN status_code >= 400 THEN 1 ELSE 0 END)"),
            "errors",
        )
        .column_as(
            Expr::cust("SUM(CASE WHEN status_code = 429 THEN 1 ELSE 0 END)"),
            "rate_limited",
        )
        .filter(Column::CreatedAt.gte(since))
        .filter(Column::KeyId.ne(""));
    if let Some(key_id) = key_id {
        select = select.filter(Column::KeyId.eq(key_id));
    }
    Ok(select
        .group_by(Column::KeyId)
        .group_by(Expr::cust(hour))
        .order_by_asc(Expr::cust(hour))
        .order_by_asc(Column::KeyId)
        .into_model::<KeyUsage>()
        .all(db.conn())
        .await?)
}

/// The latest log of a request id (callers may reuse their own request ids).
pub async fn get(db: &impl Db, org: &OrgId, request_id: &str) -> Result<Option<RequestLog>> {
    Ok(scoped::<Entity>(org)
        .filter(Column::RequestId.eq(request_id))
        .order_by_desc(Column::Id)
        .one(db.conn())
        .await?)
}

/// Deletes logs older than `before`; returns how many.
///
/// Organization by organization, each a range of `(organization_id, created_at, id)`: the
/// history has no index on `created_at` alone (every row would pay for it; see
/// `m20261203_000015_history_prune_by_organization`). The organizations are found in the
/// history itself, one index seek each (`MIN(organization_id)` above the last one), so that
/// rows of any organization id are pruned, whether or not it is still in `organizations`.
pub async fn prune(db: &impl Db, before: DateTime<Utc>) -> Result<u64> {
    let mut deleted = 0;
    let mut last: Option<String> = None;
    loop {
        let mut next = Entity::find()
            .select_only()
            .column_as(Expr::col(Column::OrganizationId).min(), "organization_id");
        if let Some(last) = &last {
            next = next.filter(Column::OrganizationId.gt(last.as_str()));
        }
        let Some(Some(org)) = next.into_tuple::<Option<String>>().one(db.conn()).await? else {
            return Ok(deleted);
        };
        deleted += Entity::delete_many()
            .filter(Column::OrganizationId.eq(org.as_str()))
            .filter(Column::CreatedAt.lt(before))
            .exec(db.conn())
            .await?
            .rows_affected;
        last = Some(org);
    }
}

/// How many rows the history holds, every organization's and none's together: what an
/// operator (and the flood tests) compare with the traffic that was served.
pub async fn count_all(db: &impl Db) -> Result<u64> {
    use sea_orm::PaginatorTrait;
    Ok(Entity::find().count(db.conn()).await?)
}

#[cfg(test)]
mod tests {
    use super::{MAX_CHUNK, chunk_sizes};

    #[test]
    fn chunks_add_up_and_use_few_statement_shapes() {
        for n in 1..=1_000 {
            let sizes = chunk_sizes(n);
            assert_eq!(sizes.iter().sum::<usize>(), n, "{n}");
            assert!(sizes.iter().all(|s| s.is_power_of_two() && *s <= MAX_CHUNK));
            assert!(sizes.windows(2).all(|w| w[0] >= w[1]), "{n}: {sizes:?}");
        }
        assert_eq!(chunk_sizes(100), [64, 32, 4]);
        assert_eq!(chunk_sizes(64), [64]);
        assert_eq!(chunk_sizes(1), [1]);
    }
}
