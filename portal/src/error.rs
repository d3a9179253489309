//! The portal's error boundary: one enum, rendered as the platform's error body
//! (`{"code", "message", "errors"}`; the gateway's request-id middleware adds `request_id`
//! to it through the [`ErrorBody`] extension, as it does for every other route).

use std::collections::BTreeMap;

use axum::{
    Json,
    response::{IntoResponse, Response},
};
use http::StatusCode;
use serde_json::{Map, Value, json};

/// Field name -> its problems, as the platform's `errors` object.
pub type FieldErrors = BTreeMap<String, Vec<String>>;

#[derive(Debug, thiserror::Error)]
pub enum PortalError {
    /// 422 `validation_failed`: a search parameter with an unacceptable value.
    #[error("the request has invalid fields")]
    Invalid(FieldErrors),
    /// 400 `invalid_request`: a parameter the route does not have, or one given twice.
    #[error("the query string has parameters this route does not take")]
    Parameters(FieldErrors),
    /// 400 `invalid_request`.
    #[error("the query string is not valid URL encoding")]
    Encoding(#[source] serde_urlencoded::de::Error),
    #[error("no route {method} {path}")]
    NotFound { method: String, path: String },
    #[error("{method} is not allowed on {path}")]
    MethodNotAllowed { method: String, path: String },
}

impl PortalError {
    pub fn invalid(field: &str, message: &str) -> Self {
        Self::Invalid(FieldErrors::from([(
            field.to_owned(),
            vec![message.to_owned()],
        )]))
    }
}

/// The JSON body of a portal error, kept as a response extension so that the server that
/// mounts the portal can add its request id (see `gateway::request_id`).
#[derive(Clone, Debug)]
pub struct ErrorBody(pub Map<String, Value>);

impl PortalError {
    pub fn to_parts(&self) -> (StatusCode, Map<String, Value>) {
        let (status, code, errors) = match self {
            Self::Invalid(errors) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation_failed",
                Some(errors),
            ),
            Self::Parameters(errors) => (StatusCode::BAD_REQUEST, "invalid_request", Some(errors)),
            Self::Encoding(_) => (StatusCode::BAD_REQUEST, "invalid_request", None),
            Self::NotFound { .. } => (StatusCode::NOT_FOUND, "route_not_found", None),
            Self::MethodNotAllowed { .. } => {
                (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed", None)
            }
        };
        let mut body = Map::new();
        body.insert("code".into(), json!(code));
        body.insert("message".into(), json!(self.to_string()));
        if let Some(errors) = errors.filter(|e| !e.is_empty()) {
            body.insert("errors".into(), json!(errors));
        }
        (status, body)
    }
}

impl IntoResponse for PortalError {
    fn into_response(self) -> Response {
        let (status, body) = self.to_parts();
        let mut response = (status, Json(Value::Object(body.clone()))).into_response();
        response.extensions_mut().insert(ErrorBody(body));
        response
    }
}
