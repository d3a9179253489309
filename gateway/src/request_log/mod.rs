//! Request history, recorded off the hot path: the outermost middleware hands each finished
//! request over without waiting (admission never delays a response), and one task ships
//! batches to the platform's `RecordRequestLogs`, or, in a process that also serves the
//! history, straight to its store ([`Destination`]).
//!
//! Admission is by organization (`queue.rs`): each organization has a bounded queue of its
//! own and batches take from them in turn, so that records are dropped only from an
//! organization that itself sends more than its share. Requests without an organization
//! (no valid key) never enter the history: they are counted per address and status
//! (`anonymous.rs`). Drops are counted ([`RequestLogger::counts`]) and logged at most every
//! [`DROP_WARNING_EVERY`].
//!
//! Paths and bodies are redacted by `proto::redact` (secret names and credential shapes, in
//! parsed and unparsable bodies alike) and bodies truncated to [`BODY_LIMIT`] bytes.
//! Streaming bodies (uploads, downloads) are not recorded.

mod anonymous;
mod queue;

pub use anonymous::Aggregate;

use std::{
    net::SocketAddr,
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use axum::{
    body::Body,
    extract::{ConnectInfo, Request},
    middleware::Next,
    response::Response,
};
use bytes::Bytes;
use http::header;
use proto::v1::{
    RecordRequestLogsRequest, RequestLog, request_logs_service_client::RequestLogsServiceClient,
};
use tokio::sync::Notify;
use tower::BoxError;

use crate::{Upstream, internal_request};
use anonymous::Anonymous;
use queue::{Admission, Queues};

/// Recorded bodies are cut at this many bytes.
pub const BODY_LIMIT: usize = 8 * 1024;
/// Dropped records are reported in the log at most this often (with the running count).
pub const DROP_WARNING_EVERY: Duration = Duration::from_secs(10);

/// Who made a request, as far as the gateway established (set by the handler).
#[derive(Clone, Debug, Default)]
pub struct LogIdentity {
    pub key_id: String,
    pub organization_id: String,
}

/// The request body as the handler read it (set by the handler for JSON requests).
#[derive(Clone, Debug)]
pub struct LoggedRequestBody(pub Bytes);

/// On a response: its JSON body was checked for secrets as it was written and holds none
/// (`proto::json::Rendered`), so the history stores it as it is instead of parsing it again
/// to find that out (callgrind: 14k of the 275k instructions of a REST read).
#[derive(Clone, Copy, Debug)]
pub struct SecretFree;

#[derive(Clone, Copy, Debug)]
pub struct LogSettings {
    /// Records waiting to be shipped, all organizations together.
    pub capacity: usize,
    /// Records one organization may have waiting.
    pub per_organization: usize,
    pub batch: usize,
    pub flush_every: Duration,
    /// The interval over which requests without an organization are counted and logged.
    pub aggregate_every: Duration,
    /// Distinct (address, status) pairs counted per interval; more are one overflow count.
    pub max_aggregates: usize,
}

impl Default for LogSettings {
    fn default() -> Self {
        Self {
            capacity: 10_000,
            per_organization: 2_000,
            batch: 200,
            flush_every: Duration::from_millis(500),
            aggregate_every: Duration::from_secs(60),
            max_aggregates: 1_000,
        }
    }
}

/// A finished request as the middleware hands it over: the bodies still raw, so that
/// redaction and truncation run in the shipping task, not before the response goes out.
#[derive(Debug, Default)]
pub struct Recorded {
    pub log: RequestLog,
    pub request_body: Bytes,
    pub response_body: Bytes,
    /// The response body is [`SecretFree`].
    pub response_secret_free: bool,
}

impl Recorded {
    fn into_log(self) -> RequestLog {
        let response_body = if self.response_secret_free {
            proto::redact::unchanged_body(&self.response_body)
        } else {
            proto::redact::body(&self.response_body)
        };
        RequestLog {
            path: proto::redact::target(&self.log.path),
            request_body: truncate(proto::redact::body(&self.request_body)),
            response_body: truncate(response_body),
            ..self.log
        }
    }
}

/// What the logger did since it started, for the log and a metrics endpoint.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LogCounts {
    /// Records of organizations queued for the history.
    pub queued: u64,
    /// Records of organizations dropped because their organization's share was full.
    pub dropped: u64,
    /// Requests without an organization, counted instead of recorded.
    pub unauthenticated: u64,
}

