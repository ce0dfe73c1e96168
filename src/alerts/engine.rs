//! The rule engine: a pure function of the rules, the metric store, the previous alerts and the
//! time, which it is given. Each series a rule selects is its own alert, identified by the rule
//! and the series' labels: pending while the condition holds for less than the rule's `for`,
//! firing after, resolved once it has been false for `keep_firing_for`. Acknowledgement and
//! escalation are transitions too, each with who and when.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use promql_parser::label::MatchOp;

use super::rule::{Condition, Priority, Rule, render_summary};
use crate::metrics::{MetricStore, SeriesId};
use crate::state::chrono_duration;

/// One alert: a rule and the labels of the series it fired on; or an Alertmanager's alert, by
/// its `alertname` and its other labels.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct AlertKey {
    pub rule: String,
    /// Sorted by key.
    pub labels: Vec<(String, String)>,
    /// The `[[alertmanager]]` an alert of the fleet comes from; `None` for the console's own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alertmanager: Option<String>,
}

impl AlertKey {
    pub fn label(&self, name: &str) -> Option<&str> {
        self.labels
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }
}

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
        Some(self.firing_since? + chrono_duration(self.priority.respond_within()))
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
    pub value: f64,
    /// The operator, for their doings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub note: String,
}

/// Every alert by key.
pub type Alerts = BTreeMap<AlertKey, Alert>;

/// How long a resolved alert stays in the list (behind the toggle) before it is forgotten.
pub const KEEP_RESOLVED: chrono::Duration = chrono::Duration::minutes(30);

/// Evaluates every rule against the newest value of every series it selects.
pub fn evaluate(
    rules: &[Rule],
    store: &MetricStore,
    previous: &Alerts,
    now: DateTime<Utc>,
) -> (Alerts, Vec<Transition>) {
    let mut alerts = Alerts::new();
    let mut transitions = Vec::new();
    let index = LabelIndex::build(store, rules);
    // A series whose condition does not hold matters only to a rule that has alerts to resolve.
    let rules_with_alerts: HashSet<&str> = previous.keys().map(|k| k.rule.as_str()).collect();
    for rule in rules {
        for &id in index.candidates(store, &rule.condition).iter() {
            let Some(value) = store.latest_id(id) else {
                continue;
            };
            let holds = rule
                .condition
                .comparison
                .holds(value, rule.condition.threshold);
            if !holds && !rules_with_alerts.contains(rule.name.as_str()) {
                continue;
            }
            let labels: Vec<(&str, &str)> = store.labels(id).collect();
            if !rule.condition.selects(&labels) {
                continue;
            }
            let key = AlertKey {
                rule: rule.name.clone(),
                labels: sorted(labels.iter().map(|(k, v)| (k.to_string(), v.to_string()))),
                alertmanager: None,
            };
            let before = previous.get(&key);
            if let Some(alert) = step(rule, key, before, holds, value, now, &mut transitions) {
                alerts.insert(alert.key.clone(), alert);
            }
        }
    }
    let rules_by_name: HashMap<&str, &Rule> = rules.iter().map(|r| (r.name.as_str(), r)).collect();
    // Alerts whose series is gone: a firing one resolves; a resolved one is kept for a while.
    for (key, alert) in previous {
        if alerts.contains_key(key) {
            continue;
        }
        let Some(rule) = rules_by_name.get(key.rule.as_str()) else {
            continue;
        };
        if let Some(alert) = step(
            rule,
            key.clone(),
            Some(alert),
            false,
            alert.value,
            now,
            &mut transitions,
        ) {
            alerts.insert(key.clone(), alert);
        }
    }
    (alerts, transitions)
}

/// The series of every name the rules watch, by each label's value: a rule that names a label's
/// value (`host="db-1"`, the usual rule of a fleet) looks at that series alone, not at every
/// series of its name.
struct LabelIndex<'a> {
    by_label: HashMap<(&'a str, &'a str, &'a str), Vec<SeriesId>>,
}

impl<'a> LabelIndex<'a> {
    fn build(store: &'a MetricStore, rules: &'a [Rule]) -> Self {
        let names: HashSet<&str> = rules.iter().map(|r| r.condition.series.as_str()).collect();
        let mut by_label: HashMap<(&str, &str, &str), Vec<SeriesId>> = HashMap::new();
        for name in names {
            for id in store.select(name, &[]) {
                for (key, value) in store.labels(id) {
                    by_label.entry((name, key, value)).or_default().push(id);
                }
            }
        }
        Self { by_label }
    }

    fn candidates<'s>(
        &'s self,
        store: &MetricStore,
        condition: &'s Condition,
    ) -> Cow<'s, [SeriesId]> {
        let exact = condition
            .matchers
            .iter()
            .find(|m| matches!(m.op, MatchOp::Equal) && !m.value.is_empty());
        match exact {
            Some(m) => self
                .by_label
                .get(&(condition.series.as_str(), m.name.as_str(), m.value.as_str()))
                .map_or(Cow::Borrowed(&[][..]), |ids| Cow::Borrowed(ids.as_slice())),
            None => Cow::Owned(store.select(&condition.series, &[]).collect()),
        }
    }
}

