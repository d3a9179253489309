//! The edge's counters, for the log and a metrics endpoint: what the request history
//! queued, dropped and only counted, and what the failed-authentication guard refused.

use std::sync::Arc;

use crate::{
    failures::FailureGuard,
    request_log::{LogCounts, RequestLogger},
};

#[derive(Clone)]
pub struct EdgeMetrics {
    logger: RequestLogger,
    failures: Arc<FailureGuard>,
}

impl EdgeMetrics {
    pub(crate) fn new(logger: RequestLogger, failures: Arc<FailureGuard>) -> Self {
        Self { logger, failures }
    }

    /// Records queued, dropped (past an organization's share) and unauthenticated requests
    /// counted instead of recorded.
    pub fn request_log(&self) -> LogCounts {
        self.logger.counts()
    }

    /// Requests refused 429 because their address spent its failed-authentication allowance.
    pub fn auth_failures_refused(&self) -> u64 {
        self.failures.refused()
    }
}
