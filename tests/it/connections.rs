//! Issue 8, part 2: connections cannot exhaust the server. Small limits (a cap of a few
//! dozen, a header-read timeout of a second or two) so that a flood fits in a test.

use std::{
    net::SocketAddr,
    time::{Duration, Instant},
};

use futures::{FutureExt as _, future::join_all};
use reqwest::Method;
use services::listen::ConnectionLimits;
use tokio::{
    io::{AsyncReadExt as _, AsyncWriteExt as _},
    net::TcpStream,
    task::JoinHandle,
};

use crate::helpers::*;

const HEADER_READ: Duration = Duration::from_millis(1500);

fn limits(max_connections: usize) -> ConnectionLimits {
    ConnectionLimits {
        header_read_timeout: HEADER_READ,
        idle_timeout: Duration::from_secs(30),
        max_connections,
        ..ConnectionLimits::default()
    }
}

/// How a stalled connection ended, seen from the client.
struct Ended {
    /// From the moment its partial request was sent.
    after: Duration,
    /// What the server wrote before closing.
    answer: Vec<u8>,
}

/// Connects, sends `partial`, and reads until the server closes the connection (end of
/// stream or reset), for at most 10 s.
async fn stall(addr: SocketAddr, partial: &'static [u8]) -> JoinHandle<Option<Ended>> {
    let mut tcp = TcpStream::connect(addr).await.expect("connect");
    tcp.write_all(partial)
        .await
        .expect("send the partial request");
    let sent = Instant::now();
    tokio::spawn(async move {
        let mut answer = Vec::new();
        let read = tokio::time::timeout(Duration::from_secs(10), async {
            let mut buf = [0u8; 1024];
            loop {
                match tcp.read(&mut buf).await {
                    Ok(0) | Err(_) => break,
                    Ok(n) => answer.extend_from_slice(&buf[..n]),
                }
            }
        })
        .await;
        read.ok().map(|()| Ended {
            after: sent.elapsed(),
            answer,
        })
    })
}

