//! Client authentication at the token, revocation and introspection endpoints:
//! `client_secret_basic` (RFC 6749 2.3.1: the id and secret form-urlencoded, then Basic) or
//! `client_secret_post`, or a public client's `client_id` alone; never two methods at once.
//! And the token endpoint's limit per client.

use std::{num::NonZeroU32, time::Duration};

use base64::Engine as _;
use governor::{
    Quota, RateLimiter,
    clock::{Clock, DefaultClock},
    state::keyed::DefaultKeyedStateStore,
};
use http::{HeaderMap, header};

use super::OAuthError;
use crate::form::Form;

pub struct ClientAuth {
    pub client_id: String,
    pub client_secret: String,
    /// Whether the client used HTTP Basic (a refusal then challenges it).
    pub basic: bool,
}

fn decode_component(part: &str) -> Option<String> {
    form_urlencoded::parse(format!("v={part}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
}

/// The client of a request, as it authenticated (not yet verified: the service checks the
/// secret against its hash).
pub fn client_auth(headers: &HeaderMap, form: &Form) -> Result<ClientAuth, OAuthError> {
    let basic = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Basic ")
                .or_else(|| v.strip_prefix("basic "))
        });
    let in_body = !form.get("client_secret").is_empty();
    match basic {
        Some(encoded) => {
            if in_body {
                return Err(OAuthError::new(
                    "invalid_request",
                    "use one client authentication method, not both Basic and client_secret",
                ));
            }
            let bad = || {
                let mut e = OAuthError::new("invalid_client", "malformed Basic credentials");
                e.basic_challenge = true;
                e
            };
            let decoded = base64::engine::general_purpose::STANDARD
                .decode(encoded.trim())
                .map_err(|_| bad())?;
            let decoded = String::from_utf8(decoded).map_err(|_| bad())?;
            let (id, secret) = decoded.split_once(':').ok_or_else(bad)?;
            let (id, secret) = (
                decode_component(id).ok_or_else(bad)?,
                decode_component(secret).ok_or_else(bad)?,
            );
            let body_id = form.get("client_id");
            if !body_id.is_empty() && body_id != id {
                return Err(OAuthError::new(
                    "invalid_request",
                    "client_id differs from the Basic credentials",
                ));
            }
            Ok(ClientAuth {
                client_id: id,
                client_secret: secret,
                basic: true,
            })
        }
        None => {
            let client_id = form.get("client_id");
            if client_id.is_empty() {
                return Err(OAuthError::new(
                    "invalid_client",
                    "authenticate the client (Basic, or client_id in the body)",
                ));
            }
            Ok(ClientAuth {
                client_id: client_id.to_owned(),
                client_secret: form.get("client_secret").to_owned(),
                basic: false,
            })
        }
    }
}

/// Requests to the token endpoint per client and minute (`ASTERI_OAUTH_TOKEN_PER_MINUTE`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TokenLimits {
    pub per_minute: u32,
}

impl Default for TokenLimits {
    fn default() -> Self {
        Self { per_minute: 60 }
    }
}

pub struct TokenThrottle {
    limiter: RateLimiter<String, DefaultKeyedStateStore<String>, DefaultClock>,
}

impl TokenThrottle {
    pub fn new(limits: TokenLimits) -> Self {
        let n = NonZeroU32::new(limits.per_minute.max(1)).unwrap_or(NonZeroU32::MIN);
        Self {
            limiter: RateLimiter::keyed(Quota::per_minute(n).allow_burst(n)),
        }
    }

    /// Spends one request of the client's allowance, or says how long to wait.
    pub fn spend(&self, client_id: &str) -> Result<(), Duration> {
        self.limiter
            .check_key(&client_id.to_owned())
            .map_err(|not_until| not_until.wait_time_from(DefaultClock::default().now()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(auth: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::AUTHORIZATION, auth.parse().unwrap());
        h
    }

    #[test]
    fn basic_credentials_are_form_decoded_and_one_method_only() {
        // RFC 6749 2.3.1: "app_1" and "a+b%3Ac" (a secret with ':' escaped).
        let encoded = base64::engine::general_purpose::STANDARD.encode("app_1:a%2Bb%3Ac");
        let auth = client_auth(
            &headers(&format!("Basic {encoded}")),
            &Form::parse(b"grant_type=x"),
        )
        .unwrap();
        assert_eq!(
            (
                auth.client_id.as_str(),
                auth.client_secret.as_str(),
                auth.basic
            ),
            ("app_1", "a+b:c", true)
        );
        let both = client_auth(
            &headers(&format!("Basic {encoded}")),
            &Form::parse(b"client_secret=s"),
        );
        assert_eq!(both.err().unwrap().code, "invalid_request");
        let post = client_auth(
            &HeaderMap::new(),
            &Form::parse(b"client_id=app_2&client_secret=s"),
        )
        .unwrap();
        assert_eq!(
            (
                post.client_id.as_str(),
                post.client_secret.as_str(),
                post.basic
            ),
            ("app_2", "s", false)
        );
        let none = client_auth(&HeaderMap::new(), &Form::parse(b"grant_type=x"));
        assert_eq!(none.err().unwrap().code, "invalid_client");
        let garbage = client_auth(&headers("Basic !!!"), &Form::parse(b""));
        assert!(garbage.err().unwrap().basic_challenge);
    }
}
