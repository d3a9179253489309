//! `GET /healthz` (the process is alive) and `GET /readyz` (it can do its work: the database
//! answers with every migration applied, and the gRPC services a gateway dials are serving).

use axum::{Json, Router, http::StatusCode, response::IntoResponse, routing::get};
use serde_json::json;
use storage::Store;
use tonic::transport::Channel;
use tonic_health::pb::{
    HealthCheckRequest, health_check_response::ServingStatus, health_client::HealthClient,
};

pub fn router(store: Option<Store>, upstreams: Vec<Channel>, api: Option<Router>) -> Router {
    let health = Router::new()
        .route("/healthz", get(|| async { Json(json!({"status": "ok"})) }))
        .route(
            "/readyz",
            get(move || ready(store.clone(), upstreams.clone())),
        );
    match api {
        Some(api) => health.merge(api),
        None => health,
    }
}

async fn ready(store: Option<Store>, upstreams: Vec<Channel>) -> impl IntoResponse {
    let mut problems = Vec::new();
    if let Some(store) = store
        && let Err(err) = store.ready().await
    {
        tracing::warn!(
            error = &err as &dyn std::error::Error,
            "not ready: database"
        );
        problems.push("database");
    }
    for channel in upstreams {
        let check = HealthClient::new(channel)
            .check(HealthCheckRequest {
                service: String::new(),
            })
            .await;
        if !matches!(check, Ok(r) if r.get_ref().status == ServingStatus::Serving as i32) {
            problems.push("upstream");
        }
    }
    if problems.is_empty() {
        (StatusCode::OK, Json(json!({"status": "ready"})))
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({"status": "not_ready", "failing": problems})),
        )
    }
}
