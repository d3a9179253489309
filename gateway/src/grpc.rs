//! Calling any RPC of the contract without generated types: requests are
//! `prost_reflect::DynamicMessage`s encoded by this codec, in the three shapes the gateway
//! serves (unary, client-streaming, server-streaming); answers are decoded the same way, or,
//! for a unary call, kept as their bytes ([`Encoded`]), which become JSON without being
//! decoded (`proto::json::encoded_to_json`).

use std::marker::PhantomData;

use bytes::{Buf as _, Bytes};
use futures::Stream;
use http::uri::PathAndQuery;
use prost::Message as _;
use prost_reflect::{DynamicMessage, MessageDescriptor};

use crate::Upstream;
use tonic::{
    Status, Streaming,
    codec::{Codec, DecodeBuf, Decoder, EncodeBuf, Encoder},
};

/// A failure of the gateway's side of a call, with its cause kept as the status's source
/// (the gateway logs failures that carry one: they happened here, not in the service).
fn local(what: &str, cause: impl std::error::Error + Send + Sync + 'static) -> Status {
    let mut status = Status::internal(what);
    status.set_source(std::sync::Arc::new(cause));
    status
}

/// What the gateway can put on a request stream.
pub trait Outgoing: Send + 'static {
    fn encode_to(self, dst: &mut EncodeBuf<'_>) -> Result<(), Status>;
}

impl Outgoing for DynamicMessage {
    fn encode_to(self, dst: &mut EncodeBuf<'_>) -> Result<(), Status> {
        self.encode(dst)
            .map_err(|e| local("encoding the request failed", e))
    }
}

/// One item of a client-streaming request. `Abort` makes the request body fail, so the
/// HTTP/2 stream is reset and the service sees a broken stream, never a clean end: a stream
/// that was cut short must not look complete.
pub enum Frame {
    Message(DynamicMessage),
    Abort,
}

impl Outgoing for Frame {
    fn encode_to(self, dst: &mut EncodeBuf<'_>) -> Result<(), Status> {
        match self {
            Self::Message(message) => message.encode_to(dst),
            Self::Abort => Err(Status::cancelled("the request stream was abandoned")),
        }
    }
}

/// What the gateway takes from an answer stream.
pub trait Incoming: Send + 'static {
    fn decode_from(output: &MessageDescriptor, src: &mut DecodeBuf<'_>) -> Result<Self, Status>
    where
        Self: Sized;
}

impl Incoming for DynamicMessage {
    fn decode_from(output: &MessageDescriptor, src: &mut DecodeBuf<'_>) -> Result<Self, Status> {
        DynamicMessage::decode(output.clone(), src)
            .map_err(|e| local("decoding the response failed", e))
    }
}

/// An answer as it came: the message's type and its encoding.
pub struct Encoded {
    pub descriptor: MessageDescriptor,
    pub bytes: Bytes,
}

impl Encoded {
    /// The decoded message, for what the encoding alone does not render.
    pub fn decode(&self) -> Result<DynamicMessage, Status> {
        DynamicMessage::decode(self.descriptor.clone(), self.bytes.clone())
            .map_err(|e| local("decoding the response failed", e))
    }
}

impl Incoming for Encoded {
    fn decode_from(output: &MessageDescriptor, src: &mut DecodeBuf<'_>) -> Result<Self, Status> {
        Ok(Self {
            descriptor: output.clone(),
            bytes: src.copy_to_bytes(src.remaining()),
        })
    }
}

pub struct DynamicCodec<T = DynamicMessage, O = DynamicMessage> {
    output: MessageDescriptor,
    outgoing: PhantomData<fn(T) -> O>,
}

impl<T, O> DynamicCodec<T, O> {
    pub fn new(output: MessageDescriptor) -> Self {
        Self {
            output,
            outgoing: PhantomData,
        }
    }
}

impl<T: Outgoing, O: Incoming> Codec for DynamicCodec<T, O> {
    type Encode = T;
    type Decode = O;
    type Encoder = DynamicEncoder<T>;
    type Decoder = DynamicDecoder<O>;

    fn encoder(&mut self) -> Self::Encoder {
        DynamicEncoder(PhantomData)
    }

    fn decoder(&mut self) -> Self::Decoder {
        DynamicDecoder(self.output.clone(), PhantomData)
    }
}

pub struct DynamicEncoder<T>(PhantomData<fn(T)>);

impl<T: Outgoing> Encoder for DynamicEncoder<T> {
    type Item = T;
    type Error = Status;

    fn encode(&mut self, item: Self::Item, dst: &mut EncodeBuf<'_>) -> Result<(), Self::Error> {
        item.encode_to(dst)
    }
}

pub struct DynamicDecoder<O = DynamicMessage>(MessageDescriptor, PhantomData<fn() -> O>);

impl<O: Incoming> Decoder for DynamicDecoder<O> {
    type Item = O;
    type Error = Status;

    fn decode(&mut self, src: &mut DecodeBuf<'_>) -> Result<Option<Self::Item>, Self::Error> {
        O::decode_from(&self.0, src).map(Some)
    }
}

async fn ready(
    channel: Upstream,
    grpc_path: &str,
) -> Result<(tonic::client::Grpc<Upstream>, PathAndQuery), Status> {
    let mut grpc = tonic::client::Grpc::new(channel);
    grpc.ready().await.map_err(|e| {
        let mut status = Status::unavailable("the upstream service is not reachable");
        status.set_source(std::sync::Arc::from(e));
        status
    })?;
    let path = PathAndQuery::try_from(grpc_path)
        .map_err(|e| local("the RPC path is not a valid URI path", e))?;
    Ok((grpc, path))
}

/// One unary call of `grpc_path` (`/pkg.Service/Method`); its answer as it came.
pub async fn unary(
    channel: Upstream,
    grpc_path: &str,
    mut request: tonic::Request<DynamicMessage>,
    output: MessageDescriptor,
) -> Result<Encoded, Status> {
    let span = crate::trace::take(&mut request);
    crate::trace::run(span, async move {
        let (mut grpc, path) = ready(channel, grpc_path).await?;
        grpc.unary(request, path, DynamicCodec::new(output))
            .await
            .map(tonic::Response::into_inner)
    })
    .await
}

/// One client-streaming call: the frames of `request` go out as they come.
pub async fn client_streaming<S>(
    channel: Upstream,
    grpc_path: &str,
    mut request: tonic::Request<S>,
    output: MessageDescriptor,
) -> Result<DynamicMessage, Status>
where
    S: Stream<Item = Frame> + Send + 'static,
{
    let span = crate::trace::take(&mut request);
    crate::trace::run(span, async move {
        let (mut grpc, path) = ready(channel, grpc_path).await?;
        grpc.client_streaming(request, path, DynamicCodec::<Frame, _>::new(output))
            .await
            .map(tonic::Response::into_inner)
    })
    .await
}

/// One server-streaming call: the stream of answers (an error status before the first one
/// comes back as `Err`).
pub async fn server_streaming(
    channel: Upstream,
    grpc_path: &str,
    mut request: tonic::Request<DynamicMessage>,
    output: MessageDescriptor,
) -> Result<Streaming<DynamicMessage>, Status> {
    // The client span covers the call until its first answer, not the whole download.
    let span = crate::trace::take(&mut request);
    crate::trace::run(span, async move {
        let (mut grpc, path) = ready(channel, grpc_path).await?;
        grpc.server_streaming(request, path, DynamicCodec::new(output))
            .await
            .map(tonic::Response::into_inner)
    })
    .await
}
