//! A customer's activity: every event of its appointments, estimates, invoices and payments.

use reqwest::Method;
use serde_json::{Value, json};

use crate::{
    billing::{BILLING_SCOPES, id, line, ok, post},
    helpers::*,
};

#[tokio::test]
async fn activity_lists_every_move_of_the_customers_objects() {
    let app = spawn_app().await;
    let mut scopes = BILLING_SCOPES.to_vec();
    scopes.extend(["read:appointments", "write:appointments"]);
    let t = app.tenant_with(&scopes).await;
    let customer = id(&app.create_customer(&t, json!({"name": "Ada"})).await);
    let other = id(&app.create_customer(&t, json!({"name": "Bob"})).await);

    let (status, appointment) = post(
        &app,
        &t,
        "/appointments",
        json!({"customer_id": customer, "scheduled_start": "2026-12-01T09:00:00Z", "scheduled_end": "2026-12-01T10:00:00Z"}),
    )
    .await;
    assert_eq!(status, 201, "{appointment}");
    let (status, estimate) = post(
        &app,
        &t,
        "/estimates",
        json!({"customer_id": customer, "line_items": [line("Repair", 1, 12_500)]}),
    )
    .await;
    assert_eq!(status, 201, "{estimate}");
    let estimate_id = id(&estimate);
    for action in ["send", "approve", "convert"] {
        ok(
            &app,
            &t,
            &format!("/estimates/{estimate_id}/{action}"),
            json!({}),
        )
        .await;
    }
    let (_, converted) = crate::billing::get(&app, &t, &format!("/estimates/{estimate_id}")).await;
    let invoice_id = converted["invoice_id"].as_str().unwrap().to_owned();
    ok(
        &app,
        &t,
        &format!("/invoices/{invoice_id}/finalize"),
        json!({}),
    )
    .await;
    let (status, payment) = post(
        &app,
        &t,
        "/payments",
        json!({"invoice_id": invoice_id, "amount": 12_500, "method": "card"}),
    )
    .await;
    assert_eq!(status, 201, "{payment}");
    // Another customer's objects stay out of Ada's history.
    post(
        &app,
        &t,
        "/estimates",
        json!({"customer_id": other, "line_items": [line("X", 1, 1)]}),
    )
    .await;

    let (status, page) = crate::billing::get(
        &app,
        &t,
        &format!("/customers/{customer}/activity?limit=100"),
    )
    .await;
    assert_eq!(status, 200, "{page}");
    let types: Vec<&str> = page["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        types,
        [
            "invoice.paid",
            "payment.succeeded",
            "invoice.finalized",
            "invoice.created",
            "estimate.converted",
            "estimate.approved",
            "estimate.sent",
            "estimate.created",
            "appointment.scheduled",
        ]
    );
    let first = &page["data"][0];
    assert_eq!(
        (first["object_type"].as_str(), first["object_id"].as_str()),
        (Some("invoice"), Some(invoice_id.as_str()))
    );
    assert_eq!(first["summary"], "Invoice paid: 125.00 USD");
    assert!(first["occurred_at"].as_str().unwrap().ends_with('Z'));

    // Keyset pages walk the same list.
    let mut walked: Vec<Value> = Vec::new();
    let mut cursor = String::new();
    loop {
        let path = format!("/customers/{customer}/activity?limit=4&cursor={cursor}");
        let (_, page) = crate::billing::get(&app, &t, &path).await;
        walked.extend(page["data"].as_array().unwrap().iter().cloned());
        match page["next_cursor"].as_str() {
            Some(next) => cursor = next.to_owned(),
            None => break,
        }
    }
    assert_eq!(walked.len(), types.len());

    // Another organization cannot read it.
    let stranger = app.tenant().await;
    let response = app
        .req(
            &stranger,
            Method::GET,
            &format!("/customers/{customer}/activity"),
        )
        .send()
        .await
        .unwrap();
    expect_error(response, 404, "not_found").await;
    app.shutdown().await;
}
