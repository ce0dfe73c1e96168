//! End to end: the real binary in a real terminal (tmux), driven by keys and signals.
//!
//! Each test starts its own tmux server (a socket in the test's temporary home, so the user's
//! tmux is never touched) with one 120x40 session running a small wrapper script:
//!
//! 1. it waits for a `go` file, so the test can attach `pipe-pane` first and record every byte
//!    the program writes to the terminal;
//! 2. it records `stty -a`, execs watchdeck (writing its PID first), then records the exit
//!    status and `stty -a` again, so the test can check the terminal modes were restored;
//! 3. it keeps the pane open (`sleep`), so the screen left behind can still be read.
//!
//! Synchronisation is always by polling the screen (`capture-pane`) or a file every 50 ms until
//! the expected state appears or 30 s pass (generous: the tests share two cores with builds);
//! a timeout fails with the last screen.
//!
//! Without tmux the tests print a note and pass, except under `CI=true`, where they fail.

// Helpers outside `#[test]` functions panic on purpose: a failed expectation fails the test.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod support;

use std::ffi::OsString;
use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, TcpListener};
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use support::tmux::{POLL, SESSIONS, Session, audit_entries, tmux_available};
use support::{TEST_USER, TestEnv, fixture, mode, real_user};

const TABS: [&str; 6] = [
    "1 Resources",
    "2 Containers",
    "3 Alerts",
    "4 Databases",
    "5 Endpoints",
    "6 Runbook",
];

/// A key hint of the footer, replaced by the input while the filter is edited.
const QUIT_HINT: &str = "q quit";

macro_rules! require_tmux {
    () => {
        if !tmux_available() {
            return;
        }
    };
}

/// What only these tests ask of a session (the rest is in `support::tmux`).
impl Session {
    /// Waits for the first full frame: the tab bar and a process table with rows in it.
    fn wait_for_ui(&self) -> String {
        self.wait_for_screen("the tab bar and a filled process table", |screen| {
            TABS.iter().all(|tab| screen.contains(tab))
                && process_counts(screen).is_some_and(|(shown, _)| shown > 0)
        })
    }

    /// Filters the process table to `text` (typed after `/`, kept with enter).
    fn filter(&self, text: &str) -> String {
        let title = format!("filter \"{text}\"");
        self.keys(&["/"]);
        self.type_text(text);
        // The table filters as one types; the input replaces the key hints until enter.
        self.wait_for_screen(&format!("{title} while typing"), |screen| {
            screen.contains(&title) && !screen.contains(QUIT_HINT)
        });
        self.keys(&["Enter"]);
        self.wait_for_screen("the filter to be kept and the input closed", |screen| {
            screen.contains(&title) && screen.contains(QUIT_HINT)
        })
    }

    /// Opens the Containers tab filtered to the one container called `name`, once it is listed
    /// (and so selected). The list's name column may be too narrow for the whole name: the title
    /// says the filter and that one container is shown.
    fn show_only_container(&self, name: &str) -> String {
        self.keys(&["2"]);
        self.wait_for(" Containers ");
        self.keys(&["/"]);
        self.type_text(name);
        self.keys(&["Enter"]);
        let title = format!("filter \"{name}\"");
        self.wait_for_screen(&format!("{name} alone in the list"), |screen| {
            screen.contains(&title) && screen.contains(" Containers 1 of ")
        })
    }

    /// The PID of watchdeck (the wrapper execs it after writing its PID).
    fn pid(&self) -> i32 {
        self.poll("the PID file to name a running watchdeck", || {
            let pid = std::fs::read_to_string(&self.files.pid)
                .ok()?
                .trim()
                .parse::<i32>()
                .ok()?;
            // Until the wrapper's exec, the PID is still a shell's.
            let comm = Path::new("/proc").join(pid.to_string()).join("comm");
            match std::fs::read_to_string(comm) {
                Ok(comm) => (comm.trim() == "watchdeck").then_some(pid),
                Err(_) if !Path::new("/proc/self").exists() => Some(pid),
                Err(_) => None,
            }
        })
    }

    /// Waits for watchdeck to end; returns its exit status as the shell saw it.
    fn wait_for_exit(&self) -> i32 {
        self.poll("watchdeck to exit", || {
            let text = std::fs::read_to_string(&self.files.status).ok()?;
            let code = text.trim().strip_prefix("EXIT=")?;
            Some(code.parse().expect("numeric exit status"))
        })
    }

    /// Quits with `q`, then starts watchdeck again with `args` in the same home (config, state
    /// and audit log), as an operator running it again would.
    fn quit_and_start_again(mut self, args: &[OsString]) -> Self {
        self.keys(&["q"]);
        assert_eq!(self.wait_for_exit(), 0, "q quits with status 0");
        // The placeholder home only serves the ended session's teardown.
        let env = std::mem::take(&mut self.env);
        drop(self);
        Self::start_with(env, args)
    }

    /// Every byte watchdeck wrote to the terminal so far, once `check` accepts it.
    fn wait_for_raw(&self, what: &str, check: impl Fn(&[u8]) -> bool) -> Vec<u8> {
        self.poll(what, || {
            let raw = std::fs::read(&self.files.raw).unwrap_or_default();
            check(&raw).then_some(raw)
        })
    }

