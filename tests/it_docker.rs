#![allow(clippy::expect_used, clippy::unwrap_used)] // a failed expectation is the test failing
//! The Docker source against a real engine (the one `scripts/services-up.sh` starts). Fixtures are
//! made, and results checked, with the `docker` CLI, independently of the code under test. Every
//! container runs with `--network none`, has a `wdtest-<pid>-<n>-` name, and is removed by a
//! guard even when the test fails. Under `CI=true` a missing engine fails; run alone without it,
//! each test says what to start and passes.

mod support;

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use support::services::service;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use watchdeck::collect::docker::{self, DockerSource, FollowOptions, MAX_LOG_LINE_BYTES};
use watchdeck::collect::{Collector, Schedule, supervise};
use watchdeck::model::containers::{
    ContainerAction, ContainerInfo, ContainerState, EngineSnapshot, Health, LogEvent, LogLine,
    LogStream,
};

const IMAGE: &str = "local/busybox:test";
/// PID 1 that stops at once on SIGTERM (busybox `sleep` as PID 1 ignores it, and `docker stop`
/// would wait its full 10 s).
const STOPPABLE: &[&str] = &[
    "sh",
    "-c",
    "trap 'exit 0' TERM; while :; do sleep 0.1; done",
];

/// The engine's address, or `None` (with a note) when the services are not started outside CI.
fn engine() -> Option<Engine> {
    service("WATCHDECK_TEST_DOCKER_HOST").map(|host| Engine { host })
}

/// The test engine through the `docker` CLI.
struct Engine {
    host: String,
}

impl Engine {
    fn cli(&self, args: &[&str]) -> Output {
        Command::new("docker")
            .args(args)
            .env("DOCKER_HOST", &self.host)
            .stdin(Stdio::null())
            .output()
            .expect("run the docker CLI")
    }

    fn ok(&self, args: &[&str]) -> String {
        support::docker::docker(&self.host, args)
    }

    fn inspect(&self, name: &str, format: &str) -> String {
        self.ok(&["inspect", "-f", format, name])
    }

    fn containers(&self) -> Containers<'_> {
        Containers {
            engine: self,
            names: Vec::new(),
        }
    }
}

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// Containers one test made; removed when it ends, passed or failed.
struct Containers<'a> {
    engine: &'a Engine,
    names: Vec<String>,
}

impl Containers<'_> {
    fn name(&mut self, tag: &str) -> String {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let name = format!("wdtest-{}-{n}-{tag}", std::process::id());
        self.names.push(name.clone());
        name
    }

    /// `docker <verb> --network none --name … <options> IMAGE <command>`; returns the name.
    fn make(&mut self, verb: &[&str], tag: &str, options: &[&str], command: &[&str]) -> String {
        let name = self.name(tag);
        let mut args: Vec<&str> = verb.to_vec();
        args.extend(["--network", "none", "--name", &name]);
        args.extend(options);
        args.push(IMAGE);
        args.extend(command);
        self.engine.ok(&args);
        name
    }

    fn run(&mut self, tag: &str, options: &[&str], command: &[&str]) -> String {
        self.make(&["run", "-d"], tag, options, command)
    }

    fn create(&mut self, tag: &str, options: &[&str], command: &[&str]) -> String {
        self.make(&["create"], tag, options, command)
    }
}

impl Drop for Containers<'_> {
    fn drop(&mut self) {
        if self.names.is_empty() {
            return;
        }
        let mut args = vec!["rm", "-f"];
        args.extend(self.names.iter().map(String::as_str));
        let output = self.engine.cli(&args);
        if !output.status.success() && !std::thread::panicking() {
            panic!("docker rm -f: {}", String::from_utf8_lossy(&output.stderr));
        }
    }
}

fn find<'a>(snapshot: &'a EngineSnapshot, name: &str) -> Option<&'a ContainerInfo> {
    snapshot.containers.iter().find(|c| c.name == name)
}

