//! The gRPC door: the same authentication, organization pinning, scopes and tenant
//! isolation as REST, plus health (every service of every group) and both reflection versions.

use proto::v1::{
    CreateCustomerRequest, DeleteCustomerRequest, GetCustomerRequest, ListCustomersRequest,
    UpdateCustomerRequest, VerifyApiKeyRequest, api_keys_service_client::ApiKeysServiceClient,
    customers_service_client::CustomersServiceClient,
};
use serde_json::json;
use storage::{OrgId, PageQuery, audit};
use tonic::{Code, Request, transport::Channel};
use tonic_types::StatusExt;

use crate::helpers::*;

fn with<T>(mut request: Request<T>, pairs: &[(&'static str, &str)]) -> Request<T> {
    for (k, v) in pairs {
        request.metadata_mut().insert(*k, v.parse().unwrap());
    }
    request
}

async fn customers(app: &TestApp) -> CustomersServiceClient<Channel> {
    CustomersServiceClient::connect(app.grpc.clone())
        .await
        .unwrap()
}

#[tokio::test]
async fn grpc_callers_authenticate_and_pin_an_organization() {
    let app = spawn_app().await;
    let t = app.tenant().await;
    let mut client = customers(&app).await;

    let err = client
        .list_customers(ListCustomersRequest::default())
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::Unauthenticated);

    let err = client
        .list_customers(with(
            Request::new(ListCustomersRequest::default()),
            &[("x-api-key", "ast_test_nope")],
        ))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::Unauthenticated);

    let err = client
        .list_customers(with(
            Request::new(ListCustomersRequest::default()),
            &[("x-api-key", &t.key)],
        ))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument);
    assert_eq!(
        err.get_details_error_info().unwrap().reason,
        "organization_required"
    );

    let other = app.tenant().await;
    let err = client
        .list_customers(with(
            Request::new(ListCustomersRequest::default()),
            &[("x-api-key", &t.key), ("x-organization-id", &other.org)],
        ))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::PermissionDenied);
    assert_eq!(
        err.get_details_error_info().unwrap().reason,
        "organization_mismatch"
    );

    let auth = [
        ("authorization", &*format!("Bearer {}", t.key)),
        ("x-organization-id", &*t.org),
    ];
    let created = client
        .create_customer(with(
            Request::new(CreateCustomerRequest {
                name: "Grace".into(),
                ..Default::default()
            }),
            &auth,
        ))
        .await
        .unwrap()
        .into_inner();
    assert!(created.id.starts_with("cus_"));

    let read_only = app.tenant_with(&["read:customers"]).await;
    let err = client
        .create_customer(with(
            Request::new(CreateCustomerRequest {
                name: "No".into(),
                ..Default::default()
            }),
            &[
                ("x-api-key", &read_only.key),
                ("x-organization-id", &read_only.org),
            ],
        ))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::PermissionDenied);
    let info = err.get_details_error_info().unwrap();
    assert_eq!(
        (
            info.reason.as_str(),
            info.metadata["required_scope"].as_str()
        ),
        ("missing_scope", "write:customers")
    );

    let err = client
        .create_customer(with(Request::new(CreateCustomerRequest::default()), &auth))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument);
    assert_eq!(
        err.get_details_bad_request().unwrap().field_violations[0].field,
        "name"
    );
    app.shutdown().await;
}

