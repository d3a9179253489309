//! The appointment life cycle over REST, table-driven: every action from every state, legal
//! or not, with what it stores and records; and the crew rules of `/assign`.

use reqwest::Method;
use serde_json::{Value, json};

use super::{
    appointments::{NO_MEMBER, Shop, act, book, shop},
    audit_actions, call, events_of, fails, id_of, types,
};
use crate::helpers::*;

fn time(v: &Value) -> chrono::DateTime<chrono::FixedOffset> {
    chrono::DateTime::parse_from_rfc3339(v.as_str().unwrap()).unwrap()
}

/// A new appointment brought into `state` by legal moves.
async fn appointment_in(app: &TestApp, s: &Shop, state: &str) -> String {
    let id = id_of(&book(app, s, json!({})).await);
    let moves: &[&str] = match state {
        "scheduled" => &[],
        "in_progress" => &["start"],
        "completed" => &["start", "complete"],
        "canceled" => &["cancel"],
        _ => unreachable!("{state}"),
    };
    for action in moves {
        let (status, body) = act(app, s, &id, action, None).await;
        assert_eq!(status, 200, "{action}: {body}");
    }
    id
}

/// Every (state, action) pair: the state after it, or `None` for a 409.
/// `reschedule` is a PATCH of the schedule, `notes` a PATCH of the notes.
const LIFE_CYCLE: &[(&str, &str, Option<&str>)] = &[
    ("scheduled", "start", Some("in_progress")),
    ("scheduled", "complete", None),
    ("scheduled", "cancel", Some("canceled")),
    ("scheduled", "assign", Some("scheduled")),
    ("scheduled", "reschedule", Some("scheduled")),
    ("scheduled", "notes", Some("scheduled")),
    ("in_progress", "start", None),
    ("in_progress", "complete", Some("completed")),
    ("in_progress", "cancel", Some("canceled")),
    ("in_progress", "assign", Some("in_progress")),
    ("in_progress", "reschedule", Some("in_progress")),
    ("in_progress", "notes", Some("in_progress")),
    ("completed", "start", None),
    ("completed", "complete", None),
    ("completed", "cancel", None),
    ("completed", "assign", None),
    ("completed", "reschedule", None),
    ("completed", "notes", Some("completed")),
    ("canceled", "start", None),
    ("canceled", "complete", None),
    ("canceled", "cancel", None),
    ("canceled", "assign", None),
    ("canceled", "reschedule", None),
    ("canceled", "notes", Some("canceled")),
];

#[tokio::test]
async fn every_move_of_the_life_cycle() {
    let states = ["scheduled", "in_progress", "completed", "canceled"];
    let actions = [
        "start",
        "complete",
        "cancel",
        "assign",
        "reschedule",
        "notes",
    ];
    assert_eq!(LIFE_CYCLE.len(), states.len() * actions.len());
    for state in states {
        for action in actions {
            assert!(
                LIFE_CYCLE
                    .iter()
                    .any(|(s, a, _)| (*s, *a) == (state, action))
            );
        }
    }
    let app = spawn_app().await;
    let s = shop(&app).await;
    for &(state, action, expected) in LIFE_CYCLE {
        let id = appointment_in(&app, &s, state).await;
        let path = format!("/appointments/{id}");
        let (_, before) = call(&app, &s.t, Method::GET, &path, None).await;
        let audited = audit_actions(&app, &s.t, &id).await.len();
        let evented = events_of(&app, &s.t, &id).await.len();
        let response = match action {
            "reschedule" => app
                .req(&s.t, Method::PATCH, &path)
                .json(&json!({"scheduled_start": "2030-01-07T08:00:00Z"})),
            "notes" => app
                .req(&s.t, Method::PATCH, &path)
                .json(&json!({"notes": "Left a card"})),
            "assign" => app
                .req(&s.t, Method::POST, &format!("{path}/assign"))
                .json(&json!({"team_member_ids": [s.tech]})),
            _ => app.req(&s.t, Method::POST, &format!("{path}/{action}")),
        }
        .send()
        .await
        .unwrap();
        let case = format!("{action} from {state}");
        let (_, after) = call(&app, &s.t, Method::GET, &path, None).await;
        let Some(expected) = expected else {
            let body = expect_error(response, 409, "invalid_state_transition").await;
            let message = body["message"].as_str().unwrap();
            let verb = if action == "reschedule" {
                "reschedule or change the services or address of"
            } else {
                action
            };
            assert_eq!(
                message,
                format!("cannot {verb} an appointment that is {state}"),
                "{case}"
            );
            assert_eq!(after, before, "{case}: nothing changed");
            assert_eq!(
                audit_actions(&app, &s.t, &id).await.len(),
                audited,
                "{case}: nothing recorded"
            );
            assert_eq!(
                events_of(&app, &s.t, &id).await.len(),
                evented,
                "{case}: no event"
            );
            continue;
        };
        let (status, body) = read(response).await;
        assert_eq!(status, 200, "{case}: {body}");
        assert_eq!(body, after, "{case}: the answer is the stored appointment");
        assert_eq!(after["status"], expected, "{case}");
        let stamped = match action {
            "start" => Some("started_at"),
            "complete" => Some("completed_at"),
            "cancel" => Some("canceled_at"),
            _ => None,
        };
        for stamp in ["started_at", "completed_at", "canceled_at"] {
            if Some(stamp) == stamped {
                assert!(
                    after[stamp].is_string() && before[stamp].is_null(),
                    "{case}: {stamp}"
                );
            } else {
                assert_eq!(after[stamp], before[stamp], "{case}: {stamp}");
            }
        }
        assert!(
            time(&after["updated_at"]) > time(&before["updated_at"]),
            "{case}"
        );
        let event = match action {
            "start" => Some("appointment.started"),
            "complete" => Some("appointment.completed"),
            "cancel" => Some("appointment.canceled"),
            "assign" => Some("appointment.assigned"),
            _ => None,
        };
        let events = events_of(&app, &s.t, &id).await;
        if let Some(event) = event {
            assert_eq!(events.len(), evented + 1, "{case}");
            let (last, data) = events.last().unwrap();
            assert_eq!((last.as_str(), data), (event, &after), "{case}");
        } else {
            assert_eq!(events.len(), evented, "{case}: edits raise no event");
        }
        assert_eq!(
            audit_actions(&app, &s.t, &id).await.len(),
            audited + 1,
            "{case}"
        );
    }
    app.shutdown().await;
}

