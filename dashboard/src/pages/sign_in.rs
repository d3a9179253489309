//! Signing in and out. A wrong email and a wrong password get the same answer; failed
//! attempts are limited per account and address (`throttle.rs`).

use axum::{
    extract::{Query, State},
    response::{IntoResponse as _, Redirect, Response},
};
use http::{HeaderMap, StatusCode, header};
use proto::v1::{EndSessionRequest, SignInRequest};
use serde::Deserialize;
use serde_json::json;

use crate::{
    Dashboard, calls::For, error::DashboardError, form::Form, render, session, session::SignedIn,
    throttle::ClientAddress,
};

const HOME: &str = "/dashboard/settings/security";

#[derive(Deserialize)]
pub struct Next {
    #[serde(default)]
    next: String,
}

/// Only a dashboard page (or the consent page of an authorization under way) may be where
/// sign-in leads: never another site (an open redirect).
fn safe_next(next: &str) -> &str {
    let local = (next.starts_with("/dashboard") || next.starts_with("/oauth/authorize?"))
        && !next.starts_with("//")
        && !next.contains('\\')
        && !next.bytes().any(|b| b.is_ascii_control());
    if local && next != "/dashboard/sign-in" {
        next
    } else {
        HOME
    }
}

fn form_page(
    status: StatusCode,
    next: &str,
    email: &str,
    error: &str,
) -> Result<Response, DashboardError> {
    let mut response = render::page(
        "sign_in.html",
        json!({ "next": safe_next(next), "email": email, "error": error }),
    )?;
    *response.status_mut() = status;
    Ok(response)
}

pub async fn page(Query(next): Query<Next>) -> Result<Response, DashboardError> {
    form_page(StatusCode::OK, &next.next, "", "")
}

pub async fn submit(
    State(dashboard): State<Dashboard>,
    ClientAddress(address): ClientAddress,
    headers: HeaderMap,
    form: Form,
) -> Result<Response, DashboardError> {
    let (email, password, next) = (form.get("email"), form.get("password"), form.get("next"));
    if let Err(wait) = dashboard.throttle.admit(email, address) {
        return Err(DashboardError::Throttled {
            wait_seconds: wait.as_secs_f64().ceil().max(1.0) as u64,
        });
    }
    if email.is_empty() || password.is_empty() {
        return form_page(
            StatusCode::BAD_REQUEST,
            next,
            email,
            "Enter your email and password.",
        );
    }
    let user_agent = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .chars()
        .take(256)
        .collect();
    let answer = dashboard
        .calls
        .users()
        .sign_in(dashboard.calls.request(
            SignInRequest {
                email: email.to_owned(),
                password: form.get("password").to_owned(),
                ip: address.map(|a| a.to_string()).unwrap_or_default(),
                user_agent,
            },
            &For::Anonymous,
        ))
        .await;
    let signed_in = match answer {
        Ok(answer) => answer.into_inner(),
        Err(status) if status.code() == tonic::Code::Unauthenticated => {
            dashboard.throttle.failed(email, address);
            return form_page(
                StatusCode::UNAUTHORIZED,
                next,
                email,
                "The email or password is not correct.",
            );
        }
        Err(status) => return Err(status.into()),
    };
    let max_age = signed_in
        .session
        .as_ref()
        .and_then(|s| s.expires_at.as_ref())
        .map_or(0, |t| t.seconds - chrono::Utc::now().timestamp());
    let mut response = Redirect::to(safe_next(next)).into_response();
    response.headers_mut().insert(
        header::SET_COOKIE,
        session::set_cookie(&signed_in.token, max_age, &headers, dashboard.secure_cookie),
    );
    render::no_store(&mut response);
    Ok(response)
}

pub async fn sign_out(
    State(dashboard): State<Dashboard>,
    signed: SignedIn,
    headers: HeaderMap,
) -> Result<Response, DashboardError> {
    if let Some(token) = session::token(&headers) {
        dashboard
            .calls
            .users()
            .end_session(
                dashboard
                    .calls
                    .request(EndSessionRequest { token }, &signed.who()),
            )
            .await?;
    }
    let mut response = Redirect::to("/dashboard/sign-in").into_response();
    response.headers_mut().insert(
        header::SET_COOKIE,
        session::clear_cookie(&headers, dashboard.secure_cookie),
    );
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn sign_in_leads_only_to_dashboard_pages() {
        assert_eq!(
            safe_next("/dashboard/api?status=404"),
            "/dashboard/api?status=404"
        );
        assert_eq!(safe_next("https://evil.test/"), super::HOME);
        assert_eq!(safe_next("//evil.test/dashboard"), super::HOME);
        assert_eq!(safe_next("/dashboard\\@evil"), super::HOME);
        assert_eq!(safe_next(""), super::HOME);
    }
}
