//! When a failed delivery is tried again: a list of delays between attempts, jittered, and
//! the receiver's own `Retry-After`.

use std::time::{Duration, SystemTime};

use rand::Rng as _;

/// The variable that overrides the default schedule: comma-separated seconds.
pub const ENV_VAR: &str = "ASTERI_WEBHOOK_RETRY_SCHEDULE";
/// At most this many delays (so at most 51 attempts).
pub const MAX_DELAYS: usize = 50;
/// No single delay may be longer than this (7 days).
pub const MAX_DELAY: Duration = Duration::from_secs(7 * 24 * 3600);
/// A `Retry-After` asking for more than this is taken as this (1 day).
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(24 * 3600);
/// Each delay is moved by up to this fraction, either way.
const JITTER: f64 = 0.1;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScheduleError {
    #[error("the retry schedule needs at least one delay")]
    Empty,
    #[error("the retry schedule has {0} delays; at most {MAX_DELAYS} are allowed")]
    TooMany(usize),
    #[error("retry delay {0:?} is not a number of seconds")]
    NotANumber(String),
    #[error("retry delay {0:?} is negative")]
    Negative(String),
    #[error("retry delay {0:?} is longer than 7 days")]
    TooLong(String),
}

/// The delays between attempts: after failed attempt `n` (1-based) the next one comes
/// `delays[n - 1]` later (jittered); after the last delay's attempt, none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetrySchedule {
    delays: Vec<Duration>,
}

impl Default for RetrySchedule {
    /// Svix's: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h (about 27.6 h in all, 8 attempts).
    fn default() -> Self {
        let secs = [5, 5 * 60, 30 * 60, 2 * 3600, 5 * 3600, 10 * 3600, 10 * 3600];
        Self {
            delays: secs.into_iter().map(Duration::from_secs).collect(),
        }
    }
}

