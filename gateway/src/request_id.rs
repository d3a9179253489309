//! Who a request is: its request id (`x-request-id`, kept from the caller when valid, made
//! otherwise; on the response, in every error body, and on the request's server span), and
//! the metadata of the gateway's own calls to internal RPCs (the internal credential, the
//! request id, the caller's trace context).

use axum::{body::Body, extract::Request, middleware::Next, response::Response};
use http::{HeaderValue, header};
use proto::credentials;
use serde_json::Value;
use tracing::Instrument as _;

use crate::{error::ErrorBody, trace};

/// The request id of the current request (`x-request-id`).
#[derive(Clone, Debug)]
pub struct RequestId(pub String);

/// A request to an internal RPC, carrying the internal credential and the request id.
pub(crate) fn internal_request<T>(message: T, token: &str, request_id: &str) -> tonic::Request<T> {
    let mut request = tonic::Request::new(message);
    if let Ok(v) = format!("Bearer {token}").parse() {
        request.metadata_mut().insert("authorization", v);
    }
    if let Ok(v) = request_id.parse() {
        request
            .metadata_mut()
            .insert(credentials::REQUEST_ID_HEADER, v);
    }
    request.metadata_mut().insert(
        credentials::SERVICE_NAME_HEADER,
        tonic::metadata::MetadataValue::from_static("gateway"),
    );
    trace::inject_current(request.metadata_mut());
    request
}

/// Keeps a caller's valid `x-request-id` or makes a `req_...` one, sets it on the response,
/// and writes it into every error body.
pub async fn request_id(mut request: Request, next: Next) -> Response {
    let id = request
        .headers()
        .get(&credentials::names::REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|id| credentials::valid_request_id(id))
        .map_or_else(credentials::new_request_id, str::to_owned);
    request.extensions_mut().insert(RequestId(id.clone()));
    let span = trace::server_span(&request, &id);
    let mut response = next.run(request).instrument(span.clone()).await;
    trace::finish(&span, &mut response);
    if let Some(ErrorBody(mut body)) = response.extensions_mut().remove::<ErrorBody>() {
        body.insert("request_id".into(), Value::String(id.clone()));
        let bytes = serde_json::to_vec(&body).unwrap_or_default();
        response.headers_mut().remove(header::CONTENT_LENGTH);
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        *response.body_mut() = Body::from(bytes);
    }
    if let Ok(v) = HeaderValue::from_str(&id) {
        response
            .headers_mut()
            .insert(credentials::names::REQUEST_ID, v);
    }
    response
}
