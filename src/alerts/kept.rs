//! What of the alerts survives a restart, as `alerts.json` keeps it: acknowledgements,
//! silences (the console's, and the ones its acknowledgements made in an Alertmanager), the
//! history, the pending and firing alerts, and what each `[[notify]]` target was told.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::engine::{Ack, AlertKey, KeptAlert, Transition};
use super::notify::KeptTold;
use crate::model::matcher::LabelMatcher;

/// What survives a restart: acknowledgements, silences, the history, the console's own alerts
/// that pend or fire, and what each `[[notify]]` target was told of them.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct KeptAlerts {
    pub acks: Vec<(AlertKey, Ack)>,
    pub silences: Vec<Silence>,
    pub history: Vec<Transition>,
    #[serde(default)]
    pub ack_silences: Vec<(AlertKey, AckSilence)>,
    #[serde(default)]
    pub alerts: Vec<KeptAlert>,
    #[serde(default)]
    pub told: Vec<KeptTold>,
}

impl KeptAlerts {
    /// The key of each thing kept of the console's own alerts and the Alertmanagers': the
    /// acknowledgements, the alerts, what targets were told, the history. Silences are not keys
    /// but matchers (see [`Silence::covers`]).
    pub fn keys_mut(&mut self) -> impl Iterator<Item = &mut AlertKey> {
        let acks = self.acks.iter_mut().map(|(key, _)| key);
        let alerts = self.alerts.iter_mut().map(|a| &mut a.key);
        let told = self.told.iter_mut().map(|t| &mut t.key);
        let history = self.history.iter_mut().map(|t| &mut t.key);
        acks.chain(alerts).chain(told).chain(history)
    }
}

/// The silence an acknowledgement created in an Alertmanager.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AckSilence {
    pub id: String,
    pub until: DateTime<Utc>,
}

/// What tells one silence from another: its key and its other matchers.
pub type SilenceId = (AlertKey, Vec<LabelMatcher>);

/// Alerts hidden and not notified until `until`: those of the key's rule (and Alertmanager)
/// whose labels include the key's and that every other matcher matches.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Silence {
    pub key: AlertKey,
    /// The matchers other than equality (`!=`, `=~`, `!~`); a file from before them has none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub matchers: Vec<LabelMatcher>,
    pub until: DateTime<Utc>,
    pub by: String,
    pub comment: String,
    /// The id of the same silence in the key's Alertmanager, to expire it there.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alertmanager_id: Option<String>,
}

impl Silence {
    pub fn covers(&self, key: &AlertKey) -> bool {
        self.key.rule == key.rule
            && self.key.origin == key.origin
            && self.key.labels.iter().all(|l| key.labels.contains(l))
            && self.matchers.iter().all(|m| m.matches(&key.labels))
    }

    pub fn id(&self) -> SilenceId {
        (self.key.clone(), self.matchers.clone())
    }

    pub fn is(&self, key: &AlertKey, matchers: &[LabelMatcher]) -> bool {
        self.key == *key && self.matchers == matchers
    }
}
