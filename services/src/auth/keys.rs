//! API keys at the gRPC door: the keyed hash secrets are stored as, and the verifier that
//! resolves a presented secret to its key through a short cache (so that a request costs
//! no database round trip for its key).

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use chrono::{DateTime, Utc};
use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest as _, Sha256};
use storage::{Store, api_keys, organizations};

use crate::error::ServiceError;

/// How long a verified (or refused) key stays cached. Revocations and rolls on another replica
/// take effect within this time; on the same replica at once (see [`KeyVerifier::forget`]).
pub const KEY_CACHE_TTL: Duration = Duration::from_secs(2);

/// HMAC-SHA256 under the server's secret key: what the database stores instead of secrets.
#[derive(Clone)]
pub struct SecretHasher {
    /// Keyed once: HMAC's keying hashes the padded key (two SHA-256 blocks, and a third for
    /// a key longer than a block); a clone of the keyed state skips that on every request.
    keyed: Hmac<Sha256>,
}

impl SecretHasher {
    pub fn new(key: &[u8]) -> Self {
        Self {
            keyed: <Hmac<Sha256> as KeyInit>::new_from_slice(key)
                .expect("HMAC takes any key length"),
        }
    }

    pub fn hash(&self, secret: &str) -> String {
        let mut mac = self.keyed.clone();
        mac.update(secret.as_bytes());
        // `hex::encode` builds its string a char at a time; into a buffer it is a table
        // lookup per byte (this runs on every authenticated request).
        let mut text = [0u8; 64];
        hex::encode_to_slice(mac.finalize().into_bytes(), &mut text)
            .expect("a SHA-256 MAC is 32 bytes");
        std::str::from_utf8(&text).expect("hex is ASCII").to_owned()
    }
}

/// A key as the auth path needs it. Cached and handed out behind an `Arc`: every
/// authenticated call reads one, and a clone of it (its record and scopes, a dozen strings)
/// was one in seven of the allocations of a REST GET (callgrind, stop 23).
#[derive(Clone, Debug)]
pub struct VerifiedKey {
    pub id: String,
    pub organization_id: String,
    pub scopes: Arc<[String]>,
    pub environment: String,
    pub organization_sandbox: bool,
    pub expires_at: Option<DateTime<Utc>>,
    pub per_minute_limit: i64,
    pub per_day_limit: i64,
    /// Set when the presented secret is the one a roll replaced: it works until then.
    pub secret_expires_at: Option<DateTime<Utc>>,
    pub record: api_keys::ApiKey,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyRefusal {
    Unknown,
    Revoked,
    Expired,
    WrongEnvironment,
}

impl KeyRefusal {
    pub fn message(self) -> &'static str {
        match self {
            Self::Unknown => "the API key is not valid",
            Self::Revoked => "the API key has been revoked",
            Self::Expired => "the API key has expired",
            Self::WrongEnvironment => {
                "the API key's environment does not match its organization (test keys work only on sandbox organizations, live keys only on live ones)"
            }
        }
    }
}

type CachedVerdict = (Instant, Result<Arc<VerifiedKey>, KeyRefusal>);

/// Resolves secrets to keys with a short-lived cache, so that a request does not cost a
/// database round trip for its key.
#[derive(Clone)]
pub struct KeyVerifier {
    pub(super) store: Store,
    pub(super) hasher: SecretHasher,
    /// By the SHA-256 of the secret, not its keyed hash: a cached verdict is found with one
    /// SHA-256 (the gateway's cache does the same) instead of an HMAC, which was 4% of a
    /// direct `GetCustomer`'s instructions (callgrind, stop 28). The keyed hash, what the
    /// database is searched by, is computed only on a miss.
    cache: Arc<quick_cache::sync::Cache<[u8; 32], CachedVerdict>>,
    touched: Arc<quick_cache::sync::Cache<String, Instant>>,
}

impl KeyVerifier {
    pub fn new(store: Store, hasher: SecretHasher) -> Self {
        Self {
            store,
            hasher,
            cache: Arc::new(quick_cache::sync::Cache::new(100_000)),
            touched: Arc::new(quick_cache::sync::Cache::new(100_000)),
        }
    }

    pub fn hasher(&self) -> &SecretHasher {
        &self.hasher
    }

