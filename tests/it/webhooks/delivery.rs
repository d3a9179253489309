//! What a receiver gets: Standard Webhooks headers and signatures (checked by the official
//! library), the event body as the API renders it, filtering by type and group, rotation
//! with both signatures, `/test`, and replay.

use std::time::Duration;

use reqwest::Method;
use serde_json::json;

use super::*;

const WAIT: Duration = Duration::from_secs(15);

#[tokio::test]
async fn deliveries_are_signed_filtered_and_verified_by_the_official_library() {
    let app = hooks_app("1").await;
    let t = app
        .tenant_with(&[SCOPES, &["write:team", "read:team"]].concat())
        .await;
    let (all, customers, team, exact) = (
        Receiver::start().await,
        Receiver::start().await,
        Receiver::start().await,
        Receiver::start().await,
    );
    let all_secret = create_endpoint(&app, &t, &all.url, &["*"]).await["secret"].clone();
    let customers_ep = create_endpoint(&app, &t, &customers.url, &["customers.*"]).await;
    let team_ep = create_endpoint(&app, &t, &team.url, &["team.*"]).await;
    let exact_ep = create_endpoint(&app, &t, &exact.url, &["customer.deleted"]).await;

    let customer = app
        .create_customer(
            &t,
            json!({"name": "Ada Lovelace", "emails": ["ada@example.com"]}),
        )
        .await;
    let path = format!("/customers/{}", id_of(&customer));
    let (status, _) = call(
        &app,
        &t,
        Method::PATCH,
        &path,
        Some(json!({"company": "Engines"})),
    )
    .await;
    assert_eq!(status, 200);
    let (status, member) = call(
        &app,
        &t,
        Method::POST,
        "/team_members",
        Some(json!({"name": "Grace", "email": "grace@example.com", "role": "technician"})),
    )
    .await;
    assert_eq!(status, 201, "{member}");

    let got = all.wait_for(3, WAIT).await;
    let types: Vec<String> = got
        .iter()
        .map(|r| r.json()["type"].as_str().unwrap().to_owned())
        .collect();
    for t in [
        "customer.created",
        "customer.updated",
        "team_member.created",
    ] {
        assert!(types.iter().any(|x| x == t), "{t} in {types:?}");
    }
    let customer_got = customers.wait_for(2, WAIT).await;
    assert!(
        customer_got
            .iter()
            .all(|r| r.json()["type"].as_str().unwrap().starts_with("customer."))
    );
    let team_got = team.wait_for(1, WAIT).await;
    assert_eq!(team_got[0].json()["type"], "team_member.created");
    // Fan-out happens in the write's transaction: an endpoint that is not subscribed has no
    // delivery queued at all, now or later.
    assert!(attempts(&app, &t, &id_of(&exact_ep)).await.is_empty());
    assert!(exact.received().is_empty());

    // Headers, and the body is the event exactly as GET /events/{id} renders it.
    for r in &got {
        let body = r.json();
        let id = body["id"].as_str().unwrap();
        assert_eq!(r.id(), id, "webhook-id is the event id");
        assert!(id.starts_with("evt_"));
        assert_eq!(r.header("content-type"), "application/json");
        let ts: i64 = r.header("webhook-timestamp").parse().unwrap();
        assert!((chrono::Utc::now().timestamp() - ts).abs() < 60);
        assert!(r.header("webhook-signature").starts_with("v1,"));
        assert!(verifies(all_secret.as_str().unwrap(), r));
        let (status, event) = call(&app, &t, Method::GET, &format!("/events/{id}"), None).await;
        assert_eq!(status, 200);
        assert_eq!(body, event, "the delivered body is the API's event");
        let keys: Vec<&String> = body.as_object().unwrap().keys().collect();
        assert_eq!(
            keys,
            ["id", "type", "created_at", "organization_id", "data"]
        );
        assert_eq!(body["organization_id"], t.org.as_str());
    }
    let created = got
        .iter()
        .find(|r| r.json()["type"] == "customer.created")
        .unwrap()
        .json();
    assert_eq!(created["data"]["id"], customer["id"]);
    // A create renders the record as stored, without reading it back: its event carries
    // exactly what it answered (and `customers::create_get_update_delete` reads it back).
    assert_eq!(
        created["data"], customer,
        "the event carries what the create answered"
    );
    assert_eq!(created["data"]["emails"], json!(["ada@example.com"]));

    let secret = |ep: &serde_json::Value| ep["secret"].as_str().unwrap().to_owned();
    let (s_all, s_customers, s_team) = (
        all_secret.as_str().unwrap().to_owned(),
        secret(&customers_ep),
        secret(&team_ep),
    );
    let mut batch: Vec<(&str, &Received)> = got.iter().map(|r| (s_all.as_str(), r)).collect();
    batch.extend(customer_got.iter().map(|r| (s_customers.as_str(), r)));
    batch.extend(team_got.iter().map(|r| (s_team.as_str(), r)));
    official_verify(&batch);
    // And the official library refuses a delivery under another secret.
    assert!(!verifies(&s_team, &got[0]));
    app.shutdown().await;
}

