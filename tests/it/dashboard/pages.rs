//! The webhooks page, a key's roll, the Integrations page's apps.

use proto::v1::UserRole;
use reqwest::StatusCode;

use super::{Browser, PASSWORD, csrf_of, secret_of, user};
use crate::helpers::spawn_app;

/// The id of the first endpoint a page links to.
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
