//! The token endpoint's grants, revocation (RFC 7009) and introspection (RFC 7662).
//!
//! Refresh tokens rotate on every use: the used one is marked replaced by its successor.
//! A replaced refresh token presented again means it leaked (or a client lost a response):
//! the whole family is revoked, EXCEPT within [`GRACE_SECONDS`] after the replacement when
//! its successor is still unused, where the client most likely never received the answer:
//! the successor is then replaced in turn by a fresh pair, once (the old token's successor
//! is no longer the family's head afterwards, so a third use revokes the family).

use base64::Engine as _;
use chrono::{DateTime, Duration, Utc};
use proto::v1::{
    ExchangeTokenRequest, IntrospectTokenRequest, IntrospectTokenResponse, RevokeTokenRequest,
    TokenResponse,
};
use sha2::{Digest as _, Sha256};
use storage::{
    OrgId, StringList,
    apps::{self, installs},
    oauth,
};
use subtle::ConstantTimeEq as _;

use super::{
    TokenVerifier,
    grant::random_token,
    refuse,
    verify::{ACCESS_PREFIX, REFRESH_PREFIX, live},
};
use crate::{apps::rules, error::ServiceResult};

pub const ACCESS_TTL_SECONDS: i64 = 3_600;
pub const REFRESH_TTL_DAYS: i64 = 30;
/// How long after a refresh token's replacement its immediate successor may be replaced once
/// more for it (a client whose response was lost).
pub const GRACE_SECONDS: i64 = 30;

/// The client as it authenticated: confidential apps with their secret, public apps with
/// none.
async fn client(tokens: &TokenVerifier, client_id: &str, secret: &str) -> ServiceResult<apps::App> {
    let bad = || refuse("invalid_client", "client authentication failed");
    let app = apps::find(tokens.store(), client_id)
        .await?
        .ok_or_else(bad)?;
    match &app.client_secret_hash {
        Some(hash) if app.client_type == rules::CONFIDENTIAL => {
            let given = tokens.hasher().hash(secret);
            if secret.is_empty() || !bool::from(given.as_bytes().ct_eq(hash.as_bytes())) {
                return Err(bad());
            }
        }
        _ if !secret.is_empty() => return Err(bad()),
        _ => {}
    }
    if app.review_status == rules::SUSPENDED {
        return Err(refuse("invalid_client", "this app is suspended"));
    }
    Ok(app)
}

/// RFC 7636: 43 to 128 characters of `[A-Za-z0-9-._~]`, whose S256 is the challenge.
fn pkce_ok(verifier: &str, challenge: &str) -> bool {
    let shaped = (43..=128).contains(&verifier.len())
        && verifier
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b));
    let computed = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(Sha256::digest(verifier.as_bytes()));
    shaped && bool::from(computed.as_bytes().ct_eq(challenge.as_bytes()))
}

fn narrowed(granted: &[String], scope: &str) -> ServiceResult<Vec<String>> {
    let asked: Vec<String> = scope.split_whitespace().map(str::to_owned).collect();
    if asked.is_empty() {
        return Ok(granted.to_vec());
    }
    match asked.iter().find(|s| !granted.contains(s)) {
        Some(s) => Err(refuse(
            "invalid_scope",
            format!("the scope {s} was not granted"),
        )),
        None => Ok(rules::dedup(asked)),
    }
}

/// The rows and the answer of a new access token (and refresh token, if `refresh`).
struct Issued {
    rows: Vec<oauth::Token>,
    response: TokenResponse,
}

struct Grant<'a> {
    app_id: &'a str,
    install_id: &'a str,
    organization_id: &'a str,
    family_id: &'a str,
    user_id: &'a str,
    scopes: Vec<String>,
}

fn issue(tokens: &TokenVerifier, g: &Grant<'_>, refresh: bool, now: DateTime<Utc>) -> Issued {
    let row = |kind: &str, secret: &str, expires_at| oauth::Token {
        id: storage::ids::new_id(oauth::TOKEN_PREFIX),
        token_hash: tokens.hasher().hash(secret),
        kind: kind.to_owned(),
        app_id: g.app_id.to_owned(),
        install_id: g.install_id.to_owned(),
        organization_id: g.organization_id.to_owned(),
        family_id: g.family_id.to_owned(),
        scopes: StringList(g.scopes.clone()),
        user_id: g.user_id.to_owned(),
        expires_at,
        revoked_at: None,
        replaced_at: None,
        replaced_by: None,
        created_at: now,
    };
    let access = random_token(ACCESS_PREFIX);
    let mut rows = vec![row(
        oauth::ACCESS,
        &access,
        now + Duration::seconds(ACCESS_TTL_SECONDS),
    )];
    let refresh_token = if refresh {
        let secret = random_token(REFRESH_PREFIX);
        rows.push(row(
            oauth::REFRESH,
            &secret,
            now + Duration::days(REFRESH_TTL_DAYS),
        ));
        secret
    } else {
        String::new()
    };
    Issued {
        rows,
        response: TokenResponse {
            access_token: access,
            token_type: "Bearer".to_owned(),
            expires_in: ACCESS_TTL_SECONDS as u64,
            refresh_token,
            scope: g.scopes.join(" "),
            organization_id: g.organization_id.to_owned(),
        },
    }
}

