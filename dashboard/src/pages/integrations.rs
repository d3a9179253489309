//! Integrations: what is connected to the organization. Webhook endpoints today; partner
//! apps (CONTRACT section 11) join this page when they exist.

use axum::{extract::State, response::Response};
use serde_json::json;

use crate::{Dashboard, error::DashboardError, render, session::SignedIn};

pub const PATH: &str = "/dashboard/settings/integrations";

pub async fn page(
    State(dashboard): State<Dashboard>,
    signed: SignedIn,
) -> Result<Response, DashboardError> {
    let (endpoints, _) = super::webhooks::all_endpoints(&dashboard, &signed, String::new()).await?;
    render::page(
        "integrations.html",
        json!({
            "frame": signed.frame(&dashboard, "integrations").await?,
            "endpoints": endpoints.iter().map(super::webhooks::endpoint_view).collect::<Vec<_>>(),
        }),
    )
}
