//! Estimates: totals computed by the server, the life cycle (every move), conversion into an
//! invoice, and the records every write leaves.

use reqwest::Method;
use serde_json::{Value, json};

use super::*;

const STATES: &[&str] = &["draft", "sent", "approved", "declined", "converted"];
const ACTIONS: &[&str] = &["send", "approve", "decline", "convert"];

/// The legal moves of the contract, written independently of the service's table.
fn legal(from: &str, action: &str) -> Option<&'static str> {
    match (from, action) {
        ("draft", "send") => Some("sent"),
        ("sent", "approve") => Some("approved"),
        ("sent", "decline") => Some("declined"),
        ("approved", "convert") => Some("converted"),
        _ => None,
    }
}

/// A new estimate brought to `state` through the API.
async fn estimate_in(app: &TestApp, t: &Tenant, customer: &str, state: &str) -> String {
    let e = create_estimate(app, t, customer, json!([line("Survey", 1, 10_000)])).await;
    let id = id(&e);
    let path: &[&str] = match state {
        "draft" => &[],
        "sent" => &["send"],
        "approved" => &["send", "approve"],
        "declined" => &["send", "decline"],
        "converted" => &["send", "approve", "convert"],
        other => panic!("no path to {other}"),
    };
    for action in path {
        ok(app, t, &format!("/estimates/{id}/{action}"), json!({})).await;
    }
    let (_, got) = get(app, t, &format!("/estimates/{id}")).await;
    assert_eq!(got["status"], state);
    id
}

#[tokio::test]
async fn every_estimate_move_legal_and_illegal() {
    let app = spawn_app().await;
    let (t, customer) = billing_tenant(&app).await;
    for from in STATES {
        for action in ACTIONS {
            let id = estimate_in(&app, &t, &customer, from).await;
            let (status, body) =
                post(&app, &t, &format!("/estimates/{id}/{action}"), json!({})).await;
            match legal(from, action) {
                Some(to) => {
                    assert_eq!(status, 200, "{from} -{action}-> {body}");
                    assert_eq!(body["status"], to, "{from} -{action}->");
                }
                None => {
                    assert_conflict(status, &body, "invalid_state_transition", &[from, action]);
                    let (_, still) = get(&app, &t, &format!("/estimates/{id}")).await;
                    assert_eq!(still["status"], *from, "an illegal move changes nothing");
                }
            }
        }
        // Update and delete: drafts only.
        let id = estimate_in(&app, &t, &customer, from).await;
        let path = format!("/estimates/{id}");
        let (status, body) = patch(&app, &t, &path, json!({"notes": "changed"})).await;
        let (del_status, del_body) = call(&app, &t, Method::DELETE, &path, None).await;
        if *from == "draft" {
            assert_eq!((status, &body["notes"]), (200, &json!("changed")), "{body}");
            assert_eq!(del_status, 204, "{del_body}");
        } else {
            assert_conflict(status, &body, "invalid_state", &[from, "update"]);
            assert_conflict(del_status, &del_body, "invalid_state", &[from, "delete"]);
        }
    }
    app.shutdown().await;
}

