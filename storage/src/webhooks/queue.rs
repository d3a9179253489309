//! The delivery queue: one row per event x endpoint, written in the transaction of the
//! change that raised the event (so a committed change always reaches its endpoints), and
//! claimed by workers.
//!
//! Claiming is the one query in this crate that is not scoped to an organization: a worker
//! serves every tenant. It takes due rows with `FOR UPDATE SKIP LOCKED` on PostgreSQL, so
//! several workers share the queue without waiting on each other or taking a row twice, and
//! stamps them with a lease (`locked_until`, `locked_by`): a worker that dies loses its rows
//! when the lease runs out, one that stops releases them. Everything after the claim
//! addresses rows by organization and id.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, Statement, TransactionTrait,
    sea_query::{Expr, ExprTrait as _},
};

pub use crate::entities::webhook_deliveries::Model as Delivery;
use crate::{
    Db, OrgId, Result, Store,
    entities::{
        events, webhook_attempts,
        webhook_deliveries::{Column, Entity},
        webhook_endpoints,
    },
    ids::new_id,
    tenant::scoped,
    webhooks::{ATTEMPT_PREFIX, DELIVERY_PREFIX, Endpoint, catalog},
};

pub const PENDING: &str = "pending";
pub const SUCCEEDED: &str = "succeeded";
pub const FAILED: &str = "failed";
/// A failed delivery that `recover` queued again as a new delivery.
pub const RECOVERED: &str = "recovered";

fn new_delivery(org: &OrgId, endpoint_id: &str, event_id: &str, now: DateTime<Utc>) -> Delivery {
    Delivery {
        id: new_id(DELIVERY_PREFIX),
        organization_id: org.as_str().to_owned(),
        endpoint_id: endpoint_id.to_owned(),
        event_id: event_id.to_owned(),
        status: PENDING.to_owned(),
        attempts: 0,
        next_attempt_at: now,
        locked_until: None,
        locked_by: None,
        created_at: now,
        updated_at: now,
    }
}

async fn insert_all(conn: &impl ConnectionTrait, rows: Vec<Delivery>) -> Result<()> {
    use sea_orm::IntoActiveModel as _;
    if rows.is_empty() {
        return Ok(());
    }
    Entity::insert_many(rows.into_iter().map(|r| r.into_active_model()))
        .exec_without_returning(conn)
        .await?;
    Ok(())
}

/// A delivery with what sending it takes, handed to a worker in this process.
#[derive(Clone, Debug)]
pub struct Ready {
    pub delivery: Delivery,
    pub endpoint: Endpoint,
    pub event: crate::audit::Event,
}

/// A worker of this process that takes the deliveries of each write as it commits, already
/// claimed for it: no claim query, no reload, no poll between a change and its delivery.
/// What it never gets (it stopped, it died) its lease gives back to the queue.
#[derive(Clone, Debug)]
pub struct Handoff {
    pub worker: String,
    pub lease: std::time::Duration,
    pub tx: tokio::sync::mpsc::UnboundedSender<Vec<Ready>>,
}

/// An endpoint subscribed to a write's event, and the id of its delivery when the write's
/// statement already inserted it (on PostgreSQL, always).
#[derive(Debug)]
pub(crate) struct Subscribed {
    pub endpoint: Endpoint,
    pub delivery_id: Option<String>,
}

impl sea_orm::FromQueryResult for Subscribed {
    fn from_query_result(
        res: &sea_orm::QueryResult,
        pre: &str,
    ) -> std::result::Result<Self, sea_orm::DbErr> {
        Ok(Self {
            endpoint: Endpoint::from_query_result(res, pre)?,
            delivery_id: res.try_get(pre, "delivery_id")?,
        })
    }
}

/// The claim a write's deliveries carry when this process has a worker to hand them to.
pub(crate) fn lease(
    event: &crate::audit::Event,
    handoff: Option<&Handoff>,
) -> (Option<String>, Option<DateTime<Utc>>) {
    match handoff {
        Some(h) => (
            Some(h.worker.clone()),
            Some(event.created_at + chrono::Duration::from_std(h.lease).unwrap_or_default()),
        ),
        None => (None, None),
    }
}

