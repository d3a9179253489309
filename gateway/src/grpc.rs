//! Calling any RPC of the contract without generated types: requests are
//! `prost_reflect::DynamicMessage`s encoded by this codec, in the three shapes the gateway
//! serves (unary, client-streaming, server-streaming); answers are decoded the same way, or,
//! for a unary call, kept as their bytes ([`Encoded`]), which become JSON without being
//! decoded (`proto::json::encoded_to_json`).

use std::marker::PhantomData;

use bytes::{Buf as _, Bytes};
use futures::Stream;
use http::HeaderValue;
use http::uri::PathAndQuery;
use http_body_util::{BodyExt as _, Full, LengthLimitError, Limited};
use prost::Message as _;
use prost_reflect::{DynamicMessage, MessageDescriptor};
use proto::direct;
use tower::{Service as _, ServiceExt as _};

use crate::Upstream;
use tonic::{
    Status, Streaming,
    codec::{Codec, DecodeBuf, Decoder, EncodeBuf, Encoder},
};

/// tonic's default decoding limit, which the gateway's calls kept when tonic's client made
/// them: a larger answer is refused, not read.
const MAX_MESSAGE_BYTES: usize = 4 * 1024 * 1024;

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
#[derive(Debug)]
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
    grpc.ready()
        .await
        .map_err(|e| unreachable(std::sync::Arc::from(e)))?;
    Ok((grpc, rpc_path(grpc_path)?))
}

/// An upstream that could not take a call.
fn unreachable(cause: std::sync::Arc<dyn std::error::Error + Send + Sync>) -> Status {
    let mut status = Status::unavailable("the upstream service is not reachable");
    status.set_source(cause);
    status
}

fn rpc_path(grpc_path: &str) -> Result<PathAndQuery, Status> {
    PathAndQuery::try_from(grpc_path).map_err(|e| local("the RPC path is not a valid URI path", e))
}

/// One unary call of `grpc_path` (`/pkg.Service/Method`); its answer as it came.
///
/// Sent without tonic's client: the request is one framed message in a full body and the
/// answer's body is read whole, which is all a unary call needs; tonic's client would
/// stream both through encoders and decoders with buffers of their own. The wire is the
/// same gRPC (the remote upstreams are tonic servers), and so are the statuses: a
/// trailers-only refusal, `grpc-status` in the trailers, or the HTTP status's mapping.
pub async fn unary(
    mut channel: Upstream,
    grpc_path: &str,
    mut request: tonic::Request<DynamicMessage>,
    output: MessageDescriptor,
) -> Result<Encoded, Status> {
    let span = crate::trace::take(&mut request);
    crate::trace::run(span, async move {
        let path = rpc_path(grpc_path)?;
        let (metadata, extensions, message) = request.into_parts();
        let body = Full::new(direct::frame_message(&message));
        let mut call = http::Request::new(tonic::body::Body::new(body));
        *call.method_mut() = http::Method::POST;
        *call.uri_mut() = http::Uri::from(path);
        *call.version_mut() = http::Version::HTTP_2;
        *call.headers_mut() = metadata.into_headers();
        let headers = call.headers_mut();
        headers.insert(http::header::TE, HeaderValue::from_static("trailers"));
        headers.insert(
            http::header::CONTENT_TYPE,
            HeaderValue::from_static("application/grpc"),
        );
        *call.extensions_mut() = extensions;
        let ready = channel
            .ready()
            .await
            .map_err(|e| unreachable(std::sync::Arc::new(e)))?;
        let answer = ready
            .call(call)
            .await
            .map_err(|e| Status::from_error(e.into()))?;
        read_unary(answer, output).await
    })
    .await
}

