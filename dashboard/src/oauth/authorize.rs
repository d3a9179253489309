//! `GET /oauth/authorize` (the consent page) and `POST /oauth/authorize` (the answer).
//!
//! The request is checked by `OAuthService.CheckAuthorization` before anything else: an
//! unknown client or a redirect URI that is not exactly one of the app's is shown as a page
//! and never redirected to (RFC 6749 4.1.2.1); every other problem goes back to the app's
//! redirect URI with `error` and the `state` it sent. Then the user signs in if needed (and
//! comes back here), sees the app, its developer, its review status and the scopes, picks
//! the organization, and answers "Allow" or "Deny" (a form with the session's CSRF token).

use axum::{
    extract::{FromRequestParts as _, RawQuery, Request, State},
    response::{IntoResponse as _, Redirect, Response},
};
use http::StatusCode;
use proto::{
    schema,
    v1::{
        AppReviewStatus, CheckAuthorizationRequest, CheckAuthorizationResponse,
        GrantAuthorizationRequest,
    },
};
use serde_json::json;

use super::OAuthError;
use crate::{Dashboard, calls::For, error::DashboardError, form::Form, render, session::SignedIn};

/// The parameters of an authorization request (query string or consent form).
struct Params {
    response_type: String,
    client_id: String,
    redirect_uri: String,
    scope: String,
    state: String,
    code_challenge: String,
    code_challenge_method: String,
}

impl Params {
    fn from(form: &Form) -> Self {
        let get = |name: &str| form.get(name).to_owned();
        Self {
            response_type: get("response_type"),
            client_id: get("client_id"),
            redirect_uri: get("redirect_uri"),
            scope: get("scope"),
            state: get("state"),
            code_challenge: get("code_challenge"),
            code_challenge_method: get("code_challenge_method"),
        }
    }

    /// `redirect_uri` with `pairs` (and `state`, as sent) added to its query.
    fn back(&self, pairs: &[(&str, &str)]) -> Response {
        let mut query = form_urlencoded::Serializer::new(String::new());
        for (k, v) in pairs {
            query.append_pair(k, v);
        }
        if !self.state.is_empty() {
            query.append_pair("state", &self.state);
        }
        let sep = if self.redirect_uri.contains('?') {
            '&'
        } else {
            '?'
        };
        let mut response =
            Redirect::to(&format!("{}{sep}{}", self.redirect_uri, query.finish())).into_response();
        render::no_store(&mut response);
        response
    }

    fn back_with_error(&self, error: &OAuthError) -> Response {
        self.back(&[
            ("error", &error.code),
            ("error_description", &error.description),
        ])
    }
}

/// A refusal shown as a page, never redirected (unknown client, unregistered redirect URI).
fn shown(status: StatusCode, message: &str) -> Response {
    render::error_page(status, "This app cannot be authorized", message)
}

/// The app's check of the request: the app and scopes, a page to show, or an error to send
/// back to the app.
async fn check(dashboard: &Dashboard, p: &Params) -> Result<CheckAuthorizationResponse, Response> {
    if p.client_id.is_empty() || p.redirect_uri.is_empty() {
        return Err(shown(
            StatusCode::BAD_REQUEST,
            "The request names no client_id or no redirect_uri.",
        ));
    }
    let checked = dashboard
        .calls
        .oauth()
        .check_authorization(dashboard.calls.request(
            CheckAuthorizationRequest {
                client_id: p.client_id.clone(),
                redirect_uri: p.redirect_uri.clone(),
                scope: p.scope.clone(),
                code_challenge: p.code_challenge.clone(),
                code_challenge_method: p.code_challenge_method.clone(),
            },
            &For::Anonymous,
        ))
        .await;
    match checked {
        Ok(checked) => {
            if p.response_type != "code" {
                return Err(p.back_with_error(&OAuthError::new(
                    "unsupported_response_type",
                    "response_type must be code",
                )));
            }
            Ok(checked.into_inner())
        }
        Err(status) => {
            let error = OAuthError::from_status(&status);
            match error.code.as_str() {
                "invalid_client" | "invalid_redirect_uri" | "server_error" => {
                    Err(shown(StatusCode::BAD_REQUEST, &error.description))
                }
                _ => Err(p.back_with_error(&error)),
            }
        }
    }
}

