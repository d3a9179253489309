//! Appointments on the gRPC door: the same rules as REST, with what only gRPC can send (a
//! field outside `update_mask`, `status` in the mask, timestamps beyond RFC 3339).

use proto::v1::{
    AppointmentStatus, ListAppointmentsRequest, StartAppointmentRequest, UpdateAppointmentRequest,
    appointments_service_client::AppointmentsServiceClient,
};
use serde_json::json;
use tonic::{Code, Request};
use tonic_types::StatusExt;

use super::{
    appointments::{START, book, shop},
    id_of,
};
use crate::helpers::*;

fn signed<T>(message: T, key: &str, org: &str) -> Request<T> {
    let mut request = Request::new(message);
    request
        .metadata_mut()
        .insert("x-api-key", key.parse().unwrap());
    request
        .metadata_mut()
        .insert("x-organization-id", org.parse().unwrap());
    request
}

#[tokio::test]
async fn the_grpc_door_keeps_the_same_rules() {
    let app = spawn_app().await;
    let s = shop(&app).await;
    let id = id_of(&book(&app, &s, json!({})).await);
    let mut client = AppointmentsServiceClient::connect(app.grpc.clone())
        .await
        .unwrap();
    let (key, org) = (s.t.key.as_str(), s.t.org.as_str());
    let mask = |paths: &[&str]| {
        Some(prost_types::FieldMask {
            paths: paths.iter().map(|p| (*p).to_owned()).collect(),
        })
    };
    let later = prost_types::Timestamp {
        seconds: 1_900_000_000,
        nanos: 0,
    };

    // Only the fields named in the mask change.
    let update = UpdateAppointmentRequest {
        id: id.clone(),
        update_mask: mask(&["notes"]),
        notes: "Ring twice".to_owned(),
        scheduled_start: Some(later),
        ..Default::default()
    };
    let updated = client
        .update_appointment(signed(update, key, org))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(updated.notes, "Ring twice");
    let start = chrono::DateTime::parse_from_rfc3339(START).unwrap();
    assert_eq!(updated.scheduled_start.unwrap().seconds, start.timestamp());

    // The status moves only through the actions.
    let update = UpdateAppointmentRequest {
        id: id.clone(),
        update_mask: mask(&["status", "colour"]),
        ..Default::default()
    };
    let err = client
        .update_appointment(signed(update, key, org))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument);
    let fields: Vec<String> = err
        .get_details_bad_request()
        .unwrap()
        .field_violations
        .into_iter()
        .map(|v| v.field)
        .collect();
    assert_eq!(fields, ["status", "update_mask"]);

    // A timestamp outside years 0000-9999 is malformed, not a database error.
    let far = prost_types::Timestamp {
        seconds: -100_000_000_000,
        nanos: 0,
    };
    let list = ListAppointmentsRequest {
        scheduled_after: Some(far),
        ..Default::default()
    };
    let err = client
        .list_appointments(signed(list, key, org))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument);
    assert_eq!(
        err.get_details_error_info().unwrap().reason,
        "invalid_request"
    );
    let list = ListAppointmentsRequest {
        status: 99,
        ..Default::default()
    };
    let err = client
        .list_appointments(signed(list, key, org))
        .await
        .unwrap_err();
    assert_eq!(
        err.get_details_error_info().unwrap().reason,
        "invalid_request"
    );

    // Life-cycle refusals are FailedPrecondition with their reason.
    let start = || signed(StartAppointmentRequest { id: id.clone() }, key, org);
    let started = client
        .start_appointment(start())
        .await
        .unwrap()
        .into_inner();
    assert_eq!(started.status, AppointmentStatus::InProgress as i32);
    let err = client.start_appointment(start()).await.unwrap_err();
    assert_eq!(err.code(), Code::FailedPrecondition);
    assert_eq!(
        err.get_details_error_info().unwrap().reason,
        "invalid_state_transition"
    );
    assert_eq!(
        err.message(),
        "cannot start an appointment that is in_progress"
    );

    // Another organization's key sees nothing.
    let other = app.tenant_with(super::OPS_SCOPES).await;
    let err = client
        .start_appointment(signed(
            StartAppointmentRequest { id: id.clone() },
            &other.key,
            &other.org,
        ))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::NotFound);
    app.shutdown().await;
}