/// Polls `attempt` (each try bounded by 2 s) until it returns 200, within `deadline`;
/// returns every status seen.
async fn until_ok<F, Fut>(deadline: Duration, attempt: F) -> Vec<u16>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = reqwest::Result<reqwest::Response>>,
{
    let start = Instant::now();
    let mut seen = Vec::new();
    loop {
        let status = match tokio::time::timeout(Duration::from_secs(2), attempt()).await {
            Ok(Ok(response)) => response.status().as_u16(),
            Ok(Err(_)) => 0,
            Err(_) => panic!("a request hung for 2 s under the flood (seen: {seen:?})"),
        };
        seen.push(status);
        if status == 200 {
            return seen;
        }
        assert!(
            start.elapsed() < deadline,
            "no 200 within {deadline:?}: {seen:?}"
        );
        // Polling interval, not a wait for something to happen.
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn a_flood_of_half_sent_requests_is_refused_past_the_cap_and_closed_after_the_header_timeout()
{
    const CAP: usize = 32;
    const FLOOD: usize = 160;
    let app = spawn_configured(|c| c.connections = limits(CAP)).await;
    let t = app.tenant().await;
    let addr: SocketAddr = app.base.trim_start_matches("http://").parse().unwrap();

    let flood_started = Instant::now();
    let mut stalled = Vec::new();
    for _ in 0..FLOOD {
        stalled.push(stall(addr, b"GET /healthz HTTP/1.1\r\nHost: flood").await);
    }
    // While the flood holds the listener, new requests are answered at once (503 while it is
    // full), and answered for real once the stalled connections are gone.
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .unwrap();
    let healthz = until_ok(Duration::from_secs(8), || {
        client.get(format!("{}/healthz", app.base)).send()
    })
    .await;
    let authenticated = until_ok(Duration::from_secs(8), || {
        client
            .request(Method::GET, app.url("/customers?limit=1"))
            .header("x-api-key", &t.key)
            .header("x-organization-id", &t.org)
            .send()
    })
    .await;
    // Refused is a 503 (a closed connection only past 256 refusals at once, more than this
    // flood makes); never a hang (`until_ok` fails on one).
    assert!(
        healthz
            .iter()
            .chain(&authenticated)
            .all(|s| [200, 503].contains(s)),
        "only refusals or 200: {healthz:?} {authenticated:?}"
    );
    let answered_within = flood_started.elapsed();

    let ended: Vec<Ended> = join_all(stalled)
        .await
        .into_iter()
        .map(|e| {
            e.unwrap()
                .expect("every flooding connection is closed within 10 s")
        })
        .collect();
    let (refused, admitted): (Vec<_>, Vec<_>) = ended
        .iter()
        .partition(|e| e.answer.starts_with(b"HTTP/1.1 503"));
    // Every connection past the cap is refused at once, with the contract's error body.
    assert!(
        refused.len() >= FLOOD - 2 * CAP,
        "{} of {FLOOD} refused",
        refused.len()
    );
    for e in &refused {
        assert!(
            e.after < Duration::from_secs(1),
            "refused after {:?}",
            e.after
        );
        let text = String::from_utf8_lossy(&e.answer);
        assert!(text.contains("\"code\":\"service_unavailable\""), "{text}");
        assert!(
            text.to_ascii_lowercase().contains("retry-after: 1"),
            "{text}"
        );
    }
    // The admitted ones were held until the header-read timeout, then closed (hyper may
    // answer 408 first), never answered as if the request were whole.
    assert!(admitted.len() >= CAP, "{} admitted", admitted.len());
    for e in &admitted {
        assert!(
            e.after >= HEADER_READ - Duration::from_millis(100),
            "closed early: {:?}",
            e.after
        );
        assert!(
            e.after < HEADER_READ + Duration::from_secs(3),
            "closed late: {:?}",
            e.after
        );
        assert!(!e.answer.starts_with(b"HTTP/1.1 200"));
    }
    eprintln!(
        "flood of {FLOOD} (cap {CAP}): {} refused, {} closed after {:?}..{:?}; /healthz {healthz:?}, \
         authenticated {authenticated:?}, both answered within {answered_within:?}",
        refused.len(),
        admitted.len(),
        admitted.iter().map(|e| e.after).min().unwrap(),
        admitted.iter().map(|e| e.after).max().unwrap(),
    );
    app.shutdown().await;
}

#[tokio::test]
async fn a_kept_alive_connection_is_closed_when_idle() {
    let app = spawn_configured(|c| {
        c.connections = ConnectionLimits {
            header_read_timeout: Duration::from_secs(4),
            idle_timeout: Duration::from_millis(800),
            ..ConnectionLimits::default()
        }
    })
    .await;
    let addr: SocketAddr = app.base.trim_start_matches("http://").parse().unwrap();
    let mut tcp = TcpStream::connect(addr).await.unwrap();
    tcp.write_all(b"GET /healthz HTTP/1.1\r\nHost: idle\r\n\r\n")
        .await
        .unwrap();
    let mut answer = Vec::new();
    let mut buf = [0u8; 1024];
    let mut answered = None;
    let closed = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            match tcp.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    answer.extend_from_slice(&buf[..n]);
                    answered.get_or_insert_with(Instant::now);
                }
            }
        }
    })
    .await;
    closed.expect("the idle connection is closed");
    assert!(answer.starts_with(b"HTTP/1.1 200"), "{answer:?}");
    // Closed by the idle timeout, well before hyper's header-read timeout would have.
    let idle = answered.unwrap().elapsed();
    assert!(
        idle >= Duration::from_millis(700) && idle < Duration::from_millis(3500),
        "closed after {idle:?} idle"
    );
    app.shutdown().await;
}

