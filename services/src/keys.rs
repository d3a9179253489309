//! API keys and organizations (internal RPCs: operators, the security center, the gateway).

use chrono::{Duration, Utc};
use proto::{
    credentials::{LIVE_PREFIX, TEST_PREFIX},
    json::to_json,
    v1::{
        self, ApiKey, CreateApiKeyRequest, CreateApiKeyResponse, CreateOrganizationRequest,
        GetApiKeyRequest, GetOrganizationRequest, KeyEnvironment, ListApiKeysRequest,
        ListApiKeysResponse, Organization, RevokeApiKeyRequest, RotateApiKeyRequest,
        VerifyApiKeyRequest, VerifyApiKeyResponse, api_keys_service_server::ApiKeysService,
        organizations_service_server::OrganizationsService,
    },
};
use rand::{Rng, distr::Alphanumeric};
use storage::{ActorKind, Change, OrgId, Store, WriteContext, api_keys, organizations};
use tonic::{Request, Response, Status};

use crate::{
    auth::{KeyVerifier, RequestContext, context},
    convert::{Check, timestamp, timestamp_opt},
    error::{ServiceError, ServiceResult, Violations},
};

pub const DEFAULT_PER_MINUTE: u32 = 60;
pub const DEFAULT_PER_DAY: u32 = 10_000;
/// 190 bits of entropy: 32 characters of [A-Za-z0-9].
const SECRET_CHARS: usize = 32;
/// The longest a rolled key's previous secret may keep working: 7 days.
pub const MAX_PREVIOUS_SECRET_SECONDS: u64 = 7 * 86_400;

#[derive(Clone)]
pub struct Keys {
    store: Store,
    verifier: KeyVerifier,
}

impl Keys {
    pub fn new(store: Store, verifier: KeyVerifier) -> Self {
        Self { store, verifier }
    }
}

fn new_secret(environment: &str) -> String {
    let random: String = rand::rng()
        .sample_iter(&Alphanumeric)
        .take(SECRET_CHARS)
        .map(char::from)
        .collect();
    let prefix = if environment == "test" {
        TEST_PREFIX
    } else {
        LIVE_PREFIX
    };
    format!("{prefix}{random}")
}

fn hint(secret: &str) -> String {
    secret[secret.len().saturating_sub(4)..].to_owned()
}

pub fn api_key_message(k: &api_keys::ApiKey) -> ApiKey {
    let prefix = if k.environment == "test" {
        TEST_PREFIX
    } else {
        LIVE_PREFIX
    };
    ApiKey {
        id: k.id.clone(),
        organization_id: k.organization_id.clone(),
        name: k.name.clone(),
        scopes: k.scopes.0.clone(),
        environment: if k.environment == "test" {
            KeyEnvironment::Test
        } else {
            KeyEnvironment::Live
        } as i32,
        redacted_secret: format!("{prefix}...{}", k.secret_hint),
        expires_at: timestamp_opt(k.expires_at),
        per_minute_limit: u32::try_from(k.per_minute_limit).unwrap_or(u32::MAX),
        per_day_limit: u32::try_from(k.per_day_limit).unwrap_or(u32::MAX),
        last_used_at: timestamp_opt(k.last_used_at),
        revoked_at: timestamp_opt(k.revoked_at),
        created_at: Some(timestamp(k.created_at)),
        created_by_user_id: k.created_by_user_id.clone().unwrap_or_default(),
        // Only while the previous secret still works: a past grace, or a revoked key's
        // (revocation refuses both secrets), is not shown.
        previous_secret_expires_at: k
            .previous_secret_expires_at
            .filter(|at| k.revoked_at.is_none() && *at > Utc::now())
            .map(timestamp),
    }
}

fn write_context(ctx: &RequestContext, org: &str) -> WriteContext {
    WriteContext {
        org: OrgId::new(org),
        actor: ctx.actor.clone(),
        request_id: ctx.request_id.clone(),
        trace_parent: crate::trace::current_traceparent(),
    }
}

