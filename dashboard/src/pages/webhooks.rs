//! Webhooks: endpoints with their subscriptions; add, edit, enable and disable, send a test
//! event, rotate the secret (shown once), every delivery attempt, replay and recover.

use axum::{
    extract::{Path, Query, State},
    response::{IntoResponse as _, Redirect, Response},
};
use proto::v1::{
    CreateWebhookEndpointRequest, DeliveryAttempt, GetWebhookEndpointRequest,
    ListDeliveryAttemptsRequest, ListWebhookEndpointsRequest, RecoverWebhookEndpointRequest,
    ReplayEventRequest, RotateWebhookEndpointSecretRequest, TestWebhookEndpointRequest,
    UpdateWebhookEndpointRequest, WebhookEndpoint,
};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::{
    Dashboard,
    error::DashboardError,
    form::Form,
    render::{self, time},
    roles::Permission,
    session::SignedIn,
};

pub const PATH: &str = "/dashboard/settings/webhooks";

pub fn endpoint_view(e: &WebhookEndpoint) -> Value {
    json!({
        "id": e.id,
        "url": e.url,
        "description": e.description,
        "event_types": e.event_types,
        "enabled": e.enabled,
        "status": if e.enabled { "enabled" } else { "disabled" },
        "disabled_reason": e.disabled_reason,
        "rate_limit": e.rate_limit,
        "created": time(e.created_at.as_ref()),
        "updated": time(e.updated_at.as_ref()),
    })
}

fn attempt_view(a: &DeliveryAttempt) -> Value {
    json!({
        "time": time(a.created_at.as_ref()),
        "event_id": a.event_id,
        "attempt": a.attempt,
        "status_code": a.status_code,
        "success": a.success,
        "duration_ms": a.duration_ms,
        "response_body": a.response_body,
        "error": a.error,
    })
}

#[derive(Deserialize, Default)]
pub struct Page {
    #[serde(default)]
    cursor: String,
    /// What the last action did, for the notice (`tested`, `recovered`, ...).
    #[serde(default)]
    done: String,
    #[serde(default)]
    event: String,
    #[serde(default)]
    queued: Option<u32>,
}

/// Every endpoint of the organization, at most 100 a page.
pub async fn all_endpoints(
    dashboard: &Dashboard,
    signed: &SignedIn,
    cursor: String,
) -> Result<(Vec<WebhookEndpoint>, Option<String>), DashboardError> {
    let page = dashboard
        .calls
        .endpoints()
        .list_webhook_endpoints(dashboard.calls.request(
            ListWebhookEndpointsRequest {
                limit: Some(100),
                cursor,
            },
            &signed.who(),
        ))
        .await?
        .into_inner();
    Ok((page.data, page.next_cursor.filter(|_| page.has_more)))
}

pub async fn list(
    State(dashboard): State<Dashboard>,
    signed: SignedIn,
    Query(page): Query<Page>,
) -> Result<Response, DashboardError> {
    let (endpoints, next_cursor) = all_endpoints(&dashboard, &signed, page.cursor).await?;
    render::page(
        "webhooks.html",
        json!({
            "frame": signed.frame(&dashboard, "webhooks").await?,
            "endpoints": endpoints.iter().map(endpoint_view).collect::<Vec<_>>(),
            "next_cursor": next_cursor,
        }),
    )
}

/// The endpoint fields of the add and edit forms.
struct Fields {
    url: String,
    description: String,
    event_types: Vec<String>,
    rate_limit: Option<u32>,
}

fn fields(form: &Form) -> Result<Fields, DashboardError> {
    let url = form.get("url");
    if url.is_empty() {
        return Err(DashboardError::Invalid("Enter the endpoint's URL.".into()));
    }
    Ok(Fields {
        url: url.to_owned(),
        description: form.get("description").to_owned(),
        event_types: form
            .get("event_types")
            .split(',')
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_owned)
            .collect(),
        rate_limit: form.number("rate_limit", "Deliveries per second")?,
    })
}

fn secret_of(endpoint: &WebhookEndpoint) -> Result<&str, DashboardError> {
    endpoint.secret.as_deref().ok_or_else(|| {
        DashboardError::Upstream(tonic::Status::internal(
            "the signing secret was not returned",
        ))
    })
}

