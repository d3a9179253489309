//! The gateway's error boundary: one enum, rendered as the contract's JSON error body
//! (`{"code", "message", "request_id", "errors"}`) with the status of CONTRACT section 5.
//!
//! gRPC statuses from the services map one way everywhere ([`status_of`]): the public code
//! comes from the `google.rpc.ErrorInfo` reason the services attach, field problems from
//! `google.rpc.BadRequest`. 5xx answers never carry the upstream message. One reason moves
//! the status: `payload_too_large` (an upload over the service's limit) is 413.

use std::collections::BTreeMap;

use axum::{
    Json,
    response::{IntoResponse, Response},
};
use http::StatusCode;
use serde_json::{Map, Value, json};
use tonic::Code;
use tonic_types::StatusExt;

pub type FieldErrors = BTreeMap<String, Vec<String>>;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    Unauthenticated(String),
    #[error("send the organization id in the x-organization-id header")]
    OrganizationRequired,
    #[error("the API key does not belong to the organization in x-organization-id")]
    OrganizationMismatch,
    #[error("this API key lacks the scope {0}")]
    MissingScope(String),
    #[error("rate limit exceeded: {limit} requests per {window}; retry in {retry_after} s")]
    RateLimited {
        window: &'static str,
        limit: u32,
        retry_after: u64,
    },
    #[error(
        "too many failed authentications from this address: {limit} per minute; retry in {retry_after} s"
    )]
    TooManyFailedAuthentications { limit: u32, retry_after: u64 },
    #[error("{message}")]
    InvalidRequest {
        message: String,
        errors: FieldErrors,
    },
    #[error("the request body is larger than {limit} bytes")]
    PayloadTooLarge { limit: usize },
    #[error("send the request body as {0}")]
    UnsupportedMediaType(&'static str),
    #[error("no such object")]
    ObjectNotFound,
    #[error("no route {method} {path}")]
    RouteNotFound { method: String, path: String },
    #[error("{method} is not allowed on {path}")]
    MethodNotAllowed { method: String, path: String },
    #[error(
        "this Idempotency-Key was used with a different request; use a new key for a new request"
    )]
    IdempotencyKeyReused,
    #[error("a request with this Idempotency-Key is still in progress; retry later")]
    IdempotencyKeyInUse,
    #[error("upstream answered {}", .0.code())]
    Upstream(#[from] tonic::Status),
    #[error("an internal error occurred")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl ApiError {
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::InvalidRequest {
            message: message.into(),
            errors: FieldErrors::new(),
        }
    }

    pub fn invalid_field(field: &str, message: &str) -> Self {
        let mut errors = FieldErrors::new();
        errors
            .entry(field.to_owned())
            .or_default()
            .push(message.to_owned());
        Self::InvalidRequest {
            message: format!("{field} {message}"),
            errors,
        }
    }
}

/// The body of an error response, kept as an extension so that the request-id middleware
/// can add the request id to every error, including axum's own rejections.
#[derive(Clone, Debug)]
pub struct ErrorBody(pub Map<String, Value>);

