//! The text log's field formatter: tracing-subscriber's `DefaultFields`, byte for byte, with
//! a shortcut for the values every request span carries.
//!
//! Why: the text layer formats a span's fields when the span is made and again at each
//! `record`, whether or not a line is ever written inside it (it keeps them in the span's
//! extensions for the lines that may come). Every request makes two or three such spans
//! (`crate::spans`: the request id, the organization, the key, the status), and
//! `DefaultFields` writes each string value with `{:?}`: `str`'s `Debug`, which checks every
//! character for an escape, through `core::fmt`. Callgrind, a direct `GetCustomer`: the
//! text layer's `on_new_span` and `on_record` cost about 9,000 instructions a call, most of
//! it that escaping of ids that never need it.
//!
//! The shortcut: a string value made only of printable ASCII other than `"` and `\` is
//! exactly its `Debug` form between quotes, so it is written as `name="value"` directly, in
//! one write (9,000 -> 4,800 instructions a `GetCustomer` for the two callbacks); an
//! integer (the status codes) as `name=digits`, its `Debug` form, with `itoa`.
//! Everything else (the `message`, other value types, a string needing an escape, names
//! `DefaultFields` treats specially, coloured output) goes to `DefaultFields`' own visitor,
//! so the output stays the same (`tests` below hold the two equal).

use std::fmt;

use tracing::field::{Field, Visit};
use tracing_subscriber::{
    field::{MakeVisitor, VisitFmt, VisitOutput},
    fmt::format::{DefaultVisitor, Writer},
};

/// `DefaultFields` with the plain-string shortcut (see the module's comment).
#[derive(Debug, Default, Clone, Copy)]
pub struct PlainFields;

impl<'a> MakeVisitor<Writer<'a>> for PlainFields {
    type Visitor = PlainVisitor<'a>;

    fn make_visitor(&self, target: Writer<'a>) -> Self::Visitor {
        PlainVisitor {
            writer: target,
            is_empty: true,
            result: Ok(()),
        }
    }
}

/// Formats one span's or event's fields: see [`PlainFields`].
pub struct PlainVisitor<'a> {
    writer: Writer<'a>,
    /// Whether no field was written yet (the next one is then not preceded by a space).
    is_empty: bool,
    result: fmt::Result,
}

impl PlainVisitor<'_> {
    /// `DefaultFields`' visitor records the field, continuing where this one is.
    fn default_visitor(&mut self, field: &Field, record: impl FnOnce(&mut DefaultVisitor<'_>)) {
        if self.result.is_err() {
            return;
        }
        let mut visitor = DefaultVisitor::new(self.writer.by_ref(), self.is_empty);
        record(&mut visitor);
        self.result = visitor.finish();
        // It writes every field but the `log.*` ones, which it skips (the metadata of a
        // `log` record, printed elsewhere).
        self.is_empty &= field.name().starts_with("log.");
    }
}

/// Whether `value`'s `Debug` form is `"value"`: printable ASCII, no quote, no backslash.
/// Without an early exit, so that the compiler checks many bytes at a time (the values
/// are ids of 30-40 bytes; callgrind: about 350 instructions each with `all`).
fn plain(value: &str) -> bool {
    value.bytes().fold(true, |plain, b| {
        plain & (b' '..=b'~').contains(&b) & (b != b'"') & (b != b'\\')
    })
}

/// The longest `name="value"` (with its leading space) written in one piece; longer
/// fields are written in parts.
const ONE_WRITE: usize = 128;

impl PlainVisitor<'_> {
    /// Whether `field` can take the shortcut at all: `DefaultFields` writes the `message`,
    /// the `log.*` and `r#` names and coloured output its own way.
    fn shortcut(&self, field: &Field) -> bool {
        let name = field.name();
        !(name == "message"
            || name.starts_with("log.")
            || name.starts_with("r#")
            || self.writer.has_ansi_escapes())
    }

    /// Writes ` name=<open>value<close>` (no leading space for the first field).
    fn write_field(&mut self, field: &Field, open: &str, value: &str, close: &str) {
        if self.result.is_err() {
            return;
        }
        let pad = if self.is_empty { "" } else { " " };
        self.is_empty = false;
        let parts = [pad, field.name(), open, value, close];
        // One write rather than five: each goes through `dyn fmt::Write` into the span's
        // string and may grow it.
        let mut bytes = [0; ONE_WRITE];
        let mut len = 0;
        for part in parts {
            if let Some(to) = bytes.get_mut(len..len + part.len()) {
                to.copy_from_slice(part.as_bytes());
            }
            len += part.len();
        }
        self.result = match bytes.get(..len).map(std::str::from_utf8) {
            Some(Ok(whole)) => self.writer.write_str(whole),
            _ => parts
                .into_iter()
                .try_for_each(|part| self.writer.write_str(part)),
        };
    }
}

