//! The operator commands of `asteri` (CONTRACT section 2). They call the services' own code
//! in-process with an operator context, so validation and audit are the same as over gRPC.

use anyhow::{Context as _, bail};
use proto::{
    json::to_json,
    v1::{
        App, AppClientType, AppReviewStatus, CreateApiKeyRequest, CreateApiKeyResponse,
        CreateAppRequest, CreateOrganizationRequest, CreateUserRequest, GetOrganizationRequest,
        KeyEnvironment, ListApiKeysRequest, ListUsersRequest, ReviewAppRequest,
        RevokeApiKeyRequest, RotateApiKeyRequest, SuspendAppRequest, User, UserRole,
        api_keys_service_server::ApiKeysService, apps_service_server::AppsService,
        organizations_service_server::OrganizationsService, users_service_server::UsersService,
    },
};
use serde_json::{Value, json};
use services::{Platform, auth::RequestContext};
use storage::{OrgId, Store};

use crate::config::Config;

pub async fn platform() -> anyhow::Result<Platform> {
    let url = Config::database_url();
    let store = Store::connect(&url)
        .await
        .with_context(|| format!("connecting to {}", crate::config::redact_url(&url)))?;
    store.migrate().await.context("applying migrations")?;
    // The operator never needs the internal token: it is not on the network.
    Ok(Platform::new(
        store,
        &Config::hash_key()?,
        &crate::config::random_token(proto::credentials::INTERNAL_PREFIX),
    ))
}

pub fn operator<T>(message: T, org: Option<&str>) -> tonic::Request<T> {
    let mut request = tonic::Request::new(message);
    request
        .extensions_mut()
        .insert(RequestContext::operator(org.map(OrgId::new)));
    request
}

fn fail(status: tonic::Status) -> anyhow::Error {
    use tonic_types::StatusExt as _;
    let mut message = status.message().to_owned();
    if let Some(bad) = status.get_details_bad_request() {
        for v in bad.field_violations {
            message.push_str(&format!("\n  {}: {}", v.field, v.description));
        }
    }
    anyhow::anyhow!(message)
}

pub async fn create_org(
    p: &Platform,
    name: &str,
    sandbox: bool,
) -> anyhow::Result<proto::v1::Organization> {
    let request = operator(
        CreateOrganizationRequest {
            name: name.to_owned(),
            sandbox,
        },
        None,
    );
    Ok(p.organizations()
        .create_organization(request)
        .await
        .map_err(fail)?
        .into_inner())
}

pub async fn get_org(p: &Platform, id: &str) -> anyhow::Result<proto::v1::Organization> {
    let request = operator(GetOrganizationRequest { id: id.to_owned() }, None);
    Ok(p.organizations()
        .get_organization(request)
        .await
        .map_err(fail)?
        .into_inner())
}

/// `30d`, `12h`, `90m`, `3600s` or plain seconds.
pub fn parse_duration(s: &str) -> anyhow::Result<u64> {
    let s = s.trim();
    let (number, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len()));
    let n: u64 = number
        .parse()
        .with_context(|| format!("{s} is not a duration such as 30d, 12h, 90m or 3600s"))?;
    let factor = match unit {
        "" | "s" => 1,
        "m" => 60,
        "h" => 3_600,
        "d" => 86_400,
        _ => bail!("{s} is not a duration such as 30d, 12h, 90m or 3600s"),
    };
    n.checked_mul(factor)
        .filter(|&v| v > 0)
        .context("the duration must be positive and not absurdly large")
}

pub struct NewKey<'a> {
    pub org: &'a str,
    pub name: &'a str,
    pub scopes: Vec<String>,
    pub env: Option<&'a str>,
    pub expires_in: Option<&'a str>,
    pub per_minute: Option<u32>,
    pub per_day: Option<u32>,
}

pub async fn create_key(p: &Platform, k: NewKey<'_>) -> anyhow::Result<CreateApiKeyResponse> {
    let environment = match k.env {
        None => KeyEnvironment::Unspecified,
        Some("live") => KeyEnvironment::Live,
        Some("test") => KeyEnvironment::Test,
        Some(other) => bail!("--env must be live or test, not {other}"),
    };
    let request = CreateApiKeyRequest {
        organization_id: k.org.to_owned(),
        name: k.name.to_owned(),
        scopes: k.scopes,
        environment: environment as i32,
        expires_in_seconds: k.expires_in.map(parse_duration).transpose()?,
        per_minute_limit: k.per_minute,
        per_day_limit: k.per_day,
    };
    Ok(p.keys()
        .create_api_key(operator(request, Some(k.org)))
        .await
        .map_err(fail)?
        .into_inner())
}

/// `{"id": ..., "secret": ..., ...}`: the key's fields with its secret.
pub fn key_json(created: &CreateApiKeyResponse) -> Value {
    let mut value = created
        .api_key
        .as_ref()
        .map(to_json)
        .unwrap_or_else(|| json!({}));
    if let Value::Object(map) = &mut value {
        map.insert("secret".to_owned(), Value::String(created.secret.clone()));
    }
    value
}

