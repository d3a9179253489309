//! Traces (OpenTelemetry over OTLP) of one REST write, asserted as a span tree at a real
//! OTLP receiver: the caller's span -> the gateway's server span -> its gRPC client span ->
//! the service's server span -> the database spans; and the webhook delivery the write
//! caused, in a trace of its own with a link back to the write.
//!
//! How the app under test gets its exporter: the one-process test builds the tracer provider
//! itself (`telemetry::traces::Traces::start` with the receiver's endpoint, the injectable
//! half of `telemetry::init`) and installs its layer as the process's global subscriber, in
//! a run of the test binary of its own (so the other tests keep theirs free of it, and the
//! callsite registry is the process's alone, as in production). The split test runs the
//! `asteri` binary, configured as an operator would, by the standard `OTEL_*` variables.

mod receiver;

use std::{process::Stdio, time::Duration};

use opentelemetry_proto::tonic::trace::v1::span::SpanKind;
use proto::v1::{GetCustomerRequest, customers_service_client::CustomersServiceClient};
use serde_json::json;
use telemetry::traces::{Protocol, TraceExport, Traces};
use tracing_subscriber::layer::SubscriberExt as _;

use self::receiver::Span;
use crate::helpers::*;

const WAIT: Duration = Duration::from_secs(20);
const CALLER_TRACE: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const CALLER_SPAN: &str = "00f067aa0ba902b7";

/// The trace id and span id of a `traceparent` value.
fn ids(traceparent: &str) -> (String, String) {
    let parts: Vec<&str> = traceparent.split('-').collect();
    assert_eq!(parts.len(), 4, "{traceparent}");
    (parts[1].to_owned(), parts[2].to_owned())
}

/// The tree under the caller's span, as far as the service's server span's children.
struct Tree {
    server: Span,
    client: Span,
    service: Span,
    database: Vec<Span>,
}

fn tree(spans: &[Span], trace: &str, caller: &str, rpc: &str) -> Option<Tree> {
    let child_of = |parent: &Span, kind: SpanKind| {
        spans
            .iter()
            .find(|s| s.parent_span_id == parent.span_id && s.kind == kind && s.name == rpc)
            .cloned()
    };
    let server = spans
        .iter()
        .find(|s| s.trace_id == trace && s.parent_span_id == caller)?
        .clone();
    let client = child_of(&server, SpanKind::Client)?;
    let service = child_of(&client, SpanKind::Server)?;
    let database: Vec<Span> = spans
        .iter()
        .filter(|s| s.parent_span_id == service.span_id && s.attr("db.system.name").is_some())
        .cloned()
        .collect();
    (!database.is_empty()).then_some(Tree {
        server,
        client,
        service,
        database,
    })
}

fn assert_rpc(span: &Span, method: &str) {
    assert_eq!(span.attr("rpc.system"), Some("grpc"), "{span:?}");
    assert_eq!(
        span.attr("rpc.service"),
        Some("asteri.v1.CustomersService"),
        "{span:?}"
    );
    assert_eq!(span.attr("rpc.method"), Some(method), "{span:?}");
    assert_eq!(span.attr("rpc.grpc.status_code"), Some("0"), "{span:?}");
}

/// Statements are spans under the service's span, named and attributed by the database
/// conventions, with placeholders where the values were.
fn assert_database(spans: &[Span], values: &[&str]) {
    let insert = spans
        .iter()
        .find(|s| {
            s.attr("db.operation.name") == Some("INSERT")
                && s.attr("db.collection.name") == Some("customers")
        })
        .unwrap_or_else(|| panic!("no INSERT into customers among {spans:#?}"));
    assert_eq!(insert.name, "INSERT customers");
    assert_eq!(insert.kind, SpanKind::Client);
    assert!(matches!(
        insert.attr("db.system.name"),
        Some("sqlite" | "postgresql")
    ));
    let text = insert.attr("db.query.text").expect("the statement's text");
    assert!(text.contains("INSERT INTO"), "{text}");
    for span in spans {
        assert!(span.attr("db.statement").is_none() && span.attr("db.system").is_none());
        for value in values {
            assert!(
                !span.attributes.values().any(|v| v.contains(value)),
                "a value in a statement span: {span:?}"
            );
        }
    }
}

