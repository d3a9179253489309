//! The authorization server's state over gRPC (`OAuthService`, internal credential, as the
//! gateway calls it): the code flow with PKCE, code reuse, refresh rotation with reuse
//! detection and its grace, client_credentials, revocation, introspection, and access
//! tokens at the gRPC door (scopes, organization pinning, suspension and uninstall taking
//! effect at once on this replica).

use proto::v1::{
    CheckAuthorizationRequest, ExchangeTokenRequest, IntrospectTokenRequest, ListCustomersRequest,
    RevokeTokenRequest, TokenResponse, VerifyAccessTokenRequest,
    customers_service_client::CustomersServiceClient,
};
use reqwest::Method;
use serde_json::Value;
use tonic::{Code, Request};

use crate::apps::*;
use crate::helpers::*;

struct Fixture {
    app: TestApp,
    dev: Tenant,
    client_id: String,
    secret: String,
    customer: Tenant,
    admin: String,
}

async fn fixture(scopes: &[&str]) -> Fixture {
    let app = spawn_app().await;
    let dev = developer(&app, true).await;
    let created: Value = create_app(&app, &dev, scopes, false).await;
    let customer = developer(&app, true).await;
    let admin = user(&app, &customer.org, "admin").await;
    Fixture {
        client_id: id_of(&created),
        secret: created["client_secret"].as_str().unwrap().to_owned(),
        app,
        dev,
        customer,
        admin,
    }
}

impl Fixture {
    fn code_request(&self, code: &str, verifier: &str) -> ExchangeTokenRequest {
        ExchangeTokenRequest {
            grant_type: "authorization_code".to_owned(),
            client_id: self.client_id.clone(),
            client_secret: self.secret.clone(),
            code: code.to_owned(),
            redirect_uri: REDIRECT.to_owned(),
            code_verifier: verifier.to_owned(),
            ..Default::default()
        }
    }

    fn refresh_request(&self, refresh: &str) -> ExchangeTokenRequest {
        ExchangeTokenRequest {
            grant_type: "refresh_token".to_owned(),
            client_id: self.client_id.clone(),
            client_secret: self.secret.clone(),
            refresh_token: refresh.to_owned(),
            ..Default::default()
        }
    }

    async fn exchange(&self, req: ExchangeTokenRequest) -> Result<TokenResponse, tonic::Status> {
        oauth_client(&self.app)
            .await
            .exchange_token(internal(&self.app, req, None))
            .await
            .map(tonic::Response::into_inner)
    }

    /// A grant in the customer's organization and its tokens.
    async fn tokens(&self, scopes: &[&str]) -> TokenResponse {
        let code = grant(
            &self.app,
            &self.client_id,
            &self.customer.org,
            &self.admin,
            scopes,
        )
        .await
        .unwrap()
        .code;
        self.exchange(self.code_request(&code, VERIFIER))
            .await
            .unwrap()
    }

    async fn verify(&self, token: &str) -> Result<String, tonic::Status> {
        oauth_client(&self.app)
            .await
            .verify_access_token(internal(
                &self.app,
                VerifyAccessTokenRequest {
                    token: token.to_owned(),
                },
                None,
            ))
            .await
            .map(|r| r.into_inner().organization_id)
    }

    async fn introspect(&self, token: &str, client_id: &str, secret: &str) -> bool {
        oauth_client(&self.app)
            .await
            .introspect_token(internal(
                &self.app,
                IntrospectTokenRequest {
                    token: token.to_owned(),
                    client_id: client_id.to_owned(),
                    client_secret: secret.to_owned(),
                    ..Default::default()
                },
                None,
            ))
            .await
            .unwrap()
            .into_inner()
            .active
    }

    /// A gRPC call of ListCustomers with the bearer token, pinned to `org`.
    async fn list_customers(&self, token: &str, org: &str) -> Result<(), tonic::Status> {
        let mut request = Request::new(ListCustomersRequest::default());
        let m = request.metadata_mut();
        m.insert("authorization", format!("Bearer {token}").parse().unwrap());
        m.insert("x-organization-id", org.parse().unwrap());
        CustomersServiceClient::connect(self.app.grpc.clone())
            .await
            .unwrap()
            .list_customers(request)
            .await
            .map(|_| ())
    }
}