struct Shared {
    queues: Mutex<Queues>,
    wake: Notify,
    closed: AtomicBool,
    settings: LogSettings,
    queued: AtomicU64,
    dropped: AtomicU64,
    last_drop_warning: Mutex<Option<Instant>>,
    anonymous: Anonymous,
}

impl Shared {
    fn queues(&self) -> std::sync::MutexGuard<'_, Queues> {
        self.queues
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn len(&self) -> usize {
        self.queues().len()
    }

    fn note_drop(&self, organization: &str) {
        let dropped = self.dropped.fetch_add(1, Ordering::Relaxed) + 1;
        // One warning per interval, whoever holds the lock; never one per record.
        let Ok(mut last) = self.last_drop_warning.try_lock() else {
            return;
        };
        if last.is_none_or(|at| at.elapsed() >= DROP_WARNING_EVERY) {
            *last = Some(Instant::now());
            tracing::warn!(
                dropped,
                organization,
                "request history: records dropped (this organization's share of the buffer is full)"
            );
        }
    }
}

/// Wakes the shipping task for its last batches when the last logger handle goes.
struct Alive(Arc<Shared>);

impl Drop for Alive {
    fn drop(&mut self) {
        self.0.closed.store(true, Ordering::Release);
        self.0.wake.notify_one();
    }
}

#[derive(Clone)]
pub struct RequestLogger {
    shared: Arc<Shared>,
    _alive: Arc<Alive>,
}

impl RequestLogger {
    fn new(settings: LogSettings) -> Self {
        let shared = Arc::new(Shared {
            queues: Mutex::new(Queues::new(settings.capacity, settings.per_organization)),
            wake: Notify::new(),
            closed: AtomicBool::new(false),
            settings,
            queued: AtomicU64::new(0),
            dropped: AtomicU64::new(0),
            last_drop_warning: Mutex::new(None),
            anonymous: Anonymous::new(settings.max_aggregates),
        });
        Self {
            _alive: Arc::new(Alive(shared.clone())),
            shared,
        }
    }

    /// Starts the batcher; it ships what is left and ends when every logger handle is dropped.
    pub fn start(destination: Destination, settings: LogSettings) -> Self {
        let logger = Self::new(settings);
        tokio::spawn(ship(logger.shared.clone(), destination));
        logger
    }

    /// Hands a finished request over; never waits.
    pub fn record(&self, recorded: Recorded) {
        let shared = &self.shared;
        if recorded.log.organization_id.is_empty() {
            let log = &recorded.log;
            let status = u16::try_from(log.status_code).unwrap_or(0);
            shared
                .anonymous
                .count(&log.ip, status, &log.method, &log.path);
            return;
        }
        let organization = recorded.log.organization_id.clone();
        let (admission, len) = {
            let mut queues = shared.queues();
            let admission = queues.push(&organization, recorded);
            (admission, queues.len())
        };
        match admission {
            Admission::Queued => {}
            Admission::Evicted(from) => shared.note_drop(&from),
            Admission::Dropped => return shared.note_drop(&organization),
        }
        shared.queued.fetch_add(1, Ordering::Relaxed);
        // The shipper waits for a first record, then for a full batch or its deadline.
        if len == 1 || len >= shared.settings.batch {
            shared.wake.notify_one();
        }
    }

    pub fn counts(&self) -> LogCounts {
        LogCounts {
            queued: self.shared.queued.load(Ordering::Relaxed),
            dropped: self.shared.dropped.load(Ordering::Relaxed),
            unauthenticated: self.shared.anonymous.total(),
        }
    }

