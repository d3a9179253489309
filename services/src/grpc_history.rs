//! The request history of the gRPC door: a call made directly with an API key is recorded
//! like a REST request (method `GRPC`, the call's path, the status the REST door would give,
//! latency, address, key, request id), so that an organization sees all its traffic in one
//! history. Calls the gateway forwards are recorded by the gateway, never here.
//!
//! Nothing on the call's path waits for it: the record is pushed into a bounded buffer when
//! the answer's body ends (its trailers carry the status), and one task ships batches (a
//! full one, or what arrived within [`FLUSH_EVERY`] of the first record). The task is woken
//! by a batch's first record and by a full batch only, as the gateway's history is: an
//! `mpsc` channel woke it for every record, a task's wake-up and poll on every call (and,
//! with a worker idle, a thread's unpark: `strace` counted 1.8 futex calls a `GetCustomer`
//! against 1.4 a REST GET). A full buffer drops the record and counts it (warned at most
//! every 10 s). Message bodies are protobuf; they are not recorded.

use std::{
    sync::{
        Arc, Mutex, MutexGuard, OnceLock,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use chrono::Utc;
use storage::{Store, request_logs};
use tokio::sync::Notify;
use tonic::{Code, body::Body};

const CAPACITY: usize = 10_000;
const BATCH: usize = 500;
/// How long the shipper gathers records after the first before it writes them (the
/// gateway's `LogSettings::flush_every`). Writing whatever had arrived at once made batches
/// of ~19 rows under load, each its own transaction: on SQLite every commit writes each
/// page it dirtied to the WAL (the table's and each index's), which callgrind put at
/// ~9k instructions a row more than in the gateway's batches of ~200.
const FLUSH_EVERY: Duration = Duration::from_millis(500);

/// The records waiting, the shipper's wake-up, and what it writes to. One allocation that
/// every handle shares: a call's `observe` clones its handle.
struct Shared {
    store: Store,
    queue: Mutex<Vec<request_logs::RequestLog>>,
    wake: Notify,
    /// Every handle is gone: the shipper writes what is left and ends.
    closed: AtomicBool,
    /// The shipper was spawned (on first use, inside the runtime).
    started: OnceLock<()>,
    dropped: AtomicU64,
    warned: Mutex<Option<Instant>>,
}

impl Shared {
    fn queue(&self) -> MutexGuard<'_, Vec<request_logs::RequestLog>> {
        self.queue
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// Wakes the shipper for its last batch when the last handle goes.
struct Alive(Arc<Shared>);

impl Drop for Alive {
    fn drop(&mut self) {
        self.0.closed.store(true, Ordering::Release);
        self.0.wake.notify_one();
    }
}

/// Where the gRPC door's records go (one per process, its shipper started on first use).
#[derive(Clone)]
pub struct GrpcHistory {
    shared: Arc<Shared>,
    _alive: Arc<Alive>,
}

/// What is known of a call when it starts.
pub struct CallRecord {
    pub organization_id: String,
    pub key_id: String,
    pub request_id: String,
    pub path: String,
    pub ip: String,
    pub started: Instant,
}

impl GrpcHistory {
    pub fn new(store: Store) -> Self {
        let shared = Arc::new(Shared {
            store,
            queue: Mutex::new(Vec::new()),
            wake: Notify::new(),
            closed: AtomicBool::new(false),
            started: OnceLock::new(),
            dropped: AtomicU64::new(0),
            warned: Mutex::new(None),
        });
        Self {
            _alive: Arc::new(Alive(shared.clone())),
            shared,
        }
    }

    /// Records dropped because the buffer was full, since start.
    pub fn dropped(&self) -> u64 {
        self.shared.dropped.load(Ordering::Relaxed)
    }

    fn record(&self, call: CallRecord, code: Code) {
        let row = request_logs::RequestLog {
            id: request_logs::new_log_id(),
            organization_id: call.organization_id,
            request_id: call.request_id,
            method: "GRPC".to_owned(),
            path: proto::redact::target(&call.path),
            status_code: http_status(code),
            duration_ms: i64::try_from(call.started.elapsed().as_millis()).unwrap_or(i64::MAX),
            ip: call.ip,
            key_id: call.key_id,
            request_body: String::new(),
            response_body: String::new(),
            created_at: Utc::now(),
        };
        self.shared.started.get_or_init(|| {
            tokio::spawn(ship(self.shared.clone()));
        });
        let queued = {
            let mut queue = self.shared.queue();
            (queue.len() < CAPACITY).then(|| {
                queue.push(row);
                queue.len()
            })
        };
        match queued {
            // The shipper waits for a first record, then for a full batch or its deadline.
            Some(len) if len == 1 || len % BATCH == 0 => self.shared.wake.notify_one(),
            Some(_) => {}
            None => self.note_drop(),
        }
    }

    fn note_drop(&self) {
        self.shared.dropped.fetch_add(1, Ordering::Relaxed);
        let mut warned = self.shared.warned.lock().unwrap_or_else(|e| e.into_inner());
        if warned.is_none_or(|at| at.elapsed() > Duration::from_secs(10)) {
            *warned = Some(Instant::now());
            tracing::warn!(
                dropped = self.dropped(),
                "gRPC request history full: records dropped"
            );
        }
    }

    /// The answer, recorded when its body ends (or at once for a trailers-only answer).
    pub fn observe(
        &self,
        call: CallRecord,
        response: http::Response<Body>,
    ) -> http::Response<Body> {
        let history = self.clone();
        crate::call_status::on_end(response, move |code| history.record(call, code))
    }
}

async fn ship(shared: Arc<Shared>) {
    loop {
        // A first record, or the end once nothing is left.
        loop {
            if !shared.queue().is_empty() {
                break;
            }
            if shared.closed.load(Ordering::Acquire) {
                return;
            }
            shared.wake.notified().await;
        }
        // Then a full batch, the deadline, or the end (the records so far are written
        // either way).
        let deadline = tokio::time::Instant::now() + FLUSH_EVERY;
        while shared.queue().len() < BATCH && !shared.closed.load(Ordering::Acquire) {
            if tokio::time::timeout_at(deadline, shared.wake.notified())
                .await
                .is_err()
            {
                break;
            }
        }
        let batch = {
            let mut queue = shared.queue();
            if queue.len() <= BATCH {
                std::mem::take(&mut *queue)
            } else {
                queue.drain(..BATCH).collect()
            }
        };
        if let Err(err) = request_logs::insert_batch(&shared.store, batch).await {
            tracing::warn!(
                error = &err as &dyn std::error::Error,
                "storing gRPC request history failed"
            );
        }
    }
}

/// The status the REST door gives for a gRPC code (CONTRACT section 5).
fn http_status(code: Code) -> i32 {
    match code {
        Code::Ok => 200,
        Code::InvalidArgument | Code::OutOfRange => 400,
        Code::Unauthenticated => 401,
        Code::PermissionDenied => 403,
        Code::NotFound => 404,
        Code::AlreadyExists | Code::Aborted | Code::FailedPrecondition => 409,
        Code::ResourceExhausted => 429,
        Code::Cancelled => 499,
        Code::Unavailable => 503,
        Code::DeadlineExceeded => 504,
        _ => 500,
    }
}
