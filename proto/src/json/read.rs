//! Reading the contract's JSON (and query-string values) into messages, strictly.

use base64::Engine as _;
use chrono::{DateTime, Utc};
use prost_reflect::{
    DynamicMessage, EnumDescriptor, FieldDescriptor, Kind, MapKey, MessageDescriptor, Value,
};
use serde_json::{Number, Value as Json};

use super::{JsonErrors, enum_json_values, enum_value_json_name};

/// Reads a JSON object into a message of type `desc`, strictly.
pub fn json_to_message(
    desc: &MessageDescriptor,
    json: &Json,
) -> Result<DynamicMessage, JsonErrors> {
    let mut errors = JsonErrors::default();
    let message = read_message(desc, json, "", &mut errors);
    if errors.is_empty() {
        Ok(message)
    } else {
        Err(errors)
    }
}

fn join(path: &str, name: &str) -> String {
    if path.is_empty() {
        name.to_owned()
    } else {
        format!("{path}.{name}")
    }
}

fn read_message(
    desc: &MessageDescriptor,
    json: &Json,
    path: &str,
    errors: &mut JsonErrors,
) -> DynamicMessage {
    let mut message = DynamicMessage::new(desc.clone());
    if let Some(value) = read_well_known(desc, json, path, errors) {
        return value;
    }
    let Json::Object(object) = json else {
        errors.push(
            if path.is_empty() { "body" } else { path },
            "must be a JSON object",
        );
        return message;
    };
    for (key, value) in object {
        let field_path = join(path, key);
        let Some(field) = desc.get_field_by_name(key) else {
            errors.push(field_path, "is not a known field");
            continue;
        };
        if value.is_null() {
            continue;
        }
        if let Some(oneof) = field.containing_oneof().filter(|o| !o.is_synthetic())
            && oneof
                .fields()
                .any(|other| other.name() != field.name() && message.has_field(&other))
        {
            errors.push(
                field_path,
                format!("only one field of `{}` may be set", oneof.name()),
            );
            continue;
        }
        if let Some(v) = read_field(&field, value, &field_path, errors) {
            message.set_field(&field, v);
        }
    }
    message
}

fn read_field(
    field: &FieldDescriptor,
    json: &Json,
    path: &str,
    errors: &mut JsonErrors,
) -> Option<Value> {
    if field.is_map() {
        let Kind::Message(entry) = field.kind() else {
            return None;
        };
        let (key_field, value_field) = (entry.map_entry_key_field(), entry.map_entry_value_field());
        let Json::Object(object) = json else {
            errors.push(path, "must be a JSON object");
            return None;
        };
        let mut map = std::collections::HashMap::new();
        for (k, v) in object {
            let item_path = join(path, k);
            let key = match key_field.kind() {
                Kind::String => Some(MapKey::String(k.clone())),
                _ => scalar_from_str(&key_field.kind(), k)
                    .ok()
                    .and_then(|v| match v {
                        Value::I32(n) => Some(MapKey::I32(n)),
                        Value::I64(n) => Some(MapKey::I64(n)),
                        Value::U32(n) => Some(MapKey::U32(n)),
                        Value::U64(n) => Some(MapKey::U64(n)),
                        Value::Bool(b) => Some(MapKey::Bool(b)),
                        _ => None,
                    }),
            };
            let Some(key) = key else {
                errors.push(item_path, "is not a valid key");
                continue;
            };
            if let Some(value) = read_singular(&value_field.kind(), v, &item_path, errors) {
                map.insert(key, value);
            }
        }
        return Some(Value::Map(map));
    }
    if field.is_list() {
        let Json::Array(items) = json else {
            errors.push(path, "must be an array");
            return None;
        };
        let values = items
            .iter()
            .enumerate()
            .filter_map(|(i, item)| {
                read_singular(&field.kind(), item, &format!("{path}[{i}]"), errors)
            })
            .collect();
        return Some(Value::List(values));
    }
    read_singular(&field.kind(), json, path, errors)
}

fn read_singular(kind: &Kind, json: &Json, path: &str, errors: &mut JsonErrors) -> Option<Value> {
    let fail = |errors: &mut JsonErrors, what: &str| {
        errors.push(path, format!("must be {what}"));
        None
    };
    match kind {
        Kind::Message(desc) => {
            let before = errors.0.len();
            let message = read_message(desc, json, path, errors);
            (errors.0.len() == before).then_some(Value::Message(message))
        }
        Kind::Enum(e) => match json {
            Json::String(s) => match enum_from_str(e, s) {
                Some(n) => Some(Value::EnumNumber(n)),
                None => fail(
                    errors,
                    &format!("one of: {}", enum_json_values(e).join(", ")),
                ),
            },
            _ => fail(
                errors,
                &format!("one of: {}", enum_json_values(e).join(", ")),
            ),
        },
        Kind::Bool => json
            .as_bool()
            .map(Value::Bool)
            .or_else(|| fail(errors, "true or false")),
        // NUL is valid JSON but no database text type stores it: refuse it here, once.
        Kind::String => match json.as_str() {
            Some(s) if s.contains('\0') => fail(errors, "text without NUL characters"),
            Some(s) => Some(Value::String(s.to_owned())),
            None => fail(errors, "a string"),
        },
        Kind::Bytes => match json
            .as_str()
            .map(|s| base64::engine::general_purpose::STANDARD.decode(s))
        {
            Some(Ok(b)) => Some(Value::Bytes(b.into())),
            _ => fail(errors, "a base64 string"),
        },
        Kind::Double | Kind::Float => match json.as_f64() {
            Some(n) if matches!(kind, Kind::Double) => Some(Value::F64(n)),
            Some(n) if n.abs() <= f64::from(f32::MAX) => Some(Value::F32(n as f32)),
            _ => fail(errors, "a number"),
        },
        _ => match json {
            Json::Number(n) => match integer(kind, n) {
                Some(v) => Some(v),
                None => fail(errors, &format!("an integer in {}", int_range(kind))),
            },
            _ => fail(errors, "an integer"),
        },
    }
}

