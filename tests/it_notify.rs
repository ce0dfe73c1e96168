//! Notifications against a recording HTTP server started in each test on 127.0.0.1:0: the
//! payloads of the webhook, Slack and DingTalk kinds for fire, escalate and resolve; the rate
//! limit; retries; a target that never answers; and tokens in URLs kept off the screen and out
//! of the log.
#![allow(clippy::expect_used, clippy::unwrap_used)] // a failed expectation is the test failing

#[allow(dead_code)] // this file reads screens, not footers
mod render_support;

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use watchdeck::alerts::notify::{NotifyOutcome, NotifyReport, NotifyStatus};
use watchdeck::command::Mode;
use watchdeck::config::Config;
use watchdeck::effect::notify::{Notifier, NotifyOptions, NotifyTarget};
use watchdeck::effect::{Effect, Executor};
use watchdeck::fixtures;
use watchdeck::model::source::SourceReport;
use watchdeck::msg::{Msg, SourceUpdate};
use watchdeck::persist::audit::{AuditLog, Operator};
use watchdeck::state::AppState;
use watchdeck::tab::Tab;
use watchdeck::update::update;

const TOKEN: &str = "s3cr3t";

/// One request the recorder answered: its path and query, and its JSON body.
#[derive(Debug, Clone)]
struct Recorded {
    target: String,
    body: Value,
}

/// A local HTTP/1 server that records every request and answers with the given statuses in
/// turn, then 200.
struct Recorder {
    base: String,
    requests: Arc<Mutex<Vec<Recorded>>>,
}

impl Recorder {
    async fn start(answers: &[u16]) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let requests: Arc<Mutex<Vec<Recorded>>> = Arc::default();
        let answers = Arc::new(Mutex::new(answers.iter().copied().collect::<VecDeque<_>>()));
        let recorded = requests.clone();
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                tokio::spawn(answer(socket, recorded.clone(), answers.clone()));
            }
        });
        Self { base, requests }
    }

    fn requests(&self) -> Vec<Recorded> {
        self.requests.lock().unwrap().clone()
    }

    /// Waits until `count` requests were recorded.
    async fn wait_for(&self, count: usize) -> Vec<Recorded> {
        poll_until(&format!("{count} requests at {}", self.base), || {
            let requests = self.requests();
            (requests.len() >= count).then_some(requests)
        })
        .await
    }
}

async fn answer(
    mut socket: TcpStream,
    requests: Arc<Mutex<Vec<Recorded>>>,
    answers: Arc<Mutex<VecDeque<u16>>>,
) {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            break end + 4;
        }
        match socket.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(read) => buffer.extend_from_slice(&chunk[..read]),
        }
    };
    let head = String::from_utf8_lossy(&buffer[..head_end]).into_owned();
    let length: usize = head
        .lines()
        .find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse().ok())?
        })
        .unwrap_or(0);
    while buffer.len() < head_end + length {
        match socket.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(read) => buffer.extend_from_slice(&chunk[..read]),
        }
    }
    let body = serde_json::from_slice(&buffer[head_end..head_end + length]).unwrap_or(Value::Null);
    let target = head
        .split_whitespace()
        .nth(1)
        .unwrap_or_default()
        .to_string();
    let status = answers.lock().unwrap().pop_front().unwrap_or(200);
    requests.lock().unwrap().push(Recorded { target, body });
    // DingTalk's acceptance; a refusal says nothing.
    let reply = if status == 200 {
        r#"{"errcode":0,"errmsg":"ok"}"#
    } else {
        ""
    };
    let response = format!(
        "HTTP/1.1 {status} Answer\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{reply}",
        reply.len()
    );
    let _ = socket.write_all(response.as_bytes()).await;
}

/// A server that accepts connections and never answers.
async fn silent_server() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    base
}