    /// After exit: the main screen is back with the tab bar gone, the mouse released, the
    /// cursor shown and the terminal modes (raw mode) exactly as before watchdeck started.
    fn assert_terminal_restored(&self) {
        let screen = self.screen();
        for tab in TABS {
            assert!(
                !screen.contains(tab),
                "the UI is still on the screen after exit:\n{screen}"
            );
        }
        assert_eq!(
            self.display("#{alternate_on}"),
            "0",
            "still on the alternate screen"
        );
        assert_eq!(
            self.display("#{mouse_any_flag}#{mouse_button_flag}#{mouse_standard_flag}"),
            "000",
            "mouse reporting left on"
        );
        let before = std::fs::read_to_string(&self.files.stty_before).expect("stty before");
        let after = std::fs::read_to_string(&self.files.stty_after).expect("stty after");
        assert_eq!(
            before, after,
            "terminal modes differ after exit (raw mode left on?)"
        );
        let words: Vec<&str> = after.split_whitespace().collect();
        for mode in ["icanon", "echo", "isig"] {
            assert!(words.contains(&mode), "{mode} is off after exit:\n{after}");
        }
        // pipe-pane delivers the output asynchronously: wait for the last restoring sequence.
        let raw = self.wait_for_raw("the terminal to be restored in the raw output", |raw| {
            last_mode(raw, b"1049") == Some(b'l')
        });
        for (mode, meaning) in [
            (&b"1049"[..], "alternate screen"),
            (b"1000", "mouse"),
            (b"1003", "mouse motion"),
            (b"1006", "SGR mouse"),
        ] {
            assert_ne!(
                last_mode(&raw, mode),
                Some(b'h'),
                "{meaning} (?{}) left on",
                String::from_utf8_lossy(mode)
            );
        }
        assert_eq!(
            last_mode(&raw, b"1049"),
            Some(b'l'),
            "never entered or left the alternate screen"
        );
        assert_ne!(last_mode(&raw, b"25"), Some(b'l'), "cursor left hidden");
    }
}