impl Keys {
    async fn create(
        &self,
        ctx: &RequestContext,
        req: CreateApiKeyRequest,
    ) -> ServiceResult<CreateApiKeyResponse> {
        let mut v = Violations::default();
        let mut check = Check(&mut v);
        check.required("name", &req.name);
        check.max_chars("name", &req.name, 100);
        // The vocabulary is the contract's (`enum Scope` in options.proto), not the scopes
        // today's routes require: a key may hold `delete:payments` though no route needs it.
        crate::apps::rules::check_scopes(&mut v, &req.scopes);
        if req.expires_in_seconds == Some(0) {
            v.add("expires_in_seconds", "must be positive");
        }
        if req.per_minute_limit == Some(0) {
            v.add("per_minute_limit", "must be positive");
        }
        if req.per_day_limit == Some(0) {
            v.add("per_day_limit", "must be positive");
        }
        let org = organizations::get(&self.store, &req.organization_id)
            .await?
            .ok_or_else(|| ServiceError::not_found("organization", &req.organization_id))?;
        let environment = match KeyEnvironment::try_from(req.environment).unwrap_or_default() {
            KeyEnvironment::Unspecified if org.sandbox => "test",
            KeyEnvironment::Unspecified => "live",
            KeyEnvironment::Test => "test",
            KeyEnvironment::Live => "live",
        };
        if (environment == "test") != org.sandbox {
            v.add(
                "environment",
                "test keys belong to sandbox organizations and live keys to live ones",
            );
        }
        v.into_result()?;

        let secret = new_secret(environment);
        let expires_at = match req.expires_in_seconds {
            Some(secs) => Some(
                i64::try_from(secs)
                    .ok()
                    .and_then(Duration::try_seconds)
                    .and_then(|d| Utc::now().checked_add_signed(d))
                    .ok_or_else(|| ServiceError::malformed("expires_in_seconds", "is too large"))?,
            ),
            None => None,
        };
        let mut w = self.store.write(write_context(ctx, &org.id)).await?;
        let key = api_keys::insert(
            &w,
            &OrgId::new(&org.id),
            api_keys::NewApiKey {
                name: req.name.trim().to_owned(),
                secret_hash: self.verifier.hasher().hash(&secret),
                secret_hint: hint(&secret),
                environment: environment.to_owned(),
                scopes: req.scopes,
                expires_at,
                per_minute_limit: i64::from(req.per_minute_limit.unwrap_or(DEFAULT_PER_MINUTE)),
                per_day_limit: i64::from(req.per_day_limit.unwrap_or(DEFAULT_PER_DAY)),
                // The auth layer names a dashboard user only for the internal credential
                // with `x-asteri-user`; every other caller leaves it empty.
                created_by_user_id: (ctx.actor.kind == ActorKind::User)
                    .then(|| ctx.actor.id.clone()),
            },
        )
        .await?;
        let message = api_key_message(&key);
        w.record(Change {
            action: "api_key.create",
            resource_type: "api_key",
            resource_id: &key.id,
            before: None,
            after: Some(to_json(&message)),
            event: None,
        })
        .await?;
        w.commit().await?;
        Ok(CreateApiKeyResponse {
            api_key: Some(message),
            secret,
        })
    }

    async fn existing(&self, id: &str) -> ServiceResult<api_keys::ApiKey> {
        api_keys::get(&self.store, id)
            .await?
            .ok_or_else(|| ServiceError::not_found("api key", id))
    }

    async fn revoke(&self, ctx: &RequestContext, id: &str) -> ServiceResult<ApiKey> {
        let key = self.existing(id).await?;
        let mut w = self
            .store
            .write(write_context(ctx, &key.organization_id))
            .await?;
        let revoked = api_keys::revoke(&w, id)
            .await?
            .ok_or_else(|| ServiceError::not_found("api key", id))?;
        let (before, after) = (api_key_message(&key), api_key_message(&revoked));
        w.record(Change {
            action: "api_key.revoke",
            resource_type: "api_key",
            resource_id: id,
            before: Some(to_json(&before)),
            after: Some(to_json(&after)),
            event: None,
        })
        .await?;
        w.commit().await?;
        self.verifier.forget(&key.id);
        Ok(after)
    }

    async fn rotate(
        &self,
        ctx: &RequestContext,
        req: &RotateApiKeyRequest,
    ) -> ServiceResult<CreateApiKeyResponse> {
        let id = req.id.as_str();
        let grace = match req.previous_secret_expires_in_seconds {
            None | Some(0) => None,
            Some(secs) if secs <= MAX_PREVIOUS_SECRET_SECONDS => {
                Some(Duration::seconds(i64::try_from(secs).unwrap_or(i64::MAX)))
            }
            Some(secs) => {
                return Err(ServiceError::malformed(
                    "previous_secret_expires_in_seconds",
                    format!(
                        "is {secs}; the previous secret can keep working for at most \
                         {MAX_PREVIOUS_SECRET_SECONDS} seconds (7 days)"
                    ),
                ));
            }
        };
        let key = self.existing(id).await?;
        if key.revoked_at.is_some() {
            return Err(ServiceError::conflict(
                "key_revoked",
                "a revoked key cannot be rotated; create a new key",
            ));
        }
        let secret = new_secret(&key.environment);
        let mut w = self
            .store
            .write(write_context(ctx, &key.organization_id))
            .await?;
        // Microseconds, what the databases keep: the answer and a later read agree.
        let keep_previous_until = grace.map(|grace| storage::now() + grace);
        let rotated = api_keys::replace_secret(
            &w,
            id,
            self.verifier.hasher().hash(&secret),
            hint(&secret),
            keep_previous_until,
        )
        .await?
        .ok_or_else(|| ServiceError::not_found("api key", id))?;
        let (before, after) = (api_key_message(&key), api_key_message(&rotated));
        w.record(Change {
            action: "api_key.rotate",
            resource_type: "api_key",
            resource_id: id,
            before: Some(to_json(&before)),
            after: Some(to_json(&after)),
            event: None,
        })
        .await?;
        w.commit().await?;
        // On this replica at once: an immediate roll refuses the old secret from now on; a
        // roll with a grace reloads it with the grace's end (checked at every use). A
        // secret kept by an earlier roll is replaced, and refused from now on.
        self.verifier.forget(&key.id);
        Ok(CreateApiKeyResponse {
            api_key: Some(after),
            secret,
        })
    }
}

