//! The budgets of every replica at once: the state of each key's two windows in Redis,
//! checked and spent by one Lua script (`gcra.lua`) per request, so that the limit holds
//! exactly across processes and doors, and under concurrency (Redis runs one script at a
//! time; the TAT is read on the Redis server's clock, so replicas' clocks do not matter).
//!
//! One multiplexed connection per process (redis's `ConnectionManager`: it reconnects by
//! itself), opened lazily so that a process starts while Redis is down. When Redis cannot
//! answer, [`SharedBudgets::spend`] says so and the caller falls back to the process's own
//! budget (fail open, README "Replicas"); after a failure Redis is left alone for
//! [`RETRY_AFTER`], so that an outage costs a request one failed attempt, not one each.

use std::{
    sync::atomic::{AtomicBool, AtomicU64, Ordering},
    time::{Duration, Instant},
};

use redis::{
    Client, Script,
    aio::{ConnectionManager, ConnectionManagerConfig},
};

use crate::{Budget, Exhausted, LimitsError, RedisSettings};

/// How long a request may wait for Redis (connecting or answering) before the process's own
/// budget answers instead. Long enough that a loaded Redis is not mistaken for a dead one.
pub const REDIS_TIMEOUT: Duration = Duration::from_secs(1);

/// How long Redis is not asked after it failed to answer.
pub const RETRY_AFTER: Duration = Duration::from_secs(1);

const MINUTE_US: u64 = 60_000_000;
const DAY_US: u64 = 86_400_000_000;

pub(crate) struct SharedBudgets {
    connection: ConnectionManager,
    script: Script,
    prefix: String,
    /// Where the URL points, without its password (for the log).
    address: String,
    /// Milliseconds since `epoch` before which Redis is not asked again.
    quiet_until: AtomicU64,
    epoch: Instant,
    /// Whether the last attempt failed (so that an outage is logged once, and its end too).
    failing: AtomicBool,
}

/// What the script said, in microseconds.
enum Verdict {
    Spent { minute: (u32, u64), day: (u32, u64) },
    Refused { day: bool, wait_us: u64 },
}

fn seconds(us: u64) -> u64 {
    us.div_ceil(1_000_000)
}

impl SharedBudgets {
    pub(crate) fn new(settings: &RedisSettings, address: String) -> Result<Self, LimitsError> {
        let client = Client::open(settings.url.as_str()).map_err(LimitsError::RedisUrl)?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(REDIS_TIMEOUT))
            .set_response_timeout(Some(REDIS_TIMEOUT))
            // Reconnection happens on the next request after RETRY_AFTER, not in a loop of
            // retries that a waiting request would sit through.
            .set_number_of_retries(0);
        let connection = ConnectionManager::new_lazy_with_config(client, config)
            .map_err(LimitsError::RedisUrl)?;
        Ok(Self {
            connection,
            script: Script::new(include_str!("gcra.lua")),
            prefix: settings.prefix.clone(),
            address,
            quiet_until: AtomicU64::new(0),
            epoch: Instant::now(),
            failing: AtomicBool::new(false),
        })
    }

    fn now_ms(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    /// Spends one request of a key's budgets in Redis. `None`: Redis did not answer (logged),
    /// and the caller decides on its own.
    pub(crate) async fn spend(
        &self,
        key_id: &str,
        per_minute: u32,
        per_day: u32,
    ) -> Option<Result<Budget, Exhausted>> {
        if self.now_ms() < self.quiet_until.load(Ordering::Relaxed) {
            return None;
        }
        let (per_minute, per_day) = (per_minute.max(1), per_day.max(1));
        // The limits are part of the state's name: a key given new limits starts a fresh
        // budget, as in one process. The braces keep both states in one Redis Cluster slot.
        let minute = format!("{}limits:{{{key_id}}}:m{per_minute}", self.prefix);
        let day = format!("{}limits:{{{key_id}}}:d{per_day}", self.prefix);
        let mut connection = self.connection.clone();
        let mut invocation = self.script.prepare_invoke();
        invocation.key(minute).key(day).arg(per_minute).arg(per_day);
        let answer = invocation.invoke_async::<Vec<i64>>(&mut connection);
        let verdict = match tokio::time::timeout(REDIS_TIMEOUT, answer).await {
            Ok(Ok(reply)) => Self::verdict(&reply),
            Ok(Err(err)) => Err(LimitsError::Redis(err)),
            Err(elapsed) => Err(LimitsError::Timeout(elapsed)),
        };
        match verdict {
            Ok(verdict) => {
                if self.failing.swap(false, Ordering::Relaxed) {
                    tracing::info!(redis = %self.address, "Redis answers again: key budgets are shared across replicas again");
                }
                Some(Self::answer(verdict, per_minute, per_day))
            }
            Err(err) => {
                let until = self.now_ms() + RETRY_AFTER.as_millis() as u64;
                self.quiet_until.store(until, Ordering::Relaxed);
                if !self.failing.swap(true, Ordering::Relaxed) {
                    tracing::warn!(
                        redis = %self.address,
                        error = &err as &dyn std::error::Error,
                        "Redis does not answer: each process enforces key budgets on its own until it does"
                    );
                }
                None
            }
        }
    }

    fn verdict(reply: &[i64]) -> Result<Verdict, LimitsError> {
        let unsigned = |i: usize| reply.get(i).and_then(|v| u64::try_from(*v).ok());
        let count = |i: usize| unsigned(i).map(|v| u32::try_from(v).unwrap_or(u32::MAX));
        let verdict = match reply.first() {
            Some(1) => count(1)
                .zip(unsigned(2))
                .zip(count(3).zip(unsigned(4)))
                .map(|(minute, day)| Verdict::Spent { minute, day }),
            Some(0) => unsigned(1)
                .zip(unsigned(2))
                .map(|(window, wait_us)| Verdict::Refused {
                    day: window == 2,
                    wait_us,
                }),
            _ => None,
        };
        verdict.ok_or_else(|| LimitsError::UnexpectedReply(format!("{reply:?}")))
    }

    fn answer(verdict: Verdict, per_minute: u32, per_day: u32) -> Result<Budget, Exhausted> {
        match verdict {
            Verdict::Spent {
                minute: (minute_left, minute_us),
                day: (day_left, day_us),
            } => {
                let (minute_us, day_us) = (minute_us.min(MINUTE_US), day_us.min(DAY_US));
                // Report the window closer to exhaustion, as one process does.
                Ok(if day_left < minute_left {
                    Budget {
                        limit: per_day,
                        remaining: day_left,
                        reset_seconds: seconds(day_us),
                    }
                } else {
                    Budget {
                        limit: per_minute,
                        remaining: minute_left,
                        reset_seconds: seconds(minute_us),
                    }
                })
            }
            Verdict::Refused { day, wait_us } => {
                let (window, limit) = if day {
                    ("day", per_day)
                } else {
                    ("minute", per_minute)
                };
                let retry_after = seconds(wait_us).max(1);
                Err(Exhausted::new(window, limit, retry_after))
            }
        }
    }
}