/// The last `ESC [ ? MODE h|l` for a private mode in the raw output: `h` set, `l` reset.
fn last_mode(raw: &[u8], mode: &[u8]) -> Option<u8> {
    let mut last = None;
    let mut rest = raw;
    while let Some(start) = find(rest, b"\x1b[?") {
        rest = &rest[start + 3..];
        let end = rest
            .iter()
            .position(|b| !(b.is_ascii_digit() || *b == b';'))
            .unwrap_or(rest.len());
        let Some(&action) = rest.get(end) else { break };
        if (action == b'h' || action == b'l')
            && rest[..end].split(|b| *b == b';').any(|m| m == mode)
        {
            last = Some(action);
        }
    }
    last
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

/// `(shown, total)` from the process table's title ` Processes 3 of 120 · sort …`.
fn process_counts(screen: &str) -> Option<(usize, usize)> {
    let title = &screen[screen.find(" Processes ")? + " Processes ".len()..];
    let mut words = title.split_whitespace();
    let shown = words.next()?.parse().ok()?;
    (words.next()? == "of").then_some(())?;
    let total = words.next()?.parse().ok()?;
    Some((shown, total))
}

/// The process table's rows (the lines between its column header and its bottom border).
fn process_rows(screen: &str) -> Vec<&str> {
    screen
        .lines()
        .skip_while(|line| !(line.contains("PID") && line.contains("USER")))
        .skip(1)
        .take_while(|line| !line.starts_with('╰'))
        .filter(|line| line.chars().any(|c| c.is_ascii_digit()))
        .collect()
}

/// The PID column of a process row (`│ 4242  root …`).
fn row_pid(row: &str) -> Option<&str> {
    row.trim_start_matches('│').split_whitespace().next()
}

/// A throwaway `sleep 300`, killed when dropped.
struct Sleeper(Child);

impl Sleeper {
    fn start() -> Self {
        let child = Command::new("sleep")
            .arg("300")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start sleep");
        Self(child)
    }

    fn pid(&self) -> u32 {
        self.0.id()
    }
}

impl Drop for Sleeper {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Filters the table to the sleeper's PID and opens the SIGTERM dialog on it, checking the
/// dialog names exactly that process (so no other process can be signalled).
fn open_terminate_dialog_on(session: &Session, sleeper: &Sleeper) -> String {
    let pid = sleeper.pid().to_string();
    session.filter(&pid);
    // The filter is applied at once; the process joins the table at the next sample.
    session.wait_for_screen(
        &format!("the sleep process {pid} in the filtered table"),
        |screen| {
            process_rows(screen)
                .iter()
                .any(|row| row_pid(row) == Some(pid.as_str()) && row.contains("sleep"))
        },
    );
    session.keys(&["t"]);
    let screen = session.wait_for("Send SIGTERM");
    let target = format!("process {pid} (sleep)");
    if !screen.contains(&target) {
        session.keys(&["Escape"]);
        panic!("the confirmation is not about {target}; cancelled:\n{screen}");
    }
    screen
}

// ---------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------

#[test]
fn first_frame_shows_every_tab_and_the_process_table() {
    require_tmux!();
    let session = Session::start(&[]);
    let screen = session.wait_for_ui();
    assert!(screen.contains("◆ watchdeck"), "{screen}");
    assert!(screen.contains(" Processes "), "{screen}");
    assert!(
        !process_rows(&screen).is_empty(),
        "no process rows:\n{screen}"
    );
    let footer = screen
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or_default();
    for hint in [QUIT_HINT, "? help"] {
        assert!(footer.contains(hint), "footer lacks {hint:?}: {footer:?}");
    }
    assert!(!screen.contains("READ-ONLY"), "{screen}");
}

#[test]
fn question_mark_opens_the_help_and_esc_closes_it() {
    require_tmux!();
    let session = Session::start(&[]);
    session.wait_for_ui();
    session.keys(&["?"]);
    let screen = session.wait_for(" Keys · ? or esc closes ");
    assert!(screen.contains("quit"), "{screen}");
    session.keys(&["Escape"]);
    let screen = session.wait_until_gone(" Keys · ? or esc closes ");
    assert!(screen.contains(" Processes "), "{screen}");
    // Still running: the help's escape did not quit.
    assert!(!session.files.status.exists());
}

#[test]
fn number_keys_switch_tabs() {
    require_tmux!();
    let session = Session::start(&[]);
    session.wait_for_ui();
    session.keys(&["3"]);
    let screen = session.wait_for("· sort severity");
    assert!(!screen.contains(" Processes "), "{screen}");
    session.keys(&["2"]);
    session.wait_for("engine local unavailable: cannot reach Docker at unix:///nonexistent/");
    session.keys(&["1"]);
    session.wait_for(" Processes ");
}

#[test]
fn q_quits_with_status_0_and_restores_the_terminal() {
    require_tmux!();
    let session = Session::start(&[]);
    session.wait_for_ui();
    session.keys(&["q"]);
    assert_eq!(session.wait_for_exit(), 0, "{}", session.screen());
    session.assert_terminal_restored();
}

fn assert_signal_exits_cleanly(signal: Signal) {
    let session = Session::start(&[]);
    session.wait_for_ui();
    let pid = session.pid();
    kill(Pid::from_raw(pid), signal).expect("send the signal");
    assert_eq!(
        session.wait_for_exit(),
        0,
        "{signal} did not exit cleanly:\n{}",
        session.screen()
    );
    session.assert_terminal_restored();
    let log = std::fs::read_to_string(session.env.log_file()).unwrap_or_default();
    assert!(
        log.contains(signal.as_str()),
        "the log does not say why it stopped ({signal}):\n{log}"
    );
}

#[test]
fn sighup_exits_0_and_restores_the_terminal() {
    require_tmux!();
    assert_signal_exits_cleanly(Signal::SIGHUP);
}

#[test]
fn sigterm_exits_0_and_restores_the_terminal() {
    require_tmux!();
    assert_signal_exits_cleanly(Signal::SIGTERM);
}

#[test]
fn sigint_exits_0_and_restores_the_terminal() {
    require_tmux!();
    assert_signal_exits_cleanly(Signal::SIGINT);
}

#[test]
fn a_broken_config_exits_with_its_line_and_never_starts_the_ui() {
    require_tmux!();
    let config = fixture("e2e/unknown-key-line3.toml");
    let session = Session::start_with(
        TestEnv::new(),
        &["--config".into(), config.clone().into_os_string()],
    );
    let code = session.poll("watchdeck to exit", || {
        let screen = session.screen();
        assert!(
            !TABS.iter().any(|tab| screen.contains(tab)),
            "the UI started despite the broken config:\n{screen}"
        );
        let text = std::fs::read_to_string(&session.files.status).ok()?;
        text.trim().strip_prefix("EXIT=")?.parse::<i32>().ok()
    });
    assert_eq!(code, 3, "{}", session.screen());
    let location = format!("{}:3:", config.display());
    let screen = session.wait_for("refresh_every");
    assert!(
        screen.contains("watchdeck: configuration error"),
        "{screen}"
    );
    // The path is long enough to wrap: compare without line breaks.
    let joined: String = screen.lines().map(str::trim_end).collect();
    assert!(joined.contains(&location), "no {location:?} in:\n{screen}");
    // Every byte written to the terminal: the error, and no escape sequence of the UI.
    let raw = session.wait_for_raw("the error in the raw output", |raw| {
        find(raw, b"refresh_every").is_some()
    });
    assert_eq!(
        last_mode(&raw, b"1049"),
        None,
        "the alternate screen was entered: {:?}",
        String::from_utf8_lossy(&raw)
    );
    assert!(find(&raw, b"Resources").is_none(), "the UI was drawn");
    assert!(
        !session.env.log_file().exists(),
        "the console started its log"
    );
}

#[test]
fn read_only_refuses_terminate_with_a_toast_and_an_audit_line() {
    require_tmux!();
    let session = Session::start(&["--read-only"]);
    let screen = session.wait_for_ui();
    assert!(screen.contains(" READ-ONLY "), "{screen}");
    let footer = screen
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or_default();
    assert!(
        !footer.contains("t term"),
        "read-only shows the terminate hint: {footer:?}"
    );
    session.keys(&["t"]);
    let screen = session.wait_for("refused:");
    assert!(
        !screen.contains("Send SIGTERM"),
        "a dialog opened:\n{screen}"
    );
    let entry = session.poll("a refused entry in the audit log", || {
        audit_entries(&session.env)
            .into_iter()
            .find(|entry| entry["outcome"] == "refused")
    });
    assert_eq!(entry["mode"], "read-only", "{entry}");
    assert_eq!(entry["action"], "signal SIGTERM", "{entry}");
    assert_eq!(entry["user"], real_user().as_str(), "{entry}");
    assert_eq!(entry["claimed_user"], TEST_USER, "{entry}");
    assert!(
        entry["target"]
            .as_str()
            .is_some_and(|t| t.starts_with("process ")),
        "{entry}"
    );
    let raw_line = session.env.audit_lines().join("\n");
    assert!(raw_line.contains("\"outcome\":\"refused\""), "{raw_line}");
}

#[test]
fn the_state_dir_log_and_audit_log_are_private_whatever_the_umask() {
    require_tmux!();
    let session = Session::start_under(TestEnv::new(), &["--read-only".into()], Some("000"));
    session.wait_for_ui();
    session.keys(&["t"]);
    session.wait_for("refused:");
    session.poll("the refusal in the audit log", || {
        (!session.env.audit_lines().is_empty()).then_some(())
    });
    let env = &session.env;
    assert_eq!(mode(&env.state_dir()), 0o700, "the state dir");
    assert_eq!(mode(&env.log_file()), 0o600, "watchdeck.log");
    assert_eq!(mode(&env.audit_log()), 0o600, "audit.jsonl");
}

#[test]
fn the_audit_log_names_the_real_user_and_user_only_as_claimed() {
    require_tmux!();
    let session = Session::start_in(TestEnv::new().with_user("mallory"), &["--read-only"]);
    session.wait_for_ui();
    session.keys(&["t"]);
    session.wait_for("refused:");
    let entry = session.poll("the refusal in the audit log", || {
        audit_entries(&session.env).into_iter().next()
    });
    let real = real_user();
    assert_ne!(real, "mallory", "run the tests as someone else");
    assert_eq!(entry["user"], real.as_str(), "{entry}");
    assert!(entry["uid"].is_u64(), "{entry}");
    assert_eq!(entry["claimed_user"], "mallory", "{entry}");
    let fields = entry.as_object().expect("an object");
    let mallory: Vec<&String> = fields
        .iter()
        .filter(|(_, value)| value.as_str().is_some_and(|v| v.contains("mallory")))
        .map(|(name, _)| name)
        .collect();
    assert_eq!(mallory, ["claimed_user"], "{entry}");
}

#[test]
fn interactive_terminate_asks_first_and_esc_cancels_without_an_audit_line() {
    require_tmux!();
    let mut sleeper = Sleeper::start();
    let session = Session::start(&[]);
    session.wait_for_ui();
    let screen = open_terminate_dialog_on(&session, &sleeper);
    assert!(
        screen.contains("The process may clean up and exit."),
        "{screen}"
    );
    session.keys(&["Escape"]);
    session.wait_until_gone("Send SIGTERM");
    // Quit, so nothing can still be on its way to the audit log.
    session.keys(&["q"]);
    assert_eq!(session.wait_for_exit(), 0, "{}", session.screen());
    assert!(
        session.env.audit_lines().is_empty(),
        "a cancelled dialog wrote to the audit log: {:?}",
        session.env.audit_lines()
    );
    assert!(
        sleeper.0.try_wait().expect("query sleep").is_none(),
        "the sleep process was signalled"
    );
}

#[test]
fn slash_filters_the_process_table() {
    require_tmux!();
    let session = Session::start(&[]);
    let screen = session.wait_for_ui();
    let (_, total) = process_counts(&screen).expect("process counts");
    assert!(!screen.contains("filter \""), "{screen}");
    let screen = session.filter("tmux");
    let (shown, _) = process_counts(&screen).expect("process counts");
    assert!(
        shown >= 1 && shown < total.max(2),
        "expected some but not all of {total} processes to match \"tmux\":\n{screen}"
    );
    let rows = process_rows(&screen);
    assert!(
        rows.iter().any(|row| row.contains("tmux")),
        "no tmux row:\n{screen}"
    );
    // `/` then esc clears the filter.
    session.keys(&["/"]);
    session.wait_until_gone(QUIT_HINT);
    session.keys(&["Escape"]);
    session.wait_until_gone("filter \"tmux\"");
}

#[test]
fn terminate_signals_the_selected_process_and_audits_it() {
    require_tmux!();
    let mut sleeper = Sleeper::start();
    let pid = sleeper.pid();
    let session = Session::start(&[]);
    session.wait_for_ui();
    open_terminate_dialog_on(&session, &sleeper);
    session.keys(&["y"]);
    let status = session.poll("the sleep process to exit", || {
        sleeper.0.try_wait().expect("query sleep")
    });
    assert_eq!(
        std::os::unix::process::ExitStatusExt::signal(&status),
        Some(Signal::SIGTERM as i32),
        "sleep ended with {status:?}"
    );
    session.wait_for("sent SIGTERM");
    let target = format!("process {pid} (sleep)");
    let entry = session.poll("an ok entry in the audit log", || {
        audit_entries(&session.env)
            .into_iter()
            .find(|entry| entry["outcome"] == "ok")
    });
    assert_eq!(entry["target"], target.as_str(), "{entry}");
    assert_eq!(entry["action"], "signal SIGTERM", "{entry}");
    assert_eq!(entry["mode"], "interactive", "{entry}");
    assert_eq!(entry["user"], real_user().as_str(), "{entry}");
    assert_eq!(entry["claimed_user"], TEST_USER, "{entry}");
    let lines = session.env.audit_lines();
    assert_eq!(lines.len(), 2, "the request, then its outcome: {lines:?}");
    assert!(lines[0].contains("\"outcome\":\"requested\""), "{lines:?}");
    assert!(lines[1].contains("\"outcome\":\"ok\""), "{lines:?}");
    let request = &audit_entries(&session.env)[0];
    assert_eq!(request["id"], entry["id"], "{request} {entry}");
    assert_eq!(request["target"], target.as_str(), "{request}");
}

#[test]
fn watch_mode_shows_the_status_header() {
    require_tmux!();
    let session = Session::start(&["--watch"]);
    let screen = session.wait_for_screen("the watch header with a status", |screen| {
        screen.contains(" WATCH ")
            && screen.contains("read-only")
            && ["ALL CLEAR", "CRITICAL", "WARNING"]
                .iter()
                .any(|status| screen.contains(status))
    });
    let footer = screen
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or_default();
    assert!(
        !footer.contains("t term"),
        "watch shows the terminate hint: {footer:?}"
    );
}

#[test]
fn watch_mode_shows_a_critical_disk() {
    require_tmux!();
    let config = fixture("config/valid/disk-critical.toml");
    let session = Session::start_with(
        TestEnv::new(),
        &["--watch".into(), "--config".into(), config.into_os_string()],
    );
    // The rule makes every disk critical: the wall header says so and names the alert.
    let screen = session.wait_for_screen("a critical disk in the watch header", |screen| {
        screen.contains("CRITICAL") && screen.contains("DiskSpaceLow")
    });
    assert!(
        screen.contains(" WATCH ") && screen.contains("read-only"),
        "{screen}"
    );
    assert!(!screen.contains("ALL CLEAR"), "{screen}");
}

/// A container on the test engine, removed when the test ends.
struct TestContainer {
    host: String,
    /// The PATH the docker CLI runs with, when its `ssh` must be the test services'.
    path: Option<OsString>,
    name: String,
}

/// A container that exits on SIGTERM as a service would, so a restart does not wait for the kill.
const SERVICE_SCRIPT: &str = "trap 'exit 0' TERM; while :; do sleep 1; done";

impl TestContainer {
    fn start(host: &str) -> Self {
        Self::start_running(host, &[], SERVICE_SCRIPT)
    }

    /// A container running `script` with busybox `sh -c`, made with `options` of `docker run`.
    fn start_running(host: &str, options: &[&str], script: &str) -> Self {
        Self::start_with_path(host, None, options, script)
    }

    fn start_with_path(host: &str, path: Option<OsString>, options: &[&str], script: &str) -> Self {
        let container = Self {
            host: host.to_string(),
            path,
            name: format!(
                "wde2e-{}-{}",
                std::process::id(),
                SESSIONS.fetch_add(1, Ordering::Relaxed)
            ),
        };
        let output = container
            .docker()
            .args(["run", "-d", "--name", &container.name, "--network", "none"])
            .args(options)
            .args(["local/busybox:test", "sh", "-c", script])
            .output()
            .expect("run docker");
        assert!(
            output.status.success(),
            "docker run: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        container
    }

    fn docker(&self) -> Command {
        let mut command = Command::new("docker");
        command.env("DOCKER_HOST", &self.host);
        if let Some(path) = &self.path {
            command.env("PATH", path);
        }
        command
    }

    fn started_at(&self) -> String {
        self.inspect("{{.State.StartedAt}}")
    }

    fn inspect(&self, format: &str) -> String {
        let output = self
            .docker()
            .args(["inspect", "-f", format, &self.name])
            .output()
            .expect("docker inspect");
        String::from_utf8_lossy(&output.stdout).trim().to_string()
    }
}

impl Drop for TestContainer {
    fn drop(&mut self) {
        let _ = self.docker().args(["rm", "-f", &self.name]).output();
    }
}

/// The test engine from `scripts/services-up.sh`; under CI its absence fails the test.
fn test_docker_host() -> Option<String> {
    support::services::service("WATCHDECK_TEST_DOCKER_HOST")
}

#[test]
fn restarting_a_container_from_the_keyboard_restarts_it_and_is_audited() {
    require_tmux!();
    let Some(host) = test_docker_host() else {
        return;
    };
    let container = TestContainer::start(&host);
    let before = container.started_at();
    let session = Session::start_with(TestEnv::new().with_docker_host(&host), &[]);
    session.wait_for_ui();
    session.show_only_container(&container.name);
    session.keys(&["r"]);
    session.wait_for(&format!("Restart {}", container.name));
    session.keys(&["y"]);
    session.wait_for(&format!("restarted {} on local", container.name));
    let after = container.started_at();
    assert_ne!(before, after, "the engine reports a new StartedAt");
    let entry = session.poll("the restart in the audit log", || {
        audit_entries(&session.env)
            .into_iter()
            .find(|entry| entry["action"] == "container restart")
    });
    assert_eq!(entry["outcome"], "requested", "{entry}");
    let outcome = audit_entries(&session.env)
        .into_iter()
        .find(|later| later["id"] == entry["id"] && later != &entry)
        .expect("the outcome of the restart, with the id of its request");
    assert_eq!(outcome["outcome"], "ok", "{outcome}");
    assert_eq!(outcome["target"], entry["target"], "{outcome}");
    let target = entry["target"].as_str().unwrap_or_default();
    assert!(
        target.starts_with(&format!("container {} (", container.name))
            && target.ends_with(") on local"),
        "{entry}"
    );
}

#[test]
fn restarting_a_container_on_an_ssh_engine_from_the_keyboard_restarts_it() {
    require_tmux!();
    let Some(url) = support::services::service("WATCHDECK_TEST_DOCKER_SSH_URL") else {
        return;
    };
    let Some(ssh_dir) = support::services::service("WATCHDECK_TEST_SSH_PATH") else {
        return;
    };
    // The services' `ssh` first: it logs in with the test key, never with the user's ~/.ssh.
    let mut path = OsString::from(ssh_dir);
    path.push(":");
    path.push(std::env::var_os("PATH").unwrap_or_default());
    let container = TestContainer::start_with_path(&url, Some(path.clone()), &[], SERVICE_SCRIPT);
    let before = container.started_at();
    let env = TestEnv::new().with_docker_host(&url).with_var("PATH", path);
    let session = Session::start_with(env, &[]);
    session.wait_for_ui();
    session.show_only_container(&container.name);
    session.keys(&["r"]);
    session.wait_for(&format!("Restart {}", container.name));
    session.keys(&["y"]);
    session.wait_for(&format!("restarted {} on local", container.name));
    assert_ne!(
        before,
        container.started_at(),
        "the engine reports a new StartedAt"
    );
}

/// The first row of the container list (the only one once filtered to one container).
fn first_container_row(screen: &str) -> Option<&str> {
    screen
        .lines()
        .skip_while(|line| !(line.contains("NAME") && line.contains("STATE")))
        .nth(1)
}

#[test]
fn stopping_a_container_that_ignores_sigterm_shows_it_in_flight_and_refuses_a_second_action() {
    require_tmux!();
    let Some(host) = test_docker_host() else {
        return;
    };
    // Ignores SIGTERM: the engine waits out the 10 s grace period, then kills it.
    let container =
        TestContainer::start_running(&host, &[], "trap '' TERM; while :; do sleep 1; done");
    let name = container.name.as_str();
    let session = Session::start_with(TestEnv::new().with_docker_host(&host), &[]);
    session.wait_for_ui();
    session.show_only_container(name);
    session.keys(&["s"]);
    session.wait_for(&format!("Stop {name}"));
    session.keys(&["y"]);
    session.wait_for_screen("stopping… on the row", |screen| {
        first_container_row(screen)
            .is_some_and(|row| row.contains("stopping…") && !row.contains("running"))
    });

    // Each refused key adds a toast; the key was handled once its toast is on the screen.
    for (refusals, key) in ["s", "r"].into_iter().enumerate() {
        session.keys(&[key]);
        let screen = session.wait_for_screen(&format!("the refusal of {key}"), |screen| {
            screen.matches("in flight for").count() == refusals + 1
        });
        assert!(
            !screen.contains(&format!("Restart {name}"))
                && !screen.contains(&format!("Stop {name}")),
            "a second dialog opened after {key}:\n{screen}"
        );
        assert_eq!(
            container.inspect("{{.State.Running}}"),
            "true",
            "the stop is still waiting for the grace period:\n{screen}"
        );
    }

    // The engine kills it after the grace period; then the row shows what the engine reports.
    let done = format!("stopped {name} on local");
    let deadline = Instant::now() + Duration::from_secs(40);
    let screen = loop {
        let screen = session.screen();
        if screen.contains(&done) {
            break screen;
        }
        assert!(Instant::now() < deadline, "never stopped:\n{screen}");
        std::thread::sleep(POLL);
    };
    assert!(!screen.contains("stopping…"), "{screen}");
    assert_eq!(container.inspect("{{.State.Running}}"), "false");

    let entries = audit_entries(&session.env);
    let outcomes: Vec<(&str, &str)> = entries
        .iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap_or_default(),
                e["outcome"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        outcomes,
        [("container stop", "requested"), ("container stop", "ok")],
        "one stop, requested then done; the refused keys ran nothing"
    );
    assert_eq!(entries[0]["id"], entries[1]["id"]);
}

#[test]
fn revealing_env_values_is_audited_without_the_values() {
    require_tmux!();
    let Some(host) = test_docker_host() else {
        return;
    };
    let secret = "s3cr3t-v4lue-for-the-e2e";
    let variable = format!("WATCHDECK_E2E_SECRET={secret}");
    let container = TestContainer::start_running(
        &host,
        &["--env", &variable],
        "trap 'exit 0' TERM; while :; do sleep 1; done",
    );
    let name = container.name.as_str();
    // At the most verbose level, where bollard would log every response body, env included.
    let env = TestEnv::new()
        .with_docker_host(&host)
        .with_log_level("trace");
    let session = Session::start_with(env, &[]);
    session.wait_for_ui();
    session.show_only_container(name);
    session.keys(&["e"]);
    session.wait_for(&variable);
    let entry = session.poll("the reveal in the audit log", || {
        audit_entries(&session.env)
            .into_iter()
            .find(|entry| entry["action"] == "reveal env")
    });
    assert_eq!(entry["outcome"], "ok", "{entry}");
    assert_eq!(entry["mode"], "interactive", "{entry}");
    assert_eq!(entry["user"], real_user().as_str(), "{entry}");
    let target = entry["target"].as_str().unwrap_or_default();
    assert!(
        target.starts_with(&format!("container {name} (")) && target.ends_with(") on local"),
        "{entry}"
    );

    session.keys(&["e"]);
    session.wait_until_gone(secret);
    session.keys(&["q"]);
    assert_eq!(session.wait_for_exit(), 0, "{}", session.screen());
    let audit = session.env.audit_lines();
    assert_eq!(audit.len(), 1, "hiding is not audited: {audit:?}");
    assert!(!audit[0].contains(secret), "{audit:?}");
    let log = std::fs::read_to_string(session.env.log_file()).unwrap_or_default();
    assert!(
        log.contains(" TRACE ") || log.contains(" DEBUG "),
        "the log is at trace level:\n{log}"
    );
    assert!(!log.contains(secret), "the value reached the log:\n{log}");
}

/// A TCP front for the test engine's socket that can stop passing bytes on: the engine then
/// takes requests and never answers, as a hung daemon does.
struct FreezableEngine {
    address: String,
    frozen: Arc<AtomicBool>,
}

impl FreezableEngine {
    fn start(host: &str) -> Self {
        let socket = host
            .strip_prefix("unix://")
            .expect("the test engine listens on a unix socket")
            .to_string();
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the front");
        let address = format!("tcp://{}", listener.local_addr().expect("front address"));
        let frozen = Arc::new(AtomicBool::new(false));
        let passing = frozen.clone();
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let Ok(engine) = UnixStream::connect(&socket) else {
                    continue;
                };
                // A short read timeout lets each pump see a freeze while the line is idle.
                let streams = (|| {
                    client.set_read_timeout(Some(POLL))?;
                    engine.set_read_timeout(Some(POLL))?;
                    Ok::<_, std::io::Error>((
                        client.try_clone()?,
                        client.try_clone()?,
                        engine.try_clone()?,
                        engine.try_clone()?,
                    ))
                })();
                let Ok((client_out, client_end, engine_out, engine_end)) = streams else {
                    continue;
                };
                Self::pump(client, engine_out, passing.clone(), move || {
                    let _ = engine_end.shutdown(Shutdown::Write);
                });
                Self::pump(engine, client_out, passing.clone(), move || {
                    let _ = client_end.shutdown(Shutdown::Write);
                });
            }
        });
        Self { address, frozen }
    }

    /// Copies `from` to `to` until either ends, holding every byte while frozen.
    fn pump(
        mut from: impl Read + Send + 'static,
        mut to: impl Write + Send + 'static,
        frozen: Arc<AtomicBool>,
        close: impl FnOnce() + Send + 'static,
    ) {
        std::thread::spawn(move || {
            let mut buffer = [0u8; 16 * 1024];
            loop {
                if frozen.load(Ordering::SeqCst) {
                    std::thread::sleep(POLL);
                    continue;
                }
                match from.read(&mut buffer) {
                    Ok(0) => break,
                    Ok(read) => {
                        if to.write_all(&buffer[..read]).is_err() {
                            break;
                        }
                    }
                    Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
                    Err(_) => break,
                }
            }
            close();
        });
    }

    fn freeze(&self) {
        self.frozen.store(true, Ordering::SeqCst);
    }

    fn thaw(&self) {
        self.frozen.store(false, Ordering::SeqCst);
    }
}

