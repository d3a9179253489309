//! What keeps a listener alive under a connection flood (issue 8, part 2), shared by the
//! REST listener (`asteri::listen`) and the gRPC listener ([`crate::serve`]).
//!
//! One client holding ~20,000 half-sent connections once took the REST port down: nothing
//! closed them, each kept hyper's buffers (~16 KiB), and the process ran out of file
//! descriptors, so new connections hung. Each limit below closes one of those doors:
//!
//! - [`Admission`]: at most `max_connections` open connections per listener. A connection
//!   holds its permit until it closes; past the cap a connection is refused at once (the
//!   caller closes it, with a minimal `503` on HTTP/1), never queued.
//! - [`Guarded`]: the socket of an admitted connection, with a watchdog. A connection that
//!   has not delivered a whole first request head within `header_read_timeout` (a stalled
//!   request line, or a stalled HTTP/2 preface, which hyper would wait for forever) is
//!   closed; so is one with no request in flight and nothing read for `idle_timeout`.
//! - [`Track`]: tells the watchdog when requests start and end (the end is when the
//!   response body is dropped, so a long download is not idle).
//! - The HTTP/2 limits ([`ConnectionLimits`]) are handed to hyper by each listener.

use std::{
    future::Future,
    io,
    net::SocketAddr,
    pin::Pin,
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering},
    },
    task::{Context, Poll},
    time::Duration,
};

use bytes::Bytes;
use futures::{Stream, future::BoxFuture};
use tokio::{
    io::{AsyncRead, AsyncWrite, ReadBuf},
    net::{TcpListener, TcpStream},
    sync::{OwnedSemaphorePermit, Semaphore},
    time::{Instant, Sleep},
};
use tonic::transport::server::{Connected, TcpConnectInfo};

/// The limits of one listener. The defaults are what a public API can live with: a real
/// client sends its request head in well under a second, keeps a connection warm across
/// bursts, and opens a handful of connections; a stalled or idle one is someone else's lost
/// capacity.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConnectionLimits {
    /// A connection must deliver a whole request head this soon after it is accepted (and,
    /// on HTTP/1, after the previous response: hyper's own header-read timeout).
    pub header_read_timeout: Duration,
    /// A connection with no request in flight and nothing received for this long is closed.
    pub idle_timeout: Duration,
    /// Open connections per listener; more are refused at once.
    pub max_connections: usize,
    /// HTTP/2 streams one connection may have open at once (SETTINGS_MAX_CONCURRENT_STREAMS).
    pub http2_max_concurrent_streams: u32,
    /// Largest request header list, in bytes (HTTP/2 SETTINGS_MAX_HEADER_LIST_SIZE; on
    /// HTTP/1 it bounds the buffer a request head must fit in).
    pub http2_max_header_list_size: u32,
    /// Streams the client may open and reset before the server accepts them (the "rapid
    /// reset" flood, CVE-2023-44487); past it the connection is closed with GOAWAY.
    pub http2_max_pending_accept_reset_streams: usize,
    /// Streams the server may reset because the client broke the protocol on them (e.g.
    /// the "MadeYouReset" flood, CVE-2025-8671); past it the connection is closed.
    pub http2_max_local_error_reset_streams: usize,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        Self {
            header_read_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(75),
            max_connections: 4096,
            http2_max_concurrent_streams: 200,
            http2_max_header_list_size: 32 * 1024,
            // hyper's own defaults, set explicitly so that an upgrade cannot drop them.
            http2_max_pending_accept_reset_streams: 20,
            http2_max_local_error_reset_streams: 1024,
        }
    }
}

/// The connection cap of one listener: one permit per open connection.
#[derive(Clone, Debug)]
pub struct Admission {
    permits: Arc<Semaphore>,
}

impl Admission {
    pub fn new(max_connections: usize) -> Self {
        Self {
            permits: Arc::new(Semaphore::new(max_connections)),
        }
    }

