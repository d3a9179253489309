//! Request history written by the gateway in batches, read per organization.

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Select};

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

/// Stores a batch in one statement. Logs are not tenant writes: they carry their own
/// organization ids and are not audited.
pub async fn insert_batch(db: &impl Db, logs: Vec<RequestLog>) -> Result<()> {
    use sea_orm::IntoActiveModel;
    if logs.is_empty() {
        return Ok(());
    }
    Entity::insert_many(logs.into_iter().map(IntoActiveModel::into_active_model))
        .exec(db.conn())
        .await?;
    Ok(())
}

#[derive(Clone, Debug, Default)]
pub struct RequestLogFilter {
    pub status_code: Option<i32>,
    pub method: Option<String>,
    pub key_id: Option<String>,
    pub created_after: Option<DateTime<Utc>>,
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
    select
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
pub async fn prune(db: &impl Db, before: DateTime<Utc>) -> Result<u64> {
    Ok(Entity::delete_many()
        .filter(Column::CreatedAt.lt(before))
        .exec(db.conn())
        .await?
        .rows_affected)
}

/// How many rows the history holds, every organization's and none's together: what an
/// operator (and the flood tests) compare with the traffic that was served.
pub async fn count_all(db: &impl Db) -> Result<u64> {
    use sea_orm::PaginatorTrait;
    Ok(Entity::find().count(db.conn()).await?)
}
