//! The API reference: the OpenAPI document as Redoc renders it, with request examples in
//! curl and TypeScript. Redoc shows an operation's `x-codeSamples`; an operation that has
//! none gets them here, made from its method, path, parameters and request body, so that the
//! examples follow the contract like everything else in the document.

use serde_json::{Map, Value, json};

use crate::corpus::{self, full_path, resolve};

/// The tag under which Redoc lists every schema (its `schemaDefinitionsTagName` option).
pub const SCHEMAS_TAG: &str = "Schemas";

/// Where requests go in the examples when the document names no absolute server: the
/// address `asteri dev` listens on.
const LOCAL_BASE: &str = "http://127.0.0.1:3000";

/// The document the reference renders: `openapi` with code samples on every operation.
pub fn document(openapi: &Value) -> Value {
    let mut doc = openapi.clone();
    let base = base_url(openapi);
    let prefix = corpus::server_prefix(openapi);
    let mut samples = Vec::new();
    for (path, method, op) in corpus::operations(openapi) {
        if op.get("x-codeSamples").is_none() {
            let url = format!("{base}{}", full_path(&prefix, path));
            samples.push((
                path.to_owned(),
                method,
                code_samples(openapi, &url, method, op),
            ));
        }
    }
    for (path, method, value) in samples {
        if let Some(op) = doc
            .get_mut("paths")
            .and_then(|p| p.get_mut(&path))
            .and_then(|item| item.get_mut(method))
            .and_then(Value::as_object_mut)
        {
            op.insert("x-codeSamples".into(), value);
        }
    }
    doc
}

/// The scheme and host of the first server when it has them, else the local address.
fn base_url(openapi: &Value) -> String {
    let url = openapi
        .pointer("/servers/0/url")
        .and_then(Value::as_str)
        .unwrap_or_default();
    match url.split_once("://") {
        Some((scheme, rest)) => {
            let host = rest.split('/').next().unwrap_or_default();
            format!("{scheme}://{host}")
        }
        None => LOCAL_BASE.to_owned(),
    }
}

/// `{id}` -> `$ID` for the shell (curl reads `{...}` as a glob), `${id}` for TypeScript.
fn shell_path(url: &str) -> String {
    let mut out = String::new();
    let mut rest = url;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}') else {
            break;
        };
        out.push_str(&rest[..open]);
        out.push('$');
        out.push_str(&rest[open + 1..open + close].to_uppercase());
        rest = &rest[open + close + 1..];
    }
    out.push_str(rest);
    out
}

fn ts_path(url: &str) -> String {
    url.replace('{', "${")
}

/// A placeholder value for a schema: its example, its first enum value, or a value of its
/// type.
fn example(openapi: &Value, schema: &Value) -> Value {
    let schema = resolve(openapi, schema);
    if let Some(e) = schema.get("example") {
        return e.clone();
    }
    if let Some(e) = schema
        .get("examples")
        .and_then(Value::as_array)
        .and_then(|e| e.first())
    {
        return e.clone();
    }
    if let Some(first) = schema
        .get("enum")
        .and_then(Value::as_array)
        .and_then(|e| e.first())
    {
        return first.clone();
    }
    let ty = match schema.get("type") {
        Some(Value::String(t)) => t.as_str(),
        // OpenAPI 3.1 nullable types: ["string", "null"].
        Some(Value::Array(ts)) => ts
            .iter()
            .filter_map(Value::as_str)
            .find(|t| *t != "null")
            .unwrap_or("null"),
        _ => "object",
    };
    match ty {
        "string" => match schema.get("format").and_then(Value::as_str) {
            Some("date-time") => json!("2026-01-01T09:00:00Z"),
            Some("date") => json!("2026-01-01"),
            _ => json!("string"),
        },
        "integer" | "number" => json!(0),
        "boolean" => json!(false),
        "array" => json!([]),
        "null" => Value::Null,
        _ => json!({}),
    }
}

/// The JSON body of an example: the required fields, or the first three when none is
/// required; read-only fields and path parameters left out.
fn example_body(openapi: &Value, schema: &Value, path_params: &[&str]) -> Map<String, Value> {
    let schema = resolve(openapi, schema);
    let mut body = Map::new();
    let Some(props) = schema.get("properties").and_then(Value::as_object) else {
        return body;
    };
    let required: Vec<&str> = schema
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let writable = props.iter().filter(|(name, prop)| {
        !path_params.contains(&name.as_str())
            && resolve(openapi, prop)
                .get("readOnly")
                .and_then(Value::as_bool)
                != Some(true)
    });
    let chosen: Vec<(&String, &Value)> = if required.is_empty() {
        writable.take(3).collect()
    } else {
        writable
            .filter(|(name, _)| required.contains(&name.as_str()))
            .collect()
    };
    for (name, prop) in chosen {
        body.insert(name.clone(), example(openapi, prop));
    }
    body
}

