//! What recording costs on a request's path: `cargo bench -p telemetry --bench record`.
//! Each line is the time of one call, averaged over many, on a series that exists (the
//! steady state), with the Prometheus reader attached as in production; two threads at once
//! show what sharing a series costs.
//!
//! Times vary with the machine's load; instruction counts do not: `record http 10000` runs
//! one kind of call only, so that under `valgrind --tool=callgrind` the difference between
//! two counts (10000 and 20000 calls) divided by 10000 is the instructions of one call.

use std::{
    hint::black_box,
    sync::Arc,
    time::{Duration, Instant},
};

use telemetry::metrics::{Metrics, MetricsSettings, StringValue};

const N: u32 = 2_000_000;

fn per_call(name: &str, threads: usize, f: impl Fn() + Send + Sync + 'static) {
    let f = Arc::new(f);
    for _ in 0..10_000 {
        f();
    }
    let started = Instant::now();
    let workers: Vec<_> = (0..threads)
        .map(|_| {
            let f = Arc::clone(&f);
            std::thread::spawn(move || {
                for _ in 0..N {
                    f();
                }
            })
        })
        .collect();
    for w in workers {
        w.join().unwrap();
    }
    let ns = started.elapsed().as_nanos() as f64 / f64::from(N);
    println!("{name:<58} {ns:>7.1} ns");
}

fn main() {
    let metrics = Metrics::start(&MetricsSettings::default()).unwrap();
    let route = StringValue::from(Arc::<str>::from("/api/public/v1/customers/{id}"));
    let http = metrics.http_server();
    let rpc = metrics.rpc_server();
    let took = Duration::from_micros(300);
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let [which, n] = &args[..] {
        let n: u32 = n.parse().expect("a number of calls");
        let off = Metrics::disabled().http_server();
        for _ in 0..n {
            match which.as_str() {
                "instant" => {
                    black_box(Instant::now());
                    black_box(Instant::now());
                }
                "http" => http.record("GET", Some(route.clone()), 200, took),
                "rpc" => rpc.record("asteri.v1.CustomersService/GetCustomer", 0, took),
                "off" => off.record("GET", Some(route.clone()), 200, took),
                _ => panic!("instant, http, rpc or off"),
            }
        }
        return;
    }

    per_call("two Instant::now (start and end of a request)", 1, || {
        black_box(Instant::now());
        black_box(Instant::now());
    });
    for threads in [1, 2] {
        let (http, route) = (http.clone(), route.clone());
        per_call(
            &format!("http.server.request.duration record, {threads} thread(s)"),
            threads,
            move || http.record("GET", Some(route.clone()), 200, took),
        );
        let rpc = rpc.clone();
        per_call(
            &format!("rpc.server.call.duration record, {threads} thread(s)"),
            threads,
            move || rpc.record("asteri.v1.CustomersService/GetCustomer", 0, took),
        );
    }
    let off = Metrics::disabled().http_server();
    let r = route.clone();
    per_call(
        "http record with metrics off (OTEL_METRICS_EXPORTER=none)",
        1,
        move || off.record("GET", Some(r.clone()), 200, took),
    );
    let text = metrics.prometheus_text().unwrap().unwrap();
    println!("(scrape: {} bytes of text)", text.len());
}
