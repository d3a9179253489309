//! Request history, recorded off the hot path: the outermost middleware hands each finished
//! request to a bounded channel with `try_send` (a full channel drops the record and counts
//! it, it never delays a response), and one task ships batches to the platform's
//! `RecordRequestLogs`.
//!
//! Bodies are redacted (secret-looking keys and credential-shaped strings) and truncated to
//! [`BODY_LIMIT`] bytes. Streaming bodies (uploads, downloads) are not recorded.

use std::{
    net::SocketAddr,
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
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
use serde_json::Value;
use tokio::sync::mpsc;
use tonic::transport::Channel;

use crate::internal_request;

/// Recorded bodies are cut at this many bytes.
pub const BODY_LIMIT: usize = 8 * 1024;
const REDACTED: &str = "[REDACTED]";
const SECRET_PREFIXES: &[&str] = &["ast_live_", "ast_test_", "ast_int_", "whsec_"];
const SECRET_KEYS: &[&str] = &[
    "secret",
    "password",
    "token",
    "api_key",
    "authorization",
    "card_number",
    "cvc",
];

/// Who made a request, as far as the gateway established (set by the handler).
#[derive(Clone, Debug, Default)]
pub struct LogIdentity {
    pub key_id: String,
    pub organization_id: String,
}

/// The request body as the handler read it (set by the handler for JSON requests).
#[derive(Clone, Debug)]
pub struct LoggedRequestBody(pub Bytes);

#[derive(Clone, Copy, Debug)]
pub struct LogSettings {
    pub capacity: usize,
    pub batch: usize,
    pub flush_every: Duration,
}

impl Default for LogSettings {
    fn default() -> Self {
        Self {
            capacity: 10_000,
            batch: 200,
            flush_every: Duration::from_millis(500),
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
}

impl Recorded {
    fn into_log(self) -> RequestLog {
        RequestLog {
            request_body: redact(&self.request_body),
            response_body: redact(&self.response_body),
            ..self.log
        }
    }
}

#[derive(Clone)]
pub struct RequestLogger {
    tx: mpsc::Sender<Recorded>,
    dropped: Arc<AtomicU64>,
}

impl RequestLogger {
    /// Starts the batcher; it ends when every logger handle is dropped.
    pub fn start(
        client: RequestLogsServiceClient<Channel>,
        token: String,
        settings: LogSettings,
    ) -> Self {
        let (tx, rx) = mpsc::channel(settings.capacity.max(1));
        tokio::spawn(ship(rx, client, token, settings));
        Self {
            tx,
            dropped: Arc::new(AtomicU64::new(0)),
        }
    }

    /// A logger whose records go to `tx` (tests).
    pub fn with_sender(tx: mpsc::Sender<Recorded>) -> Self {
        Self {
            tx,
            dropped: Arc::new(AtomicU64::new(0)),
        }
    }

    pub fn record(&self, log: Recorded) {
        if self.tx.try_send(log).is_err() {
            let dropped = self.dropped.fetch_add(1, Ordering::Relaxed) + 1;
            if dropped.is_power_of_two() {
                tracing::warn!(dropped, "request log buffer full: records dropped");
            }
        }
    }

    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }
}

async fn ship(
    mut rx: mpsc::Receiver<Recorded>,
    mut client: RequestLogsServiceClient<Channel>,
    token: String,
    settings: LogSettings,
) {
    let mut batch = Vec::with_capacity(settings.batch);
    while let Some(first) = rx.recv().await {
        batch.push(first);
        let deadline = tokio::time::Instant::now() + settings.flush_every;
        while batch.len() < settings.batch {
            match tokio::time::timeout_at(deadline, rx.recv()).await {
                Ok(Some(log)) => batch.push(log),
                Ok(None) | Err(_) => break,
            }
        }
        let logs: Vec<RequestLog> = batch.drain(..).map(Recorded::into_log).collect();
        let count = logs.len();
        let request = internal_request(
            RecordRequestLogsRequest { logs },
            &token,
            "req_request_log_batch",
        );
        if let Err(status) = client.record_request_logs(request).await {
            // Bounded: a failed batch is dropped, not retried forever.
            tracing::warn!(code = ?status.code(), count, "could not store request logs");
        }
    }
}

/// Replaces secret-looking values and cuts the text to [`BODY_LIMIT`].
pub fn redact(body: &[u8]) -> String {
    if body.is_empty() {
        return String::new();
    }
    let text = match serde_json::from_slice::<Value>(body) {
        Ok(mut json) => {
            redact_json(&mut json);
            json.to_string()
        }
        Err(_) => redact_words(&String::from_utf8_lossy(body)),
    };
    truncate(text)
}

fn redact_json(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (key, v) in map.iter_mut() {
                let lower = key.to_ascii_lowercase();
                if SECRET_KEYS.iter().any(|s| lower.contains(s)) && !v.is_null() {
                    *v = Value::String(REDACTED.to_owned());
                } else {
                    redact_json(v);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(redact_json),
        Value::String(s) if SECRET_PREFIXES.iter().any(|p| s.contains(p)) => {
            *s = redact_words(s);
        }
        _ => {}
    }
}

fn redact_words(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some((at, _)) = SECRET_PREFIXES
        .iter()
        .filter_map(|p| rest.find(p).map(|i| (i, p)))
        .min_by_key(|(i, _)| *i)
    {
        out.push_str(&rest[..at]);
        out.push_str(REDACTED);
        let tail = &rest[at..];
        let end = tail
            .find(|c: char| {
                !(c.is_ascii_alphanumeric() || c == '_' || c == '+' || c == '/' || c == '=')
            })
            .unwrap_or(tail.len());
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
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
    // JSON answers are small (built from bytes in memory); anything else streams untouched.
    let small_json = is_json(&parts.headers)
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
    let identity = parts.extensions.remove::<LogIdentity>().unwrap_or_default();
    let request_body = parts
        .extensions
        .remove::<LoggedRequestBody>()
        .map(|b| b.0)
        .unwrap_or_default();
    let request_id = parts
        .headers
        .get(proto::credentials::REQUEST_ID_HEADER)
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
    });
    Response::from_parts(parts, body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_secrets_and_truncates() {
        let body = br#"{"name":"A","password":"hunter2","notes":"key ast_live_abcDEF123 here","nested":{"api_key":"x"},"secret":null}"#;
        let out = redact(body);
        assert!(
            !out.contains("hunter2") && !out.contains("ast_live_abc") && !out.contains("\"x\""),
            "{out}"
        );
        assert!(out.contains("key [REDACTED] here"), "{out}");
        assert!(out.contains("\"secret\":null"));
        let long = redact(format!("{{\"notes\":\"{}\"}}", "é".repeat(10_000)).as_bytes());
        assert!(long.len() <= BODY_LIMIT + 20 && long.ends_with("...[truncated]"));
        assert_eq!(
            redact(b"plain ast_test_zzz, whsec_abc+/="),
            "plain [REDACTED], [REDACTED]"
        );
    }

    #[tokio::test]
    async fn a_full_buffer_drops_instead_of_blocking() {
        let (tx, _rx) = mpsc::channel(2);
        let logger = RequestLogger::with_sender(tx);
        // Nobody reads the channel: a blocking send would hang here, try_send drops.
        for _ in 0..1_000 {
            logger.record(Recorded::default());
        }
        assert_eq!(logger.dropped(), 998);
    }
}
