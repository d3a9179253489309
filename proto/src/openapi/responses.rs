//! The parts every operation shares: the error body, the error responses a route can give,
//! and the response headers (CONTRACT sections 4 and 5).

use serde_json::{Map, Value as Json, json};

/// `components.schemas.Error`: the body of every 4xx and 5xx answer.
pub fn error_schema() -> Json {
    json!({
        "type": "object",
        "description": "The body of every error answer. `code` is stable and machine-readable; \
            `message` is for people and may change.",
        "properties": {
            "code": {"type": "string", "description": "A stable error code, e.g. `not_found`, \
                `validation_failed`, `rate_limited`. The errors guide lists them all.",
                "examples": ["validation_failed"]},
            "message": {"type": "string", "description": "What went wrong, for a person."},
            "request_id": {"type": "string", "description": "The `x-request-id` of the \
                request: quote it when asking for help.", "examples": ["req_0192b0f3c9d27f4e8a51c0de5e1f2a3b"]},
            "errors": {
                "type": "object",
                "description": "Field problems (400 and 422): the field's name or path, and \
                    what is wrong with it.",
                "additionalProperties": {"type": "array", "items": {"type": "string"}}
            },
            "required_scope": {"type": "string", "description": "With `missing_scope`: the \
                scope the route needs."},
            "window": {"type": "string", "enum": ["minute", "day"], "description": "With \
                `rate_limited`: the exhausted budget."},
            "limit": {"type": "integer", "description": "With `rate_limited`: that budget's \
                size."},
            "reset_seconds": {"type": "integer", "description": "With `rate_limited`: seconds \
                until a request fits again (also `Retry-After`)."}
        },
        "required": ["code", "message", "request_id"]
    })
}

/// The headers of every answer (`components.headers`).
pub fn headers() -> Json {
    let int = |description: &str| json!({"description": description, "schema": {"type": "integer", "minimum": 0}});
    json!({
        "X-Request-Id": {
            "description": "The request's id: the caller's own `x-request-id` when it sent a \
                valid one, else `req_...`. It is in every error body and the request history.",
            "required": true,
            "schema": {"type": "string"}
        },
        "RateLimit-Limit": int("The size of the key's per-minute budget."),
        "RateLimit-Remaining": int("Requests left in the budget that runs out first."),
        "RateLimit-Reset": int("Seconds until that budget is full again."),
        "Retry-After": {
            "description": "Seconds to wait before retrying.",
            "required": true,
            "schema": {"type": "integer", "minimum": 0}
        }
    })
}

fn header_ref(name: &str) -> Json {
    json!({"$ref": format!("#/components/headers/{name}")})
}

/// The headers a successful or an ordinary error answer carries.
pub fn common_headers() -> Map<String, Json> {
    let mut h = Map::new();
    for name in [
        "X-Request-Id",
        "RateLimit-Limit",
        "RateLimit-Remaining",
        "RateLimit-Reset",
    ] {
        h.insert(name.into(), header_ref(name));
    }
    h
}

/// One error response: its description and the codes it can carry.
fn error(description: &str) -> Json {
    let mut headers = common_headers();
    if description.starts_with("Too many") {
        headers.insert("Retry-After".into(), header_ref("Retry-After"));
    }
    json!({
        "description": description,
        "headers": headers,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    })
}

/// `components.responses`: every error answer, once.
pub fn error_responses() -> Json {
    json!({
        "BadRequest": error("Malformed request (`invalid_request`: a body that is not JSON, an \
            unknown field or query parameter, a value of the wrong type) or no organization \
            (`organization_required`)."),
        "Unauthenticated": error("No credential, or a malformed, unknown, revoked or expired \
            one (`unauthenticated`)."),
        "Forbidden": error("The key belongs to another organization \
            (`organization_mismatch`), lacks the route's scope (`missing_scope`, naming \
            `required_scope`), or may not act on this organization (`permission_denied`)."),
        "NotFound": error("No such object in this organization (`not_found`). Another \
            organization's object is not found either."),
        "Conflict": error("The object's state forbids this change or a unique value is taken \
            (`conflict` or a more specific code), or the `Idempotency-Key` was used with \
            another request (`idempotency_key_reused`) or is still in progress \
            (`idempotency_key_in_use`)."),
        "PayloadTooLarge": error("The body is over the size limit (`payload_too_large`)."),
        "UnsupportedMediaType": error("The body is not `application/json` (or \
            `multipart/form-data` for uploads) (`unsupported_media_type`)."),
        "ValidationFailed": error("A value breaks a rule of the resource \
            (`validation_failed`); `errors` names each field."),
        "RateLimited": error("Too many requests: the key's per-minute or per-day budget is \
            spent (`rate_limited`). Retry after `Retry-After` seconds."),
        "InternalError": error("Something broke on our side (`internal_error`). Safe to retry \
            with the same `Idempotency-Key`."),
        "Unavailable": error("A dependency is briefly unavailable (`service_unavailable`). \
            Retry with backoff.")
    })
}

/// What a route shape can answer besides success.
pub struct ErrorSet {
    pub has_path_id: bool,
    pub has_body: bool,
    pub writes: bool,
}

impl ErrorSet {
    pub fn responses(&self) -> Vec<(&'static str, &'static str)> {
        let mut out = vec![
            ("400", "BadRequest"),
            ("401", "Unauthenticated"),
            ("403", "Forbidden"),
        ];
        if self.has_path_id || self.writes {
            out.push(("404", "NotFound"));
        }
        if self.writes {
            out.push(("409", "Conflict"));
        }
        if self.has_body {
            out.push(("413", "PayloadTooLarge"));
            out.push(("415", "UnsupportedMediaType"));
        }
        out.extend([
            ("422", "ValidationFailed"),
            ("429", "RateLimited"),
            ("500", "InternalError"),
            ("503", "Unavailable"),
        ]);
        out
    }
}