impl Visit for PlainVisitor<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        if !self.shortcut(field) || !plain(value) {
            return self.default_visitor(field, |v| v.record_str(field, value));
        }
        self.write_field(field, "=\"", value, "\"");
    }

    /// An integer's `Debug` form is its decimal digits (`DefaultFields` writes `name=200`):
    /// written with `itoa` rather than through `core::fmt` (the status codes a request
    /// span records; callgrind: about 900 instructions a field through `DefaultVisitor`).
    fn record_i64(&mut self, field: &Field, value: i64) {
        if !self.shortcut(field) {
            return self.default_visitor(field, |v| v.record_i64(field, value));
        }
        self.write_field(field, "=", itoa::Buffer::new().format(value), "");
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        if !self.shortcut(field) {
            return self.default_visitor(field, |v| v.record_u64(field, value));
        }
        self.write_field(field, "=", itoa::Buffer::new().format(value), "");
    }

    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        self.default_visitor(field, |v| v.record_error(field, value));
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.default_visitor(field, |v| v.record_debug(field, value));
    }
}

impl VisitOutput<fmt::Result> for PlainVisitor<'_> {
    fn finish(self) -> fmt::Result {
        self.result
    }
}

impl VisitFmt for PlainVisitor<'_> {
    fn writer(&mut self) -> &mut dyn fmt::Write {
        &mut self.writer
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use tracing_subscriber::{
        fmt::{FormatFields, MakeWriter, format::DefaultFields},
        layer::SubscriberExt as _,
    };

    use super::PlainFields;

    /// Everything written, shared with the test.
    #[derive(Clone, Default)]
    struct Lines(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Lines {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl<'a> MakeWriter<'a> for Lines {
        type Writer = Lines;
        fn make_writer(&'a self) -> Self::Writer {
            self.clone()
        }
    }

    #[derive(Debug, thiserror::Error)]
    #[error("outer \"quoted\"")]
    struct Outer(#[source] std::io::Error);

    /// What the text layer writes for the same spans and events with `fields`.
    fn written<F>(fields: F, ansi: bool, value: &str) -> String
    where
        F: for<'w> FormatFields<'w> + Send + Sync + 'static,
    {
        let lines = Lines::default();
        let layer = tracing_subscriber::fmt::layer()
            .without_time()
            .with_ansi(ansi)
            .fmt_fields(fields)
            .with_writer(lines.clone());
        let subscriber = tracing_subscriber::registry().with(layer);
        tracing::subscriber::with_default(subscriber, || {
            let span = tracing::info_span!(
                "rpc",
                otel.kind = "server",
                request_id = value,
                asteri.organization_id = tracing::field::Empty,
                r#type = value,
                count = tracing::field::Empty,
            );
            let _entered = span.enter();
            span.record("asteri.organization_id", value);
            span.record("count", 7_u64);
            let inner = tracing::info_span!(
                "inner",
                key = value,
                n = -3_i64,
                ok = true,
                min = i64::MIN,
                max = u64::MAX,
                r#u = 5_u64,
            );
            let _inner = inner.enter();
            tracing::info!(path = value, status = 200, "served {value}");
            tracing::warn!(error = &Outer(std::io::Error::other("root")) as &dyn std::error::Error, kind = ?value, "failed");
            tracing::info!(value);
        });
        let bytes = lines.0.lock().unwrap().clone();
        String::from_utf8(bytes).unwrap()
    }

    #[test]
    fn plain_fields_write_what_the_default_fields_write() {
        // Longer than one write holds: written in parts.
        let long = "id_0123456789".repeat(12);
        let values = [
            &long,
            "req_01a242e1c0777113a95ee515211ce320",
            "org_01a242e1bd5d743d992b630f0d54ffc1",
            "",
            " ",
            "a b",
            "quote \" inside",
            "back\\slash",
            "tab\there",
            "new\nline",
            "bell\u{7}",
            "del\u{7f}",
            "caf\u{e9}",
            "\u{301}combining",
            "\u{1b}[31mred",
            "it's",
            "~!@#$%^&*()_+{}|:<>?`-=[];',./",
        ];
        for value in values {
            for ansi in [false, true] {
                assert_eq!(
                    written(PlainFields, ansi, value),
                    written(DefaultFields::new(), ansi, value),
                    "value {value:?}, ansi {ansi}"
                );
            }
        }
    }
}
