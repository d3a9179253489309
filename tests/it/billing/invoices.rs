//! Invoices: the life cycle (every move, overdue derived from the due date), finalizing,
//! voiding, the accounting export state and the list filters.

use reqwest::Method;
use serde_json::json;

use super::*;

const STATES: &[&str] = &["draft", "open", "overdue", "paid", "void"];
const ACTIONS: &[&str] = &["finalize", "void"];

fn legal(from: &str, action: &str) -> Option<&'static str> {
    match (from, action) {
        ("draft", "finalize") => Some("open"),
        ("draft" | "open" | "overdue", "void") => Some("void"),
        _ => None,
    }
}

/// A new invoice of 10 000 brought to `state` through the API.
async fn invoice_in(app: &TestApp, t: &Tenant, customer: &str, state: &str) -> String {
    let due = if state == "overdue" {
        days_from_today(-1)
    } else {
        days_from_today(10)
    };
    let draft = create_invoice(
        app,
        t,
        customer,
        json!({"line_items": [line("Work", 1, 10_000)], "due_date": due}),
    )
    .await;
    let id = id(&draft);
    if state != "draft" {
        ok(app, t, &format!("/invoices/{id}/finalize"), json!({})).await;
    }
    match state {
        "paid" => {
            let body = json!({"invoice_id": id, "amount": 10_000, "method": "card"});
            ok(app, t, "/payments", body).await;
        }
        "void" => {
            ok(app, t, &format!("/invoices/{id}/void"), json!({})).await;
        }
        _ => {}
    }
    let (_, got) = get(app, t, &format!("/invoices/{id}")).await;
    assert_eq!(got["status"], state, "{got}");
    id
}

#[tokio::test]
async fn every_invoice_move_legal_and_illegal() {
    let app = spawn_app().await;
    let (t, customer) = billing_tenant(&app).await;
    for from in STATES {
        for action in ACTIONS {
            let id = invoice_in(&app, &t, &customer, from).await;
            let (status, body) =
                post(&app, &t, &format!("/invoices/{id}/{action}"), json!({})).await;
            match legal(from, action) {
                Some(to) => {
                    assert_eq!(status, 200, "{from} -{action}-> {body}");
                    assert_eq!(body["status"], to, "{from} -{action}->");
                }
                None => {
                    assert_conflict(status, &body, "invalid_state_transition", &[from, action]);
                    let (_, still) = get(&app, &t, &format!("/invoices/{id}")).await;
                    assert_eq!(still["status"], *from);
                }
            }
        }
        // Line items, currency, tax and due date change on drafts only; so does deletion.
        let id = invoice_in(&app, &t, &customer, from).await;
        let path = format!("/invoices/{id}");
        for body in [
            json!({"line_items": [line("More", 2, 1)]}),
            json!({"due_date": days_from_today(60)}),
            json!({"currency": "eur", "accounting_export_status": "exported"}),
        ] {
            let (status, got) = patch(&app, &t, &path, body).await;
            if *from == "draft" {
                assert_eq!(status, 200, "{got}");
            } else {
                assert_conflict(status, &got, "invalid_state", &[from, "update"]);
            }
        }
        // The accounting integration sets the export state at any stage.
        let (status, got) = patch(
            &app,
            &t,
            &path,
            json!({"accounting_export_status": "pending"}),
        )
        .await;
        assert_eq!(
            (status, &got["accounting_export_status"]),
            (200, &json!("pending")),
            "{got}"
        );
        let (status, got) = call(&app, &t, Method::DELETE, &path, None).await;
        if *from == "draft" {
            assert_eq!(status, 204, "{got}");
        } else {
            assert_conflict(status, &got, "invalid_state", &[from, "delete"]);
        }
    }
    app.shutdown().await;
}

#[tokio::test]
async fn finalize_sets_the_due_date_and_needs_line_items() {
    let app = spawn_app().await;
    let (t, customer) = billing_tenant(&app).await;
    let empty = create_invoice(&app, &t, &customer, json!({})).await;
    assert_eq!(
        (&empty["status"], &empty["due_date"]),
        (&json!("draft"), &json!(""))
    );
    assert_eq!(empty["accounting_export_status"], "not_exported");
    assert!(empty["finalized_at"].is_null());
    let (status, body) = post(
        &app,
        &t,
        &format!("/invoices/{}/finalize", id(&empty)),
        json!({}),
    )
    .await;
    assert_conflict(status, &body, "invoice_incomplete", &["line item"]);

    let inv = create_invoice(
        &app,
        &t,
        &customer,
        json!({"line_items": [line("Visit", 1, 9_000)], "tax_rate_bps": 1_000}),
    )
    .await;
    let finalized = ok(
        &app,
        &t,
        &format!("/invoices/{}/finalize", id(&inv)),
        json!({}),
    )
    .await;
    assert_eq!(finalized["status"], "open");
    assert_eq!(
        finalized["due_date"],
        days_from_today(30),
        "default: 30 days"
    );
    assert!(finalized["finalized_at"].as_str().unwrap().ends_with('Z'));
    assert_eq!(
        (&finalized["total"], &finalized["amount_due"]),
        (&json!(9_900), &json!(9_900))
    );

    // Nothing owed: finalizing pays it.
    let free = create_invoice(
        &app,
        &t,
        &customer,
        json!({"line_items": [line("Free check-up", 1, 0)]}),
    )
    .await;
    let paid = ok(
        &app,
        &t,
        &format!("/invoices/{}/finalize", id(&free)),
        json!({}),
    )
    .await;
    assert_eq!(paid["status"], "paid");
    assert!(paid["paid_at"].is_string());
    assert_eq!(
        events_about(&app, &t.org, &id(&free)).await,
        ["invoice.created", "invoice.finalized", "invoice.paid"]
    );

    let voided = ok(&app, &t, &format!("/invoices/{}/void", id(&inv)), json!({})).await;
    assert_eq!(voided["status"], "void");
    assert!(voided["voided_at"].is_string());
    assert_eq!(
        events_about(&app, &t.org, &id(&inv)).await,
        ["invoice.created", "invoice.finalized", "invoice.voided"]
    );
    assert_eq!(
        audit_of(&app, &t.org, &id(&inv)).await,
        ["invoice.create", "invoice.finalize", "invoice.void"]
    );
    app.shutdown().await;
}

