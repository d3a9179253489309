//! The delivery worker: claims due deliveries from the queue (`storage::webhooks::queue`),
//! sends them concurrently, and records every attempt in batches.
//!
//! At least once: a delivery leaves the queue only when its outcome is committed. A worker
//! that is killed loses its claims when their lease runs out and another worker (or itself,
//! restarted) sends them again; one that is stopped stops claiming, lets what it sends finish
//! (the send timeout bounds that), records it, and releases the rest. The lease is longer
//! than the send timeout, so a claim never runs out while its attempt is in flight: no
//! attempt is sent twice.

use std::{
    collections::HashMap,
    future::Future,
    num::NonZeroU32,
    sync::{Arc, Mutex},
    time::Duration,
};

use bytes::Bytes;
use chrono::{DateTime, SecondsFormat, Utc};
use governor::{DefaultDirectRateLimiter, Quota, clock::Clock as _};
use serde_json::json;
use storage::{
    OrgId, StorageError, Store,
    audit::Event,
    webhooks::{
        self, Attempt, Endpoint,
        queue::{self, AttemptRecord, Completion, Delivery, Handoff, Next, Ready},
    },
};
use tokio::sync::{Semaphore, mpsc};
use tracing::Instrument as _;

use crate::{
    schedule::RetrySchedule,
    sender::{Message, Outcome, Sender, SenderConfig},
};

#[derive(Clone, Debug)]
pub struct WorkerConfig {
    pub schedule: RetrySchedule,
    pub sender: SenderConfig,
    /// How long a claim holds; longer than the send timeout.
    pub lease: Duration,
    /// Rows claimed per query.
    pub batch: u64,
    /// Deliveries in flight at once.
    pub concurrency: usize,
    /// How often an idle worker looks for due rows (a write in the same process wakes it at
    /// once).
    pub poll: Duration,
    /// An endpoint failing continuously for this long is disabled.
    pub disable_after: Duration,
    /// Where outcomes are counted (`asteri.webhook.deliveries`); a no-op by default.
    pub metrics: telemetry::metrics::Deliveries,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        Self {
            schedule: RetrySchedule::default(),
            sender: SenderConfig::default(),
            lease: Duration::from_secs(60),
            batch: 200,
            concurrency: 256,
            poll: Duration::from_millis(250),
            disable_after: Duration::from_secs(5 * 86_400),
            metrics: telemetry::metrics::Deliveries::default(),
        }
    }
}

/// The body of a delivery: the event as `GET /events/{id}` renders it, with the keys of
/// every object in sorted order, so that every attempt and replay of an event sends the same
/// bytes whichever way the event was read (PostgreSQL's jsonb keeps its own key order, the
/// write that hands an event over keeps the API's).
pub fn payload(event: &Event) -> Bytes {
    let body = json!({
        "id": event.id,
        "type": event.event_type,
        "created_at": event.created_at.to_rfc3339_opts(SecondsFormat::AutoSi, true),
        "organization_id": event.organization_id,
        "data": sorted(&event.data),
    });
    Bytes::from(serde_json::to_vec(&body).expect("JSON values serialize"))
}

fn sorted(value: &serde_json::Value) -> serde_json::Value {
    use serde_json::Value as J;
    match value {
        J::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            J::Object(
                keys.into_iter()
                    .map(|k| (k.clone(), sorted(&map[k])))
                    .collect(),
            )
        }
        J::Array(items) => J::Array(items.iter().map(sorted).collect()),
        other => other.clone(),
    }
}

pub struct Worker {
    store: Store,
    config: WorkerConfig,
    sender: Sender,
    id: String,
    limits: Mutex<HashMap<String, (u32, Arc<DefaultDirectRateLimiter>)>>,
}

impl Worker {
    pub fn new(store: Store, config: WorkerConfig) -> Self {
        let mut sender_config = config.sender.clone();
        // A claim must outlive its attempt.
        sender_config.timeout = sender_config.timeout.min(config.lease / 2);
        Self {
            sender: Sender::new(sender_config),
            store,
            config,
            id: storage::ids::new_id("wrk"),
            limits: Mutex::default(),
        }
    }

    /// This worker's claim token.
    pub fn id(&self) -> &str {
        &self.id
    }

    fn lease_until(&self) -> DateTime<Utc> {
        Utc::now() + chrono::Duration::from_std(self.config.lease).unwrap_or_default()
    }