#[tokio::test]
async fn another_organizations_customer_is_not_found_over_grpc() {
    let app = spawn_app().await;
    let mine = app.tenant().await;
    let theirs = app.tenant().await;
    let id = app
        .create_customer(&theirs, json!({"name": "Theirs"}))
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut client = customers(&app).await;
    let auth = [("x-api-key", &*mine.key), ("x-organization-id", &*mine.org)];

    let get = client
        .get_customer(with(
            Request::new(GetCustomerRequest { id: id.clone() }),
            &auth,
        ))
        .await;
    assert_eq!(get.unwrap_err().code(), Code::NotFound);
    let update = UpdateCustomerRequest {
        id: id.clone(),
        update_mask: Some(prost_types::FieldMask {
            paths: vec!["name".into()],
        }),
        name: "Stolen".into(),
        ..Default::default()
    };
    assert_eq!(
        client
            .update_customer(with(Request::new(update), &auth))
            .await
            .unwrap_err()
            .code(),
        Code::NotFound
    );
    let delete = DeleteCustomerRequest { id: id.clone() };
    assert_eq!(
        client
            .delete_customer(with(Request::new(delete), &auth))
            .await
            .unwrap_err()
            .code(),
        Code::NotFound
    );
    let list = client
        .list_customers(with(Request::new(ListCustomersRequest::default()), &auth))
        .await
        .unwrap();
    assert!(list.into_inner().data.is_empty());
    app.shutdown().await;
}

#[tokio::test]
async fn internal_credentials_and_internal_only_methods() {
    let app = spawn_app().await;
    let t = app.tenant().await;
    let channel = Channel::from_shared(app.grpc.clone())
        .unwrap()
        .connect()
        .await
        .unwrap();

    // An API key cannot call internal RPCs.
    let mut keys = ApiKeysServiceClient::new(channel.clone());
    let verify = VerifyApiKeyRequest {
        secret: t.key.clone(),
    };
    let err = keys
        .verify_api_key(with(
            Request::new(verify.clone()),
            &[("x-api-key", &t.key), ("x-organization-id", &t.org)],
        ))
        .await
        .unwrap_err();
    assert_eq!(
        (
            err.code(),
            err.get_details_error_info().unwrap().reason.as_str()
        ),
        (Code::PermissionDenied, "internal_only")
    );
    // A wrong internal token is refused; the right one works.
    let err = keys
        .verify_api_key(with(
            Request::new(verify.clone()),
            &[("x-api-key", "ast_int_wrong")],
        ))
        .await;
    assert_eq!(err.unwrap_err().code(), Code::Unauthenticated);
    let token = format!("Bearer {}", app.internal_token);
    let ok = keys
        .verify_api_key(with(Request::new(verify), &[("authorization", &token)]))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(ok.api_key.unwrap().id, t.key_id);

    // Internal callers write as themselves, and are audited.
    let mut client = CustomersServiceClient::new(channel);
    let request = with(
        Request::new(CreateCustomerRequest {
            name: "Internal".into(),
            ..Default::default()
        }),
        &[
            ("authorization", &token),
            ("x-organization-id", &t.org),
            ("x-asteri-service", "billing"),
        ],
    );
    let created = client.create_customer(request).await.unwrap().into_inner();
    let store = app.running.as_ref().unwrap().store.clone().unwrap();
    let filter = audit::AuditFilter {
        resource_id: Some(created.id),
        ..Default::default()
    };
    let trail = audit::list_audit(
        &store,
        &OrgId::new(&t.org),
        &filter,
        &PageQuery {
            limit: 5,
            starting_after: None,
        },
    )
    .await
    .unwrap();
    assert_eq!(trail.items[0].actor_type, "internal_service");
    assert_eq!(trail.items[0].actor_id, "billing");
    // Even internal callers pin an organization for tenant RPCs.
    let request = with(
        Request::new(ListCustomersRequest::default()),
        &[("authorization", &token)],
    );
    assert_eq!(
        client.list_customers(request).await.unwrap_err().code(),
        Code::InvalidArgument
    );
    app.shutdown().await;
}

