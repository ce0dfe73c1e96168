//! The real binary in a real terminal: a tmux session of its own server per test, driven by
//! keys, read by polling the screen. `tests/e2e_tmux.rs` describes the wrapper script and the
//! synchronisation; this module is what its tests and `tests/e2e_databases.rs` share.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use serde_json::Value;

use super::{TestEnv, bin, sh_quote};

pub const TIMEOUT: Duration = Duration::from_secs(30);
pub const POLL: Duration = Duration::from_millis(50);
pub const WIDTH: u16 = 120;
pub const HEIGHT: u16 = 40;

pub static SESSIONS: AtomicUsize = AtomicUsize::new(0);

/// True when tmux can be used. Without it the test is skipped, unless this is CI.
pub fn tmux_available() -> bool {
    let found = Command::new("tmux")
        .arg("-V")
        .output()
        .is_ok_and(|output| output.status.success());
    if found {
        return true;
    }
    super::services::skip_unless_ci::<()>("tmux is not installed (or `tmux -V` fails)").is_some()
}

/// The wrapper script run in the pane; see the module docs. With `umask`, watchdeck starts
/// under it.
pub fn wrapper_script(
    env: &TestEnv,
    files: &Files,
    args: &[OsString],
    umask: Option<&str>,
) -> String {
    let mut command = vec!["env".to_string()];
    for name in TestEnv::REMOVED_VARS {
        command.push(format!("-u {name}"));
    }
    for (name, value) in env.env_vars() {
        command.push(sh_quote(&format!("{name}={}", value.to_string_lossy())));
    }
    command.push(sh_quote(&bin().to_string_lossy()));
    command.extend(args.iter().map(|a| sh_quote(&a.to_string_lossy())));
    let q = |path: &Path| sh_quote(&path.to_string_lossy());
    let umask = umask
        .map(|mask| format!("umask {mask}\n"))
        .unwrap_or_default();
    format!(
        "while [ ! -e {go} ]; do sleep 0.02; done\n\
         stty -a > {stty_before} 2>&1\n\
         {umask}\
         sh -c 'echo $$ > \"$0.tmp\" && mv \"$0.tmp\" \"$0\" && exec \"$@\"' {pid} {command}\n\
         status=$?\n\
         stty -a > {stty_after}.tmp 2>&1; mv {stty_after}.tmp {stty_after}\n\
         echo \"EXIT=$status\" > {status}.tmp; mv {status}.tmp {status}\n\
         exec sleep 600\n",
        go = q(&files.go),
        stty_before = q(&files.stty_before),
        pid = q(&files.pid),
        command = command.join(" "),
        stty_after = q(&files.stty_after),
        status = q(&files.status),
    )
}

/// The files the wrapper and tmux write, in a dir of the test's home for each session, so a
/// session started again in the same home never reads the last one's.
pub struct Files {
    pub socket: PathBuf,
    pub config: PathBuf,
    pub script: PathBuf,
    pub go: PathBuf,
    pub pid: PathBuf,
    pub status: PathBuf,
    pub stty_before: PathBuf,
    pub stty_after: PathBuf,
    pub raw: PathBuf,
}

impl Files {
    pub fn new(env: &TestEnv, session: &str) -> Self {
        let dir = env.home().join("tmux").join(session);
        std::fs::create_dir_all(&dir).expect("create the tmux dir");
        Self {
            socket: dir.join("socket"),
            config: dir.join("tmux.conf"),
            script: dir.join("run.sh"),
            go: dir.join("go"),
            pid: dir.join("pid"),
            status: dir.join("status"),
            stty_before: dir.join("stty.before"),
            stty_after: dir.join("stty.after"),
            raw: dir.join("raw"),
        }
    }
}

/// watchdeck running in a tmux session of its own server; killed with the server when dropped.
pub struct Session {
    pub name: String,
    pub files: Files,
    pub env: TestEnv,
}

impl Drop for Session {
    fn drop(&mut self) {
        // Best effort, never panicking: stop watchdeck if it still runs, so its wrapper reaps it,
        // then end the session and this test's tmux server.
        if !self.files.status.exists()
            && let Some(pid) = std::fs::read_to_string(&self.files.pid)
                .ok()
                .and_then(|text| text.trim().parse::<i32>().ok())
        {
            let _ = kill(Pid::from_raw(pid), Signal::SIGTERM);
            let deadline = Instant::now() + Duration::from_secs(2);
            while !self.files.status.exists() && Instant::now() < deadline {
                std::thread::sleep(POLL);
            }
        }
        let _ = self
            .tmux()
            .args(["kill-session", "-t", &self.name])
            .output();
        let _ = self.tmux().arg("kill-server").output();
    }
}

impl Session {
    /// Starts watchdeck with `args` in a fresh environment.
    pub fn start(args: &[&str]) -> Self {
        Self::start_in(TestEnv::new(), args)
    }

