//! Metrics (issue 9, item 3): the real app answers requests and calls, then `/metrics` is
//! scraped and parsed, and the series must have moved by exactly what was done. Every app
//! has a meter provider of its own, so the figures are the test's alone.

mod otlp;

use std::time::{Duration, Instant};

use proto::v1::{GetCustomerRequest, customers_service_client::CustomersServiceClient};
use reqwest::Method;
use serde_json::json;
use tonic::Code;

use crate::{
    helpers::*,
    webhooks::{Receiver, SCOPES, create_endpoint},
};

/// One series of the Prometheus text: name, labels, value.
#[derive(Debug)]
pub struct Series {
    pub name: String,
    pub labels: Vec<(String, String)>,
    pub value: f64,
}

/// Parses the Prometheus text format (what this exporter writes: no timestamps, label
/// values without escaped quotes).
pub fn parse(text: &str) -> Vec<Series> {
    let mut out = Vec::new();
    for line in text
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
    {
        let (head, value) = line.rsplit_once(' ').expect("name and value");
        let (name, labels) = match head.split_once('{') {
            Some((name, rest)) => (name, rest.trim_end_matches('}')),
            None => (head, ""),
        };
        let mut pairs = Vec::new();
        let mut rest = labels;
        while let Some((key, after)) = rest.split_once("=\"") {
            let (value, tail) = after.split_once('"').expect("a closing quote");
            pairs.push((key.trim_start_matches(',').to_owned(), value.to_owned()));
            rest = tail;
        }
        out.push(Series {
            name: name.to_owned(),
            labels: pairs,
            value: value.parse().expect("a number"),
        });
    }
    out
}

/// A scrape: the sum of every series named `name` whose labels include `labels`.
pub struct Scrape(pub Vec<Series>, pub String);

impl Scrape {
    pub fn sum(&self, name: &str, labels: &[(&str, &str)]) -> f64 {
        self.matching(name, labels).map(|s| s.value).sum()
    }

    pub fn has(&self, name: &str, labels: &[(&str, &str)]) -> bool {
        self.matching(name, labels).next().is_some()
    }

    fn matching<'a>(
        &'a self,
        name: &'a str,
        labels: &'a [(&'a str, &'a str)],
    ) -> impl Iterator<Item = &'a Series> {
        self.0.iter().filter(move |s| {
            s.name == name
                && labels
                    .iter()
                    .all(|(k, v)| s.labels.iter().any(|(lk, lv)| lk == k && lv == v))
        })
    }
}

pub async fn scrape_at(client: &reqwest::Client, base: &str) -> Scrape {
    let response = client.get(format!("{base}/metrics")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain; version=0.0.4")
    );
    let text = response.text().await.unwrap();
    Scrape(parse(&text), text)
}

pub async fn scrape(app: &TestApp) -> Scrape {
    scrape_at(&app.client, &app.base).await
}