#[tokio::test]
async fn rotation_sends_both_signatures_during_the_grace_period() {
    let app = hooks_app("1").await;
    let t = app.tenant_with(SCOPES).await;
    let receiver = Receiver::start().await;
    let ep = create_endpoint(&app, &t, &receiver.url, &["customer.created"]).await;
    let (id, old) = (id_of(&ep), ep["secret"].as_str().unwrap().to_owned());

    let path = format!("/webhook_endpoints/{id}/rotate_secret");
    let (status, rotated) = call(&app, &t, Method::POST, &path, Some(json!({}))).await;
    assert_eq!(status, 200, "{rotated}");
    let new = rotated["secret"].as_str().unwrap().to_owned();
    assert_ne!(new, old);
    app.create_customer(&t, json!({"name": "During grace"}))
        .await;
    let got = receiver.wait_for(1, WAIT).await;
    assert_eq!(got[0].header("webhook-signature").split(' ').count(), 2);
    assert!(verifies(&old, &got[0]) && verifies(&new, &got[0]));
    official_verify(&[(old.as_str(), &got[0]), (new.as_str(), &got[0])]);

    // Rotating with no grace: only the newest secret signs.
    let body = json!({"expire_old_secret_in_seconds": 0});
    let (_, again) = call(&app, &t, Method::POST, &path, Some(body)).await;
    let newest = again["secret"].as_str().unwrap().to_owned();
    app.create_customer(&t, json!({"name": "After"})).await;
    let got = receiver.wait_for(2, WAIT).await;
    assert_eq!(got[1].header("webhook-signature").split(' ').count(), 1);
    assert!(verifies(&newest, &got[1]) && !verifies(&new, &got[1]));
    let body = json!({"expire_old_secret_in_seconds": 8 * 86_400});
    fails(
        &app,
        &t,
        Method::POST,
        &path,
        Some(body),
        422,
        "validation_failed",
    )
    .await;
    app.shutdown().await;
}