fn integer(kind: &Kind, n: &Number) -> Option<Value> {
    let (i, u) = (n.as_i64(), n.as_u64());
    match kind {
        Kind::Int32 | Kind::Sint32 | Kind::Sfixed32 => {
            i.and_then(|i| i32::try_from(i).ok()).map(Value::I32)
        }
        Kind::Int64 | Kind::Sint64 | Kind::Sfixed64 => i.map(Value::I64),
        Kind::Uint32 | Kind::Fixed32 => u.and_then(|u| u32::try_from(u).ok()).map(Value::U32),
        Kind::Uint64 | Kind::Fixed64 => u.map(Value::U64),
        _ => None,
    }
}

fn int_range(kind: &Kind) -> &'static str {
    match kind {
        Kind::Int32 | Kind::Sint32 | Kind::Sfixed32 => "-2147483648..2147483647",
        Kind::Uint32 | Kind::Fixed32 => "0..4294967295",
        Kind::Uint64 | Kind::Fixed64 => "0..18446744073709551615",
        _ => "-9223372036854775808..9223372036854775807",
    }
}

fn enum_from_str(e: &EnumDescriptor, s: &str) -> Option<i32> {
    e.values()
        .find(|v| v.number() != 0 && enum_value_json_name(e, v.name()) == s)
        .map(|v| v.number())
}

fn timestamp_message(desc: &MessageDescriptor, t: DateTime<Utc>) -> DynamicMessage {
    let mut m = DynamicMessage::new(desc.clone());
    m.set_field_by_name("seconds", Value::I64(t.timestamp()));
    m.set_field_by_name(
        "nanos",
        Value::I32(i32::try_from(t.timestamp_subsec_nanos()).unwrap_or(0)),
    );
    m
}

