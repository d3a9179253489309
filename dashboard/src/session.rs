//! Who is signed in: the session cookie, resolved by `UsersService.GetSession` on every
//! request (which also moves its idle expiry forward), and the CSRF check of every
//! state-changing request, made here so that no handler acting for a user can skip it.

use axum::extract::FromRequestParts;
use cookie::{Cookie, SameSite};
use http::{HeaderMap, HeaderValue, header, request::Parts};
use proto::v1::{GetOrganizationRequest, GetSessionRequest, User};
use serde_json::{Value, json};
use subtle::ConstantTimeEq as _;

use crate::{
    Dashboard,
    calls::For,
    error::DashboardError,
    guard::PresentedCsrf,
    roles::{Permission, Role},
};

/// The session cookie's name.
pub const COOKIE: &str = "asteri_session";

pub struct SignedIn {
    pub user: User,
    pub role: Role,
    pub csrf_token: String,
}

impl SignedIn {
    /// Calls made for this user, in its organization.
    pub fn who(&self) -> For<'_> {
        For::User {
            id: &self.user.id,
            organization_id: &self.user.organization_id,
        }
    }

    pub fn may(&self, permission: Permission) -> bool {
        self.role.may(permission)
    }

    /// Refuses (403) unless the user's role allows `permission`.
    pub fn require(&self, permission: Permission) -> Result<(), DashboardError> {
        if self.may(permission) {
            Ok(())
        } else {
            Err(DashboardError::Forbidden(self.role.refusal(permission)))
        }
    }

    /// What every page's frame shows: the user, the organization, the CSRF token for the
    /// page's forms, and which section is open.
    pub async fn frame(
        &self,
        dashboard: &Dashboard,
        section: &str,
    ) -> Result<Value, DashboardError> {
        let org = dashboard
            .calls
            .organizations()
            .get_organization(dashboard.calls.request(
                GetOrganizationRequest {
                    id: self.user.organization_id.clone(),
                },
                &self.who(),
            ))
            .await?
            .into_inner();
        Ok(json!({
            "section": section,
            "csrf_token": self.csrf_token,
            "user": {
                "id": self.user.id,
                "email": self.user.email,
                "name": self.user.name,
                "role": self.role.name(),
            },
            "org": { "id": org.id, "name": org.name, "sandbox": org.sandbox },
            "can": {
                "manage_keys": self.may(Permission::ManageKeys),
                "manage_webhooks": self.may(Permission::ManageWebhooks),
                "read_bodies": self.may(Permission::ReadBodies),
                "manage_apps": self.may(Permission::ManageApps),
            },
        }))
    }
}

/// The session token the request carries, if any.
pub fn token(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|c| c.name() == COOKIE)
        .map(|c| c.value().to_owned())
        .filter(|t| !t.is_empty())
}

/// Whether the request reached us over https (directly or, as a proxy says, through it).
fn https(parts_headers: &HeaderMap, secure_cookie: bool) -> bool {
    secure_cookie
        || parts_headers
            .get("x-forwarded-proto")
            .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"https"))
}

/// `Set-Cookie` for a new session: `HttpOnly` (no script reads it), `SameSite=Lax` (not
/// sent on cross-site posts), `Secure` behind https, gone at the session's absolute expiry.
pub fn set_cookie(
    token: &str,
    max_age_seconds: i64,
    headers: &HeaderMap,
    secure_cookie: bool,
) -> HeaderValue {
    let cookie = Cookie::build((COOKIE, token.to_owned()))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(https(headers, secure_cookie))
        .max_age(cookie::time::Duration::seconds(max_age_seconds.max(0)))
        .build();
    HeaderValue::from_str(&cookie.to_string()).unwrap_or(HeaderValue::from_static(""))
}

/// `Set-Cookie` that removes the session cookie.
pub fn clear_cookie(headers: &HeaderMap, secure_cookie: bool) -> HeaderValue {
    let cookie = Cookie::build((COOKIE, ""))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(https(headers, secure_cookie))
        .max_age(cookie::time::Duration::ZERO)
        .build();
    HeaderValue::from_str(&cookie.to_string()).unwrap_or(HeaderValue::from_static(""))
}

impl FromRequestParts<Dashboard> for SignedIn {
    type Rejection = DashboardError;

    async fn from_request_parts(
        parts: &mut Parts,
        dashboard: &Dashboard,
    ) -> Result<Self, DashboardError> {
        // After signing in, a page read comes back to where it was; a form does not resend.
        let next = (parts.method == http::Method::GET)
            .then(|| parts.uri.path_and_query().map(|p| p.as_str().to_owned()))
            .flatten();
        let sign_in_first = || DashboardError::SignInFirst { next: next.clone() };
        let token = token(&parts.headers).ok_or_else(sign_in_first)?;
        let session = dashboard
            .calls
            .users()
            .get_session(
                dashboard
                    .calls
                    .request(GetSessionRequest { token }, &For::Anonymous),
            )
            .await
            .map_err(|status| match status.code() {
                tonic::Code::Unauthenticated | tonic::Code::NotFound => sign_in_first(),
                _ => DashboardError::Upstream(status),
            })?
            .into_inner();
        let user = session.user.ok_or_else(sign_in_first)?;
        let role = Role::from_proto(user.role).ok_or_else(|| {
            DashboardError::Forbidden("Your account has no role in its organization.".into())
        })?;
        if !parts.method.is_safe() {
            let presented = parts
                .extensions
                .get::<PresentedCsrf>()
                .map(|p| p.0.as_bytes());
            let matches = presented.is_some_and(|p| {
                !session.csrf_token.is_empty() && bool::from(p.ct_eq(session.csrf_token.as_bytes()))
            });
            if !matches {
                return Err(DashboardError::Csrf);
            }
        }
        Ok(Self {
            user,
            role,
            csrf_token: session.csrf_token,
        })
    }
}
