//! Payments: the life cycle (every move), the amount due as a hard ceiling (also under
//! concurrency), partial refunds, and the invoice moving in the same transaction.

use reqwest::Method;
use serde_json::{Value, json};

use super::*;

const STATES: &[&str] = &["pending", "succeeded", "failed", "refunded"];
const ACTIONS: &[&str] = &["succeed", "fail", "refund"];

fn legal(from: &str, action: &str) -> Option<&'static str> {
    match (from, action) {
        ("pending", "succeed") => Some("succeeded"),
        ("pending", "fail") => Some("failed"),
        // A refund without an amount refunds everything left.
        ("succeeded", "refund") => Some("refunded"),
        _ => None,
    }
}

fn pay(invoice: &str, amount: i64) -> Value {
    json!({"invoice_id": invoice, "amount": amount, "method": "card", "reference": "ch_1"})
}

async fn invoice_state(app: &TestApp, t: &Tenant, inv: &str) -> (Value, Value, Value) {
    let (_, got) = get(app, t, &format!("/invoices/{inv}")).await;
    (
        got["status"].clone(),
        got["amount_paid"].clone(),
        got["amount_due"].clone(),
    )
}

#[tokio::test]
async fn every_payment_move_legal_and_illegal() {
    let app = spawn_app().await;
    let (t, customer) = billing_tenant(&app).await;
    for from in STATES {
        for action in ACTIONS {
            let inv = id(&open_invoice(&app, &t, &customer, 1_000, &days_from_today(9)).await);
            let mut body = pay(&inv, 400);
            if *from != "succeeded" && *from != "refunded" {
                body["status"] = json!("pending");
            }
            let p = id(&ok(&app, &t, "/payments", body).await);
            match *from {
                "failed" => {
                    ok(&app, &t, &format!("/payments/{p}/fail"), json!({})).await;
                }
                "refunded" => {
                    ok(&app, &t, &format!("/payments/{p}/refund"), json!({})).await;
                }
                _ => {}
            }
            let (_, before) = get(&app, &t, &format!("/payments/{p}")).await;
            assert_eq!(before["status"], *from);
            let (status, got) = post(&app, &t, &format!("/payments/{p}/{action}"), json!({})).await;
            match legal(from, action) {
                Some(to) => {
                    assert_eq!(status, 200, "{from} -{action}-> {got}");
                    assert_eq!(got["status"], to);
                }
                None => {
                    assert_conflict(status, &got, "invalid_state_transition", &[from, action]);
                    let (_, after) = get(&app, &t, &format!("/payments/{p}")).await;
                    assert_eq!(after, before, "an illegal move changes nothing");
                }
            }
            // What the invoice shows follows what succeeded and what was refunded.
            let (_, payment) = get(&app, &t, &format!("/payments/{p}")).await;
            let counted = if payment["status"] == "succeeded" {
                400
            } else {
                0
            };
            let (_, paid, due) = invoice_state(&app, &t, &inv).await;
            assert_eq!(
                (paid, due),
                (json!(counted), json!(1_000 - counted)),
                "{from} {action}"
            );
        }
    }
    // Payments are immutable records: no update, no delete.
    let inv = id(&open_invoice(&app, &t, &customer, 1_000, &days_from_today(9)).await);
    let p = id(&ok(&app, &t, "/payments", pay(&inv, 1)).await);
    for method in [Method::PATCH, Method::DELETE] {
        let (status, body) =
            call(&app, &t, method, &format!("/payments/{p}"), Some(json!({}))).await;
        assert_eq!(
            (status, &body["code"]),
            (405, &json!("method_not_allowed")),
            "{body}"
        );
    }
    app.shutdown().await;
}

