//! Helpers shared by the integration tests (`tests/cli.rs`, `tests/e2e_tmux.rs`); `tmux` drives
//! the binary in a terminal for the end-to-end tests.
//!
//! Every test runs the real binary against its own temporary `HOME`, `XDG_CONFIG_HOME` and
//! `XDG_STATE_HOME`, so no test reads or writes the real user's files or another test's.

// Each test crate uses a different subset of these helpers.
#![allow(dead_code)]
// Helpers panic on purpose: a failed expectation fails the test.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use tempfile::TempDir;

pub mod docker;
pub mod services;
pub mod tmux;

/// The user name the tests claim (`$USER`), so audit entries are predictable.
pub const TEST_USER: &str = "watchdeck-test";

/// The binary under test.
pub fn bin() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_watchdeck"))
}

/// A file under `tests/fixtures/`.
pub fn fixture(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(relative)
}

/// A fresh home with its own config and state dirs, deleted when dropped.
pub struct TestEnv {
    dir: TempDir,
    docker_host: String,
    user: String,
    /// `WATCHDECK_LOG`, when a test chooses the log level.
    log_level: Option<String>,
    /// Further variables of the binary's environment (`PATH`, `DOCKER_CERT_PATH`…).
    vars: Vec<(&'static str, OsString)>,
}

/// Where tests that are not about containers point Docker: nowhere, so the tab shows the engine
/// as unavailable whatever runs on the machine.
pub const NO_DOCKER: &str = "unix:///nonexistent/watchdeck-test/docker.sock";

impl Default for TestEnv {
    fn default() -> Self {
        Self::new()
    }
}

impl TestEnv {
    pub fn new() -> Self {
        let dir = tempfile::Builder::new()
            .prefix("watchdeck-test-")
            .tempdir()
            .expect("create a temporary home");
        Self {
            dir,
            docker_host: NO_DOCKER.to_string(),
            user: TEST_USER.to_string(),
            log_level: None,
            vars: Vec::new(),
        }
    }

    /// Sets `$USER` to `user`: what the environment claims, whoever runs the test.
    pub fn with_user(mut self, user: &str) -> Self {
        self.user = user.to_string();
        self
    }

    /// Points the binary at a real Docker engine.
    pub fn with_docker_host(mut self, host: &str) -> Self {
        self.docker_host = host.to_string();
        self
    }

    /// Runs the binary with `name=value` in its environment.
    pub fn with_var(mut self, name: &'static str, value: impl Into<OsString>) -> Self {
        self.vars.push((name, value.into()));
        self
    }

    /// Runs the binary with `WATCHDECK_LOG=level`.
    pub fn with_log_level(mut self, level: &str) -> Self {
        self.log_level = Some(level.to_string());
        self
    }

    /// `$HOME`; also a scratch dir for files the test writes.
    pub fn home(&self) -> &Path {
        self.dir.path()
    }

    /// `$XDG_CONFIG_HOME`.
    pub fn config_home(&self) -> PathBuf {
        self.home().join("config")
    }

    /// `$XDG_STATE_HOME`.
    pub fn state_home(&self) -> PathBuf {
        self.home().join("state")
    }

    /// Where watchdeck looks for `config.toml`, `themes/` and `keymaps/`.
    pub fn config_dir(&self) -> PathBuf {
        self.config_home().join("watchdeck")
    }

    /// Where watchdeck writes its log and audit log.
    pub fn state_dir(&self) -> PathBuf {
        self.state_home().join("watchdeck")
    }

    pub fn config_file(&self) -> PathBuf {
        self.config_dir().join("config.toml")
    }

    pub fn log_file(&self) -> PathBuf {
        self.state_dir().join("watchdeck.log")
    }

    pub fn audit_log(&self) -> PathBuf {
        self.state_dir().join("audit.jsonl")
    }

    /// The audit log's lines; none when it does not exist (yet).
    pub fn audit_lines(&self) -> Vec<String> {
        std::fs::read_to_string(self.audit_log())
            .map(|text| text.lines().map(str::to_string).collect())
            .unwrap_or_default()
    }

    /// Writes `text` to `relative` under the home dir, creating parent dirs; returns the path.
    pub fn write(&self, relative: impl AsRef<Path>, text: &str) -> PathBuf {
        let path = self.home().join(relative);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("create parent dirs");
        }
        std::fs::write(&path, text).expect("write test file");
        path
    }

    /// The environment the binary runs with: only our temp dirs, a colour terminal, a known user.
    pub fn env_vars(&self) -> Vec<(&'static str, OsString)> {
        vec![
            ("HOME", self.home().into()),
            ("XDG_CONFIG_HOME", self.config_home().into()),
            ("XDG_STATE_HOME", self.state_home().into()),
            // A terminal with colour, so the configured theme is used rather than `mono`.
            ("TERM", "xterm-256color".into()),
            ("USER", self.user.clone().into()),
            ("DOCKER_HOST", self.docker_host.clone().into()),
        ]
        .into_iter()
        .chain(
            self.log_level
                .as_ref()
                .map(|level| ("WATCHDECK_LOG", level.into())),
        )
        .chain(self.vars.iter().cloned())
        .collect()
    }

    /// Variables of the test runner's environment that would change the binary's behaviour.
    pub const REMOVED_VARS: &'static [&'static str] = &[
        "NO_COLOR",
        "WATCHDECK_LOG",
        "SSH_CONNECTION",
        "XDG_DATA_HOME",
    ];

    /// A command for the binary in this environment, with stdin closed.
    pub fn command(&self) -> Command {
        let mut command = Command::new(bin());
        for name in Self::REMOVED_VARS {
            command.env_remove(name);
        }
        command.envs(self.env_vars()).stdin(Stdio::null());
        command
    }

    /// Runs the binary with `args` to completion.
    pub fn run<I, S>(&self, args: I) -> Run
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        let mut command = self.command();
        command.args(args);
        Run::from(command.output().expect("run watchdeck"))
    }

    /// Like [`TestEnv::run`], with the binary started by a shell that set `umask` first.
    pub fn run_under_umask<I, S>(&self, umask: &str, args: I) -> Run
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        let mut command = Command::new("sh");
        command
            .arg("-c")
            .arg(format!("umask {umask} && exec \"$0\" \"$@\""))
            .arg(bin())
            .args(args)
            .envs(self.env_vars())
            .stdin(Stdio::null());
        for name in Self::REMOVED_VARS {
            command.env_remove(name);
        }
        Run::from(command.output().expect("run watchdeck under sh"))
    }
}

/// A finished run: exit code and output as text.
#[derive(Debug)]
pub struct Run {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl From<Output> for Run {
    fn from(output: Output) -> Self {
        Self {
            code: output.status.code(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }
}

impl Run {
    /// Asserts the exit code, showing both streams when it differs.
    #[track_caller]
    pub fn assert_code(&self, expected: i32) -> &Self {
        assert_eq!(
            self.code,
            Some(expected),
            "expected exit code {expected}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.stdout,
            self.stderr
        );
        self
    }
}

/// The name of the user running the tests, as `id` says (its uid when it has no name).
pub fn real_user() -> String {
    let id = |flag: &str| {
        Command::new("id")
            .arg(flag)
            .output()
            .ok()
            .filter(|output| output.status.success())
            .map(|output| String::from_utf8_lossy(&output.stdout).trim().to_string())
    };
    id("-un").or_else(|| id("-u")).expect("run id")
}

/// The permission bits of a file or directory, e.g. `0o600`.
pub fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

/// Quotes `text` for `/bin/sh`.
pub fn sh_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}
