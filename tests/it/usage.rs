//! The dashboard's views of the request history: `path_prefix` and `created_before` on
//! `GET /request_logs`, and the internal `GetKeyUsage` (requests, errors and 429s per key
//! and UTC hour). The gateway writes the history asynchronously: tests poll until it is in.

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use proto::v1::{
    GetKeyUsageRequest, KeyUsageBucket, ListRequestLogsRequest,
    request_logs_service_client::RequestLogsServiceClient,
};
use reqwest::Method;
use serde_json::Value;
use storage::request_logs::{self, RequestLog};
use tonic::{Code, Request, transport::Channel};

use crate::helpers::*;

const LOG_SCOPES: &[&str] = &["read:customers", "write:customers", "read:logs"];
const CUSTOMERS: &str = "/api/public/v1/customers";

/// `GET /request_logs` with these query parameters (encoded here).
fn logs_request(app: &TestApp, t: &Tenant, query: &[(&str, &str)]) -> reqwest::RequestBuilder {
    let url = reqwest::Url::parse_with_params(&app.url("/request_logs"), query).unwrap();
    app.client
        .request(Method::GET, url)
        .header("x-api-key", &t.key)
        .header("x-organization-id", &t.org)
}

async fn logs(app: &TestApp, t: &Tenant, query: &[(&str, &str)]) -> (u16, Value) {
    read(logs_request(app, t, query).send().await.unwrap()).await
}