#[tokio::test]
async fn payments_fill_the_invoice_and_refunds_empty_it() {
    let app = spawn_app().await;
    let (t, customer) = billing_tenant(&app).await;
    let inv = id(&open_invoice(&app, &t, &customer, 10_000, &days_from_today(9)).await);

    let first = ok(&app, &t, "/payments", pay(&inv, 4_000)).await;
    assert_eq!(first["status"], "succeeded");
    assert_eq!(
        (&first["currency"], &first["customer_id"]),
        (&json!("usd"), &json!(customer))
    );
    assert_eq!(
        (&first["refunded_amount"], &first["reference"]),
        (&json!(0), &json!("ch_1"))
    );
    assert_eq!(
        invoice_state(&app, &t, &inv).await,
        (json!("open"), json!(4_000), json!(6_000))
    );

    let (status, body) = post(&app, &t, "/payments", pay(&inv, 6_001)).await;
    assert_invalid(status, &body, "amount");
    let second = ok(&app, &t, "/payments", pay(&inv, 6_000)).await;
    let (_, invoice) = get(&app, &t, &format!("/invoices/{inv}")).await;
    assert_eq!(
        (&invoice["status"], &invoice["amount_due"]),
        (&json!("paid"), &json!(0))
    );
    assert!(invoice["paid_at"].is_string());
    let (status, body) = post(&app, &t, "/payments", pay(&inv, 1)).await;
    assert_conflict(status, &body, "invoice_not_payable", &["paid"]);

    // Partial refund: the payment stays succeeded, the invoice owes again.
    let path = format!("/payments/{}/refund", id(&second));
    let refunded = ok(&app, &t, &path, json!({"amount": 1_000})).await;
    assert_eq!(
        (&refunded["status"], &refunded["refunded_amount"]),
        (&json!("succeeded"), &json!(1_000))
    );
    let (_, invoice) = get(&app, &t, &format!("/invoices/{inv}")).await;
    assert_eq!(
        (&invoice["status"], &invoice["amount_paid"]),
        (&json!("open"), &json!(9_000))
    );
    assert!(invoice["paid_at"].is_null());
    for amount in [5_001, 0, -1] {
        let (status, body) = post(&app, &t, &path, json!({"amount": amount})).await;
        assert_invalid(status, &body, "amount");
    }
    let refunded = ok(&app, &t, &path, json!({"amount": 4_999})).await;
    assert_eq!(refunded["status"], "succeeded");
    let refunded = ok(&app, &t, &path, json!({})).await;
    assert_eq!(
        (&refunded["status"], &refunded["refunded_amount"]),
        (&json!("refunded"), &json!(6_000))
    );
    assert_eq!(
        invoice_state(&app, &t, &inv).await,
        (json!("open"), json!(4_000), json!(6_000))
    );
    let (status, body) = post(&app, &t, &path, json!({"amount": 1})).await;
    assert_conflict(
        status,
        &body,
        "invalid_state_transition",
        &["refunded", "refund"],
    );

    // Paying again after refunds works up to the amount due.
    ok(&app, &t, "/payments", pay(&inv, 6_000)).await;
    assert_eq!(
        invoice_state(&app, &t, &inv).await,
        (json!("paid"), json!(10_000), json!(0))
    );

    assert_eq!(
        events_about(&app, &t.org, &id(&second)).await,
        [
            "payment.succeeded",
            "payment.refunded",
            "payment.refunded",
            "payment.refunded"
        ]
    );
    assert_eq!(
        events_about(&app, &t.org, &inv).await,
        [
            "invoice.created",
            "invoice.finalized",
            "invoice.paid",
            "invoice.paid"
        ]
    );
    let (_, list) = get(&app, &t, &format!("/payments?invoice_id={inv}")).await;
    assert_eq!(list["data"].as_array().unwrap().len(), 3);
    let (_, list) = get(&app, &t, "/payments?status=refunded").await;
    assert_eq!(list["data"][0]["id"], second["id"]);
    let (_, list) = get(
        &app,
        &t,
        &format!("/payments?customer_id={customer}&status=succeeded"),
    )
    .await;
    assert_eq!(list["data"].as_array().unwrap().len(), 2);
    app.shutdown().await;
}

