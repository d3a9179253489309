//! Deprecation headers. A route whose RPC is deprecated (`option deprecated = true` with
//! `(asteri.v1.deprecated_at)`) says so on every answer; a deprecated request field
//! (`(asteri.v1.field_deprecated_at)`) only on the answers to requests that use it (set it in
//! the body or the query, or name it in a PATCH body; unary routes: the metadata of an
//! upload is not inspected, as no upload field is deprecated). The headers:
//!
//! - `Deprecation: @<unix seconds>` (RFC 9745), midnight UTC of the deprecation date;
//! - `Sunset: <HTTP-date>` (RFC 8594), when a sunset date is set;
//! - `Link: </docs/changelog>; rel="deprecation"; type="text/html"` (RFC 9745 section 3), the
//!   changelog in the developer portal, which records every deprecation and its replacement.
//!
//! The dates are read from the proto by `proto::schema`, as the gRPC door and the OpenAPI
//! document read them.

use axum::response::Response;
use http::{HeaderValue, header};
use proto::schema::Deprecation;

/// The `Link` to the changelog the portal publishes at `/docs/changelog` (a reference
/// relative to the API's origin, resolved against the request's URL).
pub const DEPRECATION_LINK: &str = "</docs/changelog>; rel=\"deprecation\"; type=\"text/html\"";

/// What the unary path found in the request message: the deprecation the call announces,
/// the route's own and its used fields' (`MethodInfo::deprecation_of_call`).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Announced(pub Option<Deprecation>);

/// Adds the headers to an answer of a route whose RPC's own deprecation is `route`. The
/// unary path's finding ([`Announced`]), when the request got that far, replaces it.
pub(crate) fn announce(response: &mut Response, route: Option<Deprecation>) {
    let deprecation = match response.extensions_mut().remove::<Announced>() {
        Some(Announced(found)) => found,
        None => route,
    };
    let Some(deprecation) = deprecation else {
        return;
    };
    let headers = response.headers_mut();
    for (name, value) in deprecation.headers() {
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.insert(name, value);
        }
    }
    headers.append(header::LINK, HeaderValue::from_static(DEPRECATION_LINK));
}

#[cfg(test)]
mod tests {
    use axum::response::IntoResponse as _;
    use chrono::NaiveDate;

    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn headers_of_a_deprecation_with_and_without_sunset() {
        let with_sunset = Deprecation {
            deprecated_at: day("2026-12-01"),
            sunset_at: Some(day("2027-06-01")),
        };
        let mut response = http::StatusCode::OK.into_response();
        announce(&mut response, Some(with_sunset));
        let h = response.headers();
        assert_eq!(h["deprecation"], "@1796083200");
        assert_eq!(h["sunset"], "Tue, 01 Jun 2027 00:00:00 GMT");
        assert_eq!(
            h["link"],
            "</docs/changelog>; rel=\"deprecation\"; type=\"text/html\""
        );

        // The unary path's finding wins over the route's: here, nothing deprecated was used.
        let mut response = http::StatusCode::OK.into_response();
        response.extensions_mut().insert(Announced(None));
        announce(&mut response, None);
        assert!(response.headers().get("deprecation").is_none());

        let field = Deprecation {
            deprecated_at: day("2026-12-02"),
            sunset_at: None,
        };
        let mut response = http::StatusCode::OK.into_response();
        response.extensions_mut().insert(Announced(Some(field)));
        announce(&mut response, None);
        assert_eq!(response.headers()["deprecation"], "@1796169600");
        assert!(response.headers().get("sunset").is_none());
    }
}