    /// A permit for one more connection, or `None` when the listener is full: the caller
    /// refuses the connection rather than wait, so that a flood costs the flooder, not the
    /// accept loop.
    pub fn try_admit(&self) -> Option<OwnedSemaphorePermit> {
        self.permits.clone().try_acquire_owned().ok()
    }

    /// How many connections are open now.
    pub fn open(&self, max_connections: usize) -> usize {
        max_connections - self.permits.available_permits()
    }
}

/// What the watchdog of a connection knows about its requests.
#[derive(Debug)]
pub struct Activity {
    accepted: Instant,
    /// Whether a request head has been received whole (a request reached the service).
    seen: AtomicBool,
    in_flight: AtomicUsize,
    /// Milliseconds after `accepted` of the last byte received or request finished.
    last: AtomicU64,
}

impl Activity {
    fn new() -> Self {
        Self {
            accepted: Instant::now(),
            seen: AtomicBool::new(false),
            in_flight: AtomicUsize::new(0),
            last: AtomicU64::new(0),
        }
    }

    fn touch(&self) {
        let millis = u64::try_from(self.accepted.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.last.fetch_max(millis, Ordering::Relaxed);
    }

    fn start(self: &Arc<Self>) -> InFlight {
        self.seen.store(true, Ordering::Relaxed);
        self.in_flight.fetch_add(1, Ordering::Relaxed);
        InFlight(self.clone())
    }

    /// When the connection must be looked at next, and whether it is to be closed then:
    /// `Err` names the reason when that time has passed.
    fn next_check(&self, limits: &Deadlines, now: Instant) -> Result<Instant, &'static str> {
        if !self.seen.load(Ordering::Relaxed) {
            let deadline = self.accepted + limits.header_read;
            return if now >= deadline {
                Err("no whole request head within the header-read timeout")
            } else {
                Ok(deadline)
            };
        }
        if self.in_flight.load(Ordering::Relaxed) > 0 {
            // Busy: look again later (the request may end without waking this task).
            return Ok(now + limits.idle);
        }
        let last = self.accepted + Duration::from_millis(self.last.load(Ordering::Relaxed));
        let deadline = last + limits.idle;
        if now >= deadline {
            Err("idle past the idle timeout")
        } else {
            Ok(deadline)
        }
    }
}

/// One request in flight on a connection, until dropped (with its response body).
#[derive(Debug)]
pub struct InFlight(Arc<Activity>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.touch();
        self.0.in_flight.fetch_sub(1, Ordering::Relaxed);
    }
}

#[derive(Clone, Copy, Debug)]
struct Deadlines {
    header_read: Duration,
    idle: Duration,
}

/// An admitted connection's socket: it holds the listener's permit until dropped and fails
/// its reads once the watchdog's deadline passes, which makes hyper drop the connection.
/// (The watchdog lives in the read path because hyper always keeps a read pending on a
/// connection that waits for a request: that is exactly when the deadline matters.)
pub struct Guarded<IO> {
    io: IO,
    activity: Arc<Activity>,
    deadlines: Deadlines,
    timer: Pin<Box<Sleep>>,
    remote: Option<SocketAddr>,
    local: Option<SocketAddr>,
    _permit: OwnedSemaphorePermit,
}

impl Guarded<TcpStream> {
    pub fn new(tcp: TcpStream, permit: OwnedSemaphorePermit, limits: &ConnectionLimits) -> Self {
        let deadlines = Deadlines {
            header_read: limits.header_read_timeout,
            idle: limits.idle_timeout,
        };
        let activity = Arc::new(Activity::new());
        Self {
            remote: tcp.peer_addr().ok(),
            local: tcp.local_addr().ok(),
            timer: Box::pin(tokio::time::sleep_until(
                activity.accepted + deadlines.header_read,
            )),
            io: tcp,
            activity,
            deadlines,
            _permit: permit,
        }
    }
}

impl<IO> Guarded<IO> {
    pub fn activity(&self) -> Arc<Activity> {
        self.activity.clone()
    }

