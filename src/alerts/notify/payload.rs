//! The body each kind of target is sent: the generic webhook's documented JSON (see
//! `docs/notifications.md`), Slack's incoming-webhook `{"text": …}`, DingTalk's robot markdown.

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Value, json};

use super::{Notification, NotifyKind, NotifyStatus};
use crate::alerts::rule::format_value;

/// The version of the webhook payload; it changes only when a field changes meaning or goes.
pub const WEBHOOK_VERSION: u32 = 1;

pub fn payload(kind: NotifyKind, notification: &Notification) -> Value {
    match kind {
        NotifyKind::Webhook => webhook(notification),
        NotifyKind::Slack => slack(notification),
        NotifyKind::Dingtalk => dingtalk(notification),
    }
}

fn webhook(n: &Notification) -> Value {
    let time = |at: Option<DateTime<Utc>>| at.map(rfc3339);
    json!({
        "version": WEBHOOK_VERSION,
        "status": n.status.label(),
        "rule": n.rule,
        "labels": n.labels.iter()
            .map(|(key, value)| (key.clone(), Value::from(value.as_str())))
            .collect::<serde_json::Map<String, Value>>(),
        "severity": n.priority.to_string(),
        "value": n.value,
        "summary": n.summary,
        "runbook": n.runbook,
        "since": time(n.since),
        "deadline": time(n.deadline),
        "escalated_at": time(n.escalated_at),
        "resolved_at": time(n.resolved_at),
        "acknowledged": n.ack.as_ref().map(|ack| json!({
            "by": ack.by,
            "at": rfc3339(ack.at),
            "note": ack.note,
        })),
        "console_host": n.host,
        "sent_at": rfc3339(n.sent_at),
    })
}

fn slack(n: &Notification) -> Value {
    let emoji = match n.status {
        NotifyStatus::Firing => ":rotating_light:",
        NotifyStatus::Escalated => ":sos:",
        NotifyStatus::Resolved => ":white_check_mark:",
    };
    let text = format!(
        "{emoji} *{}*\n{}\n{}\n_watchdeck on {}_",
        slack_escape(&headline(n)),
        slack_escape(&n.summary),
        slack_escape(&facts(n).join(" · ")),
        slack_escape(&n.host),
    );
    json!({ "text": text })
}

/// Slack reads `&`, `<` and `>` as markup (links, mentions); everything else is plain.
fn slack_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn dingtalk(n: &Notification) -> Value {
    let title = headline(n);
    let mut text = format!("### {title}\n\n{}\n\n", n.summary);
    for fact in facts(n) {
        text.push_str(&format!("- {fact}\n"));
    }
    // A robot with the keyword check on needs a fixed word in every message: "watchdeck".
    text.push_str(&format!("\nwatchdeck on {}", n.host));
    json!({
        "msgtype": "markdown",
        "markdown": { "title": title, "text": text },
    })
}

/// `[FIRING] P1 DiskSpaceLow`.
fn headline(n: &Notification) -> String {
    format!(
        "[{}] {} {}",
        n.status.label().to_uppercase(),
        n.priority,
        n.rule
    )
}

/// The alert's facts, one phrase each, for the chat kinds.
fn facts(n: &Notification) -> Vec<String> {
    let mut facts = Vec::new();
    if !n.labels.is_empty() {
        let labels: Vec<String> = n.labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
        facts.push(labels.join(" "));
    }
    facts.push(format!("value {}", format_value(n.value)));
    if let Some(since) = n.since {
        facts.push(format!("firing since {}", shown_time(since)));
    }
    match n.status {
        NotifyStatus::Resolved => {
            if let Some(at) = n.resolved_at {
                facts.push(format!("resolved at {}", shown_time(at)));
            }
        }
        NotifyStatus::Firing | NotifyStatus::Escalated => {
            if let Some(deadline) = n.deadline.filter(|_| n.ack.is_none()) {
                facts.push(format!("respond by {}", shown_time(deadline)));
            }
            if let Some(at) = n.escalated_at {
                facts.push(format!("unacknowledged, escalated at {}", shown_time(at)));
            }
        }
    }
    if let Some(ack) = &n.ack {
        let note = if ack.note.is_empty() {
            String::new()
        } else {
            format!(": {}", ack.note)
        };
        facts.push(format!(
            "acknowledged by {} at {}{note}",
            ack.by,
            shown_time(ack.at)
        ));
    }
    if let Some(runbook) = &n.runbook {
        facts.push(format!("runbook {runbook}"));
    }
    facts
}

