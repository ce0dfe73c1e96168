//! The runbook log: who ticked which step of which checklist period or incident, the shift
//! log's notes, and the actions taken from a procedure. Entries are never changed or removed:
//! a later tick of the same step wins and the earlier one stays in the history, so two logs
//! merge by taking the union of their entries.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::model::Runbook;
use super::period::PeriodId;
use crate::alerts::engine::AlertKey;

/// How a step ended for the operator who ticked it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepState {
    Done,
    Skipped,
    Failed,
    /// Ticked back to open (a tick by mistake).
    Open,
}

impl StepState {
    /// Whether the step was seen to: done, skipped or failed all count, open does not.
    pub fn settled(self) -> bool {
        self != StepState::Open
    }

    pub fn label(self) -> &'static str {
        match self {
            StepState::Done => "done",
            StepState::Skipped => "skipped",
            StepState::Failed => "failed",
            StepState::Open => "open",
        }
    }
}

/// The firing of an alert a procedure was opened from: its key and since when it fired.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Incident {
    pub alert: AlertKey,
    pub since: DateTime<Utc>,
}

/// What a tick or an action counts toward: a checklist's period, or an incident (a procedure
/// opened without an alert counts toward the day's period).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// A period id as [`PeriodId`] writes it (`2026-12-07`, `2026-W50`).
    Period(String),
    Incident(Incident),
}

