//! Configuration from the environment (CONTRACT section 2).

use std::net::SocketAddr;

use anyhow::{Context as _, bail};
use services::{Group, listen::ConnectionLimits};
use storage::objects::{ObjectsConfig, S3Config};

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Role {
    /// Every service and the gateway in one process.
    All,
    /// The REST gateway only; dials ASTERI_RESOURCES_URL and ASTERI_KEYS_URL.
    Gateway,
    /// The resource services (customers, ...).
    Resources,
    /// API keys, organizations, dashboard users and sessions, and the idempotency store.
    Keys,
    /// Webhook endpoints and events (gRPC).
    Webhooks,
    /// Every gRPC service (resources, keys, webhooks) without the gateway or the worker: the
    /// service replica of a system that runs gateways and workers apart.
    Services,
    /// The webhook delivery worker: claims queued deliveries and sends them (no gRPC).
    Worker,
}

impl Role {
    pub fn groups(self) -> Vec<Group> {
        match self {
            Self::All | Self::Services => vec![Group::Resources, Group::Keys, Group::Webhooks],
            Self::Gateway | Self::Worker => vec![],
            Self::Resources => vec![Group::Resources],
            Self::Keys => vec![Group::Keys],
            Self::Webhooks => vec![Group::Webhooks],
        }
    }

    pub fn runs_worker(self) -> bool {
        matches!(self, Self::All | Self::Worker)
    }

    pub fn runs_gateway(self) -> bool {
        matches!(self, Self::All | Self::Gateway)
    }
}

#[derive(Clone, Debug)]
pub struct Config {
    pub role: Role,
    pub database_url: String,
    pub http_addr: SocketAddr,
    pub grpc_addr: SocketAddr,
    /// The internal service credential (`ast_int_...`) shared by the processes of a system.
    pub internal_token: String,
    /// The key under which API key secrets are hashed. Changing it invalidates every key.
    pub hash_key: Vec<u8>,
    pub resources_url: Option<String>,
    pub keys_url: Option<String>,
    /// How long request logs are kept (`ASTERI_REQUEST_LOG_RETENTION_DAYS`, default 30).
    pub request_log_retention: std::time::Duration,
    /// Where file contents are kept: `ASTERI_FILES_DIR`, or a bucket with `ASTERI_S3_BUCKET`.
    pub files: ObjectsConfig,
    /// The largest file an upload may carry (`ASTERI_MAX_FILE_BYTES`).
    pub max_file_bytes: u64,
    /// Where a gateway finds the webhooks services (`ASTERI_WEBHOOKS_URL`).
    pub webhooks_url: Option<String>,
    /// Endpoint checks, rotation grace and the delivery settings of the webhooks services and
    /// the worker (`ASTERI_WEBHOOK_*`).
    pub webhooks: services::webhooks::WebhookSettings,
    /// What one connection may hold on the REST and gRPC listeners: header-read and idle
    /// timeouts, the connection cap, HTTP/2 limits (`ASTERI_HEADER_READ_TIMEOUT_SECONDS`,
    /// `ASTERI_IDLE_TIMEOUT_SECONDS`, `ASTERI_MAX_CONNECTIONS`, `ASTERI_HTTP2_*`).
    pub connections: ConnectionLimits,
    /// Whether a role that delivers webhooks (`all`, `worker`) starts its worker; tests turn
    /// it off to drive workers themselves.
    pub run_worker: bool,
    /// Where the key budgets of every replica live (`ASTERI_REDIS_URL`, keys under
    /// `ASTERI_REDIS_PREFIX`, default `asteri:`); without it each process has its own.
    pub redis: Option<limits::RedisSettings>,
    /// Which metrics exporters run (`OTEL_METRICS_EXPORTER`, `OTEL_EXPORTER_OTLP_*`).
    pub metrics: telemetry::metrics::MetricsSettings,
    /// Serve `/metrics` here instead of on `http_addr` (`ASTERI_METRICS_ADDR`).
    pub metrics_addr: Option<SocketAddr>,
    /// How long dashboard sessions last idle and at most (`ASTERI_SESSION_IDLE_SECONDS`,
    /// `ASTERI_SESSION_MAX_SECONDS`).
    pub sessions: services::users::SessionSettings,
    /// The dashboard's cookie and sign-in limits (`ASTERI_DASHBOARD_SECURE_COOKIE`,
    /// `ASTERI_SIGN_IN_*`).
    pub dashboard: DashboardSettings,
}

