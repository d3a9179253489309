//! Metrics: one OpenTelemetry `SdkMeterProvider` per started system, read two ways: as
//! Prometheus text (`GET /metrics`, a pull reader on a registry of the system's own) and,
//! when configured, pushed over OTLP by a periodic reader (gRPC by default, http/protobuf
//! per `OTEL_EXPORTER_OTLP_PROTOCOL`).
//!
//! Every instrument is created once, here, and handed out as a small bundle ([`HttpServer`],
//! [`RpcServer`], [`RateLimitRejections`], [`Deliveries`]) whose `record` takes only static
//! strings and numbers: recording is a lookup of an existing series and an atomic update,
//! with no allocation. Names follow the OpenTelemetry semantic conventions where they
//! exist (`http.server.request.duration`, `rpc.server.call.duration`,
//! `db.client.connection.count`); the rest are `asteri.*`. README.md lists them all.
//!
//! A provider per system rather than the global one: the integration tests run many systems
//! in one process, and each must read its own numbers.

use std::{
    borrow::Cow,
    sync::{Arc, Mutex},
    time::Duration,
};

use opentelemetry::{
    KeyValue, Value,
    metrics::{Counter, Histogram, Meter, MeterProvider as _, NoopMeterProvider},
};
use opentelemetry_otlp::{MetricExporter, Protocol, WithExportConfig as _};
use opentelemetry_sdk::{
    Resource,
    metrics::{SdkMeterProvider, periodic_reader_with_async_runtime::PeriodicReader},
    runtime,
};

pub use opentelemetry::StringValue;

