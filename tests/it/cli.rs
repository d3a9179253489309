//! The `asteri` command as an operator uses it, and a split deployment of its roles.

use std::{
    io::{BufRead, BufReader},
    process::{Child, Command, Stdio},
};

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_asteri");

pub(crate) struct Env {
    dir: tempfile::TempDir,
    pub(crate) database: String,
}

impl Env {
    pub(crate) fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let database = match std::env::var("ASTERI_TEST_DATABASE_URL") {
            Ok(url) if !url.is_empty() => url,
            _ => format!("sqlite://{}?mode=rwc", dir.path().join("cli.db").display()),
        };
        Self { dir, database }
    }

    /// On a database of its own, on PostgreSQL too: its worker process must not share the
    /// delivery queue with other tests' apps.
    pub(crate) fn isolated() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let database = runtime.block_on(crate::helpers::own_database_url(&dir));
        Self { dir, database }
    }

    pub(crate) fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(BIN);
        c.args(args)
            .current_dir(self.dir.path())
            .env("ASTERI_DATABASE_URL", &self.database)
            .env("ASTERI_SECRET_KEY", "cli-test-secret-key-0123456789abcdef")
            .env(
                "ASTERI_INTERNAL_TOKEN",
                "ast_int_cli0123456789abcdefghijklmnopqrstuv",
            )
            .env("RUST_LOG", "warn");
        c
    }

    pub(crate) fn run(&self, args: &[&str]) -> (bool, String, String) {
        let out = self.command(args).output().unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into(),
            String::from_utf8_lossy(&out.stderr).into(),
        )
    }

    /// A new sandbox organization named `name` and a key of it with `scopes` (comma
    /// separated): the organization's id and the key's secret.
    pub(crate) fn org_with_key(&self, name: &str, scopes: &str) -> (String, String) {
        let org = self.json(&["orgs", "create", "--name", name, "--sandbox", "--json"])["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let key = self.json(&[
            "keys", "create", "--org", &org, "--name", "k", "--scopes", scopes, "--json",
        ]);
        (org, key["secret"].as_str().unwrap().to_owned())
    }

    pub(crate) fn json(&self, args: &[&str]) -> Value {
        let (ok, stdout, stderr) = self.run(args);
        assert!(ok, "{args:?}: {stderr}");
        serde_json::from_str(&stdout)
            .unwrap_or_else(|e| panic!("{args:?} printed more than JSON ({e}): {stdout}"))
    }
}

#[test]
fn operators_manage_orgs_and_keys() {
    let env = Env::new();
    let (ok, _, stderr) = env.run(&["migrate"]);
    assert!(ok, "{stderr}");
    let org = env.json(&[
        "orgs",
        "create",
        "--name",
        "Acme Plumbing",
        "--sandbox",
        "--json",
    ]);
    let org_id = org["id"].as_str().unwrap();
    assert!(org_id.starts_with("org_"));
    assert_eq!(org.as_object().unwrap().len(), 1);

    let key = env.json(&[
        "keys",
        "create",
        "--org",
        org_id,
        "--name",
        "zapier",
        "--scopes",
        "read:customers,write:customers",
        "--expires-in",
        "30d",
        "--per-minute",
        "30",
        "--per-day",
        "500",
        "--json",
    ]);
    let (key_id, secret) = (key["id"].as_str().unwrap(), key["secret"].as_str().unwrap());
    assert!(key_id.starts_with("key_") && secret.starts_with("ast_test_"));
    assert_eq!(
        key["scopes"],
        serde_json::json!(["read:customers", "write:customers"])
    );
    assert_eq!(
        (
            key["per_minute_limit"].as_u64(),
            key["per_day_limit"].as_u64()
        ),
        (Some(30), Some(500))
    );
    assert!(key["expires_at"].is_string());

    let listed = env.json(&["keys", "list", "--org", org_id, "--json"]);
    let text = listed.to_string();
    assert!(
        text.contains(key_id) && !text.contains(secret),
        "listings never show secrets"
    );

    let rotated = env.json(&["keys", "rotate", key_id, "--json"]);
    assert_ne!(rotated["secret"], key["secret"]);
    assert!(rotated["previous_secret_expires_at"].is_null(), "{rotated}");
    // A roll that keeps the old secret working says until when; 7 days is the most.
    let kept = env.json(&["keys", "rotate", key_id, "--keep-old-for", "1h", "--json"]);
    assert!(kept["previous_secret_expires_at"].is_string(), "{kept}");
    let (ok, stdout, _) = env.run(&["keys", "rotate", key_id, "--keep-old-for", "90m"]);
    assert!(ok && stdout.contains("keeps working until"), "{stdout}");
    let (ok, _, stderr) = env.run(&["keys", "rotate", key_id, "--keep-old-for", "8d"]);
    assert!(!ok && stderr.contains("at most 604800 seconds"), "{stderr}");
    let (ok, stdout, _) = env.run(&["keys", "revoke", key_id]);
    assert!(ok && stdout.contains("revoked"));

    let (ok, _, stderr) = env.run(&[
        "keys",
        "create",
        "--org",
        org_id,
        "--name",
        "x",
        "--scopes",
        "read:everything",
    ]);
    assert!(!ok && stderr.contains("unknown scope"), "{stderr}");
    let (ok, _, stderr) = env.run(&[
        "keys",
        "create",
        "--org",
        "org_missing",
        "--name",
        "x",
        "--scopes",
        "read:customers",
    ]);
    assert!(!ok && stderr.contains("no such organization"), "{stderr}");
    let (ok, stdout, stderr) = env.run(&["seed", "--org", org_id, "--customers", "5"]);
    assert!(ok && stdout.contains("5 customers"), "{stderr}");
}

