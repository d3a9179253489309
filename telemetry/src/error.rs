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
    /// The blocking HTTP client of the http/protobuf trace export (`None`: the thread that
    /// builds it panicked).
    #[error("building the HTTP client of the OTLP span exporter")]
    HttpClient(#[source] Option<reqwest::Error>),
    #[error("installing the tracing subscriber")]
    Subscriber(#[from] tracing_subscriber::util::TryInitError),
}
