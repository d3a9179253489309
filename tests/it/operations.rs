//! Field operations over REST: team members, the service catalog (`/services`) and, in
//! `operations/appointments.rs`, appointments and their life cycle. Validation, filters,
//! tenant isolation, and the audit and outbox rows of every write.

mod appointments;
mod grpc;
mod inputs;
mod life_cycle;

use reqwest::Method;
use serde_json::{Value, json};
use storage::{OrgId, PageQuery, audit};

use crate::helpers::*;

pub const OPS_SCOPES: &[&str] = &[
    "read:customers",
    "write:customers",
    "delete:customers",
    "read:team",
    "write:team",
    "read:services",
    "write:services",
    "delete:services",
    "read:appointments",
    "write:appointments",
    "delete:appointments",
];

pub use crate::helpers::{call, fails, id_of};

pub async fn create(app: &TestApp, t: &Tenant, path: &str, body: Value) -> Value {
    let (status, created) = call(app, t, Method::POST, path, Some(body)).await;
    assert_eq!(status, 201, "POST {path}: {created}");
    created
}

/// The ids of a list response, in order.
pub fn ids(list: &Value) -> Vec<String> {
    list["data"]
        .as_array()
        .unwrap_or_else(|| panic!("a list: {list}"))
        .iter()
        .map(id_of)
        .collect()
}

fn store(app: &TestApp) -> storage::Store {
    app.running.as_ref().unwrap().store.clone().unwrap()
}

const ALL: PageQuery = PageQuery {
    limit: 100,
    starting_after: None,
};

/// The audit actions recorded on one resource, oldest first.
pub async fn audit_actions(app: &TestApp, t: &Tenant, resource_id: &str) -> Vec<String> {
    let filter = audit::AuditFilter {
        resource_id: Some(resource_id.to_owned()),
        ..Default::default()
    };
    let trail = audit::list_audit(&store(app), &OrgId::new(&t.org), &filter, &ALL)
        .await
        .unwrap()
        .items;
    assert!(
        trail
            .iter()
            .all(|a| a.actor_id == t.key_id && a.request_id.starts_with("req_"))
    );
    trail.iter().rev().map(|a| a.action.clone()).collect()
}

/// The events of the organization about one resource, oldest first: (type, data).
pub async fn events_of(app: &TestApp, t: &Tenant, resource_id: &str) -> Vec<(String, Value)> {
    let events = audit::list_events(&store(app), &OrgId::new(&t.org), None, &ALL)
        .await
        .unwrap()
        .items;
    events
        .into_iter()
        .rev()
        .filter(|e| e.data["id"] == resource_id)
        .map(|e| (e.event_type, e.data))
        .collect()
}

fn types(events: &[(String, Value)]) -> Vec<&str> {
    events.iter().map(|(t, _)| t.as_str()).collect()
}

