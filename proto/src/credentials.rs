//! The contract's credential headers (CONTRACT section 3), parsed in this one place for both
//! doors: REST requests at the gateway and gRPC metadata at the services.
//!
//! - `x-api-key: ast_live_...` / `ast_test_...`, or `Authorization: Bearer <token>`;
//! - a partner app's OAuth access token `ast_oat_...` (CONTRACT section 11), in either;
//! - internal service credentials are `ast_int_...` tokens in either header;
//! - `x-organization-id` pins the organization; `x-request-id` carries the request id.

use http::HeaderMap;

pub const API_KEY_HEADER: &str = "x-api-key";
pub const ORGANIZATION_HEADER: &str = "x-organization-id";
pub const REQUEST_ID_HEADER: &str = "x-request-id";
/// Names the internal caller in audit records (optional, with an internal credential).
pub const SERVICE_NAME_HEADER: &str = "x-asteri-service";
/// The dashboard user (`usr_...`) an internal call acts for: with the internal credential
/// only, the call is audited with the actor `user` and this id (CONTRACT section 10).
pub const USER_HEADER: &str = "x-asteri-user";

/// Set by the gateway on the calls it forwards, with the internal credential as its value:
/// the request was counted against its key's budget (and recorded in the request history)
/// at the REST door, so the gRPC door must not count or record it again. Only a holder of
/// the internal credential can set it.
pub const EDGE_COUNTED_HEADER: &str = "x-asteri-edge-counted";

/// The headers above as [`HeaderName`](http::HeaderName)s, made at compile time, for
/// lookups in an `http::HeaderMap`. Why: a lookup by `&str` parses the name first (checks
/// and lowercases every byte) on every request, in every layer that reads it; these are
/// hashed as they are.
pub mod names {
    use http::HeaderName;

    pub const API_KEY: HeaderName = HeaderName::from_static(super::API_KEY_HEADER);
    pub const ORGANIZATION: HeaderName = HeaderName::from_static(super::ORGANIZATION_HEADER);
    pub const REQUEST_ID: HeaderName = HeaderName::from_static(super::REQUEST_ID_HEADER);
    pub const SERVICE_NAME: HeaderName = HeaderName::from_static(super::SERVICE_NAME_HEADER);
    pub const USER: HeaderName = HeaderName::from_static(super::USER_HEADER);
    pub const EDGE_COUNTED: HeaderName = HeaderName::from_static(super::EDGE_COUNTED_HEADER);
}

/// The longest `Idempotency-Key` (REST header, gRPC metadata) the platform keeps.
pub const IDEMPOTENCY_KEY_MAX_LEN: usize = 255;

/// Whether an `Idempotency-Key` is acceptable at either door: 1 to 255 visible ASCII
/// characters.
pub fn valid_idempotency_key(key: &str) -> bool {
    !key.is_empty()
        && key.len() <= IDEMPOTENCY_KEY_MAX_LEN
        && key.bytes().all(|b| b.is_ascii_graphic())
}

pub const LIVE_PREFIX: &str = "ast_live_";
pub const TEST_PREFIX: &str = "ast_test_";
pub const INTERNAL_PREFIX: &str = "ast_int_";
/// An OAuth access token of a partner app (CONTRACT section 11).
pub const ACCESS_TOKEN_PREFIX: &str = "ast_oat_";

#[derive(Clone, PartialEq, Eq)]
pub enum Credential {
    /// A customer's API key secret.
    ApiKey(String),
    /// An internal service token.
    Internal(String),
    /// A partner app's OAuth access token (`Authorization: Bearer ast_oat_...`).
    AccessToken(String),
}

impl std::fmt::Debug for Credential {
    // Secrets never reach logs, not even through Debug.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::ApiKey(_) => f.write_str("ApiKey(<redacted>)"),
            Self::Internal(_) => f.write_str("Internal(<redacted>)"),
            Self::AccessToken(_) => f.write_str("AccessToken(<redacted>)"),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CredentialError {
    Missing,
    Malformed,
}

impl CredentialError {
    pub fn message(self) -> &'static str {
        match self {
            Self::Missing => {
                "no credential: send your API key in x-api-key or Authorization: Bearer"
            }
            Self::Malformed => {
                "the credential is malformed: expected an ast_live_ or ast_test_ API key (or an ast_oat_ access token)"
            }
        }
    }
}

/// Maximum length of any credential we look at; longer values are malformed.
const MAX_LEN: usize = 256;

