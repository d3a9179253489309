//! The gateway's part of a trace (`telemetry::spans` names the spans): the server span of
//! each HTTP request, child of the caller's `traceparent` and answered with the gateway's
//! own; and a client span per upstream gRPC call, whose context goes out in the call's
//! metadata (per request, whatever transport carries it).

use std::future::Future;

use axum::{extract::MatchedPath, extract::Request, response::Response};
use tracing::{Instrument as _, Span};

/// The server span of `request`, carrying its request id (every log line of the request
/// then names it).
pub(crate) fn server_span(request: &Request, request_id: &str) -> Span {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(MatchedPath::as_str);
    telemetry::spans::http_server(
        request.method(),
        route,
        request.uri().path(),
        request_id,
        request.headers(),
    )
}

/// Records the answer on the server span and tells the caller its trace (`traceparent`).
pub(crate) fn finish(span: &Span, response: &mut Response) {
    telemetry::spans::http_status(span, response.status());
    telemetry::spans::inject_headers(span, response.headers_mut());
}

/// Records the authenticated caller on the current (server) span.
pub(crate) fn caller(caller: &crate::edge::Caller) {
    telemetry::spans::caller(&Span::current(), &caller.organization_id, &caller.key_id);
}

/// The client span of one upstream call, until the call's future runs it.
#[derive(Clone)]
pub(crate) struct ClientSpan(Span);

/// Opens the client span of a call of `grpc_path` under the current (server) span and puts
/// its trace context into the call's metadata, next to the credential.
pub(crate) fn outgoing<T>(grpc_path: &str, call: &mut tonic::Request<T>) {
    let span = telemetry::spans::rpc_client(grpc_path);
    if span.is_disabled() {
        // Nothing exported: the current span is the request's, named by its request id.
        call.extensions_mut()
            .insert(telemetry::spans::InRequestSpan);
        return;
    }
    inject(&span, call.metadata_mut());
    call.extensions_mut().insert(ClientSpan(span));
}

/// Puts the current span's trace context into an internal call's metadata (the keys and
/// idempotency services then join the request's trace).
pub(crate) fn inject_current(metadata: &mut tonic::metadata::MetadataMap) {
    inject(&Span::current(), metadata);
}

fn inject(span: &Span, metadata: &mut tonic::metadata::MetadataMap) {
    telemetry::spans::inject(span, &mut |name, value| {
        if let Ok(value) = value.parse() {
            metadata.insert(name, value);
        }
    });
}

/// The client span `outgoing` opened for this call, if any.
pub(crate) fn take<T>(request: &mut tonic::Request<T>) -> Option<Span> {
    request
        .extensions_mut()
        .remove::<ClientSpan>()
        .map(|ClientSpan(span)| span)
}

/// Runs an upstream call inside its client span and records the call's gRPC status there.
pub(crate) async fn run<R>(
    span: Option<Span>,
    call: impl Future<Output = Result<R, tonic::Status>>,
) -> Result<R, tonic::Status> {
    let Some(span) = span else {
        return call.await;
    };
    let answer = call.instrument(span.clone()).await;
    let code = match &answer {
        Ok(_) => 0,
        Err(status) => status.code() as i32,
    };
    telemetry::spans::rpc_status(&span, code, false);
    answer
}