/// The one message of a unary answer, or its status.
async fn read_unary(
    answer: http::Response<tonic::body::Body>,
    output: MessageDescriptor,
) -> Result<Encoded, Status> {
    let (parts, body) = answer.into_parts();
    // A refusal before any message: the status is in the head (trailers-only).
    let head = said(&parts.headers);
    if let Said::Failed(status) = head {
        return Err(status);
    }
    let collected = Limited::new(body, MAX_MESSAGE_BYTES + direct::PREFIX_BYTES)
        .collect()
        .await
        .map_err(|e| match e.downcast::<Status>() {
            Ok(status) => *status,
            Err(e) if e.is::<LengthLimitError>() => Status::out_of_range(format!(
                "the answer is larger than {MAX_MESSAGE_BYTES} bytes"
            )),
            Err(e) => Status::from_error(e),
        })?;
    match collected.trailers().map_or(Said::Nothing, said) {
        Said::Ok => {}
        Said::Failed(status) => return Err(status),
        Said::Nothing => match head {
            Said::Ok => {}
            Said::Failed(status) => return Err(status),
            Said::Nothing => return Err(missing_status(parts.status)),
        },
    }
    let bytes = direct::unframe(&collected.to_bytes())
        .map_err(|e| local("the answer is not one message", e))?;
    Ok(Encoded {
        descriptor: output,
        bytes,
    })
}

/// What a header map says of a call's outcome.
enum Said {
    /// No `grpc-status`.
    Nothing,
    Ok,
    Failed(Status),
}

/// The status `headers` carry. OK (`grpc-status: 0`, every successful call's trailer) is
/// read without tonic's `Status::from_header_map`, which copies every other header into
/// the status's metadata: ~900 instructions a call that the answer then threw away.
fn said(headers: &http::HeaderMap) -> Said {
    match headers.get(&proto::direct::names::GRPC_STATUS) {
        None => Said::Nothing,
        Some(code) if code.as_bytes() == b"0" => Said::Ok,
        Some(_) => match Status::from_header_map(headers) {
            Some(status) if status.code() == tonic::Code::Ok => Said::Ok,
            Some(status) => Said::Failed(status),
            None => Said::Nothing,
        },
    }
}

