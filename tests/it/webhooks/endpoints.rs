//! The endpoints API: validation, the life cycle, secrets shown twice only, the SSRF guard,
//! scopes and tenant isolation.

use reqwest::Method;
use serde_json::json;

use super::*;

#[tokio::test]
async fn endpoint_life_cycle_and_validation() {
    let app = hooks_app("1").await;
    let t = app.tenant_with(SCOPES).await;
    let receiver = Receiver::start().await;

    let created =
        create_endpoint(&app, &t, &receiver.url, &["invoices.*", "customer.created"]).await;
    let id = id_of(&created);
    assert!(id.starts_with("we_"));
    assert!(created["secret"].as_str().unwrap().starts_with("whsec_"));
    assert_eq!(created["enabled"], true);
    assert_eq!(
        created["event_types"],
        json!(["invoices.*", "customer.created"])
    );

    let (status, got) = call(
        &app,
        &t,
        Method::GET,
        &format!("/webhook_endpoints/{id}"),
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert!(
        got["secret"].is_null(),
        "the secret is shown on create and rotate only: {got}"
    );
    let (_, list) = call(&app, &t, Method::GET, "/webhook_endpoints", None).await;
    assert_eq!(list["data"].as_array().unwrap().len(), 1);
    assert!(list["data"][0]["secret"].is_null());

    // Disable with a reason, which is kept; enabling clears it.
    let path = format!("/webhook_endpoints/{id}");
    let body = json!({"enabled": false, "disabled_reason": "maintenance window"});
    let (status, off) = call(&app, &t, Method::PATCH, &path, Some(body)).await;
    assert_eq!(status, 200, "{off}");
    assert_eq!(off["enabled"], false);
    assert_eq!(off["disabled_reason"], "maintenance window");
    let (_, on) = call(
        &app,
        &t,
        Method::PATCH,
        &path,
        Some(json!({"enabled": true})),
    )
    .await;
    assert_eq!(
        (on["enabled"].clone(), on["disabled_reason"].clone()),
        (json!(true), json!(""))
    );
    let body = json!({"event_types": ["*"], "rate_limit": 5, "description": "all"});
    let (status, changed) = call(&app, &t, Method::PATCH, &path, Some(body)).await;
    assert_eq!(status, 200, "{changed}");
    assert_eq!(changed["event_types"], json!(["*"]));
    assert_eq!(changed["rate_limit"], 5);
    let (_, same) = call(&app, &t, Method::PATCH, &path, Some(json!({}))).await;
    assert_eq!(
        same["updated_at"], changed["updated_at"],
        "an empty PATCH changes nothing"
    );
    let (_, unlimited) = call(
        &app,
        &t,
        Method::PATCH,
        &path,
        Some(json!({"rate_limit": null})),
    )
    .await;
    assert!(unlimited["rate_limit"].is_null(), "{unlimited}");

    // 422 naming the field for every kind of bad input.
    for (body, field) in [
        (
            json!({"url": receiver.url, "event_types": ["invoice.eaten"]}),
            "event_types[0]",
        ),
        (
            json!({"url": receiver.url, "event_types": ["invoice.*"]}),
            "event_types[0]",
        ),
        (
            json!({"url": receiver.url, "event_types": []}),
            "event_types",
        ),
        (
            json!({"url": "ftp://example.com/x", "event_types": ["*"]}),
            "url",
        ),
        (json!({"url": "not a url", "event_types": ["*"]}), "url"),
        (json!({"url": "", "event_types": ["*"]}), "url"),
        (
            json!({"url": receiver.url, "event_types": ["*"], "rate_limit": 0}),
            "rate_limit",
        ),
    ] {
        let err = fails(
            &app,
            &t,
            Method::POST,
            "/webhook_endpoints",
            Some(body.clone()),
            422,
            "validation_failed",
        )
        .await;
        assert!(err["errors"][field].is_array(), "{body} -> {err}");
    }
    fails(
        &app,
        &t,
        Method::PATCH,
        &path,
        Some(json!({"secret": "whsec_x"})),
        400,
        "invalid_request",
    )
    .await;

    // Delete: 204, then gone everywhere.
    let (status, _) = call(&app, &t, Method::DELETE, &path, None).await;
    assert_eq!(status, 204);
    fails(&app, &t, Method::GET, &path, None, 404, "not_found").await;
    app.shutdown().await;
}

#[tokio::test]
async fn private_addresses_are_refused_unless_allowed() {
    let app = spawn_isolated(|_| {}).await; // ASTERI_WEBHOOK_ALLOW_PRIVATE unset: production mode
    let t = app.tenant_with(SCOPES).await;
    for url in [
        "http://127.0.0.1:9/hook",
        "http://localhost/hook",
        "http://[::1]/hook",
        "http://10.1.2.3/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://[fd00:ec2::254]/",
        "http://0.0.0.0/",
    ] {
        let body = json!({"url": url, "event_types": ["*"]});
        let err = fails(
            &app,
            &t,
            Method::POST,
            "/webhook_endpoints",
            Some(body),
            422,
            "validation_failed",
        )
        .await;
        assert!(err["errors"]["url"].is_array(), "{url}: {err}");
    }
    let (_, list) = call(&app, &t, Method::GET, "/webhook_endpoints", None).await;
    assert_eq!(list["data"], json!([]), "nothing was created");
    app.shutdown().await;
}

#[tokio::test]
async fn scope_and_tenant_isolation_on_every_route() {
    let app = hooks_app("1").await;
    let t = app.tenant_with(SCOPES).await;
    let other = app.tenant_with(SCOPES).await;
    let receiver = Receiver::start().await;
    let id = id_of(&create_endpoint(&app, &t, &receiver.url, &["*"]).await);
    let customer = app.create_customer(&t, json!({"name": "Ada"})).await;
    receiver
        .wait_for(1, std::time::Duration::from_secs(10))
        .await;
    let (_, events) = call(&app, &t, Method::GET, "/events?type=customer.created", None).await;
    let event = events["data"][0]["id"].as_str().unwrap().to_owned();
    assert_eq!(events["data"][0]["data"]["id"], customer["id"]);

    let routes = [
        (Method::GET, format!("/webhook_endpoints/{id}"), None),
        (
            Method::PATCH,
            format!("/webhook_endpoints/{id}"),
            Some(json!({"description": "x"})),
        ),
        (
            Method::POST,
            format!("/webhook_endpoints/{id}/rotate_secret"),
            Some(json!({})),
        ),
        (
            Method::POST,
            format!("/webhook_endpoints/{id}/test"),
            Some(json!({})),
        ),
        (
            Method::GET,
            format!("/webhook_endpoints/{id}/deliveries"),
            None,
        ),
        (
            Method::POST,
            format!("/webhook_endpoints/{id}/recover"),
            Some(json!({"since": "2026-01-01T00:00:00Z"})),
        ),
        (Method::DELETE, format!("/webhook_endpoints/{id}"), None),
        (Method::GET, format!("/events/{event}"), None),
        (
            Method::POST,
            format!("/events/{event}/replay"),
            Some(json!({})),
        ),
    ];
    for (method, path, body) in &routes {
        fails(
            &app,
            &other,
            method.clone(),
            path,
            body.clone(),
            404,
            "not_found",
        )
        .await;
    }
    // Another tenant's endpoint cannot be a replay target either.
    let theirs = id_of(&create_endpoint(&app, &other, &receiver.url, &["*"]).await);
    let body = json!({"endpoint_id": theirs});
    fails(
        &app,
        &t,
        Method::POST,
        &format!("/events/{event}/replay"),
        Some(body),
        422,
        "validation_failed",
    )
    .await;
    let (_, listed) = call(&app, &other, Method::GET, "/events", None).await;
    assert!(
        listed["data"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["id"] != event.as_str())
    );

    // Without manage:webhooks every route is 403 naming the scope.
    let reader = app.tenant_with(&["read:customers"]).await;
    let err = fails(
        &app,
        &reader,
        Method::GET,
        "/webhook_endpoints",
        None,
        403,
        "missing_scope",
    )
    .await;
    assert_eq!(err["required_scope"], "manage:webhooks");
    fails(
        &app,
        &reader,
        Method::GET,
        "/events",
        None,
        403,
        "missing_scope",
    )
    .await;
    app.shutdown().await;
}
