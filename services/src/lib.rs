//! The gRPC services of the platform (tonic). They own the domain rules and reach the
//! database through `storage`; they never speak REST. Every `asteri.*` RPC is guarded by
//! [`auth::AuthLayer`], which enforces the scopes declared in the proto.

pub mod activity;
pub mod appointments;
pub mod apps;
pub mod audit_log;
pub mod auth;
pub mod billing;
mod call_status;
pub mod catalog;
pub mod convert;
pub mod currency;
pub mod customers;
pub mod deadline;
pub mod deprecation;
pub mod email;
pub mod error;
pub mod files;
mod grpc_history;
pub mod idempotency;
mod idempotent_calls;
pub mod keys;
pub mod listen;
pub mod local;
pub mod oauth;
pub mod record;
pub mod request_logs;
pub mod resource;
pub mod rpc_metrics;
pub mod team_members;
mod trace;
pub mod users;
pub mod webhooks;

use std::future::Future;

use proto::v1::{
    ApiKeysServiceDirect, AppInstallsServiceDirect, AppointmentsServiceDirect, AppsServiceDirect,
    AuditEventsServiceDirect, CustomersServiceDirect, EstimatesServiceDirect, EventsServiceDirect,
    FilesServiceDirect, IdempotencyServiceDirect, InvoicesServiceDirect, OAuthServiceDirect,
    OrganizationsServiceDirect, PaymentsServiceDirect, RequestLogsServiceDirect,
    ServiceCatalogServiceDirect, TeamMembersServiceDirect, UsersServiceDirect,
    WebhookEndpointsServiceDirect,
};
use storage::Store;
use tokio::net::TcpListener;

use crate::auth::{AuthLayer, Authorizer, KeyVerifier, SecretHasher};

/// Groups of services that a process can serve (`asteri serve --role ...`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Group {
    /// Customers and, as they arrive, the other v1 resources.
    Resources,
    /// API keys, organizations, dashboard users and sessions, and the gateway's idempotency
    /// store and request history.
    Keys,
    /// Webhook endpoints and events (the `webhooks` role; the `worker` role delivers).
    Webhooks,
}

impl Group {
    /// The fully-qualified gRPC services of a group: what a gateway must route to it.
    pub fn services(self) -> &'static [&'static str] {
        match self {
            Self::Resources => &[
                "asteri.v1.CustomersService",
                "asteri.v1.AuditEventsService",
                "asteri.v1.TeamMembersService",
                "asteri.v1.ServiceCatalogService",
                "asteri.v1.AppointmentsService",
                "asteri.v1.EstimatesService",
                "asteri.v1.InvoicesService",
                "asteri.v1.PaymentsService",
                "asteri.v1.FilesService",
            ],
            Self::Keys => &[
                "asteri.v1.ApiKeysService",
                "asteri.v1.OrganizationsService",
                "asteri.v1.IdempotencyService",
                "asteri.v1.RequestLogsService",
                "asteri.v1.UsersService",
                "asteri.v1.AppsService",
                "asteri.v1.AppInstallsService",
                "asteri.v1.OAuthService",
            ],
            Self::Webhooks => &[
                "asteri.v1.WebhookEndpointsService",
                "asteri.v1.EventsService",
            ],
        }
    }
}

/// What every service of a process shares.
#[derive(Clone)]
pub struct Platform {
    pub store: Store,
    pub authorizer: Authorizer,
    pub files: files::FilesSettings,
    pub webhooks: webhooks::WebhookSettings,
    /// How long dashboard sessions last.
    pub sessions: users::SessionSettings,
    /// Where the gRPC door's calls and rate-limit refusals are counted.
    pub metrics: telemetry::metrics::Metrics,
}

impl Platform {
    pub fn new(store: Store, hash_key: &[u8], internal_token: &str) -> Self {
        let verifier = KeyVerifier::new(store.clone(), SecretHasher::new(hash_key));
        Self {
            authorizer: Authorizer::new(verifier, internal_token),
            store,
            files: files::FilesSettings::default(),
            webhooks: webhooks::WebhookSettings::default(),
            sessions: users::SessionSettings::default(),
            metrics: telemetry::metrics::Metrics::disabled(),
        }
    }

