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

mod encoded;
mod read;
#[cfg(test)]
mod tests;

pub use encoded::{NotDirect, encoded_to_json};
pub use read::{json_to_message, parse_timestamp, value_from_str};

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

pub(crate) fn screaming_snake(name: &str) -> String {
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