    pub async fn verify(
        &self,
        secret: &str,
    ) -> Result<Result<Arc<VerifiedKey>, KeyRefusal>, ServiceError> {
        let digest: [u8; 32] = Sha256::digest(secret.as_bytes()).into();
        let verdict = match self.cache.get(&digest) {
            Some((at, verdict)) if at.elapsed() < KEY_CACHE_TTL => verdict,
            _ => {
                let hash = self.hasher.hash(secret);
                let verdict = self.load(&hash).await?;
                self.cache.insert(digest, (Instant::now(), verdict.clone()));
                verdict
            }
        };
        // Expiry (the key's, and a rolled key's previous secret's) is checked at every use.
        let now = Utc::now();
        Ok(
            verdict.and_then(|key| match (key.expires_at, key.secret_expires_at) {
                (Some(at), _) if at <= now => Err(KeyRefusal::Expired),
                // A previous secret past its grace is refused as any replaced secret is.
                (_, Some(at)) if at <= now => Err(KeyRefusal::Unknown),
                _ => Ok(key),
            }),
        )
    }

    async fn load(&self, hash: &str) -> Result<Result<Arc<VerifiedKey>, KeyRefusal>, ServiceError> {
        let Some((key, matched)) = api_keys::find_by_hash(&self.store, hash).await? else {
            return Ok(Err(KeyRefusal::Unknown));
        };
        // A revoked key refuses both of its secrets.
        if key.revoked_at.is_some() {
            return Ok(Err(KeyRefusal::Revoked));
        }
        let secret_expires_at = match matched {
            api_keys::SecretMatch::Current => None,
            api_keys::SecretMatch::Previous { expires_at } if expires_at <= Utc::now() => {
                return Ok(Err(KeyRefusal::Unknown));
            }
            api_keys::SecretMatch::Previous { expires_at } => Some(expires_at),
        };
        let Some(org) = organizations::get(&self.store, &key.organization_id).await? else {
            return Ok(Err(KeyRefusal::Unknown));
        };
        if (key.environment == "test") != org.sandbox {
            return Ok(Err(KeyRefusal::WrongEnvironment));
        }
        self.touch(&key.id);
        Ok(Ok(Arc::new(VerifiedKey {
            id: key.id.clone(),
            organization_id: key.organization_id.clone(),
            scopes: key.scopes.0.clone().into(),
            environment: key.environment.clone(),
            organization_sandbox: org.sandbox,
            expires_at: key.expires_at,
            per_minute_limit: key.per_minute_limit,
            per_day_limit: key.per_day_limit,
            secret_expires_at,
            record: key,
        })))
    }

    /// Records `last_used_at` at most once a minute per key, off the request path.
    fn touch(&self, key_id: &str) {
        if self
            .touched
            .get(key_id)
            .is_some_and(|at| at.elapsed() < Duration::from_secs(60))
        {
            return;
        }
        self.touched.insert(key_id.to_owned(), Instant::now());
        let (store, id) = (self.store.clone(), key_id.to_owned());
        tokio::spawn(async move {
            if let Err(err) = api_keys::touch(&store, &id, Utc::now()).await {
                tracing::warn!(error = &err as &dyn std::error::Error, key_id = %id, "could not record last use");
            }
        });
    }

    /// Drops the cached verdicts of key `key_id`, both of its secrets, at once (revocation
    /// and rotation on this replica).
    ///
    /// The cache is keyed by the secrets' SHA-256, which the stored hashes do not give, so
    /// this finds the verdicts by the key they hold: a scan of the cache, for a revocation
    /// or a roll, not for a request. (A map from stored hash to cache key would not do: a
    /// cache that evicts could drop its entry while the verdict stays, and the revoked key
    /// would keep working until the verdict expired.)
    pub fn forget(&self, key_id: &str) {
        self.cache
            .retain(|_, (_, verdict)| !verdict.as_ref().is_ok_and(|key| key.id == key_id));
    }
}

#[cfg(test)]
mod tests {
    use super::SecretHasher;

    #[test]
    fn the_keyed_state_is_reused_without_changing_the_hash() {
        // RFC 4231, test case 2 (HMAC-SHA256, key "Jefe"), twice on one hasher; and a key
        // longer than SHA-256's block (test case 6), which HMAC hashes first.
        let hasher = SecretHasher::new(b"Jefe");
        let expected = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";
        assert_eq!(hasher.hash("what do ya want for nothing?"), expected);
        assert_eq!(hasher.hash("what do ya want for nothing?"), expected);
        let long = SecretHasher::new(&[0xaa; 131]);
        assert_eq!(
            long.hash("Test Using Larger Than Block-Size Key - Hash Key First"),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        );
    }
}
