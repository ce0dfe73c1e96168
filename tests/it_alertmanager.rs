//! The Alertmanager source, acknowledgements and push against the real Alertmanager of the test
//! services (`WATCHDECK_TEST_ALERTMANAGER_URL`, shared: every alert and silence made here has a
//! label value of its own, and is resolved or expired at the end), and against addresses where
//! nothing or a hostile proxy answers.
#![allow(clippy::expect_used, clippy::unwrap_used)] // a failed expectation is the test failing

#[allow(dead_code)] // the footers are not looked at here
mod render_support;
mod support;

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::Utc;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::{mpsc, watch};
use tokio_util::sync::CancellationToken;
use watchdeck::action::Action;
use watchdeck::alerts::alertmanager::to_push;
use watchdeck::alerts::engine::AlertKey;
use watchdeck::alerts::rule::Priority;
use watchdeck::collect::alertmanager::{AlertmanagerClient, AlertmanagerSource};
use watchdeck::collect::{Collector, Schedule, supervise};
use watchdeck::command::Mode;
use watchdeck::command::{AlertAction, OperatorCommand};
use watchdeck::config::{AlertmanagerConfig, Config};
use watchdeck::effect::{Effect, Executor};
use watchdeck::findings::Severity;
use watchdeck::http::{Auth, HttpClient, Method};
use watchdeck::model::alertmanager::{AlertmanagerSnapshot, PushedAlert};
use watchdeck::model::source::{SourceFailure, SourceReport};
use watchdeck::msg::{FilterEdit, Msg, SourceUpdate};
use watchdeck::persist::audit::{AuditLog, Operator};
use watchdeck::state::alerts::SilenceRow;
use watchdeck::state::source::SourceStatus;
use watchdeck::state::{AppState, Overlay};
use watchdeck::tab::Tab;
use watchdeck::update::update;

/// The configured name of the test Alertmanager in these tests.
const NAME: &str = "it";

fn base() -> String {
    std::env::var("WATCHDECK_TEST_ALERTMANAGER_URL")
        .expect("WATCHDECK_TEST_ALERTMANAGER_URL (eval /tmp/services.env)")
}

/// A label value no other test or helper uses.
fn unique(what: &str) -> String {
    format!(
        "{what}-{}-{}",
        std::process::id(),
        Utc::now().timestamp_nanos_opt().unwrap_or_default()
    )
}

fn config(extra: &str) -> Config {
    let text = format!(
        "[[alertmanager]]\nname = \"{NAME}\"\nurl = \"{}\"\n{extra}\n",
        base()
    );
    Config::parse("test.toml", &text).unwrap_or_else(|e| panic!("{e}"))
}

fn alertmanager(config: &Config) -> AlertmanagerConfig {
    config.alertmanager[0].clone()
}

/// Talks to the test Alertmanager directly, as another engineer's tools would.
async fn api(method: Method, path: &str, body: Option<Value>) -> Value {
    let client = HttpClient::new(Duration::from_secs(5)).unwrap();
    let response = client
        .send(
            method,
            &format!("{}{path}", base()),
            None,
            body.map(|b| serde_json::to_vec(&b).unwrap()),
        )
        .await
        .unwrap();
    assert!(
        response.is_success(),
        "{path}: {} {}",
        response.status,
        String::from_utf8_lossy(&response.body)
    );
    serde_json::from_slice(&response.body).unwrap_or(Value::Null)
}

/// Fires an alert with these labels in the test Alertmanager, as Prometheus would.
async fn fire(labels: &BTreeMap<&str, &str>, summary: &str) {
    api(
        Method::POST,
        "/api/v2/alerts",
        Some(json!([{ "labels": labels, "annotations": { "summary": summary } }])),
    )
    .await;
}

/// Resolves it again, so the shared Alertmanager does not keep it for its resolve_timeout.
async fn resolve(labels: &BTreeMap<&str, &str>) {
    let now = Utc::now().to_rfc3339();
    api(
        Method::POST,
        "/api/v2/alerts",
        Some(json!([{ "labels": labels, "startsAt": now, "endsAt": now }])),
    )
    .await;
}

