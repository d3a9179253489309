//! Dashboard users and sessions (`asteri.v1.UsersService`) over gRPC with the internal
//! credential, as the dashboard calls them; and `asteri users create` as an operator runs it.

use std::{
    io::Write as _,
    process::Stdio,
    time::{Duration, Instant, SystemTime},
};

use proto::v1::{
    CreateUserRequest, EndSessionRequest, GetSessionRequest, GetUserRequest, ListUsersRequest,
    SignInRequest, SignInResponse, User, UserRole, users_service_client::UsersServiceClient,
};
use services::users::SessionSettings;
use storage::{OrgId, PageQuery, audit};
use tonic::{Code, Request, transport::Channel};
use tonic_types::StatusExt as _;

use crate::helpers::*;

const PASSWORD: &str = "correct horse battery staple";

/// An address no other test (or earlier run on a shared PostgreSQL) has used: emails are
/// unique across organizations.
fn email(name: &str) -> String {
    format!("{name}.{}@example.com", storage::ids::new_id("t"))
}

async fn client(app: &TestApp) -> UsersServiceClient<Channel> {
    UsersServiceClient::connect(app.grpc.clone()).await.unwrap()
}

/// A call with the internal credential, in `org` when given, plus `extra` metadata.
fn internal<T>(app: &TestApp, message: T, org: Option<&str>) -> Request<T> {
    internal_with(app, message, org, &[])
}

