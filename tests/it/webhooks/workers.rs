//! Workers: one killed mid-batch, two sharing a backlog, one driven step by step, one told
//! to stop.

use std::{
    collections::HashMap,
    process::{Child, Command},
    time::{Duration, Instant},
};

use reqwest::Method;
use serde_json::json;

use super::*;

const WAIT: Duration = Duration::from_secs(20);

fn ok(a: &serde_json::Value) -> bool {
    a["success"] == true
}

/// `asteri serve --role worker` as a process of its own, on the test's database.
fn worker_process(database_url: &str, lease_seconds: u32) -> Child {
    Command::new(env!("CARGO_BIN_EXE_asteri"))
        .args(["serve", "--role", "worker"])
        .env("ASTERI_DATABASE_URL", database_url)
        .env("ASTERI_HTTP_ADDR", "127.0.0.1:0")
        .env(
            "ASTERI_INTERNAL_TOKEN",
            format!("ast_int_{}", "x".repeat(40)),
        )
        .env("ASTERI_SECRET_KEY", "k".repeat(40))
        .env("ASTERI_WEBHOOK_ALLOW_PRIVATE", "1")
        .env("ASTERI_WEBHOOK_LEASE_SECONDS", lease_seconds.to_string())
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("start asteri serve --role worker")
}

/// Creates `n` customers over REST, 16 at a time.
pub(super) async fn create_customers(app: &TestApp, t: &Tenant, n: usize) {
    use futures::StreamExt as _;
    futures::stream::iter(0..n)
        .for_each_concurrent(16, |i| async move {
            let (status, body) = call(
                app,
                t,
                Method::POST,
                "/customers",
                Some(json!({"name": format!("Customer {i}")})),
            )
            .await;
            assert_eq!(status, 201, "{body}");
        })
        .await;
}

pub(super) fn distinct(got: &[Received]) -> HashMap<String, usize> {
    let mut seen = HashMap::new();
    for r in got {
        *seen.entry(r.id()).or_insert(0) += 1;
    }
    seen
}

