//! Security settings: the organization's API keys; create (the secret shown once), revoke
//! (after a confirmation), roll (the old secret kept for a chosen time, at most 7 days).

use axum::{
    extract::{Path, State},
    response::{IntoResponse as _, Redirect, Response},
};
use proto::{
    schema,
    v1::{
        ApiKey, CreateApiKeyRequest, GetApiKeyRequest, KeyEnvironment, ListApiKeysRequest,
        RevokeApiKeyRequest, RotateApiKeyRequest,
    },
};
use serde_json::{Value, json};

use crate::{
    Dashboard,
    error::DashboardError,
    form::Form,
    render::{self, time},
    roles::Permission,
    session::SignedIn,
};

pub const PATH: &str = "/dashboard/settings/security";
/// The longest an old secret may keep working after a roll (CONTRACT section 10).
const MAX_KEEP_OLD_SECONDS: u64 = 7 * 24 * 3600;

fn status(key: &ApiKey) -> &'static str {
    let now = chrono::Utc::now().timestamp();
    if key.revoked_at.is_some() {
        "revoked"
    } else if key.expires_at.as_ref().is_some_and(|t| t.seconds <= now) {
        "expired"
    } else {
        "active"
    }
}

fn environment(key: &ApiKey) -> &'static str {
    match KeyEnvironment::try_from(key.environment) {
        Ok(KeyEnvironment::Live) => "live",
        Ok(KeyEnvironment::Test) => "test",
        _ => "unknown",
    }
}

fn key_view(key: &ApiKey, emails: &std::collections::HashMap<String, String>) -> Value {
    let previous = key
        .previous_secret_expires_at
        .as_ref()
        .filter(|t| t.seconds > chrono::Utc::now().timestamp());
    json!({
        "id": key.id,
        "name": key.name,
        "environment": environment(key),
        "scopes": key.scopes,
        "redacted_secret": key.redacted_secret,
        "created": time(key.created_at.as_ref()),
        "created_by": emails.get(&key.created_by_user_id).cloned().unwrap_or_else(|| key.created_by_user_id.clone()),
        "last_used": time(key.last_used_at.as_ref()),
        "expires": time(key.expires_at.as_ref()),
        "previous_expires": time(previous),
        "per_minute": key.per_minute_limit,
        "per_day": key.per_day_limit,
        "status": status(key),
    })
}

/// The scope vocabulary, for a form's checkboxes.
pub fn scope_choices() -> Vec<Value> {
    schema()
        .scope_vocabulary()
        .iter()
        .map(|s| json!({ "name": s.name, "description": s.description }))
        .collect()
}

pub async fn list(
    State(dashboard): State<Dashboard>,
    signed: SignedIn,
) -> Result<Response, DashboardError> {
    let keys = dashboard
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
        .data;
    let emails = super::member_emails(&dashboard, &signed).await?;
    render::page(
        "keys.html",
        json!({
            "frame": signed.frame(&dashboard, "security").await?,
            "keys": keys.iter().map(|k| key_view(k, &emails)).collect::<Vec<_>>(),
            "scopes": scope_choices(),
        }),
    )
}

/// The secret of a new or rolled key, shown this once.
async fn secret_page(
    dashboard: &Dashboard,
    signed: &SignedIn,
    heading: &str,
    key: Option<&ApiKey>,
    secret: &str,
    note: String,
) -> Result<Response, DashboardError> {
    render::secret_page(
        signed.frame(dashboard, "security").await?,
        render::OnceSecret {
            heading,
            what: "secret",
            label: format!("Secret of “{}”", key.map_or("", |k| k.name.as_str())),
            secret,
            note,
            back: PATH.to_owned(),
            back_label: "Done: back to Security settings",
        },
    )
}

pub async fn create(
    State(dashboard): State<Dashboard>,
    signed: SignedIn,
    form: Form,
) -> Result<Response, DashboardError> {
    signed.require(Permission::ManageKeys)?;
    let name = form.get("name");
    if name.is_empty() {
        return Err(DashboardError::Invalid("Give the key a name.".into()));
    }
    let scopes = form.all("scopes");
    if scopes.is_empty() {
        return Err(DashboardError::Invalid("Choose at least one scope.".into()));
    }
    let environment = match form.get("environment") {
        "live" => KeyEnvironment::Live,
        "test" => KeyEnvironment::Test,
        other => {
            return Err(DashboardError::Invalid(format!(
                "The environment is live or test, not \"{other}\"."
            )));
        }
    };
    let days: Option<u64> = form.number("expires_in_days", "Expires after")?;
    if days == Some(0) {
        return Err(DashboardError::Invalid(
            "A key expires after at least one day.".into(),
        ));
    }
    let created = dashboard
        .calls
        .keys()
        .create_api_key(dashboard.calls.request(
            CreateApiKeyRequest {
                organization_id: signed.user.organization_id.clone(),
                name: name.to_owned(),
                scopes,
                environment: environment as i32,
                expires_in_seconds: days.map(|d| d.saturating_mul(86_400)),
                per_minute_limit: form.number("per_minute_limit", "Requests per minute")?,
                per_day_limit: form.number("per_day_limit", "Requests per day")?,
            },
            &signed.who(),
        ))
        .await?
        .into_inner();
    let key = created.api_key.as_ref();
    let note = format!(
        "Send it as the x-api-key header, with x-organization-id: {}.",
        signed.user.organization_id
    );
    secret_page(
        &dashboard,
        &signed,
        "Your new API key",
        key,
        &created.secret,
        note,
    )
    .await
}