#[tokio::test]
async fn health_and_both_reflection_versions_are_served() {
    use tonic_health::pb::{
        HealthCheckRequest, health_check_response::ServingStatus, health_client::HealthClient,
    };
    let app = spawn_app().await;
    let channel = Channel::from_shared(app.grpc.clone())
        .unwrap()
        .connect()
        .await
        .unwrap();
    // Every service of every group reports SERVING.
    let mut health = HealthClient::new(channel.clone());
    for group in crate::platform::all_groups() {
        for service in group.services() {
            let answer = health
                .check(HealthCheckRequest {
                    service: (*service).to_owned(),
                })
                .await
                .unwrap_or_else(|e| panic!("{service}: {e}"));
            let status = answer.into_inner().status;
            assert_eq!(status, ServingStatus::Serving as i32, "{service}");
        }
    }

    {
        use tonic_reflection::pb::v1::{
            ServerReflectionRequest, server_reflection_client::ServerReflectionClient,
            server_reflection_request::MessageRequest, server_reflection_response::MessageResponse,
        };
        let request = ServerReflectionRequest {
            host: String::new(),
            message_request: Some(MessageRequest::ListServices(String::new())),
        };
        let mut stream = ServerReflectionClient::new(channel.clone())
            .server_reflection_info(futures::stream::iter([request]))
            .await
            .unwrap()
            .into_inner();
        let Some(MessageResponse::ListServicesResponse(list)) =
            stream.message().await.unwrap().unwrap().message_response
        else {
            panic!("no list");
        };
        assert!(
            list.service
                .iter()
                .any(|s| s.name == "asteri.v1.CustomersService")
        );
    }
    {
        use tonic_reflection::pb::v1alpha::{
            ServerReflectionRequest, server_reflection_client::ServerReflectionClient,
            server_reflection_request::MessageRequest, server_reflection_response::MessageResponse,
        };
        let request = ServerReflectionRequest {
            host: String::new(),
            message_request: Some(MessageRequest::ListServices(String::new())),
        };
        let mut stream = ServerReflectionClient::new(channel)
            .server_reflection_info(futures::stream::iter([request]))
            .await
            .unwrap()
            .into_inner();
        let Some(MessageResponse::ListServicesResponse(list)) =
            stream.message().await.unwrap().unwrap().message_response
        else {
            panic!("no list");
        };
        assert!(
            list.service
                .iter()
                .any(|s| s.name == "asteri.v1.ApiKeysService")
        );
    }
    let (status, body) = read(
        app.client
            .get(format!("{}/readyz", app.base))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((status, body["status"].as_str()), (200, Some("ready")));
    let (status, _) = read(
        app.client
            .get(format!("{}/healthz", app.base))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    app.shutdown().await;
}

#[tokio::test]
async fn nul_characters_over_grpc_are_client_errors_on_every_backend() {
    use proto::v1::{
        CreateEstimateRequest, GetFileRequest, GetPaymentRequest, LineItemInput,
        estimates_service_client::EstimatesServiceClient, files_service_client::FilesServiceClient,
        payments_service_client::PaymentsServiceClient,
    };
    let app = spawn_app().await;
    let mut scopes = crate::billing::BILLING_SCOPES.to_vec();
    scopes.push("read:files");
    let t = app.tenant_with(&scopes).await;
    let customer = app.create_customer(&t, json!({"name": "Nul"})).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let channel = Channel::from_shared(app.grpc.clone())
        .unwrap()
        .connect()
        .await
        .unwrap();
    let auth = [("x-api-key", &*t.key), ("x-organization-id", &*t.org)];
    // SQLite stores NUL; PostgreSQL refuses it. Either way: never a server error.
    let not_server_error = |code: Code| {
        assert!(
            !matches!(code, Code::Internal | Code::Unknown | Code::Unavailable),
            "{code:?}"
        )
    };

    let estimate = CreateEstimateRequest {
        customer_id: customer,
        line_items: vec![LineItemInput {
            description: "a\0b".into(),
            quantity: 1,
            unit_price: 100,
            ..Default::default()
        }],
        notes: "x\0y".into(),
        ..Default::default()
    };
    match EstimatesServiceClient::new(channel.clone())
        .create_estimate(with(Request::new(estimate), &auth))
        .await
    {
        Ok(_) => {}
        Err(status) => {
            not_server_error(status.code());
            assert_eq!(status.code(), Code::InvalidArgument, "{status:?}");
        }
    }
    let get = GetPaymentRequest {
        id: "pay_\0".into(),
    };
    let status = PaymentsServiceClient::new(channel.clone())
        .get_payment(with(Request::new(get), &auth))
        .await
        .unwrap_err();
    not_server_error(status.code());
    let get = GetFileRequest {
        id: "file_\0".into(),
    };
    let status = FilesServiceClient::new(channel)
        .get_file(with(Request::new(get), &auth))
        .await
        .unwrap_err();
    not_server_error(status.code());
    app.shutdown().await;
}

/// One raw unary call on the gRPC door: `body` as sent, the answer's `grpc-status` (a
/// refusal before any message carries it in its head) and `grpc-message`.
async fn raw_call(
    app: &TestApp,
    t: &Tenant,
    body: Vec<u8>,
    encoding: Option<&'static str>,
) -> (String, String) {
    use tower::ServiceExt as _;
    let channel = Channel::from_shared(app.grpc.clone())
        .unwrap()
        .connect()
        .await
        .unwrap();
    let mut request = http::Request::new(tonic::body::Body::new(http_body_util::Full::new(
        bytes::Bytes::from(body),
    )));
    *request.method_mut() = http::Method::POST;
    *request.uri_mut() = "/asteri.v1.CustomersService/GetCustomer".parse().unwrap();
    let headers = request.headers_mut();
    headers.insert("content-type", "application/grpc".parse().unwrap());
    headers.insert("te", "trailers".parse().unwrap());
    headers.insert("x-api-key", t.key.parse().unwrap());
    headers.insert("x-organization-id", t.org.parse().unwrap());
    if let Some(encoding) = encoding {
        headers.insert("grpc-encoding", encoding.parse().unwrap());
    }
    let answer = channel.oneshot(request).await.unwrap();
    let header = |name: &str| {
        answer
            .headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default()
    };
    (header("grpc-status"), header("grpc-message"))
}

/// A unary call of the contract is answered by its generated direct call (`services::local`),
/// not tonic's codec: a body that is not one plain message gets the status tonic's server
/// gives (it is configured with no compression), never a transport error or a 500.
#[tokio::test]
async fn unary_bodies_that_are_not_one_plain_message_are_refused_with_grpc_statuses() {
    let app = spawn_app().await;
    let t = app.tenant().await;
    let message = prost::Message::encode_to_vec(&GetCustomerRequest {
        id: "cus_missing".into(),
    });
    let framed = |flag: u8, length: usize, message: &[u8]| {
        let mut body = vec![flag];
        body.extend_from_slice(&u32::try_from(length).unwrap().to_be_bytes());
        body.extend_from_slice(message);
        body
    };
    // The control: a plain message reaches the service (no such customer).
    let (status, _) = raw_call(&app, &t, framed(0, message.len(), &message), None).await;
    assert_eq!(status, (Code::NotFound as i32).to_string());

    // An encoding the door does not take is refused from its header; a message flagged
    // compressed without one is a protocol error.
    let (status, text) = raw_call(&app, &t, framed(1, message.len(), &message), Some("gzip")).await;
    assert_eq!(status, (Code::Unimplemented as i32).to_string(), "{text}");
    let (status, text) = raw_call(&app, &t, framed(1, message.len(), &message), None).await;
    assert_eq!(status, (Code::Internal as i32).to_string(), "{text}");
    let (status, _) = raw_call(
        &app,
        &t,
        framed(0, message.len(), &message),
        Some("identity"),
    )
    .await;
    assert_eq!(status, (Code::NotFound as i32).to_string());

    for body in [
        framed(0, message.len() + 3, &message),
        framed(0, 1, &message),
        vec![0, 0],
    ] {
        let (status, text) = raw_call(&app, &t, body, None).await;
        assert_eq!(status, (Code::Internal as i32).to_string(), "{text}");
    }

    let huge = vec![b'x'; 4 * 1024 * 1024 + 1];
    let (status, text) = raw_call(&app, &t, framed(0, huge.len(), &huge), None).await;
    assert_eq!(status, (Code::OutOfRange as i32).to_string(), "{text}");
}