/// Polls the source until `done` holds of what it lists, for at most 20 s.
async fn poll_until(
    source: &mut AlertmanagerSource,
    done: impl Fn(&AlertmanagerSnapshot) -> bool,
) -> AlertmanagerSnapshot {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let polled = source.poll().await;
        if let Ok(snapshot) = &polled
            && done(snapshot)
        {
            return polled.unwrap();
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "never came: {polled:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

fn lists(snapshot: &AlertmanagerSnapshot, label: &str, value: &str) -> bool {
    snapshot
        .alerts
        .iter()
        .any(|a| a.labels.get(label).map(String::as_str) == Some(value))
}

fn deliver(state: &mut AppState, snapshot: AlertmanagerSnapshot) {
    let at = Utc::now();
    update(
        state,
        Msg::Source(SourceUpdate::Alertmanager {
            name: NAME.into(),
            report: SourceReport {
                at,
                result: Ok(snapshot),
            },
        }),
        at,
    );
}

fn key_of(state: &AppState, run: &str) -> AlertKey {
    state
        .alerts
        .external
        .keys()
        .find(|k| k.label("run") == Some(run))
        .cloned()
        .unwrap_or_else(|| panic!("no alert with run={run}"))
}

fn type_text(state: &mut AppState, text: &str) {
    for c in text.chars() {
        update(state, Msg::FilterEdit(FilterEdit::Insert(c)), Utc::now());
    }
}

/// Presses `action` on the selected alert, types `note` in its dialog and confirms: the command
/// to execute.
fn confirm(state: &mut AppState, action: Action, note: &str) -> Effect {
    update(state, Msg::Action(action), Utc::now());
    assert!(
        matches!(state.overlay, Overlay::Confirm(_)),
        "{:?}",
        state.toasts
    );
    type_text(state, note);
    let mut effects = update(state, Msg::Action(Action::Confirm), Utc::now());
    assert_eq!(effects.len(), 1, "{effects:?}");
    effects.remove(0)
}

/// Runs `effect` through the executor and hands `update` every message it sends, up to the
/// command's result.
async fn execute(
    state: &mut AppState,
    executor: &Executor,
    results: &mut mpsc::Receiver<Msg>,
    effect: Effect,
) {
    executor.spawn(effect);
    loop {
        let msg = tokio::time::timeout(Duration::from_secs(15), results.recv())
            .await
            .expect("an answer in time")
            .expect("the executor is alive");
        let finished = matches!(msg, Msg::CommandFinished(_));
        update(state, msg, Utc::now());
        if finished {
            return;
        }
    }
}

/// A console on the Alerts tab, as alice.
fn console(config: &Config) -> AppState {
    let mut state = AppState::new(
        config,
        &[],
        Mode::Interactive,
        "console-1".into(),
        Utc::now(),
    );
    state.operator = "alice".into();
    update(&mut state, Msg::ClickTab(Tab::Alerts), Utc::now());
    state
}

/// An executor acting as alice on the config's Alertmanagers, its results, and the folder of its
/// audit log.
fn executor(config: &Config) -> (Executor, mpsc::Receiver<Msg>, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let (sender, results) = mpsc::channel(16);
    let executor = Executor::new(
        sender,
        AuditLog::new(dir.path().join("audit.jsonl")),
        Operator::new(1000, Some("alice".into()), |_| None),
        Mode::Interactive,
        Default::default(),
        dir.path().join("alerts.json"),
    )
    .with_alertmanagers(&config.alertmanager);
    (executor, results, dir)
}

/// Silences, as bob and from outside the console, the alerts labelled `run`: the silence's id.
async fn silence_as_bob(run: &str, length: chrono::Duration, comment: &str) -> String {
    let now = Utc::now();
    let created = api(
        Method::POST,
        "/api/v2/silences",
        Some(json!({
            "matchers": [{ "name": "run", "value": run, "isRegex": false, "isEqual": true }],
            "startsAt": now.to_rfc3339(),
            "endsAt": (now + length).to_rfc3339(),
            "createdBy": "bob",
            "comment": comment
        })),
    )
    .await;
    created["silenceID"].as_str().unwrap().to_string()
}

async fn silence(id: &str) -> Value {
    api(Method::GET, &format!("/api/v2/silence/{id}"), None).await
}

#[tokio::test]
async fn an_alert_fired_in_alertmanager_joins_the_tab_with_its_labels_and_severity() {
    let run = unique("listed");
    let labels = BTreeMap::from([
        ("alertname", "WatchdeckItListed"),
        ("run", run.as_str()),
        ("severity", "warning"),
    ]);
    fire(&labels, "queue depth over 1000").await;
    let config = config("");
    let mut source = AlertmanagerSource::new(&alertmanager(&config));
    let snapshot = poll_until(&mut source, |s| lists(s, "run", &run)).await;
    assert!(
        lists(&snapshot, "alertname", "AlwaysFiring"),
        "the test Prometheus's alert is listed too: {snapshot:?}"
    );

    let mut state = console(&config);
    deliver(&mut state, snapshot);
    let key = key_of(&state, &run);
    assert_eq!(key.rule, "WatchdeckItListed");
    assert_eq!(key.alertmanager(), Some(NAME));
    let alert = state.alerts.get(&key).unwrap();
    assert_eq!(alert.priority, Priority::P2);
    assert_eq!(alert.summary, "queue depth over 1000");
    assert!(state.alerts.list.rows.contains(&key));
    assert!(state.alerts.firing().any(|a| a.key == key));
    let finding = state
        .findings
        .iter()
        .find(|f| f.message == "P2 WatchdeckItListed: queue depth over 1000")
        .expect("a finding");
    assert_eq!(
        (finding.tab, finding.source.as_str(), finding.severity),
        (Tab::Alerts, "am:it", Severity::Warning)
    );
    assert!(matches!(
        state.source("am:it").map(|s| &s.status),
        Some(SourceStatus::Ok { .. })
    ));
    resolve(&labels).await;
    poll_until(&mut source, |s| !lists(s, "run", &run)).await;
}

#[tokio::test]
async fn acknowledging_silences_exactly_that_alert_there_and_taking_it_back_expires_it() {
    let run = unique("ack");
    let labels = BTreeMap::from([
        ("alertname", "WatchdeckItAck"),
        ("run", run.as_str()),
        ("severity", "critical"),
        ("instance", "api-1:9100"),
    ]);
    fire(&labels, "api-1 answers 503").await;
    let config = config("ack_silence = \"30m\"");
    let mut source = AlertmanagerSource::new(&alertmanager(&config));
    let mut state = console(&config);
    deliver(
        &mut state,
        poll_until(&mut source, |s| lists(s, "run", &run)).await,
    );
    let key = key_of(&state, &run);
    state.alerts.list.apply_select(key.clone());

    let (executor, mut results, dir) = executor(&config);

    let ack = confirm(
        &mut state,
        Action::AckAlert,
        "taking it, rolling back api-1",
    );
    let started = Utc::now();
    execute(&mut state, &executor, &mut results, ack).await;
    let acked = state.alerts.get(&key).unwrap();
    let note = acked.ack.as_ref().map(|a| (a.by.as_str(), a.note.as_str()));
    assert_eq!(note, Some(("alice", "taking it, rolling back api-1")));
    let id = state
        .alerts
        .ack_silence_id(&key)
        .expect("the silence's id")
        .to_string();

    // Everyone looking at that Alertmanager sees who took it, and why.
    let made = silence(&id).await;
    assert_eq!(made["createdBy"], "alice");
    assert_eq!(made["comment"], "taking it, rolling back api-1");
    assert_eq!(made["status"]["state"], "active");
    let mut matchers: Vec<(String, String, bool, bool)> = made["matchers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["name"].as_str().unwrap().to_string(),
                m["value"].as_str().unwrap().to_string(),
                m["isEqual"].as_bool().unwrap_or(true),
                m["isRegex"].as_bool().unwrap(),
            )
        })
        .collect();
    matchers.sort();
    let expected: Vec<(String, String, bool, bool)> = labels
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string(), true, false))
        .collect();
    assert_eq!(matchers, expected);
    let ends_at: chrono::DateTime<Utc> = made["endsAt"].as_str().unwrap().parse().unwrap();
    let length = ends_at - started;
    assert!(
        (chrono::Duration::minutes(29)..=chrono::Duration::minutes(31)).contains(&length),
        "{length}"
    );

    // Alertmanager now holds it back with this console's own silence: still listed here, as
    // acknowledged, and no longer counted in the header.
    deliver(
        &mut state,
        poll_until(&mut source, |s| {
            s.alerts.iter().any(|a| {
                a.labels.get("run") == Some(&run) && a.silenced_by.iter().any(|x| x.id == id)
            })
        })
        .await,
    );
    assert!(
        state.alerts.list.rows.contains(&key),
        "acknowledged alerts stay listed"
    );
    assert!(!state.alerts.held_back(&key));
    assert!(state.alerts.get(&key).unwrap().ack.is_some());
    // The silences view lists it, as Alertmanager says it, with the alert it covers.
    let listed = state.alerts.fleet_silences.iter().find(|s| s.id == id);
    let listed = listed.expect("in the silences view");
    assert_eq!(
        (listed.by.as_str(), listed.comment.as_str()),
        ("alice", "taking it, rolling back api-1")
    );
    assert_eq!(
        (&listed.covers, &listed.ack_of),
        (&vec![key.clone()], &Some(key.clone()))
    );
    assert!(state.alerts.silence_list.rows.contains(&listed.row()));

    let audit = std::fs::read_to_string(dir.path().join("audit.jsonl")).unwrap();
    let entries: Vec<Value> = audit
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let target = format!(
        "alert WatchdeckItAck{{instance=\"api-1:9100\",run=\"{run}\",severity=\"critical\"}} on alertmanager it"
    );
    assert_eq!(
        entries
            .iter()
            .map(|e| (
                e["action"].as_str().unwrap(),
                e["target"].as_str().unwrap(),
                e["outcome"].as_str().unwrap(),
                e["user"].as_str().unwrap()
            ))
            .collect::<Vec<_>>(),
        [
            ("alert acknowledge", target.as_str(), "requested", "alice"),
            ("alert acknowledge", target.as_str(), "ok", "alice")
        ]
    );

    let unack = confirm(&mut state, Action::UnackAlert, "");
    let Effect::Execute(OperatorCommand::Alert(command)) = &unack else {
        panic!("{unack:?}");
    };
    assert_eq!(command.action, AlertAction::Unacknowledge);
    assert_eq!(command.ack_silence.as_deref(), Some(id.as_str()));
    execute(&mut state, &executor, &mut results, unack).await;
    assert_eq!(silence(&id).await["status"]["state"], "expired");
    assert!(state.alerts.get(&key).unwrap().ack.is_none());
    assert_eq!(state.alerts.ack_silence_id(&key), None);
    resolve(&labels).await;
}