#[tokio::test]
async fn void_needs_nothing_paid() {
    let app = spawn_app().await;
    let (t, customer) = billing_tenant(&app).await;
    let inv = open_invoice(&app, &t, &customer, 10_000, &days_from_today(5)).await;
    let inv_id = id(&inv);
    let pay = ok(
        &app,
        &t,
        "/payments",
        json!({"invoice_id": inv_id, "amount": 1, "method": "cash"}),
    )
    .await;
    let (status, body) = post(&app, &t, &format!("/invoices/{inv_id}/void"), json!({})).await;
    assert_conflict(status, &body, "invoice_has_payments", &["refund"]);
    // After a full refund nothing is paid any more: it can be voided.
    ok(
        &app,
        &t,
        &format!("/payments/{}/refund", id(&pay)),
        json!({}),
    )
    .await;
    let voided = ok(&app, &t, &format!("/invoices/{inv_id}/void"), json!({})).await;
    assert_eq!(voided["status"], "void");
    app.shutdown().await;
}

#[tokio::test]
async fn overdue_is_derived_and_the_filters_find_exactly_what_they_say() {
    let app = spawn_app().await;
    let (t, customer) = billing_tenant(&app).await;
    let other_customer = id(&app.create_customer(&t, json!({"name": "Other"})).await);
    let before_all = chrono::Utc::now() - chrono::Duration::seconds(1);

    let overdue = open_invoice(&app, &t, &customer, 100, &days_from_today(-3)).await;
    assert_eq!(overdue["status"], "overdue");
    let due_today = open_invoice(&app, &t, &customer, 100, &days_from_today(0)).await;
    assert_eq!(due_today["status"], "open", "due today is not overdue yet");
    let future = open_invoice(&app, &t, &other_customer, 100, &days_from_today(20)).await;
    let draft_past = create_invoice(
        &app,
        &t,
        &customer,
        json!({"due_date": days_from_today(-10)}),
    )
    .await;
    assert_eq!(draft_past["status"], "draft", "a draft is never overdue");
    let paid = open_invoice(&app, &t, &customer, 100, &days_from_today(-5)).await;
    ok(
        &app,
        &t,
        "/payments",
        json!({"invoice_id": id(&paid), "amount": 100, "method": "ach"}),
    )
    .await;

    let ids = |query: &'static str| {
        let (app, t) = (&app, &t);
        async move {
            let (status, body) = get(app, t, &format!("/invoices?{query}")).await;
            assert_eq!(status, 200, "{query}: {body}");
            body["data"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i["id"].as_str().unwrap().to_owned())
                .collect::<Vec<String>>()
        }
    };
    assert_eq!(ids("status=overdue").await, [id(&overdue)]);
    assert_eq!(ids("status=open").await, [id(&future), id(&due_today)]);
    assert_eq!(ids("status=draft").await, [id(&draft_past)]);
    assert_eq!(ids("status=paid").await, [id(&paid)]);
    assert_eq!(ids("status=void").await, Vec::<String>::new());
    assert_eq!(ids("").await.len(), 5);

    let q = format!("customer_id={other_customer}");
    let (_, body) = get(&app, &t, &format!("/invoices?{q}")).await;
    assert_eq!(body["data"][0]["id"], future["id"]);
    assert_eq!(body["data"].as_array().unwrap().len(), 1);

    let before = format!("due_before={}", days_from_today(-3));
    let (_, body) = get(&app, &t, &format!("/invoices?{before}")).await;
    let got: Vec<&str> = body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        got,
        [id(&paid), id(&draft_past), id(&overdue)],
        "on or before, inclusive"
    );
    let window = format!(
        "due_after={}&due_before={}",
        days_from_today(0),
        days_from_today(20)
    );
    let (_, body) = get(&app, &t, &format!("/invoices?{window}")).await;
    let got: Vec<&str> = body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap())
        .collect();
    assert_eq!(got, [id(&future), id(&due_today)]);

    let since = before_all.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let (_, body) = get(&app, &t, &format!("/invoices?created_after={since}")).await;
    assert_eq!(body["data"].as_array().unwrap().len(), 5);
    let (_, body) = get(&app, &t, &format!("/invoices?created_before={since}")).await;
    assert_eq!(body["data"], json!([]));
    let (_, body) = get(
        &app,
        &t,
        &format!("/invoices?updated_since={since}&limit=2"),
    )
    .await;
    assert_eq!(
        (body["data"].as_array().unwrap().len(), &body["has_more"]),
        (2, &json!(true))
    );

    for bad in [
        "due_before=tomorrow",
        "due_after=2026-13-01",
        "status=late",
        "created_after=x",
    ] {
        let (status, body) = get(&app, &t, &format!("/invoices?{bad}")).await;
        assert_eq!(
            (status, &body["code"]),
            (400, &json!("invalid_request")),
            "{bad}: {body}"
        );
    }
    app.shutdown().await;
}
