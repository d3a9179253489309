//! `rpc.server.call.duration` for every call the gRPC door answers: direct calls, the calls
//! the gateway forwards, refusals of the auth layer and calls past their deadline (the
//! layer sits outside them).
//!
//! A unary call is measured until its response head: a refusal is a trailers-only answer
//! whose head carries `grpc-status`, and a unary success always ends with `OK` after its one
//! message, so the head tells the status without wrapping the body. A streaming call (file
//! uploads and downloads, health `Watch`, reflection) may fail mid-stream, so its body is
//! watched for the trailers, and it is measured until they arrive.
//!
//! Per call: one lookup of the path in a table built once, an `Instant` at each end and one
//! histogram record with static attributes; streaming calls add a boxed body.

use std::{
    collections::HashMap,
    future::Future,
    pin::Pin,
    sync::OnceLock,
    task::{Context, Poll},
    time::Instant,
};

use crate::call_status::code_of;
use proto::schema;
use telemetry::metrics::RpcServer;
use tonic::{Code, body::Body};

/// The gRPC door's services that are not in the contract.
const OTHER_METHODS: &[(&str, bool)] = &[
    ("/grpc.health.v1.Health/Check", false),
    ("/grpc.health.v1.Health/Watch", true),
    (
        "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo",
        true,
    ),
    (
        "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
        true,
    ),
];

/// `rpc.method` (`package.Service/Method`) and whether the call streams, by request path.
fn methods() -> &'static HashMap<&'static str, (&'static str, bool)> {
    static METHODS: OnceLock<HashMap<&'static str, (&'static str, bool)>> = OnceLock::new();
    METHODS.get_or_init(|| {
        let contract = schema().methods().iter().map(|m| {
            let streams = m.descriptor.is_client_streaming() || m.descriptor.is_server_streaming();
            (m.grpc_path.as_str(), streams)
        });
        contract
            .chain(OTHER_METHODS.iter().copied())
            .map(|(path, streams)| (path, (path.trim_start_matches('/'), streams)))
            .collect()
    })
}

#[derive(Clone, Debug)]
pub struct RpcMetricsLayer {
    metrics: RpcServer,
}

impl RpcMetricsLayer {
    pub fn new(metrics: RpcServer) -> Self {
        Self { metrics }
    }
}

impl<S> tower::Layer<S> for RpcMetricsLayer {
    type Service = RpcMetrics<S>;
    fn layer(&self, inner: S) -> Self::Service {
        RpcMetrics {
            inner,
            metrics: self.metrics.clone(),
        }
    }
}

#[derive(Clone, Debug)]
pub struct RpcMetrics<S> {
    inner: S,
    metrics: RpcServer,
}

/// What the response future needs to record the call.
struct Finish {
    metrics: RpcServer,
    method: &'static str,
    streams: bool,
    started: Instant,
}

type Answer<E> = Result<http::Response<Body>, E>;

impl Finish {
    fn call<E>(self, answer: Answer<E>) -> Answer<E> {
        let Ok(response) = answer else {
            self.metrics
                .record(self.method, Code::Unknown as i32, self.started.elapsed());
            return answer;
        };
        if !self.streams && code_of(response.headers()).is_none() {
            self.metrics
                .record(self.method, Code::Ok as i32, self.started.elapsed());
            return Ok(response);
        }
        Ok(crate::call_status::on_end(response, move |code| {
            self.metrics
                .record(self.method, code as i32, self.started.elapsed());
        }))
    }
}

impl<S> tower::Service<http::Request<Body>> for RpcMetrics<S>
where
    S: tower::Service<http::Request<Body>, Response = http::Response<Body>>,
{
    type Response = http::Response<Body>;
    type Error = S::Error;
    type Future = Measured<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: http::Request<Body>) -> Self::Future {
        let (method, streams) = methods()
            .get(request.uri().path())
            .copied()
            .unwrap_or(("_OTHER", false));
        let finish = Finish {
            metrics: self.metrics.clone(),
            method,
            streams,
            started: Instant::now(),
        };
        Measured {
            inner: self.inner.call(request),
            finish: Some(finish),
        }
    }
}

pin_project_lite::pin_project! {
    /// The inner service's response future, recording the call when it resolves.
    pub struct Measured<F> {
        #[pin]
        inner: F,
        finish: Option<Finish>,
    }
}

impl<F, E> Future for Measured<F>
where
    F: Future<Output = Answer<E>>,
{
    type Output = Answer<E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let answer = std::task::ready!(this.inner.poll(cx));
        Poll::Ready(match this.finish.take() {
            Some(finish) => finish.call(answer),
            None => answer,
        })
    }
}
