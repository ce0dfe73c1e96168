//! Commands on alerts: acknowledge with a note, take an acknowledgement back, silence for a while.

use std::time::Duration;

use crate::alerts::engine::AlertKey;

/// How long a silence lasts when the operator does not say.
pub const DEFAULT_SILENCE: Duration = Duration::from_secs(3600);

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AlertAction {
    Acknowledge,
    Unacknowledge,
    /// Hidden and not notified for this long.
    Silence(Duration),
}

/// Do `action` to the alert `key`, with the operator's note. On an Alertmanager's alert (its key
/// names the Alertmanager) acknowledging and silencing make a silence there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertCommand {
    pub key: AlertKey,
    pub action: AlertAction,
    pub note: String,
    /// Taking back the acknowledgement of an Alertmanager's alert expires this silence there.
    pub ack_silence: Option<String>,
}

impl AlertCommand {
    /// The operator's note; for a silence it may start with how long, `4h disk cleanup`.
    pub fn with_note(self, note: &str) -> Self {
        let note = note.trim();
        if let AlertAction::Silence(_) = self.action {
            let (first, rest) = note.split_once(' ').unwrap_or((note, ""));
            if let Ok(for_) = humantime::parse_duration(first) {
                return Self {
                    action: AlertAction::Silence(for_),
                    note: rest.trim().to_string(),
                    ..self
                };
            }
        }
        Self {
            note: note.to_string(),
            ..self
        }
    }

    pub fn action(&self) -> String {
        match &self.action {
            AlertAction::Acknowledge => "alert acknowledge".into(),
            AlertAction::Unacknowledge => "alert unacknowledge".into(),
            AlertAction::Silence(for_) => {
                format!("alert silence {}", humantime::format_duration(*for_))
            }
        }
    }

    /// The alert as the audit log names it: `alert DiskSpaceLow{mount="/var"}`, and
    /// `alert HighLatency{job="api"} on alertmanager prod` for one of the fleet.
    pub fn target(&self) -> String {
        let labels: Vec<String> = self
            .key
            .labels
            .iter()
            .map(|(k, v)| format!("{k}={v:?}"))
            .collect();
        let on = self
            .key
            .alertmanager
            .as_ref()
            .map(|name| format!(" on alertmanager {name}"))
            .unwrap_or_default();
        format!("alert {}{{{}}}{on}", self.key.rule, labels.join(","))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn silence(note: &str) -> AlertCommand {
        AlertCommand {
            key: AlertKey {
                rule: "DiskSpaceLow".into(),
                labels: vec![("mount".into(), "/var".into())],
                alertmanager: None,
            },
            action: AlertAction::Silence(DEFAULT_SILENCE),
            note: String::new(),
            ack_silence: None,
        }
        .with_note(note)
    }

    #[test]
    fn a_silence_takes_its_length_from_the_note() {
        let four_hours = silence("4h disk cleanup in progress");
        assert_eq!(
            four_hours.action,
            AlertAction::Silence(Duration::from_secs(4 * 3600))
        );
        assert_eq!(four_hours.note, "disk cleanup in progress");
        assert_eq!(four_hours.action(), "alert silence 4h");
        let default = silence(" vendor is on it ");
        assert_eq!(default.action, AlertAction::Silence(DEFAULT_SILENCE));
        assert_eq!(default.note, "vendor is on it");
        assert_eq!(
            silence("15m").action,
            AlertAction::Silence(Duration::from_secs(900))
        );
        assert_eq!(four_hours.target(), "alert DiskSpaceLow{mount=\"/var\"}");
        let mut fleet = four_hours;
        fleet.key.alertmanager = Some("prod".into());
        assert_eq!(
            fleet.target(),
            "alert DiskSpaceLow{mount=\"/var\"} on alertmanager prod"
        );
    }
}
