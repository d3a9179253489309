//! At least once: retries with their history, a receiver that is down for a while, 410,
//! Retry-After, recover, the SSRF guard at delivery time, a worker killed mid-batch, and two
//! workers sharing one backlog.

use std::{
    collections::HashMap,
    process::{Child, Command},
    time::{Duration, Instant},
};

use reqwest::Method;
use serde_json::{Value, json};

use super::*;

const WAIT: Duration = Duration::from_secs(20);

fn ok(a: &Value) -> bool {
    a["success"] == true
}

#[tokio::test]
async fn failures_are_retried_until_success_and_recorded() {
    let app = hooks_app("0.05,0.05,0.05,0.05").await;
    let t = app.tenant_with(SCOPES).await;
    let receiver = Receiver::start().await;
    let mut oops = Reply::status(500);
    oops.body = "x".repeat(10_000);
    receiver.script([oops, Reply::status(502)]);
    let id = id_of(&create_endpoint(&app, &t, &receiver.url, &["*"]).await);
    app.create_customer(&t, json!({"name": "Retry me"})).await;

    let got = receiver.wait_for(3, WAIT).await;
    assert!(
        got.iter().all(|r| r.id() == got[0].id()),
        "one event, one webhook-id on every try"
    );
    let history = attempts_until(&app, &t, &id, |a| a.len() == 3 && ok(&a[0])).await;
    let numbers: Vec<&Value> = history.iter().map(|a| &a["attempt"]).collect();
    assert_eq!(numbers, [&json!(3), &json!(2), &json!(1)], "newest first");
    assert_eq!(history[2]["status_code"], 500);
    assert_eq!(
        history[2]["response_body"].as_str().unwrap().len(),
        4096,
        "cut at 4 KiB"
    );
    assert_eq!(history[1]["status_code"], 502);
    assert!(
        history
            .iter()
            .all(|a| a["event_id"] == got[0].id().as_str() && a["endpoint_id"] == id.as_str())
    );
    assert!(
        history
            .iter()
            .all(|a| a["duration_ms"].is_u64() && a["created_at"].is_string())
    );
    let path = format!("/webhook_endpoints/{id}/deliveries?success=false");
    let (_, failed) = call(&app, &t, Method::GET, &path, None).await;
    assert_eq!(failed["data"].as_array().unwrap().len(), 2);

    // A receiver that is down for a while: connection refused, then it comes up.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let url = format!("http://{addr}/hook");
    let down = id_of(&create_endpoint(&app, &t, &url, &["customer.created"]).await);
    app.create_customer(&t, json!({"name": "While down"})).await;
    attempts_until(&app, &t, &down, |a| a.len() >= 2).await;
    let up = Receiver::start_on(tokio::net::TcpListener::bind(addr).await.unwrap()).await;
    let arrived = up.wait_for(1, WAIT).await;
    assert_eq!(arrived[0].json()["data"]["name"], "While down");
    let history = attempts_until(&app, &t, &down, |a| ok(&a[0])).await;
    assert!(
        history[1..]
            .iter()
            .all(|a| a["status_code"] == 0 && !a["error"].as_str().unwrap().is_empty())
    );
    app.shutdown().await;
}

