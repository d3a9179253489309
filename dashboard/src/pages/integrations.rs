//! Integrations: what is connected to the organization (the apps installed in it, with
//! uninstall; its webhook endpoints), and the organization's own partner apps (register,
//! submit for review, rotate the secret, analytics: `apps.rs`).

use axum::{
    extract::{Path, State},
    response::{IntoResponse as _, Redirect, Response},
};
use proto::v1::{DeleteAppInstallRequest, ListAppInstallsRequest, ListAppsRequest};
use serde_json::json;

use crate::{
    Dashboard, error::DashboardError, render, render::time, roles::Permission, session::SignedIn,
};

pub const PATH: &str = "/dashboard/settings/integrations";

pub async fn page(
    State(dashboard): State<Dashboard>,
    signed: SignedIn,
) -> Result<Response, DashboardError> {
    let calls = &dashboard.calls;
    let installs = calls
        .installs()
        .list_app_installs(calls.request(
            ListAppInstallsRequest {
                limit: Some(100),
                cursor: String::new(),
            },
            &signed.who(),
        ))
        .await?
        .into_inner()
        .data;
    let apps = calls
        .apps()
        .list_apps(calls.request(
            ListAppsRequest {
                limit: Some(100),
                cursor: String::new(),
            },
            &signed.who(),
        ))
        .await?
        .into_inner()
        .data;
    let (endpoints, _) = super::webhooks::all_endpoints(&dashboard, &signed, String::new()).await?;
    let emails = super::member_emails(&dashboard, &signed).await?;
    render::page(
        "integrations.html",
        json!({
            "frame": signed.frame(&dashboard, "integrations").await?,
            "installs": installs.iter().map(|i| json!({
                "id": i.id, "app_id": i.app_id, "app_name": i.app_name, "scopes": i.scopes,
                "installed_by": emails.get(&i.installed_by_user_id).cloned().unwrap_or_else(|| i.installed_by_user_id.clone()),
                "created": time(i.created_at.as_ref()),
            })).collect::<Vec<_>>(),
            "apps": apps.iter().map(super::apps::app_view).collect::<Vec<_>>(),
            "scopes": super::keys::scope_choices(),
            "endpoints": endpoints.iter().map(super::webhooks::endpoint_view).collect::<Vec<_>>(),
        }),
    )
}

pub async fn uninstall(
    State(dashboard): State<Dashboard>,
    signed: SignedIn,
    Path(id): Path<String>,
) -> Result<Response, DashboardError> {
    signed.require(Permission::ManageApps)?;
    let id = super::object_id(&id)?.to_owned();
    dashboard
        .calls
        .installs()
        .delete_app_install(
            dashboard
                .calls
                .request(DeleteAppInstallRequest { id }, &signed.who()),
        )
        .await?;
    Ok(Redirect::to(PATH).into_response())
}
