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

/// Both doors are one product: a key's budget is spent once per request, whichever door it
/// came in by. REST calls the gateway forwards are not counted again at the gRPC door; a
/// direct gRPC call spends the same budget and is refused the same way once it is spent.
#[tokio::test]
async fn both_doors_spend_one_budget_once() {
    use proto::v1::{ListCustomersRequest, customers_service_client::CustomersServiceClient};
    use tonic_types::StatusExt as _;

    let app = spawn_app().await;
    let org = app.org(true).await;
    let (key, key_id) = app.key(&org, &["read:customers"], Some((10, 10_000))).await;
    let t = Tenant { org, key, key_id };
    let mut grpc = CustomersServiceClient::connect(app.grpc.clone())
        .await
        .unwrap();
    let call = |t: &Tenant| {
        let list = ListCustomersRequest {
            limit: Some(1),
            ..Default::default()
        };
        t.grpc(list, &[])
    };

    // Four REST requests: four of ten spent (the forwarded calls are not counted twice).
    for i in 0..4 {
        let response = app
            .req(&t, Method::GET, "/customers?limit=1")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(
            response.headers()["ratelimit-remaining"],
            (9 - i).to_string()
        );
    }
    // Six direct gRPC calls spend the rest, with the same budget in their metadata.
    for i in 0..6 {
        let answer = grpc.list_customers(call(&t)).await.unwrap();
        let remaining = answer.metadata().get("ratelimit-remaining").unwrap();
        assert_eq!(remaining.to_str().unwrap(), (5 - i).to_string());
        assert_eq!(answer.metadata().get("ratelimit-limit").unwrap(), "10");
    }
    // Spent: refused at both doors, with the window's details.
    let refused = grpc.list_customers(call(&t)).await.unwrap_err();
    assert_eq!(refused.code(), tonic::Code::ResourceExhausted);
    let info = refused.get_details_error_info().unwrap();
    assert_eq!(info.reason, "rate_limited");
    assert_eq!(info.metadata["window"], "minute");
    assert_eq!(info.metadata["limit"], "10");
    let retry_after: u64 = refused
        .metadata()
        .get("retry-after")
        .unwrap()
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry_after));
    let response = app
        .req(&t, Method::GET, "/customers?limit=1")
        .send()
        .await
        .unwrap();
    assert!(response.headers().contains_key("retry-after"));
    expect_error(response, 429, "rate_limited").await;
    app.shutdown().await;
}
