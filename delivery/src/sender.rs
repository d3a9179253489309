//! One delivery attempt: a signed POST to the endpoint, and what came of it.
//!
//! The client follows no redirect, uses no proxy, and resolves names only through the SSRF
//! guard; IP-literal URLs are judged before sending. Connections are pooled (keep-alive),
//! so deliveries to the same endpoint reuse them.

use std::error::Error as StdError;
use std::time::{Duration, Instant, SystemTime};

use bytes::Bytes;
use http::{HeaderMap, HeaderValue, StatusCode, header};
use tokio::time::timeout_at;

use crate::schedule::retry_after;
use crate::signing;
use crate::ssrf::{self, GuardedResolver, UrlRefusal};

/// The most of a response body that is kept (and, give or take one chunk, read).
pub const MAX_RESPONSE_BODY: usize = 4096;
pub const USER_AGENT: &str = "Asteri-Webhooks/1";

#[derive(Debug, Clone)]
pub struct SenderConfig {
    /// The whole exchange: connect, request, response head and the body we read.
    pub timeout: Duration,
    /// Dev mode: private, loopback and link-local targets are allowed.
    pub allow_private: bool,
}

impl Default for SenderConfig {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(15),
            allow_private: false,
        }
    }
}

/// What is sent: `body` signed with each of `secrets` (two during a rotation's grace period).
#[derive(Debug, Clone)]
pub struct Message<'a> {
    pub url: &'a str,
    /// The `webhook-id` (the event's id, the same on every attempt).
    pub id: &'a str,
    /// The `webhook-timestamp`, Unix seconds.
    pub timestamp: i64,
    pub body: Bytes,
    pub secrets: &'a [&'a str],
}

/// The record of one attempt.
#[derive(Clone, Debug)]
pub struct Outcome {
    /// `None` when there was no HTTP answer.
    pub status_code: Option<u16>,
    /// At most the first 4096 bytes of the body, lossy UTF-8, cut on a char boundary.
    pub response_body: String,
    /// Short, and free of secrets and URLs: "timeout", "connection refused",
    /// "redirect not followed (302)", "refused: ...", "HTTP 500", ...; `None` on 2xx.
    pub error: Option<String>,
    pub duration: Duration,
    /// The parsed `Retry-After` of a 429 or 503 answer.
    pub retry_after: Option<Duration>,
}

impl Outcome {
    /// The receiver answered 2xx.
    pub fn success(&self) -> bool {
        self.status_code.is_some_and(|s| (200..300).contains(&s))
    }

    /// The receiver answered 410 Gone: it wants no more deliveries.
    pub fn gone(&self) -> bool {
        self.status_code == Some(410)
    }

    fn failed(error: impl Into<String>, started: Instant) -> Self {
        Self {
            status_code: None,
            response_body: String::new(),
            error: Some(error.into()),
            duration: started.elapsed(),
            retry_after: None,
        }
    }
}

/// Sends deliveries. Cheap to clone: clones share the connection pool.
#[derive(Clone)]
pub struct Sender {
    client: reqwest::Client,
    config: SenderConfig,
}

impl std::fmt::Debug for Sender {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sender")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl Sender {
    /// Installs ring as the process's rustls provider if none is installed yet (never
    /// aws-lc-rs), then builds the client.
    pub fn new(config: SenderConfig) -> Self {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .dns_resolver(GuardedResolver::new(config.allow_private))
            .user_agent(USER_AGENT)
            .tcp_nodelay(true)
            .pool_idle_timeout(Duration::from_secs(60))
            .build()
            .expect("the webhook HTTP client builds");
        Self { client, config }
    }

    pub fn config(&self) -> &SenderConfig {
        &self.config
    }

    /// One attempt. Never fails: every problem is an [`Outcome`] with an error.
    pub async fn send(&self, m: &Message<'_>) -> Outcome {
        let started = Instant::now();
        let deadline = tokio::time::Instant::from_std(started) + self.config.timeout;

        let url = match ssrf::parse(m.url) {
            Ok(url) => url,
            Err(refusal) => return Outcome::failed(format!("refused: url {refusal}"), started),
        };
        // Literals never reach the resolver, so they are judged here.
        if let Some(ip) = ssrf::literal_ip(&url)
            && !self.config.allow_private
            && ssrf::is_forbidden(ip)
        {
            return Outcome::failed(format!("refused: {}", UrlRefusal::Forbidden(ip)), started);
        }
        let headers = match headers(m) {
            Ok(h) => h,
            Err(e) => return Outcome::failed(e, started),
        };

        let request = self
            .client
            .post(url)
            .headers(headers)
            .body(m.body.clone())
            .send();
        let response = match timeout_at(deadline, request).await {
            Err(_) => return Outcome::failed("timeout", started),
            Ok(Err(e)) => {
                let error = describe(&e);
                tracing::info!(
                    webhook_id = m.id,
                    error = %error_chain(&e.without_url()),
                    "webhook delivery got no answer"
                );
                return Outcome::failed(error, started);
            }
            Ok(Ok(response)) => response,
        };

        let status = response.status();
        let retry_after = match status {
            StatusCode::TOO_MANY_REQUESTS | StatusCode::SERVICE_UNAVAILABLE => response
                .headers()
                .get(header::RETRY_AFTER)
                .and_then(|v| retry_after(v, SystemTime::now())),
            _ => None,
        };
        let error = if status.is_success() {
            None
        } else if status.is_redirection() {
            Some(format!("redirect not followed ({})", status.as_u16()))
        } else {
            Some(format!("HTTP {}", status.as_u16()))
        };
        // The answer is in: a body that fails or stalls changes nothing but what we keep.
        let response_body = read_body(response, deadline, m.id).await;

        Outcome {
            status_code: Some(status.as_u16()),
            response_body,
            error,
            duration: started.elapsed(),
            retry_after,
        }
    }
}

