//! Two workers on one delivery queue: every attempt is sent once. The receiver refuses the
//! first attempt of every event, so each event is attempted exactly twice (the retry a second
//! later); a third arrival, or two at once, would be an attempt sent twice.

use std::{
    collections::HashMap,
    net::SocketAddr,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use axum::{
    Router,
    extract::{ConnectInfo, State},
    http::{HeaderMap, StatusCode},
    routing::post,
};
use futures::{StreamExt as _, stream};
use reqwest::Method;
use serde_json::json;

use super::Replicas;

const EVENTS: usize = 40;

/// Per `webhook-id`, how many attempts arrived; and each attempt's source port, to tell
/// which worker sent it.
#[derive(Default)]
struct Arrivals {
    attempts: HashMap<String, u32>,
    ports: Vec<u16>,
}

type Shared = Arc<Mutex<Arrivals>>;

async fn receive(
    State(arrivals): State<Shared>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> StatusCode {
    let id = headers["webhook-id"].to_str().unwrap().to_owned();
    let mut arrivals = arrivals.lock().unwrap();
    arrivals.ports.push(peer.port());
    let n = arrivals.attempts.entry(id).or_default();
    *n += 1;
    if *n == 1 {
        StatusCode::SERVICE_UNAVAILABLE
    } else {
        StatusCode::NO_CONTENT
    }
}

pub async fn no_webhook_attempt_is_sent_twice(r: &Replicas) {
    let arrivals = Shared::default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let receiver = listener.local_addr().unwrap();
    let app = Router::new()
        .route("/hooks", post(receive))
        .with_state(arrivals.clone())
        .into_make_service_with_connect_info::<SocketAddr>();
    tokio::spawn(async move { axum::serve(listener, app).await });

    let (key, _) = r
        .key("manage:webhooks,write:customers", 100_000, 1_000_000)
        .await;
    let endpoint = r
        .req(0, &key, Method::POST, "/webhook_endpoints")
        .json(&json!({"url": format!("http://{receiver}/hooks"), "event_types": ["customer.created"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(endpoint.status(), 201, "{}", endpoint.text().await.unwrap());
    let created = stream::iter(0..EVENTS)
        .map(|i| {
            r.req(i % 2, &key, Method::POST, "/customers")
                .json(&json!({"name": format!("Hooked {i}")}))
                .send()
        })
        .buffer_unordered(8)
        .collect::<Vec<_>>()
        .await;
    assert!(created.iter().all(|c| c.as_ref().unwrap().status() == 201));

    let started = Instant::now();
    let total = || arrivals.lock().unwrap().ports.len();
    while total() < 2 * EVENTS {
        let waited = started.elapsed();
        assert!(
            waited < Duration::from_secs(60),
            "{} of {} attempts arrived: {}",
            total(),
            2 * EVENTS,
            r.logs()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // A duplicate would come from a second worker sending a row another one claimed: give it
    // the time of a further retry (the 1 s delay) and the workers' polls to show itself.
    tokio::time::sleep(Duration::from_millis(2_000)).await;
    let arrivals = std::mem::take(&mut *arrivals.lock().unwrap());
    let by_worker = senders(r, receiver, &arrivals.ports).await;
    println!(
        "webhooks: {EVENTS} events, {} attempts in {:?}; sent by worker 1: {}, worker 2: {}, \
         not attributed (connection gone): {}",
        arrivals.ports.len(),
        started.elapsed(),
        by_worker[0],
        by_worker[1],
        by_worker[2],
    );
    assert_eq!(arrivals.attempts.len(), EVENTS, "one webhook id per event");
    let not_twice: Vec<_> = arrivals.attempts.iter().filter(|(_, n)| **n != 2).collect();
    assert!(
        not_twice.is_empty(),
        "every event attempted exactly twice: {not_twice:?}"
    );
}

/// How many attempts each worker sent: the workers keep their connections to the receiver
/// open, and `ss` names the process behind each source port (the last count: unknown).
async fn senders(r: &Replicas, receiver: SocketAddr, ports: &[u16]) -> [usize; 3] {
    let filter = format!("dport = :{}", receiver.port());
    let Ok(out) = tokio::process::Command::new("ss")
        .args(["-tnpH", &filter])
        .output()
        .await
    else {
        return [0, 0, ports.len()];
    };
    let owner: HashMap<u16, u32> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|line| {
            let local = line.split_whitespace().nth(3)?;
            let port = local.rsplit(':').next()?.parse().ok()?;
            let pid = line.split("pid=").nth(1)?.split(',').next()?.parse().ok()?;
            Some((port, pid))
        })
        .collect();
    let workers: Vec<Option<u32>> = r.workers.iter().map(|w| w.pid()).collect();
    let mut counts = [0; 3];
    for port in ports {
        let pid = owner.get(port).copied();
        let slot = workers.iter().position(|w| pid.is_some() && *w == pid);
        counts[slot.unwrap_or(2)] += 1;
    }
    counts
}
