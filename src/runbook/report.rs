//! What the runbook log says to people outside the console: the maintenance log of a period
//! in the manual's template, the hand-off to the next on-call engineer, and the checklists'
//! standing. Pure: the log, the alerts kept and the time come in.

use std::collections::BTreeMap;
use std::fmt::{Display, Write as _};

use chrono::{DateTime, TimeZone, Utc};
use serde::Serialize;

use super::catalogue::Runbooks;
use super::log::{Entry, EntryKind, RunbookLog, Scope, StepState};
use super::status::{ChecklistStatus, Standing};
use crate::alerts::engine::{AlertKey, Change, Transition};
use crate::alerts::kept::KeptAlerts;

/// The manual's maintenance types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MaintenanceType {
    Routine,
    Incident,
    Upgrade,
}

impl MaintenanceType {
    fn label(self) -> &'static str {
        match self {
            MaintenanceType::Routine => "routine",
            MaintenanceType::Incident => "incident",
            MaintenanceType::Upgrade => "upgrade",
        }
    }
}

/// One line of the maintenance log: a checklist's period or a procedure's incident worked on,
/// or a note of the shift log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MaintenanceRow {
    /// Local time of its first entry, `2026-12-07 10:15`.
    pub date: String,
    pub operator: String,
    #[serde(rename = "type")]
    pub kind: MaintenanceType,
    pub content: String,
    pub impact: String,
    pub result: String,
    pub notes: String,
}

fn local<Tz: TimeZone>(at: DateTime<Utc>, tz: &Tz) -> String
where
    Tz::Offset: Display,
{
    at.with_timezone(tz).format("%Y-%m-%d %H:%M").to_string()
}

/// A shift-log note starting with `upgrade` is an upgrade in the maintenance log.
fn note_type(text: &str, incident: bool) -> MaintenanceType {
    if incident {
        MaintenanceType::Incident
    } else if text.trim_start().to_lowercase().starts_with("upgrade") {
        MaintenanceType::Upgrade
    } else {
        MaintenanceType::Routine
    }
}

fn scope_shown(scope: &Scope) -> String {
    match scope {
        Scope::Period(id) => id.clone(),
        Scope::Incident(incident) => format!(
            "{} firing since {}",
            incident.alert.name(),
            incident.since.format("%Y-%m-%d %H:%M UTC")
        ),
    }
}

/// The maintenance log of what was done in `[from, to)`, oldest first.
pub fn maintenance_log<Tz: TimeZone>(
    runbooks: &Runbooks,
    log: &RunbookLog,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    tz: &Tz,
) -> Vec<MaintenanceRow>
where
    Tz::Offset: Display,
{
    worked(runbooks, log, from, to, tz)
        .into_iter()
        .map(|w| w.row)
        .collect()
}

/// A row of the maintenance log and what it is about.
struct Worked {
    row: MaintenanceRow,
    /// A procedure's steps or actions, not a checklist's or a note.
    procedure: bool,
}

fn worked<Tz: TimeZone>(
    runbooks: &Runbooks,
    log: &RunbookLog,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    tz: &Tz,
) -> Vec<Worked>
where
    Tz::Offset: Display,
{
    let mut rows: Vec<(DateTime<Utc>, Worked)> = Vec::new();
    let mut groups: BTreeMap<(&str, &Scope), Vec<&Entry>> = BTreeMap::new();
    for entry in log.entries().iter().filter(|e| from <= e.at && e.at < to) {
        match &entry.kind {
            EntryKind::Note { text, incident } => {
                let row = MaintenanceRow {
                    date: local(entry.at, tz),
                    operator: entry.operator.clone(),
                    kind: note_type(text, incident.is_some()),
                    content: match incident {
                        Some(incident) => format!("shift log, on {}", incident.alert.name()),
                        None => "shift log".into(),
                    },
                    impact: String::new(),
                    result: String::new(),
                    notes: text.clone(),
                };
                rows.push((
                    entry.at,
                    Worked {
                        row,
                        procedure: false,
                    },
                ));
            }
            EntryKind::Tick { runbook, scope, .. } | EntryKind::Action { runbook, scope, .. } => {
                groups.entry((runbook, scope)).or_default().push(entry)
            }
        }
    }
    for ((runbook, scope), entries) in groups {
        let procedure = runbooks
            .get(runbook)
            .is_none_or(|r| r.kind == super::model::Kind::Procedure);
        let row = worked_on(runbooks, log, runbook, scope, &entries, tz);
        rows.push((entries[0].at, Worked { row, procedure }));
    }
    rows.sort_by_key(|row| row.0);
    rows.into_iter().map(|(_, w)| w).collect()
}