async fn wait_distinct(receiver: &Receiver, n: usize, within: Duration) -> HashMap<String, usize> {
    let deadline = Instant::now() + within;
    loop {
        let seen = distinct(&receiver.received());
        if seen.len() >= n {
            return seen;
        }
        assert!(
            Instant::now() < deadline,
            "{} of {n} events arrived",
            seen.len()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// An app without a worker, and `events` deliveries queued for one endpoint whose receiver
/// answers 200 after `delay`: the backlog the worker tests start from.
async fn backlog(events: usize, delay: Duration) -> (TestApp, Tenant, Receiver, String) {
    let app = spawn_isolated(|c| {
        c.webhooks.allow_private = true;
        c.run_worker = false;
    })
    .await;
    // A budget above the 1,000 writes a backlog may take (the default test key has 1,000/min).
    let org = app.org(true).await;
    let (key, key_id) = app.key(&org, SCOPES, Some((100_000, 1_000_000))).await;
    let t = Tenant { org, key, key_id };
    let receiver = Receiver::start().await;
    let mut slow = Reply::status(200);
    slow.delay = delay;
    receiver.answer_always(slow);
    let id = id_of(&create_endpoint(&app, &t, &receiver.url, &["customer.created"]).await);
    create_customers(&app, &t, events).await;
    (app, t, receiver, id)
}

/// A worker the test drives itself, allowed to reach the local receiver.
fn worker_config() -> ::delivery::worker::WorkerConfig {
    let mut config = ::delivery::worker::WorkerConfig::default();
    config.sender.allow_private = true;
    config
}

#[tokio::test]
async fn a_worker_killed_mid_batch_loses_nothing() {
    const EVENTS: usize = 1_000;
    let (app, _, receiver, _) = backlog(EVENTS, Duration::from_millis(20)).await;
    assert!(receiver.received().is_empty(), "no worker runs yet");

    let url = app.database_url.clone();
    let mut first = worker_process(&url, 2);
    wait_distinct(&receiver, 100, WAIT).await;
    first.kill().unwrap(); // SIGKILL, mid-batch
    first.wait().unwrap();
    let at_kill = distinct(&receiver.received()).len();
    assert!(at_kill < EVENTS, "killed before the end ({at_kill})");

    let mut second = worker_process(&url, 2);
    let seen = wait_distinct(&receiver, EVENTS, Duration::from_secs(120)).await;
    second.kill().unwrap();
    second.wait().unwrap();
    assert_eq!(seen.len(), EVENTS, "every event reached the receiver");
    let again = seen.values().filter(|n| **n > 1).count();
    eprintln!(
        "killed after {at_kill} events; {again} were sent again after the restart (at least once)"
    );
    app.shutdown().await;
}

#[tokio::test]
async fn two_workers_share_a_backlog_without_sending_twice() {
    const EVENTS: usize = 600;
    let (app, _, receiver, _) = backlog(EVENTS, Duration::from_millis(5)).await;

    let url = app.database_url.clone();
    let mut workers = [worker_process(&url, 60), worker_process(&url, 60)];
    let seen = wait_distinct(&receiver, EVENTS, Duration::from_secs(120)).await;
    // Let anything sent twice arrive, then count: no webhook-id may come twice.
    let store = app.platform.store.clone();
    let deadline = Instant::now() + WAIT;
    while storage::webhooks::queue::pending_count(&store)
        .await
        .unwrap()
        > 0
    {
        assert!(Instant::now() < deadline);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    for w in &mut workers {
        w.kill().unwrap();
        w.wait().unwrap();
    }
    let seen_after = distinct(&receiver.received());
    assert_eq!(seen.len(), EVENTS);
    let twice: Vec<_> = seen_after.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "sent twice: {twice:?}");
    assert_eq!(receiver.received().len(), EVENTS);
    app.shutdown().await;
}

/// The worker driven step by step: what a disabled endpoint's queued delivery becomes, and
/// recover bringing it back once the endpoint is enabled again.
#[tokio::test]
async fn a_worker_driven_directly_drops_deliveries_to_disabled_endpoints() {
    let app = spawn_isolated(|c| {
        c.webhooks.allow_private = true;
        c.run_worker = false;
    })
    .await;
    let t = app.tenant_with(SCOPES).await;
    let receiver = Receiver::start().await;
    let id = id_of(&create_endpoint(&app, &t, &receiver.url, &["customer.created"]).await);
    let since = chrono::Utc::now().to_rfc3339();
    app.create_customer(&t, json!({"name": "Queued"})).await;
    let path = format!("/webhook_endpoints/{id}");
    let (status, _) = call(
        &app,
        &t,
        Method::PATCH,
        &path,
        Some(json!({"enabled": false})),
    )
    .await;
    assert_eq!(status, 200);

    let worker = ::delivery::worker::Worker::new(app.platform.store.clone(), worker_config());
    assert_eq!(
        worker.run_once().await.unwrap(),
        1,
        "the queued delivery is claimed"
    );
    assert!(
        attempts(&app, &t, &id).await.is_empty(),
        "nothing is sent to a disabled endpoint"
    );
    assert!(receiver.received().is_empty());
    assert_eq!(
        worker.run_once().await.unwrap(),
        0,
        "and it is not claimed again"
    );

    let (_, _) = call(
        &app,
        &t,
        Method::PATCH,
        &path,
        Some(json!({"enabled": true})),
    )
    .await;
    let body = json!({"since": since});
    let (_, recovered) = call(
        &app,
        &t,
        Method::POST,
        &format!("{path}/recover"),
        Some(body),
    )
    .await;
    assert_eq!(recovered["queued"], 1);
    assert_eq!(worker.run_once().await.unwrap(), 1);
    let got = receiver.wait_for(1, WAIT).await;
    assert_eq!(got[0].json()["data"]["name"], "Queued");
    let history = attempts(&app, &t, &id).await;
    assert_eq!(
        (history.len(), history[0]["success"].clone()),
        (1, json!(true))
    );
    app.shutdown().await;
}

/// A worker told to stop lets what it sends finish and be recorded, and leaves no claim
/// behind: another worker can take the rest at once, without waiting for a lease.
#[tokio::test]
async fn a_stopped_worker_finishes_what_it_sends_and_releases_the_rest() {
    const EVENTS: usize = 20;
    let (app, t, receiver, id) = backlog(EVENTS, Duration::from_millis(300)).await;

    let mut config = worker_config();
    config.concurrency = 4;
    let store = app.platform.store.clone();
    let worker = std::sync::Arc::new(::delivery::worker::Worker::new(
        store.clone(),
        config.clone(),
    ));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let running = tokio::spawn(worker.run(async move {
        let _ = stopped.await;
    }));
    receiver.wait_for(2, WAIT).await; // mid-flight
    stop.send(()).unwrap();
    running.await.unwrap();

    // Everything it sent was answered and recorded; nothing it holds stays locked.
    let sent = receiver.received().len();
    assert!(
        (1..EVENTS).contains(&sent),
        "stopped mid-batch ({sent} sent)"
    );
    let history = attempts_until(&app, &t, &id, |a| a.len() == sent).await;
    assert!(history.iter().all(ok));
    let next = ::delivery::worker::Worker::new(store, config);
    let mut taken = 0;
    loop {
        let n = next.run_once().await.unwrap();
        if n == 0 {
            break;
        }
        taken += n;
    }
    assert_eq!(taken, EVENTS - sent, "the rest is claimable at once");
    assert_eq!(distinct(&receiver.received()).len(), EVENTS);
    app.shutdown().await;
}
