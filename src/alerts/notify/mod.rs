//! Notifications: what a `[[notify]]` target is told about an alert, and when. Everything here is
//! pure; the executor (`effect::notify`) sends what `update` asks for and reports back.
//!
//! After each evaluation, [`NotifyState::reconcile`] compares what each target should know about
//! each alert (firing, escalated, resolved) with what it was last told, and queues a message
//! where they differ and [`should_send`] allows it.

pub mod payload;

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::engine::{Ack, Alert, AlertKey, AlertState, Alerts};
use super::rule::Priority;

/// The kind of target, which decides the payload (see `docs/notifications.md`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NotifyKind {
    /// A generic JSON payload, documented and versioned.
    Webhook,
    /// A Slack incoming webhook.
    Slack,
    /// A DingTalk group robot.
    Dingtalk,
}

/// What a message says happened to an alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NotifyStatus {
    Firing,
    /// Still firing, unacknowledged past its priority's escalation time.
    Escalated,
    Resolved,
}

impl NotifyStatus {
    pub fn label(self) -> &'static str {
        match self {
            NotifyStatus::Firing => "firing",
            NotifyStatus::Escalated => "escalated",
            NotifyStatus::Resolved => "resolved",
        }
    }
}

/// At most one message per alert per target in this time, unless the alert resolves or gets
/// worse.
pub const REPEAT_AFTER: chrono::Duration = chrono::Duration::minutes(5);

/// One message about one alert, as every kind of target is told it.
#[derive(Debug, Clone, PartialEq)]
pub struct Notification {
    pub status: NotifyStatus,
    pub rule: String,
    pub labels: Vec<(String, String)>,
    pub priority: Priority,
    pub value: f64,
    pub summary: String,
    pub runbook: Option<String>,
    /// When it started firing.
    pub since: Option<DateTime<Utc>>,
    /// When someone must have responded.
    pub deadline: Option<DateTime<Utc>>,
    pub escalated_at: Option<DateTime<Utc>>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub ack: Option<Ack>,
    /// The host the console runs on.
    pub host: String,
    pub sent_at: DateTime<Utc>,
}

impl Notification {
    pub fn new(alert: &Alert, status: NotifyStatus, host: &str, now: DateTime<Utc>) -> Self {
        Self {
            status,
            rule: alert.key.rule.clone(),
            labels: alert.key.labels.clone(),
            priority: alert.priority,
            value: alert.value,
            summary: alert.summary.clone(),
            runbook: alert.runbook.clone(),
            since: alert.firing_since,
            deadline: alert.respond_by(),
            escalated_at: alert.escalated_at,
            resolved_at: alert.resolved_at,
            ack: alert.ack.clone(),
            host: host.to_string(),
            sent_at: now,
        }
    }
}

/// Every priority: where a target's `severities` are left out.
pub const ALL_PRIORITIES: [Priority; 4] = [Priority::P0, Priority::P1, Priority::P2, Priority::P3];

/// Where messages of which priorities go: a target by name (its URL stays with the executor).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    pub target: String,
    pub priorities: Vec<Priority>,
}

/// The last message a target was sent about an alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Told {
    pub status: NotifyStatus,
    pub at: DateTime<Utc>,
}

/// Whether a target last `told` this about an alert should now be sent `wanted`: a change goes
/// at once when the alert resolves or gets worse within one incident (firing to escalated); an
/// alert back after resolving (a flap) waits until [`REPEAT_AFTER`] has passed since the last
/// message, and is sent then if it still fires. Nothing is repeated, and an alert the target
/// never heard fire is not resolved to it.
pub fn should_send(told: Option<Told>, wanted: NotifyStatus, now: DateTime<Utc>) -> bool {
    use NotifyStatus::{Escalated, Firing, Resolved};
    let Some(told) = told else {
        return wanted != Resolved;
    };
    match (told.status, wanted) {
        (before, after) if before == after => false,
        (Firing | Escalated, Resolved) | (Firing, Escalated) => true,
        _ => now - told.at >= REPEAT_AFTER,
    }
}

/// What a target was last told about an alert, as a restart keeps it: by the target's name, so
/// that the limit holds across a restart for the targets still configured.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeptTold {
    pub key: AlertKey,
    pub target: String,
    pub status: NotifyStatus,
    pub at: DateTime<Utc>,
}

/// How one target is doing, from the executor's reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetFailure {
    /// The last error, naming the target's address as [`crate::http::shown_url`] shows it.
    pub error: String,
    /// When it started failing.
    pub since: DateTime<Utc>,
    pub retrying: bool,
    /// Messages dropped because its queue was full.
    pub dropped: u64,
}

