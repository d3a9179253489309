//! Per-key request budgets (CONTRACT section 4): a per-minute and a per-day budget, each a
//! GCRA (governor) with a burst of the whole budget, refilled evenly over its window. Each
//! check is one atomic compare-and-swap, so concurrent requests never overspend.
//!
//! One [`KeyBudgets`] serves both doors of a process: the gateway spends a REST request's
//! budget and marks the call it forwards as counted; the gRPC auth layer spends the budget
//! of every other call with a key. So a request is counted once, whichever door it came in
//! by. The state is per process (see ARCHITECTURE.md for replicas).

use std::{
    collections::HashMap,
    num::NonZeroU32,
    sync::{Arc, Mutex, PoisonError},
    time::Duration,
};

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

/// What to tell the caller about its budget (`RateLimit-*` headers, or the same names as
/// gRPC metadata).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Budget {
    pub limit: u32,
    pub remaining: u32,
    pub reset_seconds: u64,
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

/// The budgets of every key seen by this process.
#[derive(Clone, Default)]
pub struct KeyBudgets {
    keys: Arc<Mutex<HashMap<String, Arc<KeyLimits>>>>,
}

fn seconds_until_full(limit: u32, remaining: u32, window_secs: u64) -> u64 {
    let missing = u64::from(limit.saturating_sub(remaining));
    (missing * window_secs).div_ceil(u64::from(limit.max(1)))
}

impl KeyBudgets {
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
    pub fn spend(&self, key_id: &str, per_minute: u32, per_day: u32) -> Result<Budget, Exhausted> {
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
            Exhausted {
                window,
                limit,
                retry_after,
                budget: Budget {
                    limit,
                    remaining: 0,
                    reset_seconds: retry_after,
                },
            }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_budget_is_spent_once_per_call_and_shared_by_clones() {
        let budgets = KeyBudgets::default();
        let other_door = budgets.clone();
        for i in 0..3 {
            let b = if i % 2 == 0 { &budgets } else { &other_door };
            assert_eq!(b.spend("key_a", 3, 100).unwrap().remaining, 2 - i);
        }
        let refused = other_door.spend("key_a", 3, 100).unwrap_err();
        assert_eq!((refused.window, refused.limit), ("minute", 3));
        assert!(refused.retry_after >= 1);
        assert!(budgets.spend("key_b", 3, 100).is_ok(), "keys do not share");
        let daily = KeyBudgets::default();
        daily.spend("k", 100, 1).unwrap();
        assert_eq!(daily.spend("k", 100, 1).unwrap_err().window, "day");
    }
}
