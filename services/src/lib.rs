//! The gRPC services of the platform (tonic). They own the domain rules and reach the
//! database through `storage`; they never speak REST. Every `asteri.*` RPC is guarded by
//! [`auth::AuthLayer`], which enforces the scopes declared in the proto.

pub mod auth;
pub mod convert;
pub mod customers;
pub mod deadline;
pub mod error;
pub mod files;
pub mod idempotency;
pub mod keys;
pub mod record;

use std::future::Future;

use proto::v1::{
    api_keys_service_server::ApiKeysServiceServer,
    customers_service_server::CustomersServiceServer, files_service_server::FilesServiceServer,
    idempotency_service_server::IdempotencyServiceServer,
    organizations_service_server::OrganizationsServiceServer,
};
use storage::Store;
use tokio::net::TcpListener;
use tokio_stream::wrappers::TcpListenerStream;

use crate::auth::{AuthLayer, Authorizer, KeyVerifier, SecretHasher};

/// Groups of services that a process can serve (`asteri serve --role ...`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Group {
    /// Customers and, as they arrive, the other v1 resources.
    Resources,
    /// API keys, organizations and the gateway's idempotency store.
    Keys,
}

impl Group {
    /// The fully-qualified gRPC services of a group: what a gateway must route to it.
    pub fn services(self) -> &'static [&'static str] {
        match self {
            Self::Resources => &["asteri.v1.CustomersService", "asteri.v1.FilesService"],
            Self::Keys => &[
                "asteri.v1.ApiKeysService",
                "asteri.v1.OrganizationsService",
                "asteri.v1.IdempotencyService",
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
}

impl Platform {
    pub fn new(store: Store, hash_key: &[u8], internal_token: &str) -> Self {
        let verifier = KeyVerifier::new(store.clone(), SecretHasher::new(hash_key));
        Self {
            authorizer: Authorizer::new(verifier, internal_token),
            store,
            files: files::FilesSettings::default(),
        }
    }

    /// Where this platform keeps file contents, and the upload size limit.
    pub fn with_files(mut self, files: files::FilesSettings) -> Self {
        self.files = files;
        self
    }

    pub fn keys(&self) -> keys::Keys {
        keys::Keys::new(self.store.clone(), self.authorizer.keys().clone())
    }

    pub fn organizations(&self) -> keys::Organizations {
        keys::Organizations::new(self.store.clone())
    }

    pub fn customers(&self) -> customers::Customers {
        customers::Customers::new(self.store.clone())
    }

    pub fn files(&self) -> files::Files {
        files::Files::new(self.store.clone(), self.files.clone())
    }
}

/// Serves the given groups on `listener`, with gRPC health and reflection (v1 and v1alpha:
/// grpcurl and Python's grpcio speak only v1alpha), until `shutdown` resolves.
pub async fn serve(
    platform: Platform,
    groups: &[Group],
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send,
) -> Result<(), tonic::transport::Error> {
    let (health_reporter, health_service) = tonic_health::server::health_reporter();
    let reflection_v1 = tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(proto::FILE_DESCRIPTOR_SET)
        .build_v1()
        .expect("the embedded descriptor set is valid");
    let reflection_v1alpha = tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(proto::FILE_DESCRIPTOR_SET)
        .build_v1alpha()
        .expect("the embedded descriptor set is valid");

    let mut routes = tonic::service::Routes::builder();
    routes
        .add_service(health_service)
        .add_service(reflection_v1)
        .add_service(reflection_v1alpha);
    for group in groups {
        match group {
            Group::Resources => {
                routes
                    .add_service(CustomersServiceServer::new(platform.customers()))
                    .add_service(FilesServiceServer::new(platform.files()));
                health_reporter
                    .set_serving::<CustomersServiceServer<customers::Customers>>()
                    .await;
                health_reporter
                    .set_serving::<FilesServiceServer<files::Files>>()
                    .await;
            }
            Group::Keys => {
                routes
                    .add_service(ApiKeysServiceServer::new(platform.keys()))
                    .add_service(OrganizationsServiceServer::new(platform.organizations()))
                    .add_service(IdempotencyServiceServer::new(
                        idempotency::Idempotency::new(platform.store.clone()),
                    ));
                health_reporter
                    .set_serving::<ApiKeysServiceServer<keys::Keys>>()
                    .await;
            }
        }
    }
    tonic::transport::Server::builder()
        .layer(deadline::DeadlineLayer)
        .layer(AuthLayer::new(platform.authorizer.clone()))
        .add_routes(routes.routes())
        .serve_with_incoming_shutdown(TcpListenerStream::new(listener), shutdown)
        .await
}