/// Polls `check` every 10 ms until it gives a value, for at most 10 s.
async fn poll_until<T>(what: &str, mut check: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(value) = check() {
            return value;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

async fn next_report(reports: &mut mpsc::Receiver<Msg>) -> NotifyReport {
    loop {
        let msg = tokio::time::timeout(Duration::from_secs(15), reports.recv())
            .await
            .expect("a report in time")
            .expect("the notifier is running");
        if let Msg::Notified(report) = msg {
            return report;
        }
    }
}

fn at(second: i64) -> DateTime<Utc> {
    fixtures::now() + chrono::Duration::seconds(second)
}

/// The console with `config_text` loaded (variables from `env`), fed nothing yet.
fn console(config_text: &str, env: &HashMap<&str, String>) -> (Config, AppState) {
    let config = Config::parse_with_env("test.toml", config_text, &|name| env.get(name).cloned())
        .unwrap_or_else(|e| panic!("{e}"));
    let mut state = AppState::new(&config, &[], Mode::Interactive, "db-01".into(), at(-600));
    update(&mut state, Msg::ClickTab(Tab::Alerts), at(-600));
    (config, state)
}

/// Feeds the fixture host's samples from `from` to `to` seconds (every `step`), its data disk
/// full or freed, and gathers the notifications `update` asks for.
fn feed(state: &mut AppState, from: i64, to: i64, step: usize, full: bool) -> Vec<Effect> {
    let mut effects = Vec::new();
    for second in (from..=to).step_by(step) {
        let mut snapshot = fixtures::resources_snapshot();
        snapshot.at = at(second);
        if !full {
            for disk in &mut snapshot.disks {
                disk.space.used = disk.space.total / 2;
            }
        }
        let report = SourceReport {
            at: snapshot.at,
            result: Ok(snapshot),
        };
        effects.extend(
            update(state, Msg::Source(SourceUpdate::System(report)), at(second))
                .into_iter()
                .filter(|e| matches!(e, Effect::Notify { .. })),
        );
    }
    effects
}

fn executor(dir: &tempfile::TempDir, config: &Config) -> (Executor, mpsc::Receiver<Msg>) {
    let (sender, receiver) = mpsc::channel(64);
    let executor = Executor::new(
        sender,
        AuditLog::new(dir.path().join("audit.jsonl")),
        Operator::new(1000, Some("alice".into()), |_| None),
        Mode::Interactive,
        HashMap::new(),
        dir.path().join("alerts.json"),
    )
    .with_notify(&config.notify);
    (executor, receiver)
}

const DISK_RULE: &str = r#"
[[rule]]
name = "DiskSpaceLow"
expr = 'system_disk_used_percent{mount="/var/lib/postgresql"} > 90'
for = "1m"
severity = "P1"
escalate_after = "2m"
summary = "disk {{ $labels.mount }} {{ $value }}% full"
runbook = "disk-full"
"#;

fn statuses(effects: &[Effect]) -> Vec<(String, NotifyStatus)> {
    effects
        .iter()
        .filter_map(|effect| match effect {
            Effect::Notify {
                target,
                notification,
            } => Some((target.clone(), notification.status)),
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn fire_escalate_and_resolve_reach_the_webhook_slack_and_dingtalk() {
    let server = Recorder::start(&[]).await;
    let env = HashMap::from([(
        "SLACK_URL",
        format!("{}/services/T0/B0/{TOKEN}", server.base),
    )]);
    let config_text = format!(
        "{DISK_RULE}
[[notify]]
name = \"hook\"
kind = \"webhook\"
url = \"{base}/hook\"
severities = [\"P0\", \"P1\"]

[[notify]]
name = \"slack\"
kind = \"slack\"
url_env = \"SLACK_URL\"

[[notify]]
name = \"ding\"
kind = \"dingtalk\"
url = \"{base}/robot/send?access_token={TOKEN}\"

[[notify]]
name = \"only-p0\"
kind = \"webhook\"
url = \"{base}/p0\"
severities = [\"P0\"]
",
        base = server.base
    );
    let (config, mut state) = console(&config_text, &env);
    let dir = tempfile::tempdir().unwrap();
    let (executor, mut reports) = executor(&dir, &config);

    // Full from 09:25: pending, firing a minute later, escalated two minutes after that.
    let mut effects = feed(&mut state, -300, 0, 10, true);
    // Freed: resolved.
    effects.extend(feed(&mut state, 10, 10, 1, false));
    let disk_only: Vec<&Effect> = effects
        .iter()
        .filter(|e| matches!(e, Effect::Notify { notification, .. } if notification.rule == "DiskSpaceLow"))
        .collect();
    assert_eq!(disk_only.len(), 9, "{:?}", statuses(&effects));
    for effect in disk_only {
        executor.spawn(effect.clone());
    }
    let requests = server.wait_for(9).await;
    for _ in 0..9 {
        let report = next_report(&mut reports).await;
        assert_eq!(report.outcome, NotifyOutcome::Delivered, "{report:?}");
        update(&mut state, Msg::Notified(report), at(11));
    }
    assert!(state.alerts.notify.failing.is_empty());
    assert_eq!(requests.len(), 9, "nothing for only-p0: {requests:?}");

    let to = |path: &str| -> Vec<Value> {
        requests
            .iter()
            .filter(|r| r.target.starts_with(path))
            .map(|r| r.body.clone())
            .collect()
    };
    let hook = to("/hook");
    let hook_statuses: Vec<&str> = hook.iter().map(|b| b["status"].as_str().unwrap()).collect();
    assert_eq!(hook_statuses, ["firing", "escalated", "resolved"]);
    let firing = &hook[0];
    assert_eq!(firing["version"], 1);
    assert_eq!(firing["rule"], "DiskSpaceLow");
    assert_eq!(firing["labels"]["mount"], "/var/lib/postgresql");
    assert_eq!(firing["severity"], "P1");
    assert_eq!(firing["runbook"], "disk-full");
    assert_eq!(firing["console_host"], "db-01");
    assert_eq!(firing["since"], "2026-11-22T09:26:00Z");
    assert_eq!(firing["deadline"], "2026-11-22T09:41:00Z");
    assert!(firing["value"].as_f64().unwrap() > 90.0, "{firing}");
    assert!(
        firing["summary"]
            .as_str()
            .unwrap()
            .starts_with("disk /var/lib/postgresql 93.8"),
        "{firing}"
    );
    assert_eq!(hook[1]["escalated_at"], "2026-11-22T09:28:00Z");
    assert_eq!(hook[2]["resolved_at"], "2026-11-22T09:30:10Z");

    let slack = to("/services/");
    let texts: Vec<&str> = slack.iter().map(|b| b["text"].as_str().unwrap()).collect();
    assert_eq!(texts.len(), 3, "{texts:?}");
    assert!(
        texts[0].starts_with(
            ":rotating_light: *[FIRING] P1 DiskSpaceLow*\ndisk /var/lib/postgresql 93.8"
        ),
        "{}",
        texts[0]
    );
    assert!(
        texts[1].starts_with(":sos: *[ESCALATED] P1 DiskSpaceLow*"),
        "{}",
        texts[1]
    );
    assert!(
        texts[1].contains("escalated at 2026-11-22 09:28 UTC"),
        "{}",
        texts[1]
    );
    assert!(
        texts[2].starts_with(":white_check_mark: *[RESOLVED] P1 DiskSpaceLow*"),
        "{}",
        texts[2]
    );
    assert!(
        texts.iter().all(|t| t.ends_with("_watchdeck on db-01_")),
        "{texts:?}"
    );

    let ding = to("/robot/send");
    let titles: Vec<&str> = ding
        .iter()
        .map(|b| {
            assert_eq!(b["msgtype"], "markdown");
            b["markdown"]["title"].as_str().unwrap()
        })
        .collect();
    assert_eq!(
        titles,
        [
            "[FIRING] P1 DiskSpaceLow",
            "[ESCALATED] P1 DiskSpaceLow",
            "[RESOLVED] P1 DiskSpaceLow"
        ]
    );
    assert!(
        ding[2]["markdown"]["text"]
            .as_str()
            .unwrap()
            .contains("- resolved at 2026-11-22 09:30 UTC"),
        "{}",
        ding[2]
    );
}

#[tokio::test]
async fn the_rate_limit_holds_a_flapping_alert_for_five_minutes() {
    let server = Recorder::start(&[]).await;
    let config_text = format!(
        "{}\n[[notify]]\nname = \"hook\"\nkind = \"webhook\"\nurl = \"{}/hook\"\n",
        DISK_RULE.replace("escalate_after = \"2m\"\n", ""),
        server.base
    );
    let (config, mut state) = console(&config_text, &HashMap::new());
    let mut effects = feed(&mut state, -120, 0, 10, true); // fires at -60
    effects.extend(feed(&mut state, 1, 1, 1, false)); // resolves at +1
    effects.extend(feed(&mut state, 2, 300, 10, true)); // back, firing from +62: held
    let held = statuses(&effects);
    effects.extend(feed(&mut state, 301, 310, 1, true)); // five minutes after the resolve
    let hook = |status| ("hook".to_string(), status);
    assert_eq!(
        held,
        [hook(NotifyStatus::Firing), hook(NotifyStatus::Resolved)],
        "nothing more within five minutes of the last message"
    );
    assert_eq!(
        statuses(&effects),
        [
            hook(NotifyStatus::Firing),
            hook(NotifyStatus::Resolved),
            hook(NotifyStatus::Firing)
        ]
    );
    let dir = tempfile::tempdir().unwrap();
    let (executor, _reports) = executor(&dir, &config);
    for effect in effects {
        executor.spawn(effect);
    }
    let requests = server.wait_for(3).await;
    let sent: Vec<(&str, &str)> = requests
        .iter()
        .map(|r| {
            (
                r.body["status"].as_str().unwrap(),
                r.body["sent_at"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        sent,
        [
            ("firing", "2026-11-22T09:29:00Z"),
            ("resolved", "2026-11-22T09:30:01Z"),
            ("firing", "2026-11-22T09:35:01Z")
        ]
    );
}

/// A notification as `update` makes them, for the tests of the sender alone.
fn one_notification() -> watchdeck::alerts::notify::Notification {
    let state = fixtures::app_state(Mode::Interactive);
    let alert = state
        .alerts
        .firing()
        .next()
        .expect("the fixture's disk alert");
    watchdeck::alerts::notify::Notification::new(alert, NotifyStatus::Firing, "db-01", at(0))
}

fn target(name: &str, kind: &str, url: &str) -> NotifyTarget {
    let config = Config::parse_with_env(
        "t.toml",
        &format!("[[notify]]\nname = \"{name}\"\nkind = \"{kind}\"\nurl = \"{url}\"\n"),
        &|_| None,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    NotifyTarget::from_config(&config.notify[0]).expect("a url")
}

fn quick(attempts: usize, timeout: Duration, queue: usize) -> NotifyOptions {
    NotifyOptions {
        timeout,
        first_retry: Duration::from_millis(20),
        max_retry: Duration::from_millis(40),
        attempts,
        queue,
    }
}

#[tokio::test]
async fn a_target_answering_500_then_200_is_retried_and_delivered() {
    let server = Recorder::start(&[500]).await;
    let (sender, mut reports) = mpsc::channel(16);
    let notifier = Notifier::start(
        vec![target("hook", "webhook", &format!("{}/hook", server.base))],
        quick(3, Duration::from_secs(5), 8),
        sender,
    );
    notifier.send("hook", one_notification());
    let mut state = fixtures::app_state(Mode::Interactive);
    let failed = next_report(&mut reports).await;
    assert_eq!(
        failed.outcome,
        NotifyOutcome::Failed {
            error: format!("{}/…: answered HTTP 500 Internal Server Error", server.base),
            retrying: true
        }
    );
    update(&mut state, Msg::Notified(failed), at(0));
    assert!(state.alerts.notify.failing.contains_key("hook"));
    let delivered = next_report(&mut reports).await;
    assert_eq!(delivered.outcome, NotifyOutcome::Delivered);
    update(&mut state, Msg::Notified(delivered), at(1));
    assert!(state.alerts.notify.failing.is_empty(), "recovered");
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[0].body, requests[1].body, "the same message again");
}

#[tokio::test]
async fn a_target_that_never_answers_delays_nobody_and_holds_a_bounded_queue() {
    let server = Recorder::start(&[]).await;
    let silent = silent_server().await;
    let (sender, mut reports) = mpsc::channel(64);
    let notifier = Notifier::start(
        vec![
            target("silent", "slack", &format!("{silent}/services/{TOKEN}")),
            target("hook", "webhook", &format!("{}/hook", server.base)),
        ],
        quick(1, Duration::from_secs(2), 4),
        sender,
    );
    notifier.send("silent", one_notification());
    notifier.send("hook", one_notification());
    let first = next_report(&mut reports).await;
    assert_eq!(
        (first.target.as_str(), &first.outcome),
        ("hook", &NotifyOutcome::Delivered),
        "the answering target is not kept waiting"
    );
    // The silent target holds its first message; its queue takes 4 more and drops the rest,
    // without the caller ever waiting.
    let notification = one_notification();
    let started = Instant::now();
    for _ in 0..20 {
        notifier.send("silent", notification.clone());
    }
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    let timed_out = next_report(&mut reports).await;
    assert_eq!(timed_out.target, "silent");
    assert_eq!(timed_out.dropped, 16);
    let NotifyOutcome::Failed { error, retrying } = &timed_out.outcome else {
        panic!("{timed_out:?}");
    };
    assert_eq!(
        (error.as_str(), *retrying),
        (format!("{silent}/…: no answer within 2s").as_str(), false)
    );
}

/// Collects what the log layer writes.
#[derive(Clone, Default)]
struct LogBuffer(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for LogBuffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn url_tokens_never_reach_the_status_line_or_the_log() {
    use tracing_subscriber::prelude::*;
    let log = LogBuffer::default();
    let sink = log.clone();
    let subscriber = tracing_subscriber::registry()
        .with(watchdeck::logging::layer(Some("trace"), move || {
            sink.clone()
        }));
    let _logging = tracing::subscriber::set_default(subscriber);

    let server = Recorder::start(&[500, 500]).await;
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap()
    };
    let (sender, mut reports) = mpsc::channel(16);
    let notifier = Notifier::start(
        vec![
            target(
                "hook",
                "webhook",
                &format!("{}/hook/{TOKEN}?token={TOKEN}", server.base),
            ),
            target(
                "ding",
                "dingtalk",
                &format!("http://ops:{TOKEN}@{closed}/robot/send?access_token={TOKEN}"),
            ),
        ],
        quick(2, Duration::from_secs(5), 8),
        sender,
    );
    notifier.send("hook", one_notification());
    notifier.send("ding", one_notification());
    let mut state = fixtures::app_state(Mode::Interactive);
    update(&mut state, Msg::ClickTab(Tab::Alerts), fixtures::now());
    for _ in 0..4 {
        let report = next_report(&mut reports).await;
        assert!(
            matches!(report.outcome, NotifyOutcome::Failed { .. }),
            "{report:?}"
        );
        update(&mut state, Msg::Notified(report), fixtures::now());
    }
    for (width, height) in [(80, 24), (200, 50)] {
        let screen = render_support::text(&render_support::draw(&state, width, height));
        assert!(!screen.contains(TOKEN), "{screen}");
        assert!(!screen.contains("hook/s"), "no part of the path: {screen}");
        if width == 200 {
            assert!(
                screen.contains(&format!(
                    "✖ notify ding failing: http://{closed}/…: Connection refused"
                )),
                "{screen}"
            );
            assert!(
                screen.contains(&format!(
                    "✖ notify hook failing: {}/…: answered HTTP 500 Internal Server Error",
                    server.base
                )),
                "{screen}"
            );
        }
    }
    assert!(!format!("{state:?}").contains(TOKEN));
    let logged = String::from_utf8(log.0.lock().unwrap().clone()).unwrap();
    assert_eq!(
        logged.matches("notification not delivered").count(),
        4,
        "{logged}"
    );
    assert!(!logged.contains(TOKEN), "{logged}");
}

#[tokio::test]
async fn a_url_from_url_env_never_reaches_the_screen() {
    let server = Recorder::start(&[503, 503, 503, 503, 503]).await;
    let secret_url = format!("{}/services/T0/B0/{TOKEN}", server.base);
    let env = HashMap::from([("SLACK_WEBHOOK_URL", secret_url.clone())]);
    let config_text = format!(
        "{DISK_RULE}\n[[notify]]\nname = \"oncall-slack\"\nkind = \"slack\"\nurl_env = \"SLACK_WEBHOOK_URL\"\n"
    );
    let (config, mut state) = console(&config_text, &env);
    let dir = tempfile::tempdir().unwrap();
    let (executor, mut reports) = executor(&dir, &config);
    let effects = feed(&mut state, -120, 0, 10, true);
    assert!(!effects.is_empty());
    assert!(!format!("{effects:?}{state:?}{config:?}").contains(TOKEN));
    for effect in effects {
        executor.spawn(effect);
    }
    let report = next_report(&mut reports).await;
    update(&mut state, Msg::Notified(report), at(0));
    for (width, height) in [(80, 24), (200, 50)] {
        let screen = render_support::text(&render_support::draw(&state, width, height));
        assert!(!screen.contains(TOKEN), "{screen}");
        assert!(screen.contains("✖ notify oncall-slack failing"), "{screen}");
    }
    let screen = render_support::text(&render_support::draw(&state, 200, 50));
    assert!(
        screen.contains(&format!(
            "{}/…: answered HTTP 503 Service Unavailable · retrying",
            server.base
        )),
        "{screen}"
    );
    assert_eq!(
        server.wait_for(1).await[0].target,
        format!("/services/T0/B0/{TOKEN}")
    );
}

#[test]
fn an_alert_silenced_through_the_operator_path_is_not_notified() {
    use watchdeck::action::Action;
    use watchdeck::command::CommandOutcome;
    use watchdeck::msg::FilterEdit;
    let config_text = format!(
        "{DISK_RULE}\n[[notify]]\nname = \"hook\"\nkind = \"webhook\"\nurl = \"http://127.0.0.1:9/hook\"\n"
    );
    let (_, mut state) = console(&config_text, &HashMap::new());
    state.operator = "alice".into();
    // Pending from -120: silenced before it fires at -60.
    assert!(feed(&mut state, -120, -100, 10, true).is_empty());
    update(&mut state, Msg::Action(Action::SilenceAlert), at(-100));
    for c in "1h disk cleanup".chars() {
        update(&mut state, Msg::FilterEdit(FilterEdit::Insert(c)), at(-100));
    }
    let effects = update(&mut state, Msg::Action(Action::Confirm), at(-100));
    let [Effect::Execute(command)] = effects.as_slice() else {
        panic!("one command: {effects:?}");
    };
    let done = CommandOutcome {
        command: command.clone(),
        result: Ok("silenced".into()),
        audit_error: None,
    };
    update(&mut state, Msg::CommandFinished(done), at(-100));
    assert_eq!(state.alerts.silences.len(), 1);
    assert!(
        feed(&mut state, -90, 0, 10, true).is_empty(),
        "firing, silenced"
    );
    assert_eq!(state.alerts.firing().count(), 1);
    // The silence ends at +3500: the alert, still firing and escalated meanwhile, is announced.
    let after = feed(&mut state, 3500, 3510, 10, true);
    assert_eq!(
        statuses(&after),
        [("hook".to_string(), NotifyStatus::Escalated)]
    );
}
