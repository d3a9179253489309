//! Billing over REST, on real servers: estimates, invoices and payments, their state
//! machines (every legal and illegal move), the money rules, payments under concurrency,
//! tenant isolation, and the atomicity of change, audit record and event.

mod atomicity;
mod estimates;
mod invoices;
mod payments;
mod tenancy;

use reqwest::Method;
use serde_json::{Value, json};
use storage::{OrgId, PageQuery, Store, audit};

use crate::helpers::*;

pub const BILLING_SCOPES: &[&str] = &[
    "read:customers",
    "write:customers",
    "read:estimates",
    "write:estimates",
    "delete:estimates",
    "read:invoices",
    "write:invoices",
    "delete:invoices",
    "read:payments",
    "write:payments",
    "read:services",
    "write:services",
];

/// A tenant with every billing scope, and one of its customers.
pub async fn billing_tenant(app: &TestApp) -> (Tenant, String) {
    let t = app.tenant_with(BILLING_SCOPES).await;
    let customer = app
        .create_customer(&t, json!({"name": "Grace Hopper"}))
        .await;
    let id = customer["id"].as_str().unwrap().to_owned();
    (t, id)
}

pub fn store(app: &TestApp) -> Store {
    app.platform.store.clone()
}

pub use crate::helpers::call;

pub async fn get(app: &TestApp, t: &Tenant, path: &str) -> (u16, Value) {
    call(app, t, Method::GET, path, None).await
}

pub async fn post(app: &TestApp, t: &Tenant, path: &str, body: Value) -> (u16, Value) {
    call(app, t, Method::POST, path, Some(body)).await
}

pub async fn patch(app: &TestApp, t: &Tenant, path: &str, body: Value) -> (u16, Value) {
    call(app, t, Method::PATCH, path, Some(body)).await
}

/// `POST {path}` must answer 2xx; returns the body.
pub async fn ok(app: &TestApp, t: &Tenant, path: &str, body: Value) -> Value {
    let (status, got) = post(app, t, path, body).await;
    assert!((200..300).contains(&status), "POST {path}: {status} {got}");
    got
}

pub use crate::helpers::id_of as id;

/// An item of the tenant's service catalog, created through the API.
pub async fn catalog_item(app: &TestApp, t: &Tenant, name: &str, active: bool) -> String {
    let body = json!({"name": name, "price": 5_000, "duration_minutes": 60, "online_bookable": true, "active": active});
    let (status, item) = post(app, t, "/services", body).await;
    assert_eq!(status, 201, "{item}");
    id(&item)
}

pub fn line(description: &str, quantity: i64, unit_price: i64) -> Value {
    json!({"description": description, "quantity": quantity, "unit_price": unit_price})
}

pub async fn create_estimate(app: &TestApp, t: &Tenant, customer: &str, lines: Value) -> Value {
    let (status, body) = post(
        app,
        t,
        "/estimates",
        json!({"customer_id": customer, "line_items": lines, "tax_rate_bps": 1000}),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    body
}

pub async fn create_invoice(app: &TestApp, t: &Tenant, customer: &str, body: Value) -> Value {
    let mut body = body;
    body["customer_id"] = json!(customer);
    let (status, got) = post(app, t, "/invoices", body).await;
    assert_eq!(status, 201, "{got}");
    got
}

/// An open invoice whose total is `total` (one line, no tax), due `due_date`.
pub async fn open_invoice(
    app: &TestApp,
    t: &Tenant,
    customer: &str,
    total: i64,
    due_date: &str,
) -> Value {
    let draft = create_invoice(
        app,
        t,
        customer,
        json!({"line_items": [line("Work", 1, total)], "due_date": due_date}),
    )
    .await;
    ok(
        app,
        t,
        &format!("/invoices/{}/finalize", id(&draft)),
        json!({}),
    )
    .await
}

pub fn today() -> chrono::NaiveDate {
    chrono::Utc::now().date_naive()
}

pub fn days_from_today(days: i64) -> String {
    (today() + chrono::Duration::days(days))
        .format("%Y-%m-%d")
        .to_string()
}

/// The types of the organization's events about object `id`, oldest first.
pub async fn events_about(app: &TestApp, org: &str, id: &str) -> Vec<String> {
    let q = PageQuery {
        limit: 100,
        starting_after: None,
    };
    let events = audit::list_events(&store(app), &OrgId::new(org), None, &q)
        .await
        .unwrap()
        .items;
    events
        .iter()
        .rev()
        .filter(|e| e.data["id"] == id)
        .map(|e| e.event_type.clone())
        .collect()
}

/// The audit actions recorded on object `id`, oldest first.
pub async fn audit_of(app: &TestApp, org: &str, id: &str) -> Vec<String> {
    let q = PageQuery {
        limit: 100,
        starting_after: None,
    };
    let filter = audit::AuditFilter {
        resource_id: Some(id.to_owned()),
        ..Default::default()
    };
    audit::list_audit(&store(app), &OrgId::new(org), &filter, &q)
        .await
        .unwrap()
        .items
        .iter()
        .rev()
        .map(|a| a.action.clone())
        .collect()
}

/// Asserts a 409 with this code, and that the message names `words`.
pub fn assert_conflict(status: u16, body: &Value, code: &str, words: &[&str]) {
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["code"], code, "{body}");
    let message = body["message"].as_str().unwrap_or_default();
    for w in words {
        assert!(message.contains(w), "{message:?} should name {w:?}");
    }
}

/// Asserts a 422 naming `field` among its errors.
pub fn assert_invalid(status: u16, body: &Value, field: &str) {
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["code"], "validation_failed", "{body}");
    assert!(
        body["errors"][field].is_array(),
        "{field} should be in {body}"
    );
}
