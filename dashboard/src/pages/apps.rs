//! The organization's own partner apps (CONTRACT section 11): register (a confidential
//! app's secret shown once), submit for review, rotate the secret, and the app's analytics.

use axum::{
    extract::{Path, State},
    response::{IntoResponse as _, Redirect, Response},
};
use proto::v1::{
    App, AppClientType, AppReviewStatus, CreateAppRequest, GetAppAnalyticsRequest, GetAppRequest,
    RotateAppSecretRequest, SubmitAppRequest,
};
use serde_json::{Value, json};

use crate::{
    Dashboard,
    charts::{self, Hour},
    error::DashboardError,
    form::Form,
    render::{self, time},
    roles::Permission,
    session::SignedIn,
};

use super::integrations::PATH;

pub fn review_status(status: i32) -> &'static str {
    match AppReviewStatus::try_from(status) {
        Ok(AppReviewStatus::Draft) => "draft",
        Ok(AppReviewStatus::InReview) => "in_review",
        Ok(AppReviewStatus::Approved) => "approved",
        Ok(AppReviewStatus::Rejected) => "rejected",
        Ok(AppReviewStatus::Suspended) => "suspended",
        _ => "unknown",
    }
}

pub fn app_view(app: &App) -> Value {
    let confidential = app.client_type != AppClientType::Public as i32;
    json!({
        "id": app.id,
        "name": app.name,
        "description": app.description,
        "homepage_url": app.homepage_url,
        "redirect_uris": app.redirect_uris,
        "scopes": app.scopes,
        "client_type": if confidential { "confidential" } else { "public" },
        "review_status": review_status(app.review_status),
        "review_notes": app.review_notes,
        "created": time(app.created_at.as_ref()),
    })
}

async fn secret_page(
    dashboard: &Dashboard,
    signed: &SignedIn,
    app: &App,
    heading: &str,
) -> Result<Response, DashboardError> {
    let Some(secret) = app.client_secret.as_deref() else {
        return Ok(Redirect::to(&format!("{PATH}/apps/{}", app.id)).into_response());
    };
    render::secret_page(
        signed.frame(dashboard, "integrations").await?,
        render::OnceSecret {
            heading,
            what: "client secret",
            label: format!("Client secret of “{}”", app.name),
            secret,
            note: format!("Its client_id is {}.", app.id),
            back: format!("{PATH}/apps/{}", app.id),
            back_label: "Done: back to the app",
        },
    )
}

pub async fn create(
    State(dashboard): State<Dashboard>,
    signed: SignedIn,
    form: Form,
) -> Result<Response, DashboardError> {
    signed.require(Permission::ManageApps)?;
    let client_type = match form.get("client_type") {
        "public" => AppClientType::Public,
        _ => AppClientType::Confidential,
    };
    let app = dashboard
        .calls
        .apps()
        .create_app(
            dashboard.calls.request(
                CreateAppRequest {
                    name: form.get("name").to_owned(),
                    description: form.get("description").to_owned(),
                    homepage_url: form.get("homepage_url").to_owned(),
                    redirect_uris: form
                        .get("redirect_uris")
                        .lines()
                        .map(str::trim)
                        .filter(|l| !l.is_empty())
                        .map(str::to_owned)
                        .collect(),
                    scopes: form.all("scopes"),
                    client_type: client_type as i32,
                },
                &signed.who(),
            ),
        )
        .await?
        .into_inner();
    secret_page(&dashboard, &signed, &app, "Your app's client secret").await
}

async fn get_app(
    dashboard: &Dashboard,
    signed: &SignedIn,
    id: &str,
) -> Result<App, DashboardError> {
    let id = super::object_id(id)?.to_owned();
    Ok(dashboard
        .calls
        .apps()
        .get_app(dashboard.calls.request(GetAppRequest { id }, &signed.who()))
        .await?
        .into_inner())
}

pub async fn show(
    State(dashboard): State<Dashboard>,
    signed: SignedIn,
    Path(id): Path<String>,
) -> Result<Response, DashboardError> {
    let app = get_app(&dashboard, &signed, &id).await?;
    let analytics = dashboard
        .calls
        .apps()
        .get_app_analytics(dashboard.calls.request(
            GetAppAnalyticsRequest {
                id: app.id.clone(),
                days: Some(30),
            },
            &signed.who(),
        ))
        .await?
        .into_inner()
        .days;
    let bars: Vec<(String, Hour)> = analytics
        .iter()
        .map(|d| {
            (
                d.date.clone(),
                Hour {
                    requests: d.requests,
                    errors: d.client_errors + d.server_errors,
                    rate_limited: 0,
                },
            )
        })
        .collect();
    render::page(
        "app.html",
        json!({
            "frame": signed.frame(&dashboard, "integrations").await?,
            "app": app_view(&app),
            "chart": charts::daily(&format!("Requests made with {}'s tokens over 30 days", app.name), &bars),
            "days": analytics.iter().rev().map(|d| json!({
                "date": d.date, "installs": d.installs, "uninstalls": d.uninstalls,
                "active": d.active_installs, "requests": d.requests,
                "client_errors": d.client_errors, "server_errors": d.server_errors,
                "p50": d.p50_latency_ms, "p95": d.p95_latency_ms,
            })).collect::<Vec<_>>(),
        }),
    )
}

/// The app's buttons: `submit` (for review), `rotate` (the client secret).
pub async fn act(
    State(dashboard): State<Dashboard>,
    signed: SignedIn,
    Path((id, action)): Path<(String, String)>,
) -> Result<Response, DashboardError> {
    signed.require(Permission::ManageApps)?;
    let app = get_app(&dashboard, &signed, &id).await?;
    let calls = &dashboard.calls;
    match action.as_str() {
        "submit" => {
            calls
                .apps()
                .submit_app(calls.request(SubmitAppRequest { id: app.id.clone() }, &signed.who()))
                .await?;
            Ok(Redirect::to(&format!("{PATH}/apps/{}", app.id)).into_response())
        }
        "rotate" => {
            let rotated = calls
                .apps()
                .rotate_app_secret(
                    calls.request(RotateAppSecretRequest { id: app.id.clone() }, &signed.who()),
                )
                .await?
                .into_inner();
            secret_page(
                &dashboard,
                &signed,
                &rotated,
                "Your app's new client secret",
            )
            .await
        }
        _ => Err(DashboardError::NotFound),
    }
}
