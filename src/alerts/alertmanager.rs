//! The fleet's alerts: an Alertmanager's alerts as the Alerts tab lists them beside the console's
//! own (the rule engine never evaluates them: Alertmanager says what fires), and the console's
//! own alerts as they are pushed to one.

use std::collections::BTreeMap;

use super::engine::{Alert, AlertKey, AlertState, Alerts, Origin};
use super::rule::Priority;
use crate::model::alertmanager::{AlertmanagerAlert, AlertmanagerSilence, PushedAlert};
use crate::model::prometheus::{PrometheusAlert, PrometheusAlertState};

/// The label naming the host of the console that pushed an alert: the fleet sees where it came
/// from, and that console does not list it a second time when it reads it back.
pub const PUSHED_BY: &str = "watchdeck";

/// The label Alertmanager names an alert by.
const ALERTNAME: &str = "alertname";

/// The priority an alert's `severity` label names: `P0`…`P3` as they are; `critical` (or `error`)
/// P1, `warning` (or `warn`) P2, `info` (or `none`) P3, in any case. An alert with no severity, or
/// one not in this table, is P2: an alert someone routed to Alertmanager is not unimportant for
/// want of a label, and P2 still ranks below what is known to be critical.
pub fn priority_of(severity: Option<&str>) -> Priority {
    match severity.map(str::to_ascii_lowercase).as_deref() {
        Some("p0") => Priority::P0,
        Some("p1" | "critical" | "error") => Priority::P1,
        Some("p3" | "info" | "none") => Priority::P3,
        _ => Priority::P2,
    }
}

/// An alert of an Alertmanager, as the tab keeps it: an [`Alert`] for the list, the header and
/// the findings, and what Alertmanager says of it.
#[derive(Debug, Clone, PartialEq)]
pub struct ExternalAlert {
    /// Always firing; its key names the Alertmanager, `alertname` and the other labels.
    pub alert: Alert,
    pub fingerprint: String,
    pub annotations: BTreeMap<String, String>,
    pub silenced_by: Vec<AlertmanagerSilence>,
    pub inhibited_by: Vec<String>,
}

impl ExternalAlert {
    pub fn new(alertmanager: &str, reported: AlertmanagerAlert) -> Self {
        let mut labels = reported.labels;
        let rule = labels.remove(ALERTNAME).unwrap_or_default();
        let annotation = |names: &[&str]| {
            names
                .iter()
                .find_map(|name| reported.annotations.get(*name))
                .filter(|text| !text.is_empty())
                .cloned()
        };
        let summary =
            annotation(&["summary", "description", "message"]).unwrap_or_else(|| rule.clone());
        let runbook = annotation(&["runbook", "runbook_url"]);
        let priority = priority_of(labels.get("severity").map(String::as_str));
        let starts_at = reported.starts_at;
        Self {
            alert: Alert {
                key: AlertKey {
                    rule,
                    labels: labels.into_iter().collect(),
                    origin: Origin::Alertmanager(alertmanager.to_string()),
                },
                state: AlertState::Firing,
                priority,
                value: 0.0,
                summary,
                runbook,
                active_since: starts_at,
                firing_since: Some(starts_at),
                last_true: starts_at,
                resolved_at: None,
                ack: None,
                escalated_at: None,
            },
            fingerprint: reported.fingerprint,
            annotations: reported.annotations,
            silenced_by: reported.silenced_by,
            inhibited_by: reported.inhibited_by,
        }
    }

    /// One of a Prometheus's own alerts, pending or firing, read as an Alertmanager's would be
    /// (summary, runbook and priority from the same annotations and `severity`); it has no
    /// fingerprint and no silence there.
    pub fn from_prometheus(prometheus: &str, reported: PrometheusAlert) -> Self {
        let as_listed = AlertmanagerAlert {
            fingerprint: String::new(),
            labels: reported.labels,
            annotations: reported.annotations,
            starts_at: reported.active_at,
            silenced_by: Vec::new(),
            inhibited_by: Vec::new(),
        };
        let mut external = Self::new(prometheus, as_listed);
        let alert = &mut external.alert;
        alert.key.origin = Origin::Prometheus(prometheus.to_string());
        alert.value = reported.value.unwrap_or_default();
        if reported.state == PrometheusAlertState::Pending {
            alert.state = AlertState::Pending;
            alert.firing_since = None;
        }
        external
    }