    pub fn start_in(env: TestEnv, args: &[&str]) -> Self {
        let args: Vec<OsString> = args.iter().map(OsString::from).collect();
        Self::start_with(env, &args)
    }

    pub fn start_with(env: TestEnv, args: &[OsString]) -> Self {
        Self::start_under(env, args, None)
    }

    /// Starts watchdeck with `args`, under `umask` when given.
    pub fn start_under(env: TestEnv, args: &[OsString], umask: Option<&str>) -> Self {
        let name = format!(
            "watchdeck-{}-{}",
            std::process::id(),
            SESSIONS.fetch_add(1, Ordering::Relaxed)
        );
        let files = Files::new(&env, &name);
        std::fs::write(
            &files.config,
            "set -g status off\nset -g default-shell /bin/sh\n\
             set -g history-limit 0\n",
        )
        .expect("write tmux.conf");
        std::fs::write(&files.script, wrapper_script(&env, &files, args, umask))
            .expect("write run.sh");
        let session = Self { name, files, env };
        let script = format!("sh {}", sh_quote(&session.files.script.to_string_lossy()));
        session.tmux_ok(&[
            "-f",
            &session.files.config.to_string_lossy(),
            "new-session",
            "-d",
            "-s",
            &session.name,
            "-x",
            &WIDTH.to_string(),
            "-y",
            &HEIGHT.to_string(),
            &script,
        ]);
        let pipe = format!("cat >> {}", sh_quote(&session.files.raw.to_string_lossy()));
        session.tmux_ok(&["pipe-pane", "-O", "-t", &session.name, &pipe]);
        std::fs::write(&session.files.go, "").expect("release the wrapper");
        session
    }

    /// A tmux command for this test's own server.
    pub fn tmux(&self) -> Command {
        let mut command = Command::new("tmux");
        command
            .arg("-u")
            .arg("-S")
            .arg(&self.files.socket)
            .env("HOME", self.env.home())
            .env("TERM", "xterm-256color")
            .env_remove("TMUX")
            .stdin(Stdio::null());
        command
    }

    pub fn tmux_ok(&self, args: &[&str]) -> String {
        let output: Output = self.tmux().args(args).output().expect("run tmux");
        assert!(
            output.status.success(),
            "tmux {args:?} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    /// The visible screen, or tmux's complaint when it cannot be read.
    pub fn screen(&self) -> String {
        match self
            .tmux()
            .args(["capture-pane", "-p", "-t", &self.name])
            .output()
        {
            Ok(output) if output.status.success() => {
                String::from_utf8_lossy(&output.stdout).into_owned()
            }
            Ok(output) => format!(
                "<capture-pane failed: {}>",
                String::from_utf8_lossy(&output.stderr)
            ),
            Err(error) => format!("<cannot run tmux: {error}>"),
        }
    }

    /// A tmux format of the pane, e.g. `#{alternate_on}`.
    pub fn display(&self, format: &str) -> String {
        self.tmux_ok(&["display-message", "-p", "-t", &self.name, format])
            .trim()
            .to_string()
    }

    /// Sends tmux key names (`Escape`, `Enter`, `q`).
    pub fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", &self.name];
        args.extend(keys);
        self.tmux_ok(&args);
    }

    /// Types `text` literally.
    pub fn type_text(&self, text: &str) {
        self.tmux_ok(&["send-keys", "-t", &self.name, "-l", text]);
    }

    /// Polls `check` until it gives a value; on timeout fails with `what` and the last screen.
    pub fn poll<T>(&self, what: &str, mut check: impl FnMut() -> Option<T>) -> T {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            if let Some(value) = check() {
                return value;
            }
            if Instant::now() >= deadline {
                panic!(
                    "timed out after {TIMEOUT:?} waiting for {what}\n--- last screen ---\n{}",
                    self.screen()
                );
            }
            std::thread::sleep(POLL);
        }
    }

    /// Polls the screen until `check` accepts it; returns that screen.
    pub fn wait_for_screen(&self, what: &str, check: impl Fn(&str) -> bool) -> String {
        self.poll(what, || {
            let screen = self.screen();
            check(&screen).then_some(screen)
        })
    }

    pub fn wait_for(&self, text: &str) -> String {
        self.wait_for_screen(&format!("{text:?} on the screen"), |s| s.contains(text))
    }

    pub fn wait_until_gone(&self, text: &str) -> String {
        self.wait_for_screen(&format!("{text:?} to leave the screen"), |s| {
            !s.contains(text)
        })
    }
}

pub fn audit_entries(env: &TestEnv) -> Vec<Value> {
    env.audit_lines()
        .iter()
        .map(|line| serde_json::from_str(line).expect("audit line is JSON"))
        .collect()
}