    /// Ends the current interval of unauthenticated counts now (logged as at its end).
    pub fn flush_unauthenticated(&self) -> Vec<Aggregate> {
        self.shared.anonymous.flush().0
    }
}

/// The history store of this process, for its own gateway (`--role all`).
pub trait LocalHistory: Send + Sync + 'static {
    /// Stores one batch of records as they are: this gateway redacted and truncated them.
    fn store(
        &self,
        logs: Vec<RequestLog>,
    ) -> futures::future::BoxFuture<'static, Result<(), BoxError>>;
}

/// Where the shipping task stores its batches.
#[derive(Clone)]
pub enum Destination {
    /// `RecordRequestLogs` at the keys upstream (with the internal credential), which
    /// redacts every record again: over the network it cannot know who redacted what.
    Rpc {
        client: RequestLogsServiceClient<Upstream>,
        token: String,
    },
    /// The history store of this very process. Its records were redacted here, by the same
    /// `proto::redact` in the same binary, so redacting them again where they are stored
    /// would only repeat the work (it was a tenth of a REST GET's instructions, with the
    /// call's protobuf encoding and decoding).
    Local(Arc<dyn LocalHistory>),
}

impl Destination {
    async fn store(&mut self, logs: Vec<RequestLog>) -> Result<(), BoxError> {
        match self {
            Self::Rpc { client, token } => {
                let request = internal_request(
                    RecordRequestLogsRequest { logs },
                    token,
                    "req_request_log_batch",
                );
                client.record_request_logs(request).await?;
                Ok(())
            }
            Self::Local(history) => history.store(logs).await,
        }
    }
}

async fn ship(shared: Arc<Shared>, mut destination: Destination) {
    let settings = shared.settings;
    let mut next_aggregate = tokio::time::Instant::now() + settings.aggregate_every;
    loop {
        if tokio::time::Instant::now() >= next_aggregate {
            shared.anonymous.flush();
            next_aggregate += settings.aggregate_every;
        }
        if shared.len() == 0 {
            if shared.closed.load(Ordering::Acquire) {
                shared.anonymous.flush();
                return;
            }
            tokio::select! {
                () = shared.wake.notified() => {}
                () = tokio::time::sleep_until(next_aggregate) => {}
            }
            continue;
        }
        let deadline = tokio::time::Instant::now() + settings.flush_every;
        while shared.len() < settings.batch && !shared.closed.load(Ordering::Acquire) {
            if tokio::time::timeout_at(deadline, shared.wake.notified())
                .await
                .is_err()
            {
                break;
            }
        }
        let batch = shared.queues().take(settings.batch);
        let logs: Vec<RequestLog> = batch.into_iter().map(Recorded::into_log).collect();
        let count = logs.len();
        if let Err(err) = destination.store(logs).await {
            // Bounded: a failed batch is dropped, not retried forever.
            tracing::warn!(
                error = &*err as &dyn std::error::Error,
                count,
                "could not store request logs"
            );
        }
    }
}

fn truncate(mut text: String) -> String {
    if text.len() > BODY_LIMIT {
        let mut cut = BODY_LIMIT;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
        text.push_str("...[truncated]");
    }
    text
}

fn is_json(headers: &http::HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/json"))
}

