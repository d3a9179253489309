//! Dashboard users and their sessions: `asteri.v1.UsersService` (internal only: no scope, so
//! the auth layer refuses API keys; the dashboard and the `asteri` command call it).
//!
//! Rules:
//! - A user belongs to one organization and has a role (`owner`, `admin`, `developer`,
//!   `viewer`; required). Its email is checked and normalised like every address
//!   ([`crate::email`]) and unique across organizations, compared without regard to case,
//!   since sign-in takes the email alone: a second is ALREADY_EXISTS.
//! - Passwords: at least 12 characters, at most 1,024 bytes; only an Argon2id hash is kept
//!   ([`password`]). Creating a user is audited (`user.create`, the user as the API renders
//!   it: never the hash). Sign-in and sign-out are not.
//! - Sign-in answers one UNAUTHENTICATED message whether the email is unknown or the
//!   password wrong, after one password verification either way.
//! - A session is a bearer token (`ast_ses_` + 64 hex digits, 256 random bits) of which only
//!   the keyed hash is stored ([`SecretHasher`], as API key secrets), with a CSRF token of its
//!   own. It ends at sign-out, after [`SessionSettings::idle`] without use, or
//!   [`SessionSettings::max`] after sign-in, whichever comes first; each GetSession moves the
//!   idle expiry forward, never past the absolute one.
//! - GetUser and ListUsers read the organization of `x-organization-id` (another
//!   organization's user is not found); sign-in and sessions are global (the credential names
//!   the organization).

pub mod password;

use std::time::Duration;

use chrono::{DateTime, SubsecRound as _, Utc};
use proto::v1::{
    CreateUserRequest, EndSessionRequest, EndSessionResponse, GetSessionRequest, GetUserRequest,
    ListUsersRequest, ListUsersResponse, Session, SignInRequest, SignInResponse, User, UserRole,
    users_service_server::UsersService,
};
use rand::Rng as _;
use storage::{
    OrgId, Store, WriteContext,
    ids::new_id,
    organizations,
    users::{self as repo, ID_PREFIX, SESSION_ID_PREFIX},
};
use tonic::{Request, Response, Status};

use crate::{
    auth::{RequestContext, SecretHasher, context},
    convert::{Check, timestamp, timestamp_opt},
    error::{ServiceError, ServiceResult, Violations},
};

/// The prefix of session tokens (the redaction rules know every `ast_<kind>_` token).
pub const SESSION_PREFIX: &str = "ast_ses_";
/// Hex digits after the prefix: 32 random bytes.
const TOKEN_HEX: usize = 64;
/// What is kept of a session's client address and user agent (they are for the user to
/// recognise the session, not evidence).
const MAX_IP_CHARS: usize = 64;
const MAX_USER_AGENT_CHARS: usize = 512;

const SIGN_IN_REFUSED: &str = "the email or password is not correct";
const SESSION_UNKNOWN: &str = "the session is not valid; sign in again";
const SESSION_EXPIRED: &str = "the session has expired";
const SESSION_ENDED: &str = "the session has ended";

/// How long sessions last (`ASTERI_SESSION_IDLE_SECONDS`, `ASTERI_SESSION_MAX_SECONDS`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SessionSettings {
    /// A session unused this long ends.
    pub idle: Duration,
    /// A session ends this long after sign-in, however it is used.
    pub max: Duration,
}

impl Default for SessionSettings {
    fn default() -> Self {
        Self {
            idle: Duration::from_secs(3_600),
            max: Duration::from_secs(12 * 3_600),
        }
    }
}

#[derive(Clone)]
pub struct Users {
    store: Store,
    hasher: SecretHasher,
    sessions: SessionSettings,
}

impl Users {
    pub fn new(store: Store, hasher: SecretHasher, sessions: SessionSettings) -> Self {
        Self {
            store,
            hasher,
            sessions,
        }
    }
}

const ROLES: [(UserRole, &str); 4] = [
    (UserRole::Owner, "owner"),
    (UserRole::Admin, "admin"),
    (UserRole::Developer, "developer"),
    (UserRole::Viewer, "viewer"),
];

fn role_name(role: i32) -> Option<&'static str> {
    ROLES
        .iter()
        .find(|(r, _)| *r as i32 == role)
        .map(|(_, name)| *name)
}

fn role_of(name: &str) -> UserRole {
    ROLES
        .iter()
        .find(|(_, n)| *n == name)
        .map_or(UserRole::Unspecified, |(r, _)| *r)
}

pub fn user_message(u: &repo::User) -> User {
    User {
        id: u.id.clone(),
        organization_id: u.organization_id.clone(),
        email: u.email.clone(),
        name: u.name.clone(),
        role: role_of(&u.role) as i32,
        created_at: Some(timestamp(u.created_at)),
        last_sign_in_at: timestamp_opt(u.last_sign_in_at),
    }
}

