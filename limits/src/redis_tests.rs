//! Each test writes under a prefix of its own, so that tests (and other users of the same
//! Redis) never see each other's keys; nothing is ever flushed.

use futures::future::join_all;

use crate::{KeyBudgets, RedisSettings};

fn settings() -> Option<RedisSettings> {
    let Some(url) = std::env::var("ASTERI_TEST_REDIS_URL")
        .ok()
        .filter(|u| !u.is_empty())
    else {
        eprintln!("skipped: set ASTERI_TEST_REDIS_URL to run the shared-budget tests");
        return None;
    };
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    Some(RedisSettings {
        url,
        prefix: format!("asteri-test:{}:{nanos}:", std::process::id()),
    })
}

/// Deletes the test's keys (and only those: its prefix), so that no day-long state stays.
pub(crate) async fn forget(url: &str, prefix: &str) {
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

/// Two "processes" (two independent `KeyBudgets` on one prefix).
fn two(settings: &RedisSettings) -> (KeyBudgets, KeyBudgets) {
    let one = || KeyBudgets::shared(settings, "test".into()).unwrap();
    (one(), one())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exact_across_processes_under_concurrency() {
    let Some(settings) = settings() else { return };
    let (a, b) = two(&settings);
    // 30 a minute refills one request every 2 s; 120 spends end long before that.
    let spends = (0..120).map(|i| {
        let budgets = if i % 2 == 0 { a.clone() } else { b.clone() };
        async move { budgets.spend("key_x", 30, 10_000).await }
    });
    let results = join_all(spends.map(tokio::spawn)).await;
    let mut remaining: Vec<u32> = Vec::new();
    for result in results {
        match result.unwrap() {
            Ok(budget) => {
                assert_eq!(budget.limit, 30);
                remaining.push(budget.remaining);
            }
            Err(refused) => {
                assert_eq!((refused.window, refused.limit), ("minute", 30));
                assert!((1..=2).contains(&refused.retry_after), "{refused:?}");
            }
        }
    }
    remaining.sort_unstable();
    assert_eq!(
        remaining,
        (0..30).collect::<Vec<_>>(),
        "each of 30 spent once"
    );
    forget(&settings.url, &settings.prefix).await;
}

#[tokio::test]
async fn uneven_intervals_admit_exactly_the_limit() {
    let Some(settings) = settings() else { return };
    let (a, b) = two(&settings);
    // 7 a minute and 13 a day: intervals that are not whole microseconds.
    for (i, (minute, day)) in [(7, 10_000), (100, 13)].into_iter().enumerate() {
        let key = format!("key_{i}");
        let mut ok = 0;
        for n in 0..20 {
            let budgets = if n % 2 == 0 { &a } else { &b };
            if budgets.spend(&key, minute, day).await.is_ok() {
                ok += 1;
            }
        }
        assert_eq!(ok, minute.min(day), "{minute}/min, {day}/day");
    }
    forget(&settings.url, &settings.prefix).await;
}

#[tokio::test]
async fn a_refused_request_spends_nothing_and_states_expire_with_their_windows() {
    let Some(settings) = settings() else { return };
    let (a, _) = two(&settings);
    a.spend("key_r", 3, 2).await.unwrap();
    let budget = a.spend("key_r", 3, 2).await.unwrap();
    assert_eq!(
        (budget.limit, budget.remaining),
        (2, 0),
        "the day is closer"
    );
    let refused = a.spend("key_r", 3, 2).await.unwrap_err();
    assert_eq!((refused.window, refused.limit), ("day", 2));
    assert!(
        refused.retry_after > 40_000,
        "a day's budget refills slowly"
    );
    // The refusal spent no minute: with a larger day budget (a fresh day state), the minute
    // still has exactly one request left.
    assert_eq!(a.spend("key_r", 3, 5).await.unwrap().remaining, 0);
    let refused = a.spend("key_r", 3, 5).await.unwrap_err();
    assert_eq!(refused.window, "minute");

    let client = redis::Client::open(settings.url.as_str()).unwrap();
    let redis = client.get_multiplexed_async_connection().await.unwrap();
    let ttl = |name: String| {
        let mut redis = redis.clone();
        async move {
            redis::cmd("PTTL")
                .arg(name)
                .query_async::<i64>(&mut redis)
                .await
                .unwrap()
        }
    };
    let minute = ttl(format!("{}limits:{{key_r}}:m3", settings.prefix)).await;
    let day = ttl(format!("{}limits:{{key_r}}:d2", settings.prefix)).await;
    assert!(
        (1..=60_001).contains(&minute),
        "minute state expires: {minute}"
    );
    assert!(
        (43_000_000..=86_400_001).contains(&day),
        "day state expires when the day is whole again: {day}"
    );
    forget(&settings.url, &settings.prefix).await;
}

/// Fail open: a Redis that cannot be reached leaves each process its own exact budget.
#[tokio::test]
async fn an_unreachable_redis_leaves_the_process_budget() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let settings = RedisSettings {
        url: format!("redis://127.0.0.1:{port}"),
        prefix: "unused:".into(),
    };
    let budgets = KeyBudgets::shared(&settings, "closed port".into()).unwrap();
    let started = std::time::Instant::now();
    for i in 0..3 {
        assert_eq!(budgets.spend("k", 3, 100).await.unwrap().remaining, 2 - i);
    }
    assert_eq!(
        budgets.spend("k", 3, 100).await.unwrap_err().window,
        "minute"
    );
    assert!(
        started.elapsed() < crate::REDIS_TIMEOUT,
        "a refused connection is not waited for"
    );
    assert!(
        KeyBudgets::shared(
            &RedisSettings {
                url: "http://not-redis".into(),
                prefix: String::new()
            },
            String::new()
        )
        .is_err()
    );
}
