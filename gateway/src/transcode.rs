//! REST <-> gRPC transcoding driven by `google.api.http` (the rules Envoy's transcoder and
//! grpc-gateway read): path variables, query parameters and the body fill the request
//! message; the response message (or its `response_body` field) becomes the JSON answer.
//!
//! PATCH: when the request has a `google.protobuf.FieldMask update_mask` and a body, the
//! mask is the set of top-level body keys, as grpc-gateway does.

use std::collections::HashMap;

use prost_reflect::{DynamicMessage, Kind, MessageDescriptor, ReflectMessage as _, Value};
use proto::{
    HttpBinding, MethodInfo,
    json::{encoded_to_json, json_to_message, message_to_json, value_from_str},
};
use serde_json::Value as Json;

use crate::{
    JsonBody,
    error::{ApiError, FieldErrors},
    grpc::Encoded,
};

/// What a transcoded route answers on success.
#[derive(Clone, Debug)]
pub struct Route {
    pub method: MethodInfo,
    pub binding: HttpBinding,
}

impl Route {
    pub fn new(method: MethodInfo, binding: HttpBinding) -> Self {
        Self { method, binding }
    }

    /// 201 for `Create*` RPCs, 204 for `google.protobuf.Empty` responses, else 200.
    pub fn success_status(&self) -> http::StatusCode {
        if self.method.descriptor.output().full_name() == "google.protobuf.Empty" {
            http::StatusCode::NO_CONTENT
        } else if self.method.descriptor.name().starts_with("Create") {
            http::StatusCode::CREATED
        } else {
            http::StatusCode::OK
        }
    }
}

/// How a route's RPC exchanges messages, and so how its HTTP body is handled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    /// JSON in, JSON out.
    Unary,
    /// Client-streaming, bound to POST: a `multipart/form-data` upload streamed as messages.
    Upload,
    /// Server-streaming, bound to GET: the streamed bytes are the response body.
    Download,
}

impl Route {
    pub fn shape(&self) -> Shape {
        let d = &self.method.descriptor;
        match (d.is_client_streaming(), d.is_server_streaming()) {
            (true, _) => Shape::Upload,
            (false, true) => Shape::Download,
            (false, false) => Shape::Unary,
        }
    }

    /// Whether the gateway can serve this binding: streaming RPCs need their HTTP method
    /// and a message layout the streaming module understands.
    pub fn check_shape(&self) -> Result<(), String> {
        let d = &self.method.descriptor;
        let verb = self.binding.method.as_str();
        match self.shape() {
            Shape::Unary => Ok(()),
            _ if d.is_client_streaming() && d.is_server_streaming() => {
                Err("bidirectional streaming has no REST form".into())
            }
            Shape::Upload if verb != "POST" => Err(format!(
                "a client-streaming RPC must be bound to POST, not {verb}"
            )),
            Shape::Download if verb != "GET" => Err(format!(
                "a server-streaming RPC must be bound to GET, not {verb}"
            )),
            Shape::Upload => crate::streaming::UploadLayout::of(&d.input()).map(|_| ()),
            Shape::Download => crate::streaming::DownloadLayout::of(&d.output()).map(|_| ()),
        }
    }
}

fn push(errors: &mut FieldErrors, field: &str, message: impl Into<String>) {
    errors
        .entry(field.to_owned())
        .or_default()
        .push(message.into());
}

