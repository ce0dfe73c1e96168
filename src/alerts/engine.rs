//! The rule engine: a pure function of the rules, the metric store, the previous alerts and the
//! time, which it is given. Each series a rule selects is its own alert, identified by the rule
//! and the series' labels: pending while the condition holds for less than the rule's `for`,
//! firing after, resolved once it has been false for `keep_firing_for`. Acknowledgement and
//! escalation are transitions too, each with who and when.

use chrono::{DateTime, Utc};

// What an evaluation takes and gives, with the key of each alert: one path names them all.
pub use super::alert::{Ack, Alert, AlertState, Alerts, Change, KeptAlert, Transition};
pub use super::index::{RuleIndex, RuleSet};
pub use super::key::{AlertKey, Origin};
use super::rule::{Rule, SummaryTemplate};
use crate::duration::later;
use crate::metrics::MetricStore;

/// How long a resolved alert stays in the list (behind the toggle) before it is forgotten.
pub const KEEP_RESOLVED: chrono::Duration = chrono::Duration::minutes(30);

/// Evaluates every rule against the newest value of every series it selects. `index` is kept
/// from one evaluation to the next (see [`RuleIndex`]); any index gives the same result.
pub fn evaluate(
    rules: &RuleSet,
    index: &mut RuleIndex,
    store: &MetricStore,
    previous: &Alerts,
    now: DateTime<Utc>,
) -> (Alerts, Vec<Transition>) {
    index.refresh(rules, store);
    let mut alerts = Alerts::new();
    let mut transitions = Vec::new();
    let before: Vec<(&AlertKey, &Alert)> = previous.iter().collect();
    // The previous alerts of each rule: a run of `before`, which is in order of rule name.
    let mut runs = vec![0..0; rules.len()];
    let mut start = 0;
    while let Some((first, _)) = before.get(start) {
        let run = before[start..]
            .iter()
            .take_while(|(key, _)| key.rule == first.rule);
        let end = start + run.count();
        for &rule in rules.named(&first.rule) {
            runs[rule] = start..end;
        }
        start = end;
    }
    let mut seen = vec![false; before.len()];
    for (i, rule) in rules.iter().enumerate() {
        let run = &runs[i];
        for &id in index.selected(i) {
            let Some(value) = store.latest_id(id) else {
                continue;
            };
            let holds = rule
                .condition
                .comparison
                .holds(value, rule.condition.threshold);
            // Labels come sorted from the store, as a key holds them.
            let found = before[run.clone()]
                .binary_search_by(|(key, _)| {
                    let labels = key.labels.iter().map(|(k, v)| (k.as_str(), v.as_str()));
                    labels
                        .cmp(store.labels(id))
                        .then(key.origin.cmp(&Origin::Console))
                })
                .ok()
                .map(|at| run.start + at);
            // A series whose condition does not hold matters only to an alert it has.
            if !holds && found.is_none() {
                continue;
            }
            if let Some(at) = found {
                seen[at] = true;
            }
            let new_key = || AlertKey {
                rule: rule.name.clone(),
                labels: store
                    .labels(id)
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
                origin: Origin::Console,
            };
            let before = found.map(|at| before[at].1);
            let reading = Reading { value, holds };
            let summary = rules.summary(i);
            if let Some(alert) = step(
                rule,
                summary,
                new_key,
                before,
                reading,
                now,
                &mut transitions,
            ) {
                alerts.insert(alert.key.clone(), alert);
            }
        }
    }
    // Alerts whose series is gone: a firing one resolves; a resolved one is kept for a while.
    for (&(key, alert), _) in before.iter().zip(&seen).filter(|(_, seen)| !**seen) {
        let Some(&rule) = rules.named(&key.rule).last() else {
            continue;
        };
        let reading = Reading {
            value: alert.value,
            holds: false,
        };
        if let Some(alert) = step(
            &rules[rule],
            rules.summary(rule),
            || key.clone(),
            Some(alert),
            reading,
            now,
            &mut transitions,
        ) {
            alerts.insert(key.clone(), alert);
        }
    }
    (alerts, transitions)
}

/// The newest value of a series, and whether a rule's condition holds on it.
#[derive(Debug, Clone, Copy)]
struct Reading {
    value: f64,
    holds: bool,
}

