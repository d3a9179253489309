/// Why telemetry could not start: a variable with a value it does not understand, an
/// exporter that could not be built, or a subscriber already installed.
#[derive(Debug, thiserror::Error)]
pub enum TelemetryError {
    #[error("{variable}={value}: {expected}")]
    Variable {
        variable: &'static str,
        value: String,
        expected: &'static str,
    },
    #[error("building the OTLP span exporter")]
    Exporter(#[from] opentelemetry_otlp::ExporterBuildError),
    #[error("installing the tracing subscriber")]
    Subscriber(#[from] tracing_subscriber::util::TryInitError),
}
