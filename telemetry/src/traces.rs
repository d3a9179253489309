//! Traces: the OTLP export of the spans `crate::spans` names, plus sea-orm's statement
//! spans with their attributes renamed to the current database conventions.
//!
//! Export is on only when an endpoint is configured (`OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` or
//! `OTEL_EXPORTER_OTLP_ENDPOINT`). Without one there is no OpenTelemetry layer at all: the
//! request spans stay plain `tracing` spans for the log, and [`active`] tells the span
//! helpers to skip context extraction, injection and attributes.

use std::{
    borrow::Cow,
    sync::atomic::{AtomicBool, Ordering},
    time::Duration,
};

use opentelemetry::{KeyValue, Value, trace::TracerProvider as _};
use opentelemetry_otlp::WithExportConfig as _;
use opentelemetry_otlp::WithHttpConfig as _;
use opentelemetry_sdk::{
    Resource,
    error::OTelSdkResult,
    trace::{BatchSpanProcessor, SdkTracerProvider, Span, SpanData, SpanProcessor},
};
use tracing::Subscriber;
use tracing_subscriber::{Layer, filter::Targets, registry::LookupSpan};

use crate::TelemetryError;

static ACTIVE: AtomicBool = AtomicBool::new(false);

/// Whether an OpenTelemetry layer was built in this process: the span helpers do the
/// tracing-only work (parents, links, attributes, propagation) only then.
pub fn active() -> bool {
    ACTIVE.load(Ordering::Relaxed)
}

/// The OTLP transport (`OTEL_EXPORTER_OTLP_PROTOCOL`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Protocol {
    /// `grpc`, the default.
    Grpc,
    /// `http/protobuf`.
    HttpProtobuf,
}

/// Where spans go.
#[derive(Clone, Debug)]
pub struct TraceExport {
    pub protocol: Protocol,
    /// `None`: the exporter reads the `OTEL_EXPORTER_OTLP_*ENDPOINT` variables itself. With
    /// http/protobuf, an endpoint given here is the whole URL (`.../v1/traces`).
    pub endpoint: Option<String>,
}