#[tokio::test]
async fn a_failed_acknowledgement_is_a_toast_with_the_reason_and_records_nothing() {
    let run = unique("refused");
    let labels = BTreeMap::from([("alertname", "WatchdeckItRefused"), ("run", run.as_str())]);
    fire(&labels, "refused").await;
    let config = config("");
    let mut source = AlertmanagerSource::new(&alertmanager(&config));
    let mut state = console(&config);
    deliver(
        &mut state,
        poll_until(&mut source, |s| lists(s, "run", &run)).await,
    );
    let key = key_of(&state, &run);
    state.alerts.list.apply_select(key.clone());
    resolve(&labels).await;

    // The executor's Alertmanager has gone away since the alert was listed.
    let gone = Config::parse(
        "test.toml",
        &format!(
            "[[alertmanager]]\nname = \"{NAME}\"\nurl = \"http://127.0.0.1:{}\"\n",
            closed_port()
        ),
    )
    .unwrap();
    let (executor, mut results, _dir) = executor(&gone);
    let ack = confirm(&mut state, Action::AckAlert, "mine");
    execute(&mut state, &executor, &mut results, ack).await;
    assert!(state.alerts.get(&key).unwrap().ack.is_none());
    assert_eq!(state.alerts.ack_silence_id(&key), None);
    let toast = state.toasts.last().unwrap();
    assert!(
        toast.text.contains("failed: Alertmanager it:") && toast.text.contains("refused"),
        "{toast:?}"
    );
}

