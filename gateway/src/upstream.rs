//! What the gateway calls its gRPC services through: a tonic `Channel` (HTTP/2 to another
//! process, or to this process's own listener), or the services themselves in this
//! process, called directly (`services::local`), which saves the HTTP/2 framing, the
//! loopback socket and two task hand-offs on every call. Both are the same tower service
//! of `http::Request`s, so everything the gateway puts on a call (credentials, request id,
//! trace context as metadata headers) reaches the service the same way.

use tonic::{body::Body, transport::Channel};
use tower::{BoxError, ServiceExt as _, util::BoxCloneSyncService};

/// One upstream: any gRPC service of `http::Request`s, cheap to clone.
pub type Upstream = BoxCloneSyncService<http::Request<Body>, http::Response<Body>, UpstreamError>;

/// Why an upstream could not be called (its source chain kept). A named type rather than
/// the bare `BoxError`, whose elided lifetime tonic's client bounds cannot prove for
/// every lifetime inside the gateway's handler futures.
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct UpstreamError(#[from] BoxError);

/// An upstream reached over the network.
pub fn remote(channel: Channel) -> Upstream {
    BoxCloneSyncService::new(channel.map_err(|e| UpstreamError(e.into())))
}

/// An upstream served in this process: `service` is called directly.
pub fn in_process<S>(service: S) -> Upstream
where
    S: tower::Service<http::Request<Body>, Response = http::Response<Body>>
        + Clone
        + Send
        + Sync
        + 'static,
    S::Error: Into<BoxError>,
    S::Future: Send + 'static,
{
    BoxCloneSyncService::new(service.map_err(|e| UpstreamError(e.into())))
}
