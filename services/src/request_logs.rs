//! Request history: `asteri.v1.RequestLogsService`. The gateway records batches through the
//! internal `RecordRequestLogs`; tenants read their own with `read:logs`.

use std::time::Duration;

use chrono::Utc;
use proto::v1::{
    GetRequestLogRequest, ListRequestLogsRequest, ListRequestLogsResponse,
    RecordRequestLogsRequest, RecordRequestLogsResponse, RequestLog,
    request_logs_service_server::RequestLogsService,
};
use storage::{Store, request_logs};
use tonic::{Request, Response, Status};

use crate::{
    auth::context,
    convert::{from_timestamp, next_cursor, page_query, timestamp},
    error::ServiceError,
};

/// Most logs accepted in one batch.
pub const MAX_BATCH: usize = 1_000;

#[derive(Clone)]
pub struct RequestLogs {
    store: Store,
}

impl RequestLogs {
    pub fn new(store: Store) -> Self {
        Self { store }
    }
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
        if logs.len() > MAX_BATCH {
            return Err(
                ServiceError::malformed("logs", format!("at most {MAX_BATCH} per batch")).into(),
            );
        }
        let now = Utc::now();
        // Redacted again where the history lands, whichever caller recorded it: the rules of
        // `proto::redact` are idempotent, so a record the gateway redacted stays as it is.
        let rows = logs
            .into_iter()
            .map(|l| request_logs::RequestLog {
                id: request_logs::new_log_id(),
                organization_id: l.organization_id,
                request_id: l.id,
                method: l.method,
                path: proto::redact::target(&l.path),
                status_code: i32::try_from(l.status_code).unwrap_or(i32::MAX),
                duration_ms: i64::try_from(l.duration_ms).unwrap_or(i64::MAX),
                ip: l.ip,
                key_id: l.key_id,
                request_body: proto::redact::body(l.request_body.as_bytes()),
                response_body: proto::redact::body(l.response_body.as_bytes()),
                created_at: l
                    .created_at
                    .and_then(|t| {
                        chrono::DateTime::from_timestamp(
                            t.seconds,
                            u32::try_from(t.nanos).unwrap_or(0),
                        )
                    })
                    .unwrap_or(now),
            })
            .collect();
        request_logs::insert_batch(&self.store, rows)
            .await
            .map_err(ServiceError::from)?;
        Ok(Response::new(RecordRequestLogsResponse {}))
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
