//! Static files embedded in the binary and served from `/docs/assets/`: the portal's CSS and
//! the vendored Redoc bundle with its licenses. Their URLs carry a digest of their bytes
//! (`?v=...`), so that they can be cached for a year and still change with a release.

use std::sync::LazyLock;

use axum::{
    extract::Path,
    response::{IntoResponse, Response},
};
use http::{HeaderValue, header};
use sha2::{Digest, Sha256};

use crate::error::PortalError;

pub struct Asset {
    /// The path under `/docs/assets/`.
    pub path: &'static str,
    pub content_type: &'static str,
    pub bytes: &'static [u8],
}

pub const CSS: &str = "portal.css";
/// The vendored Redoc release (see `assets/vendor/redoc-2.5.4/README.md`).
pub const REDOC: &str = "vendor/redoc-2.5.4/redoc.standalone.js";

const ASSETS: &[Asset] = &[
    Asset {
        path: CSS,
        content_type: "text/css; charset=utf-8",
        bytes: include_bytes!("../assets/portal.css"),
    },
    Asset {
        path: REDOC,
        content_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../assets/vendor/redoc-2.5.4/redoc.standalone.js"),
    },
    Asset {
        path: "vendor/redoc-2.5.4/LICENSE",
        content_type: "text/plain; charset=utf-8",
        bytes: include_bytes!("../assets/vendor/redoc-2.5.4/LICENSE"),
    },
    Asset {
        path: "vendor/redoc-2.5.4/redoc.standalone.js.LICENSE.txt",
        content_type: "text/plain; charset=utf-8",
        bytes: include_bytes!("../assets/vendor/redoc-2.5.4/redoc.standalone.js.LICENSE.txt"),
    },
];

/// The first 12 hex digits of each asset's SHA-256, computed once.
static VERSIONS: LazyLock<Vec<String>> = LazyLock::new(|| {
    ASSETS
        .iter()
        .map(|a| hex::encode(Sha256::digest(a.bytes))[..12].to_owned())
        .collect()
});

fn find(path: &str) -> Option<(usize, &'static Asset)> {
    ASSETS.iter().enumerate().find(|(_, a)| a.path == path)
}

/// The URL of an embedded asset, with its digest.
pub fn url(path: &str) -> String {
    match find(path) {
        Some((i, a)) => format!("/docs/assets/{}?v={}", a.path, VERSIONS[i]),
        None => format!("/docs/assets/{path}"),
    }
}

/// `GET /docs/assets/{*path}`.
pub async fn serve(Path(path): Path<String>) -> Result<Response, PortalError> {
    let (i, asset) = find(&path).ok_or_else(|| PortalError::NotFound {
        method: "GET".into(),
        path: format!("/docs/assets/{path}"),
    })?;
    let mut response = asset.bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(asset.content_type),
    );
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=31536000, immutable"),
    );
    if let Ok(etag) = HeaderValue::from_str(&format!("\"{}\"", VERSIONS[i])) {
        headers.insert(header::ETAG, etag);
    }
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    Ok(response)
}
