//! CONTRACT section 3 at the REST door: every credential and organization error path,
//! request ids, and garbage in every header.

use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn credential_errors_are_401() {
    let app = spawn_app().await;
    let t = app.tenant().await;
    let url = app.url("/customers");
    let cases: Vec<(&str, Vec<(&str, String)>)> = vec![
        ("missing", vec![]),
        (
            "malformed prefix",
            vec![("x-api-key", "sk_live_abc".into())],
        ),
        (
            "wrong scheme",
            vec![("authorization", format!("Basic {}", t.key))],
        ),
        ("empty bearer", vec![("authorization", "Bearer ".into())]),
        (
            "unknown key",
            vec![(
                "x-api-key",
                "ast_test_0000000000000000000000000000000".into(),
            )],
        ),
        (
            "two different keys",
            vec![
                ("x-api-key", t.key.clone()),
                ("authorization", "Bearer ast_test_other".into()),
            ],
        ),
        (
            "internal token at the edge",
            vec![("x-api-key", app.internal_token.clone())],
        ),
    ];
    for (name, headers) in cases {
        let mut request = app.client.get(&url).header("x-organization-id", &t.org);
        for (k, v) in headers {
            request = request.header(k, v);
        }
        let body = expect_error(request.send().await.unwrap(), 401, "unauthenticated")
            .await
            .to_string();
        for secret in [
            &t.key,
            &app.internal_token,
            "ast_test_0000000000000000000000000000000",
            "ast_test_other",
        ] {
            assert!(
                !body.contains(secret),
                "{name}: a secret was echoed: {body}"
            );
        }
    }
    // Bearer works as well as x-api-key.
    let response = app
        .client
        .get(&url)
        .bearer_auth(&t.key)
        .header("x-organization-id", &t.org)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    app.shutdown().await;
}

#[tokio::test]
async fn organization_pinning_and_scopes() {
    let app = spawn_app().await;
    let t = app.tenant_with(&["read:customers"]).await;
    let other = app.tenant().await;

    let no_org = app
        .client
        .get(app.url("/customers"))
        .header("x-api-key", &t.key)
        .send()
        .await
        .unwrap();
    expect_error(no_org, 400, "organization_required").await;

    let wrong_org = app
        .client
        .get(app.url("/customers"))
        .header("x-api-key", &t.key)
        .header("x-organization-id", &other.org)
        .send()
        .await
        .unwrap();
    expect_error(wrong_org, 403, "organization_mismatch").await;

    let create = app
        .req(&t, Method::POST, "/customers")
        .json(&json!({"name": "X"}))
        .send()
        .await
        .unwrap();
    let body = expect_error(create, 403, "missing_scope").await;
    assert_eq!(body["required_scope"], "write:customers");

    let delete = app
        .req(&t, Method::DELETE, "/customers/cus_x")
        .send()
        .await
        .unwrap();
    assert_eq!(
        expect_error(delete, 403, "missing_scope").await["required_scope"],
        "delete:customers"
    );
    app.shutdown().await;
}

#[tokio::test]
async fn test_keys_only_for_sandbox_and_live_keys_only_for_live() {
    let app = spawn_app().await;
    let live = app.org(false).await;
    let sandbox = app.org(true).await;
    for (org, env) in [(&live, "test"), (&sandbox, "live")] {
        let err = asteri::cli::create_key(
            &app.platform,
            asteri::cli::NewKey {
                org,
                name: "k",
                scopes: vec!["read:customers".into()],
                env: Some(env),
                expires_in: None,
                per_minute: None,
                per_day: None,
            },
        )
        .await
        .unwrap_err();
        assert!(err.to_string().contains("environment"), "{err}");
    }
    // Defaults follow the organization.
    let (live_key, _) = app.key(&live, &["read:customers"], None).await;
    assert!(live_key.starts_with("ast_live_"));
    let response = app
        .client
        .get(app.url("/customers"))
        .header("x-api-key", &live_key)
        .header("x-organization-id", &live)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    app.shutdown().await;
}