fn paths(page: &Value) -> Vec<String> {
    page["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["path"].as_str().unwrap().to_owned())
        .collect()
}

fn created_at(log: &Value) -> DateTime<Utc> {
    log["created_at"].as_str().unwrap().parse().unwrap()
}

#[tokio::test]
async fn request_history_filters_by_path_prefix_and_end_time() {
    let app = spawn_app().await;
    let t = app.tenant_with(LOG_SCOPES).await;
    let missing = format!("/customers/cus_{}", "0".repeat(32));
    // Oldest first; a little apart, so that their times differ.
    let requests = [
        (Method::GET, "/customers".to_owned()),
        (Method::GET, "/customers?limit=1".to_owned()),
        (Method::GET, missing.clone()),
        (Method::GET, "/audit_events".to_owned()),
    ];
    for (method, path) in &requests {
        app.req(&t, method.clone(), path).send().await.unwrap();
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let customers = [("path_prefix", CUSTOMERS), ("limit", "100")];
    let started = Instant::now();
    let all = loop {
        let (status, page) = logs(&app, &t, &customers).await;
        assert_eq!(status, 200, "{page}");
        if page["data"].as_array().unwrap().len() >= 3 {
            break page;
        }
        assert!(started.elapsed() < Duration::from_secs(10), "{page}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    // The prefix matches the path with or without a query string, and nothing else (the
    // history's own reads and the audit log are other paths).
    assert_eq!(
        paths(&all),
        [
            format!("/api/public/v1{missing}"),
            format!("{CUSTOMERS}?limit=1"),
            CUSTOMERS.to_owned(),
        ]
    );
    let (_, one) = logs(&app, &t, &[("path_prefix", "/api/public/v1/customers/")]).await;
    assert_eq!(paths(&one), [format!("/api/public/v1{missing}")]);
    let (_, audit) = logs(&app, &t, &[("path_prefix", "/api/public/v1/audit")]).await;
    assert_eq!(paths(&audit), ["/api/public/v1/audit_events"]);
    // Exact bytes: case matters, and LIKE's wildcards are ordinary characters.
    for nothing in [
        "/API/public/v1/customers",
        "/api/public/v1/cust%",
        "/api/public/v1/c_stomers",
        "/api/public/v1/customers_",
    ] {
        let (status, page) = logs(&app, &t, &[("path_prefix", nothing)]).await;
        assert_eq!((status, paths(&page)), (200, vec![]), "{nothing}");
    }
    // Combined with another filter.
    let (_, missing_only) = logs(
        &app,
        &t,
        &[("path_prefix", CUSTOMERS), ("status_code", "404")],
    )
    .await;
    assert_eq!(paths(&missing_only), [format!("/api/public/v1{missing}")]);

    // created_before: strictly before; with created_after, a window.
    let data = all["data"].as_array().unwrap();
    let (newest, middle, oldest) = (&data[0], &data[1], &data[2]);
    assert!(created_at(oldest) < created_at(middle) && created_at(middle) < created_at(newest));
    let before_middle = middle["created_at"].as_str().unwrap();
    let (_, older) = logs(
        &app,
        &t,
        &[
            ("path_prefix", CUSTOMERS),
            ("created_before", before_middle),
        ],
    )
    .await;
    assert_eq!(paths(&older), [CUSTOMERS]);
    let (_, window) = logs(
        &app,
        &t,
        &[
            ("path_prefix", CUSTOMERS),
            ("created_after", before_middle),
            ("created_before", newest["created_at"].as_str().unwrap()),
        ],
    )
    .await;
    assert_eq!(paths(&window), [format!("{CUSTOMERS}?limit=1")]);
    let (_, none) = logs(&app, &t, &[("created_before", "2000-01-01T00:00:00Z")]).await;
    assert_eq!(paths(&none), Vec::<String>::new());

    // Bad input is a 400 that says what is wrong.
    let too_long = format!("/{}", "a".repeat(2_048));
    for (prefix, says) in [
        (too_long.as_str(), "at most 2048"),
        ("/api/public/v1/customers?limit=1", "query string"),
        ("/api/\0", "NUL"),
    ] {
        let response = logs_request(&app, &t, &[("path_prefix", prefix)])
            .send()
            .await
            .unwrap();
        let body = expect_error(response, 400, "invalid_request").await;
        // (The gateway refuses a NUL in any parameter before the service sees it.)
        let problem = body["errors"]["path_prefix"][0]
            .as_str()
            .unwrap_or_default();
        assert!(problem.contains(says), "{body}");
    }
    // Over gRPC the service says so itself, on every backend.
    let err = usage_client(&app)
        .await
        .list_request_logs(t.grpc(
            ListRequestLogsRequest {
                path_prefix: Some("/api/\0".to_owned()),
                ..Default::default()
            },
            &[],
        ))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument);
    assert!(err.message().contains("NUL"), "{}", err.message());
    let longest = "/".repeat(2_048);
    assert_eq!(logs(&app, &t, &[("path_prefix", &longest)]).await.0, 200);
    let response = logs_request(&app, &t, &[("created_before", "yesterday")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);

    // Another organization's history is not in any of it.
    let other = app.tenant_with(LOG_SCOPES).await;
    let (_, theirs) = logs(&app, &other, &customers).await;
    assert_eq!(paths(&theirs), Vec::<String>::new());
    app.shutdown().await;
}

async fn usage_client(app: &TestApp) -> RequestLogsServiceClient<Channel> {
    RequestLogsServiceClient::connect(app.grpc.clone())
        .await
        .unwrap()
}

/// `GetKeyUsage` as the dashboard calls it: the internal credential, in `org`.
async fn usage(
    app: &TestApp,
    org: &str,
    hours: u32,
    key_id: &str,
) -> Result<Vec<KeyUsageBucket>, tonic::Status> {
    let mut request = Request::new(GetKeyUsageRequest {
        hours,
        key_id: key_id.to_owned(),
    });
    let m = request.metadata_mut();
    m.insert(
        "authorization",
        format!("Bearer {}", app.internal_token).parse().unwrap(),
    );
    m.insert("x-organization-id", org.parse().unwrap());
    Ok(usage_client(app)
        .await
        .get_key_usage(request)
        .await?
        .into_inner()
        .buckets)
}

/// `(requests, errors, rate_limited)` of `key` summed over buckets from `since_hour` on
/// (the test may cross an hour's end).
fn totals(buckets: &[KeyUsageBucket], key: &str, since_hour: i64) -> (u64, u64, u64) {
    buckets
        .iter()
        .filter(|b| b.key_id == key && b.hour.as_ref().unwrap().seconds >= since_hour * 3600)
        .fold((0, 0, 0), |(r, e, l), b| {
            (r + b.requests, e + b.errors, l + b.rate_limited)
        })
}

/// The start of the hour of `t`, in seconds.
fn hour_of(t: DateTime<Utc>) -> i64 {
    t.timestamp().div_euclid(3600) * 3600
}

fn record(org: &str, key_id: &str, status: i32, at: DateTime<Utc>) -> RequestLog {
    RequestLog {
        id: request_logs::new_log_id(),
        organization_id: org.to_owned(),
        request_id: storage::ids::new_id("req"),
        method: "GET".to_owned(),
        path: CUSTOMERS.to_owned(),
        status_code: status,
        duration_ms: 1,
        ip: "127.0.0.1".to_owned(),
        key_id: key_id.to_owned(),
        request_body: String::new(),
        response_body: String::new(),
        created_at: at,
    }
}

#[tokio::test]
async fn key_usage_counts_requests_errors_and_429s_per_key_and_hour() {
    let app = spawn_app().await;
    let org = app.org(true).await;
    let (busy, busy_id) = app
        .key(&org, &["read:customers"], Some((1_000, 100_000)))
        .await;
    let (small, small_id) = app.key(&org, &["read:customers"], Some((3, 100_000))).await;
    let other = app.tenant().await;
    let start_hour = Utc::now().timestamp().div_euclid(3600);

    let get = |secret: &str, org: &str, path: &str| {
        app.client
            .get(app.url(path))
            .header("x-api-key", secret)
            .header("x-organization-id", org)
            .send()
    };
    let missing = format!("/customers/cus_{}", "0".repeat(32));
    let mut statuses = Vec::new();
    for path in ["/customers", "/customers", "/customers", &missing, &missing] {
        statuses.push(get(&busy, &org, path).await.unwrap().status().as_u16());
    }
    assert_eq!(statuses, [200, 200, 200, 404, 404]);
    statuses.clear();
    // Three a minute: the fourth and fifth are refused.
    for _ in 0..5 {
        statuses.push(
            get(&small, &org, "/customers")
                .await
                .unwrap()
                .status()
                .as_u16(),
        );
    }
    assert_eq!(statuses, [200, 200, 200, 429, 429]);
    for _ in 0..2 {
        let status = get(&other.key, &other.org, "/customers")
            .await
            .unwrap()
            .status();
        assert_eq!(status, 200);
    }

    // Records written straight to the history at known times: two in the same past hour
    // (with nanoseconds, as the gateway's times have), one before the longest window, and
    // one without a key.
    let now = Utc::now();
    let five_hours_ago = DateTime::from_timestamp(hour_of(now) - 5 * 3600, 0).unwrap();
    let store = app.running.as_ref().unwrap().store.clone().unwrap();
    request_logs::insert_batch(
        &store,
        vec![
            record(
                &org,
                &busy_id,
                200,
                five_hours_ago + chrono::Duration::nanoseconds(600_123_456_789),
            ),
            record(
                &org,
                &busy_id,
                500,
                five_hours_ago + chrono::Duration::seconds(3_599),
            ),
            record(&org, &busy_id, 200, now - chrono::Duration::days(31)),
            record(&org, "", 401, now),
        ],
    )
    .await
    .unwrap();

    // The gateway ships its records in the background: wait for all ten.
    let started = Instant::now();
    let buckets = loop {
        let buckets = usage(&app, &org, 0, "").await.unwrap();
        let (busy_n, small_n) = (
            totals(&buckets, &busy_id, start_hour).0,
            totals(&buckets, &small_id, start_hour).0,
        );
        if busy_n + small_n >= 10 {
            break buckets;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the history did not arrive: {buckets:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(totals(&buckets, &busy_id, start_hour), (5, 2, 0));
    assert_eq!(totals(&buckets, &small_id, start_hour), (5, 2, 2));
    // The past hour is one bucket, at the hour's start.
    let past: Vec<_> = buckets
        .iter()
        .filter(|b| b.hour.as_ref().unwrap().seconds < start_hour * 3600)
        .collect();
    assert_eq!(past.len(), 1, "{buckets:?}");
    assert_eq!(
        (
            past[0].key_id.as_str(),
            past[0].hour.as_ref().unwrap().seconds,
            past[0].hour.as_ref().unwrap().nanos,
        ),
        (busy_id.as_str(), five_hours_ago.timestamp(), 0)
    );
    assert_eq!(
        (past[0].requests, past[0].errors, past[0].rate_limited),
        (2, 1, 0)
    );
    // Oldest hour first; every bucket on an hour, of this organization's keys only.
    let hours: Vec<i64> = buckets
        .iter()
        .map(|b| b.hour.as_ref().unwrap().seconds)
        .collect();
    assert!(hours.is_sorted(), "{hours:?}");
    assert!(hours.iter().all(|h| h % 3600 == 0));
    assert!(
        buckets
            .iter()
            .all(|b| b.key_id == busy_id || b.key_id == small_id),
        "{buckets:?}"
    );

    // The other organization sees its own key alone.
    let theirs = usage(&app, &other.org, 0, "").await.unwrap();
    assert!(
        theirs.iter().all(|b| b.key_id == other.key_id),
        "{theirs:?}"
    );

    // One key; a window of 3 hours leaves the past hour out, 720 still not the 31-day-old
    // record.
    let small_only = usage(&app, &org, 0, &small_id).await.unwrap();
    assert!(small_only.iter().all(|b| b.key_id == small_id));
    assert_eq!(totals(&small_only, &small_id, start_hour), (5, 2, 2));
    let recent = usage(&app, &org, 3, &busy_id).await.unwrap();
    assert_eq!(totals(&recent, &busy_id, 0), (5, 2, 0));
    let month = usage(&app, &org, 720, &busy_id).await.unwrap();
    assert_eq!(totals(&month, &busy_id, 0), (7, 3, 0));

    // Bad input and callers.
    for (hours, key_id, field) in [(721, "", "hours"), (0, "not-a-key", "key_id")] {
        let err = usage(&app, &org, hours, key_id).await.unwrap_err();
        assert_eq!(err.code(), Code::InvalidArgument);
        assert!(err.message().contains(field), "{}", err.message());
    }
    let mut keyed = Request::new(GetKeyUsageRequest::default());
    keyed
        .metadata_mut()
        .insert("x-api-key", busy.parse().unwrap());
    keyed
        .metadata_mut()
        .insert("x-organization-id", org.parse().unwrap());
    let err = usage_client(&app)
        .await
        .get_key_usage(keyed)
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::PermissionDenied, "internal only");
    let mut no_org = Request::new(GetKeyUsageRequest::default());
    no_org.metadata_mut().insert(
        "authorization",
        format!("Bearer {}", app.internal_token).parse().unwrap(),
    );
    let err = usage_client(&app)
        .await
        .get_key_usage(no_org)
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument);
    assert!(
        err.message().contains("x-organization-id"),
        "{}",
        err.message()
    );
    app.shutdown().await;
}
