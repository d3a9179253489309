//! The budgets of one process: a GCRA (governor) per key and window, with a burst of the
//! whole budget, refilled evenly over its window. Each check is one atomic compare-and-swap,
//! so concurrent requests of one process never overspend. What a process uses when no Redis
//! is configured, and while the configured one cannot be reached.

use std::{
    collections::HashMap,
    num::NonZeroU32,
    sync::{Arc, Mutex, PoisonError},
    time::Duration,
};

use crate::{Budget, Exhausted};

use governor::{
    Quota, RateLimiter,
    clock::{Clock, DefaultClock},
    middleware::StateInformationMiddleware,
    state::{InMemoryState, NotKeyed},
};

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

/// The budgets of every key seen by this process.
#[derive(Clone, Default)]
pub(crate) struct LocalBudgets {
    keys: Arc<Mutex<HashMap<String, Arc<KeyLimits>>>>,
}

fn seconds_until_full(limit: u32, remaining: u32, window_secs: u64) -> u64 {
    let missing = u64::from(limit.saturating_sub(remaining));
    (missing * window_secs).div_ceil(u64::from(limit.max(1)))
}

impl LocalBudgets {
    fn limits_of(&self, key_id: &str, per_minute: u32, per_day: u32) -> Arc<KeyLimits> {
        let mut keys = self.keys.lock().unwrap_or_else(PoisonError::into_inner);
        let entry = keys
            .entry(key_id.to_owned())
            .or_insert_with(|| Arc::new(KeyLimits::new(per_minute, per_day)));
        // New limits (the key was changed) start a fresh budget.
        if entry.per_minute != per_minute || entry.per_day != per_day {
            *entry = Arc::new(KeyLimits::new(per_minute, per_day));
        }
        entry.clone()
    }

    /// Spends one request of a key's budgets, or says which window is exhausted.
    pub(crate) fn spend(
        &self,
        key_id: &str,
        per_minute: u32,
        per_day: u32,
    ) -> Result<Budget, Exhausted> {
        let limits = self.limits_of(key_id, per_minute, per_day);
        // The limiter's own clock: making a new one costs a CPUID per call, which in a
        // virtual machine is a trap to the hypervisor (it showed in the profile).
        let clock = limits.minute.clock();
        let exhausted = |window, limit, not_until: governor::NotUntil<_>| {
            let retry_after = not_until
                .wait_time_from(clock.now())
                .as_secs_f64()
                .ceil()
                .max(1.0) as u64;
            Exhausted::new(window, limit, retry_after)
        };
        let minute = match limits.minute.check() {
            Ok(snapshot) => snapshot.remaining_burst_capacity(),
            Err(not_until) => return Err(exhausted("minute", limits.per_minute, not_until)),
        };
        let day = match limits.day.check() {
            Ok(snapshot) => snapshot.remaining_burst_capacity(),
            Err(not_until) => return Err(exhausted("day", limits.per_day, not_until)),
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
