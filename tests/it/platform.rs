//! What holds for every service at once: each public RPC of the proto is served by a
//! registered service group and routed by the gateway (the health of every group's services
//! is checked in `grpc.rs`), and a broken unique or foreign-key constraint is a 409
//! `conflict` that writes nothing, on both backends.

use reqwest::Method;
use serde_json::{Value, json};
use services::Group;
use storage::{OrgId, PageQuery, audit};

use crate::helpers::*;

/// Every group (the match fails to compile when a group is added and not listed here).
pub fn all_groups() -> Vec<Group> {
    let groups = vec![Group::Resources, Group::Keys, Group::Webhooks];
    for group in &groups {
        match group {
            Group::Resources | Group::Keys | Group::Webhooks => {}
        }
    }
    groups
}

#[test]
fn every_public_rpc_is_served_by_a_registered_group() {
    let served: Vec<&str> = all_groups()
        .into_iter()
        .flat_map(|g| g.services().iter().copied())
        .collect();
    let mut unserved: Vec<String> = proto::schema::schema()
        .methods()
        .iter()
        .filter(|m| m.is_public())
        .map(|m| m.descriptor.parent_service().full_name().to_owned())
        .filter(|service| !served.contains(&service.as_str()))
        .collect();
    unserved.dedup();
    assert!(
        unserved.is_empty(),
        "public services of the proto that no services::Group serves (their REST routes \
         would be skipped): {unserved:?}"
    );
}

