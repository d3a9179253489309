//! `Idempotency-Key` on POST: replays, conflicts, and retries that race each other.

use futures::future::join_all;
use reqwest::Method;
use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn a_retry_replays_the_first_response() {
    let app = spawn_app().await;
    let t = app.tenant().await;
    let send = |body: serde_json::Value, key: &str| {
        app.req(&t, Method::POST, "/customers")
            .header("idempotency-key", key)
            .json(&body)
            .send()
    };
    let first = send(json!({"name": "Once"}), "k-1").await.unwrap();
    assert_eq!(first.status(), 201);
    assert!(first.headers().get("idempotent-replayed").is_none());
    let first: serde_json::Value = first.json().await.unwrap();

    let again = send(json!({"name": "Once"}), "k-1").await.unwrap();
    assert_eq!(again.status(), 201);
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    assert_eq!(again.json::<serde_json::Value>().await.unwrap(), first);

    expect_error(
        send(json!({"name": "Other"}), "k-1").await.unwrap(),
        409,
        "idempotency_key_reused",
    )
    .await;

    // Validation failures are answers too: replayed, not re-run.
    let invalid = send(json!({"name": ""}), "k-2").await.unwrap();
    expect_error(invalid, 422, "validation_failed").await;
    let replayed = send(json!({"name": ""}), "k-2").await.unwrap();
    assert_eq!(replayed.headers()["idempotent-replayed"], "true");
    expect_error(replayed, 422, "validation_failed").await;

    let too_long = "k".repeat(256);
    expect_error(
        send(json!({"name": "X"}), &too_long).await.unwrap(),
        400,
        "invalid_request",
    )
    .await;

    // Keys belong to the API key that used them.
    let (key2, _) = app.key(&t.org, ALL_CUSTOMER_SCOPES, None).await;
    let other = app
        .client
        .post(app.url("/customers"))
        .header("x-api-key", key2)
        .header("x-organization-id", &t.org)
        .header("idempotency-key", "k-1")
        .json(&json!({"name": "Once"}))
        .send()
        .await
        .unwrap();
    assert_eq!(other.status(), 201);
    assert!(other.headers().get("idempotent-replayed").is_none());
    app.shutdown().await;
}

#[tokio::test]
async fn racing_retries_create_exactly_one_object() {
    let app = spawn_app().await;
    let t = app.tenant().await;
    let attempts = (0..16).map(|_| async {
        let response = app
            .req(&t, Method::POST, "/customers")
            .header("idempotency-key", "race-1")
            .json(&json!({"name": "Racer"}))
            .send()
            .await
            .unwrap();
        read(response).await
    });
    let results = join_all(attempts).await;
    let ids: std::collections::HashSet<String> = results
        .iter()
        .map(|(status, body)| {
            assert_eq!(*status, 201, "{body}");
            body["id"].as_str().unwrap().to_owned()
        })
        .collect();
    assert_eq!(ids.len(), 1, "every retry answers the same object");
    let (_, list) = read(app.req(&t, Method::GET, "/customers").send().await.unwrap()).await;
    assert_eq!(
        list["data"].as_array().unwrap().len(),
        1,
        "and only one was created"
    );
    app.shutdown().await;
}

/// The gRPC door honours `idempotency-key` metadata on write RPCs as REST honours the
/// header: one change, the first answer replayed, another message with the key refused.
#[tokio::test]
async fn grpc_writes_with_one_idempotency_key_make_one_change() {
    use proto::v1::{
        CreateCustomerRequest, ListCustomersRequest,
        customers_service_client::CustomersServiceClient,
    };
    use tonic_types::StatusExt as _;

    let app = spawn_app().await;
    let t = app.tenant().await;
    let mut grpc = CustomersServiceClient::connect(app.grpc.clone())
        .await
        .unwrap();
    let request = |name: &str, key: &str| {
        let create = CreateCustomerRequest {
            name: name.to_owned(),
            ..Default::default()
        };
        t.grpc(create, &[("idempotency-key", key)])
    };
    let first = grpc
        .create_customer(request("Once Only", "grpc-key-1"))
        .await
        .unwrap();
    assert!(first.metadata().get("idempotent-replayed").is_none());
    for _ in 0..2 {
        let again = grpc
            .create_customer(request("Once Only", "grpc-key-1"))
            .await
            .unwrap();
        assert_eq!(again.metadata().get("idempotent-replayed").unwrap(), "true");
        assert_eq!(again.get_ref().id, first.get_ref().id);
    }
    let reused = grpc
        .create_customer(request("Someone Else", "grpc-key-1"))
        .await
        .unwrap_err();
    assert_eq!(
        reused.get_details_error_info().unwrap().reason,
        "idempotency_key_reused"
    );
    // A failed call does not keep the key: its retry runs.
    let refused = grpc
        .create_customer(request("", "grpc-key-2"))
        .await
        .unwrap_err();
    assert_eq!(refused.code(), tonic::Code::InvalidArgument);
    let retried = grpc
        .create_customer(request("Fixed", "grpc-key-2"))
        .await
        .unwrap();
    assert!(retried.metadata().get("idempotent-replayed").is_none());

    let list = t.grpc(
        ListCustomersRequest {
            limit: Some(100),
            ..Default::default()
        },
        &[],
    );
    let names: Vec<String> = grpc
        .list_customers(list)
        .await
        .unwrap()
        .into_inner()
        .data
        .into_iter()
        .map(|c| c.name)
        .collect();
    assert_eq!(
        names.iter().filter(|n| *n == "Once Only").count(),
        1,
        "{names:?}"
    );
    assert!(!names.iter().any(|n| n == "Someone Else"));
    app.shutdown().await;
}
