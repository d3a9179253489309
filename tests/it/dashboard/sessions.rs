//! Signing in and out, the session cookie, CSRF and origin checks, sign-in limits.

use proto::v1::UserRole;
use reqwest::StatusCode;

use super::{Browser, PASSWORD, client, csrf_of, secret_of, user};
use crate::helpers::{spawn_app, spawn_configured};

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