/// The outermost middleware of the API router.
pub async fn log_requests(logger: RequestLogger, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().to_string();
    let path = request
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_default();
    let ip = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_string())
        .unwrap_or_default();
    let response = next.run(request).await;
    let (mut parts, body) = response.into_parts();
    let identity = parts.extensions.remove::<LogIdentity>().unwrap_or_default();
    // JSON answers are small (built from bytes in memory); anything else streams untouched,
    // and so do the answers to requests without an organization (they are only counted).
    let small_json = !identity.organization_id.is_empty()
        && is_json(&parts.headers)
        && axum::body::HttpBody::size_hint(&body)
            .upper()
            .is_some_and(|n| n <= 1024 * 1024);
    let (body, response_body) = if small_json {
        match axum::body::to_bytes(body, 1024 * 1024).await {
            Ok(bytes) => (Body::from(bytes.clone()), bytes),
            Err(_) => (Body::empty(), Bytes::new()),
        }
    } else {
        (body, Bytes::new())
    };
    let request_body = parts
        .extensions
        .remove::<LoggedRequestBody>()
        .map(|b| b.0)
        .unwrap_or_default();
    let response_secret_free = parts.extensions.remove::<SecretFree>().is_some();
    let request_id = parts
        .headers
        .get(&proto::credentials::names::REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let log = RequestLog {
        id: request_id,
        method,
        path,
        status_code: u32::from(parts.status.as_u16()),
        duration_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        ip,
        key_id: identity.key_id,
        organization_id: identity.organization_id,
        created_at: Some(prost_types::Timestamp::from(std::time::SystemTime::now())),
        ..RequestLog::default()
    };
    logger.record(Recorded {
        log,
        request_body,
        response_body,
        response_secret_free,
    });
    Response::from_parts(parts, body)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(org: &str, status: u32, path: &str) -> Recorded {
        Recorded {
            log: RequestLog {
                organization_id: org.to_owned(),
                status_code: status,
                ip: "127.0.0.2".into(),
                method: "GET".into(),
                path: path.into(),
                ..RequestLog::default()
            },
            ..Recorded::default()
        }
    }

    #[test]
    fn records_are_redacted_and_truncated_as_they_ship() {
        let recorded = Recorded {
            log: RequestLog {
                path: "/api/public/v1/customers?api_key=ast_live_abcdefgh".into(),
                ..RequestLog::default()
            },
            request_body: Bytes::from_static(br#"{"password":"hunter2""#),
            response_body: Bytes::from(format!("{{\"notes\":\"{}\"}}", "é".repeat(10_000))),
            response_secret_free: false,
        };
        let log = recorded.into_log();
        assert_eq!(log.path, "/api/public/v1/customers?api_key=[REDACTED]");
        assert_eq!(log.request_body, r#"{"password":"[REDACTED]""#);
        assert!(log.response_body.len() <= BODY_LIMIT + 20);
        assert!(log.response_body.ends_with("...[truncated]"));
    }

    #[tokio::test]
    async fn an_unauthenticated_flood_takes_no_room_from_organizations() {
        let logger = RequestLogger::new(LogSettings::default());
        // Nobody ships: admission alone must keep the honest records.
        for i in 0..100_000 {
            logger.record(record("", 401, "/api/public/v1/customers"));
            if i % 2_000 == 0 {
                logger.record(record("org_honest", 200, "/api/public/v1/customers"));
            }
        }
        let counts = logger.counts();
        assert_eq!(
            counts,
            LogCounts {
                queued: 50,
                dropped: 0,
                unauthenticated: 100_000
            }
        );
        let aggregates = logger.flush_unauthenticated();
        assert_eq!(aggregates.len(), 1);
        assert_eq!(aggregates[0].count, 100_000);
        assert_eq!(logger.shared.queues().take(usize::MAX).len(), 50);
    }

    #[tokio::test]
    async fn a_flooding_organization_drops_only_its_own_records_and_counts_them() {
        let settings = LogSettings {
            capacity: 100,
            per_organization: 60,
            ..LogSettings::default()
        };
        let logger = RequestLogger::new(settings);
        for i in 0..1_000 {
            logger.record(record("org_flood", 200, "/x"));
            if i % 20 == 0 {
                logger.record(record("org_honest", 200, "/y"));
            }
        }
        // The flood keeps its share (60), and gives up 10 of those when the honest
        // organization's 50 need room in the full buffer (100).
        let counts = logger.counts();
        assert_eq!(counts.dropped, 1_000 - 60 + 10);
        let kept = logger.shared.queues().take(usize::MAX);
        let honest = kept
            .iter()
            .filter(|r| r.log.organization_id == "org_honest")
            .count();
        assert_eq!(honest, 50);
    }
}
