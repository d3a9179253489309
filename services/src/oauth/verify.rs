//! Access tokens as credentials: what a `Bearer ast_oat_...` token is worth, read from the
//! database ([`load`]) or from a short cache ([`TokenVerifier`]).
//!
//! A token is good while it is an unexpired, unrevoked access token whose install is live
//! and whose app exists and is not suspended. The cache keeps a verdict for
//! [`crate::auth::KEY_CACHE_TTL`] (2 s, as keys'); a suspension, an uninstall, a deletion or
//! a revocation on this replica bumps the cache's generation, so that every verdict cached
//! before it is read again at once, and other replicas see it within the 2 seconds.

use std::{
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::Instant,
};

use chrono::{DateTime, Utc};
use storage::{Store, apps, oauth};

use crate::{
    auth::{KEY_CACHE_TTL, SecretHasher},
    error::ServiceError,
};

pub const ACCESS_PREFIX: &str = "ast_oat_";
pub const REFRESH_PREFIX: &str = "ast_ort_";
pub const CODE_PREFIX: &str = "ast_oac_";

/// An access token that works, as the auth path needs it.
#[derive(Clone, Debug)]
pub struct VerifiedToken {
    pub install_id: String,
    pub client_id: String,
    pub organization_id: String,
    pub scopes: Vec<String>,
    pub expires_at: DateTime<Utc>,
}

pub const REFUSED: &str = "the access token is not valid (unknown, expired or revoked, or its app was uninstalled or suspended)";

type Cached = (Instant, u64, Option<VerifiedToken>);

#[derive(Clone)]
pub struct TokenVerifier {
    store: Store,
    hasher: SecretHasher,
    cache: Arc<quick_cache::sync::Cache<String, Cached>>,
    generation: Arc<AtomicU64>,
}

impl TokenVerifier {
    pub fn new(store: Store, hasher: SecretHasher) -> Self {
        Self {
            store,
            hasher,
            cache: Arc::new(quick_cache::sync::Cache::new(100_000)),
            generation: Arc::new(AtomicU64::new(0)),
        }
    }

    pub fn hasher(&self) -> &SecretHasher {
        &self.hasher
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Forgets every cached verdict (tokens, installs or apps changed on this replica).
    pub fn invalidate(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
    }

    /// The token, if it works now (`None`: refused).
    pub async fn verify(&self, token: &str) -> Result<Option<VerifiedToken>, ServiceError> {
        let hash = self.hasher.hash(token);
        let generation = self.generation.load(Ordering::SeqCst);
        let verdict = match self.cache.get(&hash) {
            Some((at, g, verdict)) if g == generation && at.elapsed() < KEY_CACHE_TTL => verdict,
            _ => {
                let verdict = load(&self.store, &hash).await?;
                self.cache
                    .insert(hash, (Instant::now(), generation, verdict.clone()));
                verdict
            }
        };
        // Expiry is checked at every use, as keys' is.
        Ok(verdict.filter(|t| t.expires_at > Utc::now()))
    }
}

/// The access token whose hash this is, if it works now: read from the database.
pub async fn load(store: &Store, hash: &str) -> Result<Option<VerifiedToken>, ServiceError> {
    let Some(token) = oauth::find_token(store, hash).await? else {
        return Ok(None);
    };
    let now = Utc::now();
    if token.kind != oauth::ACCESS || token.revoked_at.is_some() || token.expires_at <= now {
        return Ok(None);
    }
    if !live(store, &token).await? {
        return Ok(None);
    }
    Ok(Some(VerifiedToken {
        install_id: token.install_id,
        client_id: token.app_id,
        organization_id: token.organization_id,
        scopes: token.scopes.0,
        expires_at: token.expires_at,
    }))
}

/// Whether a token's install is live and its app exists and is not suspended.
pub async fn live(store: &Store, token: &oauth::Token) -> Result<bool, ServiceError> {
    let install = apps::installs::find(store, &token.install_id).await?;
    if install.is_none_or(|i| i.uninstalled_at.is_some()) {
        return Ok(false);
    }
    let app = apps::find(store, &token.app_id).await?;
    Ok(app.is_some_and(|a| a.review_status != crate::apps::rules::SUSPENDED))
}
