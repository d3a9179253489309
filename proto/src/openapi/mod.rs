//! The OpenAPI 3.1 document of the REST contract, generated from the descriptor pool that
//! also drives the gateway's routes and JSON mapping, so the two cannot drift: one
//! operation per `google.api.http` binding of a public RPC, its parameters and bodies in
//! the contract's JSON shape (`types.rs`), its scope as a security requirement and
//! `x-required-scope`, the errors and headers every route shares (`responses.rs`), and
//! the proto's comments as summaries and descriptions (`comments.rs`).

mod comments;
mod responses;
mod samples;
mod types;

use std::collections::{BTreeMap, HashSet};
use std::sync::OnceLock;

use prost_reflect::{Kind, MessageDescriptor};
use serde_json::{Map, Value as Json, json};

pub use samples::Examples;

use crate::{HttpBinding, MethodInfo, Schema, schema};
use comments::Comments;
use responses::ErrorSet;
use types::{Mode, Schemas};

/// The document of this build's contract (examples from `examples`, if any were given to
/// [`init`] before the first call).
pub fn document() -> &'static Json {
    DOCUMENT.get_or_init(|| build(schema(), &Examples::default()))
}

static DOCUMENT: OnceLock<Json> = OnceLock::new();

/// Builds the process's document with examples (the first call wins; later ones, and
/// calls after [`document`], keep the document already built).
pub fn init(examples: &Examples) -> &'static Json {
    DOCUMENT.get_or_init(|| build(schema(), examples))
}

/// The API's version as published (the proto package's major version).
pub const VERSION: &str = "1.0.0";

/// Builds the document from a schema.
pub fn build(schema: &Schema, examples: &Examples) -> Json {
    let pool = schema.pool();
    let comments = Comments::of(pool);
    let public: Vec<&MethodInfo> = schema.methods().iter().filter(|m| m.is_public()).collect();
    let mut schemas = Schemas::new(&comments, pool, writable_fields(&public));
    let mut paths: BTreeMap<String, Map<String, Json>> = BTreeMap::new();
    let mut tags: BTreeMap<String, Json> = BTreeMap::new();
    for method in &public {
        let tag = tag_of(method);
        tags.entry(tag.clone()).or_insert_with(|| {
            let service = method.descriptor.parent_service();
            let mut t = json!({"name": tag});
            if let Some(text) = comments.get(service.parent_file().name(), service.path()) {
                t["description"] = json!(text);
            }
            t
        });
        for (i, binding) in method.http.iter().enumerate() {
            let operation = Operation {
                method,
                binding,
                operation_id: if i == 0 {
                    method.descriptor.name().to_owned()
                } else {
                    format!("{}{}", method.descriptor.name(), i + 1)
                },
                tag: &tag,
                comments: &comments,
                examples,
            }
            .build(&mut schemas);
            paths
                .entry(binding.path.clone())
                .or_default()
                .insert(binding.method.to_ascii_lowercase(), operation);
        }
    }
    add_links(&mut paths);
    let mut components = schemas.components;
    components.insert("Error".into(), responses::error_schema());
    for (name, example) in examples.components() {
        if let Some(Json::Object(schema)) = components.get_mut(name) {
            schema.insert("examples".into(), json!([example]));
        }
    }
    let scopes = scopes_of(schema);
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Asteri public API",
            "version": VERSION,
            "summary": "Customers, appointments, estimates, invoices, payments, team, service \
                catalog, files and webhooks of a field-service business.",
            "description": "Every request carries an API key (`x-api-key`, or \
                `Authorization: Bearer`) and the organization it acts on \
                (`x-organization-id`). Each operation names the scope it needs \
                (`x-required-scope`). Errors share one body (`Error`); rate limits are \
                reported in `RateLimit-*` headers. POST requests accept an \
                `Idempotency-Key`.",
            "contact": {"name": "Asteri developer support", "url": "/docs"}
        },
        "servers": [{"url": "http://localhost:3000", "description": "`asteri dev`"}],
        "tags": tags.into_values().collect::<Vec<_>>(),
        "security": [],
        "paths": paths,
        "components": {
            "schemas": components,
            "responses": responses::error_responses(),
            "headers": responses::headers(),
            "securitySchemes": security_schemes(&scopes),
        },
        "x-scopes": scopes.iter().map(|(s, d)| json!({"scope": s, "description": d})).collect::<Vec<_>>(),
    })
}

