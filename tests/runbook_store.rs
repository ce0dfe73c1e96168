//! The runbook log on disk: consoles sharing a `state_dir` ticking at the same moment each keep
//! their ticks (lock, read, merge, write), and a writer killed with SIGKILL in the middle of a
//! write leaves a file that reads, with everything written before.

#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use watchdeck::runbook::log::{Entry, EntryKind, Scope, StepState};
use watchdeck::runbook::store::Store;

const CHILD_DIR: &str = "WATCHDECK_TEST_RUNBOOK_DIR";

fn at(n: u64) -> DateTime<Utc> {
    DateTime::<Utc>::UNIX_EPOCH
        + chrono::Duration::days(20_000)
        + chrono::Duration::seconds(n as i64)
}

fn tick(who: &str, step: &str, n: u64) -> Entry {
    Entry::new(
        at(n),
        who,
        EntryKind::Tick {
            runbook: "daily".into(),
            step: step.into(),
            scope: Scope::Period("2026-12-07".into()),
            state: StepState::Done,
            note: format!(
                "tick {n} by {who}, with a note long enough to make each write take a while"
            ),
        },
    )
}

#[test]
fn consoles_ticking_different_steps_at_the_same_moment_all_keep_their_ticks() {
    let dir = tempfile::tempdir().unwrap();
    let consoles = 4;
    let rounds = 25;
    let start = Arc::new(Barrier::new(consoles));
    let threads: Vec<_> = (0..consoles)
        .map(|c| {
            let store = Store::in_dir(dir.path());
            let start = Arc::clone(&start);
            std::thread::spawn(move || {
                start.wait();
                for n in 0..rounds {
                    let who = format!("console-{c}");
                    store
                        .record(&[tick(&who, &format!("step-{c}"), n)], at(n))
                        .unwrap();
                }
            })
        })
        .collect();
    for thread in threads {
        thread.join().unwrap();
    }
    let log = Store::in_dir(dir.path()).read().unwrap();
    assert_eq!(
        log.entries().len(),
        consoles * rounds as usize,
        "a tick was lost"
    );
    for c in 0..consoles {
        let scope = Scope::Period("2026-12-07".into());
        let (entry, _) = log.tick("daily", &format!("step-{c}"), &scope).unwrap();
        assert_eq!(entry.operator, format!("console-{c}"));
        assert_eq!(
            log.history("daily", &format!("step-{c}"), &scope).len(),
            rounds as usize
        );
    }
}

/// Run as a child process by the kill test: writes ticks until killed.
#[test]
#[ignore = "a helper the kill test runs as a child process"]
fn writer_child() {
    let Some(dir) = std::env::var_os(CHILD_DIR) else {
        return;
    };
    let store = Store::in_dir(Path::new(&dir));
    let who = format!("writer-{}", std::process::id());
    for n in 0.. {
        store.record(&[tick(&who, "disk", n)], at(n)).unwrap();
    }
}

fn spawn_writer(dir: &Path) -> Child {
    Command::new(std::env::current_exe().unwrap())
        .args(["writer_child", "--exact", "--ignored", "--test-threads=1"])
        .env(CHILD_DIR, dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

#[test]
fn a_writer_killed_mid_write_leaves_the_old_file_readable() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::in_dir(dir.path());
    let mut seen = 0;
    for round in 0..5 {
        let mut child = spawn_writer(dir.path());
        // Kill it once it has written more than before: somewhere in a write, most likely,
        // as writing is all it does.
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let count = store.read().map(|log| log.entries().len()).unwrap_or(0);
            if count > seen + 20 {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "round {round}: the writer wrote nothing"
            );
            std::thread::sleep(Duration::from_millis(5));
        }
        child.kill().unwrap();
        child.wait().unwrap();
        let log = store
            .read()
            .unwrap_or_else(|e| panic!("round {round}: unreadable after SIGKILL: {e}"));
        assert!(
            log.entries().len() > seen,
            "round {round}: entries were lost"
        );
        seen = log.entries().len();
    }
    // The lock died with the writer: a new write goes through.
    store.record(&[tick("after", "logs", 0)], at(0)).unwrap();
    assert_eq!(store.read().unwrap().entries().len(), seen + 1);
}

#[test]
fn an_unreadable_log_is_moved_aside_and_a_new_one_written() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::in_dir(dir.path());
    std::fs::write(store.path(), b"{ torn").unwrap();
    let recorded = store.record(&[tick("alice", "disk", 1)], at(1)).unwrap();
    let set_aside = recorded.set_aside.expect("the torn file was set aside");
    assert_eq!(
        std::fs::read(set_aside.moved_to.unwrap()).unwrap(),
        b"{ torn"
    );
    assert_eq!(store.read().unwrap().entries().len(), 1);
}
