//! The authorization server over HTTP (CONTRACT section 11): metadata, the consent page and
//! its answer, the token endpoint's client authentication and RFC 6749 errors, and a token
//! used at the REST door. (authlib drives the same flows from outside: tests/oauth/flow.py.)

use base64::Engine as _;
use proto::v1::{CreateUserRequest, UserRole, users_service_client::UsersServiceClient};
use reqwest::{Client, StatusCode, redirect};
use serde_json::Value;
use sha2::Digest as _;

use crate::helpers::{TestApp, spawn_app};

const PASSWORD: &str = "correct horse battery staple";
const REDIRECT: &str = "http://127.0.0.1:9/callback";

fn client() -> Client {
    Client::builder()
        .redirect(redirect::Policy::none())
        .build()
        .unwrap()
}

async fn owner(app: &TestApp, org: &str, email: &str) {
    let mut users = UsersServiceClient::connect(app.grpc.clone()).await.unwrap();
    let mut request = tonic::Request::new(CreateUserRequest {
        organization_id: org.to_owned(),
        email: email.to_owned(),
        name: email.to_owned(),
        role: UserRole::Owner as i32,
        password: PASSWORD.to_owned(),
    });
    request.metadata_mut().insert(
        "authorization",
        format!("Bearer {}", app.internal_token).parse().unwrap(),
    );
    users.create_user(request).await.unwrap();
}

