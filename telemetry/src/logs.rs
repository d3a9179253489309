//! Log lines: human-readable text by default, JSON lines for log shippers
//! (`ASTERI_LOG_FORMAT=json`). A request's lines carry its request id through the request
//! spans (`crate::spans`): the text format prints the span's fields before the message, the
//! JSON format puts them under `span` and `spans`.

use tracing::Subscriber;
use tracing_subscriber::{EnvFilter, Layer, fmt::MakeWriter, registry::LookupSpan};

use crate::TelemetryError;

mod fields;

use fields::PlainFields;

/// What `RUST_LOG` is when unset: the platform's own lines, not every statement of sqlx and
/// sea-orm (their spans go to traces, not to the log).
pub const DEFAULT_FILTER: &str = "info,sqlx=warn,sea_orm=warn,h2=warn,tower=warn";

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

impl LogFormat {
    /// `ASTERI_LOG_FORMAT`: `text` (or unset) or `json`.
    pub fn from_env() -> Result<Self, TelemetryError> {
        match std::env::var("ASTERI_LOG_FORMAT")
            .ok()
            .as_deref()
            .map(str::trim)
        {
            None | Some("" | "text") => Ok(Self::Text),
            Some("json") => Ok(Self::Json),
            Some(other) => Err(TelemetryError::Variable {
                variable: "ASTERI_LOG_FORMAT",
                value: other.to_owned(),
                expected: "use text or json",
            }),
        }
    }
}

/// `RUST_LOG`, or [`DEFAULT_FILTER`] when unset or not understood.
pub fn filter() -> EnvFilter {
    EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER))
}

/// The log layer in `format`, writing to `writer`, filtered by [`filter`] on its own (the
/// trace layer has a filter of its own, so that statements become spans without becoming
/// log lines). Text is coloured only for a terminal (`ansi`), never into a file or a pipe.
pub fn layer<S, W>(format: LogFormat, writer: W, ansi: bool) -> Box<dyn Layer<S> + Send + Sync>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    let filter = filter();
    match format {
        LogFormat::Text => tracing_subscriber::fmt::layer()
            .fmt_fields(PlainFields)
            .with_ansi(ansi)
            .with_writer(writer)
            .with_filter(filter)
            .boxed(),
        LogFormat::Json => tracing_subscriber::fmt::layer()
            .json()
            .with_ansi(false)
            .with_current_span(true)
            .with_span_list(true)
            .with_writer(writer)
            .with_filter(filter)
            .boxed(),
    }
}

/// An error and its sources in one line (`outer: inner: root`), for a log field: the JSON
/// format writes an error field's `Display` only, which would drop the chain.
pub struct Chain<'a>(pub &'a (dyn std::error::Error + 'static));

impl std::fmt::Display for Chain<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)?;
        let mut source = self.0.source();
        while let Some(cause) = source {
            write!(f, ": {cause}")?;
            source = cause.source();
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #[derive(Debug, thiserror::Error)]
    #[error("outer")]
    struct Outer(#[source] std::io::Error);

    #[test]
    fn a_chain_names_every_cause() {
        let err = Outer(std::io::Error::other("root"));
        assert_eq!(super::Chain(&err).to_string(), "outer: root");
    }
}
