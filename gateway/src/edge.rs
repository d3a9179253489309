//! The edge checks of every request: who is calling (the keys service verifies, this cache
//! remembers for [`KEY_CACHE_TTL`]; an address that keeps failing is refused before it is
//! asked, `failures.rs`), and how much it may still call (per-key limits).

use std::{
    net::IpAddr,
    sync::Arc,
    time::{Duration, Instant},
};

use proto::{
    credentials::{self, Credential},
    v1::{
        VerifyAccessTokenRequest, VerifyApiKeyRequest,
        api_keys_service_client::ApiKeysServiceClient, o_auth_service_client::OAuthServiceClient,
    },
};
use sha2::{Digest, Sha256};
use tonic::Code;

use crate::{
    error::ApiError,
    failures::{AuthFailureLimit, FailureGuard},
    internal_request,
    upstream::Upstream,
};

/// How long a verdict on a key is reused. Together with the keys service's own cache this
/// bounds how long a revoked key keeps working (well under the contract's 5 seconds).
pub const KEY_CACHE_TTL: Duration = Duration::from_secs(2);

/// The caller, as the edge knows it.
#[derive(Clone, Debug)]
pub struct Caller {
    /// The key (`key_...`), or for an OAuth access token the app's client id (`app_...`):
    /// what the request history names.
    pub key_id: String,
    /// Whose budget a request spends: the key, or the app's install in the organization.
    pub budget_id: String,
    pub organization_id: String,
    pub scopes: Vec<String>,
    pub per_minute: u32,
    pub per_day: u32,
    pub expires_at: Option<i64>,
    /// The credential as presented, forwarded so that the services authenticate it too.
    pub credential: Credential,
}

/// Cached and handed out behind an `Arc`: every request reads one, and a clone of a
/// `Caller` (its strings and scopes) cost a dozen allocations a request.
type Verdict = Result<Arc<Caller>, String>;

#[derive(Clone)]
pub struct KeyCache {
    keys: ApiKeysServiceClient<Upstream>,
    oauth: OAuthServiceClient<Upstream>,
    internal_token: Arc<str>,
    cache: Arc<quick_cache::sync::Cache<[u8; 32], (Instant, Verdict)>>,
    failures: Arc<FailureGuard>,
}

impl KeyCache {
    pub fn new(keys: Upstream, internal_token: &str, failures: AuthFailureLimit) -> Self {
        Self {
            oauth: OAuthServiceClient::new(keys.clone()),
            keys: ApiKeysServiceClient::new(keys),
            internal_token: internal_token.into(),
            cache: Arc::new(quick_cache::sync::Cache::new(100_000)),
            failures: Arc::new(FailureGuard::new(failures)),
        }
    }

    pub fn failures(&self) -> &Arc<FailureGuard> {
        &self.failures
    }

    /// The caller of a request from `client` (the socket's peer; `None` where no socket
    /// is known, as in tests that call the router directly).
    pub async fn authenticate(
        &self,
        headers: &http::HeaderMap,
        request_id: &str,
        client: Option<IpAddr>,
    ) -> Result<Arc<Caller>, ApiError> {
        let credential = credentials::credential(headers);
        let digest: Option<[u8; 32]> = match &credential {
            Ok(Credential::ApiKey(secret) | Credential::AccessToken(secret)) => {
                Some(Sha256::digest(secret.as_bytes()).into())
            }
            _ => None,
        };
        // Before anything else (the keys service above all): an address that spent its
        // allowance of failed authentications is refused, unless this key is known valid.
        if let Some(ip) = client
            && !digest.is_some_and(|d| self.failures.is_known_good(&d))
            && let Err(retry_after) = self.failures.admit(ip)
        {
            return Err(ApiError::TooManyFailedAuthentications {
                limit: self.failures.limit().per_minute,
                retry_after,
            });
        }
        let result = self.verified_caller(credential, digest, request_id).await;
        if let (Err(ApiError::Unauthenticated(_)), Some(ip)) = (&result, client) {
            self.failures.failed(ip);
        }
        result
    }

