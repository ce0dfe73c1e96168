//! The alerts a restart must not forget (acknowledgements, silences, history), as one JSON file
//! written atomically, and its history as JSON lines for `watchdeck alerts export`.

use std::path::Path;

use chrono::{DateTime, Utc};

use super::atomic::write_atomically;
use super::state_file::{SetAside, read_or_set_aside};
use crate::alerts::kept::KeptAlerts;

/// Writes the file; a crash leaves the old file or the new one. Blocking.
pub fn save(path: &Path, kept: &KeptAlerts) -> std::io::Result<()> {
    let json = serde_json::to_vec_pretty(kept).map_err(std::io::Error::other)?;
    write_atomically(path, &json)
}

/// Reads the file; none yet is nothing kept, and a file that cannot be read says why.
pub fn load(path: &Path) -> Result<KeptAlerts, String> {
    match std::fs::read(path) {
        Ok(bytes) => parse(&bytes).map_err(|e| format!("{}: {e}", path.display())),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(KeptAlerts::default()),
        Err(error) => Err(format!("{}: {error}", path.display())),
    }
}

/// Reads the file as the console starts: one that cannot be read is moved aside (see
/// [`read_or_set_aside`]), so the next save does not replace it.
pub fn load_at_start(path: &Path, now: DateTime<Utc>) -> Result<KeptAlerts, SetAside> {
    read_or_set_aside(path, now, parse)
}

fn parse(bytes: &[u8]) -> Result<KeptAlerts, String> {
    serde_json::from_slice(bytes).map_err(|e| format!("not a watchdeck alerts file: {e}"))
}

/// The history since `since`, one JSON object a line, oldest first.
pub fn history_lines(kept: &KeptAlerts, since: DateTime<Utc>) -> String {
    kept.history
        .iter()
        .filter(|t| t.at >= since)
        .filter_map(|t| serde_json::to_string(t).ok())
        .map(|line| line + "\n")
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alerts::engine::{Ack, AlertKey, Change, KeptAlert, Origin, Transition};
    use crate::alerts::kept::{AckSilence, Silence};
    use crate::alerts::notify::{KeptTold, NotifyStatus};

    #[test]
    fn what_is_kept_comes_back_whole_and_the_history_exports_from_a_time() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("state/alerts.json");
        assert_eq!(load(&path), Ok(KeptAlerts::default()));
        let key = AlertKey {
            rule: "DiskSpaceLow".into(),
            labels: vec![("mount".into(), "/var".into())],
            origin: Origin::Console,
        };
        let fleet_key = AlertKey {
            rule: "HighLatency".into(),
            labels: vec![("job".into(), "api".into())],
            origin: Origin::Alertmanager("prod".into()),
        };
        let at = DateTime::<Utc>::UNIX_EPOCH + chrono::Duration::days(20_000);
        let kept = KeptAlerts {
            acks: vec![(
                key.clone(),
                Ack {
                    by: "alice".into(),
                    at,
                    note: "on it".into(),
                },
            )],
            silences: vec![Silence {
                key: key.clone(),
                until: at + chrono::Duration::hours(1),
                by: "bob".into(),
                comment: "vacuum".into(),
                alertmanager_id: None,
                matchers: Vec::new(),
            }],
            history: [Change::Pending, Change::Firing]
                .into_iter()
                .enumerate()
                .map(|(i, change)| Transition {
                    key: key.clone(),
                    change,
                    at: at + chrono::Duration::minutes(i as i64),
                    value: Some(93.5),
                    by: None,
                    note: String::new(),
                })
                .collect(),
            ack_silences: vec![(
                fleet_key,
                AckSilence {
                    id: "8e3c1b2a-silence".into(),
                    until: at + chrono::Duration::hours(2),
                },
            )],
            alerts: vec![KeptAlert {
                key: key.clone(),
                active_since: at,
                firing_since: Some(at + chrono::Duration::minutes(1)),
                last_true: at + chrono::Duration::minutes(9),
                escalated_at: None,
            }],
            told: vec![KeptTold {
                key: key.clone(),
                target: "ops".into(),
                status: NotifyStatus::Firing,
                at: at + chrono::Duration::minutes(1),
            }],
        };
        save(&path, &kept).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(load(&path), Ok(kept.clone()));
        let lines = history_lines(&kept, at + chrono::Duration::seconds(30));
        assert_eq!(lines.lines().count(), 1, "{lines}");
        assert!(lines.contains("\"change\":\"firing\""), "{lines}");

        // An acknowledgement of an Alertmanager's alert has no value of the console's own.
        let mut acknowledged = kept.history[1].clone();
        acknowledged.key = AlertKey {
            rule: "HighLatency".into(),
            labels: vec![("job".into(), "api".into())],
            origin: Origin::Alertmanager("prod".into()),
        };
        acknowledged.change = Change::Acknowledged;
        acknowledged.value = None;
        acknowledged.by = Some("alice".into());
        let mut with_no_value = kept.clone();
        with_no_value.history.push(acknowledged);
        save(&path, &with_no_value).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(load(&path), Ok(with_no_value.clone()));
        // As the build before wrote it, with a NaN: the file is still read, not discarded.
        let written = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{e}"));
        let alice = "\"by\": \"alice\"";
        let with_null = written.replace(alice, &format!("\"value\": null,\n      {alice}"));
        assert_ne!(with_null, written);
        std::fs::write(&path, with_null).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(load(&path), Ok(with_no_value));

        std::fs::write(&path, b"{ half").unwrap_or_else(|e| panic!("{e}"));
        assert!(load(&path).is_err_and(|e| e.contains("not a watchdeck alerts file")));
    }
}
