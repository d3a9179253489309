//! The idempotency store as an internal gRPC service, for the gateway (which never touches
//! the database). Keys are scoped to organization and credential.

use proto::v1::{
    BeginIdempotentRequestRequest, BeginIdempotentRequestResponse,
    CompleteIdempotentRequestRequest, CompleteIdempotentRequestResponse, IdempotencyOutcome,
    IdempotencyScope, ReleaseIdempotentRequestRequest, ReleaseIdempotentRequestResponse,
    StoredResponse, idempotency_service_server::IdempotencyService,
};
use storage::{OrgId, Store, idempotency};
use tonic::{Request, Response, Status};

use crate::{
    auth::context,
    error::{ServiceError, ServiceResult},
};

/// Longest `Idempotency-Key` accepted (Stripe's limit).
pub const MAX_KEY_LEN: usize = proto::credentials::IDEMPOTENCY_KEY_MAX_LEN;

#[derive(Clone)]
pub struct Idempotency {
    store: Store,
}

impl Idempotency {
    pub fn new(store: Store) -> Self {
        Self { store }
    }
}

fn scope(scope: Option<IdempotencyScope>) -> ServiceResult<(OrgId, String, String)> {
    let s = scope.ok_or_else(|| ServiceError::malformed("scope", "is required"))?;
    if s.idempotency_key.is_empty() || s.idempotency_key.len() > MAX_KEY_LEN {
        return Err(ServiceError::malformed(
            "idempotency_key",
            format!("must be 1 to {MAX_KEY_LEN} characters"),
        ));
    }
    Ok((
        OrgId::new(s.organization_id),
        s.principal_id,
        s.idempotency_key,
    ))
}

#[tonic::async_trait]
impl IdempotencyService for Idempotency {
    async fn begin_idempotent_request(
        &self,
        r: Request<BeginIdempotentRequestRequest>,
    ) -> Result<Response<BeginIdempotentRequestResponse>, Status> {
        context(&r)?;
        let req = r.into_inner();
        let (org, principal, key) = scope(req.scope)?;
        let lock = req.lock_seconds.clamp(1, 600);
        let begin = idempotency::begin(&self.store, &org, &principal, &key, &req.fingerprint, lock)
            .await
            .map_err(ServiceError::from)?;
        let (outcome, response) = match begin {
            idempotency::Begin::Proceed => (IdempotencyOutcome::Proceed, None),
            idempotency::Begin::InProgress => (IdempotencyOutcome::InProgress, None),
            idempotency::Begin::Mismatch => (IdempotencyOutcome::Mismatch, None),
            idempotency::Begin::Replay(stored) => (
                IdempotencyOutcome::Replay,
                Some(StoredResponse {
                    status_code: u32::from(stored.status_code),
                    content_type: stored.content_type,
                    body: stored.body,
                }),
            ),
        };
        Ok(Response::new(BeginIdempotentRequestResponse {
            outcome: outcome as i32,
            response,
        }))
    }

    async fn complete_idempotent_request(
        &self,
        r: Request<CompleteIdempotentRequestRequest>,
    ) -> Result<Response<CompleteIdempotentRequestResponse>, Status> {
        context(&r)?;
        let req = r.into_inner();
        let (org, principal, key) = scope(req.scope)?;
        let response = req
            .response
            .ok_or_else(|| ServiceError::malformed("response", "is required"))?;
        let stored = idempotency::StoredResponse {
            status_code: u16::try_from(response.status_code)
                .map_err(|_| ServiceError::malformed("status_code", "is not an HTTP status"))?,
            content_type: response.content_type,
            body: response.body,
        };
        idempotency::complete(&self.store, &org, &principal, &key, stored)
            .await
            .map_err(ServiceError::from)?;
        Ok(Response::new(CompleteIdempotentRequestResponse {}))
    }

    async fn release_idempotent_request(
        &self,
        r: Request<ReleaseIdempotentRequestRequest>,
    ) -> Result<Response<ReleaseIdempotentRequestResponse>, Status> {
        context(&r)?;
        let (org, principal, key) = scope(r.into_inner().scope)?;
        idempotency::release(&self.store, &org, &principal, &key)
            .await
            .map_err(ServiceError::from)?;
        Ok(Response::new(ReleaseIdempotentRequestResponse {}))
    }
}
