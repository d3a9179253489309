//! CONTRACT section 4: per-key budgets hold exactly under concurrency.

use futures::future::join_all;
use reqwest::Method;

use crate::helpers::*;

async fn burst(app: &TestApp, t: &Tenant, clients: usize, each: usize) -> Vec<reqwest::Response> {
    let tasks = (0..clients).map(|_| async {
        let mut out = Vec::new();
        for _ in 0..each {
            out.push(
                app.req(t, Method::GET, "/customers?limit=1")
                    .send()
                    .await
                    .unwrap(),
            );
        }
        out
    });
    join_all(tasks).await.into_iter().flatten().collect()
}

#[tokio::test]
async fn per_minute_limit_is_exact_under_16_concurrent_clients() {
    let app = spawn_app().await;
    let org = app.org(true).await;
    // 12 a minute refills one request every 5 s: the burst below ends long before that.
    let (key, key_id) = app.key(&org, &["read:customers"], Some((12, 10_000))).await;
    let t = Tenant { org, key, key_id };
    let responses = burst(&app, &t, 16, 4).await;
    let mut ok = 0;
    for response in responses {
        let headers = response.headers().clone();
        for h in ["ratelimit-limit", "ratelimit-remaining", "ratelimit-reset"] {
            assert!(headers.contains_key(h), "{h} on every response");
        }
        match response.status().as_u16() {
            200 => ok += 1,
            429 => {
                let retry_after: u64 = headers["retry-after"].to_str().unwrap().parse().unwrap();
                assert!((1..=60).contains(&retry_after));
                let body = expect_error(response, 429, "rate_limited").await;
                assert_eq!(body["window"], "minute");
                assert_eq!(body["limit"], 12);
                assert_eq!(body["reset_seconds"], retry_after);
                assert_eq!(headers["ratelimit-remaining"], "0");
            }
            other => panic!("unexpected {other}"),
        }
    }
    assert_eq!(ok, 12, "exactly the budget passes");
    app.shutdown().await;
}

#[tokio::test]
async fn per_day_limit_is_exact_and_named() {
    let app = spawn_app().await;
    let org = app.org(true).await;
    let (key, key_id) = app.key(&org, &["read:customers"], Some((1000, 5))).await;
    let t = Tenant { org, key, key_id };
    let responses = burst(&app, &t, 16, 2).await;
    let mut ok = 0;
    for response in responses {
        if response.status() == 200 {
            ok += 1;
        } else {
            let body = expect_error(response, 429, "rate_limited").await;
            assert_eq!(body["window"], "day");
            assert_eq!(body["limit"], 5);
        }
    }
    assert_eq!(ok, 5);
    // Budgets are per key: another key of the same organization is unaffected.
    let (other_key, other_id) = app.key(&t.org, &["read:customers"], None).await;
    let other = Tenant {
        org: t.org.clone(),
        key: other_key,
        key_id: other_id,
    };
    let response = app
        .req(&other, Method::GET, "/customers")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["ratelimit-limit"],
        "60",
        "the default per-minute budget"
    );
    app.shutdown().await;
}
