//! Webhook delivery benchmark (issue 6): end-to-end throughput with 32 concurrent writers,
//! the drain rate of a 20,000-delivery backlog, and send-to-delivery latency at 50 events/s.
//!
//! `ASTERI_BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench cargo bench --bench webhooks`
//! (SQLite in a temp folder without it). Options: `ASTERI_BENCH_EVENTS` (4000),
//! `ASTERI_BENCH_BACKLOG` (20000), `ASTERI_BENCH_RATE_SECONDS` (10).
//!
//! Every event is caused by `POST /customers` through the gateway (auth, limits,
//! transcoding, gRPC service, one transaction with the change, audit, event and deliveries)
//! and counted when the receiver, a local HTTP server, answers it 200. The baseline, measured
//! in the same run, is the same writes with no endpoint subscribed.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use asteri::{Config, cli};
use axum::{Router, body::Bytes, extract::State, routing::post};
use delivery::worker::Worker;
use futures::StreamExt as _;
use proto::v1::{CreateCustomerRequest, customers_service_client::CustomersServiceClient};
use storage::OrgId;
use tokio::sync::{Notify, watch};

fn env_num(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[derive(Default)]
struct Arrivals {
    /// customer id (or drain sequence) -> when it arrived
    at: Mutex<HashMap<String, Instant>>,
    count: std::sync::atomic::AtomicUsize,
    changed: Notify,
}

async fn receive(State(a): State<Arc<Arrivals>>, body: Bytes) -> &'static str {
    let key = serde_json::from_slice::<serde_json::Value>(&body)
        .ok()
        .and_then(|v| v["data"]["id"].as_str().map(str::to_owned))
        .unwrap_or_default();
    a.at.lock().unwrap().insert(key, Instant::now());
    a.count.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    a.changed.notify_waiters();
    "ok"
}

impl Arrivals {
    fn count(&self) -> usize {
        self.count.load(std::sync::atomic::Ordering::SeqCst)
    }

    async fn wait_count(&self, n: usize) {
        while self.count() < n {
            let changed = self.changed.notified();
            if self.count() >= n {
                break;
            }
            let _ = tokio::time::timeout(Duration::from_millis(100), changed).await;
        }
    }
}

struct Bench {
    client: reqwest::Client,
    url: String,
    key: String,
    org: String,
}

impl Bench {
    /// One write that raises `customer.created`; returns the customer id.
    async fn write(&self, i: usize) -> anyhow::Result<String> {
        let response = self
            .client
            .post(format!("{}/customers", self.url))
            .header("x-api-key", &self.key)
            .header("x-organization-id", &self.org)
            .json(&serde_json::json!({"name": format!("Bench customer {i}")}))
            .send()
            .await?;
        anyhow::ensure!(response.status() == 201, "status {}", response.status());
        let body: serde_json::Value = response.json().await?;
        Ok(body["id"].as_str().unwrap_or_default().to_owned())
    }

    /// `n` writes from 32 concurrent writers; returns the elapsed time.
    async fn writes(&self, n: usize) -> anyhow::Result<Duration> {
        let started = Instant::now();
        let results: Vec<anyhow::Result<String>> = futures::stream::iter(0..n)
            .map(|i| self.write(i))
            .buffer_unordered(32)
            .collect()
            .await;
        for r in results {
            r?;
        }
        Ok(started.elapsed())
    }
}

fn start_worker(
    store: storage::Store,
    config: &Config,
) -> (watch::Sender<bool>, tokio::task::JoinHandle<()>) {
    let (stop, mut rx) = watch::channel(false);
    let worker = Arc::new(Worker::new(store, config.webhooks.worker.clone()));
    let task = tokio::spawn(worker.run(async move {
        let _ = rx.wait_for(|s| *s).await;
    }));
    (stop, task)
}

