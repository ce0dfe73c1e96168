//! `watchdeck alerts timeline`: what happened, as Markdown for a hand-off or a postmortem. The
//! kept alert history and the audit log are merged: first every firing of an alert, with when it
//! was acknowledged and resolved and how long each took, then every event in order.

use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, Utc};
use serde::Deserialize;

use crate::alerts::engine::{AlertKey, Change, Transition};

/// One record of the audit log, as the timeline reads it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct AuditRecord {
    pub id: String,
    pub time: DateTime<Utc>,
    pub user: String,
    pub action: String,
    pub target: String,
    pub outcome: String,
    #[serde(default)]
    pub error: Option<String>,
}

impl AuditRecord {
    /// An alert command that succeeded is in the history already, with its note.
    fn in_history(&self) -> bool {
        self.action.starts_with("alert ") && self.outcome == "ok"
    }
}

/// The audit log's records: each command's outcome, and the request of one whose outcome was
/// never written (the console stopped while it ran). A line that is not a record is skipped.
pub fn read_audit(text: &str) -> Vec<AuditRecord> {
    let records: Vec<AuditRecord> = text
        .lines()
        .filter_map(|line| serde_json::from_str(line).ok())
        .collect();
    let concluded: HashSet<&str> = records
        .iter()
        .filter(|r| r.outcome != "requested")
        .map(|r| r.id.as_str())
        .collect();
    records
        .iter()
        .filter(|r| r.outcome != "requested" || !concluded.contains(r.id.as_str()))
        .cloned()
        .collect()
}

/// One firing of an alert: when it fired, when it was first acknowledged and by whom, and when
/// it resolved.
#[derive(Debug, PartialEq)]
struct Firing<'a> {
    key: &'a AlertKey,
    fired: DateTime<Utc>,
    acknowledged: Option<(DateTime<Utc>, &'a str)>,
    resolved: Option<DateTime<Utc>>,
}

/// Every firing in the history, in the order they fired.
fn firings(history: &[Transition]) -> Vec<Firing<'_>> {
    let mut open: BTreeMap<&AlertKey, usize> = BTreeMap::new();
    let mut all: Vec<Firing> = Vec::new();
    for t in history {
        match t.change {
            Change::Firing if !open.contains_key(&t.key) => {
                open.insert(&t.key, all.len());
                all.push(Firing {
                    key: &t.key,
                    fired: t.at,
                    acknowledged: None,
                    resolved: None,
                });
            }
            Change::Acknowledged => {
                if let Some(&at) = open.get(&t.key) {
                    let by = t.by.as_deref().unwrap_or("someone");
                    all[at].acknowledged.get_or_insert((t.at, by));
                }
            }
            Change::Resolved => {
                if let Some(at) = open.remove(&t.key) {
                    all[at].resolved = Some(t.at);
                }
            }
            _ => {}
        }
    }
    all
}

/// The timeline of what happened from `since` to `until`, as Markdown.
pub fn render(
    history: &[Transition],
    audit: &[AuditRecord],
    since: Option<DateTime<Utc>>,
    until: DateTime<Utc>,
) -> String {
    let from = since.unwrap_or(DateTime::<Utc>::MIN_UTC);
    let within = |at: DateTime<Utc>| at >= from && at <= until;
    let mut out = match since {
        Some(since) => format!(
            "# Alerts and operator actions, {} to {}\n",
            time(since),
            time(until)
        ),
        None => format!("# Alerts and operator actions, until {}\n", time(until)),
    };
    out.push_str("\nTimes are UTC.\n\n## Firings\n\n");
    let firings: Vec<Firing> = firings(history)
        .into_iter()
        .filter(|f| f.fired <= until && f.resolved.is_none_or(|r| r >= from))
        .collect();
    if firings.is_empty() {
        out.push_str("No alert fired.\n");
    } else {
        out.push_str("| Alert | Fired | Acknowledged | Resolved | To acknowledge | To resolve |\n");
        out.push_str("|---|---|---|---|---|---|\n");
        for f in &firings {
            let ack = f.acknowledged.map_or(String::new(), |(at, by)| {
                format!("{} by {}", time(at), cell(by))
            });
            let resolved = f.resolved.map_or("still firing".to_string(), time);
            let to_ack = f
                .acknowledged
                .map_or(String::new(), |(at, _)| took(f.fired, at));
            let to_resolve = f.resolved.map_or(String::new(), |at| took(f.fired, at));
            out.push_str(&format!(
                "| {} | {} | {ack} | {resolved} | {to_ack} | {to_resolve} |\n",
                cell(&f.key.name()),
                time(f.fired),
            ));
        }
    }
    out.push_str("\n## Events\n\n");
    let mut events: Vec<(DateTime<Utc>, [String; 3])> = history
        .iter()
        .filter(|t| within(t.at))
        .map(|t| (t.at, transition_event(t)))
        .collect();
    events.extend(
        audit
            .iter()
            .filter(|r| within(r.time) && !r.in_history())
            .map(|r| (r.time, audit_event(r))),
    );
    // Stable: what happened at the same time keeps its order within the history and the log.
    events.sort_by_key(|(at, _)| *at);
    if events.is_empty() {
        out.push_str("Nothing happened.\n");
        return out;
    }
    out.push_str("| Time | Event | Alert or target | Detail |\n|---|---|---|---|\n");
    for (at, [event, what, detail]) in events {
        out.push_str(&format!(
            "| {} | {} | {} | {} |\n",
            time(at),
            cell(&event),
            cell(&what),
            cell(&detail)
        ));
    }
    out
}

