//! Streaming routes, chosen by an RPC's streaming shape, never by resource:
//!
//! - **client-streaming, bound to POST** (an upload): the body is `multipart/form-data` with
//!   the content in the part named `file`. The request message has one message field (the
//!   metadata, sent first: its `name` and `mime_type` fields, where they exist, come from the
//!   part's filename and Content-Type, or from the content's first bytes) and one `bytes` field
//!   (the content, sent in messages of at most [`CHUNK_BYTES`]). Nothing is buffered beyond a
//!   few chunks. The stream ends cleanly only once the part was read whole; a request that
//!   fails half-way resets the call, so the service never mistakes it for a complete upload.
//! - **server-streaming, bound to GET** (a download): the response message has one message
//!   field (the resource, set on the first message) and one `bytes` field; the bytes become
//!   the HTTP body, with Content-Type, Content-Length and Content-Disposition taken from the
//!   resource's `mime_type`, `size_bytes` and `name` fields.
//!
//! Authentication, organization, scope, rate limits, request ids and errors are those of every
//! route (`Gateway::handle`); `Idempotency-Key` works on uploads too (see [`upload`]).

use std::sync::{
    Arc,
    atomic::{AtomicBool, Ordering},
};

use axum::{
    body::{Body, Bytes},
    extract::{FromRequest as _, Multipart, Request, multipart::MultipartError},
    response::Response,
};
use bytes::BytesMut;
use futures::{Stream, StreamExt as _, TryStreamExt as _};
use http::{HeaderValue, StatusCode, header};
use prost_reflect::{DynamicMessage, FieldDescriptor, Kind, MessageDescriptor, Value};
use sha2::{Digest as _, Sha256};
use tokio::sync::{mpsc, oneshot};

use crate::{
    Admitted, Gateway,
    error::ApiError,
    grpc::{self, Frame},
    idempotency, outcome, replayable,
    transcode::{self, Route},
    upstream::Upstream,
};

/// The largest content message sent to a service.
pub const CHUNK_BYTES: usize = 64 * 1024;
/// How much of the content is looked at to guess a type the client did not give.
const SNIFF_BYTES: usize = 512;
const FORM: &str = "multipart/form-data with the content in a part named `file`";
const PART: &str = "file";
const OCTET_STREAM: &str = "application/octet-stream";

fn single(desc: &MessageDescriptor, want: fn(&Kind) -> bool) -> Vec<FieldDescriptor> {
    desc.fields()
        .filter(|f| !f.is_list() && !f.is_map() && want(&f.kind()))
        .collect()
}

fn named(
    desc: &MessageDescriptor,
    names: &[&str],
    want: fn(&Kind) -> bool,
) -> Option<FieldDescriptor> {
    names
        .iter()
        .find_map(|n| desc.get_field_by_name(n))
        .filter(|f| !f.is_list() && want(&f.kind()))
}

fn is_bytes(k: &Kind) -> bool {
    matches!(k, Kind::Bytes)
}

fn is_message(k: &Kind) -> bool {
    matches!(k, Kind::Message(_))
}

fn is_string(k: &Kind) -> bool {
    matches!(k, Kind::String)
}

fn is_integer(k: &Kind) -> bool {
    matches!(k, Kind::Int64 | Kind::Uint64 | Kind::Int32 | Kind::Uint32)
}

/// The one bytes field and the one message field of a streamed message.
fn bytes_and_message(
    desc: &MessageDescriptor,
) -> Result<(FieldDescriptor, FieldDescriptor, MessageDescriptor), String> {
    let (bytes, messages) = (single(desc, is_bytes), single(desc, is_message));
    match (bytes.as_slice(), messages.as_slice()) {
        ([data], [message]) => match message.kind() {
            Kind::Message(inner) => Ok((data.clone(), message.clone(), inner)),
            _ => Err(format!(
                "{}: {} is not a message",
                desc.full_name(),
                message.name()
            )),
        },
        _ => Err(format!(
            "{} needs exactly one bytes field and one message field",
            desc.full_name()
        )),
    }
}

/// How an upload's request messages are built.
pub struct UploadLayout {
    input: MessageDescriptor,
    chunk: FieldDescriptor,
    metadata: FieldDescriptor,
    metadata_desc: MessageDescriptor,
    name: Option<FieldDescriptor>,
    mime_type: Option<FieldDescriptor>,
}

impl UploadLayout {
    pub fn of(input: &MessageDescriptor) -> Result<Self, String> {
        let (chunk, metadata, metadata_desc) = bytes_and_message(input)?;
        Ok(Self {
            input: input.clone(),
            name: named(
                &metadata_desc,
                &["name", "filename", "file_name"],
                is_string,
            ),
            mime_type: named(&metadata_desc, &["mime_type", "content_type"], is_string),
            chunk,
            metadata,
            metadata_desc,
        })
    }