/// `n` writes at 50 per second, each a task of its own (so that it runs while the next one
/// waits its turn); for each, the time to its delivery and to its own response.
async fn paced<F, Fut>(
    arrivals: &Arrivals,
    n: usize,
    write: F,
) -> anyhow::Result<(Vec<Duration>, Vec<Duration>)>
where
    F: Fn(usize) -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<String>> + Send + 'static,
{
    let mut tick = tokio::time::interval(Duration::from_millis(20));
    let before = arrivals.count();
    let mut tasks = Vec::with_capacity(n);
    for i in 0..n {
        tick.tick().await;
        let write = write(i);
        tasks.push(tokio::spawn(async move {
            let t0 = Instant::now();
            let id = write.await;
            (t0, Instant::now(), id)
        }));
    }
    let mut sent = Vec::with_capacity(n);
    for task in tasks {
        let (t0, t1, id) = task.await?;
        sent.push((t0, t1, id?));
    }
    arrivals.wait_count(before + n).await;
    let at = arrivals.at.lock().unwrap();
    let (mut delivered, mut responded): (Vec<Duration>, Vec<Duration>) = sent
        .iter()
        .filter_map(|(t0, t1, id)| {
            at.get(id)
                .map(|a| (a.duration_since(*t0), t1.duration_since(*t0)))
        })
        .unzip();
    delivered.sort();
    responded.sort();
    Ok((delivered, responded))
}

fn report(door: &str, n: usize, (delivered, responded): (Vec<Duration>, Vec<Duration>)) {
    println!(
        "  latency at 50 events/s ({n} events, {door}), write sent -> delivered: p50 {:.2} ms  p99 {:.2} ms  (Svix 1.100: 5.0 / 8.1 ms)",
        percentile(&delivered, 50),
        percentile(&delivered, 99)
    );
    println!(
        "    baseline, the write's own response: p50 {:.2} ms  p99 {:.2} ms  (delivery / response at p50: x{:.2})",
        percentile(&responded, 50),
        percentile(&responded, 99),
        percentile(&delivered, 50) / percentile(&responded, 50)
    );
}

