//! The portal against a hand-made OpenAPI 3.1 document shaped like the generated one
//! (`testdata/openapi.json`: operationIds are RPC names, tags service names without
//! `Service`, summaries and descriptions the proto comments): ranking, and the routes
//! through the router.

use axum::body::Body;
use http::{Request, StatusCode, header};
use http_body_util::BodyExt as _;
use serde_json::Value;
use tower::ServiceExt as _;

use super::*;
use crate::search::Kind;

fn openapi() -> Value {
    serde_json::from_str(include_str!("testdata/openapi.json")).unwrap()
}

fn portal() -> Portal {
    Portal::new(openapi())
}

#[test]
fn refund_payment_finds_the_refund_route_first() {
    let hits = portal().search("refund payment", 5);
    assert_eq!(
        hits[0].title, "POST /api/public/v1/payments/{id}/refund",
        "{hits:#?}"
    );
    assert_eq!(hits[0].kind, Kind::Endpoint);
    assert_eq!(hits[0].url, "/docs/reference#operation/RefundPayment");
    assert!(hits[0].snippet.contains("refunded"), "{}", hits[0].snippet);
}

#[test]
fn void_invoice_finds_the_void_route_first() {
    let hits = portal().search("void invoice", 5);
    assert_eq!(
        hits[0].title, "POST /api/public/v1/invoices/{id}/void",
        "{hits:#?}"
    );
    assert_eq!(hits[0].url, "/docs/reference#operation/VoidInvoice");
}

#[test]
fn each_kind_is_found() {
    let p = portal();
    let first = |q: &str| p.search(q, 1).into_iter().next().unwrap();
    let hit = first("rate_limited");
    assert_eq!(
        (hit.kind, hit.url.as_str()),
        (Kind::Error, "/docs/guides/errors#rate_limited")
    );
    assert_eq!(hit.title, "rate_limited (429)");
    let hit = first("refunded_amount");
    assert_eq!(
        (hit.kind, hit.title.as_str()),
        (Kind::Field, "Payment.refunded_amount")
    );
    assert_eq!(hit.url, "/docs/reference#schema/Payment");
    let hit = first("payment");
    assert_eq!((hit.kind, hit.title.as_str()), (Kind::Resource, "Payment"));
    let hit = first("webhook signature verify");
    assert_eq!(hit.kind, Kind::Guide, "{hit:?}");
    assert!(hit.url.starts_with("/docs/guides/webhooks#"), "{}", hit.url);
    let hit = first("rotate_secret");
    assert_eq!(
        hit.title,
        "POST /api/public/v1/webhook_endpoints/{id}/rotate_secret"
    );
    let hit = first("in_progress");
    assert_eq!(hit.title, "POST /api/public/v1/appointments/{id}/start");
    let hits = p.search("Idempotency-Key", 3);
    assert!(
        hits.iter().any(|h| h.url == "/docs/guides/idempotency"),
        "{hits:#?}"
    );
}

#[test]
fn prefixes_and_typos_reach_the_reference() {
    let p = portal();
    assert_eq!(
        p.search("refu", 1)[0].url,
        "/docs/reference#operation/RefundPayment"
    );
    assert_eq!(
        p.search("rfund paymnt", 1)[0].url,
        "/docs/reference#operation/RefundPayment"
    );
    assert_eq!(
        p.search("voi invoic", 1)[0].url,
        "/docs/reference#operation/VoidInvoice"
    );
}

#[test]
fn an_empty_document_still_searches_the_guides() {
    let p = Portal::new(serde_json::json!({"openapi": "3.1.0", "paths": {}}));
    assert!(p.indexed() > 30);
    assert_eq!(p.search("cursor", 1)[0].kind, Kind::Guide);
}

#[test]
fn search_parameters() {
    let parse = |q: &str| SearchQuery::parse(Some(q));
    assert_eq!(
        parse("q=refund").unwrap(),
        SearchQuery {
            q: "refund".into(),
            limit: 10
        }
    );
    assert_eq!(parse("q=+a+b+&limit=50").unwrap().limit, 50);
    assert!(SearchQuery::parse(None).is_err());
    for bad in [
        "q=",
        "q=%20",
        "limit=5",
        "q=x&limit=0",
        "q=x&limit=51",
        "q=x&limit=ten",
    ] {
        assert!(matches!(parse(bad), Err(PortalError::Invalid(_))), "{bad}");
    }
    let long = format!("q={}", "a".repeat(MAX_QUERY_CHARS + 1));
    assert!(matches!(parse(&long), Err(PortalError::Invalid(_))));
    for bad in ["q=x&page=2", "q=x&q=y"] {
        assert!(
            matches!(parse(bad), Err(PortalError::Parameters(_))),
            "{bad}"
        );
    }
}

async fn get(path: &str) -> (StatusCode, http::HeaderMap, String) {
    request("GET", path).await
}