#[tokio::test]
async fn a_silence_made_elsewhere_shows_as_silenced_with_its_creator() {
    let run = unique("silenced");
    let labels = BTreeMap::from([("alertname", "WatchdeckItSilenced"), ("run", run.as_str())]);
    fire(&labels, "noisy").await;
    let id = silence_as_bob(&run, chrono::Duration::hours(1), "disk swap on db-3").await;
    let config = config("");
    let mut source = AlertmanagerSource::new(&alertmanager(&config));
    let mut state = console(&config);
    deliver(
        &mut state,
        poll_until(&mut source, |s| {
            s.alerts
                .iter()
                .any(|a| a.labels.get("run") == Some(&run) && !a.silenced_by.is_empty())
        })
        .await,
    );
    let key = key_of(&state, &run);
    let external = &state.alerts.external[&key];
    let by = external.silenced_elsewhere(None).unwrap();
    assert_eq!(
        (by.created_by.as_str(), by.comment.as_str()),
        ("bob", "disk swap on db-3")
    );
    assert!(state.alerts.held_back(&key));
    assert!(!state.alerts.firing().any(|a| a.key == key), "not counted");
    assert!(!state.alerts.list.rows.contains(&key), "behind the toggle");
    update(&mut state, Msg::Action(Action::ToggleResolved), Utc::now());
    state.alerts.list.apply_select(key.clone());
    let screen = render_support::text(&render_support::draw(&state, 200, 50));
    let row = screen
        .lines()
        .find(|l| l.contains("WatchdeckItSilenced"))
        .unwrap();
    assert!(row.contains("silenced"), "{row}");
    assert!(
        screen.contains("silenced in Alertmanager by bob until"),
        "{screen}"
    );
    api(Method::DELETE, &format!("/api/v2/silence/{id}"), None).await;
    resolve(&labels).await;
}