    /// Claims one batch, sends it, records the outcomes; returns how many deliveries it
    /// handled. For tests and tools that drive the worker step by step.
    pub async fn run_once(&self) -> Result<usize, StorageError> {
        let now = Utc::now();
        let claimed = queue::claim(
            &self.store,
            &self.id,
            now,
            self.lease_until(),
            self.config.batch,
        )
        .await?;
        let n = claimed.len();
        let completions = self.process_all(claimed).await?;
        queue::complete(&self.store, &self.id, &completions).await?;
        Ok(n)
    }

    /// Queues `event_id` for one endpoint, claimed by this worker, and attempts it at once
    /// (`POST /webhook_endpoints/{id}/test`). A failure is retried by the workers.
    pub async fn deliver_now(
        &self,
        org: &OrgId,
        event_id: &str,
        endpoint_id: &str,
    ) -> Result<Option<Attempt>, StorageError> {
        let lock = Some((self.id.as_str(), self.lease_until()));
        let rows =
            queue::enqueue(&self.store, org, event_id, &[endpoint_id.to_owned()], lock).await?;
        let completions = self.process_all(rows).await?;
        let mut attempts = queue::complete(&self.store, &self.id, &completions).await?;
        if completions
            .iter()
            .any(|c| matches!(c.next, Next::RetryAt(_)))
        {
            self.store.deliveries_queued();
        }
        Ok(attempts.pop())
    }

    async fn process_all(&self, claimed: Vec<Delivery>) -> Result<Vec<Completion>, StorageError> {
        let (endpoints, events) = queue::load(&self.store, &claimed).await?;
        let endpoints: HashMap<&str, &Endpoint> =
            endpoints.iter().map(|e| (e.id.as_str(), e)).collect();
        let events: HashMap<&str, &Event> = events.iter().map(|e| (e.id.as_str(), e)).collect();
        let sends = claimed.into_iter().map(|d| {
            let endpoint = endpoints.get(d.endpoint_id.as_str()).copied();
            let event = events.get(d.event_id.as_str()).copied();
            self.process(d, endpoint, event)
        });
        Ok(futures::future::join_all(sends).await)
    }

    /// Runs until `shutdown` resolves: claims as capacity frees up, sends concurrently,
    /// records outcomes in batches, and on the way out releases what it did not send.
    pub async fn run(self: Arc<Self>, shutdown: impl Future<Output = ()> + Send) {
        let permits = Arc::new(Semaphore::new(self.config.concurrency));
        let (done_tx, done_rx) = mpsc::channel::<Completion>(self.config.concurrency * 2);
        let recorder = tokio::spawn(Arc::clone(&self).record_forever(done_rx));
        // Writes of this process hand their deliveries over as they commit.
        let (handoff, mut handed) = mpsc::unbounded_channel();
        let lease = self.config.lease;
        let worker = self.id.clone();
        let registration = Handoff {
            worker,
            lease,
            tx: handoff,
        };
        self.store.set_handoff(Some(registration), &self.id);
        tokio::pin!(shutdown);
        let mut look = true;
        loop {
            let free = permits.available_permits() as u64;
            let mut full = false;
            if look && free > 0 {
                let limit = free.min(self.config.batch);
                let claimed =
                    queue::claim(&self.store, &self.id, Utc::now(), self.lease_until(), limit)
                        .await
                        .unwrap_or_else(|err| {
                            tracing::warn!(
                                error = &err as &dyn std::error::Error,
                                "claiming deliveries failed"
                            );
                            Vec::new()
                        });
                full = claimed.len() as u64 == limit;
                if !claimed.is_empty() {
                    self.spawn_batch(claimed, &permits, &done_tx).await;
                }
            }
            if full {
                // More may be due: claim again at once (unless told to stop).
                if futures::FutureExt::now_or_never(&mut shutdown).is_some() {
                    break;
                }
                continue;
            }
            look = tokio::select! {
                () = &mut shutdown => break,
                Some(ready) = handed.recv() => {
                    self.spawn_ready(ready, &permits, &done_tx).await;
                    false
                }
                () = self.store.deliveries_ready() => true,
                () = tokio::time::sleep(self.config.poll) => true,
                // Capacity came back: there may be due rows we could not take.
                _ = permits.acquire(), if free == 0 => true,
            };
        }
        // Take no more, let the attempts in flight finish and be recorded, then hand back
        // the rest (what was handed over and not started is claimed by this worker too).
        self.store.set_handoff(None, &self.id);
        let _all = permits
            .acquire_many(u32::try_from(self.config.concurrency).unwrap_or(u32::MAX))
            .await;
        drop(done_tx);
        let _ = recorder.await;
        if let Err(err) = queue::release(&self.store, &self.id).await {
            tracing::warn!(
                error = &err as &dyn std::error::Error,
                "releasing claims failed"
            );
        }
    }

