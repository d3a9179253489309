//! The gRPC door's announcement of deprecated calls: the same information as the gateway's
//! headers (RFC 9745 `deprecation`, RFC 8594 `sunset`), as response metadata, from the same
//! reading of the proto ([`proto::MethodInfo::deprecation_of_call`]).
//!
//! A deprecated RPC is announced on every answer. A deprecated request field is announced
//! only when the call uses it, which needs the request message: for the few unary methods
//! whose request has deprecated fields, the body (one length-prefixed message, at most
//! tonic's own 4 MiB limit) is read here, decoded once more by descriptor, and handed on
//! unchanged. Every other call streams through untouched.

use bytes::Bytes;
use http::HeaderValue;
use http_body_util::{BodyExt as _, Full, Limited};
use prost_reflect::DynamicMessage;
use proto::{MethodInfo, direct::PREFIX_BYTES, schema::Deprecation};
use tonic::{Status, body::Body};

/// tonic's default decoding limit, which the services keep: a larger unary request would be
/// refused by the service anyway.
const MAX_MESSAGE_BYTES: usize = 4 * 1024 * 1024;

/// The request, its body intact, and what the answer to it must announce.
pub async fn inspect(
    method: &MethodInfo,
    request: http::Request<Body>,
) -> Result<(http::Request<Body>, Option<Deprecation>), Status> {
    let d = &method.descriptor;
    if method.deprecated_fields.is_empty() || d.is_client_streaming() {
        return Ok((request, method.deprecation));
    }
    let (parts, body) = request.into_parts();
    let bytes = read_unary(body).await?;
    let deprecation = match message(&bytes, method) {
        Some(request) => method.deprecation_of_call(&request),
        // A message that does not decode here fails in the service, which says why.
        None => method.deprecation,
    };
    let body = Body::new(Full::new(bytes).map_err(|never| match never {}));
    Ok((http::Request::from_parts(parts, body), deprecation))
}

/// The whole body of a unary call (one length-prefixed message, at most tonic's limit).
pub(crate) async fn read_unary(body: Body) -> Result<Bytes, Status> {
    Ok(Limited::new(body, MAX_MESSAGE_BYTES + PREFIX_BYTES)
        .collect()
        .await
        .map_err(|err| {
            if err.is::<http_body_util::LengthLimitError>() {
                Status::out_of_range(format!(
                    "the request message is larger than {MAX_MESSAGE_BYTES} bytes"
                ))
            } else {
                Status::cancelled("the request stream ended before its message")
            }
        })?
        .to_bytes())
}

/// The request message of a unary call's body; `None` when compressed (the service
/// refuses it; only the method's own deprecation is then announced) or malformed.
fn message(body: &Bytes, method: &MethodInfo) -> Option<DynamicMessage> {
    let encoded = proto::direct::unframe(body).ok()?;
    DynamicMessage::decode(method.descriptor.input(), encoded).ok()
}

/// Adds the announcement to an answer's headers (gRPC response metadata).
pub fn announce(headers: &mut http::HeaderMap, deprecation: Option<Deprecation>) {
    for (name, value) in deprecation.iter().flat_map(Deprecation::headers) {
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.insert(name, value);
        }
    }
}
