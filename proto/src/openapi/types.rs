//! JSON Schemas of messages as the contract's JSON mapping writes and reads them
//! (`crate::json`): snake_case names, 64-bit integers as numbers, short lowercase enum
//! values with `null` for the zero value, RFC 3339 timestamps, `null` for an unset message
//! or `optional` scalar.
//!
//! A message has two schemas. Its *output* schema (`Customer`) is what responses carry:
//! every field is always present, so every field is `required`, and fields no request
//! body of the same file can set are `readOnly`. Its *input* schema (`AddressInput`, or the
//! request's own name) is what request bodies accept: only fields marked
//! `(google.api.field_behavior) = REQUIRED` are required, and unknown fields are refused
//! (`additionalProperties: false`), as the gateway's strict parser does.

use std::collections::{BTreeMap, HashSet};

use prost_reflect::{
    DynamicMessage, EnumDescriptor, ExtensionDescriptor, FieldDescriptor, Kind, MessageDescriptor,
    Value,
};
use serde_json::{Map, Value as Json, json};

use super::comments::Comments;
use crate::json::enum_value_json_name;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Output,
    Input,
}

/// The `components.schemas` being built, and what the builder needs to know.
pub struct Schemas<'a> {
    comments: &'a Comments,
    /// Field names some request body of that proto file can set (for `readOnly`).
    writable: HashSet<(String, String)>,
    behavior: Option<ExtensionDescriptor>,
    limits: Option<ExtensionDescriptor>,
    pub components: BTreeMap<String, Json>,
}

const FIELD_BEHAVIOR_REQUIRED: i32 = 2;

impl<'a> Schemas<'a> {
    pub fn new(
        comments: &'a Comments,
        pool: &prost_reflect::DescriptorPool,
        writable: HashSet<(String, String)>,
    ) -> Self {
        Self {
            comments,
            writable,
            behavior: pool.get_extension_by_name("google.api.field_behavior"),
            limits: pool.get_extension_by_name("asteri.v1.limits"),
            components: BTreeMap::new(),
        }
    }

    /// The component name of a message's schema in a mode.
    pub fn name(desc: &MessageDescriptor, mode: Mode) -> String {
        let name = desc.name();
        match mode {
            Mode::Output => name.to_owned(),
            Mode::Input if name.ends_with("Request") || name.ends_with("Input") => name.to_owned(),
            Mode::Input => format!("{name}Input"),
        }
    }

    /// A `$ref` to the message's schema, building it (and what it refers to) on first use.
    pub fn reference(&mut self, desc: &MessageDescriptor, mode: Mode) -> Json {
        let name = Self::name(desc, mode);
        if !self.components.contains_key(&name) {
            // Placed first, so that a recursive message refers to itself instead of looping.
            self.components.insert(name.clone(), Json::Null);
            let schema = self.message(desc, mode, &[]);
            self.components.insert(name.clone(), schema);
        }
        json!({"$ref": format!("#/components/schemas/{name}")})
    }

    /// The schema of a message, leaving out `skip` (fields bound from the path).
    pub fn message(&mut self, desc: &MessageDescriptor, mode: Mode, skip: &[&str]) -> Json {
        let mut properties = Map::new();
        let mut required = Vec::new();
        for field in desc.fields() {
            if skip.contains(&field.name()) || (mode == Mode::Input && is_field_mask(&field)) {
                continue;
            }
            let mut schema = self.field(&field, mode);
            if mode == Mode::Output {
                required.push(field.name().to_owned());
                let key = (
                    desc.parent_file().name().to_owned(),
                    field.name().to_owned(),
                );
                if !self.writable.contains(&key) && !desc.name().ends_with("Response") {
                    schema.insert("readOnly".into(), Json::Bool(true));
                }
            } else if self.is_required(&field) {
                required.push(field.name().to_owned());
            }
            properties.insert(field.name().to_owned(), Json::Object(schema));
        }
        let mut schema = Map::new();
        schema.insert("type".into(), json!("object"));
        if let Some(text) = self.describe(desc.parent_file().name(), desc.path()) {
            schema.insert("description".into(), json!(text));
        }
        schema.insert("properties".into(), Json::Object(properties));
        if !required.is_empty() {
            schema.insert("required".into(), json!(required));
        }
        if mode == Mode::Input {
            schema.insert("additionalProperties".into(), Json::Bool(false));
        }
        Json::Object(schema)
    }

