//! What an Alertmanager holds, as one poll finds it: its alerts, each with the silences and the
//! alerts that hold it back; and what the console sends it of its own alerts.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

#[derive(Debug, Clone, PartialEq, Default)]
pub struct AlertmanagerSnapshot {
    pub alerts: Vec<AlertmanagerAlert>,
}

/// One alert of the fleet, as Alertmanager lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertmanagerAlert {
    pub fingerprint: String,
    pub labels: BTreeMap<String, String>,
    pub annotations: BTreeMap<String, String>,
    pub starts_at: DateTime<Utc>,
    /// The silences that hold it back; empty when none does.
    pub silenced_by: Vec<AlertmanagerSilence>,
    /// The `alertname`s of the alerts that inhibit it (their fingerprints when they are not
    /// listed).
    pub inhibited_by: Vec<String>,
}

/// A silence, as much of it as the operator needs: who made it, why, and until when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertmanagerSilence {
    pub id: String,
    pub created_by: String,
    pub comment: String,
    pub ends_at: DateTime<Utc>,
}

/// One of the console's own alerts as it is sent to an Alertmanager; resolved ones carry when.
#[derive(Debug, Clone, PartialEq)]
pub struct PushedAlert {
    pub labels: BTreeMap<String, String>,
    pub annotations: BTreeMap<String, String>,
    pub starts_at: DateTime<Utc>,
    pub ends_at: Option<DateTime<Utc>>,
}
