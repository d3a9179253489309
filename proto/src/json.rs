//! The contract's JSON mapping (CONTRACT section 5), derived once from the descriptors for
//! every message, in both directions:
//!
//! - field names are the proto field names (snake_case);
//! - 64-bit integers are JSON numbers, not strings;
//! - enum values are the value name without the enum's prefix, lower-cased
//!   (`APPOINTMENT_STATUS_IN_PROGRESS` -> `"in_progress"`); the zero value reads as `null`;
//! - `google.protobuf.Timestamp` is RFC 3339 UTC with a `Z`; `Struct`/`Value` are plain JSON;
//! - fields without a value (unset messages, unset `optional` scalars) are `null`, so every
//!   documented field is always present in a response.
//!
//! Parsing is strict: unknown fields and wrongly typed values are errors naming the field.
//! This is why the gateway does not use pbjson: its canonical proto3 JSON (camelCase, string
//! int64s, `ENUM_NAME` values) is not this contract.

use std::collections::BTreeMap;

use base64::Engine as _;
use chrono::{DateTime, SecondsFormat, Utc};
use prost_reflect::{
    DynamicMessage, EnumDescriptor, FieldDescriptor, Kind, MapKey, MessageDescriptor,
    ReflectMessage as _, Value,
};
use serde_json::{Map, Number, Value as Json};

use crate::schema;

/// Field-level problems found while reading JSON: the field path and what is wrong with it.
#[derive(Debug, Default, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid JSON for the request: {}", .0.iter().map(|(k, v)| format!("{k}: {}", v.join(", "))).collect::<Vec<_>>().join("; "))]
pub struct JsonErrors(pub BTreeMap<String, Vec<String>>);

