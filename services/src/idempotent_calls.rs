//! `idempotency-key` on the gRPC door: a write RPC (one the contract binds to POST) called
//! again with the same key and the same request message gets the first answer replayed
//! (with `idempotent-replayed: true`), never a second change; the same key with another
//! message is refused (`idempotency_key_reused`), and one still running is
//! `idempotency_key_in_use`. The same store and rules as REST POSTs (CONTRACT section 5),
//! in a key space of its own (`grpc:` + key): a REST answer and a gRPC answer are not the
//! same bytes, so neither door replays the other's.
//!
//! Only successful answers are kept; a failed call releases the key so that a retry runs.

use bytes::Bytes;
use http_body_util::{BodyExt as _, Full, Limited, StreamBody};
use proto::MethodInfo;
use sha2::{Digest as _, Sha256};
use storage::{Store, idempotency as store};
use tonic::{Status, body::Body};

use crate::{auth::RequestContext, error::ServiceError, idempotency::MAX_KEY_LEN};

pub const HEADER: &str = "idempotency-key";
const REPLAYED: &str = "idempotent-replayed";
/// How long a claimed key waits for its first call before a retry may take it over.
const LOCK_SECONDS: u32 = 60;
/// Write RPCs take small messages; uploads (client streaming) are never buffered here.
const MAX_BODY_BYTES: usize = 4 * 1024 * 1024;

/// Whether this call asks for idempotency: a unary write RPC with the header.
pub fn applies(method: &MethodInfo, request: &http::Request<Body>) -> bool {
    !method.descriptor.is_client_streaming()
        && !method.descriptor.is_server_streaming()
        && method.http.iter().any(|b| b.method == "POST")
        && request.headers().contains_key(HEADER)
}

/// Runs `call` at most once per key: replays, refuses or runs and remembers.
pub async fn run<F, Fut, E>(
    store: &Store,
    ctx: &RequestContext,
    method: &MethodInfo,
    request: http::Request<Body>,
    call: F,
) -> Result<http::Response<Body>, E>
where
    F: FnOnce(http::Request<Body>) -> Fut,
    Fut: Future<Output = Result<http::Response<Body>, E>>,
{
    let prepared = match prepare(ctx, method, request).await {
        Ok(prepared) => prepared,
        Err(status) => return Ok(status.into_http()),
    };
    let Prepared {
        request,
        org,
        key,
        fingerprint,
    } = prepared;
    let principal = ctx.actor.id.as_str();
    let begun = store::begin(store, &org, principal, &key, &fingerprint, LOCK_SECONDS).await;
    match begun {
        Err(err) => Ok(Status::from(ServiceError::from(err)).into_http()),
        Ok(store::Begin::Replay(stored)) => Ok(replay(stored.body)),
        Ok(store::Begin::Mismatch) => Ok(refusal(
            "idempotency_key_reused",
            "this idempotency-key was used with a different request; use a new key for a new request",
        )),
        Ok(store::Begin::InProgress) => Ok(refusal(
            "idempotency_key_in_use",
            "a call with this idempotency-key is still in progress; retry later",
        )),
        Ok(store::Begin::Proceed) => {
            let response = call(request).await?;
            Ok(remember(store, &org, principal, &key, response).await)
        }
    }
}

struct Prepared {
    request: http::Request<Body>,
    org: storage::OrgId,
    key: String,
    fingerprint: String,
}

async fn prepare(
    ctx: &RequestContext,
    method: &MethodInfo,
    request: http::Request<Body>,
) -> Result<Prepared, Status> {
    let key = request
        .headers()
        .get(HEADER)
        .and_then(|v| v.to_str().ok())
        .filter(|k| proto::credentials::valid_idempotency_key(k))
        .map(str::to_owned)
        .ok_or_else(|| {
            Status::from(ServiceError::malformed(
                HEADER,
                format!("must be 1 to {MAX_KEY_LEN} visible ASCII characters"),
            ))
        })?;
    let org = ctx.org().map_err(Status::from)?.clone();
    let (parts, body) = request.into_parts();
    let bytes = Limited::new(body, MAX_BODY_BYTES)
        .collect()
        .await
        .map_err(|_| Status::cancelled("the request stream ended before its message"))?
        .to_bytes();
    let mut digest = Sha256::new();
    digest.update(method.grpc_path.as_bytes());
    digest.update(b"\n");
    digest.update(&bytes);
    let body = Body::new(Full::new(bytes).map_err(|never| match never {}));
    Ok(Prepared {
        request: http::Request::from_parts(parts, body),
        org,
        key: format!("grpc:{key}"),
        fingerprint: hex::encode(digest.finalize()),
    })
}

fn refusal(reason: &'static str, message: &str) -> http::Response<Body> {
    Status::from(ServiceError::conflict(reason, message)).into_http()
}

/// Keeps a successful answer (its framed message) for replays; releases the key otherwise.
async fn remember(
    store: &Store,
    org: &storage::OrgId,
    principal: &str,
    key: &str,
    response: http::Response<Body>,
) -> http::Response<Body> {
    let (parts, body) = response.into_parts();
    // A trailers-only answer (an error) carries its status in the headers.
    if parts
        .headers
        .contains_key(&proto::direct::names::GRPC_STATUS)
    {
        release(store, org, principal, key).await;
        return http::Response::from_parts(parts, body);
    }
    let collected = match body.collect().await {
        Ok(collected) => collected,
        Err(status) => {
            release(store, org, principal, key).await;
            return status.into_http();
        }
    };
    let trailers = collected.trailers().cloned().unwrap_or_default();
    let data = collected.to_bytes();
    let ok = trailers
        .get(&proto::direct::names::GRPC_STATUS)
        .is_some_and(|s| s == "0");
    if ok {
        let stored = store::StoredResponse {
            status_code: 200,
            content_type: "application/grpc".to_owned(),
            body: data.to_vec(),
        };
        if let Err(err) = store::complete(store, org, principal, key, stored).await {
            // The change is done; only its replay is lost: a retry will be refused as in
            // progress until the lock runs out, never run twice.
            tracing::error!(
                error = &err as &dyn std::error::Error,
                "keeping an idempotent answer failed"
            );
        }
    } else {
        release(store, org, principal, key).await;
    }
    http::Response::from_parts(parts, framed(data, trailers))
}

async fn release(store: &Store, org: &storage::OrgId, principal: &str, key: &str) {
    if let Err(err) = store::release(store, org, principal, key).await {
        tracing::warn!(
            error = &err as &dyn std::error::Error,
            "releasing an idempotency key failed"
        );
    }
}

/// A gRPC answer body: the framed message, then the trailers.
fn framed(data: Bytes, trailers: http::HeaderMap) -> Body {
    let frames = futures::stream::iter([
        Ok::<_, Status>(http_body::Frame::data(data)),
        Ok(http_body::Frame::trailers(trailers)),
    ]);
    Body::new(StreamBody::new(frames))
}

fn replay(data: Vec<u8>) -> http::Response<Body> {
    let mut trailers = http::HeaderMap::new();
    trailers.insert(
        proto::direct::names::GRPC_STATUS,
        http::HeaderValue::from_static("0"),
    );
    let mut response = http::Response::new(framed(Bytes::from(data), trailers));
    let headers = response.headers_mut();
    headers.insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/grpc"),
    );
    headers.insert(REPLAYED, http::HeaderValue::from_static("true"));
    response
}