fn transition_event(t: &Transition) -> [String; 3] {
    [t.change.label().to_string(), t.key.name(), t.by_or_value()]
}

fn audit_event(r: &AuditRecord) -> [String; 3] {
    let detail = match &r.error {
        Some(error) => format!("{}: {error}", r.user),
        None => r.user.clone(),
    };
    [
        format!("{} ({})", r.action, r.outcome),
        r.target.clone(),
        detail,
    ]
}

fn time(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M:%S").to_string()
}

/// The time from `from` to `to` in whole seconds: `4m 12s`.
fn took(from: DateTime<Utc>, to: DateTime<Utc>) -> String {
    let seconds = (to - from).num_seconds().max(0).unsigned_abs();
    humantime::format_duration(std::time::Duration::from_secs(seconds)).to_string()
}

/// Text for a table cell: a `|` would end the cell and a line break the row.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace(['\n', '\r'], " ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alerts::engine::Origin;

    fn at(hms: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(&format!("2026-11-22T{hms}Z"))
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_else(|error| panic!("{hms}: {error}"))
    }

    fn key(rule: &str, labels: &[(&str, &str)], alertmanager: Option<&str>) -> AlertKey {
        AlertKey {
            rule: rule.into(),
            labels: labels
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            origin: alertmanager.map_or(Origin::Console, |name| Origin::Alertmanager(name.into())),
        }
    }

    fn change(
        key: &AlertKey,
        change: Change,
        hms: &str,
        by: Option<&str>,
        note: &str,
    ) -> Transition {
        Transition {
            key: key.clone(),
            change,
            at: at(hms),
            // An Alertmanager's alerts carry no value.
            value: key.alertmanager().is_none().then_some(93.8),
            by: by.map(str::to_string),
            note: note.into(),
        }
    }

    fn history() -> Vec<Transition> {
        let disk = key("DiskSpaceLow", &[("mount", "/var")], None);
        let latency = key("HighLatency", &[("job", "api")], Some("prod"));
        let earlier = key("SwapHigh", &[], None);
        vec![
            change(&earlier, Change::Firing, "01:00:00", None, ""),
            change(&earlier, Change::Resolved, "01:10:00", None, ""),
            change(&disk, Change::Pending, "09:20:01", None, ""),
            change(&disk, Change::Firing, "09:21:01", None, ""),
            change(
                &disk,
                Change::Acknowledged,
                "09:25:13",
                Some("alice"),
                "df | sort",
            ),
            change(&latency, Change::Firing, "09:29:55", None, ""),
            change(&disk, Change::Resolved, "09:40:00", None, ""),
        ]
    }

    const AUDIT: &str = r#"{"id":"1","time":"2026-11-22T09:31:02.000Z","user":"alice","uid":1000,"mode":"interactive","action":"container restart","target":"container api-1 on local","outcome":"requested","error":null}
{"id":"1","time":"2026-11-22T09:31:04.500Z","user":"alice","uid":1000,"mode":"interactive","action":"container restart","target":"container api-1 on local","outcome":"ok","error":null}
{"id":"2","time":"2026-11-22T09:25:13.000Z","user":"alice","uid":1000,"mode":"interactive","action":"alert acknowledge","target":"alert DiskSpaceLow{mount=\"/var\"}","outcome":"ok","error":null}
{"id":"3","time":"2026-11-22T09:33:00.000Z","user":"bob","uid":1001,"mode":"interactive","action":"alert silence 2h","target":"alert HighLatency{job=\"api\"} on alertmanager prod","outcome":"failed","error":"connection refused"}
not a record
{"id":"4","time":"2026-11-22T09:35:00.000Z","user":"bob","uid":1001,"mode":"interactive","action":"query cancel","target":"pid 4242 on main","outcome":"requested","error":null}
"#;

    #[test]
    fn the_audit_log_gives_each_commands_outcome_or_its_request_when_it_has_none() {
        let records = read_audit(AUDIT);
        let read: Vec<(&str, &str)> = records
            .iter()
            .map(|r| (r.id.as_str(), r.outcome.as_str()))
            .collect();
        assert_eq!(
            read,
            [
                ("1", "ok"),
                ("2", "ok"),
                ("3", "failed"),
                ("4", "requested")
            ]
        );
    }

    #[test]
    fn each_firing_has_its_times_to_acknowledge_and_resolve_and_the_events_follow_in_order() {
        let text = render(
            &history(),
            &read_audit(AUDIT),
            Some(at("09:00:00")),
            at("10:00:00"),
        );
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[0],
            "# Alerts and operator actions, 2026-11-22 09:00:00 to 2026-11-22 10:00:00"
        );
        let firings: Vec<&str> = lines
            .iter()
            .copied()
            .skip_while(|l| *l != "## Firings")
            .take_while(|l| *l != "## Events")
            .filter(|l| l.starts_with("| ") && !l.starts_with("| Alert"))
            .collect();
        assert_eq!(
            firings,
            [
                "| DiskSpaceLow{mount=\"/var\"} | 2026-11-22 09:21:01 | 2026-11-22 09:25:13 by alice | 2026-11-22 09:40:00 | 4m 12s | 18m 59s |",
                "| HighLatency{job=\"api\"} on alertmanager prod | 2026-11-22 09:29:55 |  | still firing |  |  |",
            ],
            "SwapHigh resolved before the window: {text}"
        );
        let events: Vec<&str> = lines
            .iter()
            .copied()
            .skip_while(|l| *l != "## Events")
            .filter(|l| l.starts_with("| 2026"))
            .collect();
        assert_eq!(
            events,
            [
                "| 2026-11-22 09:20:01 | pending | DiskSpaceLow{mount=\"/var\"} | value 93.8 |",
                "| 2026-11-22 09:21:01 | firing | DiskSpaceLow{mount=\"/var\"} | value 93.8 |",
                "| 2026-11-22 09:25:13 | acknowledged | DiskSpaceLow{mount=\"/var\"} | alice: df \\| sort |",
                "| 2026-11-22 09:29:55 | firing | HighLatency{job=\"api\"} on alertmanager prod |  |",
                "| 2026-11-22 09:31:04 | container restart (ok) | container api-1 on local | alice |",
                "| 2026-11-22 09:33:00 | alert silence 2h (failed) | alert HighLatency{job=\"api\"} on alertmanager prod | bob: connection refused |",
                "| 2026-11-22 09:35:00 | query cancel (requested) | pid 4242 on main | bob |",
                "| 2026-11-22 09:40:00 | resolved | DiskSpaceLow{mount=\"/var\"} | value 93.8 |",
            ]
        );
    }

    #[test]
    fn a_firing_that_began_before_the_window_is_listed_and_an_empty_window_says_so() {
        let text = render(&history(), &[], Some(at("09:35:00")), at("10:00:00"));
        assert!(
            text.contains("| DiskSpaceLow{mount=\"/var\"} | 2026-11-22 09:21:01 |"),
            "resolved inside the window: {text}"
        );
        let quiet = render(&history(), &[], Some(at("11:00:00")), at("12:00:00"));
        assert!(quiet.contains("HighLatency"), "still firing: {quiet}");
        assert!(quiet.contains("Nothing happened."), "{quiet}");
        let empty = render(&[], &[], None, at("12:00:00"));
        assert!(empty.contains("No alert fired.") && empty.contains("Nothing happened."));
    }
}