#[tokio::test]
async fn the_gateway_routes_every_public_binding() {
    let app = spawn_app().await;
    // A key with one read scope: most routes answer 403 before any service work, which is
    // all this needs (a route that exists), and nothing is written.
    let t = app.tenant_with(&["read:customers"]).await;
    let mut missing = Vec::new();
    for method in proto::schema::schema().methods() {
        if !method.is_public() {
            continue;
        }
        for binding in &method.http {
            let path: Vec<String> = binding
                .path
                .split('/')
                .map(|seg| {
                    if seg.starts_with('{') {
                        "x".to_owned()
                    } else {
                        seg.to_owned()
                    }
                })
                .collect();
            let url = format!("{}{}", app.base, path.join("/"));
            let verb = Method::from_bytes(binding.method.as_bytes()).unwrap();
            let mut request = app
                .client
                .request(verb, &url)
                .header("x-api-key", &t.key)
                .header("x-organization-id", &t.org);
            if !binding.body.is_empty() {
                request = request.json(&json!({}));
            }
            let (status, body) = read(request.send().await.unwrap()).await;
            if status == 404 && body["code"] == "route_not_found" {
                missing.push(format!("{} {}", binding.method, binding.path));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "bindings the gateway does not route: {missing:?}"
    );
    app.shutdown().await;
}

/// A 409 `conflict` that names no table, constraint or SQL.
fn assert_conflict(status: u16, body: &Value, needle: &str) {
    assert_eq!((status, &body["code"]), (409, &json!("conflict")), "{body}");
    let text = body.to_string().to_lowercase();
    for secret in [
        "unique",
        "foreign",
        "constraint",
        "sql",
        "customers",
        needle,
    ] {
        assert!(!text.contains(secret), "the 409 leaks {secret:?}: {text}");
    }
}

/// The audit actions on customers, oldest first.
async fn audit_actions(app: &TestApp, org: &str) -> Vec<String> {
    let q = PageQuery {
        limit: 100,
        starting_after: None,
    };
    let filter = audit::AuditFilter {
        resource_type: Some("customer".into()),
        ..Default::default()
    };
    let mut actions: Vec<String> =
        audit::list_audit(&app.platform.store, &OrgId::new(org), &filter, &q)
            .await
            .unwrap()
            .items
            .into_iter()
            .map(|a| a.action)
            .collect();
    actions.reverse();
    actions
}

async fn event_types(app: &TestApp, org: &str) -> Vec<String> {
    let q = PageQuery {
        limit: 100,
        starting_after: None,
    };
    let mut types: Vec<String> =
        audit::list_events(&app.platform.store, &OrgId::new(org), None, &q)
            .await
            .unwrap()
            .items
            .into_iter()
            .map(|e| e.event_type)
            .collect();
    types.reverse();
    types
}

#[tokio::test]
async fn a_unique_violation_is_a_409_that_writes_nothing() {
    let app = spawn_app().await;
    let t = app.tenant().await;
    let store = app.platform.store.clone();
    // A unique rule the schema does not have, limited to this test's organization (the
    // PostgreSQL test database is shared): one customer name per organization.
    let index = format!(
        "uniq_names_{}",
        t.org.replace(|c: char| !c.is_ascii_alphanumeric(), "_")
    );
    store
        .execute_unprepared(&format!(
            "CREATE UNIQUE INDEX {index} ON customers (organization_id, name) \
             WHERE organization_id = '{}'",
            t.org
        ))
        .await
        .unwrap();

    let ada = app.create_customer(&t, json!({"name": "Ada"})).await;
    let grace = app.create_customer(&t, json!({"name": "Grace"})).await;
    let (status, body) = call(
        &app,
        &t,
        Method::POST,
        "/customers",
        Some(json!({"name": "Ada"})),
    )
    .await;
    let create = (status, body);
    let grace_path = format!("/customers/{}", grace["id"].as_str().unwrap());
    let rename = json!({"name": "Ada"});
    let (status, body) = call(&app, &t, Method::PATCH, &grace_path, Some(rename)).await;
    let update = (status, body);
    store
        .execute_unprepared(&format!("DROP INDEX {index}"))
        .await
        .unwrap();

    assert_conflict(create.0, &create.1, &index);
    assert_conflict(update.0, &update.1, &index);
    let (_, list) = call(&app, &t, Method::GET, "/customers", None).await;
    let names: Vec<&Value> = list["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| &c["name"])
        .collect();
    assert_eq!(names, [&json!("Grace"), &json!("Ada")]);
    let (_, got) = call(&app, &t, Method::GET, &grace_path, None).await;
    assert_eq!(got["updated_at"], grace["updated_at"]);
    assert_eq!(got["name"], "Grace");
    assert_eq!(
        audit_actions(&app, &t.org).await,
        ["customer.create", "customer.create"]
    );
    assert_eq!(
        event_types(&app, &t.org).await,
        ["customer.created", "customer.created"]
    );
    assert_eq!(ada["name"], "Ada");
    app.shutdown().await;
}

#[tokio::test]
async fn a_foreign_key_violation_is_a_409_that_writes_nothing() {
    let app = spawn_app().await;
    let t = app.tenant().await;
    let store = app.platform.store.clone();
    let customer = app.create_customer(&t, json!({"name": "Ada"})).await;
    let id = customer["id"].as_str().unwrap().to_owned();
    // A table of this test's own that refers to the customer: deleting it breaks the key.
    let table = format!(
        "refs_{}",
        t.org.replace(|c: char| !c.is_ascii_alphanumeric(), "_")
    );
    store
        .execute_unprepared(&format!(
            "CREATE TABLE {table} (customer_id VARCHAR NOT NULL REFERENCES customers (id))"
        ))
        .await
        .unwrap();
    store
        .execute_unprepared(&format!(
            "INSERT INTO {table} (customer_id) VALUES ('{id}')"
        ))
        .await
        .unwrap();
    let path = format!("/customers/{id}");
    let (status, body) = call(&app, &t, Method::DELETE, &path, None).await;
    store
        .execute_unprepared(&format!("DROP TABLE {table}"))
        .await
        .unwrap();

    assert_conflict(status, &body, &table);
    let (status, got) = call(&app, &t, Method::GET, &path, None).await;
    assert_eq!((status, &got["name"]), (200, &json!("Ada")));
    assert_eq!(audit_actions(&app, &t.org).await, ["customer.create"]);
    assert_eq!(event_types(&app, &t.org).await, ["customer.created"]);

    // Without the reference, the same request succeeds.
    let (status, _) = call(&app, &t, Method::DELETE, &path, None).await;
    assert_eq!(status, 204);
    app.shutdown().await;
}