fn internal_with<T>(
    app: &TestApp,
    message: T,
    org: Option<&str>,
    extra: &[(&'static str, &str)],
) -> Request<T> {
    let mut request = Request::new(message);
    let m = request.metadata_mut();
    m.insert(
        "authorization",
        format!("Bearer {}", app.internal_token).parse().unwrap(),
    );
    if let Some(org) = org {
        m.insert("x-organization-id", org.parse().unwrap());
    }
    for (name, value) in extra {
        m.insert(*name, value.parse().unwrap());
    }
    request
}

fn new_user(org: &str, email: &str, role: UserRole) -> CreateUserRequest {
    CreateUserRequest {
        organization_id: org.to_owned(),
        email: email.to_owned(),
        name: "Ada Lovelace".to_owned(),
        role: role as i32,
        password: PASSWORD.to_owned(),
    }
}

async fn create(app: &TestApp, org: &str, email: &str) -> User {
    client(app)
        .await
        .create_user(internal(
            app,
            new_user(org, email, UserRole::Developer),
            Some(org),
        ))
        .await
        .unwrap()
        .into_inner()
}

async fn sign_in(
    app: &TestApp,
    email: &str,
    password: &str,
) -> Result<SignInResponse, tonic::Status> {
    let request = SignInRequest {
        email: email.to_owned(),
        password: password.to_owned(),
        ip: "203.0.113.7".to_owned(),
        user_agent: "Mozilla/5.0 (test)".to_owned(),
    };
    client(app)
        .await
        .sign_in(internal(app, request, None))
        .await
        .map(tonic::Response::into_inner)
}

async fn get_session(app: &TestApp, token: &str) -> Result<proto::v1::Session, tonic::Status> {
    let request = GetSessionRequest {
        token: token.to_owned(),
    };
    client(app)
        .await
        .get_session(internal(app, request, None))
        .await
        .map(tonic::Response::into_inner)
}

fn time(t: &Option<prost_types::Timestamp>) -> SystemTime {
    SystemTime::try_from(t.expect("a timestamp")).unwrap()
}

fn refused(result: Result<impl std::fmt::Debug, tonic::Status>, message: &str) {
    let err = result.expect_err("refused");
    assert_eq!(
        (err.code(), err.message()),
        (Code::Unauthenticated, message)
    );
}

#[tokio::test]
async fn a_user_signs_in_and_its_session_resolves_until_it_ends() {
    let app = spawn_app().await;
    let org = app.org(true).await;
    let address = email("Ada");
    let user = create(&app, &org, &address).await;
    assert!(user.id.starts_with("usr_"));
    assert_eq!(
        (
            user.organization_id.as_str(),
            user.email.as_str(),
            user.role
        ),
        (org.as_str(), address.as_str(), UserRole::Developer as i32)
    );
    assert!(user.last_sign_in_at.is_none());

    // The email is compared without regard to case.
    let signed = sign_in(&app, &address.to_uppercase(), PASSWORD)
        .await
        .unwrap();
    let token = signed.token.clone();
    let hex = token.strip_prefix("ast_ses_").expect("a session token");
    assert!(hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit()));
    let session = signed.session.unwrap();
    assert!(session.id.starts_with("ses_"));
    assert_eq!(session.csrf_token.len(), 64);
    let signed_user = session.user.clone().unwrap();
    assert_eq!(signed_user.id, user.id);
    assert!(signed_user.last_sign_in_at.is_some());
    assert!(time(&session.idle_expires_at) <= time(&session.expires_at));
    // The defaults: an hour idle, twelve hours at most.
    let lifetime = time(&session.expires_at)
        .duration_since(time(&session.created_at))
        .unwrap();
    assert_eq!(lifetime, Duration::from_secs(12 * 3_600));

    let resolved = get_session(&app, &token).await.unwrap();
    assert_eq!(
        (resolved.id.as_str(), resolved.csrf_token.as_str()),
        (session.id.as_str(), session.csrf_token.as_str())
    );
    assert_eq!(resolved.user.unwrap().id, user.id);
    assert!(time(&resolved.idle_expires_at) > time(&session.idle_expires_at));
    assert_eq!(resolved.expires_at, session.expires_at);

    // Sign-in is remembered on the user.
    let got = client(&app)
        .await
        .get_user(internal(
            &app,
            GetUserRequest {
                id: user.id.clone(),
            },
            Some(&org),
        ))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(got.last_sign_in_at, signed_user.last_sign_in_at);

    // A second session is independent of the first.
    let other = sign_in(&app, &address, PASSWORD).await.unwrap();
    assert_ne!(other.token, token);

    // Sign-out: the session is refused from then on; ending it again, or ending what is not
    // a session, succeeds.
    let mut users = client(&app).await;
    for token in [token.as_str(), token.as_str(), "ast_ses_unknown", ""] {
        let end = EndSessionRequest {
            token: token.to_owned(),
        };
        users.end_session(internal(&app, end, None)).await.unwrap();
    }
    refused(get_session(&app, &token).await, "the session has ended");
    assert!(get_session(&app, &other.token).await.is_ok());
    let unknown = format!("ast_ses_{}", "0".repeat(64));
    for token in [unknown.as_str(), "ast_ses_short", "", "ast_live_x"] {
        refused(
            get_session(&app, token).await,
            "the session is not valid; sign in again",
        );
    }
    app.shutdown().await;
}

#[tokio::test]
async fn a_wrong_password_and_an_unknown_email_are_refused_alike() {
    let app = spawn_app().await;
    let org = app.org(true).await;
    let address = email("Grace");
    create(&app, &org, &address).await;
    let wrong = sign_in(&app, &address, "not the password at all")
        .await
        .unwrap_err();
    let unknown = sign_in(&app, &email("nobody"), PASSWORD).await.unwrap_err();
    let malformed = sign_in(&app, "not an email", PASSWORD).await.unwrap_err();
    let long = sign_in(&app, &address, &"x".repeat(1_025))
        .await
        .unwrap_err();
    for err in [&wrong, &unknown, &malformed, &long] {
        assert_eq!(
            (err.code(), err.message()),
            (
                Code::Unauthenticated,
                "the email or password is not correct"
            )
        );
    }
    assert!(sign_in(&app, &address, PASSWORD).await.is_ok());
    app.shutdown().await;
}

#[tokio::test]
async fn user_fields_are_checked_and_emails_are_unique_across_organizations() {
    let app = spawn_app().await;
    let (org, other_org) = (app.org(true).await, app.org(false).await);
    let mut users = client(&app).await;
    let violations = |err: tonic::Status| -> Vec<String> {
        assert_eq!(err.code(), Code::InvalidArgument, "{err:?}");
        err.get_details_bad_request()
            .unwrap()
            .field_violations
            .into_iter()
            .map(|v| v.field)
            .collect()
    };
    let address = email("Edsger");
    let cases = [
        (
            CreateUserRequest {
                password: "short pass".to_owned(),
                ..new_user(&org, &address, UserRole::Viewer)
            },
            "password",
        ),
        (
            CreateUserRequest {
                password: "x".repeat(1_025),
                ..new_user(&org, &address, UserRole::Viewer)
            },
            "password",
        ),
        (new_user(&org, &address, UserRole::Unspecified), "role"),
        (
            CreateUserRequest {
                role: 42,
                ..new_user(&org, &address, UserRole::Viewer)
            },
            "role",
        ),
        (new_user(&org, "not an email", UserRole::Viewer), "email"),
        (
            CreateUserRequest {
                name: " ".to_owned(),
                ..new_user(&org, &address, UserRole::Viewer)
            },
            "name",
        ),
    ];
    for (request, field) in cases {
        let err = users
            .create_user(internal(&app, request, Some(&org)))
            .await
            .unwrap_err();
        assert_eq!(violations(err), [field]);
    }
    // Twelve characters, whatever their bytes.
    let twelve = CreateUserRequest {
        password: "éééééééééééé".to_owned(),
        ..new_user(&org, &address, UserRole::Owner)
    };
    users
        .create_user(internal(&app, twelve, Some(&org)))
        .await
        .unwrap();
    assert!(sign_in(&app, &address, "éééééééééééé").await.is_ok());

    // The same address in another case, here or in another organization.
    for (target, header) in [(&org, &org), (&other_org, &other_org)] {
        let again = new_user(target, &address.to_uppercase(), UserRole::Admin);
        let err = users
            .create_user(internal(&app, again, Some(header)))
            .await
            .unwrap_err();
        assert_eq!(
            (err.code(), err.message()),
            (Code::AlreadyExists, "a user with this email already exists")
        );
    }
    // An unknown organization; an organization other than the call's.
    let err = users
        .create_user(internal(
            &app,
            new_user("org_missing", &email("x"), UserRole::Viewer),
            None,
        ))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::NotFound);
    let err = users
        .create_user(internal(
            &app,
            new_user(&other_org, &email("x"), UserRole::Viewer),
            Some(&org),
        ))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::PermissionDenied);
    app.shutdown().await;
}

