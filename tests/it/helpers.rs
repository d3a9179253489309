use std::{path::PathBuf, time::Duration};

use asteri::{Config, Running, cli};
use reqwest::{Client, Method, RequestBuilder, Response};
use serde_json::Value;
use services::Platform;
use tokio::sync::OnceCell;

/// Read access to every resource `asteri seed` makes.
pub const READ_ALL: &[&str] = &[
    "read:customers",
    "read:team",
    "read:services",
    "read:appointments",
    "read:estimates",
    "read:invoices",
    "read:payments",
];

pub const ALL_CUSTOMER_SCOPES: &[&str] = &["read:customers", "write:customers", "delete:customers"];

pub struct TestApp {
    pub base: String,
    pub grpc: String,
    pub internal_token: String,
    pub platform: Platform,
    pub client: Client,
    pub running: Option<Running>,
    /// The folder that holds uploaded files (`ASTERI_FILES_DIR`), inside the test's temp dir.
    pub files_dir: PathBuf,
    /// The database the app runs on (for processes a test starts beside it).
    pub database_url: String,
    _dir: tempfile::TempDir,
}

/// A tenant with a key: what most tests need.
pub struct Tenant {
    pub org: String,
    pub key: String,
    pub key_id: String,
}

impl Tenant {
    /// A gRPC request with this tenant's key and organization, plus `extra` metadata.
    pub fn grpc<T>(&self, message: T, extra: &[(&'static str, &str)]) -> tonic::Request<T> {
        let mut request = tonic::Request::new(message);
        let m = request.metadata_mut();
        m.insert("x-api-key", self.key.parse().unwrap());
        m.insert("x-organization-id", self.org.parse().unwrap());
        for (name, value) in extra {
            m.insert(*name, value.parse().unwrap());
        }
        request
    }
}

static POSTGRES_MIGRATED: OnceCell<()> = OnceCell::const_new();

async fn database_url(dir: &tempfile::TempDir) -> String {
    match std::env::var("ASTERI_TEST_DATABASE_URL") {
        Ok(url) if !url.is_empty() => {
            // Migrate once, before any app races another to create the tables.
            POSTGRES_MIGRATED
                .get_or_init(|| async {
                    let store = storage::Store::connect(&url)
                        .await
                        .expect("connect to the test database");
                    store.migrate().await.expect("migrate the test database");
                })
                .await;
            url
        }
        _ => format!(
            "sqlite://{}?mode=rwc",
            dir.path().join("asteri.db").display()
        ),
    }
}

/// A database of the test's own, on PostgreSQL too (a fresh database on the test server):
/// for tests whose webhook workers must not share the delivery queue with the workers of
/// other tests' apps, which would send their deliveries on their own schedules.
pub async fn own_database_url(dir: &tempfile::TempDir) -> String {
    match std::env::var("ASTERI_TEST_DATABASE_URL") {
        Ok(url) if !url.is_empty() => {
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos();
            let name = format!("asteri_it_{}_{nanos}", std::process::id());
            let server = storage::Store::connect(&url).await.expect("connect");
            server
                .execute_unprepared(&format!("CREATE DATABASE {name}"))
                .await
                .expect("create a database of the test's own");
            let (base, _) = url.rsplit_once('/').expect("a database URL");
            format!("{base}/{name}")
        }
        _ => format!(
            "sqlite://{}?mode=rwc",
            dir.path().join("asteri.db").display()
        ),
    }
}

pub async fn spawn_app() -> TestApp {
    spawn_configured(|_| {}).await
}

/// Starts the app with the test defaults changed by `configure`.
pub async fn spawn_configured(configure: impl FnOnce(&mut Config)) -> TestApp {
    spawn_with(false, configure).await
}

/// Starts the app on a database of its own (see [`own_database_url`]).
pub async fn spawn_isolated(configure: impl FnOnce(&mut Config)) -> TestApp {
    spawn_with(true, configure).await
}

async fn spawn_with(isolated: bool, configure: impl FnOnce(&mut Config)) -> TestApp {
    storage::objects::install_crypto_provider();
    let dir = tempfile::tempdir().expect("temp dir");
    let url = if isolated {
        own_database_url(&dir).await
    } else {
        database_url(&dir).await
    };
    let mut config = Config::local(url, dir.path());
    configure(&mut config);
    let running = asteri::start(config.clone()).await.expect("the app starts");
    // A second platform on the same database: like another replica, with its own caches.
    let platform = Platform::new(
        running.store.clone().unwrap(),
        &config.hash_key,
        &config.internal_token,
    );
    let files_dir = match &config.files {
        storage::objects::ObjectsConfig::Local { dir } => dir.clone(),
        _ => dir.path().join("files"),
    };
    TestApp {
        base: format!("http://{}", running.http_addr),
        grpc: format!("http://{}", running.grpc_addr.unwrap()),
        internal_token: config.internal_token,
        platform,
        client: Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .unwrap(),
        running: Some(running),
        files_dir,
        database_url: config.database_url,
        _dir: dir,
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}/api/public/v1{path}", self.base)
    }

    pub async fn org(&self, sandbox: bool) -> String {
        cli::create_org(&self.platform, "Test Co", sandbox)
            .await
            .unwrap()
            .id
    }

    pub async fn key(
        &self,
        org: &str,
        scopes: &[&str],
        limits: Option<(u32, u32)>,
    ) -> (String, String) {
        let created = cli::create_key(
            &self.platform,
            cli::NewKey {
                org,
                name: "test key",
                scopes: scopes.iter().map(|s| (*s).to_owned()).collect(),
                env: None,
                expires_in: None,
                per_minute: limits.map(|l| l.0),
                per_day: limits.map(|l| l.1),
            },
        )
        .await
        .unwrap();
        (created.secret, created.api_key.unwrap().id)
    }

    /// A sandbox organization and a key with every customers scope (1000/min).
    pub async fn tenant(&self) -> Tenant {
        self.tenant_with(ALL_CUSTOMER_SCOPES).await
    }

    pub async fn tenant_with(&self, scopes: &[&str]) -> Tenant {
        let org = self.org(true).await;
        let (key, key_id) = self.key(&org, scopes, Some((1000, 100_000))).await;
        Tenant { org, key, key_id }
    }

    /// A request carrying the tenant's key and organization.
    pub fn req(&self, t: &Tenant, method: Method, path: &str) -> RequestBuilder {
        self.client
            .request(method, self.url(path))
            .header("x-api-key", &t.key)
            .header("x-organization-id", &t.org)
    }

    pub async fn create_customer(&self, t: &Tenant, body: Value) -> Value {
        let response = self
            .req(t, Method::POST, "/customers")
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 201, "create customer");
        response.json().await.unwrap()
    }

