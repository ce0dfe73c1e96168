//! An alert and what happens to it: its state, its acknowledgement, what a restart keeps of
//! it, and the transitions the history and the notifications are told.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::key::AlertKey;
use super::rule::{Priority, Rule, SummaryTemplate};
use crate::duration::later;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum AlertState {
    Pending,
    Firing,
    Resolved,
}

impl AlertState {
    pub fn label(self) -> &'static str {
        match self {
            AlertState::Pending => "pending",
            AlertState::Firing => "firing",
            AlertState::Resolved => "resolved",
        }
    }
}

/// Who acknowledged an alert, when, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ack {
    pub by: String,
    pub at: DateTime<Utc>,
    pub note: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Alert {
    pub key: AlertKey,
    pub state: AlertState,
    pub priority: Priority,
    pub value: f64,
    pub summary: String,
    pub runbook: Option<String>,
    /// When the condition started to hold (pending since).
    pub active_since: DateTime<Utc>,
    pub firing_since: Option<DateTime<Utc>>,
    /// The last evaluation at which the condition held.
    pub last_true: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub ack: Option<Ack>,
    pub escalated_at: Option<DateTime<Utc>>,
}

impl Alert {
    /// When someone must have responded: the manual's time for its priority after it fired.
    pub fn respond_by(&self) -> Option<DateTime<Utc>> {
        Some(later(self.firing_since?, self.priority.respond_within()))
    }

    /// What a restart keeps of a pending or firing alert; none of a resolved one.
    pub fn kept(&self) -> Option<KeptAlert> {
        (self.state != AlertState::Resolved).then(|| KeptAlert {
            key: self.key.clone(),
            active_since: self.active_since,
            firing_since: self.firing_since,
            last_true: self.last_true,
            escalated_at: self.escalated_at,
        })
    }
}

/// A pending or firing alert of the console's own as a restart keeps it: when it began, fired
/// and escalated, so that the next run continues the incident (its SINCE, its RESPOND BY, its
/// escalation) instead of starting another. The rule gives the rest back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeptAlert {
    pub key: AlertKey,
    pub active_since: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub firing_since: Option<DateTime<Utc>>,
    pub last_true: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub escalated_at: Option<DateTime<Utc>>,
}

impl KeptAlert {
    /// The alert again, of `rule` (whose name is the key's) as it is now configured. It has no
    /// value until the engine reads its series' next one (see `AlertsState::resume`).
    pub fn restore(self, rule: &Rule, summary: &SummaryTemplate) -> Alert {
        Alert {
            summary: summary.render(&self.key.labels, 0.0),
            state: if self.firing_since.is_some() {
                AlertState::Firing
            } else {
                AlertState::Pending
            },
            priority: rule.priority,
            value: 0.0,
            runbook: rule.runbook.clone(),
            active_since: self.active_since,
            firing_since: self.firing_since,
            last_true: self.last_true,
            resolved_at: None,
            ack: None,
            escalated_at: self.escalated_at,
            key: self.key,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Change {
    Pending,
    Firing,
    Resolved,
    Escalated,
    /// An operator's doing, recorded with who and their note.
    Acknowledged,
    Unacknowledged,
    Silenced,
    /// A silence an operator ended before its time.
    Unsilenced,
}

impl Change {
    pub fn label(self) -> &'static str {
        match self {
            Change::Pending => "pending",
            Change::Firing => "firing",
            Change::Resolved => "resolved",
            Change::Escalated => "escalated",
            Change::Acknowledged => "acknowledged",
            Change::Unacknowledged => "unacknowledged",
            Change::Silenced => "silenced",
            Change::Unsilenced => "unsilenced",
        }
    }
}

/// Something that happened to an alert, for the history and notifications: the engine's changes
/// at one evaluation, and the operators'. A silence's key holds only the labels it matches.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Transition {
    pub key: AlertKey,
    pub change: Change,
    pub at: DateTime<Utc>,
    /// The value the rule saw; none for an Alertmanager's alert, or an operator's doing on an
    /// alert the engine does not hold. A file that says `null` (as one written with a NaN did)
    /// reads as none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<f64>,
    /// The operator, for their doings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub note: String,
}

impl Transition {
    /// Who did it and their note, for an operator's doing (`alice: on it`); else the value the
    /// rule saw (`value 93.5`), if it had one, and the console's note (why it resolved at a
    /// restart).
    pub fn by_or_value(&self) -> String {
        match &self.by {
            Some(by) if self.note.is_empty() => by.clone(),
            Some(by) => format!("{by}: {}", self.note),
            None => {
                let value = self
                    .value
                    .map(|value| format!("value {}", super::rule::format_value(value)));
                let note = (!self.note.is_empty()).then(|| self.note.clone());
                let said: Vec<String> = value.into_iter().chain(note).collect();
                said.join(" · ")
            }
        }
    }
}

/// Every alert by key.
pub type Alerts = BTreeMap<AlertKey, Alert>;