#[test]
fn an_engine_that_stops_answering_goes_stale_in_the_header_and_recovers() {
    require_tmux!();
    let Some(host) = test_docker_host() else {
        return;
    };
    let engine = FreezableEngine::start(&host);
    let env = TestEnv::new().with_docker_host(&engine.address);
    // Stale after three refreshes (1.5 s): before a hung request times out (3 s) and the engine
    // is shown as down.
    let config = env.home().join("fast.toml");
    std::fs::write(&config, "refresh = \"500ms\"\n").expect("write the config");
    let session = Session::start_with(env, &["--config".into(), config.into_os_string()]);
    session.wait_for("● docker:local");
    engine.freeze();
    let screen = session.wait_for("◐ docker:local");
    assert!(
        screen.contains("● system"),
        "the host still answers:\n{screen}"
    );
    engine.thaw();
    session.wait_for("● docker:local");
}

/// An HTTP server on loopback whose health can be switched: 200 while healthy, else 503.
struct SwitchableHealth {
    url: String,
    healthy: Arc<AtomicBool>,
}

impl SwitchableHealth {
    fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the health server");
        let url = format!("http://{}/health", listener.local_addr().expect("address"));
        let healthy = Arc::new(AtomicBool::new(true));
        let answering = healthy.clone();
        std::thread::spawn(move || {
            for mut client in listener.incoming().flatten() {
                let answering = answering.clone();
                std::thread::spawn(move || {
                    let mut request = Vec::new();
                    let mut chunk = [0u8; 1024];
                    while let Ok(n) = client.read(&mut chunk) {
                        if n == 0 {
                            return;
                        }
                        request.extend_from_slice(&chunk[..n]);
                        if find(&request, b"\r\n\r\n").is_some() {
                            request.clear();
                            let answer: &[u8] = if answering.load(Ordering::SeqCst) {
                                b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nok\n"
                            } else {
                                b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 5\r\n\r\ndown\n"
                            };
                            if client.write_all(answer).is_err() {
                                return;
                            }
                        }
                    }
                });
            }
        });
        Self { url, healthy }
    }
}