/// Polls until `ready` holds, failing after `within`.
async fn poll_until(
    source: &mut DockerSource,
    within: Duration,
    what: &str,
    ready: impl Fn(&EngineSnapshot) -> bool,
) -> EngineSnapshot {
    let deadline = Instant::now() + within;
    loop {
        let snapshot = source.poll().await.expect("poll");
        if ready(&snapshot) {
            return snapshot;
        }
        assert!(
            Instant::now() < deadline,
            "no poll within {within:?} showed {what}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Waits (blocking) until `ready` holds, failing after `within`.
fn wait_for(within: Duration, what: &str, mut ready: impl FnMut() -> bool) {
    let deadline = Instant::now() + within;
    while !ready() {
        assert!(
            Instant::now() < deadline,
            "{what} did not happen within {within:?}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn state_of(snapshot: &EngineSnapshot, name: &str) -> Option<ContainerState> {
    find(snapshot, name).map(|c| c.state)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn new_containers_appear_with_their_state() {
    let Some(engine) = engine() else { return };
    let mut made = engine.containers();
    let running = made.run("running", &[], &["sleep", "300"]);
    let created = made.create("created", &[], &["sleep", "300"]);
    let paused = made.run("paused", &[], &["sleep", "300"]);
    engine.ok(&["pause", &paused]);

    let mut source = DockerSource::new("test", &engine.host);
    let first = source.poll().await.expect("first poll");
    assert!(
        find(&first, &running).is_some_and(|c| c.stats.is_none()),
        "the first poll lists at once, without waiting for stats"
    );
    let snapshot = poll_until(
        &mut source,
        Duration::from_secs(10),
        "the three states",
        |s| {
            state_of(s, &running) == Some(ContainerState::Running)
                && state_of(s, &created) == Some(ContainerState::Created)
                && state_of(s, &paused) == Some(ContainerState::Paused)
                && find(s, &running).is_some_and(|c| c.stats.is_some())
        },
    )
    .await;
    assert_eq!(snapshot.engine, "test");
    assert!(!snapshot.version.is_empty());
    let names: Vec<&str> = snapshot
        .containers
        .iter()
        .map(|c| c.name.as_str())
        .collect();
    assert!(names.is_sorted(), "{names:?}");
    let info = find(&snapshot, &running).unwrap();
    assert_eq!(info.id, engine.inspect(&running, "{{.Id}}"));
    assert_eq!(info.image, IMAGE);
    assert_eq!(info.networks, ["none"]);
    assert!(info.started_at.is_some() && info.created.is_some());
    assert_eq!(info.finished_at, None);
    let stats = info.stats.expect("a running container has stats");
    assert_eq!((stats.net_rx_bytes, stats.net_tx_bytes), (0, 0));
    assert_eq!(stats.memory_limit, 0, "no -m: unlimited");
    let never_started = find(&snapshot, &created).unwrap();
    assert_eq!(never_started.started_at, None);
    assert_eq!(never_started.stats, None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_exited_container_shows_its_exit_code() {
    let Some(engine) = engine() else { return };
    let mut made = engine.containers();
    let name = made.create("exit3", &[], &["sh", "-c", "exit 3"]);
    // `docker start -a` waits for the end and returns its code.
    let output = engine.cli(&["start", "-a", &name]);
    assert_eq!(output.status.code(), Some(3));

    let mut source = DockerSource::new("test", &engine.host);
    let snapshot = source.poll().await.expect("poll");
    let info = find(&snapshot, &name).expect("the exited container");
    assert_eq!(info.state, ContainerState::Exited { code: 3 });
    assert_eq!(info.state.label(), "exited (3)");
    assert!(info.finished_at.is_some() && info.started_at.is_some());
    // No order between the two: under load the engine can record a short-lived container's
    // start after its exit.
    assert_eq!(info.stats, None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unhealthy_container_shows_its_health_log() {
    let Some(engine) = engine() else { return };
    let mut made = engine.containers();
    let name = made.run(
        "unhealthy",
        &[
            "--health-cmd",
            "echo probe failed; exit 1",
            "--health-interval",
            "1s",
            "--health-retries",
            "1",
        ],
        &["sleep", "300"],
    );
    let mut source = DockerSource::new("test", &engine.host);
    let first = source.poll().await.expect("poll");
    assert!(find(&first, &name).is_some());

    wait_for(
        Duration::from_secs(30),
        "the engine marking it unhealthy",
        || engine.inspect(&name, "{{.State.Health.Status}}") == "unhealthy",
    );
    let snapshot = poll_until(&mut source, Duration::from_secs(10), "unhealthy", |s| {
        find(s, &name)
            .is_some_and(|c| c.health == Some(Health::Unhealthy) && !c.health_log.is_empty())
    })
    .await;
    let info = find(&snapshot, &name).unwrap();
    let check = info.health_log.last().unwrap();
    assert_eq!(check.exit_code, 1);
    assert_eq!(check.output, "probe failed");
    assert!(check.at.is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn labels_env_command_and_mounts_come_through() {
    let Some(engine) = engine() else { return };
    let data = tempfile::tempdir().expect("temp dir");
    let bind = format!("{}:/data:ro", data.path().display());
    let mut made = engine.containers();
    let name = made.run(
        "labelled",
        &[
            "--label",
            "team=ops",
            "--label",
            "com.docker.compose.project=shop",
            "-e",
            "API_TOKEN=s3cr3t",
            "-e",
            "GREETING=hello world",
            "-v",
            &bind,
        ],
        &["sh", "-c", "sleep 300"],
    );
    let mut source = DockerSource::new("test", &engine.host);
    let snapshot = source.poll().await.expect("poll");
    let info = find(&snapshot, &name).expect("the container");
    assert_eq!(info.labels.get("team").map(String::as_str), Some("ops"));
    assert_eq!(info.compose_project(), Some("shop"));
    assert!(!info.protected_by_label());
    assert!(
        info.env.contains(&("API_TOKEN".into(), "s3cr3t".into())),
        "{:?}",
        info.env
    );
    assert!(
        info.env
            .contains(&("GREETING".into(), "hello world".into()))
    );
    assert_eq!(info.command, "sh -c 'sleep 300'");
    assert_eq!(
        info.mounts,
        [format!("{} -> /data (ro)", data.path().display())]
    );
    assert!(info.ports.is_empty());
    assert_eq!(info.restart_count, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_busy_container_shows_cpu_memory_and_its_limit() {
    let Some(engine) = engine() else { return };
    let mut made = engine.containers();
    let name = made.run("busy", &["-m", "64m"], &["sh", "-c", "while :; do :; done"]);
    assert_eq!(engine.inspect(&name, "{{.HostConfig.Memory}}"), "67108864");

    let mut source = DockerSource::new("test", &engine.host);
    let listed = source.poll().await.expect("first poll");
    assert!(
        find(&listed, &name).is_some_and(|c| c.stats.is_none()),
        "listed before any stats"
    );
    let first = source.poll().await.expect("second poll");
    let stats = find(&first, &name).and_then(|c| c.stats).expect("stats");
    assert_eq!(
        stats.cpu_percent, 0.0,
        "the first sample has nothing to compare with"
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    let second = source.poll().await.expect("second poll");
    let stats = find(&second, &name).and_then(|c| c.stats).expect("stats");
    // One core spinning: about 100 %, never more than the machine has.
    assert!(stats.cpu_percent > 10.0, "{stats:?}");
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    assert!(stats.cpu_percent <= 100.0 * cores as f64 + 5.0, "{stats:?}");
    assert!(stats.memory_used > 0, "{stats:?}");
    assert_eq!(stats.memory_limit, 64 * 1024 * 1024);
    assert!(stats.memory_percent().is_some_and(|p| p > 0.0 && p < 100.0));
    assert_eq!((stats.net_rx_bytes, stats.net_tx_bytes), (0, 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn actions_do_what_they_say() {
    let Some(engine) = engine() else { return };
    let mut made = engine.containers();
    let name = made.run("actions", &[], STOPPABLE);
    let id = engine.inspect(&name, "{{.Id}}");
    let docker = docker::connect(&engine.host, None).expect("connect");
    let status = || engine.inspect(&name, "{{.State.Status}}");

    let started = engine.inspect(&name, "{{.State.StartedAt}}");
    let summary = docker::run_action(&docker, &id, ContainerAction::Restart).await;
    assert_eq!(summary, Ok(format!("restarted {id}")));
    assert_ne!(engine.inspect(&name, "{{.State.StartedAt}}"), started);
    assert_eq!(status(), "running");

    assert!(
        docker::run_action(&docker, &id, ContainerAction::Stop)
            .await
            .is_ok()
    );
    assert_eq!(status(), "exited");
    assert!(
        docker::run_action(&docker, &id, ContainerAction::Start)
            .await
            .is_ok()
    );
    assert_eq!(status(), "running");
    assert!(
        docker::run_action(&docker, &id, ContainerAction::Pause)
            .await
            .is_ok()
    );
    assert_eq!(status(), "paused");
    assert!(
        docker::run_action(&docker, &id, ContainerAction::Unpause)
            .await
            .is_ok()
    );
    assert_eq!(status(), "running");

    let error = docker::run_action(&docker, &id, ContainerAction::Unpause)
        .await
        .expect_err("not paused");
    assert!(error.contains("is not paused"), "{error}");
    assert!(!error.contains("DockerResponseServerError") && !error.contains("status_code"));

    assert_eq!(
        docker::run_action(&docker, &id, ContainerAction::Kill).await,
        Ok(format!("killed {id}"))
    );
    wait_for(Duration::from_secs(5), "the kill", || status() == "exited");
    assert_eq!(engine.inspect(&name, "{{.State.ExitCode}}"), "137");

    let error = docker::run_action(&docker, "wdtest-no-such-container", ContainerAction::Start)
        .await
        .expect_err("missing container");
    assert!(error.contains("No such container"), "{error}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_event_shows_on_the_next_poll_without_a_resync() {
    let Some(engine) = engine() else { return };
    let mut made = engine.containers();
    let name = made.run("evented", &[], STOPPABLE);
    let mut source = DockerSource::new("test", &engine.host);
    poll_until(
        &mut source,
        Duration::from_secs(10),
        "the running container",
        |s| state_of(s, &name) == Some(ContainerState::Running),
    )
    .await;
    let before = source.counters();

    let stopped = Instant::now();
    engine.ok(&["stop", &name]);
    let snapshot = poll_until(&mut source, Duration::from_secs(5), "the stop", |s| {
        matches!(state_of(s, &name), Some(ContainerState::Exited { .. }))
    })
    .await;
    assert!(stopped.elapsed() < docker::RESYNC_EVERY);
    assert_eq!(
        state_of(&snapshot, &name),
        Some(ContainerState::Exited { code: 0 })
    );
    let after = source.counters();
    assert_eq!(
        after.lists, before.lists,
        "seen through events, not a new list"
    );
    assert!(after.inspects > before.inspects);
}

/// Starts `follow_logs` in a task; its events arrive on the returned receiver.
fn start_follow(
    engine: &Engine,
    name: &str,
    tail: usize,
    give_up_after: Duration,
) -> (
    mpsc::Receiver<LogEvent>,
    CancellationToken,
    tokio::task::JoinHandle<()>,
) {
    let docker = docker::connect(&engine.host, None).expect("connect");
    let (sender, receiver) = mpsc::channel(64);
    let cancel = CancellationToken::new();
    let options = FollowOptions {
        tail,
        give_up_after,
    };
    let task = tokio::spawn(docker::follow_logs(
        docker,
        name.to_string(),
        options,
        sender,
        |event| event,
        cancel.clone(),
    ));
    (receiver, cancel, task)
}

/// Events until `done` holds for what arrived, failing after `within`.
async fn events_until(
    receiver: &mut mpsc::Receiver<LogEvent>,
    within: Duration,
    events: &mut Vec<LogEvent>,
    done: impl Fn(&[LogEvent]) -> bool,
) {
    let deadline = tokio::time::Instant::now() + within;
    while !done(events) {
        match tokio::time::timeout_at(deadline, receiver.recv()).await {
            Ok(Some(event)) => events.push(event),
            Ok(None) => panic!("the follow ended: {}", summary(events)),
            Err(_) => panic!("not within {within:?}: {}", summary(events)),
        }
    }
}

/// The events with lines counted, for failure messages.
fn summary(events: &[LogEvent]) -> String {
    events
        .iter()
        .map(|event| match event {
            LogEvent::Lines(lines) => {
                let texts: Vec<&str> = lines.iter().map(|l| l.text.as_str()).collect();
                format!("{texts:?}")
            }
            other => format!("{other:?}"),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn lines_of(events: &[LogEvent]) -> Vec<&LogLine> {
    events
        .iter()
        .flat_map(|event| match event {
            LogEvent::Lines(lines) => lines.iter().collect(),
            _ => Vec::new(),
        })
        .collect()
}

fn tick(line: &LogLine) -> Option<u32> {
    line.text.strip_prefix("tick ")?.parse().ok()
}

/// Counts `tick 1`, `tick 2` … every 0.2 s, and stops at once on SIGTERM.
const TICKING: &[&str] = &[
    "sh",
    "-c",
    "trap 'exit 0' TERM; i=0; while :; do i=$((i+1)); echo tick $i; sleep 0.2; done",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logs_tail_then_follow_and_stop_when_cancelled() {
    let Some(engine) = engine() else { return };
    let mut made = engine.containers();
    let name = made.run(
        "logs",
        &[],
        &[
            "sh",
            "-c",
            "echo out; echo err >&2; i=0; while :; do i=$((i+1)); echo tick $i; sleep 0.2; done",
        ],
    );
    let logged_ticks = || {
        let output = engine.cli(&["logs", &name]);
        String::from_utf8_lossy(&output.stdout)
            .lines()
            .filter_map(|l| l.strip_prefix("tick ")?.parse::<u32>().ok())
            .max()
            .unwrap_or(0)
    };
    wait_for(Duration::from_secs(10), "three ticks", || {
        logged_ticks() >= 3
    });
    let already = logged_ticks();

    let (mut receiver, cancel, task) =
        start_follow(&engine, &name, 1000, docker::LOG_GIVE_UP_AFTER);
    let mut lines: Vec<LogLine> = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while !lines.iter().filter_map(tick).any(|t| t > already + 2) {
        let event = tokio::time::timeout_at(deadline, receiver.recv())
            .await
            .expect("new lines within 10 s")
            .expect("the follower is still sending");
        let LogEvent::Lines(batch) = event else {
            panic!("only lines from a running container: {event:?}");
        };
        assert!(!batch.is_empty() && batch.len() <= 256);
        lines.extend(batch);
    }
    // The tail starts at the beginning. Stdout and stderr are copied separately, so only the
    // order within each stream is fixed.
    let first_of = |stream: LogStream| {
        lines
            .iter()
            .find(|l| l.stream == stream)
            .map(|l| l.text.as_str())
    };
    assert_eq!(first_of(LogStream::Stdout), Some("out"), "{lines:?}");
    assert_eq!(first_of(LogStream::Stderr), Some("err"), "{lines:?}");
    assert!(
        lines
            .iter()
            .filter(|l| l.text.starts_with("tick"))
            .all(|l| l.stream == LogStream::Stdout)
    );
    for line in &lines {
        assert!(line.timestamp.is_some(), "{line:?}");
        assert!(
            !line.text.ends_with('\n') && !line.text.starts_with("20"),
            "{line:?}"
        );
    }
    // Nothing lost or repeated between the tail and what followed.
    let ticks: Vec<u32> = lines.iter().filter_map(tick).collect();
    assert_eq!(ticks, (1..=ticks.len() as u32).collect::<Vec<_>>());
    let times: Vec<_> = lines
        .iter()
        .filter(|l| l.stream == LogStream::Stdout)
        .map(|l| l.timestamp)
        .collect();
    assert!(times.is_sorted());

    cancel.cancel();
    tokio::time::timeout(Duration::from_secs(2), task)
        .await
        .expect("the follower stops when cancelled")
        .expect("no panic");

    // A follower whose receiver is gone stops by itself.
    let (receiver, _cancel, task) = start_follow(&engine, &name, 5, docker::LOG_GIVE_UP_AFTER);
    drop(receiver);
    tokio::time::timeout(Duration::from_secs(2), task)
        .await
        .expect("the follower stops when nobody listens")
        .expect("no panic");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_follow_goes_on_across_a_restart_after_a_marker() {
    let Some(engine) = engine() else { return };
    let mut made = engine.containers();
    let name = made.run("restart", &[], TICKING);
    let id = engine.inspect(&name, "{{.Id}}");
    let (mut receiver, cancel, _task) =
        start_follow(&engine, &name, 100, docker::LOG_GIVE_UP_AFTER);
    let mut events = Vec::new();
    events_until(&mut receiver, Duration::from_secs(10), &mut events, |e| {
        lines_of(e).iter().filter_map(|l| tick(l)).any(|t| t >= 3)
    })
    .await;

    let docker = docker::connect(&engine.host, None).expect("connect");
    docker::run_action(&docker, &id, ContainerAction::Restart)
        .await
        .expect("restart");
    let restarted_at = docker::parse_time(&engine.inspect(&name, "{{.State.StartedAt}}"));
    let marker = |e: &LogEvent| {
        matches!(
            e,
            LogEvent::Resumed {
                restarted: true,
                ..
            }
        )
    };
    events_until(&mut receiver, Duration::from_secs(15), &mut events, |e| {
        e.iter().position(marker).is_some_and(|at| {
            lines_of(&e[at..])
                .iter()
                .filter_map(|l| tick(l))
                .any(|t| t >= 3)
        })
    })
    .await;
    cancel.cancel();

    let at = events.iter().position(marker).expect("the restart marker");
    assert_eq!(
        events[at],
        LogEvent::Resumed {
            at: restarted_at.expect("a start time"),
            restarted: true
        },
        "the marker carries the new run's start"
    );
    assert!(
        !events.iter().any(|e| matches!(e, LogEvent::Ended(_))),
        "{}",
        summary(&events)
    );
    let ticks = |lines: Vec<&LogLine>| lines.into_iter().filter_map(tick).collect::<Vec<u32>>();
    let old_run = ticks(lines_of(&events[..at]));
    let new_run = ticks(lines_of(&events[at..]));
    assert_eq!(old_run, (1..=old_run.len() as u32).collect::<Vec<_>>());
    assert_eq!(
        new_run,
        (1..=new_run.len() as u32).collect::<Vec<_>>(),
        "the new run from its first line, with no line of the old run again"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_removed_container_ends_the_follow() {
    let Some(engine) = engine() else { return };
    let mut made = engine.containers();
    let name = made.run("removed", &[], TICKING);
    let (mut receiver, _cancel, task) =
        start_follow(&engine, &name, 100, docker::LOG_GIVE_UP_AFTER);
    let mut events = Vec::new();
    events_until(&mut receiver, Duration::from_secs(10), &mut events, |e| {
        !lines_of(e).is_empty()
    })
    .await;
    engine.ok(&["rm", "-f", &name]);
    events_until(&mut receiver, Duration::from_secs(10), &mut events, |e| {
        e.iter().any(|e| matches!(e, LogEvent::Ended(_)))
    })
    .await;
    assert_eq!(
        events.last(),
        Some(&LogEvent::Ended("container removed".into())),
        "{}",
        summary(&events)
    );
    tokio::time::timeout(Duration::from_secs(2), task)
        .await
        .expect("the follower ends with the container")
        .expect("no panic");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_huge_log_line_is_cut_and_a_stopped_container_is_waited_for_then_given_up() {
    let Some(engine) = engine() else { return };
    let mut made = engine.containers();
    // 2^16 x's on one line: the engine stores it as four 16 KiB chunks.
    let name = made.create(
        "huge",
        &[],
        &[
            "sh",
            "-c",
            "s=x; i=0; while [ $i -lt 16 ]; do s=$s$s; i=$((i+1)); done; echo $s; echo after",
        ],
    );
    assert!(engine.cli(&["start", "-a", &name]).status.success());

    let (mut receiver, _cancel, task) = start_follow(&engine, &name, 10, Duration::from_secs(1));
    let mut events = Vec::new();
    let ended = tokio::time::timeout(Duration::from_secs(10), async {
        while let Some(event) = receiver.recv().await {
            events.push(event);
        }
    })
    .await;
    assert!(
        ended.is_ok(),
        "the follow of a stopped container gives up: {}",
        summary(&events)
    );
    task.await.expect("no panic");
    let texts: Vec<&str> = lines_of(&events).iter().map(|l| l.text.as_str()).collect();
    assert_eq!(
        texts.len(),
        2,
        "{:?}",
        texts.iter().map(|t| t.len()).collect::<Vec<_>>()
    );
    let cut = 65_536 - MAX_LOG_LINE_BYTES;
    assert_eq!(
        texts[0],
        format!("{} … ({cut} bytes cut)", "x".repeat(MAX_LOG_LINE_BYTES))
    );
    assert_eq!(texts[1], "after");
    let said: Vec<&LogEvent> = events
        .iter()
        .filter(|e| !matches!(e, LogEvent::Lines(_)))
        .collect();
    assert_eq!(
        said,
        [
            &LogEvent::Waiting("container exited (0)".into()),
            &LogEvent::Ended("container exited (0), not started again within 1s".into())
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_log_of_a_missing_container_says_why_it_ended() {
    let Some(engine) = engine() else { return };
    let (mut receiver, _cancel, task) = start_follow(
        &engine,
        "wdtest-no-such-container",
        10,
        docker::LOG_GIVE_UP_AFTER,
    );
    let event = tokio::time::timeout(Duration::from_secs(5), receiver.recv())
        .await
        .expect("an answer within 5 s");
    assert_eq!(event, Some(LogEvent::Ended("container removed".into())));
    tokio::time::timeout(Duration::from_secs(2), task)
        .await
        .expect("the follower ends")
        .expect("no panic");
}

#[tokio::test]
async fn an_unreachable_engine_fails_fast_naming_the_socket() {
    let mut source = DockerSource::new("gone", "unix:///nonexistent/docker.sock");
    let started = Instant::now();
    let error = tokio::time::timeout(Duration::from_secs(2), source.poll())
        .await
        .expect("an answer within 2 s")
        .expect_err("nothing listens there");
    assert!(started.elapsed() < Duration::from_secs(2));
    assert!(
        error.message.contains("/nonexistent/docker.sock"),
        "{error}"
    );
    assert!(
        error.message.contains("No such file or directory"),
        "{error}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_engine_that_accepts_and_never_answers_is_down_within_seconds() {
    let dir = tempfile::Builder::new()
        .prefix("wdtest-mute-")
        .tempdir_in("/tmp")
        .expect("temp dir");
    let path = dir.path().join("sock");
    let listener = tokio::net::UnixListener::bind(&path).expect("listen");
    // Accepts every connection and holds it open without answering a byte.
    let mute = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((stream, _)) = listener.accept().await {
            held.push(stream);
        }
    });
    let host = format!("unix://{}", path.display());
    // The app's budget for an engine's poll: long enough for a first inspect of hundreds.
    let schedule = Schedule {
        every: Duration::from_secs(1),
        timeout: Duration::from_secs(30),
        max_backoff: Duration::from_secs(60),
    };
    let (sender, mut receiver) = mpsc::channel(4);
    let cancel = CancellationToken::new();
    tokio::spawn(supervise(
        DockerSource::new("mute", &host),
        schedule,
        sender,
        |report| report,
        cancel.clone(),
    ));
    let report = tokio::time::timeout(Duration::from_secs(6), receiver.recv())
        .await
        .expect("a report within a few seconds, not the 30 s poll budget")
        .expect("a report");
    let failure = report.result.expect_err("the engine is down");
    assert_eq!(
        failure.error,
        format!("Docker at {host} accepted the connection but did not answer within 3s")
    );
    cancel.cancel();
    mute.abort();
}

/// A second dockerd of our own, so stopping it disturbs no other test.
struct OwnEngine {
    dir: Option<tempfile::TempDir>,
    child: Option<Child>,
}

impl OwnEngine {
    fn new() -> Self {
        // Short path: a unix socket path must fit in 108 bytes.
        let dir = tempfile::Builder::new()
            .prefix("wdtest-dockerd-")
            .tempdir_in("/tmp")
            .expect("temp dir");
        Self {
            dir: Some(dir),
            child: None,
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.as_ref().expect("dir").path().join(name)
    }

    fn host(&self) -> String {
        format!("unix://{}", self.path("sock").display())
    }

    fn start(&mut self) {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.path("log"))
            .expect("log file");
        let child = Command::new("dockerd")
            .arg("--host")
            .arg(self.host())
            .arg("--data-root")
            .arg(self.path("root"))
            .arg("--exec-root")
            .arg(self.path("exec"))
            .arg("--pidfile")
            .arg(self.path("pid"))
            .args([
                "--storage-driver",
                "overlay2",
                "--bridge",
                "none",
                "--iptables=false",
                "--ip6tables=false",
                "--ip-masq=false",
                "--ip-forward=false",
            ])
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log file"))
            .stderr(log)
            .spawn()
            .expect("start dockerd");
        self.child = Some(child);
        let socket = self.path("sock");
        wait_for(Duration::from_secs(20), "dockerd answering /_ping", || {
            if let Some(Ok(Some(status))) = self.child.as_mut().map(Child::try_wait) {
                panic!(
                    "dockerd exited with {status}: see {}",
                    self.path("log").display()
                );
            }
            ping(&socket)
        });
    }

    /// SIGTERM, then wait for it to exit (its containerd goes with it).
    fn stop(&mut self) {
        let Some(mut child) = self.child.take() else {
            return;
        };
        let pid = nix::unistd::Pid::from_raw(child.id() as i32);
        let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM);
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok(Some(_)) = child.try_wait() {
                break;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for OwnEngine {
    fn drop(&mut self) {
        self.stop();
        let Some(dir) = self.dir.take() else { return };
        let root = dir.path().to_path_buf();
        // Anything our dockerd left running (its containerd) holds files here: end it by PID.
        for pid in processes_mentioning(&root) {
            let _ = nix::sys::signal::kill(
                nix::unistd::Pid::from_raw(pid),
                nix::sys::signal::Signal::SIGKILL,
            );
        }
        // Mounts left under the exec root (network namespaces, overlays) block the removal.
        let mounts = std::fs::read_to_string("/proc/self/mounts").unwrap_or_default();
        let mut points: Vec<&str> = mounts
            .lines()
            .filter_map(|l| l.split_whitespace().nth(1))
            .filter(|p| Path::new(p).starts_with(&root))
            .collect();
        points.sort_by_key(|p| std::cmp::Reverse(p.len()));
        for point in points {
            let _ = Command::new("umount").arg("-l").arg(point).status();
        }
        if let Err(error) = dir.close() {
            eprintln!("could not remove {}: {error}", root.display());
        }
    }
}

fn ping(socket: &Path) -> bool {
    let Ok(mut stream) = UnixStream::connect(socket) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    if stream
        .write_all(b"GET /_ping HTTP/1.0\r\nHost: docker\r\n\r\n")
        .is_err()
    {
        return false;
    }
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    answer.starts_with("HTTP/1.0 200") || answer.starts_with("HTTP/1.1 200")
}

fn processes_mentioning(dir: &Path) -> Vec<i32> {
    let needle = dir.to_string_lossy().into_owned();
    std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let pid: i32 = entry.file_name().to_str()?.parse().ok()?;
            let cmdline = std::fs::read(entry.path().join("cmdline")).ok()?;
            String::from_utf8_lossy(&cmdline)
                .contains(&needle)
                .then_some(pid)
        })
        .filter(|pid| *pid != std::process::id() as i32)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_source_recovers_when_its_engine_restarts() {
    // Needs the engine's binaries and root, like the shared engine does.
    if engine().is_none() {
        return;
    }
    let mut own = OwnEngine::new();
    own.start();
    let host = own.host();
    let mut source = DockerSource::new("own", &host);
    let snapshot = source.poll().await.expect("first poll");
    assert!(snapshot.containers.is_empty());
    assert!(!snapshot.version.is_empty());

    own.stop();
    let error = tokio::time::timeout(Duration::from_secs(5), source.poll())
        .await
        .expect("an answer within 5 s")
        .expect_err("the engine is down");
    assert!(
        error
            .message
            .starts_with(&format!("cannot reach Docker at {host}: ")),
        "{error}"
    );

    own.start();
    let snapshot = tokio::time::timeout(Duration::from_secs(10), source.poll())
        .await
        .expect("an answer within 10 s")
        .expect("the same source works again");
    assert_eq!(snapshot.engine, "own");
    assert!(source.counters().lists >= 2, "the return was listed again");
    own.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_follow_waits_for_its_engine_and_goes_on_when_it_is_back() {
    let Some(shared) = engine() else { return };
    let mut own = OwnEngine::new();
    own.start();
    let own_engine = Engine { host: own.host() };
    let image = shared.cli(&["save", IMAGE]);
    assert!(image.status.success(), "docker save {IMAGE}");
    let mut load = Command::new("docker")
        .arg("load")
        .env("DOCKER_HOST", &own_engine.host)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("docker load");
    load.stdin
        .take()
        .expect("stdin")
        .write_all(&image.stdout)
        .expect("the image");
    assert!(load.wait().expect("docker load").success());

    let mut made = own_engine.containers();
    let name = made.run("engine-restart", &["--restart", "always"], TICKING);
    let (mut receiver, cancel, _task) =
        start_follow(&own_engine, &name, 100, docker::LOG_GIVE_UP_AFTER);
    let mut events = Vec::new();
    events_until(&mut receiver, Duration::from_secs(10), &mut events, |e| {
        lines_of(e).iter().filter_map(|l| tick(l)).any(|t| t >= 3)
    })
    .await;

    own.stop();
    let unreachable = |e: &LogEvent| matches!(e, LogEvent::Waiting(why) if why.starts_with("engine unreachable: "));
    events_until(&mut receiver, Duration::from_secs(10), &mut events, |e| {
        e.iter().any(unreachable)
    })
    .await;

    own.start();
    let marker = |e: &LogEvent| {
        matches!(
            e,
            LogEvent::Resumed {
                restarted: true,
                ..
            }
        )
    };
    events_until(&mut receiver, Duration::from_secs(30), &mut events, |e| {
        e.iter().position(marker).is_some_and(|at| {
            lines_of(&e[at..])
                .iter()
                .filter_map(|l| tick(l))
                .any(|t| t >= 2)
        })
    })
    .await;
    cancel.cancel();
    let at = events.iter().position(marker).expect("the marker");
    assert!(events[..at].iter().any(unreachable), "{}", summary(&events));
    let new_run: Vec<u32> = lines_of(&events[at..])
        .into_iter()
        .filter_map(tick)
        .collect();
    assert_eq!(
        new_run,
        (1..=new_run.len() as u32).collect::<Vec<_>>(),
        "the run the engine started again, from its first line"
    );
    drop(made);
    own.stop();
}