/// Scrapes until `done` holds (the worker records after its answer arrives).
async fn scrape_until(app: &TestApp, done: impl Fn(&Scrape) -> bool) -> Scrape {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let s = scrape(app).await;
        if done(&s) {
            return s;
        }
        assert!(Instant::now() < deadline, "never reached:\n{}", s.1);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

const HTTP: &str = "http_server_request_duration_seconds_count";
const RPC: &str = "rpc_server_call_duration_seconds_count";
const BY_ID: &str = "/api/public/v1/customers/{id}";
const GET_CUSTOMER: &str = "asteri.v1.CustomersService/GetCustomer";

#[tokio::test]
async fn requests_and_calls_are_measured_per_route_and_method() {
    let app = spawn_app().await;
    let t = app.tenant().await;
    let customer = app.create_customer(&t, json!({"name": "Ada"})).await;
    let before = scrape(&app).await;

    let path = format!("/customers/{}", id_of(&customer));
    assert_eq!(call(&app, &t, Method::GET, &path, None).await.0, 200);
    let missing = "/customers/cus_0190a0a0a0a07000800000000000dead";
    assert_eq!(call(&app, &t, Method::GET, missing, None).await.0, 404);
    let unrouted = app.client.get(app.url("/no_such_things")).send().await;
    assert_eq!(unrouted.unwrap().status(), 404);
    let mut grpc = CustomersServiceClient::connect(app.grpc.clone())
        .await
        .unwrap();
    let request = GetCustomerRequest {
        id: id_of(&customer),
    };
    grpc.get_customer(t.grpc(request, &[])).await.unwrap();
    let request = GetCustomerRequest {
        id: "cus_0190a0a0a0a07000800000000000dead".to_owned(),
    };
    let err = grpc.get_customer(t.grpc(request, &[])).await.unwrap_err();
    assert_eq!(err.code(), Code::NotFound);

    let after = scrape(&app).await;
    let delta =
        |name: &str, labels: &[(&str, &str)]| after.sum(name, labels) - before.sum(name, labels);
    let get = ("http_request_method", "GET");
    let route = ("http_route", BY_ID);
    assert_eq!(
        delta(HTTP, &[get, route, ("http_response_status_code", "200")]),
        1.0
    );
    assert_eq!(
        delta(HTTP, &[get, route, ("http_response_status_code", "404")]),
        1.0
    );
    // No route matched: the series has no route, so a caller cannot make series at will.
    let unmatched = after
        .0
        .iter()
        .filter(|s| s.name == HTTP)
        .filter(|s| !s.labels.iter().any(|(k, _)| k == "http_route"))
        .map(|s| s.value)
        .sum::<f64>();
    assert_eq!(unmatched, 1.0, "{}", after.1);
    assert!(after.sum("http_server_request_duration_seconds_sum", &[route]) > 0.0);
    // The gRPC door sees the forwarded calls and the direct ones.
    let method = ("rpc_method", GET_CUSTOMER);
    let grpc_labels = [("rpc_system_name", "grpc"), method];
    assert_eq!(
        delta(
            RPC,
            &[grpc_labels[0], method, ("rpc_response_status_code", "OK")]
        ),
        2.0
    );
    assert_eq!(
        delta(RPC, &[method, ("rpc_response_status_code", "NOT_FOUND")]),
        2.0
    );
    assert!(!after.has(RPC, &[method, ("error_type", "NOT_FOUND")]));
    // The database pool, and the edge's own counters.
    let max = if app.database_url.starts_with("postgres") {
        20.0
    } else {
        8.0
    };
    let pool = ("db_client_connection_pool_name", "asteri");
    assert_eq!(after.sum("db_client_connection_max", &[pool]), max);
    let open = after.sum("db_client_connection_count", &[pool]);
    let idle = after.sum(
        "db_client_connection_count",
        &[pool, ("db_client_connection_state", "idle")],
    );
    assert!(open >= 1.0 && open <= max && idle <= open, "{}", after.1);
    // On a SQLite file the reads by id have connections of their own, and none fell back.
    let point_reads = ("db_client_connection_pool_name", "asteri.point_reads");
    if app.database_url.starts_with("postgres") {
        assert!(!after.has("db_client_connection_count", &[point_reads]));
    } else {
        assert!(after.sum("db_client_connection_count", &[point_reads]) >= 1.0);
        assert!(!after.has("db_client_connection_max", &[point_reads]));
        assert!(
            after.sum(
                "asteri_db_point_reads_total",
                &[("asteri_outcome", "answered")]
            ) >= 2.0
        );
        assert_eq!(
            after.sum(
                "asteri_db_point_reads_total",
                &[("asteri_outcome", "fell_back")]
            ),
            0.0
        );
    }
    assert!(after.has(
        "asteri_request_log_records_total",
        &[("asteri_outcome", "queued")]
    ));
    assert!(after.has("target_info", &[("service_name", "asteri")]));

    // Operators' figures, not the public API's; and never a secret.
    let public = app.client.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(public.status(), 404);
    for secret in [t.key.as_str(), app.internal_token.as_str(), "ast_"] {
        assert!(!after.1.contains(secret), "{secret} in /metrics");
    }
    app.shutdown().await;
}

#[tokio::test]
async fn rate_limit_refusals_are_counted_by_door_and_window() {
    let app = spawn_app().await;
    let org = app.org(true).await;
    let (key, key_id) = app.key(&org, &["read:customers"], Some((2, 1000))).await;
    let rest = Tenant { org, key, key_id };
    let org = app.org(true).await;
    let (key, key_id) = app.key(&org, &["read:customers"], Some((1000, 1))).await;
    let direct = Tenant { org, key, key_id };

    let statuses = futures::future::join_all(
        (0..3).map(|_| call(&app, &rest, Method::GET, "/customers?limit=1", None)),
    )
    .await;
    let refused = statuses.iter().filter(|(s, _)| *s == 429).count();
    assert_eq!(refused, 1);
    let mut grpc = CustomersServiceClient::connect(app.grpc.clone())
        .await
        .unwrap();
    let ask = || GetCustomerRequest {
        id: "cus_0190a0a0a0a07000800000000000dead".to_owned(),
    };
    let first = grpc
        .get_customer(direct.grpc(ask(), &[]))
        .await
        .unwrap_err();
    assert_eq!(first.code(), Code::NotFound, "within the budget");
    let second = grpc
        .get_customer(direct.grpc(ask(), &[]))
        .await
        .unwrap_err();
    assert_eq!(second.code(), Code::ResourceExhausted);

    let s = scrape(&app).await;
    let rejections = "asteri_rate_limit_rejections_total";
    let count = |door, window| {
        s.sum(
            rejections,
            &[("asteri_door", door), ("asteri_rate_limit_window", window)],
        )
    };
    assert_eq!(count("rest", "minute"), 1.0, "{}", s.1);
    assert_eq!(count("grpc", "day"), 1.0, "{}", s.1);
    assert_eq!(s.sum(rejections, &[]), 2.0);
    assert_eq!(
        s.sum(
            HTTP,
            &[
                ("http_route", "/api/public/v1/customers"),
                ("http_response_status_code", "429")
            ]
        ),
        1.0
    );
    let exhausted = [
        ("rpc_method", GET_CUSTOMER),
        ("rpc_response_status_code", "RESOURCE_EXHAUSTED"),
    ];
    assert_eq!(s.sum(RPC, &exhausted), 1.0);
    app.shutdown().await;
}

/// The app with private receivers allowed, and with or without its delivery worker.
async fn webhooks_app(database_url: Option<String>, worker: bool) -> TestApp {
    let configure = |c: &mut asteri::Config| {
        c.webhooks.allow_private = true;
        c.webhooks.worker.sender.allow_private = true;
        c.webhooks.worker.poll = Duration::from_millis(50);
        c.run_worker = worker;
        if let Some(url) = database_url {
            c.database_url = url;
        }
    };
    spawn_isolated(configure).await
}

#[tokio::test]
async fn the_delivery_queue_and_deliveries_are_measured() {
    // No worker runs: the delivery stays due and unclaimed.
    let app = webhooks_app(None, false).await;
    let t = app.tenant_with(SCOPES).await;
    let receiver = Receiver::start().await;
    create_endpoint(&app, &t, &receiver.url, &["customer.created"]).await;
    let empty = scrape(&app).await;
    assert_eq!(empty.sum("asteri_webhook_queue_depth", &[]), 0.0);
    assert_eq!(empty.sum("asteri_webhook_queue_due", &[]), 0.0);
    assert_eq!(
        empty.sum("asteri_webhook_queue_oldest_due_age_seconds", &[]),
        0.0
    );
    app.create_customer(&t, json!({"name": "Ada"})).await;
    let waiting = scrape_until(&app, |s| {
        s.sum("asteri_webhook_queue_oldest_due_age_seconds", &[]) > 0.0
    })
    .await;
    assert_eq!(waiting.sum("asteri_webhook_queue_depth", &[]), 1.0);
    assert_eq!(waiting.sum("asteri_webhook_queue_due", &[]), 1.0);
    assert!(waiting.sum("asteri_webhook_queue_oldest_due_age_seconds", &[]) < 60.0);

    // A second process with a worker, on the same database, takes it and delivers it.
    let worker = webhooks_app(Some(app.database_url.clone()), true).await;
    receiver.wait_for(1, Duration::from_secs(20)).await;
    let outcome = |outcome| [("asteri_webhook_outcome", outcome)];
    let delivered = scrape_until(&worker, |s| {
        s.sum("asteri_webhook_deliveries_total", &outcome("succeeded")) == 1.0
            && s.sum("asteri_webhook_queue_depth", &[]) == 0.0
    })
    .await;
    assert_eq!(delivered.sum("asteri_webhook_deliveries_total", &[]), 1.0);
    assert_eq!(
        delivered.sum(
            "asteri_webhook_attempt_duration_seconds_count",
            &outcome("succeeded")
        ),
        1.0
    );
    assert_eq!(delivered.sum("asteri_webhook_queue_due", &[]), 0.0);
    // The process without a worker delivered nothing.
    let idle = scrape(&app).await;
    assert_eq!(idle.sum("asteri_webhook_deliveries_total", &[]), 0.0);
    worker.shutdown().await;
    app.shutdown().await;
}

#[tokio::test]
async fn metrics_move_to_an_operator_address_or_switch_off() {
    let app = spawn_configured(|c| {
        c.metrics_addr = Some(std::net::SocketAddr::from(([127, 0, 0, 1], 0)));
    })
    .await;
    let t = app.tenant().await;
    assert_eq!(call(&app, &t, Method::GET, "/customers", None).await.0, 200);
    let on_http = app.client.get(format!("{}/metrics", app.base)).send().await;
    assert_eq!(on_http.unwrap().status(), 404, "not on the public address");
    let apart = format!(
        "http://{}",
        app.running.as_ref().unwrap().metrics_addr.unwrap()
    );
    let s = scrape_at(&app.client, &apart).await;
    assert_eq!(
        s.sum(HTTP, &[("http_route", "/api/public/v1/customers")]),
        1.0
    );
    let api = app
        .client
        .get(format!("{apart}/api/public/v1/customers"))
        .send();
    assert_eq!(api.await.unwrap().status(), 404, "only /metrics there");
    app.shutdown().await;

    // OTEL_METRICS_EXPORTER=none: nothing served.
    let off = spawn_configured(|c| {
        c.metrics = telemetry::metrics::MetricsSettings::from_vars(|name| {
            (name == "OTEL_METRICS_EXPORTER").then(|| "none".to_owned())
        })
        .unwrap();
    })
    .await;
    let response = off.client.get(format!("{}/metrics", off.base)).send().await;
    assert_eq!(response.unwrap().status(), 404);
    off.shutdown().await;
}
