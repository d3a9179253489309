//! The process's metrics: the meter provider of `telemetry::metrics` started from the
//! configuration, the gauges read from storage (the pool, and the delivery queue where a
//! worker runs), and `GET /metrics` in the Prometheus text format.
//!
//! `/metrics` is served on the HTTP address beside `/healthz` and `/readyz` (never under
//! `/api/public/v1`), or, with `ASTERI_METRICS_ADDR`, on that address only, so that a
//! gateway whose HTTP port faces the internet does not publish its traffic figures there.

use std::{
    net::SocketAddr,
    sync::{Arc, Mutex},
    time::Duration,
};

use anyhow::Context as _;
use axum::{
    Router,
    http::{StatusCode, header},
    response::{IntoResponse, Response},
    routing::get,
};
use chrono::Utc;
use services::listen::ConnectionLimits;
use storage::Store;
use telemetry::metrics::{self, Metrics, PoolReading, QueueReading};
use tokio::{net::TcpListener, sync::watch, task::JoinHandle};

/// How often the queue is sampled for an OTLP export (a scrape of `/metrics` samples it
/// itself, so that what it reads is current).
const SAMPLE_EVERY: Duration = Duration::from_secs(15);

/// The delivery queue's last reading, refreshed by a scrape or every [`SAMPLE_EVERY`].
#[derive(Clone)]
pub(crate) struct QueueSampler {
    store: Store,
    last: Arc<Mutex<Option<QueueReading>>>,
}

impl QueueSampler {
    /// Reads the queue (three indexed queries). A failure leaves the gauges out rather than
    /// report a stale figure.
    pub async fn refresh(&self) {
        let now = Utc::now();
        let reading = match storage::webhooks::backlog::backlog(&self.store, now).await {
            Ok(b) => Some(QueueReading {
                pending: b.pending,
                due: b.due,
                oldest_due_age: b.oldest_due.map_or(0.0, |at| {
                    (now - at).to_std().unwrap_or_default().as_secs_f64()
                }),
            }),
            Err(err) => {
                tracing::warn!(
                    error = &err as &dyn std::error::Error,
                    "sampling the delivery queue for metrics failed"
                );
                None
            }
        };
        *self.last.lock().unwrap_or_else(|e| e.into_inner()) = reading;
    }

    /// Samples until `stop` says so.
    async fn run(self, mut stop: watch::Receiver<bool>) {
        loop {
            self.refresh().await;
            tokio::select! {
                _ = stop.wait_for(|s| *s) => return,
                () = tokio::time::sleep(SAMPLE_EVERY) => {}
            }
        }
    }
}

/// The point reads' own SQLite connections (`storage::point_reads`), as a second pool with
/// no fixed bound, and `asteri.db.point_reads` by outcome: `answered` on the calling thread,
/// `fell_back` to sqlx (none in normal operation; a rising count is worth a look).
fn observe_point_reads(metrics: &Metrics, store: &Store) {
    let stats = store.clone();
    metrics::observe_pool(metrics, "asteri.point_reads", move || {
        let s = stats.point_read_stats().unwrap_or_default();
        PoolReading {
            size: u32::try_from(s.open).unwrap_or(u32::MAX),
            idle: u32::try_from(s.idle).unwrap_or(u32::MAX),
            max: None,
        }
    });
    type Outcome = (&'static str, fn(&storage::PointReadStats) -> u64);
    let outcomes: [Outcome; 2] = [("answered", |s| s.answered), ("fell_back", |s| s.fell_back)];
    for (outcome, read) in outcomes {
        let stats = store.clone();
        metrics::observe_count(
            metrics,
            "asteri.db.point_reads",
            "Reads by id on a SQLite file: answered on the calling thread, or handed to sqlx",
            Some(("asteri.outcome", outcome)),
            move || read(&stats.point_read_stats().unwrap_or_default()),
        );
    }
}

/// A started system's metrics and what `/metrics` refreshes before it answers.
#[derive(Clone)]
pub(crate) struct ProcessMetrics {
    pub metrics: Metrics,
    queue: Option<QueueSampler>,
}

impl ProcessMetrics {
    /// Starts the provider; registers the pool gauges when the process holds a database and
    /// the queue gauges when it runs a delivery worker (one figure per worker process; the
    /// queue is shared). Samples the queue periodically when metrics are pushed over OTLP.
    pub fn start(
        settings: &metrics::MetricsSettings,
        store: Option<&Store>,
        samples_queue: bool,
        stop: &watch::Receiver<bool>,
    ) -> anyhow::Result<Self> {
        let metrics = Metrics::start(settings).context("starting the metrics")?;
        let mut queue = None;
        if let Some(store) = store {
            let pool = store.clone();
            metrics::observe_pool(&metrics, "asteri", move || {
                let s = pool.pool_status();
                PoolReading {
                    size: s.size,
                    idle: s.idle,
                    max: Some(s.max),
                }
            });
            if store.point_read_stats().is_some() {
                observe_point_reads(&metrics, store);
            }
            if samples_queue {
                let sampler = QueueSampler {
                    store: store.clone(),
                    last: Arc::default(),
                };
                let last = Arc::clone(&sampler.last);
                metrics::observe_queue(&metrics, move || {
                    *last.lock().unwrap_or_else(|e| e.into_inner())
                });
                if settings.otlp.is_some() {
                    // Detached: it ends with `stop`, and holds nothing worth a graceful end.
                    tokio::spawn(sampler.clone().run(stop.clone()));
                }
                queue = Some(sampler);
            }
        }
        Ok(Self { metrics, queue })
    }

    /// Serves `/metrics` alone on `addr` (`ASTERI_METRICS_ADDR`) until `stop`; returns the
    /// bound address.
    pub async fn serve_apart(
        &self,
        addr: SocketAddr,
        limits: ConnectionLimits,
        stop: watch::Receiver<bool>,
    ) -> anyhow::Result<(SocketAddr, JoinHandle<()>)> {
        let listener = TcpListener::bind(addr)
            .await
            .with_context(|| format!("binding the metrics address {addr}"))?;
        let bound = listener.local_addr()?;
        let stopped = async move {
            let mut stop = stop;
            let _ = stop.wait_for(|s| *s).await;
        };
        let task = tokio::spawn(crate::listen::serve(
            listener,
            self.router(),
            limits,
            stopped,
        ));
        Ok((bound, task))
    }

    /// `GET /metrics` (nothing when Prometheus is off).
    pub fn router(&self) -> Router {
        if !self.metrics.serves_prometheus() {
            return Router::new();
        }
        let this = self.clone();
        Router::new().route(
            "/metrics",
            get(move || {
                let this = this.clone();
                async move { this.scrape().await }
            }),
        )
    }

    async fn scrape(&self) -> Response {
        if let Some(queue) = &self.queue {
            queue.refresh().await;
        }
        match self.metrics.prometheus_text() {
            Some(Ok(text)) => (
                [(
                    header::CONTENT_TYPE,
                    "text/plain; version=0.0.4; charset=utf-8",
                )],
                text,
            )
                .into_response(),
            Some(Err(err)) => {
                tracing::error!(error = &err as &dyn std::error::Error, "GET /metrics");
                StatusCode::INTERNAL_SERVER_ERROR.into_response()
            }
            None => StatusCode::NOT_FOUND.into_response(),
        }
    }
}
