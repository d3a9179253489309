//! The security center over plain HTTP, as a browser without JavaScript speaks to it: the
//! session cookie, CSRF and origin checks, roles enforced on the server, another
//! organization's objects, the audit actor, and sign-in limits. (The same flows in a real
//! browser: tests/browser/dashboard.mjs, run by .ci/live.)

use proto::v1::{CreateUserRequest, UserRole, users_service_client::UsersServiceClient};
use reqwest::{Client, StatusCode, redirect};

use crate::helpers::{TestApp, spawn_app, spawn_configured};

const PASSWORD: &str = "correct horse battery staple";

/// A browser of one user: its session cookie and the CSRF token of the last page it read.
struct Browser {
    client: Client,
    base: String,
    cookie: String,
}

async fn user(app: &TestApp, org: &str, email: &str, role: UserRole) -> String {
    let mut users = UsersServiceClient::connect(app.grpc.clone()).await.unwrap();
    let mut request = tonic::Request::new(CreateUserRequest {
        organization_id: org.to_owned(),
        email: email.to_owned(),
        name: email.to_owned(),
        role: role as i32,
        password: PASSWORD.to_owned(),
    });
    request.metadata_mut().insert(
        "authorization",
        format!("Bearer {}", app.internal_token).parse().unwrap(),
    );
    users.create_user(request).await.unwrap().into_inner().id
}

fn client() -> Client {
    Client::builder()
        .redirect(redirect::Policy::none())
        .build()
        .unwrap()
}

