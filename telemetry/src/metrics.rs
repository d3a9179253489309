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
    sync::{Arc, Mutex},
    time::Duration,
};

use opentelemetry::metrics::{Counter, Meter, MeterProvider as _, NoopMeterProvider};
use opentelemetry_otlp::{MetricExporter, Protocol, WithExportConfig as _};
use opentelemetry_sdk::{
    Resource,
    metrics::{SdkMeterProvider, periodic_reader_with_async_runtime::PeriodicReader},
    runtime,
};

mod instruments;
mod observe;
#[cfg(test)]
mod tests;

pub use instruments::{Deliveries, HttpServer, RateLimitRejections, RpcServer, http_method};
pub use observe::{PoolReading, QueueReading, observe_count, observe_pool, observe_queue};
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
