//! The Runbook tab's state: the runbooks in force, the shared log of ticks and notes as last
//! read, which view is shown (a checklist, the shift log, a procedure opened from an alert),
//! which period and step are selected, and what the automatic checks last found.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Deref;
use std::sync::Arc;

use chrono::{DateTime, FixedOffset, Utc, Weekday};

use crate::alerts::engine::AlertKey;
use crate::command::Toward;
use crate::runbook::catalogue::Runbooks;
use crate::runbook::check::CheckResult;
use crate::runbook::log::{Entry, Incident, Progress, RunbookLog};
use crate::runbook::model::{Cadence, Runbook, Step};
use crate::runbook::period::PeriodId;
use crate::runbook::status::{ChecklistStatus, Standing, checklist_status};

/// How often the shared log is read again, so that another console's ticks show.
pub const RELOAD_EVERY: chrono::Duration = chrono::Duration::seconds(10);
/// How often the logs checks shown (or `auto`) and the `auto` command checks run.
pub const RUN_EVERY: chrono::Duration = chrono::Duration::seconds(60);

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunbookView {
    /// A checklist, by name.
    Checklist(String),
    /// The procedure (or the runbook URL) opened from an alert.
    Procedure,
    /// The duty log: notes, ticks and actions of a day.
    ShiftLog,
}

/// A procedure opened from a firing alert: the alert at the top, and the incident its ticks and
/// actions are recorded against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Opened {
    /// The procedure's name; none when the alert names its runbook only by a URL the console
    /// has no procedure for.
    pub procedure: Option<String>,
    pub alert: AlertKey,
    pub summary: String,
    /// The alert's value, as its rule formats it.
    pub value: String,
    pub since: DateTime<Utc>,
    /// The alert's `runbook` when it is a URL.
    pub url: Option<String>,
}

impl Opened {
    pub fn incident(&self) -> Incident {
        Incident {
            alert: self.alert.clone(),
            since: self.since,
        }
    }
}

/// The runbooks in force, loaded once at start and shared by every copy of the state; two are
/// equal when they are the same load.
#[derive(Debug, Clone, Default)]
pub struct Catalogue(Arc<Runbooks>);

impl PartialEq for Catalogue {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Deref for Catalogue {
    type Target = Runbooks;

