//! The developer portal through the real server: pages, the public search API (no key
//! needed, a key accepted), its errors in the platform's shape, the changelog feed, and a
//! check that the errors guide documents every error code the code base can return.

use reqwest::header::CONTENT_TYPE;
use serde_json::Value;

use crate::helpers::{expect_error, read, spawn_app};

fn content_type(response: &reqwest::Response) -> String {
    response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn pages_are_served_without_a_key() {
    let app = spawn_app().await;
    for path in [
        "/",
        "/docs",
        "/docs/guides/getting-started",
        "/docs/guides/authentication",
        "/docs/guides/errors",
        "/docs/guides/rate-limits",
        "/docs/guides/pagination",
        "/docs/guides/idempotency",
        "/docs/guides/webhooks",
        "/docs/reference",
        "/docs/changelog",
        "/docs/search?q=refund",
    ] {
        let response = app
            .client
            .get(format!("{}{path}", app.base))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{path}");
        assert_eq!(
            content_type(&response),
            "text/html; charset=utf-8",
            "{path}"
        );
        assert!(response.headers().contains_key("x-request-id"), "{path}");
        let body = response.text().await.unwrap();
        assert!(body.contains("<main id=\"main\""), "{path}");
    }
    let response = app
        .client
        .get(format!("{}/docs/guides/no-such-guide", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    assert_eq!(content_type(&response), "text/html; charset=utf-8");
    app.shutdown().await;
}

#[tokio::test]
async fn search_is_public_and_takes_a_key_too() {
    let app = spawn_app().await;
    let t = app.tenant().await;
    let url = app.url("/search?q=rate_limited&limit=3");
    for request in [
        app.client.get(&url),
        app.client
            .get(&url)
            .header("x-api-key", &t.key)
            .header("x-organization-id", &t.org),
    ] {
        let response = request.send().await.unwrap();
        assert_eq!(content_type(&response), "application/json");
        let (status, body) = read(response).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["object"], "list");
        assert_eq!(body["query"], "rate_limited");
        let first = &body["data"][0];
        assert_eq!(first["kind"], "error", "{body}");
        assert_eq!(first["url"], "/docs/guides/errors#rate_limited");
        assert!(first["score"].as_f64().is_some_and(|s| s > 0.0));
        assert!(body["data"].as_array().unwrap().len() <= 3);
    }
    app.shutdown().await;
}

#[tokio::test]
async fn bad_searches_get_the_platform_error_body() {
    let app = spawn_app().await;
    for (path, status, code, field) in [
        ("/search", 422, "validation_failed", "q"),
        ("/search?q=%20%20", 422, "validation_failed", "q"),
        ("/search?q=x&limit=0", 422, "validation_failed", "limit"),
        ("/search?q=x&limit=51", 422, "validation_failed", "limit"),
        ("/search?q=x&limit=many", 422, "validation_failed", "limit"),
        ("/search?q=x&page=2", 400, "invalid_request", "page"),
    ] {
        let response = app.client.get(app.url(path)).send().await.unwrap();
        let body = expect_error(response, status, code).await;
        assert!(body["errors"][field].is_array(), "{path}: {body}");
    }
    let response = app
        .client
        .post(app.url("/search?q=x"))
        .send()
        .await
        .unwrap();
    expect_error(response, 405, "method_not_allowed").await;
    app.shutdown().await;
}

#[tokio::test]
async fn the_changelog_feed_is_atom() {
    let app = spawn_app().await;
    let response = app
        .client
        .get(format!("{}/changelog.atom", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        content_type(&response),
        "application/atom+xml; charset=utf-8"
    );
    let feed = response.text().await.unwrap();
    assert!(feed.starts_with("<?xml version=\"1.0\" encoding=\"utf-8\"?>"));
    assert!(feed.contains("<feed xmlns=\"http://www.w3.org/2005/Atom\">"));
    assert_eq!(
        feed.matches("<entry>").count(),
        feed.matches("</entry>").count()
    );
    let response = app
        .client
        .get(format!("{}/docs/openapi.json", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let doc: Value = response.json().await.unwrap();
    assert!(
        doc["openapi"]
            .as_str()
            .is_some_and(|v| v.starts_with("3.1"))
    );
    app.shutdown().await;
}

/// String literals that follow `marker` in `source` (`reason: "x"`, `conflict(\n "x"`).
fn literals_after(source: &str, marker: &str, out: &mut Vec<String>) {
    for (at, _) in source.match_indices(marker) {
        let rest = source[at + marker.len()..].trim_start();
        if let Some(rest) = rest.strip_prefix('"')
            && let Some(end) = rest.find('"')
        {
            let code = &rest[..end];
            if !code.is_empty() && code.bytes().all(|b| b.is_ascii_lowercase() || b == b'_') {
                out.push(code.to_owned());
            }
        }
    }
}

/// Every error code in the gateway's error mapping and every reason the services raise has
/// a section of its own in the errors guide (and so a search hit of kind `error`).
#[tokio::test]
async fn every_error_code_is_documented() {
    let mut codes = Vec::new();
    // The gateway: `(StatusCode::X, "code")` and `"code".to_owned()`.
    let gateway = include_str!("../../gateway/src/error.rs");
    literals_after(gateway, "StatusCode::PAYLOAD_TOO_LARGE, ", &mut codes);
    for line in gateway.lines().filter(|l| l.contains("StatusCode::")) {
        literals_after(line, ", ", &mut codes);
    }
    for (at, _) in gateway.match_indices("\".to_owned()") {
        if let Some(start) = gateway[..at].rfind('"') {
            literals_after(&gateway[start..=at], "", &mut codes);
        }
    }
    // The services: the reasons of their errors.
    let services = [
        include_str!("../../services/src/error.rs"),
        include_str!("../../services/src/auth/mod.rs"),
        include_str!("../../services/src/auth/keys.rs"),
        include_str!("../../services/src/keys.rs"),
        include_str!("../../services/src/files.rs"),
        include_str!("../../services/src/team_members.rs"),
        include_str!("../../services/src/billing/states.rs"),
        include_str!("../../services/src/billing/invoices.rs"),
        include_str!("../../services/src/billing/payments.rs"),
        include_str!("../../services/src/appointments/lifecycle.rs"),
        include_str!("../../services/src/webhooks/events.rs"),
    ];
    for source in services {
        for marker in ["reason: ", "conflict("] {
            literals_after(source, marker, &mut codes);
        }
        // The life cycles' reasons are constants (`INVALID_TRANSITION`).
        for line in source.lines().filter(|l| l.contains("const INVALID_")) {
            literals_after(line, "= ", &mut codes);
        }
        for (at, _) in source
            .match_indices("with_reason(")
            .chain(source.match_indices("with_violations("))
        {
            let call = &source[at..];
            let end = call.find(')').unwrap_or(call.len());
            literals_after(&call[..end], ",", &mut codes);
        }
    }
    codes.retain(|c| c != "api" && !c.contains("asteri"));
    codes.sort();
    codes.dedup();
    assert!(codes.len() >= 25, "the scan found too few codes: {codes:?}");
    let app = spawn_app().await;
    let guide = app
        .client
        .get(format!("{}/docs/guides/errors", app.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let missing: Vec<&String> = codes
        .iter()
        .filter(|c| !guide.contains(&format!("<h3 id=\"{c}\">{c}</h3>")))
        .collect();
    assert!(
        missing.is_empty(),
        "not in the errors guide: {missing:?} (of {codes:?})"
    );
    app.shutdown().await;
}

/// The search over the generated document of this build: the routes the contract names
/// come first for the queries integrators type, identifiers stay whole, typos are forgiven.
#[tokio::test]
async fn search_ranks_the_real_routes_first() {
    let app = spawn_app().await;
    let search = |q: &'static str| {
        let url = reqwest::Url::parse_with_params(
            &format!("{}/api/public/v1/search", app.base),
            &[("q", q)],
        )
        .unwrap();
        let client = app.client.clone();
        async move {
            let response = client.get(url).send().await.unwrap();
            let (status, body) = read(response).await;
            assert_eq!(status, 200, "{q}: {body}");
            body["data"].as_array().unwrap().clone()
        }
    };
    for (query, first) in [
        ("refund payment", "/api/public/v1/payments/{id}/refund"),
        ("void invoice", "/api/public/v1/invoices/{id}/void"),
        // Two real routes have this name (webhook endpoints' and apps'): either first.
        ("rotate_secret", "/rotate_secret"),
        ("refnd paymnt", "/api/public/v1/payments/{id}/refund"),
    ] {
        let hits = search(query).await;
        assert_eq!(hits[0]["kind"], "endpoint", "{query}: {:#?}", &hits[..2]);
        assert!(
            hits[0]["title"].as_str().unwrap().ends_with(first),
            "{query}: {:#?}",
            &hits[..2]
        );
        assert!(hits[0]["url"].as_str().unwrap().starts_with("/docs/"));
    }
    let hits = search("in_progress").await;
    assert!(
        hits.iter().any(|h| h["snippet"]
            .as_str()
            .unwrap_or_default()
            .contains("in_progress")),
        "{hits:#?}"
    );
    app.shutdown().await;
}