/// How the gateway's dashboard (`/dashboard`) serves its sessions.
#[derive(Clone, Debug, Default)]
pub struct DashboardSettings {
    /// Mark the session cookie `Secure` even without `X-Forwarded-Proto: https`.
    pub secure_cookie: bool,
    pub sign_in_limits: dashboard::SignInLimits,
    /// The OAuth issuer, `ASTERI_PUBLIC_URL` (scheme and host, no path).
    pub public_url: Option<String>,
    /// `ASTERI_OAUTH_TOKEN_PER_MINUTE`: token requests per client and minute.
    pub token_limits: dashboard::TokenLimits,
}

impl DashboardSettings {
    fn from_env() -> anyhow::Result<Self> {
        Ok(Self {
            secure_cookie: match env("ASTERI_DASHBOARD_SECURE_COOKIE").as_deref() {
                None | Some("0") => false,
                Some("1") => true,
                Some(other) => bail!("ASTERI_DASHBOARD_SECURE_COOKIE={other}: use 1 or 0"),
            },
            sign_in_limits: dashboard::SignInLimits::from_env()?,
            public_url: match env("ASTERI_PUBLIC_URL") {
                Some(url) if url.starts_with("https://") || url.starts_with("http://") => {
                    Some(url.trim_end_matches('/').to_owned())
                }
                Some(url) => bail!("ASTERI_PUBLIC_URL={url}: use https://host[:port]"),
                None => None,
            },
            token_limits: dashboard::TokenLimits {
                per_minute: match env("ASTERI_OAUTH_TOKEN_PER_MINUTE") {
                    Some(v) => v.parse().ok().filter(|n| *n > 0).with_context(|| {
                        format!("ASTERI_OAUTH_TOKEN_PER_MINUTE={v}: a whole number from 1")
                    })?,
                    None => dashboard::TokenLimits::default().per_minute,
                },
            },
        })
    }
}

pub const DEFAULT_DATABASE_URL: &str = "sqlite://asteri.db?mode=rwc";
const SECRET_FILE: &str = "asteri.secret";

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// Hides the password of a database URL for messages.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            format!("{}://***@{}", &url[..scheme], &url[at + 1..])
        }
        _ => url.to_owned(),
    }
}

pub fn random_token(prefix: &str) -> String {
    use rand::Rng;
    let random: String = rand::rng()
        .sample_iter(&rand::distr::Alphanumeric)
        .take(40)
        .map(char::from)
        .collect();
    format!("{prefix}{random}")
}

impl Config {
    /// `ASTERI_S3_BUCKET` (with `ASTERI_S3_ENDPOINT`, `ASTERI_S3_REGION`,
    /// `ASTERI_S3_ACCESS_KEY_ID`, `ASTERI_S3_SECRET_ACCESS_KEY`, `ASTERI_S3_ALLOW_HTTP`, or the
    /// standard `AWS_*` variables) selects a bucket; otherwise the folder `ASTERI_FILES_DIR`.
    pub fn files() -> anyhow::Result<ObjectsConfig> {
        let Some(bucket) = env("ASTERI_S3_BUCKET") else {
            return Ok(env("ASTERI_FILES_DIR")
                .map(|dir| ObjectsConfig::Local { dir: dir.into() })
                .unwrap_or_default());
        };
        let allow_http = match env("ASTERI_S3_ALLOW_HTTP").as_deref() {
            None | Some("0" | "false") => false,
            Some("1" | "true") => true,
            Some(other) => bail!("ASTERI_S3_ALLOW_HTTP={other}: use 1 or 0"),
        };
        Ok(ObjectsConfig::S3(S3Config {
            bucket,
            endpoint: env("ASTERI_S3_ENDPOINT"),
            region: env("ASTERI_S3_REGION"),
            access_key_id: env("ASTERI_S3_ACCESS_KEY_ID"),
            secret_access_key: env("ASTERI_S3_SECRET_ACCESS_KEY"),
            allow_http,
        }))
    }