    fn metadata_message(&self, name: &str, mime_type: &str) -> DynamicMessage {
        let mut meta = DynamicMessage::new(self.metadata_desc.clone());
        for (field, value) in [(&self.name, name), (&self.mime_type, mime_type)] {
            if let Some(field) = field {
                meta.set_field(field, Value::String(value.to_owned()));
            }
        }
        let mut message = DynamicMessage::new(self.input.clone());
        message.set_field(&self.metadata, Value::Message(meta));
        message
    }

    fn chunk_message(&self, bytes: Bytes) -> DynamicMessage {
        let mut message = DynamicMessage::new(self.input.clone());
        message.set_field(&self.chunk, Value::Bytes(bytes));
        message
    }
}

/// Where a download's parts are in its response messages.
pub struct DownloadLayout {
    data: FieldDescriptor,
    resource: FieldDescriptor,
    mime_type: Option<FieldDescriptor>,
    size: Option<FieldDescriptor>,
    name: Option<FieldDescriptor>,
}

impl DownloadLayout {
    pub fn of(output: &MessageDescriptor) -> Result<Self, String> {
        let (data, resource, desc) = bytes_and_message(output)?;
        Ok(Self {
            mime_type: named(&desc, &["mime_type", "content_type"], is_string),
            size: named(&desc, &["size_bytes", "size"], is_integer),
            name: named(&desc, &["name", "filename", "file_name"], is_string),
            data,
            resource,
        })
    }

    fn data(&self, message: &DynamicMessage) -> Bytes {
        match message.get_field(&self.data).as_ref() {
            Value::Bytes(b) => b.clone(),
            _ => Bytes::new(),
        }
    }
}

fn unreadable(err: MultipartError) -> ApiError {
    ApiError::invalid(format!(
        "the multipart body could not be read: {}",
        err.body_text()
    ))
}

fn extra_part(name: Option<&str>) -> ApiError {
    ApiError::invalid_field(
        name.unwrap_or("(unnamed part)"),
        "is not a part of this form: send only a part named file",
    )
}

fn is_form(headers: &http::HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|ct| ct.split(';').next())
        .is_some_and(|essence| essence.trim().eq_ignore_ascii_case("multipart/form-data"))
}

/// A media type guessed from the first bytes of some common formats.
fn sniff(head: &[u8]) -> Option<&'static str> {
    const SIGNATURES: &[(&[u8], &str)] = &[
        (b"\x89PNG\r\n\x1a\n", "image/png"),
        (b"\xff\xd8\xff", "image/jpeg"),
        (b"GIF87a", "image/gif"),
        (b"GIF89a", "image/gif"),
        (b"%PDF-", "application/pdf"),
        (b"PK\x03\x04", "application/zip"),
        (b"\x1f\x8b", "application/gzip"),
    ];
    if head.len() >= 12 && head.starts_with(b"RIFF") && &head[8..12] == b"WEBP" {
        return Some("image/webp");
    }
    SIGNATURES
        .iter()
        .find(|(magic, _)| head.starts_with(magic))
        .map(|(_, mime)| *mime)
}

/// The request stream: the pumped messages, then a clean end only if `complete` was set
/// before the sender went away, else [`Frame::Abort`].
fn frames(
    rx: mpsc::Receiver<DynamicMessage>,
    complete: Arc<AtomicBool>,
) -> impl Stream<Item = Frame> + Send + 'static {
    let messages = futures::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|m| (Frame::Message(m), rx))
    });
    let end =
        futures::stream::once(
            async move { (!complete.load(Ordering::SeqCst)).then_some(Frame::Abort) },
        )
        .filter_map(futures::future::ready);
    messages.chain(end)
}

/// How the pump stopped.
enum Pumped {
    /// The part was read whole and sent; the call waits for the end of the stream.
    Whole { fingerprint: Option<String> },
    /// The call stopped taking messages: its answer says why.
    CallEnded,
}