#[test]
fn an_endpoint_that_goes_down_and_comes_back_while_the_console_runs() {
    require_tmux!();
    let health = SwitchableHealth::start();
    let env = TestEnv::new();
    let config = env.write(
        "endpoints.toml",
        &format!(
            "[[endpoint]]\nname = \"api\"\nurl = \"{}\"\ninterval = \"1s\"\ntimeout = \"1s\"\n",
            health.url
        ),
    );
    let session = Session::start_with(
        env,
        &[
            "--config".into(),
            config.into_os_string(),
            "--tab".into(),
            "endpoints".into(),
        ],
    );
    session.wait_for("✔ up");
    health.healthy.store(false, Ordering::SeqCst);
    let screen = session.wait_for("✖ down: status 503");
    assert!(screen.contains("5 Endpoints"), "{screen}");
    health.healthy.store(true, Ordering::SeqCst);
    session.wait_for("✔ up");
    session.keys(&["Enter"]);
    let screen = session.wait_for("changes");
    for change in ["→ up", "→ down: status 503"] {
        assert!(screen.contains(change), "{change}:\n{screen}");
    }
    // `p` polls at once: the toast says so.
    session.keys(&["p"]);
    session.wait_for("polling api now");
}

#[test]
fn a_rule_the_machine_crosses_fires_and_its_acknowledgement_outlives_a_restart() {
    require_tmux!();
    let env = TestEnv::new();
    // Memory in use is always at least 0 %: a rule this machine crosses on its first sample.
    let config = env.write(
        "ops.toml",
        "[[rule]]\nname = \"MemoryInUse\"\nexpr = \"system_memory_used_percent >= 0\"\n\
         severity = \"P3\"\nsummary = \"memory {{ $value }}% used\"\n",
    );
    let args = ["--config".into(), config.into_os_string()];
    let session = Session::start_with(env, &args);
    session.wait_for_ui();
    session.wait_for("P3×1");
    session.keys(&["3"]);
    session.wait_for("MemoryInUse");
    // Whatever else fires on this machine, the filter leaves this alert alone, selected.
    session.filter("MemoryInUse");
    session.keys(&["a"]);
    session.wait_for("Acknowledge MemoryInUse");
    session.type_text("looked at it");
    session.keys(&["Enter"]);
    let acknowledged = format!("acknowledged by {}: looked at it", real_user());
    session.wait_for(&acknowledged);
    session.wait_until_gone("P3×1");
    let entry = session.poll("the acknowledgement in the audit log", || {
        audit_entries(&session.env)
            .into_iter()
            .find(|e| e["action"] == "alert acknowledge" && e["outcome"] == "ok")
    });
    assert!(
        entry["target"]
            .as_str()
            .is_some_and(|t| t.starts_with("alert MemoryInUse{")),
        "{entry}"
    );

    // The same config and state dir: the alert fires again, still acknowledged, so it stays
    // out of the header's count.
    let session = session.quit_and_start_again(&args);
    session.wait_for_ui();
    session.keys(&["3"]);
    session.wait_for("MemoryInUse");
    session.filter("MemoryInUse");
    let screen = session.wait_for_screen("MemoryInUse firing and still acknowledged", |s| {
        s.contains("firing ✓") && s.contains(&acknowledged)
    });
    assert!(!screen.contains("P3×1"), "{screen}");
}

