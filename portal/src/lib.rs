//! The developer portal: guides, search, the API reference and the changelog, served by the
//! gateway's HTTP server without a key. Everything is built once at start-up from what the
//! binary embeds (the guides' Markdown, `CHANGELOG.md`, the vendored Redoc bundle, the CSS)
//! and from the OpenAPI document the gateway generates from the proto, so that no page,
//! search entry or reference section is written by hand, and neither building nor serving
//! the portal needs Node or the network.
//!
//! Routes: `/` and `/docs` (home), `/docs/guides/{slug}`, `/docs/reference`,
//! `/docs/changelog`, `/docs/search?q=` (results rendered on the server),
//! `/docs/openapi.json` (the document the reference renders), `/docs/assets/...`,
//! `/changelog.atom`, and the search API `GET /api/public/v1/search?q=&limit=`.

mod assets;
mod changelog;
mod corpus;
mod error;
mod guides;
mod html;
mod markdown;
mod pages;
mod reference;
pub mod search;
pub mod tokenize;

use std::sync::Arc;

use axum::{Router, extract::Request, routing::get};
use serde_json::Value;

pub use error::{ErrorBody, FieldErrors, PortalError};

/// The search API's path.
pub const SEARCH_PATH: &str = "/api/public/v1/search";
/// Results per search when `limit` is absent, and the most a search returns.
pub const DEFAULT_LIMIT: usize = 10;
pub const MAX_LIMIT: usize = 50;
/// The longest query accepted, in characters.
pub const MAX_QUERY_CHARS: usize = 256;

/// The portal, built once; cheap to clone.
#[derive(Clone)]
pub struct Portal(Arc<Inner>);

struct Inner {
    guides: Vec<guides::Guide>,
    index: search::Index,
    /// The reference's document (the OpenAPI document with code samples), serialized.
    reference_json: String,
    /// Each tag of the document with its operations, for the reference page without
    /// JavaScript: (tag, [(method, path, summary)]).
    reference_outline: pages::Outline,
    changelog: changelog::Changelog,
    atom: String,
}

impl Portal {
    /// Builds the portal and its search index from the OpenAPI 3.1 document of the API.
    pub fn new(openapi: Value) -> Self {
        let guides = guides::load();
        let index = search::Index::new(corpus::documents(&openapi, &guides));
        let reference_json = serde_json::to_string(&reference::document(&openapi))
            .unwrap_or_else(|_| "{}".to_owned());
        let changelog = changelog::parse(changelog::SOURCE);
        let atom = changelog::atom(&changelog);
        Self(Arc::new(Inner {
            reference_outline: pages::outline(&openapi),
            guides,
            index,
            reference_json,
            changelog,
            atom,
        }))
    }

    /// The best `limit` hits for `query`.
    pub fn search(&self, query: &str, limit: usize) -> Vec<search::Hit> {
        self.0.index.search(query, limit)
    }

    /// How many documents the search index holds.
    pub fn indexed(&self) -> usize {
        self.0.index.len()
    }

    /// The portal's routes. They need no key; mount them beside the API.
    pub fn router(&self) -> Router {
        Router::new()
            .route("/", get(pages::home))
            .route("/docs", get(pages::home))
            .route("/docs/guides/{slug}", get(pages::guide))
            .route("/docs/reference", get(pages::reference))
            .route("/docs/changelog", get(pages::changelog))
            .route("/docs/search", get(pages::search))
            .route("/docs/openapi.json", get(pages::openapi))
            .route("/docs/assets/{*path}", get(assets::serve))
            .route("/changelog.atom", get(pages::atom))
            .route(SEARCH_PATH, get(pages::search_api))
            .method_not_allowed_fallback(|request: Request| async move {
                PortalError::MethodNotAllowed {
                    method: request.method().to_string(),
                    path: request.uri().path().to_owned(),
                }
            })
            .with_state(self.clone())
    }
}

/// The parameters of a search.
#[derive(Debug, PartialEq, Eq)]
pub struct SearchQuery {
    pub q: String,
    pub limit: usize,
}

impl SearchQuery {
    /// Reads `q` (required, 1 to 256 characters) and `limit` (1 to 50, 10 when absent) from
    /// a query string. A parameter the search does not take, or one given twice, is 400
    /// `invalid_request`; values out of bounds are 422 `validation_failed`.
    pub fn parse(query: Option<&str>) -> Result<Self, PortalError> {
        let pairs: Vec<(String, String)> =
            serde_urlencoded::from_str(query.unwrap_or_default()).map_err(PortalError::Encoding)?;
        let (mut q, mut limit) = (None, None);
        let mut unknown = FieldErrors::new();
        for (name, value) in pairs {
            let slot = match name.as_str() {
                "q" => &mut q,
                "limit" => &mut limit,
                _ => {
                    unknown
                        .entry(name)
                        .or_default()
                        .push("is not a known query parameter of this route".into());
                    continue;
                }
            };
            if slot.replace(value).is_some() {
                unknown
                    .entry(name)
                    .or_default()
                    .push("is given more than once".into());
            }
        }
        if !unknown.is_empty() {
            return Err(PortalError::Parameters(unknown));
        }
        let mut invalid = FieldErrors::new();
        let q = q.unwrap_or_default().trim().to_owned();
        if q.is_empty() {
            invalid.insert("q".into(), vec!["must not be empty".into()]);
        } else if q.chars().count() > MAX_QUERY_CHARS {
            invalid.insert(
                "q".into(),
                vec![format!("must be at most {MAX_QUERY_CHARS} characters")],
            );
        }
        let limit = match limit {
            None => DEFAULT_LIMIT,
            Some(raw) => match raw.parse::<usize>() {
                Ok(n) if (1..=MAX_LIMIT).contains(&n) => n,
                _ => {
                    invalid.insert(
                        "limit".into(),
                        vec![format!("must be an integer from 1 to {MAX_LIMIT}")],
                    );
                    DEFAULT_LIMIT
                }
            },
        };
        if invalid.is_empty() {
            Ok(Self { q, limit })
        } else {
            Err(PortalError::Invalid(invalid))
        }
    }
}

#[cfg(test)]
mod tests;