#[tokio::test]
async fn push_sends_the_consoles_own_firing_alerts_and_their_resolution() {
    // The fixture host's disk alert fires; its console is named uniquely for this run.
    let own = watchdeck::fixtures::app_state(Mode::Interactive);
    let host = unique("console");
    let pushed = to_push(&own.alerts.alerts, &host);
    assert!(!pushed.is_empty());
    let (send, receive) = watch::channel(pushed.clone());
    let config = config("push = true");
    let mut source = AlertmanagerSource::new(&alertmanager(&config)).pushing(receive);
    let snapshot = poll_until(&mut source, |s| lists(s, "watchdeck", &host)).await;
    let listed = snapshot
        .alerts
        .iter()
        .find(|a| a.labels.get("watchdeck") == Some(&host))
        .unwrap();
    assert_eq!(listed.labels["alertname"], "DiskSpaceLow");
    assert_eq!(listed.labels["severity"], "P1");
    assert_eq!(listed.labels["mount"], "/var/lib/postgresql");
    assert_eq!(
        listed.annotations["summary"],
        "disk /var/lib/postgresql 93.8% full"
    );
    assert_eq!(listed.annotations["runbook"], "disk-full");

    // Read back by the console that pushed it, it is not listed a second time.
    let mut same = AppState::new(&config, &[], Mode::Interactive, host.clone(), Utc::now());
    deliver(&mut same, snapshot.clone());
    assert!(
        !same.alerts.external.is_empty(),
        "the fleet's alerts are listed"
    );
    assert!(
        !same
            .alerts
            .external
            .keys()
            .any(|k| k.label("watchdeck") == Some(&host)),
        "{:?}",
        same.alerts.external.keys().collect::<Vec<_>>()
    );
    // Another console sees it as the fleet's.
    let mut other = AppState::new(
        &config,
        &[],
        Mode::Interactive,
        "console-2".into(),
        Utc::now(),
    );
    deliver(&mut other, snapshot);
    assert!(
        other
            .alerts
            .external
            .keys()
            .any(|k| k.label("watchdeck") == Some(&host))
    );

    // Resolved here, it is sent with its end and Alertmanager lists it no more.
    let resolved: Vec<PushedAlert> = pushed
        .into_iter()
        .map(|alert| PushedAlert {
            ends_at: Some(Utc::now()),
            ..alert
        })
        .collect();
    send.send(resolved).unwrap();
    poll_until(&mut source, |s| !lists(s, "watchdeck", &host)).await;
}

/// A port on which nothing listens.
fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    port
}

#[tokio::test]
async fn an_alertmanager_that_cannot_be_reached_is_down_with_its_last_alerts_stale() {
    let run = unique("stale");
    let labels = BTreeMap::from([("alertname", "WatchdeckItStale"), ("run", run.as_str())]);
    fire(&labels, "seen before the outage").await;
    let config = config("");
    let mut state = console(&config);
    let mut source = AlertmanagerSource::new(&alertmanager(&config));
    deliver(
        &mut state,
        poll_until(&mut source, |s| lists(s, "run", &run)).await,
    );
    resolve(&labels).await;

    // The same Alertmanager, moved where nothing listens: supervised, it reports down with when
    // it retries, and tries again.
    let port = closed_port();
    let down = Config::parse(
        "test.toml",
        &format!("[[alertmanager]]\nname = \"{NAME}\"\nurl = \"http://127.0.0.1:{port}\"\ninterval = \"1s\"\ntimeout = \"1s\"\n"),
    )
    .unwrap();
    let (sender, mut reports) = mpsc::channel(8);
    let cancel = CancellationToken::new();
    let schedule = Schedule {
        every: Duration::from_secs(1),
        timeout: Duration::from_secs(3),
        max_backoff: Duration::from_secs(2),
    };
    tokio::spawn(supervise(
        AlertmanagerSource::new(&alertmanager(&down)),
        schedule,
        sender,
        |report| report,
        cancel.clone(),
    ));
    for _ in 0..2 {
        let report = tokio::time::timeout(Duration::from_secs(10), reports.recv())
            .await
            .unwrap()
            .unwrap();
        let Err(SourceFailure { error, retry_at }) = &report.result else {
            panic!("{report:?}");
        };
        assert!(error.contains(&format!("127.0.0.1:{port}")), "{error}");
        assert!(error.contains("refused"), "{error}");
        assert!(*retry_at > report.at);
        let at = report.at;
        update(
            &mut state,
            Msg::Source(SourceUpdate::Alertmanager {
                name: NAME.into(),
                report,
            }),
            at,
        );
    }
    cancel.cancel();
    assert!(state.source("am:it").is_some_and(|s| s.is_down()));
    let key = key_of(&state, &run);
    assert!(
        state.alerts.list.rows.contains(&key),
        "its last alerts stay, stale"
    );
    let screen = render_support::text(&render_support::draw(&state, 200, 50));
    let banner = screen
        .lines()
        .find(|l| l.contains("✖ Alertmanager it unavailable"))
        .unwrap_or_else(|| panic!("{screen}"));
    assert!(
        banner.contains("refused") && banner.contains("showing its"),
        "{banner}"
    );
}

