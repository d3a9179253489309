//! CONTRACT section 4 across replicas: with `ASTERI_REDIS_URL`, two apps (two processes'
//! worth of gateway and services, each with its own caches and budgets) spend one budget per
//! key, exactly, through both doors; when Redis cannot be reached each process falls back to
//! its own budget (fail open, README "Replicas"). Needs `ASTERI_TEST_REDIS_URL` (skipped
//! with a note without it; `.ci/run` sets it). Every test writes under a prefix of its own.

use std::{
    net::TcpListener as StdListener,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use asteri::{Config, Running};
use futures::future::join_all;
use limits::RedisSettings;
use proto::v1::{ListCustomersRequest, customers_service_client::CustomersServiceClient};
use reqwest::Method;

use crate::helpers::*;

pub fn test_redis_url() -> Option<String> {
    let url = std::env::var("ASTERI_TEST_REDIS_URL")
        .ok()
        .filter(|u| !u.is_empty());
    if url.is_none() {
        eprintln!("skipped: set ASTERI_TEST_REDIS_URL (e.g. redis://127.0.0.1:6379) to run it");
    }
    url
}

/// A key prefix no other test, run or user of the Redis shares.
pub fn unique_prefix(name: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("asteri-it:{name}:{}:{nanos}:", std::process::id())
}

/// Deletes a test's keys (only those under its prefix), so that no day-long state stays.
pub async fn forget(url: &str, prefix: &str) {
    let client = redis::Client::open(url).unwrap();
    let mut redis = client.get_multiplexed_async_connection().await.unwrap();
    let mut cursor = 0_u64;
    loop {
        let (next, keys): (u64, Vec<String>) = redis::cmd("SCAN")
            .arg(cursor)
            .arg("MATCH")
            .arg(format!("{prefix}*"))
            .arg("COUNT")
            .arg(1000)
            .query_async(&mut redis)
            .await
            .unwrap();
        if !keys.is_empty() {
            let _: () = redis::cmd("DEL")
                .arg(keys)
                .query_async(&mut redis)
                .await
                .unwrap();
        }
        if next == 0 {
            break;
        }
        cursor = next;
    }
}

/// App A (the test's usual app) and a second replica B on the same database and Redis, with
/// the same secrets: another gateway and other services, with caches and budgets of their own.
struct Pair {
    a: TestApp,
    b: Running,
    b_base: String,
    _b_dir: tempfile::TempDir,
}

impl Pair {
    async fn start(redis: RedisSettings) -> Self {
        let hash_key = asteri::config::random_token("").into_bytes();
        let (key, settings) = (hash_key.clone(), redis.clone());
        let a = spawn_configured(move |c| {
            c.hash_key = key;
            c.redis = Some(settings);
        })
        .await;
        let dir = tempfile::tempdir().unwrap();
        let mut config = Config::local(a.database_url.clone(), dir.path());
        config.hash_key = hash_key;
        config.internal_token = a.internal_token.clone();
        config.redis = Some(redis);
        let b = asteri::start(config).await.expect("replica B starts");
        Self {
            b_base: format!("http://{}", b.http_addr),
            b,
            a,
            _b_dir: dir,
        }
    }

    fn grpc_b(&self) -> String {
        format!("http://{}", self.b.grpc_addr.unwrap())
    }

    /// A GET of the tenant's customers through replica `b` or A.
    async fn get(&self, t: &Tenant, b: bool) -> reqwest::Response {
        let url = if b {
            format!("{}/api/public/v1/customers?limit=1", self.b_base)
        } else {
            self.a.url("/customers?limit=1")
        };
        self.a
            .client
            .request(Method::GET, url)
            .header("x-api-key", &t.key)
            .header("x-organization-id", &t.org)
            .send()
            .await
            .unwrap()
    }

    async fn tenant(&self, per_minute: u32) -> Tenant {
        let org = self.a.org(true).await;
        let (key, key_id) = self
            .a
            .key(&org, &["read:customers"], Some((per_minute, 100_000)))
            .await;
        Tenant { org, key, key_id }
    }

    async fn shutdown(self) {
        self.b.shutdown().await;
        self.a.shutdown().await;
    }
}

fn remaining(response: &reqwest::Response) -> u32 {
    response.headers()["ratelimit-remaining"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap()
}

#[tokio::test]
async fn one_budget_across_two_replicas_exact_under_concurrency_and_at_both_doors() {
    let Some(url) = test_redis_url() else { return };
    let prefix = unique_prefix("pair");
    let settings = RedisSettings { url, prefix };
    let pair = Pair::start(settings.clone()).await;

    // 64 concurrent requests, half through each replica, on a 12-a-minute key.
    let t = pair.tenant(12).await;
    let responses = join_all((0..64).map(|i| pair.get(&t, i % 2 == 1))).await;
    let mut ok = 0;
    for response in responses {
        match response.status().as_u16() {
            200 => ok += 1,
            429 => {
                let retry_after = response.headers()["retry-after"]
                    .to_str()
                    .unwrap()
                    .to_owned();
                let body = expect_error(response, 429, "rate_limited").await;
                assert_eq!(
                    (body["window"].as_str(), body["limit"].as_u64()),
                    (Some("minute"), Some(12))
                );
                assert_eq!(body["reset_seconds"].to_string(), retry_after);
            }
            other => panic!("unexpected {other}"),
        }
    }
    assert_eq!(ok, 12, "exactly the budget passes, across both replicas");

    // Both doors of both replicas spend the one budget, each request once.
    let t = pair.tenant(10).await;
    let mut expected = 10;
    for b in [false, true, false, true] {
        let response = pair.get(&t, b).await;
        expected -= 1;
        assert_eq!(
            (response.status().as_u16(), remaining(&response)),
            (200, expected)
        );
    }
    let list = || {
        t.grpc(
            ListCustomersRequest {
                limit: Some(1),
                ..Default::default()
            },
            &[],
        )
    };
    for grpc in [pair.a.grpc.clone(), pair.grpc_b()] {
        let mut client = CustomersServiceClient::connect(grpc).await.unwrap();
        for _ in 0..3 {
            let answer = client.list_customers(list()).await.unwrap();
            expected -= 1;
            let left = answer.metadata().get("ratelimit-remaining").unwrap();
            assert_eq!(left.to_str().unwrap(), expected.to_string());
        }
    }
    assert_eq!(expected, 0);
    let mut client = CustomersServiceClient::connect(pair.grpc_b())
        .await
        .unwrap();
    let refused = client.list_customers(list()).await.unwrap_err();
    assert_eq!(refused.code(), tonic::Code::ResourceExhausted);
    expect_error(pair.get(&t, false).await, 429, "rate_limited").await;
    pair.shutdown().await;
    forget(&settings.url, &settings.prefix).await;
}

/// A port nothing listens on.
fn closed_port() -> u16 {
    let listener = StdListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

#[tokio::test]
async fn an_unreachable_redis_fails_open_to_each_replicas_own_budget() {
    let redis = RedisSettings {
        url: format!("redis://127.0.0.1:{}", closed_port()),
        prefix: unique_prefix("closed"),
    };
    let pair = Pair::start(redis).await;
    let t = pair.tenant(3).await;
    for b in [false, true] {
        for left in [2, 1, 0] {
            let response = pair.get(&t, b).await;
            assert_eq!(
                (response.status().as_u16(), remaining(&response)),
                (200, left)
            );
        }
        let refused = expect_error(pair.get(&t, b).await, 429, "rate_limited").await;
        assert_eq!(refused["limit"], 3);
    }
    pair.shutdown().await;
}

/// A Redis server of the test's own (so that stopping it disturbs nobody), without
/// persistence: a restart starts empty.
struct OwnRedis {
    port: u16,
    child: Child,
}

impl OwnRedis {
    fn start(port: u16) -> Option<Self> {
        let child = Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .spawn();
        let Ok(child) = child else {
            eprintln!("skipped: no redis-server to start and stop");
            return None;
        };
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "redis-server did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
        Some(Self { port, child })
    }

    fn stop(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for OwnRedis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test]
async fn redis_going_away_mid_run_falls_back_and_sharing_resumes_when_it_returns() {
    if test_redis_url().is_none() {
        return;
    }
    let Some(redis) = OwnRedis::start(closed_port()) else {
        return;
    };
    let port = redis.port;
    let settings = RedisSettings {
        url: format!("redis://127.0.0.1:{port}"),
        prefix: unique_prefix("away"),
    };
    let pair = Pair::start(settings.clone()).await;
    let t = pair.tenant(20).await;
    // Shared: each request through either replica takes one from the same budget.
    let (a, b) = (pair.get(&t, false).await, pair.get(&t, true).await);
    assert_eq!((remaining(&a), remaining(&b)), (19, 18));

    redis.stop();
    // Every request is still answered, by each replica's own budget (whole at first: 19 left
    // after one, where the shared budget had 18).
    for i in 0..3 {
        let (a, b) = (pair.get(&t, false).await, pair.get(&t, true).await);
        assert_eq!((a.status().as_u16(), b.status().as_u16()), (200, 200));
        if i == 0 {
            assert_eq!(
                (remaining(&a), remaining(&b)),
                (19, 19),
                "each counts alone"
            );
        }
    }

    let _redis = OwnRedis::start(port).expect("redis-server restarts");
    // Within a few retry periods each replica spends in Redis again: a request through it
    // moves the key's state there.
    let client = redis::Client::open(settings.url.as_str()).unwrap();
    let state = format!("{}limits:{{{}}}:m20", settings.prefix, t.key_id);
    let read = || async {
        let mut connection = client.get_multiplexed_async_connection().await.unwrap();
        redis::cmd("GET")
            .arg(&state)
            .query_async::<Option<String>>(&mut connection)
            .await
            .unwrap()
    };
    let deadline = Instant::now() + limits::RETRY_AFTER * 5 + limits::REDIS_TIMEOUT;
    let mut shared_again = [false; 2];
    while shared_again != [true, true] {
        for (i, b) in [false, true].into_iter().enumerate() {
            let before = read().await;
            assert_eq!(pair.get(&t, b).await.status(), 200, "answered meanwhile");
            shared_again[i] |= read().await != before;
        }
        assert!(
            Instant::now() < deadline,
            "sharing did not resume: {shared_again:?}"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    pair.shutdown().await;
}