/// Registers a confidential app over REST; its client id and secret.
async fn register(app: &TestApp, org: &str, manage_key: &str) -> (String, String) {
    let created: Value = app
        .client
        .post(app.url("/apps"))
        .header("x-api-key", manage_key)
        .header("x-organization-id", org)
        .json(&serde_json::json!({
            "name": "Route Planner",
            "redirect_uris": [REDIRECT],
            "scopes": ["read:customers", "write:customers"],
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    (
        created["id"].as_str().unwrap().to_owned(),
        created["client_secret"].as_str().unwrap().to_owned(),
    )
}

async fn signed_in(app: &TestApp, email: &str) -> String {
    let response = client()
        .post(format!("{}/dashboard/sign-in", app.base))
        .header("origin", &app.base)
        .form(&[("email", email), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let cookie = response.headers()["set-cookie"].to_str().unwrap();
    cookie.split(';').next().unwrap().to_owned()
}

fn pkce() -> (String, String) {
    let verifier = "v".repeat(20) + "-._~0123456789abcdefghijklmnop";
    let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(sha2::Sha256::digest(verifier.as_bytes()));
    (verifier, challenge)
}

#[tokio::test]
async fn metadata_names_every_endpoint_and_only_s256() {
    let app = spawn_app().await;
    let meta: Value = client()
        .get(format!(
            "{}/.well-known/oauth-authorization-server",
            app.base
        ))
        .header("x-forwarded-proto", "https")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let issuer = meta["issuer"].as_str().unwrap();
    assert!(issuer.starts_with("https://127.0.0.1:"), "{issuer}");
    for (field, path) in [
        ("authorization_endpoint", "/oauth/authorize"),
        ("token_endpoint", "/oauth/token"),
        ("revocation_endpoint", "/oauth/revoke"),
        ("introspection_endpoint", "/oauth/introspect"),
    ] {
        assert_eq!(meta[field], format!("{issuer}{path}"), "{field}");
    }
    assert_eq!(
        meta["code_challenge_methods_supported"],
        serde_json::json!(["S256"])
    );
    assert_eq!(
        meta["response_types_supported"],
        serde_json::json!(["code"])
    );
    assert!(
        meta["scopes_supported"]
            .as_array()
            .unwrap()
            .contains(&Value::from("manage:apps"))
    );
    app.shutdown().await;
}

#[tokio::test]
async fn the_token_endpoint_answers_rfc_6749_errors_without_caching() {
    let app = spawn_app().await;
    let post = |body: &'static str, basic: Option<&str>| {
        let mut request = client()
            .post(format!("{}/oauth/token", app.base))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body);
        if let Some(basic) = basic {
            request = request.header("authorization", format!("Basic {basic}"));
        }
        request.send()
    };
    let unknown = post(
        "grant_type=authorization_code&code=x&client_id=app_nobody",
        None,
    )
    .await
    .unwrap();
    assert_eq!(unknown.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(unknown.headers()["cache-control"], "no-store");
    let body: Value = unknown.json().await.unwrap();
    assert_eq!(body["error"], "invalid_client");
    let basic = base64::engine::general_purpose::STANDARD.encode("app_nobody:wrong");
    let challenged = post("grant_type=refresh_token&refresh_token=x", Some(&basic))
        .await
        .unwrap();
    assert_eq!(challenged.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        challenged.headers()["www-authenticate"],
        "Basic realm=\"asteri\""
    );
    let grant = post("grant_type=password&client_id=app_x", None)
        .await
        .unwrap();
    assert_eq!(grant.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        grant.json::<Value>().await.unwrap()["error"],
        "unsupported_grant_type"
    );
    let json = client()
        .post(format!("{}/oauth/token", app.base))
        .json(&serde_json::json!({"grant_type": "client_credentials"}))
        .send()
        .await
        .unwrap();
    assert_eq!(json.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        json.json::<Value>().await.unwrap()["error"],
        "invalid_request"
    );
    app.shutdown().await;
}

#[tokio::test]
async fn consent_allows_a_code_that_pkce_exchanges_for_a_token_the_api_accepts() {
    let app = spawn_app().await;
    let tenant = app.tenant_with(&["manage:apps", "read:customers"]).await;
    owner(&app, &tenant.org, "apps-owner@example.test").await;
    let (client_id, secret) = register(&app, &tenant.org, &tenant.key).await;
    let (verifier, challenge) = pkce();
    let authorize = format!(
        "{}/oauth/authorize?response_type=code&client_id={client_id}&redirect_uri={}&scope=read%3Acustomers&state=xyz&code_challenge={challenge}&code_challenge_method=S256",
        app.base,
        urlencode(REDIRECT)
    );
    // Not signed in: to the sign-in page, which leads back here.
    let anonymous = client().get(&authorize).send().await.unwrap();
    assert_eq!(anonymous.status(), StatusCode::SEE_OTHER);
    assert!(
        anonymous.headers()["location"]
            .to_str()
            .unwrap()
            .starts_with("/dashboard/sign-in?next=%2Foauth%2Fauthorize%3F")
    );
    // A redirect URI one character off: shown, never redirected to.
    let off = client()
        .get(authorize.replace("callback", "callbacK"))
        .send()
        .await
        .unwrap();
    assert_eq!(off.status(), StatusCode::BAD_REQUEST);
    assert!(off.headers().get("location").is_none());

    let cookie = signed_in(&app, "apps-owner@example.test").await;
    let page = client()
        .get(&authorize)
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    if page.status() != StatusCode::OK {
        panic!(
            "consent page: {} {}",
            page.status(),
            page.text().await.unwrap()
        );
    }
    let csp = page.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        csp.contains("form-action 'self' http://127.0.0.1:9"),
        "{csp}"
    );
    let html = page.text().await.unwrap();
    assert!(
        html.contains("Allow Route Planner to access your organization?")
            && html.contains("read:customers")
    );
    assert!(html.contains("review status: draft"));
    let csrf = html
        .split(r#"name="csrf_token" value=""#)
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    let fields = [
        ("csrf_token", csrf.as_str()),
        ("client_id", client_id.as_str()),
        ("redirect_uri", REDIRECT),
        ("scope", "read:customers"),
        ("state", "xyz"),
        ("code_challenge", challenge.as_str()),
        ("code_challenge_method", "S256"),
        ("organization_id", tenant.org.as_str()),
    ];
    let answer = |decision: &'static str| {
        let mut form = fields.to_vec();
        form.push(("decision", decision));
        client()
            .post(format!("{}/oauth/authorize", app.base))
            .header("cookie", &cookie)
            .header("origin", &app.base)
            .form(&form)
            .send()
    };
    let denied = answer("deny").await.unwrap();
    assert_eq!(
        denied.headers()["location"],
        format!(
            "{REDIRECT}?error=access_denied&error_description=the+user+denied+the+request&state=xyz"
        )
    );
    let allowed = answer("allow").await.unwrap();
    let location = allowed.headers()["location"].to_str().unwrap().to_owned();
    assert!(
        location.starts_with(&format!("{REDIRECT}?code=ast_oac_"))
            && location.ends_with("&state=xyz"),
        "{location}"
    );
    let code = location
        .split("code=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap()
        .to_owned();

    let exchange = |verifier: String, code: String| {
        client()
            .post(format!("{}/oauth/token", app.base))
            .basic_auth(&client_id, Some(&secret))
            .form(&[
                ("grant_type", "authorization_code".to_owned()),
                ("code", code),
                ("redirect_uri", REDIRECT.to_owned()),
                ("code_verifier", verifier),
            ])
            .send()
    };
    let token: Value = exchange(verifier.clone(), code.clone())
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let access = token["access_token"].as_str().unwrap().to_owned();
    assert!(access.starts_with("ast_oat_"), "{token}");
    assert_eq!(token["token_type"], "Bearer");
    assert_eq!(token["expires_in"], 3600);
    assert_eq!(token["organization_id"], tenant.org.as_str());
    let call = |token: String, org: String| {
        app.client
            .get(app.url("/customers"))
            .bearer_auth(token)
            .header("x-organization-id", org)
            .send()
    };
    // The token works at the REST door, in its organization and within its scopes only.
    let first = call(access.clone(), tenant.org.clone()).await.unwrap();
    let status = first.status();
    let body = first.text().await.unwrap();
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        call(access.clone(), "org_0000000000000000".into())
            .await
            .unwrap()
            .status(),
        403
    );
    let write = app
        .client
        .post(app.url("/customers"))
        .bearer_auth(&access)
        .header("x-organization-id", &tenant.org)
        .json(&serde_json::json!({"name": "Not granted"}))
        .send()
        .await
        .unwrap();
    assert_eq!(write.status(), 403);
    // The code is single use, and its reuse revokes what it issued (RFC 6749 4.1.2).
    let again = exchange(verifier, code).await.unwrap();
    assert_eq!(again.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        again.json::<Value>().await.unwrap()["error"],
        "invalid_grant"
    );
    crate::helpers::poll(|| async {
        (call(access.clone(), tenant.org.clone())
            .await
            .unwrap()
            .status()
            == 401)
            .then_some(())
    })
    .await;

    // Installed again through the consent, then uninstalled from the Integrations page:
    // every token of the install stops working.
    let allowed = answer("allow").await.unwrap();
    let location = allowed.headers()["location"].to_str().unwrap().to_owned();
    let code = location
        .split("code=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap()
        .to_owned();
    let token: Value = exchange(pkce().0, code)
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let access = token["access_token"].as_str().unwrap().to_owned();
    assert_eq!(
        call(access.clone(), tenant.org.clone())
            .await
            .unwrap()
            .status(),
        200
    );
    let page = client()
        .get(format!("{}/dashboard/settings/integrations", app.base))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Uninstall Route Planner"), "{page}");
    let install = page
        .split("/dashboard/settings/integrations/installs/")
        .nth(1)
        .unwrap()
        .split('/')
        .next()
        .unwrap()
        .to_owned();
    let uninstalled = client()
        .post(format!(
            "{}/dashboard/settings/integrations/installs/{install}/uninstall",
            app.base
        ))
        .header("cookie", &cookie)
        .header("origin", &app.base)
        .form(&[("csrf_token", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(uninstalled.status(), StatusCode::SEE_OTHER);
    crate::helpers::poll(|| async {
        (call(access.clone(), tenant.org.clone())
            .await
            .unwrap()
            .status()
            == 401)
            .then_some(())
    })
    .await;
    app.shutdown().await;
}

fn urlencode(s: &str) -> String {
    form_urlencoded_encode(s)
}

fn form_urlencoded_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[tokio::test]
async fn the_token_endpoint_is_limited_per_client() {
    let app = crate::helpers::spawn_configured(|c| {
        c.dashboard.token_limits = dashboard::TokenLimits { per_minute: 2 };
    })
    .await;
    let post = |client_id: &'static str| {
        client()
            .post(format!("{}/oauth/token", app.base))
            .form(&[
                ("grant_type", "refresh_token"),
                ("refresh_token", "ast_ort_x"),
                ("client_id", client_id),
            ])
            .send()
    };
    for _ in 0..2 {
        let refused = post("app_busy").await.unwrap();
        assert_eq!(
            refused.status(),
            StatusCode::UNAUTHORIZED,
            "an unknown client, within the limit"
        );
    }
    let limited = post("app_busy").await.unwrap();
    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(limited.headers().contains_key("retry-after"));
    assert_eq!(limited.json::<Value>().await.unwrap()["error"], "slow_down");
    // Another client is not held up.
    assert_eq!(
        post("app_other").await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
    app.shutdown().await;
}
