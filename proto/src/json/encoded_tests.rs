//! The direct path against the reference: for every message of the contract, messages with
//! every field set (several seeds, nested, lists of 0 to 3, every kind's edge values) and
//! with none, the bytes `encoded_to_json` writes are the bytes `message_to_json` of the
//! decoded message serializes to.

use prost::Message as _;
use prost_reflect::{DynamicMessage, FieldDescriptor, Kind, MessageDescriptor, Value};
use serde_json::Value as Json;

use chrono::Datelike as _;

use super::*;
use crate::json::json_to_message;

/// A deterministic value for a field: `seed` picks among each kind's edge cases.
fn sample(kind: &Kind, seed: u64, depth: u32) -> Option<Value> {
    let pick = |options: usize| (seed as usize) % options;
    Some(match kind {
        Kind::Double => Value::F64([0.0, 1.5, -2.0, 1e300, f64::NAN][pick(5)]),
        Kind::Float => Value::F32([0.0, 0.1, -3.25, f32::INFINITY][pick(4)]),
        Kind::Int32 | Kind::Sint32 | Kind::Sfixed32 => {
            Value::I32([0, 7, -1, i32::MIN, i32::MAX][pick(5)])
        }
        Kind::Int64 | Kind::Sint64 | Kind::Sfixed64 => {
            Value::I64([0, 42, -1, i64::MIN, 9_007_199_254_740_993][pick(5)])
        }
        Kind::Uint32 | Kind::Fixed32 => Value::U32([0, 1, u32::MAX][pick(3)]),
        Kind::Uint64 | Kind::Fixed64 => Value::U64([0, 3, u64::MAX][pick(3)]),
        Kind::Bool => Value::Bool(seed.is_multiple_of(2)),
        Kind::String => Value::String(
            [
                "",
                "Ada",
                "quote \" back\\ slash",
                "line\nbreak\t\u{1}",
                "é 日本 🦀",
                "[REDACTED]",
                // Secrets by shape, which the history's redaction finds in any string.
                "mine is ast_live_QUJDREVGR0hJSktMTU5P",
                "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1In0.c2ln",
                "password=hunter2",
            ][pick(9)]
            .to_owned(),
        ),
        Kind::Bytes => Value::Bytes(prost::bytes::Bytes::from_static(
            [b"".as_slice(), b"\x00\xff binary", b"abc"][pick(3)],
        )),
        Kind::Enum(e) => {
            let numbers: Vec<i32> = e.values().map(|v| v.number()).collect();
            // Every declared value, the zero one, and a number the enum does not declare.
            match pick(numbers.len() + 1) {
                i if i < numbers.len() => Value::EnumNumber(numbers[i]),
                _ => Value::EnumNumber(999),
            }
        }
        Kind::Message(m) => Value::Message(message(m, seed, depth + 1)?),
    })
}

fn message(desc: &MessageDescriptor, seed: u64, depth: u32) -> Option<DynamicMessage> {
    if depth > 4 {
        return None;
    }
    let mut m = DynamicMessage::new(desc.clone());
    match desc.full_name() {
        "google.protobuf.Timestamp" => {
            let seconds = [0, 1_767_225_600, -62_135_596_800, i64::MAX][(seed % 4) as usize];
            m.set_field_by_name("seconds", Value::I64(seconds));
            m.set_field_by_name(
                "nanos",
                Value::I32([0, 5_000_000, 123][(seed % 3) as usize]),
            );
            return Some(m);
        }
        "google.protobuf.Struct" | "google.protobuf.Value" | "google.protobuf.ListValue" => {
            let json = serde_json::json!({"a": [1, 2.5, "x", null, {"b": true}]});
            let json = match desc.full_name() {
                "google.protobuf.ListValue" => json["a"].clone(),
                _ => json,
            };
            return json_to_message(desc, &json).ok();
        }
        _ => {}
    }
    for (i, field) in desc.fields().enumerate() {
        if let Some(oneof) = field.containing_oneof() {
            // At most one member of each oneof (none for some seeds: the null case).
            let members: Vec<FieldDescriptor> = oneof.fields().collect();
            let at = desc.oneofs().position(|o| o == oneof).unwrap_or(0);
            let choice = (seed as usize + at) % (members.len() + 1);
            if members.get(choice) != Some(&field) {
                continue;
            }
        }
        set(
            &mut m,
            &field,
            seed.wrapping_mul(31).wrapping_add(i as u64),
            depth,
        );
    }
    Some(m)
}

