//! Rolling a key with a grace for the old secret, and keys made by dashboard users.
//!
//! The rolls and revocations here go through the app's own gRPC door (the internal
//! credential, as the dashboard calls it), so that they take effect on the replica that
//! serves the REST requests: there an immediate roll refuses the old secret at once.

use std::time::Duration;

use chrono::{DateTime, Utc};
use proto::v1::{
    ApiKey, CreateApiKeyRequest, CreateApiKeyResponse, GetApiKeyRequest, ListApiKeysRequest,
    RevokeApiKeyRequest, RotateApiKeyRequest, VerifyApiKeyRequest,
    api_keys_service_client::ApiKeysServiceClient,
};
use storage::{OrgId, PageQuery, audit};
use tonic::{Code, Request, transport::Channel};

use crate::helpers::*;

/// The longest grace the contract allows: 7 days.
const WEEK: u64 = 604_800;

async fn keys(app: &TestApp) -> ApiKeysServiceClient<Channel> {
    ApiKeysServiceClient::connect(app.grpc.clone())
        .await
        .unwrap()
}

/// A request with the internal credential, in `org` when given, for the dashboard user
/// `user` when given.
fn internal<T>(app: &TestApp, message: T, org: Option<&str>, user: Option<&str>) -> Request<T> {
    let mut request = Request::new(message);
    let m = request.metadata_mut();
    m.insert(
        "authorization",
        format!("Bearer {}", app.internal_token).parse().unwrap(),
    );
    if let Some(org) = org {
        m.insert("x-organization-id", org.parse().unwrap());
    }
    if let Some(user) = user {
        m.insert("x-asteri-user", user.parse().unwrap());
    }
    request
}

async fn roll(app: &TestApp, key_id: &str, grace: Option<u64>) -> CreateApiKeyResponse {
    keys(app)
        .await
        .rotate_api_key(internal(
            app,
            RotateApiKeyRequest {
                id: key_id.to_owned(),
                previous_secret_expires_in_seconds: grace,
            },
            None,
            None,
        ))
        .await
        .unwrap()
        .into_inner()
}

async fn get_key(app: &TestApp, key_id: &str) -> ApiKey {
    keys(app)
        .await
        .get_api_key(internal(
            app,
            GetApiKeyRequest {
                id: key_id.to_owned(),
            },
            None,
            None,
        ))
        .await
        .unwrap()
        .into_inner()
}

/// The status and error message of `GET /customers` with `secret`.
async fn try_secret(app: &TestApp, org: &str, secret: &str) -> (u16, String) {
    let (status, body) = read(
        app.client
            .get(app.url("/customers"))
            .header("x-api-key", secret)
            .header("x-organization-id", org)
            .send()
            .await
            .unwrap(),
    )
    .await;
    (
        status,
        body["message"].as_str().unwrap_or_default().to_owned(),
    )
}

fn time_of(t: Option<&prost_types::Timestamp>) -> Option<DateTime<Utc>> {
    t.and_then(|t| DateTime::from_timestamp(t.seconds, u32::try_from(t.nanos).unwrap()))
}

