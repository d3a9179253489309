//! Appointments over REST: creation and its references, PATCH and DELETE, list filters,
//! tenant isolation, and the audit and outbox rows of every write. The life cycle and the
//! crew rules are in `life_cycle.rs`.

use reqwest::Method;
use serde_json::{Value, json};

use super::{OPS_SCOPES, audit_actions, call, create, events_of, fails, id_of, ids, types};
use crate::helpers::*;

pub(super) const START: &str = "2030-01-07T09:00:00Z";
pub(super) const END: &str = "2030-01-07T11:00:00Z";
/// An id of the right shape that exists nowhere.
pub(super) const NO_MEMBER: &str = "tm_00000000000000000000000000000000";

/// A tenant with what appointments refer to.
pub(super) struct Shop {
    pub(super) t: Tenant,
    pub(super) customer: String,
    pub(super) service: String,
    pub(super) inactive_service: String,
    pub(super) tech: String,
    pub(super) helper: String,
    pub(super) retired: String,
}

pub(super) async fn shop(app: &TestApp) -> Shop {
    let t = app.tenant_with(OPS_SCOPES).await;
    let customer = id_of(&create(app, &t, "/customers", json!({"name": "Cora"})).await);
    let service = json!({"name": "Tune-up", "price": 12900, "duration_minutes": 90});
    let service = id_of(&create(app, &t, "/services", service).await);
    let old = json!({"name": "Old", "duration_minutes": 30, "active": false});
    let inactive_service = id_of(&create(app, &t, "/services", old).await);
    let mut members = Vec::new();
    for (name, active) in [("Tess", true), ("Hal", true), ("Rita", false)] {
        let body = json!({"name": name, "email": format!("{name}@example.com"), "active": active});
        members.push(id_of(&create(app, &t, "/team_members", body).await));
    }
    let [tech, helper, retired] = members.try_into().unwrap();
    Shop {
        t,
        customer,
        service,
        inactive_service,
        tech,
        helper,
        retired,
    }
}

pub(super) fn booking(s: &Shop) -> Value {
    json!({
        "customer_id": s.customer,
        "service_ids": [s.service],
        "scheduled_start": START,
        "scheduled_end": END,
        "address": {"line1": "1 Main St", "city": "Springfield", "country": "us"},
        "notes": "Gate code 1234"
    })
}

pub(super) async fn book(app: &TestApp, s: &Shop, extra: Value) -> Value {
    let mut body = booking(s);
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    create(app, &s.t, "/appointments", body).await
}

pub(super) async fn act(
    app: &TestApp,
    s: &Shop,
    id: &str,
    action: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let path = format!("/appointments/{id}/{action}");
    call(app, &s.t, Method::POST, &path, body).await
}

