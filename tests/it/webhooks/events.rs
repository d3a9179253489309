//! Events: the list with its filters, one event, and simulation in sandboxes only.

use std::time::Duration;

use reqwest::Method;
use serde_json::json;

use super::*;

#[tokio::test]
async fn events_list_filters_and_simulation() {
    let app = hooks_app("1").await;
    let t = app.tenant_with(SCOPES).await;
    let receiver = Receiver::start().await;
    let ep = create_endpoint(&app, &t, &receiver.url, &["invoices.*"]).await;

    let before = chrono::Utc::now().to_rfc3339();
    app.create_customer(&t, json!({"name": "First"})).await;
    let (status, simulated) = call(
        &app,
        &t,
        Method::POST,
        "/events/simulate",
        Some(json!({"type": "invoice.paid"})),
    )
    .await;
    assert_eq!(status, 200, "{simulated}");
    assert_eq!(simulated["type"], "invoice.paid");
    assert!(simulated["id"].as_str().unwrap().starts_with("evt_"));
    let data = &simulated["data"];
    assert_eq!(data["status"], "paid");
    assert!(data["id"].as_str().unwrap().starts_with("inv_"));
    assert_eq!(data["amount_due"], 0);
    assert!(data["total"].is_i64() && data["line_items"].as_array().unwrap().len() == 2);
    // Delivered like a real event, to the endpoints subscribed to it.
    let got = receiver.wait_for(1, Duration::from_secs(15)).await;
    assert_eq!(got[0].json(), simulated);

    // Data of the caller's own.
    let own = json!({"type": "customer.updated", "data": {"id": "cus_x", "name": "Mine", "n": 3}});
    let (status, custom) = call(&app, &t, Method::POST, "/events/simulate", Some(own)).await;
    assert_eq!(status, 200, "{custom}");
    assert_eq!(
        custom["data"],
        json!({"id": "cus_x", "name": "Mine", "n": 3})
    );
    let bad = json!({"type": "invoice.eaten"});
    let err = fails(
        &app,
        &t,
        Method::POST,
        "/events/simulate",
        Some(bad),
        422,
        "validation_failed",
    )
    .await;
    assert!(err["errors"]["type"].is_array());

    // Filters: type, time window, paging.
    let (_, all) = call(&app, &t, Method::GET, "/events", None).await;
    let types: Vec<&str> = all["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        types,
        ["customer.updated", "invoice.paid", "customer.created"],
        "newest first"
    );
    let (_, paid) = call(&app, &t, Method::GET, "/events?type=invoice.paid", None).await;
    assert_eq!(paid["data"].as_array().unwrap().len(), 1);
    let enc = |s: &str| s.replace('+', "%2B");
    let (_, after) = call(
        &app,
        &t,
        Method::GET,
        &format!("/events?created_after={}", enc(&before)),
        None,
    )
    .await;
    assert_eq!(after["data"].as_array().unwrap().len(), 3);
    let (_, none) = call(
        &app,
        &t,
        Method::GET,
        &format!("/events?created_before={}", enc(&before)),
        None,
    )
    .await;
    assert_eq!(none["data"], json!([]));
    let (_, page) = call(&app, &t, Method::GET, "/events?limit=2", None).await;
    assert_eq!(page["has_more"], true);
    let cursor = page["next_cursor"].as_str().unwrap();
    let (_, rest) = call(
        &app,
        &t,
        Method::GET,
        &format!("/events?limit=2&cursor={cursor}"),
        None,
    )
    .await;
    assert_eq!(rest["data"][0]["type"], "customer.created");
    let (status, one) = call(
        &app,
        &t,
        Method::GET,
        &format!("/events/{}", simulated["id"].as_str().unwrap()),
        None,
    )
    .await;
    assert_eq!((status, &one), (200, &simulated));
    let _ = ep;

    // A live organization cannot simulate.
    let live = app.org(false).await;
    let (key, _) = app.key(&live, SCOPES, None).await;
    let response = app
        .client
        .post(app.url("/events/simulate"))
        .header("x-api-key", key)
        .header("x-organization-id", &live)
        .json(&json!({"type": "invoice.paid"}))
        .send()
        .await
        .unwrap();
    let err = expect_error(response, 409, "sandbox_only").await;
    assert!(err["message"].as_str().unwrap().contains("sandbox"));
    app.shutdown().await;
}
