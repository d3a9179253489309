//! At least once: retries with their history, a receiver that is down for a while, 410,
//! Retry-After, recover, the SSRF guard at delivery time, disabling after failing for long,
//! and a rate-limited endpoint (workers themselves: `workers.rs`).

use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::{Value, json};

use super::{
    workers::{create_customers, distinct},
    *,
};

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

/// The endpoint at `path` once the platform has disabled it (or as it is after `WAIT`).
async fn disabled(app: &TestApp, t: &Tenant, path: &str) -> Value {
    let deadline = Instant::now() + WAIT;
    loop {
        let (_, ep) = call(app, t, Method::GET, path, None).await;
        if ep["enabled"] == false || Instant::now() > deadline {
            return ep;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
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
    let endpoint = disabled(&app, &t, &path).await;
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
    let endpoint = disabled(&app, &t, &path).await;
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