fn percentile(sorted: &[Duration], p: usize) -> f64 {
    sorted[(sorted.len() * p / 100).min(sorted.len() - 1)].as_secs_f64() * 1000.0
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let events = env_num("ASTERI_BENCH_EVENTS", 4_000);
    let backlog = env_num("ASTERI_BENCH_BACKLOG", 20_000);
    let rate_seconds = env_num("ASTERI_BENCH_RATE_SECONDS", 10);
    let dir = tempfile::tempdir()?;
    let database_url = std::env::var("ASTERI_BENCH_DATABASE_URL").unwrap_or_else(|_| {
        format!(
            "sqlite://{}?mode=rwc",
            dir.path().join("bench.db").display()
        )
    });
    storage::objects::install_crypto_provider();
    let mut config = Config::local(database_url.clone(), dir.path());
    config.webhooks.allow_private = true;
    config.webhooks.worker.sender.allow_private = true;
    // The benchmark runs its own worker, so that it can stop it to build a backlog.
    config.run_worker = false;
    let running = asteri::start(config.clone()).await?;
    let store = running.store.clone().expect("the all role has a store");
    let platform = services::Platform::new(store.clone(), &config.hash_key, &config.internal_token);
    let org = cli::create_org(&platform, "Bench Co", true).await?.id;
    let key = cli::create_key(
        &platform,
        cli::NewKey {
            org: &org,
            name: "bench",
            scopes: vec!["write:customers".into(), "manage:webhooks".into()],
            env: None,
            expires_in: None,
            per_minute: Some(100_000_000),
            per_day: Some(1_000_000_000),
        },
    )
    .await?
    .secret;
    let arrivals = Arc::new(Arrivals::default());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let hook_url = format!("http://{}/hook", listener.local_addr()?);
    let app = Router::new()
        .route("/hook", post(receive))
        .with_state(Arc::clone(&arrivals));
    tokio::spawn(async move { axum::serve(listener, app).await });
    let bench = Arc::new(Bench {
        client: reqwest::Client::builder().tcp_nodelay(true).build()?,
        url: format!("http://{}/api/public/v1", running.http_addr),
        key,
        org: org.clone(),
    });
    let backend = if database_url.starts_with("postgres") {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    println!("webhook delivery on {backend}");

    // Baseline: the same writes, nobody subscribed.
    bench.writes(500).await?; // warm-up
    let baseline = bench.writes(events).await?;
    let baseline_rate = events as f64 / baseline.as_secs_f64();
    println!("  baseline  {events} writes, no endpoint: {baseline_rate:.0} writes/s");

    let response = bench
        .client
        .post(format!("{}/webhook_endpoints", bench.url))
        .header("x-api-key", &bench.key)
        .header("x-organization-id", &org)
        .json(&serde_json::json!({"url": hook_url, "event_types": ["customer.created"]}))
        .send()
        .await?;
    anyhow::ensure!(
        response.status() == 201,
        "endpoint: {}",
        response.text().await?
    );
    let endpoint: serde_json::Value = response.json().await?;
    let endpoint_id = endpoint["id"].as_str().unwrap_or_default().to_owned();
    let (stop, worker) = start_worker(store.clone(), &config);

    // 1. Latency at 50 events/s: from sending the write to the delivery's arrival, through
    // the REST door (an integrator) and the gRPC door (an internal service).
    let n = 50 * rate_seconds;
    let b = Arc::clone(&bench);
    let rest = paced(&arrivals, n, move |i| {
        let b = Arc::clone(&b);
        async move { b.write(i).await }
    })
    .await?;
    report("REST", n, rest);
    let channel = tonic::transport::Endpoint::from_shared(format!(
        "http://{}",
        running.grpc_addr.expect("the all role serves gRPC")
    ))?
    .tcp_nodelay(true)
    .connect()
    .await?;
    let client = CustomersServiceClient::new(channel);
    let (key, org_header) = (bench.key.clone(), org.clone());
    let grpc = paced(&arrivals, n, move |i| {
        let mut client = client.clone();
        let mut request = tonic::Request::new(CreateCustomerRequest {
            name: format!("gRPC customer {i}"),
            ..Default::default()
        });
        request
            .metadata_mut()
            .insert("x-api-key", key.parse().expect("ascii"));
        request
            .metadata_mut()
            .insert("x-organization-id", org_header.parse().expect("ascii"));
        async move { Ok(client.create_customer(request).await?.into_inner().id) }
    })
    .await?;
    report("gRPC", n, grpc);

    // 2. End to end (after the latency, so that the latency runs on a quiet database): from the first write to the receiver's last 200.
    let started = Instant::now();
    bench.writes(events).await?;
    arrivals.wait_count(events).await;
    let e2e = events as f64 / started.elapsed().as_secs_f64();
    println!(
        "  end to end  {events} events, 32 writers: {e2e:.0} events/s  (x{:.2} of the baseline's writes/s; Svix 1.100: 397)",
        e2e / baseline_rate
    );

    // 3. Drain: stop the worker, queue a backlog, start a fresh worker and time it.
    let _ = stop.send(true);
    worker.await?;
    let first_page = storage::PageQuery {
        limit: 1,
        starting_after: None,
    };
    let org_id = OrgId::new(&org);
    let events =
        storage::audit::list_events(&store, &org_id, Some("customer.created"), &first_page);
    let event = events.await?.items.pop().expect("an event").id;
    let ids = vec![endpoint_id; 1_000];
    for _ in 0..backlog / 1_000 {
        storage::webhooks::queue::enqueue(&store, &org_id, &event, &ids, None).await?;
    }
    let queued = storage::webhooks::queue::pending_count(&store).await? as usize;
    let before = arrivals.count();
    let started = Instant::now();
    let (stop, worker) = start_worker(store.clone(), &config);
    arrivals.wait_count(before + queued).await;
    let drained = queued as f64 / started.elapsed().as_secs_f64();
    println!("  drain  {queued} queued deliveries: {drained:.0} deliveries/s  (Svix 1.100: 1064)");
    let _ = stop.send(true);
    worker.await?;
    running.shutdown().await;
    Ok(())
}