/// Links from each `Create*` answer to the operations on the object it made
/// (`/customers` -> `/customers/{id}...`): the id to use next, for people and for tools
/// that chain calls (schemathesis' stateful phase).
fn add_links(paths: &mut BTreeMap<String, Map<String, Json>>) {
    let mut found = Vec::new();
    for (path, ops) in paths.iter() {
        let Some(create) = ops.get("post") else {
            continue;
        };
        if create["responses"].get("201").is_none() {
            continue;
        }
        let prefix = format!("{path}/{{id}}");
        let mut links = Map::new();
        for (other, other_ops) in paths.iter() {
            if *other != prefix && !other.starts_with(&format!("{prefix}/")) {
                continue;
            }
            for op in other_ops.values() {
                let id = op["operationId"].as_str().unwrap_or_default().to_owned();
                links.insert(
                    id.clone(),
                    json!({"operationId": id, "parameters": {"path.id": "$response.body#/id"}}),
                );
            }
        }
        if !links.is_empty() {
            found.push((path.clone(), links));
        }
    }
    for (path, links) in found {
        if let Some(Json::Object(created)) = paths
            .get_mut(&path)
            .and_then(|ops| ops.get_mut("post"))
            .and_then(|op| op.pointer_mut("/responses/201"))
        {
            created.insert("links".into(), Json::Object(links));
        }
    }
}

fn tag_of(method: &MethodInfo) -> String {
    let name = method.service_name();
    words(name.strip_suffix("Service").unwrap_or(name))
}

/// Field names that some request body of the same proto file sets: the fields of a
/// response message without such a twin are read-only.
fn writable_fields(public: &[&MethodInfo]) -> HashSet<(String, String)> {
    let mut out = HashSet::new();
    for method in public {
        for binding in &method.http {
            if binding.body.is_empty() {
                continue;
            }
            let input = method.descriptor.input();
            let path = binding.path_fields();
            let body: MessageDescriptor = match binding.body.as_str() {
                "*" => input,
                field => match input.get_field_by_name(field).map(|f| f.kind()) {
                    Some(Kind::Message(d)) => d,
                    _ => continue,
                },
            };
            for field in body.fields() {
                if !path.contains(&field.name()) {
                    out.insert((
                        method.descriptor.parent_file().name().to_owned(),
                        field.name().to_owned(),
                    ));
                }
            }
        }
    }
    out
}

/// Every scope of the vocabulary, with what it allows (its comment in `options.proto`).
fn scopes_of(schema: &Schema) -> Vec<(String, String)> {
    schema
        .scope_vocabulary()
        .iter()
        .map(|s| (s.name.clone(), s.description.clone()))
        .collect()
}

fn security_schemes(scopes: &[(String, String)]) -> Json {
    let list = scopes
        .iter()
        .map(|(s, d)| format!("`{s}` ({d})"))
        .collect::<Vec<_>>()
        .join(", ");
    json!({
        "ApiKey": {
            "type": "apiKey", "in": "header", "name": "x-api-key",
            "description": format!("An API key, `ast_live_...` or `ast_test_...` (a test key \
                works only on sandbox organizations). A key holds scopes from this \
                vocabulary: {list}.")
        },
        "Bearer": {
            "type": "http", "scheme": "bearer",
            "description": "The same API key (or an OAuth access token) as a bearer token."
        },
        "Organization": {
            "type": "apiKey", "in": "header", "name": "x-organization-id",
            "description": "The organization the request acts on (`org_...`): required on \
                every request, and it must be the key's own."
        }
    })
}

/// One operation of the document.
struct Operation<'a> {
    method: &'a MethodInfo,
    binding: &'a HttpBinding,
    operation_id: String,
    tag: &'a str,
    comments: &'a Comments,
    examples: &'a Examples,
}

