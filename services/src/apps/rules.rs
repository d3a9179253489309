//! What an app may be: its fields' rules, its client secret, and its review state machine.

use proto::{
    schema,
    v1::{self, AppClientType, AppReviewStatus},
};
use rand::RngCore as _;
use storage::apps::App;

use crate::{
    convert::{Check, timestamp},
    error::{ServiceError, Violations},
};

pub const SECRET_PREFIX: &str = "ast_acs_";
pub const MAX_REDIRECT_URIS: usize = 10;

pub const DRAFT: &str = "draft";
pub const IN_REVIEW: &str = "in_review";
pub const APPROVED: &str = "approved";
pub const REJECTED: &str = "rejected";
pub const SUSPENDED: &str = "suspended";

pub const CONFIDENTIAL: &str = "confidential";
pub const PUBLIC: &str = "public";

/// `ast_acs_` and 32 random bytes in hex (256 bits).
pub fn new_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    format!("{SECRET_PREFIX}{}", hex::encode(bytes))
}

pub fn status_enum(status: &str) -> AppReviewStatus {
    match status {
        DRAFT => AppReviewStatus::Draft,
        IN_REVIEW => AppReviewStatus::InReview,
        APPROVED => AppReviewStatus::Approved,
        REJECTED => AppReviewStatus::Rejected,
        SUSPENDED => AppReviewStatus::Suspended,
        _ => AppReviewStatus::Unspecified,
    }
}

/// The app as the API shows it; `secret` only in the answers of create and rotate_secret.
pub fn render(a: &App, secret: Option<String>) -> v1::App {
    v1::App {
        id: a.id.clone(),
        organization_id: a.organization_id.clone(),
        name: a.name.clone(),
        description: a.description.clone(),
        homepage_url: a.homepage_url.clone(),
        redirect_uris: a.redirect_uris.0.clone(),
        scopes: a.scopes.0.clone(),
        client_type: if a.client_type == PUBLIC {
            AppClientType::Public
        } else {
            AppClientType::Confidential
        } as i32,
        client_secret: secret,
        review_status: status_enum(&a.review_status) as i32,
        review_notes: a.review_notes.clone(),
        created_at: Some(timestamp(a.created_at)),
        updated_at: Some(timestamp(a.updated_at)),
    }
}

pub fn check_name(v: &mut Violations, name: &str) {
    let mut check = Check(v);
    check.required("name", name);
    check.max_chars("name", name, 200);
}

pub fn check_texts(v: &mut Violations, description: &str, homepage_url: &str) {
    let mut check = Check(v);
    check.max_chars("description", description, 2_000);
    check.max_chars("homepage_url", homepage_url, 2_000);
    if !homepage_url.is_empty()
        && !url::Url::parse(homepage_url).is_ok_and(|u| matches!(u.scheme(), "https" | "http"))
    {
        v.add("homepage_url", "must be an http:// or https:// URL");
    }
}

/// Exact strings: `https://`, or `http://` on a loopback host (127.0.0.1, [::1],
/// localhost) as RFC 8252 allows native apps; no fragment (RFC 6749 3.1.2); 1 to 10.
pub fn check_redirect_uris(v: &mut Violations, uris: &[String]) {
    if uris.is_empty() {
        v.add("redirect_uris", "must name at least one redirect URI");
    }
    if uris.len() > MAX_REDIRECT_URIS {
        v.add(
            "redirect_uris",
            format!("must be at most {MAX_REDIRECT_URIS} URIs"),
        );
    }
    for uri in uris {
        if let Err(why) = redirect_uri(uri) {
            v.add("redirect_uris", format!("{uri:?} {why}"));
        }
    }
}

fn redirect_uri(uri: &str) -> Result<(), &'static str> {
    if uri.len() > 2_000 {
        return Err("is too long (at most 2000 characters)");
    }
    let parsed = url::Url::parse(uri).map_err(|_| "is not an absolute URL")?;
    if parsed.fragment().is_some() || uri.contains('#') {
        return Err("must not have a fragment");
    }
    match parsed.scheme() {
        "https" if parsed.host().is_some() => Ok(()),
        "http" => match parsed.host() {
            Some(url::Host::Domain("localhost")) => Ok(()),
            Some(url::Host::Ipv4(ip)) if ip == std::net::Ipv4Addr::LOCALHOST => Ok(()),
            Some(url::Host::Ipv6(ip)) if ip == std::net::Ipv6Addr::LOCALHOST => Ok(()),
            _ => Err("must use https:// (http:// only on a loopback host)"),
        },
        _ => Err("must use https:// (http:// only on a loopback host)"),
    }
}

/// At least one scope, each of the contract's vocabulary: what a key may hold and an app
/// may request.
pub fn check_scopes(v: &mut Violations, scopes: &[String]) {
    if scopes.is_empty() {
        v.add("scopes", "must name at least one scope");
    }
    let unknown: Vec<&str> = scopes
        .iter()
        .map(String::as_str)
        .filter(|s| !schema().is_scope(s))
        .collect();
    if !unknown.is_empty() {
        v.add(
            "scopes",
            format!(
                "unknown scope {}; known scopes: {}",
                unknown.join(", "),
                schema().scopes().join(", ")
            ),
        );
    }
}

/// Removes repeated entries, keeping the first of each.
pub fn dedup(items: Vec<String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(items.len());
    for item in items {
        if !out.contains(&item) {
            out.push(item);
        }
    }
    out
}

/// The review state machine: draft -> in_review (also from rejected), in_review ->
/// approved | rejected, anything -> suspended. Suspension is final here: a suspended app is
/// neither submitted nor reviewed again.
pub fn transition(from: &str, to: &str) -> Result<(), ServiceError> {
    let allowed = match to {
        IN_REVIEW => matches!(from, DRAFT | REJECTED),
        APPROVED | REJECTED => from == IN_REVIEW,
        SUSPENDED => from != SUSPENDED,
        _ => false,
    };
    if allowed {
        Ok(())
    } else {
        Err(ServiceError::conflict(
            "invalid_review_transition",
            format!("an app in state {from} cannot become {to}"),
        ))
    }
}
