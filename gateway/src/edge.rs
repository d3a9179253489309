//! The edge checks of every request: who is calling (the keys service verifies, this cache
//! remembers for [`KEY_CACHE_TTL`]; an address that keeps failing is refused before it is
//! asked, `failures.rs`), and how much it may still call (per-key limits).

use std::{
    net::IpAddr,
    num::NonZeroU32,
    sync::Arc,
    time::{Duration, Instant},
};

use governor::{
    Quota, RateLimiter,
    clock::{Clock, DefaultClock},
    middleware::StateInformationMiddleware,
    state::{InMemoryState, NotKeyed},
};
use proto::{
    credentials::{self, Credential},
    v1::{VerifyApiKeyRequest, api_keys_service_client::ApiKeysServiceClient},
};
use sha2::{Digest, Sha256};
use tonic::{Code, transport::Channel};

use crate::{
    error::ApiError,
    failures::{AuthFailureLimit, FailureGuard},
    internal_request,
};

/// How long a verdict on a key is reused. Together with the keys service's own cache this
/// bounds how long a revoked key keeps working (well under the contract's 5 seconds).
pub const KEY_CACHE_TTL: Duration = Duration::from_secs(2);

/// The caller, as the edge knows it.
#[derive(Clone, Debug)]
pub struct Caller {
    pub key_id: String,
    pub organization_id: String,
    pub scopes: Vec<String>,
    pub per_minute: u32,
    pub per_day: u32,
    pub expires_at: Option<i64>,
    /// The credential as presented, forwarded so that the services authenticate it too.
    pub credential: Credential,
}

type Verdict = Result<Caller, String>;

#[derive(Clone)]
pub struct KeyCache {
    keys: ApiKeysServiceClient<Channel>,
    internal_token: Arc<str>,
    cache: Arc<quick_cache::sync::Cache<[u8; 32], (Instant, Verdict)>>,
    failures: Arc<FailureGuard>,
}

impl KeyCache {
    pub fn new(keys: Channel, internal_token: &str, failures: AuthFailureLimit) -> Self {
        Self {
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
    ) -> Result<Caller, ApiError> {
        let credential = credentials::credential(headers);
        let digest: Option<[u8; 32]> = match &credential {
            Ok(Credential::ApiKey(secret)) => Some(Sha256::digest(secret.as_bytes()).into()),
            _ => None,
        };
        // Before anything else (the keys service above all): an address that spent its
        // allowance of unverified credentials is refused, unless this key is known valid.
        if let Some(ip) = client
            && !digest.is_some_and(|d| self.failures.is_known_good(&d))
            && let Err(retry_after) = self.failures.attempt(ip)
        {
            return Err(ApiError::TooManyFailedAuthentications {
                limit: self.failures.limit().per_minute,
                retry_after,
            });
        }
        let credential = credential.map_err(|e| ApiError::Unauthenticated(e.message().into()))?;
        let secret = match &credential {
            Credential::ApiKey(secret) => secret.clone(),
            // Internal tokens are for the gRPC door; the public edge takes API keys only.
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
                let verdict = self.verify(&secret, credential, request_id).await?;
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
            return Err(ApiError::Unauthenticated("the API key has expired".into()));
        }
        Ok(caller)
    }

    async fn verify(
        &self,
        secret: &str,
        credential: Credential,
        request_id: &str,
    ) -> Result<Verdict, ApiError> {
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
                Ok(Ok(Caller {
                    key_id: key.id,
                    organization_id: key.organization_id,
                    scopes: key.scopes,
                    per_minute: key.per_minute_limit,
                    per_day: key.per_day_limit,
                    expires_at: key.expires_at.map(|t| t.seconds),
                    credential,
                }))
            }
            Err(status) if status.code() == Code::Unauthenticated => {
                Ok(Err(status.message().to_owned()))
            }
            Err(status) => Err(ApiError::Upstream(status)),
        }
    }
}

type Limiter = RateLimiter<NotKeyed, InMemoryState, DefaultClock, StateInformationMiddleware>;

/// The two budgets of one key.
struct KeyLimits {
    per_minute: u32,
    per_day: u32,
    minute: Limiter,
    day: Limiter,
}

