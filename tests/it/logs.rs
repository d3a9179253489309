//! The audit log and the request history over REST, with `read:logs`.

use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::*;

const LOG_SCOPES: &[&str] = &[
    "read:customers",
    "write:customers",
    "delete:customers",
    "read:logs",
];

#[tokio::test]
async fn audit_events_are_listed_with_filters() {
    let app = spawn_app().await;
    let t = app.tenant_with(LOG_SCOPES).await;
    let a = app.create_customer(&t, json!({"name": "A"})).await;
    let b = app.create_customer(&t, json!({"name": "B"})).await;
    let id = a["id"].as_str().unwrap();
    app.req(&t, Method::PATCH, &format!("/customers/{id}"))
        .json(&json!({"name": "A2"}))
        .send()
        .await
        .unwrap();

    let (status, all) = read(
        app.req(&t, Method::GET, "/audit_events")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200, "{all}");
    let actions: Vec<&str> = all["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    // Newest first, down to the creation of the key and of the organization themselves.
    let expected = [
        "customer.update",
        "customer.create",
        "customer.create",
        "api_key.create",
        "organization.create",
    ];
    assert_eq!(actions, expected);
    let update = &all["data"][0];
    assert_eq!(update["actor_type"], "api_key");
    assert_eq!(update["actor_id"], t.key_id);
    assert_eq!(update["before"]["name"], "A");
    assert_eq!(update["after"]["name"], "A2");
    assert!(update["request_id"].as_str().unwrap().starts_with("req_"));

    let (_, by_resource) = read(
        app.req(&t, Method::GET, &format!("/audit_events?resource_id={id}"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(by_resource["data"].as_array().unwrap().len(), 2);
    let (_, by_type) = read(
        app.req(
            &t,
            Method::GET,
            "/audit_events?resource_type=customer&limit=1",
        )
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(
        (
            by_type["data"].as_array().unwrap().len(),
            &by_type["has_more"]
        ),
        (1, &json!(true))
    );
    let (_, none) = read(
        app.req(&t, Method::GET, "/audit_events?actor_id=key_nobody")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(none["data"], json!([]));
    assert!(b["id"].is_string());

    // Another tenant sees none of it; a key without read:logs sees nothing at all.
    let other = app.tenant_with(LOG_SCOPES).await;
    let (_, theirs) = read(
        app.req(&other, Method::GET, "/audit_events?resource_type=customer")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(theirs["data"], json!([]));
    let no_logs = app.tenant().await;
    let response = app
        .req(&no_logs, Method::GET, "/audit_events")
        .send()
        .await
        .unwrap();
    assert_eq!(
        expect_error(response, 403, "missing_scope").await["required_scope"],
        "read:logs"
    );
    app.shutdown().await;
}

async fn wait_for_logs(app: &TestApp, t: &Tenant, query: &str, at_least: usize) -> Value {
    let started = Instant::now();
    loop {
        let (status, body) = read(
            app.req(t, Method::GET, &format!("/request_logs?{query}"))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(status, 200, "{body}");
        if body["data"].as_array().unwrap().len() >= at_least {
            return body;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "request logs did not arrive: {body}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn requests_are_recorded_redacted_and_truncated() {
    let app = spawn_app().await;
    let t = app.tenant_with(LOG_SCOPES).await;
    let secret_note = format!("our key is {} keep it safe", t.key);
    let created = app
        .req(&t, Method::POST, "/customers")
        .header("x-request-id", "req_logged-1")
        .json(&json!({"name": "Logged", "notes": secret_note}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let bad = app
        .req(&t, Method::POST, "/customers")
        .json(&json!({"name": "X", "password": "hunter2"}))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
    let long = "n".repeat(20_000);
    app.req(&t, Method::POST, "/customers")
        .json(&json!({"name": "Long", "notes": long}))
        .send()
        .await
        .unwrap();

    let logs = wait_for_logs(&app, &t, "method=POST", 3).await;
    let text = logs.to_string();
    assert!(
        !text.contains(&t.key),
        "the key never appears in request history"
    );
    assert!(!text.contains("hunter2"));

    let (status, one) = read(
        app.req(&t, Method::GET, "/request_logs/req_logged-1")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200, "{one}");
    assert_eq!(
        (one["method"].as_str(), one["path"].as_str()),
        (Some("POST"), Some("/api/public/v1/customers"))
    );
    assert_eq!(
        (one["status_code"].as_u64(), one["key_id"].as_str()),
        (Some(201), Some(t.key_id.as_str()))
    );
    assert_eq!(one["organization_id"], t.org);
    assert!(one["request_body"].as_str().unwrap().contains("[REDACTED]"));
    assert!(
        one["response_body"]
            .as_str()
            .unwrap()
            .contains("\"name\":\"Logged\"")
    );
    assert!(one["ip"].as_str().unwrap().starts_with("127."));
    assert!(one["duration_ms"].is_u64());

    let truncated = logs["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["request_body"].as_str().unwrap().contains("nnnn"))
        .unwrap();
    assert!(
        truncated["request_body"]
            .as_str()
            .unwrap()
            .ends_with("...[truncated]")
    );
    assert!(
        truncated["request_body"].as_str().unwrap().len() <= gateway::request_log::BODY_LIMIT + 20
    );

    let (_, only_400) = read(
        app.req(&t, Method::GET, "/request_logs?status_code=400")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert!(
        only_400["data"]
            .as_array()
            .unwrap()
            .iter()
            .all(|l| l["status_code"] == 400)
    );
    assert!(!only_400["data"].as_array().unwrap().is_empty());

    // Other organizations' history is invisible, and so are unknown ids.
    let other = app.tenant_with(LOG_SCOPES).await;
    expect_error(
        app.req(&other, Method::GET, "/request_logs/req_logged-1")
            .send()
            .await
            .unwrap(),
        404,
        "not_found",
    )
    .await;
    app.shutdown().await;
}

/// Calls made directly over gRPC with a key are in the request history like REST requests;
/// REST requests (which the gateway forwards over gRPC) are recorded once, not twice.
#[tokio::test]
async fn grpc_calls_with_a_key_are_in_the_request_history_once() {
    use proto::v1::{
        CreateCustomerRequest, GetCustomerRequest, customers_service_client::CustomersServiceClient,
    };
    let app = spawn_app().await;
    let t = app
        .tenant_with(&["read:customers", "write:customers", "read:logs"])
        .await;
    let mut grpc = CustomersServiceClient::connect(app.grpc.clone())
        .await
        .unwrap();
    let created = grpc
        .create_customer(t.grpc(
            CreateCustomerRequest {
                name: "Over gRPC".into(),
                ..Default::default()
            },
            &[("x-request-id", "req_grpc_create")],
        ))
        .await
        .unwrap()
        .into_inner();
    let missing = grpc
        .get_customer(t.grpc(
            GetCustomerRequest {
                id: "cus_00000000000000000000000000000000".into(),
            },
            &[("x-request-id", "req_grpc_missing")],
        ))
        .await
        .unwrap_err();
    assert_eq!(missing.code(), tonic::Code::NotFound);
    let rest = app
        .req(&t, Method::GET, &format!("/customers/{}", created.id))
        .header("x-request-id", "req_rest_get")
        .send()
        .await
        .unwrap();
    assert_eq!(rest.status(), 200);

    // Shipped off the call's path: poll until the three are there.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    let records = loop {
        let (status, page) = read(
            app.req(&t, Method::GET, "/request_logs?limit=100")
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(status, 200, "{page}");
        let records: Vec<Value> = page["data"].as_array().unwrap().clone();
        let ids: Vec<&str> = records.iter().filter_map(|r| r["id"].as_str()).collect();
        if ["req_grpc_create", "req_grpc_missing", "req_rest_get"]
            .iter()
            .all(|id| ids.contains(id))
        {
            break records;
        }
        assert!(std::time::Instant::now() < deadline, "{ids:?}");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    let by_id = |id: &str| -> Vec<&Value> { records.iter().filter(|r| r["id"] == id).collect() };
    let create = by_id("req_grpc_create");
    assert_eq!(create.len(), 1);
    assert_eq!(create[0]["method"], "GRPC");
    assert_eq!(
        create[0]["path"],
        "/asteri.v1.CustomersService/CreateCustomer"
    );
    assert_eq!(create[0]["status_code"], 200);
    assert_eq!(create[0]["key_id"], t.key_id);
    assert_eq!(by_id("req_grpc_missing")[0]["status_code"], 404);
    let rest = by_id("req_rest_get");
    assert_eq!(rest.len(), 1, "a forwarded REST request is recorded once");
    assert_eq!(rest[0]["method"], "GET");
    app.shutdown().await;
}