/// Latency buckets in seconds: the semantic conventions' HTTP buckets, plus finer ones below
/// 5 ms, where most of this platform's answers fall.
const LATENCY_BUCKETS: &[f64] = &[
    0.000_1, 0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
    5.0, 10.0,
];
/// Webhook attempts: a receiver on the internet, up to the send timeout.
const ATTEMPT_BUCKETS: &[f64] = &[
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

/// The database pool's name in `db.client.connection.pool.name`.
const POOL_NAME: &str = "asteri";

#[derive(Debug, thiserror::Error)]
pub enum MetricsError {
    #[error("{variable}={value}: {expected}")]
    Setting {
        variable: &'static str,
        value: String,
        expected: &'static str,
    },
    #[error("building the OTLP metrics exporter")]
    Exporter(#[source] opentelemetry_otlp::ExporterBuildError),
    #[error("encoding the Prometheus text")]
    Encode(#[source] prometheus::Error),
}

/// Where metrics go. [`MetricsSettings::from_env`] reads the standard variables.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MetricsSettings {
    /// `GET /metrics` answers with Prometheus text.
    pub prometheus: bool,
    /// Pushed over OTLP.
    pub otlp: Option<OtlpMetrics>,
}

impl Default for MetricsSettings {
    /// Prometheus text only: what tests and `Config::local` start with.
    fn default() -> Self {
        Self {
            prometheus: true,
            otlp: None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OtlpMetrics {
    pub protocol: OtlpProtocol,
    /// `None`: the exporter reads `OTEL_EXPORTER_OTLP_METRICS_ENDPOINT` or
    /// `OTEL_EXPORTER_OTLP_ENDPOINT` itself (adding `/v1/metrics` to the latter over HTTP),
    /// or uses its default (`http://localhost:4317`, or `:4318` over HTTP).
    pub endpoint: Option<String>,
    /// `None`: `OTEL_METRIC_EXPORT_INTERVAL` (milliseconds), else 60 s.
    pub interval: Option<Duration>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OtlpProtocol {
    Grpc,
    HttpProtobuf,
}

impl MetricsSettings {
    /// `OTEL_METRICS_EXPORTER` (a comma-separated list of `otlp`, `prometheus`, `none`)
    /// chooses the exporters. Unset, `/metrics` is served and OTLP is used when an endpoint
    /// is set (`OTEL_EXPORTER_OTLP_METRICS_ENDPOINT` or `OTEL_EXPORTER_OTLP_ENDPOINT`), so
    /// that nothing is pushed anywhere by default. The protocol is
    /// `OTEL_EXPORTER_OTLP_METRICS_PROTOCOL`, else `OTEL_EXPORTER_OTLP_PROTOCOL`, else gRPC.
    pub fn from_env() -> Result<Self, MetricsError> {
        Self::from_vars(|name| std::env::var(name).ok().filter(|v| !v.trim().is_empty()))
    }

    /// [`Self::from_env`] over any source of variables.
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<Self, MetricsError> {
        let endpoint_set = var("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT").is_some()
            || var("OTEL_EXPORTER_OTLP_ENDPOINT").is_some();
        let (prometheus, otlp) = match var("OTEL_METRICS_EXPORTER") {
            None => (true, endpoint_set),
            Some(list) => {
                let (mut prometheus, mut otlp) = (false, false);
                for name in list.split(',').map(str::trim) {
                    match name {
                        "prometheus" => prometheus = true,
                        "otlp" => otlp = true,
                        "none" => {}
                        _ => {
                            return Err(MetricsError::Setting {
                                variable: "OTEL_METRICS_EXPORTER",
                                value: list.clone(),
                                expected: "a comma-separated list of otlp, prometheus, none",
                            });
                        }
                    }
                }
                (prometheus, otlp)
            }
        };
        let otlp = if otlp {
            let (variable, value) = match var("OTEL_EXPORTER_OTLP_METRICS_PROTOCOL") {
                Some(v) => ("OTEL_EXPORTER_OTLP_METRICS_PROTOCOL", Some(v)),
                None => (
                    "OTEL_EXPORTER_OTLP_PROTOCOL",
                    var("OTEL_EXPORTER_OTLP_PROTOCOL"),
                ),
            };
            let protocol = match value.as_deref().map(str::trim) {
                None | Some("grpc") => OtlpProtocol::Grpc,
                Some("http/protobuf") => OtlpProtocol::HttpProtobuf,
                Some(other) => {
                    return Err(MetricsError::Setting {
                        variable,
                        value: other.to_owned(),
                        expected: "grpc or http/protobuf",
                    });
                }
            };
            Some(OtlpMetrics {
                protocol,
                endpoint: None,
                interval: None,
            })
        } else {
            None
        };
        Ok(Self { prometheus, otlp })
    }
}

/// The metrics of one system: the provider, its Prometheus registry, and every instrument.
#[derive(Clone)]
pub struct Metrics {
    inner: Arc<Inner>,
}

struct Inner {
    provider: Option<SdkMeterProvider>,
    registry: Option<prometheus::Registry>,
    meter: Meter,
    http: HttpServer,
    rpc: RpcServer,
    rejections: Counter<u64>,
    deliveries: Deliveries,
    /// Whether [`Metrics::shutdown`] ran (so that it runs once).
    shut: Mutex<bool>,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics")
            .field("prometheus", &self.inner.registry.is_some())
            .field("enabled", &self.inner.provider.is_some())
            .finish()
    }
}

impl Metrics {
    /// Starts the readers `settings` asks for. With none, every instrument is a no-op.
    /// Call it inside a Tokio runtime: the OTLP reader exports from a task of its own.
    pub fn start(settings: &MetricsSettings) -> Result<Self, MetricsError> {
        if !settings.prometheus && settings.otlp.is_none() {
            return Ok(Self::disabled());
        }
        let mut builder = SdkMeterProvider::builder().with_resource(resource());
        let registry = if settings.prometheus {
            let registry = prometheus::Registry::new();
            let exporter = opentelemetry_prometheus::exporter()
                .with_registry(registry.clone())
                // Every series would carry `otel_scope_name="asteri"`: there is one scope.
                .scope_info_enabled(false)
                .build()
                .map_err(|e| MetricsError::Setting {
                    variable: "OTEL_METRICS_EXPORTER",
                    value: format!("prometheus ({e})"),
                    expected: "a Prometheus registry",
                })?;
            builder = builder.with_reader(exporter);
            Some(registry)
        } else {
            None
        };
        if let Some(otlp) = &settings.otlp {
            let exporter = match otlp.protocol {
                OtlpProtocol::Grpc => {
                    let mut b = MetricExporter::builder().with_tonic();
                    if let Some(endpoint) = &otlp.endpoint {
                        b = b.with_endpoint(endpoint.clone());
                    }
                    b.build()
                }
                OtlpProtocol::HttpProtobuf => {
                    let mut b = MetricExporter::builder()
                        .with_http()
                        .with_protocol(Protocol::HttpBinary);
                    if let Some(endpoint) = &otlp.endpoint {
                        b = b.with_endpoint(endpoint.clone());
                    }
                    b.build()
                }
            }
            .map_err(MetricsError::Exporter)?;
            let mut reader = PeriodicReader::builder(exporter, runtime::Tokio);
            if let Some(interval) = otlp.interval {
                reader = reader.with_interval(interval);
            }
            builder = builder.with_reader(reader.build());
        }
        let provider = builder.build();
        let meter = provider.meter("asteri");
        Ok(Self::with_meter(Some(provider), registry, meter))
    }

    /// Nothing recorded, nothing served: for code run without a system (tools, unit tests).
    pub fn disabled() -> Self {
        let meter = NoopMeterProvider::new().meter("asteri");
        Self::with_meter(None, None, meter)
    }

    fn with_meter(
        provider: Option<SdkMeterProvider>,
        registry: Option<prometheus::Registry>,
        meter: Meter,
    ) -> Self {
        let http = HttpServer {
            duration: meter
                .f64_histogram("http.server.request.duration")
                .with_unit("s")
                .with_description("Duration of REST requests, until the response head")
                .with_boundaries(LATENCY_BUCKETS.to_vec())
                .build(),
        };
        let rpc = RpcServer {
            duration: meter
                .f64_histogram("rpc.server.call.duration")
                .with_unit("s")
                .with_description("Duration of gRPC calls, direct and forwarded by the gateway")
                .with_boundaries(LATENCY_BUCKETS.to_vec())
                .build(),
        };
        let rejections = meter
            .u64_counter("asteri.rate_limit.rejections")
            .with_unit("{request}")
            .with_description("Requests refused because a key's budget was spent")
            .build();
        let deliveries = Deliveries {
            outcomes: meter
                .u64_counter("asteri.webhook.deliveries")
                .with_unit("{delivery}")
                .with_description("Webhook deliveries handled by this process's worker, by outcome")
                .build(),
            duration: meter
                .f64_histogram("asteri.webhook.attempt.duration")
                .with_unit("s")
                .with_description("Duration of webhook attempts (the receiver's answer)")
                .with_boundaries(ATTEMPT_BUCKETS.to_vec())
                .build(),
        };
        Self {
            inner: Arc::new(Inner {
                provider,
                registry,
                meter,
                http,
                rpc,
                rejections,
                deliveries,
                shut: Mutex::new(false),
            }),
        }
    }

    /// The meter, for observable instruments registered by the crate that can read them.
    pub fn meter(&self) -> &Meter {
        &self.inner.meter
    }

    pub fn http_server(&self) -> HttpServer {
        self.inner.http.clone()
    }

    pub fn rpc_server(&self) -> RpcServer {
        self.inner.rpc.clone()
    }

    /// The rejections counter of one door (`rest` or `grpc`).
    pub fn rate_limit_rejections(&self, door: &'static str) -> RateLimitRejections {
        RateLimitRejections {
            counter: self.inner.rejections.clone(),
            door,
        }
    }

    pub fn deliveries(&self) -> Deliveries {
        self.inner.deliveries.clone()
    }

    /// Whether `GET /metrics` has anything to answer.
    pub fn serves_prometheus(&self) -> bool {
        self.inner.registry.is_some()
    }

    /// Every series in the Prometheus text format (`None` when Prometheus is off).
    pub fn prometheus_text(&self) -> Option<Result<String, MetricsError>> {
        use prometheus::Encoder as _;
        let registry = self.inner.registry.as_ref()?;
        let mut text = Vec::new();
        Some(
            prometheus::TextEncoder::new()
                .encode(&registry.gather(), &mut text)
                .map_err(MetricsError::Encode)
                .map(|()| String::from_utf8_lossy(&text).into_owned()),
        )
    }

    /// Exports what the OTLP reader has not sent yet and stops the readers. Runs once; on a
    /// blocking thread, because the reader's shutdown waits for its export task.
    pub async fn shutdown(&self) {
        let Some(provider) = self.inner.provider.clone() else {
            return;
        };
        {
            let mut shut = self.inner.shut.lock().unwrap_or_else(|e| e.into_inner());
            if *shut {
                return;
            }
            *shut = true;
        }
        let done = tokio::task::spawn_blocking(move || provider.shutdown()).await;
        if let Ok(Err(err)) = done {
            tracing::warn!(
                error = &err as &dyn std::error::Error,
                "stopping the metrics readers"
            );
        }
    }
}

/// `service.name` is `asteri` unless `OTEL_SERVICE_NAME` or `OTEL_RESOURCE_ATTRIBUTES` name
/// it; the resource detectors read those variables.
fn resource() -> Resource {
    let named = std::env::var("OTEL_SERVICE_NAME").is_ok_and(|v| !v.trim().is_empty())
        || std::env::var("OTEL_RESOURCE_ATTRIBUTES").is_ok_and(|v| v.contains("service.name="));
    let builder = Resource::builder();
    if named {
        builder.build()
    } else {
        builder.with_service_name("asteri").build()
    }
}

/// The REST door's request durations.
#[derive(Clone, Debug)]
pub struct HttpServer {
    duration: Histogram<f64>,
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
        500..=599 => "_OTHER",
        _ => return None,
    })
}

/// The gRPC door's call durations.
#[derive(Clone, Debug)]
pub struct RpcServer {
    duration: Histogram<f64>,
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
    counter: Counter<u64>,
    door: &'static str,
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
    outcomes: Counter<u64>,
    duration: Histogram<f64>,
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

/// The database pool as sqlx reports it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PoolReading {
    /// Open connections (idle and in use).
    pub size: u32,
    pub idle: u32,
    pub max: u32,
}

/// Registers `db.client.connection.count` (by `db.client.connection.state`: `idle`, `used`)
/// and `db.client.connection.max`, read from `read` at each collection.
pub fn observe_pool(metrics: &Metrics, read: impl Fn() -> PoolReading + Send + Sync + 'static) {
    let read = Arc::new(read);
    let count = Arc::clone(&read);
    let _ = metrics
        .meter()
        .i64_observable_up_down_counter("db.client.connection.count")
        .with_unit("{connection}")
        .with_description("Connections of the database pool, by state")
        .with_callback(move |observer| {
            let reading = count();
            let used = reading.size.saturating_sub(reading.idle);
            for (state, n) in [("idle", reading.idle), ("used", used)] {
                observer.observe(
                    i64::from(n),
                    &[
                        KeyValue::new("db.client.connection.pool.name", POOL_NAME),
                        KeyValue::new("db.client.connection.state", state),
                    ],
                );
            }
        })
        .build();
    let _ = metrics
        .meter()
        .i64_observable_up_down_counter("db.client.connection.max")
        .with_unit("{connection}")
        .with_description("The most connections the database pool opens")
        .with_callback(move |observer| {
            observer.observe(
                i64::from(read().max),
                &[KeyValue::new("db.client.connection.pool.name", POOL_NAME)],
            );
        })
        .build();
}

/// The delivery queue, as last sampled.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct QueueReading {
    /// Deliveries not yet succeeded or given up (due, claimed, or waiting for a retry).
    pub pending: u64,
    /// Pending deliveries due now and claimed by no worker: what workers have yet to take.
    pub due: u64,
    /// How long the oldest of those has been due, in seconds (0 when none is).
    pub oldest_due_age: f64,
}

/// Registers `asteri.webhook.queue.depth`, `asteri.webhook.queue.due` and
/// `asteri.webhook.queue.oldest_due_age`, read from `read` at each collection (`None`: not
/// sampled yet, nothing reported).
pub fn observe_queue(
    metrics: &Metrics,
    read: impl Fn() -> Option<QueueReading> + Send + Sync + 'static,
) {
    let read = Arc::new(read);
    let gauges: [(
        &'static str,
        &'static str,
        &'static str,
        fn(&QueueReading) -> f64,
    ); 3] = [
        (
            "asteri.webhook.queue.depth",
            "{delivery}",
            "Pending webhook deliveries (due, in flight, or waiting for a retry)",
            |r| r.pending as f64,
        ),
        (
            "asteri.webhook.queue.due",
            "{delivery}",
            "Webhook deliveries due now that no worker has claimed",
            |r| r.due as f64,
        ),
        (
            "asteri.webhook.queue.oldest_due_age",
            "s",
            "How long the oldest unclaimed due delivery has waited",
            |r| r.oldest_due_age,
        ),
    ];
    for (name, unit, description, value) in gauges {
        let read = Arc::clone(&read);
        let _ = metrics
            .meter()
            .f64_observable_gauge(name)
            .with_unit(unit)
            .with_description(description)
            .with_callback(move |observer| {
                if let Some(reading) = read() {
                    observer.observe(value(&reading), &[]);
                }
            })
            .build();
    }
}

/// Registers a monotonic count read at each collection (the edge's own counters).
pub fn observe_count(
    metrics: &Metrics,
    name: &'static str,
    description: &'static str,
    attribute: Option<(&'static str, &'static str)>,
    read: impl Fn() -> u64 + Send + Sync + 'static,
) {
    let attributes: Cow<'static, [KeyValue]> = match attribute {
        Some((k, v)) => Cow::Owned(vec![KeyValue::new(k, v)]),
        None => Cow::Borrowed(&[]),
    };
    let _ = metrics
        .meter()
        .u64_observable_counter(name)
        .with_unit("{request}")
        .with_description(description)
        .with_callback(move |observer| observer.observe(read(), &attributes))
        .build();
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn settings(vars: &[(&str, &str)]) -> Result<MetricsSettings, MetricsError> {
        let vars: HashMap<&str, &str> = vars.iter().copied().collect();
        MetricsSettings::from_vars(|name| vars.get(name).map(|v| (*v).to_owned()))
    }

    #[test]
    fn exporters_follow_the_standard_variables() {
        assert_eq!(settings(&[]).unwrap(), MetricsSettings::default());
        let grpc = settings(&[("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4317")]).unwrap();
        assert!(grpc.prometheus);
        assert_eq!(grpc.otlp.unwrap().protocol, OtlpProtocol::Grpc);
        let http = settings(&[
            (
                "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT",
                "http://c:4318/v1/metrics",
            ),
            ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf"),
        ])
        .unwrap();
        assert_eq!(http.otlp.unwrap().protocol, OtlpProtocol::HttpProtobuf);
        let none = settings(&[
            ("OTEL_METRICS_EXPORTER", "none"),
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4317"),
        ])
        .unwrap();
        assert_eq!(
            none,
            MetricsSettings {
                prometheus: false,
                otlp: None
            }
        );
        let only_otlp = settings(&[("OTEL_METRICS_EXPORTER", "otlp")]).unwrap();
        assert!(!only_otlp.prometheus && only_otlp.otlp.is_some());
    }

    #[test]
    fn bad_settings_name_their_variable() {
        for (name, value) in [
            ("OTEL_METRICS_EXPORTER", "statsd"),
            ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/json"),
        ] {
            let mut vars = vec![(name, value)];
            if name != "OTEL_METRICS_EXPORTER" {
                vars.push(("OTEL_METRICS_EXPORTER", "otlp"));
            }
            let err = settings(&vars).unwrap_err();
            assert!(err.to_string().contains(name), "{err}");
        }
    }

    #[test]
    fn recorded_series_read_back_as_prometheus_text() {
        let metrics = Metrics::start(&MetricsSettings::default()).unwrap();
        metrics.http_server().record(
            "GET",
            Some(StringValue::from("/api/public/v1/customers/{id}")),
            503,
            Duration::from_millis(3),
        );
        metrics
            .rpc_server()
            .record("asteri.v1.CustomersService/GetCustomer", 5, Duration::ZERO);
        metrics.rate_limit_rejections("rest").record("minute");
        let text = metrics.prometheus_text().unwrap().unwrap();
        for needle in [
            r#"http_server_request_duration_seconds_count{error_type="503",http_request_method="GET",http_response_status_code="503",http_route="/api/public/v1/customers/{id}"} 1"#,
            r#"rpc_server_call_duration_seconds_count{rpc_method="asteri.v1.CustomersService/GetCustomer",rpc_response_status_code="NOT_FOUND",rpc_system_name="grpc"} 1"#,
            r#"asteri_rate_limit_rejections_total{asteri_door="rest",asteri_rate_limit_window="minute"} 1"#,
            r#"service_name="asteri""#,
        ] {
            assert!(text.contains(needle), "{needle} in\n{text}");
        }
        assert!(Metrics::disabled().prometheus_text().is_none());
    }
}
