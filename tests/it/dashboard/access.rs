//! Roles enforced on the server, bodies hidden from viewers, other organizations' objects.

use proto::v1::UserRole;
use reqwest::StatusCode;

use super::{Browser, PASSWORD, user};
use crate::helpers::spawn_app;

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