impl Scope {
    pub fn period(id: PeriodId) -> Self {
        Scope::Period(id.to_string())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EntryKind {
    Tick {
        runbook: String,
        step: String,
        scope: Scope,
        state: StepState,
        #[serde(default, skip_serializing_if = "String::is_empty")]
        note: String,
    },
    /// A free note of the shift log.
    Note {
        text: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        incident: Option<Incident>,
    },
    /// An operator command run from a procedure's step, with the audit log's action, target and
    /// outcome.
    Action {
        runbook: String,
        step: String,
        scope: Scope,
        action: String,
        target: String,
        outcome: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// Derived from the rest ([`Entry::new`]): two consoles never make the same id for
    /// different entries, and the same entry read twice is one.
    pub id: String,
    pub at: DateTime<Utc>,
    /// The audit log's identity of who did it.
    pub operator: String,
    #[serde(flatten)]
    pub kind: EntryKind,
}

impl Entry {
    pub fn new(at: DateTime<Utc>, operator: &str, kind: EntryKind) -> Self {
        let mut hash = Sha256::new();
        hash.update(at.to_rfc3339().as_bytes());
        hash.update([0]);
        hash.update(operator.as_bytes());
        hash.update([0]);
        hash.update(serde_json::to_vec(&kind).unwrap_or_default());
        let id = hash
            .finalize()
            .iter()
            .take(12)
            .map(|b| format!("{b:02x}"))
            .collect();
        Self {
            id,
            at,
            operator: operator.to_string(),
            kind,
        }
    }

    /// The scope a tick or an action counts toward.
    pub fn scope(&self) -> Option<&Scope> {
        match &self.kind {
            EntryKind::Tick { scope, .. } | EntryKind::Action { scope, .. } => Some(scope),
            EntryKind::Note { .. } => None,
        }
    }
}

/// Every entry, oldest first (by time, then id, so every console orders them alike).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunbookLog {
    entries: Vec<Entry>,
}

impl RunbookLog {
    pub fn from_entries(entries: impl IntoIterator<Item = Entry>) -> Self {
        let mut log = Self::default();
        log.extend(entries);
        log
    }

    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// Adds entries, keeping the order; an entry already there (same id) is kept once.
    pub fn extend(&mut self, entries: impl IntoIterator<Item = Entry>) {
        let mut by_id: BTreeMap<String, Entry> =
            self.entries.drain(..).map(|e| (e.id.clone(), e)).collect();
        for entry in entries {
            by_id.entry(entry.id.clone()).or_insert(entry);
        }
        self.entries = by_id.into_values().collect();
        self.entries
            .sort_by(|a, b| a.at.cmp(&b.at).then_with(|| a.id.cmp(&b.id)));
    }

    /// Both logs' entries: what two consoles recorded at once survives in both.
    pub fn merge(&self, other: &RunbookLog) -> RunbookLog {
        let mut merged = self.clone();
        merged.extend(other.entries.iter().cloned());
        merged
    }

    /// The latest tick of a step in a scope: the step's state there. Earlier ticks stay in
    /// [`RunbookLog::history`].
    pub fn tick(&self, runbook: &str, step: &str, scope: &Scope) -> Option<(&Entry, StepState)> {
        self.history(runbook, step, scope).last().copied()
    }

    /// Every tick of a step in a scope, oldest first.
    pub fn history(&self, runbook: &str, step: &str, scope: &Scope) -> Vec<(&Entry, StepState)> {
        self.entries
            .iter()
            .filter_map(|entry| match &entry.kind {
                EntryKind::Tick {
                    runbook: r,
                    step: s,
                    scope: sc,
                    state,
                    ..
                } if r == runbook && s == step && sc == scope => Some((entry, *state)),
                _ => None,
            })
            .collect()
    }

    /// How far `runbook` got in `scope`.
    pub fn progress(&self, runbook: &Runbook, scope: &Scope) -> Progress {
        let settled = runbook
            .steps
            .iter()
            .filter(|step| {
                self.tick(&runbook.name, &step.id, scope)
                    .is_some_and(|(_, state)| state.settled())
            })
            .count();
        Progress {
            settled,
            total: runbook.steps.len(),
        }
    }

    /// Entries at or after `since`.
    pub fn since(&self, since: DateTime<Utc>) -> impl Iterator<Item = &Entry> {
        self.entries.iter().filter(move |e| e.at >= since)
    }

    /// When the first entry was made: periods before it were never kept, so never overdue.
    pub fn first_at(&self) -> Option<DateTime<Utc>> {
        self.entries.first().map(|e| e.at)
    }
}

/// Steps seen to (done, skipped or failed) out of all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    pub settled: usize,
    pub total: usize,
}

impl Progress {
    pub fn complete(self) -> bool {
        self.settled == self.total
    }
}

impl std::fmt::Display for Progress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.settled, self.total)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::runbook::model::Origin;
    use crate::runbook::parse::parse_runbook;

    pub(crate) fn daily() -> Runbook {
        let text = "name = \"daily\"\ntitle = \"Daily\"\nkind = \"checklist\"\ncadence = \"daily\"\n[[step]]\ntitle = \"Disk\"\n[[step]]\ntitle = \"Logs\"\n[[step]]\ntitle = \"Backups\"\n";
        parse_runbook("daily.toml", text, Origin::Shipped).unwrap_or_else(|e| panic!("{e}"))
    }

    pub(crate) fn at(minute: i64) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-12-07T09:00:00Z")
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_default()
            + chrono::Duration::minutes(minute)
    }

    pub(crate) fn tick(minute: i64, who: &str, step: &str, day: &str, state: StepState) -> Entry {
        Entry::new(
            at(minute),
            who,
            EntryKind::Tick {
                runbook: "daily".into(),
                step: step.into(),
                scope: Scope::Period(day.into()),
                state,
                note: String::new(),
            },
        )
    }

    #[test]
    fn two_consoles_ticking_different_steps_at_once_both_keep_their_tick() {
        let base =
            RunbookLog::from_entries([tick(0, "alice", "disk", "2026-12-07", StepState::Done)]);
        let mut alice = base.clone();
        alice.extend([tick(5, "alice", "logs", "2026-12-07", StepState::Done)]);
        let mut bob = base.clone();
        bob.extend([tick(5, "bob", "backups", "2026-12-07", StepState::Skipped)]);
        let merged = alice.merge(&bob);
        assert_eq!(
            merged,
            bob.merge(&alice),
            "the merge does not depend on who merges"
        );
        assert_eq!(merged.entries().len(), 3, "the common tick is kept once");
        let today = Scope::Period("2026-12-07".into());
        assert_eq!(
            merged.progress(&daily(), &today),
            Progress {
                settled: 3,
                total: 3
            }
        );
        assert!(merged.progress(&daily(), &today).complete());
        assert_eq!(merged.merge(&merged), merged);
    }

    #[test]
    fn on_the_same_step_the_latest_tick_wins_and_both_stay_in_the_history() {
        let today = Scope::Period("2026-12-07".into());
        let alice =
            RunbookLog::from_entries([tick(1, "alice", "disk", "2026-12-07", StepState::Failed)]);
        let bob = RunbookLog::from_entries([tick(2, "bob", "disk", "2026-12-07", StepState::Done)]);
        let merged = bob.merge(&alice);
        let (entry, state) = merged
            .tick("daily", "disk", &today)
            .unwrap_or_else(|| panic!("no tick"));
        assert_eq!((entry.operator.as_str(), state), ("bob", StepState::Done));
        let history: Vec<&str> = merged
            .history("daily", "disk", &today)
            .iter()
            .map(|(e, _)| e.operator.as_str())
            .collect();
        assert_eq!(history, ["alice", "bob"]);
        // Reopened later: open again, and the progress counts it so.
        let mut reopened = merged.clone();
        reopened.extend([tick(3, "alice", "disk", "2026-12-07", StepState::Open)]);
        assert_eq!(reopened.progress(&daily(), &today).settled, 0);
        // Another day's tick counts toward that day only.
        assert_eq!(
            merged
                .progress(&daily(), &Scope::Period("2026-12-08".into()))
                .settled,
            0
        );
    }

    #[test]
    fn entries_round_trip_through_json_and_ids_tell_entries_apart() {
        let incident = Incident {
            alert: AlertKey {
                rule: "ContainerUnhealthy".into(),
                labels: vec![("container".into(), "web".into())],
                origin: crate::alerts::engine::Origin::Console,
            },
            since: at(-30),
        };
        let log = RunbookLog::from_entries([
            tick(0, "alice", "disk", "2026-12-07", StepState::Done),
            tick(0, "bob", "disk", "2026-12-07", StepState::Done),
            Entry::new(
                at(1),
                "alice",
                EntryKind::Note {
                    text: "rebooted db-2".into(),
                    incident: Some(incident.clone()),
                },
            ),
            Entry::new(
                at(2),
                "alice",
                EntryKind::Action {
                    runbook: "container-unhealthy".into(),
                    step: "restart-the-container".into(),
                    scope: Scope::Incident(incident),
                    action: "container restart".into(),
                    target: "container web (abc) on local".into(),
                    outcome: "ok".into(),
                },
            ),
        ]);
        assert_eq!(
            log.entries().len(),
            4,
            "the same tick by two operators is two entries"
        );
        let json = serde_json::to_string(&log).unwrap_or_default();
        let back: RunbookLog =
            serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}: {json}"));
        assert_eq!(back, log);
        assert_eq!(log.first_at(), Some(at(0)));
        assert_eq!(log.since(at(1)).count(), 2);
    }
}
