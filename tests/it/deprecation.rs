//! Deprecation as integrators see it. The contract deprecates the PATCH field
//! `assigned_team_member_ids` of appointments (superseded by `POST /appointments/{id}/assign`;
//! CHANGELOG.md, "Deprecated"): a request that uses it is answered with `Deprecation`
//! (RFC 9745) and a `Link` to the changelog, over REST, and with `deprecation` metadata over
//! gRPC; every other request, to that route or another, without them. RPC-level deprecation
//! and `Sunset` are covered by `proto::schema`'s fixture tests (the contract deprecates no
//! RPC and sets no sunset date within v1).

use chrono::{DateTime, NaiveDate, Utc};
use proto::v1::{UpdateAppointmentRequest, appointments_service_client::AppointmentsServiceClient};
use reqwest::{Method, Response};
use serde_json::{Value, json};
use tonic::Request;

use crate::helpers::*;

const SCOPES: &[&str] = &[
    "write:customers",
    "write:team",
    "read:appointments",
    "write:appointments",
];

/// The field's `(asteri.v1.field_deprecated_at)` in `appointments.proto`.
const DEPRECATED_AT: &str = "2026-12-02";

struct Shop {
    app: TestApp,
    t: Tenant,
    customer: String,
    tech: String,
}

async fn shop() -> Shop {
    let app = spawn_app().await;
    let t = app.tenant_with(SCOPES).await;
    let customer = id_of(&app.create_customer(&t, json!({"name": "Ada"})).await);
    let (status, tech) = call(
        &app,
        &t,
        Method::POST,
        "/team_members",
        Some(json!({"name": "Tess", "email": "tess@example.com", "role": "technician"})),
    )
    .await;
    assert_eq!(status, 201, "{tech}");
    Shop {
        tech: id_of(&tech),
        app,
        t,
        customer,
    }
}

impl Shop {
    async fn send(&self, method: Method, path: &str, body: Option<Value>) -> Response {
        let mut request = self.app.req(&self.t, method, path);
        if let Some(body) = body {
            request = request.json(&body);
        }
        request.send().await.unwrap()
    }

    async fn book(&self, extra: Value) -> Response {
        let mut body = json!({
            "customer_id": self.customer,
            "scheduled_start": "2030-01-07T09:00:00Z",
            "scheduled_end": "2030-01-07T11:00:00Z",
        });
        if let (Value::Object(body), Value::Object(extra)) = (&mut body, extra) {
            body.extend(extra);
        }
        self.send(Method::POST, "/appointments", Some(body)).await
    }
}

/// Midnight UTC of the deprecation date, as Unix seconds.
fn deprecated_at() -> i64 {
    NaiveDate::parse_from_str(DEPRECATED_AT, "%Y-%m-%d")
        .unwrap()
        .and_hms_opt(0, 0, 0)
        .unwrap()
        .and_utc()
        .timestamp()
}

/// The `Deprecation` header as RFC 9745 defines it: an RFC 9651 Date, `@` and an integer.
fn parse_deprecation(value: &str) -> DateTime<Utc> {
    let seconds = value
        .strip_prefix('@')
        .filter(|s| !s.is_empty() && s.len() <= 15 && s.bytes().all(|b| b.is_ascii_digit()))
        .unwrap_or_else(|| panic!("not a structured-field date: {value:?}"));
    DateTime::from_timestamp(seconds.parse().unwrap(), 0).unwrap()
}

/// Asserts the headers of an announced deprecation and returns the status.
fn announced(response: &Response) -> u16 {
    let h = response.headers();
    let value = h
        .get("deprecation")
        .unwrap_or_else(|| panic!("no Deprecation header: {h:?}"))
        .to_str()
        .unwrap();
    assert_eq!(parse_deprecation(value).timestamp(), deprecated_at());
    let link = h["link"].to_str().unwrap();
    assert!(
        link.starts_with("</docs/changelog>;") && link.contains("rel=\"deprecation\""),
        "{link}"
    );
    // No sunset date is set: v1 keeps the field.
    assert!(h.get("sunset").is_none());
    response.status().as_u16()
}

