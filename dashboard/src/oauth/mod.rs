//! The authorization server's HTTP endpoints (CONTRACT section 11, RFC 6749, 7636, 7009,
//! 7662, 8414). The state (apps, codes, installs, tokens) lives behind `OAuthService`; this
//! module speaks the protocol: the consent page (on the dashboard's sessions), the token,
//! revocation and introspection endpoints (client authentication, RFC 6749 error JSON,
//! `Cache-Control: no-store`), and the metadata document.

mod authorize;
pub mod client;
mod endpoints;

pub use authorize::{consent, decide};
pub use client::TokenLimits;
pub use endpoints::{introspect, metadata, revoke, token};

use axum::response::{IntoResponse, Response};
use http::{HeaderValue, StatusCode, header};
use serde_json::json;
use tonic_types::StatusExt as _;

/// An OAuth error as RFC 6749 section 5.2 writes it.
#[derive(Debug)]
pub struct OAuthError {
    pub code: String,
    pub description: String,
    /// Answer 401 with `WWW-Authenticate: Basic` (the client authenticated with Basic).
    pub basic_challenge: bool,
}

impl OAuthError {
    pub fn new(code: &str, description: impl Into<String>) -> Self {
        Self {
            code: code.to_owned(),
            description: description.into(),
            basic_challenge: false,
        }
    }

    /// The OAuth error a service refusal names (its ErrorInfo reason), or `server_error`.
    pub fn from_status(status: &tonic::Status) -> Self {
        let reason = status
            .get_error_details()
            .error_info()
            .map(|info| info.reason.clone())
            .filter(|r| OAUTH_ERRORS.contains(&r.as_str()));
        match reason {
            Some(code) => Self::new(&code, status.message()),
            None => {
                tracing::error!(code = ?status.code(), message = status.message(), "an OAuth call failed");
                Self::new("server_error", "the authorization server could not answer")
            }
        }
    }
}

/// The error codes of RFC 6749 (5.2 and 4.1.2.1), RFC 7009 and the two this server shows
/// instead of redirecting.
pub const OAUTH_ERRORS: &[&str] = &[
    "invalid_request",
    "invalid_client",
    "invalid_grant",
    "unauthorized_client",
    "unsupported_grant_type",
    "invalid_scope",
    "access_denied",
    "unsupported_response_type",
    "unsupported_token_type",
    "temporarily_unavailable",
    "invalid_redirect_uri",
];

/// JSON with the headers every token-endpoint answer carries (RFC 6749 5.1).
pub fn no_store_json(status: StatusCode, body: serde_json::Value) -> Response {
    let mut response = (status, axum::Json(body)).into_response();
    let h = response.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    response
}

impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        let status = match self.code.as_str() {
            "invalid_client" => StatusCode::UNAUTHORIZED,
            "server_error" => StatusCode::INTERNAL_SERVER_ERROR,
            "temporarily_unavailable" => StatusCode::SERVICE_UNAVAILABLE,
            "slow_down" => StatusCode::TOO_MANY_REQUESTS,
            _ => StatusCode::BAD_REQUEST,
        };
        let mut response = no_store_json(
            status,
            json!({ "error": self.code, "error_description": self.description }),
        );
        if status == StatusCode::UNAUTHORIZED && self.basic_challenge {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Basic realm=\"asteri\""),
            );
        }
        response
    }
}
