//! Hot-path benchmark (issue 9): the cost of the core's point read, list, create and a
//! webhook-producing write, through the gateway (REST) and by direct gRPC, side by side
//! with the bare health routes, in one run against one `asteri serve --role all` process.
//!
//! `cargo bench --bench hotpath` (SQLite in a temp folder), or with
//! `ASTERI_BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench` (an existing,
//! migrated or empty database). Options, as environment: `ASTERI_BENCH_CONNECTIONS` (32),
//! `ASTERI_BENCH_SECONDS` (3, per cell, after `ASTERI_BENCH_WARMUP_MS`, 300, of warm-up on
//! the same connections), `ASTERI_BENCH_CUSTOMERS` (1000, what GET by id reads),
//! `ASTERI_BENCH_MEMORY_REQUESTS` (200000; 0 skips the memory phase), `ASTERI_BENCH_OPS`
//! (which rows: `health,get,list,create,webhook`).
//!
//! Profiling: `ASTERI_BENCH_CALLGRIND=DIR` runs the server under `valgrind --tool=callgrind`
//! (use `ASTERI_BENCH_SECONDS=10 ASTERI_BENCH_WARMUP_MS=0 ASTERI_BENCH_MEMORY_REQUESTS=0`),
//! zeroes its counters before each cell and dumps them after it into `DIR`, and prints each
//! cell's request count: instructions per request are the dump's total over that count, a
//! figure that does not vary with the machine's load.
//!
//! The server is the real binary (`CARGO_BIN_EXE_asteri`), so that its RSS is its own
//! (`/proc/PID/status`). The load generator is this process: each connection is one task
//! that sends its next request when the last one was answered (closed loop). REST runs on
//! hyper's HTTP/1.1 client, one connection per task; gRPC on tonic, one HTTP/2 connection
//! (channel) per task. Both generators share the server's two cores, so the absolute
//! figures are lower than wrk's or h2load's; the ratios, measured in one run, are the
//! comparison the issue asks for.

