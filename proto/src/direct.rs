//! Unary RPCs called in process: the request message's bytes in, the answer's framed bytes out,
//! with the caller's metadata and extensions on the `tonic::Request` as a tonic server would
//! put them. `build.rs` generates one `<Service>Direct` per service of the contract beside
//! tonic's servers, so both call the same trait methods.
//!
//! Why: in the one-process topology (`serve --role all`) the gateway called its services
//! through tonic's client and server over an in-memory HTTP/2-shaped exchange: a streaming
//! body encoded into an 8 KiB buffer, decoded again from another, the path routed twice. A
//! `Direct` call keeps the protobuf bytes (the gateway encodes the request from its JSON
//! and renders the answer's JSON from its bytes) and drops the rest.

use std::{future::Future, pin::Pin};

pub use bytes::Bytes;
use prost::Message;
use tonic::Status;

/// The gRPC protocol's own headers and trailers, as [`HeaderName`](http::HeaderName)s made
/// at compile time for both doors' lookups (see [`crate::credentials::names`]).
pub mod names {
    use http::HeaderName;

    pub const GRPC_STATUS: HeaderName = HeaderName::from_static("grpc-status");
    pub const GRPC_MESSAGE: HeaderName = HeaderName::from_static("grpc-message");
    pub const GRPC_STATUS_DETAILS: HeaderName = HeaderName::from_static("grpc-status-details-bin");
    pub const GRPC_ENCODING: HeaderName = HeaderName::from_static("grpc-encoding");
    pub const GRPC_ACCEPT_ENCODING: HeaderName = HeaderName::from_static("grpc-accept-encoding");
}

/// One call in flight.
pub type Call = Pin<Box<dyn Future<Output = Result<tonic::Response<Bytes>, Status>> + Send>>;

/// One service's unary RPCs.
pub trait Direct: Send + Sync + 'static {
    /// The service's full name (`asteri.v1.CustomersService`).
    fn service(&self) -> &'static str;

    /// Calls `method` (its name in the proto, `GetCustomer`) with the encoded request; the
    /// answer comes framed ([`encode`]). `None` when the service has no unary method of
    /// that name.
    fn unary(&self, method: &str, request: tonic::Request<Bytes>) -> Option<Call>;
}

/// The request message, or `INTERNAL` as tonic's codec answers a message it cannot decode.
pub fn decode<M: Message + Default>(
    request: tonic::Request<Bytes>,
) -> Result<tonic::Request<M>, Status> {
    let (metadata, extensions, bytes) = request.into_parts();
    let message = M::decode(bytes).map_err(|e| Status::internal(e.to_string()))?;
    Ok(tonic::Request::from_parts(metadata, extensions, message))
}

/// The answer, already framed as one gRPC message (what a unary answer's body is), encoded
/// into the buffer that carries it.
pub fn encode<M: Message>(response: tonic::Response<M>) -> Result<tonic::Response<Bytes>, Status> {
    let (metadata, message, extensions) = response.into_parts();
    Ok(tonic::Response::from_parts(
        metadata,
        frame_message(&message),
        extensions,
    ))
}

/// The gRPC message prefix: a compression flag and a big-endian length.
pub const PREFIX_BYTES: usize = 5;

/// One message's bytes as a gRPC body carries them (uncompressed).
pub fn frame(message: &[u8]) -> Bytes {
    prefixed(message.len(), |buf| buf.extend_from_slice(message))
}

/// One message, encoded straight after its prefix (no second buffer).
pub fn frame_message<M: Message>(message: &M) -> Bytes {
    prefixed(message.encoded_len(), |buf| {
        // Infallible: the buffer was sized for the message.
        let _ = message.encode(buf);
    })
}

fn prefixed(length: usize, write: impl FnOnce(&mut Vec<u8>)) -> Bytes {
    let mut framed = Vec::with_capacity(PREFIX_BYTES + length);
    framed.push(0);
    // A message past 4 GiB cannot be framed; tonic's limits stop far below.
    framed.extend_from_slice(&u32::try_from(length).unwrap_or(u32::MAX).to_be_bytes());
    write(&mut framed);
    framed.into()
}

/// Why a body is not one uncompressed message.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum Unframe {
    #[error("the message is compressed")]
    Compressed,
    #[error("the body is not one length-prefixed message")]
    Malformed,
}

/// The one message of a unary body (shares `body`'s memory).
pub fn unframe(body: &Bytes) -> Result<Bytes, Unframe> {
    let (prefix, rest) = body
        .split_first_chunk::<PREFIX_BYTES>()
        .ok_or(Unframe::Malformed)?;
    let [compressed, length @ ..] = *prefix;
    if compressed != 0 {
        return Err(Unframe::Compressed);
    }
    let length = usize::try_from(u32::from_be_bytes(length)).map_err(|_| Unframe::Malformed)?;
    if rest.len() != length {
        return Err(Unframe::Malformed);
    }
    Ok(body.slice(PREFIX_BYTES..))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_framed_message_unframes_to_itself() {
        let framed = frame(b"abc");
        assert_eq!(&framed[..], &[0, 0, 0, 0, 3, b'a', b'b', b'c']);
        assert_eq!(unframe(&framed).unwrap(), Bytes::from_static(b"abc"));
        assert_eq!(unframe(&frame(b"")).unwrap(), Bytes::new());
    }

    #[test]
    fn a_message_frames_as_its_encoding() {
        let message = prost_types::Duration {
            seconds: 7,
            nanos: 1,
        };
        assert_eq!(frame_message(&message), frame(&message.encode_to_vec()));
        assert_eq!(frame_message(&()), frame(b""));
    }

    #[test]
    fn other_bodies_are_refused() {
        let compressed = Bytes::from_static(&[1, 0, 0, 0, 1, 9]);
        assert_eq!(unframe(&compressed), Err(Unframe::Compressed));
        for body in [&[0u8, 0, 0][..], &[0, 0, 0, 0, 2, 9], &[0, 0, 0, 0, 0, 9]] {
            assert_eq!(
                unframe(&Bytes::copy_from_slice(body)),
                Err(Unframe::Malformed)
            );
        }
    }
}