    pub fn max_file_bytes() -> anyhow::Result<u64> {
        match env("ASTERI_MAX_FILE_BYTES") {
            None => Ok(services::files::DEFAULT_MAX_FILE_BYTES),
            Some(v) => match v.trim().parse::<u64>() {
                Ok(n) if n > 0 => Ok(n),
                _ => bail!("ASTERI_MAX_FILE_BYTES={v} is not a positive number of bytes"),
            },
        }
    }

    pub fn database_url() -> String {
        env("ASTERI_DATABASE_URL").unwrap_or_else(|| DEFAULT_DATABASE_URL.to_owned())
    }

    /// The hashing key: `ASTERI_SECRET_KEY`, else the `asteri.secret` file in the working
    /// folder, created on first use (fine for one machine; set the variable for several).
    pub fn hash_key() -> anyhow::Result<Vec<u8>> {
        if let Some(key) = env("ASTERI_SECRET_KEY") {
            if key.len() < 32 {
                bail!("ASTERI_SECRET_KEY must be at least 32 characters");
            }
            return Ok(key.into_bytes());
        }
        match std::fs::read_to_string(SECRET_FILE) {
            Ok(key) if key.trim().len() >= 32 => Ok(key.trim().as_bytes().to_vec()),
            _ => {
                let key = random_token("");
                std::fs::write(SECRET_FILE, &key)
                    .with_context(|| format!("writing {SECRET_FILE}"))?;
                #[cfg(unix)]
                {
                    use std::os::unix::fs::PermissionsExt;
                    let _ = std::fs::set_permissions(
                        SECRET_FILE,
                        std::fs::Permissions::from_mode(0o600),
                    );
                }
                Ok(key.into_bytes())
            }
        }
    }

    /// Everything in one process on loopback with free ports, fresh secrets, and files kept
    /// under `data_dir`: what tests and benchmarks start.
    pub fn local(database_url: String, data_dir: &std::path::Path) -> Self {
        Self {
            role: Role::All,
            database_url,
            http_addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            grpc_addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            internal_token: random_token(proto::credentials::INTERNAL_PREFIX),
            hash_key: random_token("").into_bytes(),
            resources_url: None,
            keys_url: None,
            request_log_retention: std::time::Duration::from_secs(30 * 86_400),
            files: ObjectsConfig::Local {
                dir: data_dir.join("files"),
            },
            max_file_bytes: services::files::DEFAULT_MAX_FILE_BYTES,
            webhooks_url: None,
            webhooks: services::webhooks::WebhookSettings::default(),
            connections: ConnectionLimits::default(),
            run_worker: true,
            redis: None,
            metrics: telemetry::metrics::MetricsSettings::default(),
            metrics_addr: None,
            dashboard: DashboardSettings::default(),
            sessions: services::users::SessionSettings::default(),
        }
    }