#[tokio::test]
async fn sessions_expire_when_idle_and_at_their_absolute_end() {
    let app = spawn_configured(|c| {
        c.sessions = SessionSettings {
            idle: Duration::from_secs(1),
            max: Duration::from_secs(3),
        }
    })
    .await;
    let org = app.org(true).await;
    let address = email("Barbara");
    create(&app, &org, &address).await;
    let started = Instant::now();
    let used = sign_in(&app, &address, PASSWORD).await.unwrap();
    let unused = sign_in(&app, &address, PASSWORD).await.unwrap();
    let used_session = used.session.unwrap();
    let expires_at = time(&used_session.expires_at);
    let unused_idle_end = time(&unused.session.unwrap().idle_expires_at);

    // `used` is resolved every 200 ms, so its idle expiry keeps moving until it meets the
    // absolute one; `unused` is checked once, just after its idle second.
    let (mut unused_checked, mut last_alive, mut idle_end) =
        (false, started, time(&used_session.idle_expires_at));
    loop {
        assert!(started.elapsed() < Duration::from_secs(20), "never expired");
        let answer = get_session(&app, &used.token).await;
        let after = SystemTime::now();
        match answer {
            Ok(session) => {
                last_alive = Instant::now();
                let idle = time(&session.idle_expires_at);
                assert!(idle >= idle_end && idle <= expires_at);
                idle_end = idle;
            }
            Err(_) => {
                assert!(after >= expires_at, "refused before its absolute end");
                refused(answer, "the session has expired");
                break;
            }
        }
        if !unused_checked && after > unused_idle_end + Duration::from_millis(50) {
            refused(
                get_session(&app, &unused.token).await,
                "the session has expired",
            );
            unused_checked = true;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(unused_checked);
    // Used, it outlived its idle second by far.
    assert!(last_alive.duration_since(started) > Duration::from_millis(2_000));
    app.shutdown().await;
}

#[tokio::test]
async fn users_are_listed_and_read_within_the_calls_organization() {
    let app = spawn_app().await;
    let (org, other_org) = (app.org(true).await, app.org(true).await);
    let first = create(&app, &org, &email("first")).await;
    let second = create(&app, &org, &email("second")).await;
    let elsewhere = create(&app, &other_org, &email("elsewhere")).await;
    let mut users = client(&app).await;
    let listed = users
        .list_users(internal(&app, ListUsersRequest {}, Some(&org)))
        .await
        .unwrap()
        .into_inner()
        .data;
    let ids: Vec<&str> = listed.iter().map(|u| u.id.as_str()).collect();
    assert_eq!(ids, [first.id.as_str(), second.id.as_str()], "oldest first");
    let get = |id: &str, org: &str| internal(&app, GetUserRequest { id: id.to_owned() }, Some(org));
    let err = users.get_user(get(&elsewhere.id, &org)).await.unwrap_err();
    assert_eq!(err.code(), Code::NotFound);
    let found = users
        .get_user(get(&elsewhere.id, &other_org))
        .await
        .unwrap();
    assert_eq!(found.into_inner().email, elsewhere.email);
    for id in ["usr_nonsense", "", "cus_0193"] {
        let err = users.get_user(get(id, &org)).await.unwrap_err();
        assert_eq!(err.code(), Code::NotFound);
    }
    // Without an organization there is nothing to list.
    let err = users
        .list_users(internal(&app, ListUsersRequest {}, None))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::InvalidArgument);
    app.shutdown().await;
}

#[tokio::test]
async fn api_keys_cannot_call_the_users_service() {
    let app = spawn_app().await;
    let t = app.tenant().await;
    let mut users = client(&app).await;
    let internal_only = |err: tonic::Status| {
        assert_eq!(
            (err.code(), err.get_details_error_info().unwrap().reason),
            (Code::PermissionDenied, "internal_only".to_owned())
        );
    };
    let list = users.list_users(t.grpc(ListUsersRequest {}, &[])).await;
    internal_only(list.unwrap_err());
    let create = new_user(&t.org, &email("key"), UserRole::Owner);
    internal_only(users.create_user(t.grpc(create, &[])).await.unwrap_err());
    let sign_in = SignInRequest {
        email: email("key"),
        password: PASSWORD.to_owned(),
        ..Default::default()
    };
    internal_only(users.sign_in(t.grpc(sign_in, &[])).await.unwrap_err());
    app.shutdown().await;
}

#[tokio::test]
async fn creating_a_user_is_audited_without_its_password() {
    let app = spawn_app().await;
    let org = app.org(true).await;
    let admin = create(&app, &org, &email("admin")).await;
    // Made in the dashboard by a signed-in user: audited as that user.
    let request = internal_with(
        &app,
        new_user(&org, &email("audited"), UserRole::Viewer),
        Some(&org),
        &[("x-asteri-user", &admin.id)],
    );
    let user = client(&app)
        .await
        .create_user(request)
        .await
        .unwrap()
        .into_inner();
    let filter = audit::AuditFilter {
        resource_id: Some(user.id.clone()),
        ..Default::default()
    };
    let page = PageQuery {
        limit: 5,
        starting_after: None,
    };
    let trail = audit::list_audit(&app.platform.store, &OrgId::new(&org), &filter, &page)
        .await
        .unwrap();
    assert_eq!(trail.items.len(), 1);
    let record = &trail.items[0];
    assert_eq!(
        (
            record.action.as_str(),
            record.resource_type.as_str(),
            record.actor_type.as_str(),
            record.actor_id.as_str()
        ),
        ("user.create", "user", "user", admin.id.as_str())
    );
    let after = record.after.clone().unwrap();
    assert_eq!(after["email"], user.email.as_str());
    let text = after.to_string();
    for secret in [PASSWORD, "argon2", "password"] {
        assert!(
            !text.contains(secret),
            "{secret} in the audit record: {text}"
        );
    }
    assert!(record.before.is_none());
    app.shutdown().await;
}

#[test]
fn the_cli_creates_users_with_a_password_from_stdin_or_a_generated_one() {
    let env = crate::cli::Env::new();
    let org = env.json(&[
        "orgs",
        "create",
        "--name",
        "CLI Users",
        "--sandbox",
        "--json",
    ])["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let piped = email("piped");
    let create = |address: &str, stdin: &str| {
        let mut child = env
            .command(&[
                "users",
                "create",
                "--org",
                &org,
                "--email",
                address,
                "--name",
                "Piped Person",
                "--role",
                "developer",
                "--password-stdin",
                "--json",
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(stdin.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    };
    let out = create(&piped, &format!("{PASSWORD}\n"));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let user: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(user["id"].as_str().unwrap().starts_with("usr_"));
    assert_eq!(
        (&user["email"], &user["role"]),
        (&serde_json::json!(piped), &serde_json::json!("developer"))
    );
    assert!(
        user.get("password").is_none(),
        "a given password is not printed"
    );

    let out = create(&email("short"), "too short\n");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("password: must be at least 12 characters"),
        "{stderr}"
    );

    // Without --password-stdin, a password is generated and printed once.
    let generated_email = email("generated");
    let made = env.json(&[
        "users",
        "create",
        "--org",
        &org,
        "--email",
        &generated_email,
        "--name",
        "Generated",
        "--role",
        "viewer",
        "--json",
    ]);
    let generated = made["password"].as_str().unwrap().to_owned();
    assert!(generated.len() >= 24, "{generated}");

    let listed = env.json(&["users", "list", "--org", &org, "--json"]);
    let emails: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["email"].as_str().unwrap())
        .collect();
    assert_eq!(emails, [piped.as_str(), generated_email.as_str()]);
    assert!(!listed.to_string().contains(&generated));

    // Both passwords open sessions: the line ending of the piped one was dropped.
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        use proto::v1::users_service_server::UsersService as _;
        let store = storage::Store::connect(&env.database).await.unwrap();
        let platform = services::Platform::new(store, b"any key will do for sessions", "ast_int_x");
        for (address, password) in [(&piped, PASSWORD), (&generated_email, &generated)] {
            let request = SignInRequest {
                email: address.clone(),
                password: password.to_owned(),
                ..Default::default()
            };
            let signed = platform
                .users()
                .sign_in(asteri::cli::operator(request, None))
                .await;
            assert!(signed.is_ok(), "{address}: {signed:?}");
        }
    });
}