/// `scheme://host[:port]` of a URL, for the consent page's `form-action`.
fn origin_of(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    Some(format!("{scheme}://{}", &rest[..end]))
}

fn review_label(status: i32) -> &'static str {
    match AppReviewStatus::try_from(status) {
        Ok(AppReviewStatus::Approved) => "approved",
        Ok(AppReviewStatus::InReview) => "in_review",
        Ok(AppReviewStatus::Rejected) => "rejected",
        Ok(AppReviewStatus::Suspended) => "suspended",
        _ => "draft",
    }
}

pub async fn consent(
    State(dashboard): State<Dashboard>,
    RawQuery(query): RawQuery,
    request: Request,
) -> Result<Response, DashboardError> {
    let params = Params::from(&Form::parse(query.unwrap_or_default().as_bytes()));
    let checked = match check(&dashboard, &params).await {
        Ok(checked) => checked,
        Err(response) => return Ok(response),
    };
    let (mut parts, _) = request.into_parts();
    let signed = SignedIn::from_request_parts(&mut parts, &dashboard).await?;
    let app = checked.app.unwrap_or_default();
    let descriptions: std::collections::HashMap<&str, &str> = schema()
        .scope_vocabulary()
        .iter()
        .map(|s| (s.name.as_str(), s.description.as_str()))
        .collect();
    let scopes: Vec<_> = checked
        .scopes
        .iter()
        .map(|s| json!({ "name": s, "description": descriptions.get(s.as_str()).copied().unwrap_or("") }))
        .collect();
    render::page_posting_to(
        "consent.html",
        json!({
            "frame": signed.frame(&dashboard, "integrations").await?,
            "app": {
                "name": app.name, "description": app.description, "homepage_url": app.homepage_url,
                "review_status": review_label(app.review_status),
            },
            "developer": checked.developer_name,
            "scopes": scopes,
            "params": {
                "client_id": params.client_id, "redirect_uri": params.redirect_uri,
                "scope": checked.scopes.join(" "), "state": params.state,
                "code_challenge": params.code_challenge,
                "code_challenge_method": params.code_challenge_method,
            },
        }),
        origin_of(&params.redirect_uri).as_deref(),
    )
}

pub async fn decide(
    State(dashboard): State<Dashboard>,
    signed: SignedIn,
    form: Form,
) -> Result<Response, DashboardError> {
    let mut params = Params::from(&form);
    params.response_type = "code".into();
    let checked = match check(&dashboard, &params).await {
        Ok(checked) => checked,
        Err(response) => return Ok(response),
    };
    if form.get("decision") != "allow" {
        return Ok(params.back(&[
            ("error", "access_denied"),
            ("error_description", "the user denied the request"),
        ]));
    }
    let organization_id = form.get("organization_id");
    if organization_id != signed.user.organization_id {
        return Err(DashboardError::Forbidden(
            "You can install apps only in your own organization.".into(),
        ));
    }
    let granted = dashboard
        .calls
        .oauth()
        .grant_authorization(dashboard.calls.request(
            GrantAuthorizationRequest {
                client_id: params.client_id.clone(),
                redirect_uri: params.redirect_uri.clone(),
                scopes: checked.scopes,
                code_challenge: params.code_challenge.clone(),
                user_id: signed.user.id.clone(),
                organization_id: organization_id.to_owned(),
            },
            &signed.who(),
        ))
        .await;
    Ok(match granted {
        Ok(granted) => params.back(&[("code", &granted.into_inner().code)]),
        Err(status) => params.back_with_error(&OAuthError::from_status(&status)),
    })
}
