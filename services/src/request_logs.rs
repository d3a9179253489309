//! Request history: `asteri.v1.RequestLogsService`. The gateway records batches through the
//! internal `RecordRequestLogs`; tenants read their own with `read:logs`; the dashboard
//! charts each key's hourly use with the internal `GetKeyUsage`.

use std::time::Duration;

use chrono::Utc;
use proto::v1::{
    GetKeyUsageRequest, GetKeyUsageResponse, GetRequestLogRequest, KeyUsageBucket,
    ListRequestLogsRequest, ListRequestLogsResponse, RecordRequestLogsRequest,
    RecordRequestLogsResponse, RequestLog, request_logs_service_server::RequestLogsService,
};
use storage::{Store, api_keys, request_logs};
use tonic::{Request, Response, Status};

use crate::{
    auth::context,
    convert::{from_timestamp, next_cursor, page_query, timestamp},
    error::ServiceError,
};

/// Most logs accepted in one batch.
pub const MAX_BATCH: usize = 1_000;
/// The longest `path_prefix` accepted, in bytes (longer than any route's path).
pub const MAX_PATH_PREFIX: usize = 2_048;
/// `GetKeyUsage`'s window: 24 hours unless asked, at most 30 days (the history's default
/// retention).
pub const DEFAULT_USAGE_HOURS: u32 = 24;
pub const MAX_USAGE_HOURS: u32 = 720;
const SECONDS_PER_HOUR: i64 = 3_600;

#[derive(Clone)]
pub struct RequestLogs {
    store: Store,
}

impl RequestLogs {
    pub fn new(store: Store) -> Self {
        Self { store }
    }
}

/// `path_prefix`, checked: it is matched against the path before the query string, so a
/// `?` could never match and is refused rather than silently finding nothing.
fn path_prefix(prefix: Option<String>) -> Result<Option<String>, ServiceError> {
    let Some(prefix) = prefix.filter(|p| !p.is_empty()) else {
        return Ok(None);
    };
    if prefix.len() > MAX_PATH_PREFIX {
        return Err(ServiceError::malformed(
            "path_prefix",
            format!("is {} bytes long; at most {MAX_PATH_PREFIX}", prefix.len()),
        ));
    }
    // No stored path holds one (PostgreSQL cannot even compare text with it): the same
    // clear refusal on every backend.
    if prefix.contains('\0') {
        return Err(ServiceError::malformed(
            "path_prefix",
            "cannot contain a NUL character",
        ));
    }
    if prefix.contains('?') {
        return Err(ServiceError::malformed(
            "path_prefix",
            "is matched against the path without its query string, so it cannot contain '?'",
        ));
    }
    Ok(Some(prefix))
}

/// The first hour of a `hours`-hour window that ends with the current hour (UTC).
fn usage_window_start(hours: u32) -> chrono::DateTime<Utc> {
    let current_hour = Utc::now().timestamp().div_euclid(SECONDS_PER_HOUR);
    let first = current_hour - i64::from(hours) + 1;
    chrono::DateTime::from_timestamp(first * SECONDS_PER_HOUR, 0).unwrap_or_default()
}

/// Whether [`store_batch`] redacts the records it is given.
#[derive(Clone, Copy, Debug)]
pub enum Redaction {
    /// Redact every path and body (`RecordRequestLogs`: the caller is on the network).
    Again,
    /// Store them as they are: the gateway of this same process redacted and truncated
    /// them with the same `proto::redact` (`asteri::start` wires it; nothing else may).
    AlreadyDone,
}

/// Stores one batch of the request history (at most [`MAX_BATCH`] records).
pub async fn store_batch(
    store: &Store,
    logs: Vec<RequestLog>,
    redaction: Redaction,
) -> Result<(), ServiceError> {
    if logs.len() > MAX_BATCH {
        return Err(ServiceError::malformed(
            "logs",
            format!("at most {MAX_BATCH} per batch"),
        ));
    }
    let now = Utc::now();
    let rows = logs
        .into_iter()
        .map(|l| {
            let (path, request_body, response_body) = match redaction {
                Redaction::Again => (
                    proto::redact::target(&l.path),
                    proto::redact::body(l.request_body.as_bytes()),
                    proto::redact::body(l.response_body.as_bytes()),
                ),
                Redaction::AlreadyDone => (l.path, l.request_body, l.response_body),
            };
            request_logs::RequestLog {
                id: request_logs::new_log_id(),
                organization_id: l.organization_id,
                request_id: l.id,
                method: l.method,
                path,
                status_code: i32::try_from(l.status_code).unwrap_or(i32::MAX),
                duration_ms: i64::try_from(l.duration_ms).unwrap_or(i64::MAX),
                ip: l.ip,
                key_id: l.key_id,
                request_body,
                response_body,
                created_at: l
                    .created_at
                    .and_then(|t| {
                        chrono::DateTime::from_timestamp(
                            t.seconds,
                            u32::try_from(t.nanos).unwrap_or(0),
                        )
                    })
                    .unwrap_or(now),
            }
        })
        .collect();
    request_logs::insert_batch(store, rows)
        .await
        .map_err(ServiceError::from)
}

