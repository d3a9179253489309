//! Webhooks: `asteri.v1.WebhookEndpointsService` ([`endpoints`]) and
//! `asteri.v1.EventsService` ([`events`]). Sending is the `delivery` crate's: the services
//! queue deliveries, and attempt one at once only for `/test`.

pub mod endpoints;
pub mod events;
mod samples;

use std::{sync::Arc, time::Duration};

use delivery::worker::{Worker, WorkerConfig};
use storage::Store;

/// How the webhooks services behave (CONTRACT section 7).
#[derive(Clone, Debug)]
pub struct WebhookSettings {
    /// `ASTERI_WEBHOOK_ALLOW_PRIVATE=1`: endpoints on loopback and private networks.
    pub allow_private: bool,
    /// How long a rotated-out secret keeps signing when the request names no time.
    pub rotation_grace: Duration,
    /// The delivery settings (schedule, timeout, lease) that `/test` and the worker share.
    pub worker: WorkerConfig,
}

impl Default for WebhookSettings {
    fn default() -> Self {
        Self {
            allow_private: false,
            rotation_grace: Duration::from_secs(24 * 3_600),
            worker: WorkerConfig::default(),
        }
    }
}

/// What both webhook services share: the store, the settings, and a worker of their own for
/// the attempts `/test` makes at once.
#[derive(Clone)]
pub struct Webhooks {
    store: Store,
    settings: WebhookSettings,
    sync: Arc<Worker>,
}

impl Webhooks {
    pub fn new(store: Store, settings: WebhookSettings) -> Self {
        let mut worker = settings.worker.clone();
        worker.sender.allow_private = settings.allow_private;
        Self {
            sync: Arc::new(Worker::new(store.clone(), worker)),
            store,
            settings,
        }
    }
}