impl RetrySchedule {
    /// `"1,2,4"`: comma-separated seconds, fractions allowed (`"0.05"`), each between 0 and
    /// 7 days, at least one and at most [`MAX_DELAYS`]. Spaces around items are ignored.
    pub fn parse(s: &str) -> Result<Self, ScheduleError> {
        if s.trim().is_empty() {
            return Err(ScheduleError::Empty);
        }
        let items: Vec<&str> = s.split(',').map(str::trim).collect();
        if items.len() > MAX_DELAYS {
            return Err(ScheduleError::TooMany(items.len()));
        }
        let delays = items
            .into_iter()
            .map(|item| {
                let secs: f64 = item
                    .parse()
                    .ok()
                    .filter(|v: &f64| v.is_finite())
                    .ok_or_else(|| ScheduleError::NotANumber(item.to_owned()))?;
                if secs < 0.0 {
                    return Err(ScheduleError::Negative(item.to_owned()));
                }
                if secs > MAX_DELAY.as_secs_f64() {
                    return Err(ScheduleError::TooLong(item.to_owned()));
                }
                Ok(Duration::from_secs_f64(secs))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self { delays })
    }

    /// From `ASTERI_WEBHOOK_RETRY_SCHEDULE`; the default when it is unset or empty.
    pub fn from_env() -> Result<Self, ScheduleError> {
        match std::env::var(ENV_VAR) {
            Ok(v) if !v.trim().is_empty() => Self::parse(&v),
            _ => Ok(Self::default()),
        }
    }

    /// The delays, without jitter.
    pub fn delays(&self) -> &[Duration] {
        &self.delays
    }

    /// The first attempt and one per delay.
    pub fn max_attempts(&self) -> u32 {
        self.delays.len() as u32 + 1
    }

    /// After failed attempt `attempt` (1-based), the wait before the next one, moved by a
    /// uniform jitter of up to 10% either way (never negative); `None` when the schedule is
    /// exhausted (and for attempt 0, which is no attempt).
    pub fn delay_after(&self, attempt: u32) -> Option<Duration> {
        let index = usize::try_from(attempt).ok()?.checked_sub(1)?;
        let base = *self.delays.get(index)?;
        let factor = rand::rng().random_range((1.0 - JITTER)..=(1.0 + JITTER));
        Some(base.mul_f64(factor))
    }

    /// [`retry_after`], here too for callers that hold the schedule.
    pub fn retry_after(value: impl AsRef<[u8]>, now: SystemTime) -> Option<Duration> {
        retry_after(value, now)
    }
}

/// A `Retry-After` value (`&HeaderValue`, `&str` or bytes): delta-seconds (`"7"`) or an
/// HTTP-date, as the wait from `now`, at most one day. A date in the past is no wait;
/// anything unreadable is `None`.
pub fn retry_after(value: impl AsRef<[u8]>, now: SystemTime) -> Option<Duration> {
    let text = std::str::from_utf8(value.as_ref()).ok()?.trim();
    if text.is_empty() {
        return None;
    }
    let wait = if text.bytes().all(|b| b.is_ascii_digit()) {
        // All digits: a number too large for u64 is still "a long time".
        text.parse::<u64>()
            .map(Duration::from_secs)
            .unwrap_or(MAX_RETRY_AFTER)
    } else {
        let at = httpdate::parse_http_date(text).ok()?;
        at.duration_since(now).unwrap_or(Duration::ZERO)
    };
    Some(wait.min(MAX_RETRY_AFTER))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(s: &[f64]) -> Vec<Duration> {
        s.iter().map(|v| Duration::from_secs_f64(*v)).collect()
    }

    #[test]
    fn the_default_is_about_a_day() {
        let d = RetrySchedule::default();
        assert_eq!(
            d.delays(),
            secs(&[5.0, 300.0, 1800.0, 7200.0, 18000.0, 36000.0, 36000.0])
        );
        assert_eq!(d.max_attempts(), 8);
        let total: Duration = d.delays().iter().sum();
        assert!(total > Duration::from_secs(24 * 3600) && total < Duration::from_secs(30 * 3600));
    }

    #[test]
    fn parses_seconds() {
        let s = RetrySchedule::parse("1,2,4").unwrap();
        assert_eq!(s.delays(), secs(&[1.0, 2.0, 4.0]));
        assert_eq!(s.max_attempts(), 4);
        let s = RetrySchedule::parse(" 0.05 , 0,1.5 ").unwrap();
        assert_eq!(s.delays(), secs(&[0.05, 0.0, 1.5]));
        let fifty = vec!["1"; 50].join(",");
        assert_eq!(RetrySchedule::parse(&fifty).unwrap().max_attempts(), 51);
    }

    #[test]
    fn parse_errors() {
        use ScheduleError::*;
        let fifty_one = vec!["1"; 51].join(",");
        let cases: &[(&str, ScheduleError)] = &[
            ("", Empty),
            ("   ", Empty),
            (&fifty_one, TooMany(51)),
            ("1,,2", NotANumber(String::new())),
            ("1,", NotANumber(String::new())),
            ("abc", NotANumber("abc".into())),
            ("1;2", NotANumber("1;2".into())),
            ("NaN", NotANumber("NaN".into())),
            ("inf", NotANumber("inf".into())),
            ("5s", NotANumber("5s".into())),
            ("1,-1", Negative("-1".into())),
            ("1e9", TooLong("1e9".into())),
        ];
        for (input, want) in cases {
            assert_eq!(RetrySchedule::parse(input).as_ref(), Err(want), "{input:?}");
        }
        assert_eq!(
            Negative("-1".into()).to_string(),
            "retry delay \"-1\" is negative"
        );
    }

    #[test]
    fn jitter_stays_within_ten_percent() {
        let s = RetrySchedule::parse("10,0,100").unwrap();
        let (mut lo, mut hi) = (Duration::MAX, Duration::ZERO);
        for _ in 0..10_000 {
            let d = s.delay_after(1).unwrap();
            assert!(
                d >= Duration::from_secs(9) && d <= Duration::from_secs(11),
                "{d:?}"
            );
            lo = lo.min(d);
            hi = hi.max(d);
            assert_eq!(s.delay_after(2), Some(Duration::ZERO));
            let d = s.delay_after(3).unwrap();
            assert!(d >= Duration::from_secs(90) && d <= Duration::from_secs(110));
        }
        // Spread over the band, not stuck at the base.
        assert!(lo < Duration::from_millis(9_200), "{lo:?}");
        assert!(hi > Duration::from_millis(10_800), "{hi:?}");
    }

    #[test]
    fn exhaustion() {
        let s = RetrySchedule::parse("1,2").unwrap();
        assert_eq!(s.max_attempts(), 3);
        assert!(s.delay_after(1).is_some());
        assert!(s.delay_after(2).is_some());
        assert_eq!(s.delay_after(3), None);
        assert_eq!(s.delay_after(u32::MAX), None);
        assert_eq!(s.delay_after(0), None);
    }

    #[test]
    fn retry_after_seconds_and_dates() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        assert_eq!(retry_after("7", now), Some(Duration::from_secs(7)));
        assert_eq!(retry_after(" 0 ", now), Some(Duration::ZERO));
        assert_eq!(
            retry_after(http::HeaderValue::from_static("120"), now),
            Some(Duration::from_secs(120))
        );
        // Capped at a day.
        assert_eq!(retry_after("999999", now), Some(MAX_RETRY_AFTER));
        assert_eq!(
            retry_after("99999999999999999999999", now),
            Some(MAX_RETRY_AFTER)
        );

        let later = httpdate::fmt_http_date(now + Duration::from_secs(90));
        assert_eq!(
            retry_after(later.as_str(), now),
            Some(Duration::from_secs(90))
        );
        assert_eq!(
            RetrySchedule::retry_after(http::HeaderValue::from_str(&later).unwrap(), now),
            Some(Duration::from_secs(90))
        );
        let earlier = httpdate::fmt_http_date(now - Duration::from_secs(90));
        assert_eq!(retry_after(earlier.as_str(), now), Some(Duration::ZERO));
        let far = httpdate::fmt_http_date(now + Duration::from_secs(10 * 24 * 3600));
        assert_eq!(retry_after(far.as_str(), now), Some(MAX_RETRY_AFTER));

        for bad in ["", "-5", "1.5", "soon", "Mon, 32 Foo 2023 99:00:00 GMT"] {
            assert_eq!(retry_after(bad, now), None, "{bad:?}");
        }
    }
}
