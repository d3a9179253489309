//! A gateway stopped (SIGTERM: it drains) and started again under load: a client that
//! spreads its requests over both gateways and moves to the other when one does not take
//! the connection gets every request answered, and none with a 5xx.

use std::{
    sync::{
        Arc, Mutex,
        atomic::{AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

use futures::future::join_all;
use reqwest::{Client, Method};

use super::{Replicas, upstreams};

#[derive(Default)]
struct Tally {
    issued: AtomicUsize,
    /// Answers by gateway (A, B), and by A after its restart.
    answered: [AtomicUsize; 2],
    answered_by_new_a: AtomicUsize,
    /// Moves to the other gateway: the connection was refused; or a kept-alive connection
    /// closed or reset before any answer (the stopping gateway closes idle connections without
    /// reading from them, and the client had just sent on one: HTTP/1's keep-alive race).
    refused: AtomicUsize,
    broken: Mutex<Vec<String>>,
    statuses: Mutex<Vec<u16>>,
}

const AT_LEAST: usize = 600;
/// The restarted gateway must take this many before the load stops.
const BY_NEW_A: usize = 50;

pub async fn every_request_is_answered_while_a_gateway_restarts(r: &mut Replicas, customer: &str) {
    let (key, _) = r.key("read:customers", 1_000_000, 10_000_000).await;
    let bases = [r.gateways[0].base(), r.gateways[1].base()];
    let a_addr = r.gateways[0].http;
    let tally = Arc::new(Tally::default());
    let restarted = Arc::new(Mutex::new(None::<Instant>));
    let client = Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    let path = format!("/api/public/v1/customers/{customer}");

    let load = (0..8).map(|_| {
        let (tally, restarted, client) = (tally.clone(), restarted.clone(), client.clone());
        let (bases, key, org, path) = (bases.clone(), key.clone(), r.org.clone(), path.clone());
        tokio::spawn(async move {
            let started = Instant::now();
            loop {
                let enough = tally.answered_by_new_a.load(Ordering::Relaxed) >= BY_NEW_A;
                let i = tally.issued.fetch_add(1, Ordering::Relaxed);
                if (i >= AT_LEAST && enough) || started.elapsed() > Duration::from_secs(120) {
                    break;
                }
                let mut gateway = i % 2;
                let mut tries = 0;
                let status = loop {
                    tries += 1;
                    assert!(tries <= 20, "no gateway answered request {i}");
                    let sent = client
                        .request(Method::GET, format!("{}{path}", bases[gateway]))
                        .header("x-api-key", &key)
                        .header("x-organization-id", &org)
                        .send()
                        .await;
                    match sent {
                        Ok(response) => break response.status().as_u16(),
                        Err(e) if e.is_connect() => {
                            tally.refused.fetch_add(1, Ordering::Relaxed);
                        }
                        Err(e) if closed_unread(&e) => {
                            tally.broken.lock().unwrap().push(format!("{e:?}"));
                        }
                        Err(e) => panic!("request {i} failed: {e:?}"),
                    }
                    gateway = 1 - gateway;
                };
                tally.answered[gateway].fetch_add(1, Ordering::Relaxed);
                if gateway == 0 && restarted.lock().unwrap().is_some() {
                    tally.answered_by_new_a.fetch_add(1, Ordering::Relaxed);
                }
                tally.statuses.lock().unwrap().push(status);
            }
        })
    });
    let load = tokio::spawn(join_all(load));

    // Under load: stop gateway A, then start it again on its address.
    let answered = || tally.statuses.lock().unwrap().len();
    while answered() < 150 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let old_a = r.gateways.remove(0);
    let drained = old_a.terminate().await;
    let stopped_at = answered();
    let upstream = r.services[0].grpc_url();
    let new_a = r
        .system
        .serve("gateway", a_addr, &upstreams(&upstream))
        .await;
    assert_eq!(new_a.http, a_addr, "restarted on its address");
    r.gateways.insert(0, new_a);
    *restarted.lock().unwrap() = Some(Instant::now());
    for worker in load.await.unwrap() {
        worker.unwrap();
    }

    let statuses = tally.statuses.lock().unwrap().clone();
    let broken = tally.broken.lock().unwrap().clone();
    let count = |s: u16| statuses.iter().filter(|x| **x == s).count();
    println!(
        "restart: {} requests answered ({} by A, {} by B, {} by A after its restart), {} with 200; \
         A drained and exited in {drained:?} after {stopped_at} answers; {} moves on connection \
         refused, {} on a connection broken before any answer",
        statuses.len(),
        tally.answered[0].load(Ordering::Relaxed),
        tally.answered[1].load(Ordering::Relaxed),
        tally.answered_by_new_a.load(Ordering::Relaxed),
        count(200),
        tally.refused.load(Ordering::Relaxed),
        broken.len(),
    );
    if let Some(first) = broken.first() {
        println!("restart: the first broken connection: {first}");
    }
    assert!(statuses.len() >= AT_LEAST);
    assert_eq!(
        count(200),
        statuses.len(),
        "every request answered 200: {statuses:?}\nfailures the processes logged:\n{}",
        r.system.failures_logged()
    );
    assert!(tally.answered_by_new_a.load(Ordering::Relaxed) >= BY_NEW_A);
    // A broken connection may only be an idle one the stopping gateway closed as the client
    // sent on it: a handful at most (one per pooled connection), never a steady failure.
    assert!(broken.len() <= 8, "connections broke: {broken:?}");
}

/// Whether the connection closed before any answer came: the one failure other than a
/// refused connection that a stopping gateway may cause. It closes its idle kept-alive
/// connections; when the client's next request was already on its way, the client reads
/// the end of the stream (hyper's "incomplete message") or, when the request reached the
/// gateway's socket before the close, a reset (the kernel resets a socket closed with
/// unread data).
fn closed_unread(error: &reqwest::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(e) = source {
        if e.downcast_ref::<hyper::Error>()
            .is_some_and(hyper::Error::is_incomplete_message)
            || e.downcast_ref::<std::io::Error>()
                .is_some_and(|io| io.kind() == std::io::ErrorKind::ConnectionReset)
        {
            return true;
        }
        source = e.source();
    }
    false
}