/// Parses an RFC 3339 timestamp (any offset; stored as UTC).
pub fn parse_timestamp(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

fn read_well_known(
    desc: &MessageDescriptor,
    json: &Json,
    path: &str,
    errors: &mut JsonErrors,
) -> Option<DynamicMessage> {
    let name = desc.full_name();
    if !name.starts_with("google.protobuf.") {
        return None;
    }
    let mut m = DynamicMessage::new(desc.clone());
    match name {
        "google.protobuf.Timestamp" => match json.as_str().and_then(parse_timestamp) {
            Some(t) => m = timestamp_message(desc, t),
            None => errors.push(
                path,
                "must be an RFC 3339 timestamp, e.g. 2026-01-31T09:00:00Z",
            ),
        },
        "google.protobuf.Struct" => {
            if !json.is_object() {
                errors.push(path, "must be a JSON object");
            } else {
                m = json_to_struct_like(desc, json)?;
            }
        }
        "google.protobuf.Value" | "google.protobuf.ListValue" => {
            m = json_to_struct_like(desc, json)?
        }
        "google.protobuf.FieldMask" => {
            let paths: Vec<Value> = match json {
                Json::String(s) => s
                    .split(',')
                    .filter(|p| !p.is_empty())
                    .map(|p| Value::String(p.to_owned()))
                    .collect(),
                Json::Array(items) => items
                    .iter()
                    .filter_map(|i| i.as_str().map(|s| Value::String(s.to_owned())))
                    .collect(),
                _ => {
                    errors.push(path, "must be a list of field names");
                    Vec::new()
                }
            };
            m.set_field_by_name("paths", Value::List(paths));
        }
        "google.protobuf.Empty" => {}
        _ if name.ends_with("Value") => {
            let field = desc.get_field_by_name("value")?;
            if let Some(v) = read_singular(&field.kind(), json, path, errors) {
                m.set_field(&field, v);
            }
        }
        _ => return None,
    }
    Some(m)
}

/// Builds a `google.protobuf.Struct`, `Value` or `ListValue` from arbitrary JSON.
fn json_to_struct_like(desc: &MessageDescriptor, json: &Json) -> Option<DynamicMessage> {
    let pool = desc.parent_pool();
    let value_desc = pool.get_message_by_name("google.protobuf.Value")?;
    let list_desc = pool.get_message_by_name("google.protobuf.ListValue")?;
    let struct_desc = pool.get_message_by_name("google.protobuf.Struct")?;
    fn value(
        json: &Json,
        v: &MessageDescriptor,
        l: &MessageDescriptor,
        s: &MessageDescriptor,
    ) -> DynamicMessage {
        let mut m = DynamicMessage::new(v.clone());
        match json {
            Json::Null => m.set_field_by_name("null_value", Value::EnumNumber(0)),
            Json::Bool(b) => m.set_field_by_name("bool_value", Value::Bool(*b)),
            Json::Number(n) => {
                m.set_field_by_name("number_value", Value::F64(n.as_f64().unwrap_or(0.0)))
            }
            Json::String(x) => m.set_field_by_name("string_value", Value::String(x.clone())),
            Json::Array(_) => {
                m.set_field_by_name("list_value", Value::Message(list(json, v, l, s)))
            }
            Json::Object(_) => {
                m.set_field_by_name("struct_value", Value::Message(strukt(json, v, l, s)))
            }
        }
        m
    }
    fn list(
        json: &Json,
        v: &MessageDescriptor,
        l: &MessageDescriptor,
        s: &MessageDescriptor,
    ) -> DynamicMessage {
        let mut m = DynamicMessage::new(l.clone());
        let items = json.as_array().map(|a| {
            a.iter()
                .map(|j| Value::Message(value(j, v, l, s)))
                .collect()
        });
        m.set_field_by_name("values", Value::List(items.unwrap_or_default()));
        m
    }
    fn strukt(
        json: &Json,
        v: &MessageDescriptor,
        l: &MessageDescriptor,
        s: &MessageDescriptor,
    ) -> DynamicMessage {
        let mut m = DynamicMessage::new(s.clone());
        let fields = json
            .as_object()
            .map(|o| {
                o.iter()
                    .map(|(k, j)| (MapKey::String(k.clone()), Value::Message(value(j, v, l, s))))
                    .collect()
            })
            .unwrap_or_default();
        m.set_field_by_name("fields", Value::Map(fields));
        m
    }
    Some(match desc.full_name() {
        "google.protobuf.Value" => value(json, &value_desc, &list_desc, &struct_desc),
        "google.protobuf.ListValue" => list(json, &value_desc, &list_desc, &struct_desc),
        _ => strukt(json, &value_desc, &list_desc, &struct_desc),
    })
}

/// Parses one query-string or path value for `field` (a scalar, enum, timestamp or wrapper).
pub fn value_from_str(field: &FieldDescriptor, s: &str) -> Result<Value, String> {
    match field.kind() {
        Kind::Message(desc) if desc.full_name() == "google.protobuf.Timestamp" => {
            parse_timestamp(s)
                .map(|t| Value::Message(timestamp_message(&desc, t)))
                .ok_or_else(|| {
                    "must be an RFC 3339 timestamp, e.g. 2026-01-31T09:00:00Z".to_owned()
                })
        }
        Kind::Message(desc)
            if desc.full_name().starts_with("google.protobuf.")
                && desc.full_name().ends_with("Value") =>
        {
            let inner = desc
                .get_field_by_name("value")
                .ok_or("unsupported parameter type")?;
            let v = scalar_from_str(&inner.kind(), s)?;
            let mut m = DynamicMessage::new(desc);
            m.set_field(&inner, v);
            Ok(Value::Message(m))
        }
        kind => scalar_from_str(&kind, s),
    }
}

fn scalar_from_str(kind: &Kind, s: &str) -> Result<Value, String> {
    let int = |what: &str| format!("must be {what}");
    match kind {
        Kind::String if s.contains('\0') => Err("must not contain NUL characters".to_owned()),
        Kind::String => Ok(Value::String(s.to_owned())),
        Kind::Bool => match s {
            "true" => Ok(Value::Bool(true)),
            "false" => Ok(Value::Bool(false)),
            _ => Err("must be true or false".to_owned()),
        },
        Kind::Enum(e) => enum_from_str(e, s)
            .map(Value::EnumNumber)
            .ok_or_else(|| format!("must be one of: {}", enum_json_values(e).join(", "))),
        Kind::Int32 | Kind::Sint32 | Kind::Sfixed32 => {
            s.parse().map(Value::I32).map_err(|_| int("an integer"))
        }
        Kind::Int64 | Kind::Sint64 | Kind::Sfixed64 => {
            s.parse().map(Value::I64).map_err(|_| int("an integer"))
        }
        Kind::Uint32 | Kind::Fixed32 => s
            .parse()
            .map(Value::U32)
            .map_err(|_| int("a non-negative integer")),
        Kind::Uint64 | Kind::Fixed64 => s
            .parse()
            .map(Value::U64)
            .map_err(|_| int("a non-negative integer")),
        Kind::Double => s.parse().map(Value::F64).map_err(|_| int("a number")),
        Kind::Float => s.parse().map(Value::F32).map_err(|_| int("a number")),
        Kind::Bytes | Kind::Message(_) => Err("cannot be given as a query parameter".to_owned()),
    }
}