#[tokio::test]
async fn totals_are_computed_by_the_server() {
    let app = spawn_app().await;
    let (t, customer) = billing_tenant(&app).await;
    let svc = catalog_item(&app, &t, "Gutter cleaning", true).await;
    let (status, e) = post(
        &app,
        &t,
        "/estimates",
        json!({
            "customer_id": customer,
            "currency": "USD",
            "tax_rate_bps": 825,
            "line_items": [
                {"service_id": svc, "quantity": 2, "unit_price": 12_345},
                line("Materials", 3, 1_001),
            ],
        }),
    )
    .await;
    assert_eq!(status, 201, "{e}");
    // 2*12345 + 3*1001 = 27693; tax 8.25% = 2284.6725 -> 2285 (half up).
    assert_eq!(e["line_items"][0]["amount"], 24_690);
    assert_eq!(e["line_items"][0]["description"], "Gutter cleaning");
    assert_eq!(e["line_items"][0]["service_id"], svc.as_str());
    assert_eq!(e["line_items"][1]["amount"], 3_003);
    assert!(e["line_items"][1]["service_id"].is_null());
    assert_eq!(
        (&e["subtotal"], &e["tax"], &e["total"]),
        (&json!(27_693), &json!(2_285), &json!(29_978))
    );
    assert_eq!(e["currency"], "usd");
    assert_eq!(e["status"], "draft");
    assert!(e["invoice_id"].is_null());
    for field in [
        "id",
        "customer_id",
        "line_items",
        "currency",
        "subtotal",
        "tax_rate_bps",
        "tax",
        "total",
        "status",
        "invoice_id",
        "notes",
        "created_at",
        "updated_at",
    ] {
        assert!(e.get(field).is_some(), "missing {field}: {e}");
    }

    // Totals sent by a client are not part of the request: 400, whatever their value.
    for bad in [
        json!({"customer_id": customer, "total": 1}),
        json!({"customer_id": customer, "subtotal": 1, "tax": 0}),
        json!({"customer_id": customer, "line_items": [{"description": "x", "quantity": 1, "unit_price": 5, "amount": 1}]}),
    ] {
        let (status, body) = post(&app, &t, "/estimates", bad).await;
        assert_eq!(
            (status, &body["code"]),
            (400, &json!("invalid_request")),
            "{body}"
        );
    }
    let (status, body) = patch(
        &app,
        &t,
        &format!("/estimates/{}", id(&e)),
        json!({"total": 5}),
    )
    .await;
    assert_eq!(status, 400, "{body}");

    // A PATCH of the lines or the rate recomputes everything.
    let path = format!("/estimates/{}", id(&e));
    let (status, changed) = patch(&app, &t, &path, json!({"tax_rate_bps": 0})).await;
    assert_eq!(status, 200, "{changed}");
    assert_eq!(
        (&changed["tax"], &changed["total"]),
        (&json!(0), &json!(27_693))
    );
    let (_, changed) = patch(
        &app,
        &t,
        &path,
        json!({"line_items": [line("One", 1, 1)], "tax_rate_bps": 5000}),
    )
    .await;
    // 0.5 rounds up to 1.
    assert_eq!(
        (&changed["subtotal"], &changed["tax"], &changed["total"]),
        (&json!(1), &json!(1), &json!(2))
    );
    let (_, same) = patch(&app, &t, &path, json!({})).await;
    assert_eq!(same["total"], 2);
    app.shutdown().await;
}

#[tokio::test]
async fn line_items_and_money_are_validated() {
    let app = spawn_app().await;
    let (t, customer) = billing_tenant(&app).await;
    let inactive = catalog_item(&app, &t, "Retired", false).await;
    let big = i64::MAX;
    let cases: Vec<(Value, &str)> = vec![
        (
            json!({"line_items": [line("x", 0, 1)]}),
            "line_items[0].quantity",
        ),
        (
            json!({"line_items": [line("x", -3, 1)]}),
            "line_items[0].quantity",
        ),
        (
            json!({"line_items": [line("x", 1, -1)]}),
            "line_items[0].unit_price",
        ),
        (
            json!({"line_items": [line("ok", 1, 1), line(" ", 1, 1)]}),
            "line_items[1].description",
        ),
        (
            json!({"line_items": [{"service_id": "svc_nope", "quantity": 1, "unit_price": 1}]}),
            "line_items[0].service_id",
        ),
        (
            json!({"line_items": [{"service_id": inactive, "quantity": 1, "unit_price": 1}]}),
            "line_items[0].service_id",
        ),
        (
            json!({"line_items": [line("x", big, big)]}),
            "line_items[0]",
        ),
        (
            json!({"line_items": [line("x", 1, 9_007_199_254_740_991), line("y", 1, 1)]}),
            "line_items",
        ),
        (
            json!({"line_items": [line("x", 1, 9_007_199_254_740_991)], "tax_rate_bps": 1}),
            "line_items",
        ),
        (json!({"tax_rate_bps": 10_001}), "tax_rate_bps"),
        (json!({"currency": "dollars"}), "currency"),
        (json!({"due_date": "2026-02-30"}), "due_date"),
        (json!({"due_date": "2026-2-3"}), "due_date"),
    ];
    // The same rules for estimates and invoices (due dates are the invoices' own).
    for (body, field) in cases {
        for resource in ["/estimates", "/invoices"] {
            if (resource == "/estimates") == (field == "due_date") {
                continue;
            }
            let mut body = body.clone();
            body["customer_id"] = json!(customer);
            let (status, got) = post(&app, &t, resource, body).await;
            assert_invalid(status, &got, field);
        }
    }
    let (status, got) = post(&app, &t, "/estimates", json!({"notes": "n".repeat(10_001)})).await;
    assert_invalid(status, &got, "notes");
    assert_invalid(status, &got, "customer_id");
    // The largest amount passes, exactly.
    let body =
        json!({"customer_id": customer, "line_items": [line("x", 1, 9_007_199_254_740_991)]});
    let (status, e) = post(&app, &t, "/estimates", body).await;
    assert_eq!(
        (status, &e["total"]),
        (201, &json!(9_007_199_254_740_991_i64)),
        "{e}"
    );
    // The same rules on PATCH.
    let path = format!("/estimates/{}", id(&e));
    let (status, got) = patch(&app, &t, &path, json!({"line_items": [line("x", 0, 1)]})).await;
    assert_invalid(status, &got, "line_items[0].quantity");
    let (status, got) = patch(&app, &t, &path, json!({"status": "approved"})).await;
    assert_eq!(status, 400, "the status moves only through actions: {got}");
    app.shutdown().await;
}