#[tokio::test]
async fn a_roll_with_a_grace_keeps_the_old_secret_working_until_the_grace_ends() {
    let app = spawn_app().await;
    let t = app.tenant().await;
    // The gateway's and the services' caches know the old secret as valid.
    assert_eq!(try_secret(&app, &t.org, &t.key).await.0, 200);
    let rolled_at = Utc::now();
    let rolled = roll(&app, &t.key_id, Some(2)).await;
    let key = rolled.api_key.unwrap();
    let grace_ends = time_of(key.previous_secret_expires_at.as_ref()).expect("the grace's end");
    let expected = rolled_at + chrono::Duration::seconds(2);
    assert!(
        (grace_ends - expected).num_milliseconds().abs() < 1_000,
        "{grace_ends} vs {expected}"
    );
    assert_eq!(
        time_of(
            get_key(&app, &t.key_id)
                .await
                .previous_secret_expires_at
                .as_ref()
        ),
        Some(grace_ends)
    );

    // Both secrets work, through REST and VerifyApiKey, until the grace ends...
    assert_eq!(try_secret(&app, &t.org, &t.key).await.0, 200);
    assert_eq!(try_secret(&app, &t.org, &rolled.secret).await.0, 200);
    let verified = keys(&app)
        .await
        .verify_api_key(internal(
            &app,
            VerifyApiKeyRequest {
                secret: t.key.clone(),
            },
            None,
            None,
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(verified.api_key.unwrap().id, t.key_id);

    // ...then the old one is refused as any replaced secret is: polled, not slept. The
    // server decides between a request's sending and its answer, so a request sent after
    // the grace must be refused, and a refusal must not arrive before the grace's end,
    // whatever the caches hold and however slow the machine.
    let (refused_at, message) = loop {
        let sent = Utc::now();
        let (status, message) = try_secret(&app, &t.org, &t.key).await;
        let answered = Utc::now();
        if status == 401 {
            break (answered, message);
        }
        assert_eq!(status, 200, "{message}");
        assert!(
            sent < grace_ends,
            "the old secret still worked for a request sent at {sent}; its grace ended at \
             {grace_ends}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(
        refused_at >= grace_ends,
        "refused at {refused_at}, before {grace_ends}"
    );
    assert!(message.contains("not valid"), "{message}");
    assert_eq!(try_secret(&app, &t.org, &t.key).await.0, 401);
    assert_eq!(try_secret(&app, &t.org, &rolled.secret).await.0, 200);
    let err = keys(&app)
        .await
        .verify_api_key(internal(
            &app,
            VerifyApiKeyRequest {
                secret: t.key.clone(),
            },
            None,
            None,
        ))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::Unauthenticated);
    // A past grace is not shown.
    assert_eq!(
        get_key(&app, &t.key_id).await.previous_secret_expires_at,
        None
    );
    app.shutdown().await;
}

#[tokio::test]
async fn an_immediate_roll_refuses_the_old_secret_at_once() {
    let app = spawn_app().await;
    let t = app.tenant().await;
    assert_eq!(try_secret(&app, &t.org, &t.key).await.0, 200);
    // Without a grace (absent)...
    let first = roll(&app, &t.key_id, None).await;
    assert_eq!(first.api_key.unwrap().previous_secret_expires_at, None);
    let (status, message) = try_secret(&app, &t.org, &t.key).await;
    assert_eq!(status, 401, "{message}");
    assert!(message.contains("not valid"), "{message}");
    assert_eq!(try_secret(&app, &t.org, &first.secret).await.0, 200);
    // ...and with a grace of 0.
    let second = roll(&app, &t.key_id, Some(0)).await;
    assert_eq!(second.api_key.unwrap().previous_secret_expires_at, None);
    assert_eq!(try_secret(&app, &t.org, &first.secret).await.0, 401);
    assert_eq!(try_secret(&app, &t.org, &second.secret).await.0, 200);
    app.shutdown().await;
}

#[tokio::test]
async fn a_grace_beyond_seven_days_is_refused() {
    let app = spawn_app().await;
    let t = app.tenant().await;
    let before = get_key(&app, &t.key_id).await;
    let err = keys(&app)
        .await
        .rotate_api_key(internal(
            &app,
            RotateApiKeyRequest {
                id: t.key_id.clone(),
                previous_secret_expires_in_seconds: Some(WEEK + 1),
            },
            None,
            None,
        ))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument);
    assert!(
        err.message().contains("previous_secret_expires_in_seconds")
            && err.message().contains("604800"),
        "{}",
        err.message()
    );
    // Nothing changed.
    assert_eq!(get_key(&app, &t.key_id).await, before);
    assert_eq!(try_secret(&app, &t.org, &t.key).await.0, 200);

    // Exactly 7 days is allowed.
    let rolled_at = Utc::now();
    let rolled = roll(&app, &t.key_id, Some(WEEK)).await;
    let grace_ends = time_of(rolled.api_key.unwrap().previous_secret_expires_at.as_ref()).unwrap();
    let week = chrono::Duration::seconds(i64::try_from(WEEK).unwrap());
    assert!(((grace_ends - rolled_at) - week).num_seconds().abs() <= 1);
    assert_eq!(try_secret(&app, &t.org, &t.key).await.0, 200);
    app.shutdown().await;
}

#[tokio::test]
async fn revoking_a_rolled_key_refuses_both_secrets() {
    let app = spawn_app().await;
    let t = app.tenant().await;
    let rolled = roll(&app, &t.key_id, Some(3_600)).await;
    assert_eq!(try_secret(&app, &t.org, &t.key).await.0, 200);
    assert_eq!(try_secret(&app, &t.org, &rolled.secret).await.0, 200);
    let revoked = keys(&app)
        .await
        .revoke_api_key(internal(
            &app,
            RevokeApiKeyRequest {
                id: t.key_id.clone(),
            },
            None,
            None,
        ))
        .await
        .unwrap()
        .into_inner();
    assert!(revoked.revoked_at.is_some());
    // A revoked key's previous secret does not work, so its end is not shown.
    assert_eq!(revoked.previous_secret_expires_at, None);
    for secret in [&t.key, &rolled.secret] {
        let (status, message) = try_secret(&app, &t.org, secret).await;
        assert_eq!(status, 401, "{message}");
        assert!(message.contains("revoked"), "{message}");
    }
    app.shutdown().await;
}

#[tokio::test]
async fn a_second_roll_replaces_the_previous_secret() {
    let app = spawn_app().await;
    let t = app.tenant().await;
    let first = roll(&app, &t.key_id, Some(3_600)).await;
    assert_eq!(try_secret(&app, &t.org, &t.key).await.0, 200);
    let second = roll(&app, &t.key_id, Some(600)).await;
    // The original secret was the previous one; now the first roll's is.
    let (status, message) = try_secret(&app, &t.org, &t.key).await;
    assert_eq!(status, 401, "{message}");
    assert_eq!(try_secret(&app, &t.org, &first.secret).await.0, 200);
    assert_eq!(try_secret(&app, &t.org, &second.secret).await.0, 200);
    let grace_ends = time_of(second.api_key.unwrap().previous_secret_expires_at.as_ref()).unwrap();
    let left = grace_ends - Utc::now();
    assert!(
        left <= chrono::Duration::seconds(600) && left > chrono::Duration::seconds(590),
        "the second roll's grace: {left}"
    );
    app.shutdown().await;
}

#[tokio::test]
async fn keys_made_for_a_dashboard_user_name_the_user() {
    let app = spawn_app().await;
    let org = app.org(true).await;
    let user = storage::ids::new_id("usr");
    let create = |name: &str| CreateApiKeyRequest {
        organization_id: org.clone(),
        name: name.to_owned(),
        scopes: vec!["read:customers".to_owned()],
        ..Default::default()
    };
    let mut client = keys(&app).await;
    let made = client
        .create_api_key(internal(
            &app,
            create("made in the dashboard"),
            Some(&org),
            Some(&user),
        ))
        .await
        .unwrap()
        .into_inner();
    let by_user = made.api_key.unwrap();
    assert_eq!(by_user.created_by_user_id, user);
    let by_service = client
        .create_api_key(internal(
            &app,
            create("made by a service"),
            Some(&org),
            None,
        ))
        .await
        .unwrap()
        .into_inner()
        .api_key
        .unwrap();
    assert_eq!(by_service.created_by_user_id, "");
    // Only a user id is taken from the header: anything else is no user.
    let not_a_user = client
        .create_api_key(internal(
            &app,
            create("not a user"),
            Some(&org),
            Some("bob"),
        ))
        .await
        .unwrap()
        .into_inner()
        .api_key
        .unwrap();
    assert_eq!(not_a_user.created_by_user_id, "");
    let (_, by_operator) = app.key(&org, &["read:customers"], None).await;

    // Read back as it was answered.
    assert_eq!(get_key(&app, &by_user.id).await.created_by_user_id, user);
    let listed = client
        .list_api_keys(internal(
            &app,
            ListApiKeysRequest {
                organization_id: org.clone(),
            },
            None,
            None,
        ))
        .await
        .unwrap()
        .into_inner()
        .data;
    let made_by = |id: &str| {
        listed
            .iter()
            .find(|k| k.id == id)
            .map(|k| k.created_by_user_id.clone())
            .unwrap()
    };
    assert_eq!(made_by(&by_user.id), user);
    assert_eq!(made_by(&by_service.id), "");
    assert_eq!(made_by(&by_operator), "");

    // The audit record's actor is the user; a service's call is the service's.
    let store = app.running.as_ref().unwrap().store.clone().unwrap();
    let actor_of = |id: String| {
        let store = store.clone();
        let org = OrgId::new(&org);
        async move {
            let trail = audit::list_audit(
                &store,
                &org,
                &audit::AuditFilter {
                    resource_id: Some(id),
                    ..Default::default()
                },
                &PageQuery {
                    limit: 5,
                    starting_after: None,
                },
            )
            .await
            .unwrap();
            assert_eq!(trail.items.len(), 1);
            let record = &trail.items[0];
            assert_eq!(record.action, "api_key.create");
            (record.actor_type.clone(), record.actor_id.clone())
        }
    };
    assert_eq!(
        actor_of(by_user.id.clone()).await,
        ("user".to_owned(), user)
    );
    assert_eq!(
        actor_of(by_service.id).await,
        ("internal_service".to_owned(), "internal".to_owned())
    );
    assert_eq!(actor_of(by_operator).await.0, "operator");

    // The key made in the dashboard works like any other.
    assert_eq!(try_secret(&app, &org, &made.secret).await.0, 200);
    app.shutdown().await;
}