#[tokio::test]
async fn code_flow_with_pkce_and_code_reuse() {
    let f = fixture(&["read:customers", "write:customers"]).await;
    // The consent page's check: exact redirect URI, S256 only, known scopes.
    let check = |redirect: &str, method: &str, scope: &str| CheckAuthorizationRequest {
        client_id: f.client_id.clone(),
        redirect_uri: redirect.to_owned(),
        scope: scope.to_owned(),
        code_challenge: challenge(VERIFIER),
        code_challenge_method: method.to_owned(),
    };
    let mut oauth = oauth_client(&f.app).await;
    let ok = oauth
        .check_authorization(internal(&f.app, check(REDIRECT, "S256", ""), None))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(ok.scopes, ["read:customers", "write:customers"]);
    assert_eq!(ok.developer_name, "Test Co");
    for (req, expected) in [
        (
            check("https://partner.example.com/callback/", "S256", ""),
            "invalid_redirect_uri",
        ),
        (check(REDIRECT, "plain", ""), "invalid_request"),
        (check(REDIRECT, "S256", "delete:customers"), "invalid_scope"),
    ] {
        let err = oauth
            .check_authorization(internal(&f.app, req, None))
            .await
            .unwrap_err();
        assert_eq!(reason(&err), expected, "{err:?}");
    }
    let mut unknown = check(REDIRECT, "S256", "");
    unknown.client_id = "app_0000000000000000000000000000000a".to_owned();
    let err = oauth
        .check_authorization(internal(&f.app, unknown, None))
        .await
        .unwrap_err();
    assert_eq!(reason(&err), "invalid_client");

    // Wrong verifier, missing verifier, wrong redirect: refused, the code stays unused.
    let code = grant(
        &f.app,
        &f.client_id,
        &f.customer.org,
        &f.admin,
        &["read:customers"],
    )
    .await
    .unwrap()
    .code;
    let wrong = "x".repeat(50);
    let err = f.exchange(f.code_request(&code, &wrong)).await.unwrap_err();
    assert_eq!(reason(&err), "invalid_grant");
    let err = f.exchange(f.code_request(&code, "")).await.unwrap_err();
    assert_eq!(reason(&err), "invalid_request");
    let mut other_redirect = f.code_request(&code, VERIFIER);
    other_redirect.redirect_uri = "http://127.0.0.1:8765/cb".to_owned();
    assert_eq!(
        reason(&f.exchange(other_redirect).await.unwrap_err()),
        "invalid_grant"
    );
    // A wrong client secret.
    let mut bad_secret = f.code_request(&code, VERIFIER);
    bad_secret.client_secret = "ast_acs_nope".to_owned();
    assert_eq!(
        reason(&f.exchange(bad_secret).await.unwrap_err()),
        "invalid_client"
    );

    let tokens = f.exchange(f.code_request(&code, VERIFIER)).await.unwrap();
    assert!(tokens.access_token.starts_with("ast_oat_"));
    assert!(tokens.refresh_token.starts_with("ast_ort_"));
    assert_eq!(tokens.token_type, "Bearer");
    assert_eq!(tokens.expires_in, 3600);
    assert_eq!(tokens.scope, "read:customers");
    assert_eq!(tokens.organization_id, f.customer.org);
    assert_eq!(
        f.verify(&tokens.access_token).await.unwrap(),
        f.customer.org
    );
    f.list_customers(&tokens.access_token, &f.customer.org)
        .await
        .unwrap();

    // The code used again: refused, and what it issued is revoked.
    let err = f
        .exchange(f.code_request(&code, VERIFIER))
        .await
        .unwrap_err();
    assert_eq!(reason(&err), "invalid_grant");
    assert_eq!(
        f.verify(&tokens.access_token).await.unwrap_err().code(),
        Code::Unauthenticated
    );
    let err = f
        .exchange(f.refresh_request(&tokens.refresh_token))
        .await
        .unwrap_err();
    assert_eq!(reason(&err), "invalid_grant");
    let err = f
        .list_customers(&tokens.access_token, &f.customer.org)
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::Unauthenticated);
    f.app.shutdown().await;
}

