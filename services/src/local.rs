//! The in-process door: the services of a process as one tower service of gRPC
//! `http::Request`s, for the gateway of the same process (`--role all`) to call directly
//! instead of over HTTP/2 on loopback. The request passes the same [`RpcMetricsLayer`],
//! [`DeadlineLayer`] and [`AuthLayer`] as a call from the network (the caller's credential is authenticated
//! again, the scope and organization checked); only the connection layers (the listener's
//! cap and watchdogs, `listen::TrackLayer`) have no connection to watch here.
//!
//! Behind the layers, [`Dispatch`] (here and at the gRPC listener, [`crate::serve`]) hands
//! a unary RPC of the contract to its generated `proto::direct::Direct` call: the body's one message goes to the implementation as
//! bytes, decoded once, and its answer comes back as one framed message and an `OK`
//! trailer, what tonic's server would have sent. What that skips, per call: tonic's
//! routing of the path, its streaming decoder and encoder and their 8 KiB buffers, and two
//! boxed futures. Streaming RPCs, health and reflection go to tonic's routes as before.

use std::{
    collections::HashMap,
    convert::Infallible,
    sync::Arc,
    task::{Context, Poll},
};

use bytes::Bytes;
use futures::future::BoxFuture;
use http::{HeaderMap, HeaderValue};
use http_body_util::{BodyExt as _, Full};
use proto::{
    direct::{self, Direct, Unframe, names},
    schema,
};
use tonic::{
    Status,
    body::Body,
    server::NamedService,
    service::{Routes, RoutesBuilder},
};

use crate::{
    Group, Platform,
    auth::{AuthLayer, AuthService},
    deadline::{Deadline, DeadlineLayer},
    rpc_metrics::{RpcMetrics, RpcMetricsLayer},
};

/// The guarded services of one process.
pub type Local = RpcMetrics<Deadline<AuthService<Dispatch<Routes>>>>;

/// The services of `groups` (with health and reflection, as [`crate::serve`] serves them),
/// behind the call metrics, the deadlines and the auth layer.
pub async fn local(platform: &Platform, groups: &[Group]) -> Local {
    let served = crate::routes(platform, groups).await;
    tower::ServiceBuilder::new()
        // Measured as at the gRPC listener: forwarded calls count in `rpc.server.call.duration`.
        .layer(RpcMetricsLayer::new(platform.metrics.rpc_server()))
        .layer(DeadlineLayer)
        .layer(AuthLayer::new(platform.authorizer.clone()))
        .layer(DispatchLayer::new(served.direct))
        .service(served.routes.routes())
}

/// What a process serves: tonic's routes, and the same implementations' direct calls by
/// service name.
#[derive(Default)]
pub(crate) struct Served {
    pub routes: RoutesBuilder,
    pub direct: HashMap<&'static str, Arc<dyn Direct>>,
}

impl Served {
    /// One service (`<Service>Direct::serve(implementation)`).
    pub fn add<S, D>(&mut self, (server, direct): (S, D)) -> &mut Self
    where
        S: tower::Service<http::Request<Body>, Response = http::Response<Body>, Error = Infallible>
            + NamedService
            + Clone
            + Send
            + Sync
            + 'static,
        S::Future: Send + 'static,
        D: Direct,
    {
        self.routes.add_service(server);
        self.direct.insert(direct.service(), Arc::new(direct));
        self
    }
}

/// Each unary RPC of the contract served here, by its gRPC path: its service's direct
/// call and the method's name.
type Calls = HashMap<&'static str, (Arc<dyn Direct>, &'static str)>;

/// Puts [`Dispatch`] in front of tonic's routes (both doors: [`local`], [`crate::serve`]).
#[derive(Clone)]
pub struct DispatchLayer {
    calls: Arc<Calls>,
}

impl DispatchLayer {
    /// Worked out once from the schema, so that a call finds its direct call by its path
    /// in one lookup (not the schema's, then the service's by name, on every call).
    pub(crate) fn new(direct: HashMap<&'static str, Arc<dyn Direct>>) -> Self {
        let calls = schema()
            .methods()
            .iter()
            .filter(|m| !m.descriptor.is_client_streaming() && !m.descriptor.is_server_streaming())
            .filter_map(|m| {
                let path = m.grpc_path.as_str();
                let (service, name) = path.strip_prefix('/')?.rsplit_once('/')?;
                Some((path, (direct.get(service)?.clone(), name)))
            })
            .collect();
        Self {
            calls: Arc::new(calls),
        }
    }
}