fn invalid_grant(message: &str) -> crate::error::ServiceError {
    refuse("invalid_grant", message)
}

pub async fn exchange(
    tokens: &TokenVerifier,
    req: ExchangeTokenRequest,
) -> ServiceResult<TokenResponse> {
    match req.grant_type.as_str() {
        "authorization_code" | "refresh_token" | "client_credentials" => {}
        "" => return Err(refuse("invalid_request", "grant_type is required")),
        _ => {
            return Err(refuse(
                "unsupported_grant_type",
                "grant_type must be authorization_code, refresh_token or client_credentials",
            ));
        }
    }
    let app = client(tokens, &req.client_id, &req.client_secret).await?;
    match req.grant_type.as_str() {
        "authorization_code" => authorization_code(tokens, &app, req).await,
        "refresh_token" => refresh_token(tokens, &app, req).await,
        _ => client_credentials(tokens, &app, req).await,
    }
}

async fn authorization_code(
    tokens: &TokenVerifier,
    app: &apps::App,
    req: ExchangeTokenRequest,
) -> ServiceResult<TokenResponse> {
    let store = tokens.store();
    let now = storage::now();
    let code = oauth::find_code(store, &tokens.hasher().hash(&req.code))
        .await?
        .filter(|c| c.app_id == app.id)
        .ok_or_else(|| invalid_grant("the authorization code is not valid"))?;
    if code.used_at.is_some() {
        // A code used twice was intercepted, or replayed: what it issued is revoked.
        if let Some(family) = &code.family_id {
            oauth::revoke_family(store, family, now).await?;
            tokens.invalidate();
        }
        return Err(invalid_grant(
            "the authorization code was already used; the tokens it issued are revoked",
        ));
    }
    if code.expires_at <= now {
        return Err(invalid_grant("the authorization code has expired"));
    }
    if req.redirect_uri != code.redirect_uri {
        return Err(invalid_grant(
            "redirect_uri differs from the authorization request's",
        ));
    }
    if req.code_verifier.is_empty() {
        return Err(refuse(
            "invalid_request",
            "code_verifier is required (PKCE)",
        ));
    }
    if !pkce_ok(&req.code_verifier, &code.code_challenge) {
        return Err(invalid_grant(
            "code_verifier does not match the code_challenge",
        ));
    }
    let install = installs::find(store, &code.install_id).await?;
    if install.is_none_or(|i| i.uninstalled_at.is_some()) {
        return Err(invalid_grant("the app was uninstalled"));
    }
    let scopes = narrowed(&code.scopes.0, &req.scope)?;
    let family = storage::ids::new_id(oauth::FAMILY_PREFIX);
    let issued = issue(
        tokens,
        &Grant {
            app_id: &app.id,
            install_id: &code.install_id,
            organization_id: &code.organization_id,
            family_id: &family,
            user_id: &code.user_id,
            scopes,
        },
        true,
        now,
    );
    if !oauth::redeem_code(store, &code.id, &family, issued.rows, now).await? {
        return Err(invalid_grant(
            "the authorization code was already used; the tokens it issued are revoked",
        ));
    }
    Ok(issued.response)
}

