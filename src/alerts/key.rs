//! What names an alert: its rule and the labels of its series, and where it comes from (the
//! console's engine, an Alertmanager or a Prometheus); and how `alerts.json` writes it.

use serde::{Deserialize, Serialize};

use crate::model::source::SourceId;

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
    /// The `[[prometheus]]` of this name: its own alerting rules' alerts.
    Prometheus(String),
}

/// A key as `alerts.json` writes it: an Alertmanager's alert names it, the console's names none
/// (as files did before `Origin`).
#[derive(Serialize, Deserialize)]
struct KeyFile {
    rule: String,
    labels: Vec<(String, String)>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    alertmanager: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    prometheus: Option<String>,
}

impl From<KeyFile> for AlertKey {
    fn from(file: KeyFile) -> Self {
        AlertKey {
            rule: file.rule,
            labels: file.labels,
            origin: match (file.alertmanager, file.prometheus) {
                (Some(name), _) => Origin::Alertmanager(name),
                (None, Some(name)) => Origin::Prometheus(name),
                (None, None) => Origin::Console,
            },
        }
    }
}

impl From<AlertKey> for KeyFile {
    fn from(key: AlertKey) -> Self {
        let alertmanager = key.alertmanager().map(str::to_string);
        let prometheus = key.prometheus().map(str::to_string);
        KeyFile {
            rule: key.rule,
            labels: key.labels,
            alertmanager,
            prometheus,
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
        let on = match &self.origin {
            Origin::Console => String::new(),
            Origin::Alertmanager(name) => format!(" on alertmanager {name}"),
            Origin::Prometheus(name) => format!(" on prometheus {name}"),
        };
        format!("{}{{{}}}{on}", self.rule, labels.join(","))
    }

    /// The Alertmanager an alert of the fleet comes from; none for the console's own.
    pub fn alertmanager(&self) -> Option<&str> {
        match &self.origin {
            Origin::Alertmanager(name) => Some(name),
            Origin::Console | Origin::Prometheus(_) => None,
        }
    }

    /// The Prometheus whose own rules fire it; none for any other.
    pub fn prometheus(&self) -> Option<&str> {
        match &self.origin {
            Origin::Prometheus(name) => Some(name),
            Origin::Console | Origin::Alertmanager(_) => None,
        }
    }

    /// The server of the fleet it comes from, as the source list names it (`am:prod`,
    /// `prom:fleet`); none for the console's own.
    pub fn fleet_source(&self) -> Option<SourceId> {
        match &self.origin {
            Origin::Console => None,
            Origin::Alertmanager(name) => Some(SourceId::alertmanager(name)),
            Origin::Prometheus(name) => Some(SourceId::prometheus(name)),
        }
    }

    /// The server of the fleet it comes from in words: `Alertmanager prod`, `Prometheus fleet`.
    pub fn fleet_server(&self) -> Option<String> {
        match &self.origin {
            Origin::Console => None,
            Origin::Alertmanager(name) => Some(format!("Alertmanager {name}")),
            Origin::Prometheus(name) => Some(format!("Prometheus {name}")),
        }
    }

    /// Whether the console's own engine fires it (not a server of the fleet).
    pub fn is_own(&self) -> bool {
        self.origin == Origin::Console
    }

    /// The alertname and labels, whatever its origin: the same alert that a Prometheus and an
    /// Alertmanager both list has the same identity.
    pub fn identity(&self) -> (&str, &[(String, String)]) {
        (&self.rule, &self.labels)
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
        let prometheus =
            r#"{"rule":"HostDown","labels":[["instance","web-1"]],"prometheus":"fleet"}"#;
        for (text, origin) in [
            (fleet, Origin::Alertmanager("prod".into())),
            (prometheus, Origin::Prometheus("fleet".into())),
            (own, Origin::Console),
        ] {
            let key: AlertKey = serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(key.origin, origin);
            assert_eq!(serde_json::to_string(&key).unwrap_or_default(), text);
        }
    }
}
