//! Examples and request samples. Examples are given by the caller (the binary renders the
//! seed data through the same JSON mapping); samples in curl and TypeScript are written
//! from each binding, with the example body when there is one.

use std::collections::HashMap;

use prost_reflect::{MessageDescriptor, MethodDescriptor};
use serde_json::{Value as Json, json};

use crate::HttpBinding;

/// Example JSON of messages, by full name: request bodies and response objects.
#[derive(Clone, Debug, Default)]
pub struct Examples {
    requests: HashMap<String, Json>,
    responses: HashMap<String, Json>,
}

impl Examples {
    /// An example body of a request message (`asteri.v1.CreateCustomerRequest`).
    pub fn with_request(mut self, full_name: &str, json: Json) -> Self {
        self.requests.insert(full_name.to_owned(), json);
        self
    }

    /// An example of a response message (`asteri.v1.Customer`).
    pub fn with_response(mut self, full_name: &str, json: Json) -> Self {
        self.responses.insert(full_name.to_owned(), json);
        self
    }

    /// Adds an example body to every `Create*` request whose resource has an example: the
    /// resource cut down to the fields the request takes, kept only if the gateway's own
    /// parser accepts it.
    pub fn with_create_requests(mut self, schema: &crate::Schema) -> Self {
        for method in schema.methods().iter().filter(|m| m.is_public()) {
            let d = &method.descriptor;
            if !d.name().starts_with("Create") || self.requests.contains_key(d.input().full_name())
            {
                continue;
            }
            let Some(binding) = method.http.iter().find(|b| b.body == "*") else {
                continue;
            };
            let Some(resource) = self.responses.get(d.output().full_name()) else {
                continue;
            };
            let mut body = project(&d.input(), resource);
            if let Json::Object(map) = &mut body {
                for field in binding.path_fields() {
                    map.remove(field);
                }
            }
            if crate::json::json_to_message(&d.input(), &body).is_ok() {
                self.requests.insert(d.input().full_name().to_owned(), body);
            }
        }
        self
    }

    pub fn is_empty(&self) -> bool {
        self.requests.is_empty() && self.responses.is_empty()
    }

    pub(super) fn request(&self, desc: &MessageDescriptor) -> Option<&Json> {
        self.requests.get(desc.full_name())
    }

    pub(super) fn response(&self, desc: &MessageDescriptor) -> Option<&Json> {
        self.responses.get(desc.full_name())
    }

    /// `(component name, example)` of every response example.
    pub(super) fn components(&self) -> impl Iterator<Item = (&str, &Json)> {
        self.responses
            .iter()
            .map(|(name, json)| (name.rsplit('.').next().unwrap_or(name), json))
    }
}

/// The fields of `value` that `desc` has, recursively; nulls and empty values left out.
fn project(desc: &MessageDescriptor, value: &Json) -> Json {
    let Json::Object(object) = value else {
        return value.clone();
    };
    let mut out = serde_json::Map::new();
    for field in desc.fields() {
        let Some(v) = object.get(field.name()) else {
            continue;
        };
        let empty = v.is_null()
            || v.as_str() == Some("")
            || v.as_array().is_some_and(Vec::is_empty)
            || v.as_object().is_some_and(serde_json::Map::is_empty);
        if empty {
            continue;
        }
        let projected = match (field.kind(), v) {
            (prost_reflect::Kind::Message(m), Json::Array(items)) if !is_well_known(&m) => {
                Json::Array(items.iter().map(|i| project(&m, i)).collect())
            }
            (prost_reflect::Kind::Message(m), Json::Object(_)) if !is_well_known(&m) => {
                project(&m, v)
            }
            _ => v.clone(),
        };
        out.insert(field.name().to_owned(), projected);
    }
    Json::Object(out)
}

fn is_well_known(desc: &MessageDescriptor) -> bool {
    desc.full_name().starts_with("google.protobuf.")
}

/// `x-codeSamples`: the request in curl and with the TypeScript SDK.
pub(super) fn code_samples(
    binding: &HttpBinding,
    examples: &Examples,
    method: &MethodDescriptor,
) -> Json {
    let body = if binding.body.is_empty() {
        None
    } else {
        Some(
            examples
                .request(&method.input())
                .cloned()
                .unwrap_or_else(|| json!({})),
        )
    };
    let path_fields = binding.path_fields();
    let concrete = path_fields.iter().fold(binding.path.clone(), |p, f| {
        p.replace(&format!("{{{f}}}"), &format!("{}_123", placeholder(f)))
    });
    let mut curl = format!(
        "curl -X {} \"http://localhost:3000{concrete}\" \\\n  -H \"x-api-key: $ASTERI_API_KEY\" \\\n  -H \"x-organization-id: $ASTERI_ORGANIZATION_ID\"",
        binding.method
    );
    if method.is_client_streaming() {
        curl.push_str(" \\\n  -F \"file=@./photo.jpg\"");
    } else if let Some(body) = &body {
        let text = serde_json::to_string(body).unwrap_or_default();
        curl.push_str(&format!(
            " \\\n  -H \"content-type: application/json\" \\\n  -d '{}'",
            text.replace('\'', "'\\''")
        ));
    }
    if binding.method == "POST" {
        curl.push_str(" \\\n  -H \"Idempotency-Key: $(uuidgen)\"");
    }
    let mut options = Vec::new();
    if !path_fields.is_empty() {
        let params = path_fields
            .iter()
            .map(|f| format!("{f}: \"{}_123\"", placeholder(f)))
            .collect::<Vec<_>>()
            .join(", ");
        options.push(format!("params: {{ path: {{ {params} }} }}"));
    }
    if method.is_client_streaming() {
        // openapi-fetch sends the FormData as it is; `body` only satisfies the types.
        options.push("body: { file: \"\" },\n  bodySerializer: () => form".to_owned());
    } else if let Some(body) = &body {
        let text = serde_json::to_string_pretty(body).unwrap_or_default();
        options.push(format!("body: {}", text.replace('\n', "\n  ")));
    }
    let call = if options.is_empty() {
        format!("await asteri.{}(\"{}\")", binding.method, binding.path)
    } else {
        format!(
            "await asteri.{}(\"{}\", {{\n  {}\n}})",
            binding.method,
            binding.path,
            options.join(",\n  ")
        )
    };
    let upload = if method.is_client_streaming() {
        "import { openAsBlob } from \"node:fs\";\n"
    } else {
        ""
    };
    let form = if method.is_client_streaming() {
        "const form = new FormData();\nform.append(\"file\", await openAsBlob(\"./photo.jpg\"), \"photo.jpg\");\n"
    } else {
        ""
    };
    let typescript = format!(
        "import {{ createAsteri }} from \"@asteri/sdk\";\n{upload}\nconst asteri = createAsteri({{\n  apiKey: process.env.ASTERI_API_KEY!,\n  organizationId: process.env.ASTERI_ORGANIZATION_ID!,\n}});\n{form}const {{ data, error }} = {call};"
    );
    json!([
        {"lang": "Shell", "label": "curl", "source": curl},
        {"lang": "TypeScript", "label": "TypeScript", "source": typescript}
    ])
}

/// A plausible id prefix for a path variable (`id` of an invoice route -> `id`).
fn placeholder(field: &str) -> &str {
    field.strip_suffix("_id").unwrap_or(field)
}