async fn show_secret(
    dashboard: &Dashboard,
    signed: &SignedIn,
    endpoint: &WebhookEndpoint,
    heading: &str,
    note: &str,
) -> Result<Response, DashboardError> {
    render::secret_page(
        signed.frame(dashboard, "webhooks").await?,
        render::OnceSecret {
            heading,
            what: "signing secret",
            label: format!("Signing secret of {}", endpoint.url),
            secret: secret_of(endpoint)?,
            note: note.to_owned(),
            back: format!("{PATH}/endpoints/{}", endpoint.id),
            back_label: "Done: back to the endpoint",
        },
    )
}

pub async fn create(
    State(dashboard): State<Dashboard>,
    signed: SignedIn,
    form: Form,
) -> Result<Response, DashboardError> {
    signed.require(Permission::ManageWebhooks)?;
    let f = fields(&form)?;
    let endpoint = dashboard
        .calls
        .endpoints()
        .create_webhook_endpoint(dashboard.calls.request(
            CreateWebhookEndpointRequest {
                url: f.url,
                description: f.description,
                event_types: f.event_types,
                enabled: Some(true),
                rate_limit: f.rate_limit,
            },
            &signed.who(),
        ))
        .await?
        .into_inner();
    let note = "Verify every delivery's signature with it (Standard Webhooks).";
    show_secret(
        &dashboard,
        &signed,
        &endpoint,
        "Your endpoint's signing secret",
        note,
    )
    .await
}

async fn get_endpoint(
    dashboard: &Dashboard,
    signed: &SignedIn,
    id: &str,
) -> Result<WebhookEndpoint, DashboardError> {
    let id = super::object_id(id)?.to_owned();
    Ok(dashboard
        .calls
        .endpoints()
        .get_webhook_endpoint(
            dashboard
                .calls
                .request(GetWebhookEndpointRequest { id }, &signed.who()),
        )
        .await?
        .into_inner())
}

fn notice(page: &Page) -> String {
    match page.done.as_str() {
        "saved" => "Endpoint saved.".into(),
        "enabled" => "Endpoint enabled.".into(),
        "disabled" => "Endpoint disabled: no events are sent to it.".into(),
        "tested" => format!("Test event {} sent.", page.event),
        "recovered" => format!("{} failed events queued again.", page.queued.unwrap_or(0)),
        "replayed" => format!(
            "Event {} queued again ({} deliveries).",
            page.event,
            page.queued.unwrap_or(0)
        ),
        _ => String::new(),
    }
}

pub async fn show(
    State(dashboard): State<Dashboard>,
    signed: SignedIn,
    Path(id): Path<String>,
    Query(page): Query<Page>,
) -> Result<Response, DashboardError> {
    let endpoint = get_endpoint(&dashboard, &signed, &id).await?;
    let attempts = dashboard
        .calls
        .endpoints()
        .list_delivery_attempts(dashboard.calls.request(
            ListDeliveryAttemptsRequest {
                id: endpoint.id.clone(),
                limit: Some(50),
                cursor: page.cursor.clone(),
                event_id: None,
                success: None,
            },
            &signed.who(),
        ))
        .await?
        .into_inner();
    render::page(
        "endpoint.html",
        json!({
            "frame": signed.frame(&dashboard, "webhooks").await?,
            "endpoint": endpoint_view(&endpoint),
            "attempts": attempts.data.iter().map(attempt_view).collect::<Vec<_>>(),
            "next_cursor": attempts.next_cursor.filter(|_| attempts.has_more),
            "message": notice(&page),
        }),
    )
}

fn back_to(id: &str, query: &str) -> Response {
    Redirect::to(&format!("{PATH}/endpoints/{id}?{query}")).into_response()
}

async fn update_endpoint(
    dashboard: &Dashboard,
    signed: &SignedIn,
    request: UpdateWebhookEndpointRequest,
) -> Result<(), DashboardError> {
    dashboard
        .calls
        .endpoints()
        .update_webhook_endpoint(dashboard.calls.request(request, &signed.who()))
        .await?;
    Ok(())
}

