//! The JSON mapping's round trips and refusals.

use super::{read::value_from_str, *};
use crate::schema;
use prost_reflect::MessageDescriptor;
use serde_json::Value as Json;
use serde_json::json;

fn desc(name: &str) -> MessageDescriptor {
    schema().pool().get_message_by_name(name).unwrap()
}

#[test]
fn round_trips_contract_shapes() {
    let d = desc("asteri.v1.Customer");
    let input = json!({
        "id": "cus_1", "name": "Ada", "emails": ["a@example.com"],
        "addresses": [{"line1": "1 Main St", "city": "Austin", "country": "US"}],
        "created_at": "2026-01-02T03:04:05Z"
    });
    let m = json_to_message(&d, &input).unwrap();
    let out = message_to_json(&m);
    assert_eq!(out["created_at"], "2026-01-02T03:04:05Z");
    assert_eq!(out["updated_at"], Json::Null);
    assert_eq!(out["emails"], json!(["a@example.com"]));
    assert_eq!(out["addresses"][0]["postal_code"], "");
    assert_eq!(out["company"], "");
}

#[test]
fn enums_are_short_lowercase_and_int64_are_numbers() {
    let d = desc("asteri.v1.ApiKey");
    let m = json_to_message(&d, &json!({"environment": "test", "per_day_limit": 10})).unwrap();
    let out = message_to_json(&m);
    assert_eq!(out["environment"], "test");
    assert_eq!(out["per_day_limit"], 10);
    let err = json_to_message(&d, &json!({"environment": "KEY_ENVIRONMENT_TEST"})).unwrap_err();
    assert_eq!(
        err.0["environment"],
        vec!["must be one of: live, test".to_owned()]
    );
}

#[test]
fn rejects_unknown_and_mistyped_fields_with_paths() {
    let d = desc("asteri.v1.CreateCustomerRequest");
    let err = json_to_message(
        &d,
        &json!({"nam": "x", "emails": ["ok", 5], "addresses": [{"city": 1}]}),
    )
    .unwrap_err();
    assert!(err.0.contains_key("nam"));
    assert!(err.0.contains_key("emails[1]"));
    assert!(err.0.contains_key("addresses[0].city"));
    assert!(json_to_message(&d, &json!([1])).is_err());
}

#[test]
fn struct_values_are_plain_json() {
    let d = desc("google.protobuf.Struct");
    let input = json!({"a": [1.5, "x", null, {"b": true}]});
    let m = json_to_message(&d, &input).unwrap();
    assert_eq!(message_to_json(&m), input);
}

#[test]
fn nul_characters_are_refused() {
    let d = desc("asteri.v1.CreateCustomerRequest");
    let err = json_to_message(&d, &json!({"name": "a\u{0}b"})).unwrap_err();
    assert_eq!(
        err.0["name"],
        vec!["must be text without NUL characters".to_owned()]
    );
    let field = d.get_field_by_name("name").unwrap();
    assert!(value_from_str(&field, "x\0y").is_err());
}

#[test]
fn screaming_snake_names() {
    assert_eq!(screaming_snake("AppointmentStatus"), "APPOINTMENT_STATUS");
    assert_eq!(screaming_snake("KeyEnvironment"), "KEY_ENVIRONMENT");
}