#[tokio::test]
async fn revoked_keys_stop_within_five_seconds_and_expired_keys_fail() {
    let app = spawn_app().await;
    let t = app.tenant().await;
    assert_eq!(
        app.req(&t, Method::GET, "/customers")
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    // Revoke through another "replica" (the test's own platform): the app's caches must expire.
    asteri::cli::revoke_key(&app.platform, &t.key_id)
        .await
        .unwrap();
    let revoked_at = Instant::now();
    loop {
        let response = app.req(&t, Method::GET, "/customers").send().await.unwrap();
        if response.status() == 401 {
            let body = expect_error(response, 401, "unauthenticated").await;
            assert!(
                body["message"].as_str().unwrap().contains("revoked"),
                "{body}"
            );
            break;
        }
        assert!(
            revoked_at.elapsed() < Duration::from_secs(5),
            "revoked key still accepted after 5 s"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let elapsed = revoked_at.elapsed();
    assert!(elapsed < Duration::from_secs(5), "took {elapsed:?}");

    let org = app.org(true).await;
    let expiring = asteri::cli::create_key(
        &app.platform,
        asteri::cli::NewKey {
            org: &org,
            name: "short",
            scopes: vec!["read:customers".into()],
            env: None,
            expires_in: Some("1s"),
            per_minute: None,
            per_day: None,
        },
    )
    .await
    .unwrap();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let response = app
        .client
        .get(app.url("/customers"))
        .header("x-api-key", &expiring.secret)
        .header("x-organization-id", &org);
    let body = expect_error(response.send().await.unwrap(), 401, "unauthenticated").await;
    assert!(
        body["message"].as_str().unwrap().contains("expired"),
        "{body}"
    );
    app.shutdown().await;
}

#[tokio::test]
async fn rotation_replaces_the_secret() {
    let app = spawn_app().await;
    let t = app.tenant().await;
    let rotated = asteri::cli::rotate_key(&app.platform, &t.key_id, None)
        .await
        .unwrap();
    assert_ne!(rotated.secret, t.key);
    let new = Tenant {
        org: t.org.clone(),
        key: rotated.secret.clone(),
        key_id: t.key_id.clone(),
    };
    assert_eq!(
        app.req(&new, Method::GET, "/customers")
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    // The old secret dies like a revoked one: within the cache window.
    tokio::time::sleep(Duration::from_millis(4100)).await;
    expect_error(
        app.req(&t, Method::GET, "/customers").send().await.unwrap(),
        401,
        "unauthenticated",
    )
    .await;
    // Listings never show secrets.
    let listed = asteri::cli::list_keys(&app.platform, &t.org).await.unwrap();
    let text = serde_json::to_string(&listed).unwrap();
    assert!(!text.contains(&rotated.secret) && !text.contains(&t.key));
    assert!(
        listed[0]["redacted_secret"]
            .as_str()
            .unwrap()
            .ends_with(&rotated.secret[rotated.secret.len() - 4..])
    );
    app.shutdown().await;
}

#[tokio::test]
async fn request_ids_are_kept_when_valid_and_made_otherwise() {
    let app = spawn_app().await;
    let t = app.tenant().await;
    let kept = app
        .req(&t, Method::GET, "/customers")
        .header("x-request-id", "req_client-123")
        .send()
        .await
        .unwrap();
    assert_eq!(kept.headers()["x-request-id"], "req_client-123");
    for bad in ["has space", "<script>", &"x".repeat(300)] {
        let made = app
            .req(&t, Method::GET, "/customers")
            .header("x-request-id", bad)
            .send()
            .await
            .unwrap();
        assert!(
            made.headers()["x-request-id"]
                .to_str()
                .unwrap()
                .starts_with("req_")
        );
    }
    let not_found = app
        .client
        .get(format!("{}/nowhere", app.base))
        .header("x-request-id", "abc")
        .send()
        .await
        .unwrap();
    assert_eq!(
        expect_error(not_found, 404, "route_not_found").await["request_id"],
        "abc"
    );
    app.shutdown().await;
}

#[tokio::test]
async fn garbage_in_every_header_never_causes_a_server_error() {
    let app = spawn_app().await;
    let t = app.tenant().await;
    let garbage: Vec<&[u8]> = vec![
        b"\xff\xfe\xfd",
        b"\x01\x02",
        b"%00%ff",
        b"' OR 1=1 --",
        b"{}",
        b" ",
        b"\t",
    ];
    let long = vec![b'a'; 8000];
    for header in [
        "x-api-key",
        "authorization",
        "x-organization-id",
        "x-request-id",
        "idempotency-key",
        "content-type",
        "traceparent",
        "accept",
    ] {
        for value in garbage
            .iter()
            .copied()
            .chain(std::iter::once(long.as_slice()))
        {
            let Ok(value) = reqwest::header::HeaderValue::from_bytes(value) else {
                continue;
            };
            let mut request = app
                .client
                .post(app.url("/customers"))
                .body(r#"{"name":"G"}"#);
            if header != "x-api-key" {
                request = request.header("x-api-key", &t.key);
            }
            if header != "x-organization-id" {
                request = request.header("x-organization-id", &t.org);
            }
            if header != "content-type" {
                request = request.header("content-type", "application/json");
            }
            let status = request.header(header, value).send().await.unwrap().status();
            assert!(status.as_u16() < 500, "{header}: {status}");
        }
    }
    app.shutdown().await;
}

#[tokio::test]
async fn key_verification_is_served_from_cache_between_database_reads() {
    let app = spawn_app().await;
    let t = app.tenant().await;
    let warmed = Instant::now();
    assert_eq!(
        app.req(&t, Method::GET, "/customers")
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    // Revoke in the database through another replica: only a database read would notice.
    asteri::cli::revoke_key(&app.platform, &t.key_id)
        .await
        .unwrap();
    let response = app.req(&t, Method::GET, "/customers").send().await.unwrap();
    // Within the cache window the verdict comes from memory, not from the database.
    if warmed.elapsed() < gateway::edge::KEY_CACHE_TTL {
        assert_eq!(
            response.status(),
            200,
            "the second request was verified against the database"
        );
    }
    // And the cache only delays revocation, it never keeps a key alive past 5 s.
    loop {
        if app
            .req(&t, Method::GET, "/customers")
            .send()
            .await
            .unwrap()
            .status()
            == 401
        {
            break;
        }
        assert!(
            warmed.elapsed() < Duration::from_secs(5),
            "revocation not seen within 5 s"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    app.shutdown().await;
}

/// The scope vocabulary is the contract's (section 3), not the scopes today's routes
/// require: a key may hold `delete:payments` (no route needs it) or `manage:apps`, and no
/// scope outside the vocabulary. Keys are created over gRPC by internal callers (the security
/// center) and by `asteri keys create`; a refusal names `scopes` and lists the vocabulary,
/// and is 422 where it reaches REST.
#[tokio::test]
async fn keys_hold_exactly_the_contracts_scope_vocabulary() {
    use proto::v1::{CreateApiKeyRequest, api_keys_service_client::ApiKeysServiceClient};
    use tonic::{Code, Request};
    use tonic_types::StatusExt;

    let app = spawn_app().await;
    let org = app.org(true).await;
    let mut keys = ApiKeysServiceClient::connect(app.grpc.clone())
        .await
        .unwrap();
    let create = |scopes: &[&str]| {
        let mut request = Request::new(CreateApiKeyRequest {
            organization_id: org.clone(),
            name: "scoped".to_owned(),
            scopes: scopes.iter().map(|s| (*s).to_owned()).collect(),
            ..Default::default()
        });
        let token = format!("Bearer {}", app.internal_token);
        request
            .metadata_mut()
            .insert("authorization", token.parse().unwrap());
        request
            .metadata_mut()
            .insert("x-organization-id", org.parse().unwrap());
        request
    };

    for scopes in [
        &["delete:payments"][..],
        &["manage:apps"],
        &["read:customers", "manage:apps"],
    ] {
        let created = keys
            .create_api_key(create(scopes))
            .await
            .unwrap()
            .into_inner();
        assert_eq!(created.api_key.unwrap().scopes, scopes);
    }
    // The key works, and its scopes mean what they say: `manage:apps` reads no customers.
    let (secret, _) = app.key(&org, &["manage:apps"], None).await;
    let t = Tenant {
        org: org.clone(),
        key: secret,
        key_id: String::new(),
    };
    let body = fails(
        &app,
        &t,
        Method::GET,
        "/customers",
        None,
        403,
        "missing_scope",
    )
    .await;
    assert_eq!(body["required_scope"], "read:customers");

    let err = keys
        .create_api_key(create(&["read:customers", "delete:nothing"]))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument);
    let violations = err.get_details_bad_request().unwrap().field_violations;
    assert_eq!(violations.len(), 1, "{violations:?}");
    assert_eq!(violations[0].field, "scopes");
    let message = &violations[0].description;
    assert!(
        message.contains("unknown scope delete:nothing"),
        "{message}"
    );
    assert!(
        message.contains("delete:payments") && message.contains("manage:apps"),
        "lists the vocabulary: {message}"
    );
    // The REST mapping of that refusal: 422 validation_failed naming `scopes`.
    let (status, body) = gateway::error::ApiError::Upstream(err).to_parts();
    assert_eq!(status, 422);
    assert_eq!(body["code"], "validation_failed");
    assert!(
        body["errors"]["scopes"][0]
            .as_str()
            .unwrap()
            .contains("delete:nothing")
    );

    // The operator's command refuses it the same way.
    let refused = asteri::cli::create_key(
        &app.platform,
        asteri::cli::NewKey {
            org: &org,
            name: "x",
            scopes: vec!["delete:nothing".to_owned()],
            env: None,
            expires_in: None,
            per_minute: None,
            per_day: None,
        },
    )
    .await
    .unwrap_err();
    assert!(
        refused.to_string().contains("unknown scope delete:nothing"),
        "{refused}"
    );
}