impl Operation<'_> {
    fn build(&self, schemas: &mut Schemas<'_>) -> Json {
        let d = &self.method.descriptor;
        let scope = self.method.scope.clone().unwrap_or_default();
        let description = self
            .comments
            .get(d.parent_file().name(), d.path())
            .map(str::to_owned);
        // The RPC's name in words ("Refund payment"): comments often open with the state
        // change ("succeeded -> refunded"), which reads badly as a title.
        let summary = words(d.name());
        let mut op = Map::new();
        op.insert("operationId".into(), json!(self.operation_id));
        op.insert("summary".into(), json!(summary));
        let scope_note = format!("Requires the scope `{scope}`.");
        op.insert(
            "description".into(),
            json!(match &description {
                Some(text) => format!("{text}\n\n{scope_note}"),
                None => scope_note,
            }),
        );
        op.insert("tags".into(), json!([self.tag]));
        op.insert(
            "security".into(),
            json!([
                {"ApiKey": [scope], "Organization": []},
                {"Bearer": [scope], "Organization": []}
            ]),
        );
        op.insert("x-required-scope".into(), json!(scope));
        op.insert("parameters".into(), Json::Array(self.parameters(schemas)));
        let has_body = !self.binding.body.is_empty() || d.is_client_streaming();
        if let Some(body) = self.request_body(schemas) {
            op.insert("requestBody".into(), body);
        }
        op.insert("responses".into(), self.responses(schemas, has_body));
        if let Some(deprecation) = &self.method.deprecation {
            op.insert("deprecated".into(), Json::Bool(true));
            deprecation_notes(&mut op, deprecation);
        }
        op.insert(
            "x-codeSamples".into(),
            samples::code_samples(self.binding, self.examples, d),
        );
        Json::Object(op)
    }

    fn parameters(&self, schemas: &mut Schemas<'_>) -> Vec<Json> {
        let input = self.method.descriptor.input();
        let path_fields = self.binding.path_fields();
        let mut out = Vec::new();
        for name in &path_fields {
            let Some(field) = input.get_field_by_name(name) else {
                continue;
            };
            let mut p = json!({
                "name": name, "in": "path", "required": true,
                "schema": schemas.parameter(&field),
            });
            if let Some(text) = self.comments.get(field.parent_file().name(), field.path()) {
                p["description"] = json!(text);
            }
            out.push(p);
        }
        if self.binding.body != "*" && !self.method.descriptor.is_client_streaming() {
            for field in input.fields() {
                if path_fields.contains(&field.name())
                    || field.name() == self.binding.body
                    || field.is_map()
                    || !queryable(&field.kind())
                {
                    continue;
                }
                let mut p = json!({
                    "name": field.name(), "in": "query",
                    "required": schemas.required(&field),
                    "schema": schemas.parameter(&field),
                });
                if field.is_list() {
                    p["style"] = json!("form");
                    p["explode"] = json!(true);
                }
                if let Some(text) = self.comments.get(field.parent_file().name(), field.path()) {
                    p["description"] = json!(text);
                }
                out.push(p);
            }
        }
        if self.binding.method == "POST" {
            out.push(json!({
                "name": "Idempotency-Key", "in": "header", "required": false,
                "description": "Makes a retried POST safe: the first answer is stored for 24 \
                    hours and replayed (with `Idempotent-Replayed: true`) for a repeat with \
                    the same key and body; the same key with another body is 409 \
                    `idempotency_key_reused`.",
                "schema": {"type": "string", "minLength": 1, "maxLength": 255}
            }));
        }
        out
    }

    fn request_body(&self, schemas: &mut Schemas<'_>) -> Option<Json> {
        let d = &self.method.descriptor;
        if d.is_client_streaming() {
            return Some(json!({
                "required": true,
                "content": {"multipart/form-data": {"schema": {
                    "type": "object",
                    "properties": {"file": {"type": "string", "contentMediaType": "application/octet-stream",
                        "description": "The content; its filename and Content-Type name the file."}},
                    "required": ["file"]
                }}}
            }));
        }
        let input = d.input();
        let (schema, required) = match self.binding.body.as_str() {
            "" => return None,
            "*" => {
                let path = self.binding.path_fields();
                let name = Schemas::name(&input, Mode::Input);
                let schema = schemas.message(&input, Mode::Input, &path);
                // An empty body reads as `{}`: a body is needed only to give required fields.
                let required = schema.get("required").is_some();
                schemas.components.insert(name.clone(), schema);
                (
                    json!({"$ref": format!("#/components/schemas/{name}")}),
                    required,
                )
            }
            field => match input.get_field_by_name(field).map(|f| f.kind()) {
                Some(Kind::Message(desc)) => (schemas.reference(&desc, Mode::Input), true),
                _ => return None,
            },
        };
        let mut media = json!({"schema": schema});
        if let Some(example) = self.examples.request(&input) {
            media["example"] = example.clone();
        }
        Some(json!({"required": required, "content": {"application/json": media}}))
    }

    fn responses(&self, schemas: &mut Schemas<'_>, has_body: bool) -> Json {
        let d = &self.method.descriptor;
        let output = d.output();
        let mut out = Map::new();
        let headers = Json::Object(responses::common_headers());
        if d.is_server_streaming() {
            out.insert("200".into(), json!({
                "description": "The content, with its Content-Type, Content-Length and Content-Disposition.",
                "headers": headers,
                "content": {"*/*": {"schema": {"type": "string", "contentMediaType": "application/octet-stream"}}}
            }));
        } else if output.full_name() == "google.protobuf.Empty" {
            out.insert(
                "204".into(),
                json!({"description": "Done; no body.", "headers": headers}),
            );
        } else {
            let status = if d.name().starts_with("Create") {
                "201"
            } else {
                "200"
            };
            let shown = match self.binding.response_body.as_str() {
                "" => Some(output.clone()),
                field => output
                    .get_field_by_name(field)
                    .and_then(|f| match f.kind() {
                        Kind::Message(m) => Some(m),
                        _ => None,
                    }),
            };
            let schema = shown
                .as_ref()
                .map_or_else(|| json!({}), |m| schemas.reference(m, Mode::Output));
            let mut media = json!({"schema": schema});
            if let Some(example) = shown.as_ref().and_then(|m| self.examples.response(m)) {
                media["example"] = example.clone();
            }
            out.insert(
                status.into(),
                json!({
                    "description": if status == "201" { "Created." } else { "OK." },
                    "headers": headers,
                    "content": {"application/json": media}
                }),
            );
        }
        let errors = ErrorSet {
            has_path_id: !self.binding.path_fields().is_empty(),
            has_body,
            writes: self.binding.method != "GET",
        };
        for (status, name) in errors.responses() {
            out.insert(
                status.into(),
                json!({"$ref": format!("#/components/responses/{name}")}),
            );
        }
        Json::Object(out)
    }
}

/// `x-deprecated-at` / `x-sunset-at`: the dates the `Deprecation` and `Sunset` headers
/// announce.
pub(crate) fn deprecation_notes(target: &mut Map<String, Json>, d: &crate::schema::Deprecation) {
    target.insert("x-deprecated-at".into(), json!(d.deprecated_at.to_string()));
    if let Some(sunset) = d.sunset_at {
        target.insert("x-sunset-at".into(), json!(sunset.to_string()));
    }
}

/// Whether the gateway reads a field of this kind from the query string.
fn queryable(kind: &Kind) -> bool {
    match kind {
        Kind::Message(d) => {
            let n = d.full_name();
            n == "google.protobuf.Timestamp"
                || (n.starts_with("google.protobuf.")
                    && n.ends_with("Value")
                    && n != "google.protobuf.Value"
                    && n != "google.protobuf.ListValue")
        }
        Kind::Bytes => false,
        _ => true,
    }
}

/// `ListCustomers` -> `List customers`.
fn words(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            out.push(' ');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests;
