//! Serves the portal alone, on an OpenAPI document read from a file, for working on the
//! guides and the pages without a database:
//!
//! ```sh
//! cargo run -p portal --example preview -- portal/src/testdata/openapi.json 127.0.0.1:3100
//! ```
//!
//! The browser test runs against it too (`ASTERI_PORTAL_URL=http://127.0.0.1:3100`).

use std::net::SocketAddr;

use axum::{Json, Router, routing::get};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = args
        .next()
        .unwrap_or_else(|| "portal/src/testdata/openapi.json".into());
    let addr: SocketAddr = args
        .next()
        .unwrap_or_else(|| "127.0.0.1:3100".into())
        .parse()?;
    let openapi: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path)?)?;
    let app = Router::new()
        .route(
            "/healthz",
            get(|| async { Json(serde_json::json!({"status": "ok"})) }),
        )
        .merge(portal::Portal::new(openapi).router());
    let listener = tokio::net::TcpListener::bind(addr).await?;
    println!("portal preview on http://{}/docs", listener.local_addr()?);
    axum::serve(listener, app).await?;
    Ok(())
}
