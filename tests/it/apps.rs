//! Partner apps over REST (`/apps`, `/app_installs`, scope `manage:apps`), their review and
//! suspension over gRPC with the internal credential (as `asteri apps` and the reviewers
//! call them), and installs made through `OAuthService.GrantAuthorization`.

use base64::Engine as _;
use proto::v1::{
    App, GrantAuthorizationRequest, GrantAuthorizationResponse, ReviewAppRequest,
    SuspendAppRequest, apps_service_client::AppsServiceClient,
    o_auth_service_client::OAuthServiceClient,
};
use reqwest::Method;
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};
use tonic::{Code, Request, transport::Channel};
use tonic_types::StatusExt as _;

use crate::helpers::*;

pub const REDIRECT: &str = "https://partner.example.com/callback";
/// A PKCE verifier of 43+ unreserved characters, and its S256 challenge.
pub const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk-verifier";

pub fn challenge(verifier: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// A call with the internal credential, in `org` when given.
pub fn internal<T>(app: &TestApp, message: T, org: Option<&str>) -> Request<T> {
    let mut request = Request::new(message);
    let m = request.metadata_mut();
    m.insert(
        "authorization",
        format!("Bearer {}", app.internal_token).parse().unwrap(),
    );
    if let Some(org) = org {
        m.insert("x-organization-id", org.parse().unwrap());
    }
    request
}

pub async fn apps_client(app: &TestApp) -> AppsServiceClient<Channel> {
    AppsServiceClient::connect(app.grpc.clone()).await.unwrap()
}

pub async fn oauth_client(app: &TestApp) -> OAuthServiceClient<Channel> {
    OAuthServiceClient::connect(app.grpc.clone()).await.unwrap()
}

/// An organization (sandbox or live) and a key with `manage:apps`.
pub async fn developer(app: &TestApp, sandbox: bool) -> Tenant {
    let org = app.org(sandbox).await;
    let (key, key_id) = app
        .key(
            &org,
            &["manage:apps", "read:customers", "manage:webhooks"],
            Some((1000, 100_000)),
        )
        .await;
    Tenant { org, key, key_id }
}

/// A dashboard user of `org` with `role`.
pub async fn user(app: &TestApp, org: &str, role: &str) -> String {
    let email = format!("{}@example.com", storage::ids::new_id("u"));
    asteri::cli::create_user(
        &app.platform,
        asteri::cli::NewUser {
            org,
            email: &email,
            name: "Grace Hopper",
            role,
            password: "correct horse battery staple".to_owned(),
        },
    )
    .await
    .unwrap()
    .id
}

/// A new app of `t`'s organization over REST, as its JSON.
pub async fn create_app(app: &TestApp, t: &Tenant, scopes: &[&str], public: bool) -> Value {
    let mut body = json!({
        "name": "Partner Scheduler",
        "description": "Books visits",
        "homepage_url": "https://partner.example.com",
        "redirect_uris": [REDIRECT, "http://127.0.0.1:8765/cb"],
        "scopes": scopes,
    });
    if public {
        body["client_type"] = json!("public");
    }
    let (status, created) = call(app, t, Method::POST, "/apps", Some(body)).await;
    assert_eq!(status, 201, "{created}");
    created
}

pub async fn review(app: &TestApp, id: &str, approve: bool) -> Result<App, tonic::Status> {
    let request = ReviewAppRequest {
        id: id.to_owned(),
        approve,
        notes: "looks good".to_owned(),
    };
    apps_client(app)
        .await
        .review_app(internal(app, request, None))
        .await
        .map(tonic::Response::into_inner)
}

pub async fn suspend(app: &TestApp, id: &str) -> App {
    let request = SuspendAppRequest {
        id: id.to_owned(),
        notes: "abuse".to_owned(),
    };
    apps_client(app)
        .await
        .suspend_app(internal(app, request, None))
        .await
        .unwrap()
        .into_inner()
}

/// The consent of `user_id` in `org`: installs `client_id` and returns the code.
pub async fn grant(
    app: &TestApp,
    client_id: &str,
    org: &str,
    user_id: &str,
    scopes: &[&str],
) -> Result<GrantAuthorizationResponse, tonic::Status> {
    let request = GrantAuthorizationRequest {
        client_id: client_id.to_owned(),
        redirect_uri: REDIRECT.to_owned(),
        scopes: scopes.iter().map(|s| (*s).to_owned()).collect(),
        code_challenge: challenge(VERIFIER),
        user_id: user_id.to_owned(),
        organization_id: org.to_owned(),
    };
    oauth_client(app)
        .await
        .grant_authorization(internal(app, request, Some(org)))
        .await
        .map(tonic::Response::into_inner)
}

pub fn reason(status: &tonic::Status) -> String {
    status
        .get_details_error_info()
        .map(|i| i.reason)
        .unwrap_or_default()
}

#[tokio::test]
async fn apps_crud_validation_and_secret() {
    let app = spawn_app().await;
    let t = developer(&app, true).await;
    let created = create_app(&app, &t, &["read:customers", "write:customers"], false).await;
    let id = id_of(&created);
    assert!(id.starts_with("app_"), "{created}");
    assert_eq!(created["review_status"], "draft");
    assert_eq!(created["client_type"], "confidential");
    let secret = created["client_secret"].as_str().unwrap();
    assert!(
        secret.starts_with("ast_acs_") && secret.len() == 8 + 64,
        "{secret}"
    );

    // Never shown again.
    let (status, got) = call(&app, &t, Method::GET, &format!("/apps/{id}"), None).await;
    assert_eq!(status, 200);
    assert!(got["client_secret"].is_null(), "{got}");
    assert_eq!(got["redirect_uris"][1], "http://127.0.0.1:8765/cb");
    let (_, list) = call(&app, &t, Method::GET, "/apps", None).await;
    assert_eq!(list["data"].as_array().unwrap().len(), 1);
    assert!(list["data"][0]["client_secret"].is_null());

    // Rotation: a new secret, shown once.
    let (status, rotated) = call(
        &app,
        &t,
        Method::POST,
        &format!("/apps/{id}/rotate_secret"),
        Some(json!({})),
    )
    .await;
    assert_eq!(status, 200, "{rotated}");
    let new_secret = rotated["client_secret"].as_str().unwrap();
    assert!(new_secret.starts_with("ast_acs_") && new_secret != secret);

    // Validation: name, redirect URIs (http off loopback, fragment, relative), scopes.
    for (body, field) in [
        (
            json!({"name": "", "redirect_uris": [REDIRECT], "scopes": ["read:customers"]}),
            "name",
        ),
        (
            json!({"name": "x", "redirect_uris": ["http://partner.example.com/cb"], "scopes": ["read:customers"]}),
            "redirect_uris",
        ),
        (
            json!({"name": "x", "redirect_uris": ["https://partner.example.com/cb#frag"], "scopes": ["read:customers"]}),
            "redirect_uris",
        ),
        (
            json!({"name": "x", "redirect_uris": ["/cb"], "scopes": ["read:customers"]}),
            "redirect_uris",
        ),
        (
            json!({"name": "x", "redirect_uris": [], "scopes": ["read:customers"]}),
            "redirect_uris",
        ),
        (
            json!({"name": "x", "redirect_uris": [REDIRECT], "scopes": []}),
            "scopes",
        ),
        (
            json!({"name": "x", "redirect_uris": [REDIRECT], "scopes": ["read:everything"]}),
            "scopes",
        ),
        (
            json!({"name": "x".repeat(201), "redirect_uris": [REDIRECT], "scopes": ["read:customers"]}),
            "name",
        ),
    ] {
        let err = fails(
            &app,
            &t,
            Method::POST,
            "/apps",
            Some(body.clone()),
            422,
            "validation_failed",
        )
        .await;
        assert!(err["errors"].get(field).is_some(), "{body} -> {err}");
    }
    let many: Vec<String> = (0..11)
        .map(|i| format!("https://a.example.com/{i}"))
        .collect();
    fails(
        &app,
        &t,
        Method::POST,
        "/apps",
        Some(json!({"name": "x", "redirect_uris": many, "scopes": ["read:customers"]})),
        422,
        "validation_failed",
    )
    .await;
    // Loopback hosts are accepted over http.
    for uri in ["http://localhost:3000/cb", "http://[::1]/cb"] {
        let (status, body) = call(&app, &t, Method::POST, "/apps", Some(json!({"name": "loop", "redirect_uris": [uri], "scopes": ["read:customers"], "client_type": "public"}))).await;
        assert_eq!(status, 201, "{uri}: {body}");
        assert!(
            body["client_secret"].is_null(),
            "a public app has no secret"
        );
    }

    // Update: the name alone keeps the status; another organization sees nothing.
    let (status, updated) = call(
        &app,
        &t,
        Method::PATCH,
        &format!("/apps/{id}"),
        Some(json!({"name": "Renamed"})),
    )
    .await;
    assert_eq!(status, 200, "{updated}");
    assert_eq!(updated["name"], "Renamed");
    let other = developer(&app, true).await;
    fails(
        &app,
        &other,
        Method::GET,
        &format!("/apps/{id}"),
        None,
        404,
        "not_found",
    )
    .await;
    fails(
        &app,
        &other,
        Method::DELETE,
        &format!("/apps/{id}"),
        None,
        404,
        "not_found",
    )
    .await;

    // A key without manage:apps is refused.
    let (key, _) = app.key(&t.org, &["read:customers"], None).await;
    let response = app
        .client
        .get(app.url("/apps"))
        .header("x-api-key", key)
        .header("x-organization-id", &t.org)
        .send()
        .await
        .unwrap();
    expect_error(response, 403, "missing_scope").await;

    let (status, _) = call(&app, &t, Method::DELETE, &format!("/apps/{id}"), None).await;
    assert_eq!(status, 204);
    fails(
        &app,
        &t,
        Method::GET,
        &format!("/apps/{id}"),
        None,
        404,
        "not_found",
    )
    .await;
    app.shutdown().await;
}

#[tokio::test]
async fn review_state_machine_and_update_back_to_draft() {
    let app = spawn_app().await;
    let t = developer(&app, true).await;
    let id = id_of(&create_app(&app, &t, &["read:customers"], false).await);

    // Only an app in review can be reviewed.
    let err = review(&app, &id, true).await.unwrap_err();
    assert_eq!(err.code(), Code::FailedPrecondition);
    let (status, submitted) = call(
        &app,
        &t,
        Method::POST,
        &format!("/apps/{id}/submit"),
        Some(json!({})),
    )
    .await;
    assert_eq!(status, 200, "{submitted}");
    assert_eq!(submitted["review_status"], "in_review");
    let rejected = review(&app, &id, false).await.unwrap();
    assert_eq!(rejected.review_status, 4);
    assert_eq!(rejected.review_notes, "looks good");
    // From rejected, submitted again, then approved.
    call(
        &app,
        &t,
        Method::POST,
        &format!("/apps/{id}/submit"),
        Some(json!({})),
    )
    .await;
    let approved = review(&app, &id, true).await.unwrap();
    assert_eq!(approved.review_status, 3);

    // A key cannot review: the RPC is internal only.
    let err = apps_client(&app)
        .await
        .review_app(t.grpc(
            ReviewAppRequest {
                id: id.clone(),
                approve: true,
                notes: String::new(),
            },
            &[],
        ))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::PermissionDenied);

    // Changing what was reviewed sends it back to draft.
    let (_, updated) = call(
        &app,
        &t,
        Method::PATCH,
        &format!("/apps/{id}"),
        Some(json!({"scopes": ["read:customers", "write:customers"]})),
    )
    .await;
    assert_eq!(updated["review_status"], "draft", "{updated}");

    // Suspended: no more changes, no submission.
    let suspended = suspend(&app, &id).await;
    assert_eq!(suspended.review_status, 5);
    let (status, _) = call(
        &app,
        &t,
        Method::PATCH,
        &format!("/apps/{id}"),
        Some(json!({"name": "x"})),
    )
    .await;
    assert_eq!(status, 409);
    let (status, _) = call(
        &app,
        &t,
        Method::POST,
        &format!("/apps/{id}/submit"),
        Some(json!({})),
    )
    .await;
    assert_eq!(status, 409);
    app.shutdown().await;
}

