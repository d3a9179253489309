//! The edge's metrics: `http.server.request.duration` per route template, method and status
//! ([`HttpMetricsLayer`]), and the edge's own counters, for the log and the metrics: what
//! the request history queued, dropped and only counted, and what the failed-authentication
//! guard refused ([`EdgeMetrics`], exported by [`observe_edge`]).
//!
//! A request costs one `Instant` at each end, a lookup of its matched route template in a
//! table built with the router (its `Arc<str>` is shared, not copied), and one histogram
//! record with static attributes. The duration runs until the response head: JSON answers
//! are whole by then; a download's body streams after it.

use std::{
    collections::HashMap,
    future::Future,
    pin::Pin,
    sync::Arc,
    task::{Context, Poll},
    time::Instant,
};

use axum::{extract::MatchedPath, extract::Request, response::Response};
use telemetry::metrics::{self, HttpServer, Metrics, StringValue};

use crate::{
    failures::FailureGuard,
    request_log::{LogCounts, RequestLogger},
};

#[derive(Clone)]
pub struct EdgeMetrics {
    logger: RequestLogger,
    failures: Arc<FailureGuard>,
}

impl EdgeMetrics {
    pub(crate) fn new(logger: RequestLogger, failures: Arc<FailureGuard>) -> Self {
        Self { logger, failures }
    }

    /// Records queued, dropped (past an organization's share) and unauthenticated requests
    /// counted instead of recorded.
    pub fn request_log(&self) -> LogCounts {
        self.logger.counts()
    }

    /// Requests refused 429 because their address spent its failed-authentication allowance.
    pub fn auth_failures_refused(&self) -> u64 {
        self.failures.refused()
    }
}

/// Exports the edge's counters as `asteri.request_log.records` (by `asteri.outcome`:
/// `queued`, `dropped`, `counted`) and `asteri.auth_failures.refused`.
pub(crate) fn observe_edge(metrics: &Metrics, edge: &EdgeMetrics) {
    let records = "Requests of the history: queued to be stored, dropped past an \
                   organization's share, or only counted (no organization)";
    type Count = (&'static str, fn(&LogCounts) -> u64);
    let counts: [Count; 3] = [
        ("queued", |c| c.queued),
        ("dropped", |c| c.dropped),
        ("counted", |c| c.unauthenticated),
    ];
    for (outcome, read) in counts {
        let edge = edge.clone();
        metrics::observe_count(
            metrics,
            "asteri.request_log.records",
            records,
            Some(("asteri.outcome", outcome)),
            move || read(&edge.request_log()),
        );
    }
    let edge = edge.clone();
    metrics::observe_count(
        metrics,
        "asteri.auth_failures.refused",
        "Requests refused 429 because their address failed authentication too often",
        None,
        move || edge.auth_failures_refused(),
    );
}

/// Measures every request of the router it wraps (add it last, so that every route and
/// the fallback are wrapped).
#[derive(Clone)]
pub(crate) struct HttpMetricsLayer {
    metrics: HttpServer,
    routes: Arc<HashMap<String, StringValue>>,
}

impl HttpMetricsLayer {
    /// `routes`: the route templates known when the router is built, shared by every
    /// request that matches one.
    pub fn new<'a>(metrics: HttpServer, routes: impl IntoIterator<Item = &'a str>) -> Self {
        let routes = routes
            .into_iter()
            .map(|r| (r.to_owned(), StringValue::from(Arc::<str>::from(r))))
            .collect();
        Self {
            metrics,
            routes: Arc::new(routes),
        }
    }
}

impl<S> tower::Layer<S> for HttpMetricsLayer {
    type Service = HttpMetrics<S>;
    fn layer(&self, inner: S) -> Self::Service {
        HttpMetrics {
            inner,
            layer: self.clone(),
        }
    }
}

#[derive(Clone)]
pub(crate) struct HttpMetrics<S> {
    inner: S,
    layer: HttpMetricsLayer,
}

impl<S> tower::Service<Request> for HttpMetrics<S>
where
    S: tower::Service<Request, Response = Response>,
{
    type Response = Response;
    type Error = S::Error;
    type Future = Measured<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let route = request.extensions().get::<MatchedPath>().map(|m| {
            let template = m.as_str();
            self.layer
                .routes
                .get(template)
                .cloned()
                // A route added outside the gateway's table (the portal's pages): few, and
                // not on the API's path.
                .unwrap_or_else(|| StringValue::from(template.to_owned()))
        });
        let finish = Finish {
            metrics: self.layer.metrics.clone(),
            method: metrics::http_method(request.method().as_str()),
            route,
            started: Instant::now(),
        };
        Measured {
            inner: self.inner.call(request),
            finish: Some(finish),
        }
    }
}

struct Finish {
    metrics: HttpServer,
    method: &'static str,
    route: Option<StringValue>,
    started: Instant,
}

pin_project_lite::pin_project! {
    /// The inner service's response future, recording the request when it resolves.
    pub(crate) struct Measured<F> {
        #[pin]
        inner: F,
        finish: Option<Finish>,
    }
}

impl<F, E> Future for Measured<F>
where
    F: Future<Output = Result<Response, E>>,
{
    type Output = Result<Response, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let answer = std::task::ready!(this.inner.poll(cx));
        if let (Some(f), Ok(response)) = (this.finish.take(), &answer) {
            f.metrics.record(
                f.method,
                f.route,
                response.status().as_u16(),
                f.started.elapsed(),
            );
        }
        Poll::Ready(answer)
    }
}
