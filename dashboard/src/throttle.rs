//! Sign-in attempts, limited per account and address, and per address (CONTRACT section 10).
//!
//! Only failed attempts count (governor's keyed GCRA: a burst, refilled evenly): a person who
//! types the password right is never slowed down. Past the allowance the pair (or the
//! address) waits until one attempt is back, and is told how long: a wait, never a lockout.
//! The account's allowance is kept per address on purpose: an attacker guessing from its own
//! address spends only its own allowance and cannot lock the owner of the account out from
//! theirs. Guessing one account from many addresses is bounded by the per-address limit
//! times the addresses, and by Argon2id's cost per guess. The state is per process.

use std::{
    net::IpAddr,
    num::NonZeroU32,
    time::{Duration, Instant},
};

use governor::{
    Quota, RateLimiter,
    clock::{Clock, DefaultClock},
    state::keyed::DefaultKeyedStateStore,
};

pub const PER_ACCOUNT_ENV: &str = "ASTERI_SIGN_IN_FAILURES_PER_MINUTE";
pub const PER_ADDRESS_ENV: &str = "ASTERI_SIGN_IN_ADDRESS_FAILURES_PER_MINUTE";

/// Failed sign-ins allowed per minute (also the burst): for one account from one address,
/// and for one address whatever the accounts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SignInLimits {
    pub per_account: u32,
    pub per_address: u32,
}

impl Default for SignInLimits {
    fn default() -> Self {
        Self {
            per_account: 5,
            per_address: 20,
        }
    }
}

#[derive(Debug, thiserror::Error)]
#[error("{name}={value}: expected a whole number from 1")]
pub struct SignInLimitsError {
    name: &'static str,
    value: String,
}

impl SignInLimits {
    /// From [`PER_ACCOUNT_ENV`] and [`PER_ADDRESS_ENV`], the defaults where unset.
    pub fn from_env() -> Result<Self, SignInLimitsError> {
        let read = |name: &'static str, default: u32| match std::env::var(name) {
            Ok(value) if !value.trim().is_empty() => value
                .trim()
                .parse::<u32>()
                .ok()
                .filter(|n| *n > 0)
                .ok_or(SignInLimitsError { name, value }),
            _ => Ok(default),
        };
        let default = Self::default();
        Ok(Self {
            per_account: read(PER_ACCOUNT_ENV, default.per_account)?,
            per_address: read(PER_ADDRESS_ENV, default.per_address)?,
        })
    }
}

/// The client's address: the socket's peer (never a forwarded-for header a client could
/// write itself); `None` where no socket is known.
pub struct ClientAddress(pub Option<IpAddr>);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for ClientAddress {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut http::request::Parts,
        _: &S,
    ) -> Result<Self, Self::Rejection> {
        Ok(Self(gateway::failures::peer(&parts.extensions)))
    }
}

type Keyed = RateLimiter<String, DefaultKeyedStateStore<String>, DefaultClock>;

pub struct SignInThrottle {
    accounts: Keyed,
    addresses: Keyed,
    /// Keys that spent their allowance, and until when.
    blocked: quick_cache::sync::Cache<String, Instant>,
}

fn quota(per_minute: u32) -> Quota {
    let n = NonZeroU32::new(per_minute.max(1)).unwrap_or(NonZeroU32::MIN);
    Quota::per_minute(n).allow_burst(n)
}

impl SignInThrottle {
    pub fn new(limits: SignInLimits) -> Self {
        Self {
            accounts: RateLimiter::keyed(quota(limits.per_account)),
            addresses: RateLimiter::keyed(quota(limits.per_address)),
            blocked: quick_cache::sync::Cache::new(100_000),
        }
    }

    fn keys(email: &str, address: Option<IpAddr>) -> (String, String) {
        let address = address.map_or_else(|| "unknown".to_owned(), |a| a.to_string());
        (
            format!("{}|{address}", email.trim().to_lowercase()),
            address,
        )
    }

    /// Whether an attempt may be made now; the wait when not.
    pub fn admit(&self, email: &str, address: Option<IpAddr>) -> Result<(), Duration> {
        let (account, address) = Self::keys(email, address);
        let now = Instant::now();
        let wait = [account, address]
            .iter()
            .filter_map(|key| self.blocked.get(key))
            .filter(|until| *until > now)
            .map(|until| until - now)
            .max();
        wait.map_or(Ok(()), Err)
    }

    /// Spends one attempt of the pair's and the address's allowance. The attempt after the
    /// allowance is spent still runs (and fails like the others); from the next one on the
    /// key waits.
    pub fn failed(&self, email: &str, address: Option<IpAddr>) {
        let (account, address) = Self::keys(email, address);
        let clock = DefaultClock::default();
        for (limiter, key) in [(&self.accounts, account), (&self.addresses, address)] {
            // The failure past the allowance is not spent but blocks the key until one
            // attempt is back, so the next attempt is told to wait.
            if let Err(not_until) = limiter.check_key(&key) {
                let wait = not_until.wait_time_from(clock.now());
                self.blocked.insert(key, Instant::now() + wait);
            }
        }
    }
}
