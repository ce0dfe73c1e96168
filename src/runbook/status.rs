//! Where each checklist stands now: its current period's progress, whether it is due today,
//! and whether its last period ended with steps left (overdue). `watchdeck runbook status` and
//! the header read it.

use chrono::{DateTime, TimeZone, Utc, Weekday};
use serde::Serialize;

use super::catalogue::Runbooks;
use super::log::{Progress, RunbookLog, Scope};
use super::model::{Cadence, Runbook};
use super::period::PeriodId;

/// Worst first when compared: overdue, then due today, then fine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Standing {
    /// Done, or not due before a later day.
    Ok,
    /// Its period ends today and steps are left.
    DueToday,
    /// Its previous period ended with steps left.
    Overdue,
}

impl Standing {
    /// `watchdeck runbook status`'s exit status, as `check`'s: 0, 1, 2.
    pub fn exit_code(self) -> u8 {
        match self {
            Standing::Ok => 0,
            Standing::DueToday => 1,
            Standing::Overdue => 2,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Standing::Ok => "ok",
            Standing::DueToday => "due today",
            Standing::Overdue => "overdue",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChecklistStatus {
    pub runbook: String,
    pub title: String,
    pub cadence: Cadence,
    pub period: String,
    pub settled: usize,
    pub total: usize,
    /// The previous period, when it ended with steps left.
    pub overdue_period: Option<String>,
    pub standing: Standing,
}

/// Whether `period` of `runbook` ended before `now` with steps not seen to.
pub fn overdue<Tz: TimeZone>(
    runbook: &Runbook,
    period: PeriodId,
    log: &RunbookLog,
    now: DateTime<Utc>,
    tz: &Tz,
) -> bool {
    period.ended(now, tz) && !log.progress(runbook, &Scope::period(period)).complete()
}

/// The standing of one checklist at `now`. A period that ended before the log's first entry
/// was never kept, so is not overdue.
pub fn checklist_status<Tz: TimeZone>(
    runbook: &Runbook,
    cadence: Cadence,
    log: &RunbookLog,
    now: DateTime<Utc>,
    tz: &Tz,
    week_start: Weekday,
) -> ChecklistStatus {
    let current = PeriodId::containing(cadence, now, tz, week_start);
    let Progress { settled, total } = log.progress(runbook, &Scope::period(current));
    let previous = current.previous(week_start);
    let kept = log
        .first_at()
        .is_some_and(|first| first < previous.bounds(tz).1);
    let overdue_period =
        (kept && overdue(runbook, previous, log, now, tz)).then(|| previous.to_string());
    let today = PeriodId::containing(Cadence::Daily, now, tz, week_start);
    let ends_today = current.next_first_day() == today.next_first_day();
    let standing = if overdue_period.is_some() {
        Standing::Overdue
    } else if ends_today && settled < total {
        Standing::DueToday
    } else {
        Standing::Ok
    };
    ChecklistStatus {
        runbook: runbook.name.clone(),
        title: runbook.title.clone(),
        cadence,
        period: current.to_string(),
        settled,
        total,
        overdue_period,
        standing,
    }
}

/// Every checklist's standing, by cadence (daily first).
pub fn status<Tz: TimeZone>(
    runbooks: &Runbooks,
    log: &RunbookLog,
    now: DateTime<Utc>,
    tz: &Tz,
    week_start: Weekday,
) -> Vec<ChecklistStatus> {
    let mut all: Vec<ChecklistStatus> = runbooks
        .checklists()
        .filter_map(|r| Some(checklist_status(r, r.cadence()?, log, now, tz, week_start)))
        .collect();
    all.sort_by_key(|s| s.cadence);
    all
}

/// The worst standing of all, `Ok` when there is no checklist.
pub fn worst(all: &[ChecklistStatus]) -> Standing {
    all.iter().map(|s| s.standing).max().unwrap_or(Standing::Ok)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runbook::log::StepState;
    use crate::runbook::log::tests::{at, daily, tick};
    use chrono_tz::Europe::Berlin;

    fn standing(log: &RunbookLog, now: DateTime<Utc>) -> ChecklistStatus {
        checklist_status(&daily(), Cadence::Daily, log, now, &Berlin, Weekday::Mon)
    }

    #[test]
    fn a_daily_checklist_is_due_today_then_done_then_overdue_the_next_day() {
        // 09:00 UTC on 2026-12-07 is 10:00 in Berlin.
        let log =
            RunbookLog::from_entries([tick(0, "alice", "disk", "2026-12-07", StepState::Done)]);
        let today = standing(&log, at(60));
        assert_eq!(
            (today.settled, today.total, today.standing),
            (1, 3, Standing::DueToday)
        );
        assert_eq!(today.period, "2026-12-07");
        let mut done = log.clone();
        done.extend([
            tick(10, "alice", "logs", "2026-12-07", StepState::Done),
            tick(11, "alice", "backups", "2026-12-07", StepState::Failed),
        ]);
        assert_eq!(standing(&done, at(60)).standing, Standing::Ok);
        // The next day, 00:30 local: yesterday was done, today is due.
        let tomorrow = at(14 * 60 + 30);
        assert_eq!(standing(&done, tomorrow).standing, Standing::DueToday);
        // Had yesterday been left half done, it is overdue.
        let left = standing(&log, tomorrow);
        assert_eq!(
            (left.standing, left.overdue_period.as_deref()),
            (Standing::Overdue, Some("2026-12-07"))
        );
        assert!(overdue(
            &daily(),
            PeriodId::parse("2026-12-07", Weekday::Mon).unwrap_or_else(|| panic!()),
            &log,
            tomorrow,
            &Berlin
        ));
        assert!(
            !overdue(
                &daily(),
                PeriodId::parse("2026-12-07", Weekday::Mon).unwrap_or_else(|| panic!()),
                &log,
                at(60),
                &Berlin
            ),
            "not before it ends"
        );
    }

    #[test]
    fn periods_before_the_log_began_are_not_overdue_and_a_week_is_due_on_its_last_day() {
        assert_eq!(
            standing(&RunbookLog::default(), at(0)).standing,
            Standing::DueToday
        );
        let weekly = {
            let mut r = daily();
            r.name = "weekly".into();
            r
        };
        let empty = RunbookLog::default();
        // Monday 2026-12-07: the week ends on Sunday, not due yet.
        let monday = checklist_status(
            &weekly,
            Cadence::Weekly,
            &empty,
            at(0),
            &Berlin,
            Weekday::Mon,
        );
        assert_eq!(
            (monday.standing, monday.period.as_str()),
            (Standing::Ok, "2026-W50")
        );
        let sunday = at(6 * 24 * 60);
        let last_day = checklist_status(
            &weekly,
            Cadence::Weekly,
            &empty,
            sunday,
            &Berlin,
            Weekday::Mon,
        );
        assert_eq!(last_day.standing, Standing::DueToday);
        let statuses = [monday, last_day];
        assert_eq!(worst(&statuses), Standing::DueToday);
        assert_eq!(worst(&statuses).exit_code(), 1);
    }
}