#[tokio::test]
async fn team_members_life_cycle_validation_and_filters() {
    let app = spawn_app().await;
    let t = app.tenant_with(OPS_SCOPES).await;

    // Role defaults to technician, active to true; strings are trimmed.
    let ann = create(
        &app,
        &t,
        "/team_members",
        json!({"name": " Ann Tech ", "email": "ann@example.com"}),
    )
    .await;
    let ann_id = id_of(&ann);
    assert!(ann_id.starts_with("tm_"));
    for field in [
        "id",
        "name",
        "email",
        "role",
        "active",
        "created_at",
        "updated_at",
    ] {
        assert!(ann.get(field).is_some(), "missing {field}: {ann}");
    }
    assert_eq!(
        (&ann["name"], &ann["role"], &ann["active"]),
        (&json!("Ann Tech"), &json!("technician"), &json!(true))
    );
    let bob = create(
        &app,
        &t,
        "/team_members",
        json!({"name": "Bob", "email": "bob@example.com", "role": "dispatcher", "active": false}),
    )
    .await;
    assert_eq!(
        (&bob["role"], &bob["active"]),
        (&json!("dispatcher"), &json!(false))
    );

    let (status, got) = call(
        &app,
        &t,
        Method::GET,
        &format!("/team_members/{ann_id}"),
        None,
    )
    .await;
    assert_eq!((status, &got), (200, &ann));

    // Validation: every problem at once, by field.
    let body = fails(
        &app,
        &t,
        Method::POST,
        "/team_members",
        Some(json!({"name": " ", "email": "not-an-email", "role": "r".repeat(65)})),
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(body["errors"]["name"], json!(["is required"]));
    assert_eq!(
        body["errors"]["email"],
        json!(["must be a valid email address"])
    );
    assert_eq!(
        body["errors"]["role"],
        json!(["must be at most 64 characters"])
    );
    let body = fails(
        &app,
        &t,
        Method::POST,
        "/team_members",
        Some(json!({"name": "X"})),
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(body["errors"]["email"], json!(["is required"]));
    let path = format!("/team_members/{ann_id}");
    let body = fails(
        &app,
        &t,
        Method::PATCH,
        &path,
        Some(json!({"role": ""})),
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(body["errors"]["role"], json!(["is required"]));
    fails(
        &app,
        &t,
        Method::PATCH,
        &path,
        Some(json!({"email": "x@"})),
        422,
        "validation_failed",
    )
    .await;

    // PATCH changes only what it names; {} is a no-op.
    let (status, patched) = call(
        &app,
        &t,
        Method::PATCH,
        &path,
        Some(json!({"active": false, "role": "lead"})),
    )
    .await;
    assert_eq!(status, 200, "{patched}");
    assert_eq!(
        (&patched["active"], &patched["role"], &patched["name"]),
        (&json!(false), &json!("lead"), &json!("Ann Tech"))
    );
    let (status, same) = call(&app, &t, Method::PATCH, &path, Some(json!({}))).await;
    assert_eq!((status, &same), (200, &patched));

    // Filters: active, updated_since.
    let carl = create(
        &app,
        &t,
        "/team_members",
        json!({"name": "Carl", "email": "carl@example.com"}),
    )
    .await;
    let (_, active) = call(&app, &t, Method::GET, "/team_members?active=true", None).await;
    assert_eq!(ids(&active), [id_of(&carl)]);
    let (_, inactive) = call(&app, &t, Method::GET, "/team_members?active=false", None).await;
    assert_eq!(ids(&inactive), [id_of(&bob), ann_id.clone()]);
    let since = patched["updated_at"].as_str().unwrap();
    let (_, recent) = call(
        &app,
        &t,
        Method::GET,
        &format!("/team_members?updated_since={since}"),
        None,
    )
    .await;
    assert_eq!(ids(&recent), [id_of(&carl), ann_id.clone()]);
    let (_, all) = call(&app, &t, Method::GET, "/team_members?limit=2", None).await;
    assert_eq!((all["has_more"].clone(), ids(&all).len()), (json!(true), 2));
    fails(
        &app,
        &t,
        Method::GET,
        "/team_members?active=maybe",
        None,
        400,
        "invalid_request",
    )
    .await;

    // Another organization sees none of it.
    let other = app.tenant_with(OPS_SCOPES).await;
    fails(&app, &other, Method::GET, &path, None, 404, "not_found").await;
    fails(
        &app,
        &other,
        Method::PATCH,
        &path,
        Some(json!({"name": "Mine"})),
        404,
        "not_found",
    )
    .await;
    fails(&app, &other, Method::DELETE, &path, None, 404, "not_found").await;
    let (_, theirs) = call(&app, &other, Method::GET, "/team_members", None).await;
    assert_eq!(theirs["data"], json!([]));

    let (status, _) = call(&app, &t, Method::DELETE, &path, None).await;
    assert_eq!(status, 204);
    fails(&app, &t, Method::GET, &path, None, 404, "not_found").await;

    assert_eq!(
        audit_actions(&app, &t, &ann_id).await,
        [
            "team_member.create",
            "team_member.update",
            "team_member.delete"
        ]
    );
    // No event type exists for a deletion; the no-op PATCH wrote nothing.
    let events = events_of(&app, &t, &ann_id).await;
    assert_eq!(
        types(&events),
        ["team_member.created", "team_member.updated"]
    );
    assert_eq!(events[1].1["role"], "lead");
    app.shutdown().await;
}

#[tokio::test]
async fn team_scopes_are_enforced() {
    let app = spawn_app().await;
    let reader = app.tenant_with(&["read:team"]).await;
    let body = json!({"name": "Ann", "email": "ann@example.com"});
    let error = fails(
        &app,
        &reader,
        Method::POST,
        "/team_members",
        Some(body),
        403,
        "missing_scope",
    )
    .await;
    assert_eq!(error["required_scope"], "write:team");
    let (status, _) = call(&app, &reader, Method::GET, "/team_members", None).await;
    assert_eq!(status, 200);
    let nobody = app.tenant_with(&["read:customers"]).await;
    fails(
        &app,
        &nobody,
        Method::GET,
        "/team_members",
        None,
        403,
        "missing_scope",
    )
    .await;
    app.shutdown().await;
}

#[tokio::test]
async fn catalog_life_cycle_validation_and_filters() {
    let app = spawn_app().await;
    let t = app.tenant_with(OPS_SCOPES).await;

    let tuneup = create(
        &app,
        &t,
        "/services",
        json!({"name": "Furnace tune-up", "description": "Annual", "price": 12900, "duration_minutes": 90, "online_bookable": true}),
    )
    .await;
    let id = id_of(&tuneup);
    assert!(id.starts_with("svc_"));
    for field in [
        "id",
        "name",
        "description",
        "price",
        "currency",
        "duration_minutes",
        "online_bookable",
        "active",
    ] {
        assert!(tuneup.get(field).is_some(), "missing {field}: {tuneup}");
    }
    // Money is a JSON integer; currency defaults to usd; active to true.
    assert_eq!(tuneup["price"], json!(12900));
    assert_eq!(
        (&tuneup["currency"], &tuneup["active"]),
        (&json!("usd"), &json!(true))
    );
    let repair = create(
        &app,
        &t,
        "/services",
        json!({"name": "Repair", "price": 0, "currency": "EUR", "duration_minutes": 1440, "active": false}),
    )
    .await;
    assert_eq!(repair["currency"], "eur", "uppercase input is normalized");

    let body = fails(
        &app,
        &t,
        Method::POST,
        "/services",
        Some(json!({"name": "", "price": -1, "currency": "xyz", "duration_minutes": 1441})),
        422,
        "validation_failed",
    )
    .await;
    for field in ["name", "price", "currency", "duration_minutes"] {
        assert!(body["errors"][field].is_array(), "{field}: {body}");
    }
    let body = fails(
        &app,
        &t,
        Method::POST,
        "/services",
        Some(json!({"name": "No length"})),
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(
        body["errors"]["duration_minutes"],
        json!(["must be between 1 and 1440"])
    );
    for currency in ["us", "dollars", "xau", "u$d"] {
        let body = json!({"name": "S", "duration_minutes": 30, "currency": currency});
        fails(
            &app,
            &t,
            Method::POST,
            "/services",
            Some(body),
            422,
            "validation_failed",
        )
        .await;
    }
    // Wrong JSON types are malformed requests, not validation failures.
    let body = json!({"name": "S", "duration_minutes": -5});
    fails(
        &app,
        &t,
        Method::POST,
        "/services",
        Some(body),
        400,
        "invalid_request",
    )
    .await;
    let body = json!({"name": "S", "duration_minutes": 30, "price": "12.00"});
    fails(
        &app,
        &t,
        Method::POST,
        "/services",
        Some(body),
        400,
        "invalid_request",
    )
    .await;

    let path = format!("/services/{id}");
    let (status, patched) = call(
        &app,
        &t,
        Method::PATCH,
        &path,
        Some(json!({"price": 14900, "currency": "CAD", "online_bookable": false})),
    )
    .await;
    assert_eq!(status, 200, "{patched}");
    assert_eq!(
        (
            &patched["price"],
            &patched["currency"],
            &patched["online_bookable"],
            &patched["name"]
        ),
        (
            &json!(14900),
            &json!("cad"),
            &json!(false),
            &json!("Furnace tune-up")
        )
    );
    for bad in [
        json!({"currency": ""}),
        json!({"duration_minutes": 0}),
        json!({"price": -10}),
        json!({"name": " "}),
    ] {
        fails(
            &app,
            &t,
            Method::PATCH,
            &path,
            Some(bad),
            422,
            "validation_failed",
        )
        .await;
    }

    // Filters: active, online_bookable, updated_since.
    let wash = create(
        &app,
        &t,
        "/services",
        json!({"name": "Duct wash", "duration_minutes": 60, "online_bookable": true}),
    )
    .await;
    let (_, active) = call(&app, &t, Method::GET, "/services?active=true", None).await;
    assert_eq!(ids(&active), [id_of(&wash), id.clone()]);
    let (_, inactive) = call(&app, &t, Method::GET, "/services?active=false", None).await;
    assert_eq!(ids(&inactive), [id_of(&repair)]);
    let (_, bookable) = call(
        &app,
        &t,
        Method::GET,
        "/services?online_bookable=true",
        None,
    )
    .await;
    assert_eq!(ids(&bookable), [id_of(&wash)]);
    let since = patched["updated_at"].as_str().unwrap();
    let (_, recent) = call(
        &app,
        &t,
        Method::GET,
        &format!("/services?updated_since={since}"),
        None,
    )
    .await;
    assert_eq!(ids(&recent), [id_of(&wash), id.clone()]);

    let other = app.tenant_with(OPS_SCOPES).await;
    for (method, body) in [
        (Method::GET, None),
        (Method::PATCH, Some(json!({"price": 1}))),
        (Method::DELETE, None),
    ] {
        fails(&app, &other, method, &path, body, 404, "not_found").await;
    }
    // Deleting needs delete:services.
    let writer = app
        .key(&t.org, &["read:services", "write:services"], None)
        .await;
    let writer = Tenant {
        org: t.org.clone(),
        key: writer.0,
        key_id: writer.1,
    };
    let error = fails(
        &app,
        &writer,
        Method::DELETE,
        &path,
        None,
        403,
        "missing_scope",
    )
    .await;
    assert_eq!(error["required_scope"], "delete:services");

    let (status, _) = call(&app, &t, Method::DELETE, &path, None).await;
    assert_eq!(status, 204);
    fails(&app, &t, Method::GET, &path, None, 404, "not_found").await;
    assert_eq!(
        audit_actions(&app, &t, &id).await,
        ["service.create", "service.update", "service.delete"]
    );
    let events = events_of(&app, &t, &id).await;
    assert_eq!(
        types(&events),
        ["service.created", "service.updated", "service.deleted"]
    );
    assert_eq!(events[2].1["price"], json!(14900));
    app.shutdown().await;
}
