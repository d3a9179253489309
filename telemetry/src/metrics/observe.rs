//! Observable instruments: figures read when the readers collect (the pool's counters,
//! the delivery queue's last sample, the edge's counters), never on a request's path.

use std::{borrow::Cow, sync::Arc};

use opentelemetry::KeyValue;

use super::Metrics;

/// A database pool as its owner reports it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PoolReading {
    /// Open connections (idle and in use).
    pub size: u32,
    pub idle: u32,
    /// The most connections it opens (`None`: no fixed bound, no `max` series).
    pub max: Option<u32>,
}

/// Registers `db.client.connection.count` (by `db.client.connection.state`: `idle`, `used`)
/// and `db.client.connection.max` for the pool named `pool` (`db.client.connection.pool.name`:
/// `asteri`, sqlx's pool; `asteri.point_reads`, the point reads' SQLite connections), read
/// from `read` at each collection.
pub fn observe_pool(
    metrics: &Metrics,
    pool: &'static str,
    read: impl Fn() -> PoolReading + Send + Sync + 'static,
) {
    let read = Arc::new(read);
    let count = Arc::clone(&read);
    let _ = metrics
        .meter()
        .i64_observable_up_down_counter("db.client.connection.count")
        .with_unit("{connection}")
        .with_description("Connections of the database pool, by state")
        .with_callback(move |observer| {
            let reading = count();
            let used = reading.size.saturating_sub(reading.idle);
            for (state, n) in [("idle", reading.idle), ("used", used)] {
                observer.observe(
                    i64::from(n),
                    &[
                        KeyValue::new("db.client.connection.pool.name", pool),
                        KeyValue::new("db.client.connection.state", state),
                    ],
                );
            }
        })
        .build();
    let _ = metrics
        .meter()
        .i64_observable_up_down_counter("db.client.connection.max")
        .with_unit("{connection}")
        .with_description("The most connections the database pool opens")
        .with_callback(move |observer| {
            if let Some(max) = read().max {
                observer.observe(
                    i64::from(max),
                    &[KeyValue::new("db.client.connection.pool.name", pool)],
                );
            }
        })
        .build();
}

/// The delivery queue, as last sampled.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct QueueReading {
    /// Deliveries not yet succeeded or given up (due, claimed, or waiting for a retry).
    pub pending: u64,
    /// Pending deliveries due now and claimed by no worker: what workers have yet to take.
    pub due: u64,
    /// How long the oldest of those has been due, in seconds (0 when none is).
    pub oldest_due_age: f64,
}

/// A queue gauge: name, unit, description, and its figure in a reading.
type Gauge = (
    &'static str,
    &'static str,
    &'static str,
    fn(&QueueReading) -> f64,
);

/// Registers `asteri.webhook.queue.depth`, `asteri.webhook.queue.due` and
/// `asteri.webhook.queue.oldest_due_age`, read from `read` at each collection (`None`: not
/// sampled yet, nothing reported).
pub fn observe_queue(
    metrics: &Metrics,
    read: impl Fn() -> Option<QueueReading> + Send + Sync + 'static,
) {
    let read = Arc::new(read);
    let gauges: [Gauge; 3] = [
        (
            "asteri.webhook.queue.depth",
            "{delivery}",
            "Pending webhook deliveries (due, in flight, or waiting for a retry)",
            |r| r.pending as f64,
        ),
        (
            "asteri.webhook.queue.due",
            "{delivery}",
            "Webhook deliveries due now that no worker has claimed",
            |r| r.due as f64,
        ),
        (
            "asteri.webhook.queue.oldest_due_age",
            "s",
            "How long the oldest unclaimed due delivery has waited",
            |r| r.oldest_due_age,
        ),
    ];
    for (name, unit, description, value) in gauges {
        let read = Arc::clone(&read);
        let _ = metrics
            .meter()
            .f64_observable_gauge(name)
            .with_unit(unit)
            .with_description(description)
            .with_callback(move |observer| {
                if let Some(reading) = read() {
                    observer.observe(value(&reading), &[]);
                }
            })
            .build();
    }
}

/// Registers a monotonic count read at each collection (the edge's own counters).
pub fn observe_count(
    metrics: &Metrics,
    name: &'static str,
    description: &'static str,
    attribute: Option<(&'static str, &'static str)>,
    read: impl Fn() -> u64 + Send + Sync + 'static,
) {
    let attributes: Cow<'static, [KeyValue]> = match attribute {
        Some((k, v)) => Cow::Owned(vec![KeyValue::new(k, v)]),
        None => Cow::Borrowed(&[]),
    };
    let _ = metrics
        .meter()
        .u64_observable_counter(name)
        .with_unit("{request}")
        .with_description(description)
        .with_callback(move |observer| observer.observe(read(), &attributes))
        .build();
}