    /// `ASTERI_WEBHOOK_ALLOW_PRIVATE`, `ASTERI_WEBHOOK_RETRY_SCHEDULE`,
    /// `ASTERI_WEBHOOK_LEASE_SECONDS`, `ASTERI_WEBHOOK_ROTATION_GRACE_SECONDS`,
    /// `ASTERI_WEBHOOK_DISABLE_AFTER_SECONDS`.
    pub fn webhooks() -> anyhow::Result<services::webhooks::WebhookSettings> {
        let mut settings = services::webhooks::WebhookSettings {
            allow_private: match env("ASTERI_WEBHOOK_ALLOW_PRIVATE").as_deref() {
                None | Some("0" | "false") => false,
                Some("1" | "true") => true,
                Some(other) => bail!("ASTERI_WEBHOOK_ALLOW_PRIVATE={other}: use 1 or 0"),
            },
            ..Default::default()
        };
        settings.worker.schedule = delivery::schedule::RetrySchedule::from_env()
            .context("ASTERI_WEBHOOK_RETRY_SCHEDULE")?;
        settings.worker.sender.allow_private = settings.allow_private;
        let seconds = |name: &str| -> anyhow::Result<Option<std::time::Duration>> {
            env(name)
                .map(|v| {
                    v.trim()
                        .parse::<u64>()
                        .ok()
                        .filter(|s| *s > 0)
                        .map(std::time::Duration::from_secs)
                        .with_context(|| format!("{name}={v} is not a positive number of seconds"))
                })
                .transpose()
        };
        if let Some(lease) = seconds("ASTERI_WEBHOOK_LEASE_SECONDS")? {
            settings.worker.lease = lease;
        }
        if let Some(grace) = seconds("ASTERI_WEBHOOK_ROTATION_GRACE_SECONDS")? {
            settings.rotation_grace = grace;
        }
        if let Some(after) = seconds("ASTERI_WEBHOOK_DISABLE_AFTER_SECONDS")? {
            settings.worker.disable_after = after;
        }
        Ok(settings)
    }

    /// `ASTERI_HEADER_READ_TIMEOUT_SECONDS`, `ASTERI_IDLE_TIMEOUT_SECONDS` (fractions
    /// allowed), `ASTERI_MAX_CONNECTIONS`, `ASTERI_HTTP2_MAX_CONCURRENT_STREAMS`,
    /// `ASTERI_HTTP2_MAX_HEADER_LIST_BYTES`, `ASTERI_HTTP2_MAX_PENDING_RESETS`,
    /// `ASTERI_HTTP2_MAX_ERROR_RESETS`: each positive, each defaulting to
    /// [`ConnectionLimits::default`].
    pub fn connections() -> anyhow::Result<ConnectionLimits> {
        connection_limits(env)
    }

    /// `ASTERI_SESSION_IDLE_SECONDS` (default 3600) and `ASTERI_SESSION_MAX_SECONDS` (default
    /// 43200): positive, fractions allowed, at most a year.
    pub fn sessions() -> anyhow::Result<services::users::SessionSettings> {
        session_settings(env)
    }

    pub fn from_env(role: Role) -> anyhow::Result<Self> {
        let addr = |name: &str, default: &str| -> anyhow::Result<SocketAddr> {
            let value = env(name).unwrap_or_else(|| default.to_owned());
            value
                .parse()
                .with_context(|| format!("{name}={value} is not a socket address"))
        };
        let internal_token = match env("ASTERI_INTERNAL_TOKEN") {
            Some(token)
                if token.starts_with(proto::credentials::INTERNAL_PREFIX) && token.len() >= 40 =>
            {
                token
            }
            Some(_) => bail!(
                "ASTERI_INTERNAL_TOKEN must start with ast_int_ and be at least 40 characters"
            ),
            // One process: nobody else needs to know it.
            None if role == Role::All => random_token(proto::credentials::INTERNAL_PREFIX),
            None => {
                bail!("set ASTERI_INTERNAL_TOKEN (ast_int_...) to the same value in every process")
            }
        };
        Ok(Self {
            role,
            database_url: Self::database_url(),
            http_addr: addr("ASTERI_HTTP_ADDR", "127.0.0.1:3000")?,
            grpc_addr: addr("ASTERI_GRPC_ADDR", "127.0.0.1:50051")?,
            internal_token,
            hash_key: Self::hash_key()?,
            resources_url: env("ASTERI_RESOURCES_URL"),
            keys_url: env("ASTERI_KEYS_URL"),
            request_log_retention: {
                let days: u64 = match env("ASTERI_REQUEST_LOG_RETENTION_DAYS") {
                    Some(v) => v.parse().ok().filter(|d| *d > 0).context(
                        "ASTERI_REQUEST_LOG_RETENTION_DAYS must be a positive number of days",
                    )?,
                    None => 30,
                };
                std::time::Duration::from_secs(days * 86_400)
            },
            files: Self::files()?,
            max_file_bytes: Self::max_file_bytes()?,
            webhooks_url: env("ASTERI_WEBHOOKS_URL"),
            webhooks: Self::webhooks()?,
            connections: Self::connections()?,
            run_worker: true,
            redis: env("ASTERI_REDIS_URL").map(|url| limits::RedisSettings {
                url,
                prefix: env("ASTERI_REDIS_PREFIX").unwrap_or_else(|| "asteri:".to_owned()),
            }),
            metrics: telemetry::metrics::MetricsSettings::from_env()?,
            metrics_addr: env("ASTERI_METRICS_ADDR")
                .map(|v| addr("ASTERI_METRICS_ADDR", &v))
                .transpose()?,
            dashboard: DashboardSettings::from_env()?,
            sessions: Self::sessions()?,
        })
    }
}

