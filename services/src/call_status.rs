//! The final gRPC status of an answer, for the layers that record a call when it ends
//! (`rpc_metrics`, `grpc_history`): the head of a trailers-only answer carries it; otherwise
//! the body's trailers do, its clean end means `OK`, and a body dropped before either (the
//! caller went away) means `CANCELLED`.

use std::{
    pin::Pin,
    task::{Context, Poll},
};

use bytes::Bytes;
use http_body::{Body as HttpBody, Frame, SizeHint};
use tonic::{Code, Status, body::Body};

/// The `grpc-status` of a head or of trailers.
pub(crate) fn code_of(headers: &http::HeaderMap) -> Option<Code> {
    let value = headers
        .get(&proto::direct::names::GRPC_STATUS)?
        .to_str()
        .ok()?
        .parse::<i32>()
        .ok()?;
    Some(Code::from_i32(value))
}

/// Calls `on_end` exactly once with the answer's final status: at once when its head
/// carries it, else when its body ends (the body is then wrapped, one allocation).
pub(crate) fn on_end(
    response: http::Response<Body>,
    on_end: impl FnOnce(Code) + Send + Unpin + 'static,
) -> http::Response<Body> {
    if let Some(code) = code_of(response.headers()) {
        on_end(code);
        return response;
    }
    let (parts, body) = response.into_parts();
    let watched = Watched {
        inner: body,
        pending: Some(on_end),
    };
    http::Response::from_parts(parts, Body::new(watched))
}

/// A body that reports its call's status once: at the trailers, the end, or a drop.
struct Watched<F: FnOnce(Code)> {
    inner: Body,
    pending: Option<F>,
}

impl<F: FnOnce(Code)> Watched<F> {
    fn finish(&mut self, code: Code) {
        if let Some(on_end) = self.pending.take() {
            on_end(code);
        }
    }
}

impl<F: FnOnce(Code) + Unpin> HttpBody for Watched<F> {
    type Data = Bytes;
    type Error = Status;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Status>>> {
        let polled = Pin::new(&mut self.inner).poll_frame(cx);
        match &polled {
            Poll::Ready(Some(Ok(frame))) => {
                if let Some(code) = frame.trailers_ref().and_then(code_of) {
                    self.finish(code);
                }
            }
            Poll::Ready(Some(Err(status))) => self.finish(status.code()),
            Poll::Ready(None) => self.finish(Code::Ok),
            Poll::Pending => {}
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

impl<F: FnOnce(Code)> Drop for Watched<F> {
    /// A caller that went away before the end.
    fn drop(&mut self) {
        self.finish(Code::Cancelled);
    }
}