pub async fn update(
    State(dashboard): State<Dashboard>,
    signed: SignedIn,
    Path(id): Path<String>,
    form: Form,
) -> Result<Response, DashboardError> {
    signed.require(Permission::ManageWebhooks)?;
    let endpoint = get_endpoint(&dashboard, &signed, &id).await?;
    let f = fields(&form)?;
    let mut paths = vec!["url".to_owned(), "description".into(), "event_types".into()];
    if f.rate_limit.is_some() {
        paths.push("rate_limit".into());
    }
    let request = UpdateWebhookEndpointRequest {
        id: endpoint.id.clone(),
        update_mask: Some(prost_types::FieldMask { paths }),
        url: f.url,
        description: f.description,
        event_types: f.event_types,
        rate_limit: f.rate_limit,
        ..Default::default()
    };
    update_endpoint(&dashboard, &signed, request).await?;
    Ok(back_to(&endpoint.id, "done=saved"))
}

/// The endpoint's buttons: `enable`, `disable`, `test`, `recover`, `rotate`.
pub async fn act(
    State(dashboard): State<Dashboard>,
    signed: SignedIn,
    Path((id, action)): Path<(String, String)>,
    form: Form,
) -> Result<Response, DashboardError> {
    signed.require(Permission::ManageWebhooks)?;
    let endpoint = get_endpoint(&dashboard, &signed, &id).await?;
    let calls = &dashboard.calls;
    match action.as_str() {
        "enable" | "disable" => {
            let enabled = action == "enable";
            let request = UpdateWebhookEndpointRequest {
                id: endpoint.id.clone(),
                update_mask: Some(prost_types::FieldMask {
                    paths: vec!["enabled".into()],
                }),
                enabled,
                ..Default::default()
            };
            update_endpoint(&dashboard, &signed, request).await?;
            Ok(back_to(&endpoint.id, &format!("done={action}d")))
        }
        "test" => {
            let sent = calls
                .endpoints()
                .test_webhook_endpoint(calls.request(
                    TestWebhookEndpointRequest {
                        id: endpoint.id.clone(),
                    },
                    &signed.who(),
                ))
                .await?
                .into_inner();
            Ok(back_to(
                &endpoint.id,
                &format!("done=tested&event={}", sent.event_id),
            ))
        }
        "recover" => {
            let hours: i64 = form.number("since_hours", "Failed since")?.unwrap_or(24);
            if !(1..=24 * 30).contains(&hours) {
                return Err(DashboardError::Invalid(
                    "Recover at most 30 days back.".into(),
                ));
            }
            let since = chrono::Utc::now() - chrono::Duration::hours(hours);
            let recovered = calls
                .endpoints()
                .recover_webhook_endpoint(calls.request(
                    RecoverWebhookEndpointRequest {
                        id: endpoint.id.clone(),
                        since: Some(prost_types::Timestamp {
                            seconds: since.timestamp(),
                            nanos: 0,
                        }),
                    },
                    &signed.who(),
                ))
                .await?
                .into_inner();
            Ok(back_to(
                &endpoint.id,
                &format!("done=recovered&queued={}", recovered.queued),
            ))
        }
        "rotate" => {
            let keep: Option<u32> = form.number("keep_old_for", "The old secret's time")?;
            let rotated = calls
                .endpoints()
                .rotate_webhook_endpoint_secret(calls.request(
                    RotateWebhookEndpointSecretRequest {
                        id: endpoint.id.clone(),
                        expire_old_secret_in_seconds: keep,
                    },
                    &signed.who(),
                ))
                .await?
                .into_inner();
            let note = match keep {
                Some(0) => "The old secret no longer signs deliveries.",
                _ => "Until the old secret expires, deliveries carry both signatures.",
            };
            show_secret(
                &dashboard,
                &signed,
                &rotated,
                "Your endpoint's new signing secret",
                note,
            )
            .await
        }
        _ => Err(DashboardError::NotFound),
    }
}

pub async fn replay(
    State(dashboard): State<Dashboard>,
    signed: SignedIn,
    Path(event): Path<String>,
    form: Form,
) -> Result<Response, DashboardError> {
    signed.require(Permission::ManageWebhooks)?;
    let event = super::object_id(&event)?.to_owned();
    let endpoint = get_endpoint(&dashboard, &signed, form.get("endpoint_id")).await?;
    let replayed = dashboard
        .calls
        .events()
        .replay_event(dashboard.calls.request(
            ReplayEventRequest {
                id: event.clone(),
                endpoint_id: Some(endpoint.id.clone()),
            },
            &signed.who(),
        ))
        .await?
        .into_inner();
    Ok(back_to(
        &endpoint.id,
        &format!("done=replayed&event={event}&queued={}", replayed.queued),
    ))
}
