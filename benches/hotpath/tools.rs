//! The issue's own load generators for the health and GET-by-id cells: `wrk` (HTTP/1.1, the
//! REST door) and `h2load` (HTTP/2, the gRPC door), run when both are installed (Debian:
//! `apt-get install wrk nghttp2-client`; `ASTERI_BENCH_TOOLS=off` skips them).
//!
//! Why beside the bench's own generator: the baseline and targets were measured with
//! these two tools, and a load generator's own cost per request is part of every ratio taken
//! on two shared cores. wrk and h2load are cheaper per request than hyper's and tonic's
//! clients (h2load's HTTP/2 far cheaper than tonic's), so they move the ratios, not only
//! the absolute rates: only they reproduce the figures.
//!
//! Each cell: `wrk -t T -c C -d S --latency` or `h2load -t T -c C -m 1 -D S` (one stream
//! per connection: closed loop, as the bench's own tasks), where T is the machine's cores,
//! C the bench's connections and S its seconds (whole, at least 1). GET by id reads one
//! customer (the first seeded; a point read costs the same for any id). The gRPC requests
//! are the serialized messages in files; h2load sees only HTTP statuses, not
//! `grpc-status`, so the bench's own tonic cells (run first, with the same tenant and
//! customer) are what shows that these calls succeed.

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use prost::Message as _;
use proto::v1::GetCustomerRequest;

use crate::{
    Door, Op,
    load::{Cell, Load, cpu_ticks, cpu_us, percentile_ms},
};

pub(crate) struct Tools {
    wrk: PathBuf,
    h2load: PathBuf,
    dir: PathBuf,
    /// The one customer GET by id reads.
    id: String,
}

/// A program on `PATH`.
fn find(name: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

/// A gRPC message as HTTP/2 carries it: uncompressed flag, big-endian length, message.
fn framed(message: &[u8]) -> Vec<u8> {
    let mut framed = vec![0];
    framed.extend_from_slice(&(message.len() as u32).to_be_bytes());
    framed.extend_from_slice(message);
    framed
}

impl Tools {
    /// Both tools, or `None` (with the reason printed) when one is missing or they are
    /// switched off.
    pub(crate) fn find(dir: &Path, id: &str) -> anyhow::Result<Option<Self>> {
        if std::env::var("ASTERI_BENCH_TOOLS").is_ok_and(|v| v == "off") {
            return Ok(None);
        }
        let (Some(wrk), Some(h2load)) = (find("wrk"), find("h2load")) else {
            println!(
                "  (wrk and h2load, the issue's tools, are not both installed: only the bench's own load generator was run; Debian: apt-get install wrk nghttp2-client)"
            );
            return Ok(None);
        };
        std::fs::write(dir.join("health.grpc"), framed(&[]))?;
        let get = GetCustomerRequest { id: id.to_owned() }.encode_to_vec();
        std::fs::write(dir.join("get.grpc"), framed(&get))?;
        Ok(Some(Self {
            wrk,
            h2load,
            dir: dir.to_owned(),
            id: id.to_owned(),
        }))
    }

    /// The cell's load for `seconds`, with the server's CPU time over it.
    pub(crate) async fn cell(&self, load: &Load, door: Door, op: Op) -> anyhow::Result<Cell> {
        let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
        let seconds = load.seconds.as_secs_f64().round().max(1.0) as u64;
        let connections = load.connections.to_string();
        // What each door sends for the operation: REST path, gRPC method and body file;
        // GET by id carries the tenant's credentials (the health routes need none).
        let ((path, method, body), credentials) = match op {
            Op::Health => (
                (
                    "/healthz".to_owned(),
                    "/grpc.health.v1.Health/Check",
                    "health.grpc",
                ),
                vec![],
            ),
            Op::Get => (
                (
                    format!("/api/public/v1/customers/{}", self.id),
                    "/asteri.v1.CustomersService/GetCustomer",
                    "get.grpc",
                ),
                vec![
                    format!("x-api-key: {}", load.plain.key),
                    format!("x-organization-id: {}", load.plain.org),
                ],
            ),
            _ => anyhow::bail!("the tools run only the health and GET cells"),
        };
        let (mut command, url) = match door {
            Door::Rest => {
                let mut c = tokio::process::Command::new(&self.wrk);
                c.arg(format!("-t{threads}")).args([
                    "-c",
                    &connections,
                    "-d",
                    &format!("{seconds}s"),
                    "--latency",
                ]);
                (c, format!("http://{}{path}", load.server.0))
            }
            Door::Grpc => {
                let mut c = tokio::process::Command::new(&self.h2load);
                c.arg(format!("-t{threads}"))
                    .args(["-c", &connections, "-m", "1", "-D", &seconds.to_string()])
                    .args(["-H", "content-type: application/grpc", "-H", "te: trailers"])
                    .arg(format!("--log-file={}", self.log().display()))
                    .arg("-d")
                    .arg(self.dir.join(body));
                (c, format!("http://{}{method}", load.server.1))
            }
        };
        for header in &credentials {
            command.args(["-H", header]);
        }
        command.arg(url);
        // The per-request log of this run only, whether h2load appends or truncates.
        if door == Door::Grpc {
            let _ = std::fs::remove_file(self.log());
        }
        let before = cpu_ticks(load.server_pid);
        let out = command.output().await.context("running wrk or h2load")?;
        let after = cpu_ticks(load.server_pid);
        let text = String::from_utf8_lossy(&out.stdout);
        anyhow::ensure!(out.status.success(), "load tool failed: {text}");
        let mut cell = match door {
            Door::Rest => wrk_cell(&text)?,
            Door::Grpc => h2load_cell(&text, &std::fs::read_to_string(self.log())?)?,
        };
        // The tool's own start and stop are inside the bracket: its whole run is the window.
        cell.cpu_us = cpu_us(before, after, cell.rate * seconds as f64);
        Ok(cell)
    }

    fn log(&self) -> PathBuf {
        self.dir.join("h2load.log")
    }
}

/// The value after `label` on the line that starts with it (after spaces).
fn after<'a>(text: &'a str, label: &str) -> Option<&'a str> {
    text.lines()
        .find_map(|l| l.trim_start().strip_prefix(label))
        .map(str::trim)
}