#[test]
fn a_container_alert_leads_to_a_restart_of_that_container_in_three_keys() {
    require_tmux!();
    let Some(host) = test_docker_host() else {
        return;
    };
    // Exits with code 3 (the shipped `ContainerExited` fires); started again, it keeps running.
    let container = TestContainer::start_running(
        &host,
        &[],
        "if [ -e /exited-once ]; then trap 'exit 0' TERM; while :; do sleep 1; done; fi; \
         touch /exited-once; exit 3",
    );
    let name = container.name.as_str();
    let session = Session::start_with(
        TestEnv::new().with_docker_host(&host),
        &["--tab".into(), "alerts".into()],
    );
    // The shared engine may have other alerts: the filter leaves this container's, selected.
    session.wait_for("╭ Alerts ");
    session.filter(name);
    session.wait_for(&format!("container {name} on local exited with code 3"));
    let before = container.started_at();

    // From the alert on the screen: enter (to the container), r (restart), y (confirm).
    session.keys(&["Enter"]);
    session.wait_for("╭ Containers ");
    session.keys(&["r"]);
    session.wait_for(&format!("Restart {name}"));
    session.keys(&["y"]);
    session.wait_for(&format!("restarted {name} on local"));

    assert_ne!(
        container.started_at(),
        before,
        "the engine reports a new StartedAt"
    );
    assert_eq!(container.inspect("{{.State.Running}}"), "true");
    let outcome = session.poll("the restart's outcome in the audit log", || {
        audit_entries(&session.env)
            .into_iter()
            .find(|entry| entry["action"] == "container restart" && entry["outcome"] == "ok")
    });
    assert!(
        outcome["target"]
            .as_str()
            .is_some_and(|target| target.starts_with(&format!("container {name} ("))),
        "{outcome}"
    );
    // Running again, the container no longer crosses the rule: its alert resolves.
    session.keys(&["3"]);
    session.wait_for("no alert matches the filter");
}

