//! What a Docker engine reports, as the rest of watchdeck sees it: plain data, no bollard types.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ContainerState {
    Created,
    Running,
    Paused,
    Restarting,
    Removing,
    Exited { code: i64 },
    Dead,
}

impl ContainerState {
    pub fn is_running(self) -> bool {
        matches!(self, ContainerState::Running | ContainerState::Paused)
    }

    pub fn label(self) -> String {
        match self {
            ContainerState::Created => "created".into(),
            ContainerState::Running => "running".into(),
            ContainerState::Paused => "paused".into(),
            ContainerState::Restarting => "restarting".into(),
            ContainerState::Removing => "removing".into(),
            ContainerState::Exited { code } => format!("exited ({code})"),
            ContainerState::Dead => "dead".into(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Health {
    Starting,
    Healthy,
    Unhealthy,
}

impl Health {
    pub fn label(self) -> &'static str {
        match self {
            Health::Starting => "starting",
            Health::Healthy => "healthy",
            Health::Unhealthy => "unhealthy",
        }
    }
}

/// One run of a container's health check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HealthCheck {
    pub at: Option<DateTime<Utc>>,
    pub exit_code: i64,
    pub output: String,
}

/// Resource use from the engine's one-shot stats, CPU already turned into a percentage.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct ContainerStats {
    /// Percent of one core, as `docker stats` shows it (can exceed 100).
    pub cpu_percent: f64,
    pub memory_used: u64,
    /// 0 when the engine reports no limit.
    pub memory_limit: u64,
    pub net_rx_bytes: u64,
    pub net_tx_bytes: u64,
}

impl ContainerStats {
    pub fn memory_percent(&self) -> Option<f64> {
        (self.memory_limit > 0).then(|| self.memory_used as f64 * 100.0 / self.memory_limit as f64)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ContainerInfo {
    pub id: String,
    /// Without the leading slash.
    pub name: String,
    pub image: String,
    pub state: ContainerState,
    pub health: Option<Health>,
    pub created: Option<DateTime<Utc>>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    pub restart_count: i64,
    pub labels: BTreeMap<String, String>,
    /// e.g. `127.0.0.1:8080->80/tcp`, `9000/tcp`.
    pub ports: Vec<String>,
    /// e.g. `/srv/data -> /data (rw)`.
    pub mounts: Vec<String>,
    pub networks: Vec<String>,
    /// Entrypoint and command, joined.
    pub command: String,
    /// Environment variables as `(name, value)`. Values are secrets until revealed: views show
    /// names only unless the operator asks, and nothing logs them.
    pub env: Vec<(String, String)>,
    pub health_log: Vec<HealthCheck>,
    /// `None` for containers that are not running, or before the first stats sample.
    pub stats: Option<ContainerStats>,
}

impl ContainerInfo {
    /// The Compose project, from the `com.docker.compose.project` label.
    pub fn compose_project(&self) -> Option<&str> {
        self.labels
            .get("com.docker.compose.project")
            .map(String::as_str)
    }

    /// Whether the container is marked protected by its `watchdeck.protected=true` label.
    pub fn protected_by_label(&self) -> bool {
        self.labels
            .get("watchdeck.protected")
            .is_some_and(|v| v == "true")
    }
}

/// Everything one engine reported in one poll.
#[derive(Debug, Clone, PartialEq)]
pub struct EngineSnapshot {
    pub engine: String,
    pub version: String,
    pub containers: Vec<ContainerInfo>,
}

/// Something an operator does to a container.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ContainerAction {
    Restart,
    Stop,
    Start,
    Pause,
    Unpause,
    Kill,
}

impl ContainerAction {
    pub fn past(self) -> &'static str {
        match self {
            ContainerAction::Restart => "restarted",
            ContainerAction::Stop => "stopped",
            ContainerAction::Start => "started",
            ContainerAction::Pause => "paused",
            ContainerAction::Unpause => "unpaused",
            ContainerAction::Kill => "killed",
        }
    }

    /// While it runs, e.g. `stopping`.
    pub fn progressive(self) -> &'static str {
        match self {
            ContainerAction::Restart => "restarting",
            ContainerAction::Stop => "stopping",
            ContainerAction::Start => "starting",
            ContainerAction::Pause => "pausing",
            ContainerAction::Unpause => "unpausing",
            ContainerAction::Kill => "killing",
        }
    }

    pub fn verb(self) -> &'static str {
        match self {
            ContainerAction::Restart => "restart",
            ContainerAction::Stop => "stop",
            ContainerAction::Start => "start",
            ContainerAction::Pause => "pause",
            ContainerAction::Unpause => "unpause",
            ContainerAction::Kill => "kill",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogStream {
    Stdout,
    Stderr,
}

/// One line of a container's log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogLine {
    pub stream: LogStream,
    pub timestamp: Option<DateTime<Utc>>,
    pub text: String,
}

/// What following a container's log reports, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogEvent {
    /// New lines, oldest first.
    Lines(Vec<LogLine>),
    /// The log stopped and the follower waits for it to go on: why, e.g. `container exited (0)`.
    Waiting(String),
    /// The log goes on after a break: a new run of the container that started `at`, or (not
    /// `restarted`) the same run, attached again `at` after the engine answered again.
    Resumed { at: DateTime<Utc>, restarted: bool },
    /// The follow is over for good: why, e.g. `container removed`.
    Ended(String),
}

/// Which container: engines may share container names, so the engine is part of the key.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ContainerKey {
    pub engine: String,
    pub id: String,
}