/// wrk's latency, `195.00us`, `1.07ms` or `2.01s`, in milliseconds.
fn millis(v: &str) -> Option<f64> {
    let (n, scale) = if let Some(n) = v.strip_suffix("us") {
        (n, 0.001)
    } else if let Some(n) = v.strip_suffix("ms") {
        (n, 1.0)
    } else {
        (v.strip_suffix('s')?, 1000.0)
    };
    Some(n.parse::<f64>().ok()? * scale)
}

fn wrk_cell(text: &str) -> anyhow::Result<Cell> {
    let rate = after(text, "Requests/sec:")
        .and_then(|v| v.parse().ok())
        .context("wrk printed no Requests/sec")?;
    let p50 = after(text, "50%").and_then(millis).context("wrk p50")?;
    let p99 = after(text, "99%").and_then(millis).context("wrk p99")?;
    // Answers other than 2xx/3xx, and socket errors (connect, read, write, timeout).
    let non_2xx: u64 = after(text, "Non-2xx or 3xx responses:")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let socket: u64 = after(text, "Socket errors:")
        .map(|v| {
            v.split(',')
                .filter_map(|part| part.split_whitespace().last()?.parse::<u64>().ok())
                .sum()
        })
        .unwrap_or(0);
    Ok(Cell {
        rate,
        p50,
        p99,
        errors: non_2xx + socket,
        cpu_us: 0.0,
    })
}

/// h2load's summary, and its per-request log (start, status, microseconds; tab-separated)
/// for the percentiles it does not print.
fn h2load_cell(text: &str, log: &str) -> anyhow::Result<Cell> {
    // "finished in 5.00s, 59946.20 req/s, 2.17MB/s"
    let rate = after(text, "finished in")
        .and_then(|v| v.split(", ").nth(1)?.strip_suffix(" req/s")?.parse().ok())
        .context("h2load printed no req/s")?;
    // "requests: N total, N started, N done, N succeeded, N failed, N errored, N timeout"
    let errors = after(text, "requests:")
        .map(|v| {
            v.split(", ")
                .filter(|part| {
                    ["failed", "errored", "timeout"]
                        .iter()
                        .any(|w| part.ends_with(w))
                })
                .filter_map(|part| part.split_whitespace().next()?.parse::<u64>().ok())
                .sum()
        })
        .context("h2load printed no request counts")?;
    let mut micros: Vec<u32> = log
        .lines()
        .filter_map(|l| l.split('\t').nth(2)?.trim().parse().ok())
        .collect();
    anyhow::ensure!(!micros.is_empty(), "h2load logged no requests");
    micros.sort_unstable();
    Ok(Cell {
        rate,
        p50: percentile_ms(&micros, 50),
        p99: percentile_ms(&micros, 99),
        errors,
        cpu_us: 0.0,
    })
}