fn session_message(s: &repo::Session, user: &repo::User) -> Session {
    Session {
        id: s.id.clone(),
        user: Some(user_message(user)),
        csrf_token: s.csrf_token.clone(),
        created_at: Some(timestamp(s.created_at)),
        idle_expires_at: Some(timestamp(s.idle_expires_at)),
        expires_at: Some(timestamp(s.expires_at)),
    }
}

/// `at + d` as the database keeps it (microseconds), saturating far in the future.
fn later(at: DateTime<Utc>, d: Duration) -> DateTime<Utc> {
    chrono::Duration::from_std(d)
        .ok()
        .and_then(|d| at.checked_add_signed(d))
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
        .trunc_subsecs(6)
}

/// 32 random bytes in hex.
fn random_hex() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill(&mut bytes);
    hex::encode(bytes)
}

/// Free text from a client, kept for display: no control characters (PostgreSQL stores no
/// NUL), at most `max` characters.
fn display_text(value: &str, max: usize) -> String {
    value
        .trim()
        .chars()
        .filter(|c| !c.is_control())
        .take(max)
        .collect()
}

enum Refusal {
    Unknown,
    Expired,
    Ended,
}

impl Refusal {
    fn error(self) -> ServiceError {
        let message = match self {
            Self::Unknown => SESSION_UNKNOWN,
            Self::Expired => SESSION_EXPIRED,
            Self::Ended => SESSION_ENDED,
        };
        ServiceError::Unauthenticated {
            message: message.to_owned(),
        }
    }
}

/// Why `session` cannot be used at `now`, if it cannot. Ended first: a signed-out session
/// says so even once it would have expired too.
fn refusal(session: &repo::Session, now: DateTime<Utc>) -> Option<Refusal> {
    if session.ended_at.is_some() {
        Some(Refusal::Ended)
    } else if now >= session.idle_expires_at || now >= session.expires_at {
        Some(Refusal::Expired)
    } else {
        None
    }
}

impl Users {
    async fn create(
        &self,
        ctx: &RequestContext,
        mut req: CreateUserRequest,
    ) -> ServiceResult<User> {
        let mut v = Violations::default();
        let mut check = Check(&mut v);
        check.required("organization_id", &req.organization_id);
        check.required("name", &req.name);
        check.text("name", &req.name, 200);
        check.email("email", &mut req.email);
        let role = role_name(req.role);
        if role.is_none() {
            v.add("role", "must be one of owner, admin, developer, viewer");
        }
        password::check(&mut v, "password", &req.password);
        v.into_result()?;
        let org_id = req.organization_id.trim();
        // The dashboard acts in the organization of its signed-in user: it cannot make
        // members of another one.
        if ctx.org.as_ref().is_some_and(|org| org.as_str() != org_id) {
            return Err(ServiceError::PermissionDenied {
                reason: "organization_mismatch",
                message: "organization_id is not the organization in x-organization-id".to_owned(),
                metadata: Default::default(),
            });
        }
        let org = organizations::get(&self.store, org_id)
            .await?
            .ok_or_else(|| ServiceError::not_found("organization", org_id))?;

        let password_hash = password::hash(std::mem::take(&mut req.password)).await?;
        let now = storage::now();
        let new = repo::User {
            id: new_id(ID_PREFIX),
            organization_id: org.id.clone(),
            email: req.email,
            // Derived from `email` by storage on every write.
            email_key: String::new(),
            name: req.name.trim().to_owned(),
            role: role.unwrap_or_default().to_owned(),
            password_hash,
            created_at: now,
            updated_at: now,
            last_sign_in_at: None,
        };
        // The audit record holds the user as rendered: no hash, no password.
        let message = user_message(&new);
        let id = new.id.clone();
        let change =
            crate::record::change::<User>("user.create", "user", &id, None, Some(&message), None);
        let write = WriteContext {
            org: OrgId::new(&org.id),
            actor: ctx.actor.clone(),
            request_id: ctx.request_id.clone(),
            trace_parent: crate::trace::current_traceparent(),
        };
        match self.store.create(write, new, change).await {
            Ok(_) => Ok(message),
            // Organizations are never deleted, so the one constraint left is the email's.
            Err(err) if err.is_conflict() => Err(ServiceError::AlreadyExists {
                reason: "email_taken",
                message: "a user with this email already exists".to_owned(),
            }),
            Err(err) => Err(err.into()),
        }
    }

