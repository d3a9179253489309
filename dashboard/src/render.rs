//! Templates and assets, embedded in the binary (no CDN, no build step). Templates are
//! Jinja (minijinja), HTML-escaped by their `.html` names; they are parsed once, when the
//! router is built, so a broken template stops the start-up rather than one page.

use std::sync::LazyLock;

use axum::{
    extract::Path,
    response::{Html, IntoResponse, Response},
};
use http::{HeaderValue, StatusCode, header};
use minijinja::Environment;
use serde::Serialize;

use crate::error::DashboardError;

const TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("../templates/base.html")),
    ("error.html", include_str!("../templates/error.html")),
    ("sign_in.html", include_str!("../templates/sign_in.html")),
    ("keys.html", include_str!("../templates/keys.html")),
    ("secret.html", include_str!("../templates/secret.html")),
    ("confirm.html", include_str!("../templates/confirm.html")),
    ("roll.html", include_str!("../templates/roll.html")),
    ("webhooks.html", include_str!("../templates/webhooks.html")),
    ("endpoint.html", include_str!("../templates/endpoint.html")),
    (
        "endpoint_fields.html",
        include_str!("../templates/endpoint_fields.html"),
    ),
    ("api_tabs.html", include_str!("../templates/api_tabs.html")),
    ("requests.html", include_str!("../templates/requests.html")),
    ("request.html", include_str!("../templates/request.html")),
    ("audit.html", include_str!("../templates/audit.html")),
    ("usage.html", include_str!("../templates/usage.html")),
    (
        "integrations.html",
        include_str!("../templates/integrations.html"),
    ),
    ("consent.html", include_str!("../templates/consent.html")),
    ("app.html", include_str!("../templates/app.html")),
];

static ENV: LazyLock<Environment<'static>> = LazyLock::new(|| {
    let mut env = Environment::new();
    for (name, source) in TEMPLATES {
        if let Err(error) = env.add_template(name, source) {
            panic!("dashboard template {name} does not parse: {error:#}");
        }
    }
    env
});

/// Parses every template (at start-up).
pub fn parse_templates() {
    LazyLock::force(&ENV);
}

/// A page: `template` rendered with `context`. Pages are never cached: they show secrets
/// once, and what a user may see changes with the session.
pub fn page(template: &str, context: impl Serialize) -> Result<Response, DashboardError> {
    page_posting_to(template, context, None)
}

/// A page whose forms may also lead to `origin` (the consent page: its answer redirects to
/// the app, and browsers hold a form's redirects to `form-action` too).
pub fn page_posting_to(
    template: &str,
    context: impl Serialize,
    origin: Option<&str>,
) -> Result<Response, DashboardError> {
    let html = ENV
        .get_template(template)?
        .render(minijinja::value::Serde(&context))?;
    let mut response = Html(html).into_response();
    no_store(&mut response);
    protect(&mut response, origin);
    Ok(response)
}

pub fn no_store(response: &mut Response) {
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
}

/// Every page: nothing loads or runs from elsewhere, no inline script, forms post only
/// here, and no other site may frame a page (a framed "Revoke" button could be clicked
/// through a decoy). `same-origin` referrers keep the `Referer` fallback of the origin
/// check working without leaking paths to other sites.
fn protect(response: &mut Response, form_origin: Option<&str>) {
    let form_action = match form_origin {
        // An origin is scheme://host[:port]: nothing in it can end the directive.
        Some(origin) if !origin.contains([';', ',', ' ', '\'']) => format!("'self' {origin}"),
        _ => "'self'".to_owned(),
    };
    let policy = format!(
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
         form-action {form_action}; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
    );
    let h = response.headers_mut();
    if let Ok(policy) = HeaderValue::from_str(&policy) {
        h.insert(header::CONTENT_SECURITY_POLICY, policy);
    }
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
}

