//! Failed authentications, limited per client address: a flood of unknown keys is answered
//! 429 `rate_limited` with `Retry-After` after a small allowance, without asking the keys
//! service, and without touching anyone whose key works.
//!
//! Every failed authentication (a missing, malformed, unknown, revoked or expired
//! credential) spends one attempt of its address's allowance (governor's keyed GCRA:
//! `burst` at once, refilled at `per_minute`); an address that has spent it is blocked until
//! an attempt is back, and its requests are refused before the keys service is asked. Only
//! failures count: a new valid key's first requests, however many at once, spend nothing
//! (counting every unverified request would refuse an honest client that starts 32
//! connections with a fresh key). Requests already in flight when the block begins finish
//! normally, so the bound is the allowance plus the address's concurrency. A key once
//! verified valid is remembered by digest and is never blocked (until it fails
//! verification), so honest traffic behind the same address as an attacker (a NAT) keeps
//! working. The address is the socket's peer (`ConnectInfo`), never a header a client can
//! forge; IPv6 addresses count per /64, the block one subscriber usually holds.

use std::{
    net::{IpAddr, Ipv6Addr},
    num::NonZeroU32,
    sync::atomic::{AtomicU64, Ordering},
};

use governor::{
    Quota, RateLimiter,
    clock::{Clock, DefaultClock},
    state::keyed::DefaultKeyedStateStore,
};

pub const PER_MINUTE_ENV: &str = "ASTERI_AUTH_FAILURES_PER_MINUTE";
pub const BURST_ENV: &str = "ASTERI_AUTH_FAILURES_BURST";
/// Addresses tracked before idle ones are forgotten.
const TRACKED: usize = 100_000;

/// Failed authentications per address: `per_minute` refilled evenly, up to
/// `burst` at once. `per_minute` 0 turns the guard off.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AuthFailureLimit {
    pub per_minute: u32,
    pub burst: u32,
}

impl Default for AuthFailureLimit {
    fn default() -> Self {
        Self {
            per_minute: 20,
            burst: 20,
        }
    }
}

#[derive(Debug, thiserror::Error)]
#[error("{name}={value}: expected a whole number")]
pub struct LimitConfigError {
    name: &'static str,
    value: String,
    #[source]
    source: std::num::ParseIntError,
}

impl AuthFailureLimit {
    /// From [`PER_MINUTE_ENV`] and [`BURST_ENV`] (default: the per-minute figure).
    pub fn from_env() -> Result<Self, LimitConfigError> {
        let read =
            |name: &'static str| -> Result<Option<u32>, LimitConfigError> {
                match std::env::var(name) {
                    Ok(value) if !value.trim().is_empty() => value
                        .trim()
                        .parse()
                        .map(Some)
                        .map_err(|source| LimitConfigError {
                            name,
                            value,
                            source,
                        }),
                    _ => Ok(None),
                }
            };
        let default = Self::default();
        let per_minute = read(PER_MINUTE_ENV)?.unwrap_or(default.per_minute);
        let burst = read(BURST_ENV)?.unwrap_or(per_minute);
        Ok(Self { per_minute, burst })
    }
}

/// The client's address: the socket's peer, never a forwarded-for header a client could
/// write itself. `None` where no socket is known (tests that call the router directly).
pub fn peer(extensions: &http::Extensions) -> Option<IpAddr> {
    extensions
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0.ip())
}

type Keyed = RateLimiter<IpAddr, DefaultKeyedStateStore<IpAddr>, DefaultClock>;

pub struct FailureGuard {
    limit: AuthFailureLimit,
    limiter: Option<Keyed>,
    /// Digests of credentials verified valid.
    known_good: quick_cache::sync::Cache<[u8; 32], ()>,
    /// Addresses that spent their allowance, and until when.
    blocked: quick_cache::sync::Cache<IpAddr, std::time::Instant>,
    /// How long one attempt takes to come back.
    refill: std::time::Duration,
    attempts: AtomicU64,
    refused: AtomicU64,
}

/// The address an allowance belongs to: IPv4 as is (mapped IPv6 included), IPv6 per /64.
fn address_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6(Ipv6Addr::from(
                u128::from(v6) & 0xffff_ffff_ffff_ffff_0000_0000_0000_0000,
            )),
        },
        v4 => v4,
    }
}

impl FailureGuard {
    pub fn new(limit: AuthFailureLimit) -> Self {
        let limiter = NonZeroU32::new(limit.per_minute).map(|per_minute| {
            let burst = NonZeroU32::new(limit.burst).unwrap_or(per_minute);
            RateLimiter::keyed(Quota::per_minute(per_minute).allow_burst(burst))
        });
        Self {
            limit,
            limiter,
            known_good: quick_cache::sync::Cache::new(100_000),
            blocked: quick_cache::sync::Cache::new(TRACKED),
            refill: std::time::Duration::from_secs(60) / limit.per_minute.max(1),
            attempts: AtomicU64::new(0),
            refused: AtomicU64::new(0),
        }
    }

