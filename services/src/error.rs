//! The services' error boundary: one enum, converted to a gRPC status in one place.
//!
//! The public error code travels as the `reason` of a `google.rpc.ErrorInfo` detail, and
//! field problems as `google.rpc.BadRequest` violations, so the gateway (or any gRPC client)
//! can render them without parsing messages.

use std::collections::{BTreeMap, HashMap};

use tonic::{Code, Status};
use tonic_types::{ErrorDetails, StatusExt};

/// The `domain` of every ErrorInfo this platform emits.
pub const ERROR_DOMAIN: &str = "api.asteri";

/// Field name -> messages, as the contract's `errors` object.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Violations(BTreeMap<String, Vec<String>>);

impl Violations {
    pub fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.entry(field.into()).or_default().push(message.into());
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `Ok(())` when nothing was added, else the validation error.
    pub fn into_result(self) -> Result<(), ServiceError> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(ServiceError::Validation(self))
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error("no such {resource}: '{id}'")]
    NotFound { resource: &'static str, id: String },
    /// 422: the request is well-formed but its values are not acceptable.
    #[error("the request has invalid fields")]
    Validation(Violations),
    /// 400: a malformed parameter (cursor, limit).
    #[error("{message}")]
    Malformed {
        message: String,
        violations: Violations,
    },
    /// 409: the change conflicts with the current state.
    #[error("{message}")]
    Conflict {
        reason: &'static str,
        message: String,
    },
    /// 409: what the request would create exists already (a user's email).
    #[error("{message}")]
    AlreadyExists {
        reason: &'static str,
        message: String,
    },
    #[error("{message}")]
    Unauthenticated { message: String },
    #[error("{message}")]
    PermissionDenied {
        reason: &'static str,
        message: String,
        metadata: HashMap<String, String>,
    },
    /// 400: a required request header is missing (`x-organization-id`).
    #[error("{message}")]
    MissingHeader {
        reason: &'static str,
        message: String,
    },
    /// 429: the key's per-minute or per-day budget is spent (`RESOURCE_EXHAUSTED`, with the
    /// window's details in the ErrorInfo and `retry-after` / `ratelimit-*` metadata).
    #[error("rate limit exceeded: {} requests per {}; retry in {} s", .0.limit, .0.window, .0.retry_after)]
    RateLimited(limits::Exhausted),
    /// 413: an upload beyond the configured size limit.
    #[error("{message}")]
    PayloadTooLarge { message: String, limit: u64 },
    /// An OAuth 2.0 refusal: `reason` is the RFC 6749 / 7009 / 7662 error code
    /// (`invalid_grant`, ...), which the gateway answers as is.
    #[error("{message}")]
    OAuth {
        code: Code,
        reason: &'static str,
        message: String,
    },
    #[error("storage failed")]
    Storage(#[from] storage::StorageError),
    #[error("object storage failed")]
    Objects(#[from] storage::objects::ObjectError),
    #[error("password hashing failed")]
    Password(#[from] crate::users::password::HashError),
}

impl ServiceError {
    pub fn not_found(resource: &'static str, id: impl Into<String>) -> Self {
        Self::NotFound {
            resource,
            id: id.into(),
        }
    }

    pub fn malformed(field: &str, message: impl Into<String>) -> Self {
        let message = message.into();
        let mut violations = Violations::default();
        violations.add(field, message.clone());
        Self::Malformed {
            message: format!("{field} {message}"),
            violations,
        }
    }

    /// 422 on one field.
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        let mut violations = Violations::default();
        violations.add(field, message);
        Self::Validation(violations)
    }

    pub fn oauth(code: Code, reason: &'static str, message: impl Into<String>) -> Self {
        Self::OAuth {
            code,
            reason,
            message: message.into(),
        }
    }

    pub fn conflict(reason: &'static str, message: impl Into<String>) -> Self {
        Self::Conflict {
            reason,
            message: message.into(),
        }
    }
}

fn with_reason(
    code: Code,
    message: impl Into<String>,
    reason: &str,
    metadata: HashMap<String, String>,
) -> Status {
    Status::with_error_details(
        code,
        message,
        ErrorDetails::with_error_info(reason, ERROR_DOMAIN, metadata),
    )
}

fn with_violations(code: Code, message: &str, reason: &str, violations: &Violations) -> Status {
    let mut details = ErrorDetails::with_error_info(reason, ERROR_DOMAIN, HashMap::new());
    for (field, messages) in &violations.0 {
        for m in messages {
            details.add_bad_request_violation(field.clone(), m.clone());
        }
    }
    Status::with_error_details(code, message, details)
}

impl From<ServiceError> for Status {
    fn from(err: ServiceError) -> Self {
        match &err {
            ServiceError::RateLimited(e) => {
                let mut status = with_reason(
                    Code::ResourceExhausted,
                    err.to_string(),
                    "rate_limited",
                    HashMap::from([
                        ("window".to_owned(), e.window.to_owned()),
                        ("limit".to_owned(), e.limit.to_string()),
                        ("reset_seconds".to_owned(), e.retry_after.to_string()),
                    ]),
                );
                crate::auth::budget_metadata(status.metadata_mut(), &e.budget);
                if let Ok(v) = e.retry_after.to_string().parse() {
                    status.metadata_mut().insert("retry-after", v);
                }
                status
            }
            ServiceError::OAuth {
                code,
                reason,
                message,
            } => with_reason(*code, message.clone(), reason, HashMap::new()),
            ServiceError::NotFound { .. } => {
                with_reason(Code::NotFound, err.to_string(), "not_found", HashMap::new())
            }
            ServiceError::Validation(v) => with_violations(
                Code::InvalidArgument,
                "the request has invalid fields",
                "validation_failed",
                v,
            ),
            ServiceError::Malformed {
                message,
                violations,
            } => with_violations(
                Code::InvalidArgument,
                message,
                "invalid_request",
                violations,
            ),
            ServiceError::Conflict { reason, message } => with_reason(
                Code::FailedPrecondition,
                message.clone(),
                reason,
                HashMap::new(),
            ),
            ServiceError::AlreadyExists { reason, message } => {
                with_reason(Code::AlreadyExists, message.clone(), reason, HashMap::new())
            }
            ServiceError::Unauthenticated { message } => with_reason(
                Code::Unauthenticated,
                message.clone(),
                "unauthenticated",
                HashMap::new(),
            ),
            ServiceError::PermissionDenied {
                reason,
                message,
                metadata,
            } => with_reason(
                Code::PermissionDenied,
                message.clone(),
                reason,
                metadata.clone(),
            ),
            ServiceError::MissingHeader { reason, message } => with_reason(
                Code::InvalidArgument,
                message.clone(),
                reason,
                HashMap::new(),
            ),
            ServiceError::PayloadTooLarge { message, limit } => with_reason(
                Code::ResourceExhausted,
                message.clone(),
                "payload_too_large",
                HashMap::from([("limit_bytes".to_owned(), limit.to_string())]),
            ),
            ServiceError::Objects(source) => {
                tracing::error!(error = %telemetry::logs::Chain(source), "object storage error");
                Status::internal("an internal error occurred")
            }
            ServiceError::Password(source) => {
                tracing::error!(error = %telemetry::logs::Chain(source), "password hashing error");
                Status::internal("an internal error occurred")
            }
            ServiceError::Storage(source) if source.is_invalid_text() => {
                let mut violations = Violations::default();
                violations.add("text", "must not contain NUL characters");
                let message = "text values must not contain NUL characters";
                with_violations(
                    Code::InvalidArgument,
                    message,
                    "invalid_request",
                    &violations,
                )
            }
            ServiceError::Storage(source) if source.is_conflict() => {
                // The constraint's name and SQL stay in the log: the whole chain, as for
                // `storage error` (recorded as an error value, the line kept only the
                // outermost message, "database error").
                tracing::info!(
                    error = %telemetry::logs::Chain(source),
                    "constraint violation"
                );
                with_reason(
                    Code::AlreadyExists,
                    "the change conflicts with the current data (a duplicate, or a reference \
                     to something that no longer exists); reload it and retry",
                    "conflict",
                    HashMap::new(),
                )
            }
            ServiceError::Storage(source) => {
                // The chain goes to the log, never to the caller.
                tracing::error!(error = %telemetry::logs::Chain(source), "storage error");
                if source.is_unavailable() {
                    Status::unavailable("the service is temporarily unavailable; retry shortly")
                } else {
                    Status::internal("an internal error occurred")
                }
            }
        }
    }
}

pub type ServiceResult<T> = Result<T, ServiceError>;
