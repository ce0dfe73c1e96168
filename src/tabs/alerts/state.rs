//! The Alerts tab's state: the rules, every alert the engine keeps, and the list.

use std::collections::{BTreeMap, VecDeque};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::alerts::engine::{Ack, Alert, AlertKey, AlertState, Alerts, Transition};
use crate::alerts::notify::NotifyState;
use crate::alerts::rule::Rule;
use crate::command::{AlertAction, AlertCommand};
use crate::findings::Severity;
use crate::state::list::{ListState, SortLabel};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AlertSort {
    /// Most severe first, then oldest.
    #[default]
    Severity,
}

impl SortLabel for AlertSort {
    fn label(&self) -> &'static str {
        "severity"
    }
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct AlertsState {
    pub rules: Vec<Rule>,
    pub alerts: Alerts,
    /// Firing and pending alerts, most severe then oldest first; resolved ones too with
    /// `show_resolved`.
    pub list: ListState<AlertSort, AlertKey>,
    pub show_resolved: bool,
    /// When the rules were last evaluated: the time the view measures ages against.
    pub evaluated_at: Option<DateTime<Utc>>,
    /// What happened to alerts, newest last, at most `HISTORY` entries.
    pub history: VecDeque<Transition>,
    /// Acknowledgements by alert; one lasts until its alert resolves.
    pub acks: BTreeMap<AlertKey, Ack>,
    pub silences: Vec<Silence>,
    /// Counts changes to what is kept across restarts (acknowledgements, silences, history);
    /// `update` saves when it moved past `saved`.
    pub generation: u64,
    pub saved: u64,
    /// The `[[notify]]` targets: what each was told, and which fail.
    pub notify: NotifyState,
}

/// What survives a restart: acknowledgements, silences and the history.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct KeptAlerts {
    pub acks: Vec<(AlertKey, Ack)>,
    pub silences: Vec<Silence>,
    pub history: Vec<Transition>,
}

/// How long the history is kept.
pub const HISTORY_RETENTION: chrono::Duration = chrono::Duration::days(30);

/// An alert hidden and not notified until `until`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Silence {
    pub key: AlertKey,
    pub until: DateTime<Utc>,
    pub by: String,
    pub comment: String,
}

/// Transitions kept in memory.
pub const HISTORY: usize = 10_000;

impl AlertsState {
    pub fn new(rules: Vec<Rule>) -> Self {
        Self {
            rules,
            ..Self::default()
        }
    }

    pub fn with_notify(mut self, notify: NotifyState) -> Self {
        self.notify = notify;
        self
    }

    /// Replaces the alerts after an evaluation at `now`, records what changed, and orders the
    /// list again.
    pub fn apply_evaluation(
        &mut self,
        alerts: Alerts,
        transitions: Vec<Transition>,
        now: DateTime<Utc>,
    ) {
        self.alerts = alerts;
        self.evaluated_at = Some(now);
        // An acknowledgement belongs to one incident: it goes when its alert resolves. One whose
        // alert is not back yet (the console just started) waits a day for it.
        let acks = self.acks.len();
        let alerts = &self.alerts;
        self.acks.retain(|key, ack| match alerts.get(key) {
            Some(alert) => alert.state != AlertState::Resolved,
            None => now - ack.at < chrono::Duration::days(1),
        });
        for (key, ack) in &self.acks {
            if let Some(alert) = self.alerts.get_mut(key) {
                alert.ack = Some(ack.clone());
            }
        }
        let silences = self.silences.len();
        self.silences.retain(|s| s.until > now);
        if (acks, silences) != (self.acks.len(), self.silences.len()) {
            self.generation += 1;
        }
        if !transitions.is_empty() {
            self.generation += 1;
        }
        for transition in transitions {
            if self.history.len() == HISTORY {
                self.history.pop_front();
            }
            self.history.push_back(transition);
        }
        while self
            .history
            .front()
            .is_some_and(|t| now - t.at > HISTORY_RETENTION)
        {
            self.history.pop_front();
        }
        self.refresh_rows();
    }

