//! Sending notifications: one task per `[[notify]]` target, fed through a bounded queue, so a
//! target that is slow or dead delays only its own messages, holds at most its queue in memory,
//! and never waits the app loop (a full queue drops the message and counts it). Each message is
//! retried with capped exponential backoff while the failure may pass (no answer, 5xx, 429).
//! Every attempt's outcome goes back to the app as `Msg::Notified`; every failure goes to the
//! log too. Neither ever holds the whole URL: only what `http::shown_url` shows.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use backon::{BackoffBuilder, ExponentialBuilder};
use serde::Deserialize;
use tokio::sync::mpsc;
use tokio::sync::mpsc::error::TrySendError;

use crate::alerts::notify::payload::payload;
use crate::alerts::notify::{Notification, NotifyKind, NotifyOutcome, NotifyReport};
use crate::config::NotifyConfig;
use crate::config::notify::SecretUrl;
use crate::http::{HttpClient, HttpError, Method};
use crate::msg::Msg;

/// A target as the sender needs it: where, and in which format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotifyTarget {
    pub name: String,
    pub kind: NotifyKind,
    pub url: SecretUrl,
}

impl NotifyTarget {
    /// The target of a loaded `[[notify]]` entry (loading resolved its URL).
    pub fn from_config(config: &NotifyConfig) -> Option<Self> {
        Some(Self {
            name: config.name.clone(),
            kind: config.kind,
            url: config.target_url()?.clone(),
        })
    }
}

/// How hard the sender tries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotifyOptions {
    /// For one attempt, the answer included.
    pub timeout: Duration,
    /// The wait before the first retry; it doubles up to `max_retry`, with jitter.
    pub first_retry: Duration,
    pub max_retry: Duration,
    /// Attempts per message, the first included.
    pub attempts: usize,
    /// Messages waiting per target; more are dropped.
    pub queue: usize,
}

impl Default for NotifyOptions {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(10),
            first_retry: Duration::from_secs(2),
            max_retry: Duration::from_secs(60),
            attempts: 5,
            queue: 64,
        }
    }
}

/// The queues of every target; cheap to clone.
#[derive(Clone, Default)]
pub struct Notifier {
    queues: Arc<HashMap<String, Queue>>,
}

struct Queue {
    sender: mpsc::Sender<Notification>,
    dropped: Arc<AtomicU64>,
}

impl Notifier {
    /// Starts one sending task per target, reporting to `reports`; call it inside the runtime.
    pub fn start(
        targets: Vec<NotifyTarget>,
        options: NotifyOptions,
        reports: mpsc::Sender<Msg>,
    ) -> Self {
        if targets.is_empty() {
            return Self::default();
        }
        let client = HttpClient::new(options.timeout);
        let mut queues = HashMap::new();
        for target in targets {
            let (sender, waiting) = mpsc::channel(options.queue.max(1));
            let dropped = Arc::new(AtomicU64::new(0));
            let sending = Sending {
                target: target.clone(),
                client: client.clone(),
                options,
                reports: reports.clone(),
                dropped: dropped.clone(),
            };
            tokio::spawn(sending.run(waiting));
            queues.insert(target.name, Queue { sender, dropped });
        }
        Self {
            queues: Arc::new(queues),
        }
    }

    /// Queues a message for `target` and returns at once; a full queue drops it.
    pub fn send(&self, target: &str, notification: Notification) {
        let Some(queue) = self.queues.get(target) else {
            tracing::error!(notify_target = target, "no such notification target");
            return;
        };
        match queue.sender.try_send(notification) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) => {
                let dropped = queue.dropped.fetch_add(1, Ordering::Relaxed) + 1;
                tracing::warn!(
                    notify_target = target,
                    dropped,
                    "notification queue full: message dropped"
                );
            }
            Err(TrySendError::Closed(_)) => {
                tracing::error!(notify_target = target, "notification sender stopped");
            }
        }
    }
}

/// One target's sending task.
struct Sending {
    target: NotifyTarget,
    client: Result<HttpClient, HttpError>,
    options: NotifyOptions,
    reports: mpsc::Sender<Msg>,
    dropped: Arc<AtomicU64>,
}

impl Sending {
    async fn run(self, mut waiting: mpsc::Receiver<Notification>) {
        while let Some(notification) = waiting.recv().await {
            self.deliver(&notification).await;
        }
    }

    /// Attempts until delivered, refused for good, or out of attempts; reports each attempt.
    async fn deliver(&self, notification: &Notification) {
        let body = payload(self.target.kind, notification)
            .to_string()
            .into_bytes();
        let mut retries = ExponentialBuilder::default()
            .with_min_delay(self.options.first_retry)
            .with_max_delay(self.options.max_retry)
            .with_max_times(self.options.attempts.saturating_sub(1))
            .with_jitter()
            .build();
        loop {
            let (outcome, retry_in) = match self.attempt(body.clone()).await {
                Ok(()) => (NotifyOutcome::Delivered, None),
                Err(failure) => {
                    let retry_in = failure.retry.then(|| retries.next()).flatten();
                    tracing::warn!(
                        notify_target = %self.target.name,
                        status = notification.status.label(),
                        rule = %notification.rule,
                        error = %failure.text,
                        retrying = retry_in.is_some(),
                        "notification not delivered"
                    );
                    let outcome = NotifyOutcome::Failed {
                        error: failure.text,
                        retrying: retry_in.is_some(),
                    };
                    (outcome, retry_in)
                }
            };
            let report = NotifyReport {
                target: self.target.name.clone(),
                outcome,
                dropped: self.dropped.load(Ordering::Relaxed),
            };
            if self.reports.send(Msg::Notified(report)).await.is_err() {
                return;
            }
            match retry_in {
                Some(wait) => tokio::time::sleep(wait).await,
                None => return,
            }
        }
    }

