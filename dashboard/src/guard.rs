//! The first line against cross-site requests, for every state-changing request under
//! `/dashboard`: the `Origin` (or, without one, the `Referer`) must be this server's own
//! host, and the form's `csrf_token` is lifted into the request for [`crate::session`] to
//! compare with the session's. `SameSite=Lax` already keeps the cookie off cross-site posts;
//! these two checks hold where it does not (old browsers, a sibling subdomain).

use axum::{
    body::Body,
    extract::Request,
    middleware::Next,
    response::{IntoResponse as _, Response},
};
use http::{HeaderMap, header};

use crate::{
    error::DashboardError,
    form::{Form, MAX_FORM_BYTES},
};

/// The CSRF token a form carried (`csrf_token`).
#[derive(Clone)]
pub struct PresentedCsrf(pub String);

/// The authority (`host[:port]`) of an origin or URL, lowercased.
fn authority(url: &str) -> Option<String> {
    let rest = url.split_once("://")?.1;
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..end];
    (!authority.is_empty()).then(|| authority.to_ascii_lowercase())
}

/// Whether the request says it comes from a page of this host.
fn same_origin(headers: &HeaderMap, uri_authority: Option<&str>) -> bool {
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .or(uri_authority)
        .map(str::to_ascii_lowercase);
    let from = headers
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .or_else(|| headers.get(header::REFERER).and_then(|v| v.to_str().ok()))
        .and_then(authority);
    matches!((host, from), (Some(host), Some(from)) if host == from)
}

pub async fn origin(request: Request, next: Next) -> Response {
    if request.method().is_safe() {
        return next.run(request).await;
    }
    let uri_authority = request.uri().authority().map(|a| a.as_str().to_owned());
    if !same_origin(request.headers(), uri_authority.as_deref()) {
        return DashboardError::CrossOrigin.into_response();
    }
    let (mut parts, body) = request.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_FORM_BYTES).await else {
        return DashboardError::FormTooLarge.into_response();
    };
    let token = Form::parse(&bytes).get("csrf_token").to_owned();
    if !token.is_empty() {
        parts.extensions.insert(PresentedCsrf(token));
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, v.parse().unwrap());
        }
        h
    }

    #[test]
    fn only_this_host_may_post() {
        let ok = headers(&[
            ("host", "127.0.0.1:3000"),
            ("origin", "http://127.0.0.1:3000"),
        ]);
        assert!(same_origin(&ok, None));
        let referer = headers(&[
            ("host", "a.test"),
            ("referer", "https://A.test/dashboard?x=1"),
        ]);
        assert!(same_origin(&referer, None));
        let other = headers(&[("host", "127.0.0.1:3000"), ("origin", "http://evil.test")]);
        assert!(!same_origin(&other, None));
        let port = headers(&[
            ("host", "127.0.0.1:3000"),
            ("origin", "http://127.0.0.1:3001"),
        ]);
        assert!(!same_origin(&port, None));
        let none = headers(&[("host", "127.0.0.1:3000")]);
        assert!(!same_origin(&none, None));
        let null = headers(&[("host", "127.0.0.1:3000"), ("origin", "null")]);
        assert!(!same_origin(&null, None));
        let h2 = headers(&[("origin", "https://a.test")]);
        assert!(same_origin(&h2, Some("a.test")));
    }
}
