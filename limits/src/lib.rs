//! Per-key request budgets (CONTRACT section 4): a per-minute and a per-day budget, each a
//! GCRA with a burst of the whole budget, refilled evenly over its window, that holds exactly
//! under concurrency.
//!
//! One [`KeyBudgets`] serves both doors of a process: the gateway spends a REST request's
//! budget and marks the call it forwards as counted; the gRPC auth layer spends the budget
//! of every other call with a key. So a request is counted once, whichever door it came in
//! by. Without Redis the state is the process's own (`local.rs`); with
//! [`KeyBudgets::shared`] it lives in Redis (`shared.rs`), one state for every replica and
//! both doors, and the process's own budget answers only while Redis does not.

mod local;
mod shared;

use std::sync::Arc;

pub use shared::{REDIS_TIMEOUT, RETRY_AFTER};

/// What to tell the caller about its budget (`RateLimit-*` headers, or the same names as
/// gRPC metadata).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Budget {
    pub limit: u32,
    pub remaining: u32,
    pub reset_seconds: u64,
}

impl Budget {
    /// Sets the `ratelimit-*` headers of this budget (both doors: REST response headers,
    /// gRPC response metadata). The names are made once and the numbers are header values
    /// as they are: this runs on every request with a key (callgrind: formatting them into
    /// strings and parsing the names again cost about 3k instructions a request).
    pub fn write_headers(&self, headers: &mut http::HeaderMap) {
        const LIMIT: http::HeaderName = http::HeaderName::from_static("ratelimit-limit");
        const REMAINING: http::HeaderName = http::HeaderName::from_static("ratelimit-remaining");
        const RESET: http::HeaderName = http::HeaderName::from_static("ratelimit-reset");
        headers.insert(LIMIT, self.limit.into());
        headers.insert(REMAINING, self.remaining.into());
        headers.insert(RESET, self.reset_seconds.into());
    }
}

/// A spent budget: which window, its size, and when a request fits again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Exhausted {
    /// `minute` or `day`.
    pub window: &'static str,
    pub limit: u32,
    pub retry_after: u64,
    pub budget: Budget,
}

impl Exhausted {
    /// A refusal of `window`'s budget of `limit`, answered with `Retry-After: retry_after`
    /// (nothing remains until then): the one shape both stores give.
    pub(crate) fn new(window: &'static str, limit: u32, retry_after: u64) -> Self {
        Self {
            window,
            limit,
            retry_after,
            budget: Budget {
                limit,
                remaining: 0,
                reset_seconds: retry_after,
            },
        }
    }
}

/// Where the shared state lives (`ASTERI_REDIS_URL`, `ASTERI_REDIS_PREFIX`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RedisSettings {
    /// `redis://[user:password@]host:port[/db]` or `unix:///path`. No TLS (`rediss://` is
    /// refused at start-up): the client is built without it.
    pub url: String,
    /// Put before every key this system writes, so that several systems (or tests) can
    /// share one Redis. Every replica of one system must use the same.
    pub prefix: String,
}

/// What can go wrong with the shared state. Only [`LimitsError::RedisUrl`] reaches a caller
/// (at start-up); the others are logged when a request falls back to the process's budget.
#[derive(Debug, thiserror::Error)]
pub enum LimitsError {
    #[error("ASTERI_REDIS_URL is not a Redis URL")]
    RedisUrl(#[source] redis::RedisError),
    #[error("Redis refused the budget script")]
    Redis(#[source] redis::RedisError),
    #[error("Redis did not answer within {REDIS_TIMEOUT:?}")]
    Timeout(#[source] tokio::time::error::Elapsed),
    #[error("the budget script answered {0}, not a verdict")]
    UnexpectedReply(String),
}

/// The budgets of every key, for both doors of a process.
#[derive(Clone, Default)]
pub struct KeyBudgets {
    local: local::LocalBudgets,
    shared: Option<Arc<shared::SharedBudgets>>,
}

impl KeyBudgets {
    /// Budgets shared through Redis by every process given the same settings. Connects
    /// lazily: the process starts, and enforces its own budgets, while Redis is down.
    /// `address` names the Redis in the log (the URL without its password).
    pub fn shared(settings: &RedisSettings, address: String) -> Result<Self, LimitsError> {
        Ok(Self {
            local: local::LocalBudgets::default(),
            shared: Some(Arc::new(shared::SharedBudgets::new(settings, address)?)),
        })
    }

    /// Spends one request of a key's budgets, or says which window is exhausted. With Redis,
    /// one round trip; when Redis does not answer, the process's own budget decides.
    pub async fn spend(
        &self,
        key_id: &str,
        per_minute: u32,
        per_day: u32,
    ) -> Result<Budget, Exhausted> {
        if let Some(shared) = &self.shared
            && let Some(answer) = shared.spend(key_id, per_minute, per_day).await
        {
            return answer;
        }
        self.local.spend(key_id, per_minute, per_day)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_budget_is_spent_once_per_call_and_shared_by_clones() {
        let budgets = KeyBudgets::default();
        let other_door = budgets.clone();
        for i in 0..3 {
            let b = if i % 2 == 0 { &budgets } else { &other_door };
            assert_eq!(b.spend("key_a", 3, 100).await.unwrap().remaining, 2 - i);
        }
        let refused = other_door.spend("key_a", 3, 100).await.unwrap_err();
        assert_eq!((refused.window, refused.limit), ("minute", 3));
        assert!(refused.retry_after >= 1);
        assert!(
            budgets.spend("key_b", 3, 100).await.is_ok(),
            "keys do not share"
        );
        let daily = KeyBudgets::default();
        daily.spend("k", 100, 1).await.unwrap();
        assert_eq!(daily.spend("k", 100, 1).await.unwrap_err().window, "day");
    }
}

/// The Redis script against a real Redis (`ASTERI_TEST_REDIS_URL`; skipped without one).
#[cfg(test)]
mod redis_tests;