    /// Sends deliveries handed over by this process's writes (claimed, and with their
    /// endpoint and event).
    async fn spawn_ready(
        self: &Arc<Self>,
        ready: Vec<Ready>,
        permits: &Arc<Semaphore>,
        done: &mpsc::Sender<Completion>,
    ) {
        for r in ready {
            let Ok(permit) = Arc::clone(permits).acquire_owned().await else {
                return;
            };
            let (worker, done) = (Arc::clone(self), done.clone());
            tokio::spawn(async move {
                let completion = worker
                    .process(r.delivery, Some(&r.endpoint), Some(&r.event))
                    .await;
                let _ = done.send(completion).await;
                drop(permit);
            });
        }
    }

    async fn spawn_batch(
        self: &Arc<Self>,
        claimed: Vec<Delivery>,
        permits: &Arc<Semaphore>,
        done: &mpsc::Sender<Completion>,
    ) {
        let loaded = match queue::load(&self.store, &claimed).await {
            Ok(loaded) => Arc::new(loaded),
            Err(err) => {
                // The claims lapse with their lease and the rows are tried again.
                tracing::warn!(
                    error = &err as &dyn std::error::Error,
                    "loading deliveries failed"
                );
                return;
            }
        };
        for d in claimed {
            let Ok(permit) = Arc::clone(permits).acquire_owned().await else {
                return;
            };
            let (worker, loaded, done) = (Arc::clone(self), Arc::clone(&loaded), done.clone());
            tokio::spawn(async move {
                let endpoint = loaded.0.iter().find(|e| e.id == d.endpoint_id);
                let event = loaded.1.iter().find(|e| e.id == d.event_id);
                let completion = worker.process(d, endpoint, event).await;
                let _ = done.send(completion).await;
                drop(permit);
            });
        }
    }

    async fn record_forever(self: Arc<Self>, mut done: mpsc::Receiver<Completion>) {
        let mut batch = Vec::with_capacity(256);
        while done.recv_many(&mut batch, 256).await > 0 {
            let retries = batch.iter().any(|c| matches!(c.next, Next::RetryAt(_)));
            if let Err(err) = queue::complete(&self.store, &self.id, &batch).await {
                // Not recorded: the claims lapse and the deliveries are sent again (at least
                // once, never lost).
                tracing::error!(
                    error = &err as &dyn std::error::Error,
                    "recording attempts failed"
                );
            } else if retries {
                self.store.deliveries_queued();
            }
            batch.clear();
        }
    }

    /// Waits the endpoint's rate allows, if it has one: `Some(when)` to try later instead.
    fn throttled(&self, endpoint: &Endpoint) -> Option<DateTime<Utc>> {
        let rate = u32::try_from(endpoint.rate_limit?)
            .ok()
            .and_then(NonZeroU32::new)?;
        let limiter = {
            let mut limits = self
                .limits
                .lock()
                .expect("the limiter map is never poisoned");
            let entry = limits.entry(endpoint.id.clone()).or_insert_with(|| {
                (
                    0,
                    Arc::new(DefaultDirectRateLimiter::direct(Quota::per_second(rate))),
                )
            });
            if entry.0 != rate.get() {
                *entry = (
                    rate.get(),
                    Arc::new(DefaultDirectRateLimiter::direct(Quota::per_second(rate))),
                );
            }
            Arc::clone(&entry.1)
        };
        let refusal = limiter.check().err()?;
        let wait = refusal.wait_time_from(limiter.clock().now());
        Some(Utc::now() + chrono::Duration::from_std(wait).unwrap_or_default())
    }

    /// Sends one delivery (or not: see [`outcome`]) and counts its outcome.
    async fn process(
        &self,
        d: Delivery,
        endpoint: Option<&Endpoint>,
        event: Option<&Event>,
    ) -> Completion {
        let completion = self.attempt(d, endpoint, event).await;
        let took = completion
            .attempt
            .as_ref()
            .map(|a| Duration::from_millis(a.duration_ms));
        self.config.metrics.record(outcome(&completion), took);
        completion
    }