/// An answer that ended without a `grpc-status`: gRPC's mapping of its HTTP status.
fn missing_status(status: http::StatusCode) -> Status {
    use http::StatusCode as H;
    let code = match status {
        H::BAD_REQUEST => tonic::Code::Internal,
        H::UNAUTHORIZED => tonic::Code::Unauthenticated,
        H::FORBIDDEN => tonic::Code::PermissionDenied,
        H::NOT_FOUND => tonic::Code::Unimplemented,
        H::TOO_MANY_REQUESTS | H::BAD_GATEWAY | H::SERVICE_UNAVAILABLE | H::GATEWAY_TIMEOUT => {
            tonic::Code::Unavailable
        }
        _ => tonic::Code::Unknown,
    };
    Status::new(
        code,
        format!("the upstream answered HTTP {status} without a gRPC status"),
    )
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

#[cfg(test)]
mod tests {
    use http_body_util::BodyExt as _;
    use tonic::Code;

    use super::*;

    fn output() -> MessageDescriptor {
        proto::schema()
            .method_by_path("/asteri.v1.CustomersService/GetCustomer")
            .expect("in the contract")
            .descriptor
            .output()
    }

    fn answer(
        status: http::StatusCode,
        headers: &[(&'static str, &'static str)],
        body: Bytes,
        trailers: &[(&'static str, &'static str)],
    ) -> http::Response<tonic::body::Body> {
        let mut map = http::HeaderMap::new();
        for (k, v) in trailers {
            map.insert(*k, HeaderValue::from_static(v));
        }
        let with = !trailers.is_empty();
        let body = Full::new(body)
            .with_trailers(async move { with.then_some(Ok::<_, std::convert::Infallible>(map)) });
        let mut response = http::Response::new(tonic::body::Body::new(body));
        *response.status_mut() = status;
        for (k, v) in headers {
            response
                .headers_mut()
                .insert(*k, HeaderValue::from_static(v));
        }
        response
    }

    #[tokio::test]
    async fn an_answer_is_its_one_message() {
        let ok = answer(
            http::StatusCode::OK,
            &[],
            direct::frame(b"\x0a\x03cus"),
            &[("grpc-status", "0")],
        );
        let encoded = read_unary(ok, output()).await.unwrap();
        assert_eq!(&encoded.bytes[..], b"\x0a\x03cus");
        let decoded = encoded.decode().unwrap();
        assert_eq!(
            decoded.get_field_by_name("id").unwrap().as_str(),
            Some("cus")
        );
    }

    #[tokio::test]
    async fn a_refusal_is_its_status() {
        let trailers_only = answer(
            http::StatusCode::OK,
            &[
                ("grpc-status", "5"),
                ("grpc-message", "no%20such%20customer"),
            ],
            Bytes::new(),
            &[],
        );
        let status = read_unary(trailers_only, output()).await.unwrap_err();
        assert_eq!(status.code(), Code::NotFound);
        assert_eq!(status.message(), "no such customer");

        let in_trailers = answer(
            http::StatusCode::OK,
            &[],
            Bytes::new(),
            &[("grpc-status", "7"), ("grpc-message", "denied")],
        );
        let status = read_unary(in_trailers, output()).await.unwrap_err();
        assert_eq!(status.code(), Code::PermissionDenied);
    }

    #[tokio::test]
    async fn an_answer_without_a_status_is_mapped_from_http() {
        let proxy = answer(
            http::StatusCode::SERVICE_UNAVAILABLE,
            &[],
            Bytes::from_static(b"upstream connect error"),
            &[],
        );
        let status = read_unary(proxy, output()).await.unwrap_err();
        assert_eq!(status.code(), Code::Unavailable);
        let cut = answer(http::StatusCode::OK, &[], direct::frame(b""), &[]);
        assert_eq!(
            read_unary(cut, output()).await.unwrap_err().code(),
            Code::Unknown
        );
    }

    #[tokio::test]
    async fn an_ok_without_one_message_or_past_the_limit_is_refused() {
        let empty = answer(
            http::StatusCode::OK,
            &[],
            Bytes::new(),
            &[("grpc-status", "0")],
        );
        let status = read_unary(empty, output()).await.unwrap_err();
        assert_eq!(status.code(), Code::Internal);

        let huge = answer(
            http::StatusCode::OK,
            &[],
            direct::frame(&vec![0; MAX_MESSAGE_BYTES + 1]),
            &[("grpc-status", "0")],
        );
        let status = read_unary(huge, output()).await.unwrap_err();
        assert_eq!(status.code(), Code::OutOfRange);
    }

    #[tokio::test]
    async fn a_call_sends_one_framed_message_with_its_metadata() {
        let seen = std::sync::Arc::new(std::sync::Mutex::new(None));
        let record = seen.clone();
        let upstream = crate::upstream::in_process(tower::service_fn(
            move |request: http::Request<tonic::body::Body>| {
                let record = record.clone();
                async move {
                    let (parts, body) = request.into_parts();
                    let bytes = body.collect().await.unwrap().to_bytes();
                    *record.lock().unwrap() = Some((parts, bytes));
                    Ok::<_, std::convert::Infallible>(answer(
                        http::StatusCode::OK,
                        &[],
                        direct::frame(b""),
                        &[("grpc-status", "0")],
                    ))
                }
            },
        ));
        let method = proto::schema()
            .method_by_path("/asteri.v1.CustomersService/GetCustomer")
            .unwrap();
        let mut message = DynamicMessage::new(method.descriptor.input());
        message.set_field_by_name("id", prost_reflect::Value::String("cus_1".into()));
        let mut request = tonic::Request::new(message);
        request
            .metadata_mut()
            .insert("x-organization-id", "org_1".parse().unwrap());
        unary(upstream, &method.grpc_path, request, output())
            .await
            .unwrap();
        let (parts, bytes) = seen.lock().unwrap().take().unwrap();
        assert_eq!(parts.method, http::Method::POST);
        assert_eq!(parts.uri.path(), method.grpc_path);
        assert_eq!(parts.headers["content-type"], "application/grpc");
        assert_eq!(parts.headers["te"], "trailers");
        assert_eq!(parts.headers["x-organization-id"], "org_1");
        assert_eq!(&bytes[..], &direct::frame(b"\x0a\x05cus_1")[..]);
    }
}