    fn deref(&self) -> &Runbooks {
        &self.0
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct RunbookState {
    pub runbooks: Catalogue,
    pub log: RunbookLog,
    /// Why the shared log could not be read or written last, until it can.
    pub log_error: Option<String>,
    pub week_start: Weekday,
    /// The local time zone's offset, which decides the day (and so the period) it is; kept
    /// current by each read of the log.
    pub offset: FixedOffset,
    pub view: RunbookView,
    /// How many periods back from the current one the checklists and the shift log show.
    pub back: u32,
    pub selected: usize,
    pub show_detail: bool,
    pub opened: Option<Opened>,
    /// By runbook and step.
    pub checks: BTreeMap<(String, String), CheckResult>,
    /// When the log is read again.
    pub reload_at: Option<DateTime<Utc>>,
    /// The logs and command checks running now, by runbook and step: one run at a time each.
    pub running: BTreeSet<(String, String)>,
    /// When the logs checks shown and the `auto` command checks run again.
    pub runs_at: Option<DateTime<Utc>>,
}

impl RunbookState {
    pub fn new(runbooks: Runbooks, week_start: Weekday) -> Self {
        let view = first_checklist(&runbooks).map_or(RunbookView::ShiftLog, |name| {
            RunbookView::Checklist(name.to_string())
        });
        Self {
            runbooks: Catalogue(Arc::new(runbooks)),
            log: RunbookLog::default(),
            log_error: None,
            week_start,
            offset: chrono::Offset::fix(&Utc),
            view,
            back: 0,
            selected: 0,
            show_detail: false,
            opened: None,
            checks: BTreeMap::new(),
            reload_at: None,
            running: BTreeSet::new(),
            runs_at: None,
        }
    }

    /// The runbooks in force; the first checklist is shown.
    pub fn with_runbooks(self, runbooks: Runbooks) -> Self {
        Self::new(runbooks, self.week_start)
    }

    /// The views `v` goes round: each checklist by cadence, the procedure opened, the shift log.
    pub fn views(&self) -> Vec<RunbookView> {
        let mut checklists: Vec<&Runbook> = self.runbooks.checklists().collect();
        checklists.sort_by_key(|r| r.cadence());
        let mut views: Vec<RunbookView> = checklists
            .into_iter()
            .map(|r| RunbookView::Checklist(r.name.clone()))
            .collect();
        if self.opened.is_some() {
            views.push(RunbookView::Procedure);
        }
        views.push(RunbookView::ShiftLog);
        views
    }

    /// The runbook the view shows, with what its ticks count toward.
    pub fn shown(&self, now: DateTime<Utc>) -> Option<(&Runbook, Toward)> {
        match &self.view {
            RunbookView::Checklist(name) => {
                let runbook = self.runbooks.get(name)?;
                let period = self.period(runbook.cadence()?, now);
                Some((runbook, Toward::Period(period.to_string())))
            }
            RunbookView::Procedure => {
                let opened = self.opened.as_ref()?;
                let runbook = self.runbooks.procedure(opened.procedure.as_deref()?)?;
                Some((
                    runbook,
                    Toward::Incident {
                        alert: opened.alert.clone(),
                        since: opened.since,
                    },
                ))
            }
            RunbookView::ShiftLog => None,
        }
    }

    pub fn selected_step(&self, now: DateTime<Utc>) -> Option<(&Runbook, &Step, Toward)> {
        let (runbook, toward) = self.shown(now)?;
        let step = runbook.steps.get(self.selected)?;
        Some((runbook, step, toward))
    }

    /// The period of `cadence` shown: the current one, or as many back as browsed.
    pub fn period(&self, cadence: Cadence, now: DateTime<Utc>) -> PeriodId {
        let mut period = PeriodId::containing(cadence, now, &self.offset, self.week_start);
        for _ in 0..self.back {
            period = period.previous(self.week_start);
        }
        period
    }

    /// Where `runbook` stands at `now` in its current period.
    pub fn status(&self, runbook: &Runbook, now: DateTime<Utc>) -> Option<ChecklistStatus> {
        let cadence = runbook.cadence()?;
        Some(checklist_status(
            runbook,
            cadence,
            &self.log,
            now,
            &self.offset,
            self.week_start,
        ))
    }

    /// The daily checklists' progress today, and whether one is overdue, for the header.
    pub fn daily(&self, now: DateTime<Utc>) -> Option<(Progress, bool)> {
        let mut total: Option<(Progress, bool)> = None;
        for runbook in self
            .runbooks
            .checklists()
            .filter(|r| r.cadence() == Some(Cadence::Daily))
        {
            let Some(status) = self.status(runbook, now) else {
                continue;
            };
            let (progress, overdue) = total.get_or_insert((
                Progress {
                    settled: 0,
                    total: 0,
                },
                false,
            ));
            progress.settled += status.settled;
            progress.total += status.total;
            *overdue |= status.standing == Standing::Overdue;
        }
        total
    }

    /// How many rows the view lists, for the selection.
    pub fn rows(&self, now: DateTime<Utc>) -> usize {
        match &self.view {
            RunbookView::ShiftLog => self.shift_log(now).len(),
            _ => self
                .shown(now)
                .map_or(0, |(runbook, _)| runbook.steps.len()),
        }
    }

    pub fn apply_move(&mut self, delta: isize, now: DateTime<Utc>) {
        let last = self.rows(now).saturating_sub(1);
        self.selected = self.selected.saturating_add_signed(delta).min(last);
    }

    pub fn apply_select_edge(&mut self, last: bool, now: DateTime<Utc>) {
        self.selected = if last {
            self.rows(now).saturating_sub(1)
        } else {
            0
        };
    }

    /// The next view, from the first again after the last.
    pub fn apply_next_view(&mut self) {
        let views = self.views();
        let at = views.iter().position(|v| *v == self.view);
        let next = at.map_or(0, |i| (i + 1) % views.len());
        if let Some(view) = views.get(next) {
            self.view = view.clone();
        }
        self.selected = 0;
    }

    /// One period further back (`older`) or forward, never past the current one.
    pub fn apply_browse(&mut self, older: bool) {
        self.back = if older {
            self.back.saturating_add(1)
        } else {
            self.back.saturating_sub(1)
        };
        self.selected = 0;
    }

    /// The entries of the shown day of the shift log (today unless browsed back), newest first.
    pub fn shift_log(&self, now: DateTime<Utc>) -> Vec<&Entry> {
        let day = self.period(Cadence::Daily, now);
        let (from, to) = day.bounds(&self.offset);
        let mut entries: Vec<_> = self
            .log
            .entries()
            .iter()
            .filter(|e| e.at >= from && e.at < to)
            .collect();
        entries.reverse();
        entries
    }
}

fn first_checklist(runbooks: &Runbooks) -> Option<&str> {
    runbooks
        .checklists()
        .min_by_key(|r| r.cadence())
        .map(|r| r.name.as_str())
}
