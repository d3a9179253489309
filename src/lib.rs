//! The `asteri` binary's library: configuration and the wiring of roles into processes.
//! Integration tests start the system through [`start`], exactly as `asteri serve` does.

pub mod cli;
pub mod config;
mod examples;
mod health;
mod listen;
mod metrics;
pub mod seed;

pub use examples::{openapi_document, openapi_examples};

use std::{collections::HashMap, net::SocketAddr, sync::Arc, time::Duration};

use anyhow::Context as _;
use delivery::worker::Worker;
use services::{Group, Platform, files::FilesSettings};
use storage::{Store, objects::ObjectStorage};
use tokio::{net::TcpListener, sync::watch, task::JoinHandle};
use tonic::transport::{Channel, Endpoint};

pub use config::{Config, Role};

/// A running set of roles; dropping it does not stop them, [`Running::shutdown`] does.
pub struct Running {
    pub http_addr: SocketAddr,
    pub grpc_addr: Option<SocketAddr>,
    /// Where `/metrics` is served when `ASTERI_METRICS_ADDR` moves it off `http_addr`.
    pub metrics_addr: Option<SocketAddr>,
    pub store: Option<Store>,
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
    metrics: telemetry::metrics::Metrics,
}

impl Running {
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        for task in self.tasks {
            let _ = task.await;
        }
        // Last, so that the final OTLP export holds everything the system did.
        self.metrics.shutdown().await;
    }

    /// Waits until any server task ends (they run until shutdown or a fatal error).
    ///
    /// Cancel-safe: the tasks are polled where they are, never moved out of `self`. The
    /// signal handler drops this future when SIGTERM wins the race, and [`Running::shutdown`]
    /// must still find every task to wait for; when this took them out instead, the drain
    /// awaited nothing, `main` returned and the runtime dropped the requests under way (the
    /// replicas restart test saw their upstream calls fail with 500 and 503).
    pub async fn wait(&mut self) {
        if self.tasks.is_empty() {
            return;
        }
        let (_, ended, _) = futures::future::select_all(self.tasks.iter_mut()).await;
        // A finished JoinHandle must not be awaited again (shutdown would panic on it).
        self.tasks.swap_remove(ended);
    }
}

async fn stopped(mut rx: watch::Receiver<bool>) {
    let _ = rx.wait_for(|stop| *stop).await;
}

fn lazy_channel(url: &str) -> anyhow::Result<Channel> {
    Ok(Endpoint::from_shared(url.to_owned())
        .with_context(|| format!("invalid service address {url}"))?
        .connect_timeout(Duration::from_secs(5))
        .tcp_nodelay(true)
        .connect_lazy())
}