    pub async fn shutdown(mut self) {
        if let Some(running) = self.running.take() {
            running.shutdown().await;
        }
    }
}

/// Status and JSON body of a response.
pub async fn read(response: Response) -> (u16, Value) {
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    let body = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or(Value::String(text))
    };
    (status, body)
}

/// Asserts the contract's error shape and returns the body.
pub async fn expect_error(response: Response, status: u16, code: &str) -> Value {
    let request_id = response
        .headers()
        .get("x-request-id")
        .map(|v| v.to_str().unwrap().to_owned());
    let (got, body) = read(response).await;
    assert_eq!(got, status, "status for {code}: {body}");
    assert_eq!(body["code"], code, "{body}");
    assert!(
        body["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{body}"
    );
    assert!(
        body["request_id"]
            .as_str()
            .is_some_and(|id| id.starts_with("req_") || Some(id) == request_id.as_deref())
    );
    assert_eq!(
        body["request_id"].as_str(),
        request_id.as_deref(),
        "body and header request ids agree"
    );
    body
}

/// Status and JSON body of one request (`body` sent as JSON when given).
pub async fn call(
    app: &TestApp,
    t: &Tenant,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut request = app.req(t, method, path);
    if let Some(body) = body {
        request = request.json(&body);
    }
    read(request.send().await.unwrap()).await
}

/// A request that must fail with `status` and `code`; returns the error body.
pub async fn fails(
    app: &TestApp,
    t: &Tenant,
    method: Method,
    path: &str,
    body: Option<Value>,
    status: u16,
    code: &str,
) -> Value {
    let mut request = app.req(t, method, path);
    if let Some(body) = body {
        request = request.json(&body);
    }
    expect_error(request.send().await.unwrap(), status, code).await
}

/// The `id` of an object.
pub fn id_of(v: &Value) -> String {
    v["id"].as_str().expect("an id").to_owned()
}

/// Polls `probe` every 50 ms until it gives a value (10 s at most): for what the system does
/// asynchronously, such as the request history the gateway writes in batches.
pub async fn poll<T, F, Fut>(mut probe: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(value) = probe().await {
            return value;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "timed out waiting for the system"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
