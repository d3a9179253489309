//! `asteri`: one binary for every role and operator command (CONTRACT section 2).

use anyhow::{Context as _, bail};
use asteri::{Config, Role, cli, seed};
use clap::{Parser, Subcommand};
use proto::schema;
use storage::{OrgId, organizations};

#[derive(Parser)]
#[command(name = "asteri", version, about = "Asteri's public API platform")]
struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Runs everything on a local SQLite file with a seeded sandbox organization.
    Dev,
    /// Runs a production role.
    Serve {
        #[arg(long, value_enum, default_value = "all")]
        role: Role,
    },
    /// Applies database migrations and exits.
    Migrate,
    /// Prints the OpenAPI 3.1 document of the REST API (what `/api/public/v1/openapi.json`
    /// serves).
    Openapi,
    /// Organizations.
    Orgs {
        #[command(subcommand)]
        command: OrgsCommand,
    },
    /// API keys.
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
    },
    /// Dashboard users.
    Users {
        #[command(subcommand)]
        command: UsersCommand,
    },
    /// Partner apps (OAuth clients): registration, review, suspension.
    Apps {
        #[command(subcommand)]
        command: AppsCommand,
    },
    /// Fills a sandbox organization with realistic field-service data.
    Seed {
        #[arg(long)]
        org: String,
        #[arg(long, default_value_t = 300)]
        customers: usize,
    },
}