#[tokio::test]
async fn gone_disables_and_retry_after_is_honoured() {
    let app = hooks_app("0.05,0.05,0.05").await;
    let t = app.tenant_with(&[SCOPES, &["read:logs"]].concat()).await;
    let (gone, busy) = (Receiver::start().await, Receiver::start().await);
    gone.answer_always(Reply::status(410));
    let mut slow_down = Reply::status(429);
    slow_down.headers.push(("retry-after", "2".to_owned()));
    busy.script([slow_down]);
    let gone_id = id_of(&create_endpoint(&app, &t, &gone.url, &["*"]).await);
    create_endpoint(&app, &t, &busy.url, &["*"]).await;
    app.create_customer(&t, json!({"name": "Anyone there?"}))
        .await;

    let tries = busy.wait_for(2, WAIT).await;
    let waited = tries[1].at - tries[0].at;
    assert!(
        waited >= Duration::from_millis(1900),
        "Retry-After: 2 honoured, waited {waited:?}"
    );

    gone.wait_for(1, WAIT).await;
    let path = format!("/webhook_endpoints/{gone_id}");
    let deadline = Instant::now() + WAIT;
    let endpoint = loop {
        let (_, ep) = call(&app, &t, Method::GET, &path, None).await;
        if ep["enabled"] == false || Instant::now() > deadline {
            break ep;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    };
    assert_eq!(endpoint["enabled"], false, "{endpoint}");
    assert!(
        endpoint["disabled_reason"]
            .as_str()
            .unwrap()
            .contains("410")
    );
    // Disabled by the platform, audited as the worker.
    let (_, audit) = call(
        &app,
        &t,
        Method::GET,
        &format!("/audit_events?resource_id={gone_id}"),
        None,
    )
    .await;
    let disabled = &audit["data"][0];
    assert_eq!(disabled["action"], "webhook_endpoint.disable", "{audit}");
    assert_eq!(disabled["actor_id"], "webhook_worker");
    // No retries after 410, and nothing more is sent to it.
    app.create_customer(&t, json!({"name": "Second"})).await;
    busy.wait_for(3, WAIT).await;
    assert_eq!(gone.received().len(), 1);
    app.shutdown().await;
}

#[tokio::test]
async fn recover_requeues_failed_deliveries_since_a_time() {
    let app = hooks_app("0.02").await; // two attempts, then failed
    let t = app.tenant_with(SCOPES).await;
    let receiver = Receiver::start().await;
    receiver.answer_always(Reply::status(503));
    let id = id_of(&create_endpoint(&app, &t, &receiver.url, &["customer.created"]).await);
    let since = chrono::Utc::now().to_rfc3339();
    for name in ["One", "Two"] {
        app.create_customer(&t, json!({"name": name})).await;
    }
    attempts_until(&app, &t, &id, |a| a.len() == 4).await;
    receiver.answer_always(Reply::status(204));
    let path = format!("/webhook_endpoints/{id}/recover");
    let (status, later) = call(
        &app,
        &t,
        Method::POST,
        &path,
        Some(json!({"since": "2999-01-01T00:00:00Z"})),
    )
    .await;
    assert_eq!((status, later["queued"].clone()), (200, json!(0)));
    let (status, recovered) =
        call(&app, &t, Method::POST, &path, Some(json!({"since": since}))).await;
    assert_eq!(
        (status, recovered["queued"].clone()),
        (200, json!(2)),
        "{recovered}"
    );
    let got = receiver.wait_for(6, WAIT).await;
    let names: Vec<String> = got[4..]
        .iter()
        .map(|r| r.json()["data"]["name"].as_str().unwrap().to_owned())
        .collect();
    assert!(names.contains(&"One".to_owned()) && names.contains(&"Two".to_owned()));
    attempts_until(&app, &t, &id, |a| a.iter().filter(|a| ok(a)).count() == 2).await;
    // Recovered once: a second recover finds nothing failed.
    let (_, again) = call(&app, &t, Method::POST, &path, Some(json!({"since": since}))).await;
    assert_eq!(again["queued"], 0);
    fails(
        &app,
        &t,
        Method::POST,
        &path,
        Some(json!({})),
        422,
        "validation_failed",
    )
    .await;
    app.shutdown().await;
}

#[tokio::test]
async fn the_worker_refuses_private_addresses_at_delivery_time() {
    // The API accepted the URL (as if DNS had said "public" then); the worker checks again
    // at connection time and refuses.
    let app = spawn_isolated(|c| {
        c.webhooks.allow_private = true;
        c.webhooks.worker.sender.allow_private = false;
        c.webhooks.worker.schedule = ::delivery::schedule::RetrySchedule::parse("60").unwrap();
    })
    .await;
    let t = app.tenant_with(SCOPES).await;
    let receiver = Receiver::start().await;
    let localhost = receiver.url.replace("127.0.0.1", "localhost");
    let id = id_of(&create_endpoint(&app, &t, &localhost, &["*"]).await);
    app.create_customer(&t, json!({"name": "Nope"})).await;
    let history = attempts_until(&app, &t, &id, |a| !a.is_empty()).await;
    assert_eq!(history[0]["status_code"], 0);
    assert!(
        history[0]["error"].as_str().unwrap().contains("private"),
        "{}",
        history[0]
    );
    assert!(receiver.received().is_empty());
    app.shutdown().await;
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
async fn create_customers(app: &TestApp, t: &Tenant, n: usize) {
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

fn distinct(got: &[Received]) -> HashMap<String, usize> {
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

#[tokio::test]
async fn a_worker_killed_mid_batch_loses_nothing() {
    const EVENTS: usize = 1_000;
    let app = spawn_isolated(|c| {
        c.webhooks.allow_private = true;
        c.run_worker = false;
    })
    .await;
    let t = app.tenant_with(SCOPES).await;
    let receiver = Receiver::start().await;
    let mut slow = Reply::status(200);
    slow.delay = Duration::from_millis(20);
    receiver.answer_always(slow);
    create_endpoint(&app, &t, &receiver.url, &["customer.created"]).await;
    create_customers(&app, &t, EVENTS).await;
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
    let app = spawn_isolated(|c| {
        c.webhooks.allow_private = true;
        c.run_worker = false;
    })
    .await;
    let t = app.tenant_with(SCOPES).await;
    let receiver = Receiver::start().await;
    let mut slow = Reply::status(200);
    slow.delay = Duration::from_millis(5);
    receiver.answer_always(slow);
    create_endpoint(&app, &t, &receiver.url, &["customer.created"]).await;
    create_customers(&app, &t, EVENTS).await;

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

#[tokio::test]
async fn an_endpoint_failing_continuously_is_disabled_with_the_reason() {
    // 5 days in production (ASTERI_WEBHOOK_DISABLE_AFTER_SECONDS); 1 s here.
    let app = spawn_isolated(|c| {
        c.webhooks.allow_private = true;
        c.webhooks.worker.sender.allow_private = true;
        c.webhooks.worker.schedule =
            ::delivery::schedule::RetrySchedule::parse("0.3,0.3,0.3,0.3,0.3,0.3,0.3,0.3").unwrap();
        c.webhooks.worker.poll = Duration::from_millis(50);
        c.webhooks.worker.disable_after = Duration::from_secs(1);
    })
    .await;
    let t = app.tenant_with(SCOPES).await;
    let receiver = Receiver::start().await;
    receiver.answer_always(Reply::status(500));
    let id = id_of(&create_endpoint(&app, &t, &receiver.url, &["*"]).await);
    app.create_customer(&t, json!({"name": "Never answered"}))
        .await;
    let path = format!("/webhook_endpoints/{id}");
    let deadline = Instant::now() + WAIT;
    let endpoint = loop {
        let (_, ep) = call(&app, &t, Method::GET, &path, None).await;
        if ep["enabled"] == false || Instant::now() > deadline {
            break ep;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(endpoint["enabled"], false, "{endpoint}");
    let reason = endpoint["disabled_reason"].as_str().unwrap();
    assert!(
        reason.starts_with("deliveries failed continuously since "),
        "{reason}"
    );
    let tries = receiver.received().len();
    assert!(
        (3..=8).contains(&tries),
        "failed for about a second first: {tries} tries"
    );
    attempts_until(&app, &t, &id, |a| a.len() == tries).await;
    // Nothing more is queued for a disabled endpoint.
    app.create_customer(&t, json!({"name": "After"})).await;
    assert_eq!(attempts(&app, &t, &id).await.len(), tries);
    assert_eq!(receiver.received().len(), tries);
    app.shutdown().await;
}

#[tokio::test]
async fn a_rate_limited_endpoint_is_paced() {
    let app = hooks_app("1").await;
    let t = app.tenant_with(SCOPES).await;
    let receiver = Receiver::start().await;
    let (status, ep) = call(
        &app,
        &t,
        Method::POST,
        "/webhook_endpoints",
        Some(json!({"url": receiver.url, "event_types": ["customer.created"], "rate_limit": 5})),
    )
    .await;
    assert_eq!(status, 201, "{ep}");
    assert_eq!(ep["rate_limit"], 5);
    create_customers(&app, &t, 15).await;
    let got = receiver.wait_for(15, WAIT).await;
    // 5 at once, then one every 200 ms: the last of 15 no sooner than 2 s after the first.
    let spread = got[14].at - got[0].at;
    assert!(
        spread >= Duration::from_millis(1_800),
        "15 deliveries at 5/s took {spread:?}"
    );
    assert_eq!(distinct(&got).len(), 15);
    // Throttled deliveries are postponed, not failed: no failed attempt is recorded.
    let history = attempts(&app, &t, &id_of(&ep)).await;
    assert!(history.iter().all(ok), "{history:?}");
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

    let mut config = ::delivery::worker::WorkerConfig::default();
    config.sender.allow_private = true;
    let worker = ::delivery::worker::Worker::new(app.platform.store.clone(), config);
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