/// What the executor reports after each attempt to deliver a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotifyReport {
    pub target: String,
    pub outcome: NotifyOutcome,
    /// Messages dropped so far because the target's queue was full.
    pub dropped: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotifyOutcome {
    Delivered,
    Failed { error: String, retrying: bool },
}

/// The targets, what each was told about each alert, the messages waiting for `update` to hand
/// them to the executor, and the targets that fail.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct NotifyState {
    pub routes: Vec<Route>,
    /// By alert, what each route (by index) was last told.
    told: BTreeMap<AlertKey, Vec<Option<Told>>>,
    outbox: Vec<(String, Notification)>,
    /// Failing targets by name; a delivery clears one.
    pub failing: BTreeMap<String, TargetFailure>,
}

impl NotifyState {
    pub fn new(routes: Vec<Route>) -> Self {
        Self {
            routes,
            ..Self::default()
        }
    }

    /// Queues what each target should now be told about `alerts` at `now`. Pending and
    /// silenced alerts are not notified; what was told of the alerts `waiting` (restored, until
    /// their series reports) is kept for them.
    pub fn reconcile(
        &mut self,
        alerts: &Alerts,
        waiting: &Alerts,
        silenced: impl Fn(&AlertKey) -> bool,
        host: &str,
        now: DateTime<Utc>,
    ) {
        if self.routes.is_empty() {
            return;
        }
        for alert in alerts.values() {
            let wanted = match alert.state {
                AlertState::Pending => continue,
                AlertState::Firing if alert.escalated_at.is_some() => NotifyStatus::Escalated,
                AlertState::Firing => NotifyStatus::Firing,
                AlertState::Resolved => NotifyStatus::Resolved,
            };
            if silenced(&alert.key) {
                continue;
            }
            let mut message = None;
            for (index, route) in self.routes.iter().enumerate() {
                if !route.priorities.contains(&alert.priority) {
                    continue;
                }
                let told = self
                    .told
                    .get(&alert.key)
                    .and_then(|told| told.get(index).copied().flatten());
                if !should_send(told, wanted, now) {
                    continue;
                }
                let notification = message
                    .get_or_insert_with(|| Notification::new(alert, wanted, host, now))
                    .clone();
                self.outbox.push((route.target.clone(), notification));
                let told = self
                    .told
                    .entry(alert.key.clone())
                    .or_insert_with(|| vec![None; self.routes.len()]);
                told[index] = Some(Told {
                    status: wanted,
                    at: now,
                });
            }
        }
        // An alert the engine forgot is kept out of the limit's reach until it has passed.
        self.told.retain(|key, told| {
            alerts.contains_key(key)
                || waiting.contains_key(key)
                || told.iter().flatten().any(|t| now - t.at < REPEAT_AFTER)
        });
    }

    /// What each target was last told, to keep across a restart.
    pub fn kept(&self) -> Vec<KeptTold> {
        let mut kept = Vec::new();
        for (key, told) in &self.told {
            for (route, told) in self.routes.iter().zip(told) {
                if let Some(told) = told {
                    kept.push(KeptTold {
                        key: key.clone(),
                        target: route.target.clone(),
                        status: told.status,
                        at: told.at,
                    });
                }
            }
        }
        kept
    }

    /// What a previous run told the targets still configured.
    pub fn restore(&mut self, kept: Vec<KeptTold>) {
        for kept in kept {
            let Some(index) = self.routes.iter().position(|r| r.target == kept.target) else {
                continue;
            };
            let told = self
                .told
                .entry(kept.key)
                .or_insert_with(|| vec![None; self.routes.len()]);
            told[index] = Some(Told {
                status: kept.status,
                at: kept.at,
            });
        }
    }

    /// Whether messages wait for `update` to hand them on: what was told changed.
    pub fn has_outbox(&self) -> bool {
        !self.outbox.is_empty()
    }

    /// The messages queued since last asked, each with its target's name.
    pub fn take_outbox(&mut self) -> Vec<(String, Notification)> {
        std::mem::take(&mut self.outbox)
    }

