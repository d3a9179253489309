//! An app's analytics for its developer, per UTC day: installs, uninstalls and active
//! installs (from `app_installs`), and the requests made with its tokens (from the request
//! history, whose `key_id` is the app's client id for token requests): count, 4xx, 5xx,
//! p50 and p95 latency.
//!
//! The percentiles are computed here from each day's durations. That reads one row per
//! request of the period (time, status and duration only): bounded by the history's
//! retention and the app's traffic, and fine for the apps this platform serves; an app with
//! millions of requests a day would want per-day histograms written with the history.

use chrono::{Duration, NaiveDate, TimeZone as _, Utc};
use proto::v1::AppAnalyticsDay;
use storage::{OrgId, Store, apps};

use crate::error::ServiceResult;

pub async fn days(store: &Store, app_id: &str, days: u32) -> ServiceResult<Vec<AppAnalyticsDay>> {
    let today = Utc::now().date_naive();
    let first = today - Duration::days(i64::from(days) - 1);
    let start = Utc.from_utc_datetime(&first.and_hms_opt(0, 0, 0).unwrap_or_default());
    let index = |date: NaiveDate| usize::try_from((date - first).num_days()).ok();
    let mut out: Vec<AppAnalyticsDay> = (0..days)
        .map(|i| AppAnalyticsDay {
            date: (first + Duration::days(i64::from(i)))
                .format("%Y-%m-%d")
                .to_string(),
            ..Default::default()
        })
        .collect();
    let installs = apps::installs::of_app(store, app_id, None).await?;
    let mut orgs: Vec<String> = Vec::new();
    for install in &installs {
        if !orgs.contains(&install.organization_id) {
            orgs.push(install.organization_id.clone());
        }
        let created = install.created_at.date_naive();
        let ended = install.uninstalled_at.map(|at| at.date_naive());
        if let Some(i) = index(created).filter(|i| *i < out.len()) {
            out[i].installs += 1;
        }
        if let Some(i) = ended.and_then(index).filter(|i| *i < out.len()) {
            out[i].uninstalls += 1;
        }
        // Active at the end of a day: installed by then and not uninstalled by then.
        for (i, day) in out.iter_mut().enumerate() {
            let date = first + Duration::days(i as i64);
            if created <= date && ended.is_none_or(|e| e > date) {
                day.active_installs += 1;
            }
        }
    }
    let mut durations: Vec<Vec<i64>> = vec![Vec::new(); out.len()];
    for org in &orgs {
        for (at, status, ms) in apps::request_stats(store, &OrgId::new(org), app_id, start).await? {
            let Some(i) = index(at.date_naive()).filter(|i| *i < out.len()) else {
                continue;
            };
            out[i].requests += 1;
            match status {
                400..=499 => out[i].client_errors += 1,
                500..=599 => out[i].server_errors += 1,
                _ => {}
            }
            durations[i].push(ms);
        }
    }
    for (day, mut ms) in out.iter_mut().zip(durations) {
        ms.sort_unstable();
        day.p50_latency_ms = percentile(&ms, 50);
        day.p95_latency_ms = percentile(&ms, 95);
    }
    Ok(out)
}

/// The nearest-rank percentile of sorted values; 0 for none.
fn percentile(sorted: &[i64], p: usize) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = (p * sorted.len()).div_ceil(100).max(1);
    u64::try_from(sorted[rank - 1]).unwrap_or(0)
}
