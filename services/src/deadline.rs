//! How long a call may take before the server gives up on it: [`UNARY`] for ordinary calls,
//! [`UPLOAD`] for client-streaming ones, whose request is a whole file on a possibly slow
//! link. (A server-streaming call's deadline covers the start of its answer, not the
//! streaming of the rest.) A caller's shorter `grpc-timeout` still applies.

use std::{
    task::{Context, Poll},
    time::Duration,
};

use futures::future::BoxFuture;
use proto::schema;
use tonic::{Status, body::Body};

pub const UNARY: Duration = Duration::from_secs(30);
pub const UPLOAD: Duration = Duration::from_secs(15 * 60);

#[derive(Clone, Copy, Debug, Default)]
pub struct DeadlineLayer;

impl<S> tower::Layer<S> for DeadlineLayer {
    type Service = Deadline<S>;
    fn layer(&self, inner: S) -> Self::Service {
        Deadline { inner }
    }
}

#[derive(Clone, Debug)]
pub struct Deadline<S> {
    inner: S,
}

impl<S> tower::Service<http::Request<Body>> for Deadline<S>
where
    S: tower::Service<http::Request<Body>, Response = http::Response<Body>>,
    S::Future: Send + 'static,
{
    type Response = http::Response<Body>;
    type Error = S::Error;
    type Future = BoxFuture<'static, Result<Self::Response, Self::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: http::Request<Body>) -> Self::Future {
        let upload = schema()
            .method_by_path(request.uri().path())
            .is_some_and(|m| m.descriptor.is_client_streaming());
        let limit = if upload { UPLOAD } else { UNARY };
        // Cheap (shared bytes): the path is needed only to log a call that ran too long.
        let path = request.uri().clone();
        let call = self.inner.call(request);
        Box::pin(async move {
            match tokio::time::timeout(limit, call).await {
                Ok(answer) => answer,
                Err(_) => {
                    // Logged here, once: the gateway logs only failures of its own hop.
                    tracing::error!(
                        rpc = path.path(),
                        limit_seconds = limit.as_secs(),
                        "the call ran past its deadline"
                    );
                    Ok(Status::deadline_exceeded(format!(
                        "the call took longer than {} s",
                        limit.as_secs()
                    ))
                    .into_http())
                }
            }
        })
    }
}
