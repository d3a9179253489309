//! The customers resource over REST: life cycle, JSON mapping, validation, bad bodies,
//! tenant isolation on every route, and the audit and outbox records of every write.

use reqwest::Method;
use serde_json::{Value, json};
use storage::{OrgId, PageQuery, audit};

use crate::helpers::*;

fn ada() -> Value {
    json!({
        "name": "Ada Lovelace",
        "company": "Analytical Engines",
        "emails": ["ada@example.com"],
        "phones": ["+44 20 7946 0000"],
        "addresses": [{"line1": "12 St James's Sq", "city": "London", "postal_code": "SW1Y 4JH", "country": "gb"}],
        "tags": ["vip"],
        "notes": "Prefers email"
    })
}

#[tokio::test]
async fn create_get_update_delete() {
    let app = spawn_app().await;
    let t = app.tenant().await;
    let created = app.create_customer(&t, ada()).await;
    let id = created["id"].as_str().unwrap().to_owned();
    assert!(id.starts_with("cus_"));
    // Contract field names, RFC 3339 UTC timestamps, server-normalised country.
    for field in [
        "id",
        "name",
        "company",
        "emails",
        "phones",
        "addresses",
        "tags",
        "notes",
        "created_at",
        "updated_at",
    ] {
        assert!(created.get(field).is_some(), "missing {field}: {created}");
    }
    assert!(created["created_at"].as_str().unwrap().ends_with('Z'));
    assert_eq!(created["addresses"][0]["country"], "GB");
    assert_eq!(created["addresses"][0]["line2"], "");

    let (status, got) = read(
        app.req(&t, Method::GET, &format!("/customers/{id}"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((status, &got), (200, &created));

    // PATCH changes only the fields sent.
    let patch = json!({"notes": "Call first", "tags": ["vip", "commercial"]});
    let (status, updated) = read(
        app.req(&t, Method::PATCH, &format!("/customers/{id}"))
            .json(&patch)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200, "{updated}");
    assert_eq!(updated["notes"], "Call first");
    assert_eq!(updated["tags"], json!(["vip", "commercial"]));
    assert_eq!(updated["name"], "Ada Lovelace");
    assert_eq!(updated["emails"], created["emails"]);
    assert!(updated["updated_at"].as_str() >= created["updated_at"].as_str());

    // An empty PATCH is a no-op that answers the current object.
    let (status, same) = read(
        app.req(&t, Method::PATCH, &format!("/customers/{id}"))
            .json(&json!({}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((status, &same["notes"]), (200, &json!("Call first")));

    let response = app
        .req(&t, Method::DELETE, &format!("/customers/{id}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    assert!(response.text().await.unwrap().is_empty());
    expect_error(
        app.req(&t, Method::GET, &format!("/customers/{id}"))
            .send()
            .await
            .unwrap(),
        404,
        "not_found",
    )
    .await;
    expect_error(
        app.req(&t, Method::DELETE, &format!("/customers/{id}"))
            .send()
            .await
            .unwrap(),
        404,
        "not_found",
    )
    .await;

    // Every write left an audit record and an event, in order.
    let store = app.running.as_ref().unwrap().store.clone().unwrap();
    let org = OrgId::new(&t.org);
    let q = PageQuery {
        limit: 10,
        starting_after: None,
    };
    let filter = audit::AuditFilter {
        resource_id: Some(id.clone()),
        ..Default::default()
    };
    let trail = audit::list_audit(&store, &org, &filter, &q)
        .await
        .unwrap()
        .items;
    let actions: Vec<&str> = trail.iter().rev().map(|a| a.action.as_str()).collect();
    assert_eq!(
        actions,
        ["customer.create", "customer.update", "customer.delete"]
    );
    assert!(trail.iter().all(|a| a.actor_id == t.key_id
        && a.actor_type == "api_key"
        && a.request_id.starts_with("req_")));
    assert_eq!(trail[1].before.as_ref().unwrap()["notes"], "Prefers email");
    assert_eq!(trail[1].after.as_ref().unwrap()["notes"], "Call first");
    let events = audit::list_events(&store, &org, None, &q)
        .await
        .unwrap()
        .items;
    let types: Vec<&str> = events.iter().rev().map(|e| e.event_type.as_str()).collect();
    assert_eq!(
        types,
        ["customer.created", "customer.updated", "customer.deleted"]
    );
    assert_eq!(events[2].data["id"], id);
    app.shutdown().await;
}

#[tokio::test]
async fn validation_errors_are_422_with_field_messages() {
    let app = spawn_app().await;
    let t = app.tenant().await;
    let bad = json!({"name": " ", "emails": ["ok@example.com", "nope"], "phones": ["12"], "addresses": [{"country": "USA"}]});
    let body = expect_error(
        app.req(&t, Method::POST, "/customers")
            .json(&bad)
            .send()
            .await
            .unwrap(),
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(body["errors"]["name"], json!(["is required"]));
    assert_eq!(
        body["errors"]["emails[1]"],
        json!(["must be a valid email address"])
    );
    assert!(body["errors"]["phones[0]"].is_array());
    assert!(body["errors"]["addresses[0].country"].is_array());
    assert!(body["errors"].get("emails[0]").is_none());

    let created = app.create_customer(&t, json!({"name": "B"})).await;
    let id = created["id"].as_str().unwrap();
    let response = app
        .req(&t, Method::PATCH, &format!("/customers/{id}"))
        .json(&json!({"name": ""}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        expect_error(response, 422, "validation_failed").await["errors"]["name"],
        json!(["is required"])
    );
    app.shutdown().await;
}

#[tokio::test]
async fn malformed_bodies_and_parameters_are_400() {
    let app = spawn_app().await;
    let t = app.tenant().await;
    let post = |body: &'static str| {
        app.req(&t, Method::POST, "/customers")
            .header("content-type", "application/json")
            .body(body)
    };
    for body in ["{", "[1,2]", "\"text\"", "{\"name\": }", "\u{0}"] {
        expect_error(post(body).send().await.unwrap(), 400, "invalid_request").await;
    }
    let typed = expect_error(
        post(r#"{"name": 5, "tags": "vip", "nmae": "x"}"#)
            .send()
            .await
            .unwrap(),
        400,
        "invalid_request",
    )
    .await;
    assert_eq!(typed["errors"]["name"], json!(["must be a string"]));
    assert_eq!(typed["errors"]["tags"], json!(["must be an array"]));
    assert_eq!(typed["errors"]["nmae"], json!(["is not a known field"]));
    let id_in_body = post(r#"{"name": "x", "id": "cus_1"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(id_in_body.status(), 400);

    let form = app
        .req(&t, Method::POST, "/customers")
        .header("content-type", "text/plain")
        .body("name=x");
    expect_error(form.send().await.unwrap(), 415, "unsupported_media_type").await;

    for query in [
        "limit=0",
        "limit=101",
        "limit=abc",
        "cursor=%%%",
        "cursor=bm9wZQ",
        "updated_since=yesterday",
        "colour=red",
    ] {
        let response = app
            .req(&t, Method::GET, &format!("/customers?{query}"))
            .send()
            .await
            .unwrap();
        expect_error(response, 400, "invalid_request").await;
    }
    let body_on_get = app
        .req(&t, Method::GET, "/customers")
        .body("{}")
        .send()
        .await
        .unwrap();
    expect_error(body_on_get, 400, "invalid_request").await;
    app.shutdown().await;
}

#[tokio::test]
async fn oversized_bodies_are_413() {
    let app = spawn_app().await;
    let t = app.tenant().await;
    let notes = "x".repeat(gateway::DEFAULT_BODY_LIMIT + 10);
    let response = app
        .req(&t, Method::POST, "/customers")
        .json(&json!({"name": "Big", "notes": notes}))
        .send()
        .await
        .unwrap();
    expect_error(response, 413, "payload_too_large").await;
    // Without a Content-Length (chunked), the limit holds while reading.
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> = (0..20)
        .map(|_| Ok(vec![b' '; 64 * 1024]))
        .chain([Ok(b"{}".to_vec())])
        .collect();
    let stream = futures::stream::iter(chunks);
    let response = app
        .req(&t, Method::POST, "/customers")
        .header("content-type", "application/json")
        .body(reqwest::Body::wrap_stream(stream))
        .send()
        .await
        .unwrap();
    expect_error(response, 413, "payload_too_large").await;
    app.shutdown().await;
}

#[tokio::test]
async fn another_organizations_customer_is_404_on_every_route() {
    let app = spawn_app().await;
    let mine = app.tenant().await;
    let theirs = app.tenant().await;
    let their_customer = app
        .create_customer(&theirs, json!({"name": "Theirs"}))
        .await;
    let id = their_customer["id"].as_str().unwrap();

    for (method, path, body) in [
        (Method::GET, format!("/customers/{id}"), None),
        (
            Method::PATCH,
            format!("/customers/{id}"),
            Some(json!({"name": "Mine now"})),
        ),
        (Method::DELETE, format!("/customers/{id}"), None),
        (Method::GET, format!("/customers/{id}/activity"), None),
    ] {
        let mut request = app.req(&mine, method.clone(), &path);
        if let Some(body) = body {
            request = request.json(&body);
        }
        expect_error(request.send().await.unwrap(), 404, "not_found").await;
    }
    let (_, listed) = read(
        app.req(&mine, Method::GET, "/customers")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(listed["data"], json!([]));
    // Untouched.
    let (status, still) = read(
        app.req(&theirs, Method::GET, &format!("/customers/{id}"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((status, &still["name"]), (200, &json!("Theirs")));
    app.shutdown().await;
}

#[tokio::test]
async fn unknown_routes_are_404_and_wrong_methods_405_as_json() {
    let app = spawn_app().await;
    let t = app.tenant().await;
    expect_error(
        app.req(&t, Method::GET, "/nothing").send().await.unwrap(),
        404,
        "route_not_found",
    )
    .await;
    expect_error(
        app.req(&t, Method::PUT, "/customers").send().await.unwrap(),
        405,
        "method_not_allowed",
    )
    .await;
    let trace = app
        .client
        .request(Method::TRACE, app.url("/customers"))
        .send()
        .await
        .unwrap();
    expect_error(trace, 405, "method_not_allowed").await;
    app.shutdown().await;
}