async fn refresh_token(
    tokens: &TokenVerifier,
    app: &apps::App,
    req: ExchangeTokenRequest,
) -> ServiceResult<TokenResponse> {
    let store = tokens.store();
    let now = storage::now();
    let old = oauth::find_token(store, &tokens.hasher().hash(&req.refresh_token))
        .await?
        .filter(|t| t.kind == oauth::REFRESH && t.app_id == app.id)
        .ok_or_else(|| invalid_grant("the refresh token is not valid"))?;
    if old.revoked_at.is_some() || old.expires_at <= now {
        return Err(invalid_grant(
            "the refresh token has expired or was revoked",
        ));
    }
    if !live(store, &old).await? {
        return Err(invalid_grant("the app was uninstalled or suspended"));
    }
    // Which token this use replaces: the presented one, or (within the grace) its successor.
    let replaced = match (old.replaced_at, &old.replaced_by) {
        (None, _) => Some(old.id.clone()),
        (Some(at), Some(next)) if now - at <= Duration::seconds(GRACE_SECONDS) => {
            oauth::get_token(store, next)
                .await?
                .filter(|n| n.replaced_at.is_none() && n.revoked_at.is_none())
                .map(|n| n.id)
        }
        _ => None,
    };
    let scopes = narrowed(&old.scopes.0, &req.scope)?;
    let issued = issue(
        tokens,
        &Grant {
            app_id: &app.id,
            install_id: &old.install_id,
            organization_id: &old.organization_id,
            family_id: &old.family_id,
            user_id: &old.user_id,
            scopes,
        },
        true,
        now,
    );
    let rotated = match replaced {
        Some(id) => oauth::rotate(store, &id, issued.rows, now).await?,
        None => false,
    };
    if !rotated {
        // A replaced refresh token came back: it leaked. The whole family goes.
        oauth::revoke_family(store, &old.family_id, now).await?;
        tokens.invalidate();
        return Err(invalid_grant(
            "the refresh token was already used; its family of tokens is revoked",
        ));
    }
    Ok(issued.response)
}

async fn client_credentials(
    tokens: &TokenVerifier,
    app: &apps::App,
    req: ExchangeTokenRequest,
) -> ServiceResult<TokenResponse> {
    if app.client_type != rules::CONFIDENTIAL {
        return Err(refuse(
            "unauthorized_client",
            "client_credentials is for confidential apps only",
        ));
    }
    if req.organization_id.is_empty() {
        return Err(refuse("invalid_request", "organization_id is required"));
    }
    let store = tokens.store();
    let install = installs::live(store, &OrgId::new(&req.organization_id), &app.id)
        .await?
        .ok_or_else(|| invalid_grant("the app is not installed in this organization"))?;
    let scopes = narrowed(&install.scopes.0, &req.scope)?;
    let family = storage::ids::new_id(oauth::FAMILY_PREFIX);
    let now = storage::now();
    let issued = issue(
        tokens,
        &Grant {
            app_id: &app.id,
            install_id: &install.id,
            organization_id: &install.organization_id,
            family_id: &family,
            user_id: "",
            scopes,
        },
        false,
        now,
    );
    oauth::insert_tokens(store, issued.rows).await?;
    Ok(issued.response)
}

/// RFC 7009: a token of the authenticated client is revoked (a refresh token with its
/// family); an unknown token, or another client's, succeeds without effect.
pub async fn revoke(tokens: &TokenVerifier, req: RevokeTokenRequest) -> ServiceResult<()> {
    let app = client(tokens, &req.client_id, &req.client_secret).await?;
    let store = tokens.store();
    let Some(token) = oauth::find_token(store, &tokens.hasher().hash(&req.token)).await? else {
        return Ok(());
    };
    if token.app_id != app.id {
        return Ok(());
    }
    let now = storage::now();
    if token.kind == oauth::REFRESH {
        oauth::revoke_family(store, &token.family_id, now).await?;
    } else {
        oauth::revoke_token(store, &token.id, now).await?;
    }
    tokens.invalidate();
    Ok(())
}

/// RFC 7662: active only for a working token; a client sees only its own tokens (an
/// internal caller, with no client id, any).
pub async fn introspect(
    tokens: &TokenVerifier,
    req: IntrospectTokenRequest,
) -> ServiceResult<IntrospectTokenResponse> {
    let caller = if req.client_id.is_empty() {
        None
    } else {
        Some(client(tokens, &req.client_id, &req.client_secret).await?)
    };
    let store = tokens.store();
    let inactive = IntrospectTokenResponse::default();
    let Some(token) = oauth::find_token(store, &tokens.hasher().hash(&req.token)).await? else {
        return Ok(inactive);
    };
    if caller.is_some_and(|app| app.id != token.app_id) {
        return Ok(inactive);
    }
    let now = Utc::now();
    let replaced = token.kind == oauth::REFRESH && token.replaced_at.is_some();
    if token.revoked_at.is_some() || token.expires_at <= now || replaced {
        return Ok(inactive);
    }
    if !live(store, &token).await? {
        return Ok(inactive);
    }
    Ok(IntrospectTokenResponse {
        active: true,
        scope: token.scopes.0.join(" "),
        client_id: token.app_id,
        token_type: if token.kind == oauth::ACCESS {
            "access_token"
        } else {
            "refresh_token"
        }
        .to_owned(),
        exp: token.expires_at.timestamp(),
        iat: token.created_at.timestamp(),
        organization_id: token.organization_id,
        sub: token.user_id,
    })
}