#[tokio::test]
async fn create_read_update_delete_and_their_records() {
    let app = spawn_app().await;
    let s = shop(&app).await;
    let created = book(
        &app,
        &s,
        json!({"assigned_team_member_ids": [s.helper, s.tech]}),
    )
    .await;
    let id = id_of(&created);
    assert!(id.starts_with("apt_"));
    for field in [
        "id",
        "customer_id",
        "service_ids",
        "scheduled_start",
        "scheduled_end",
        "assigned_team_member_ids",
        "address",
        "status",
        "notes",
        "completed_at",
        "canceled_at",
    ] {
        assert!(created.get(field).is_some(), "missing {field}: {created}");
    }
    assert_eq!(created["status"], "scheduled");
    assert_eq!(
        (&created["scheduled_start"], &created["scheduled_end"]),
        (&json!(START), &json!(END))
    );
    assert_eq!(
        created["assigned_team_member_ids"],
        json!([s.helper, s.tech]),
        "in the order given"
    );
    assert_eq!(created["service_ids"], json!([s.service]));
    assert_eq!(created["address"]["country"], "US");
    for stamp in ["started_at", "completed_at", "canceled_at"] {
        assert!(created[stamp].is_null(), "{stamp}: {created}");
    }
    let path = format!("/appointments/{id}");
    let (status, got) = call(&app, &s.t, Method::GET, &path, None).await;
    assert_eq!((status, &got), (200, &created));

    // PATCH: schedule, notes, address; the crew by the rules of /assign; never the status.
    let patch =
        json!({"scheduled_end": "2030-01-07T12:30:00Z", "notes": "Dog in yard", "address": null});
    let (status, patched) = call(&app, &s.t, Method::PATCH, &path, Some(patch)).await;
    assert_eq!(status, 200, "{patched}");
    assert_eq!(
        (
            &patched["scheduled_end"],
            &patched["notes"],
            &patched["address"],
            &patched["scheduled_start"]
        ),
        (
            &json!("2030-01-07T12:30:00Z"),
            &json!("Dog in yard"),
            &Value::Null,
            &json!(START)
        )
    );
    let body = fails(
        &app,
        &s.t,
        Method::PATCH,
        &path,
        Some(json!({"scheduled_start": "2030-01-07T13:00:00Z"})),
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(
        body["errors"]["scheduled_end"],
        json!(["must be after scheduled_start"])
    );
    let body = fails(
        &app,
        &s.t,
        Method::PATCH,
        &path,
        Some(json!({"service_ids": [s.service, s.inactive_service]})),
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(
        body["errors"]["service_ids"],
        json!([format!(
            "service {} is inactive and cannot be added",
            s.inactive_service
        )])
    );
    fails(
        &app,
        &s.t,
        Method::PATCH,
        &path,
        Some(json!({"status": "completed"})),
        400,
        "invalid_request",
    )
    .await;
    fails(
        &app,
        &s.t,
        Method::PATCH,
        &path,
        Some(json!({"assigned_team_member_ids": [s.retired]})),
        422,
        "validation_failed",
    )
    .await;
    let (status, recrewed) = call(
        &app,
        &s.t,
        Method::PATCH,
        &path,
        Some(json!({"assigned_team_member_ids": [s.tech]})),
    )
    .await;
    assert_eq!(
        (status, &recrewed["assigned_team_member_ids"]),
        (200, &json!([s.tech]))
    );
    let (status, same) = call(&app, &s.t, Method::PATCH, &path, Some(json!({}))).await;
    assert_eq!((status, &same), (200, &recrewed));

    // A service already on the appointment may stay after it is deactivated.
    let service_path = format!("/services/{}", s.service);
    call(
        &app,
        &s.t,
        Method::PATCH,
        &service_path,
        Some(json!({"active": false})),
    )
    .await;
    let (status, kept) = call(
        &app,
        &s.t,
        Method::PATCH,
        &path,
        Some(json!({"service_ids": [s.service]})),
    )
    .await;
    assert_eq!((status, &kept["service_ids"]), (200, &json!([s.service])));

    // Deleting needs delete:appointments.
    let (key, key_id) = app
        .key(&s.t.org, &["read:appointments", "write:appointments"], None)
        .await;
    let writer = Tenant {
        org: s.t.org.clone(),
        key,
        key_id,
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
    assert_eq!(error["required_scope"], "delete:appointments");
    let (status, body) = call(&app, &s.t, Method::DELETE, &path, None).await;
    assert_eq!((status, body), (204, Value::Null));
    fails(&app, &s.t, Method::GET, &path, None, 404, "not_found").await;
    fails(&app, &s.t, Method::DELETE, &path, None, 404, "not_found").await;

    assert_eq!(
        audit_actions(&app, &s.t, &id).await,
        [
            "appointment.create",
            "appointment.update",
            "appointment.update",
            "appointment.update",
            "appointment.delete"
        ]
    );
    // Only the PATCH that changed the crew raised an event; section 8 has none for edits.
    let events = events_of(&app, &s.t, &id).await;
    assert_eq!(
        types(&events),
        ["appointment.scheduled", "appointment.assigned"]
    );
    assert_eq!(events[0].1["status"], "scheduled");
    assert_eq!(events[1].1["assigned_team_member_ids"], json!([s.tech]));
    app.shutdown().await;
}

#[tokio::test]
async fn creation_checks_fields_and_references() {
    let app = spawn_app().await;
    let s = shop(&app).await;
    let other = shop(&app).await;
    let post = |body: Value| {
        fails(
            &app,
            &s.t,
            Method::POST,
            "/appointments",
            Some(body),
            422,
            "validation_failed",
        )
    };

    let body = post(json!({})).await;
    for field in ["customer_id", "scheduled_start", "scheduled_end"] {
        assert_eq!(body["errors"][field], json!(["is required"]), "{body}");
    }
    // Unknown, and another organization's, customers read the same.
    for customer in [
        "cus_00000000000000000000000000000000",
        other.customer.as_str(),
        "nonsense",
    ] {
        let body =
            post(json!({"customer_id": customer, "scheduled_start": START, "scheduled_end": END}))
                .await;
        assert_eq!(body["errors"], json!({"customer_id": ["no such customer"]}));
    }
    let mut same_time = booking(&s);
    same_time["scheduled_end"] = json!(START);
    let body = post(same_time).await;
    assert_eq!(
        body["errors"],
        json!({"scheduled_end": ["must be after scheduled_start"]})
    );

    let mut services = booking(&s);
    services["service_ids"] = json!([s.inactive_service, other.service]);
    let body = post(services).await;
    assert_eq!(
        body["errors"]["service_ids"],
        json!([
            format!(
                "service {} is inactive and cannot be added",
                s.inactive_service
            ),
            format!("no such service: {}", other.service)
        ])
    );
    let mut repeated = booking(&s);
    repeated["service_ids"] = json!([s.service, s.service]);
    assert!(post(repeated).await["errors"]["service_ids"].is_array());

    let mut crew = booking(&s);
    crew["assigned_team_member_ids"] = json!([s.tech, s.retired, other.tech]);
    let body = post(crew).await;
    assert_eq!(
        body["errors"]["assigned_team_member_ids"],
        json!([
            format!(
                "team member {} is inactive and cannot be assigned",
                s.retired
            ),
            format!("no such team member: {}", other.tech)
        ])
    );
    let mut address = booking(&s);
    address["address"]["country"] = json!("USA");
    assert!(post(address).await["errors"]["address.country"].is_array());

    let mut malformed = booking(&s);
    malformed["scheduled_start"] = json!("next tuesday");
    fails(
        &app,
        &s.t,
        Method::POST,
        "/appointments",
        Some(malformed),
        400,
        "invalid_request",
    )
    .await;
    let mut with_status = booking(&s);
    with_status["status"] = json!("completed");
    fails(
        &app,
        &s.t,
        Method::POST,
        "/appointments",
        Some(with_status),
        400,
        "invalid_request",
    )
    .await;

    // Nothing was written by the refused requests.
    let (_, listed) = call(&app, &s.t, Method::GET, "/appointments", None).await;
    assert_eq!(listed["data"], json!([]));
    app.shutdown().await;
}

#[tokio::test]
async fn another_organizations_appointment_is_404_on_every_route() {
    let app = spawn_app().await;
    let mine = shop(&app).await;
    let theirs = shop(&app).await;
    let their = book(
        &app,
        &theirs,
        json!({"assigned_team_member_ids": [theirs.tech]}),
    )
    .await;
    let id = id_of(&their);
    let path = format!("/appointments/{id}");
    for (method, path, body) in [
        (Method::GET, path.clone(), None),
        (
            Method::PATCH,
            path.clone(),
            Some(json!({"notes": "mine now"})),
        ),
        (Method::DELETE, path.clone(), None),
        (Method::POST, format!("{path}/start"), None),
        (Method::POST, format!("{path}/complete"), None),
        (Method::POST, format!("{path}/cancel"), None),
        (
            Method::POST,
            format!("{path}/assign"),
            Some(json!({"team_member_ids": [mine.tech]})),
        ),
    ] {
        fails(&app, &mine.t, method, &path, body, 404, "not_found").await;
    }
    for query in [
        String::new(),
        format!("?team_member_id={}", theirs.tech),
        format!("?customer_id={}", theirs.customer),
    ] {
        let (status, listed) = call(
            &app,
            &mine.t,
            Method::GET,
            &format!("/appointments{query}"),
            None,
        )
        .await;
        assert_eq!((status, &listed["data"]), (200, &json!([])), "{query}");
    }
    let (status, still) = call(&app, &theirs.t, Method::GET, &path, None).await;
    assert_eq!((status, &still), (200, &their), "untouched");
    app.shutdown().await;
}

#[tokio::test]
async fn list_filters() {
    let app = spawn_app().await;
    let s = shop(&app).await;
    let cora = s.customer.clone();
    let dan = id_of(&create(&app, &s.t, "/customers", json!({"name": "Dan"})).await);
    let at = |day: u32, hour: u32| format!("2030-01-{day:02}T{hour:02}:00:00Z");
    let mut made = Vec::new();
    for (customer, day, crew) in [
        (&cora, 7, json!([s.tech])),
        (&dan, 8, json!([s.tech, s.helper])),
        (&cora, 9, json!([])),
        (&dan, 10, json!([s.helper])),
    ] {
        let extra = json!({"customer_id": customer, "scheduled_start": at(day, 9), "scheduled_end": at(day, 10), "assigned_team_member_ids": crew});
        made.push(id_of(&book(&app, &s, extra).await));
    }
    let [a1, a2, a3, a4] = made.try_into().unwrap();
    let (_, started) = act(&app, &s, &a3, "start", None).await;
    assert_eq!(act(&app, &s, &a4, "cancel", None).await.0, 200);

    let (app_ref, tenant) = (&app, &s.t);
    let list = move |query: String| async move {
        let (status, body) = call(
            app_ref,
            tenant,
            Method::GET,
            &format!("/appointments?{query}"),
            None,
        )
        .await;
        assert_eq!(status, 200, "{query}: {body}");
        body
    };
    let cases = [
        ("".to_owned(), vec![&a4, &a3, &a2, &a1]),
        ("status=scheduled".to_owned(), vec![&a2, &a1]),
        ("status=in_progress".to_owned(), vec![&a3]),
        ("status=canceled".to_owned(), vec![&a4]),
        ("status=completed".to_owned(), vec![]),
        (format!("customer_id={cora}"), vec![&a3, &a1]),
        (format!("customer_id={cora}&status=in_progress"), vec![&a3]),
        (
            "customer_id=cus_00000000000000000000000000000000".to_owned(),
            vec![],
        ),
        (format!("team_member_id={}", s.tech), vec![&a2, &a1]),
        (format!("team_member_id={}", s.helper), vec![&a4, &a2]),
        (format!("team_member_id={}", s.retired), vec![]),
        (format!("scheduled_after={}", at(8, 9)), vec![&a4, &a3, &a2]),
        (format!("scheduled_before={}", at(8, 9)), vec![&a1]),
        (
            format!(
                "scheduled_after={}&scheduled_before={}",
                at(8, 0),
                at(10, 0)
            ),
            vec![&a3, &a2],
        ),
        (
            format!("updated_since={}", started["updated_at"].as_str().unwrap()),
            vec![&a4, &a3],
        ),
        (
            format!(
                "team_member_id={}&customer_id={dan}&status=scheduled",
                s.tech
            ),
            vec![&a2],
        ),
    ];
    for (query, expected) in cases {
        let body = list(query.clone()).await;
        let expected: Vec<String> = expected.into_iter().cloned().collect();
        assert_eq!(ids(&body), expected, "{query}");
    }

    // The crew filter pages like any list.
    let first = list(format!("team_member_id={}&limit=1", s.tech)).await;
    assert_eq!(
        (ids(&first), &first["has_more"]),
        (vec![a2.clone()], &json!(true))
    );
    let cursor = first["next_cursor"].as_str().unwrap();
    let second = list(format!("team_member_id={}&limit=1&cursor={cursor}", s.tech)).await;
    assert_eq!(
        (ids(&second), &second["has_more"]),
        (vec![a1.clone()], &json!(false))
    );
    assert_eq!(
        second["data"][0]["assigned_team_member_ids"],
        json!([s.tech])
    );

    for query in [
        "status=done",
        "scheduled_after=tomorrow",
        "scheduled_before=2030-13-01T00:00:00Z",
        "limit=0",
        "assignee=x",
    ] {
        fails(
            &app,
            &s.t,
            Method::GET,
            &format!("/appointments?{query}"),
            None,
            400,
            "invalid_request",
        )
        .await;
    }
    app.shutdown().await;
}