async fn request(method: &str, path: &str) -> (StatusCode, http::HeaderMap, String) {
    let response = portal()
        .router()
        .oneshot(
            Request::builder()
                .method(method)
                .uri(path)
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    let (parts, body) = response.into_parts();
    let bytes = body.collect().await.unwrap().to_bytes();
    (
        parts.status,
        parts.headers,
        String::from_utf8_lossy(&bytes).into_owned(),
    )
}

fn content_type(headers: &http::HeaderMap) -> &str {
    headers.get(header::CONTENT_TYPE).unwrap().to_str().unwrap()
}

#[tokio::test]
async fn pages_are_html_with_landmarks_and_a_labelled_search_box() {
    for path in [
        "/",
        "/docs",
        "/docs/guides/getting-started",
        "/docs/guides/errors",
        "/docs/guides/webhooks",
        "/docs/reference",
        "/docs/changelog",
        "/docs/search?q=refund",
    ] {
        let (status, headers, body) = get(path).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert_eq!(content_type(&headers), "text/html; charset=utf-8", "{path}");
        assert!(headers.contains_key(header::CONTENT_SECURITY_POLICY));
        assert!(body.contains("<main id=\"main\""), "{path}");
        assert!(body.contains("<label for=\"search-input\">Search the docs</label>"));
        assert!(body.contains("role=\"search\""));
        assert!(body.contains("<h1"), "{path} has no heading");
        assert!(
            !body.contains("http://cdn") && !body.contains("https://cdn"),
            "{path}"
        );
    }
    let (status, _, body) = get("/docs/guides/nope").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(body.contains("No such guide"));
    // The reference without JavaScript lists every tag and route.
    let (_, _, body) = get("/docs/reference").await;
    for tag in ["Payments", "Invoices", "Customers", "WebhookEndpoints"] {
        assert!(body.contains(&format!("<h2>{tag}</h2>")), "{tag}");
    }
    assert!(body.contains("POST /api/public/v1/invoices/{id}/void"));
}

#[tokio::test]
async fn the_search_page_renders_results_on_the_server() {
    let (_, _, body) = get("/docs/search?q=refund+payment").await;
    assert!(body.contains("<a href=\"/docs/reference#operation/RefundPayment\">POST /api/public/v1/payments/{id}/refund</a>"), "{body}");
    assert!(body.contains("<mark>"));
    assert!(body.contains("value=\"refund payment\""));
    let (status, _, body) = get("/docs/search?q=%3Cscript%3E").await;
    assert_eq!(status, StatusCode::OK);
    assert!(!body.contains("<script>alert") && body.contains("&lt;script&gt;"));
    let (status, _, _) = get("/docs/search").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn the_search_api_answers_json_or_the_platform_error() {
    let (status, headers, body) = get("/api/public/v1/search?q=void+invoice&limit=3").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(content_type(&headers), "application/json");
    let body: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(body["object"], "list");
    assert_eq!(body["query"], "void invoice");
    let data = body["data"].as_array().unwrap();
    assert_eq!(data.len(), 3);
    assert_eq!(data[0]["title"], "POST /api/public/v1/invoices/{id}/void");
    for key in ["kind", "title", "snippet", "url", "score"] {
        assert!(data[0].get(key).is_some(), "{key}");
    }
    for (path, status, code, field) in [
        ("/api/public/v1/search", 422, "validation_failed", "q"),
        ("/api/public/v1/search?q=", 422, "validation_failed", "q"),
        (
            "/api/public/v1/search?q=x&limit=0",
            422,
            "validation_failed",
            "limit",
        ),
        (
            "/api/public/v1/search?q=x&limit=99",
            422,
            "validation_failed",
            "limit",
        ),
        (
            "/api/public/v1/search?q=x&sort=new",
            400,
            "invalid_request",
            "sort",
        ),
    ] {
        let (got, headers, body) = get(path).await;
        assert_eq!(got.as_u16(), status, "{path}");
        assert_eq!(content_type(&headers), "application/json");
        let body: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(body["code"], code, "{path}");
        assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()));
        assert!(body["errors"][field].is_array(), "{path}: {body}");
    }
    let (status, _, body) = request("POST", "/api/public/v1/search?q=x").await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap()["code"],
        "method_not_allowed"
    );
}

#[tokio::test]
async fn assets_feed_and_document() {
    let (status, headers, _) = get(&assets::url(assets::REDOC)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(content_type(&headers), "text/javascript; charset=utf-8");
    assert_eq!(
        headers[header::CACHE_CONTROL],
        "public, max-age=31536000, immutable"
    );
    let (_, headers, css) = get(&assets::url(assets::CSS)).await;
    assert_eq!(content_type(&headers), "text/css; charset=utf-8");
    assert!(css.contains(":root"));
    let (status, _, license) = get("/docs/assets/vendor/redoc-2.5.4/LICENSE").await;
    assert_eq!(status, StatusCode::OK);
    assert!(license.contains("MIT"));
    let (status, _, _) = get("/docs/assets/nope.js").await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let (status, headers, feed) = get("/changelog.atom").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        content_type(&headers),
        "application/atom+xml; charset=utf-8"
    );
    assert!(feed.starts_with("<?xml") && feed.contains("<entry>"));

    let (_, headers, doc) = get("/docs/openapi.json").await;
    assert_eq!(content_type(&headers), "application/json");
    let doc: Value = serde_json::from_str(&doc).unwrap();
    let samples = &doc["paths"]["/api/public/v1/payments/{id}/refund"]["post"]["x-codeSamples"];
    assert_eq!(samples[0]["label"], "curl");
    assert_eq!(samples[1]["lang"], "TypeScript");
}