fn env(name: &str) -> Option<String> {
    std::env::var(name)
        .ok()
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

impl TraceExport {
    /// The export the standard variables ask for, or `None` when no endpoint is set (or
    /// `OTEL_SDK_DISABLED=true`, or `OTEL_TRACES_EXPORTER=none`).
    pub fn from_env() -> Result<Option<Self>, TelemetryError> {
        let disabled = env("OTEL_SDK_DISABLED").is_some_and(|v| v.eq_ignore_ascii_case("true"));
        let exporter = env("OTEL_TRACES_EXPORTER");
        let endpoint = env("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
            .or_else(|| env("OTEL_EXPORTER_OTLP_ENDPOINT"));
        if disabled || endpoint.is_none() || exporter.as_deref() == Some("none") {
            return Ok(None);
        }
        if let Some(other) = exporter.filter(|e| e != "otlp") {
            return Err(TelemetryError::Variable {
                variable: "OTEL_TRACES_EXPORTER",
                value: other,
                expected: "use otlp or none",
            });
        }
        let (variable, protocol) = match env("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL") {
            Some(p) => ("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", Some(p)),
            None => (
                "OTEL_EXPORTER_OTLP_PROTOCOL",
                env("OTEL_EXPORTER_OTLP_PROTOCOL"),
            ),
        };
        let protocol = match protocol.as_deref() {
            None | Some("grpc") => Protocol::Grpc,
            Some("http/protobuf") => Protocol::HttpProtobuf,
            Some(other) => {
                return Err(TelemetryError::Variable {
                    variable,
                    value: other.to_owned(),
                    expected: "use grpc or http/protobuf",
                });
            }
        };
        Ok(Some(Self {
            protocol,
            endpoint: None,
        }))
    }
}

/// A running trace export: the tracer provider (batching, on a thread of the SDK's own).
#[derive(Clone, Debug)]
pub struct Traces {
    provider: SdkTracerProvider,
}

impl Traces {
    /// Builds the exporter and the provider. The sampler is the SDK's, from
    /// `OTEL_TRACES_SAMPLER` / `OTEL_TRACES_SAMPLER_ARG` (default: parent-based, always on);
    /// the resource from `OTEL_SERVICE_NAME` and `OTEL_RESOURCE_ATTRIBUTES` (service name
    /// `asteri` when neither names one). Must run inside the Tokio runtime for gRPC.
    pub fn start(export: &TraceExport) -> Result<Self, TelemetryError> {
        let exporter = match export.protocol {
            Protocol::Grpc => {
                let builder = opentelemetry_otlp::SpanExporter::builder().with_tonic();
                match &export.endpoint {
                    Some(endpoint) => builder.with_endpoint(endpoint).build()?,
                    None => builder.build()?,
                }
            }
            Protocol::HttpProtobuf => {
                // The batch processor exports from a thread of its own, with no Tokio
                // runtime: the blocking client, which reqwest builds only off the runtime.
                // 10 s: the OTLP exporters' default export timeout.
                let client = std::thread::spawn(|| {
                    reqwest::blocking::Client::builder()
                        .timeout(std::time::Duration::from_secs(10))
                        .build()
                })
                .join()
                .map_err(|_| TelemetryError::HttpClient(None))?
                .map_err(|err| TelemetryError::HttpClient(Some(err)))?;
                let builder = opentelemetry_otlp::SpanExporter::builder()
                    .with_http()
                    .with_http_client(client)
                    .with_protocol(opentelemetry_otlp::Protocol::HttpBinary);
                match &export.endpoint {
                    Some(endpoint) => builder.with_endpoint(endpoint).build()?,
                    None => builder.build()?,
                }
            }
        };
        let mut resource = Resource::builder();
        let named = env("OTEL_SERVICE_NAME").is_some()
            || env("OTEL_RESOURCE_ATTRIBUTES").is_some_and(|a| a.contains("service.name="));
        if !named {
            resource = resource.with_service_name("asteri");
        }
        let provider = SdkTracerProvider::builder()
            .with_span_processor(DatabaseConventions(
                BatchSpanProcessor::builder(exporter).build(),
            ))
            .with_resource(resource.build())
            .build();
        Ok(Self { provider })
    }

    pub fn provider(&self) -> &SdkTracerProvider {
        &self.provider
    }

    /// The OpenTelemetry layer: the platform's spans at `info` and above, no log events of
    /// sqlx (their statements are already spans) and no spans below `info` (sea-orm's
    /// `trace`-level function spans would double every statement).
    pub fn layer<S>(&self) -> Box<dyn Layer<S> + Send + Sync>
    where
        S: Subscriber + for<'a> LookupSpan<'a> + Send + Sync,
    {
        ACTIVE.store(true, Ordering::Relaxed);
        let filter = Targets::new()
            .with_default(tracing::Level::INFO)
            .with_target("sqlx", tracing::level_filters::LevelFilter::OFF)
            .with_target("h2", tracing::Level::WARN)
            .with_target("tower", tracing::Level::WARN)
            .with_target("hyper", tracing::Level::WARN);
        tracing_opentelemetry::layer()
            .with_tracer(self.provider.tracer("asteri"))
            .with_threads(false)
            .with_filter(filter)
            .boxed()
    }

    /// Exports what is buffered now (a test's receiver is then complete). Blocks: call it
    /// off the runtime's threads (`spawn_blocking`), as the gRPC export needs them.
    pub fn flush(&self) -> OTelSdkResult {
        self.provider.force_flush()
    }

    /// Exports what is buffered and stops the exporter. Blocks like [`Traces::flush`].
    pub fn shutdown(self) {
        if let Err(err) = self.provider.shutdown_with_timeout(Duration::from_secs(5)) {
            tracing::warn!(
                error = &err as &dyn std::error::Error,
                "the trace exporter did not shut down cleanly"
            );
        }
    }
}

/// sea-orm's statement spans (`tracing-spans`) carry the older database attribute names and
/// a span name of their own (`sea_orm.execute`). This processor renames them to the current
/// conventions before export: `db.system.name`, `db.operation.name`, `db.query.text` (the
/// statement with `$n`/`?` placeholders: values are bound, never in the text) and the span
/// name `{operation} {table}`.
#[derive(Debug)]
struct DatabaseConventions<P>(P);

impl<P: SpanProcessor> SpanProcessor for DatabaseConventions<P> {
    fn on_start(&self, span: &mut Span, cx: &opentelemetry::Context) {
        self.0.on_start(span, cx);
    }

    fn on_end(&self, mut span: SpanData) {
        if span.name.starts_with("sea_orm.") {
            rename_database_span(&mut span);
        }
        self.0.on_end(span);
    }

    fn force_flush(&self) -> OTelSdkResult {
        self.0.force_flush()
    }

    fn shutdown_with_timeout(&self, timeout: Duration) -> OTelSdkResult {
        self.0.shutdown_with_timeout(timeout)
    }

    fn set_resource(&mut self, resource: &Resource) {
        self.0.set_resource(resource);
    }
}

fn rename_database_span(span: &mut SpanData) {
    let mut table = None;
    let mut first_word = None;
    let mut sea_orm_operation = None;
    span.attributes.retain(|kv| {
        let operation = kv.key.as_str() == "db.operation";
        if operation {
            sea_orm_operation = Some(kv.value.to_string());
        }
        !operation
    });
    for kv in &mut span.attributes {
        let renamed = match kv.key.as_str() {
            "db.system" => "db.system.name",
            "db.statement" => "db.query.text",
            _ => continue,
        };
        if renamed == "db.query.text" {
            let text = kv.value.as_str();
            table = first_table(&text).map(str::to_owned);
            first_word = first_operation(&text);
        }
        *kv = KeyValue::new(renamed, std::mem::replace(&mut kv.value, Value::from("")));
    }
    // sea-orm says EXECUTE for anything but SELECT, INSERT, UPDATE and DELETE: a
    // transaction's steps are named by the span, other statements by their first operation
    // (for a `WITH`, the PostgreSQL writes that insert a row, its audit record and its event
    // at once, the first CTE's: `INSERT customers`).
    let operation = match span.name.as_ref() {
        "sea_orm.begin" => Some("BEGIN".to_owned()),
        "sea_orm.commit" => Some("COMMIT".to_owned()),
        "sea_orm.rollback" => Some("ROLLBACK".to_owned()),
        _ => first_word.or(sea_orm_operation),
    };
    if let Some(op) = &operation {
        span.attributes
            .push(KeyValue::new("db.operation.name", op.clone()));
    }
    if let Some(table) = &table {
        span.attributes
            .push(KeyValue::new("db.collection.name", table.clone()));
    }
    span.name = match (operation, table) {
        (Some(op), Some(table)) => Cow::Owned(format!("{op} {table}")),
        (Some(op), None) => Cow::Owned(op),
        _ => span.name.clone(),
    };
}

/// A statement's operation: its first word, or for a `WITH` the first CTE's statement.
fn first_operation(sql: &str) -> Option<String> {
    let mut words = sql.split_whitespace();
    let first = words.next()?;
    if !first.eq_ignore_ascii_case("WITH") {
        return Some(first.to_ascii_uppercase());
    }
    words
        .map(|w| w.trim_start_matches('('))
        .find(|w| {
            ["INSERT", "UPDATE", "DELETE", "SELECT"]
                .iter()
                .any(|k| w.eq_ignore_ascii_case(k))
        })
        .map(str::to_ascii_uppercase)
        .or_else(|| Some("WITH".to_owned()))
}

/// The table a statement reads or writes first: what follows `FROM`, `INTO` or `UPDATE`.
fn first_table(sql: &str) -> Option<&str> {
    let mut words = sql.split_whitespace();
    while let Some(word) = words.next() {
        if ["FROM", "INTO", "UPDATE"]
            .iter()
            .any(|k| word.eq_ignore_ascii_case(k))
        {
            let name = words
                .next()?
                .trim_matches(|c| c == '"' || c == '`' || c == '(');
            let name = name.split('(').next().unwrap_or(name);
            return Some(name.trim_matches('"')).filter(|n| !n.is_empty());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::{first_operation, first_table};

    #[test]
    fn the_operation_of_a_statement_and_of_a_cte() {
        assert_eq!(first_operation("select 1").as_deref(), Some("SELECT"));
        assert_eq!(
            first_operation(r#"WITH created AS (INSERT INTO "customers" ("id") VALUES ($1))"#)
                .as_deref(),
            Some("INSERT")
        );
        assert_eq!(first_operation("WITH x").as_deref(), Some("WITH"));
        assert_eq!(
            first_table(r#"WITH created AS (INSERT INTO "customers" ("id") VALUES ($1))"#),
            Some("customers")
        );
    }

    #[test]
    fn the_first_table_of_a_statement() {
        assert_eq!(
            first_table(r#"SELECT "customers"."id" FROM "customers" WHERE "id" = $1"#),
            Some("customers")
        );
        assert_eq!(
            first_table(r#"INSERT INTO "events" ("id") VALUES (?)"#),
            Some("events")
        );
        assert_eq!(
            first_table("UPDATE webhook_deliveries SET"),
            Some("webhook_deliveries")
        );
        assert_eq!(first_table("BEGIN"), None);
    }
}
