//! The log as a person or a log shipper reads it: the `asteri` binary run as a process, its
//! stderr captured. A gateway whose services cannot be reached answers 503, and logs the
//! failure once, with its cause, on a line that names the request.

use std::{
    io::{BufRead as _, Read as _},
    net::TcpListener,
    process::{Command, Stdio},
};

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_asteri");
const REQUEST_ID: &str = "req_log_lines_test_1";

/// Runs a gateway whose upstreams refuse connections, sends it one keyed request, stops it
/// (SIGINT) and returns what it wrote on stderr.
async fn gateway_log(format: &str) -> String {
    storage::objects::install_crypto_provider();
    // A port nothing listens on: bound, then released.
    let closed = {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", listener.local_addr().unwrap())
    };
    let dir = tempfile::tempdir().unwrap();
    let mut command = Command::new(BIN);
    command
        .args(["serve", "--role", "gateway"])
        .current_dir(dir.path())
        .env("ASTERI_HTTP_ADDR", "127.0.0.1:0")
        .env("ASTERI_KEYS_URL", &closed)
        .env("ASTERI_RESOURCES_URL", &closed)
        .env("ASTERI_WEBHOOKS_URL", &closed)
        .env("ASTERI_SECRET_KEY", "log-test-secret-key-0123456789abcdef")
        .env(
            "ASTERI_INTERNAL_TOKEN",
            "ast_int_log0123456789abcdefghijklmnopqrstuv",
        );
    let logged = Logged::start(command, format).await;
    let response = reqwest::Client::new()
        .get(format!("http://{}/api/public/v1/customers", logged.http))
        .header(
            "x-api-key",
            "ast_test_0123456789abcdefghijklmnopqrstuvwxyzAB",
        )
        .header("x-organization-id", "org_logs")
        .header("x-request-id", REQUEST_ID)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 503);
    logged.stop().await
}

/// A running `asteri serve` whose stderr is kept.
struct Logged {
    child: crate::cli::Proc,
    http: String,
    log: std::thread::JoinHandle<String>,
}

impl Logged {
    /// Starts `command` logging in `format` at `info`, exporting nothing, and reads the
    /// HTTP address it prints first.
    async fn start(mut command: Command, format: &str) -> Self {
        let mut child = command
            .env("ASTERI_LOG_FORMAT", format)
            .env("RUST_LOG", "info")
            .env_remove("OTEL_EXPORTER_OTLP_ENDPOINT")
            .env_remove("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let (mut stdout, stderr) = (child.stdout.take().unwrap(), child.stderr.take().unwrap());
        // Killed if the test fails before it stops the process itself.
        let child = crate::cli::Proc(child);
        let log = std::thread::spawn(move || {
            let mut text = String::new();
            std::io::BufReader::new(stderr)
                .read_to_string(&mut text)
                .unwrap();
            text
        });
        let (first, http) = tokio::sync::oneshot::channel();
        // Read to the end: a process that prints more than its first line (`--role all`
        // prints its gRPC address next) must not find the pipe closed.
        std::thread::spawn(move || {
            let mut lines = std::io::BufReader::new(&mut stdout).lines();
            let _ = first.send(lines.next().and_then(Result::ok).unwrap_or_default());
            lines.for_each(drop);
        });
        let http = http.await.unwrap();
        let http = http.trim_start_matches("http ").to_owned();
        Self { child, http, log }
    }

    /// Stops the process (SIGINT), checks that it stopped cleanly, and returns its stderr.
    async fn stop(self) -> String {
        let Self { mut child, log, .. } = self;
        let stopped = Command::new("kill")
            .args(["-INT", &child.0.id().to_string()])
            .status()
            .unwrap();
        assert!(stopped.success());
        let exit = tokio::task::spawn_blocking(move || child.0.wait().unwrap())
            .await
            .unwrap();
        let log = log.join().unwrap();
        assert!(
            exit.success(),
            "the process stops cleanly on SIGINT ({exit}): {log}"
        );
        log
    }
}

#[tokio::test]
async fn json_log_lines_name_their_request_and_an_upstream_failure_is_logged_once() {
    let log = gateway_log("json").await;
    let lines: Vec<Value> = log
        .lines()
        .map(|line| {
            serde_json::from_str(line).unwrap_or_else(|e| panic!("not a JSON line ({e}): {line}"))
        })
        .collect();
    assert!(!lines.is_empty());
    for line in &lines {
        assert!(
            line["timestamp"].is_string() && line["level"].is_string(),
            "{line}"
        );
    }
    let failures: Vec<&Value> = lines
        .iter()
        .filter(|l| l["fields"]["message"] == "upstream call failed")
        .collect();
    assert_eq!(failures.len(), 1, "logged once: {log}");
    let failure = failures[0];
    assert_eq!(failure["level"], "ERROR");
    let ids: Vec<&Value> = failure["spans"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|span| span.get("request_id"))
        .collect();
    assert_eq!(ids, [REQUEST_ID], "{failure}");
    // The cause's whole chain, down to the refused connection.
    let error = failure["fields"]["error"].as_str().unwrap();
    assert!(
        error.contains("not reachable") || error.contains("transport error"),
        "{error}"
    );
    assert!(
        error.to_lowercase().contains("connection refused"),
        "{error}"
    );
    assert!(
        !log.contains("ast_test_0123456789"),
        "the credential never reaches the log"
    );
}

#[tokio::test]
async fn text_log_lines_name_their_request_too() {
    let log = gateway_log("text").await;
    let failures: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("upstream call failed"))
        .collect();
    assert_eq!(failures.len(), 1, "logged once: {log}");
    assert!(
        failures[0].contains(&format!("request_id=\"{REQUEST_ID}\""))
            || failures[0].contains(&format!("request_id={REQUEST_ID}")),
        "{}",
        failures[0]
    );
    assert!(failures[0].to_lowercase().contains("connection refused"));
}

