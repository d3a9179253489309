//! The API dashboard: the request history with filters and one request in full, the audit
//! log, and usage per key (requests, errors and 429s per hour, drawn on the server).

use std::collections::{BTreeMap, HashMap};

use axum::{
    extract::{Path, Query, State},
    response::Response,
};
use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use proto::v1::{
    ActorType, ApiKey, GetApiKeyRequest, GetKeyUsageRequest, GetRequestLogRequest, GetUserRequest,
    ListApiKeysRequest, ListAuditEventsRequest, ListRequestLogsRequest, RequestLog,
};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::{
    Dashboard,
    charts::{self, Hour},
    error::DashboardError,
    render::{self, time},
    roles::Permission,
    session::SignedIn,
};

pub const PATH: &str = "/dashboard/api";

#[derive(Deserialize, Default)]
pub struct Filters {
    #[serde(default)]
    status: String,
    #[serde(default)]
    method: String,
    #[serde(default)]
    path: String,
    #[serde(default)]
    key: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    cursor: String,
}

/// A `datetime-local` value, read as UTC (the pages show UTC).
fn moment(value: &str, label: &str) -> Result<Option<prost_types::Timestamp>, DashboardError> {
    if value.is_empty() {
        return Ok(None);
    }
    let parsed = NaiveDateTime::parse_from_str(value, "%Y-%m-%dT%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(value, "%Y-%m-%dT%H:%M:%S"))
        .map_err(|_| {
            DashboardError::Invalid(format!("{label} is a date and time like 2026-12-02T13:45."))
        })?;
    Ok(Some(prost_types::Timestamp {
        seconds: parsed.and_utc().timestamp(),
        nanos: 0,
    }))
}

async fn organization_keys(
    dashboard: &Dashboard,
    signed: &SignedIn,
) -> Result<Vec<ApiKey>, DashboardError> {
    Ok(dashboard
        .calls
        .keys()
        .list_api_keys(dashboard.calls.request(
            ListApiKeysRequest {
                organization_id: signed.user.organization_id.clone(),
            },
            &signed.who(),
        ))
        .await?
        .into_inner()
        .data)
}

fn request_view(r: &RequestLog, bodies: bool) -> Value {
    json!({
        "id": r.id,
        "method": r.method,
        "path": r.path,
        "status_code": r.status_code,
        "duration_ms": r.duration_ms,
        "ip": r.ip,
        "key_id": r.key_id,
        "time": time(r.created_at.as_ref()),
        // Never rendered for a role that may not read them: not merely hidden.
        "request_body": if bodies { r.request_body.as_str() } else { "" },
        "response_body": if bodies { r.response_body.as_str() } else { "" },
    })
}

pub async fn requests(
    State(dashboard): State<Dashboard>,
    signed: SignedIn,
    Query(filters): Query<Filters>,
) -> Result<Response, DashboardError> {
    let status_code = match filters.status.trim() {
        "" => None,
        s => Some(
            s.parse::<u32>()
                .ok()
                .filter(|c| (100..=599).contains(c))
                .ok_or_else(|| {
                    DashboardError::Invalid(format!(
                        "The status is an HTTP status like 404, not \"{s}\"."
                    ))
                })?,
        ),
    };
    let request = ListRequestLogsRequest {
        limit: Some(50),
        cursor: filters.cursor.clone(),
        status_code,
        method: Some(filters.method.trim().to_ascii_uppercase()).filter(|m| !m.is_empty()),
        key_id: Some(filters.key.trim().to_owned()).filter(|k| !k.is_empty()),
        created_after: moment(filters.from.trim(), "From")?,
        path_prefix: Some(filters.path.trim().to_owned()).filter(|p| !p.is_empty()),
        created_before: moment(filters.to.trim(), "Until")?,
    };
    let page = dashboard
        .calls
        .request_logs()
        .list_request_logs(dashboard.calls.request(request, &signed.who()))
        .await?
        .into_inner();
    let next_page = page.next_cursor.filter(|_| page.has_more).map(|cursor| {
        let query: String = form_urlencoded::Serializer::new(String::new())
            .append_pair("status", &filters.status)
            .append_pair("method", &filters.method)
            .append_pair("path", &filters.path)
            .append_pair("key", &filters.key)
            .append_pair("from", &filters.from)
            .append_pair("to", &filters.to)
            .append_pair("cursor", &cursor)
            .finish();
        format!("{PATH}?{query}")
    });
    let keys = organization_keys(&dashboard, &signed).await?;
    render::page(
        "requests.html",
        json!({
            "frame": signed.frame(&dashboard, "api").await?,
            "tab": "requests",
            "filters": {
                "status": filters.status, "method": filters.method.to_ascii_uppercase(),
                "path": filters.path, "key": filters.key, "from": filters.from, "to": filters.to,
            },
            "keys": keys.iter().map(|k| json!({"id": k.id, "name": k.name})).collect::<Vec<_>>(),
            "requests": page.data.iter().map(|r| request_view(r, false)).collect::<Vec<_>>(),
            "next_page": next_page,
        }),
    )
}

pub async fn request(
    State(dashboard): State<Dashboard>,
    signed: SignedIn,
    Path(id): Path<String>,
) -> Result<Response, DashboardError> {
    let id = super::object_id(&id)?.to_owned();
    let calls = &dashboard.calls;
    let log = calls
        .request_logs()
        .get_request_log(calls.request(GetRequestLogRequest { id }, &signed.who()))
        .await?
        .into_inner();
    let mut key = None;
    let mut creator = None;
    if !log.key_id.is_empty() {
        let found = calls
            .keys()
            .get_api_key(calls.request(
                GetApiKeyRequest {
                    id: log.key_id.clone(),
                },
                &signed.who(),
            ))
            .await;
        match found {
            Ok(found) => {
                let found = found.into_inner();
                if found.organization_id == signed.user.organization_id {
                    if !found.created_by_user_id.is_empty() {
                        let user = calls
                            .users()
                            .get_user(calls.request(
                                GetUserRequest {
                                    id: found.created_by_user_id.clone(),
                                },
                                &signed.who(),
                            ))
                            .await;
                        match user {
                            Ok(user) => {
                                let user = user.into_inner();
                                creator = Some(json!({ "id": user.id, "email": user.email }));
                            }
                            Err(status) if status.code() == tonic::Code::NotFound => {}
                            Err(status) => return Err(status.into()),
                        }
                    }
                    key = Some(json!({ "id": found.id, "name": found.name }));
                }
            }
            Err(status) if status.code() == tonic::Code::NotFound => {}
            Err(status) => return Err(status.into()),
        }
    }
    render::page(
        "request.html",
        json!({
            "frame": signed.frame(&dashboard, "api").await?,
            "r": request_view(&log, signed.may(Permission::ReadBodies)),
            "key": key,
            "creator": creator,
        }),
    )
}

#[derive(Deserialize, Default)]
pub struct Cursor {
    #[serde(default)]
    cursor: String,
}

fn actor_type(value: i32) -> &'static str {
    match ActorType::try_from(value) {
        Ok(ActorType::ApiKey) => "api_key",
        Ok(ActorType::User) => "user",
        Ok(ActorType::InternalService) => "internal_service",
        Ok(ActorType::Operator) => "operator",
        Ok(ActorType::OauthApp) => "oauth_app",
        _ => "unknown",
    }
}