fn rfc3339(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn shown_time(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M UTC").to_string()
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::alerts::engine::Ack;
    use crate::alerts::rule::Priority;

    fn at(minute: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 22, 9, 0, 0)
            .single()
            .unwrap_or_default()
            + chrono::Duration::minutes(minute)
    }

    fn notification(status: NotifyStatus) -> Notification {
        Notification {
            status,
            rule: "DiskSpaceLow".into(),
            labels: vec![("mount".into(), "/var/lib/postgresql".into())],
            priority: Priority::P1,
            value: 93.75,
            summary: "disk /var/lib/postgresql is 93.8% full".into(),
            runbook: Some("disk-full".into()),
            since: Some(at(0)),
            deadline: Some(at(15)),
            escalated_at: None,
            resolved_at: None,
            ack: None,
            host: "db-01".into(),
            sent_at: at(1),
        }
    }

    #[test]
    fn the_webhook_payload_is_the_documented_json() {
        let mut resolved = notification(NotifyStatus::Resolved);
        resolved.resolved_at = Some(at(40));
        resolved.ack = Some(Ack {
            by: "alice".into(),
            at: at(5),
            note: "cleaning the archive".into(),
        });
        resolved.sent_at = at(40);
        assert_eq!(
            payload(NotifyKind::Webhook, &resolved),
            json!({
                "version": 1,
                "status": "resolved",
                "rule": "DiskSpaceLow",
                "labels": { "mount": "/var/lib/postgresql" },
                "severity": "P1",
                "value": 93.75,
                "summary": "disk /var/lib/postgresql is 93.8% full",
                "runbook": "disk-full",
                "since": "2026-11-22T09:00:00Z",
                "deadline": "2026-11-22T09:15:00Z",
                "escalated_at": null,
                "resolved_at": "2026-11-22T09:40:00Z",
                "acknowledged": { "by": "alice", "at": "2026-11-22T09:05:00Z", "note": "cleaning the archive" },
                "console_host": "db-01",
                "sent_at": "2026-11-22T09:40:00Z",
            })
        );
        let firing = payload(NotifyKind::Webhook, &notification(NotifyStatus::Firing));
        assert_eq!(firing["status"], "firing");
        assert_eq!(firing["acknowledged"], Value::Null);
    }

    #[test]
    fn slack_gets_one_escaped_text() {
        let mut escalated = notification(NotifyStatus::Escalated);
        escalated.escalated_at = Some(at(30));
        escalated.summary = "queue <main> & retries > 3".into();
        let body = payload(NotifyKind::Slack, &escalated);
        assert_eq!(
            body,
            json!({ "text": ":sos: *[ESCALATED] P1 DiskSpaceLow*\n\
                queue &lt;main&gt; &amp; retries &gt; 3\n\
                mount=/var/lib/postgresql · value 93.8 · firing since 2026-11-22 09:00 UTC · \
                respond by 2026-11-22 09:15 UTC · unacknowledged, escalated at 2026-11-22 09:30 UTC · \
                runbook disk-full\n\
                _watchdeck on db-01_" })
        );
    }

    #[test]
    fn dingtalk_gets_markdown_with_a_title_and_the_keyword() {
        let body = payload(NotifyKind::Dingtalk, &notification(NotifyStatus::Firing));
        assert_eq!(body["msgtype"], "markdown");
        assert_eq!(body["markdown"]["title"], "[FIRING] P1 DiskSpaceLow");
        assert_eq!(
            body["markdown"]["text"],
            "### [FIRING] P1 DiskSpaceLow\n\n\
             disk /var/lib/postgresql is 93.8% full\n\n\
             - mount=/var/lib/postgresql\n\
             - value 93.8\n\
             - firing since 2026-11-22 09:00 UTC\n\
             - respond by 2026-11-22 09:15 UTC\n\
             - runbook disk-full\n\
             \nwatchdeck on db-01"
        );
    }

    #[test]
    fn a_resolve_says_when_and_an_acknowledged_alert_has_no_deadline() {
        let mut resolved = notification(NotifyStatus::Resolved);
        resolved.resolved_at = Some(at(40));
        let text = payload(NotifyKind::Slack, &resolved)["text"].to_string();
        assert!(
            text.contains(":white_check_mark: *[RESOLVED] P1 DiskSpaceLow*"),
            "{text}"
        );
        assert!(text.contains("resolved at 2026-11-22 09:40 UTC"), "{text}");
        assert!(!text.contains("respond by"), "{text}");
        let mut acked = notification(NotifyStatus::Firing);
        acked.ack = Some(Ack {
            by: "alice".into(),
            at: at(5),
            note: String::new(),
        });
        let text = payload(NotifyKind::Dingtalk, &acked)["markdown"]["text"].to_string();
        assert!(
            text.contains("- acknowledged by alice at 2026-11-22 09:05 UTC\\n"),
            "{text}"
        );
        assert!(!text.contains("respond by"), "{text}");
    }
}