async fn get_key(
    dashboard: &Dashboard,
    signed: &SignedIn,
    id: &str,
) -> Result<ApiKey, DashboardError> {
    let id = super::object_id(id)?;
    let key = dashboard
        .calls
        .keys()
        .get_api_key(
            dashboard
                .calls
                .request(GetApiKeyRequest { id: id.to_owned() }, &signed.who()),
        )
        .await?
        .into_inner();
    // Keys are an internal service's objects: the dashboard pins them to the user's
    // organization itself, with the same answer as for a missing one.
    if key.organization_id != signed.user.organization_id {
        return Err(DashboardError::NotFound);
    }
    Ok(key)
}

pub async fn confirm_revoke(
    State(dashboard): State<Dashboard>,
    signed: SignedIn,
    Path(id): Path<String>,
) -> Result<Response, DashboardError> {
    signed.require(Permission::ManageKeys)?;
    let key = get_key(&dashboard, &signed, &id).await?;
    render::page(
        "confirm.html",
        json!({
            "frame": signed.frame(&dashboard, "security").await?,
            "heading": format!("Revoke “{}”?", key.name),
            "message": "Every request made with this key will be refused within seconds. This cannot be undone.",
            "action": format!("{PATH}/keys/{}/revoke", key.id),
            "button": "Revoke",
            "cancel": PATH,
        }),
    )
}

pub async fn revoke(
    State(dashboard): State<Dashboard>,
    signed: SignedIn,
    Path(id): Path<String>,
) -> Result<Response, DashboardError> {
    signed.require(Permission::ManageKeys)?;
    let key = get_key(&dashboard, &signed, &id).await?;
    dashboard
        .calls
        .keys()
        .revoke_api_key(
            dashboard
                .calls
                .request(RevokeApiKeyRequest { id: key.id }, &signed.who()),
        )
        .await?;
    Ok(Redirect::to(PATH).into_response())
}

pub async fn roll_form(
    State(dashboard): State<Dashboard>,
    signed: SignedIn,
    Path(id): Path<String>,
) -> Result<Response, DashboardError> {
    signed.require(Permission::ManageKeys)?;
    let key = get_key(&dashboard, &signed, &id).await?;
    render::page(
        "roll.html",
        json!({
            "frame": signed.frame(&dashboard, "security").await?,
            "key": { "id": key.id, "name": key.name },
        }),
    )
}

pub async fn roll(
    State(dashboard): State<Dashboard>,
    signed: SignedIn,
    Path(id): Path<String>,
    form: Form,
) -> Result<Response, DashboardError> {
    signed.require(Permission::ManageKeys)?;
    let key = get_key(&dashboard, &signed, &id).await?;
    let keep: u64 = form
        .number("keep_old_for", "The old secret's time")?
        .unwrap_or(0);
    if keep > MAX_KEEP_OLD_SECONDS {
        return Err(DashboardError::Invalid(
            "The old secret can keep working for at most 7 days.".into(),
        ));
    }
    let rolled = dashboard
        .calls
        .keys()
        .rotate_api_key(dashboard.calls.request(
            RotateApiKeyRequest {
                id: key.id,
                previous_secret_expires_in_seconds: Some(keep),
            },
            &signed.who(),
        ))
        .await?
        .into_inner();
    let note = match rolled
        .api_key
        .as_ref()
        .and_then(|k| k.previous_secret_expires_at.as_ref())
        .filter(|_| keep > 0)
    {
        Some(until) => format!("The old secret keeps working until {}.", time(Some(until))),
        None => "The old secret no longer works.".to_owned(),
    };
    secret_page(
        &dashboard,
        &signed,
        "Your rolled API key",
        rolled.api_key.as_ref(),
        &rolled.secret,
        note,
    )
    .await
}