pub async fn audit(
    State(dashboard): State<Dashboard>,
    signed: SignedIn,
    Query(page): Query<Cursor>,
) -> Result<Response, DashboardError> {
    let events = dashboard
        .calls
        .audit()
        .list_audit_events(dashboard.calls.request(
            ListAuditEventsRequest {
                limit: Some(25),
                cursor: page.cursor,
                ..Default::default()
            },
            &signed.who(),
        ))
        .await?
        .into_inner();
    let emails = super::member_emails(&dashboard, &signed).await?;
    let rows: Vec<Value> = events
        .data
        .iter()
        .map(|e| {
            json!({
                "time": time(e.created_at.as_ref()),
                "actor_type": actor_type(e.actor_type),
                "actor_id": e.actor_id,
                "actor_email": emails.get(&e.actor_id),
                "action": e.action,
                "resource_type": e.resource_type,
                "resource_id": e.resource_id,
                "request_id": e.request_id,
            })
        })
        .collect();
    render::page(
        "audit.html",
        json!({
            "frame": signed.frame(&dashboard, "api").await?,
            "tab": "audit",
            "events": rows,
            "next_cursor": events.next_cursor.filter(|_| events.has_more),
        }),
    )
}

#[derive(Deserialize, Default)]
pub struct Window {
    #[serde(default)]
    window: String,
}

pub async fn usage(
    State(dashboard): State<Dashboard>,
    signed: SignedIn,
    Query(window): Query<Window>,
) -> Result<Response, DashboardError> {
    let (window_name, hours) = match window.window.as_str() {
        "week" => ("week", 168u32),
        "" | "day" => ("day", 24),
        other => {
            return Err(DashboardError::Invalid(format!(
                "The window is day or week, not \"{other}\"."
            )));
        }
    };
    let usage = dashboard
        .calls
        .request_logs()
        .get_key_usage(dashboard.calls.request(
            GetKeyUsageRequest {
                hours,
                key_id: String::new(),
            },
            &signed.who(),
        ))
        .await?
        .into_inner();
    let last_hour = charts::this_hour(Utc::now());
    let first = last_hour - Duration::hours(i64::from(hours) - 1);
    // key -> one slot per hour, oldest first.
    let mut per_key: BTreeMap<String, Vec<Hour>> = BTreeMap::new();
    for b in &usage.buckets {
        let Some(at) = b
            .hour
            .as_ref()
            .and_then(|h| DateTime::from_timestamp(h.seconds, 0))
        else {
            continue;
        };
        let slot = (at - first).num_hours();
        if !(0..i64::from(hours)).contains(&slot) {
            continue;
        }
        let slots = per_key
            .entry(b.key_id.clone())
            .or_insert_with(|| vec![Hour::default(); hours as usize]);
        let h = &mut slots[slot as usize];
        h.requests += b.requests;
        h.errors += b.errors;
        h.rate_limited += b.rate_limited;
    }
    let names: HashMap<String, String> = organization_keys(&dashboard, &signed)
        .await?
        .into_iter()
        .map(|k| (k.id, k.name))
        .collect();
    let keys: Vec<Value> = per_key
        .iter()
        .map(|(id, slots)| {
            let name = names.get(id).cloned().unwrap_or_else(|| id.clone());
            let sum = |f: fn(&Hour) -> u64| slots.iter().map(f).sum::<u64>();
            json!({
                "id": id,
                "name": name,
                "requests": sum(|h| h.requests),
                "errors": sum(|h| h.errors),
                "rate_limited": sum(|h| h.rate_limited),
                "chart": charts::hourly(&format!("{name} over the last {window_name}"), slots, last_hour),
            })
        })
        .collect();
    render::page(
        "usage.html",
        json!({
            "frame": signed.frame(&dashboard, "api").await?,
            "tab": "usage",
            "window": window_name,
            "keys": keys,
        }),
    )
}
