//! `POST /oauth/token`, `POST /oauth/revoke`, `POST /oauth/introspect` and the metadata
//! document (`GET /.well-known/oauth-authorization-server`).

use axum::{extract::State, response::Response};
use http::{HeaderMap, HeaderValue, StatusCode, header};
use proto::{
    schema,
    v1::{ExchangeTokenRequest, IntrospectTokenRequest, RevokeTokenRequest},
};
use serde_json::json;

use super::{
    OAuthError,
    client::{ClientAuth, client_auth},
    no_store_json,
};
use crate::{Dashboard, calls::For, form::Form};

/// The issuer: `ASTERI_PUBLIC_URL` when set, else this request's own origin (https when a
/// proxy says so).
pub fn issuer(dashboard: &Dashboard, headers: &HeaderMap) -> String {
    if let Some(url) = &dashboard.public_url {
        return url.trim_end_matches('/').to_owned();
    }
    let https = dashboard.secure_cookie
        || headers
            .get("x-forwarded-proto")
            .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"https"));
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("127.0.0.1");
    format!("{}://{host}", if https { "https" } else { "http" })
}

pub async fn metadata(State(dashboard): State<Dashboard>, headers: HeaderMap) -> Response {
    let base = issuer(&dashboard, &headers);
    let auth_methods = ["client_secret_basic", "client_secret_post", "none"];
    let scopes: Vec<&str> = schema()
        .scope_vocabulary()
        .iter()
        .map(|s| s.name.as_str())
        .collect();
    let mut response = axum::response::IntoResponse::into_response(axum::Json(json!({
        "issuer": base,
        "authorization_endpoint": format!("{base}/oauth/authorize"),
        "token_endpoint": format!("{base}/oauth/token"),
        "revocation_endpoint": format!("{base}/oauth/revoke"),
        "introspection_endpoint": format!("{base}/oauth/introspect"),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "refresh_token", "client_credentials"],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": auth_methods,
        "revocation_endpoint_auth_methods_supported": auth_methods,
        "introspection_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "scopes_supported": scopes,
        "service_documentation": format!("{base}/docs"),
    })));
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=300"),
    );
    response
}

/// The form of a token-endpoint request: `application/x-www-form-urlencoded` only.
fn form_of(headers: &HeaderMap, form: Form) -> Result<Form, OAuthError> {
    let urlencoded = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if urlencoded {
        Ok(form)
    } else {
        Err(OAuthError::new(
            "invalid_request",
            "send the parameters as application/x-www-form-urlencoded",
        ))
    }
}

/// A service refusal, with the Basic challenge when the client used Basic.
fn refusal(status: &tonic::Status, basic: bool) -> OAuthError {
    let mut error = OAuthError::from_status(status);
    error.basic_challenge = basic;
    error
}

pub async fn token(
    State(dashboard): State<Dashboard>,
    headers: HeaderMap,
    form: Form,
) -> Result<Response, OAuthError> {
    let form = form_of(&headers, form)?;
    let client = client_auth(&headers, &form)?;
    if let Err(wait) = dashboard.token_throttle.spend(&client.client_id) {
        let mut response = no_store_json(
            StatusCode::TOO_MANY_REQUESTS,
            json!({ "error": "slow_down", "error_description": "too many token requests for this client" }),
        );
        if let Ok(v) = HeaderValue::from_str(&wait.as_secs().max(1).to_string()) {
            response.headers_mut().insert(header::RETRY_AFTER, v);
        }
        return Ok(response);
    }
    let grant_type = form.get("grant_type");
    if !["authorization_code", "refresh_token", "client_credentials"].contains(&grant_type) {
        return Err(OAuthError::new(
            if grant_type.is_empty() {
                "invalid_request"
            } else {
                "unsupported_grant_type"
            },
            "grant_type is authorization_code, refresh_token or client_credentials",
        ));
    }
    let request = ExchangeTokenRequest {
        grant_type: grant_type.to_owned(),
        client_id: client.client_id,
        client_secret: client.client_secret,
        code: form.get("code").to_owned(),
        redirect_uri: form.get("redirect_uri").to_owned(),
        code_verifier: form.get("code_verifier").to_owned(),
        refresh_token: form.get("refresh_token").to_owned(),
        organization_id: form.get("organization_id").to_owned(),
        scope: form.get("scope").to_owned(),
    };
    let issued = dashboard
        .calls
        .oauth()
        .exchange_token(dashboard.calls.request(request, &For::Anonymous))
        .await
        .map_err(|status| refusal(&status, client.basic))?
        .into_inner();
    let mut body = json!({
        "access_token": issued.access_token,
        "token_type": "Bearer",
        "expires_in": issued.expires_in,
        "scope": issued.scope,
        "organization_id": issued.organization_id,
    });
    if !issued.refresh_token.is_empty() {
        body["refresh_token"] = json!(issued.refresh_token);
    }
    Ok(no_store_json(StatusCode::OK, body))
}

/// What revocation and introspection share: the form, the authenticated client, the token.
fn about_a_token(
    headers: &HeaderMap,
    form: Form,
) -> Result<(Form, ClientAuth, String), OAuthError> {
    let form = form_of(headers, form)?;
    let client = client_auth(headers, &form)?;
    let token = form.get("token").to_owned();
    if token.is_empty() {
        return Err(OAuthError::new("invalid_request", "token is required"));
    }
    Ok((form, client, token))
}

pub async fn revoke(
    State(dashboard): State<Dashboard>,
    headers: HeaderMap,
    form: Form,
) -> Result<Response, OAuthError> {
    let (form, client, token) = about_a_token(&headers, form)?;
    dashboard
        .calls
        .oauth()
        .revoke_token(dashboard.calls.request(
            RevokeTokenRequest {
                token,
                token_type_hint: form.get("token_type_hint").to_owned(),
                client_id: client.client_id,
                client_secret: client.client_secret,
            },
            &For::Anonymous,
        ))
        .await
        .map_err(|status| refusal(&status, client.basic))?;
    // RFC 7009 2.2: 200 whether or not the token was valid.
    Ok(no_store_json(StatusCode::OK, json!({})))
}

pub async fn introspect(
    State(dashboard): State<Dashboard>,
    headers: HeaderMap,
    form: Form,
) -> Result<Response, OAuthError> {
    let (form, client, token) = about_a_token(&headers, form)?;
    let answer = dashboard
        .calls
        .oauth()
        .introspect_token(dashboard.calls.request(
            IntrospectTokenRequest {
                token,
                token_type_hint: form.get("token_type_hint").to_owned(),
                client_id: client.client_id,
                client_secret: client.client_secret,
            },
            &For::Anonymous,
        ))
        .await
        .map_err(|status| refusal(&status, client.basic))?
        .into_inner();
    let body = if answer.active {
        json!({
            "active": true,
            "scope": answer.scope,
            "client_id": answer.client_id,
            "token_type": answer.token_type,
            "exp": answer.exp,
            "iat": answer.iat,
            "sub": answer.sub,
            "organization_id": answer.organization_id,
        })
    } else {
        // RFC 7662 2.2: nothing else about a token that is not active.
        json!({ "active": false })
    };
    Ok(no_store_json(StatusCode::OK, body))
}