    /// Counts calls, refusals and (for the webhooks services' own worker) deliveries in
    /// `metrics`.
    pub fn with_metrics(mut self, metrics: telemetry::metrics::Metrics) -> Self {
        self.authorizer = self
            .authorizer
            .with_rejections(metrics.rate_limit_rejections("grpc"));
        self.webhooks.worker.metrics = metrics.deliveries();
        self.metrics = metrics;
        self
    }

    /// How webhook endpoints are checked and `/test` deliveries made.
    /// Spends keys' budgets in `budgets`, shared with the gateway of the same process.
    pub fn with_budgets(mut self, budgets: limits::KeyBudgets) -> Self {
        self.authorizer = self.authorizer.with_budgets(budgets);
        self
    }

    pub fn with_webhooks(mut self, webhooks: webhooks::WebhookSettings) -> Self {
        self.webhooks = webhooks;
        self
    }

    pub fn webhooks(&self) -> webhooks::Webhooks {
        webhooks::Webhooks::new(self.store.clone(), self.webhooks.clone())
    }

    /// Where this platform keeps file contents, and the upload size limit.
    pub fn with_files(mut self, files: files::FilesSettings) -> Self {
        self.files = files;
        self
    }

    /// How long dashboard sessions last when idle and at most.
    pub fn with_sessions(mut self, sessions: users::SessionSettings) -> Self {
        self.sessions = sessions;
        self
    }

    pub fn keys(&self) -> keys::Keys {
        keys::Keys::new(self.store.clone(), self.authorizer.keys().clone())
    }

    /// Dashboard users and sessions; session tokens are hashed under the key API key
    /// secrets are.
    pub fn users(&self) -> users::Users {
        users::Users::new(
            self.store.clone(),
            self.authorizer.keys().hasher().clone(),
            self.sessions,
        )
    }

    /// Partner apps; client secrets are hashed under the key API key secrets are.
    pub fn apps(&self) -> apps::Apps {
        apps::Apps::new(
            self.store.clone(),
            self.authorizer.keys().hasher().clone(),
            self.authorizer.tokens().clone(),
        )
    }

    pub fn app_installs(&self) -> apps::AppInstalls {
        apps::AppInstalls::new(self.store.clone(), self.authorizer.tokens().clone())
    }

    /// The authorization server's state, sharing the gRPC door's token cache (so that a
    /// revocation here takes effect there at once).
    pub fn oauth(&self) -> oauth::OAuth {
        oauth::OAuth::new(self.authorizer.tokens().clone())
    }

    pub fn organizations(&self) -> keys::Organizations {
        keys::Organizations::new(self.store.clone())
    }

    pub fn customers(&self) -> customers::Customers {
        customers::Customers::new(self.store.clone())
    }

    pub fn team_members(&self) -> team_members::TeamMembers {
        team_members::TeamMembers::new(self.store.clone())
    }

    pub fn catalog(&self) -> catalog::Catalog {
        catalog::Catalog::new(self.store.clone())
    }

    pub fn appointments(&self) -> appointments::Appointments {
        appointments::Appointments::new(self.store.clone())
    }

    pub fn estimates(&self) -> billing::estimates::Estimates {
        billing::estimates::Estimates::new(self.store.clone())
    }

    pub fn invoices(&self) -> billing::invoices::Invoices {
        billing::invoices::Invoices::new(self.store.clone())
    }

    pub fn payments(&self) -> billing::payments::Payments {
        billing::payments::Payments::new(self.store.clone())
    }

    pub fn files(&self) -> files::Files {
        files::Files::new(self.store.clone(), self.files.clone())
    }
}