fn set(m: &mut DynamicMessage, field: &FieldDescriptor, seed: u64, depth: u32) {
    if field.is_map() {
        return; // none in the contract outside Struct, which has its own sample
    }
    if field.is_list() {
        let items: Vec<Value> = (0..seed % 4)
            .filter_map(|k| sample(&field.kind(), seed + k, depth))
            .collect();
        m.set_field(field, Value::List(items));
        return;
    }
    if let Some(value) = sample(&field.kind(), seed, depth) {
        m.set_field(field, value);
    }
}

fn reference(desc: &MessageDescriptor, bytes: &[u8]) -> Json {
    message_to_json(&DynamicMessage::decode(desc.clone(), bytes).unwrap())
}

fn direct(desc: &MessageDescriptor, bytes: &[u8]) -> Result<Vec<u8>, NotDirect> {
    rendered(desc, bytes).map(|(out, _)| out)
}

fn rendered(desc: &MessageDescriptor, bytes: &[u8]) -> Result<(Vec<u8>, Rendered), NotDirect> {
    let mut out = Vec::new();
    encoded_to_json(desc, bytes, &mut out).map(|found| (out, found))
}

/// `has_secret` says what the history's redaction of the written JSON does: it changes the
/// text exactly when a secret was found (where `Struct` makes it unknown, it claims one).
fn check_secrets(desc: &MessageDescriptor, json: &[u8], found: Rendered, what: &str) -> bool {
    let text = std::str::from_utf8(json).unwrap();
    let changed = crate::redact::body(json) != text;
    if has_struct(desc, 0) || desc.full_name().starts_with("google.protobuf.Struct") {
        assert!(found.has_secret || !changed, "{what}: a secret missed");
    } else {
        assert_eq!(found.has_secret, changed, "{what}: has_secret");
    }
    changed
}

/// Whether any message reachable from `desc` is a `Struct` (whose map order is the decoder's:
/// compared as values, not bytes).
fn has_struct(desc: &MessageDescriptor, depth: u32) -> bool {
    depth < 6
        && desc.fields().any(|f| match f.kind() {
            Kind::Message(m) => {
                m.full_name().starts_with("google.protobuf.Struct")
                    || m.full_name() == "google.protobuf.Value"
                    || has_struct(&m, depth + 1)
            }
            _ => false,
        })
}

#[test]
fn every_message_of_the_contract_renders_as_the_decoded_one() {
    let (mut compared, mut with_secrets) = (0, 0);
    for desc in schema().pool().all_messages() {
        if desc.is_map_entry() {
            continue;
        }
        for seed in 0..12 {
            let Some(m) = message(&desc, seed, 0) else {
                continue;
            };
            let bytes = m.encode_to_vec();
            let expected = reference(&desc, &bytes);
            let what = format!("{} seed {seed}", desc.full_name());
            let (got, found) =
                rendered(&desc, &bytes).unwrap_or_else(|_| panic!("{what} not direct"));
            if check_secrets(&desc, &got, found, &what) {
                with_secrets += 1;
            }
            if has_struct(&desc, 0) || desc.full_name().starts_with("google.protobuf.") {
                let got: Json = serde_json::from_slice(&got).unwrap();
                assert_eq!(got, expected, "{} seed {seed}", desc.full_name());
            } else {
                assert_eq!(
                    String::from_utf8(got).unwrap(),
                    serde_json::to_string(&expected).unwrap(),
                    "{} seed {seed}",
                    desc.full_name()
                );
            }
            compared += 1;
        }
        // Nothing set: every field's default or null.
        let (empty, found) = rendered(&desc, &[]).unwrap();
        check_secrets(&desc, &empty, found, desc.full_name());
        assert_eq!(
            serde_json::from_slice::<Json>(&empty).unwrap(),
            reference(&desc, &[]),
            "{} empty",
            desc.full_name()
        );
    }
    assert!(compared > 500, "only {compared} messages compared");
    assert!(
        with_secrets > 50 && with_secrets < compared,
        "{with_secrets} of {compared} with secrets"
    );
}

#[test]
fn unpacked_lists_and_repeated_scalars_render_as_decoded() {
    // `emails` sent as three separate occurrences, a scalar sent twice (the last wins) and an
    // unknown field: what another encoder may send.
    let desc = schema()
        .pool()
        .get_message_by_name("asteri.v1.Customer")
        .unwrap();
    let name = desc.get_field_by_name("name").unwrap().number();
    let emails = desc.get_field_by_name("emails").unwrap().number();
    let mut bytes = Vec::new();
    for (number, text) in [
        (name, "first"),
        (emails, "a@x"),
        (9999, "?"),
        (emails, "b@x"),
        (name, "last"),
    ] {
        prost::encoding::string::encode(number, &text.to_owned(), &mut bytes);
    }
    let got: Json = serde_json::from_slice(&direct(&desc, &bytes).unwrap()).unwrap();
    assert_eq!(got, reference(&desc, &bytes));
    assert_eq!(got["name"], "last");
    assert_eq!(got["emails"], serde_json::json!(["a@x", "b@x"]));
}