/// Starts the configured role: binds its listeners (port 0 picks a free port), applies
/// migrations when it owns the database, and serves until [`Running::shutdown`].
pub async fn start(mut config: Config) -> anyhow::Result<Running> {
    storage::objects::install_crypto_provider();
    let (stop, stop_rx) = watch::channel(false);
    let mut tasks = Vec::new();
    let groups = config.role.groups();
    // One set of key budgets for both doors of this process: a request spends its budget
    // once, whichever door it came in by. With Redis, one set for every replica.
    let budgets = match &config.redis {
        Some(redis) => limits::KeyBudgets::shared(redis, config::redact_url(&redis.url))
            .context("configuring the shared key budgets")?,
        None => limits::KeyBudgets::default(),
    };

    let runs_worker = config.role.runs_worker() && config.run_worker;
    let store = if groups.is_empty() && !runs_worker {
        None
    } else {
        let store = Store::connect(&config.database_url)
            .await
            .with_context(|| {
                format!(
                    "connecting to the database at {}",
                    config::redact_url(&config.database_url)
                )
            })?;
        store.migrate().await.context("applying migrations")?;
        Some(store)
    };
    // The queue gauges follow the role (a worker role reports the queue it works on), even
    // when tests drive the worker themselves.
    let samples_queue = config.role.runs_worker();
    let metrics =
        metrics::ProcessMetrics::start(&config.metrics, store.as_ref(), samples_queue, &stop_rx)?;
    // Every worker of this process (the role's, and the webhooks services' own) counts there.
    config.webhooks.worker.metrics = metrics.metrics.deliveries();

    let mut grpc_addr = None;
    // The services of this process, for its own gateway to call in process.
    let mut in_process = None;
    // The history store of this process, for its own gateway's batches.
    let mut local_history: Option<Arc<dyn gateway::request_log::LocalHistory>> = None;
    if let Some(store) = store.as_ref().filter(|_| !groups.is_empty()) {
        let listener = TcpListener::bind(config.grpc_addr)
            .await
            .with_context(|| format!("binding the gRPC address {}", config.grpc_addr))?;
        grpc_addr = Some(listener.local_addr()?);
        let objects =
            ObjectStorage::new(&config.files).context("configuring the storage of files")?;
        let platform = Platform::new(store.clone(), &config.hash_key, &config.internal_token)
            .with_files(FilesSettings {
                objects,
                max_file_bytes: config.max_file_bytes,
            })
            .with_webhooks(config.webhooks.clone())
            .with_sessions(config.sessions)
            .with_budgets(budgets.clone())
            .with_metrics(metrics.metrics.clone());
        in_process = Some(gateway::upstream::in_process(
            services::local::local(&platform, &groups).await,
        ));
        if groups.contains(&Group::Keys) {
            local_history = Some(Arc::new(LocalHistory(store.clone())));
            let (store, retention) = (store.clone(), config.request_log_retention);
            let every = Duration::from_secs(3_600);
            // Detached: the pruner holds no state worth a graceful stop.
            tokio::spawn(services::request_logs::prune_forever(
                store, retention, every,
            ));
        }
        let shutdown = stopped(stop_rx.clone());
        let limits = config.connections.clone();
        tasks.push(tokio::spawn(async move {
            if let Err(err) = services::serve(platform, &groups, listener, &limits, shutdown).await
            {
                tracing::error!(
                    error = &err as &dyn std::error::Error,
                    "gRPC server stopped"
                );
            }
        }));
    }

    if let Some(store) = store.as_ref().filter(|_| runs_worker) {
        let worker = Arc::new(Worker::new(store.clone(), config.webhooks.worker.clone()));
        let shutdown = stopped(stop_rx.clone());
        tracing::info!(worker = worker.id(), "webhook delivery worker started");
        tasks.push(tokio::spawn(worker.run(shutdown)));
    }

    let mut gateway = None;
    if config.role.runs_gateway() {
        // Built before the first request, so that every answer serves the same document.
        openapi_document().await;
        let local = grpc_addr.map(|a| format!("http://{a}"));
        let resources_url = local
            .clone()
            .or(config.resources_url.clone())
            .context("set ASTERI_RESOURCES_URL")?;
        let keys_url = local
            .clone()
            .or(config.keys_url.clone())
            .context("set ASTERI_KEYS_URL")?;
        let webhooks_url = local
            .or(config.webhooks_url.clone())
            .context("set ASTERI_WEBHOOKS_URL")?;
        let (resources, keys) = (lazy_channel(&resources_url)?, lazy_channel(&keys_url)?);
        let webhooks = lazy_channel(&webhooks_url)?;
        // The services of this process are called in process; the channels above stay for
        // `/readyz`, which checks the gRPC listener as a remote gateway would.
        let upstream = |channel: &Channel| {
            in_process
                .clone()
                .unwrap_or_else(|| gateway::upstream::remote(channel.clone()))
        };
        let mut upstreams = HashMap::new();
        for (group, channel) in [
            (Group::Resources, &resources),
            (Group::Keys, &keys),
            (Group::Webhooks, &webhooks),
        ] {
            for service in group.services() {
                upstreams.insert((*service).to_owned(), upstream(channel));
            }
        }
        // The security center beside the REST routes, on the same services.
        let dashboard = dashboard::router(dashboard::DashboardConfig {
            keys: upstream(&keys),
            resources: upstream(&resources),
            webhooks: upstream(&webhooks),
            internal_token: config.internal_token.clone(),
            secure_cookie: config.dashboard.secure_cookie,
            sign_in_limits: config.dashboard.sign_in_limits,
            public_url: config.dashboard.public_url.clone(),
            token_limits: config.dashboard.token_limits,
        });
        gateway = Some((
            gateway::router(gateway::GatewayConfig {
                upstreams,
                keys: upstream(&keys),
                internal_token: config.internal_token.clone(),
                body_limit: gateway::DEFAULT_BODY_LIMIT,
                request_logs: gateway::request_log::LogSettings::default(),
                local_history,
                budgets,
                auth_failures: gateway::failures::AuthFailureLimit::from_env()?,
                metrics: metrics.metrics.clone(),
            })
            .merge(dashboard),
            vec![resources, keys, webhooks],
        ));
    }

    let (api, upstreams) = gateway.map_or((None, Vec::new()), |(r, u)| (Some(r), u));
    let mut app = health::router(store.clone(), upstreams, api);
    let mut metrics_addr = None;
    match config.metrics_addr {
        None => app = app.merge(metrics.router()),
        Some(addr) => {
            let (bound, task) = metrics
                .serve_apart(addr, config.connections.clone(), stop_rx.clone())
                .await?;
            metrics_addr = Some(bound);
            tasks.push(task);
        }
    }
    let listener = TcpListener::bind(config.http_addr)
        .await
        .with_context(|| format!("binding the HTTP address {}", config.http_addr))?;
    let http_addr = listener.local_addr()?;
    let shutdown = stopped(stop_rx);
    tasks.push(tokio::spawn(listen::serve(
        listener,
        app,
        config.connections.clone(),
        shutdown,
    )));

    Ok(Running {
        http_addr,
        grpc_addr,
        metrics_addr,
        store,
        stop,
        tasks,
        metrics: metrics.metrics,
    })
}

/// The request history of this process, as its own gateway's destination for batches.
///
/// Only this wiring may skip the second redaction: the gateway built with it is this
/// binary's, whose records `proto::redact` redacted before they were queued.
struct LocalHistory(Store);

impl gateway::request_log::LocalHistory for LocalHistory {
    fn store(
        &self,
        logs: Vec<proto::v1::RequestLog>,
    ) -> futures::future::BoxFuture<'static, Result<(), tower::BoxError>> {
        let store = self.0.clone();
        Box::pin(async move {
            services::request_logs::store_batch(
                &store,
                logs,
                services::request_logs::Redaction::AlreadyDone,
            )
            .await
            .map_err(Into::into)
        })
    }
}
