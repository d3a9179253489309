//! Telemetry for every role of the `asteri` binary: traces and metrics through OpenTelemetry
//! (OTLP export switched on by the standard `OTEL_*` variables), and the process's logs.
//!
//! [`init`] installs the process's one subscriber. Tests build the same layers with a tracer
//! provider of their own (`traces::provider`, `traces::layer`, `logs::layer`).

mod error;
pub mod logs;
pub mod metrics;
pub mod spans;
pub mod traces;

pub use error::TelemetryError;

use tracing_subscriber::{layer::SubscriberExt as _, util::SubscriberInitExt as _};

/// What [`init`] started; [`Telemetry::shutdown`] flushes it before the process exits.
#[must_use = "dropping it loses the spans not yet exported; call shutdown"]
pub struct Telemetry {
    pub traces: Option<traces::Traces>,
}

impl Telemetry {
    /// Exports what is still buffered and stops the exporters.
    pub fn shutdown(self) {
        if let Some(traces) = self.traces {
            traces.shutdown();
        }
    }
}

/// Installs the process's subscriber: log lines on stderr (`RUST_LOG`, `ASTERI_LOG_FORMAT`)
/// and, only when an OTLP endpoint is configured, the OpenTelemetry layer. Call it inside
/// the Tokio runtime (the gRPC exporter's channel lives there).
pub fn init() -> Result<Telemetry, TelemetryError> {
    let format = logs::LogFormat::from_env()?;
    let traces = traces::TraceExport::from_env()?
        .map(|export| traces::Traces::start(&export))
        .transpose()?;
    tracing_subscriber::registry()
        .with(traces.as_ref().map(traces::Traces::layer))
        .with(logs::layer(format, std::io::stderr, stderr_is_terminal()))
        .try_init()?;
    Ok(Telemetry { traces })
}

fn stderr_is_terminal() -> bool {
    use std::io::IsTerminal as _;
    std::io::stderr().is_terminal()
}