#[test]
fn what_decoding_merges_or_refuses_is_left_to_it() {
    let customer = schema()
        .pool()
        .get_message_by_name("asteri.v1.Customer")
        .unwrap();
    // A singular message field twice: decoding merges the two.
    let created = customer.get_field_by_name("created_at").unwrap().number();
    let mut twice = Vec::new();
    for seconds in [1_i64, 2] {
        let stamp = prost_types::Timestamp { seconds, nanos: 0 };
        prost::encoding::message::encode(created, &stamp, &mut twice);
    }
    assert_eq!(direct(&customer, &twice), Err(NotDirect));
    // Malformed: a length past the end, a group, invalid UTF-8 in a string.
    for bad in [
        &[0x0a, 0x05, b'a'][..],
        &[0x0b, 0x0c][..],
        &[0x12, 0x01, 0xff][..],
    ] {
        assert_eq!(direct(&customer, bad), Err(NotDirect), "{bad:?}");
    }
    // Two members of one oneof: decoding keeps the last.
    let upload = schema()
        .pool()
        .get_message_by_name("asteri.v1.CreateFileRequest")
        .unwrap();
    let members: Vec<_> = upload
        .oneofs()
        .find(|o| !o.is_synthetic())
        .expect("CreateFileRequest has a oneof")
        .fields()
        .collect();
    let mut both = DynamicMessage::new(upload.clone());
    both.set_field(&members[0], sample(&members[0].kind(), 1, 0).unwrap());
    let mut bytes = both.encode_to_vec();
    let mut other = DynamicMessage::new(upload.clone());
    other.set_field(&members[1], sample(&members[1].kind(), 2, 0).unwrap());
    bytes.extend(other.encode_to_vec());
    assert_eq!(direct(&upload, &bytes), Err(NotDirect));
    // Nesting past the writer's depth is left to decoding; nesting within it is written.
    let nested = schema()
        .pool()
        .get_message_by_name("google.protobuf.DescriptorProto")
        .unwrap();
    let number = nested.get_field_by_name("nested_type").unwrap().number();
    let deep = |levels: usize| {
        let mut bytes = Vec::new();
        for _ in 0..levels {
            let mut outer = Vec::new();
            let wire = prost::encoding::WireType::LengthDelimited;
            prost::encoding::encode_key(number, wire, &mut outer);
            prost::encoding::encode_varint(bytes.len() as u64, &mut outer);
            outer.extend(bytes);
            bytes = outer;
        }
        bytes
    };
    assert_eq!(direct(&nested, &deep(100)), Err(NotDirect));
    let shallow = deep(10);
    let written: Json = serde_json::from_slice(&direct(&nested, &shallow).unwrap()).unwrap();
    assert_eq!(written, reference(&nested, &shallow));
}

#[test]
fn timestamps_are_written_as_chrono_writes_them() {
    let seconds = [
        0,
        1,
        -1,
        59,
        1_796_400_583,
        951_782_400,     // 2000-02-29
        -62_135_596_800, // 0001-01-01
        253_402_300_799, // 9999-12-31T23:59:59
        253_402_300_800, // 10000: chrono's own path
        -62_135_596_801, // year 0
        -62_167_219_201, // year -1: chrono's own path
    ];
    let nanos = [
        0,
        1,
        999,
        1_000,
        120_000,
        123_456,
        1_000_000,
        5_000_000,
        100_000_000,
        999_999_999,
        1_000_000_000, // a leap second
        1_500_000_000,
    ];
    let mut checked = 0;
    for s in seconds {
        for n in nanos {
            let Some(t) = DateTime::<Utc>::from_timestamp(s, n) else {
                continue;
            };
            let expected = format!("\"{}\"", t.to_rfc3339_opts(SecondsFormat::AutoSi, true));
            let mut out = Vec::new();
            if rfc3339(&t, &mut out) {
                assert_eq!(String::from_utf8(out).unwrap(), expected, "{s} {n}");
                checked += 1;
            } else {
                assert!(out.is_empty());
                assert!(!(0..=9999).contains(&t.year()), "{expected}");
            }
        }
    }
    assert!(checked > 80, "{checked}");
}
