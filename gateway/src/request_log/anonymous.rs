//! Requests that no organization owns (no valid key: 401, the failed-authentication guard's
//! 429, unknown routes) are not request history: nobody but an operator could read them, and
//! a flood of them would fill the database one row per request. They are counted instead,
//! per client address and status over each interval (a minute by default), and every
//! interval ends with one log line per (address, status): the count, the first and last
//! time, the method and one sample path, redacted.
//!
//! Storing these aggregates would need columns the history table does not have (a count,
//! a last time); the log line plus the counters of [`Anonymous::total`] is what an operator
//! reads. The map is bounded: past `max_entries` addresses in one interval, requests are
//! counted in one overflow figure.

use std::{
    collections::HashMap,
    sync::{
        Mutex,
        atomic::{AtomicU64, Ordering},
    },
    time::SystemTime,
};

/// One (address, status) over an interval.
#[derive(Clone, Debug)]
pub struct Aggregate {
    pub ip: String,
    pub status: u16,
    pub count: u64,
    pub method: String,
    /// The first request's path and query, redacted.
    pub sample_path: String,
    pub first: SystemTime,
    pub last: SystemTime,
}

#[derive(Default)]
struct Interval {
    by_key: HashMap<(String, u16), Aggregate>,
    overflow: u64,
}

pub(super) struct Anonymous {
    current: Mutex<Interval>,
    max_entries: usize,
    total: AtomicU64,
}

impl Anonymous {
    pub fn new(max_entries: usize) -> Self {
        Self {
            current: Mutex::default(),
            max_entries: max_entries.max(1),
            total: AtomicU64::new(0),
        }
    }

    /// Every request counted since start.
    pub fn total(&self) -> u64 {
        self.total.load(Ordering::Relaxed)
    }

    pub fn count(&self, ip: &str, status: u16, method: &str, path: &str) {
        self.total.fetch_add(1, Ordering::Relaxed);
        let now = SystemTime::now();
        let mut interval = self
            .current
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        // Looked up by reference first: the common case (a known address) allocates nothing.
        let key = (ip.to_owned(), status);
        if let Some(aggregate) = interval.by_key.get_mut(&key) {
            aggregate.count += 1;
            aggregate.last = now;
            return;
        }
        if interval.by_key.len() >= self.max_entries {
            interval.overflow += 1;
            return;
        }
        interval.by_key.insert(
            key,
            Aggregate {
                ip: ip.to_owned(),
                status,
                count: 1,
                method: method.to_owned(),
                sample_path: proto::redact::target(path),
                first: now,
                last: now,
            },
        );
    }

    /// Ends the interval: logs one line per aggregate and returns them.
    pub fn flush(&self) -> (Vec<Aggregate>, u64) {
        let interval = std::mem::take(
            &mut *self
                .current
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        );
        let mut aggregates: Vec<Aggregate> = interval.by_key.into_values().collect();
        aggregates.sort_by_key(|a| std::cmp::Reverse(a.count));
        for a in &aggregates {
            tracing::info!(
                ip = %a.ip,
                status = a.status,
                count = a.count,
                method = %a.method,
                sample_path = %a.sample_path,
                first = %chrono::DateTime::<chrono::Utc>::from(a.first).to_rfc3339(),
                last = %chrono::DateTime::<chrono::Utc>::from(a.last).to_rfc3339(),
                "unauthenticated requests (counted, not stored)"
            );
        }
        if interval.overflow > 0 {
            tracing::warn!(
                count = interval.overflow,
                addresses = self.max_entries,
                "unauthenticated requests from more addresses than are tracked per interval"
            );
        }
        (aggregates, interval.overflow)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_per_address_and_status_with_a_redacted_sample() {
        let anonymous = Anonymous::new(2);
        for _ in 0..1_000 {
            anonymous.count(
                "10.0.0.1",
                401,
                "GET",
                "/api/public/v1/customers?api_key=ast_live_abcdefgh",
            );
        }
        anonymous.count("10.0.0.1", 429, "GET", "/x");
        anonymous.count("10.0.0.2", 401, "POST", "/y");
        anonymous.count("10.0.0.3", 401, "POST", "/z");
        let (aggregates, overflow) = anonymous.flush();
        assert_eq!(aggregates.len(), 2);
        assert_eq!(overflow, 2, "past the bound, only counted");
        let first = &aggregates[0];
        assert_eq!(
            (first.ip.as_str(), first.status, first.count),
            ("10.0.0.1", 401, 1_000)
        );
        assert_eq!(
            first.sample_path,
            "/api/public/v1/customers?api_key=[REDACTED]"
        );
        assert!(first.last >= first.first);
        assert_eq!(anonymous.total(), 1_003);
        assert!(
            anonymous.flush().0.is_empty(),
            "a new interval starts empty"
        );
    }
}