/// Queues `event` for the endpoints subscribed to its type (inserting the deliveries the
/// write's statement did not), claimed for this process's worker when it has one. Runs
/// inside the write that records the event. `webhook.test` goes to one endpoint only,
/// never fanned out.
pub(crate) async fn fan_out(
    conn: &impl ConnectionTrait,
    org: &OrgId,
    event: &crate::audit::Event,
    subscribed: Vec<Subscribed>,
    handoff: Option<&Handoff>,
) -> Result<Vec<Ready>> {
    if event.event_type == catalog::TEST_EVENT {
        return Ok(Vec::new());
    }
    let (locked_by, locked_until) = lease(event, handoff);
    let mut missing = Vec::new();
    let ready: Vec<Ready> = subscribed
        .into_iter()
        .map(
            |Subscribed {
                 endpoint,
                 delivery_id,
             }| {
                let mut delivery = new_delivery(org, &endpoint.id, &event.id, event.created_at);
                delivery.locked_by.clone_from(&locked_by);
                delivery.locked_until = locked_until;
                match delivery_id {
                    Some(id) => delivery.id = id,
                    None => missing.push(delivery.clone()),
                }
                Ready {
                    delivery,
                    endpoint,
                    event: event.clone(),
                }
            },
        )
        .collect();
    insert_all(conn, missing).await?;
    Ok(ready)
}

/// Hands the deliveries a write queued (and claimed) to this process's worker once the
/// write committed; if the worker is gone, gives the claims back to the queue at once.
pub(crate) async fn hand_off(store: &Store, handoff: Option<Handoff>, ready: Vec<Ready>) {
    let Some(handoff) = handoff else {
        store.deliveries_queued();
        return;
    };
    if let Err(returned) = handoff.tx.send(ready) {
        let ids: Vec<String> = returned.0.into_iter().map(|r| r.delivery.id).collect();
        if let Err(err) = Entity::update_many()
            .col_expr(
                Column::LockedUntil,
                Expr::value(Option::<DateTime<Utc>>::None),
            )
            .col_expr(Column::LockedBy, Expr::value(Option::<String>::None))
            .filter(Column::Id.is_in(ids))
            .filter(Column::LockedBy.eq(handoff.worker.as_str()))
            .exec(store.conn())
            .await
        {
            // The lease gives them back later.
            tracing::warn!(
                error = &err as &dyn std::error::Error,
                "releasing handed-off deliveries failed"
            );
        }
    }
}

/// Queues one event for the given endpoints (replay, test). With `lock`, the rows are
/// claimed at once by that holder until that time, for a caller that attempts them itself.
pub async fn enqueue(
    store: &Store,
    org: &OrgId,
    event_id: &str,
    endpoint_ids: &[String],
    lock: Option<(&str, DateTime<Utc>)>,
) -> Result<Vec<Delivery>> {
    let now = Utc::now();
    let rows: Vec<Delivery> = endpoint_ids
        .iter()
        .map(|endpoint| {
            let mut row = new_delivery(org, endpoint, event_id, now);
            if let Some((holder, until)) = lock {
                row.locked_by = Some(holder.to_owned());
                row.locked_until = Some(until);
            }
            row
        })
        .collect();
    insert_all(store.conn(), rows.clone()).await?;
    if lock.is_none() && !rows.is_empty() {
        store.deliveries_queued();
    }
    Ok(rows)
}

/// Queues again every failed delivery to `endpoint_id` of an event created at or after
/// `since`, once per event; the failed rows become `recovered`. Returns how many events
/// were queued.
pub async fn recover(
    store: &Store,
    org: &OrgId,
    endpoint_id: &str,
    since: DateTime<Utc>,
) -> Result<usize> {
    let tx = store.conn().begin().await?;
    let failed = scoped::<Entity>(org)
        .filter(Column::EndpointId.eq(endpoint_id))
        .filter(Column::Status.eq(FAILED))
        .all(&tx)
        .await?;
    let mut event_ids: Vec<String> = failed.iter().map(|d| d.event_id.clone()).collect();
    event_ids.sort();
    event_ids.dedup();
    let recent: Vec<String> = if event_ids.is_empty() {
        Vec::new()
    } else {
        scoped::<events::Entity>(org)
            .filter(events::Column::Id.is_in(event_ids))
            .filter(events::Column::CreatedAt.gte(since))
            .all(&tx)
            .await?
            .into_iter()
            .map(|e| e.id)
            .collect()
    };
    if !recent.is_empty() {
        Entity::update_many()
            .col_expr(Column::Status, Expr::value(RECOVERED))
            .col_expr(Column::UpdatedAt, Expr::value(Utc::now()))
            .filter(Column::OrganizationId.eq(org.as_str()))
            .filter(Column::EndpointId.eq(endpoint_id))
            .filter(Column::Status.eq(FAILED))
            .filter(Column::EventId.is_in(recent.clone()))
            .exec(&tx)
            .await?;
        let now = Utc::now();
        let rows = recent
            .iter()
            .map(|event| new_delivery(org, endpoint_id, event, now))
            .collect();
        insert_all(&tx, rows).await?;
    }
    tx.commit().await?;
    if !recent.is_empty() {
        store.deliveries_queued();
    }
    Ok(recent.len())
}

