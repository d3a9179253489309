//! Another organization's objects: unknown as references (422), not found on every route
//! (404), invisible in lists, and left untouched.

use reqwest::Method;
use serde_json::json;

use super::*;

#[tokio::test]
async fn references_to_another_organization_are_unknown() {
    let app = spawn_app().await;
    let (mine, my_customer) = billing_tenant(&app).await;
    let (theirs, their_customer) = billing_tenant(&app).await;
    let their_service = catalog_item(&app, &theirs, "Theirs", true).await;
    let their_invoice =
        id(&open_invoice(&app, &theirs, &their_customer, 500, &days_from_today(3)).await);

    for resource in ["/estimates", "/invoices"] {
        let (status, body) = post(
            &app,
            &mine,
            resource,
            json!({"customer_id": their_customer}),
        )
        .await;
        assert_invalid(status, &body, "customer_id");
        let body = json!({
            "customer_id": my_customer,
            "line_items": [{"service_id": their_service, "quantity": 1, "unit_price": 1}],
        });
        let (status, body) = post(&app, &mine, resource, body).await;
        assert_invalid(status, &body, "line_items[0].service_id");
    }
    let (status, body) = post(
        &app,
        &mine,
        "/payments",
        json!({"invoice_id": their_invoice, "amount": 100, "method": "cash"}),
    )
    .await;
    assert_invalid(status, &body, "invoice_id");
    let (_, invoice) = get(&app, &theirs, &format!("/invoices/{their_invoice}")).await;
    assert_eq!(invoice["amount_paid"], 0, "untouched");
    app.shutdown().await;
}

#[tokio::test]
async fn another_organizations_billing_objects_are_404_on_every_route() {
    let app = spawn_app().await;
    let (mine, _) = billing_tenant(&app).await;
    let (theirs, customer) = billing_tenant(&app).await;
    let est = id(&create_estimate(&app, &theirs, &customer, json!([line("x", 1, 100)])).await);
    let draft = id(&create_invoice(
        &app,
        &theirs,
        &customer,
        json!({"line_items": [line("x", 1, 100)]}),
    )
    .await);
    let open = id(&open_invoice(&app, &theirs, &customer, 1_000, &days_from_today(3)).await);
    let mut pending =
        json!({"invoice_id": open, "amount": 100, "method": "card", "status": "pending"});
    let pending_pay = id(&ok(&app, &theirs, "/payments", pending.clone()).await);
    pending["status"] = json!("succeeded");
    let paid_pay = id(&ok(&app, &theirs, "/payments", pending).await);

    let routes = [
        (Method::GET, format!("/estimates/{est}"), None),
        (
            Method::PATCH,
            format!("/estimates/{est}"),
            Some(json!({"notes": "mine"})),
        ),
        (Method::DELETE, format!("/estimates/{est}"), None),
        (
            Method::POST,
            format!("/estimates/{est}/send"),
            Some(json!({})),
        ),
        (
            Method::POST,
            format!("/estimates/{est}/approve"),
            Some(json!({})),
        ),
        (
            Method::POST,
            format!("/estimates/{est}/decline"),
            Some(json!({})),
        ),
        (
            Method::POST,
            format!("/estimates/{est}/convert"),
            Some(json!({})),
        ),
        (Method::GET, format!("/invoices/{draft}"), None),
        (
            Method::PATCH,
            format!("/invoices/{draft}"),
            Some(json!({"due_date": "2030-01-01"})),
        ),
        (
            Method::PATCH,
            format!("/invoices/{open}"),
            Some(json!({"accounting_export_status": "exported"})),
        ),
        (Method::DELETE, format!("/invoices/{draft}"), None),
        (
            Method::POST,
            format!("/invoices/{draft}/finalize"),
            Some(json!({})),
        ),
        (
            Method::POST,
            format!("/invoices/{open}/void"),
            Some(json!({})),
        ),
        (Method::GET, format!("/payments/{paid_pay}"), None),
        (
            Method::POST,
            format!("/payments/{pending_pay}/succeed"),
            Some(json!({})),
        ),
        (
            Method::POST,
            format!("/payments/{pending_pay}/fail"),
            Some(json!({})),
        ),
        (
            Method::POST,
            format!("/payments/{paid_pay}/refund"),
            Some(json!({"amount": 1})),
        ),
    ];
    for (method, path, body) in routes {
        let (status, got) = call(&app, &mine, method.clone(), &path, body).await;
        assert_eq!(
            (status, &got["code"]),
            (404, &json!("not_found")),
            "{method} {path}: {got}"
        );
    }
    for (list, filter) in [
        ("/estimates", format!("customer_id={customer}")),
        ("/invoices", format!("customer_id={customer}")),
        ("/payments", format!("invoice_id={open}")),
        ("/payments", String::new()),
    ] {
        let (status, got) = get(&app, &mine, &format!("{list}?{filter}")).await;
        assert_eq!((status, &got["data"]), (200, &json!([])), "{list}?{filter}");
    }
    // Untouched.
    let (_, e) = get(&app, &theirs, &format!("/estimates/{est}")).await;
    assert_eq!((&e["status"], &e["notes"]), (&json!("draft"), &json!("")));
    let (_, inv) = get(&app, &theirs, &format!("/invoices/{open}")).await;
    assert_eq!(
        (&inv["status"], &inv["amount_paid"]),
        (&json!("open"), &json!(100))
    );
    assert_eq!(inv["accounting_export_status"], "not_exported");
    let (_, p) = get(&app, &theirs, &format!("/payments/{pending_pay}")).await;
    assert_eq!(p["status"], "pending");
    app.shutdown().await;
}

#[tokio::test]
async fn billing_routes_need_their_scopes() {
    let app = spawn_app().await;
    let (full, customer) = billing_tenant(&app).await;
    let inv = id(&open_invoice(&app, &full, &customer, 1_000, &days_from_today(3)).await);
    let (key, _) = app
        .key(&full.org, &["read:invoices", "read:payments"], None)
        .await;
    let reader = Tenant {
        org: full.org.clone(),
        key,
        key_id: String::new(),
    };
    let (status, _) = get(&app, &reader, &format!("/invoices/{inv}")).await;
    assert_eq!(status, 200);
    for (path, scope) in [
        ("/payments", "write:payments"),
        ("/invoices", "write:invoices"),
        ("/estimates", "write:estimates"),
    ] {
        let (status, body) = post(&app, &reader, path, json!({})).await;
        assert_eq!(
            (status, &body["required_scope"]),
            (403, &json!(scope)),
            "{body}"
        );
    }
    let (status, body) = call(
        &app,
        &reader,
        Method::DELETE,
        &format!("/invoices/{inv}"),
        None,
    )
    .await;
    assert_eq!(
        (status, &body["required_scope"]),
        (403, &json!("delete:invoices"))
    );
    app.shutdown().await;
}
