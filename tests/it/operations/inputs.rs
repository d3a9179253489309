//! Hostile input on the operations resources: every one is a documented 4xx on SQLite and
//! PostgreSQL alike (PostgreSQL refuses NUL characters, so they never reach it).

use reqwest::Method;
use serde_json::json;

use super::{
    appointments::{book, booking, shop},
    call, create, fails, id_of,
};
use crate::helpers::*;

#[tokio::test]
async fn nul_characters_and_garbage_ids_are_4xx() {
    let app = spawn_app().await;
    let s = shop(&app).await;
    let t = &s.t;
    let nul = "a\u{0}b";
    for (path, body, field) in [
        (
            "/team_members",
            json!({"name": nul, "email": "n@example.com"}),
            "name",
        ),
        (
            "/team_members",
            json!({"name": "N", "email": "n@example.com", "role": nul}),
            "role",
        ),
        ("/team_members", json!({"name": "N", "email": nul}), "email"),
        (
            "/services",
            json!({"name": "S", "description": nul, "duration_minutes": 5}),
            "description",
        ),
        ("/customers", json!({"name": nul}), "name"),
    ] {
        let body = fails(
            &app,
            t,
            Method::POST,
            path,
            Some(body),
            400,
            "invalid_request",
        )
        .await;
        // Refused at the JSON boundary, with the path of the offending value.
        let keys: Vec<&String> = body["errors"].as_object().unwrap().keys().collect();
        assert!(
            keys.iter().any(|k| k.starts_with(field)),
            "{path} {field}: {body}"
        );
    }
    let appointment = id_of(&book(&app, &s, json!({})).await);
    let path = format!("/appointments/{appointment}");
    for (body, field) in [
        (json!({"notes": nul}), "notes"),
        (json!({"address": {"city": nul}}), "address.city"),
        (json!({"service_ids": [nul]}), "service_ids"),
        (
            json!({"assigned_team_member_ids": [nul]}),
            "assigned_team_member_ids",
        ),
    ] {
        let body = fails(
            &app,
            t,
            Method::PATCH,
            &path,
            Some(body),
            400,
            "invalid_request",
        )
        .await;
        let keys: Vec<&String> = body["errors"].as_object().unwrap().keys().collect();
        assert!(keys.iter().any(|k| k.starts_with(field)), "{field}: {body}");
    }
    let mut stranger = booking(&s);
    stranger["customer_id"] = json!(nul);
    let body = fails(
        &app,
        t,
        Method::POST,
        "/appointments",
        Some(stranger),
        400,
        "invalid_request",
    )
    .await;
    assert!(body["errors"]["customer_id"].is_array(), "{body}");
    let assign = format!("{path}/assign");
    let body = json!({"team_member_ids": [nul, "tm_x"]});
    fails(
        &app,
        t,
        Method::POST,
        &assign,
        Some(body),
        400,
        "invalid_request",
    )
    .await;

    // Ids that cannot exist are 404 on every route, filters on them match nothing.
    for id in ["%00", "apt_%00", "x", &"a".repeat(300)] {
        for resource in ["appointments", "team_members", "services", "customers"] {
            let path = format!("/{resource}/{id}");
            fails(&app, t, Method::GET, &path, None, 404, "not_found").await;
            fails(&app, t, Method::DELETE, &path, None, 404, "not_found").await;
        }
        let path = format!("/appointments/{id}");
        fails(
            &app,
            t,
            Method::PATCH,
            &path,
            Some(json!({"notes": "x"})),
            404,
            "not_found",
        )
        .await;
        fails(
            &app,
            t,
            Method::POST,
            &format!("{path}/start"),
            None,
            404,
            "not_found",
        )
        .await;
    }
    // A NUL in a filter is a malformed parameter.
    for query in ["customer_id=%00", "team_member_id=a%00b"] {
        let path = format!("/appointments?{query}");
        fails(&app, t, Method::GET, &path, None, 400, "invalid_request").await;
    }
    for query in ["customer_id=cus_1&team_member_id=tm_1"] {
        let (status, body) = call(
            &app,
            t,
            Method::GET,
            &format!("/appointments?{query}"),
            None,
        )
        .await;
        assert_eq!(
            (status, &body["data"], &body["has_more"]),
            (200, &json!([]), &json!(false)),
            "{query}"
        );
    }
    // A timestamp beyond RFC 3339's range cannot even be written in JSON; the largest one is
    // stored and read back.
    let mut far = booking(&s);
    far["scheduled_end"] = json!("9999-12-31T23:59:59.999999Z");
    let created = create(&app, t, "/appointments", far).await;
    assert_eq!(created["scheduled_end"], "9999-12-31T23:59:59.999999Z");
    app.shutdown().await;
}