/// Claims up to `limit` due deliveries for `worker` until `until`.
pub async fn claim(
    store: &Store,
    worker: &str,
    now: DateTime<Utc>,
    until: DateTime<Utc>,
    limit: u64,
) -> Result<Vec<Delivery>> {
    let backend = store.conn().get_database_backend();
    // SKIP LOCKED: concurrent workers take disjoint rows instead of queueing on row locks.
    let lock = if backend == DbBackend::Postgres {
        "FOR UPDATE SKIP LOCKED"
    } else {
        ""
    };
    let sql = format!(
        "UPDATE webhook_deliveries SET locked_until = $1, locked_by = $2 \
         WHERE id IN (SELECT id FROM webhook_deliveries \
           WHERE status = 'pending' AND next_attempt_at <= $3 \
             AND (locked_until IS NULL OR locked_until < $3) \
           ORDER BY next_attempt_at LIMIT $4 {lock}) \
         RETURNING *"
    );
    let sql = if backend == DbBackend::Sqlite {
        sql.replace('$', "?")
    } else {
        sql
    };
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let statement = Statement::from_sql_and_values(
        backend,
        sql,
        [until.into(), worker.into(), now.into(), limit.into()],
    );
    Ok(Entity::find()
        .from_raw_sql(statement)
        .all(store.conn())
        .await?)
}

