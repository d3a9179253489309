//! The dashboard's calls to the services: the same gRPC services the REST gateway calls,
//! with the internal credential, the signed-in user's organization (which the services
//! scope every query to) and the user's id (the actor of every audit record).

use gateway::Upstream;
use proto::{
    credentials,
    v1::{
        api_keys_service_client::ApiKeysServiceClient,
        app_installs_service_client::AppInstallsServiceClient,
        apps_service_client::AppsServiceClient,
        audit_events_service_client::AuditEventsServiceClient,
        events_service_client::EventsServiceClient, o_auth_service_client::OAuthServiceClient,
        organizations_service_client::OrganizationsServiceClient,
        request_logs_service_client::RequestLogsServiceClient,
        users_service_client::UsersServiceClient,
        webhook_endpoints_service_client::WebhookEndpointsServiceClient,
    },
};
use tonic::metadata::MetadataValue;

/// Who a call acts for.
pub enum For<'a> {
    /// Nobody yet: signing in, resolving a session.
    Anonymous,
    /// A signed-in user, in its organization.
    User {
        id: &'a str,
        organization_id: &'a str,
    },
}

pub struct Calls {
    keys: Upstream,
    resources: Upstream,
    webhooks: Upstream,
    authorization: MetadataValue<tonic::metadata::Ascii>,
}

impl Calls {
    pub fn new(keys: Upstream, resources: Upstream, webhooks: Upstream, token: &str) -> Self {
        Self {
            keys,
            resources,
            webhooks,
            authorization: format!("Bearer {token}")
                .parse()
                .unwrap_or_else(|_| MetadataValue::from_static("Bearer invalid")),
        }
    }

    /// A request acting for `who`, with a request id of its own (so that the services'
    /// logs and the audit records of one dashboard action can be found together).
    pub fn request<T>(&self, message: T, who: &For<'_>) -> tonic::Request<T> {
        let mut request = tonic::Request::new(message);
        let m = request.metadata_mut();
        m.insert("authorization", self.authorization.clone());
        m.insert(
            credentials::SERVICE_NAME_HEADER,
            MetadataValue::from_static("dashboard"),
        );
        if let Ok(id) = credentials::new_request_id().parse() {
            m.insert(credentials::REQUEST_ID_HEADER, id);
        }
        if let For::User {
            id,
            organization_id,
        } = who
        {
            // Ids come from the service's own answer (the session); a value that is not
            // valid metadata cannot occur, and would leave the call unpinned and refused.
            if let Ok(v) = organization_id.parse() {
                m.insert(credentials::ORGANIZATION_HEADER, v);
            }
            if let Ok(v) = id.parse() {
                m.insert(credentials::USER_HEADER, v);
            }
        }
        request
    }

    pub fn users(&self) -> UsersServiceClient<Upstream> {
        UsersServiceClient::new(self.keys.clone())
    }

    pub fn keys(&self) -> ApiKeysServiceClient<Upstream> {
        ApiKeysServiceClient::new(self.keys.clone())
    }

    pub fn organizations(&self) -> OrganizationsServiceClient<Upstream> {
        OrganizationsServiceClient::new(self.keys.clone())
    }

    pub fn request_logs(&self) -> RequestLogsServiceClient<Upstream> {
        RequestLogsServiceClient::new(self.keys.clone())
    }

    pub fn apps(&self) -> AppsServiceClient<Upstream> {
        AppsServiceClient::new(self.keys.clone())
    }

    pub fn installs(&self) -> AppInstallsServiceClient<Upstream> {
        AppInstallsServiceClient::new(self.keys.clone())
    }

    pub fn oauth(&self) -> OAuthServiceClient<Upstream> {
        OAuthServiceClient::new(self.keys.clone())
    }

    pub fn audit(&self) -> AuditEventsServiceClient<Upstream> {
        AuditEventsServiceClient::new(self.resources.clone())
    }

    pub fn endpoints(&self) -> WebhookEndpointsServiceClient<Upstream> {
        WebhookEndpointsServiceClient::new(self.webhooks.clone())
    }

    pub fn events(&self) -> EventsServiceClient<Upstream> {
        EventsServiceClient::new(self.webhooks.clone())
    }
}