/// The row of one runbook worked on in one scope: its steps' latest states, its actions.
fn worked_on<Tz: TimeZone>(
    runbooks: &Runbooks,
    log: &RunbookLog,
    runbook: &str,
    scope: &Scope,
    entries: &[&Entry],
    tz: &Tz,
) -> MaintenanceRow
where
    Tz::Offset: Display,
{
    let found = runbooks.get(runbook);
    let title = found.map_or(runbook, |r| r.title.as_str());
    let step_title = |id: &str| {
        found
            .and_then(|r| r.step(id))
            .map_or_else(|| id.to_string(), |s| s.title.clone())
    };
    let mut operators: Vec<&str> = Vec::new();
    let mut latest: BTreeMap<&str, StepState> = BTreeMap::new();
    let mut order: Vec<&str> = Vec::new();
    let mut impact = Vec::new();
    let mut notes = Vec::new();
    for entry in entries {
        if !operators.contains(&entry.operator.as_str()) {
            operators.push(&entry.operator);
        }
        match &entry.kind {
            EntryKind::Tick {
                step, state, note, ..
            } => {
                if latest.insert(step, *state).is_none() {
                    order.push(step);
                }
                if !note.is_empty() {
                    notes.push(format!("{}: {note}", step_title(step)));
                }
            }
            EntryKind::Action {
                action,
                target,
                outcome,
                ..
            } => impact.push(format!("{action} {target}: {outcome}")),
            EntryKind::Note { .. } => {}
        }
    }
    let mut by_state: Vec<String> = Vec::new();
    for state in [
        StepState::Done,
        StepState::Skipped,
        StepState::Failed,
        StepState::Open,
    ] {
        let steps: Vec<String> = order
            .iter()
            .filter(|s| latest.get(*s) == Some(&state))
            .map(|s| step_title(s))
            .collect();
        if !steps.is_empty() {
            by_state.push(format!("{}: {}", state.label(), steps.join(", ")));
        }
    }
    let result = match found {
        Some(found) => {
            let progress = log.progress(found, scope);
            let failed = latest.values().filter(|s| **s == StepState::Failed).count();
            let mut result = format!("{progress} steps");
            if failed > 0 {
                let _ = write!(result, ", {failed} failed");
            }
            result
        }
        None => format!("runbook {runbook:?} is no longer defined"),
    };
    MaintenanceRow {
        date: local(entries[0].at, tz),
        operator: operators.join(", "),
        kind: match scope {
            Scope::Incident(_) => MaintenanceType::Incident,
            Scope::Period(_) => MaintenanceType::Routine,
        },
        content: format!("{title} ({}): {}", scope_shown(scope), by_state.join("; ")),
        impact: if impact.is_empty() {
            "none".into()
        } else {
            impact.join("; ")
        },
        result,
        notes: notes.join("; "),
    }
}

/// A Markdown table cell: one line, no column breaks.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

/// The maintenance log as the manual's Markdown table.
pub fn render_maintenance_markdown(period: &str, rows: &[MaintenanceRow]) -> String {
    let mut out = format!("# Maintenance log {period}\n\n");
    if rows.is_empty() {
        out.push_str("Nothing was recorded in this period.\n");
        return out;
    }
    out.push_str("| Date | Operator | Type | Content | Impact | Result | Notes |\n");
    out.push_str("|---|---|---|---|---|---|---|\n");
    for row in rows {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} |",
            cell(&row.date),
            cell(&row.operator),
            row.kind.label(),
            cell(&row.content),
            cell(&row.impact),
            cell(&row.result),
            cell(&row.notes)
        );
    }
    out
}

/// The last firing or resolution of each alert in `history`, with when it fired.
fn still_firing(kept: &KeptAlerts) -> Vec<(AlertKey, DateTime<Utc>)> {
    let mut last: BTreeMap<&AlertKey, Option<DateTime<Utc>>> = BTreeMap::new();
    for t in &kept.history {
        match t.change {
            Change::Firing => {
                last.insert(&t.key, Some(t.at));
            }
            Change::Resolved => {
                last.insert(&t.key, None);
            }
            _ => {}
        }
    }
    let mut firing: BTreeMap<AlertKey, DateTime<Utc>> = last
        .into_iter()
        .filter_map(|(key, since)| Some((key.clone(), since?)))
        .collect();
    for alert in &kept.alerts {
        if let Some(since) = alert.firing_since {
            firing.entry(alert.key.clone()).or_insert(since);
        }
    }
    let mut firing: Vec<(AlertKey, DateTime<Utc>)> = firing.into_iter().collect();
    firing.sort_by(|a, b| a.1.cmp(&b.1).then_with(|| a.0.cmp(&b.0)));
    firing
}

fn transitions_since(kept: &KeptAlerts, change: Change, since: DateTime<Utc>) -> Vec<&Transition> {
    kept.history
        .iter()
        .filter(|t| t.change == change && t.at >= since)
        .collect()
}

/// What the hand-off covers and when.
pub struct Handover<'a, Tz: TimeZone> {
    pub runbooks: &'a Runbooks,
    pub log: &'a RunbookLog,
    pub alerts: &'a KeptAlerts,
    pub checklists: &'a [ChecklistStatus],
    pub since: DateTime<Utc>,
    pub now: DateTime<Utc>,
    pub tz: &'a Tz,
}