    /// The caller of a credential, verified by the keys service (or the cache).
    async fn verified_caller(
        &self,
        credential: Result<Credential, credentials::CredentialError>,
        digest: Option<[u8; 32]>,
        request_id: &str,
    ) -> Result<Arc<Caller>, ApiError> {
        let credential = credential.map_err(|e| ApiError::Unauthenticated(e.message().into()))?;
        let secret = match &credential {
            Credential::ApiKey(secret) | Credential::AccessToken(secret) => secret.clone(),
            // Internal tokens are for the gRPC door; the public edge takes API keys and
            // partner apps' access tokens only.
            Credential::Internal(_) => {
                return Err(ApiError::Unauthenticated(
                    "internal credentials are not accepted here".into(),
                ));
            }
        };
        let digest: [u8; 32] = digest.unwrap_or_else(|| Sha256::digest(secret.as_bytes()).into());
        let verdict = match self.cache.get(&digest) {
            Some((at, verdict)) if at.elapsed() < KEY_CACHE_TTL => verdict,
            _ => {
                // Boxed: the keys service's call, made once per key every 2 s, would
                // otherwise size every request's future (see `Gateway::answer`).
                let verdict = Box::pin(self.verify(&secret, credential, request_id)).await?;
                self.cache.insert(digest, (Instant::now(), verdict.clone()));
                self.failures.verified(digest, verdict.is_ok());
                verdict
            }
        };
        let caller = verdict.map_err(ApiError::Unauthenticated)?;
        if caller
            .expires_at
            .is_some_and(|at| at <= chrono::Utc::now().timestamp())
        {
            let what = match caller.credential {
                Credential::AccessToken(_) => "the access token has expired",
                _ => "the API key has expired",
            };
            return Err(ApiError::Unauthenticated(what.into()));
        }
        Ok(caller)
    }

    async fn verify(
        &self,
        secret: &str,
        credential: Credential,
        request_id: &str,
    ) -> Result<Verdict, ApiError> {
        if let Credential::AccessToken(_) = credential {
            return self.verify_token(secret, credential, request_id).await;
        }
        let request = internal_request(
            VerifyApiKeyRequest {
                secret: secret.to_owned(),
            },
            &self.internal_token,
            request_id,
        );
        match self.keys.clone().verify_api_key(request).await {
            Ok(response) => {
                let key = response.into_inner().api_key.unwrap_or_default();
                Ok(Ok(Arc::new(Caller {
                    budget_id: key.id.clone(),
                    key_id: key.id,
                    organization_id: key.organization_id,
                    scopes: key.scopes,
                    per_minute: key.per_minute_limit,
                    per_day: key.per_day_limit,
                    expires_at: key.expires_at.map(|t| t.seconds),
                    credential,
                })))
            }
            Err(status) if status.code() == Code::Unauthenticated => {
                Ok(Err(status.message().to_owned()))
            }
            Err(status) => Err(ApiError::Upstream(status)),
        }
    }
}

impl KeyCache {
    /// An OAuth access token, verified by the authorization server's service: the app's
    /// install is the caller, with the granted scopes and the default budgets of a key
    /// (CONTRACT section 4) per install.
    async fn verify_token(
        &self,
        token: &str,
        credential: Credential,
        request_id: &str,
    ) -> Result<Verdict, ApiError> {
        let request = internal_request(
            VerifyAccessTokenRequest {
                token: token.to_owned(),
            },
            &self.internal_token,
            request_id,
        );
        match self.oauth.clone().verify_access_token(request).await {
            Ok(response) => {
                let verified = response.into_inner();
                Ok(Ok(Arc::new(Caller {
                    key_id: verified.client_id,
                    budget_id: verified.install_id,
                    organization_id: verified.organization_id,
                    scopes: verified.scopes,
                    per_minute: TOKEN_PER_MINUTE,
                    per_day: TOKEN_PER_DAY,
                    expires_at: verified.expires_at.map(|t| t.seconds),
                    credential,
                })))
            }
            Err(status)
                if matches!(
                    status.code(),
                    Code::Unauthenticated | Code::NotFound | Code::PermissionDenied
                ) =>
            {
                Ok(Err(status.message().to_owned()))
            }
            Err(status) => Err(ApiError::Upstream(status)),
        }
    }
}

/// An app install's budgets: the platform's defaults for a key.
const TOKEN_PER_MINUTE: u32 = 60;
const TOKEN_PER_DAY: u32 = 10_000;

pub use limits::Budget;

/// The per-key budgets of the REST door: one [`limits::KeyBudgets`], shared with the gRPC
/// door of the same process (`asteri::start` hands both the same), so that a request spends
/// its budget once whichever door it came in by.
#[derive(Clone, Default)]
pub struct RateLimits {
    budgets: limits::KeyBudgets,
    rejections: telemetry::metrics::RateLimitRejections,
}

impl RateLimits {
    pub fn new(
        budgets: limits::KeyBudgets,
        rejections: telemetry::metrics::RateLimitRejections,
    ) -> Self {
        Self {
            budgets,
            rejections,
        }
    }

    /// Spends one request of the caller's budgets, or says which window is exhausted.
    pub async fn check(&self, caller: &Caller) -> Result<Budget, (ApiError, Budget)> {
        self.budgets
            .spend(&caller.budget_id, caller.per_minute, caller.per_day)
            .await
            .map_err(|e| {
                self.rejections.record(e.window);
                (
                    ApiError::RateLimited {
                        window: e.window,
                        limit: e.limit,
                        retry_after: e.retry_after,
                    },
                    e.budget,
                )
            })
    }
}