    async fn attempt(
        &self,
        d: Delivery,
        endpoint: Option<&Endpoint>,
        event: Option<&Event>,
    ) -> Completion {
        let give_up = |d: Delivery| Completion {
            delivery: d,
            attempt: None,
            next: Next::Failed,
        };
        // Deleted or disabled since it was queued: nothing to send (recover re-queues).
        let (Some(endpoint), Some(event)) = (endpoint, event) else {
            return give_up(d);
        };
        if !endpoint.enabled {
            return give_up(d);
        }
        if let Some(later) = self.throttled(endpoint) {
            return Completion {
                delivery: d,
                attempt: None,
                next: Next::RetryAt(later),
            };
        }
        let now = Utc::now();
        let secrets = endpoint.signing_secrets(now);
        let message = Message {
            url: &endpoint.url,
            id: &event.id,
            timestamp: now.timestamp(),
            body: payload(event),
            secrets: &secrets,
        };
        let span = telemetry::spans::webhook_attempt(
            &d.organization_id,
            &d.id,
            &event.event_type,
            &endpoint.url,
            event.trace_parent.as_deref(),
        );
        let outcome = self.sender.send(&message).instrument(span.clone()).await;
        telemetry::spans::webhook_outcome(&span, outcome.status_code, outcome.success());
        let next = self.next_step(&d, endpoint, &outcome).await;
        Completion {
            attempt: Some(AttemptRecord {
                status_code: outcome.status_code.unwrap_or(0),
                response_body: outcome.response_body.clone(),
                error: outcome.error.clone().unwrap_or_default(),
                duration_ms: u64::try_from(outcome.duration.as_millis()).unwrap_or(u64::MAX),
                success: outcome.success(),
                at: now,
            }),
            delivery: d,
            next,
        }
    }

    /// After an attempt: done, again later (the schedule, or the endpoint's Retry-After if
    /// it asks for longer), or never (exhausted, gone, or disabled for failing too long).
    async fn next_step(&self, d: &Delivery, endpoint: &Endpoint, outcome: &Outcome) -> Next {
        if outcome.success() {
            return Next::Succeeded;
        }
        let org = OrgId::new(&d.organization_id);
        if outcome.gone() {
            self.disable(&org, endpoint, "the endpoint answered 410 Gone")
                .await;
            return Next::Failed;
        }
        let failing_for = endpoint
            .failing_since
            .map(|since| (Utc::now() - since).to_std().unwrap_or_default());
        if failing_for.is_some_and(|f| f >= self.config.disable_after) {
            let since = endpoint.failing_since.unwrap_or_default();
            let reason = format!(
                "deliveries failed continuously since {}",
                since.to_rfc3339_opts(SecondsFormat::Secs, true)
            );
            self.disable(&org, endpoint, &reason).await;
            return Next::Failed;
        }
        let attempt = u32::try_from(d.attempts).unwrap_or(0) + 1;
        let Some(delay) = self.config.schedule.delay_after(attempt) else {
            return Next::Failed;
        };
        let delay = outcome.retry_after.map_or(delay, |asked| asked.max(delay));
        Next::RetryAt(Utc::now() + chrono::Duration::from_std(delay).unwrap_or_default())
    }

    async fn disable(&self, org: &OrgId, endpoint: &Endpoint, reason: &str) {
        match webhooks::disable(&self.store, org, &endpoint.id, reason).await {
            Ok(true) => {
                tracing::info!(endpoint = %endpoint.id, reason, "webhook endpoint disabled")
            }
            Ok(false) => {}
            Err(err) => tracing::error!(
                error = &err as &dyn std::error::Error,
                endpoint = %endpoint.id,
                "disabling a webhook endpoint failed"
            ),
        }
    }
}

/// The `asteri.webhook.outcome` of a handled delivery: whether an attempt was made, and what
/// comes next.
fn outcome(completion: &Completion) -> &'static str {
    match (&completion.next, completion.attempt.is_some()) {
        (Next::Succeeded, _) => "succeeded",
        (Next::RetryAt(_), true) => "retrying",
        (Next::RetryAt(_), false) => "throttled",
        (Next::Failed, true) => "failed",
        (Next::Failed, false) => "skipped",
    }
}