pub(crate) struct Proc(pub(crate) Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `asteri serve --role ROLE` and reads the addresses it prints.
pub(crate) fn serve(
    env: &Env,
    role: &str,
    extra: &[(&str, String)],
) -> (Proc, String, Option<String>) {
    let mut command = env.command(&["serve", "--role", role]);
    command
        .env("ASTERI_HTTP_ADDR", "127.0.0.1:0")
        .env("ASTERI_GRPC_ADDR", "127.0.0.1:0")
        .stdout(Stdio::piped());
    for (k, v) in extra {
        command.env(k, v);
    }
    let mut child = command.spawn().unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let http = lines
        .next()
        .unwrap()
        .unwrap()
        .trim_start_matches("http ")
        .to_owned();
    let grpc = if role == "gateway" || role == "worker" {
        None
    } else {
        Some(
            lines
                .next()
                .unwrap()
                .unwrap()
                .trim_start_matches("grpc ")
                .to_owned(),
        )
    };
    (Proc(child), http, grpc)
}

#[test]
fn roles_run_as_separate_processes() {
    let env = Env::isolated();
    let (org, secret) = env.org_with_key(
        "Split",
        "read:customers,write:customers,manage:webhooks,read:logs",
    );
    let private = [("ASTERI_WEBHOOK_ALLOW_PRIVATE", "1".to_owned())];
    let (_keys, _, keys_grpc) = serve(&env, "keys", &[]);
    let (_resources, _, resources_grpc) = serve(&env, "resources", &[]);
    let (_webhooks, _, webhooks_grpc) = serve(&env, "webhooks", &private);
    let (_worker, worker_http, _) = serve(&env, "worker", &private);
    let (_gateway, http, _) = serve(
        &env,
        "gateway",
        &[
            ("ASTERI_KEYS_URL", format!("http://{}", keys_grpc.unwrap())),
            (
                "ASTERI_RESOURCES_URL",
                format!("http://{}", resources_grpc.unwrap()),
            ),
            (
                "ASTERI_WEBHOOKS_URL",
                format!("http://{}", webhooks_grpc.unwrap()),
            ),
        ],
    );
    let runtime = tokio::runtime::Runtime::new().unwrap();
    storage::objects::install_crypto_provider();
    runtime.block_on(async {
        let client = reqwest::Client::new();
        let worker_ready = client
            .get(format!("http://{worker_http}/readyz"))
            .send()
            .await
            .unwrap();
        assert_eq!(
            worker_ready.status(),
            200,
            "the worker role reaches the database"
        );
        // A webhook endpoint through the split gateway, delivered by the worker process.
        let receiver = crate::webhooks::Receiver::start().await;
        let endpoint = client
            .post(format!("http://{http}/api/public/v1/webhook_endpoints"))
            .header("x-api-key", &secret)
            .header("x-organization-id", &org)
            .json(&serde_json::json!({"url": receiver.url, "event_types": ["customer.created"]}))
            .send()
            .await
            .unwrap();
        assert_eq!(endpoint.status(), 201);
        let ready = client
            .get(format!("http://{http}/readyz"))
            .send()
            .await
            .unwrap();
        assert_eq!(ready.status(), 200);
        let created = client
            .post(format!("http://{http}/api/public/v1/customers"))
            .header("x-api-key", &secret)
            .header("x-organization-id", &org)
            .json(&serde_json::json!({"name": "Across processes"}))
            .send()
            .await
            .unwrap();
        assert_eq!(created.status(), 201);
        let idempotent = client
            .post(format!("http://{http}/api/public/v1/customers"))
            .header("x-api-key", &secret)
            .header("x-organization-id", &org)
            .header("idempotency-key", "split-1")
            .json(&serde_json::json!({"name": "Once"}))
            .send()
            .await
            .unwrap();
        assert_eq!(idempotent.status(), 201);
        let got = receiver
            .wait_for(2, std::time::Duration::from_secs(20))
            .await;
        assert!(got.iter().all(|r| r.json()["type"] == "customer.created"));
        // A gateway without the history's store ships its records to the keys process over
        // `RecordRequestLogs`, which redacts them again.
        let listed = client
            .get(format!(
                "http://{http}/api/public/v1/customers?limit=1&token=tok-hunter2"
            ))
            .header("x-api-key", &secret)
            .header("x-organization-id", &org)
            .header("x-request-id", "req_split_history")
            .send()
            .await
            .unwrap();
        assert!(listed.status().as_u16() < 500, "{}", listed.status());
        let logged: serde_json::Value = crate::helpers::poll(|| async {
            let response = client
                .get(format!(
                    "http://{http}/api/public/v1/request_logs/req_split_history"
                ))
                .header("x-api-key", &secret)
                .header("x-organization-id", &org)
                .send()
                .await
                .unwrap();
            if response.status() == 200 {
                return Some(response.json().await.unwrap());
            }
            assert_eq!(response.status(), 404);
            None
        })
        .await;
        let path = logged["path"].as_str().unwrap();
        assert!(
            path.contains("[REDACTED]") && !path.contains("hunter2"),
            "{logged}"
        );
    });
}