/// Uploads a `multipart/form-data` body through a client-streaming RPC.
///
/// With an `Idempotency-Key`, the fingerprint covers the part's filename and Content-Type and
/// the SHA-256 of its content. The key is claimed once the part has been read whole and
/// before the stream is allowed to end: a replayed or refused retry resets its call, so the
/// service drops what it received and only the first request creates anything.
pub(crate) async fn upload(
    gw: &Gateway,
    route: &Route,
    channel: Upstream,
    admitted: Admitted,
    request: Request,
) -> Result<Response, ApiError> {
    let layout = UploadLayout::of(&route.method.descriptor.input())
        .map_err(|problem| ApiError::Internal(problem.into()))?;
    let (parts, body) = request.into_parts();
    let key = Gateway::idempotency_key(&parts)?;
    if parts.uri.query().is_some_and(|q| !q.is_empty()) {
        return Err(ApiError::invalid("this route takes no query parameters"));
    }
    if !is_form(&parts.headers) {
        return Err(ApiError::UnsupportedMediaType(FORM));
    }
    let (method, path) = (parts.method.clone(), parts.uri.path().to_owned());
    let mut multipart = Multipart::from_request(Request::from_parts(parts, body), &())
        .await
        .map_err(|rejection| ApiError::invalid(rejection.body_text()))?;

    let fingerprinted = key.is_some();
    let (tx, rx) = mpsc::channel::<DynamicMessage>(4);
    let complete = Arc::new(AtomicBool::new(false));
    let (started_tx, started_rx) = oneshot::channel::<()>();
    let call_request = admitted.call(&route.method.grpc_path, frames(rx, complete.clone()))?;
    let call = async {
        // The call starts once the file part is found and its metadata queued, so that a
        // malformed form never reaches the service.
        if started_rx.await.is_err() {
            return futures::future::pending().await;
        }
        let output = route.method.descriptor.output();
        grpc::client_streaming(channel, &route.method.grpc_path, call_request, output).await
    };
    let pump = async {
        let mut field = match multipart.next_field().await.map_err(unreadable)? {
            None => {
                return Err(ApiError::invalid_field(
                    PART,
                    "is required: send the content in a multipart/form-data part named file",
                ));
            }
            Some(field) if field.name() == Some(PART) => field,
            Some(field) => return Err(extra_part(field.name())),
        };
        let file_name = field.file_name().unwrap_or_default().to_owned();
        // As sent, not as parsed: a malformed type is the service's 422, not silently dropped.
        let declared = field
            .headers()
            .get(header::CONTENT_TYPE)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).trim().to_owned())
            .unwrap_or_default();
        let mut head = BytesMut::new();
        let mut ended = false;
        while head.len() < SNIFF_BYTES && !ended {
            match field.chunk().await.map_err(unreadable)? {
                Some(bytes) => head.extend_from_slice(&bytes),
                None => ended = true,
            }
        }
        let mime_type = if declared.is_empty() || declared.eq_ignore_ascii_case(OCTET_STREAM) {
            sniff(&head).unwrap_or(OCTET_STREAM).to_owned()
        } else {
            declared.clone()
        };
        let mut digest = fingerprinted.then(Sha256::new);
        // The call has not started, so its channel has room for this first message.
        tx.send(layout.metadata_message(&file_name, &mime_type))
            .await
            .map_err(|_| ApiError::Internal("the upload stream closed before it began".into()))?;
        let _ = started_tx.send(());
        let mut pending = head.freeze();
        loop {
            while !pending.is_empty() {
                let piece = pending.split_to(pending.len().min(CHUNK_BYTES));
                if let Some(digest) = &mut digest {
                    digest.update(&piece);
                }
                if tx.send(layout.chunk_message(piece)).await.is_err() {
                    return Ok(Pumped::CallEnded);
                }
            }
            if ended {
                break;
            }
            match field.chunk().await.map_err(unreadable)? {
                Some(bytes) => pending = bytes,
                None => ended = true,
            }
        }
        drop(field);
        if let Some(extra) = multipart.next_field().await.map_err(unreadable)? {
            return Err(extra_part(extra.name()));
        }
        let fingerprint = digest.map(|d| {
            let summary = format!("{file_name}\n{declared}\n{}", hex::encode(d.finalize()));
            idempotency::fingerprint(method.as_str(), &path, None, summary.as_bytes())
        });
        Ok(Pumped::Whole { fingerprint })
    };
    let (mut call, mut pump) = (Box::pin(call), Box::pin(pump));
    let pumped = tokio::select! {
        biased;
        // The service answered before the end of the upload: an error such as 413.
        answer = &mut call => return Ok(outcome(route, answer)?.into_response()),
        pumped = &mut pump => pumped?,
    };
    drop(pump);
    let fingerprint = match pumped {
        Pumped::CallEnded => return Ok(outcome(route, call.await)?.into_response()),
        Pumped::Whole { fingerprint } => fingerprint,
    };
    let claim = match (key, fingerprint) {
        (Some(key), Some(fingerprint)) => {
            let mut claim = gw.idempotent(&admitted, key, fingerprint);
            if let Some(replay) = claim.begin().await? {
                // `tx` goes without `complete`: the stream aborts, the service stores nothing.
                return Ok(replayable(replay, true));
            }
            Some(claim)
        }
        _ => None,
    };
    complete.store(true, Ordering::SeqCst);
    drop(tx);
    let result = outcome(route, call.await);
    if let Some(claim) = claim {
        claim.finish(&result).await;
    }
    Ok(result?.into_response())
}