    /// The schema of one field: its value, description, limits and deprecation.
    pub fn field(&mut self, field: &FieldDescriptor, mode: Mode) -> Map<String, Json> {
        let limits = self.limits_of(field);
        let mut schema = if field.is_map() {
            let value = match field.kind() {
                Kind::Message(entry) => entry.map_entry_value_field(),
                _ => field.clone(),
            };
            let inner = self.kind(&value.kind(), mode, false);
            object(json!({"type": "object", "additionalProperties": inner}))
        } else if field.is_list() {
            let mut items = self.kind(&field.kind(), mode, false);
            if let Some(Json::Object(items)) = Some(&mut items) {
                apply_value_limits(items, &limits);
            }
            let mut array = object(json!({"type": "array", "items": items}));
            if let Some(max) = limits.max_items {
                array.insert("maxItems".into(), json!(max));
            }
            array
        } else {
            let nullable = field.supports_presence();
            let mut value = object(self.kind(&field.kind(), mode, nullable));
            apply_value_limits(&mut value, &limits);
            value
        };
        if let Some(text) = self.describe(field.parent_file().name(), field.path()) {
            // `$ref` siblings are allowed in 3.1; keep the description beside it.
            schema.insert("description".into(), json!(text));
        }
        if field
            .field_descriptor_proto()
            .options
            .as_ref()
            .and_then(|o| o.deprecated)
            == Some(true)
        {
            schema.insert("deprecated".into(), Json::Bool(true));
            if let Some(d) = crate::schema::field_deprecation(field) {
                super::deprecation_notes(&mut schema, &d);
            }
        }
        schema
    }

    /// The schema of a query or path parameter's value.
    pub fn parameter(&mut self, field: &FieldDescriptor) -> Json {
        let limits = self.limits_of(field);
        let mut value = object(self.kind(&field.kind(), Mode::Input, false));
        apply_value_limits(&mut value, &limits);
        if field.is_list() {
            return json!({"type": "array", "items": value});
        }
        Json::Object(value)
    }

    fn kind(&mut self, kind: &Kind, mode: Mode, nullable: bool) -> Json {
        let schema = match kind {
            Kind::Double | Kind::Float => json!({"type": "number"}),
            Kind::Int32 | Kind::Sint32 | Kind::Sfixed32 => {
                json!({"type": "integer", "format": "int32"})
            }
            Kind::Int64 | Kind::Sint64 | Kind::Sfixed64 => {
                json!({"type": "integer", "format": "int64"})
            }
            Kind::Uint32 | Kind::Fixed32 => {
                json!({"type": "integer", "minimum": 0, "maximum": u32::MAX})
            }
            Kind::Uint64 | Kind::Fixed64 => {
                json!({"type": "integer", "format": "int64", "minimum": 0})
            }
            Kind::Bool => json!({"type": "boolean"}),
            Kind::String => json!({"type": "string"}),
            Kind::Bytes => json!({"type": "string", "contentEncoding": "base64"}),
            // The zero value of every enum is written as null.
            Kind::Enum(e) => return self.enumeration(e),
            Kind::Message(desc) => match well_known(desc, mode) {
                Some(schema) => schema,
                None => self.reference(desc, mode),
            },
        };
        if nullable { or_null(schema) } else { schema }
    }

    fn enumeration(&self, e: &EnumDescriptor) -> Json {
        let mut values: Vec<Json> = e
            .values()
            .filter(|v| v.number() != 0)
            .map(|v| json!(enum_value_json_name(e, v.name())))
            .collect();
        values.push(Json::Null);
        let mut lines = Vec::new();
        for v in e.values().filter(|v| v.number() != 0) {
            if let Some(text) = self.describe(e.parent_file().name(), v.path()) {
                lines.push(format!("- `{}`: {text}", enum_value_json_name(e, v.name())));
            }
        }
        let mut schema = object(json!({"type": ["string", "null"], "enum": values}));
        let head = self.describe(e.parent_file().name(), e.path());
        let text = match (head, lines.is_empty()) {
            (Some(h), true) => Some(h.to_owned()),
            (Some(h), false) => Some(format!("{h}\n\n{}", lines.join("\n"))),
            (None, false) => Some(lines.join("\n")),
            (None, true) => None,
        };
        if let Some(text) = text {
            schema.insert("description".into(), json!(text));
        }
        Json::Object(schema)
    }

    fn describe(&self, file: &str, path: &[i32]) -> Option<&str> {
        self.comments.get(file, path)
    }

