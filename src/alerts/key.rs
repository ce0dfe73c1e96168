//! What names an alert: its rule and the labels of its series, and where it comes from (the
//! console's engine or an Alertmanager); and how `alerts.json` writes it.

use serde::{Deserialize, Serialize};

/// One alert: a rule and the labels of the series it fired on; or an Alertmanager's alert, by
/// its `alertname` and its other labels.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(from = "KeyFile", into = "KeyFile")]
pub struct AlertKey {
    pub rule: String,
    /// Sorted by key.
    pub labels: Vec<(String, String)>,
    pub origin: Origin,
}

/// Where an alert comes from. The console's own sort first.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum Origin {
    /// The console's rule engine.
    #[default]
    Console,
    /// The `[[alertmanager]]` of this name.
    Alertmanager(String),
}

/// A key as `alerts.json` writes it: an Alertmanager's alert names it, the console's names none
/// (as files did before `Origin`).
#[derive(Serialize, Deserialize)]
struct KeyFile {
    rule: String,
    labels: Vec<(String, String)>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    alertmanager: Option<String>,
}

impl From<KeyFile> for AlertKey {
    fn from(file: KeyFile) -> Self {
        AlertKey {
            rule: file.rule,
            labels: file.labels,
            origin: file
                .alertmanager
                .map_or(Origin::Console, Origin::Alertmanager),
        }
    }
}

impl From<AlertKey> for KeyFile {
    fn from(key: AlertKey) -> Self {
        let alertmanager = key.alertmanager().map(str::to_string);
        KeyFile {
            rule: key.rule,
            labels: key.labels,
            alertmanager,
        }
    }
}

impl AlertKey {
    /// The alert in words, as the audit log and the timeline name it: `DiskSpaceLow{mount="/var"}`,
    /// and `HighLatency{job="api"} on alertmanager prod` for one of the fleet.
    pub fn name(&self) -> String {
        let labels: Vec<String> = self
            .labels
            .iter()
            .map(|(k, v)| format!("{k}={v:?}"))
            .collect();
        let on = self
            .alertmanager()
            .map(|name| format!(" on alertmanager {name}"))
            .unwrap_or_default();
        format!("{}{{{}}}{on}", self.rule, labels.join(","))
    }

    /// The Alertmanager an alert of the fleet comes from; none for the console's own.
    pub fn alertmanager(&self) -> Option<&str> {
        match &self.origin {
            Origin::Console => None,
            Origin::Alertmanager(name) => Some(name),
        }
    }

    pub fn label(&self, name: &str) -> Option<&str> {
        self.labels
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_reads_and_writes_its_origin_as_files_before_origin_did() {
        let fleet = r#"{"rule":"HighLatency","labels":[["job","api"]],"alertmanager":"prod"}"#;
        let own = r#"{"rule":"DiskSpaceLow","labels":[["mount","/"]]}"#;
        for (text, origin) in [
            (fleet, Origin::Alertmanager("prod".into())),
            (own, Origin::Console),
        ] {
            let key: AlertKey = serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(key.origin, origin);
            assert_eq!(serde_json::to_string(&key).unwrap_or_default(), text);
        }
    }
}