#[test]
fn a_restart_continues_a_firing_alert_instead_of_firing_it_again() {
    require_tmux!();
    let env = TestEnv::new();
    // Memory in use is always at least 0 %: a rule this machine crosses on its first sample.
    let config = env.write(
        "ops.toml",
        "[[rule]]\nname = \"MemoryInUse\"\nexpr = \"system_memory_used_percent >= 0\"\n\
         severity = \"P3\"\nsummary = \"memory {{ $value }}% used\"\n",
    );
    let args = [
        "--config".into(),
        config.into_os_string(),
        "--tab".into(),
        "alerts".into(),
    ];
    let alerts_file = env.state_dir().join("alerts.json");
    let changes = move || -> Vec<String> {
        let text = std::fs::read_to_string(&alerts_file).unwrap_or_default();
        let kept: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
        let history = kept["history"].as_array().cloned().unwrap_or_default();
        history
            .iter()
            .filter(|t| t["key"]["rule"] == "MemoryInUse")
            .map(|t| t["change"].as_str().unwrap_or_default().to_string())
            .collect()
    };
    let session = Session::start_with(env, &args);
    session.wait_for("MemoryInUse");
    session.poll("the firing alert saved", || {
        (changes() == ["pending", "firing"]).then_some(())
    });

    // The same config and state dir: the alert goes on, nothing begins again.
    let session = session.quit_and_start_again(&args);
    session.wait_for("MemoryInUse");
    session.keys(&["q"]);
    assert_eq!(session.wait_for_exit(), 0);
    assert_eq!(changes(), ["pending", "firing"]);
}

