//! A system of real processes of the built binary (`asteri serve --role ...`), each on free
//! ports (it prints the addresses it bound), sharing one PostgreSQL database of the test's
//! own and one Redis under a prefix of the test's own.

use std::{
    net::SocketAddr,
    path::PathBuf,
    process::Stdio,
    time::{Duration, Instant},
};

use serde_json::Value;
use tokio::{
    io::{AsyncBufReadExt as _, BufReader},
    process::{Child, Command},
};

const BIN: &str = env!("CARGO_BIN_EXE_asteri");

/// One running process of the system.
pub struct Proc {
    pub name: String,
    pub http: SocketAddr,
    pub grpc: Option<SocketAddr>,
    child: Child,
    log: PathBuf,
}

impl Proc {
    pub fn base(&self) -> String {
        format!("http://{}", self.http)
    }

    pub fn grpc_url(&self) -> String {
        format!("http://{}", self.grpc.expect("a gRPC role"))
    }

    pub fn pid(&self) -> Option<u32> {
        self.child.id()
    }

    /// What the process logged (its standard error), for failure messages.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// SIGTERM, as an orchestrator stops a replica, and the time until the process exited
    /// (it must exit cleanly: the drain ended).
    pub async fn terminate(mut self) -> Duration {
        let started = Instant::now();
        let pid = self.child.id().expect("still running").to_string();
        let sent = Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .await
            .unwrap();
        assert!(sent.success(), "kill -TERM {pid}");
        let status = tokio::time::timeout(Duration::from_secs(30), self.child.wait())
            .await
            .unwrap_or_else(|_| panic!("{} did not stop within 30 s", self.name))
            .unwrap();
        assert!(
            status.success(),
            "{} exited with {status}: {}",
            self.name,
            self.log()
        );
        started.elapsed()
    }
}

/// Everything the processes of one system share.
pub struct System {
    dir: tempfile::TempDir,
    env: Vec<(String, String)>,
    started: usize,
}

impl System {
    /// The lines of every process's log that report a failure (`ERROR` or `WARN`), named by
    /// process: what a failed assertion shows, since the logs go with the temporary folder.
    pub fn failures_logged(&self) -> String {
        let mut out = String::new();
        let Ok(entries) = std::fs::read_dir(self.dir.path()) else {
            return out;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.extension().is_some_and(|e| e == "log") {
                let text = std::fs::read_to_string(&path).unwrap_or_default();
                for line in text
                    .lines()
                    .filter(|l| l.contains(" ERROR ") || l.contains(" WARN "))
                {
                    out.push_str(&format!(
                        "{}: {line}\n",
                        path.file_name().unwrap().to_string_lossy()
                    ));
                }
            }
        }
        out
    }

    pub fn new(dir: tempfile::TempDir, database_url: &str, redis_url: &str, prefix: &str) -> Self {
        let internal = asteri::config::random_token(proto::credentials::INTERNAL_PREFIX);
        let files = dir.path().join("files");
        let env = [
            ("ASTERI_DATABASE_URL", database_url.to_owned()),
            ("ASTERI_SECRET_KEY", asteri::config::random_token("")),
            ("ASTERI_INTERNAL_TOKEN", internal),
            ("ASTERI_REDIS_URL", redis_url.to_owned()),
            ("ASTERI_REDIS_PREFIX", prefix.to_owned()),
            ("ASTERI_FILES_DIR", files.display().to_string()),
            ("ASTERI_WEBHOOK_ALLOW_PRIVATE", "1".to_owned()),
            // A failed attempt is retried once, a second later.
            ("ASTERI_WEBHOOK_RETRY_SCHEDULE", "1".to_owned()),
            (
                "RUST_LOG",
                "info,sqlx=warn,sea_orm=warn,h2=warn,tower=warn".to_owned(),
            ),
        ];
        Self {
            env: env.into_iter().map(|(k, v)| (k.to_owned(), v)).collect(),
            dir,
            started: 0,
        }
    }

    pub fn internal_token(&self) -> &str {
        self.var("ASTERI_INTERNAL_TOKEN")
    }

    pub fn redis(&self) -> (&str, &str) {
        (
            self.var("ASTERI_REDIS_URL"),
            self.var("ASTERI_REDIS_PREFIX"),
        )
    }

    fn var(&self, name: &str) -> &str {
        &self.env.iter().find(|(k, _)| k == name).unwrap().1
    }

    fn command(&self, args: &[&str], extra: &[(&str, String)]) -> Command {
        let mut command = Command::new(BIN);
        command
            .args(args)
            .current_dir(self.dir.path())
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .envs(extra.iter().map(|(k, v)| (*k, v.as_str())))
            .stdin(Stdio::null())
            .kill_on_drop(true);
        command
    }

    /// An operator command (`asteri orgs create ... --json`), its standard output as JSON.
    pub async fn cli(&self, args: &[&str]) -> Value {
        let output = self.command(args, &[]).output().await.unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "asteri {args:?}: {stderr}");
        let stdout = String::from_utf8_lossy(&output.stdout);
        serde_json::from_str(&stdout).unwrap_or(Value::String(stdout.into_owned()))
    }

    /// Starts `asteri serve --role ROLE` on `http` (port 0: any) with `extra` variables, and
    /// waits for the addresses it prints.
    pub async fn serve(&mut self, role: &str, http: SocketAddr, extra: &[(&str, String)]) -> Proc {
        self.started += 1;
        let name = format!("{role}-{}", self.started);
        let log = self.dir.path().join(format!("{name}.log"));
        let mut extra = extra.to_vec();
        extra.push(("ASTERI_HTTP_ADDR", http.to_string()));
        extra.push(("ASTERI_GRPC_ADDR", "127.0.0.1:0".to_owned()));
        let mut child = self
            .command(&["serve", "--role", role], &extra)
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let wants_grpc = !matches!(role, "gateway" | "worker");
        let (mut http, mut grpc) = (None, None);
        let printed = async {
            while http.is_none() || (wants_grpc && grpc.is_none()) {
                let Some(line) = lines.next_line().await.unwrap() else {
                    break;
                };
                let address = |l: &str| l.trim().parse::<SocketAddr>().ok();
                if let Some(a) = line.strip_prefix("http ") {
                    http = address(a);
                } else if let Some(a) = line.strip_prefix("grpc ") {
                    grpc = address(a);
                }
            }
        };
        let waited = tokio::time::timeout(Duration::from_secs(60), printed).await;
        // Keep reading: a closed pipe would fail the process's next print.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        let logged = || std::fs::read_to_string(&log).unwrap_or_default();
        assert!(waited.is_ok(), "{name} printed no address: {}", logged());
        let http = http.unwrap_or_else(|| panic!("{name} did not start: {}", logged()));
        Proc {
            name,
            http,
            grpc,
            child,
            log,
        }
    }
}

/// Port 0: the process picks a free port and prints it.
pub fn any_port() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 0))
}