    async fn authenticate(&self, req: SignInRequest) -> ServiceResult<SignInResponse> {
        let refused = || ServiceError::Unauthenticated {
            message: SIGN_IN_REFUSED.to_owned(),
        };
        // Says nothing about any account: the bound is the same for all.
        if req.password.len() > password::MAX_BYTES {
            return Err(refused());
        }
        let user = match crate::email::normalize(&req.email) {
            Ok(email) => repo::find_by_email_key(&self.store, &email.to_lowercase()).await?,
            Err(_) => None,
        };
        let hash = user.as_ref().map(|u| u.password_hash.clone());
        if !password::verify(req.password, hash).await? {
            return Err(refused());
        }
        // Only a known user's password verifies.
        let Some(mut user) = user else {
            return Err(refused());
        };

        let token = format!("{SESSION_PREFIX}{}", random_hex());
        let now = storage::now();
        let expires_at = later(now, self.sessions.max);
        let session = repo::Session {
            id: new_id(SESSION_ID_PREFIX),
            token_hash: self.hasher.hash(&token),
            user_id: user.id.clone(),
            organization_id: user.organization_id.clone(),
            csrf_token: random_hex(),
            ip: display_text(&req.ip, MAX_IP_CHARS),
            user_agent: display_text(&req.user_agent, MAX_USER_AGENT_CHARS),
            created_at: now,
            last_seen_at: now,
            idle_expires_at: later(now, self.sessions.idle).min(expires_at),
            expires_at,
            ended_at: None,
        };
        let session = repo::open_session(&self.store, session).await?;
        user.last_sign_in_at = Some(session.created_at);
        Ok(SignInResponse {
            token,
            session: Some(session_message(&session, &user)),
        })
    }

    /// The stored hash of a token that can be a session's; `None` for anything else, which
    /// then names no session without a query.
    fn token_hash(&self, token: &str) -> Option<String> {
        let hex = token.strip_prefix(SESSION_PREFIX)?;
        (hex.len() == TOKEN_HEX && hex.bytes().all(|b| b.is_ascii_hexdigit()))
            .then(|| self.hasher.hash(token))
    }

    async fn session(&self, token: &str) -> ServiceResult<Session> {
        let hash = self
            .token_hash(token)
            .ok_or_else(|| Refusal::Unknown.error())?;
        let Some(mut session) = repo::find_session(&self.store, &hash).await? else {
            return Err(Refusal::Unknown.error());
        };
        let now = storage::now();
        if let Some(refusal) = refusal(&session, now) {
            return Err(refusal.error());
        }
        let org = OrgId::new(&session.organization_id);
        let Some(user) = repo::get(&self.store, &org, &session.user_id).await? else {
            return Err(Refusal::Unknown.error());
        };
        let idle_expires_at = later(now, self.sessions.idle).min(session.expires_at);
        if !repo::touch_session(&self.store, &session.id, now, idle_expires_at).await? {
            // Ended (or expired) since it was read: say which.
            let current = repo::find_session(&self.store, &hash).await?;
            let refusal = current.and_then(|s| refusal(&s, now));
            return Err(refusal.unwrap_or(Refusal::Unknown).error());
        }
        session.last_seen_at = now;
        session.idle_expires_at = idle_expires_at;
        Ok(session_message(&session, &user))
    }

    async fn end(&self, token: &str) -> ServiceResult<()> {
        if let Some(hash) = self.token_hash(token) {
            repo::end_session(&self.store, &hash, storage::now()).await?;
        }
        Ok(())
    }
}

#[tonic::async_trait]
impl UsersService for Users {
    async fn create_user(&self, r: Request<CreateUserRequest>) -> Result<Response<User>, Status> {
        let ctx = context(&r)?;
        Ok(Response::new(self.create(&ctx, r.into_inner()).await?))
    }

    async fn get_user(&self, r: Request<GetUserRequest>) -> Result<Response<User>, Status> {
        let ctx = context(&r)?;
        let id = &r.get_ref().id;
        let user = repo::get(&self.store, ctx.org()?, id)
            .await
            .map_err(ServiceError::from)?
            .ok_or_else(|| ServiceError::not_found("user", id))?;
        Ok(Response::new(user_message(&user)))
    }

    async fn list_users(
        &self,
        r: Request<ListUsersRequest>,
    ) -> Result<Response<ListUsersResponse>, Status> {
        let ctx = context(&r)?;
        let users = repo::list(&self.store, ctx.org()?)
            .await
            .map_err(ServiceError::from)?;
        Ok(Response::new(ListUsersResponse {
            data: users.iter().map(user_message).collect(),
        }))
    }

    async fn sign_in(&self, r: Request<SignInRequest>) -> Result<Response<SignInResponse>, Status> {
        context(&r)?;
        Ok(Response::new(self.authenticate(r.into_inner()).await?))
    }

    async fn get_session(
        &self,
        r: Request<GetSessionRequest>,
    ) -> Result<Response<Session>, Status> {
        context(&r)?;
        Ok(Response::new(self.session(&r.get_ref().token).await?))
    }

    async fn end_session(
        &self,
        r: Request<EndSessionRequest>,
    ) -> Result<Response<EndSessionResponse>, Status> {
        context(&r)?;
        self.end(&r.get_ref().token).await?;
        Ok(Response::new(EndSessionResponse {}))
    }
}