/// A positive number of seconds, fractions allowed (`2.5`), from `name`.
fn positive_seconds(
    var: &impl Fn(&str) -> Option<String>,
    name: &str,
) -> anyhow::Result<Option<std::time::Duration>> {
    var(name)
        .map(|v| {
            v.trim()
                .parse::<f64>()
                .ok()
                .filter(|s| *s > 0.0)
                .and_then(|s| std::time::Duration::try_from_secs_f64(s).ok())
                .with_context(|| format!("{name}={v} is not a positive number of seconds"))
        })
        .transpose()
}

/// [`Config::sessions`] over any source of variables (tests pass a map).
fn session_settings(
    var: impl Fn(&str) -> Option<String>,
) -> anyhow::Result<services::users::SessionSettings> {
    // A session's times must stay within what every database stores; a year is already far
    // beyond what a dashboard session should last.
    const YEAR: std::time::Duration = std::time::Duration::from_secs(365 * 86_400);
    let defaults = services::users::SessionSettings::default();
    let seconds = |name: &str, default| -> anyhow::Result<std::time::Duration> {
        let value = positive_seconds(&var, name)?.unwrap_or(default);
        if value > YEAR {
            bail!("{name} must be at most 31536000 seconds (a year)");
        }
        Ok(value)
    };
    Ok(services::users::SessionSettings {
        idle: seconds("ASTERI_SESSION_IDLE_SECONDS", defaults.idle)?,
        max: seconds("ASTERI_SESSION_MAX_SECONDS", defaults.max)?,
    })
}

/// [`Config::connections`] over any source of variables (tests pass a map).
fn connection_limits(var: impl Fn(&str) -> Option<String>) -> anyhow::Result<ConnectionLimits> {
    fn parsed<T: std::str::FromStr + PartialOrd + Default>(
        var: &impl Fn(&str) -> Option<String>,
        name: &str,
        what: &str,
    ) -> anyhow::Result<Option<T>> {
        var(name)
            .map(|v| {
                v.trim()
                    .parse::<T>()
                    .ok()
                    .filter(|n| *n > T::default())
                    .with_context(|| format!("{name}={v} is not a positive {what}"))
            })
            .transpose()
    }
    let seconds = |name: &str| -> anyhow::Result<Option<std::time::Duration>> {
        parsed::<f64>(&var, name, "number of seconds")?
            .map(|s| {
                std::time::Duration::try_from_secs_f64(s)
                    .with_context(|| format!("{name}={s} is not a number of seconds"))
            })
            .transpose()
    };
    let defaults = ConnectionLimits::default();
    Ok(ConnectionLimits {
        header_read_timeout: seconds("ASTERI_HEADER_READ_TIMEOUT_SECONDS")?
            .unwrap_or(defaults.header_read_timeout),
        idle_timeout: seconds("ASTERI_IDLE_TIMEOUT_SECONDS")?.unwrap_or(defaults.idle_timeout),
        max_connections: parsed(&var, "ASTERI_MAX_CONNECTIONS", "number of connections")?
            .unwrap_or(defaults.max_connections),
        http2_max_concurrent_streams: parsed(
            &var,
            "ASTERI_HTTP2_MAX_CONCURRENT_STREAMS",
            "number of streams",
        )?
        .unwrap_or(defaults.http2_max_concurrent_streams),
        http2_max_header_list_size: parsed(
            &var,
            "ASTERI_HTTP2_MAX_HEADER_LIST_BYTES",
            "number of bytes",
        )?
        .unwrap_or(defaults.http2_max_header_list_size),
        http2_max_pending_accept_reset_streams: parsed(
            &var,
            "ASTERI_HTTP2_MAX_PENDING_RESETS",
            "number of streams",
        )?
        .unwrap_or(defaults.http2_max_pending_accept_reset_streams),
        http2_max_local_error_reset_streams: parsed(
            &var,
            "ASTERI_HTTP2_MAX_ERROR_RESETS",
            "number of streams",
        )?
        .unwrap_or(defaults.http2_max_local_error_reset_streams),
    })
}