/// HTTP status and public code of a gRPC status (CONTRACT section 5).
pub fn status_of(status: &tonic::Status) -> (StatusCode, String) {
    let reason = status
        .get_details_error_info()
        .map(|i| i.reason)
        .filter(|r| !r.is_empty());
    let (http, default) = match status.code() {
        // A service refusing an upload over its size limit: 413, not 429 or 422.
        Code::ResourceExhausted | Code::InvalidArgument
            if reason.as_deref() == Some("payload_too_large") =>
        {
            (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large")
        }
        Code::InvalidArgument => match reason.as_deref() {
            Some("invalid_request" | "organization_required") => {
                (StatusCode::BAD_REQUEST, "invalid_request")
            }
            _ => (StatusCode::UNPROCESSABLE_ENTITY, "validation_failed"),
        },
        Code::NotFound => (StatusCode::NOT_FOUND, "not_found"),
        Code::AlreadyExists | Code::Aborted | Code::FailedPrecondition => {
            (StatusCode::CONFLICT, "conflict")
        }
        Code::PermissionDenied => (StatusCode::FORBIDDEN, "permission_denied"),
        Code::Unauthenticated => (StatusCode::UNAUTHORIZED, "unauthenticated"),
        Code::ResourceExhausted => (StatusCode::TOO_MANY_REQUESTS, "rate_limited"),
        Code::Unavailable => (StatusCode::SERVICE_UNAVAILABLE, "service_unavailable"),
        _ => (StatusCode::INTERNAL_SERVER_ERROR, "internal_error"),
    };
    let code = if http.is_server_error() {
        default.to_owned()
    } else {
        reason.unwrap_or_else(|| default.to_owned())
    };
    (http, code)
}

impl ApiError {
    /// The status and JSON body of this error (without `request_id`, which the request-id
    /// middleware adds to every error body).
    pub fn to_parts(&self) -> (StatusCode, Map<String, Value>) {
        let mut body = Map::new();
        let (status, code) = match &self {
            Self::Unauthenticated(_) => (StatusCode::UNAUTHORIZED, "unauthenticated".to_owned()),
            Self::OrganizationRequired => {
                (StatusCode::BAD_REQUEST, "organization_required".to_owned())
            }
            Self::OrganizationMismatch => {
                (StatusCode::FORBIDDEN, "organization_mismatch".to_owned())
            }
            Self::MissingScope(scope) => {
                body.insert("required_scope".into(), json!(scope));
                (StatusCode::FORBIDDEN, "missing_scope".to_owned())
            }
            Self::RateLimited {
                window,
                limit,
                retry_after,
            } => {
                body.insert("window".into(), json!(window));
                body.insert("limit".into(), json!(limit));
                body.insert("reset_seconds".into(), json!(retry_after));
                (StatusCode::TOO_MANY_REQUESTS, "rate_limited".to_owned())
            }
            Self::TooManyFailedAuthentications { limit, retry_after } => {
                body.insert("window".into(), json!("minute"));
                body.insert("limit".into(), json!(limit));
                body.insert("reset_seconds".into(), json!(retry_after));
                (StatusCode::TOO_MANY_REQUESTS, "rate_limited".to_owned())
            }
            Self::InvalidRequest { errors, .. } => {
                if !errors.is_empty() {
                    body.insert("errors".into(), json!(errors));
                }
                (StatusCode::BAD_REQUEST, "invalid_request".to_owned())
            }
            Self::PayloadTooLarge { .. } => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large".to_owned(),
            ),
            Self::UnsupportedMediaType(_) => (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type".to_owned(),
            ),
            Self::ObjectNotFound => (StatusCode::NOT_FOUND, "not_found".to_owned()),
            Self::RouteNotFound { .. } => (StatusCode::NOT_FOUND, "route_not_found".to_owned()),
            Self::MethodNotAllowed { .. } => (
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed".to_owned(),
            ),
            Self::IdempotencyKeyReused => {
                (StatusCode::CONFLICT, "idempotency_key_reused".to_owned())
            }
            Self::IdempotencyKeyInUse => {
                (StatusCode::CONFLICT, "idempotency_key_in_use".to_owned())
            }
            Self::Upstream(upstream) => {
                let (http, code) = status_of(upstream);
                if let Some(bad) = upstream.get_details_bad_request() {
                    let mut errors = FieldErrors::new();
                    for v in bad.field_violations {
                        errors.entry(v.field).or_default().push(v.description);
                    }
                    if !errors.is_empty() {
                        body.insert("errors".into(), json!(errors));
                    }
                }
                if let Some(info) = upstream.get_details_error_info()
                    && let Some(scope) = info.metadata.get("required_scope")
                {
                    body.insert("required_scope".into(), json!(scope));
                }
                (http, code)
            }
            Self::Internal(_) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal_error".to_owned(),
            ),
        };
        let message = match self {
            Self::Upstream(_) if status.is_server_error() => {
                if status == StatusCode::SERVICE_UNAVAILABLE {
                    "the service is temporarily unavailable; retry shortly".to_owned()
                } else {
                    "an internal error occurred".to_owned()
                }
            }
            Self::Upstream(s) => s.message().to_owned(),
            other => other.to_string(),
        };
        body.insert("code".into(), json!(code));
        body.insert("message".into(), json!(message));
        (status, body)
    }
}

/// An error response: the JSON body, also kept as an [`ErrorBody`] extension.
pub fn error_response(status: StatusCode, body: Map<String, Value>) -> Response {
    let mut response = (status, Json(Value::Object(body.clone()))).into_response();
    response.extensions_mut().insert(ErrorBody(body));
    response
}

impl ApiError {
    /// Logs a server failure, once, where it becomes the answer (`to_parts` runs several
    /// times for one error: to classify it, to store it for an idempotency key, to answer).
    /// A status that came over the wire was logged, with its source chain, by the service
    /// that answered it, under the same request id: the gateway logs only what failed here,
    /// its own errors and the hop itself (no connection, a broken stream, an undecodable
    /// answer), which carry their cause as the status's source.
    fn log(&self, status: StatusCode) {
        match self {
            Self::Upstream(s) if status.is_server_error() => {
                if let Some(cause) = std::error::Error::source(s) {
                    tracing::error!(
                        code = ?s.code(),
                        upstream_message = s.message(),
                        error = %telemetry::logs::Chain(cause),
                        "upstream call failed"
                    );
                }
            }
            Self::Internal(source) => {
                tracing::error!(error = %telemetry::logs::Chain(&**source), "internal error");
            }
            _ => {}
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, body) = self.to_parts();
        self.log(status);
        let mut response = error_response(status, body);
        if let Self::RateLimited { retry_after, .. }
        | Self::TooManyFailedAuthentications { retry_after, .. } = &self
        {
            response
                .headers_mut()
                .insert(http::header::RETRY_AFTER, (*retry_after).into());
        }
        response
    }
}