/// The services of `groups`, with gRPC health (every service of each group SERVING) and
/// reflection (v1 and v1alpha: grpcurl and Python's grpcio speak only v1alpha), unguarded:
/// [`serve`] and [`local::local`] put the auth layer and the deadlines in front. Each
/// service is also callable in process ([`local::Served::direct`]) through the same
/// implementation.
pub(crate) async fn routes(platform: &Platform, groups: &[Group]) -> local::Served {
    let (health_reporter, health_service) = tonic_health::server::health_reporter();
    let reflection_v1 = tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(proto::FILE_DESCRIPTOR_SET)
        .build_v1()
        .expect("the embedded descriptor set is valid");
    let reflection_v1alpha = tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(proto::FILE_DESCRIPTOR_SET)
        .build_v1alpha()
        .expect("the embedded descriptor set is valid");

    let mut served = local::Served::default();
    served
        .routes
        .add_service(health_service)
        .add_service(reflection_v1)
        .add_service(reflection_v1alpha);
    for group in groups {
        match group {
            Group::Resources => {
                served
                    .add(CustomersServiceDirect::serve(platform.customers()))
                    .add(AuditEventsServiceDirect::serve(audit_log::AuditLog::new(
                        platform.store.clone(),
                    )))
                    .add(TeamMembersServiceDirect::serve(platform.team_members()))
                    .add(ServiceCatalogServiceDirect::serve(platform.catalog()))
                    .add(AppointmentsServiceDirect::serve(platform.appointments()))
                    .add(EstimatesServiceDirect::serve(platform.estimates()))
                    .add(InvoicesServiceDirect::serve(platform.invoices()))
                    .add(PaymentsServiceDirect::serve(platform.payments()))
                    .add(FilesServiceDirect::serve(platform.files()));
            }
            Group::Keys => {
                served
                    .add(ApiKeysServiceDirect::serve(platform.keys()))
                    .add(OrganizationsServiceDirect::serve(platform.organizations()))
                    .add(IdempotencyServiceDirect::serve(
                        idempotency::Idempotency::new(platform.store.clone()),
                    ))
                    .add(RequestLogsServiceDirect::serve(
                        request_logs::RequestLogs::new(platform.store.clone()),
                    ))
                    .add(UsersServiceDirect::serve(platform.users()))
                    .add(AppsServiceDirect::serve(platform.apps()))
                    .add(AppInstallsServiceDirect::serve(platform.app_installs()))
                    .add(OAuthServiceDirect::serve(platform.oauth()));
            }
            Group::Webhooks => {
                let hooks = platform.webhooks();
                served
                    .add(WebhookEndpointsServiceDirect::serve(hooks.clone()))
                    .add(EventsServiceDirect::serve(hooks));
            }
        }
        // Every service the group serves reports SERVING, by the group's own list: a group
        // or a service added later is covered without touching this.
        for name in group.services() {
            health_reporter
                .set_service_status(*name, tonic_health::ServingStatus::Serving)
                .await;
        }
    }
    served
}

/// Serves the given groups on `listener`, with gRPC health and reflection ([`routes`]),
/// until `shutdown` resolves; `limits` bound what connections may hold ([`listen`]).
pub async fn serve(
    platform: Platform,
    groups: &[Group],
    listener: TcpListener,
    limits: &listen::ConnectionLimits,
    shutdown: impl Future<Output = ()> + Send,
) -> Result<(), tonic::transport::Error> {
    let served = routes(&platform, groups).await;
    // The connection cap, TCP_NODELAY and the header-read and idle watchdog are the
    // listener's (`listen::incoming`); the HTTP/2 limits are hyper's, set through tonic.
    let incoming = listen::incoming(listener, limits.clone());
    tonic::transport::Server::builder()
        .max_concurrent_streams(limits.http2_max_concurrent_streams)
        .http2_max_header_list_size(limits.http2_max_header_list_size)
        .http2_max_pending_accept_reset_streams(Some(limits.http2_max_pending_accept_reset_streams))
        .http2_max_local_error_reset_streams(Some(limits.http2_max_local_error_reset_streams))
        // Outermost, so that every request marks its connection busy until its answer ends.
        .layer(listen::TrackLayer)
        // Outside the deadline and the auth layer, so that their refusals are measured too.
        .layer(rpc_metrics::RpcMetricsLayer::new(
            platform.metrics.rpc_server(),
        ))
        .layer(deadline::DeadlineLayer)
        .layer(AuthLayer::new(platform.authorizer.clone()))
        .layer(local::DispatchLayer::new(served.direct))
        .add_routes(served.routes.routes())
        .serve_with_incoming_shutdown(incoming, shutdown)
        .await
}
