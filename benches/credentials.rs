//! What a partner app's OAuth access token costs at the edge beside an API key (issue 11):
//! the same `GET /api/public/v1/customers/{id}`, with `x-api-key` and with
//! `Authorization: Bearer ast_oat_...`, in alternating rounds against one system started
//! in this process (SQLite in a temp folder), so that both are measured under the same
//! conditions in one run.
//!
//! The key gets the budget an app install has (60 a minute, 10,000 a day), so after the
//! first 60 requests of each every answer is the edge's own 429: the credential's
//! verification and the budget, with no service call behind them. That isolates what the
//! issue asks to compare, the cost of verifying each kind of credential.
//!
//! `cargo bench --bench credentials`. Options: `ASTERI_BENCH_CONNECTIONS` (16),
//! `ASTERI_BENCH_SECONDS` (2 per round), `ASTERI_BENCH_ROUNDS` (3 of each).
//!
//! Both credentials are verified once and then served from the edge's cache (2 s) and the
//! services' (2 s): neither costs a database round trip per request; the figures show what
//! is left (hashing the presented secret, the cache lookups, the scope and organization
//! checks, the budget).

use std::time::{Duration, Instant};

use asteri::{Config, cli};
use base64::Engine as _;
use proto::v1::{
    CreateUserRequest, ExchangeTokenRequest, GrantAuthorizationRequest, UserRole,
    o_auth_service_client::OAuthServiceClient, users_service_client::UsersServiceClient,
};
use serde_json::{Value, json};
use sha2::Digest as _;

fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn internal<T>(message: T, token: &str) -> tonic::Request<T> {
    let mut request = tonic::Request::new(message);
    request
        .metadata_mut()
        .insert("authorization", format!("Bearer {token}").parse().unwrap());
    request
}