/// `--role all`: the services' lines of a REST request, served in process, name the
/// request too, once: inside the gateway's request span, with no span of the door's own
/// repeating the id while nothing is exported (`telemetry::spans::InRequestSpan`).
#[tokio::test]
async fn service_lines_of_an_in_process_call_name_their_request_once() {
    const ID: &str = "req_log_lines_in_process";
    storage::objects::install_crypto_provider();
    let env = crate::cli::Env::new();
    let (org, secret) = env.org_with_key("Logs", "write:team");
    let mut command = env.command(&["serve", "--role", "all"]);
    command
        .env("ASTERI_HTTP_ADDR", "127.0.0.1:0")
        .env("ASTERI_GRPC_ADDR", "127.0.0.1:0");
    let logged = Logged::start(command, "json").await;
    let url = format!("http://{}/api/public/v1/team_members", logged.http);
    let client = reqwest::Client::new();
    let create = |request_id: &'static str| {
        client
            .post(&url)
            .header("x-api-key", &secret)
            .header("x-organization-id", &org)
            .header("x-request-id", request_id)
            .json(&serde_json::json!({"name": "Dee", "email": "dee@example.com"}))
            .send()
    };
    assert_eq!(create("req_log_lines_first").await.unwrap().status(), 201);
    // The same address again: the service logs the constraint it hit (and answers 409).
    assert_eq!(create(ID).await.unwrap().status(), 409);
    let log = logged.stop().await;
    let lines: Vec<Value> = log
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
        .collect();
    let violations: Vec<&Value> = lines
        .iter()
        .filter(|l| l["fields"]["message"] == "constraint violation")
        .collect();
    assert_eq!(violations.len(), 1, "{log}");
    let ids: Vec<&Value> = violations[0]["spans"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|span| span.get("request_id"))
        .collect();
    assert_eq!(ids, [ID], "{}", violations[0]);
    // The constraint itself stays in the log (never in the answer): the cause chain.
    let error = violations[0]["fields"]["error"].as_str().unwrap();
    assert!(error.to_lowercase().contains("unique"), "{error}");
}