    /// Arms the timer for the next check; an error once the connection is to be closed.
    fn watchdog(&mut self, cx: &mut Context<'_>) -> Option<io::Error> {
        loop {
            match self.activity.next_check(&self.deadlines, Instant::now()) {
                Err(reason) => {
                    tracing::debug!(remote = ?self.remote, reason, "closing connection");
                    return Some(io::Error::new(io::ErrorKind::TimedOut, reason));
                }
                Ok(at) => {
                    if self.timer.deadline() != at {
                        self.timer.as_mut().reset(at);
                    }
                    if self.timer.as_mut().poll(cx).is_pending() {
                        return None;
                    }
                }
            }
        }
    }
}

impl<IO: AsyncRead + Unpin> AsyncRead for Guarded<IO> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        match Pin::new(&mut this.io).poll_read(cx, buf) {
            Poll::Ready(Ok(())) => {
                if buf.filled().len() > before {
                    this.activity.touch();
                }
                Poll::Ready(Ok(()))
            }
            Poll::Ready(Err(err)) => Poll::Ready(Err(err)),
            Poll::Pending => match this.watchdog(cx) {
                Some(err) => Poll::Ready(Err(err)),
                None => Poll::Pending,
            },
        }
    }
}

impl<IO: AsyncWrite + Unpin> AsyncWrite for Guarded<IO> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().io).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().io).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }
}

/// What tonic puts in each request's extensions for a [`Guarded`] connection: the usual TCP
/// addresses (which [`Track`] copies out, so `Request::remote_addr` keeps working) and the
/// connection's [`Activity`].
#[derive(Clone, Debug)]
pub struct GuardedConnectInfo {
    pub tcp: TcpConnectInfo,
    activity: Arc<Activity>,
}

impl<IO> Connected for Guarded<IO> {
    type ConnectInfo = GuardedConnectInfo;

    fn connect_info(&self) -> GuardedConnectInfo {
        GuardedConnectInfo {
            tcp: TcpConnectInfo {
                local_addr: self.local,
                remote_addr: self.remote,
            },
            activity: self.activity.clone(),
        }
    }
}

/// The accepted connections of `listener` that fit under the cap, for tonic's
/// `serve_with_incoming_shutdown`; the others are closed at once (an HTTP/2 client sees the
/// connection end before the server preface and reports the server unavailable).
pub fn incoming(
    listener: TcpListener,
    limits: ConnectionLimits,
) -> impl Stream<Item = io::Result<Guarded<TcpStream>>> {
    let admission = Admission::new(limits.max_connections);
    futures::stream::unfold(
        (listener, admission, limits),
        |(listener, admission, limits)| async move {
            loop {
                let (tcp, remote) = match listener.accept().await {
                    Ok(accepted) => accepted,
                    Err(err) => {
                        accept_failed("gRPC", err).await;
                        continue;
                    }
                };
                let Some(permit) = admission.try_admit() else {
                    refused("gRPC", remote, &admission, &limits);
                    continue;
                };
                // Small request/response pairs: without TCP_NODELAY, Nagle and delayed ACKs
                // add ~40 ms.
                nodelay(&tcp);
                let guarded = Guarded::new(tcp, permit, &limits);
                return Some((Ok(guarded), (listener, admission, limits)));
            }
        },
    )
}

/// After a failed `accept`: a connection the client gave up on is nothing; anything else
/// (out of file descriptors, above all) is logged and waited out briefly instead of retried
/// in a tight loop, which would spin a core while the condition lasts.
pub async fn accept_failed(listener: &str, err: io::Error) {
    use io::ErrorKind::*;
    if matches!(
        err.kind(),
        ConnectionAborted | ConnectionReset | ConnectionRefused | Interrupted
    ) {
        return;
    }
    tracing::warn!(
        listener,
        error = &err as &dyn std::error::Error,
        "accepting a connection failed"
    );
    tokio::time::sleep(Duration::from_millis(50)).await;
}

/// Sets TCP_NODELAY on an accepted connection (a failure only costs latency).
pub fn nodelay(tcp: &TcpStream) {
    if let Err(err) = tcp.set_nodelay(true) {
        tracing::debug!(
            error = &err as &dyn std::error::Error,
            "TCP_NODELAY not set"
        );
    }
}

