//! End to end on the Runbook tab: the real binary in tmux (`support::tmux`). A tick with a note
//! survives a restart; a firing container alert opens its procedure in one key and a restart
//! from there is audited against the incident; two consoles on one `[runbook] state_dir` tick
//! at once and both ticks survive. What happened is read back from the files (the runbook log,
//! the audit log) and the Docker engine, not only from the screen.

// Helpers outside `#[test]` functions panic on purpose: a failed expectation fails the test.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod support;

use std::ffi::OsString;
use std::path::Path;
use std::process::Command;
use std::sync::atomic::Ordering;

use serde_json::Value;
use support::TestEnv;
use support::tmux::{SESSIONS, Session, audit_entries, tmux_available};

macro_rules! require_tmux {
    () => {
        if !tmux_available() {
            return;
        }
    };
}

/// The entries of the runbook log in `dir`.
fn runbook_entries(dir: &Path) -> Vec<Value> {
    let Ok(text) = std::fs::read_to_string(dir.join("runbook.json")) else {
        return Vec::new();
    };
    let log: Value = serde_json::from_str(&text).expect("the runbook log is JSON");
    log["entries"].as_array().cloned().unwrap_or_default()
}

/// Quits with `q` and waits for the exit.
fn quit(session: &Session) {
    session.keys(&["q"]);
    session.poll("watchdeck to exit", || {
        let text = std::fs::read_to_string(&session.files.status).ok()?;
        text.trim().strip_prefix("EXIT=").map(str::to_string)
    });
}

/// Opens the Runbook tab, on the daily checklist.
fn daily(session: &Session) -> String {
    session.keys(&["6"]);
    session.wait_for("Daily check")
}

/// Ticks the selected step done with `note`, and waits for the note in its row.
fn tick_with_note(session: &Session, note: &str) {
    session.keys(&["x"]);
    session.wait_for("Done:");
    session.type_text(note);
    session.keys(&["Enter"]);
    session.wait_for_screen(&format!("{note:?} in the list"), |screen| {
        screen.contains(note) && !screen.contains("Done:")
    });
}

#[test]
fn a_tick_with_a_note_is_there_after_a_restart_and_in_the_audit_log() {
    require_tmux!();
    let session = Session::start_in(TestEnv::new(), &[]);
    let screen = daily(&session);
    assert!(screen.contains("daily 0/"), "{screen}");
    tick_with_note(&session, "checked by hand on db-01");
    session.wait_for("daily 1/");
    quit(&session);
    let state_dir = session.env.state_dir();
    let ticks: Vec<Value> = runbook_entries(&state_dir)
        .into_iter()
        .filter(|e| e["type"] == "tick")
        .collect();
    assert_eq!(ticks.len(), 1, "{ticks:?}");
    assert_eq!(ticks[0]["note"], "checked by hand on db-01");
    assert_eq!(ticks[0]["operator"], support::real_user().as_str());
    let audited = audit_entries(&session.env)
        .into_iter()
        .find(|e| e["action"] == "runbook tick done" && e["outcome"] == "ok")
        .expect("the tick in the audit log");
    assert!(
        audited["target"]
            .as_str()
            .unwrap()
            .starts_with("daily step "),
        "{audited}"
    );

    // The same home again, as the operator starting the console the next time.
    let mut session = session;
    let env = std::mem::take(&mut session.env);
    drop(session);
    let session = Session::start_in(env, &[]);
    let screen = daily(&session);
    assert!(screen.contains("checked by hand on db-01"), "{screen}");
    assert!(screen.contains("daily 1/"), "{screen}");
}

