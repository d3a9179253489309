//! The in-process door: the services of a process as one tower service of gRPC
//! `http::Request`s, for the gateway of the same process (`--role all`) to call directly
//! instead of over HTTP/2 on loopback. The request passes the same [`RpcMetricsLayer`],
//! [`DeadlineLayer`] and [`AuthLayer`] as a call from the network (the caller's credential is authenticated
//! again, the scope and organization checked); only the connection layers (the listener's
//! cap and watchdogs, `listen::TrackLayer`) have no connection to watch here.

use tonic::service::Routes;

use crate::{
    Group, Platform,
    auth::{AuthLayer, AuthService},
    deadline::{Deadline, DeadlineLayer},
    rpc_metrics::{RpcMetrics, RpcMetricsLayer},
};

/// The guarded services of one process.
pub type Local = RpcMetrics<Deadline<AuthService<Routes>>>;

/// The services of `groups` (with health and reflection, as [`crate::serve`] serves them),
/// behind the call metrics, the deadlines and the auth layer.
pub async fn local(platform: &Platform, groups: &[Group]) -> Local {
    tower::ServiceBuilder::new()
        // Measured as at the gRPC listener: forwarded calls count in `rpc.server.call.duration`.
        .layer(RpcMetricsLayer::new(platform.metrics.rpc_server()))
        .layer(DeadlineLayer)
        .layer(AuthLayer::new(platform.authorizer.clone()))
        .service(crate::routes(platform, groups).await)
}