#[tokio::test]
async fn pending_payments_are_checked_again_when_they_succeed() {
    let app = spawn_app().await;
    let (t, customer) = billing_tenant(&app).await;
    let inv = id(&open_invoice(&app, &t, &customer, 1_000, &days_from_today(-2)).await);
    let mut body = pay(&inv, 600);
    body["status"] = json!("pending");
    let a = ok(&app, &t, "/payments", body.clone()).await;
    let b = ok(&app, &t, "/payments", body).await;
    assert_eq!(a["status"], "pending");
    // Pending payments do not touch the invoice (overdue here: payments are welcome).
    assert_eq!(
        invoice_state(&app, &t, &inv).await,
        (json!("overdue"), json!(0), json!(1_000))
    );
    assert!(events_about(&app, &t.org, &id(&a)).await.is_empty());
    ok(
        &app,
        &t,
        &format!("/payments/{}/succeed", id(&a)),
        json!({}),
    )
    .await;
    assert_eq!(
        invoice_state(&app, &t, &inv).await,
        (json!("overdue"), json!(600), json!(400))
    );
    let (status, got) = post(
        &app,
        &t,
        &format!("/payments/{}/succeed", id(&b)),
        json!({}),
    )
    .await;
    assert_conflict(status, &got, "amount_exceeds_amount_due", &["600", "400"]);
    let failed = ok(&app, &t, &format!("/payments/{}/fail", id(&b)), json!({})).await;
    assert_eq!(failed["status"], "failed");
    assert_eq!(
        events_about(&app, &t.org, &id(&b)).await,
        ["payment.failed"]
    );
    assert_eq!(
        invoice_state(&app, &t, &inv).await,
        (json!("overdue"), json!(600), json!(400))
    );
    app.shutdown().await;
}

#[tokio::test]
async fn payment_requests_are_validated() {
    let app = spawn_app().await;
    let (t, customer) = billing_tenant(&app).await;
    let inv = id(&open_invoice(&app, &t, &customer, 1_000, &days_from_today(9)).await);
    let cases = [
        (
            json!({"invoice_id": inv, "amount": 0, "method": "card"}),
            "amount",
        ),
        (
            json!({"invoice_id": inv, "amount": -5, "method": "card"}),
            "amount",
        ),
        (
            json!({"invoice_id": inv, "amount": i64::MAX, "method": "card"}),
            "amount",
        ),
        (json!({"invoice_id": inv, "amount": 5}), "method"),
        (
            json!({"invoice_id": inv, "amount": 5, "method": "card", "status": "failed"}),
            "status",
        ),
        (
            json!({"invoice_id": inv, "amount": 5, "method": "card", "status": "refunded"}),
            "status",
        ),
        (
            json!({"invoice_id": inv, "amount": 5, "method": "card", "currency": "eur"}),
            "currency",
        ),
        (
            json!({"invoice_id": inv, "amount": 5, "method": "card", "currency": "euro"}),
            "currency",
        ),
        (
            json!({"invoice_id": "inv_nope", "amount": 5, "method": "card"}),
            "invoice_id",
        ),
        (json!({"amount": 5, "method": "card"}), "invoice_id"),
    ];
    for (body, field) in cases {
        let (status, got) = post(&app, &t, "/payments", body).await;
        assert_invalid(status, &got, field);
    }
    for body in [
        json!({"invoice_id": inv, "amount": 5, "method": "bitcoin"}),
        json!({"invoice_id": inv, "amount": 5, "method": "card", "status": "maybe"}),
        json!({"invoice_id": inv, "amount": "5", "method": "card"}),
    ] {
        let (status, got) = post(&app, &t, "/payments", body).await;
        assert_eq!(
            (status, &got["code"]),
            (400, &json!("invalid_request")),
            "{got}"
        );
    }
    // Explicit "succeeded" and the invoice's currency in capitals are fine.
    let p = ok(&app, &t, "/payments", json!({"invoice_id": inv, "amount": 5, "method": "check", "status": "succeeded", "currency": "USD"})).await;
    assert_eq!(
        (&p["status"], &p["method"]),
        (&json!("succeeded"), &json!("check"))
    );

    // Only open and overdue invoices take payments.
    let draft = create_invoice(
        &app,
        &t,
        &customer,
        json!({"line_items": [line("x", 1, 10)]}),
    )
    .await;
    let (status, got) = post(&app, &t, "/payments", pay(&id(&draft), 5)).await;
    assert_conflict(status, &got, "invoice_not_payable", &["draft"]);
    ok(
        &app,
        &t,
        &format!("/invoices/{}/finalize", id(&draft)),
        json!({}),
    )
    .await;
    ok(
        &app,
        &t,
        &format!("/invoices/{}/void", id(&draft)),
        json!({}),
    )
    .await;
    let (status, got) = post(&app, &t, "/payments", pay(&id(&draft), 5)).await;
    assert_conflict(status, &got, "invoice_not_payable", &["void"]);
    app.shutdown().await;
}