/// Gives back every pending row `worker` holds (a worker that stops).
pub async fn release(store: &Store, worker: &str) -> Result<u64> {
    let result = Entity::update_many()
        .col_expr(
            Column::LockedUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .col_expr(Column::LockedBy, Expr::value(Option::<String>::None))
        .filter(Column::LockedBy.eq(worker))
        .filter(Column::Status.eq(PENDING))
        .exec(store.conn())
        .await?;
    Ok(result.rows_affected)
}

/// What happened to one claimed delivery.
#[derive(Clone, Debug)]
pub struct Completion {
    pub delivery: Delivery,
    /// The attempt made, if one was (a rate-limited or skipped delivery makes none).
    pub attempt: Option<AttemptRecord>,
    pub next: Next,
}

#[derive(Clone, Debug)]
pub struct AttemptRecord {
    pub status_code: u16,
    pub response_body: String,
    pub error: String,
    pub duration_ms: u64,
    pub success: bool,
    pub at: DateTime<Utc>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Next {
    Succeeded,
    /// Try again at this time.
    RetryAt(DateTime<Utc>),
    /// Give up (schedule exhausted, endpoint gone or disabled).
    Failed,
}

/// Records a batch of completions in one transaction: the attempts, the deliveries' new
/// state (only rows `worker` still holds), and each endpoint's failing streak. Returns the
/// attempts as recorded.
pub async fn complete(
    store: &Store,
    worker: &str,
    completions: &[Completion],
) -> Result<Vec<crate::webhooks::Attempt>> {
    use sea_orm::IntoActiveModel as _;
    if completions.is_empty() {
        return Ok(Vec::new());
    }
    let tx = store.conn().begin().await?;
    let attempts: Vec<webhook_attempts::Model> = completions
        .iter()
        .filter_map(|c| {
            let a = c.attempt.as_ref()?;
            Some(webhook_attempts::Model {
                id: new_id(ATTEMPT_PREFIX),
                organization_id: c.delivery.organization_id.clone(),
                endpoint_id: c.delivery.endpoint_id.clone(),
                event_id: c.delivery.event_id.clone(),
                delivery_id: c.delivery.id.clone(),
                attempt: c.delivery.attempts + 1,
                status_code: i32::from(a.status_code),
                response_body: a.response_body.clone(),
                error: a.error.clone(),
                duration_ms: i64::try_from(a.duration_ms).unwrap_or(i64::MAX),
                success: a.success,
                created_at: a.at,
            })
        })
        .collect();
    if !attempts.is_empty() {
        webhook_attempts::Entity::insert_many(
            attempts.iter().map(|a| a.clone().into_active_model()),
        )
        .exec_without_returning(&tx)
        .await?;
    }
    let now = Utc::now();
    // Endpoints that answered well end their failing streak; the others start one.
    let mut streaks: BTreeMap<(&str, &str), bool> = BTreeMap::new();
    // Rows that end the same way are updated by one statement per kind (the common case:
    // a batch of successes is one UPDATE); a retry has its own time.
    let mut finished: BTreeMap<(&str, bool), Vec<&str>> = BTreeMap::new();
    for c in completions {
        let d = &c.delivery;
        let attempted = c.attempt.is_some();
        match &c.next {
            Next::Succeeded => finished
                .entry((SUCCEEDED, attempted))
                .or_default()
                .push(&d.id),
            Next::Failed => finished.entry((FAILED, attempted)).or_default().push(&d.id),
            Next::RetryAt(at) => {
                Entity::update_many()
                    .col_expr(Column::Status, Expr::value(PENDING))
                    .col_expr(
                        Column::Attempts,
                        Expr::value(d.attempts + i32::from(attempted)),
                    )
                    .col_expr(Column::NextAttemptAt, Expr::value(*at))
                    .col_expr(
                        Column::LockedUntil,
                        Expr::value(Option::<DateTime<Utc>>::None),
                    )
                    .col_expr(Column::LockedBy, Expr::value(Option::<String>::None))
                    .col_expr(Column::UpdatedAt, Expr::value(now))
                    .filter(Column::OrganizationId.eq(d.organization_id.as_str()))
                    .filter(Column::Id.eq(d.id.as_str()))
                    .filter(Column::LockedBy.eq(worker))
                    .exec(&tx)
                    .await?;
            }
        }
        if let Some(a) = &c.attempt {
            let key = (d.organization_id.as_str(), d.endpoint_id.as_str());
            // The latest attempt of the batch decides (completions arrive in order).
            streaks.insert(key, a.success);
        }
    }
    for ((status, attempted), ids) in finished {
        // Ids are unique across tenants, and each row is still this worker's claim.
        let mut update = Entity::update_many()
            .col_expr(Column::Status, Expr::value(status))
            .col_expr(
                Column::LockedUntil,
                Expr::value(Option::<DateTime<Utc>>::None),
            )
            .col_expr(Column::LockedBy, Expr::value(Option::<String>::None))
            .col_expr(Column::UpdatedAt, Expr::value(now));
        if attempted {
            update = update.col_expr(Column::Attempts, Expr::col(Column::Attempts).add(1));
        }
        update
            .filter(Column::Id.is_in(ids))
            .filter(Column::LockedBy.eq(worker))
            .exec(&tx)
            .await?;
    }
    for ((org, endpoint), success) in streaks {
        let update = webhook_endpoints::Entity::update_many()
            .filter(webhook_endpoints::Column::OrganizationId.eq(org))
            .filter(webhook_endpoints::Column::Id.eq(endpoint));
        if success {
            update
                .col_expr(
                    webhook_endpoints::Column::FailingSince,
                    Expr::value(Option::<DateTime<Utc>>::None),
                )
                .filter(webhook_endpoints::Column::FailingSince.is_not_null())
                .exec(&tx)
                .await?;
        } else {
            update
                .col_expr(webhook_endpoints::Column::FailingSince, Expr::value(now))
                .filter(webhook_endpoints::Column::FailingSince.is_null())
                .exec(&tx)
                .await?;
        }
    }
    tx.commit().await?;
    Ok(attempts)
}

/// What a worker needs to send a batch: the endpoints and events its deliveries name, read
/// per organization.
pub async fn load(
    db: &impl Db,
    deliveries: &[Delivery],
) -> Result<(Vec<Endpoint>, Vec<crate::audit::Event>)> {
    let mut by_org: BTreeMap<&str, (Vec<&str>, Vec<&str>)> = BTreeMap::new();
    for d in deliveries {
        let entry = by_org.entry(d.organization_id.as_str()).or_default();
        entry.0.push(&d.endpoint_id);
        entry.1.push(&d.event_id);
    }
    let (mut endpoints, mut events_out) = (Vec::new(), Vec::new());
    for (org, (endpoint_ids, event_ids)) in by_org {
        let org = OrgId::new(org);
        endpoints.extend(
            scoped::<webhook_endpoints::Entity>(&org)
                .filter(webhook_endpoints::Column::Id.is_in(endpoint_ids))
                .all(db.conn())
                .await?,
        );
        events_out.extend(
            scoped::<events::Entity>(&org)
                .filter(events::Column::Id.is_in(event_ids))
                .all(db.conn())
                .await?,
        );
    }
    Ok((endpoints, events_out))
}

/// Deliveries waiting (pending) in the whole queue: for benchmarks and tests.
pub async fn pending_count(store: &Store) -> Result<u64> {
    use sea_orm::PaginatorTrait as _;
    Ok(Entity::find()
        .filter(Column::Status.eq(PENDING))
        .count(store.conn())
        .await?)
}