    pub fn limit(&self) -> AuthFailureLimit {
        self.limit
    }

    /// Whether this credential digest was verified valid (it spends no attempts).
    pub fn is_known_good(&self, digest: &[u8; 32]) -> bool {
        self.known_good.get(digest).is_some()
    }

    pub fn verified(&self, digest: [u8; 32], valid: bool) {
        if valid {
            self.known_good.insert(digest, ());
        } else {
            self.known_good.remove(&digest);
        }
    }

    /// `Err(retry_after_seconds)` while `ip` is blocked for spending its allowance.
    pub fn admit(&self, ip: IpAddr) -> Result<(), u64> {
        let key = address_key(ip);
        let Some(until) = self.blocked.get(&key) else {
            return Ok(());
        };
        let now = std::time::Instant::now();
        let left = until.saturating_duration_since(now);
        if left.is_zero() {
            // The attempt that came back goes to this request alone: the address stays
            // blocked for one more refill, so that its concurrent requests do not all slip
            // through at once. A failure spends the attempt (and blocks again); success
            // leaves the address to its allowance.
            self.blocked.insert(key, now + self.refill);
            return Ok(());
        }
        self.refused.fetch_add(1, Ordering::Relaxed);
        Err(left.as_secs_f64().ceil().max(1.0) as u64)
    }

    /// Spends one attempt of `ip`'s allowance for a failed authentication; the address is
    /// blocked once the allowance is spent.
    pub fn failed(&self, ip: IpAddr) {
        let Some(limiter) = &self.limiter else {
            return;
        };
        let n = self.attempts.fetch_add(1, Ordering::Relaxed);
        // Idle addresses (full allowance again) are forgotten, so that a scan from many
        // addresses cannot grow the map without bound.
        if n.is_multiple_of(4_096) && limiter.len() > TRACKED {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
        let key = address_key(ip);
        if let Err(not_until) = limiter.check_key(&key) {
            let wait = not_until.wait_time_from(limiter.clock().now());
            self.blocked.insert(key, std::time::Instant::now() + wait);
        }
    }

    /// Requests refused since start (for the log and a metrics endpoint).
    pub fn refused(&self) -> u64 {
        self.refused.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_is_refused_after_its_allowance_and_others_are_not() {
        let guard = FailureGuard::new(AuthFailureLimit {
            per_minute: 20,
            burst: 20,
        });
        let attacker: IpAddr = "203.0.113.7".parse().unwrap();
        for _ in 0..20 {
            assert_eq!(guard.admit(attacker), Ok(()));
            guard.failed(attacker);
        }
        assert_eq!(
            guard.admit(attacker),
            Ok(()),
            "the 20th failure spent the last attempt"
        );
        guard.failed(attacker);
        let retry_after = guard.admit(attacker).unwrap_err();
        assert!((1..=3).contains(&retry_after), "one attempt back every 3 s");
        assert_eq!(guard.refused(), 1);
        // Another address, and the same one as IPv4-mapped IPv6 (which it is).
        assert_eq!(guard.admit("203.0.113.8".parse().unwrap()), Ok(()));
        assert!(guard.admit("::ffff:203.0.113.7".parse().unwrap()).is_err());
        // IPv6 counts per /64.
        for i in 0..21 {
            let ip: IpAddr = format!("2001:db8:1:2::{i:x}").parse().unwrap();
            guard.failed(ip);
        }
        assert!(
            guard
                .admit("2001:db8:1:2:ffff::1".parse().unwrap())
                .is_err()
        );
        assert_eq!(guard.admit("2001:db8:1:3::1".parse().unwrap()), Ok(()));
    }

    #[test]
    fn known_good_credentials_and_a_disabled_guard() {
        let guard = FailureGuard::new(AuthFailureLimit::default());
        let digest = [7u8; 32];
        assert!(!guard.is_known_good(&digest));
        guard.verified(digest, true);
        assert!(guard.is_known_good(&digest));
        guard.verified(digest, false);
        assert!(
            !guard.is_known_good(&digest),
            "a key that failed is forgotten"
        );
        let off = FailureGuard::new(AuthFailureLimit {
            per_minute: 0,
            burst: 0,
        });
        let ip: IpAddr = "198.51.100.1".parse().unwrap();
        (0..1_000).for_each(|_| off.failed(ip));
        assert!(off.admit(ip).is_ok());
    }
}
