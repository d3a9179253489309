//! Dashboard users' passwords: Argon2id with the crate's default parameters (RFC 9106's second
//! recommendation, 19 MiB and two passes), stored as PHC strings, so that a later change of
//! parameters still verifies the hashes made before it.
//!
//! A hash costs tens of milliseconds of one core and 19 MiB, so it runs on Tokio's blocking
//! threads, never on the async workers, and at most one per core at a time: a burst of
//! sign-ins queues (within the call's deadline) instead of taking the process's memory.

use std::sync::{Arc, LazyLock};

use argon2::{
    Argon2, Params,
    password_hash::{self, PasswordHasher as _, PasswordVerifier as _},
};
use rand::Rng as _;
use tokio::sync::Semaphore;

use crate::error::Violations;

/// The proto's rule: at least 12 characters, at most 1,024 bytes (Argon2 reads any length; the
/// bound keeps a sign-in from hashing megabytes).
pub const MIN_CHARS: usize = 12;
pub const MAX_BYTES: usize = 1024;

/// One hash per core at a time.
static HASHING: LazyLock<Arc<Semaphore>> = LazyLock::new(|| {
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    Arc::new(Semaphore::new(cores))
});

/// What an unknown email is checked against, so that a sign-in costs one verification
/// whether the account exists or not. A well-formed hash with the default parameters (what
/// every stored hash is made with) of no password: the verification runs in full and fails.
static DUMMY: LazyLock<String> = LazyLock::new(|| {
    let p = Params::default();
    // 16 zero bytes of salt and 32 of output, in the PHC's unpadded base64.
    format!(
        "$argon2id$v=19$m={},t={},p={}${}${}",
        p.m_cost(),
        p.t_cost(),
        p.p_cost(),
        "A".repeat(22),
        "A".repeat(43)
    )
});

#[derive(Debug, thiserror::Error)]
pub enum HashError {
    #[error("Argon2 failed: {0}")]
    Argon2(password_hash::Error),
    #[error("the hashing task failed")]
    Task(#[from] tokio::task::JoinError),
}

/// Adds the password's violations to `v`.
pub fn check(v: &mut Violations, field: &str, password: &str) {
    if password.chars().count() < MIN_CHARS {
        v.add(field, format!("must be at least {MIN_CHARS} characters"));
    }
    if password.len() > MAX_BYTES {
        v.add(field, format!("must be at most {MAX_BYTES} bytes"));
    }
}

/// The PHC string of `password` under a fresh random salt.
pub async fn hash(password: String) -> Result<String, HashError> {
    let mut salt = [0u8; 16];
    rand::rng().fill(&mut salt);
    blocking(move || {
        Argon2::default()
            .hash_password_with_salt(password.as_bytes(), &salt)
            .map(|hash| hash.to_string())
    })
    .await
}

/// Whether `password` is the one `hash` was made from; with no hash (an unknown account),
/// checks it against [`DUMMY`] at the same cost and answers false.
pub async fn verify(password: String, hash: Option<String>) -> Result<bool, HashError> {
    let known = hash.is_some();
    let hash = hash.unwrap_or_else(|| DUMMY.clone());
    let matched = blocking(move || {
        match Argon2::default().verify_password(password.as_bytes(), hash.as_str()) {
            Ok(()) => Ok(true),
            Err(password_hash::Error::PasswordInvalid) => Ok(false),
            Err(other) => Err(other),
        }
    })
    .await?;
    Ok(known && matched)
}

async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> password_hash::Result<T> + Send + 'static,
) -> Result<T, HashError> {
    let permit = Arc::clone(&HASHING)
        .acquire_owned()
        .await
        .expect("the hashing semaphore is never closed");
    let answer = tokio::task::spawn_blocking(move || {
        let answer = work();
        drop(permit);
        answer
    })
    .await?;
    answer.map_err(HashError::Argon2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_verify_and_the_dummy_costs_the_same() {
        let hash = hash("correct horse battery".to_owned()).await.unwrap();
        assert!(hash.starts_with("$argon2id$v=19$"), "{hash}");
        assert!(!hash.contains("correct horse"));
        let verify = |p: &str, h: Option<&str>| verify(p.to_owned(), h.map(str::to_owned));
        assert!(verify("correct horse battery", Some(&hash)).await.unwrap());
        assert!(!verify("correct horse batterY", Some(&hash)).await.unwrap());
        // The dummy parses, fails every password, and carries the parameters real hashes do.
        assert!(!verify("correct horse battery", None).await.unwrap());
        let params = |h: &str| h.split('$').nth(3).unwrap().to_owned();
        assert_eq!(params(&DUMMY), params(&hash));
        // A salt per hash.
        assert_ne!(
            hash,
            super::hash("correct horse battery".to_owned())
                .await
                .unwrap()
        );
    }

    #[test]
    fn the_policy_counts_characters_and_bytes() {
        let violations = |p: &str| {
            let mut v = Violations::default();
            check(&mut v, "password", p);
            v
        };
        assert!(violations("twelve chars").is_empty());
        assert!(!violations("eleven char").is_empty());
        // Twelve characters, 24 bytes.
        assert!(violations("éééééééééééé").is_empty());
        assert!(violations(&"x".repeat(MAX_BYTES)).is_empty());
        assert!(!violations(&"x".repeat(MAX_BYTES + 1)).is_empty());
    }
}
