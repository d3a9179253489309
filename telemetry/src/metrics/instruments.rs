//! The instruments the request paths record into: created once by [`super::Metrics`],
//! recorded with static attributes only.

use std::time::Duration;

use opentelemetry::{
    KeyValue, StringValue, Value,
    metrics::{Counter, Histogram},
};

use super::Metrics;

/// The REST door's request durations.
#[derive(Clone, Debug)]
pub struct HttpServer {
    pub(super) duration: Histogram<f64>,
}

impl HttpServer {
    /// One answered request. `route` is the matched route template (`None`: no route
    /// matched, which the conventions leave without `http.route`).
    pub fn record(
        &self,
        method: &'static str,
        route: Option<StringValue>,
        status: u16,
        elapsed: Duration,
    ) {
        let status_kv = KeyValue::new("http.response.status_code", i64::from(status));
        let method_kv = KeyValue::new("http.request.method", method);
        let seconds = elapsed.as_secs_f64();
        match (route, server_error(status)) {
            (Some(route), None) => self.duration.record(
                seconds,
                &[
                    method_kv,
                    KeyValue::new("http.route", Value::String(route)),
                    status_kv,
                ],
            ),
            (Some(route), Some(error)) => self.duration.record(
                seconds,
                &[
                    method_kv,
                    KeyValue::new("http.route", Value::String(route)),
                    status_kv,
                    KeyValue::new("error.type", error),
                ],
            ),
            (None, None) => self.duration.record(seconds, &[method_kv, status_kv]),
            (None, Some(error)) => self.duration.record(
                seconds,
                &[method_kv, status_kv, KeyValue::new("error.type", error)],
            ),
        }
    }
}

/// The conventions' `http.request.method`: the known methods, else `_OTHER` (so that a
/// caller cannot make series at will).
pub fn http_method(method: &str) -> &'static str {
    match method {
        "GET" => "GET",
        "POST" => "POST",
        "PUT" => "PUT",
        "PATCH" => "PATCH",
        "DELETE" => "DELETE",
        "HEAD" => "HEAD",
        "OPTIONS" => "OPTIONS",
        "TRACE" => "TRACE",
        "CONNECT" => "CONNECT",
        _ => "_OTHER",
    }
}

/// `error.type` of an HTTP answer: the status code, for server errors only.
fn server_error(status: u16) -> Option<&'static str> {
    Some(match status {
        500 => "500",
        501 => "501",
        502 => "502",
        503 => "503",
        504 => "504",
        505..=599 => "_OTHER",
        _ => return None,
    })
}

/// The gRPC door's call durations.
#[derive(Clone, Debug)]
pub struct RpcServer {
    pub(super) duration: Histogram<f64>,
}

/// gRPC status names by code, as `rpc.response.status_code` spells them.
const GRPC_CODES: [&str; 17] = [
    "OK",
    "CANCELLED",
    "UNKNOWN",
    "INVALID_ARGUMENT",
    "DEADLINE_EXCEEDED",
    "NOT_FOUND",
    "ALREADY_EXISTS",
    "PERMISSION_DENIED",
    "RESOURCE_EXHAUSTED",
    "FAILED_PRECONDITION",
    "ABORTED",
    "OUT_OF_RANGE",
    "UNIMPLEMENTED",
    "INTERNAL",
    "UNAVAILABLE",
    "DATA_LOSS",
    "UNAUTHENTICATED",
];

impl RpcServer {
    /// One call. `method` is `package.Service/Method` (or `_OTHER`); `code` its gRPC status.
    pub fn record(&self, method: &'static str, code: i32, elapsed: Duration) {
        let name = usize::try_from(code)
            .ok()
            .and_then(|c| GRPC_CODES.get(c))
            .copied()
            .unwrap_or("UNKNOWN");
        let attributes = [
            KeyValue::new("rpc.system.name", "grpc"),
            KeyValue::new("rpc.method", method),
            KeyValue::new("rpc.response.status_code", name),
        ];
        let seconds = elapsed.as_secs_f64();
        // The conventions count only the codes a server is at fault for as errors.
        if matches!(
            name,
            "UNKNOWN"
                | "DEADLINE_EXCEEDED"
                | "UNIMPLEMENTED"
                | "INTERNAL"
                | "UNAVAILABLE"
                | "DATA_LOSS"
        ) {
            let [a, b, c] = attributes;
            self.duration
                .record(seconds, &[a, b, c, KeyValue::new("error.type", name)]);
        } else {
            self.duration.record(seconds, &attributes);
        }
    }
}

/// Rate-limit refusals of one door.
#[derive(Clone, Debug)]
pub struct RateLimitRejections {
    pub(super) counter: Counter<u64>,
    pub(super) door: &'static str,
}

impl RateLimitRejections {
    /// A request refused because `window` (`minute` or `day`) is spent.
    pub fn record(&self, window: &'static str) {
        self.counter.add(
            1,
            &[
                KeyValue::new("asteri.door", self.door),
                KeyValue::new("asteri.rate_limit.window", window),
            ],
        );
    }
}

impl Default for RateLimitRejections {
    fn default() -> Self {
        Metrics::disabled().rate_limit_rejections("none")
    }
}

/// Webhook deliveries by outcome, and the duration of the attempts.
#[derive(Clone, Debug)]
pub struct Deliveries {
    pub(super) outcomes: Counter<u64>,
    pub(super) duration: Histogram<f64>,
}

impl Default for Deliveries {
    fn default() -> Self {
        Metrics::disabled().deliveries()
    }
}

impl Deliveries {
    /// `outcome`: `succeeded`, `retrying` (the attempt failed; another is scheduled),
    /// `failed` (no attempt left, or the endpoint is gone), `throttled` (the endpoint's rate
    /// limit moved it later, not sent), `skipped` (its endpoint was deleted or disabled).
    /// `attempt`: how long the receiver took, when one was made.
    pub fn record(&self, outcome: &'static str, attempt: Option<Duration>) {
        let attributes = [KeyValue::new("asteri.webhook.outcome", outcome)];
        self.outcomes.add(1, &attributes);
        if let Some(took) = attempt {
            self.duration.record(took.as_secs_f64(), &attributes);
        }
    }
}