#[derive(Subcommand)]
enum OrgsCommand {
    /// Creates an organization and prints its id.
    Create {
        #[arg(long)]
        name: String,
        #[arg(long)]
        sandbox: bool,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum KeysCommand {
    /// Creates a key and prints its secret, once.
    Create {
        #[arg(long)]
        org: String,
        #[arg(long)]
        name: String,
        /// Comma-separated, e.g. read:customers,write:customers
        #[arg(long, value_delimiter = ',', required = true)]
        scopes: Vec<String>,
        #[arg(long, value_parser = ["live", "test"])]
        env: Option<String>,
        /// e.g. 30d, 12h, 90m
        #[arg(long)]
        expires_in: Option<String>,
        #[arg(long)]
        per_minute: Option<u32>,
        #[arg(long)]
        per_day: Option<u32>,
        #[arg(long)]
        json: bool,
    },
    /// Lists the keys of an organization (never their secrets).
    List {
        #[arg(long)]
        org: String,
        #[arg(long)]
        json: bool,
    },
    /// Revokes a key; it stops working within seconds.
    Revoke { key_id: String },
    /// Replaces a key's secret and prints the new one, once.
    Rotate {
        key_id: String,
        /// Keeps the old secret working this long (e.g. 1h, 7d; at most 7 days), so that
        /// callers can move to the new one; without it the old one stops at once.
        #[arg(long, value_name = "DURATION")]
        keep_old_for: Option<String>,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum UsersCommand {
    /// Creates a dashboard user; without --password-stdin, generates a password and prints
    /// it, once.
    Create {
        #[arg(long)]
        org: String,
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        #[arg(long, value_parser = cli::ROLES)]
        role: String,
        /// Reads the password from standard input (one line; its line ending is dropped).
        #[arg(long)]
        password_stdin: bool,
        #[arg(long)]
        json: bool,
    },
    /// Lists the dashboard users of an organization, oldest first.
    List {
        #[arg(long)]
        org: String,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum AppsCommand {
    /// Registers a draft app and prints its client id (and, for a confidential app, its
    /// client secret, once).
    Create {
        #[arg(long)]
        org: String,
        #[arg(long)]
        name: String,
        /// Repeat for several.
        #[arg(long = "redirect-uri", required = true)]
        redirect_uris: Vec<String>,
        /// Comma-separated, e.g. read:customers,write:customers
        #[arg(long, value_delimiter = ',', required = true)]
        scopes: Vec<String>,
        /// A public client (no secret; PKCE only).
        #[arg(long)]
        public: bool,
        #[arg(long)]
        json: bool,
    },
    /// Approves or rejects an app in review.
    Review {
        client_id: String,
        #[arg(long, conflicts_with = "reject", required_unless_present = "reject")]
        approve: bool,
        #[arg(long)]
        reject: bool,
        #[arg(long)]
        note: Option<String>,
    },
    /// Suspends an app: its tokens stop working and it cannot be installed.
    Suspend { client_id: String },
}

const DEV_ORG: &str = "Asteri Dev Sandbox";
const DEV_USER: &str = "dev@asteri.local";

/// Serves until Ctrl-C or SIGTERM (what orchestrators send), then drains: the listeners stop
/// accepting and the requests under way are answered before the process exits.
async fn run_until_signal(mut running: asteri::Running) -> anyhow::Result<()> {
    let terminate = async {
        #[cfg(unix)]
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut sigterm) => {
                sigterm.recv().await;
            }
            Err(err) => {
                tracing::warn!(error = &err as &dyn std::error::Error, "no SIGTERM handler");
                std::future::pending::<()>().await;
            }
        }
        #[cfg(not(unix))]
        std::future::pending::<()>().await;
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        () = terminate => {}
        _ = running.wait() => bail!("a server stopped unexpectedly; see the log above"),
    }
    tracing::info!("stopping: answering the requests under way");
    running.shutdown().await;
    tracing::info!("stopped");
    Ok(())
}

async fn dev() -> anyhow::Result<()> {
    // SAFETY: set before any thread reads the environment.
    unsafe { std::env::set_var("ASTERI_WEBHOOK_ALLOW_PRIVATE", "1") };
    let config = Config::from_env(Role::All)?;
    let database = asteri::config::redact_url(&config.database_url);
    let running = asteri::start(config).await?;
    let platform = cli::platform().await?;
    let (org, created) = match organizations::find_by_name(&platform.store, DEV_ORG).await? {
        Some(org) if org.sandbox => (org.id, false),
        _ => (cli::create_org(&platform, DEV_ORG, true).await?.id, true),
    };
    if created {
        seed::seed(&platform, &OrgId::new(&org), seed::SeedSize::default()).await?;
    }
    let scopes = schema().scopes().into_iter().map(str::to_owned).collect();
    let stamp = chrono::Utc::now().format("%Y-%m-%d %H:%M:%S");
    let key = cli::create_key(
        &platform,
        cli::NewKey {
            org: &org,
            name: &format!("dev key {stamp}"),
            scopes,
            env: Some("test"),
            expires_in: None,
            per_minute: None,
            per_day: None,
        },
    )
    .await?;
    let user = dev_user(&platform, &org).await?;
    let http = running.http_addr;
    let grpc = running.grpc_addr.map(|a| a.to_string()).unwrap_or_default();
    println!("Asteri is running on {database}");
    println!("  REST       http://{http}/api/public/v1");
    println!("  gRPC       {grpc} (health and reflection enabled)");
    println!("  org id     {org}");
    println!("  test key   {}   (shown once)", key.secret);
    println!("  dashboard  http://{http}/dashboard");
    println!("  user       {DEV_USER}");
    match user {
        DevUser::Created(password) => println!("  password   {password}   (shown once)"),
        DevUser::Existing => {
            println!(
                "  password   shown once, by the run that made this user (only its hash is kept)"
            );
            println!(
                "  or make another: asteri users create --org {org} --email you@example.com --name You --role owner"
            );
        }
        DevUser::Elsewhere(other) => {
            println!("  ({DEV_USER} is a user of organization {other}, not of this sandbox)");
            println!(
                "  make one here: asteri users create --org {org} --email you@example.com --name You --role owner"
            );
        }
    }
    println!();
    println!("Try:");
    println!(
        "  curl -s 'http://{http}/api/public/v1/customers?limit=3' -H 'x-api-key: {}' -H 'x-organization-id: {org}'",
        key.secret
    );
    run_until_signal(running).await
}

enum DevUser {
    /// Made now, with this password.
    Created(String),
    /// Made by an earlier run: its password was printed then, and only its hash is kept.
    Existing,
    /// The address belongs to a user of another organization (emails are unique across them).
    Elsewhere(String),
}

/// The sandbox's dashboard owner, `dev@asteri.local`: made on the first run with a generated
/// password, which is printed once, as the dev key is. Later runs cannot print it again
/// (only its Argon2id hash is stored, and a user cannot be made twice), so they say so.
async fn dev_user(platform: &services::Platform, org: &str) -> anyhow::Result<DevUser> {
    // Global lookup by the email alone, as sign-in does: the address is unique across
    // organizations.
    if let Some(user) = storage::users::find_by_email_key(&platform.store, DEV_USER).await? {
        return Ok(if user.organization_id == org {
            DevUser::Existing
        } else {
            DevUser::Elsewhere(user.organization_id)
        });
    }
    let password = cli::generate_password();
    cli::create_user(
        platform,
        cli::NewUser {
            org,
            email: DEV_USER,
            name: "Dev Owner",
            role: "owner",
            password: password.clone(),
        },
    )
    .await
    .context("creating the dashboard user")?;
    Ok(DevUser::Created(password))
}

fn print_json(value: &serde_json::Value) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

/// See the root `Cargo.toml` for why the binary does not use the system allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    storage::objects::install_crypto_provider();
    let command = Args::parse().command;
    // Logs and (with an OTLP endpoint) traces; see `telemetry` and the README.
    let telemetry = telemetry::init().context("starting telemetry")?;
    let result = run(command).await;
    // The spans still buffered are exported before the process exits (the export blocks,
    // and the gRPC exporter needs the runtime's threads free).
    let _ = tokio::task::spawn_blocking(move || telemetry.shutdown()).await;
    result
}

async fn run(command: Command) -> anyhow::Result<()> {
    match command {
        Command::Dev => dev().await,
        Command::Serve { role } => {
            let running = asteri::start(Config::from_env(role)?).await?;
            println!("http {}", running.http_addr);
            if let Some(grpc) = running.grpc_addr {
                println!("grpc {grpc}");
            }
            run_until_signal(running).await
        }
        Command::Openapi => print_json(asteri::openapi_document().await),
        Command::Migrate => {
            cli::platform().await?;
            println!("migrations applied");
            Ok(())
        }
        Command::Orgs {
            command:
                OrgsCommand::Create {
                    name,
                    sandbox,
                    json,
                },
        } => {
            let org = cli::create_org(&cli::platform().await?, &name, sandbox).await?;
            if json {
                print_json(&serde_json::json!({"id": org.id}))
            } else {
                println!("{}", org.id);
                Ok(())
            }
        }
        Command::Keys { command } => keys(command).await,
        Command::Users { command } => users(command).await,
        Command::Apps { command } => apps(command).await,
        Command::Seed { org, customers } => {
            let platform = cli::platform().await?;
            let found = cli::get_org(&platform, &org).await?;
            if !found.sandbox {
                bail!(
                    "{org} is a live organization: seed data goes into sandbox organizations only"
                );
            }
            let size = seed::SeedSize {
                customers,
                ..seed::SeedSize::default()
            };
            let s = seed::seed(&platform, &OrgId::new(&org), size)
                .await
                .context("seeding")?;
            println!(
                "seeded {org}: {} customers, {} team members, {} services, {} appointments, \
                 {} estimates, {} invoices, {} payments",
                s.customers.len(),
                s.team_members.len(),
                s.services.len(),
                s.appointments,
                s.estimates,
                s.invoices,
                s.payments
            );
            Ok(())
        }
    }
}

async fn keys(command: KeysCommand) -> anyhow::Result<()> {
    let platform = cli::platform().await?;
    match command {
        KeysCommand::Create {
            org,
            name,
            scopes,
            env,
            expires_in,
            per_minute,
            per_day,
            json,
        } => {
            let key = cli::create_key(
                &platform,
                cli::NewKey {
                    org: &org,
                    name: &name,
                    scopes,
                    env: env.as_deref(),
                    expires_in: expires_in.as_deref(),
                    per_minute,
                    per_day,
                },
            )
            .await?;
            if json {
                return print_json(&cli::key_json(&key));
            }
            let id = key
                .api_key
                .as_ref()
                .map(|k| k.id.as_str())
                .unwrap_or_default();
            println!(
                "{id}\n{}\n(the secret is shown once; store it now)",
                key.secret
            );
            Ok(())
        }
        KeysCommand::List { org, json } => {
            let keys = cli::list_keys(&platform, &org).await?;
            if json {
                return print_json(&serde_json::Value::Array(keys));
            }
            for k in keys {
                let revoked = if k["revoked_at"].is_null() {
                    ""
                } else {
                    "  (revoked)"
                };
                println!(
                    "{}  {}  {}  {}{revoked}",
                    k["id"], k["environment"], k["redacted_secret"], k["name"]
                );
            }
            Ok(())
        }
        KeysCommand::Revoke { key_id } => {
            let key = cli::revoke_key(&platform, &key_id).await?;
            println!("revoked {} at {}", key["id"], key["revoked_at"]);
            Ok(())
        }
        KeysCommand::Rotate {
            key_id,
            keep_old_for,
            json,
        } => {
            let key = cli::rotate_key(&platform, &key_id, keep_old_for.as_deref()).await?;
            if json {
                return print_json(&cli::key_json(&key));
            }
            let old = match key
                .api_key
                .as_ref()
                .and_then(|k| k.previous_secret_expires_at.as_ref())
                .and_then(|t| chrono::DateTime::from_timestamp(t.seconds, 0))
            {
                Some(until) => format!("the old one keeps working until {}", until.to_rfc3339()),
                None => "the old one no longer works".to_owned(),
            };
            println!(
                "{key_id}\n{}\n(the new secret is shown once; {old})",
                key.secret
            );
            Ok(())
        }
    }
}

async fn users(command: UsersCommand) -> anyhow::Result<()> {
    let platform = cli::platform().await?;
    match command {
        UsersCommand::Create {
            org,
            email,
            name,
            role,
            password_stdin,
            json,
        } => {
            let (password, generated) = if password_stdin {
                (cli::read_password(std::io::stdin().lock())?, false)
            } else {
                (cli::generate_password(), true)
            };
            let user = cli::create_user(
                &platform,
                cli::NewUser {
                    org: &org,
                    email: &email,
                    name: &name,
                    role: &role,
                    password: password.clone(),
                },
            )
            .await?;
            if json {
                let mut value = proto::json::to_json(&user);
                if let (true, serde_json::Value::Object(map)) = (generated, &mut value) {
                    map.insert("password".to_owned(), password.into());
                }
                return print_json(&value);
            }
            println!("{}", user.id);
            if generated {
                println!("{password}\n(the password is shown once; store it now)");
            }
            Ok(())
        }
        UsersCommand::List { org, json } => {
            let users = cli::list_users(&platform, &org).await?;
            if json {
                return print_json(&serde_json::Value::Array(users));
            }
            for u in users {
                let field = |name: &str| u[name].as_str().unwrap_or_default().to_owned();
                println!(
                    "{}  {}  {}  {}",
                    field("id"),
                    field("role"),
                    field("email"),
                    field("name")
                );
            }
            Ok(())
        }
    }
}

async fn apps(command: AppsCommand) -> anyhow::Result<()> {
    let platform = cli::platform().await?;
    let app = match command {
        AppsCommand::Create {
            org,
            name,
            redirect_uris,
            scopes,
            public,
            json,
        } => {
            let app =
                cli::create_app(&platform, &org, &name, redirect_uris, scopes, public).await?;
            if json {
                return print_json(&proto::json::to_json(&app));
            }
            println!("client_id: {}", app.id);
            if let Some(secret) = &app.client_secret {
                println!("client_secret: {secret}\n(the secret is shown once; store it now)");
            }
            return Ok(());
        }
        AppsCommand::Review {
            client_id,
            approve,
            reject: _,
            note,
        } => cli::review_app(&platform, &client_id, approve, note.unwrap_or_default()).await?,
        AppsCommand::Suspend { client_id } => cli::suspend_app(&platform, &client_id).await?,
    };
    println!("{} {}", app.id, cli::review_status(&app));
    Ok(())
}
