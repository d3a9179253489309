//! What the search index holds, read from the OpenAPI document (endpoints, resources and
//! their fields) and the guides (their sections, and the error codes of the errors guide).
//! Nothing here is written by hand: a new route or field in the proto reaches the search
//! through the generated document.

use serde_json::Value;

use crate::{
    guides::{self, Guide},
    search::{Doc, Kind},
};

/// The HTTP methods an OpenAPI path item may hold, in the order the reference shows them.
pub const METHODS: &[&str] = &[
    "get", "post", "put", "patch", "delete", "options", "head", "trace",
];

/// The anchor of an operation in the reference (Redoc's).
pub fn operation_url(operation_id: &str) -> String {
    format!("/docs/reference#operation/{operation_id}")
}

/// The anchor of a schema in the reference (Redoc lists them under the tag
/// [`crate::reference::SCHEMAS_TAG`], each at `schema/{name}`).
pub fn schema_url(name: &str) -> String {
    format!("/docs/reference#schema/{name}")
}

fn text(value: &Value, key: &str) -> String {
    value
        .get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

/// The path prefix of the document's first server (`/api/public/v1` of
/// `https://api.example.com/api/public/v1`), for documents whose paths leave it out.
pub fn server_prefix(openapi: &Value) -> String {
    let url = openapi
        .pointer("/servers/0/url")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let path = match url.split_once("://") {
        Some((_, rest)) => rest.find('/').map_or("", |i| &rest[i..]),
        None => url,
    };
    path.trim_end_matches('/').to_owned()
}

/// The path as a caller writes it: with the server's prefix unless it already has it.
pub fn full_path(prefix: &str, path: &str) -> String {
    if prefix.is_empty() || path.starts_with(prefix) {
        path.to_owned()
    } else {
        format!("{prefix}{path}")
    }
}

/// The schema a `$ref` points at, within the document.
pub fn resolve<'a>(openapi: &'a Value, schema: &'a Value) -> &'a Value {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(r) => r
            .strip_prefix('#')
            .and_then(|pointer| openapi.pointer(pointer))
            .unwrap_or(schema),
        None => schema,
    }
}

/// Every (path, method, operation) of the document, in path order.
pub fn operations(openapi: &Value) -> Vec<(&str, &str, &Value)> {
    let mut out = Vec::new();
    if let Some(paths) = openapi.get("paths").and_then(Value::as_object) {
        for (path, item) in paths {
            for method in METHODS {
                if let Some(op) = item.get(*method).filter(|op| op.is_object()) {
                    out.push((path.as_str(), *method, op));
                }
            }
        }
    }
    out
}