#[cfg(test)]
mod tests {
    use std::{collections::HashMap, time::Duration};

    use super::*;

    fn limits(vars: &[(&str, &str)]) -> anyhow::Result<ConnectionLimits> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        connection_limits(|name| vars.get(name).cloned())
    }

    #[test]
    fn connection_limits_default_and_parse() {
        assert_eq!(limits(&[]).unwrap(), ConnectionLimits::default());
        let set = limits(&[
            ("ASTERI_HEADER_READ_TIMEOUT_SECONDS", "2.5"),
            ("ASTERI_IDLE_TIMEOUT_SECONDS", "90"),
            ("ASTERI_MAX_CONNECTIONS", "100"),
            ("ASTERI_HTTP2_MAX_CONCURRENT_STREAMS", "50"),
            ("ASTERI_HTTP2_MAX_HEADER_LIST_BYTES", "65536"),
        ])
        .unwrap();
        assert_eq!(set.header_read_timeout, Duration::from_millis(2500));
        assert_eq!(set.idle_timeout, Duration::from_secs(90));
        assert_eq!(set.max_connections, 100);
        assert_eq!(set.http2_max_concurrent_streams, 50);
        assert_eq!(set.http2_max_header_list_size, 65_536);
    }

    #[test]
    fn session_settings_default_and_parse() {
        let settings = |vars: &[(&str, &str)]| {
            let vars: HashMap<String, String> = vars
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect();
            session_settings(|name| vars.get(name).cloned())
        };
        let defaults = settings(&[]).unwrap();
        assert_eq!(defaults.idle, Duration::from_secs(3_600));
        assert_eq!(defaults.max, Duration::from_secs(43_200));
        let set = settings(&[
            ("ASTERI_SESSION_IDLE_SECONDS", "1.5"),
            ("ASTERI_SESSION_MAX_SECONDS", "600"),
        ])
        .unwrap();
        assert_eq!(
            (set.idle, set.max),
            (Duration::from_millis(1_500), Duration::from_secs(600))
        );
        for (name, value) in [
            ("ASTERI_SESSION_IDLE_SECONDS", "0"),
            ("ASTERI_SESSION_IDLE_SECONDS", "soon"),
            ("ASTERI_SESSION_MAX_SECONDS", "-5"),
            ("ASTERI_SESSION_MAX_SECONDS", "1e300"),
            ("ASTERI_SESSION_MAX_SECONDS", "31536001"),
        ] {
            let err = settings(&[(name, value)]).unwrap_err();
            assert!(format!("{err:#}").contains(name), "{err:#}");
        }
    }

    #[test]
    fn bad_connection_limits_name_the_variable() {
        for (name, value) in [
            ("ASTERI_MAX_CONNECTIONS", "0"),
            ("ASTERI_MAX_CONNECTIONS", "many"),
            ("ASTERI_HEADER_READ_TIMEOUT_SECONDS", "-1"),
            ("ASTERI_IDLE_TIMEOUT_SECONDS", "inf"),
            ("ASTERI_HTTP2_MAX_HEADER_LIST_BYTES", "99999999999"),
        ] {
            let err = limits(&[(name, value)]).unwrap_err();
            assert!(format!("{err:#}").contains(name), "{err:#}");
        }
    }
}