/// The value of `name="csrf_token"` in a page.
fn csrf_of(html: &str) -> String {
    let at = html
        .find(r#"name="csrf_token" value=""#)
        .expect("a form with a CSRF token");
    let rest = &html[at + r#"name="csrf_token" value=""#.len()..];
    rest[..rest.find('"').unwrap()].to_owned()
}

impl Browser {
    async fn sign_in(
        app: &TestApp,
        email: &str,
        password: &str,
    ) -> Result<Self, reqwest::Response> {
        let client = client();
        let response = client
            .post(format!("{}/dashboard/sign-in", app.base))
            .header("origin", &app.base)
            .form(&[("email", email), ("password", password), ("next", "")])
            .send()
            .await
            .unwrap();
        if response.status() != StatusCode::SEE_OTHER {
            return Err(response);
        }
        let set_cookie = response
            .headers()
            .get("set-cookie")
            .expect("a session cookie")
            .to_str()
            .unwrap()
            .to_owned();
        let cookie = set_cookie.split(';').next().unwrap().to_owned();
        Ok(Self {
            client,
            base: app.base.clone(),
            cookie,
        })
    }

    async fn get(&self, path: &str) -> (StatusCode, String) {
        let response = self
            .client
            .get(format!("{}{path}", self.base))
            .header("cookie", &self.cookie)
            .send()
            .await
            .unwrap();
        (response.status(), response.text().await.unwrap())
    }

    /// Posts a form as the page at `from` would: with that page's CSRF token and this
    /// server's origin, unless the test says otherwise.
    async fn post(
        &self,
        path: &str,
        fields: &[(&str, &str)],
        csrf: Option<&str>,
        origin: Option<&str>,
    ) -> reqwest::Response {
        let mut form: Vec<(&str, &str)> = fields.to_vec();
        if let Some(token) = csrf {
            form.push(("csrf_token", token));
        }
        let mut request = self
            .client
            .post(format!("{}{path}", self.base))
            .header("cookie", &self.cookie)
            .form(&form);
        if let Some(origin) = origin {
            request = request.header("origin", origin);
        }
        request.send().await.unwrap()
    }

    async fn token(&self) -> String {
        let (status, html) = self.get("/dashboard/settings/security").await;
        assert_eq!(status, StatusCode::OK, "{html}");
        csrf_of(&html)
    }
}

/// Text of an HTML attribute as a browser reads it (the templates escape `/` as `&#x2f;`).
fn unescape(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        let end = rest[at..]
            .find(';')
            .map(|e| at + e)
            .expect("a whole entity");
        let entity = &rest[at + 1..end];
        let c = match entity {
            "amp" => '&',
            "lt" => '<',
            "gt" => '>',
            "quot" => '"',
            _ => entity
                .strip_prefix("#x")
                .and_then(|hex| u32::from_str_radix(hex, 16).ok())
                .or_else(|| entity.strip_prefix('#').and_then(|d| d.parse().ok()))
                .and_then(char::from_u32)
                .expect("a known entity"),
        };
        out.push(c);
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    out
}

/// The secret shown once on the page after creating or rolling a key.
fn secret_of(html: &str) -> String {
    let marker = r#"id="secret" type="text" readonly value=""#;
    let at = html.find(marker).expect("the secret page");
    let rest = &html[at + marker.len()..];
    unescape(&rest[..rest.find('"').unwrap()])
}

#[tokio::test]
async fn a_developer_signs_in_creates_a_key_that_works_and_revokes_it() {
    let app = spawn_app().await;
    let org = app.org(true).await;
    let user_id = user(&app, &org, "dev@example.test", UserRole::Developer).await;

    // Pages need a session: the sign-in page comes first, and leads back.
    let anonymous = client()
        .get(format!("{}/dashboard/api?status=404", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        anonymous.headers()["location"],
        "/dashboard/sign-in?next=%2Fdashboard%2Fapi%3Fstatus%3D404"
    );

    let wrong = Browser::sign_in(&app, "dev@example.test", "not the password")
        .await
        .err()
        .unwrap();
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    assert!(
        wrong
            .text()
            .await
            .unwrap()
            .contains("The email or password is not correct.")
    );
    let unknown = Browser::sign_in(&app, "nobody@example.test", PASSWORD)
        .await
        .err()
        .unwrap();
    assert_eq!(unknown.status(), StatusCode::UNAUTHORIZED);

    let browser = Browser::sign_in(&app, "DEV@example.test", PASSWORD)
        .await
        .ok()
        .unwrap();
    let token = browser.token().await;
    let created = browser
        .post(
            "/dashboard/settings/security/keys",
            &[
                ("name", "From the dashboard"),
                ("scopes", "read:customers"),
                ("environment", "test"),
                ("per_minute_limit", "100"),
            ],
            Some(&token),
            Some(&app.base),
        )
        .await;
    assert_eq!(created.status(), StatusCode::OK);
    assert_eq!(created.headers()["cache-control"], "no-store");
    let secret = secret_of(&created.text().await.unwrap());
    assert!(secret.starts_with("ast_test_"));

    // The key works on its scope, not beyond, and remembers who made it.
    let call = |path: &'static str| {
        app.client
            .get(app.url(path))
            .header("x-api-key", &secret)
            .header("x-organization-id", &org)
            .send()
    };
    assert_eq!(call("/customers").await.unwrap().status(), 200);
    assert_eq!(call("/appointments").await.unwrap().status(), 403);
    let (_, list) = browser.get("/dashboard/settings/security").await;
    assert!(
        list.contains("From the dashboard") && list.contains("by dev@example.test"),
        "{list}"
    );
    assert!(!list.contains(&secret), "the secret is never shown again");

    // The audit record of the key names the user.
    let key_id = list
        .split("<code class=\"muted\">")
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap()
        .to_owned();
    assert!(key_id.starts_with("key_"), "{key_id}");
    let (_, audit) = browser.get("/dashboard/api/audit").await;
    assert!(
        audit.contains(&format!("user <code>{user_id}</code>")),
        "{audit}"
    );

    // Revoked in the dashboard, refused by the API.
    let revoke = format!("/dashboard/settings/security/keys/{key_id}/revoke");
    let (status, confirm) = browser.get(&revoke).await;
    assert_eq!(status, StatusCode::OK);
    let revoked = browser
        .post(&revoke, &[], Some(&csrf_of(&confirm)), Some(&app.base))
        .await;
    assert_eq!(revoked.status(), StatusCode::SEE_OTHER);
    assert_eq!(call("/customers").await.unwrap().status(), 401);

    // Sign-out ends the session on the server, not only in the browser.
    let out = browser
        .post("/dashboard/sign-out", &[], Some(&token), Some(&app.base))
        .await;
    assert_eq!(out.status(), StatusCode::SEE_OTHER);
    assert!(
        out.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .contains("Max-Age=0")
    );
    let (status, _) = browser.get("/dashboard/settings/security").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    app.shutdown().await;
}

#[tokio::test]
async fn the_session_cookie_is_http_only_lax_and_secure_behind_https() {
    let app = spawn_app().await;
    let org = app.org(true).await;
    user(&app, &org, "cookie@example.test", UserRole::Viewer).await;
    let sign_in = |proto: Option<&'static str>| {
        let mut request = client()
            .post(format!("{}/dashboard/sign-in", app.base))
            .header("origin", &app.base)
            .form(&[("email", "cookie@example.test"), ("password", PASSWORD)]);
        if let Some(proto) = proto {
            request = request.header("x-forwarded-proto", proto);
        }
        request.send()
    };
    // Pages cannot be framed by another site, nor load anything from one.
    let page = client()
        .get(format!("{}/dashboard/sign-in", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(page.headers()["x-frame-options"], "DENY");
    let csp = page.headers()["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("frame-ancestors 'none'") && csp.contains("script-src 'self'"),
        "{csp}"
    );
    let plain = sign_in(None).await.unwrap();
    let cookie = plain.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(cookie.starts_with("asteri_session=ast_ses_"), "{cookie}");
    for attribute in ["HttpOnly", "SameSite=Lax", "Path=/", "Max-Age="] {
        assert!(cookie.contains(attribute), "{attribute} in {cookie}");
    }
    assert!(!cookie.contains("Secure"), "{cookie}");
    let https = sign_in(Some("https")).await.unwrap();
    assert!(
        https.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .contains("Secure")
    );
    app.shutdown().await;
}

#[tokio::test]
async fn forms_without_the_token_or_from_another_origin_are_refused() {
    let app = spawn_app().await;
    let org = app.org(true).await;
    user(&app, &org, "owner@example.test", UserRole::Owner).await;
    let browser = Browser::sign_in(&app, "owner@example.test", PASSWORD)
        .await
        .ok()
        .unwrap();
    let token = browser.token().await;
    let fields = [
        ("name", "csrf probe"),
        ("scopes", "read:customers"),
        ("environment", "test"),
    ];
    let path = "/dashboard/settings/security/keys";
    let cases = [
        ("no token", None, Some(app.base.as_str())),
        (
            "a wrong token",
            Some("0".repeat(64)),
            Some(app.base.as_str()),
        ),
        (
            "another origin",
            Some(token.clone()),
            Some("http://evil.example"),
        ),
        ("no origin at all", Some(token.clone()), None),
    ];
    for (what, csrf, origin) in cases {
        let response = browser.post(path, &fields, csrf.as_deref(), origin).await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{what}");
    }
    // Signing in from another site is refused too (login CSRF).
    let foreign = client()
        .post(format!("{}/dashboard/sign-in", app.base))
        .header("origin", "http://evil.example")
        .form(&[("email", "owner@example.test"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(foreign.status(), StatusCode::FORBIDDEN);
    let (_, list) = browser.get("/dashboard/settings/security").await;
    assert!(!list.contains("csrf probe"), "no key was made");
    // The same form with both checks passing works.
    let ok = browser
        .post(path, &fields, Some(&token), Some(&app.base))
        .await;
    assert_eq!(ok.status(), StatusCode::OK);
    app.shutdown().await;
}

#[tokio::test]
async fn a_viewer_reads_without_bodies_and_cannot_act_even_by_posting() {
    let app = spawn_app().await;
    let tenant = app.tenant().await;
    user(&app, &tenant.org, "viewer@example.test", UserRole::Viewer).await;
    user(&app, &tenant.org, "admin@example.test", UserRole::Admin).await;
    // A request with a body, for the history.
    app.create_customer(&tenant, serde_json::json!({"name": "Body Of Evidence"}))
        .await;

    let viewer = Browser::sign_in(&app, "viewer@example.test", PASSWORD)
        .await
        .ok()
        .unwrap();
    let token = viewer.token().await;
    let (_, page) = viewer.get("/dashboard/settings/security").await;
    assert!(!page.contains("Create key"), "no create form for a viewer");
    let posted = viewer
        .post(
            "/dashboard/settings/security/keys",
            &[
                ("name", "viewer key"),
                ("scopes", "read:customers"),
                ("environment", "test"),
            ],
            Some(&token),
            Some(&app.base),
        )
        .await;
    assert_eq!(posted.status(), StatusCode::FORBIDDEN);
    assert!(
        posted
            .text()
            .await
            .unwrap()
            .contains("Your role (viewer) does not allow")
    );
    let revoke = viewer
        .post(
            &format!("/dashboard/settings/security/keys/{}/revoke", tenant.key_id),
            &[],
            Some(&token),
            Some(&app.base),
        )
        .await;
    assert_eq!(revoke.status(), StatusCode::FORBIDDEN);
    let hook = viewer
        .post(
            "/dashboard/settings/webhooks/endpoints",
            &[("url", "https://example.com/h")],
            Some(&token),
            Some(&app.base),
        )
        .await;
    assert_eq!(hook.status(), StatusCode::FORBIDDEN);

    // The request is in the history for both; its body only for the admin.
    let request_id = crate::helpers::poll(|| async {
        let (_, list) = viewer.get("/dashboard/api?method=POST").await;
        list.split("/dashboard/api/requests/")
            .nth(1)
            .map(|rest| rest.split('"').next().unwrap().to_owned())
    })
    .await;
    // Every filter narrows the list: status, method, path, key and time.
    let by_key = format!("key={}", tenant.key_id);
    for (query, found) in [
        (
            "status=201&method=POST&path=%2Fapi%2Fpublic%2Fv1%2Fcustomers",
            true,
        ),
        ("status=404", false),
        ("path=%2Fapi%2Fpublic%2Fv1%2Finvoices", false),
        (by_key.as_str(), true),
        ("key=key_0000000000000000", false),
        ("from=2099-01-01T00%3A00", false),
        ("to=2000-01-01T00%3A00", false),
    ] {
        let (status, list) = viewer.get(&format!("/dashboard/api?{query}")).await;
        assert_eq!(status, StatusCode::OK, "{query}");
        assert_eq!(list.contains(&request_id), found, "{query}");
    }
    let (status, refused) = viewer.get("/dashboard/api?status=abc").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(refused.contains("The status is an HTTP status like 404"));
    let (status, seen) = viewer
        .get(&format!("/dashboard/api/requests/{request_id}"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        !seen.contains("Body Of Evidence"),
        "a viewer never receives a body"
    );
    assert!(seen.contains("does not show request and response bodies"));
    let admin = Browser::sign_in(&app, "admin@example.test", PASSWORD)
        .await
        .ok()
        .unwrap();
    let (_, full) = admin
        .get(&format!("/dashboard/api/requests/{request_id}"))
        .await;
    assert!(full.contains("Body Of Evidence"), "{full}");
    app.shutdown().await;
}

#[tokio::test]
async fn another_organizations_objects_are_not_found() {
    let app = spawn_app().await;
    let mine = app.tenant().await;
    let theirs = app.tenant().await;
    user(&app, &mine.org, "mine@example.test", UserRole::Owner).await;
    let browser = Browser::sign_in(&app, "mine@example.test", PASSWORD)
        .await
        .ok()
        .unwrap();
    let token = browser.token().await;
    let (status, _) = browser
        .get(&format!(
            "/dashboard/settings/security/keys/{}/roll",
            theirs.key_id
        ))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let revoke = browser
        .post(
            &format!("/dashboard/settings/security/keys/{}/revoke", theirs.key_id),
            &[],
            Some(&token),
            Some(&app.base),
        )
        .await;
    assert_eq!(revoke.status(), StatusCode::NOT_FOUND);
    // Their key still works.
    let still = app
        .client
        .get(app.url("/customers"))
        .header("x-api-key", &theirs.key)
        .header("x-organization-id", &theirs.org)
        .send()
        .await
        .unwrap();
    assert_eq!(still.status(), 200);
    let their_request = still.headers()["x-request-id"].to_str().unwrap().to_owned();
    let (status, _) = browser
        .get(&format!("/dashboard/api/requests/{their_request}"))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = browser
        .get("/dashboard/settings/webhooks/endpoints/we_0000000000000000")
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    app.shutdown().await;
}

#[tokio::test]
async fn failed_sign_ins_wait_per_account_and_address_without_locking_out_the_right_password() {
    let app = spawn_configured(|c| {
        c.dashboard.sign_in_limits = dashboard::SignInLimits {
            per_account: 3,
            per_address: 100,
        };
    })
    .await;
    let org = app.org(true).await;
    user(&app, &org, "target@example.test", UserRole::Developer).await;
    for _ in 0..4 {
        let refused = Browser::sign_in(&app, "target@example.test", "wrong password!")
            .await
            .err()
            .unwrap();
        assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    }
    let waiting = Browser::sign_in(&app, "target@example.test", PASSWORD)
        .await
        .err()
        .unwrap();
    assert_eq!(waiting.status(), StatusCode::TOO_MANY_REQUESTS);
    let wait: u64 = waiting.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
    assert!(
        waiting
            .text()
            .await
            .unwrap()
            .contains("Too many sign-in attempts. Wait")
    );
    // Another account from the same address is not held up by this one.
    user(&app, &org, "other@example.test", UserRole::Developer).await;
    assert!(
        Browser::sign_in(&app, "other@example.test", PASSWORD)
            .await
            .is_ok()
    );
    app.shutdown().await;
}

/// The value of the `id="secret"` field, and the endpoint id of a page's first endpoint link.
fn endpoint_id_of(html: &str) -> String {
    let rest = html
        .split("/dashboard/settings/webhooks/endpoints/")
        .nth(1)
        .expect("an endpoint link");
    rest[..rest.find(['"', '/', '?']).unwrap()].to_owned()
}

#[tokio::test]
async fn webhook_endpoints_are_added_tested_rotated_switched_recovered_and_replayed() {
    let app = crate::webhooks::hooks_app("0.05").await;
    let org = app.org(true).await;
    user(&app, &org, "hooks@example.test", UserRole::Developer).await;
    let receiver = crate::webhooks::Receiver::start().await;
    let browser = Browser::sign_in(&app, "hooks@example.test", PASSWORD)
        .await
        .ok()
        .unwrap();
    let token = browser.token().await;
    let send = |path: String, fields: Vec<(&'static str, String)>| {
        let fields: Vec<(&str, String)> = fields;
        let browser = &browser;
        let token = token.clone();
        let base = app.base.clone();
        async move {
            let f: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            browser.post(&path, &f, Some(&token), Some(&base)).await
        }
    };

    let added = send(
        "/dashboard/settings/webhooks/endpoints".into(),
        vec![
            ("url", receiver.url.clone()),
            ("description", "Dispatch".into()),
            ("event_types", "customer.created, webhook.test".into()),
        ],
    )
    .await;
    assert_eq!(added.status(), StatusCode::OK);
    let first_secret = secret_of(&added.text().await.unwrap());
    assert!(first_secret.starts_with("whsec_"), "{first_secret}");
    let (_, list) = browser.get("/dashboard/settings/webhooks").await;
    let id = endpoint_id_of(&list);
    assert!(list.contains("Dispatch") && list.contains("customer.created"));
    assert!(!list.contains(&first_secret), "the secret is shown once");
    let page = format!("/dashboard/settings/webhooks/endpoints/{id}");

    // Test event: delivered now, its attempt listed with status and latency.
    let tested = send(format!("{page}/test"), vec![]).await;
    assert_eq!(tested.status(), StatusCode::SEE_OTHER);
    let (_, shown) = browser
        .get(tested.headers()["location"].to_str().unwrap())
        .await;
    assert!(
        shown.contains("Test event evt_") && shown.contains(" ms</td>"),
        "{shown}"
    );
    let delivered = receiver
        .wait_for(1, std::time::Duration::from_secs(10))
        .await;
    assert!(crate::webhooks::verifies(&first_secret, &delivered[0]));

    // Rotate: the new secret is shown once; with no grace it alone signs.
    let rotated = send(format!("{page}/rotate"), vec![("keep_old_for", "0".into())]).await;
    let second_secret = secret_of(&rotated.text().await.unwrap());
    assert!(second_secret.starts_with("whsec_") && second_secret != first_secret);

    // Disabled, an endpoint gets nothing; enabled again, it does.
    let disabled = send(format!("{page}/disable"), vec![]).await;
    assert_eq!(disabled.status(), StatusCode::SEE_OTHER);
    let (_, shown) = browser.get(&page).await;
    assert!(shown.contains("status-disabled") && shown.contains("Enable endpoint"));
    assert_eq!(
        send(format!("{page}/enable"), vec![]).await.status(),
        StatusCode::SEE_OTHER
    );

    // Edit.
    let saved = send(
        page.clone(),
        vec![
            ("url", receiver.url.clone()),
            ("description", "Dispatch v2".into()),
            ("event_types", "customers.*".into()),
        ],
    )
    .await;
    assert_eq!(saved.status(), StatusCode::SEE_OTHER);
    let (_, shown) = browser.get(&page).await;
    assert!(
        shown.contains("Dispatch v2") && shown.contains("customers.*"),
        "{shown}"
    );

    // Replay the test event to this endpoint; recover failed deliveries (none failed).
    let event = shown
        .split("<code>evt_")
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap();
    let replayed = send(
        format!("/dashboard/settings/webhooks/events/evt_{event}/replay"),
        vec![("endpoint_id", id.clone())],
    )
    .await;
    assert_eq!(replayed.status(), StatusCode::SEE_OTHER);
    let (_, shown) = browser
        .get(replayed.headers()["location"].to_str().unwrap())
        .await;
    assert!(
        shown.contains(&format!("Event evt_{event} queued again (1 deliveries).")),
        "{shown}"
    );
    let again = receiver
        .wait_for(2, std::time::Duration::from_secs(10))
        .await;
    assert!(
        crate::webhooks::verifies(&second_secret, &again[1]),
        "replayed under the new secret"
    );
    let recovered = send(
        format!("{page}/recover"),
        vec![("since_hours", "24".into())],
    )
    .await;
    let (_, shown) = browser
        .get(recovered.headers()["location"].to_str().unwrap())
        .await;
    assert!(shown.contains("0 failed events queued again."), "{shown}");
    app.shutdown().await;
}

#[tokio::test]
async fn a_key_rolled_in_the_dashboard_keeps_its_old_secret_for_the_chosen_time() {
    let app = spawn_app().await;
    let tenant = app.tenant().await;
    user(&app, &tenant.org, "roll@example.test", UserRole::Admin).await;
    let browser = Browser::sign_in(&app, "roll@example.test", PASSWORD)
        .await
        .ok()
        .unwrap();
    let path = format!("/dashboard/settings/security/keys/{}/roll", tenant.key_id);
    let (status, form) = browser.get(&path).await;
    assert_eq!(status, StatusCode::OK);
    assert!(form.contains("Old secret keeps working for"));
    let token = csrf_of(&form);
    let too_long = browser
        .post(
            &path,
            &[("keep_old_for", "604801")],
            Some(&token),
            Some(&app.base),
        )
        .await;
    assert_eq!(too_long.status(), StatusCode::BAD_REQUEST);
    let rolled = browser
        .post(
            &path,
            &[("keep_old_for", "3600")],
            Some(&token),
            Some(&app.base),
        )
        .await;
    assert_eq!(rolled.status(), StatusCode::OK);
    let page = rolled.text().await.unwrap();
    assert!(
        page.contains("The old secret keeps working until"),
        "{page}"
    );
    let new_secret = secret_of(&page);
    for secret in [&tenant.key, &new_secret] {
        let answer = app
            .client
            .get(app.url("/customers"))
            .header("x-api-key", secret)
            .header("x-organization-id", &tenant.org)
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), 200);
    }
    let (_, list) = browser.get("/dashboard/settings/security").await;
    assert!(list.contains("old secret until"), "{list}");
    app.shutdown().await;
}

#[tokio::test]
async fn apps_are_registered_submitted_and_their_secret_rotated_in_the_integrations_page() {
    let app = spawn_app().await;
    let org = app.org(true).await;
    user(&app, &org, "partner@example.test", UserRole::Developer).await;
    user(&app, &org, "watcher@example.test", UserRole::Viewer).await;
    let browser = Browser::sign_in(&app, "partner@example.test", PASSWORD)
        .await
        .ok()
        .unwrap();
    let (_, page) = browser.get("/dashboard/settings/integrations").await;
    assert!(page.contains("No partner apps are installed") && page.contains("Register app"));
    let token = csrf_of(&page);
    let registered = browser
        .post(
            "/dashboard/settings/integrations/apps",
            &[
                ("name", "Crew Scheduler"),
                (
                    "redirect_uris",
                    "https://crew.example/callback\r\nhttp://127.0.0.1:8080/cb",
                ),
                ("scopes", "read:appointments"),
                ("scopes", "write:appointments"),
                ("client_type", "confidential"),
            ],
            Some(&token),
            Some(&app.base),
        )
        .await;
    assert_eq!(registered.status(), StatusCode::OK);
    let html = registered.text().await.unwrap();
    let secret = secret_of(&html);
    assert!(secret.starts_with("ast_acs_"), "{secret}");
    let id = html
        .split("Its client_id is ")
        .nth(1)
        .unwrap()
        .split('.')
        .next()
        .unwrap()
        .to_owned();
    let app_page = format!("/dashboard/settings/integrations/apps/{id}");
    let (status, shown) = browser.get(&app_page).await;
    assert_eq!(status, StatusCode::OK);
    assert!(shown.contains("status-draft") && shown.contains("Submit for review"));
    assert!(shown.contains("per day"), "the analytics chart");
    let submitted = browser
        .post(
            &format!("{app_page}/submit"),
            &[],
            Some(&token),
            Some(&app.base),
        )
        .await;
    assert_eq!(submitted.status(), StatusCode::SEE_OTHER);
    let (_, shown) = browser.get(&app_page).await;
    assert!(shown.contains("status-in_review") && !shown.contains("Submit for review"));
    let rotated = browser
        .post(
            &format!("{app_page}/rotate"),
            &[],
            Some(&token),
            Some(&app.base),
        )
        .await;
    let new_secret = secret_of(&rotated.text().await.unwrap());
    assert!(new_secret.starts_with("ast_acs_") && new_secret != secret);
    // A redirect URI that is neither https nor loopback is refused with the reason.
    let refused = browser
        .post(
            "/dashboard/settings/integrations/apps",
            &[
                ("name", "Bad"),
                ("redirect_uris", "http://crew.example/cb"),
                ("scopes", "read:customers"),
            ],
            Some(&token),
            Some(&app.base),
        )
        .await;
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    // A viewer sees the apps but cannot register or rotate.
    let viewer = Browser::sign_in(&app, "watcher@example.test", PASSWORD)
        .await
        .ok()
        .unwrap();
    let (_, seen) = viewer.get("/dashboard/settings/integrations").await;
    assert!(seen.contains("Crew Scheduler") && !seen.contains("Register app"));
    let vtoken = csrf_of(&seen);
    let denied = viewer
        .post(
            &format!("{app_page}/rotate"),
            &[],
            Some(&vtoken),
            Some(&app.base),
        )
        .await;
    assert_eq!(denied.status(), StatusCode::FORBIDDEN);
    app.shutdown().await;
}