    /// Records how an attempt to deliver went: a failure shows until a delivery succeeds.
    pub fn apply_report(&mut self, report: NotifyReport, now: DateTime<Utc>) {
        match report.outcome {
            NotifyOutcome::Delivered => {
                self.failing.remove(&report.target);
            }
            NotifyOutcome::Failed { error, retrying } => {
                let since = self
                    .failing
                    .get(&report.target)
                    .map_or(now, |failure| failure.since);
                self.failing.insert(
                    report.target,
                    TargetFailure {
                        error,
                        since,
                        retrying,
                        dropped: report.dropped,
                    },
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::NotifyStatus::{Escalated, Firing, Resolved};
    use super::*;
    use crate::alerts::engine::Origin;

    fn at(second: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(1_800_000_000 + second, 0)
            .single()
            .unwrap_or_default()
    }

    fn told(status: NotifyStatus, second: i64) -> Option<Told> {
        Some(Told {
            status,
            at: at(second),
        })
    }

    #[test]
    fn the_limit_holds_a_flap_for_five_minutes_but_never_a_resolve_or_an_escalation() {
        let cases = [
            // (last told, wanted, now, sent?)
            (None, Firing, 0, true),
            (None, Escalated, 0, true),
            (None, Resolved, 0, false),
            (told(Firing, 0), Firing, 400, false),
            (told(Firing, 0), Resolved, 1, true),
            (told(Escalated, 0), Resolved, 1, true),
            (told(Firing, 0), Escalated, 1, true),
            (told(Resolved, 0), Resolved, 400, false),
            (told(Resolved, 0), Firing, 299, false),
            (told(Resolved, 0), Firing, 300, true),
            (told(Resolved, 0), Escalated, 299, false),
            (told(Escalated, 0), Firing, 299, false),
            (told(Escalated, 0), Firing, 300, true),
        ];
        for (last, wanted, now, expected) in cases {
            assert_eq!(
                should_send(last, wanted, at(now)),
                expected,
                "{last:?} then {wanted:?} at {now}s"
            );
        }
    }

    fn alert(state: AlertState, priority: Priority) -> Alert {
        Alert {
            key: AlertKey {
                rule: "DiskSpaceLow".into(),
                labels: vec![("mount".into(), "/".into())],
                origin: Origin::Console,
            },
            state,
            priority,
            value: 97.0,
            summary: "disk / is 97% full".into(),
            runbook: Some("disk-full".into()),
            active_since: at(0),
            firing_since: (state != AlertState::Pending).then(|| at(0)),
            last_true: at(0),
            resolved_at: (state == AlertState::Resolved).then(|| at(0)),
            ack: None,
            escalated_at: None,
        }
    }

    fn alerts_of(alert: &Alert) -> Alerts {
        Alerts::from([(alert.key.clone(), alert.clone())])
    }

    fn route(target: &str, priorities: &[Priority]) -> Route {
        Route {
            target: target.into(),
            priorities: priorities.to_vec(),
        }
    }

    /// Reconciles one alert in `state` at each second, returning what was queued: (second,
    /// target, status).
    fn run(
        notify: &mut NotifyState,
        steps: &[(i64, AlertState, bool)],
    ) -> Vec<(i64, String, NotifyStatus)> {
        let mut sent = Vec::new();
        for (second, state, silenced) in steps {
            let alert = alert(*state, Priority::P1);
            notify.reconcile(
                &alerts_of(&alert),
                &Alerts::new(),
                |_| *silenced,
                "db-01",
                at(*second),
            );
            sent.extend(
                notify
                    .take_outbox()
                    .into_iter()
                    .map(|(target, n)| (*second, target, n.status)),
            );
        }
        sent
    }

    #[test]
    fn a_flapping_alert_is_told_once_per_five_minutes_and_its_resolve_always_goes() {
        let mut notify = NotifyState::new(vec![route("ops", &[Priority::P1])]);
        use AlertState::{Firing as F, Pending as P, Resolved as R};
        let sent = run(
            &mut notify,
            &[
                (0, P, false),
                (10, F, false),
                (20, F, false),
                (30, R, false),
                (40, P, false),
                (50, F, false),
                (100, R, false),
                (200, F, false),
                (329, F, false),
                (330, F, false),
                (331, F, false),
            ],
        );
        assert_eq!(
            sent,
            [
                (10, "ops".to_string(), Firing),
                (30, "ops".to_string(), Resolved),
                // Back at 50 and 200, held: the resolve went at 30, so the next may go at 330.
                (330, "ops".to_string(), Firing),
            ]
        );
    }

    #[test]
    fn silenced_alerts_and_other_priorities_are_not_notified() {
        let mut notify = NotifyState::new(vec![
            route("pager", &[Priority::P0]),
            route("chat", &[Priority::P1, Priority::P2]),
        ]);
        let sent = run(
            &mut notify,
            &[
                (0, AlertState::Firing, true),
                (10, AlertState::Firing, false),
            ],
        );
        assert_eq!(sent, [(10, "chat".to_string(), Firing)]);
    }

    #[test]
    fn an_escalation_goes_at_once_with_its_time_and_the_deadline() {
        let mut notify = NotifyState::new(vec![route("ops", &ALL_PRIORITIES)]);
        let mut firing = alert(AlertState::Firing, Priority::P0);
        notify.reconcile(
            &alerts_of(&firing),
            &Alerts::new(),
            |_| false,
            "db-01",
            at(0),
        );
        firing.escalated_at = Some(at(60));
        notify.reconcile(
            &alerts_of(&firing),
            &Alerts::new(),
            |_| false,
            "db-01",
            at(60),
        );
        let outbox = notify.take_outbox();
        let statuses: Vec<NotifyStatus> = outbox.iter().map(|(_, n)| n.status).collect();
        assert_eq!(statuses, [Firing, Escalated]);
        let escalated = &outbox[1].1;
        assert_eq!(escalated.escalated_at, Some(at(60)));
        assert_eq!(escalated.deadline, Some(at(5 * 60)));
        assert_eq!(escalated.host, "db-01");
        assert_eq!(escalated.sent_at, at(60));
    }

    #[test]
    fn a_forgotten_alert_keeps_its_limit_until_it_has_passed() {
        let mut notify = NotifyState::new(vec![route("ops", &[Priority::P1])]);
        let firing = alert(AlertState::Firing, Priority::P1);
        notify.reconcile(&alerts_of(&firing), &Alerts::new(), |_| false, "h", at(0));
        notify.reconcile(&Alerts::new(), &Alerts::new(), |_| false, "h", at(10));
        notify.reconcile(&alerts_of(&firing), &Alerts::new(), |_| false, "h", at(20));
        assert_eq!(notify.take_outbox().len(), 1, "held by the limit");
        notify.reconcile(&Alerts::new(), &Alerts::new(), |_| false, "h", at(300));
        assert!(notify.told.is_empty(), "nothing is kept past the limit");
    }

    #[test]
    fn what_was_told_survives_a_restart_for_the_targets_still_configured() {
        let mut notify = NotifyState::new(vec![route("ops", &[Priority::P1])]);
        let firing = alert(AlertState::Firing, Priority::P1);
        notify.reconcile(&alerts_of(&firing), &Alerts::new(), |_| false, "h", at(0));
        assert_eq!(notify.take_outbox().len(), 1);
        let kept = notify.kept();

        // The next run: the alert waits for its series, then goes on firing. Told already.
        let mut restarted = NotifyState::new(vec![
            route("pager", &[Priority::P1]),
            route("ops", &[Priority::P1]),
        ]);
        restarted.restore(kept);
        restarted.reconcile(&Alerts::new(), &alerts_of(&firing), |_| false, "h", at(600));
        restarted.reconcile(&alerts_of(&firing), &Alerts::new(), |_| false, "h", at(610));
        let sent: Vec<String> = restarted
            .take_outbox()
            .into_iter()
            .map(|(t, _)| t)
            .collect();
        assert_eq!(sent, ["pager"], "ops heard it fire before the restart");
        let resolved = alert(AlertState::Resolved, Priority::P1);
        restarted.reconcile(
            &alerts_of(&resolved),
            &Alerts::new(),
            |_| false,
            "h",
            at(620),
        );
        assert_eq!(restarted.take_outbox().len(), 2, "its resolve goes to both");
    }

    #[test]
    fn a_failing_target_keeps_when_it_started_and_recovers_on_a_delivery() {
        let mut notify = NotifyState::new(vec![route("ops", &ALL_PRIORITIES)]);
        let failed = |error: &str| NotifyReport {
            target: "ops".into(),
            outcome: NotifyOutcome::Failed {
                error: error.into(),
                retrying: true,
            },
            dropped: 0,
        };
        notify.apply_report(failed("refused"), at(0));
        notify.apply_report(failed("answered HTTP 500"), at(5));
        let failure = notify.failing.get("ops").cloned();
        assert_eq!(
            failure.map(|f| (f.error, f.since)),
            Some(("answered HTTP 500".to_string(), at(0)))
        );
        notify.apply_report(
            NotifyReport {
                target: "ops".into(),
                outcome: NotifyOutcome::Delivered,
                dropped: 0,
            },
            at(9),
        );
        assert!(notify.failing.is_empty());
    }
}
