//! Deprecation read from a fixture contract (compiled here with protox against the real
//! `options.proto`), so that RPC-level deprecation, sunsets and malformed options are
//! covered even while the real contract deprecates none of them.

use std::path::PathBuf;

use prost_reflect::{DynamicMessage, Value};
use protox::file::{
    ChainFileResolver, File, FileResolver, GoogleFileResolver, IncludeFileResolver,
};

use super::*;
use crate::Schema;

const FIXTURE: &str = r#"
syntax = "proto3";
package asteri.fixture;

import "asteri/v1/options.proto";
import "google/protobuf/field_mask.proto";

service WidgetsService {
  rpc OldWidget(Widget) returns (Widget) {
    option deprecated = true;
    option (asteri.v1.deprecated_at) = "2026-12-01";
    option (asteri.v1.sunset_at) = "2027-06-01";
  }
  rpc UpdateWidget(UpdateWidgetRequest) returns (Widget);
  rpc BadDate(Widget) returns (Widget) {
    option deprecated = true;
    option (asteri.v1.deprecated_at) = "2027-13-01";
  }
  rpc EarlySunset(Widget) returns (Widget) {
    option deprecated = true;
    option (asteri.v1.deprecated_at) = "2027-01-01";
    option (asteri.v1.sunset_at) = "2026-01-01";
  }
}

message Part {
  string old_code = 1 [deprecated = true, (asteri.v1.field_deprecated_at) = "2026-11-01", (asteri.v1.field_sunset_at) = "2027-01-01"];
  string code = 2;
  repeated Part parts = 3;
}

message UpdateWidgetRequest {
  string id = 1;
  google.protobuf.FieldMask update_mask = 2;
  string colour = 3 [deprecated = true, (asteri.v1.field_deprecated_at) = "2026-12-01"];
  string color = 4;
  repeated Part parts = 5;
}

message Widget {
  string id = 1;
  string undated = 2 [deprecated = true];
  string dated = 3 [(asteri.v1.field_deprecated_at) = "2026-12-01"];
}
"#;

struct Fixture;

impl FileResolver for Fixture {
    fn open_file(&self, name: &str) -> Result<File, protox::Error> {
        if name == "asteri/fixture/widgets.proto" {
            File::from_source(name, FIXTURE)
        } else {
            Err(protox::Error::file_not_found(name))
        }
    }
}

fn fixture() -> Schema {
    let mut resolver = ChainFileResolver::new();
    resolver.add(Fixture);
    resolver.add(IncludeFileResolver::new(PathBuf::from(env!(
        "CARGO_MANIFEST_DIR"
    ))));
    resolver.add(GoogleFileResolver::new());
    let bytes = protox::Compiler::with_file_resolver(resolver)
        .include_imports(true)
        .include_source_info(true)
        .open_file("asteri/fixture/widgets.proto")
        .expect("the fixture compiles")
        .encode_file_descriptor_set();
    Schema::load(&bytes).expect("the fixture loads")
}

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn method<'a>(s: &'a Schema, name: &str) -> &'a MethodInfo {
    s.method_by_path(&format!("/asteri.fixture.WidgetsService/{name}"))
        .unwrap()
}

#[test]
fn a_deprecated_rpc_announces_its_dates_in_rfc_formats() {
    let s = fixture();
    let old = method(&s, "OldWidget");
    let d = old.deprecation.expect("OldWidget is deprecated");
    assert_eq!(d.deprecated_at, day("2026-12-01"));
    assert_eq!(d.sunset_at, Some(day("2027-06-01")));
    assert_eq!(d.deprecation_header(), "@1796083200");
    assert_eq!(
        d.sunset_header().as_deref(),
        Some("Tue, 01 Jun 2027 00:00:00 GMT")
    );
    assert_eq!(
        d.headers(),
        vec![
            ("deprecation", "@1796083200".to_owned()),
            ("sunset", "Tue, 01 Jun 2027 00:00:00 GMT".to_owned())
        ]
    );
    // Every call of a deprecated RPC announces it, whatever the request.
    let empty = DynamicMessage::new(old.descriptor.input());
    assert_eq!(old.deprecation_of_call(&empty), Some(d));
    assert!(old.has_deprecation());
}