#[tonic::async_trait]
impl ApiKeysService for Keys {
    async fn create_api_key(
        &self,
        r: Request<CreateApiKeyRequest>,
    ) -> Result<Response<CreateApiKeyResponse>, Status> {
        let ctx = context(&r)?;
        Ok(Response::new(self.create(&ctx, r.into_inner()).await?))
    }

    async fn get_api_key(&self, r: Request<GetApiKeyRequest>) -> Result<Response<ApiKey>, Status> {
        context(&r)?;
        Ok(Response::new(api_key_message(
            &self.existing(&r.get_ref().id).await?,
        )))
    }

    async fn list_api_keys(
        &self,
        r: Request<ListApiKeysRequest>,
    ) -> Result<Response<ListApiKeysResponse>, Status> {
        context(&r)?;
        let keys = api_keys::list(&self.store, &OrgId::new(&r.get_ref().organization_id))
            .await
            .map_err(ServiceError::from)?;
        Ok(Response::new(ListApiKeysResponse {
            data: keys.iter().map(api_key_message).collect(),
        }))
    }

    async fn revoke_api_key(
        &self,
        r: Request<RevokeApiKeyRequest>,
    ) -> Result<Response<ApiKey>, Status> {
        let ctx = context(&r)?;
        Ok(Response::new(self.revoke(&ctx, &r.get_ref().id).await?))
    }

    async fn rotate_api_key(
        &self,
        r: Request<RotateApiKeyRequest>,
    ) -> Result<Response<CreateApiKeyResponse>, Status> {
        let ctx = context(&r)?;
        Ok(Response::new(self.rotate(&ctx, r.get_ref()).await?))
    }

    async fn verify_api_key(
        &self,
        r: Request<VerifyApiKeyRequest>,
    ) -> Result<Response<VerifyApiKeyResponse>, Status> {
        context(&r)?;
        match self.verifier.verify(&r.get_ref().secret).await? {
            Ok(key) => Ok(Response::new(VerifyApiKeyResponse {
                api_key: Some(api_key_message(&key.record)),
                organization_sandbox: key.organization_sandbox,
            })),
            Err(refusal) => Err(ServiceError::Unauthenticated {
                message: refusal.message().to_owned(),
            }
            .into()),
        }
    }
}

#[derive(Clone)]
pub struct Organizations {
    store: Store,
}

impl Organizations {
    pub fn new(store: Store) -> Self {
        Self { store }
    }
}

pub fn organization_message(o: &organizations::Organization) -> Organization {
    Organization {
        id: o.id.clone(),
        name: o.name.clone(),
        sandbox: o.sandbox,
        created_at: Some(timestamp(o.created_at)),
    }
}

#[tonic::async_trait]
impl OrganizationsService for Organizations {
    async fn create_organization(
        &self,
        r: Request<CreateOrganizationRequest>,
    ) -> Result<Response<Organization>, Status> {
        let ctx = context(&r)?;
        let req = r.into_inner();
        let mut v = Violations::default();
        Check(&mut v).required("name", &req.name);
        Check(&mut v).max_chars("name", &req.name, 200);
        v.into_result()?;
        let id = organizations::new_organization_id();
        let mut w = self
            .store
            .write(write_context(&ctx, &id))
            .await
            .map_err(ServiceError::from)?;
        let org = organizations::create(&w, id, req.name.trim(), req.sandbox)
            .await
            .map_err(ServiceError::from)?;
        let message = organization_message(&org);
        w.record(Change {
            action: "organization.create",
            resource_type: "organization",
            resource_id: &org.id,
            before: None,
            after: Some(to_json(&message)),
            event: None,
        })
        .await
        .map_err(ServiceError::from)?;
        w.commit().await.map_err(ServiceError::from)?;
        Ok(Response::new(message))
    }

    async fn get_organization(
        &self,
        r: Request<GetOrganizationRequest>,
    ) -> Result<Response<Organization>, Status> {
        context(&r)?;
        let id = &r.get_ref().id;
        let org = organizations::get(&self.store, id)
            .await
            .map_err(ServiceError::from)?;
        Ok(Response::new(organization_message(&org.ok_or_else(
            || ServiceError::not_found("organization", id),
        )?)))
    }
}

// Keep the generated module reachable for callers that name types through it.
pub use v1::api_keys_service_server::ApiKeysServiceServer;
pub use v1::organizations_service_server::OrganizationsServiceServer;