/// `attachment` with the name as an ASCII fallback and as RFC 8187 UTF-8.
fn content_disposition(name: &str) -> HeaderValue {
    let fallback: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut encoded = String::new();
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
            encoded.push(char::from(b));
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    let value = if name.is_empty() {
        "attachment".to_owned()
    } else {
        format!("attachment; filename=\"{fallback}\"; filename*=UTF-8''{encoded}")
    };
    HeaderValue::from_str(&value).unwrap_or_else(|_| HeaderValue::from_static("attachment"))
}

/// Streams the bytes of a server-streaming RPC as the response body.
pub(crate) async fn download(
    gw: &Gateway,
    route: &Route,
    channel: Upstream,
    admitted: Admitted,
    request: Request,
) -> Result<Response, ApiError> {
    let layout = DownloadLayout::of(&route.method.descriptor.output())
        .map_err(|problem| ApiError::Internal(problem.into()))?;
    let (parts, body) = request.into_parts();
    let bytes = gw.read_body(&parts.headers, body).await?;
    let message = transcode::request_message(route, &admitted.params, parts.uri.query(), &bytes)?;
    let output = route.method.descriptor.output();
    let call = admitted.call(&route.method.grpc_path, message)?;
    let mut stream = grpc::server_streaming(channel, &route.method.grpc_path, call, output)
        .await
        .map_err(ApiError::Upstream)?;
    let first = stream
        .message()
        .await
        .map_err(ApiError::Upstream)?
        .ok_or_else(|| ApiError::Internal("the content stream ended before it began".into()))?;
    let Value::Message(resource) = first.get_field(&layout.resource).into_owned() else {
        return Err(ApiError::Internal(
            "the first message carries no resource".into(),
        ));
    };
    let text = |field: &Option<FieldDescriptor>| {
        field
            .as_ref()
            .and_then(|f| resource.get_field(f).as_str().map(str::to_owned))
            .unwrap_or_default()
    };
    let (mime_type, name) = (text(&layout.mime_type), text(&layout.name));
    let size = layout
        .size
        .as_ref()
        .and_then(|f| match resource.get_field(f).as_ref() {
            Value::I64(n) => u64::try_from(*n).ok(),
            Value::U64(n) => Some(*n),
            Value::I32(n) => u64::try_from(*n).ok(),
            Value::U32(n) => Some(u64::from(*n)),
            _ => None,
        });
    let head = layout.data(&first);
    let rest = stream.map_ok(move |m| layout.data(&m)).map_err(|status| {
        // Cut short: the client sees a body shorter than Content-Length.
        tracing::error!(code = ?status.code(), message = status.message(), "content stream failed");
        std::io::Error::other(status)
    });
    let chunks = futures::stream::once(async move { Ok::<_, std::io::Error>(head) })
        .chain(rest)
        .try_filter(|b| futures::future::ready(!b.is_empty()));
    let mut response = Response::new(Body::from_stream(chunks));
    *response.status_mut() = StatusCode::OK;
    let headers = response.headers_mut();
    let mime = HeaderValue::from_str(&mime_type)
        .ok()
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| HeaderValue::from_static(OCTET_STREAM));
    headers.insert(header::CONTENT_TYPE, mime);
    if let Some(size) = size {
        headers.insert(header::CONTENT_LENGTH, size.into());
    }
    headers.insert(header::CONTENT_DISPOSITION, content_disposition(&name));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_streaming_route_has_a_layout() {
        for method in proto::schema().methods().iter().filter(|m| m.is_public()) {
            for binding in &method.http {
                let route = Route::new(method.clone(), binding.clone());
                assert!(
                    route.check_shape().is_ok(),
                    "{}: {:?}",
                    method.grpc_path,
                    route.check_shape()
                );
            }
        }
    }

    #[test]
    fn sniffs_common_formats() {
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n...."), Some("image/png"));
        assert_eq!(sniff(b"%PDF-1.7"), Some("application/pdf"));
        assert_eq!(sniff(b"RIFF\0\0\0\0WEBPVP8 "), Some("image/webp"));
        assert_eq!(sniff(b"hello"), None);
    }

    #[test]
    fn dispositions_are_safe_headers() {
        let v = content_disposition("r\u{e9}sum\u{e9} \"final\".pdf");
        let s = v.to_str().unwrap();
        assert!(
            s.starts_with("attachment; filename=\"r_sum_ _final_.pdf\""),
            "{s}"
        );
        assert!(
            s.ends_with("filename*=UTF-8''r%C3%A9sum%C3%A9%20%22final%22.pdf"),
            "{s}"
        );
        assert_eq!(content_disposition("").to_str().unwrap(), "attachment");
    }
}
