//! Keyset pagination benchmark: the cost of page 1 against page 1,000 of `GET /customers`
//! on an organization of 100,000 customers. With keyset pagination both are one index range
//! scan, so the ratio should be 1 within noise; an OFFSET scheme would grow with the page.
//!
//! `cargo bench --bench list_pages` (SQLite in a temp folder). Options, as environment:
//! `ASTERI_BENCH_CUSTOMERS` (100000), `ASTERI_BENCH_LIMIT` (100, so page 1,000 is near the
//! end), `ASTERI_BENCH_ROUNDS` (300), `ASTERI_BENCH_DATABASE_URL` (e.g. a postgres:// URL).

use std::time::{Duration, Instant};

use asteri::{Config, cli};
use proto::v1::CreateCustomerRequest;
use services::{Platform, auth::RequestContext};
use storage::OrgId;

fn env_num(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn stats(mut samples: Vec<Duration>) -> (f64, f64) {
    samples.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    (
        ms(samples[samples.len() / 2]),
        ms(samples[samples.len() * 95 / 100]),
    )
}

/// Seeds through the real write path (insert + audit + event), 1,000 customers per
/// transaction so that 100,000 take seconds, not minutes.
async fn seed(platform: &Platform, org: &str, count: usize) -> anyhow::Result<()> {
    let org = OrgId::new(org);
    let ctx = RequestContext::operator(Some(org.clone()));
    let mut done = 0;
    while done < count {
        let mut w = platform.store.write(ctx.write_context()?).await?;
        for i in done..(done + 1_000).min(count) {
            let mut req: CreateCustomerRequest = asteri::seed::customer(i);
            req.addresses.clear();
            let created =
                storage::customers::insert(&w, services::customers::new_record(req)).await?;
            let message = services::customers::customer_message(&created);
            services::record::record(
                &mut w,
                "customer.create",
                "customer",
                &created.id,
                None,
                Some(&message),
                Some("customer.created"),
            )
            .await?;
        }
        w.commit().await?;
        done = (done + 1_000).min(count);
    }
    Ok(())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let customers = env_num("ASTERI_BENCH_CUSTOMERS", 100_000);
    let limit = env_num("ASTERI_BENCH_LIMIT", 100);
    let rounds = env_num("ASTERI_BENCH_ROUNDS", 300);
    let target_page = 1_000.min(customers.div_ceil(limit));
    let dir = tempfile::tempdir()?;
    let database_url = std::env::var("ASTERI_BENCH_DATABASE_URL").unwrap_or_else(|_| {
        format!(
            "sqlite://{}?mode=rwc",
            dir.path().join("bench.db").display()
        )
    });
    let config = Config::local(database_url.clone(), dir.path());
    let running = asteri::start(config.clone()).await?;
    let platform = Platform::new(
        running.store.clone().expect("all role"),
        &config.hash_key,
        &config.internal_token,
    );
    let org = cli::create_org(&platform, "Bench Co", true).await?.id;
    let key = cli::create_key(
        &platform,
        cli::NewKey {
            org: &org,
            name: "bench",
            scopes: vec!["read:customers".into()],
            env: None,
            expires_in: None,
            per_minute: Some(1_000_000),
            per_day: Some(100_000_000),
        },
    )
    .await?
    .secret;

    let started = Instant::now();
    seed(&platform, &org, customers).await?;
    eprintln!(
        "seeded {customers} customers in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    let client = reqwest::Client::new();
    let url = format!("http://{}/api/public/v1/customers", running.http_addr);
    let get = |query: String| {
        let request = client
            .get(format!("{url}?{query}"))
            .header("x-api-key", &key)
            .header("x-organization-id", &org);
        async move {
            let response = request.send().await?;
            anyhow::ensure!(response.status() == 200, "status {}", response.status());
            Ok::<serde_json::Value, anyhow::Error>(response.json().await?)
        }
    };
    // Walk to page 1,000 (this also proves the cursor chain holds over the whole list).
    let mut cursor = String::new();
    for _ in 1..target_page {
        let body = get(format!("limit={limit}&cursor={cursor}")).await?;
        cursor = body["next_cursor"].as_str().unwrap_or_default().to_owned();
    }
    let first_query = format!("limit={limit}");
    let deep_query = format!("limit={limit}&cursor={cursor}");
    let deep = get(deep_query.clone()).await?;
    anyhow::ensure!(
        deep["data"].as_array().is_some_and(|d| !d.is_empty()),
        "page {target_page} is empty"
    );

    // Warm up, then alternate the two requests so that drift hits both alike.
    for _ in 0..20 {
        get(first_query.clone()).await?;
        get(deep_query.clone()).await?;
    }
    let (mut first, mut last) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        let t = Instant::now();
        get(first_query.clone()).await?;
        first.push(t.elapsed());
        let t = Instant::now();
        get(deep_query.clone()).await?;
        last.push(t.elapsed());
    }
    let ((first_median, first_p95), (deep_median, deep_p95)) = (stats(first), stats(last));
    let backend = if database_url.starts_with("postgres") {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    println!(
        "GET /customers?limit={limit} on {customers} customers ({backend}, {rounds} rounds each)"
    );
    println!("  page 1      median {first_median:.3} ms   p95 {first_p95:.3} ms");
    println!("  page {target_page:<5}  median {deep_median:.3} ms   p95 {deep_p95:.3} ms");
    println!(
        "  ratio page {target_page} / page 1 (median): {:.2}",
        deep_median / first_median
    );
    running.shutdown().await;
    Ok(())
}
