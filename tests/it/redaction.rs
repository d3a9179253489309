//! Issue 8, part 4: secrets never come back from the request history, wherever the caller
//! put them: query strings, path segments, parsed and unparsable bodies.

use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::Value;

use crate::helpers::*;

/// The stored record of one request, polled until it lands.
async fn logged(app: &TestApp, t: &Tenant, request_id: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (status, body) = read(
            app.req(t, Method::GET, &format!("/request_logs/{request_id}"))
                .send()
                .await
                .unwrap(),
        )
        .await;
        if status == 200 {
            return body;
        }
        assert_eq!(status, 404, "{body}");
        assert!(Instant::now() < deadline, "{request_id} was never recorded");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn secrets_in_paths_queries_and_bodies_never_come_back() {
    let app = spawn_app().await;
    let t = app
        .tenant_with(&["read:customers", "write:customers", "read:logs"])
        .await;
    let key = t.key.clone();
    let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1c2VyIn0.c2lnbmF0dXJlLWJ5dGVz";
    let whsec = "whsec_QUJDREVGR0hJSktMTU5PUFFSU1RVVldY";
    // (method, path and query, body, the secret that must not come back)
    let cases: Vec<(Method, String, Option<String>, String)> = vec![
        (
            Method::GET,
            format!("/customers?api_key={key}"),
            None,
            key.clone(),
        ),
        (
            Method::GET,
            "/customers?token=tok-hunter2".into(),
            None,
            "tok-hunter2".into(),
        ),
        (
            Method::GET,
            "/customers?secret=s3cr3t-value".into(),
            None,
            "s3cr3t-value".into(),
        ),
        (
            Method::GET,
            "/customers?client_password=pw-hunter2".into(),
            None,
            "pw-hunter2".into(),
        ),
        (
            Method::GET,
            format!("/customers?id_signature={whsec}"),
            None,
            whsec.into(),
        ),
        (Method::GET, format!("/customers/{key}"), None, key.clone()),
        (Method::GET, format!("/customers/{jwt}"), None, jwt.into()),
        (
            Method::POST,
            "/customers".into(),
            Some(r#"{"password":"hunter2""#.into()),
            "hunter2".into(),
        ),
        (
            Method::POST,
            "/customers".into(),
            Some(r#"{"name": "A", "api_key": "k-hunter2", "#.into()),
            "k-hunter2".into(),
        ),
        (
            Method::POST,
            "/customers".into(),
            Some(format!(
                r#"{{"name":"A","notes":"Authorization: Bearer {jwt}"}}"#
            )),
            jwt.into(),
        ),
        (
            Method::POST,
            "/customers".into(),
            Some(format!(r#"{{"name":"A","notes":"mine is {key}"#)),
            key.clone(),
        ),
    ];

    for (i, (method, path, body, secret)) in cases.iter().enumerate() {
        let request_id = format!("req_redact_{i:02}");
        let mut request = app
            .req(&t, method.clone(), path)
            .header("x-request-id", &request_id);
        if let Some(body) = body {
            request = request
                .header("content-type", "application/json")
                .body(body.clone());
        }
        let status = request.send().await.unwrap().status().as_u16();
        assert!(status < 500, "{path}: {status}");
        let log = logged(&app, &t, &request_id).await;
        let text = log.to_string();
        assert!(
            !text.contains(secret.as_str()),
            "case {i} leaks {secret}: {log}"
        );
        assert!(
            text.contains("[REDACTED]"),
            "case {i} says what it hid: {log}"
        );
        assert_eq!(log["organization_id"], t.org);
    }
    // The list answers no more than the records do.
    let (_, list) = read(
        app.req(&t, Method::GET, "/request_logs?limit=100")
            .send()
            .await
            .unwrap(),
    )
    .await;
    let text = list.to_string();
    for (_, _, _, secret) in &cases {
        assert!(!text.contains(secret.as_str()), "the list leaks {secret}");
    }
    app.shutdown().await;
}

/// `RecordRequestLogs` is the history's network door (a gateway in another process): it
/// redacts whatever it is given, since it cannot know who redacted what reached it. Only
/// the gateway of the same process hands its batches over as they are (the test above).
#[tokio::test]
async fn the_network_door_redacts_what_it_is_given() {
    use proto::v1::{
        RecordRequestLogsRequest, RequestLog, request_logs_service_client::RequestLogsServiceClient,
    };
    let app = spawn_app().await;
    let t = app.tenant_with(&["read:logs"]).await;
    let key = t.key.clone();
    let whsec = "whsec_QUJDREVGR0hJSktMTU5PUFFSU1RVVldY";
    let log = |id: &str, path: String, request_body: String, response_body: String| RequestLog {
        id: id.into(),
        method: "POST".into(),
        path,
        status_code: 200,
        duration_ms: 3,
        ip: "192.0.2.7".into(),
        key_id: t.key_id.clone(),
        organization_id: t.org.clone(),
        request_body,
        response_body,
        created_at: None,
    };
    let cases = [
        log(
            "req_door_path",
            format!("/api/public/v1/customers?api_key={key}"),
            String::new(),
            String::new(),
        ),
        log(
            "req_door_request",
            "/api/public/v1/customers".into(),
            r#"{"name":"A","password":"hunter2"}"#.into(),
            String::new(),
        ),
        log(
            "req_door_response",
            "/api/public/v1/webhook_endpoints".into(),
            String::new(),
            format!(r#"{{"id":"we_1","notes":"mine is {whsec}"}}"#),
        ),
    ];
    let secrets = [key.as_str(), "hunter2", whsec];
    let mut request = tonic::Request::new(RecordRequestLogsRequest {
        logs: cases.to_vec(),
    });
    let token = format!("Bearer {}", app.internal_token);
    request
        .metadata_mut()
        .insert("authorization", token.parse().unwrap());
    RequestLogsServiceClient::connect(app.grpc.clone())
        .await
        .unwrap()
        .record_request_logs(request)
        .await
        .unwrap();
    for (case, secret) in cases.iter().zip(secrets) {
        let stored = logged(&app, &t, &case.id).await;
        let text = stored.to_string();
        assert!(
            !text.contains(secret),
            "{} leaks {secret}: {stored}",
            case.id
        );
        assert!(
            text.contains("[REDACTED]"),
            "{} says what it hid: {stored}",
            case.id
        );
    }
    app.shutdown().await;
}

/// A NUL character in a body (PostgreSQL's `text` cannot hold one) is stored as U+FFFD on
/// every backend, and costs no other request of its batch its record.
#[tokio::test]
async fn a_nul_in_a_body_is_stored_replaced_and_loses_no_record() {
    let app = spawn_app().await;
    let t = app
        .tenant_with(&["read:customers", "write:customers", "read:logs"])
        .await;
    // Sent back to back, so that the history ships them in one batch.
    let nul = app
        .req(&t, Method::POST, "/customers")
        .header("x-request-id", "req_nul_body")
        .header("content-type", "application/json")
        .body(b"{\"name\":\"A\0B\"}".to_vec())
        .send();
    let plain = app
        .req(&t, Method::GET, "/customers?limit=1")
        .header("x-request-id", "req_nul_neighbour")
        .send();
    let (nul, plain) = tokio::join!(nul, plain);
    assert_eq!(nul.unwrap().status(), 400);
    assert_eq!(plain.unwrap().status(), 200);
    let stored = logged(&app, &t, "req_nul_body").await;
    assert_eq!(
        stored["request_body"], "{\"name\":\"A\u{FFFD}B\"}",
        "{stored}"
    );
    let neighbour = logged(&app, &t, "req_nul_neighbour").await;
    assert_eq!(neighbour["status_code"], 200);
    app.shutdown().await;
}
