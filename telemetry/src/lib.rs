//! Telemetry for every role of the `asteri` binary: traces and metrics through OpenTelemetry
//! (OTLP export switched on by the standard `OTEL_*` variables), and the process's logs.
pub mod metrics;