#[tokio::test]
async fn stalled_http2_prefaces_do_not_block_grpc_and_are_closed() {
    use tonic_health::pb::{HealthCheckRequest, health_client::HealthClient};
    const CAP: usize = 8;
    let app = spawn_configured(|c| c.connections = limits(CAP)).await;
    let addr: SocketAddr = app.grpc.trim_start_matches("http://").parse().unwrap();
    let preface: &'static [u8] = b"PRI * HTTP/2.0\r\n";
    let connect = || async {
        let channel = tonic::transport::Channel::from_shared(app.grpc.clone())
            .unwrap()
            .connect()
            .await
            .expect("connect");
        HealthClient::new(channel)
    };
    let check = |mut client: HealthClient<tonic::transport::Channel>| async move {
        let answer = client.check(HealthCheckRequest::default()).await?;
        Ok::<_, tonic::Status>(answer.into_inner().status)
    };

    let mut stalled = Vec::new();
    for _ in 0..CAP / 2 {
        stalled.push(stall(addr, preface).await);
    }
    // A real call beside the stalled ones, at once; its connection stays open (one of CAP).
    let started = Instant::now();
    let client = connect().await;
    check(client.clone())
        .await
        .expect("a gRPC call beside stalled prefaces");
    assert!(started.elapsed() < Duration::from_secs(1));

    // Fill the listener: one more connection is closed at once, without a word.
    for _ in 0..CAP - CAP / 2 - 1 {
        stalled.push(stall(addr, preface).await);
    }
    let extra = stall(addr, preface).await.await.unwrap().expect("closed");
    assert!(extra.after < Duration::from_secs(1), "{:?}", extra.after);
    assert!(extra.answer.is_empty());

    for ended in join_all(stalled).await {
        let ended = ended.unwrap().expect("each stalled preface is closed");
        assert!(
            ended.after >= HEADER_READ - Duration::from_millis(100)
                && ended.after < HEADER_READ + Duration::from_secs(3),
            "closed after {:?}",
            ended.after
        );
    }
    // The working connection was not touched, and new ones are admitted again.
    check(client)
        .await
        .expect("the first connection still works");
    let fresh = connect().await;
    check(fresh)
        .await
        .expect("a new connection after the flood");
    app.shutdown().await;
}

/// What `asteri serve` does on SIGTERM: the signal wins a race against `Running::wait`,
/// whose future is dropped, then `Running::shutdown` drains. A request under way (its body
/// half sent) keeps the drain open until it is answered, and new connections are refused.
/// When `wait` took the server tasks out of `Running`, shutdown found none, returned at once
/// and the process dropped the requests under way.
#[tokio::test]
async fn the_drain_answers_the_request_under_way_after_the_signal_dropped_wait() {
    let mut app = spawn_app().await;
    let tenant = app.tenant().await;
    let addr: SocketAddr = app.base.trim_start_matches("http://").parse().unwrap();
    let mut running = app.running.take().unwrap();
    // Polled once and dropped, as when the signal wins the select.
    assert!(
        running.wait().now_or_never().is_none(),
        "a server task ended on its own"
    );

    let body = br#"{"name":"Drained Customer"}"#;
    let (first, rest) = body.split_at(10);
    let mut tcp = TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "POST /api/public/v1/customers HTTP/1.1\r\nhost: drain\r\nx-api-key: {}\r\n\
         x-organization-id: {}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
        tenant.key,
        tenant.org,
        body.len()
    );
    tcp.write_all(head.as_bytes()).await.unwrap();
    tcp.write_all(first).await.unwrap();

    let drained = tokio::spawn(running.shutdown());
    // The listener is closed once the stop has reached the accept loop.
    poll(|| async { TcpStream::connect(addr).await.is_err().then_some(()) }).await;
    assert!(
        !drained.is_finished(),
        "the drain ended with a request under way"
    );
    tcp.write_all(rest).await.unwrap();
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), tcp.read_to_end(&mut answer))
        .await
        .expect("the answer within 10 s")
        .unwrap();
    let text = String::from_utf8_lossy(&answer);
    assert!(text.starts_with("HTTP/1.1 201"), "{text}");
    assert!(text.contains("Drained Customer"), "{text}");
    tokio::time::timeout(Duration::from_secs(10), drained)
        .await
        .expect("the drain ends once the request is answered")
        .unwrap();
}