/// A Markdown hand-off for the next on-call engineer: what fired and what still fires, who
/// acknowledged what, the procedures followed, the checklist steps still open, the shift log.
pub fn render_handover<Tz: TimeZone>(h: &Handover<'_, Tz>) -> String
where
    Tz::Offset: Display,
{
    let tz = h.tz;
    let mut out = format!(
        "# Hand-off {} to {}\n\n",
        local(h.since, tz),
        local(h.now, tz)
    );
    let list = |out: &mut String, heading: &str, lines: Vec<String>, none: &str| {
        let _ = writeln!(out, "## {heading}\n");
        if lines.is_empty() {
            let _ = writeln!(out, "{none}\n");
        } else {
            for line in lines {
                let _ = writeln!(out, "- {line}");
            }
            out.push('\n');
        }
    };
    let still = still_firing(h.alerts);
    list(
        &mut out,
        "Still firing",
        still
            .iter()
            .map(|(key, since)| format!("{} since {}", key.name(), local(*since, tz)))
            .collect(),
        "Nothing is firing.",
    );
    list(
        &mut out,
        "Fired",
        transitions_since(h.alerts, Change::Firing, h.since)
            .into_iter()
            .map(|t| {
                let resolved = h
                    .alerts
                    .history
                    .iter()
                    .find(|r| r.key == t.key && r.change == Change::Resolved && r.at > t.at)
                    .map_or_else(
                        || " (still firing)".to_string(),
                        |r| format!(", resolved {}", local(r.at, tz)),
                    );
                format!("{} {}{resolved}", local(t.at, tz), t.key.name())
            })
            .collect(),
        "Nothing fired.",
    );
    list(
        &mut out,
        "Acknowledged",
        transitions_since(h.alerts, Change::Acknowledged, h.since)
            .into_iter()
            .map(|t| {
                format!(
                    "{} {} by {}",
                    local(t.at, tz),
                    t.key.name(),
                    t.by_or_value()
                )
            })
            .collect(),
        "Nothing was acknowledged.",
    );
    list(
        &mut out,
        "Procedures followed",
        worked(h.runbooks, h.log, h.since, h.now, tz)
            .iter()
            .filter(|w| w.procedure)
            .map(|Worked { row, .. }| {
                let notes = if row.notes.is_empty() {
                    String::new()
                } else {
                    format!("; notes: {}", row.notes)
                };
                format!(
                    "{} {} ({}): {}; actions: {}{notes}",
                    row.date, row.content, row.operator, row.result, row.impact
                )
            })
            .collect(),
        "No procedure was followed.",
    );
    list(
        &mut out,
        "Checklists",
        h.checklists
            .iter()
            .map(|c| checklist_line(h.runbooks, h.log, c))
            .collect(),
        "No checklist is defined.",
    );
    list(
        &mut out,
        "Shift log",
        h.log
            .since(h.since)
            .filter(|e| e.at < h.now)
            .filter_map(|e| match &e.kind {
                EntryKind::Note { text, incident } => Some(format!(
                    "{} {}{}: {text}",
                    local(e.at, tz),
                    e.operator,
                    incident
                        .as_ref()
                        .map(|i| format!(" on {}", i.alert.name()))
                        .unwrap_or_default()
                )),
                _ => None,
            })
            .collect(),
        "No note.",
    );
    out
}

/// `Daily check 2026-12-07: 3/8, due today; open: Disk space, Backups`.
fn checklist_line(runbooks: &Runbooks, log: &RunbookLog, status: &ChecklistStatus) -> String {
    let mut line = format!(
        "{} {}: {}/{}",
        status.title, status.period, status.settled, status.total
    );
    if status.standing != Standing::Ok {
        let _ = write!(line, ", {}", status.standing.label());
    }
    if let Some(previous) = &status.overdue_period {
        let _ = write!(line, " ({previous} was left undone)");
    }
    if let Some(runbook) = runbooks.get(&status.runbook) {
        let scope = Scope::Period(status.period.clone());
        let open: Vec<&str> = runbook
            .steps
            .iter()
            .filter(|step| {
                !log.tick(&runbook.name, &step.id, &scope)
                    .is_some_and(|(_, state)| state.settled())
            })
            .map(|step| step.title.as_str())
            .collect();
        if !open.is_empty() {
            let _ = write!(line, "; open: {}", open.join(", "));
        }
    }
    line
}

/// `watchdeck runbook status` as text: one line per checklist, then the overall standing.
pub fn render_status_text(
    runbooks: &Runbooks,
    log: &RunbookLog,
    all: &[ChecklistStatus],
) -> String {
    let mut out = String::new();
    for status in all {
        let _ = writeln!(out, "{}", checklist_line(runbooks, log, status));
    }
    let worst = super::status::worst(all);
    let _ = writeln!(out, "status: {}", worst.label());
    out
}