pub fn request_log_message(l: &request_logs::RequestLog) -> RequestLog {
    RequestLog {
        id: l.request_id.clone(),
        method: l.method.clone(),
        path: l.path.clone(),
        status_code: u32::try_from(l.status_code).unwrap_or_default(),
        duration_ms: u64::try_from(l.duration_ms).unwrap_or_default(),
        ip: l.ip.clone(),
        key_id: l.key_id.clone(),
        organization_id: l.organization_id.clone(),
        request_body: l.request_body.clone(),
        response_body: l.response_body.clone(),
        created_at: Some(timestamp(l.created_at)),
    }
}

#[tonic::async_trait]
impl RequestLogsService for RequestLogs {
    async fn list_request_logs(
        &self,
        r: Request<ListRequestLogsRequest>,
    ) -> Result<Response<ListRequestLogsResponse>, Status> {
        let ctx = context(&r)?;
        let req = r.into_inner();
        let query = page_query(req.limit, &req.cursor, request_logs::ID_PREFIX)?;
        let filter = request_logs::RequestLogFilter {
            status_code: req
                .status_code
                .map(|s| i32::try_from(s).unwrap_or(i32::MAX)),
            method: req.method,
            key_id: req.key_id,
            created_after: from_timestamp("created_after", req.created_after)?,
            created_before: from_timestamp("created_before", req.created_before)?,
            path_prefix: path_prefix(req.path_prefix)?,
        };
        let page = request_logs::list(&self.store, ctx.org()?, &filter, &query)
            .await
            .map_err(ServiceError::from)?;
        Ok(Response::new(ListRequestLogsResponse {
            next_cursor: next_cursor(&page, |l| &l.id),
            has_more: page.has_more,
            data: page.items.iter().map(request_log_message).collect(),
        }))
    }

    async fn get_request_log(
        &self,
        r: Request<GetRequestLogRequest>,
    ) -> Result<Response<RequestLog>, Status> {
        let ctx = context(&r)?;
        let id = &r.get_ref().id;
        let found = request_logs::get(&self.store, ctx.org()?, id)
            .await
            .map_err(ServiceError::from)?;
        let log = found.ok_or_else(|| ServiceError::not_found("request log", id))?;
        Ok(Response::new(request_log_message(&log)))
    }

    async fn record_request_logs(
        &self,
        r: Request<RecordRequestLogsRequest>,
    ) -> Result<Response<RecordRequestLogsResponse>, Status> {
        context(&r)?;
        let logs = r.into_inner().logs;
        // Redacted again where the history lands, whichever caller recorded it: the rules of
        // `proto::redact` are idempotent, so a record the gateway redacted stays as it is.
        store_batch(&self.store, logs, Redaction::Again).await?;
        Ok(Response::new(RecordRequestLogsResponse {}))
    }

    async fn get_key_usage(
        &self,
        r: Request<GetKeyUsageRequest>,
    ) -> Result<Response<GetKeyUsageResponse>, Status> {
        let ctx = context(&r)?;
        let req = r.into_inner();
        let hours = match req.hours {
            0 => DEFAULT_USAGE_HOURS,
            h if h <= MAX_USAGE_HOURS => h,
            h => {
                return Err(ServiceError::malformed(
                    "hours",
                    format!("is {h}; must be between 1 and {MAX_USAGE_HOURS} (30 days), or 0 for {DEFAULT_USAGE_HOURS}"),
                )
                .into());
            }
        };
        let key_id = match req.key_id.as_str() {
            "" => None,
            id if storage::ids::looks_like(id, api_keys::ID_PREFIX) => Some(id),
            _ => {
                return Err(
                    ServiceError::malformed("key_id", "is not an API key id (key_...)").into(),
                );
            }
        };
        let usage =
            request_logs::key_usage(&self.store, ctx.org()?, usage_window_start(hours), key_id)
                .await
                .map_err(ServiceError::from)?;
        let count = |n: i64| u64::try_from(n).unwrap_or_default();
        Ok(Response::new(GetKeyUsageResponse {
            buckets: usage
                .into_iter()
                .map(|u| KeyUsageBucket {
                    hour: Some(prost_types::Timestamp {
                        seconds: u.hour * SECONDS_PER_HOUR,
                        nanos: 0,
                    }),
                    key_id: u.key_id,
                    requests: count(u.requests),
                    errors: count(u.errors),
                    rate_limited: count(u.rate_limited),
                })
                .collect(),
        }))
    }
}

/// Deletes logs older than `retention`, then every `every`, until the process ends. Run by
/// the processes that serve the platform group.
pub async fn prune_forever(store: Store, retention: Duration, every: Duration) {
    loop {
        let before = Utc::now()
            - chrono::Duration::from_std(retention).unwrap_or(chrono::Duration::days(30));
        match request_logs::prune(&store, before).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(deleted = n, "pruned request logs"),
            Err(err) => tracing::warn!(
                error = &err as &dyn std::error::Error,
                "pruning request logs failed"
            ),
        }
        tokio::time::sleep(every).await;
    }
}