/// A proxy in front of Alertmanager that refuses the credentials and quotes the request back.
async fn quoting_proxy() -> u16 {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            tokio::spawn(async move {
                let mut request = vec![0; 8192];
                let read = socket.read(&mut request).await.unwrap_or(0);
                let quoted = String::from_utf8_lossy(&request[..read]).replace("\r\n", " ");
                let answer = format!(
                    "HTTP/1.1 401 Unauthorized\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{quoted}",
                    quoted.len()
                );
                let _ = socket.write_all(answer.as_bytes()).await;
            });
        }
    });
    port
}

#[tokio::test]
async fn a_token_or_password_never_reaches_an_error_or_the_screen() {
    let port = quoting_proxy().await;
    let config = Config::parse(
        "test.toml",
        &format!("[[alertmanager]]\nname = \"{NAME}\"\nurl = \"http://127.0.0.1:{port}\"\n"),
    )
    .unwrap();
    let secrets = [
        (Auth::Bearer("t0ken-s3cr3t".into()), vec!["t0ken-s3cr3t"]),
        (
            Auth::Basic {
                user: "ops".into(),
                password: "pa55-s3cr3t".into(),
            },
            // ops:pa55-s3cr3t, as the Authorization header carries it.
            vec!["pa55-s3cr3t", "b3BzOnBhNTUtczNjcjN0"],
        ),
    ];
    for (auth, hidden) in secrets {
        let client = AlertmanagerClient::new(&alertmanager(&config), Some(auth)).unwrap();
        let error = client.snapshot().await.expect_err("401");
        assert!(error.contains("answered 401"), "{error}");
        assert!(
            error.contains("***"),
            "the quoted header is masked: {error}"
        );
        let mut state = console(&config);
        let at = Utc::now();
        update(
            &mut state,
            Msg::Source(SourceUpdate::Alertmanager {
                name: NAME.into(),
                report: SourceReport {
                    at,
                    result: Err(SourceFailure {
                        error: error.clone(),
                        retry_at: at,
                    }),
                },
            }),
            at,
        );
        let screen = render_support::text(&render_support::draw(&state, 200, 50));
        assert!(screen.contains("✖ Alertmanager it unavailable"), "{screen}");
        for secret in hidden {
            assert!(!error.contains(secret), "{error}");
            assert!(!screen.contains(secret), "{screen}");
        }
    }
}

