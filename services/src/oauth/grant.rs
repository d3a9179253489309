//! Before and at consent: checking an authorization request, installing the app and making
//! the single-use code.

use chrono::Duration;
use proto::v1::{
    CheckAuthorizationRequest, CheckAuthorizationResponse, GrantAuthorizationRequest,
    GrantAuthorizationResponse,
};
use rand::RngCore as _;
use storage::{
    Actor, ActorKind, OrgId, StringList, WriteContext,
    apps::{self, installs},
    oauth, organizations, users,
};

use super::{TokenVerifier, refuse, verify::CODE_PREFIX};
use crate::{
    apps::{installs::render as render_install, rules},
    auth::RequestContext,
    error::ServiceResult,
    record::record,
};

/// How long a code may wait for its exchange.
const CODE_TTL_MINUTES: i64 = 10;

/// A random token: `prefix` and 32 random bytes in hex (256 bits). Hex, not base64url: a
/// credential is `[A-Za-z0-9_]` (`proto::credentials`), and `-` would make it malformed.
pub(super) fn random_token(prefix: &str) -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    format!("{prefix}{}", hex::encode(bytes))
}

/// An S256 challenge: BASE64URL(SHA256(verifier)), 43 characters, no padding.
fn valid_challenge(challenge: &str) -> bool {
    challenge.len() == 43
        && challenge
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The app and the scopes of a request, checked as RFC 6749 4.1.1 and this platform want.
async fn checked(
    tokens: &TokenVerifier,
    client_id: &str,
    redirect_uri: &str,
    scopes: Vec<String>,
    challenge: &str,
    method: Option<&str>,
) -> ServiceResult<(apps::App, Vec<String>)> {
    let store = tokens.store();
    let app = apps::find(store, client_id)
        .await?
        .ok_or_else(|| refuse("invalid_client", "unknown client_id"))?;
    if app.review_status == rules::SUSPENDED {
        return Err(refuse("invalid_client", "this app is suspended"));
    }
    if !app.redirect_uris.0.iter().any(|u| u == redirect_uri) {
        return Err(refuse(
            "invalid_redirect_uri",
            "redirect_uri is not one of the app's redirect URIs (exact match)",
        ));
    }
    if let Some(method) = method
        && method != "S256"
    {
        return Err(refuse(
            "invalid_request",
            "PKCE is required: code_challenge_method must be S256",
        ));
    }
    if !valid_challenge(challenge) {
        return Err(refuse(
            "invalid_request",
            "PKCE is required: code_challenge must be BASE64URL(SHA256(code_verifier))",
        ));
    }
    let scopes = if scopes.is_empty() {
        app.scopes.0.clone()
    } else {
        rules::dedup(scopes)
    };
    if let Some(extra) = scopes.iter().find(|s| !app.scopes.0.contains(s)) {
        return Err(refuse(
            "invalid_scope",
            format!("the app may not request the scope {extra}"),
        ));
    }
    Ok((app, scopes))
}

fn split(scope: &str) -> Vec<String> {
    scope.split_whitespace().map(str::to_owned).collect()
}

pub async fn check(
    tokens: &TokenVerifier,
    req: CheckAuthorizationRequest,
) -> ServiceResult<CheckAuthorizationResponse> {
    let (app, scopes) = checked(
        tokens,
        &req.client_id,
        &req.redirect_uri,
        split(&req.scope),
        &req.code_challenge,
        Some(req.code_challenge_method.as_str()),
    )
    .await?;
    let developer_name = organizations::get(tokens.store(), &app.organization_id)
        .await?
        .map(|o| o.name)
        .unwrap_or_default();
    Ok(CheckAuthorizationResponse {
        app: Some(rules::render(&app, None)),
        developer_name,
        scopes,
    })
}

pub async fn grant(
    tokens: &TokenVerifier,
    ctx: &RequestContext,
    req: GrantAuthorizationRequest,
) -> ServiceResult<GrantAuthorizationResponse> {
    let store = tokens.store();
    let (app, scopes) = checked(
        tokens,
        &req.client_id,
        &req.redirect_uri,
        req.scopes,
        &req.code_challenge,
        None,
    )
    .await?;
    let org_id = OrgId::new(&req.organization_id);
    let org = organizations::get(store, &req.organization_id)
        .await?
        .ok_or_else(|| refuse("access_denied", "unknown organization"))?;
    // The user must belong to the organization chosen (the tenant-scoped read says so).
    let user = users::get(store, &org_id, &req.user_id)
        .await?
        .ok_or_else(|| {
            refuse(
                "access_denied",
                "the user does not belong to this organization",
            )
        })?;
    // A viewer may grant only reading; the other roles may grant any scope.
    if user.role == "viewer"
        && let Some(s) = scopes.iter().find(|s| !s.starts_with("read:"))
    {
        return Err(refuse(
            "access_denied",
            format!("a viewer cannot grant the scope {s}"),
        ));
    }
    // Until approved, an app is installable only where its developer tries it.
    if app.review_status != rules::APPROVED && app.organization_id != org.id && !org.sandbox {
        return Err(refuse(
            "access_denied",
            "this app is not yet approved: it can be installed only in its own and in sandbox organizations",
        ));
    }
    let mut w = store
        .write(WriteContext {
            org: org_id.clone(),
            actor: Actor {
                kind: ActorKind::User,
                id: user.id.clone(),
            },
            request_id: ctx.request_id.clone(),
            trace_parent: crate::trace::current_traceparent(),
        })
        .await?;
    let now = storage::now();
    let install = match installs::live(&w, &org_id, &app.id).await? {
        Some(live) => {
            let before = render_install(&live, &app.name);
            let mut changed = live;
            changed.scopes = StringList(scopes.clone());
            changed.installed_by_user_id = user.id.clone();
            let saved = installs::save(&w, changed).await?;
            let after = render_install(&saved, &app.name);
            let id = saved.id.clone();
            record(
                &mut w,
                "app_install.update",
                "app_install",
                &id,
                Some(&before),
                Some(&after),
                None,
            )
            .await?;
            saved
        }
        None => {
            let created = installs::insert(
                &w,
                installs::AppInstall {
                    id: storage::ids::new_id(apps::INSTALL_PREFIX),
                    organization_id: org.id.clone(),
                    app_id: app.id.clone(),
                    live_app_id: Some(app.id.clone()),
                    scopes: StringList(scopes.clone()),
                    installed_by_user_id: user.id.clone(),
                    created_at: now,
                    updated_at: now,
                    uninstalled_at: None,
                },
            )
            .await?;
            let after = render_install(&created, &app.name);
            let id = created.id.clone();
            record(
                &mut w,
                "app_install.create",
                "app_install",
                &id,
                None,
                Some(&after),
                Some("app.installed"),
            )
            .await?;
            created
        }
    };
    w.commit().await?;
    let code = random_token(CODE_PREFIX);
    oauth::insert_code(
        store,
        oauth::Code {
            id: storage::ids::new_id(oauth::CODE_PREFIX),
            code_hash: tokens.hasher().hash(&code),
            app_id: app.id,
            install_id: install.id.clone(),
            organization_id: org.id,
            redirect_uri: req.redirect_uri,
            code_challenge: req.code_challenge,
            scopes: StringList(scopes),
            user_id: user.id,
            expires_at: now + Duration::minutes(CODE_TTL_MINUTES),
            used_at: None,
            family_id: None,
            created_at: now,
        },
    )
    .await?;
    Ok(GrantAuthorizationResponse {
        code,
        install_id: install.id,
    })
}