fn code_samples(openapi: &Value, url: &str, method: &str, op: &Value) -> Value {
    let path_params: Vec<&str> = url
        .split('{')
        .skip(1)
        .filter_map(|s| s.split('}').next())
        .collect();
    // Public operations (`security: []`) need no key.
    let authenticated = op
        .get("security")
        .and_then(Value::as_array)
        .is_none_or(|s| !s.is_empty());
    let has_limit = op
        .get("parameters")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .any(|p| {
            let p = resolve(openapi, p);
            p.get("in").and_then(Value::as_str) == Some("query")
                && p.get("name").and_then(Value::as_str) == Some("limit")
        });
    let query = if has_limit { "?limit=10" } else { "" };
    let content = op.pointer("/requestBody/content");
    let multipart = content.and_then(|c| c.get("multipart/form-data")).is_some();
    let json_body = content
        .and_then(|c| c.get("application/json"))
        .map(|media| {
            example_body(
                openapi,
                media.get("schema").unwrap_or(&Value::Null),
                &path_params,
            )
        });
    let method_upper = method.to_uppercase();
    let post = method == "post";

    let mut curl = format!("curl -s -X {method_upper} \"{}{query}\"", shell_path(url));
    let mut ts_headers = Vec::new();
    if authenticated {
        curl.push_str(" \\\n  -H \"x-api-key: $ASTERI_KEY\" -H \"x-organization-id: $ASTERI_ORG\"");
        ts_headers.push("\"x-api-key\": process.env.ASTERI_KEY!".to_owned());
        ts_headers.push("\"x-organization-id\": process.env.ASTERI_ORG!".to_owned());
    }
    if post && authenticated {
        curl.push_str(" \\\n  -H \"Idempotency-Key: $(uuidgen)\"");
        ts_headers.push("\"Idempotency-Key\": crypto.randomUUID()".to_owned());
    }
    let mut ts_body = String::new();
    if multipart {
        curl.push_str(" \\\n  -F \"file=@./photo.jpg\"");
        ts_body = "\n  body: form, // const form = new FormData(); form.append(\"file\", blob, \"photo.jpg\");"
            .to_owned();
    } else if let Some(body) = json_body {
        let compact = serde_json::to_string(&body).unwrap_or_default();
        let pretty = serde_json::to_string_pretty(&body)
            .unwrap_or_default()
            .replace('\n', "\n  ");
        curl.push_str(" \\\n  -H \"content-type: application/json\"");
        curl.push_str(&format!(" \\\n  -d '{}'", compact.replace('\'', "'\\''")));
        ts_headers.push("\"content-type\": \"application/json\"".to_owned());
        ts_body = format!("\n  body: JSON.stringify({pretty}),");
    }
    let headers = if ts_headers.is_empty() {
        String::new()
    } else {
        format!(
            "\n  headers: {{\n    {},\n  }},",
            ts_headers.join(",\n    ")
        )
    };
    let typescript = format!(
        "const response = await fetch(`{}{query}`, {{\n  method: \"{method_upper}\",{headers}{ts_body}\n}});\n\
         if (!response.ok) throw new Error(`${{response.status}}: ${{await response.text()}}`);\n\
         {}",
        ts_path(url),
        if method == "delete" {
            "// 204: nothing to read"
        } else {
            "const result = await response.json();"
        }
    );
    json!([
        {"lang": "Shell", "label": "curl", "source": curl},
        {"lang": "TypeScript", "label": "TypeScript", "source": typescript},
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_for_an_action_with_a_body() {
        let openapi = json!({
            "openapi": "3.1.0",
            "servers": [{"url": "https://api.asteri.example/api/public/v1"}],
            "paths": {"/payments/{id}/refund": {"post": {
                "operationId": "RefundPayment",
                "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/RefundPaymentRequest"}}}}
            }}},
            "components": {"schemas": {"RefundPaymentRequest": {"type": "object", "properties": {
                "id": {"type": "string"}, "amount": {"type": "integer", "example": 500}
            }}}}
        });
        let doc = document(&openapi);
        let samples = &doc["paths"]["/payments/{id}/refund"]["post"]["x-codeSamples"];
        let curl = samples[0]["source"].as_str().unwrap();
        assert!(
            curl.starts_with(
                "curl -s -X POST \"https://api.asteri.example/api/public/v1/payments/$ID/refund\""
            ),
            "{curl}"
        );
        assert!(curl.contains("-d '{\"amount\":500}'"), "{curl}");
        assert!(curl.contains("Idempotency-Key"), "{curl}");
        let ts = samples[1]["source"].as_str().unwrap();
        assert!(
            ts.contains("fetch(`https://api.asteri.example/api/public/v1/payments/${id}/refund`"),
            "{ts}"
        );
        assert!(ts.contains("\"amount\": 500"), "{ts}");
        assert_eq!(samples[1]["lang"], "TypeScript");
    }

    #[test]
    fn samples_for_a_public_list_and_kept_samples() {
        let openapi = json!({
            "openapi": "3.1.0",
            "paths": {
                "/api/public/v1/search": {"get": {"security": [], "parameters": [{"in": "query", "name": "limit", "schema": {"type": "integer"}}]}},
                "/api/public/v1/customers": {"get": {"x-codeSamples": [{"lang": "Go", "source": "..."}]}}
            }
        });
        let doc = document(&openapi);
        let curl = doc["paths"]["/api/public/v1/search"]["get"]["x-codeSamples"][0]["source"]
            .as_str()
            .unwrap();
        assert_eq!(
            curl,
            "curl -s -X GET \"http://127.0.0.1:3000/api/public/v1/search?limit=10\""
        );
        assert_eq!(
            doc["paths"]["/api/public/v1/customers"]["get"]["x-codeSamples"][0]["lang"],
            "Go"
        );
    }
}