/// One alert's next state.
fn step(
    rule: &Rule,
    key: AlertKey,
    before: Option<&Alert>,
    holds: bool,
    value: f64,
    now: DateTime<Utc>,
    transitions: &mut Vec<Transition>,
) -> Option<Alert> {
    let mut record = |key: &AlertKey, change| {
        transitions.push(Transition {
            key: key.clone(),
            change,
            at: now,
            value,
            by: None,
            note: String::new(),
        });
    };
    let active = before.filter(|a| a.state != AlertState::Resolved);
    let mut alert = match (active, holds) {
        (None, false) => {
            // Resolved a while ago: kept for the list until it is old.
            let resolved = before?;
            return (now - resolved.resolved_at.unwrap_or(now) < KEEP_RESOLVED)
                .then(|| resolved.clone());
        }
        (None, true) => {
            record(&key, Change::Pending);
            Alert {
                summary: render_summary(&rule.summary, &key.labels, value),
                key,
                state: AlertState::Pending,
                priority: rule.priority,
                value,
                runbook: rule.runbook.clone(),
                active_since: now,
                firing_since: None,
                last_true: now,
                resolved_at: None,
                ack: None,
                escalated_at: None,
            }
        }
        (Some(alert), true) => {
            let mut alert = alert.clone();
            alert.value = value;
            alert.summary = render_summary(&rule.summary, &alert.key.labels, value);
            alert.last_true = now;
            alert
        }
        (Some(alert), false) => {
            if alert.state == AlertState::Pending {
                // It never fired: it goes without a word, as in Prometheus.
                return None;
            }
            let mut alert = alert.clone();
            if now - alert.last_true >= chrono_duration(rule.keep_firing_for) {
                alert.state = AlertState::Resolved;
                alert.resolved_at = Some(now);
                record(&alert.key, Change::Resolved);
            }
            return Some(alert);
        }
    };
    if alert.state == AlertState::Pending && now - alert.active_since >= chrono_duration(rule.hold)
    {
        alert.state = AlertState::Firing;
        alert.firing_since = Some(now);
        record(&alert.key, Change::Firing);
    }
    let unacknowledged_for = alert.firing_since.map(|since| now - since);
    if alert.ack.is_none()
        && alert.escalated_at.is_none()
        && unacknowledged_for.is_some_and(|d| d >= chrono_duration(rule.escalate_after))
    {
        alert.escalated_at = Some(now);
        record(&alert.key, Change::Escalated);
    }
    Some(alert)
}

