//! Small conversions shared by the services: timestamps, pagination cursors, validation.

use base64::Engine as _;
use chrono::{DateTime, Datelike as _, Utc};
use storage::{Page, PageQuery};

use crate::error::{ServiceError, ServiceResult, Violations};

pub const DEFAULT_LIMIT: u32 = 25;
pub const MAX_LIMIT: u32 = 100;

pub fn timestamp(t: DateTime<Utc>) -> prost_types::Timestamp {
    prost_types::Timestamp {
        seconds: t.timestamp(),
        nanos: i32::try_from(t.timestamp_subsec_nanos()).unwrap_or(0),
    }
}

pub fn timestamp_opt(t: Option<DateTime<Utc>>) -> Option<prost_types::Timestamp> {
    t.map(timestamp)
}

/// A request timestamp; out-of-range values are a malformed parameter. The range is RFC
/// 3339's (years 0000 to 9999), which every supported database stores: a gRPC caller's
/// timestamp of year -5000 is a 400, not a database error.
pub fn from_timestamp(
    field: &str,
    t: Option<prost_types::Timestamp>,
) -> ServiceResult<Option<DateTime<Utc>>> {
    let Some(t) = t else { return Ok(None) };
    let nanos = u32::try_from(t.nanos)
        .ok()
        .filter(|n| *n < 1_000_000_000)
        .ok_or_else(|| ServiceError::malformed(field, "is not a valid timestamp"))?;
    DateTime::from_timestamp(t.seconds, nanos)
        .filter(|t| (0..=9999).contains(&t.year()))
        .map(Some)
        .ok_or_else(|| {
            ServiceError::malformed(field, "is not a valid timestamp (years 0000 to 9999)")
        })
}

/// Reads `limit` and `cursor`. The cursor is opaque to clients: the base64url of the last id
/// of the previous page, checked to be an id of the listed resource.
pub fn page_query(limit: Option<u32>, cursor: &str, id_prefix: &str) -> ServiceResult<PageQuery> {
    let limit = limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(ServiceError::malformed(
            "limit",
            format!("must be between 1 and {MAX_LIMIT}"),
        ));
    }
    let starting_after = if cursor.is_empty() {
        None
    } else {
        let id = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(cursor)
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .filter(|id| storage::ids::looks_like(id, id_prefix))
            .ok_or_else(|| {
                ServiceError::malformed(
                    "cursor",
                    "is not a cursor of this list; pass next_cursor as given",
                )
            })?;
        Some(id)
    };
    Ok(PageQuery {
        limit: u64::from(limit),
        starting_after,
    })
}

/// The cursor of the page after `page`, if there is one.
pub fn next_cursor<T>(page: &Page<T>, id: impl Fn(&T) -> &str) -> Option<String> {
    if !page.has_more {
        return None;
    }
    page.items
        .last()
        .map(|last| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(id(last)))
}

/// Field checks that collect every problem before answering.
pub struct Check<'a>(pub &'a mut Violations);

impl Check<'_> {
    pub fn required(&mut self, field: &str, value: &str) {
        if value.trim().is_empty() {
            self.0.add(field, "is required");
        }
    }

    pub fn max_chars(&mut self, field: &str, value: &str, max: usize) {
        if value.chars().count() > max {
            self.0
                .add(field, format!("must be at most {max} characters"));
        }
    }

    /// Free text: at most `max` characters, and no NUL character (PostgreSQL cannot store
    /// one; without this check it would be a 500).
    pub fn text(&mut self, field: &str, value: &str, max: usize) {
        self.max_chars(field, value, max);
        if value.contains('\0') {
            self.0.add(field, "must not contain NUL characters");
        }
    }

    pub fn max_items<T>(&mut self, field: &str, items: &[T], max: usize) {
        if items.len() > max {
            self.0.add(field, format!("must have at most {max} items"));
        }
    }

    /// An email address ([`crate::email::normalize`]): on success `value` becomes the address
    /// as stored (NFC, domain lowercased), so that what is written is what was checked.
    pub fn email(&mut self, field: &str, value: &mut String) {
        match crate::email::normalize(value) {
            Ok(normalized) => *value = normalized,
            Err(message) => self.0.add(field, message),
        }
    }
}