/// Eight payments of half the amount due race for one invoice: exactly two succeed, and
/// the invoice ends exactly paid, never overpaid.
#[tokio::test]
async fn concurrent_payments_never_overpay() {
    let app = spawn_app().await;
    let (t, customer) = billing_tenant(&app).await;
    for pending in [false, true] {
        let inv = id(&open_invoice(&app, &t, &customer, 10_000, &days_from_today(9)).await);
        let results: Vec<(u16, Value)> = if pending {
            let mut ids = Vec::new();
            for _ in 0..8 {
                let mut body = pay(&inv, 5_000);
                body["status"] = json!("pending");
                ids.push(id(&ok(&app, &t, "/payments", body).await));
            }
            let calls = ids.iter().map(|p| {
                let path = format!("/payments/{p}/succeed");
                let (app, t) = (&app, &t);
                async move { post(app, t, &path, json!({})).await }
            });
            futures::future::join_all(calls).await
        } else {
            let calls = (0..8).map(|_| post(&app, &t, "/payments", pay(&inv, 5_000)));
            futures::future::join_all(calls).await
        };
        let won = results
            .iter()
            .filter(|(s, _)| (200..300).contains(s))
            .count();
        assert_eq!(won, 2, "pending={pending}: {results:?}");
        for (status, body) in &results {
            assert!(
                (200..300).contains(status) || *status == 409 || *status == 422,
                "{status} {body}"
            );
        }
        assert_eq!(
            invoice_state(&app, &t, &inv).await,
            (json!("paid"), json!(10_000), json!(0))
        );
        let (_, list) = get(
            &app,
            &t,
            &format!("/payments?invoice_id={inv}&status=succeeded"),
        )
        .await;
        let sum: i64 = list["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["amount"].as_i64().unwrap())
            .sum();
        assert_eq!(sum, 10_000);
        let paid_events = events_about(&app, &t.org, &inv).await;
        assert_eq!(
            paid_events.iter().filter(|e| *e == "invoice.paid").count(),
            1
        );
    }
    app.shutdown().await;
}

fn authed<T>(t: &Tenant, message: T) -> tonic::Request<T> {
    let mut request = tonic::Request::new(message);
    let metadata = request.metadata_mut();
    metadata.insert("x-api-key", t.key.parse().unwrap());
    metadata.insert("x-organization-id", t.org.parse().unwrap());
    request
}

/// The gRPC door takes raw enum numbers: unknown ones are refused, never read as a default.
#[tokio::test]
async fn unknown_enum_numbers_over_grpc_are_refused() {
    use proto::v1::{
        CreatePaymentRequest, ListInvoicesRequest, invoices_service_client::InvoicesServiceClient,
        payments_service_client::PaymentsServiceClient,
    };
    use tonic::Code;
    use tonic_types::StatusExt;

    let app = spawn_app().await;
    let (t, customer) = billing_tenant(&app).await;
    let inv = id(&open_invoice(&app, &t, &customer, 1_000, &days_from_today(9)).await);
    let mut payments = PaymentsServiceClient::connect(app.grpc.clone())
        .await
        .unwrap();
    for (status, method, field) in [(99, 1, "status"), (3, 1, "status"), (0, 42, "method")] {
        let err = payments
            .create_payment(authed(
                &t,
                CreatePaymentRequest {
                    invoice_id: inv.clone(),
                    amount: 10,
                    method,
                    status,
                    ..Default::default()
                },
            ))
            .await
            .unwrap_err();
        assert_eq!(err.code(), Code::InvalidArgument, "{err:?}");
        let violations = err.get_details_bad_request().unwrap().field_violations;
        assert!(
            violations.iter().any(|v| v.field == field),
            "{violations:?}"
        );
    }
    let mut invoices = InvoicesServiceClient::connect(app.grpc.clone())
        .await
        .unwrap();
    let err = invoices
        .list_invoices(authed(
            &t,
            ListInvoicesRequest {
                status: 77,
                ..Default::default()
            },
        ))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument);
    assert_eq!(
        err.get_details_error_info().unwrap().reason,
        "invalid_request"
    );
    let (_, invoice) = get(&app, &t, &format!("/invoices/{inv}")).await;
    assert_eq!(invoice["amount_paid"], 0);
    app.shutdown().await;
}