impl KeyLimits {
    fn new(per_minute: u32, per_day: u32) -> Self {
        let minute = NonZeroU32::new(per_minute).unwrap_or(NonZeroU32::MIN);
        let day = NonZeroU32::new(per_day).unwrap_or(NonZeroU32::MIN);
        let day_quota = Quota::with_period(Duration::from_secs(86_400) / day.get())
            .unwrap_or_else(|| Quota::per_second(NonZeroU32::MIN))
            .allow_burst(day);
        Self {
            per_minute,
            per_day,
            minute: RateLimiter::direct(Quota::per_minute(minute)).with_middleware(),
            day: RateLimiter::direct(day_quota).with_middleware(),
        }
    }
}

/// What to tell the caller about its budget (`RateLimit-*` headers).
#[derive(Clone, Copy, Debug)]
pub struct Budget {
    pub limit: u32,
    pub remaining: u32,
    pub reset_seconds: u64,
}

/// Per-key GCRA limits (governor): a burst of the whole budget, refilled evenly over the
/// window. Each check is one atomic compare-and-swap, so concurrent requests can never
/// overspend a budget. This state is per process; see ARCHITECTURE.md for replicas.
#[derive(Clone, Default)]
pub struct RateLimits {
    keys: Arc<std::sync::Mutex<std::collections::HashMap<String, Arc<KeyLimits>>>>,
}

fn seconds_until_full(limit: u32, remaining: u32, window_secs: u64) -> u64 {
    let missing = u64::from(limit.saturating_sub(remaining));
    (missing * window_secs).div_ceil(u64::from(limit.max(1)))
}

impl RateLimits {
    fn limits_of(&self, caller: &Caller) -> Arc<KeyLimits> {
        let mut keys = self
            .keys
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let entry = keys
            .entry(caller.key_id.clone())
            .or_insert_with(|| Arc::new(KeyLimits::new(caller.per_minute, caller.per_day)));
        if entry.per_minute != caller.per_minute || entry.per_day != caller.per_day {
            *entry = Arc::new(KeyLimits::new(caller.per_minute, caller.per_day));
        }
        entry.clone()
    }

    /// Spends one request of the caller's budgets, or says which window is exhausted.
    pub fn check(&self, caller: &Caller) -> Result<Budget, (ApiError, Budget)> {
        let limits = self.limits_of(caller);
        // The limiter's own clock: making a new one costs a CPUID per call, which in a
        // virtual machine is a trap to the hypervisor (it showed in the profile).
        let clock = limits.minute.clock();
        let minute = match limits.minute.check() {
            Ok(snapshot) => snapshot.remaining_burst_capacity(),
            Err(not_until) => {
                let retry_after = not_until
                    .wait_time_from(clock.now())
                    .as_secs_f64()
                    .ceil()
                    .max(1.0) as u64;
                let budget = Budget {
                    limit: limits.per_minute,
                    remaining: 0,
                    reset_seconds: retry_after,
                };
                return Err((
                    ApiError::RateLimited {
                        window: "minute",
                        limit: limits.per_minute,
                        retry_after,
                    },
                    budget,
                ));
            }
        };
        let day = match limits.day.check() {
            Ok(snapshot) => snapshot.remaining_burst_capacity(),
            Err(not_until) => {
                let retry_after = not_until
                    .wait_time_from(clock.now())
                    .as_secs_f64()
                    .ceil()
                    .max(1.0) as u64;
                let budget = Budget {
                    limit: limits.per_day,
                    remaining: 0,
                    reset_seconds: retry_after,
                };
                return Err((
                    ApiError::RateLimited {
                        window: "day",
                        limit: limits.per_day,
                        retry_after,
                    },
                    budget,
                ));
            }
        };
        // Report the window closer to exhaustion.
        Ok(if day < minute {
            Budget {
                limit: limits.per_day,
                remaining: day,
                reset_seconds: seconds_until_full(limits.per_day, day, 86_400),
            }
        } else {
            Budget {
                limit: limits.per_minute,
                remaining: minute,
                reset_seconds: seconds_until_full(limits.per_minute, minute, 60),
            }
        })
    }
}