/// A JSON object as a `google.protobuf.Struct` (audit before/after, event data).
pub fn json_struct(value: &serde_json::Value) -> Option<prost_types::Struct> {
    match json_value(value).kind {
        Some(prost_types::value::Kind::StructValue(s)) => Some(s),
        _ => None,
    }
}

/// A `google.protobuf.Struct` as a JSON object (simulated event data). Integral numbers
/// become integers again, as the API renders amounts and counts.
pub fn struct_json(s: &prost_types::Struct) -> serde_json::Value {
    serde_json::Value::Object(
        s.fields
            .iter()
            .map(|(k, v)| (k.clone(), value_json(v)))
            .collect(),
    )
}

fn value_json(value: &prost_types::Value) -> serde_json::Value {
    use prost_types::value::Kind;
    use serde_json::Value as J;
    match &value.kind {
        None | Some(Kind::NullValue(_)) => J::Null,
        Some(Kind::BoolValue(b)) => J::Bool(*b),
        Some(Kind::NumberValue(n)) if n.fract() == 0.0 && n.abs() < 9.0e15 => J::from(*n as i64),
        Some(Kind::NumberValue(n)) => serde_json::Number::from_f64(*n).map_or(J::Null, J::Number),
        Some(Kind::StringValue(s)) => J::String(s.clone()),
        Some(Kind::ListValue(l)) => J::Array(l.values.iter().map(value_json).collect()),
        Some(Kind::StructValue(s)) => struct_json(s),
    }
}

fn json_value(value: &serde_json::Value) -> prost_types::Value {
    use prost_types::value::Kind;
    use serde_json::Value as J;
    let kind = match value {
        J::Null => Kind::NullValue(0),
        J::Bool(b) => Kind::BoolValue(*b),
        J::Number(n) => Kind::NumberValue(n.as_f64().unwrap_or(0.0)),
        J::String(s) => Kind::StringValue(s.clone()),
        J::Array(items) => Kind::ListValue(prost_types::ListValue {
            values: items.iter().map(json_value).collect(),
        }),
        J::Object(map) => Kind::StructValue(prost_types::Struct {
            fields: map
                .iter()
                .map(|(k, v)| (k.clone(), json_value(v)))
                .collect(),
        }),
    };
    prost_types::Value { kind: Some(kind) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_reject_garbage() {
        let id = storage::ids::new_id("cus");
        let page = Page {
            items: vec![id.clone()],
            has_more: true,
        };
        let cursor = next_cursor(&page, |s| s).unwrap();
        assert_eq!(
            page_query(None, &cursor, "cus").unwrap().starting_after,
            Some(id)
        );
        assert!(page_query(None, "!!", "cus").is_err());
        assert!(page_query(None, &cursor, "inv").is_err());
        assert!(page_query(Some(0), "", "cus").is_err());
        assert!(page_query(Some(101), "", "cus").is_err());
    }

    #[test]
    fn timestamps_stay_in_the_rfc3339_range() {
        let at =
            |seconds, nanos| from_timestamp("t", Some(prost_types::Timestamp { seconds, nanos }));
        assert!(at(0, 0).unwrap().is_some());
        assert!(at(253_402_300_799, 999_999_999).unwrap().is_some());
        assert!(at(253_402_300_800, 0).is_err());
        assert!(at(-62_167_219_200, 0).unwrap().is_some());
        assert!(at(-62_167_219_201, 0).is_err());
        assert!(at(-200_000_000_000, 0).is_err());
        assert!(at(0, -1).is_err());
        assert!(at(0, 1_000_000_000).is_err());
        assert!(from_timestamp("t", None).unwrap().is_none());
    }
}