#[tokio::test]
async fn check_lists_the_fleets_firing_unsilenced_alerts_and_a_down_alertmanager_without_its_token()
{
    let run = unique("check");
    let firing = BTreeMap::from([
        ("alertname", "WatchdeckItCheck"),
        ("run", run.as_str()),
        ("severity", "critical"),
    ]);
    let quiet_run = unique("check-quiet");
    let quiet = BTreeMap::from([
        ("alertname", "WatchdeckItCheckQuiet"),
        ("run", quiet_run.as_str()),
    ]);
    fire(&firing, "payments failing").await;
    fire(&quiet, "known").await;
    let silence_id = silence_as_bob(&quiet_run, chrono::Duration::minutes(10), "known").await;
    // The silence is applied when Alertmanager lists the alert as silenced.
    let mut source = AlertmanagerSource::new(&alertmanager(&config("")));
    poll_until(&mut source, |s| {
        s.alerts
            .iter()
            .any(|a| a.labels.get("run") == Some(&quiet_run) && !a.silenced_by.is_empty())
    })
    .await;

    let env = support::TestEnv::new();
    let file = env.write(
        "ops.toml",
        &format!(
            "[[alertmanager]]\nname = \"{NAME}\"\nurl = \"{}\"\n\
             [[alertmanager]]\nname = \"down\"\nurl = \"http://127.0.0.1:{}\"\ntoken_env = \"WATCHDECK_IT_AM_TOKEN\"\n",
            base(),
            closed_port()
        ),
    );
    let output = tokio::task::spawn_blocking(move || {
        let mut command = env.command();
        command
            .env("WATCHDECK_IT_AM_TOKEN", "t0ken-s3cr3t-check")
            .args(["--config".as_ref(), file.as_os_str()])
            .args(["check", "--format", "json"]);
        command.output().unwrap()
    })
    .await
    .unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr),
    );
    assert!(!stdout.contains("t0ken-s3cr3t-check") && !stderr.contains("t0ken-s3cr3t-check"));
    assert_eq!(output.status.code(), Some(2), "{stdout}\n{stderr}");
    let value: Value = serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"));
    let alerts = value["alerts"].as_array().unwrap();
    let listed = alerts
        .iter()
        .find(|a| a["labels"]["run"] == run.as_str())
        .unwrap_or_else(|| panic!("{value:#}"));
    assert_eq!(listed["rule"], "WatchdeckItCheck");
    assert_eq!(listed["alertmanager"], NAME);
    assert_eq!(listed["priority"], "P1");
    assert_eq!(listed["value"], Value::Null);
    assert_eq!(listed["summary"], "payments failing");
    assert!(
        !alerts
            .iter()
            .any(|a| a["labels"]["run"] == quiet_run.as_str()),
        "a silenced alert is not reported: {value:#}"
    );
    assert!(
        value["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["source"] == "am:it"
                && f["severity"] == "critical"
                && f["message"] == "P1 WatchdeckItCheck: payments failing")
    );
    let sources = value["sources"].as_array().unwrap();
    let down = sources.iter().find(|s| s["name"] == "am:down").unwrap();
    assert_eq!(down["ok"], false);
    assert!(
        down["summary"].as_str().unwrap().contains("refused"),
        "{down}"
    );
    let it = sources.iter().find(|s| s["name"] == "am:it").unwrap();
    assert_eq!(it["ok"], true, "{it}");
    api(
        Method::DELETE,
        &format!("/api/v2/silence/{silence_id}"),
        None,
    )
    .await;
    resolve(&firing).await;
    resolve(&quiet).await;
}

#[tokio::test]
async fn a_silence_made_from_the_console_is_listed_and_ending_it_expires_it_there() {
    let run = unique("silence");
    let labels = BTreeMap::from([
        ("alertname", "WatchdeckItSilence"),
        ("run", run.as_str()),
        ("severity", "warning"),
    ]);
    fire(&labels, "queue backlog").await;
    let config = config("");
    let mut source = AlertmanagerSource::new(&alertmanager(&config));
    let mut state = console(&config);
    deliver(
        &mut state,
        poll_until(&mut source, |s| lists(s, "run", &run)).await,
    );
    let key = key_of(&state, &run);
    state.alerts.list.apply_select(key.clone());
    let (executor, mut results, _dir) = executor(&config);

    let silence_it = confirm(&mut state, Action::SilenceAlert, "30m draining the queue");
    execute(&mut state, &executor, &mut results, silence_it).await;
    let made = state
        .alerts
        .silence_of(&key)
        .expect("silenced here too")
        .clone();
    let id = made
        .alertmanager_id
        .clone()
        .expect("the id of its silence there");
    let there = silence(&id).await;
    assert_eq!(there["status"]["state"], "active");
    assert_eq!(there["createdBy"], "alice");
    assert_eq!(there["comment"], "draining the queue");
    // Once Alertmanager says it holds the alert back: one row, covering that alert.
    deliver(
        &mut state,
        poll_until(&mut source, |s| {
            s.alerts.iter().any(|a| {
                a.labels.get("run") == Some(&run) && a.silenced_by.iter().any(|x| x.id == id)
            })
        })
        .await,
    );
    assert_eq!(state.alerts.covered_by(&made), 1);
    assert!(state.alerts.fleet_silences.iter().all(|s| s.id != id));

    update(&mut state, Msg::Action(Action::NextAlertView), Utc::now());
    // The shared Alertmanager may list other tests' silences, ending sooner, above this one.
    state
        .alerts
        .silence_list
        .apply_select(SilenceRow::Own(made.id()));
    assert_eq!(state.alerts.selected_silence(), Some(&made));
    let end = confirm(&mut state, Action::ExpireSilence, "drained");
    execute(&mut state, &executor, &mut results, end).await;
    assert_eq!(silence(&id).await["status"]["state"], "expired");
    assert!(state.alerts.silences.is_empty());
    resolve(&labels).await;
}