    /// The silence that holds it back in its Alertmanager, other than `own` (the one this
    /// console's acknowledgement made); the one that lasts longest.
    pub fn silenced_elsewhere(&self, own: Option<&str>) -> Option<&AlertmanagerSilence> {
        self.silenced_by
            .iter()
            .filter(|s| Some(s.id.as_str()) != own)
            .max_by_key(|s| s.ends_at)
    }

    /// Whether Alertmanager holds it back for a reason other than this console's own
    /// acknowledgement: someone's silence, or an inhibiting alert. Such alerts notify nobody, so
    /// they are not counted and are listed behind the toggle, like silenced ones.
    pub fn held_back(&self, own: Option<&str>) -> bool {
        !self.inhibited_by.is_empty() || self.silenced_elsewhere(own).is_some()
    }
}

/// The labels Alertmanager knows an alert by, `alertname` included: a silence of exactly the
/// alert has an equal matcher for each.
pub fn label_set(key: &AlertKey) -> BTreeMap<String, String> {
    key.labels
        .iter()
        .cloned()
        .chain(std::iter::once((ALERTNAME.to_string(), key.rule.clone())))
        .collect()
}

/// The console's own alerts as they are pushed: the firing ones, and the ones that fired and have
/// resolved since, with when, so Alertmanager resolves them too. Pending ones are not sent.
pub fn to_push(alerts: &Alerts, host: &str) -> Vec<PushedAlert> {
    alerts
        .values()
        .filter_map(|alert| {
            let starts_at = alert.firing_since?;
            let ends_at = match alert.state {
                AlertState::Firing => None,
                AlertState::Resolved => Some(alert.resolved_at?),
                AlertState::Pending => return None,
            };
            let mut labels = label_set(&alert.key);
            labels.insert("severity".into(), alert.priority.to_string());
            labels.insert(PUSHED_BY.into(), host.to_string());
            let mut annotations = BTreeMap::from([("summary".to_string(), alert.summary.clone())]);
            if let Some(runbook) = &alert.runbook {
                annotations.insert("runbook".into(), runbook.clone());
            }
            Some(PushedAlert {
                labels,
                annotations,
                starts_at,
                ends_at,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{DateTime, Utc};

    fn at(minutes: i64) -> DateTime<Utc> {
        DateTime::<Utc>::UNIX_EPOCH
            + chrono::Duration::days(20_000)
            + chrono::Duration::minutes(minutes)
    }

    fn silence(id: &str, by: &str) -> AlertmanagerSilence {
        AlertmanagerSilence {
            id: id.into(),
            created_by: by.into(),
            comment: "maintenance".into(),
            ends_at: at(60),
        }
    }

    fn reported(labels: &[(&str, &str)]) -> AlertmanagerAlert {
        AlertmanagerAlert {
            fingerprint: "32a2ddd10fadf757".into(),
            labels: labels
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            annotations: BTreeMap::new(),
            starts_at: at(0),
            silenced_by: Vec::new(),
            inhibited_by: Vec::new(),
        }
    }

    #[test]
    fn severities_map_to_the_manuals_priorities() {
        for (severity, expected) in [
            (Some("P0"), Priority::P0),
            (Some("p1"), Priority::P1),
            (Some("P2"), Priority::P2),
            (Some("P3"), Priority::P3),
            (Some("critical"), Priority::P1),
            (Some("CRITICAL"), Priority::P1),
            (Some("error"), Priority::P1),
            (Some("warning"), Priority::P2),
            (Some("warn"), Priority::P2),
            (Some("info"), Priority::P3),
            (Some("none"), Priority::P3),
            (Some("page"), Priority::P2),
            (Some(""), Priority::P2),
            (None, Priority::P2),
        ] {
            assert_eq!(priority_of(severity), expected, "{severity:?}");
        }
    }

    #[test]
    fn an_alertmanager_alert_is_listed_by_its_name_labels_and_annotations() {
        let mut alert = reported(&[
            ("alertname", "HighLatency"),
            ("severity", "critical"),
            ("job", "api"),
        ]);
        alert.annotations = BTreeMap::from([
            ("description".to_string(), "p99 over 2s".to_string()),
            (
                "runbook_url".to_string(),
                "https://wiki/latency".to_string(),
            ),
        ]);
        let external = ExternalAlert::new("prod", alert);
        let key = &external.alert.key;
        assert_eq!(key.rule, "HighLatency");
        assert_eq!(
            key.labels,
            [
                ("job".to_string(), "api".to_string()),
                ("severity".to_string(), "critical".to_string())
            ]
        );
        assert_eq!(key.alertmanager(), Some("prod"));
        assert_eq!(external.alert.priority, Priority::P1);
        assert_eq!(external.alert.state, AlertState::Firing);
        assert_eq!(external.alert.firing_since, Some(at(0)));
        assert_eq!(external.alert.summary, "p99 over 2s");
        assert_eq!(
            external.alert.runbook.as_deref(),
            Some("https://wiki/latency")
        );
        assert_eq!(
            label_set(key),
            BTreeMap::from([
                ("alertname".to_string(), "HighLatency".to_string()),
                ("job".to_string(), "api".to_string()),
                ("severity".to_string(), "critical".to_string())
            ])
        );
        let unnamed = ExternalAlert::new("prod", reported(&[("alertname", "Watchdog")]));
        assert_eq!(unnamed.alert.summary, "Watchdog");
    }

    #[test]
    fn silenced_and_inhibited_alerts_are_held_back_unless_by_the_consoles_own_ack() {
        let active = ExternalAlert::new("prod", reported(&[("alertname", "A")]));
        assert!(!active.held_back(None));

        let mut acked = reported(&[("alertname", "A")]);
        acked.silenced_by = vec![silence("ack-1", "alice")];
        let acked = ExternalAlert::new("prod", acked);
        assert!(
            !acked.held_back(Some("ack-1")),
            "our own ack keeps it listed"
        );
        assert!(
            acked.held_back(None),
            "someone else's silence holds it back"
        );
        assert_eq!(
            acked
                .silenced_elsewhere(None)
                .map(|s| s.created_by.as_str()),
            Some("alice")
        );

        let mut both = reported(&[("alertname", "A")]);
        both.silenced_by = vec![silence("ack-1", "alice"), silence("maint-7", "bob")];
        let both = ExternalAlert::new("prod", both);
        assert!(both.held_back(Some("ack-1")));
        assert_eq!(
            both.silenced_elsewhere(Some("ack-1"))
                .map(|s| s.created_by.as_str()),
            Some("bob")
        );

        let mut inhibited = reported(&[("alertname", "A")]);
        inhibited.inhibited_by = vec!["NodeDown".into()];
        let inhibited = ExternalAlert::new("prod", inhibited);
        assert!(inhibited.held_back(None));
        assert_eq!(inhibited.silenced_elsewhere(None), None);
    }

    #[test]
    fn firing_and_resolved_alerts_are_pushed_with_their_labels_and_pending_ones_are_not() {
        let key = |rule: &str| AlertKey {
            rule: rule.into(),
            labels: vec![("mount".into(), "/".into())],
            origin: Origin::Console,
        };
        let alert = |rule: &str, state, firing_since, resolved_at| Alert {
            key: key(rule),
            state,
            priority: Priority::P1,
            value: 93.0,
            summary: "disk / 93% full".into(),
            runbook: Some("disk-full".into()),
            active_since: at(0),
            firing_since,
            last_true: at(5),
            resolved_at,
            ack: None,
            escalated_at: None,
        };
        let alerts: Alerts = [
            alert("Firing", AlertState::Firing, Some(at(1)), None),
            alert("Pending", AlertState::Pending, None, None),
            alert("Resolved", AlertState::Resolved, Some(at(1)), Some(at(9))),
            alert("NeverFired", AlertState::Resolved, None, Some(at(9))),
        ]
        .into_iter()
        .map(|a| (a.key.clone(), a))
        .collect();
        let pushed = to_push(&alerts, "db-01");
        let names: Vec<(&str, Option<DateTime<Utc>>)> = pushed
            .iter()
            .map(|p| (p.labels["alertname"].as_str(), p.ends_at))
            .collect();
        assert_eq!(names, [("Firing", None), ("Resolved", Some(at(9)))]);
        let firing = &pushed[0];
        assert_eq!(
            firing.labels,
            BTreeMap::from([
                ("alertname".to_string(), "Firing".to_string()),
                ("mount".to_string(), "/".to_string()),
                ("severity".to_string(), "P1".to_string()),
                ("watchdeck".to_string(), "db-01".to_string()),
            ])
        );
        assert_eq!(firing.annotations["summary"], "disk / 93% full");
        assert_eq!(firing.annotations["runbook"], "disk-full");
        assert_eq!(firing.starts_at, at(1));
    }
}