fn silent(response: &Response) -> u16 {
    let h = response.headers();
    assert!(
        h.get("deprecation").is_none() && h.get("link").is_none(),
        "{h:?}"
    );
    response.status().as_u16()
}

#[tokio::test]
async fn a_patch_that_uses_the_deprecated_field_is_told_so() {
    let s = shop().await;
    let created = s.book(json!({"assigned_team_member_ids": [s.tech]})).await;
    // Creating with a crew is not deprecated: only the PATCH field is.
    assert_eq!(silent(&created), 201);
    let id = id_of(&created.json::<Value>().await.unwrap());
    let path = format!("/appointments/{id}");

    let crew = json!({"assigned_team_member_ids": [s.tech], "notes": "Gate code 1234"});
    let patched = s.send(Method::PATCH, &path, Some(crew)).await;
    assert_eq!(announced(&patched), 200);
    // Clearing the crew uses the field too (it is named in the body, so in the mask).
    let cleared = json!({"assigned_team_member_ids": []});
    let patched = s.send(Method::PATCH, &path, Some(cleared)).await;
    assert_eq!(announced(&patched), 200);
    let body: Value = patched.json().await.unwrap();
    assert_eq!(
        body["assigned_team_member_ids"],
        json!([]),
        "it still works"
    );
    // A refused request that uses it is told as well.
    let stranger = json!({"assigned_team_member_ids": ["tm_0000000000000000000000000000000"]});
    let refused = s.send(Method::PATCH, &path, Some(stranger)).await;
    assert_eq!(announced(&refused), 422);

    // The same route without the field, the replacement, and reads: nothing.
    let notes = json!({"notes": "Ring twice"});
    assert_eq!(
        silent(&s.send(Method::PATCH, &path, Some(notes)).await),
        200
    );
    let assign = json!({"team_member_ids": [s.tech]});
    let assigned = s
        .send(Method::POST, &format!("{path}/assign"), Some(assign))
        .await;
    assert_eq!(silent(&assigned), 200);
    assert_eq!(silent(&s.send(Method::GET, &path, None).await), 200);
    assert_eq!(
        silent(&s.send(Method::GET, "/appointments", None).await),
        200
    );
    assert_eq!(silent(&s.send(Method::GET, "/customers", None).await), 403);
}

#[tokio::test]
// The request sets the deprecated field on purpose.
#[allow(deprecated)]
async fn grpc_callers_get_the_same_metadata() {
    let s = shop().await;
    let created = s.book(json!({})).await;
    let id = id_of(&created.json::<Value>().await.unwrap());
    let mut client = AppointmentsServiceClient::connect(s.app.grpc.clone())
        .await
        .unwrap();
    let signed = |message: UpdateAppointmentRequest| {
        let mut request = Request::new(message);
        let metadata = request.metadata_mut();
        metadata.insert("x-api-key", s.t.key.parse().unwrap());
        metadata.insert("x-organization-id", s.t.org.parse().unwrap());
        request
    };
    let mask = |path: &str| {
        Some(prost_types::FieldMask {
            paths: vec![path.to_owned()],
        })
    };

    let crew = UpdateAppointmentRequest {
        id: id.clone(),
        update_mask: mask("assigned_team_member_ids"),
        assigned_team_member_ids: vec![s.tech.clone()],
        ..Default::default()
    };
    let answer = client.update_appointment(signed(crew)).await.unwrap();
    let value = answer.metadata().get("deprecation").expect("deprecation");
    assert_eq!(
        parse_deprecation(value.to_str().unwrap()).timestamp(),
        deprecated_at()
    );
    assert!(answer.metadata().get("sunset").is_none());
    assert_eq!(
        answer.into_inner().assigned_team_member_ids,
        vec![s.tech.clone()]
    );

    let notes = UpdateAppointmentRequest {
        id,
        update_mask: mask("notes"),
        notes: "Ring twice".to_owned(),
        ..Default::default()
    };
    let answer = client.update_appointment(signed(notes)).await.unwrap();
    assert!(answer.metadata().get("deprecation").is_none());
}