/// An Alertmanager over HTTPS is trusted as an endpoint is: the system's CAs, a `ca_file`'s, or
/// any certificate with `insecure_tls`. The test nginx stands in for it: a certificate from the
/// test CA, and a 404 for the API once the handshake succeeds.
#[tokio::test]
async fn an_alertmanager_over_https_is_trusted_through_its_ca_file_or_insecure_tls() {
    let (Ok(https), Ok(ca)) = (
        std::env::var("WATCHDECK_TEST_HTTPS_URL"),
        std::env::var("WATCHDECK_TEST_CA_CERT"),
    ) else {
        panic!("WATCHDECK_TEST_HTTPS_URL and WATCHDECK_TEST_CA_CERT (eval /tmp/services.env)")
    };
    let poll = |extra: String| {
        let text = format!("[[alertmanager]]\nname = \"tls\"\nurl = \"{https}\"\n{extra}\n");
        let config = Config::parse("test.toml", &text).unwrap_or_else(|e| panic!("{e}"));
        async move {
            AlertmanagerSource::new(&config.alertmanager[0])
                .poll()
                .await
                .map(drop)
                .map_err(|e| e.message)
        }
    };
    let untrusted = poll(String::new()).await.unwrap_err();
    assert!(untrusted.contains("UnknownIssuer"), "{untrusted}");
    for extra in [format!("ca_file = \"{ca}\""), "insecure_tls = true".into()] {
        let answered = poll(extra.clone()).await.unwrap_err();
        assert!(
            answered.contains("404") && !answered.contains("certificate"),
            "{extra}: {answered}"
        );
    }
}

#[tokio::test]
async fn a_rule_silenced_by_a_regex_is_silenced_there_by_that_regex_and_covers_what_it_matches() {
    let run = unique("regex");
    let fired: Vec<BTreeMap<&str, &str>> = ["trial-1", "trial-2", "api"]
        .into_iter()
        .map(|container| {
            BTreeMap::from([
                ("alertname", "WatchdeckItRegex"),
                ("run", run.as_str()),
                ("container", container),
            ])
        })
        .collect();
    for labels in &fired {
        fire(labels, "trial down").await;
    }
    let config = config("");
    let mut source = AlertmanagerSource::new(&alertmanager(&config));
    let mut state = console(&config);
    let all_three = |s: &AlertmanagerSnapshot| {
        let run = s
            .alerts
            .iter()
            .filter(|a| a.labels.get("run") == Some(&run));
        run.count() == 3
    };
    deliver(&mut state, poll_until(&mut source, all_three).await);
    let api = state
        .alerts
        .external
        .keys()
        .find(|k| k.label("run") == Some(&run) && k.label("container") == Some("api"))
        .cloned()
        .expect("listed");
    state.alerts.list.apply_select(api.clone());
    let (executor, mut results, _dir) = executor(&config);

    let note = format!("30m run={run} container=~trial-.* trials restarting");
    let silence_it = confirm(&mut state, Action::SilenceRule, &note);
    execute(&mut state, &executor, &mut results, silence_it).await;
    let made = state
        .alerts
        .silences
        .last()
        .cloned()
        .expect("silenced here");
    let id = made.alertmanager_id.clone().expect("made there too");
    let there = silence(&id).await;
    let mut matchers: Vec<(String, String, bool, bool)> = there["matchers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["name"].as_str().unwrap().to_string(),
                m["value"].as_str().unwrap().to_string(),
                m["isRegex"].as_bool().unwrap(),
                m["isEqual"].as_bool().unwrap_or(true),
            )
        })
        .collect();
    matchers.sort();
    assert_eq!(
        matchers,
        [
            ("alertname".into(), "WatchdeckItRegex".into(), false, true),
            ("container".into(), "trial-.*".into(), true, true),
            ("run".into(), run.clone(), false, true),
        ]
    );
    // Alertmanager silences the two trials and not the api, and so does the console.
    let silenced = |s: &AlertmanagerSnapshot| {
        let run = s
            .alerts
            .iter()
            .filter(|a| a.labels.get("run") == Some(&run));
        let silenced: Vec<&str> = run
            .filter(|a| a.silenced_by.iter().any(|s| s.id == id))
            .map(|a| a.labels["container"].as_str())
            .collect();
        silenced.len() == 2 && !silenced.contains(&"api")
    };
    deliver(&mut state, poll_until(&mut source, silenced).await);
    assert_eq!(state.alerts.covered_by(&made), 2);
    assert!(!state.alerts.held_back(&api));

    let end = {
        update(&mut state, Msg::Action(Action::NextAlertView), Utc::now());
        state
            .alerts
            .silence_list
            .apply_select(SilenceRow::Own(made.id()));
        confirm(&mut state, Action::ExpireSilence, "done")
    };
    execute(&mut state, &executor, &mut results, end).await;
    assert_eq!(silence(&id).await["status"]["state"], "expired");
    for labels in &fired {
        resolve(labels).await;
    }
}