/// No span of the trace holds the key's secret or a value from the body.
fn assert_nothing_secret(spans: &[Span], trace: &str, secrets: &[&str]) {
    for span in spans.iter().filter(|s| s.trace_id == trace) {
        for secret in secrets {
            assert!(
                !span.attributes.values().any(|v| v.contains(secret)),
                "{secret} in {span:?}"
            );
        }
    }
}

/// Runs [`one_process_trace`] in a process of its own: there, the test's subscriber is the
/// process's one global subscriber, as in production. (A thread-scoped subscriber shares
/// tracing's callsite registry with the other tests' threads, whose registrations change
/// which spans it sees.)
#[tokio::test]
async fn a_rest_write_is_one_trace_down_to_the_database_and_its_webhook_links_back() {
    let output = tokio::task::spawn_blocking(|| {
        std::process::Command::new(std::env::current_exe().unwrap())
            .args(["traces::one_process_trace", "--exact", "--ignored"])
            .args(["--nocapture", "--test-threads=1"])
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stdout}\n{stderr}");
    assert!(stdout.contains("1 passed"), "{stdout}\n{stderr}");
}

/// The span tree of one REST write in one process (run by the test above).
#[tokio::test]
#[ignore = "run in a process of its own by a_rest_write_is_one_trace_down_to_the_database_and_its_webhook_links_back"]
async fn one_process_trace() {
    let (collected, endpoint) = receiver::grpc();
    let traces = {
        let _runtime = receiver::runtime().enter();
        Traces::start(&TraceExport {
            protocol: Protocol::Grpc,
            endpoint: Some(endpoint),
        })
        .unwrap()
    };
    tracing::subscriber::set_global_default(tracing_subscriber::registry().with(traces.layer()))
        .expect("the only subscriber of this process");
    let flush = || {
        let traces = traces.clone();
        Some(tokio::task::spawn_blocking(move || {
            traces.flush().unwrap();
        }))
    };
    let app = crate::webhooks::hooks_app("1").await;
    let t = app.tenant_with(crate::webhooks::SCOPES).await;
    let hook = crate::webhooks::Receiver::start().await;
    crate::webhooks::create_endpoint(&app, &t, &hook.url, &["customer.created"]).await;

    // Title-case header names on the wire: `Traceparent` must be found all the same.
    let client = reqwest::Client::builder()
        .http1_title_case_headers()
        .build()
        .unwrap();
    let response = client
        .post(app.url("/customers"))
        .header("x-api-key", &t.key)
        .header("x-organization-id", &t.org)
        .header("traceparent", format!("00-{CALLER_TRACE}-{CALLER_SPAN}-01"))
        .json(&json!({"name": "Traced Person", "emails": ["traced@example.com"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let header = |name: &str| response.headers()[name].to_str().unwrap().to_owned();
    let (request_id, (answered_trace, answered_span)) =
        (header("x-request-id"), ids(&header("traceparent")));
    assert_eq!(answered_trace, CALLER_TRACE, "the caller's trace goes on");
    assert_ne!(
        answered_span, CALLER_SPAN,
        "the answer names the gateway's span"
    );
    hook.wait_for(1, WAIT).await;

    let rpc = "asteri.v1.CustomersService/CreateCustomer";
    let (tree, delivery) = collected
        .wait_for(WAIT, flush, |spans| {
            let tree = tree(spans, CALLER_TRACE, CALLER_SPAN, rpc)?;
            let delivery = spans
                .iter()
                .find(|s| s.links.iter().any(|(trace, _)| trace == CALLER_TRACE))?
                .clone();
            Some((tree, delivery))
        })
        .await;

    let server = &tree.server;
    assert_eq!(server.span_id, answered_span);
    assert_eq!(server.kind, SpanKind::Server);
    assert_eq!(server.name, "POST /api/public/v1/customers");
    assert_eq!(server.attr("http.request.method"), Some("POST"));
    assert_eq!(server.attr("http.route"), Some("/api/public/v1/customers"));
    assert_eq!(server.attr("url.path"), Some("/api/public/v1/customers"));
    assert_eq!(server.attr("http.response.status_code"), Some("201"));
    for span in [&tree.server, &tree.service] {
        assert_eq!(
            span.attr("request_id"),
            Some(request_id.as_str()),
            "{span:?}"
        );
        assert_eq!(span.attr("asteri.organization_id"), Some(t.org.as_str()));
        assert_eq!(span.attr("asteri.key_id"), Some(t.key_id.as_str()));
    }
    assert_rpc(&tree.client, "CreateCustomer");
    assert_rpc(&tree.service, "CreateCustomer");
    assert_database(&tree.database, &["Traced Person", "traced@example.com"]);
    assert_nothing_secret(
        &collected.spans(),
        CALLER_TRACE,
        &[&t.key, "Traced Person", "traced@example.com"],
    );

    // The delivery attempt is a trace of its own, linked to the span that wrote the event.
    assert_ne!(delivery.trace_id, CALLER_TRACE);
    assert_eq!(
        delivery.links,
        vec![(CALLER_TRACE.to_owned(), tree.service.span_id.clone())]
    );
    assert_eq!(
        (delivery.name.as_str(), delivery.kind),
        ("POST", SpanKind::Client)
    );
    assert_eq!(
        delivery.attr("asteri.webhook.event_type"),
        Some("customer.created")
    );
    assert_eq!(
        delivery.attr("asteri.organization_id"),
        Some(t.org.as_str())
    );
    assert_eq!(delivery.attr("server.address"), Some("127.0.0.1"));
    assert!(delivery.attr("http.response.status_code").is_some());

    // A direct gRPC caller's context is the parent of the service's span too.
    let direct_trace = "0af7651916cd43dd8448eb211c80319c";
    let direct_span = "b7ad6b7169203331";
    let id = id_of(&response.json::<serde_json::Value>().await.unwrap());
    let mut grpc = CustomersServiceClient::connect(app.grpc.clone())
        .await
        .unwrap();
    let traceparent = format!("00-{direct_trace}-{direct_span}-01");
    let request = GetCustomerRequest { id: id.clone() };
    grpc.get_customer(t.grpc(request, &[("traceparent", &traceparent)]))
        .await
        .unwrap();
    let direct = collected
        .wait_for(WAIT, flush, |spans| {
            spans
                .iter()
                .find(|s| s.trace_id == direct_trace && s.parent_span_id == direct_span)
                .cloned()
        })
        .await;
    assert_eq!(direct.kind, SpanKind::Server);
    assert_rpc(&direct, "GetCustomer");
    // Its read by id is a statement span under it (on SQLite, `storage::point_reads`' own).
    let read = collected
        .wait_for(WAIT, flush, |spans| {
            spans
                .iter()
                .find(|s| s.parent_span_id == direct.span_id && s.name == "SELECT customers")
                .cloned()
        })
        .await;
    assert_eq!(read.kind, SpanKind::Client);
    assert!(matches!(
        read.attr("db.system.name"),
        Some("sqlite" | "postgresql")
    ));
    let text = read.attr("db.query.text").expect("the statement's text");
    assert!(text.starts_with("SELECT") && !text.contains(&id), "{text}");

    drop(app);
    tokio::task::spawn_blocking(move || traces.shutdown())
        .await
        .unwrap();
}

/// Gateway and services as separate processes, each configured by the standard variables
/// (http/protobuf here), exporting with a batch delay far longer than the test: the spans
/// arrive only because each process flushes its exporter when it is stopped.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn split_roles_join_one_trace_over_http_protobuf_and_flush_on_shutdown() {
    // Before any reqwest client is built (ARCHITECTURE.md, "One rustls provider").
    storage::objects::install_crypto_provider();
    let (collected, endpoint) = receiver::http();
    let base = endpoint.trim_end_matches("/v1/traces").to_owned();
    let otel = |service: &str| {
        vec![
            ("OTEL_EXPORTER_OTLP_ENDPOINT", base.clone()),
            ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf".to_owned()),
            ("OTEL_SERVICE_NAME", service.to_owned()),
            ("OTEL_BSP_SCHEDULE_DELAY", "600000".to_owned()),
        ]
    };
    let env = tokio::task::spawn_blocking(crate::cli::Env::isolated)
        .await
        .unwrap();
    let org = env.json(&["orgs", "create", "--name", "Traced", "--sandbox", "--json"])["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let key = env.json(&[
        "keys",
        "create",
        "--org",
        &org,
        "--name",
        "k",
        "--scopes",
        "write:customers",
        "--json",
    ]);
    let secret = key["secret"].as_str().unwrap().to_owned();
    let (keys, _, keys_grpc) = crate::cli::serve(&env, "keys", &otel("asteri-keys"));
    let (resources, _, resources_grpc) =
        crate::cli::serve(&env, "resources", &otel("asteri-resources"));
    let resources_url = format!("http://{}", resources_grpc.unwrap());
    let mut gateway_env = otel("asteri-gateway");
    gateway_env.extend([
        ("ASTERI_KEYS_URL", format!("http://{}", keys_grpc.unwrap())),
        ("ASTERI_RESOURCES_URL", resources_url.clone()),
        ("ASTERI_WEBHOOKS_URL", resources_url),
    ]);
    let (gateway, http, _) = crate::cli::serve(&env, "gateway", &gateway_env);

    let response = reqwest::Client::new()
        .post(format!("http://{http}/api/public/v1/customers"))
        .header("x-api-key", &secret)
        .header("x-organization-id", &org)
        .header("traceparent", format!("00-{CALLER_TRACE}-{CALLER_SPAN}-01"))
        .json(&json!({"name": "Split Trace"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    assert_eq!(
        ids(response.headers()["traceparent"].to_str().unwrap()).0,
        CALLER_TRACE
    );

    // Stopped as an operator stops them (SIGINT), not killed.
    for process in [gateway, resources, keys] {
        tokio::task::spawn_blocking(move || {
            let mut process = process;
            let stopped = std::process::Command::new("kill")
                .args(["-INT", &process.0.id().to_string()])
                .stdout(Stdio::null())
                .status()
                .unwrap();
            assert!(stopped.success());
            assert!(process.0.wait().unwrap().success());
        })
        .await
        .unwrap();
    }
    let rpc = "asteri.v1.CustomersService/CreateCustomer";
    let tree = collected
        .wait_for(
            WAIT,
            || None,
            |spans| tree(spans, CALLER_TRACE, CALLER_SPAN, rpc),
        )
        .await;
    assert_eq!(tree.server.service, "asteri-gateway");
    assert_eq!(tree.client.service, "asteri-gateway");
    assert_eq!(tree.service.service, "asteri-resources");
    assert!(
        tree.database
            .iter()
            .all(|s| s.service == "asteri-resources")
    );
    assert_rpc(&tree.service, "CreateCustomer");
    assert_database(&tree.database, &["Split Trace"]);
    assert_nothing_secret(&collected.spans(), CALLER_TRACE, &[&secret, "Split Trace"]);
    // The gateway's key check joined the trace too, in the keys process.
    assert!(
        collected
            .spans()
            .iter()
            .any(|s| s.trace_id == CALLER_TRACE && s.service == "asteri-keys"),
        "the keys service's span is in the request's trace"
    );
}
