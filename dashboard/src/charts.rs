//! Usage charts drawn on the server as SVG: one stacked bar per hour (successful requests,
//! errors, 429s), no script and no library. Each chart is an image with a text alternative
//! that says the totals; each bar has a title with its figures.

use std::fmt::Write as _;

use chrono::{DateTime, Duration, Timelike as _, Utc};

/// One hour's figures.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Hour {
    pub requests: u64,
    pub errors: u64,
    pub rate_limited: u64,
}

const WIDTH: f64 = 720.0;
const HEIGHT: f64 = 150.0;
const LEFT: f64 = 44.0;
const BOTTOM: f64 = 20.0;
const TOP: f64 = 8.0;

/// Text for an attribute or element of the SVG (the label holds a key's name, which its
/// creator chose): the chart is inserted into the page as markup, unescaped, so it is
/// escaped here with the templates' own HTML escaping.
fn escape(text: &str) -> String {
    minijinja::HtmlEscape(text).to_string()
}

/// The start of the current hour.
pub fn this_hour(now: DateTime<Utc>) -> DateTime<Utc> {
    now.with_minute(0)
        .and_then(|t| t.with_second(0))
        .and_then(|t| t.with_nanosecond(0))
        .unwrap_or(now)
}

/// A stacked bar chart of `hours` (oldest first; the last is the hour that starts at
/// `last_hour`), labelled for `label`.
pub fn hourly(label: &str, hours: &[Hour], last_hour: DateTime<Utc>) -> String {
    let n = hours.len().max(1);
    let first = last_hour - Duration::hours(n as i64 - 1);
    let every = if n <= 24 { 6 } else { 24 };
    let slots: Vec<(String, Option<String>)> = (0..hours.len())
        .map(|i| {
            let start = first + Duration::hours(i as i64);
            let tick = (start.hour() as usize).is_multiple_of(every).then(|| {
                let f = if every == 24 { "%m-%d" } else { "%H:00" };
                start.format(f).to_string()
            });
            (start.format("%Y-%m-%d %H:00 UTC").to_string(), tick)
        })
        .collect();
    stacked(&format!("{label}, per hour"), hours, &slots)
}

/// The same per day: `days` are `(date, figures)`, oldest first.
pub fn daily(label: &str, days: &[(String, Hour)]) -> String {
    let every = if days.len() <= 14 { 1 } else { 7 };
    let slots: Vec<(String, Option<String>)> = days
        .iter()
        .enumerate()
        .map(|(i, (date, _))| {
            let tick = (i % every == 0).then(|| date.get(5..).unwrap_or(date).to_owned());
            (date.clone(), tick)
        })
        .collect();
    let figures: Vec<Hour> = days.iter().map(|(_, h)| *h).collect();
    stacked(&format!("{label}, per day"), &figures, &slots)
}

/// Bars of `figures`, each titled and optionally ticked as `slots` says.
fn stacked(label: &str, figures: &[Hour], slots: &[(String, Option<String>)]) -> String {
    let n = figures.len().max(1);
    let max = figures.iter().map(|h| h.requests).max().unwrap_or(0).max(1);
    let total = figures.iter().fold(Hour::default(), |a, h| Hour {
        requests: a.requests + h.requests,
        errors: a.errors + h.errors,
        rate_limited: a.rate_limited + h.rate_limited,
    });
    let plot_w = WIDTH - LEFT;
    let plot_h = HEIGHT - TOP - BOTTOM;
    let slot = plot_w / n as f64;
    let bar = (slot * 0.8).max(1.0);
    let scale = |v: u64| v as f64 / max as f64 * plot_h;
    let label = escape(label);
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{label}: {} requests, {} errors, {} answered 429" xmlns="http://www.w3.org/2000/svg">"#,
        total.requests, total.errors, total.rate_limited,
    );
    let base = HEIGHT - BOTTOM;
    let _ = write!(
        svg,
        r#"<line class="axis" x1="{LEFT}" y1="{base}" x2="{WIDTH}" y2="{base}"/><line class="grid" x1="{LEFT}" y1="{TOP}" x2="{WIDTH}" y2="{TOP}"/><text class="tick" x="{}" y="{}" text-anchor="end">{max}</text><text class="tick" x="{}" y="{base}" text-anchor="end">0</text>"#,
        LEFT - 4.0,
        TOP + 4.0,
        LEFT - 4.0,
    );
    for (i, (h, (title, tick))) in figures.iter().zip(slots).enumerate() {
        let x = LEFT + i as f64 * slot + (slot - bar) / 2.0;
        let limited = h.rate_limited.min(h.requests);
        let errors = h.errors.min(h.requests).saturating_sub(limited);
        let ok = h.requests - errors - limited;
        let _ = write!(
            svg,
            "<g><title>{}: {} requests, {} errors, {} answered 429</title>",
            escape(title),
            h.requests,
            h.errors,
            h.rate_limited
        );
        let mut y = base;
        for (value, class) in [(ok, "ok"), (errors, "err"), (limited, "limited")] {
            if value == 0 {
                continue;
            }
            let height = scale(value);
            y -= height;
            let _ = write!(
                svg,
                r#"<rect class="{class}" x="{x:.1}" y="{y:.1}" width="{bar:.1}" height="{height:.1}"/>"#
            );
        }
        svg.push_str("</g>");
        if let Some(tick) = tick {
            let _ = write!(
                svg,
                r#"<text class="tick" x="{:.1}" y="{}" text-anchor="middle">{}</text>"#,
                x + bar / 2.0,
                HEIGHT - 6.0,
                escape(tick),
            );
        }
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_stack_to_their_totals_and_the_chart_says_them() {
        let last = this_hour(Utc::now());
        let mut hours = vec![Hour::default(); 24];
        hours[23] = Hour {
            requests: 10,
            errors: 4,
            rate_limited: 3,
        };
        hours[0] = Hour {
            requests: 5,
            errors: 0,
            rate_limited: 0,
        };
        let svg = hourly("Key A over the last day", &hours, last);
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert!(svg.contains(r#"aria-label="Key A over the last day, per hour: 15 requests, 4 errors, 3 answered 429""#));
        // The busiest hour fills the plot: 7 ok + 1 error + 3 limited = 10 -> 122 px.
        assert_eq!(svg.matches("class=\"limited\"").count(), 1);
        assert_eq!(svg.matches("class=\"err\"").count(), 1);
        assert_eq!(svg.matches("class=\"ok\"").count(), 2);
        assert_eq!(svg.matches("<title>").count(), 24);
    }

    #[test]
    fn a_key_name_cannot_inject_markup() {
        let svg = hourly(
            "<script>alert(1)</script>\" onload=\"x",
            &[Hour::default()],
            Utc::now(),
        );
        assert!(!svg.contains("<script>"));
        assert!(!svg.contains("\" onload"));
        assert!(svg.contains("&lt;script&gt;"));
    }
}