/// Finds the caller's credential. Garbage (non-ASCII, wrong scheme, unknown prefix, two
/// different credentials) is `Malformed`, never a panic.
pub fn credential(headers: &HeaderMap) -> Result<Credential, CredentialError> {
    let api_key = headers
        .get(&names::API_KEY)
        .map(|v| v.to_str().map(str::trim));
    let bearer = headers.get(http::header::AUTHORIZATION).map(|v| {
        let v = v.to_str().map_err(|_| CredentialError::Malformed)?.trim();
        match v.split_once(' ') {
            Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") => Ok(token.trim()),
            _ => Err(CredentialError::Malformed),
        }
    });
    let token = match (api_key, bearer) {
        (None, None) => return Err(CredentialError::Missing),
        (Some(k), None) => k.map_err(|_| CredentialError::Malformed)?,
        (None, Some(b)) => b?,
        (Some(k), Some(b)) => {
            let (k, b) = (k.map_err(|_| CredentialError::Malformed)?, b?);
            if k != b {
                return Err(CredentialError::Malformed);
            }
            k
        }
    };
    if token.is_empty()
        || token.len() > MAX_LEN
        || !token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_')
    {
        return Err(CredentialError::Malformed);
    }
    if token.starts_with(INTERNAL_PREFIX) {
        Ok(Credential::Internal(token.to_owned()))
    } else if token.starts_with(ACCESS_TOKEN_PREFIX) {
        Ok(Credential::AccessToken(token.to_owned()))
    } else if token.starts_with(LIVE_PREFIX) || token.starts_with(TEST_PREFIX) {
        Ok(Credential::ApiKey(token.to_owned()))
    } else {
        Err(CredentialError::Malformed)
    }
}

/// The pinned organization id, if the header is present and printable.
pub fn organization(headers: &HeaderMap) -> Option<Result<&str, ()>> {
    headers
        .get(&names::ORGANIZATION)
        .map(|v| v.to_str().map(str::trim).map_err(|_| ()))
}

/// A new request id, `req_` and a UUIDv7 in lowercase hex: what every door gives a request
/// that came without a valid one of its own (the gateway, the gRPC door, the dashboard's
/// calls). Beside `storage::ids::new_id`, which makes resource ids the same way, since
/// storage knows no proto: written into a string of its size, not through `format!`
/// (every REST request takes one; `core::fmt` was half an id's cost).
pub fn new_request_id() -> String {
    let mut hex = [0; uuid::fmt::Simple::LENGTH];
    let hex = uuid::Uuid::now_v7().simple().encode_lower(&mut hex);
    let mut id = String::with_capacity("req_".len() + hex.len());
    id.push_str("req_");
    id.push_str(hex);
    id
}

/// A caller-chosen request id is kept when it is 1 to 128 characters of `[A-Za-z0-9_.:-]`.
pub fn valid_request_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 128
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_.:-".contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &[u8])]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(
                http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                http::HeaderValue::from_bytes(v).unwrap(),
            );
        }
        h
    }

    #[test]
    fn parses_both_headers_and_rejects_garbage() {
        let k = "ast_test_abc123";
        assert_eq!(
            credential(&headers(&[("x-api-key", k.as_bytes())])),
            Ok(Credential::ApiKey(k.into()))
        );
        assert_eq!(
            credential(&headers(&[(
                "authorization",
                format!("bearer {k}").as_bytes()
            )])),
            Ok(Credential::ApiKey(k.into()))
        );
        assert_eq!(credential(&headers(&[])), Err(CredentialError::Missing));
        for bad in [
            &b"Basic abc"[..],
            b"Bearer",
            b"Bearer sk_live_x",
            b"Bearer ast_live_\xff",
        ] {
            assert_eq!(
                credential(&headers(&[("authorization", bad)])),
                Err(CredentialError::Malformed)
            );
        }
        assert_eq!(
            credential(&headers(&[("x-api-key", b"ast_live_a;b")])),
            Err(CredentialError::Malformed)
        );
        assert_eq!(
            credential(&headers(&[
                ("x-api-key", b"ast_live_a"),
                ("authorization", b"Bearer ast_live_b")
            ])),
            Err(CredentialError::Malformed)
        );
    }

    #[test]
    fn access_tokens_are_their_own_credential() {
        let t = "ast_oat_0123abcd";
        assert_eq!(
            credential(&headers(&[(
                "authorization",
                format!("Bearer {t}").as_bytes()
            )])),
            Ok(Credential::AccessToken(t.into()))
        );
        assert_eq!(
            format!("{:?}", Credential::AccessToken(t.into())),
            "AccessToken(<redacted>)"
        );
        // A refresh token or a code is never a credential.
        for other in ["ast_ort_0123", "ast_oac_0123"] {
            assert_eq!(
                credential(&headers(&[(
                    "authorization",
                    format!("Bearer {other}").as_bytes()
                )])),
                Err(CredentialError::Malformed)
            );
        }
    }

    #[test]
    fn request_ids() {
        assert!(valid_request_id("req_123"));
        assert!(!valid_request_id(""));
        assert!(!valid_request_id("a b"));
        assert!(!valid_request_id(&"a".repeat(129)));
        let made = new_request_id();
        assert!(valid_request_id(&made), "{made}");
        let uuid = uuid::Uuid::parse_str(made.strip_prefix("req_").unwrap()).unwrap();
        assert_eq!(uuid.get_version_num(), 7);
        assert_eq!(made, format!("req_{}", uuid.simple()));
    }
}
