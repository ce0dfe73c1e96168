//! The periods a checklist is done in, in local time: a day, a week starting on the configured
//! day, a month, a quarter. Pure: the instant and the time zone are passed in, so a test fixes
//! both (a daylight-saving change included).

use std::fmt;

use chrono::{DateTime, Datelike, Days, Months, NaiveDate, TimeZone, Utc, Weekday};

use super::model::Cadence;

/// One period of a cadence: `2026-12-07`, `2026-W49`, `2026-12`, `2026-Q4`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PeriodId {
    pub cadence: Cadence,
    /// Its first local day.
    pub first_day: NaiveDate,
}

impl PeriodId {
    /// The period of `cadence` holding the local day `day`.
    pub fn of_day(cadence: Cadence, day: NaiveDate, week_start: Weekday) -> Self {
        let first_day = match cadence {
            Cadence::Daily => day,
            Cadence::Weekly => {
                let back = (7 + day.weekday().num_days_from_monday()
                    - week_start.num_days_from_monday())
                    % 7;
                day - Days::new(u64::from(back))
            }
            Cadence::Monthly => day.with_day(1).unwrap_or(day),
            Cadence::Quarterly => {
                let month = (day.month0() / 3) * 3 + 1;
                NaiveDate::from_ymd_opt(day.year(), month, 1).unwrap_or(day)
            }
        };
        Self { cadence, first_day }
    }

    /// The period of `cadence` holding the instant `at` in the time zone `tz`.
    pub fn containing<Tz: TimeZone>(
        cadence: Cadence,
        at: DateTime<Utc>,
        tz: &Tz,
        week_start: Weekday,
    ) -> Self {
        Self::of_day(cadence, at.with_timezone(tz).date_naive(), week_start)
    }

    /// The first local day of the next period.
    pub fn next_first_day(self) -> NaiveDate {
        let next = match self.cadence {
            Cadence::Daily => self.first_day.checked_add_days(Days::new(1)),
            Cadence::Weekly => self.first_day.checked_add_days(Days::new(7)),
            Cadence::Monthly => self.first_day.checked_add_months(Months::new(1)),
            Cadence::Quarterly => self.first_day.checked_add_months(Months::new(3)),
        };
        next.unwrap_or(NaiveDate::MAX)
    }

    pub fn next(self) -> Self {
        Self {
            cadence: self.cadence,
            first_day: self.next_first_day(),
        }
    }

    /// The period before, for a week starting on `week_start`.
    pub fn previous(self, week_start: Weekday) -> Self {
        let day_before = self.first_day.pred_opt().unwrap_or(NaiveDate::MIN);
        Self::of_day(self.cadence, day_before, week_start)
    }

    /// When it starts and ends (exclusive) in `tz`: local midnight of its first day and of the
    /// next period's, so a day across a daylight-saving change lasts 23 or 25 hours.
    pub fn bounds<Tz: TimeZone>(self, tz: &Tz) -> (DateTime<Utc>, DateTime<Utc>) {
        (
            start_of_day(self.first_day, tz),
            start_of_day(self.next_first_day(), tz),
        )
    }

    /// Whether the period ended before `now`.
    pub fn ended<Tz: TimeZone>(self, now: DateTime<Utc>, tz: &Tz) -> bool {
        self.bounds(tz).1 <= now
    }

    /// `2026-12-07`, `2026-W49`, `2026-12`, `2026-Q4`, as [`fmt::Display`] writes it; the week
    /// of a start day is numbered as the ISO week holding its fourth day, so a week starting
    /// on Monday is the ISO week.
    pub fn parse(text: &str, week_start: Weekday) -> Option<Self> {
        let (year, rest) = text.split_once('-')?;
        let year: i32 = year.parse().ok()?;
        let (cadence, first_day) = if let Some(week) = rest.strip_prefix('W') {
            let monday = NaiveDate::from_isoywd_opt(year, week.parse().ok()?, Weekday::Mon)?;
            let mut start = monday + Days::new(u64::from(week_start.num_days_from_monday()));
            if start > monday + Days::new(3) {
                start = start - Days::new(7);
            }
            (Cadence::Weekly, start)
        } else if let Some(quarter) = rest.strip_prefix('Q') {
            let quarter: u32 = quarter.parse().ok()?;
            if !(1..=4).contains(&quarter) {
                return None;
            }
            (
                Cadence::Quarterly,
                NaiveDate::from_ymd_opt(year, (quarter - 1) * 3 + 1, 1)?,
            )
        } else if rest.len() == 2 {
            (
                Cadence::Monthly,
                NaiveDate::from_ymd_opt(year, rest.parse().ok()?, 1)?,
            )
        } else {
            (
                Cadence::Daily,
                NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()?,
            )
        };
        let id = Self { cadence, first_day };
        (id.to_string() == text).then_some(id)
    }
}

