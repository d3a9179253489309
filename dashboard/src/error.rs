//! The dashboard's one error type: every refusal is a page a person can read (with the
//! status a program can check), never a JSON body and never a bare 500.

use axum::response::{IntoResponse, Redirect, Response};
use http::{HeaderValue, StatusCode, header};

use crate::render;

#[derive(Debug, thiserror::Error)]
pub enum DashboardError {
    /// No session, or it ended: sign in, then come back to `next`.
    #[error("sign in first")]
    SignInFirst { next: Option<String> },
    #[error("{0}")]
    Forbidden(String),
    #[error("the request came from another origin")]
    CrossOrigin,
    #[error("the form's security token is missing or does not match the session")]
    Csrf,
    #[error("not found")]
    NotFound,
    /// What the user sent cannot be done; the message says why.
    #[error("{0}")]
    Invalid(String),
    #[error("the form is larger than the dashboard accepts")]
    FormTooLarge,
    #[error("too many sign-in attempts")]
    Throttled { wait_seconds: u64 },
    /// A service failed; logged with its status, shown without its details.
    #[error("a service call failed")]
    Upstream(#[source] tonic::Status),
    #[error("rendering a page failed")]
    Render(#[source] minijinja::Error),
}

impl From<tonic::Status> for DashboardError {
    fn from(status: tonic::Status) -> Self {
        use tonic::Code;
        match status.code() {
            Code::NotFound => Self::NotFound,
            Code::InvalidArgument
            | Code::FailedPrecondition
            | Code::AlreadyExists
            | Code::OutOfRange => Self::Invalid(status.message().to_owned()),
            Code::PermissionDenied => Self::Forbidden(status.message().to_owned()),
            Code::Unauthenticated => Self::SignInFirst { next: None },
            _ => Self::Upstream(status),
        }
    }
}

impl From<minijinja::Error> for DashboardError {
    fn from(error: minijinja::Error) -> Self {
        Self::Render(error)
    }
}

impl IntoResponse for DashboardError {
    fn into_response(self) -> Response {
        let (status, title, message) = match &self {
            Self::SignInFirst { next } => {
                let to = match next {
                    Some(next) => format!(
                        "/dashboard/sign-in?next={}",
                        form_urlencoded::byte_serialize(next.as_bytes()).collect::<String>()
                    ),
                    None => "/dashboard/sign-in".to_owned(),
                };
                return Redirect::to(&to).into_response();
            }
            Self::Forbidden(message) => (StatusCode::FORBIDDEN, "Not allowed", message.clone()),
            Self::CrossOrigin => (
                StatusCode::FORBIDDEN,
                "Refused",
                "This form was sent from another site, so it was refused. Open the dashboard \
                 directly and try again."
                    .to_owned(),
            ),
            Self::Csrf => (
                StatusCode::FORBIDDEN,
                "Refused",
                "The form's security token is missing or out of date. Reload the page and try \
                 again."
                    .to_owned(),
            ),
            Self::NotFound => (
                StatusCode::NOT_FOUND,
                "Not found",
                "There is nothing here, or it belongs to another organization.".to_owned(),
            ),
            Self::Invalid(message) => (StatusCode::BAD_REQUEST, "Check the form", message.clone()),
            Self::FormTooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "Too large",
                "The form is larger than the dashboard accepts (64 KiB).".to_owned(),
            ),
            Self::Throttled { wait_seconds } => {
                let mut response = render::error_page(
                    StatusCode::TOO_MANY_REQUESTS,
                    "Too many attempts",
                    &format!(
                        "Too many sign-in attempts. Wait {wait_seconds} seconds, then try again."
                    ),
                );
                if let Ok(v) = HeaderValue::from_str(&wait_seconds.to_string()) {
                    response.headers_mut().insert(header::RETRY_AFTER, v);
                }
                return response;
            }
            Self::Upstream(status) => {
                tracing::error!(
                    code = ?status.code(),
                    error = &self as &dyn std::error::Error,
                    source = status.message(),
                    "a dashboard page's service call failed"
                );
                (
                    StatusCode::BAD_GATEWAY,
                    "Something went wrong",
                    "A service did not answer. Try again in a moment.".to_owned(),
                )
            }
            Self::Render(error) => {
                tracing::error!(
                    error = error as &dyn std::error::Error,
                    "a dashboard page failed to render"
                );
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Something went wrong",
                    "This page could not be shown.".to_owned(),
                )
            }
        };
        render::error_page(status, title, &message)
    }
}
