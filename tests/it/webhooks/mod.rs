//! Signed webhooks end to end (CONTRACT sections 7 and 8): real receivers on free ports,
//! the worker of the app (or workers the test drives), and the official Standard Webhooks
//! verifier.

mod delivery;
mod endpoints;
mod events;
mod receiver;
mod resilience;
mod workers;

use std::{io::Write as _, process::Stdio, time::Duration};

use reqwest::Method;
use serde_json::{Value, json};

pub use self::receiver::{Received, Receiver, Reply};
use crate::helpers::*;

pub const SCOPES: &[&str] = &["manage:webhooks", "read:customers", "write:customers"];

/// The app with private receivers allowed and a retry schedule short enough for tests.
pub async fn hooks_app(schedule: &str) -> TestApp {
    let schedule = ::delivery::schedule::RetrySchedule::parse(schedule).unwrap();
    spawn_isolated(|c| {
        c.webhooks.allow_private = true;
        c.webhooks.worker.sender.allow_private = true;
        c.webhooks.worker.schedule = schedule;
        c.webhooks.worker.poll = Duration::from_millis(50);
    })
    .await
}

pub async fn create_endpoint(app: &TestApp, t: &Tenant, url: &str, types: &[&str]) -> Value {
    let (status, body) = call(
        app,
        t,
        Method::POST,
        "/webhook_endpoints",
        Some(json!({"url": url, "event_types": types, "description": "test receiver"})),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    body
}

/// Our own check of a delivery's signature under `secret` (every signature it carries is
/// tried, as receivers do during a rotation).
pub fn verifies(secret: &str, r: &Received) -> bool {
    let timestamp: i64 = r.header("webhook-timestamp").parse().unwrap();
    let expected = ::delivery::signing::sign(secret, &r.id(), timestamp, &r.body).unwrap();
    r.header("webhook-signature")
        .split(' ')
        .any(|s| s == expected)
}

/// The official Standard Webhooks library (PyPI `standardwebhooks`) verifies every
/// delivery. `.ci/run` installs it and names its Python in `ASTERI_STANDARDWEBHOOKS_PYTHON`;
/// elsewhere the machine's `python3` is used if it has the library, and the check is
/// skipped with a note if it has not (never in CI).
pub fn official_verify(deliveries: &[(&str, &Received)]) {
    let python = match std::env::var("ASTERI_STANDARDWEBHOOKS_PYTHON") {
        Ok(p) if !p.is_empty() => p,
        _ => {
            let has_it = std::process::Command::new("python3")
                .args(["-c", "import standardwebhooks"])
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success());
            assert!(
                has_it || std::env::var_os("CI").is_none(),
                "CI must set ASTERI_STANDARDWEBHOOKS_PYTHON"
            );
            if !has_it {
                eprintln!("note: standardwebhooks is not installed; official verification skipped");
                return;
            }
            "python3".to_owned()
        }
    };
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/webhooks/verify.py");
    let mut child = std::process::Command::new(python)
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the Python verifier");
    {
        let stdin = child.stdin.as_mut().unwrap();
        for (secret, r) in deliveries {
            let line = json!({
                "secret": secret,
                "headers": {
                    "webhook-id": r.header("webhook-id"),
                    "webhook-timestamp": r.header("webhook-timestamp"),
                    "webhook-signature": r.header("webhook-signature"),
                },
                "body": String::from_utf8(r.body.to_vec()).unwrap(),
            });
            writeln!(stdin, "{line}").unwrap();
        }
    }
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "the official verifier refused a delivery: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The attempts recorded for an endpoint, newest first.
pub async fn attempts(app: &TestApp, t: &Tenant, endpoint: &str) -> Vec<Value> {
    let (status, body) = call(
        app,
        t,
        Method::GET,
        &format!("/webhook_endpoints/{endpoint}/deliveries?limit=100"),
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    body["data"].as_array().unwrap().clone()
}

/// Polls the attempt history until `done` holds (the worker records asynchronously).
pub async fn attempts_until(
    app: &TestApp,
    t: &Tenant,
    endpoint: &str,
    done: impl Fn(&[Value]) -> bool,
) -> Vec<Value> {
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        let got = attempts(app, t, endpoint).await;
        if done(&got) {
            return got;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "attempts never settled: {got:?}"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}
