//! A duration the user typed or wrote: checked against its documented range where it is read,
//! and added to a time without panicking however large it is.

use std::ops::RangeInclusive;
use std::time::Duration;

use chrono::{DateTime, Utc};

const MINUTE: Duration = Duration::from_secs(60);
const HOUR: Duration = Duration::from_secs(3600);
const DAY: Duration = Duration::from_secs(24 * 3600);

/// `[watch] rotate` and `--rotate`: how long a tab stays on the wall display.
pub const ROTATE: RangeInclusive<Duration> = Duration::from_secs(1)..=HOUR;
/// A silence typed in the dialog, and `[[alertmanager]] ack_silence`: under a minute silences
/// nothing worth a history entry; past a year (365.25 days) it is no longer a silence but a
/// switched-off rule.
pub const SILENCE: RangeInclusive<Duration> = MINUTE..=Duration::from_secs(31_557_600);
/// How often an endpoint or a database is probed.
pub const PROBE_INTERVAL: RangeInclusive<Duration> = Duration::from_secs(1)..=DAY;
/// `slow_after` of an endpoint, `slow_query` of a database.
pub const SLOW: RangeInclusive<Duration> = Duration::from_millis(1)..=HOUR;
/// A rule's `for` and `keep_firing_for`.
pub const RULE_HOLD: RangeInclusive<Duration> = Duration::ZERO..=DAY;
/// A rule's `escalate_after`.
pub const ESCALATE_AFTER: RangeInclusive<Duration> = MINUTE..=Duration::from_secs(7 * 24 * 3600);

/// `value` if it lies in `range`, else why not, quoting the value and the range.
pub fn within(value: Duration, range: &RangeInclusive<Duration>) -> Result<Duration, String> {
    if range.contains(&value) {
        return Ok(value);
    }
    Err(format!(
        "{} is out of range: expected {} to {}",
        shown(value),
        shown(*range.start()),
        shown(*range.end())
    ))
}

/// A duration as the config and the dialogs write it, `1h 30m`.
pub fn shown(value: Duration) -> String {
    humantime::format_duration(value).to_string()
}

/// Parses a duration typed on the command line and checks it lies in `range`.
pub fn parse_within(text: &str, range: &RangeInclusive<Duration>) -> Result<Duration, String> {
    humantime::parse_duration(text)
        .map_err(|error| format!("{text:?} is not a duration like 30s or 5m: {error}"))
        .and_then(|value| within(value, range))
}

/// `at` plus `by`; the latest time there is when the sum is past it.
pub fn later(at: DateTime<Utc>, by: Duration) -> DateTime<Utc> {
    chrono::Duration::from_std(by)
        .ok()
        .and_then(|by| at.checked_add_signed(by))
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// `at` minus `by`; the earliest time there is when the difference is before it.
pub fn earlier(at: DateTime<Utc>, by: Duration) -> DateTime<Utc> {
    chrono::Duration::from_std(by)
        .ok()
        .and_then(|by| at.checked_sub_signed(by))
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HUGE: Duration = Duration::from_secs(u64::MAX);

    #[test]
    fn sums_past_the_end_of_time_saturate() {
        let now = DateTime::<Utc>::UNIX_EPOCH;
        assert_eq!(later(now, HUGE), DateTime::<Utc>::MAX_UTC);
        assert_eq!(later(now, Duration::MAX), DateTime::<Utc>::MAX_UTC);
        assert_eq!(
            later(now, Duration::from_secs(99_999_999_999 * 3600)),
            DateTime::<Utc>::MAX_UTC
        );
        assert_eq!(earlier(now, HUGE), DateTime::<Utc>::MIN_UTC);
        assert_eq!(
            later(now, Duration::from_secs(90)),
            now + chrono::Duration::seconds(90)
        );
        assert_eq!(
            earlier(now, Duration::from_secs(90)),
            now - chrono::Duration::seconds(90)
        );
    }

    #[test]
    fn values_outside_the_range_are_refused_with_it() {
        assert_eq!(
            within(Duration::from_secs(120), &SILENCE),
            Ok(Duration::from_secs(120))
        );
        assert_eq!(
            within(Duration::ZERO, &SILENCE),
            Err("0s is out of range: expected 1m to 1year".into())
        );
        let huge = within(HUGE, &ROTATE).unwrap_err();
        assert!(
            huge.ends_with("is out of range: expected 1s to 1h"),
            "{huge}"
        );
        assert_eq!(
            parse_within("2h", &ROTATE),
            Err("2h is out of range: expected 1s to 1h".into())
        );
        let typo = parse_within("soon", &ROTATE).unwrap_err();
        assert!(typo.starts_with("\"soon\" is not a duration"), "{typo}");
        assert_eq!(parse_within("30s", &ROTATE), Ok(Duration::from_secs(30)));
    }
}