#[tokio::test]
async fn convert_makes_a_draft_invoice_in_the_same_write() {
    let app = spawn_app().await;
    let (t, customer) = billing_tenant(&app).await;
    let e = create_estimate(
        &app,
        &t,
        &customer,
        json!([line("Roof", 2, 50_000), line("Permit", 1, 2_500)]),
    )
    .await;
    let est = id(&e);
    for action in ["send", "approve"] {
        ok(&app, &t, &format!("/estimates/{est}/{action}"), json!({})).await;
    }
    let converted = ok(&app, &t, &format!("/estimates/{est}/convert"), json!({})).await;
    assert_eq!(converted["status"], "converted");
    let inv = converted["invoice_id"].as_str().unwrap().to_owned();
    assert!(inv.starts_with("inv_"), "{converted}");
    let (status, invoice) = get(&app, &t, &format!("/invoices/{inv}")).await;
    assert_eq!(status, 200);
    assert_eq!(invoice["status"], "draft");
    assert_eq!(invoice["estimate_id"], est.as_str());
    assert_eq!(invoice["customer_id"], customer.as_str());
    for field in [
        "line_items",
        "currency",
        "subtotal",
        "tax_rate_bps",
        "tax",
        "total",
    ] {
        assert_eq!(invoice[field], e[field], "{field}");
    }
    assert_eq!(invoice["amount_due"], e["total"]);
    assert_eq!(invoice["amount_paid"], 0);
    assert_eq!(invoice["accounting_export_status"], "not_exported");

    assert_eq!(
        events_about(&app, &t.org, &est).await,
        [
            "estimate.created",
            "estimate.sent",
            "estimate.approved",
            "estimate.converted"
        ]
    );
    assert_eq!(events_about(&app, &t.org, &inv).await, ["invoice.created"]);
    assert_eq!(
        audit_of(&app, &t.org, &est).await,
        [
            "estimate.create",
            "estimate.send",
            "estimate.approve",
            "estimate.convert"
        ]
    );
    assert_eq!(audit_of(&app, &t.org, &inv).await, ["invoice.create"]);
    // The estimate refers to its invoice: the draft can be voided, not deleted.
    let (status, body) = call(&app, &t, Method::DELETE, &format!("/invoices/{inv}"), None).await;
    assert_conflict(status, &body, "invoice_from_estimate", &[&est]);
    let voided = ok(&app, &t, &format!("/invoices/{inv}/void"), json!({})).await;
    assert_eq!(voided["status"], "void");

    // Filters.
    let other = create_estimate(&app, &t, &customer, json!([line("x", 1, 1)])).await;
    let (_, list) = get(&app, &t, "/estimates?status=converted").await;
    let ids: Vec<&str> = list["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [est.as_str()]);
    let (_, list) = get(
        &app,
        &t,
        &format!("/estimates?customer_id={customer}&limit=1"),
    )
    .await;
    assert_eq!(list["data"][0]["id"], other["id"]);
    assert_eq!(list["has_more"], true);
    let (_, list) = get(&app, &t, "/estimates?customer_id=cus_nobody").await;
    assert_eq!(list["data"], json!([]));
    let (status, _) = get(&app, &t, "/estimates?status=lost").await;
    assert_eq!(status, 400);
    app.shutdown().await;
}