#[tokio::test]
async fn installs_are_listed_and_uninstalled_with_events() {
    let app = spawn_app().await;
    let dev = developer(&app, true).await;
    let created = create_app(&app, &dev, &["read:customers", "write:customers"], false).await;
    let client_id = id_of(&created);
    // Installed in another sandbox organization (a draft may be).
    let customer = developer(&app, true).await;
    let admin = user(&app, &customer.org, "admin").await;
    let granted = grant(&app, &client_id, &customer.org, &admin, &["read:customers"])
        .await
        .unwrap();
    assert!(granted.install_id.starts_with("ins_"));
    assert!(granted.code.starts_with("ast_oac_"));

    let (status, list) = call(&app, &customer, Method::GET, "/app_installs", None).await;
    assert_eq!(status, 200, "{list}");
    let installs = list["data"].as_array().unwrap();
    assert_eq!(installs.len(), 1);
    assert_eq!(installs[0]["app_id"], client_id.as_str());
    assert_eq!(installs[0]["app_name"], "Partner Scheduler");
    assert_eq!(installs[0]["scopes"], json!(["read:customers"]));
    assert_eq!(installs[0]["installed_by_user_id"], admin.as_str());
    // The developer's organization has no installs of its own.
    let (_, mine) = call(&app, &dev, Method::GET, "/app_installs", None).await;
    assert_eq!(mine["data"].as_array().unwrap().len(), 0);

    // A second consent updates the one live install.
    let again = grant(
        &app,
        &client_id,
        &customer.org,
        &admin,
        &["read:customers", "write:customers"],
    )
    .await
    .unwrap();
    assert_eq!(again.install_id, granted.install_id);

    // Events: app.installed once.
    let (_, events) = call(
        &app,
        &customer,
        Method::GET,
        "/events?type=app.installed",
        None,
    )
    .await;
    let data = events["data"].as_array().cloned().unwrap_or_default();
    assert!(
        data.iter()
            .any(|e| e["data"]["id"] == granted.install_id.as_str()),
        "{events}"
    );

    let path = format!("/app_installs/{}", granted.install_id);
    fails(&app, &dev, Method::DELETE, &path, None, 404, "not_found").await;
    let (status, _) = call(&app, &customer, Method::DELETE, &path, None).await;
    assert_eq!(status, 204);
    fails(
        &app,
        &customer,
        Method::DELETE,
        &path,
        None,
        404,
        "not_found",
    )
    .await;
    let (_, list) = call(&app, &customer, Method::GET, "/app_installs", None).await;
    assert_eq!(list["data"].as_array().unwrap().len(), 0);

    // Analytics: one install and one uninstall today, none active at its end.
    let (status, analytics) = call(
        &app,
        &dev,
        Method::GET,
        &format!("/apps/{client_id}/analytics?days=3"),
        None,
    )
    .await;
    assert_eq!(status, 200, "{analytics}");
    let days = analytics["days"].as_array().unwrap();
    assert_eq!(days.len(), 3);
    let today = &days[2];
    assert_eq!(today["installs"], 1, "{today}");
    assert_eq!(today["uninstalls"], 1, "{today}");
    assert!(today["active_installs"] == 0, "{today}");
    fails(
        &app,
        &dev,
        Method::GET,
        &format!("/apps/{client_id}/analytics?days=91"),
        None,
        400,
        "invalid_request",
    )
    .await;
    app.shutdown().await;
}