impl JsonErrors {
    pub fn push(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.0.entry(path.into()).or_default().push(message.into());
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Renders a generated message in the contract's JSON.
pub fn to_json<M: prost::Message + prost::Name>(message: &M) -> Json {
    match dynamic(message) {
        Some(dynamic) => message_to_json(&dynamic),
        None => Json::Null,
    }
}

/// The dynamic twin of a generated message (same bytes, read through the descriptor).
pub fn dynamic<M: prost::Message + prost::Name>(message: &M) -> Option<DynamicMessage> {
    let desc = schema().pool().get_message_by_name(&M::full_name())?;
    DynamicMessage::decode(desc, message.encode_to_vec().as_slice()).ok()
}

pub fn message_to_json(message: &DynamicMessage) -> Json {
    let desc = message.descriptor();
    if let Some(json) = well_known_to_json(&desc, message) {
        return json;
    }
    let mut out = Map::new();
    for field in desc.fields() {
        let json = if field.is_list() || field.is_map() {
            field_to_json(&field, &message.get_field(&field))
        } else if field.supports_presence() && !message.has_field(&field) {
            Json::Null
        } else {
            field_to_json(&field, &message.get_field(&field))
        };
        out.insert(field.name().to_owned(), json);
    }
    Json::Object(out)
}

fn field_to_json(field: &FieldDescriptor, value: &Value) -> Json {
    match value {
        Value::List(items) => Json::Array(
            items
                .iter()
                .map(|v| singular_to_json(&field.kind(), v))
                .collect(),
        ),
        Value::Map(entries) => {
            let value_kind = match field.kind() {
                Kind::Message(entry) => entry.map_entry_value_field().kind(),
                other => other,
            };
            let mut out = Map::new();
            for (k, v) in entries {
                let key = match k {
                    MapKey::Bool(b) => b.to_string(),
                    MapKey::I32(n) => n.to_string(),
                    MapKey::I64(n) => n.to_string(),
                    MapKey::U32(n) => n.to_string(),
                    MapKey::U64(n) => n.to_string(),
                    MapKey::String(s) => s.clone(),
                };
                out.insert(key, singular_to_json(&value_kind, v));
            }
            Json::Object(out)
        }
        other => singular_to_json(&field.kind(), other),
    }
}

fn singular_to_json(kind: &Kind, value: &Value) -> Json {
    match (kind, value) {
        (Kind::Enum(e), Value::EnumNumber(n)) => enum_to_json(e, *n),
        (_, Value::Bool(b)) => Json::Bool(*b),
        (_, Value::I32(n)) => Json::from(*n),
        (_, Value::I64(n)) => Json::from(*n),
        (_, Value::U32(n)) => Json::from(*n),
        (_, Value::U64(n)) => Json::from(*n),
        (_, Value::F32(n)) => Number::from_f64(f64::from(*n)).map_or(Json::Null, Json::Number),
        (_, Value::F64(n)) => Number::from_f64(*n).map_or(Json::Null, Json::Number),
        (_, Value::String(s)) => Json::String(s.clone()),
        (_, Value::Bytes(b)) => Json::String(base64::engine::general_purpose::STANDARD.encode(b)),
        (_, Value::Message(m)) => message_to_json(m),
        (_, Value::EnumNumber(n)) => Json::from(*n),
        (_, Value::List(_) | Value::Map(_)) => Json::Null,
    }
}

/// `APPOINTMENT_STATUS_IN_PROGRESS` of `AppointmentStatus` -> `in_progress`.
pub fn enum_value_json_name(e: &EnumDescriptor, full: &str) -> String {
    let prefix = format!("{}_", screaming_snake(e.name()));
    full.strip_prefix(&prefix)
        .unwrap_or(full)
        .to_ascii_lowercase()
}

fn enum_to_json(e: &EnumDescriptor, n: i32) -> Json {
    if n == 0 {
        return Json::Null;
    }
    match e.get_value(n) {
        Some(v) => Json::String(enum_value_json_name(e, v.name())),
        None => Json::from(n),
    }
}

/// The JSON names an enum accepts, in declaration order (the zero value excluded).
pub fn enum_json_values(e: &EnumDescriptor) -> Vec<String> {
    e.values()
        .filter(|v| v.number() != 0)
        .map(|v| enum_value_json_name(e, v.name()))
        .collect()
}

fn screaming_snake(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    let mut prev_lower = false;
    for c in name.chars() {
        if c.is_ascii_uppercase() && prev_lower {
            out.push('_');
        }
        prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        out.push(c.to_ascii_uppercase());
    }
    out
}

fn well_known_to_json(desc: &MessageDescriptor, m: &DynamicMessage) -> Option<Json> {
    let get = |name: &str| m.get_field_by_name(name).map(|v| v.into_owned());
    Some(match desc.full_name() {
        "google.protobuf.Timestamp" => {
            let secs = get("seconds")?.as_i64()?;
            let nanos = get("nanos")?.as_i32()?;
            match DateTime::<Utc>::from_timestamp(secs, u32::try_from(nanos).unwrap_or(0)) {
                Some(t) => Json::String(t.to_rfc3339_opts(SecondsFormat::AutoSi, true)),
                None => Json::Null,
            }
        }
        "google.protobuf.Struct" => match get("fields")? {
            Value::Map(entries) => Json::Object(
                entries
                    .iter()
                    .filter_map(|(k, v)| {
                        Some((
                            k.as_str()?.to_owned(),
                            singular_to_json(&value_kind(desc)?, v),
                        ))
                    })
                    .collect(),
            ),
            _ => Json::Object(Map::new()),
        },
        "google.protobuf.ListValue" => match get("values")? {
            Value::List(items) => Json::Array(
                items
                    .iter()
                    .filter_map(|v| v.as_message().map(message_to_json))
                    .collect(),
            ),
            _ => Json::Array(Vec::new()),
        },
        "google.protobuf.Value" => {
            let Some(field) = m.fields().next().map(|(f, _)| f) else {
                return Some(Json::Null);
            };
            match (field.name(), m.get_field(&field).as_ref()) {
                ("null_value", _) => Json::Null,
                // Integral values print as integers (money, counts), as they were sent.
                ("number_value", Value::F64(n)) if n.fract() == 0.0 && n.abs() < 9.0e15 => {
                    Json::from(*n as i64)
                }
                ("number_value", Value::F64(n)) => {
                    Number::from_f64(*n).map_or(Json::Null, Json::Number)
                }
                ("string_value", Value::String(s)) => Json::String(s.clone()),
                ("bool_value", Value::Bool(b)) => Json::Bool(*b),
                (_, Value::Message(inner)) => message_to_json(inner),
                _ => Json::Null,
            }
        }
        "google.protobuf.FieldMask" => match get("paths")? {
            Value::List(items) => Json::Array(
                items
                    .iter()
                    .filter_map(|v| v.as_str().map(Json::from))
                    .collect(),
            ),
            _ => Json::Array(Vec::new()),
        },
        "google.protobuf.Empty" => Json::Object(Map::new()),
        name if name.starts_with("google.protobuf.") && name.ends_with("Value") => {
            let field = desc.get_field_by_name("value")?;
            singular_to_json(&field.kind(), &m.get_field(&field))
        }
        _ => return None,
    })
}

fn value_kind(struct_desc: &MessageDescriptor) -> Option<Kind> {
    match struct_desc.get_field_by_name("fields")?.kind() {
        Kind::Message(entry) => Some(entry.map_entry_value_field().kind()),
        _ => None,
    }
}

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

#[cfg(test)]
mod tests {
    use super::*;
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
}