impl<S> tower::Layer<S> for DispatchLayer {
    type Service = Dispatch<S>;
    fn layer(&self, routes: S) -> Dispatch<S> {
        Dispatch {
            calls: self.calls.clone(),
            routes,
        }
    }
}

/// The innermost service of both doors: a unary RPC of the contract goes to its generated
/// `Direct` call, anything else to `routes` (tonic's).
#[derive(Clone)]
pub struct Dispatch<S> {
    calls: Arc<Calls>,
    routes: S,
}

impl<S> tower::Service<http::Request<Body>> for Dispatch<S>
where
    S: tower::Service<http::Request<Body>, Response = http::Response<Body>>,
    S::Future: Send + 'static,
{
    type Response = http::Response<Body>;
    type Error = S::Error;
    type Future = BoxFuture<'static, Result<Self::Response, S::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.routes.poll_ready(cx)
    }

    fn call(&mut self, request: http::Request<Body>) -> Self::Future {
        match self.calls.get(request.uri().path()) {
            Some((service, method)) => {
                let (service, method) = (service.clone(), *method);
                Box::pin(async move { Ok(call(service, method, request).await) })
            }
            None => Box::pin(self.routes.call(request)),
        }
    }
}

/// One unary call through its `Direct`; every failure is the status tonic's server would
/// answer (trailers-only), never a transport error.
async fn call(
    service: Arc<dyn Direct>,
    method: &str,
    request: http::Request<Body>,
) -> http::Response<Body> {
    // As tonic's server, which is configured with no compression: an encoding other than
    // `identity` is refused from the header, before the body is read, naming the one it
    // accepts; a message flagged compressed without one is a protocol error.
    if let Some(encoding) = request
        .headers()
        .get(&names::GRPC_ENCODING)
        .filter(|e| e.as_bytes() != b"identity")
    {
        let status = Status::unimplemented(format!(
            "Content is compressed with `{}` which isn't supported",
            String::from_utf8_lossy(encoding.as_bytes())
        ));
        let mut response = status.into_http::<Body>();
        response.headers_mut().insert(
            names::GRPC_ACCEPT_ENCODING,
            HeaderValue::from_static("identity"),
        );
        return response;
    }
    let (parts, body) = request.into_parts();
    let message = match crate::deprecation::read_unary(body).await.and_then(|body| {
        direct::unframe(&body).map_err(|e| match e {
            Unframe::Compressed => Status::internal(
                "protocol error: received message with compressed-flag but no grpc-encoding was specified",
            ),
            Unframe::Malformed => Status::internal(e.to_string()),
        })
    }) {
        Ok(message) => message,
        Err(status) => return status.into_http(),
    };
    let request = tonic::Request::from_http(http::Request::from_parts(parts, message));
    let Some(answer) = service.unary(method, request) else {
        return Status::unimplemented(format!("{method} is not a unary method")).into_http();
    };
    match answer.await {
        Ok(response) => reply(response),
        Err(status) => status.into_http(),
    }
}

/// A successful answer as tonic's server sends it: the metadata as headers, one framed
/// message, `grpc-status: 0` in the trailers.
fn reply(response: tonic::Response<Bytes>) -> http::Response<Body> {
    let (metadata, framed, extensions) = response.into_parts();
    let mut trailers = HeaderMap::with_capacity(1);
    trailers.insert(names::GRPC_STATUS, HeaderValue::from_static("0"));
    let body =
        Full::new(framed).with_trailers(std::future::ready(Some(Ok::<_, Infallible>(trailers))));
    let mut response = http::Response::new(Body::new(body));
    *response.version_mut() = http::Version::HTTP_2;
    let mut headers = metadata.into_headers();
    // What the protocol owns is not the service's metadata to set (tonic's server drops
    // the same names).
    for reserved in [
        &names::GRPC_STATUS,
        &names::GRPC_MESSAGE,
        &names::GRPC_STATUS_DETAILS,
        &http::header::TE,
    ] {
        headers.remove(reserved);
    }
    *response.headers_mut() = headers;
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static("application/grpc"),
    );
    *response.extensions_mut() = extensions;
    response
}
