//! The platform's spans, named and attributed by the OpenTelemetry semantic conventions
//! (HTTP server, RPC client and server), with the W3C trace context carried in and out of
//! `http::HeaderMap`s (header names are case-insensitive there, `Traceparent` included).
//!
//! Every request span carries `request_id` as a field, so that every log line inside it
//! names its request; the OpenTelemetry-only work (remote parents, attributes, links,
//! injection) runs only when [`crate::traces::active`]. Nothing here ever records a
//! credential, a query string or a body.

use opentelemetry::{
    propagation::{Extractor, Injector, TextMapPropagator as _},
    trace::{SpanContext, TraceContextExt as _},
};
use opentelemetry_http::{HeaderExtractor, HeaderInjector};
use opentelemetry_sdk::propagation::TraceContextPropagator;
use tracing::{Span, field::Empty};
use tracing_opentelemetry::OpenTelemetrySpanExt as _;

use crate::traces::active;

/// The gateway's server span of one HTTP request: `{method} {route}` (or just the method
/// when no route matched), child of the caller's `traceparent` if it sent one.
pub fn http_server(
    method: &http::Method,
    route: Option<&str>,
    path: &str,
    request_id: &str,
    headers: &http::HeaderMap,
) -> Span {
    // `otel.*` are recorded only for an exporter (`active`): as fields the text layer would
    // format them into every request span, and print them on its lines, for nobody.
    let span = tracing::info_span!(
        "request",
        otel.name = Empty,
        otel.kind = Empty,
        otel.status_code = Empty,
        request_id,
        asteri.organization_id = Empty,
        asteri.key_id = Empty,
        http.response.status_code = Empty,
    );
    if active() && !span.is_disabled() {
        span.record("otel.kind", "server");
        span.record(
            "otel.name",
            match route {
                Some(route) => format!("{method} {route}"),
                None => method.to_string(),
            },
        );
        remote_parent(&span, &HeaderExtractor(headers));
        span.set_attribute("http.request.method", method.to_string());
        span.set_attribute("url.path", path.to_owned());
        span.set_attribute("url.scheme", "http");
        if let Some(route) = route {
            span.set_attribute("http.route", route.to_owned());
        }
    }
    span
}

/// Records the answer's status on an HTTP server span (5xx marks the span as failed), for
/// the trace: nothing when there is no exporter, since no line is written in the span after
/// its answer, and the text layer would format the fields all the same (about 1,000
/// instructions a request at the default `info`).
pub fn http_status(span: &Span, status: http::StatusCode) {
    if !active() || span.is_disabled() {
        return;
    }
    span.record("http.response.status_code", status.as_u16());
    if status.is_server_error() {
        span.record("otel.status_code", "ERROR");
    }
}

/// Records who called, once known (never the credential itself), on a span that declares
/// both fields (`http_server`, `rpc_server`). Both in one `record_all`, as `Span::record`
/// does for one: each record is a round trip through every layer, and the text layer
/// formats the span's new fields at each (callgrind: the two separate records cost about
/// 2,600 instructions a call, at the default `info`).
pub fn caller(span: &Span, organization_id: &str, key_id: &str) {
    if span.is_disabled() {
        return;
    }
    let Some(fields) = span.metadata().map(|m| m.fields()) else {
        return;
    };
    let (Some(org), Some(key)) = (
        fields.field("asteri.organization_id"),
        fields.field("asteri.key_id"),
    ) else {
        return;
    };
    let org_value: &dyn tracing::Value = &organization_id;
    let key_value: &dyn tracing::Value = &key_id;
    if key_id.is_empty() {
        span.record_all(&fields.value_set(&[(&org, Some(org_value))]));
    } else {
        span.record_all(&fields.value_set(&[(&org, Some(org_value)), (&key, Some(key_value))]));
    }
}

/// `("asteri.v1.CustomersService", "GetCustomer")` of `/asteri.v1.CustomersService/GetCustomer`.
fn rpc_parts(grpc_path: &str) -> (&str, &str) {
    grpc_path
        .trim_start_matches('/')
        .split_once('/')
        .unwrap_or((grpc_path, ""))
}

fn rpc_attributes(span: &Span, grpc_path: &str) {
    let (service, method) = rpc_parts(grpc_path);
    span.record("otel.name", grpc_path.trim_start_matches('/'));
    span.set_attribute("rpc.system", "grpc");
    span.set_attribute("rpc.service", service.to_owned());
    span.set_attribute("rpc.method", method.to_owned());
}

/// Put by the gateway in the extensions of a call it makes while no trace is exported: the
/// call runs inside the gateway's request span, which already names the call's request
/// id. When the call stays in the process (`--role all`), the services' door then opens
/// no span of its own: it would only repeat that request id on every line (callgrind: the
/// second span was about 8k of a REST GET's 181k instructions). Extensions never cross
/// the network, so a call from outside never carries it.
#[derive(Clone, Copy, Debug)]
pub struct InRequestSpan;

/// A gRPC client span for a call of `grpc_path`, child of the current span; `none` when
/// nothing is traced (the server span of the same request carries the request id for logs).
pub fn rpc_client(grpc_path: &str) -> Span {
    if !active() {
        return Span::none();
    }
    let span = tracing::info_span!(
        "grpc.client",
        otel.name = Empty,
        otel.kind = "client",
        otel.status_code = Empty,
        rpc.grpc.status_code = Empty,
    );
    rpc_attributes(&span, grpc_path);
    span
}