#[tokio::test]
async fn refresh_rotation_reuse_detection_and_grace() {
    let f = fixture(&["read:customers"]).await;
    let first = f.tokens(&["read:customers"]).await;
    let second = f
        .exchange(f.refresh_request(&first.refresh_token))
        .await
        .unwrap();
    assert_ne!(second.refresh_token, first.refresh_token);
    // Within the grace, the immediately previous token is honoured once more.
    let third = f
        .exchange(f.refresh_request(&first.refresh_token))
        .await
        .unwrap();
    assert_ne!(third.refresh_token, second.refresh_token);
    // The successor it replaced no longer works...
    assert!(
        !f.introspect(&second.refresh_token, &f.client_id, &f.secret)
            .await
    );
    assert!(
        f.introspect(&third.refresh_token, &f.client_id, &f.secret)
            .await
    );
    // ...and a third use of the first token is reuse: the whole family goes.
    let err = f
        .exchange(f.refresh_request(&first.refresh_token))
        .await
        .unwrap_err();
    assert_eq!(reason(&err), "invalid_grant");
    assert!(
        !f.introspect(&third.refresh_token, &f.client_id, &f.secret)
            .await
    );
    assert!(f.verify(&third.access_token).await.is_err());
    assert!(f.verify(&first.access_token).await.is_err());

    // Past the grace (the replacement made 31 s ago), a replaced token revokes at once.
    let a = f.tokens(&["read:customers"]).await;
    let b = f
        .exchange(f.refresh_request(&a.refresh_token))
        .await
        .unwrap();
    f.app
        .platform
        .store
        .execute_unprepared(
            "UPDATE oauth_tokens SET replaced_at = replaced_at - INTERVAL '31 seconds' \
             WHERE replaced_at IS NOT NULL",
        )
        .await
        .or(f
            .app
            .platform
            .store
            .execute_unprepared(
                "UPDATE oauth_tokens SET replaced_at = datetime(replaced_at, '-31 seconds') \
                 WHERE replaced_at IS NOT NULL",
            )
            .await)
        .unwrap();
    let err = f
        .exchange(f.refresh_request(&a.refresh_token))
        .await
        .unwrap_err();
    assert_eq!(reason(&err), "invalid_grant");
    assert!(f.verify(&b.access_token).await.is_err());
    f.app.shutdown().await;
}