/// One alert's next state.
fn step(
    rule: &Rule,
    summary: &SummaryTemplate,
    new_key: impl FnOnce() -> AlertKey,
    before: Option<&Alert>,
    Reading { value, holds }: Reading,
    now: DateTime<Utc>,
    transitions: &mut Vec<Transition>,
) -> Option<Alert> {
    let mut record = |key: &AlertKey, change| {
        transitions.push(Transition {
            key: key.clone(),
            change,
            at: now,
            value: Some(value),
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
            let key = new_key();
            record(&key, Change::Pending);
            Alert {
                summary: summary.render(&key.labels, value),
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
        (Some(alert), true) => Alert {
            key: alert.key.clone(),
            value,
            summary: summary.render(&alert.key.labels, value),
            runbook: alert.runbook.clone(),
            last_true: now,
            ack: alert.ack.clone(),
            ..*alert
        },
        (Some(alert), false) => {
            if alert.state == AlertState::Pending {
                // It never fired: it goes without a word, as in Prometheus.
                return None;
            }
            let mut alert = alert.clone();
            if now >= later(alert.last_true, rule.keep_firing_for) {
                alert.state = AlertState::Resolved;
                alert.resolved_at = Some(now);
                record(&alert.key, Change::Resolved);
            }
            return Some(alert);
        }
    };
    if alert.state == AlertState::Pending && now >= later(alert.active_since, rule.hold) {
        alert.state = AlertState::Firing;
        alert.firing_since = Some(now);
        record(&alert.key, Change::Firing);
    }
    if alert.ack.is_none()
        && alert.escalated_at.is_none()
        && alert
            .firing_since
            .is_some_and(|since| now >= later(since, rule.escalate_after))
    {
        alert.escalated_at = Some(now);
        record(&alert.key, Change::Escalated);
    }
    Some(alert)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use chrono::TimeZone;

    use super::*;
    use crate::alerts::rule::{Condition, Priority};

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
    fn run(rules: &RuleSet, samples: &[(i64, &[(&str, f64)])]) -> (Alerts, Vec<Transition>) {
        let mut store = MetricStore::new(1000);
        let mut index = RuleIndex::default();
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
            let (next, transitions) = evaluate(rules, &mut index, &store, &alerts, at(*second));
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
        let rules = RuleSet::new(vec![rule(
            "system_disk_used_percent > 90",
            60,
            0,
            Priority::P1,
        )]);
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
        let rules = RuleSet::new(vec![rule(
            "system_disk_used_percent > 90",
            60,
            0,
            Priority::P1,
        )]);
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
        let rules = RuleSet::new(vec![rule(
            "system_disk_used_percent > 90",
            0,
            60,
            Priority::P2,
        )]);
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
        let mut rule = rule("system_disk_used_percent > 90", 0, 0, Priority::P0);
        rule.escalate_after = Duration::from_secs(900);
        let rules = RuleSet::new(vec![rule]);
        let mut store = MetricStore::new(1000);
        let mut index = RuleIndex::default();
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
            let (next, transitions) = evaluate(&rules, &mut index, &store, &alerts, at(second));
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
        let rules = RuleSet::new(vec![rule(
            "system_disk_used_percent > 90",
            0,
            0,
            Priority::P1,
        )]);
        let mut store = MetricStore::new(1000);
        store.record_series(
            "system_disk_used_percent",
            &[("mount", "/mnt")],
            at(0),
            99.0,
        );
        let mut index = RuleIndex::default();
        let (alerts, _) = evaluate(&rules, &mut index, &store, &Alerts::new(), at(0));
        store.forget_older_than(at(1));
        let (alerts, transitions) = evaluate(&rules, &mut index, &store, &alerts, at(10));
        assert_eq!(changes(&transitions), [(10, "/mnt", Change::Resolved)]);
        let (alerts, _) = evaluate(&rules, &mut index, &store, &alerts, at(10) + KEEP_RESOLVED);
        assert!(alerts.is_empty(), "{alerts:?}");
    }

    #[test]
    fn a_series_that_appears_is_evaluated_with_the_index_kept() {
        let rules = RuleSet::new(vec![rule(
            "system_disk_used_percent > 90",
            0,
            0,
            Priority::P1,
        )]);
        let (_, transitions) = run(
            &rules,
            &[(0, &[("/", 95.0)]), (10, &[("/", 95.0), ("/var", 99.0)])],
        );
        assert_eq!(
            changes(&transitions),
            [
                (0, "/", Change::Pending),
                (0, "/", Change::Firing),
                (10, "/var", Change::Pending),
                (10, "/var", Change::Firing)
            ]
        );
    }

    #[test]
    fn a_forgotten_series_resolves_even_when_another_takes_its_place() {
        let rules = RuleSet::new(vec![rule(
            "system_disk_used_percent > 90",
            0,
            0,
            Priority::P1,
        )]);
        let mut store = MetricStore::new(1000);
        let mut index = RuleIndex::default();
        store.record_series("system_disk_used_percent", &[("mount", "/")], at(0), 99.0);
        let (alerts, _) = evaluate(&rules, &mut index, &store, &Alerts::new(), at(0));
        store.forget_older_than(at(1));
        // The store hands the forgotten series' slot to the next new one.
        store.record_series("system_cpu_percent", &[], at(10), 99.0);
        let (alerts, transitions) = evaluate(&rules, &mut index, &store, &alerts, at(10));
        assert_eq!(changes(&transitions), [(10, "/", Change::Resolved)]);
        assert_eq!(alerts.len(), 1, "{alerts:?}");
    }

    #[test]
    fn changed_rules_are_evaluated_as_they_now_are() {
        let mut store = MetricStore::new(1000);
        let mut index = RuleIndex::default();
        for mount in ["/", "/var"] {
            store.record_series("system_disk_used_percent", &[("mount", mount)], at(0), 99.0);
        }
        let watching = |mount: &str| {
            let expr = format!("system_disk_used_percent{{mount=\"{mount}\"}} > 90");
            rule(&expr, 0, 0, Priority::P1)
        };
        let mounts = |alerts: &Alerts| -> Vec<(String, String)> {
            alerts
                .values()
                .filter(|a| a.state == AlertState::Firing)
                .map(|a| {
                    (
                        a.key.rule.clone(),
                        a.key.label("mount").unwrap_or_default().into(),
                    )
                })
                .collect()
        };
        let rules = RuleSet::new(vec![watching("/")]);
        let (alerts, _) = evaluate(&rules, &mut index, &store, &Alerts::new(), at(0));
        assert_eq!(mounts(&alerts), [("DiskSpaceLow".into(), "/".into())]);

        let rules = RuleSet::new(vec![watching("/var")]);
        let (alerts, _) = evaluate(&rules, &mut index, &store, &alerts, at(10));
        assert_eq!(mounts(&alerts), [("DiskSpaceLow".into(), "/var".into())]);

        let root = |name: &str| Rule {
            name: name.into(),
            ..watching("/")
        };
        let rules = RuleSet::new(vec![watching("/var"), root("RootFull")]);
        let (alerts, _) = evaluate(&rules, &mut index, &store, &alerts, at(20));
        assert_eq!(
            mounts(&alerts),
            [
                ("DiskSpaceLow".into(), "/var".into()),
                ("RootFull".into(), "/".into())
            ]
        );
        let rules = RuleSet::new(vec![watching("/var"), root("SlashFull")]);
        let (alerts, transitions) = evaluate(&rules, &mut index, &store, &alerts, at(30));
        assert_eq!(
            mounts(&alerts),
            [
                ("DiskSpaceLow".into(), "/var".into()),
                ("SlashFull".into(), "/".into())
            ]
        );
        assert!(
            transitions.iter().all(|t| t.key.rule == "SlashFull"),
            "a rule gone takes its alerts without a word: {transitions:?}"
        );
    }

    /// The engine as plainly as it can be written, without an index: every series of a rule's
    /// name, its key built and looked up.
    fn plain_evaluate(
        rules: &[Rule],
        store: &MetricStore,
        previous: &Alerts,
        now: DateTime<Utc>,
    ) -> (Alerts, Vec<Transition>) {
        let mut alerts = Alerts::new();
        let mut transitions = Vec::new();
        for rule in rules {
            for id in store.select(&rule.condition.series, &[]) {
                let labels: Vec<(&str, &str)> = store.labels(id).collect();
                let Some(value) = store.latest_id(id) else {
                    continue;
                };
                if !rule.condition.selects(&labels) {
                    continue;
                }
                let mut labels: Vec<(String, String)> = labels
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect();
                labels.sort();
                let key = AlertKey {
                    rule: rule.name.clone(),
                    labels,
                    origin: Origin::Console,
                };
                let holds = rule
                    .condition
                    .comparison
                    .holds(value, rule.condition.threshold);
                let next = step(
                    rule,
                    &SummaryTemplate::parse(&rule.summary),
                    || key.clone(),
                    previous.get(&key),
                    Reading { value, holds },
                    now,
                    &mut transitions,
                );
                if let Some(alert) = next {
                    alerts.insert(key, alert);
                }
            }
        }
        for (key, alert) in previous {
            if alerts.contains_key(key) {
                continue;
            }
            let Some(rule) = rules.iter().rev().find(|r| r.name == key.rule) else {
                continue;
            };
            let reading = Reading {
                value: alert.value,
                holds: false,
            };
            let next = step(
                rule,
                &SummaryTemplate::parse(&rule.summary),
                || key.clone(),
                Some(alert),
                reading,
                now,
                &mut transitions,
            );
            if let Some(alert) = next {
                alerts.insert(key.clone(), alert);
            }
        }
        (alerts, transitions)
    }

    /// xorshift64*: the same sequence on every run.
    struct Rng(u64);

    impl Rng {
        fn below(&mut self, n: u64) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) % n
        }

        fn pick<'a>(&mut self, from: &[&'a str]) -> &'a str {
            from[self.below(from.len() as u64) as usize]
        }
    }

    /// With its index kept across evaluations, the engine gives what the plain one does, while
    /// series come, go and take each other's slots, values cross thresholds, alerts are
    /// acknowledged, and the rules change (several of one name among them).
    #[test]
    fn behaves_like_the_plain_engine() {
        const EXPRS: [&str; 7] = [
            "disk > 90",
            r#"disk{mount="/"} > 90"#,
            r#"disk{host="a", mount!="/boot"} >= 95"#,
            r#"disk{mount=~"/v.*"} > 50"#,
            r#"disk{mount=""} > 90"#,
            r#"cpu{host="b"} < 60"#,
            "cpu != 95",
        ];
        let random_rules = |rng: &mut Rng| -> RuleSet {
            let rules = (0..1 + rng.below(4))
                .map(|_| {
                    let mut rule = rule(
                        rng.pick(&EXPRS),
                        10 * rng.below(3),
                        10 * rng.below(3),
                        Priority::P2,
                    );
                    rule.name = rng.pick(&["R0", "R1", "R2"]).into();
                    rule.escalate_after = Duration::from_secs(30);
                    rule
                })
                .collect();
            RuleSet::new(rules)
        };
        let mut comparisons = 0;
        for seed in 1..=60 {
            let mut rng = Rng(seed);
            let mut store = MetricStore::new(100);
            let mut index = RuleIndex::default();
            let mut rules = random_rules(&mut rng);
            let mut alerts = Alerts::new();
            for second in (0..600).step_by(10) {
                let now = at(second);
                for _ in 0..rng.below(6) {
                    let name = rng.pick(&["disk", "cpu"]);
                    let host = rng.pick(&["a", "b"]);
                    let value = [50.0, 60.0, 95.0, 99.0][rng.below(4) as usize];
                    // Now and then a label twice over, or one label with two values.
                    let labels = match rng.pick(&["/", "/var", "/boot", "none", "twice", "both"]) {
                        "none" => vec![("host", host)],
                        "twice" => vec![("host", host), ("host", host)],
                        "both" => vec![("host", "b"), ("host", "a")],
                        mount => vec![("host", host), ("mount", mount)],
                    };
                    store.record_series(name, &labels, now, value);
                }
                if rng.below(5) == 0 {
                    store.forget_older_than(now - chrono::Duration::seconds(15));
                }
                if rng.below(8) == 0 {
                    rules = random_rules(&mut rng);
                }
                if rng.below(6) == 0
                    && let Some(alert) = alerts.values_mut().nth(rng.below(4) as usize)
                {
                    alert.ack = Some(Ack {
                        by: "alice".into(),
                        at: now,
                        note: String::new(),
                    });
                }
                let expected = plain_evaluate(&rules, &store, &alerts, now);
                let got = evaluate(&rules, &mut index, &store, &alerts, now);
                assert_eq!(got, expected, "seed {seed} at {second}");
                comparisons += usize::from(!expected.1.is_empty());
                alerts = got.0;
            }
        }
        assert!(
            comparisons > 500,
            "only {comparisons} evaluations changed anything"
        );
    }
}