    fn is_required(&self, field: &FieldDescriptor) -> bool {
        let Some(ext) = &self.behavior else {
            return false;
        };
        let options = field.options();
        if !options.has_extension(ext) {
            return false;
        }
        match options.get_extension(ext).as_ref() {
            Value::List(items) => items
                .iter()
                .any(|v| v.as_enum_number() == Some(FIELD_BEHAVIOR_REQUIRED)),
            other => other.as_enum_number() == Some(FIELD_BEHAVIOR_REQUIRED),
        }
    }

    /// Whether a field must be given in a request (`REQUIRED`).
    pub fn required(&self, field: &FieldDescriptor) -> bool {
        self.is_required(field)
    }

    fn limits_of(&self, field: &FieldDescriptor) -> Limits {
        let Some(ext) = &self.limits else {
            return Limits::default();
        };
        let options = field.options();
        if !options.has_extension(ext) {
            return Limits::default();
        }
        match options.get_extension(ext).as_ref() {
            Value::Message(m) => Limits::of(m),
            _ => Limits::default(),
        }
    }
}

/// The bounds of `(asteri.v1.limits)`.
#[derive(Default)]
struct Limits {
    minimum: Option<i64>,
    maximum: Option<i64>,
    max_length: Option<u32>,
    max_items: Option<u32>,
}

impl Limits {
    fn of(m: &DynamicMessage) -> Self {
        let get = |name: &str| {
            m.has_field_by_name(name)
                .then(|| m.get_field_by_name(name))
                .flatten()
        };
        Self {
            minimum: get("minimum").and_then(|v| v.as_i64()),
            maximum: get("maximum").and_then(|v| v.as_i64()),
            max_length: get("max_length").and_then(|v| v.as_u32()),
            max_items: get("max_items").and_then(|v| v.as_u32()),
        }
    }
}

fn apply_value_limits(schema: &mut Map<String, Json>, limits: &Limits) {
    if let Some(min) = limits.minimum {
        schema.insert("minimum".into(), json!(min));
    }
    if let Some(max) = limits.maximum {
        schema.insert("maximum".into(), json!(max));
    }
    if let Some(len) = limits.max_length {
        schema.insert("maxLength".into(), json!(len));
    }
}

fn object(value: Json) -> Map<String, Json> {
    match value {
        Json::Object(map) => map,
        other => {
            let mut map = Map::new();
            map.insert("allOf".into(), Json::Array(vec![other]));
            map
        }
    }
}

/// `T` or `null`: a field with presence that is unset is written as `null`.
fn or_null(schema: Json) -> Json {
    match schema {
        Json::Object(mut map) => {
            if map.contains_key("$ref") {
                return json!({"anyOf": [Json::Object(map), {"type": "null"}]});
            }
            match map.get("type").cloned() {
                Some(Json::String(t)) => {
                    map.insert("type".into(), json!([t, "null"]));
                    Json::Object(map)
                }
                Some(Json::Array(mut types)) => {
                    if !types.contains(&json!("null")) {
                        types.push(json!("null"));
                    }
                    map.insert("type".into(), Json::Array(types));
                    Json::Object(map)
                }
                // `{}` (any value) already admits null.
                _ => Json::Object(map),
            }
        }
        other => other,
    }
}

fn is_field_mask(field: &FieldDescriptor) -> bool {
    matches!(field.kind(), Kind::Message(d) if d.full_name() == "google.protobuf.FieldMask")
}

/// The well-known types, as the JSON mapping writes them.
fn well_known(desc: &MessageDescriptor, _mode: Mode) -> Option<Json> {
    let name = desc.full_name();
    Some(match name {
        "google.protobuf.Timestamp" => json!({"type": "string", "format": "date-time"}),
        "google.protobuf.Struct" | "google.protobuf.Empty" => json!({"type": "object"}),
        "google.protobuf.ListValue" => json!({"type": "array"}),
        "google.protobuf.Value" => json!({}),
        "google.protobuf.FieldMask" => json!({"type": "string"}),
        "google.protobuf.Duration" => {
            json!({"type": "string", "pattern": "^-?[0-9]+(\\.[0-9]+)?s$"})
        }
        _ if name.starts_with("google.protobuf.") && name.ends_with("Value") => {
            let inner = desc.get_field_by_name("value")?;
            match inner.kind() {
                Kind::Double | Kind::Float => json!({"type": "number"}),
                Kind::Bool => json!({"type": "boolean"}),
                Kind::String => json!({"type": "string"}),
                Kind::Bytes => json!({"type": "string", "contentEncoding": "base64"}),
                _ => json!({"type": "integer"}),
            }
        }
        _ => return None,
    })
}