#[tokio::test]
async fn client_credentials_revoke_and_introspect() {
    let f = fixture(&["read:customers", "write:customers"]).await;
    let cc = |org: &str| ExchangeTokenRequest {
        grant_type: "client_credentials".to_owned(),
        client_id: f.client_id.clone(),
        client_secret: f.secret.clone(),
        organization_id: org.to_owned(),
        ..Default::default()
    };
    // Not installed yet.
    assert_eq!(
        reason(&f.exchange(cc(&f.customer.org)).await.unwrap_err()),
        "invalid_grant"
    );
    let user_tokens = f.tokens(&["read:customers"]).await;
    let machine = f.exchange(cc(&f.customer.org)).await.unwrap();
    assert!(machine.refresh_token.is_empty());
    assert_eq!(machine.scope, "read:customers");
    f.list_customers(&machine.access_token, &f.customer.org)
        .await
        .unwrap();

    // Introspection: the app's own tokens only; internal callers see all.
    assert!(
        f.introspect(&machine.access_token, &f.client_id, &f.secret)
            .await
    );
    assert!(f.introspect(&machine.access_token, "", "").await);
    let other = create_app(&f.app, &f.dev, &["read:customers"], false).await;
    let other_secret = other["client_secret"].as_str().unwrap();
    assert!(
        !f.introspect(&machine.access_token, &id_of(&other), other_secret)
            .await
    );
    assert!(
        !f.introspect("ast_oat_unknown", &f.client_id, &f.secret)
            .await
    );

    // A public app cannot use client_credentials.
    let public = create_app(&f.app, &f.dev, &["read:customers"], true).await;
    let err = f
        .exchange(ExchangeTokenRequest {
            grant_type: "client_credentials".to_owned(),
            client_id: id_of(&public),
            organization_id: f.customer.org.clone(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_eq!(reason(&err), "unauthorized_client");
    let err = f
        .exchange(ExchangeTokenRequest {
            grant_type: "password".to_owned(),
            ..cc(&f.customer.org)
        })
        .await
        .unwrap_err();
    assert_eq!(reason(&err), "unsupported_grant_type");

    // Revocation: of an access token; of a refresh token with its family; unknown is fine.
    let revoke = |token: &str| RevokeTokenRequest {
        token: token.to_owned(),
        client_id: f.client_id.clone(),
        client_secret: f.secret.clone(),
        ..Default::default()
    };
    let mut oauth = oauth_client(&f.app).await;
    oauth
        .revoke_token(internal(&f.app, revoke(&machine.access_token), None))
        .await
        .unwrap();
    assert!(
        !f.introspect(&machine.access_token, &f.client_id, &f.secret)
            .await
    );
    let err = f
        .list_customers(&machine.access_token, &f.customer.org)
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::Unauthenticated);
    oauth
        .revoke_token(internal(&f.app, revoke(&user_tokens.refresh_token), None))
        .await
        .unwrap();
    assert!(f.verify(&user_tokens.access_token).await.is_err());
    oauth
        .revoke_token(internal(&f.app, revoke("ast_ort_unknown"), None))
        .await
        .unwrap();
    f.app.shutdown().await;
}

#[tokio::test]
async fn suspension_and_uninstall_stop_tokens_at_once() {
    let f = fixture(&["read:customers"]).await;
    let tokens = f.tokens(&["read:customers"]).await;
    f.list_customers(&tokens.access_token, &f.customer.org)
        .await
        .unwrap();
    // Cross-tenant: pinned to another organization, refused.
    let err = f
        .list_customers(&tokens.access_token, &f.dev.org)
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::PermissionDenied);
    // A scope not granted.
    let mut request = Request::new(proto::v1::CreateCustomerRequest::default());
    request.metadata_mut().insert(
        "authorization",
        format!("Bearer {}", tokens.access_token).parse().unwrap(),
    );
    request
        .metadata_mut()
        .insert("x-organization-id", f.customer.org.parse().unwrap());
    let err = CustomersServiceClient::connect(f.app.grpc.clone())
        .await
        .unwrap()
        .create_customer(request)
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::PermissionDenied);
    // An internal RPC.
    let mut request = Request::new(VerifyAccessTokenRequest {
        token: tokens.access_token.clone(),
    });
    request.metadata_mut().insert(
        "authorization",
        format!("Bearer {}", tokens.access_token).parse().unwrap(),
    );
    request
        .metadata_mut()
        .insert("x-organization-id", f.customer.org.parse().unwrap());
    let err = oauth_client(&f.app)
        .await
        .verify_access_token(request)
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::PermissionDenied);

    // Suspension: at once, on this replica (the call above cached the token's verdict).
    suspend(&f.app, &f.client_id).await;
    let err = f
        .list_customers(&tokens.access_token, &f.customer.org)
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::Unauthenticated);
    assert!(f.verify(&tokens.access_token).await.is_err());
    let err = grant(
        &f.app,
        &f.client_id,
        &f.customer.org,
        &f.admin,
        &["read:customers"],
    )
    .await
    .unwrap_err();
    assert_eq!(reason(&err), "invalid_client");

    // Uninstall: another app, installed, then uninstalled over REST.
    let created = create_app(&f.app, &f.dev, &["read:customers"], false).await;
    let client_id = id_of(&created);
    let secret = created["client_secret"].as_str().unwrap();
    let granted = grant(
        &f.app,
        &client_id,
        &f.customer.org,
        &f.admin,
        &["read:customers"],
    )
    .await
    .unwrap();
    let mut req = f.code_request(&granted.code, VERIFIER);
    req.client_id = client_id.clone();
    req.client_secret = secret.to_owned();
    let t2 = f.exchange(req).await.unwrap();
    f.list_customers(&t2.access_token, &f.customer.org)
        .await
        .unwrap();
    let (status, _) = call(
        &f.app,
        &f.customer,
        Method::DELETE,
        &format!("/app_installs/{}", granted.install_id),
        None,
    )
    .await;
    assert_eq!(status, 204);
    let err = f
        .list_customers(&t2.access_token, &f.customer.org)
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::Unauthenticated);
    assert!(f.verify(&t2.access_token).await.is_err());
    f.app.shutdown().await;
}