impl fmt::Display for PeriodId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let day = self.first_day;
        match self.cadence {
            Cadence::Daily => write!(f, "{}", day.format("%Y-%m-%d")),
            Cadence::Weekly => {
                let week = (day + Days::new(3)).iso_week();
                write!(f, "{}-W{:02}", week.year(), week.week())
            }
            Cadence::Monthly => write!(f, "{}", day.format("%Y-%m")),
            Cadence::Quarterly => write!(f, "{}-Q{}", day.year(), day.month0() / 3 + 1),
        }
    }
}

/// The first instant of the local day: midnight, or the first hour after it when a
/// daylight-saving change skips midnight.
fn start_of_day<Tz: TimeZone>(day: NaiveDate, tz: &Tz) -> DateTime<Utc> {
    (0..24)
        .filter_map(|hour| day.and_hms_opt(hour, 0, 0))
        .find_map(|local| tz.from_local_datetime(&local).earliest())
        .map_or_else(
            || day.and_time(chrono::NaiveTime::MIN).and_utc(),
            |start| start.with_timezone(&Utc),
        )
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::Europe::Berlin;

    fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap_or_else(|e| panic!("{text}: {e}"))
            .with_timezone(&Utc)
    }

    fn id(cadence: Cadence, at: &str, week_start: Weekday) -> String {
        PeriodId::containing(cadence, utc(at), &Berlin, week_start).to_string()
    }

    #[test]
    fn each_cadence_has_its_period_id_in_local_time() {
        let at = "2026-12-07T10:00:00Z";
        assert_eq!(id(Cadence::Daily, at, Weekday::Mon), "2026-12-07");
        assert_eq!(id(Cadence::Weekly, at, Weekday::Mon), "2026-W50");
        assert_eq!(id(Cadence::Monthly, at, Weekday::Mon), "2026-12");
        assert_eq!(id(Cadence::Quarterly, at, Weekday::Mon), "2026-Q4");
        // 23:30 UTC on the 6th is already the 7th in Berlin.
        assert_eq!(
            id(Cadence::Daily, "2026-12-06T23:30:00Z", Weekday::Mon),
            "2026-12-07"
        );
        assert_eq!(
            id(Cadence::Daily, "2026-12-06T22:59:59Z", Weekday::Mon),
            "2026-12-06"
        );
        assert_eq!(
            id(Cadence::Monthly, "2026-11-30T23:00:00Z", Weekday::Mon),
            "2026-12"
        );
        assert_eq!(
            id(Cadence::Quarterly, "2026-09-30T22:00:00Z", Weekday::Mon),
            "2026-Q4"
        );
        assert_eq!(
            id(Cadence::Quarterly, "2026-09-30T21:59:59Z", Weekday::Mon),
            "2026-Q3"
        );
    }

    #[test]
    fn a_week_starts_on_the_configured_day() {
        // Sunday 2026-12-06, 12:00 local.
        let sunday = "2026-12-06T11:00:00Z";
        let monday_week = PeriodId::containing(Cadence::Weekly, utc(sunday), &Berlin, Weekday::Mon);
        assert_eq!(
            monday_week.first_day,
            NaiveDate::from_ymd_opt(2026, 11, 30).unwrap_or_default()
        );
        assert_eq!(monday_week.to_string(), "2026-W49");
        let sunday_week = PeriodId::containing(Cadence::Weekly, utc(sunday), &Berlin, Weekday::Sun);
        assert_eq!(
            sunday_week.first_day,
            NaiveDate::from_ymd_opt(2026, 12, 6).unwrap_or_default()
        );
        assert_eq!(sunday_week.to_string(), "2026-W50");
        // Saturday before is still in the Sunday week that started on the 29th.
        let saturday = PeriodId::containing(
            Cadence::Weekly,
            utc("2026-12-05T11:00:00Z"),
            &Berlin,
            Weekday::Sun,
        );
        assert_eq!(
            saturday.first_day,
            NaiveDate::from_ymd_opt(2026, 11, 29).unwrap_or_default()
        );
        assert_eq!(saturday.next(), sunday_week);
        assert_eq!(sunday_week.previous(Weekday::Sun), saturday);
        let (start, end) = sunday_week.bounds(&Berlin);
        assert_eq!(start, utc("2026-12-05T23:00:00Z"));
        assert_eq!(end, utc("2026-12-12T23:00:00Z"));
        // A week across the new year is numbered by its fourth day, as ISO weeks are.
        let new_year = PeriodId::containing(
            Cadence::Weekly,
            utc("2027-01-01T12:00:00Z"),
            &Berlin,
            Weekday::Mon,
        );
        assert_eq!(new_year.to_string(), "2026-W53");
    }

    #[test]
    fn a_day_across_a_daylight_saving_change_has_its_local_length() {
        // Berlin springs forward on 2026-03-29 (02:00 → 03:00) and falls back on 2026-10-25.
        let spring = PeriodId::containing(
            Cadence::Daily,
            utc("2026-03-29T12:00:00Z"),
            &Berlin,
            Weekday::Mon,
        );
        let (start, end) = spring.bounds(&Berlin);
        assert_eq!(
            (start, end),
            (utc("2026-03-28T23:00:00Z"), utc("2026-03-29T22:00:00Z"))
        );
        assert_eq!((end - start).num_hours(), 23);
        let autumn = PeriodId::containing(
            Cadence::Daily,
            utc("2026-10-25T12:00:00Z"),
            &Berlin,
            Weekday::Mon,
        );
        let (start, end) = autumn.bounds(&Berlin);
        assert_eq!((end - start).num_hours(), 25);
        // 23:30 UTC on the 25th is 00:30 on the 26th in winter time, a new day.
        assert_eq!(
            id(Cadence::Daily, "2026-10-25T23:30:00Z", Weekday::Mon),
            "2026-10-26"
        );
        assert_eq!(
            id(Cadence::Daily, "2026-10-25T22:30:00Z", Weekday::Mon),
            "2026-10-25"
        );
        let week = PeriodId::containing(
            Cadence::Weekly,
            utc("2026-10-25T12:00:00Z"),
            &Berlin,
            Weekday::Mon,
        );
        let (start, end) = week.bounds(&Berlin);
        assert_eq!((end - start).num_hours(), 7 * 24 + 1);
    }

    #[test]
    fn a_period_ends_at_its_local_boundary() {
        let day = PeriodId::containing(
            Cadence::Daily,
            utc("2026-12-07T10:00:00Z"),
            &Berlin,
            Weekday::Mon,
        );
        assert!(!day.ended(utc("2026-12-07T22:59:59Z"), &Berlin));
        assert!(day.ended(utc("2026-12-07T23:00:00Z"), &Berlin));
    }

    #[test]
    fn period_ids_read_back() {
        for week_start in [Weekday::Mon, Weekday::Sun, Weekday::Thu, Weekday::Fri] {
            for text in [
                "2026-12-07",
                "2026-W49",
                "2026-W53",
                "2026-12",
                "2026-Q4",
                "2027-W01",
            ] {
                let parsed = PeriodId::parse(text, week_start)
                    .unwrap_or_else(|| panic!("{text} with weeks from {week_start}"));
                assert_eq!(parsed.to_string(), text);
                assert_eq!(
                    PeriodId::of_day(parsed.cadence, parsed.first_day, week_start),
                    parsed
                );
            }
            let week = PeriodId::parse("2026-W49", week_start).unwrap_or_else(|| panic!("week"));
            assert_eq!(week.first_day.weekday(), week_start);
        }
        for bad in [
            "2026-W54",
            "2026-Q5",
            "2026-13",
            "2026-12-32",
            "2026-1",
            "W49",
            "2026-12-7",
        ] {
            assert_eq!(PeriodId::parse(bad, Weekday::Mon), None, "{bad}");
        }
    }
}