#[test]
fn a_deprecated_field_is_announced_only_when_the_call_uses_it() {
    let s = fixture();
    let update = method(&s, "UpdateWidget");
    assert!(update.deprecation.is_none());
    let paths: Vec<&str> = update
        .deprecated_fields
        .iter()
        .map(|f| f.path.as_str())
        .collect();
    // Nested fields by path; the recursive Part is walked once (its `parts` not again).
    assert_eq!(paths, ["colour", "parts.old_code"]);

    let input = update.descriptor.input();
    let mut request = DynamicMessage::new(input.clone());
    request.set_field_by_name("color", Value::String("red".into()));
    assert_eq!(update.deprecation_of_call(&request), None);

    request.set_field_by_name("colour", Value::String("red".into()));
    let colour = Deprecation {
        deprecated_at: day("2026-12-01"),
        sunset_at: None,
    };
    assert_eq!(update.deprecation_of_call(&request), Some(colour));
    assert_eq!(
        colour.headers(),
        vec![("deprecation", "@1796083200".into())]
    );

    // A PATCH that clears the field (its default value) names it in the mask: it uses it.
    let mut cleared = DynamicMessage::new(input.clone());
    let Some(mask_field) = input.get_field_by_name("update_mask") else {
        panic!("update_mask");
    };
    let prost_reflect::Kind::Message(mask_desc) = mask_field.kind() else {
        panic!("a message");
    };
    let mut mask = DynamicMessage::new(mask_desc);
    mask.set_field_by_name("paths", Value::List(vec![Value::String("colour".into())]));
    cleared.set_field(&mask_field, Value::Message(mask));
    assert_eq!(update.deprecation_of_call(&cleared), Some(colour));

    // A nested field inside a list; with the top-level one too, the earliest dates win.
    let part_desc = s.pool().get_message_by_name("asteri.fixture.Part").unwrap();
    let mut old_part = DynamicMessage::new(part_desc.clone());
    old_part.set_field_by_name("old_code", Value::String("x".into()));
    let mut new_part = DynamicMessage::new(part_desc);
    new_part.set_field_by_name("code", Value::String("y".into()));
    let mut parts_only = DynamicMessage::new(input);
    parts_only.set_field_by_name("parts", Value::List(vec![Value::Message(new_part.clone())]));
    assert_eq!(update.deprecation_of_call(&parts_only), None);
    parts_only.set_field_by_name(
        "parts",
        Value::List(vec![Value::Message(new_part), Value::Message(old_part)]),
    );
    let part = Deprecation {
        deprecated_at: day("2026-11-01"),
        sunset_at: Some(day("2027-01-01")),
    };
    assert_eq!(update.deprecation_of_call(&parts_only), Some(part));
    request.set_field_by_name(
        "parts",
        parts_only.get_field_by_name("parts").unwrap().into_owned(),
    );
    assert_eq!(update.deprecation_of_call(&request), Some(part));
}

#[test]
fn malformed_deprecation_options_are_contract_violations() {
    let s = fixture();
    let violations = s.violations().join("\n");
    for expected in [
        "asteri.fixture.WidgetsService.BadDate: (asteri.v1.deprecated_at) \"2027-13-01\" is not a YYYY-MM-DD date",
        "asteri.fixture.WidgetsService.EarlySunset: (asteri.v1.sunset_at) must come after",
        "asteri.fixture.Widget.undated: is deprecated without (asteri.v1.field_deprecated_at)",
        "asteri.fixture.Widget.dated: (asteri.v1.field_deprecated_at) or (asteri.v1.field_sunset_at) is set without `deprecated = true`",
    ] {
        assert!(
            violations.contains(expected),
            "{expected}\nin:\n{violations}"
        );
    }
    // A method whose options do not read announces nothing rather than a wrong date.
    assert!(method(&s, "BadDate").deprecation.is_none());
}