fn sorted(labels: impl Iterator<Item = (String, String)>) -> Vec<(String, String)> {
    let mut labels: Vec<(String, String)> = labels.collect();
    labels.sort();
    labels
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use chrono::TimeZone;

    use super::*;
    use crate::alerts::rule::Condition;

    fn at(second: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(1_800_000_000 + second, 0)
            .single()
            .unwrap_or_default()
    }

    fn rule(expr: &str, hold: u64, keep: u64, priority: Priority) -> Rule {
        Rule {
            name: "DiskSpaceLow".into(),
            condition: Condition::parse(expr).unwrap_or_else(|e| panic!("{e}")),
            hold: Duration::from_secs(hold),
            keep_firing_for: Duration::from_secs(keep),
            priority,
            summary: "disk {{ $labels.mount }} is {{ $value }}% full".into(),
            runbook: Some("disk-full".into()),
            escalate_after: priority.escalate_after(),
        }
    }

    /// Feeds the store one value per mount at each second and evaluates after each.
    fn run(rules: &[Rule], samples: &[(i64, &[(&str, f64)])]) -> (Alerts, Vec<Transition>) {
        let mut store = MetricStore::new(1000);
        let mut alerts = Alerts::new();
        let mut all = Vec::new();
        for (second, values) in samples {
            for (mount, value) in *values {
                store.record_series(
                    "system_disk_used_percent",
                    &[("mount", mount)],
                    at(*second),
                    *value,
                );
            }
            let (next, transitions) = evaluate(rules, &store, &alerts, at(*second));
            alerts = next;
            all.extend(transitions);
        }
        (alerts, all)
    }

    fn changes(transitions: &[Transition]) -> Vec<(i64, &str, Change)> {
        transitions
            .iter()
            .map(|t| {
                (
                    (t.at - at(0)).num_seconds(),
                    t.key.label("mount").unwrap_or_default(),
                    t.change,
                )
            })
            .collect()
    }

    #[test]
    fn pending_then_firing_after_for_then_resolved() {
        let rules = [rule("system_disk_used_percent > 90", 60, 0, Priority::P1)];
        let (alerts, transitions) = run(
            &rules,
            &[
                (0, &[("/", 95.0)]),
                (30, &[("/", 96.0)]),
                (60, &[("/", 97.0)]),
                (90, &[("/", 50.0)]),
            ],
        );
        assert_eq!(
            changes(&transitions),
            [
                (0, "/", Change::Pending),
                (60, "/", Change::Firing),
                (90, "/", Change::Resolved)
            ]
        );
        let alert = alerts.values().next().unwrap_or_else(|| panic!("kept"));
        assert_eq!(alert.state, AlertState::Resolved);
        assert_eq!(alert.summary, "disk / is 97% full");
        assert_eq!(alert.runbook.as_deref(), Some("disk-full"));
    }

    #[test]
    fn one_alert_per_label_set_and_pending_that_clears_says_nothing() {
        let rules = [rule("system_disk_used_percent > 90", 60, 0, Priority::P1)];
        let (alerts, transitions) = run(
            &rules,
            &[
                (0, &[("/", 95.0), ("/var", 91.0), ("/boot", 10.0)]),
                (30, &[("/", 95.0), ("/var", 50.0), ("/boot", 10.0)]),
                (60, &[("/", 95.0), ("/var", 50.0), ("/boot", 10.0)]),
            ],
        );
        assert_eq!(
            changes(&transitions),
            [
                (0, "/", Change::Pending),
                (0, "/var", Change::Pending),
                (60, "/", Change::Firing)
            ]
        );
        assert_eq!(alerts.len(), 1);
    }

    #[test]
    fn keep_firing_for_rides_out_a_flap() {
        let rules = [rule("system_disk_used_percent > 90", 0, 60, Priority::P2)];
        let (_, transitions) = run(
            &rules,
            &[
                (0, &[("/", 95.0)]),
                (10, &[("/", 50.0)]),
                (20, &[("/", 95.0)]),
                (30, &[("/", 50.0)]),
                (79, &[("/", 50.0)]),
                (80, &[("/", 50.0)]),
            ],
        );
        assert_eq!(
            changes(&transitions),
            [
                (0, "/", Change::Pending),
                (0, "/", Change::Firing),
                (80, "/", Change::Resolved)
            ]
        );
    }

    #[test]
    fn unacknowledged_alerts_escalate_once_and_acknowledged_ones_never() {
        let mut rules = [rule("system_disk_used_percent > 90", 0, 0, Priority::P0)];
        rules[0].escalate_after = Duration::from_secs(900);
        let mut store = MetricStore::new(1000);
        let mut alerts = Alerts::new();
        let mut escalations = Vec::new();
        for second in (0..=2000).step_by(100) {
            store.record_series(
                "system_disk_used_percent",
                &[("mount", "/")],
                at(second),
                99.0,
            );
            store.record_series(
                "system_disk_used_percent",
                &[("mount", "/var")],
                at(second),
                99.0,
            );
            let (next, transitions) = evaluate(&rules, &store, &alerts, at(second));
            alerts = next;
            if second == 100 {
                let key = alerts
                    .keys()
                    .find(|k| k.label("mount") == Some("/var"))
                    .cloned();
                if let Some(alert) = key.and_then(|k| alerts.get_mut(&k)) {
                    alert.ack = Some(Ack {
                        by: "alice".into(),
                        at: at(100),
                        note: "on it".into(),
                    });
                }
            }
            escalations.extend(
                transitions
                    .iter()
                    .filter(|t| t.change == Change::Escalated)
                    .map(|t| {
                        (
                            (t.at - at(0)).num_seconds(),
                            t.key.label("mount").map(str::to_string),
                        )
                    }),
            );
        }
        assert_eq!(escalations, [(900, Some("/".to_string()))]);
        let acked = alerts
            .values()
            .find(|a| a.key.label("mount") == Some("/var"));
        assert_eq!(
            acked.and_then(|a| a.ack.as_ref()).map(|a| a.by.as_str()),
            Some("alice")
        );
        let first = alerts.values().find(|a| a.key.label("mount") == Some("/"));
        assert_eq!(
            first.and_then(Alert::respond_by),
            Some(at(0) + chrono::Duration::minutes(5))
        );
    }

    #[test]
    fn a_series_that_disappears_resolves_its_alert_and_old_resolved_ones_go() {
        let rules = [rule("system_disk_used_percent > 90", 0, 0, Priority::P1)];
        let mut store = MetricStore::new(1000);
        store.record_series(
            "system_disk_used_percent",
            &[("mount", "/mnt")],
            at(0),
            99.0,
        );
        let (alerts, _) = evaluate(&rules, &store, &Alerts::new(), at(0));
        store.forget_older_than(at(1));
        let (alerts, transitions) = evaluate(&rules, &store, &alerts, at(10));
        assert_eq!(changes(&transitions), [(10, "/mnt", Change::Resolved)]);
        let (alerts, _) = evaluate(&rules, &store, &alerts, at(10) + KEEP_RESOLVED);
        assert!(alerts.is_empty(), "{alerts:?}");
    }
}
