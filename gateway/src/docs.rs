//! `GET /api/public/v1/openapi.json`: the contract's OpenAPI document, public (no key
//! needed; a request with the usual headers is answered the same). The document is built
//! once per process from the descriptor pool (`proto::openapi`), serialized once, and
//! served with an `ETag` so that tools can revalidate instead of downloading it again.

use std::sync::{Arc, OnceLock};

use axum::{Router, body::Bytes, extract::Request, response::IntoResponse, routing::get};
use http::{HeaderValue, StatusCode, header};

pub const OPENAPI_PATH: &str = "/api/public/v1/openapi.json";

struct Served {
    body: Bytes,
    etag: HeaderValue,
}

fn served() -> &'static Arc<Served> {
    static SERVED: OnceLock<Arc<Served>> = OnceLock::new();
    SERVED.get_or_init(|| {
        let body = serde_json::to_vec_pretty(proto::openapi::document())
            .expect("a JSON value always serializes");
        let digest = fnv1a(&body);
        Arc::new(Served {
            body: Bytes::from(body),
            etag: HeaderValue::from_str(&format!("\"{digest:016x}\""))
                .expect("hex is a valid header value"),
        })
    })
}

/// A stable 64-bit FNV-1a digest: an ETag needs to change with the content, not to resist
/// an attacker.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

async fn openapi(request: Request) -> impl IntoResponse {
    let served = served();
    let fresh = request
        .headers()
        .get(header::IF_NONE_MATCH)
        .is_some_and(|tag| tag == served.etag);
    let headers = [
        (
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        ),
        (header::ETAG, served.etag.clone()),
        (
            header::CACHE_CONTROL,
            HeaderValue::from_static("public, max-age=300"),
        ),
    ];
    if fresh {
        return (StatusCode::NOT_MODIFIED, headers, Bytes::new());
    }
    (StatusCode::OK, headers, served.body.clone())
}

/// The public documentation routes.
pub fn router() -> Router {
    Router::new().route(OPENAPI_PATH, get(openapi))
}