#[test]
fn asteri_apps_create_review_and_suspend() {
    let env = crate::cli::Env::new();
    let org = env.json(&["orgs", "create", "--name", "Dev Co", "--sandbox", "--json"])["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let app = env.json(&[
        "apps",
        "create",
        "--org",
        &org,
        "--name",
        "CLI App",
        "--redirect-uri",
        REDIRECT,
        "--redirect-uri",
        "http://localhost:9000/cb",
        "--scopes",
        "read:customers,write:customers",
        "--json",
    ]);
    let client_id = app["id"].as_str().unwrap().to_owned();
    assert!(client_id.starts_with("app_"), "{app}");
    assert!(
        app["client_secret"]
            .as_str()
            .unwrap()
            .starts_with("ast_acs_")
    );
    assert_eq!(app["redirect_uris"].as_array().unwrap().len(), 2);
    assert_eq!(app["review_status"], "draft");

    // Text output: the client id and the secret, once; a public app has none.
    let (ok, stdout, _) = env.run(&[
        "apps",
        "create",
        "--org",
        &org,
        "--name",
        "Native",
        "--redirect-uri",
        "http://127.0.0.1/cb",
        "--scopes",
        "read:customers",
        "--public",
    ]);
    assert!(ok && stdout.starts_with("client_id: app_"), "{stdout}");
    assert!(!stdout.contains("client_secret"), "{stdout}");

    // Only an app in review can be reviewed; a bad redirect URI is refused with its reason.
    let (ok, _, stderr) = env.run(&["apps", "review", &client_id, "--approve"]);
    assert!(!ok && stderr.contains("cannot become approved"), "{stderr}");
    let (ok, _, stderr) = env.run(&[
        "apps",
        "create",
        "--org",
        &org,
        "--name",
        "Bad",
        "--redirect-uri",
        "http://example.com/cb",
        "--scopes",
        "read:customers",
    ]);
    assert!(!ok && stderr.contains("redirect_uris"), "{stderr}");

    let (ok, stdout, stderr) = env.run(&["apps", "suspend", &client_id]);
    assert!(ok, "{stderr}");
    assert_eq!(stdout.trim(), format!("{client_id} suspended"));
}