#[tokio::test]
async fn assign_replaces_the_crew_with_active_members_of_the_organization() {
    let app = spawn_app().await;
    let s = shop(&app).await;
    let other = shop(&app).await;
    let id = id_of(&book(&app, &s, json!({})).await);
    let assign = |ids: Value| {
        act(
            &app,
            &s,
            &id,
            "assign",
            Some(json!({"team_member_ids": ids})),
        )
    };

    let (status, body) = assign(json!([s.tech, s.helper])).await;
    assert_eq!(
        (status, &body["assigned_team_member_ids"]),
        (200, &json!([s.tech, s.helper])),
        "{body}"
    );
    let (status, body) = assign(json!([s.helper])).await;
    assert_eq!(
        (status, &body["assigned_team_member_ids"]),
        (200, &json!([s.helper])),
        "replaced, not added"
    );

    // Inactive, another organization's, and nonexistent members are all 422; the last two
    // read exactly alike.
    let path = format!("/appointments/{id}/assign");
    for (ids, message) in [
        (
            json!([s.tech, s.retired]),
            format!(
                "team member {} is inactive and cannot be assigned",
                s.retired
            ),
        ),
        (
            json!([other.tech]),
            format!("no such team member: {}", other.tech),
        ),
        (
            json!([NO_MEMBER]),
            format!("no such team member: {NO_MEMBER}"),
        ),
        (
            json!([s.tech, s.tech]),
            format!("{} is listed more than once", s.tech),
        ),
        (json!([""]), "must not contain empty ids".to_owned()),
    ] {
        let body = fails(
            &app,
            &s.t,
            Method::POST,
            &path,
            Some(json!({"team_member_ids": ids})),
            422,
            "validation_failed",
        )
        .await;
        assert_eq!(body["errors"], json!({"team_member_ids": [message]}));
    }
    fails(
        &app,
        &s.t,
        Method::POST,
        &path,
        Some(json!({"team_member_id": [s.tech]})),
        400,
        "invalid_request",
    )
    .await;
    let (_, current) = call(
        &app,
        &s.t,
        Method::GET,
        &format!("/appointments/{id}"),
        None,
    )
    .await;
    assert_eq!(
        current["assigned_team_member_ids"],
        json!([s.helper]),
        "refusals change nothing"
    );

    // An assigned member cannot be deleted (deactivate instead); once unassigned, it can.
    let member = format!("/team_members/{}", s.helper);
    let body = fails(&app, &s.t, Method::DELETE, &member, None, 409, "conflict").await;
    assert!(
        body["message"].as_str().unwrap().contains("deactivate"),
        "{body}"
    );
    let (status, body) = assign(json!([])).await;
    assert_eq!(
        (status, &body["assigned_team_member_ids"]),
        (200, &json!([]))
    );
    let (status, _) = call(&app, &s.t, Method::DELETE, &member, None).await;
    assert_eq!(status, 204);

    assert_eq!(
        audit_actions(&app, &s.t, &id).await,
        [
            "appointment.create",
            "appointment.assign",
            "appointment.assign",
            "appointment.assign"
        ]
    );
    let events = events_of(&app, &s.t, &id).await;
    assert_eq!(
        types(&events),
        [
            "appointment.scheduled",
            "appointment.assigned",
            "appointment.assigned",
            "appointment.assigned"
        ]
    );
    app.shutdown().await;
}
