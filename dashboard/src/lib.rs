//! The security center (CONTRACT section 10): server-rendered pages under `/dashboard` for
//! the members of an organization. Keys, webhooks, the request history, the audit log, usage
//! and integrations, each page a view of the same gRPC services the REST gateway calls.
//!
//! Request flow: `guard::origin` refuses a state-changing request from another origin and
//! lifts the form's CSRF token into the request; the [`session::SignedIn`] extractor resolves
//! the session cookie through `UsersService.GetSession` and, on a state-changing request,
//! checks that token, so no handler that acts for a user can forget either check. Handlers
//! check the role (`roles.rs`) before they call a service, and every call carries the
//! internal credential, the user's organization and the user's id (`calls.rs`): the services
//! scope it to that organization (another one's object is 404) and audit it as the user.
//!
//! The dashboard holds no database connection and no secret of its own: sessions, users and
//! passwords live behind `UsersService`.
//!
//! `oauth/` is the authorization server's HTTP side (CONTRACT section 11): the consent page
//! rides on these sessions; the token, revocation and introspection endpoints authenticate
//! clients instead, outside the origin check; codes, installs and tokens live behind
//! `OAuthService`.

mod calls;
mod charts;
mod error;
mod form;
mod guard;
mod oauth;
mod pages;
mod render;
mod roles;
mod session;
mod throttle;

use std::sync::Arc;

use axum::{
    Router, middleware,
    response::Redirect,
    routing::{get, post},
};
use gateway::Upstream;

pub use error::DashboardError;
pub use oauth::TokenLimits;
pub use throttle::SignInLimits;

/// Where the dashboard's services are and how it reaches them.
pub struct DashboardConfig {
    /// Serves `UsersService`, `ApiKeysService`, `OrganizationsService`, `RequestLogsService`,
    /// `AppsService`, `AppInstallsService` and `OAuthService`.
    pub keys: Upstream,
    /// Serves `AuditEventsService`.
    pub resources: Upstream,
    /// Serves `WebhookEndpointsService` and `EventsService`.
    pub webhooks: Upstream,
    pub internal_token: String,
    /// Mark the session cookie `Secure` on every answer (`ASTERI_DASHBOARD_SECURE_COOKIE`);
    /// without it, only behind a proxy that says `X-Forwarded-Proto: https`.
    pub secure_cookie: bool,
    pub sign_in_limits: SignInLimits,
    /// The authorization server's issuer (`ASTERI_PUBLIC_URL`, e.g. `https://api.example.com`);
    /// without it, each request's own origin.
    pub public_url: Option<String>,
    /// Token-endpoint requests per client and minute.
    pub token_limits: TokenLimits,
}

/// The dashboard's shared state, cheap to clone.
#[derive(Clone)]
pub(crate) struct Dashboard(Arc<Inner>);

pub(crate) struct Inner {
    pub calls: calls::Calls,
    pub throttle: throttle::SignInThrottle,
    pub token_throttle: oauth::client::TokenThrottle,
    pub secure_cookie: bool,
    pub public_url: Option<String>,
}

impl std::ops::Deref for Dashboard {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

/// The dashboard's routes, for the HTTP listener to merge beside the REST gateway.
pub fn router(config: DashboardConfig) -> Router {
    use pages::{api, apps, integrations, keys, sign_in, webhooks};
    render::parse_templates();
    let state = Dashboard(Arc::new(Inner {
        calls: calls::Calls::new(
            config.keys,
            config.resources,
            config.webhooks,
            &config.internal_token,
        ),
        throttle: throttle::SignInThrottle::new(config.sign_in_limits),
        token_throttle: oauth::client::TokenThrottle::new(config.token_limits),
        secure_cookie: config.secure_cookie,
        public_url: config.public_url,
    }));
    // The OAuth endpoints that clients (not browsers) call: no origin check, no session;
    // they authenticate the client instead.
    let protocol = Router::new()
        .route(
            "/.well-known/oauth-authorization-server",
            get(oauth::metadata),
        )
        .route("/oauth/token", post(oauth::token))
        .route("/oauth/revoke", post(oauth::revoke))
        .route("/oauth/introspect", post(oauth::introspect))
        .with_state(state.clone());
    Router::new()
        .route("/dashboard", get(|| async { Redirect::to(keys::PATH) }))
        .route("/dashboard/", get(|| async { Redirect::to(keys::PATH) }))
        .route(
            "/dashboard/sign-in",
            get(sign_in::page).post(sign_in::submit),
        )
        .route("/dashboard/sign-out", post(sign_in::sign_out))
        .route(keys::PATH, get(keys::list))
        .route("/dashboard/settings/security/keys", post(keys::create))
        .route(
            "/dashboard/settings/security/keys/{id}/revoke",
            get(keys::confirm_revoke).post(keys::revoke),
        )
        .route(
            "/dashboard/settings/security/keys/{id}/roll",
            get(keys::roll_form).post(keys::roll),
        )
        .route(webhooks::PATH, get(webhooks::list))
        .route(
            "/dashboard/settings/webhooks/endpoints",
            post(webhooks::create),
        )
        .route(
            "/dashboard/settings/webhooks/endpoints/{id}",
            get(webhooks::show).post(webhooks::update),
        )
        .route(
            "/dashboard/settings/webhooks/endpoints/{id}/{action}",
            post(webhooks::act),
        )
        .route(
            "/dashboard/settings/webhooks/events/{id}/replay",
            post(webhooks::replay),
        )
        .route(api::PATH, get(api::requests))
        .route("/dashboard/api/requests/{id}", get(api::request))
        .route("/dashboard/api/audit", get(api::audit))
        .route("/dashboard/api/usage", get(api::usage))
        .route(integrations::PATH, get(integrations::page))
        .route(
            "/dashboard/settings/integrations/installs/{id}/uninstall",
            post(integrations::uninstall),
        )
        .route("/dashboard/settings/integrations/apps", post(apps::create))
        .route(
            "/dashboard/settings/integrations/apps/{id}",
            get(apps::show),
        )
        .route(
            "/dashboard/settings/integrations/apps/{id}/{action}",
            post(apps::act),
        )
        .route("/oauth/authorize", get(oauth::consent).post(oauth::decide))
        .route("/dashboard/assets/{name}", get(render::asset))
        // Not a fallback: this router is merged beside the REST gateway, which has its own.
        .route(
            "/dashboard/{*rest}",
            get(|| async { DashboardError::NotFound }),
        )
        .layer(middleware::from_fn(guard::origin))
        .with_state(state)
        .merge(protocol)
}