#[test]
fn two_consoles_on_one_state_dir_tick_at_once_and_both_ticks_survive() {
    require_tmux!();
    let shared = tempfile::tempdir().unwrap();
    let start = || {
        let env = TestEnv::new();
        let config = env.write(
            "runbook.toml",
            &format!("[runbook]\nstate_dir = {:?}\n", shared.path()),
        );
        Session::start_with(env, &["--config".into(), config.into_os_string()])
    };
    let (first, second) = (start(), start());
    daily(&first);
    daily(&second);
    // Different steps, each dialog open and its note typed, then both confirmed at once.
    second.keys(&["j"]);
    for (session, note) in [(&first, "first console"), (&second, "second console")] {
        session.keys(&["x"]);
        session.wait_for("Done:");
        session.type_text(note);
    }
    first.keys(&["Enter"]);
    second.keys(&["Enter"]);
    // Each sees the other's tick once it reads the shared log again (every 10 s).
    first.wait_for("second console");
    second.wait_for("first console");
    for session in [&first, &second] {
        session.wait_for("daily 2/");
    }
    let notes: Vec<String> = runbook_entries(shared.path())
        .iter()
        .filter(|e| e["type"] == "tick")
        .map(|e| e["note"].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(notes.len(), 2, "{notes:?}");
    assert!(notes.contains(&"first console".to_string()), "{notes:?}");
    assert!(notes.contains(&"second console".to_string()), "{notes:?}");
}

/// A container on the test engine whose health check always fails, removed when the test ends.
struct UnhealthyContainer {
    host: String,
    name: String,
}

impl UnhealthyContainer {
    fn start(host: &str) -> Self {
        let name = format!(
            "wde2e-rb-{}-{}",
            std::process::id(),
            SESSIONS.fetch_add(1, Ordering::Relaxed)
        );
        let output = Command::new("docker")
            .env("DOCKER_HOST", host)
            .args(["run", "-d", "--name", &name, "--network", "none"])
            .args(["--health-cmd", "false", "--health-interval", "1s"])
            .args(["--health-retries", "1", "--health-start-period", "0s"])
            .args([
                "local/busybox:test",
                "sh",
                "-c",
                "trap 'exit 0' TERM; while :; do sleep 1; done",
            ])
            .output()
            .expect("run docker");
        assert!(
            output.status.success(),
            "docker run: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        Self {
            host: host.to_string(),
            name,
        }
    }

    fn started_at(&self) -> String {
        let output = Command::new("docker")
            .env("DOCKER_HOST", &self.host)
            .args(["inspect", "-f", "{{.State.StartedAt}}", &self.name])
            .output()
            .expect("docker inspect");
        String::from_utf8_lossy(&output.stdout).trim().to_string()
    }
}

impl Drop for UnhealthyContainer {
    fn drop(&mut self) {
        let _ = Command::new("docker")
            .env("DOCKER_HOST", &self.host)
            .args(["rm", "-f", &self.name])
            .output();
    }
}

#[test]
fn a_firing_container_alert_opens_its_procedure_and_a_restart_from_it_is_audited_against_the_incident()
 {
    require_tmux!();
    let Some(host) = support::services::service("WATCHDECK_TEST_DOCKER_HOST") else {
        return;
    };
    let container = UnhealthyContainer::start(&host);
    let name = container.name.as_str();
    let args: [OsString; 2] = ["--tab".into(), "alerts".into()];
    let session = Session::start_with(TestEnv::new().with_docker_host(&host), &args);
    session.wait_for(" Alerts ");
    session.keys(&["/"]);
    session.type_text(name);
    session.keys(&["Enter"]);
    session.wait_for_screen(
        "its ContainerUnhealthy alert, alone in the list",
        |screen| {
            screen.contains("ContainerUnhealthy") && screen.contains(&format!("filter \"{name}\""))
        },
    );
    session.keys(&["b"]);
    let screen = session.wait_for("Incident: ContainerUnhealthy");
    assert!(screen.contains("Container unhealthy"), "{screen}");
    assert!(screen.contains(&format!("container={name}")), "{screen}");
    let before = container.started_at();
    // The procedure's restart step: down to it, then its action.
    session.keys(&["j", "j", "j", "a"]);
    session.wait_for("Runbook step: Restart the container");
    session.keys(&["y"]);
    session.wait_for(&format!("restarted {name} on local"));
    assert_ne!(container.started_at(), before, "the engine restarted it");

    let entry = session.poll("the restart's outcome in the audit log", || {
        audit_entries(&session.env)
            .into_iter()
            .find(|e| e["action"] == "container restart" && e["outcome"] == "ok")
    });
    let target = entry["target"].as_str().unwrap();
    assert!(
        target.starts_with(&format!("container {name} ("))
            && target.contains("runbook container-unhealthy")
            && target.contains("for incident ContainerUnhealthy{")
            && target.contains(name),
        "{entry}"
    );
    let action = session.poll("the restart in the runbook log", || {
        runbook_entries(&session.env.state_dir())
            .into_iter()
            .find(|e| e["type"] == "action")
    });
    assert_eq!(action["action"], "container restart", "{action}");
    assert_eq!(action["outcome"], "ok", "{action}");
    assert_eq!(
        action["scope"]["incident"]["alert"]["rule"], "ContainerUnhealthy",
        "{action}"
    );
}
