//! The gRPC door's part of a trace: one server span per `asteri.*` call, child of the
//! caller's trace context (the gateway's client span, or a direct caller's `traceparent`
//! metadata), carrying the call's request id so that every log line of the call names it.

use proto::{MethodInfo, credentials};
use tonic::body::Body;
use tracing::Span;

use crate::auth::RequestContext;

/// The server span of a call of `method`. A call without a valid request id gets one here,
/// written into its metadata, so that the auth layer and the span agree on it.
///
/// None (`Span::none()`) for a call of this process's own gateway while nothing is
/// exported ([`telemetry::spans::InRequestSpan`]): its lines are already inside the
/// gateway's request span, which names the same request id.
pub(crate) fn server_span(method: &MethodInfo, request: &mut http::Request<Body>) -> Span {
    if request
        .extensions()
        .get::<telemetry::spans::InRequestSpan>()
        .is_some()
        && !telemetry::traces::active()
    {
        return Span::none();
    }
    let given = request
        .headers()
        .get(&credentials::names::REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|id| credentials::valid_request_id(id))
        .map(str::to_owned);
    let request_id = given.unwrap_or_else(|| {
        let id = credentials::new_request_id();
        if let Ok(v) = http::HeaderValue::from_str(&id) {
            request
                .headers_mut()
                .insert(credentials::names::REQUEST_ID, v);
        }
        id
    });
    telemetry::spans::rpc_server(&method.grpc_path, &request_id, request.headers())
}

/// Records the authenticated caller on the call's server span (nothing when it has none:
/// the gateway's span, current then, names its caller already).
pub(crate) fn caller(span: &Span, ctx: &RequestContext) {
    let org = ctx.org.as_ref().map(|o| o.as_str()).unwrap_or_default();
    let key = match ctx.actor.kind {
        storage::ActorKind::ApiKey => ctx.actor.id.as_str(),
        _ => "",
    };
    telemetry::spans::caller(span, org, key);
}

/// Records the call's gRPC status. A unary answer's status travels in the trailers when it
/// is OK, and in the headers (a trailers-only answer) when the call failed before its first
/// message, which is how every error of this door's handlers goes out.
pub(crate) fn finish<E>(span: &Span, answer: &Result<http::Response<Body>, E>) {
    // The status is the trace's only (`rpc_status` records nothing without an exporter):
    // no header lookup on every call of a process that exports nothing.
    if !telemetry::traces::active() {
        return;
    }
    let code = match answer {
        Ok(response) => response
            .headers()
            .get(&proto::direct::names::GRPC_STATUS)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse().ok())
            .unwrap_or(0),
        // The transport failed: UNKNOWN.
        Err(_) => 2,
    };
    telemetry::spans::rpc_status(span, code, true);
}

/// The trace context of the current span, stored with the events a write raises so that
/// their webhook deliveries can link back to the write.
pub(crate) fn current_traceparent() -> Option<String> {
    telemetry::spans::traceparent(&Span::current())
}
