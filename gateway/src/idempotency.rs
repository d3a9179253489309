//! `Idempotency-Key` on POST (CONTRACT section 5): the first request with a key runs and its
//! response is stored; a retry with the same key and body gets that response again with
//! `Idempotent-Replayed: true`; the same key with another body is 409. Concurrent retries
//! wait for the first to finish instead of running twice. The store is the keys service's
//! IdempotencyService, so every gateway replica shares it.

use std::{
    future::Future,
    time::{Duration, Instant},
};

use proto::v1::{
    BeginIdempotentRequestRequest, CompleteIdempotentRequestRequest, IdempotencyOutcome,
    IdempotencyScope, ReleaseIdempotentRequestRequest, StoredResponse,
    idempotency_service_client::IdempotencyServiceClient,
};
use sha2::{Digest, Sha256};

use crate::{JsonBody, Outcome, error::ApiError, internal_request};

pub const HEADER: &str = "idempotency-key";
/// How long a claim holds if its gateway dies mid-request.
const LOCK_SECONDS: u32 = 60;
/// How long a concurrent retry waits for the first request before answering 409.
const WAIT: Duration = Duration::from_secs(10);

pub fn valid_key(key: &str) -> bool {
    proto::credentials::valid_idempotency_key(key)
}

pub fn fingerprint(method: &str, path: &str, query: Option<&str>, body: &[u8]) -> String {
    let mut h = Sha256::new();
    for part in [
        method.as_bytes(),
        b"\n",
        path.as_bytes(),
        b"?",
        query.unwrap_or("").as_bytes(),
        b"\n",
        body,
    ] {
        h.update(part);
    }
    hex::encode(h.finalize())
}

pub struct Idempotent<'a> {
    pub client: IdempotencyServiceClient<crate::Upstream>,
    pub internal_token: &'a str,
    pub request_id: &'a str,
    pub scope: IdempotencyScope,
    pub fingerprint: String,
}

impl Idempotent<'_> {
    /// Runs `execute` at most once for this key, or replays what it answered.
    pub async fn run<F>(mut self, execute: F) -> Result<(Outcome, bool), ApiError>
    where
        F: Future<Output = Result<Outcome, ApiError>>,
    {
        if let Some(replay) = self.begin().await? {
            return Ok((replay, true));
        }
        let result = execute.await;
        self.finish(&result).await;
        result.map(|outcome| (outcome, false))
    }

    /// Claims the key. `Some` is the stored answer of an earlier request with this key and
    /// fingerprint (nothing is to run); `None` means the caller runs the request and then
    /// calls [`Idempotent::finish`].
    pub async fn begin(&mut self) -> Result<Option<Outcome>, ApiError> {
        let started = Instant::now();
        let mut pause = Duration::from_millis(20);
        loop {
            let begin = BeginIdempotentRequestRequest {
                scope: Some(self.scope.clone()),
                fingerprint: self.fingerprint.clone(),
                lock_seconds: LOCK_SECONDS,
            };
            let answer = self
                .client
                .begin_idempotent_request(internal_request(
                    begin,
                    self.internal_token,
                    self.request_id,
                ))
                .await?
                .into_inner();
            match IdempotencyOutcome::try_from(answer.outcome).unwrap_or_default() {
                IdempotencyOutcome::Proceed => return Ok(None),
                IdempotencyOutcome::Replay => {
                    let stored = answer.response.unwrap_or_default();
                    return Ok(Some(Outcome::from_stored(&stored)));
                }
                IdempotencyOutcome::Mismatch => return Err(ApiError::IdempotencyKeyReused),
                IdempotencyOutcome::InProgress | IdempotencyOutcome::Unspecified => {
                    if started.elapsed() >= WAIT {
                        return Err(ApiError::IdempotencyKeyInUse);
                    }
                    tokio::time::sleep(pause).await;
                    pause = (pause * 2).min(Duration::from_millis(250));
                }
            }
        }
    }

    /// Stores what the claimed request answered, or releases the key after a server failure
    /// so that a retry runs afresh.
    pub async fn finish(mut self, result: &Result<Outcome, ApiError>) {
        let stored = match result {
            Ok(outcome) if !outcome.status.is_server_error() => Some(outcome.to_stored()),
            Err(err) => {
                let (status, body) = err.to_parts();
                (!status.is_server_error()).then(|| Outcome::error(status, body).to_stored())
            }
            Ok(_) => None,
        };
        let (token, request_id) = (self.internal_token, self.request_id);
        let finish = match stored {
            Some(response) => {
                let req = CompleteIdempotentRequestRequest {
                    scope: Some(self.scope),
                    response: Some(response),
                };
                self.client
                    .complete_idempotent_request(internal_request(req, token, request_id))
                    .await
                    .map(|_| ())
            }
            None => {
                let req = ReleaseIdempotentRequestRequest {
                    scope: Some(self.scope),
                };
                self.client
                    .release_idempotent_request(internal_request(req, token, request_id))
                    .await
                    .map(|_| ())
            }
        };
        if let Err(status) = finish {
            // The request itself succeeded; a retry will wait out the lock and run again.
            tracing::warn!(code = ?status.code(), "could not store the idempotent response");
        }
    }
}

impl Outcome {
    fn to_stored(&self) -> StoredResponse {
        StoredResponse {
            status_code: u32::from(self.status.as_u16()),
            content_type: "application/json".to_owned(),
            body: match &self.body {
                Some(JsonBody::Value(value)) => serde_json::to_vec(value).unwrap_or_default(),
                Some(JsonBody::Written { json, .. }) => json.to_vec(),
                None => Vec::new(),
            },
        }
    }

    fn from_stored(stored: &StoredResponse) -> Self {
        let status = u16::try_from(stored.status_code)
            .ok()
            .and_then(|s| http::StatusCode::from_u16(s).ok())
            .unwrap_or(http::StatusCode::OK);
        let body = if stored.body.is_empty() {
            None
        } else if status.is_client_error() || status.is_server_error() {
            // An error answers through `error_response`, which reads its fields.
            serde_json::from_slice(&stored.body)
                .ok()
                .map(JsonBody::Value)
        } else {
            // Replayed as stored; the history redacts it as any body.
            Some(JsonBody::Written {
                json: stored.body.clone().into(),
                secret_free: false,
            })
        };
        Self { status, body }
    }
}