/// A secret shown this once (a key's, a signing secret, a client secret), with a copy
/// button and the way back.
#[derive(Serialize)]
pub struct OnceSecret<'a> {
    pub heading: &'a str,
    /// What it is, in the warning: "secret", "signing secret", "client secret".
    pub what: &'a str,
    /// The field's label (its accessible name).
    pub label: String,
    pub secret: &'a str,
    pub note: String,
    pub back: String,
    pub back_label: &'a str,
}

pub fn secret_page(
    frame: serde_json::Value,
    secret: OnceSecret<'_>,
) -> Result<Response, DashboardError> {
    #[derive(Serialize)]
    struct Page<'a> {
        frame: serde_json::Value,
        #[serde(flatten)]
        secret: OnceSecret<'a>,
    }
    page("secret.html", Page { frame, secret })
}

/// The page of an error; plain text if even that cannot be rendered.
pub fn error_page(status: StatusCode, title: &str, message: &str) -> Response {
    let context = minijinja::context! { title, message, status => status.as_u16() };
    let mut response = match ENV
        .get_template("error.html")
        .and_then(|t| t.render(context))
    {
        Ok(html) => Html(html).into_response(),
        Err(_) => message.to_owned().into_response(),
    };
    *response.status_mut() = status;
    no_store(&mut response);
    protect(&mut response, None);
    response
}

const CSS: &str = include_str!("../assets/dashboard.css");
const JS: &str = include_str!("../assets/dashboard.js");

/// `/dashboard/assets/{name}`.
pub async fn asset(Path(name): Path<String>) -> Response {
    let (body, kind) = match name.as_str() {
        "dashboard.css" => (CSS, "text/css; charset=utf-8"),
        "dashboard.js" => (JS, "text/javascript; charset=utf-8"),
        _ => return DashboardError::NotFound.into_response(),
    };
    (
        [
            (header::CONTENT_TYPE, kind),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        body,
    )
        .into_response()
}

/// A protobuf time as the pages show it: `2026-12-02 13:45:07 UTC`; empty when unset.
pub fn time(ts: Option<&prost_types::Timestamp>) -> String {
    ts.and_then(|t| chrono::DateTime::from_timestamp(t.seconds, t.nanos.max(0) as u32))
        .map(|t| t.format("%Y-%m-%d %H:%M:%S UTC").to_string())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    /// Every file of `templates/` is embedded (one left out is a 500 of its page).
    #[test]
    fn every_template_is_embedded() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/templates");
        for entry in std::fs::read_dir(dir).unwrap() {
            let name = entry.unwrap().file_name().to_string_lossy().into_owned();
            assert!(
                super::TEMPLATES.iter().any(|(n, _)| *n == name),
                "{name} is not in TEMPLATES"
            );
        }
    }

    /// The consent page renders with the context its handler gives.
    #[test]
    fn the_consent_page_renders() {
        let frame = json!({
            "section": "integrations", "csrf_token": "t",
            "user": {"id": "usr_1", "email": "a@b.c", "name": "A", "role": "owner"},
            "org": {"id": "org_1", "name": "Org", "sandbox": true},
            "can": {"manage_keys": true, "manage_webhooks": true, "read_bodies": true, "manage_apps": true},
        });
        let response = super::page(
            "consent.html",
            json!({
                "frame": frame,
                "app": {"name": "App", "description": "", "homepage_url": "", "review_status": "draft"},
                "developer": "Dev",
                "scopes": [{"name": "read:customers", "description": "Read"}],
                "params": {"client_id": "app_1", "redirect_uri": "http://127.0.0.1:9/cb", "scope": "read:customers",
                           "state": "s", "code_challenge": "c", "code_challenge_method": "S256"},
            }),
        );
        match response {
            Ok(r) => assert_eq!(r.status(), 200),
            Err(crate::DashboardError::Render(e)) => panic!("{e:#}"),
            Err(e) => panic!("{e}"),
        }
    }
}