/// Requests per second and the median latency of `connections` closed loops for `seconds`.
async fn round(
    url: &str,
    headers: &[(&'static str, String)],
    connections: u64,
    seconds: u64,
) -> (f64, Duration, f64) {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(64)
        .build()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let tasks: Vec<_> = (0..connections)
        .map(|_| {
            let (client, url, headers) = (client.clone(), url.to_owned(), headers.to_vec());
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                while Instant::now() < deadline {
                    let started = Instant::now();
                    let mut request = client.get(&url);
                    for (name, value) in &headers {
                        request = request.header(*name, value);
                    }
                    let response = request.send().await.expect("the server answers");
                    let status = response.status().as_u16();
                    assert!(
                        status == 200 || status == 429,
                        "{status}: {}",
                        response.text().await.unwrap_or_default()
                    );
                    response.bytes().await.unwrap();
                    latencies.push((started.elapsed(), status));
                }
                latencies
            })
        })
        .collect();
    let mut all = Vec::new();
    for task in tasks {
        all.extend(task.await.unwrap());
    }
    let refused = all.iter().filter(|(_, s)| *s == 429).count();
    let mut all: Vec<Duration> = all.into_iter().map(|(d, _)| d).collect();
    all.sort();
    (
        all.len() as f64 / seconds as f64,
        all[all.len() / 2],
        refused as f64 / all.len() as f64,
    )
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let (connections, seconds, rounds) = (
        env_num("ASTERI_BENCH_CONNECTIONS", 16),
        env_num("ASTERI_BENCH_SECONDS", 2),
        env_num("ASTERI_BENCH_ROUNDS", 3),
    );
    storage::objects::install_crypto_provider();
    let dir = tempfile::tempdir()?;
    let url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("bench.db").display()
    );
    let mut config = Config::local(url, dir.path());
    config.run_worker = false;
    let (token, hash_key) = (config.internal_token.clone(), config.hash_key.clone());
    let running = asteri::start(config).await?;
    let base = format!("http://{}/api/public/v1", running.http_addr);
    let grpc = format!("http://{}", running.grpc_addr.unwrap());
    let platform = services::Platform::new(running.store.clone().unwrap(), &hash_key, &token);

    let org = cli::create_org(&platform, "Bench", true).await?.id;
    let key = cli::create_key(
        &platform,
        cli::NewKey {
            org: &org,
            name: "bench",
            scopes: vec![
                "read:customers".into(),
                "write:customers".into(),
                "manage:apps".into(),
            ],
            env: None,
            expires_in: None,
            // An app install's budget (the defaults of a key), so both answer the edge's 429.
            per_minute: Some(60),
            per_day: Some(10_000),
        },
    )
    .await?
    .secret;
    let http = reqwest::Client::new();
    let post = |path: &str, body: Value| {
        http.post(format!("{base}{path}"))
            .header("x-api-key", &key)
            .header("x-organization-id", &org)
            .json(&body)
            .send()
    };
    let customer: Value = post("/customers", json!({"name": "Bench Customer"}))
        .await?
        .json()
        .await?;
    let redirect = "http://127.0.0.1:9/cb";
    let app: Value = post(
        "/apps",
        json!({"name": "Bench App", "redirect_uris": [redirect], "scopes": ["read:customers"]}),
    )
    .await?
    .json()
    .await?;
    let (client_id, secret) = (
        app["id"].as_str().unwrap(),
        app["client_secret"].as_str().unwrap(),
    );
    let user = UsersServiceClient::connect(grpc.clone())
        .await?
        .create_user(internal(
            CreateUserRequest {
                organization_id: org.clone(),
                email: "bench@example.test".into(),
                name: "Bench".into(),
                role: UserRole::Owner as i32,
                password: "bench password 1234".into(),
            },
            &token,
        ))
        .await?
        .into_inner();
    let verifier = "b".repeat(64);
    let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(sha2::Sha256::digest(verifier.as_bytes()));
    let mut oauth = OAuthServiceClient::connect(grpc).await?;
    let code = oauth
        .grant_authorization(internal(
            GrantAuthorizationRequest {
                client_id: client_id.into(),
                redirect_uri: redirect.into(),
                scopes: vec!["read:customers".into()],
                code_challenge: challenge,
                user_id: user.id,
                organization_id: org.clone(),
            },
            &token,
        ))
        .await?
        .into_inner()
        .code;
    let access = oauth
        .exchange_token(internal(
            ExchangeTokenRequest {
                grant_type: "authorization_code".into(),
                client_id: client_id.into(),
                client_secret: secret.into(),
                code,
                redirect_uri: redirect.into(),
                code_verifier: verifier,
                ..Default::default()
            },
            &token,
        ))
        .await?
        .into_inner()
        .access_token;

    let url = format!("{base}/customers/{}", customer["id"].as_str().unwrap());
    let with_key = [
        ("x-api-key", key.clone()),
        ("x-organization-id", org.clone()),
    ];
    let with_token = [
        ("authorization", format!("Bearer {access}")),
        ("x-organization-id", org.clone()),
    ];
    // Warm-up: both credentials verified and cached, connections open.
    round(&url, &with_key, connections, 1).await;
    round(&url, &with_token, connections, 1).await;
    let (mut keys, mut tokens) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        keys.push(round(&url, &with_key, connections, seconds).await);
        tokens.push(round(&url, &with_token, connections, seconds).await);
    }
    let median = |v: &mut Vec<(f64, Duration, f64)>| {
        v.sort_by(|a, b| a.0.total_cmp(&b.0));
        v[v.len() / 2]
    };
    let (k, t) = (median(&mut keys), median(&mut tokens));
    println!(
        "GET /customers/{{id}}, {connections} connections, {rounds} alternating rounds of {seconds} s (median round):"
    );
    println!("| credential | requests/s | p50 | answered 429 |");
    println!("|---|---|---|---|");
    for (label, (rate, p50, refused)) in [
        ("API key (x-api-key)", k),
        ("OAuth access token (Bearer)", t),
    ] {
        println!(
            "| {label} | {rate:.0} | {:.2} ms | {:.1}% |",
            p50.as_secs_f64() * 1e3,
            refused * 100.0
        );
    }
    println!("token / key throughput: {:.3}", t.0 / k.0);
    running.shutdown().await;
    Ok(())
}
