//! The history's buffer, admitted by organization: one queue per organization, shipped
//! round-robin, so that one organization's flood cannot push out another's records.
//!
//! Bounds: an organization holds at most `per_organization` records, and all together at
//! most `capacity`. When the whole buffer is full, a record of a smaller queue evicts the
//! oldest record of the longest one; a record of the longest queue is dropped. So an
//! organization loses records only when it is itself (one of) the biggest senders.

use std::collections::{HashMap, VecDeque};

use super::Recorded;

pub(super) struct Queues {
    by_org: HashMap<String, VecDeque<Recorded>>,
    /// Organizations with records waiting, in shipping order.
    ring: VecDeque<String>,
    total: usize,
    capacity: usize,
    per_organization: usize,
}

/// What admission did with a record.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Admission {
    Queued,
    /// Queued, and the oldest record of this organization was evicted to make room.
    Evicted(String),
    /// Not queued: its own organization's queue is full (or the longest).
    Dropped,
}

impl Queues {
    pub fn new(capacity: usize, per_organization: usize) -> Self {
        Self {
            by_org: HashMap::new(),
            ring: VecDeque::new(),
            total: 0,
            capacity: capacity.max(1),
            per_organization: per_organization.clamp(1, capacity.max(1)),
        }
    }

    pub fn len(&self) -> usize {
        self.total
    }

    pub fn push(&mut self, org: &str, record: Recorded) -> Admission {
        let own = self.by_org.get(org).map_or(0, VecDeque::len);
        if own >= self.per_organization {
            return Admission::Dropped;
        }
        let mut admission = Admission::Queued;
        if self.total >= self.capacity {
            let Some((longest, len)) = self
                .by_org
                .iter()
                .map(|(o, q)| (o, q.len()))
                .max_by_key(|(_, len)| *len)
            else {
                return Admission::Dropped;
            };
            // Only a queue longer than this one would become gives way.
            if len <= own + 1 {
                return Admission::Dropped;
            }
            let longest = longest.clone();
            if let Some(q) = self.by_org.get_mut(&longest) {
                q.pop_front();
            }
            self.total -= 1;
            admission = Admission::Evicted(longest);
        }
        match self.by_org.get_mut(org) {
            Some(q) => q.push_back(record),
            None => {
                self.by_org.insert(org.to_owned(), VecDeque::from([record]));
                self.ring.push_back(org.to_owned());
            }
        }
        self.total += 1;
        admission
    }

    /// Up to `n` records, one organization after another, oldest first within each.
    pub fn take(&mut self, n: usize) -> Vec<Recorded> {
        let mut batch = Vec::with_capacity(n.min(self.total));
        while batch.len() < n {
            let Some(org) = self.ring.pop_front() else {
                break;
            };
            let Some(q) = self.by_org.get_mut(&org) else {
                continue;
            };
            if let Some(record) = q.pop_front() {
                batch.push(record);
                self.total -= 1;
            }
            if q.is_empty() {
                self.by_org.remove(&org);
            } else {
                self.ring.push_back(org);
            }
        }
        batch
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(org: &str, n: usize) -> Recorded {
        let mut r = Recorded::default();
        r.log.organization_id = org.to_owned();
        r.log.id = format!("req_{org}_{n}");
        r
    }

    #[test]
    fn a_flooding_organization_cannot_push_out_another() {
        let mut q = Queues::new(10_000, 2_000);
        // Org A floods before, between and after B's 50 requests; nobody ships meanwhile.
        let mut dropped_a = 0;
        for i in 0..200_000 {
            if i % 4_000 == 0 && i / 4_000 < 50 {
                assert_eq!(
                    q.push("org_b", record("org_b", i / 4_000)),
                    Admission::Queued
                );
            }
            if q.push("org_a", record("org_a", i)) == Admission::Dropped {
                dropped_a += 1;
            }
        }
        assert_eq!(dropped_a, 200_000 - 2_000, "A keeps only its own share");
        let all = q.take(usize::MAX);
        let b = all
            .iter()
            .filter(|r| r.log.organization_id == "org_b")
            .count();
        assert_eq!(b, 50, "every record of B is kept");
    }

    #[test]
    fn a_full_buffer_evicts_from_the_longest_queue() {
        let mut q = Queues::new(10, 8);
        for i in 0..8 {
            assert_eq!(q.push("big", record("big", i)), Admission::Queued);
        }
        q.push("mid", record("mid", 0));
        q.push("mid", record("mid", 1));
        assert_eq!(q.len(), 10);
        // Full: a small organization's record evicts the oldest of the biggest one.
        assert_eq!(
            q.push("small", record("small", 0)),
            Admission::Evicted("big".into())
        );
        // The biggest cannot evict anyone; nor can a queue as long as the longest would be.
        assert_eq!(q.push("big", record("big", 9)), Admission::Dropped);
        assert_eq!(q.len(), 10);
        let batch = q.take(10);
        let ids: Vec<&str> = batch.iter().take(3).map(|r| r.log.id.as_str()).collect();
        assert_eq!(
            ids,
            ["req_big_1", "req_mid_0", "req_small_0"],
            "round-robin"
        );
        assert_eq!(q.len(), 0);
        assert!(q.take(5).is_empty());
    }
}