#[tokio::test]
async fn drafts_live_orgs_and_viewers() {
    let f = fixture(&["read:customers", "write:customers"]).await;
    // A draft app in a live organization that is not its developer's: refused.
    let live = f.app.org(false).await;
    let owner = user(&f.app, &live, "owner").await;
    let err = grant(&f.app, &f.client_id, &live, &owner, &["read:customers"])
        .await
        .unwrap_err();
    assert_eq!(reason(&err), "access_denied");
    assert_eq!(err.code(), Code::PermissionDenied);
    // Approved, it installs there.
    let (status, _) = call(
        &f.app,
        &f.dev,
        Method::POST,
        &format!("/apps/{}/submit", f.client_id),
        Some(serde_json::json!({})),
    )
    .await;
    assert_eq!(status, 200);
    review(&f.app, &f.client_id, true).await.unwrap();
    grant(&f.app, &f.client_id, &live, &owner, &["read:customers"])
        .await
        .unwrap();

    // A viewer grants reading only.
    let viewer = user(&f.app, &f.customer.org, "viewer").await;
    let err = grant(
        &f.app,
        &f.client_id,
        &f.customer.org,
        &viewer,
        &["write:customers"],
    )
    .await
    .unwrap_err();
    assert_eq!(reason(&err), "access_denied");
    grant(
        &f.app,
        &f.client_id,
        &f.customer.org,
        &viewer,
        &["read:customers"],
    )
    .await
    .unwrap();
    // A user of another organization cannot consent for this one.
    let err = grant(
        &f.app,
        &f.client_id,
        &f.customer.org,
        &owner,
        &["read:customers"],
    )
    .await
    .unwrap_err();
    assert_eq!(reason(&err), "access_denied");

    // The audit log names the app for a write made with its token.
    let tokens = f.tokens(&["read:customers", "write:customers"]).await;
    let mut request = Request::new(proto::v1::CreateCustomerRequest {
        name: "Made by an app".to_owned(),
        ..Default::default()
    });
    request.metadata_mut().insert(
        "authorization",
        format!("Bearer {}", tokens.access_token).parse().unwrap(),
    );
    request
        .metadata_mut()
        .insert("x-organization-id", f.customer.org.parse().unwrap());
    CustomersServiceClient::connect(f.app.grpc.clone())
        .await
        .unwrap()
        .create_customer(request)
        .await
        .unwrap();
    let page = storage::audit::list_audit(
        &f.app.platform.store,
        &storage::OrgId::new(&f.customer.org),
        &storage::audit::AuditFilter {
            resource_type: Some("customer".to_owned()),
            ..Default::default()
        },
        &storage::PageQuery {
            limit: 10,
            starting_after: None,
        },
    )
    .await
    .unwrap();
    assert_eq!(page.items[0].actor_type, "oauth_app");
    assert_eq!(page.items[0].actor_id, f.client_id);
    // The direct gRPC call went into the request history under the app's client id, which
    // the app's analytics count.
    let path = format!("/apps/{}/analytics?days=1", f.client_id);
    let today = poll(|| async {
        let (_, analytics) = call(&f.app, &f.dev, Method::GET, &path, None).await;
        let today = analytics["days"][0].clone();
        (today["requests"].as_u64() >= Some(1)).then_some(today)
    })
    .await;
    assert_eq!(today["server_errors"], 0, "{today}");
    f.app.shutdown().await;
}