    async fn attempt(&self, body: Vec<u8>) -> Result<(), Failure> {
        let client = self.client.as_ref().map_err(|error| Failure {
            text: error.0.clone(),
            retry: false,
        })?;
        let url = &self.target.url;
        let response = client
            .send(Method::POST, url.expose(), None, Some(body))
            .await
            .map_err(|error| Failure {
                text: error.0,
                retry: true,
            })?;
        judge_answer(self.target.kind, url, response.status, &response.body)
    }
}

/// Why an attempt failed, in words fit for the screen and the log, and whether another attempt
/// may do better.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Failure {
    text: String,
    retry: bool,
}

/// DingTalk's answer: HTTP 200 even when it refuses the message.
#[derive(Deserialize)]
struct DingTalkAnswer {
    errcode: i64,
    #[serde(default)]
    errmsg: String,
}

/// DingTalk's "sending too fast" (more than 20 messages a minute): worth waiting out.
const DINGTALK_TOO_FAST: i64 = 130_101;

/// Whether the target took the message. 5xx, 408 and 429 may pass; other refusals will not.
fn judge_answer(
    kind: NotifyKind,
    url: &SecretUrl,
    status: u16,
    body: &[u8],
) -> Result<(), Failure> {
    let shown = url.shown();
    if (200..300).contains(&status) {
        if kind == NotifyKind::Dingtalk
            && let Ok(answer) = serde_json::from_slice::<DingTalkAnswer>(body)
            && answer.errcode != 0
        {
            return Err(Failure {
                text: format!(
                    "{shown}: DingTalk refused the message: errcode {}{}",
                    answer.errcode,
                    said(answer.errmsg.as_bytes(), url)
                ),
                retry: answer.errcode == DINGTALK_TOO_FAST,
            });
        }
        return Ok(());
    }
    let reason = hyper::StatusCode::from_u16(status)
        .ok()
        .and_then(|code| code.canonical_reason())
        .map(|reason| format!(" {reason}"))
        .unwrap_or_default();
    Err(Failure {
        text: format!("{shown}: answered HTTP {status}{reason}{}", said(body, url)),
        retry: status >= 500 || status == 408 || status == 429,
    })
}

/// The first line of what a target said, when it is short text (Slack says `invalid_token`),
/// with any part of the URL that may hold a token cut out.
fn said(body: &[u8], url: &SecretUrl) -> String {
    let Ok(text) = std::str::from_utf8(body) else {
        return String::new();
    };
    let line = text.lines().next().unwrap_or_default().trim();
    if line.is_empty() || line.starts_with('<') || line.chars().count() > 120 {
        return String::new();
    }
    let mut line = line.to_string();
    if let Ok(parsed) = url::Url::parse(url.expose()) {
        let secrets = [
            Some(url.expose()),
            Some(parsed.path()).filter(|p| p.len() > 1),
            parsed.query(),
            Some(parsed.password().unwrap_or_default()).filter(|p| !p.is_empty()),
        ];
        for secret in secrets.into_iter().flatten() {
            line = line.replace(secret, "…");
        }
    }
    format!(": {line}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(text: &str) -> SecretUrl {
        serde_json::from_value(serde_json::Value::from(text)).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn answers_are_judged_per_kind_and_never_repeat_the_token() {
        let slack = url("https://hooks.slack.com/services/T0/B0/s3cr3t");
        assert_eq!(judge_answer(NotifyKind::Slack, &slack, 200, b"ok"), Ok(()));
        assert_eq!(
            judge_answer(NotifyKind::Slack, &slack, 403, b"invalid_token"),
            Err(Failure {
                text: "https://hooks.slack.com/…: answered HTTP 403 Forbidden: invalid_token"
                    .into(),
                retry: false
            })
        );
        let failure = judge_answer(
            NotifyKind::Webhook,
            &slack,
            502,
            b"no upstream for /services/T0/B0/s3cr3t\nmore",
        );
        assert_eq!(
            failure,
            Err(Failure {
                text: "https://hooks.slack.com/…: answered HTTP 502 Bad Gateway: no upstream for …"
                    .into(),
                retry: true
            })
        );
        assert!(judge_answer(NotifyKind::Webhook, &slack, 429, b"").is_err_and(|f| f.retry));
        assert!(
            judge_answer(NotifyKind::Webhook, &slack, 500, b"<html><body>big page")
                .is_err_and(|f| f.text.ends_with("500 Internal Server Error"))
        );
        let ding = url("https://oapi.dingtalk.com/robot/send?access_token=s3cr3t");
        assert_eq!(
            judge_answer(
                NotifyKind::Dingtalk,
                &ding,
                200,
                br#"{"errcode":0,"errmsg":"ok"}"#
            ),
            Ok(())
        );
        assert_eq!(
            judge_answer(
                NotifyKind::Dingtalk,
                &ding,
                200,
                br#"{"errcode":310000,"errmsg":"keywords not in content"}"#
            ),
            Err(Failure {
                text: "https://oapi.dingtalk.com/…: DingTalk refused the message: errcode 310000: keywords not in content".into(),
                retry: false
            })
        );
        assert!(
            judge_answer(
                NotifyKind::Dingtalk,
                &ding,
                200,
                br#"{"errcode":130101,"errmsg":"send too fast"}"#
            )
            .is_err_and(|f| f.retry)
        );
    }
}
