//! The REST listener: axum's router served by hyper's HTTP/1 + HTTP/2 connection builder in
//! an accept loop of our own, because `axum::serve` hides the builder and with it every
//! limit below. The limits themselves, and why each exists, are in [`services::listen`]
//! (the gRPC listener shares them).

use std::{future::Future, sync::Arc, time::Duration};

use axum::{Router, extract::ConnectInfo};
use hyper_util::{
    rt::{TokioExecutor, TokioIo, TokioTimer},
    server::conn::auto,
    service::TowerToHyperService,
};
use services::listen::{Admission, ConnectionLimits, Guarded, Track, accept_failed, nodelay};
use tokio::{
    io::{AsyncReadExt as _, AsyncWriteExt as _},
    net::{TcpListener, TcpStream},
    sync::{Semaphore, watch},
};
use tower::ServiceExt as _;

/// The whole answer to a connection past the cap, written before its request is read (no
/// request id: there is no request yet). `Connection: close`, and the connection is closed.
const REFUSAL: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\n\
content-type: application/json\r\n\
retry-after: 1\r\n\
connection: close\r\n\
content-length: 87\r\n\
\r\n\
{\"code\":\"service_unavailable\",\"message\":\"too many open connections, retry in a moment\"}";

/// Refusals being written at once. Each takes at most twice [`REFUSAL_DRAIN`]; past this many the
/// connection is simply closed, so that refusing cannot itself become the flood's victim
/// (stalled flooders would hold every slot for the whole drain).
const REFUSALS_AT_ONCE: usize = 256;

/// How long a refused connection's request head is waited for, and its answer written.
const REFUSAL_DRAIN: Duration = Duration::from_millis(250);

/// Serves `app` on `listener` until `shutdown` resolves, then lets the open connections
/// finish their requests (each still bound by its watchdog) and returns.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()>,
) {
    let admission = Admission::new(limits.max_connections);
    let refusals = Arc::new(Semaphore::new(REFUSALS_AT_ONCE));
    let builder = Arc::new(builder(&limits));
    // Every connection task holds a receiver: `closed()` on the sender is "all are done".
    let (stop, stopping) = watch::channel(false);
    tokio::pin!(shutdown);
    loop {
        let (tcp, remote) = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(err) => {
                    accept_failed("REST", err).await;
                    continue;
                }
            },
        };
        let Some(permit) = admission.try_admit() else {
            services::listen::refused("REST", remote, &admission, &limits);
            if let Ok(slot) = refusals.clone().try_acquire_owned() {
                tokio::spawn(async move {
                    refuse(tcp).await;
                    drop(slot);
                });
            }
            continue;
        };
        nodelay(&tcp);
        let io = Guarded::new(tcp, permit, &limits);
        // The handlers read the client's address as `ConnectInfo<SocketAddr>`, as with
        // `into_make_service_with_connect_info`.
        let app = app
            .clone()
            .map_request(move |mut request: axum::extract::Request<_>| {
                request.extensions_mut().insert(ConnectInfo(remote));
                request
            });
        let service = TowerToHyperService::new(Track::new(app, io.activity()));
        let (builder, mut stopping) = (builder.clone(), stopping.clone());
        tokio::spawn(async move {
            let connection = builder.serve_connection(TokioIo::new(io), service);
            tokio::pin!(connection);
            let served = tokio::select! {
                served = connection.as_mut() => served,
                // The one change ever sent is the stop.
                _ = stopping.changed() => {
                    connection.as_mut().graceful_shutdown();
                    connection.await
                }
            };
            if let Err(err) = served {
                tracing::debug!(%remote, error = &*err as &dyn std::error::Error, "connection ended");
            }
        });
    }
    // Stop accepting at once: new clients are refused by the kernel instead of waiting.
    drop(listener);
    let _ = stop.send(true);
    drop(stopping);
    stop.closed().await;
}

/// hyper's connection builder with the listener's limits.
fn builder(limits: &ConnectionLimits) -> auto::Builder<TokioExecutor> {
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        // Applies to every request head after the first too, including the wait for the
        // next request on a kept-alive connection (hyper starts it when it starts reading).
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout)
        // The head must fit in the read buffer: the same bound as HTTP/2's header list.
        .max_buf_size(
            usize::try_from(limits.http2_max_header_list_size).map_or(8192, |b| b.max(8192)),
        );
    builder
        .http2()
        .timer(TokioTimer::new())
        .max_concurrent_streams(limits.http2_max_concurrent_streams)
        .max_header_list_size(limits.http2_max_header_list_size)
        .max_pending_accept_reset_streams(limits.http2_max_pending_accept_reset_streams)
        .max_local_error_reset_streams(limits.http2_max_local_error_reset_streams);
    builder
}

/// Answers a connection past the cap with [`REFUSAL`] and closes it. The request head is
/// read first (for at most [`REFUSAL_DRAIN`]) and thrown away: an HTTP client takes an
/// answer that arrives before its request is written as a broken connection, and closing
/// a socket with unread bytes makes the kernel reset it, which can lose the answer.
async fn refuse(mut tcp: TcpStream) {
    let read_head = async {
        let mut head = Vec::with_capacity(1024);
        let mut buf = [0u8; 1024];
        while head.len() < 8192 && !head.windows(4).any(|w| w == b"\r\n\r\n") {
            match tcp.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => head.extend_from_slice(&buf[..n]),
            }
        }
    };
    let _ = tokio::time::timeout(REFUSAL_DRAIN, read_head).await;
    let answer = async {
        tcp.write_all(REFUSAL).await?;
        tcp.shutdown().await
    };
    let _ = tokio::time::timeout(REFUSAL_DRAIN, answer).await;
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_refusal_is_a_whole_http_answer() {
        let text = std::str::from_utf8(super::REFUSAL).unwrap();
        let (head, body) = text.split_once("\r\n\r\n").unwrap();
        let length: usize = head
            .lines()
            .find_map(|l| l.strip_prefix("content-length: "))
            .unwrap()
            .parse()
            .unwrap();
        assert_eq!(length, body.len());
        let body: serde_json::Value = serde_json::from_str(body).unwrap();
        assert_eq!(body["code"], "service_unavailable");
    }
}