pub async fn list_keys(p: &Platform, org: &str) -> anyhow::Result<Vec<Value>> {
    let request = operator(
        ListApiKeysRequest {
            organization_id: org.to_owned(),
        },
        Some(org),
    );
    Ok(p.keys()
        .list_api_keys(request)
        .await
        .map_err(fail)?
        .into_inner()
        .data
        .iter()
        .map(to_json)
        .collect())
}

pub async fn revoke_key(p: &Platform, id: &str) -> anyhow::Result<Value> {
    let request = operator(RevokeApiKeyRequest { id: id.to_owned() }, None);
    Ok(to_json(
        &p.keys()
            .revoke_api_key(request)
            .await
            .map_err(fail)?
            .into_inner(),
    ))
}

/// A new secret for key `id`; `keep_old_for` (e.g. `1h`, `7d`) keeps the old one working
/// that long (at most 7 days), for a roll without downtime; without it the old one stops at
/// once.
pub async fn rotate_key(
    p: &Platform,
    id: &str,
    keep_old_for: Option<&str>,
) -> anyhow::Result<CreateApiKeyResponse> {
    let request = operator(
        RotateApiKeyRequest {
            id: id.to_owned(),
            previous_secret_expires_in_seconds: keep_old_for.map(parse_duration).transpose()?,
        },
        None,
    );
    Ok(p.keys()
        .rotate_api_key(request)
        .await
        .map_err(fail)?
        .into_inner())
}

/// The roles `--role` takes, as the proto names them.
pub const ROLES: [&str; 4] = ["owner", "admin", "developer", "viewer"];

pub struct NewUser<'a> {
    pub org: &'a str,
    pub email: &'a str,
    pub name: &'a str,
    pub role: &'a str,
    pub password: String,
}

pub async fn create_user(p: &Platform, u: NewUser<'_>) -> anyhow::Result<User> {
    let role = match u.role {
        "owner" => UserRole::Owner,
        "admin" => UserRole::Admin,
        "developer" => UserRole::Developer,
        "viewer" => UserRole::Viewer,
        other => bail!("--role must be one of {}, not {other}", ROLES.join(", ")),
    };
    let request = CreateUserRequest {
        organization_id: u.org.to_owned(),
        email: u.email.to_owned(),
        name: u.name.to_owned(),
        role: role as i32,
        password: u.password,
    };
    Ok(p.users()
        .create_user(operator(request, Some(u.org)))
        .await
        .map_err(fail)?
        .into_inner())
}

pub async fn list_users(p: &Platform, org: &str) -> anyhow::Result<Vec<Value>> {
    Ok(p.users()
        .list_users(operator(ListUsersRequest {}, Some(org)))
        .await
        .map_err(fail)?
        .into_inner()
        .data
        .iter()
        .map(to_json)
        .collect())
}

/// A password for a user made without one: 24 characters of [A-Za-z0-9], about 143 bits.
pub fn generate_password() -> String {
    use rand::Rng as _;
    rand::rng()
        .sample_iter(&rand::distr::Alphanumeric)
        .take(24)
        .map(char::from)
        .collect()
}

/// One line of standard input, without its line ending: a password given by pipe or by hand.
pub fn read_password(input: impl std::io::BufRead) -> anyhow::Result<String> {
    let mut line = String::new();
    let mut input = input;
    input
        .read_line(&mut line)
        .context("reading the password from standard input")?;
    let password = line.strip_suffix('\n').unwrap_or(&line);
    let password = password.strip_suffix('\r').unwrap_or(password);
    Ok(password.to_owned())
}

/// Registers a draft app in `org`, as its developer would over REST.
pub async fn create_app(
    p: &Platform,
    org: &str,
    name: &str,
    redirect_uris: Vec<String>,
    scopes: Vec<String>,
    public: bool,
) -> anyhow::Result<App> {
    let request = CreateAppRequest {
        name: name.to_owned(),
        redirect_uris,
        scopes,
        client_type: if public {
            AppClientType::Public
        } else {
            AppClientType::Confidential
        } as i32,
        ..Default::default()
    };
    Ok(p.apps()
        .create_app(operator(request, Some(org)))
        .await
        .map_err(fail)?
        .into_inner())
}

pub async fn review_app(
    p: &Platform,
    client_id: &str,
    approve: bool,
    notes: String,
) -> anyhow::Result<App> {
    let request = ReviewAppRequest {
        id: client_id.to_owned(),
        approve,
        notes,
    };
    Ok(p.apps()
        .review_app(operator(request, None))
        .await
        .map_err(fail)?
        .into_inner())
}

pub async fn suspend_app(p: &Platform, client_id: &str) -> anyhow::Result<App> {
    let request = SuspendAppRequest {
        id: client_id.to_owned(),
        notes: String::new(),
    };
    Ok(p.apps()
        .suspend_app(operator(request, None))
        .await
        .map_err(fail)?
        .into_inner())
}

/// `approved`, `suspended`, ...: the review status as the JSON mapping names it.
pub fn review_status(app: &App) -> &'static str {
    match AppReviewStatus::try_from(app.review_status).unwrap_or_default() {
        AppReviewStatus::Draft => "draft",
        AppReviewStatus::InReview => "in_review",
        AppReviewStatus::Approved => "approved",
        AppReviewStatus::Rejected => "rejected",
        AppReviewStatus::Suspended => "suspended",
        AppReviewStatus::Unspecified => "unspecified",
    }
}