#[test]
fn an_unreadable_alerts_file_is_moved_aside_and_said_not_overwritten() {
    require_tmux!();
    let env = TestEnv::new();
    let garbage = "{ \"acks\": [ half a file";
    let kept = env.write("state/watchdeck/alerts.json", garbage);
    let config = env.write(
        "ops.toml",
        "[[rule]]\nname = \"MemoryInUse\"\nexpr = \"system_memory_used_percent >= 0\"\n\
         severity = \"P3\"\nsummary = \"memory {{ $value }}% used\"\n",
    );
    let state_dir = env.state_dir();
    let args = [
        "--config".into(),
        config.into_os_string(),
        "--tab".into(),
        "alerts".into(),
    ];
    let session = Session::start_with(env, &args);
    // A toast and the tab's own line.
    let said = "alerts.json could not be read: moved aside to alerts.json.corrupt-";
    session.wait_for_screen("the toast and the line", |screen| {
        screen.matches(said).count() == 2
    });
    let aside: Vec<_> = std::fs::read_dir(&state_dir)
        .expect("the state dir")
        .filter_map(Result::ok)
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with("alerts.json.corrupt-")
        })
        .collect();
    assert_eq!(aside.len(), 1, "{aside:?}");
    assert_eq!(
        std::fs::read_to_string(aside[0].path()).expect("aside"),
        garbage
    );
    // The next save writes a new file, the one set aside untouched.
    session.wait_for("MemoryInUse");
    session.keys(&["q"]);
    assert_eq!(session.wait_for_exit(), 0);
    let saved = std::fs::read_to_string(&kept).expect("a new alerts.json");
    assert!(saved.contains("MemoryInUse"), "{saved}");
    assert_eq!(
        std::fs::read_to_string(aside[0].path()).expect("aside"),
        garbage
    );
}