    pub fn apply_toggle_resolved(&mut self) {
        self.show_resolved = !self.show_resolved;
        self.refresh_rows();
    }

    pub fn apply_filter(&mut self, filter: String) {
        self.list.filter = filter;
        self.refresh_rows();
    }

    /// Firing alerts, the ones the header counts.
    pub fn firing(&self) -> impl Iterator<Item = &Alert> {
        self.alerts
            .values()
            .filter(|a| a.state == AlertState::Firing)
    }

    /// The worst firing alert, not silenced, whose label `label` is `value`: what a tab's row
    /// about that thing shows.
    pub fn worst_about(&self, label: &str, value: &str) -> Severity {
        self.firing()
            .filter(|a| a.key.label(label) == Some(value) && self.silence_of(&a.key).is_none())
            .map(|a| a.priority.severity())
            .max()
            .unwrap_or(Severity::Ok)
    }

    /// The silence an alert is under, if any.
    pub fn silence_of(&self, key: &AlertKey) -> Option<&Silence> {
        self.silences.iter().find(|s| s.key == *key)
    }

    pub fn selected(&self) -> Option<&Alert> {
        self.alerts.get(self.list.selected.as_ref()?)
    }

    /// What to save, when it changed since the last save.
    pub fn take_unsaved(&mut self) -> Option<KeptAlerts> {
        if self.generation == self.saved {
            return None;
        }
        self.saved = self.generation;
        Some(KeptAlerts {
            acks: self
                .acks
                .iter()
                .map(|(k, a)| (k.clone(), a.clone()))
                .collect(),
            silences: self.silences.clone(),
            history: self.history.iter().cloned().collect(),
        })
    }

    /// What a previous run kept: acknowledgements wait for their alerts to fire again.
    pub fn restore(&mut self, kept: KeptAlerts) {
        self.acks = kept.acks.into_iter().collect();
        self.silences = kept.silences;
        self.history = kept.history.into_iter().collect();
    }

    /// Records a command on an alert that came back done.
    pub fn apply_done(&mut self, command: &AlertCommand, by: &str, now: DateTime<Utc>) {
        self.generation += 1;
        match &command.action {
            AlertAction::Acknowledge => {
                let ack = Ack {
                    by: by.to_string(),
                    at: now,
                    note: command.note.clone(),
                };
                if let Some(alert) = self.alerts.get_mut(&command.key) {
                    alert.ack = Some(ack.clone());
                }
                self.acks.insert(command.key.clone(), ack);
            }
            AlertAction::Unacknowledge => {
                self.acks.remove(&command.key);
                if let Some(alert) = self.alerts.get_mut(&command.key) {
                    alert.ack = None;
                }
            }
            AlertAction::Silence(for_) => {
                self.silences.retain(|s| s.key != command.key);
                self.silences.push(Silence {
                    key: command.key.clone(),
                    until: now + chrono::Duration::from_std(*for_).unwrap_or_default(),
                    by: by.to_string(),
                    comment: command.note.clone(),
                });
            }
        }
        self.refresh_rows();
    }

    fn refresh_rows(&mut self) {
        let needle = self.list.filter.to_lowercase();
        let mut shown: Vec<&Alert> = self
            .alerts
            .values()
            .filter(|a| {
                self.show_resolved
                    || (a.state != AlertState::Resolved && self.silence_of(&a.key).is_none())
            })
            .filter(|a| {
                needle.is_empty()
                    || a.key.rule.to_lowercase().contains(&needle)
                    || a.summary.to_lowercase().contains(&needle)
                    || a.key
                        .labels
                        .iter()
                        .any(|(_, v)| v.to_lowercase().contains(&needle))
            })
            .collect();
        // Firing, then pending, then resolved; within each, most severe then oldest.
        let rank = |state: AlertState| match state {
            AlertState::Firing => 0,
            AlertState::Pending => 1,
            AlertState::Resolved => 2,
        };
        shown.sort_by_key(|a| (rank(a.state), a.priority, a.active_since));
        let rows = shown.iter().map(|a| a.key.clone()).collect();
        self.list.set_rows(rows);
    }
}