use std::{
    process::Stdio,
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use anyhow::Context as _;
use axum::{Router, routing::post};
use bytes::Bytes;
use http_body_util::{BodyExt as _, Full};
use hyper_util::rt::TokioIo;
use proto::v1::{
    CreateCustomerRequest, GetCustomerRequest, ListCustomersRequest,
    customers_service_client::CustomersServiceClient,
};
use tokio::io::AsyncBufReadExt as _;
use tonic::{metadata::MetadataValue, transport::Channel};
use tonic_health::pb::{HealthCheckRequest, health_client::HealthClient};

fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Every request any task sent, for the memory phase's checkpoints.
static SENT: AtomicU64 = AtomicU64::new(0);

#[derive(Clone, Copy, PartialEq, Eq)]
enum Op {
    Health,
    Get,
    List,
    Create,
    Webhook,
}

impl Op {
    const ALL: [Op; 5] = [Op::Health, Op::Get, Op::List, Op::Create, Op::Webhook];

    fn key(self) -> &'static str {
        match self {
            Op::Health => "health",
            Op::Get => "get",
            Op::List => "list",
            Op::Create => "create",
            Op::Webhook => "webhook",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Op::Health => "health (healthz / Check)",
            Op::Get => "GET by id / GetCustomer",
            Op::List => "list, 20 / ListCustomers",
            Op::Create => "create / CreateCustomer",
            Op::Webhook => "create + webhook",
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Door {
    Rest,
    Grpc,
}

/// An organization and its key.
#[derive(Clone)]
struct Tenant {
    org: String,
    key: String,
}

struct Server {
    child: tokio::process::Child,
    pid: u32,
    http: std::net::SocketAddr,
    grpc: std::net::SocketAddr,
}

impl Server {
    fn rss_kib(&self) -> u64 {
        let status =
            std::fs::read_to_string(format!("/proc/{}/status", self.pid)).unwrap_or_default();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(0)
    }
}

/// The environment every `asteri` process of the run shares.
fn asteri(env: &[(&str, String)]) -> tokio::process::Command {
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_asteri"));
    for (k, v) in env {
        command.env(k, v);
    }
    command.env("RUST_LOG", "warn").kill_on_drop(true);
    command
}

async fn json_of(mut command: tokio::process::Command) -> anyhow::Result<serde_json::Value> {
    let out = command.stderr(Stdio::inherit()).output().await?;
    anyhow::ensure!(out.status.success(), "asteri failed: {:?}", out.status);
    Ok(serde_json::from_slice(&out.stdout)?)
}

async fn tenant(env: &[(&str, String)], name: &str) -> anyhow::Result<Tenant> {
    let mut c = asteri(env);
    c.args(["orgs", "create", "--name", name, "--sandbox", "--json"]);
    let org = json_of(c).await?["id"]
        .as_str()
        .context("org id")?
        .to_owned();
    let mut c = asteri(env);
    c.args([
        "keys", "create", "--org", &org, "--name", "bench", "--env", "test",
    ]);
    c.args(["--scopes", "read:customers,write:customers,manage:webhooks"]);
    c.args([
        "--per-minute",
        "100000000",
        "--per-day",
        "1000000000",
        "--json",
    ]);
    let key = json_of(c).await?["secret"]
        .as_str()
        .context("secret")?
        .to_owned();
    Ok(Tenant { org, key })
}

async fn serve(
    env: &[(&str, String)],
    log: std::fs::File,
    callgrind: Option<&str>,
) -> anyhow::Result<Server> {
    let mut c = match callgrind {
        None => asteri(env),
        Some(dir) => {
            let mut c = tokio::process::Command::new("valgrind");
            c.arg("--tool=callgrind")
                .arg(format!("--callgrind-out-file={dir}/callgrind.out.%p"))
                .arg(env!("CARGO_BIN_EXE_asteri"))
                .envs(env.iter().map(|(k, v)| (k, v)))
                .env("RUST_LOG", "warn")
                .kill_on_drop(true);
            c
        }
    };
    c.args(["serve", "--role", "all"])
        .env("ASTERI_HTTP_ADDR", "127.0.0.1:0")
        .env("ASTERI_GRPC_ADDR", "127.0.0.1:0")
        .env("ASTERI_WEBHOOK_ALLOW_PRIVATE", "1")
        .stdout(Stdio::piped())
        .stderr(log);
    let mut child = c.spawn()?;
    let pid = child.id().context("server pid")?;
    let mut lines = tokio::io::BufReader::new(child.stdout.take().context("stdout")?).lines();
    let (mut http, mut grpc) = (None, None);
    while let Some(line) = lines.next_line().await? {
        if let Some(a) = line.strip_prefix("http ") {
            http = Some(a.parse()?);
        } else if let Some(a) = line.strip_prefix("grpc ") {
            grpc = Some(a.parse()?);
            break;
        }
    }
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    Ok(Server {
        child,
        pid,
        http: http.context("the server printed no http address")?,
        grpc: grpc.context("the server printed no grpc address")?,
    })
}

/// One REST connection (HTTP/1.1, keep-alive).
struct Rest {
    sender: hyper::client::conn::http1::SendRequest<Full<Bytes>>,
    host: String,
}

impl Rest {
    async fn connect(addr: std::net::SocketAddr) -> anyhow::Result<Self> {
        let stream = tokio::net::TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
        tokio::spawn(conn);
        Ok(Self {
            sender,
            host: addr.to_string(),
        })
    }

    /// Sends one request; the status and the whole body.
    async fn send(
        &mut self,
        method: http::Method,
        path: &str,
        tenant: Option<&Tenant>,
        body: Option<String>,
    ) -> anyhow::Result<(http::StatusCode, Bytes)> {
        let mut request = http::Request::builder()
            .method(method)
            .uri(path)
            .header(http::header::HOST, &self.host);
        if let Some(t) = tenant {
            request = request
                .header("x-api-key", &t.key)
                .header("x-organization-id", &t.org);
        }
        if body.is_some() {
            request = request.header(http::header::CONTENT_TYPE, "application/json");
        }
        let request = request.body(Full::new(Bytes::from(body.unwrap_or_default())))?;
        self.sender.ready().await?;
        let response = self.sender.send_request(request).await?;
        let status = response.status();
        let body = response.into_body().collect().await?.to_bytes();
        SENT.fetch_add(1, Ordering::Relaxed);
        Ok((status, body))
    }
}

/// One gRPC connection with the tenant's credentials.
struct Grpc {
    customers: CustomersServiceClient<Channel>,
    health: HealthClient<Channel>,
    key: MetadataValue<tonic::metadata::Ascii>,
    org: MetadataValue<tonic::metadata::Ascii>,
}

impl Grpc {
    async fn connect(addr: std::net::SocketAddr, t: &Tenant) -> anyhow::Result<Self> {
        let channel = tonic::transport::Endpoint::from_shared(format!("http://{addr}"))?
            .tcp_nodelay(true)
            .connect()
            .await?;
        Ok(Self {
            customers: CustomersServiceClient::new(channel.clone()),
            health: HealthClient::new(channel),
            key: t.key.parse()?,
            org: t.org.parse()?,
        })
    }

    fn request<T>(&self, message: T) -> tonic::Request<T> {
        let mut r = tonic::Request::new(message);
        r.metadata_mut().insert("x-api-key", self.key.clone());
        r.metadata_mut()
            .insert("x-organization-id", self.org.clone());
        r
    }
}

/// What one task needs to send any operation.
struct Client {
    rest: Option<Rest>,
    grpc: Option<Grpc>,
    tenant: Tenant,
    ids: Arc<Vec<String>>,
    n: usize,
}

impl Client {
    /// One operation; `Ok(false)` when the server answered with an error.
    async fn once(&mut self, op: Op) -> anyhow::Result<bool> {
        self.n += 1;
        let id = &self.ids[(self.n * 7919) % self.ids.len()];
        let name = format!("{{\"name\":\"Bench customer {}\"}}", self.n);
        let t = Some(&self.tenant);
        if let Some(rest) = self.rest.as_mut() {
            let get = format!("/api/public/v1/customers/{id}");
            let (status, _) = match op {
                Op::Health => rest.send(http::Method::GET, "/healthz", None, None),
                Op::Get => rest.send(http::Method::GET, &get, t, None),
                Op::List => {
                    let path = "/api/public/v1/customers?limit=20";
                    rest.send(http::Method::GET, path, t, None)
                }
                Op::Create | Op::Webhook => {
                    let path = "/api/public/v1/customers";
                    rest.send(http::Method::POST, path, t, Some(name))
                }
            }
            .await?;
            return Ok(status.is_success());
        }
        let g = self.grpc.as_mut().expect("a client has one door");
        let ok = match op {
            Op::Health => {
                let check = HealthCheckRequest {
                    service: String::new(),
                };
                g.health.check(check).await.is_ok()
            }
            Op::Get => {
                let r = g.request(GetCustomerRequest { id: id.clone() });
                g.customers.get_customer(r).await.is_ok()
            }
            Op::List => {
                let r = g.request(ListCustomersRequest {
                    limit: Some(20),
                    ..Default::default()
                });
                g.customers.list_customers(r).await.is_ok()
            }
            Op::Create | Op::Webhook => {
                let r = g.request(CreateCustomerRequest {
                    name: format!("Bench customer {}", self.n),
                    ..Default::default()
                });
                g.customers.create_customer(r).await.is_ok()
            }
        };
        SENT.fetch_add(1, Ordering::Relaxed);
        Ok(ok)
    }
}

#[derive(Clone, Copy, Default)]
struct Cell {
    rate: f64,
    p50: f64,
    p99: f64,
    errors: u64,
}

struct Load {
    server: (std::net::SocketAddr, std::net::SocketAddr),
    connections: usize,
    warmup: Duration,
    seconds: Duration,
    plain: Tenant,
    hooked: Tenant,
    ids: Arc<Vec<String>>,
}

impl Load {
    async fn clients(&self, door: Door, tenant: &Tenant) -> anyhow::Result<Vec<Client>> {
        let mut clients = Vec::with_capacity(self.connections);
        for _ in 0..self.connections {
            clients.push(Client {
                rest: match door {
                    Door::Rest => Some(Rest::connect(self.server.0).await?),
                    Door::Grpc => None,
                },
                grpc: match door {
                    Door::Grpc => Some(Grpc::connect(self.server.1, tenant).await?),
                    Door::Rest => None,
                },
                tenant: tenant.clone(),
                ids: Arc::clone(&self.ids),
                n: 0,
            });
        }
        Ok(clients)
    }

    /// A cell, bracketed by callgrind's zero and dump when the server runs under it.
    async fn profiled(&self, door: Door, op: Op, pid: Option<u32>) -> anyhow::Result<Cell> {
        let control = |arg: String| {
            let pid = pid.map(|p| p.to_string());
            async move {
                if let Some(pid) = pid {
                    let status = tokio::process::Command::new("callgrind_control")
                        .args([arg, pid])
                        .stdout(Stdio::null())
                        .status()
                        .await?;
                    anyhow::ensure!(status.success(), "callgrind_control failed");
                }
                anyhow::Ok(())
            }
        };
        control("--zero".into()).await?;
        let before = SENT.load(Ordering::Relaxed);
        let cell = self.cell(door, op).await?;
        let name = format!(
            "{}-{}",
            op.key(),
            if door == Door::Rest { "rest" } else { "grpc" }
        );
        control(format!("--dump={name}")).await?;
        if pid.is_some() {
            let n = SENT.load(Ordering::Relaxed) - before;
            println!("  callgrind dump {name}: {n} requests");
        }
        Ok(cell)
    }

    /// `connections` tasks sending `op` back to back: warm-up, then `seconds` measured.
    async fn cell(&self, door: Door, op: Op) -> anyhow::Result<Cell> {
        let tenant = if op == Op::Webhook {
            &self.hooked
        } else {
            &self.plain
        };
        let clients = self.clients(door, tenant).await?;
        let start = Instant::now() + self.warmup;
        let end = start + self.seconds;
        let tasks: Vec<_> = clients
            .into_iter()
            .map(|mut c| {
                tokio::spawn(async move {
                    let (mut micros, mut errors) = (Vec::with_capacity(1 << 14), 0u64);
                    loop {
                        let t0 = Instant::now();
                        if t0 >= end {
                            break;
                        }
                        let ok = c.once(op).await?;
                        if t0 >= start {
                            micros.push(t0.elapsed().as_micros() as u32);
                            errors += u64::from(!ok);
                        }
                    }
                    anyhow::Ok((micros, errors))
                })
            })
            .collect();
        let (mut all, mut errors) = (Vec::new(), 0);
        for task in tasks {
            let (micros, e) = task.await??;
            all.extend(micros);
            errors += e;
        }
        all.sort_unstable();
        let at = |p: usize| all[(all.len() * p / 100).min(all.len() - 1)] as f64 / 1000.0;
        Ok(Cell {
            rate: all.len() as f64 / self.seconds.as_secs_f64(),
            p50: at(50),
            p99: at(99),
            errors,
        })
    }

    /// Mixed reads and writes on both doors until `total` requests were sent in the run.
    async fn until(&self, total: u64) -> anyhow::Result<()> {
        let half = self.connections / 2;
        let mut tasks = Vec::new();
        for clients in [
            self.clients(Door::Rest, &self.plain).await?,
            self.clients(Door::Grpc, &self.plain).await?,
        ] {
            for mut c in clients.into_iter().take(half.max(1)) {
                tasks.push(tokio::spawn(async move {
                    let ops = [Op::Get, Op::Get, Op::Get, Op::List, Op::Create];
                    let mut i = 0;
                    while SENT.load(Ordering::Relaxed) < total {
                        c.once(ops[i % ops.len()]).await?;
                        i += 1;
                    }
                    anyhow::Ok(())
                }));
            }
        }
        for task in tasks {
            task.await??;
        }
        Ok(())
    }
}

fn row(label: &str, rest: Cell, grpc: Cell) -> String {
    let cell = |c: Cell| format!("{:>8.0} {:>7.2} {:>7.2}", c.rate, c.p50, c.p99);
    let errors = if rest.errors + grpc.errors > 0 {
        format!("  errors {}/{}", rest.errors, grpc.errors)
    } else {
        String::new()
    };
    format!(
        "| {label:<26} | {} | {} | {:>8.2} |{errors}",
        cell(rest),
        cell(grpc),
        rest.rate / grpc.rate
    )
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let connections = env_num("ASTERI_BENCH_CONNECTIONS", 32) as usize;
    let seconds = Duration::from_secs_f64(env_num("ASTERI_BENCH_SECONDS", 3) as f64);
    let warmup = Duration::from_millis(env_num("ASTERI_BENCH_WARMUP_MS", 300));
    let customers = env_num("ASTERI_BENCH_CUSTOMERS", 1_000) as usize;
    let memory_requests = env_num("ASTERI_BENCH_MEMORY_REQUESTS", 200_000);
    let dir = tempfile::tempdir()?;
    let database_url = std::env::var("ASTERI_BENCH_DATABASE_URL").unwrap_or_else(|_| {
        format!(
            "sqlite://{}?mode=rwc",
            dir.path().join("bench.db").display()
        )
    });
    let backend = if database_url.starts_with("postgres") {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    let env = [
        ("ASTERI_DATABASE_URL", database_url),
        (
            "ASTERI_SECRET_KEY",
            "bench-secret-key-0123456789abcdef-0123".to_owned(),
        ),
        (
            "ASTERI_FILES_DIR",
            dir.path().join("files").display().to_string(),
        ),
    ];
    let mut migrate = asteri(&env);
    migrate.arg("migrate").stdout(Stdio::null());
    anyhow::ensure!(migrate.status().await?.success(), "asteri migrate failed");
    let plain = tenant(&env, "Bench plain").await?;
    let hooked = tenant(&env, "Bench hooked").await?;
    let log = std::fs::File::create(dir.path().join("server.log"))?;
    let callgrind = std::env::var("ASTERI_BENCH_CALLGRIND").ok();
    let mut server = serve(&env, log, callgrind.as_deref()).await?;

    // The webhook receiver: answers every delivery 200 at once.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let hook_url = format!("http://{}/hook", listener.local_addr()?);
    let app = Router::new().route("/hook", post(|| async { "ok" }));
    tokio::spawn(async move { axum::serve(listener, app).await });
    let mut rest = Rest::connect(server.http).await?;
    let endpoint = serde_json::json!({"url": hook_url, "event_types": ["customer.created"]});
    let (status, body) = rest
        .send(
            http::Method::POST,
            "/api/public/v1/webhook_endpoints",
            Some(&hooked),
            Some(endpoint.to_string()),
        )
        .await?;
    anyhow::ensure!(status == 201, "endpoint: {status} {body:?}");

    // What GET by id reads: `customers` customers of the plain organization.
    let mut ids = Vec::with_capacity(customers);
    for i in 0..customers {
        let body = format!("{{\"name\":\"Seeded customer {i}\",\"company\":\"Bench Co\"}}");
        let (status, body) = rest
            .send(
                http::Method::POST,
                "/api/public/v1/customers",
                Some(&plain),
                Some(body),
            )
            .await?;
        anyhow::ensure!(status == 201, "seeding: {status} {body:?}");
        let v: serde_json::Value = serde_json::from_slice(&body)?;
        ids.push(v["id"].as_str().context("id")?.to_owned());
    }

    let load = Load {
        server: (server.http, server.grpc),
        connections,
        warmup,
        seconds,
        plain,
        hooked,
        ids: Arc::new(ids),
    };
    // The RSS after the first 10,000 requests (the seeding's included) of the mix that the
    // memory phase goes on with after the cells, so that both figures see the same work.
    if memory_requests > 0 {
        load.until(10_000).await?;
    }
    let first = server.rss_kib();
    let only = std::env::var("ASTERI_BENCH_OPS").unwrap_or_default();
    let profiled = callgrind.as_ref().map(|_| server.pid);
    let mut cells = Vec::new();
    for op in Op::ALL {
        if !only.is_empty() && !only.split(',').any(|o| o == op.key()) {
            continue;
        }
        let rest = load.profiled(Door::Rest, op, profiled).await?;
        let grpc = load.profiled(Door::Grpc, op, profiled).await?;
        cells.push((op, rest, grpc));
    }
    println!(
        "hotpath: `asteri serve --role all` on {backend}, {connections} connections per cell, {:.1} s measured per cell",
        seconds.as_secs_f64()
    );
    println!(
        "| {:<26} | {:>8} {:>7} {:>7} | {:>8} {:>7} {:>7} | {:>8} |",
        "operation", "REST r/s", "p50 ms", "p99 ms", "gRPC r/s", "p50 ms", "p99 ms", "REST/gRPC"
    );
    println!("|{:-<28}|{:-<26}|{:-<26}|{:-<10}|", "", "", "", "");
    for (op, rest, grpc) in &cells {
        println!("{}", row(op.label(), *rest, *grpc));
    }
    let find = |op: Op| cells.iter().find(|c| c.0 == op).map(|c| (c.1, c.2));
    let (Some((rest_health, grpc_health)), Some((rest_get, grpc_get))) =
        (find(Op::Health), find(Op::Get))
    else {
        server.child.start_kill()?;
        return Ok(());
    };
    let verdict = |v: f64, target: f64| if v >= target { "met" } else { "NOT met" };
    let ratios = [
        (
            "REST GET /customers/{id} / REST /healthz",
            rest_get.rate / rest_health.rate,
            0.2,
        ),
        (
            "gRPC GetCustomer / gRPC health check",
            grpc_get.rate / grpc_health.rate,
            0.5,
        ),
        (
            "REST GET by id / gRPC GetCustomer",
            rest_get.rate / grpc_get.rate,
            0.8,
        ),
    ];
    for (name, v, target) in ratios {
        println!(
            "  {name:<42} {v:>6.3}  (target >= {target}: {})",
            verdict(v, target)
        );
    }

    if memory_requests > 0 {
        load.until(memory_requests.max(10_000)).await?;
        let last = server.rss_kib();
        let growth = last as f64 / first as f64 - 1.0;
        println!(
            "  RSS of the server: {:.1} MiB after 10,000 requests, {:.1} MiB after {memory_requests}: {:+.1}% (target within 20%: {})",
            first as f64 / 1024.0,
            last as f64 / 1024.0,
            growth * 100.0,
            if growth.abs() <= 0.2 {
                "met"
            } else {
                "NOT met"
            }
        );
    }
    server.child.start_kill()?;
    server.child.wait().await?;
    Ok(())
}