#[tokio::test]
async fn test_event_at_once_and_replay_with_the_same_id() {
    let app = hooks_app("1").await;
    let t = app.tenant_with(SCOPES).await;
    let (receiver, other) = (Receiver::start().await, Receiver::start().await);
    let ep = create_endpoint(&app, &t, &receiver.url, &["customers.*"]).await;
    let other_ep = create_endpoint(&app, &t, &other.url, &["customer.created"]).await;
    let id = id_of(&ep);

    let (status, test) = call(
        &app,
        &t,
        Method::POST,
        &format!("/webhook_endpoints/{id}/test"),
        Some(json!({})),
    )
    .await;
    assert_eq!(status, 200, "{test}");
    assert_eq!(test["attempt"]["success"], true, "{test}");
    assert_eq!(test["attempt"]["status_code"], 200);
    assert_eq!(test["attempt"]["attempt"], 1);
    let got = receiver.wait_for(1, WAIT).await;
    assert_eq!(got[0].json()["type"], "webhook.test");
    assert_eq!(got[0].id(), test["event_id"].as_str().unwrap());
    assert!(
        other.received().is_empty(),
        "a test goes to its endpoint only"
    );

    app.create_customer(&t, json!({"name": "Replayed"})).await;
    let first = receiver.wait_for(2, WAIT).await[1].clone();
    other.wait_for(1, WAIT).await;
    let event = first.id();
    // Replay to every subscribed endpoint, then to one.
    let (status, all) = call(
        &app,
        &t,
        Method::POST,
        &format!("/events/{event}/replay"),
        Some(json!({})),
    )
    .await;
    assert_eq!((status, all["queued"].clone()), (200, json!(2)));
    let body = json!({"endpoint_id": id_of(&other_ep)});
    let (_, one) = call(
        &app,
        &t,
        Method::POST,
        &format!("/events/{event}/replay"),
        Some(body),
    )
    .await;
    assert_eq!(one["queued"], 1);
    let again = receiver.wait_for(3, WAIT).await;
    assert_eq!(again[2].id(), event, "a replay carries the same webhook-id");
    assert_eq!(again[2].body, first.body);
    let others = other.wait_for(3, WAIT).await;
    assert!(others.iter().all(|r| r.id() == event));
    fails(
        &app,
        &t,
        Method::POST,
        "/events/evt_0193b3c4d5e6f7a8b9c0d1e2f3a4b5c6/replay",
        Some(json!({})),
        404,
        "not_found",
    )
    .await;
    app.shutdown().await;
}

/// On PostgreSQL the write's own statement inserts the first deliveries of an event and a
/// second statement the rest: with more subscribed endpoints than the first batch, every
/// endpoint still gets the event exactly once, and a disabled or unsubscribed one nothing.
#[tokio::test]
async fn an_event_reaches_every_subscribed_endpoint_beyond_the_first_batch() {
    let app = hooks_app("1").await;
    let t = app.tenant_with(SCOPES).await;
    let mut receivers = Vec::new();
    for i in 0..11 {
        let receiver = Receiver::start().await;
        let types: &[&str] = match i % 3 {
            0 => &["*"],
            1 => &["customers.*"],
            _ => &["customer.created"],
        };
        create_endpoint(&app, &t, &receiver.url, types).await;
        receivers.push(receiver);
    }
    let unsubscribed = Receiver::start().await;
    create_endpoint(&app, &t, &unsubscribed.url, &["invoices.*"]).await;
    let disabled = Receiver::start().await;
    let off = create_endpoint(&app, &t, &disabled.url, &["*"]).await;
    let (status, _) = call(
        &app,
        &t,
        Method::PATCH,
        &format!("/webhook_endpoints/{}", id_of(&off)),
        Some(json!({"enabled": false, "disabled_reason": "paused"})),
    )
    .await;
    assert_eq!(status, 200);

    let customer = app.create_customer(&t, json!({"name": "Many Hooks"})).await;
    for receiver in &receivers {
        let got = receiver.wait_for(1, WAIT).await;
        assert_eq!(got[0].json()["data"]["id"], customer["id"]);
    }
    // A fresh write's delivery arriving everywhere means the first one was not sent twice.
    let second = app.create_customer(&t, json!({"name": "Second"})).await;
    for receiver in &receivers {
        let got = receiver.wait_for(2, WAIT).await;
        assert_eq!(got.len(), 2, "one delivery per event and endpoint");
        assert_eq!(got[1].json()["data"]["id"], second["id"]);
    }
    assert!(unsubscribed.received().is_empty());
    assert!(disabled.received().is_empty());
}