/// Builds the request message from the parts of an HTTP request.
pub fn request_message(
    route: &Route,
    path_params: &HashMap<String, String>,
    query: Option<&str>,
    body: &[u8],
) -> Result<DynamicMessage, ApiError> {
    let input = route.method.descriptor.input();
    let binding = &route.binding;
    let path_fields = binding.path_fields();
    let mut errors = FieldErrors::new();

    let body_json: Option<Json> = if binding.body.is_empty() {
        if !body.iter().all(u8::is_ascii_whitespace) {
            return Err(ApiError::invalid("this route takes no request body"));
        }
        None
    } else if body.iter().all(u8::is_ascii_whitespace) {
        Some(Json::Object(Default::default()))
    } else {
        Some(
            serde_json::from_slice(body)
                .map_err(|e| ApiError::invalid(format!("the body is not valid JSON: {e}")))?,
        )
    };

    let mut message = match (&body_json, binding.body.as_str()) {
        (Some(json), "*") => {
            if let Json::Object(object) = json {
                for key in object.keys() {
                    if path_fields.contains(&key.as_str()) {
                        push(
                            &mut errors,
                            key,
                            "is given by the path and cannot be set in the body",
                        );
                    } else if key == "update_mask" {
                        push(
                            &mut errors,
                            key,
                            "is derived from the body's fields and cannot be set",
                        );
                    }
                }
            }
            parse_body(&input, json, &mut errors)
        }
        (Some(json), field_name) => {
            let mut message = DynamicMessage::new(input.clone());
            if let Some(field) = input.get_field_by_name(field_name)
                && let Kind::Message(desc) = field.kind()
            {
                let inner = parse_body(&desc, json, &mut errors);
                message.set_field(&field, Value::Message(inner));
            }
            message
        }
        (None, _) => DynamicMessage::new(input.clone()),
    };

    if let (Some(Json::Object(object)), Some(mask_field)) =
        (&body_json, input.get_field_by_name("update_mask"))
        && let Kind::Message(mask_desc) = mask_field.kind()
        && mask_desc.full_name() == "google.protobuf.FieldMask"
    {
        let mut mask = DynamicMessage::new(mask_desc);
        let paths = object
            .keys()
            .filter(|k| *k != "update_mask" && !path_fields.contains(&k.as_str()));
        mask.set_field_by_name(
            "paths",
            Value::List(paths.map(|k| Value::String(k.clone())).collect()),
        );
        message.set_field(&mask_field, Value::Message(mask));
    }

    for name in &path_fields {
        let Some(field) = input.get_field_by_name(name) else {
            continue;
        };
        let raw = path_params
            .get(*name)
            .map(String::as_str)
            .unwrap_or_default();
        if raw.contains('\0') {
            // No object's id holds a NUL: the object does not exist.
            return Err(ApiError::ObjectNotFound);
        }
        match value_from_str(&field, raw) {
            Ok(v) => message.set_field(&field, v),
            Err(e) => push(&mut errors, name, e),
        }
    }

    if let Some(query) = query.filter(|q| !q.is_empty()) {
        let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query)
            .map_err(|_| ApiError::invalid("the query string is not valid URL encoding"))?;
        for (key, raw) in pairs {
            let key = key.strip_suffix("[]").unwrap_or(&key).to_owned();
            let field = input.get_field_by_name(&key).filter(|f| {
                binding.body != "*"
                    && binding.body != f.name()
                    && !path_fields.contains(&f.name())
                    && !f.is_map()
            });
            let Some(field) = field else {
                push(
                    &mut errors,
                    &key,
                    "is not a known query parameter of this route",
                );
                continue;
            };
            if matches!(field.kind(), Kind::Message(ref d) if d.full_name() == "google.protobuf.FieldMask")
            {
                push(
                    &mut errors,
                    &key,
                    "is not a known query parameter of this route",
                );
                continue;
            }
            match value_from_str(&field, &raw) {
                Ok(v) if field.is_list() => {
                    if let Value::List(items) = message.get_field_mut(&field) {
                        items.push(v);
                    }
                }
                Ok(_) if message.has_field(&field) => {
                    push(&mut errors, &key, "is given more than once");
                }
                Ok(v) => message.set_field(&field, v),
                Err(e) => push(&mut errors, &key, e),
            }
        }
    }

    if errors.is_empty() {
        Ok(message)
    } else {
        let summary = errors.keys().cloned().collect::<Vec<_>>().join(", ");
        Err(ApiError::InvalidRequest {
            message: format!("invalid parameters: {summary}"),
            errors,
        })
    }
}

fn parse_body(desc: &MessageDescriptor, json: &Json, errors: &mut FieldErrors) -> DynamicMessage {
    match json_to_message(desc, json) {
        Ok(m) => m,
        Err(problems) => {
            for (field, messages) in problems.0 {
                for m in messages {
                    push(errors, &field, m);
                }
            }
            DynamicMessage::new(desc.clone())
        }
    }
}

/// What a call answered, as the route's JSON body.
pub trait Reply {
    fn body(&self, route: &Route) -> Result<JsonBody, tonic::Status>;
}

impl Reply for DynamicMessage {
    fn body(&self, route: &Route) -> Result<JsonBody, tonic::Status> {
        Ok(JsonBody::Value(response_json(route, self)))
    }
}

impl Reply for Encoded {
    /// Written from the encoding without decoding it (the same JSON: `encoded_to_json`
    /// follows `message_to_json` and is tested against it), checked for secrets on the
    /// way as the history's redaction would check it; through the decoded message
    /// when a binding answers with one field of the reply, or the encoding is one that
    /// decoding merges or refuses.
    fn body(&self, route: &Route) -> Result<JsonBody, tonic::Status> {
        if route.binding.response_body.is_empty() {
            let mut json = Vec::with_capacity(2 * self.bytes.len() + 64);
            if let Ok(found) = encoded_to_json(&self.descriptor, &self.bytes, &mut json) {
                return Ok(JsonBody::Written {
                    json: json.into(),
                    secret_free: !found.has_secret,
                });
            }
        }
        Ok(JsonBody::Value(response_json(route, &self.decode()?)))
    }
}

/// The JSON answer of a response message.
pub fn response_json(route: &Route, response: &DynamicMessage) -> Json {
    let field = &route.binding.response_body;
    if !field.is_empty()
        && let Some(f) = response.descriptor().get_field_by_name(field)
        && let Value::Message(inner) = response.get_field(&f).as_ref()
    {
        return message_to_json(inner);
    }
    message_to_json(response)
}
