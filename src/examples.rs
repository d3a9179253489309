//! The OpenAPI document's examples, from the seed data: a throwaway in-memory sandbox is
//! seeded through the services (as `asteri seed` does), the first object of each resource
//! is rendered by the contract's JSON mapping, and each `Create*` request's example is that
//! object cut down to what the request accepts. So every example is data the API really
//! produced, in the shape it really has.

use proto::{
    json::to_json,
    openapi::Examples,
    v1::{
        ListAppointmentsRequest, ListCustomersRequest, ListEstimatesRequest, ListInvoicesRequest,
        ListPaymentsRequest, ListServiceItemsRequest, ListTeamMembersRequest,
        appointments_service_server::AppointmentsService,
        customers_service_server::CustomersService, estimates_service_server::EstimatesService,
        invoices_service_server::InvoicesService, payments_service_server::PaymentsService,
        service_catalog_service_server::ServiceCatalogService,
        team_members_service_server::TeamMembersService,
    },
};
use services::Platform;
use storage::{OrgId, Store};

use crate::{cli, config, seed};

/// The first item of a list RPC of `platform`'s service, as an example of its message.
macro_rules! first {
    ($examples:ident, $platform:ident . $service:ident () . $rpc:ident ($request:ident), $org:expr) => {{
        let request = $request {
            limit: Some(1),
            ..Default::default()
        };
        let page = $platform
            .$service()
            .$rpc(cli::operator(request, Some($org)))
            .await?
            .into_inner();
        if let Some(item) = page.data.first() {
            $examples = $examples.with_response(&full_name(item), to_json(item));
        }
    }};
}

fn full_name<M: prost::Name>(_: &M) -> String {
    M::full_name()
}

/// Seeds a small in-memory sandbox and collects one example of each resource.
pub async fn openapi_examples() -> anyhow::Result<Examples> {
    let store = Store::connect("sqlite::memory:").await?;
    store.migrate().await?;
    let platform = Platform::new(
        store,
        config::random_token("example").as_bytes(),
        &config::random_token(proto::credentials::INTERNAL_PREFIX),
    );
    let org = cli::create_org(&platform, "Riverside Plumbing", true)
        .await?
        .id;
    let size = seed::SeedSize {
        customers: 3,
        appointments: 5,
        estimates: 5,
        invoices: 5,
    };
    seed::seed(&platform, &OrgId::new(&org), size).await?;
    let mut examples = Examples::default();
    first!(
        examples,
        platform.customers().list_customers(ListCustomersRequest),
        &org
    );
    first!(
        examples,
        platform
            .team_members()
            .list_team_members(ListTeamMembersRequest),
        &org
    );
    first!(
        examples,
        platform
            .catalog()
            .list_service_items(ListServiceItemsRequest),
        &org
    );
    first!(
        examples,
        platform
            .appointments()
            .list_appointments(ListAppointmentsRequest),
        &org
    );
    first!(
        examples,
        platform.estimates().list_estimates(ListEstimatesRequest),
        &org
    );
    first!(
        examples,
        platform.invoices().list_invoices(ListInvoicesRequest),
        &org
    );
    first!(
        examples,
        platform.payments().list_payments(ListPaymentsRequest),
        &org
    );
    // No webhook endpoint is seeded (it would call out); this is the one request example
    // written here, and the gateway's parser checks it like the others (see the tests).
    let examples = examples.with_request(
        "asteri.v1.CreateWebhookEndpointRequest",
        serde_json::json!({
            "url": "https://example.com/webhooks/asteri",
            "description": "Accounting sync",
            "event_types": ["invoice.paid", "payments.*"],
        }),
    );
    Ok(examples.with_create_requests(proto::schema()))
}

/// The process's OpenAPI document, with the seed examples (seeded once per process, and
/// never twice at once).
pub async fn openapi_document() -> &'static serde_json::Value {
    static READY: tokio::sync::OnceCell<()> = tokio::sync::OnceCell::const_new();
    READY
        .get_or_init(|| async {
            match openapi_examples().await {
                Ok(examples) => {
                    proto::openapi::init(&examples);
                }
                // The document without examples is still the whole contract.
                Err(err) => tracing::error!(
                    error = &*err as &dyn std::error::Error,
                    "seeding the OpenAPI examples failed"
                ),
            }
        })
        .await;
    proto::openapi::document()
}