fn headers(m: &Message<'_>) -> Result<HeaderMap, &'static str> {
    if m.secrets.is_empty() {
        return Err("refused: no signing secret");
    }
    let signature = signing::signature_header(m.secrets, m.id, m.timestamp, &m.body)
        .map_err(|_| "refused: malformed signing secret")?;
    let mut h = HeaderMap::with_capacity(4);
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    h.insert(
        "webhook-id",
        HeaderValue::from_str(m.id).map_err(|_| "refused: webhook id is not a header value")?,
    );
    h.insert("webhook-timestamp", HeaderValue::from(m.timestamp));
    h.insert(
        "webhook-signature",
        HeaderValue::from_str(&signature).expect("base64 is a header value"),
    );
    Ok(h)
}

/// Reads chunk by chunk, never more than [`MAX_RESPONSE_BODY`] plus one chunk, until the
/// deadline at most.
async fn read_body(
    mut response: reqwest::Response,
    deadline: tokio::time::Instant,
    id: &str,
) -> String {
    let mut kept: Vec<u8> = Vec::new();
    let mut more = false;
    loop {
        match timeout_at(deadline, response.chunk()).await {
            Ok(Ok(Some(chunk))) => {
                let room = MAX_RESPONSE_BODY - kept.len();
                kept.extend_from_slice(&chunk[..chunk.len().min(room)]);
                if chunk.len() > room {
                    more = true;
                }
                if kept.len() >= MAX_RESPONSE_BODY {
                    // Dropping the response closes the connection rather than read the rest.
                    more = true;
                    break;
                }
            }
            Ok(Ok(None)) => break,
            Ok(Err(e)) => {
                tracing::debug!(webhook_id = id, error = %error_chain(&e.without_url()), "webhook response body cut short");
                break;
            }
            Err(_) => {
                tracing::debug!(
                    webhook_id = id,
                    "webhook response body still coming at the deadline"
                );
                break;
            }
        }
    }
    lossy_prefix(&kept, more)
}

/// Lossy UTF-8 of at most [`MAX_RESPONSE_BODY`] bytes; when the body went on, a character
/// cut in two at the end is dropped rather than replaced.
fn lossy_prefix(bytes: &[u8], cut: bool) -> String {
    let mut out = String::with_capacity(bytes.len());
    let mut chunks = bytes.utf8_chunks().peekable();
    while let Some(chunk) = chunks.next() {
        out.push_str(chunk.valid());
        let cut_char = cut && chunks.peek().is_none();
        if !chunk.invalid().is_empty() && !cut_char {
            out.push(char::REPLACEMENT_CHARACTER);
        }
    }
    // Replacement characters are longer than the bytes they stand for.
    let end = out.floor_char_boundary(MAX_RESPONSE_BODY);
    out.truncate(end);
    out
}

/// The short text of a transport error: no URL, no secret.
fn describe(e: &reqwest::Error) -> String {
    let mut source: Option<&(dyn StdError + 'static)> = Some(e);
    while let Some(err) = source {
        if let Some(text) = classify(err) {
            return text;
        }
        source = err.source();
    }
    if e.is_timeout() {
        "timeout".to_owned()
    } else if e.is_connect() {
        "connection failed".to_owned()
    } else {
        "request failed".to_owned()
    }
}

fn classify(err: &(dyn StdError + 'static)) -> Option<String> {
    if let Some(refusal) = err.downcast_ref::<UrlRefusal>() {
        return Some(match refusal {
            UrlRefusal::Unresolvable => "host could not be resolved".to_owned(),
            other => format!("refused: {other}"),
        });
    }
    if let Some(tls) = err.downcast_ref::<rustls::Error>() {
        return Some(match tls {
            rustls::Error::InvalidCertificate(_) => "TLS certificate not accepted".to_owned(),
            _ => "TLS handshake failed".to_owned(),
        });
    }
    if let Some(io) = err.downcast_ref::<std::io::Error>() {
        // An io::Error's source() skips the error it wraps: look at it here.
        if let Some(text) = io.get_ref().and_then(|inner| classify(inner)) {
            return Some(text);
        }
        use std::io::ErrorKind::*;
        let text = match io.kind() {
            ConnectionRefused => "connection refused",
            ConnectionReset => "connection reset",
            ConnectionAborted => "connection aborted",
            TimedOut => "timeout",
            HostUnreachable | NetworkUnreachable => "host unreachable",
            UnexpectedEof => "connection closed before an answer",
            _ => return None,
        };
        return Some(text.to_owned());
    }
    if let Some(h) = err.downcast_ref::<hyper::Error>() {
        if h.is_incomplete_message() {
            return Some("connection closed before an answer".to_owned());
        }
        if h.is_parse() {
            return Some("invalid HTTP response".to_owned());
        }
    }
    None
}

/// "a: b: c" over an error's source chain, for the logs.
fn error_chain(e: &(dyn StdError + 'static)) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(err) = source {
        let next = err.to_string();
        if !text.ends_with(&next) {
            text.push_str(": ");
            text.push_str(&next);
        }
        source = err.source();
    }
    text
}

#[cfg(test)]
mod tests;