/// A gRPC server span for a call of `grpc_path`, child of the caller's trace context in
/// `headers` (the gateway's client span, or any direct caller's).
pub fn rpc_server(grpc_path: &str, request_id: &str, headers: &http::HeaderMap) -> Span {
    let span = tracing::info_span!(
        "rpc",
        otel.name = Empty,
        otel.kind = Empty,
        otel.status_code = Empty,
        request_id,
        asteri.organization_id = Empty,
        asteri.key_id = Empty,
        rpc.grpc.status_code = Empty,
    );
    if active() && !span.is_disabled() {
        span.record("otel.kind", "server");
        rpc_attributes(&span, grpc_path);
        remote_parent(&span, &HeaderExtractor(headers));
    }
    span
}

/// Records a gRPC status code (`0` is OK) on an RPC span. Server spans fail on the codes
/// the conventions call server errors; client spans on any error. Nothing without an
/// exporter (see [`http_status`]).
pub fn rpc_status(span: &Span, code: i32, server: bool) {
    if !active() || span.is_disabled() {
        return;
    }
    span.record("rpc.grpc.status_code", code);
    // UNKNOWN, DEADLINE_EXCEEDED, UNIMPLEMENTED, INTERNAL, UNAVAILABLE, DATA_LOSS.
    let server_error = matches!(code, 2 | 4 | 12 | 13 | 14 | 15);
    if (server && server_error) || (!server && code != 0) {
        span.record("otel.status_code", "ERROR");
    }
}

fn remote_parent(span: &Span, extractor: &dyn Extractor) {
    let parent = TraceContextPropagator::new().extract(extractor);
    if parent.span().span_context().is_valid() {
        // Set where the span is created, before it is first entered: tracing-opentelemetry
        // refuses a parent once the span has started.
        let _ = span.set_parent(parent);
    }
}

/// Writes the span's W3C trace context (`traceparent`, and `tracestate` when there is one)
/// with `set`: into outgoing gRPC metadata or a response's headers. Nothing when untraced.
pub fn inject(span: &Span, set: &mut dyn FnMut(&'static str, String)) {
    if !active() || span.is_disabled() {
        return;
    }
    struct Setter<'a>(&'a mut dyn FnMut(&'static str, String));
    impl Injector for Setter<'_> {
        fn set(&mut self, key: &str, value: String) {
            match key {
                "traceparent" => (self.0)("traceparent", value),
                "tracestate" => (self.0)("tracestate", value),
                _ => {}
            }
        }
    }
    TraceContextPropagator::new().inject_context(&span.context(), &mut Setter(set));
}

/// [`inject`] into an `http::HeaderMap`.
pub fn inject_headers(span: &Span, headers: &mut http::HeaderMap) {
    if !active() || span.is_disabled() {
        return;
    }
    TraceContextPropagator::new().inject_context(&span.context(), &mut HeaderInjector(headers));
}

/// The span's `traceparent`, to store with work that outlives the request (a webhook
/// event), so that the work can link back to it.
pub fn traceparent(span: &Span) -> Option<String> {
    let mut found = None;
    inject(span, &mut |name, value| {
        if name == "traceparent" {
            found = Some(value);
        }
    });
    found
}

/// One webhook delivery attempt: an HTTP client span in a trace of its own, linked to the
/// trace of the write that raised the event (`traceparent`, stored with the event). The
/// endpoint's URL is the tenant's and may hold a token: only its host is recorded.
pub fn webhook_attempt(
    organization_id: &str,
    delivery_id: &str,
    event_type: &str,
    url: &str,
    caused_by: Option<&str>,
) -> Span {
    if !active() {
        return Span::none();
    }
    let span = tracing::info_span!(
        parent: None,
        "webhook.attempt",
        otel.name = "POST",
        otel.kind = "client",
        otel.status_code = Empty,
        http.response.status_code = Empty,
        asteri.organization_id = organization_id,
        asteri.webhook.delivery_id = delivery_id,
        asteri.webhook.event_type = event_type,
    );
    span.set_attribute("http.request.method", "POST");
    if let Some(host) = url
        .parse::<http::Uri>()
        .ok()
        .as_ref()
        .and_then(http::Uri::host)
    {
        span.set_attribute("server.address", host.to_owned());
    }
    if let Some(traceparent) = caused_by {
        link_to(&span, traceparent);
    }
    span
}

/// Records an attempt's answer (`None`: no answer, the attempt failed before one).
pub fn webhook_outcome(span: &Span, status: Option<u16>, success: bool) {
    if let Some(status) = status {
        span.record("http.response.status_code", status);
    }
    if !success {
        span.record("otel.status_code", "ERROR");
    }
}

/// Links `span` to the trace a stored `traceparent` names (a span link, not a parent: the
/// delivery is its own trace, caused by the write's). Call before the span is entered.
pub fn link_to(span: &Span, traceparent: &str) {
    if !active() || span.is_disabled() {
        return;
    }
    struct One<'a>(&'a str);
    impl Extractor for One<'_> {
        fn get(&self, key: &str) -> Option<&str> {
            (key == "traceparent").then_some(self.0)
        }
        fn keys(&self) -> Vec<&str> {
            vec!["traceparent"]
        }
    }
    let cx = TraceContextPropagator::new().extract(&One(traceparent));
    let linked: SpanContext = cx.span().span_context().clone();
    if linked.is_valid() {
        span.add_link(linked);
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn rpc_names_split_into_service_and_method() {
        assert_eq!(
            super::rpc_parts("/asteri.v1.CustomersService/GetCustomer"),
            ("asteri.v1.CustomersService", "GetCustomer")
        );
    }
}