fn endpoint(openapi: &Value, prefix: &str, path: &str, method: &str, op: &Value) -> Doc {
    let id = text(op, "operationId");
    let tags: Vec<&str> = op
        .get("tags")
        .and_then(Value::as_array)
        .map(|t| t.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    // Parameter and body field names rank as identifiers; their descriptions as text.
    let mut names: Vec<String> = Vec::new();
    let mut body = vec![text(op, "description")];
    for p in op
        .get("parameters")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let p = resolve(openapi, p);
        names.push(text(p, "name"));
        body.push(text(p, "description"));
    }
    if let Some(content) = op
        .pointer("/requestBody/content")
        .and_then(Value::as_object)
    {
        for media in content.values() {
            let schema = resolve(openapi, media.get("schema").unwrap_or(&Value::Null));
            if let Some(props) = schema.get("properties").and_then(Value::as_object) {
                names.extend(props.keys().cloned());
            }
        }
    }
    if op.get("deprecated").and_then(Value::as_bool) == Some(true) {
        body.push("Deprecated.".into());
    }
    let summary = text(op, "summary");
    // The snippet opens with the summary, then the description.
    let body = std::iter::once(summary.clone())
        .chain(body)
        .filter(|s| !s.trim().is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    Doc {
        kind: Kind::Endpoint,
        title: format!("{} {}", method.to_uppercase(), full_path(prefix, path)),
        url: if id.is_empty() {
            "/docs/reference".to_owned()
        } else {
            operation_url(&id)
        },
        title_extra: summary,
        keywords: format!("{id} {} {}", tags.join(" "), names.join(" ")),
        body,
        boost: 1.0,
    }
}

/// Request and response envelopes (`CreateInvoiceRequest`) rank below the resources.
fn envelope(name: &str) -> bool {
    name.ends_with("Request") || name.ends_with("Response")
}

fn schema_docs(name: &str, schema: &Value, out: &mut Vec<Doc>) {
    let url = schema_url(name);
    let boost = if envelope(name) { 0.6 } else { 1.0 };
    let props = schema.get("properties").and_then(Value::as_object);
    let fields: Vec<&str> = props
        .map(|p| p.keys().map(String::as_str).collect())
        .unwrap_or_default();
    let description = text(schema, "description");
    out.push(Doc {
        kind: Kind::Resource,
        title: name.to_owned(),
        url: url.clone(),
        title_extra: String::new(),
        keywords: name.to_owned(),
        body: if fields.is_empty() {
            description
        } else {
            format!("{description} Fields: {}.", fields.join(", "))
                .trim()
                .to_owned()
        },
        boost,
    });
    for (field, prop) in props.into_iter().flatten() {
        let mut body = vec![text(prop, "description")];
        let kind = match (prop.get("type"), prop.get("format").and_then(Value::as_str)) {
            (Some(Value::String(t)), Some(f)) => format!("{t} ({f})"),
            (Some(Value::String(t)), None) => t.clone(),
            (Some(Value::Array(ts)), _) => ts
                .iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join(" or "),
            _ => String::new(),
        };
        if !kind.is_empty() {
            body.push(format!("Type: {kind}."));
        }
        if let Some(values) = prop.get("enum").and_then(Value::as_array) {
            let values: Vec<&str> = values.iter().filter_map(Value::as_str).collect();
            body.push(format!("One of: {}.", values.join(", ")));
        }
        out.push(Doc {
            kind: Kind::Field,
            title: format!("{name}.{field}"),
            url: url.clone(),
            title_extra: String::new(),
            keywords: field.clone(),
            body: body
                .into_iter()
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
                .join(" "),
            boost,
        });
    }
}

fn guide_docs(guide: &Guide, out: &mut Vec<Doc>) {
    let codes = if guide.slug == guides::ERRORS {
        guides::error_codes(guide)
    } else {
        Vec::new()
    };
    for section in &guide.sections {
        let url = if section.id.is_empty() {
            guide.url()
        } else {
            format!("{}#{}", guide.url(), section.id)
        };
        if let Some(code) = codes.iter().find(|c| std::ptr::eq(c.section, section)) {
            let title = match code.status {
                Some(status) => format!("{} ({status})", section.heading),
                None => section.heading.clone(),
            };
            out.push(Doc {
                kind: Kind::Error,
                title,
                url,
                title_extra: String::new(),
                keywords: section.heading.clone(),
                body: section.text.clone(),
                boost: 1.0,
            });
            continue;
        }
        if section.text.is_empty() {
            continue;
        }
        let title = if section.level == 0 {
            guide.title.clone()
        } else {
            format!("{} › {}", guide.title, section.heading)
        };
        out.push(Doc {
            kind: Kind::Guide,
            title,
            url,
            title_extra: String::new(),
            keywords: String::new(),
            body: section.text.clone(),
            boost: 1.0,
        });
    }
}

/// Every searchable document: endpoints, resources and fields, guide sections, errors.
pub fn documents(openapi: &Value, guides: &[Guide]) -> Vec<Doc> {
    let prefix = server_prefix(openapi);
    let mut out: Vec<Doc> = operations(openapi)
        .into_iter()
        .map(|(path, method, op)| endpoint(openapi, &prefix, path, method, op))
        .collect();
    if let Some(schemas) = openapi
        .pointer("/components/schemas")
        .and_then(Value::as_object)
    {
        for (name, schema) in schemas {
            schema_docs(name, schema, &mut out);
        }
    }
    for guide in guides {
        guide_docs(guide, &mut out);
    }
    out
}