/// Logs a refused connection (at debug: a flood would otherwise flood the log too).
pub fn refused(
    listener: &str,
    remote: SocketAddr,
    admission: &Admission,
    limits: &ConnectionLimits,
) {
    tracing::debug!(
        listener,
        %remote,
        open = admission.open(limits.max_connections),
        "connection refused: the listener is at its connection limit"
    );
}

/// Marks each request in flight on its connection's [`Activity`] until its response body is
/// dropped. Built per connection with the activity, or as a layer (tonic) that finds it in
/// the request's [`GuardedConnectInfo`].
#[derive(Clone, Debug)]
pub struct Track<S> {
    inner: S,
    activity: Option<Arc<Activity>>,
}

impl<S> Track<S> {
    pub fn new(inner: S, activity: Arc<Activity>) -> Self {
        Self {
            inner,
            activity: Some(activity),
        }
    }
}

/// [`Track`] for tonic's server stack: the outermost layer, so that it sees every request.
#[derive(Clone, Copy, Debug, Default)]
pub struct TrackLayer;

impl<S> tower::Layer<S> for TrackLayer {
    type Service = Track<S>;
    fn layer(&self, inner: S) -> Track<S> {
        Track {
            inner,
            activity: None,
        }
    }
}

impl<S, B, R> tower::Service<http::Request<B>> for Track<S>
where
    S: tower::Service<http::Request<B>, Response = http::Response<R>>,
    S::Future: Send + 'static,
{
    type Response = http::Response<TrackedBody<R>>;
    type Error = S::Error;
    type Future = BoxFuture<'static, Result<Self::Response, Self::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: http::Request<B>) -> Self::Future {
        let info = request.extensions().get::<GuardedConnectInfo>().cloned();
        if let Some(info) = &info {
            request.extensions_mut().insert(info.tcp.clone());
        }
        let activity = self.activity.clone().or(info.map(|i| i.activity));
        let in_flight = activity.map(|a| a.start());
        let call = self.inner.call(request);
        Box::pin(async move {
            let response = call.await?;
            Ok(response.map(|inner| TrackedBody {
                inner,
                _in_flight: in_flight,
            }))
        })
    }
}

/// A response body that keeps its request in flight until it is dropped.
#[derive(Debug)]
pub struct TrackedBody<B> {
    inner: B,
    _in_flight: Option<InFlight>,
}

impl<B> http_body::Body for TrackedBody<B>
where
    B: http_body::Body<Data = Bytes> + Unpin,
{
    type Data = Bytes;
    type Error = B::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, Self::Error>>> {
        Pin::new(&mut self.get_mut().inner).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn deadlines() -> Deadlines {
        Deadlines {
            header_read: Duration::from_secs(10),
            idle: Duration::from_secs(60),
        }
    }

    #[test]
    fn a_connection_without_a_request_expires_after_the_header_read_timeout() {
        let activity = Arc::new(Activity::new());
        let start = activity.accepted;
        assert_eq!(
            activity.next_check(&deadlines(), start),
            Ok(start + Duration::from_secs(10))
        );
        // Bytes alone (a partial request line) do not count as a request.
        activity.touch();
        assert!(
            activity
                .next_check(&deadlines(), start + Duration::from_secs(10))
                .is_err()
        );
    }

    #[test]
    fn a_busy_connection_is_never_idle_and_an_idle_one_expires() {
        let activity = Arc::new(Activity::new());
        let start = activity.accepted;
        let request = activity.start();
        let late = start + Duration::from_secs(600);
        assert_eq!(
            activity.next_check(&deadlines(), late),
            Ok(late + Duration::from_secs(60))
        );
        drop(request);
        // The idle clock starts when the request ends.
        let ended = start + Duration::from_millis(activity.last.load(Ordering::Relaxed));
        assert_eq!(
            activity.next_check(&deadlines(), ended),
            Ok(ended + Duration::from_secs(60))
        );
        assert_eq!(
            activity.next_check(&deadlines(), ended + Duration::from_secs(60)),
            Err("idle past the idle timeout")
        );
    }
}
