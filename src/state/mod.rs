//! The application state: one owner (the app loop), changed only by `update`.

pub mod containers;
pub mod resources;
pub mod source;

use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::command::{ContainerCommand, OperatorCommand};
use crate::config::keymap::Context;
use crate::config::{Config, DockerConfig, ResourcesConfig};
use crate::findings::{Finding, Severity};
use crate::metrics::MetricStore;
use crate::model::containers::ContainerAction;
use crate::tab::Tab;
use containers::{ContainersState, EngineState};
use resources::ResourcesState;
use source::SourceHealth;

/// How the console was started; the read-only modes refuse every operator command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Interactive,
    ReadOnly,
    Watch,
}

impl Mode {
    /// Why operator commands are refused, or `None` when they are allowed.
    pub fn refusal(self) -> Option<&'static str> {
        match self {
            Mode::Interactive => None,
            Mode::ReadOnly => Some("read-only mode (--read-only): actions are disabled"),
            Mode::Watch => Some("watch mode (--watch) is read-only: actions are disabled"),
        }
    }
}

/// A destructive command waiting for the operator's yes; `then` asks again before running.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfirmDialog {
    pub title: String,
    pub lines: Vec<String>,
    pub command: OperatorCommand,
    pub then: Option<Box<ConfirmDialog>>,
    /// For protected targets: the name the operator must type before confirming.
    pub typed: Option<TypedConfirmation>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypedConfirmation {
    pub expected: String,
    pub typed: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Overlay {
    #[default]
    None,
    Help,
    /// Editing the filter of the current list.
    Filter,
    Confirm(ConfirmDialog),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ToastKind {
    Ok,
    Error,
    Info,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Toast {
    pub kind: ToastKind,
    pub text: String,
    pub expires_at: DateTime<Utc>,
}

/// A confirmed command the executor has not reported back on yet. While it runs, no other
/// command on the same target is accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InFlight {
    pub command: OperatorCommand,
    pub since: DateTime<Utc>,
}

/// Tab rotation of `--watch`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WatchState {
    pub every: Duration,
    pub tabs: Vec<Tab>,
    pub paused: bool,
    pub next_at: DateTime<Utc>,
}

/// How many sources of each later tab are configured, for the tabs' empty states.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ConfiguredSources {
    pub endpoints: usize,
    pub databases: usize,
    pub rules: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AppState {
    pub mode: Mode,
    pub host: String,
    pub tab: Tab,
    pub overlay: Overlay,
    /// How far the help is scrolled when it is taller than the screen (the view caps it).
    pub help_scroll: usize,
    pub toasts: Vec<Toast>,
    pub in_flight: Vec<InFlight>,
    pub sources: Vec<SourceHealth>,
    pub metrics: MetricStore,
    pub resources: ResourcesState,
    pub containers: ContainersState,
    /// Lines a container log view starts with, and keeps at most.
    pub log_tail: usize,
    pub log_buffer: usize,
    pub limits: ResourcesConfig,
    pub findings: Vec<Finding>,
    pub configured: ConfiguredSources,
    pub watch: Option<WatchState>,
    pub refresh: Duration,
    pub should_quit: bool,
}

/// The name of the local host source, in the header and the findings.
pub const SYSTEM_SOURCE: &str = "system";

/// The source name of a Docker engine, in the header and the findings.
pub fn docker_source(engine: &str) -> String {
    format!("docker:{engine}")
}

impl AppState {
    /// `engines` are the Docker engines watched (see [`Config::docker_engines`]); with any,
    /// Containers is in the `--watch` rotation.
    pub fn new(
        config: &Config,
        engines: &[DockerConfig],
        mode: Mode,
        host: String,
        now: DateTime<Utc>,
    ) -> Self {
        let capacity =
            (config.history.as_secs_f64() / config.refresh.as_secs_f64()).ceil() as usize + 1;
        let watch = (mode == Mode::Watch).then(|| {
            let tabs = if config.watch.tabs.is_empty() {
                config.configured_tabs(engines)
            } else {
                config.watch.tabs.clone()
            };
            WatchState {
                every: config.watch.rotate,
                tabs,
                paused: false,
                next_at: now + chrono_duration(config.watch.rotate),
            }
        });
        Self {
            mode,
            host,
            tab: Tab::Resources,
            overlay: Overlay::None,
            help_scroll: 0,
            toasts: Vec::new(),
            in_flight: Vec::new(),
            sources: std::iter::once(SourceHealth::new(SYSTEM_SOURCE))
                .chain(
                    engines
                        .iter()
                        .map(|e| SourceHealth::new(&docker_source(&e.name))),
                )
                .collect(),
            metrics: MetricStore::new(capacity),
            resources: ResourcesState::new(),
            containers: ContainersState::new(
                engines
                    .iter()
                    .map(|e| EngineState {
                        name: e.name.clone(),
                        host: e.host.clone(),
                        protected: e.protected.clone(),
                        version: None,
                        containers: Vec::new(),
                    })
                    .collect(),
            ),
            log_tail: config.containers.log_tail,
            log_buffer: config.containers.log_buffer,
            limits: config.resources.clone(),
            findings: Vec::new(),
            configured: ConfiguredSources {
                endpoints: config.endpoint.len(),
                databases: config.database.len(),
                rules: config.rule.len(),
            },
            watch,
            refresh: config.refresh,
            should_quit: false,
        }
    }

    /// The worst finding on a tab, for the tab bar and `--watch`.
    pub fn tab_severity(&self, tab: Tab) -> Severity {
        self.findings
            .iter()
            .filter(|f| f.tab == tab)
            .map(|f| f.severity)
            .max()
            .unwrap_or(Severity::Ok)
    }

    /// The tabs `--watch` takes turns on: the critical ones while any is critical (one is held),
    /// else every tab of the rotation.
    pub fn rotation(&self) -> Vec<Tab> {
        let Some(watch) = &self.watch else {
            return Vec::new();
        };
        let critical: Vec<Tab> = watch
            .tabs
            .iter()
            .copied()
            .filter(|tab| self.tab_severity(*tab) == Severity::Critical)
            .collect();
        if critical.is_empty() {
            watch.tabs.clone()
        } else {
            critical
        }
    }

    /// What `/` edits here: the search of the open log view, else the filter of the tab's list.
    pub fn edited_filter(&self) -> &str {
        match (&self.containers.logs, self.tab) {
            (Some(logs), Tab::Containers) => &logs.search,
            (None, Tab::Containers) => &self.containers.filter,
            _ => &self.resources.filter,
        }
    }

    /// The keymap context of what has the keyboard, below any dialog: the log view when it is open
    /// on the Containers tab, else the active tab.
    pub fn key_context(&self) -> Context {
        if self.tab == Tab::Containers && self.containers.logs.is_some() {
            Context::Logs
        } else {
            Context::from(self.tab)
        }
    }

    /// The command in flight on the target of `command`, if any.
    pub fn in_flight_on(&self, command: &OperatorCommand) -> Option<&InFlight> {
        self.in_flight
            .iter()
            .find(|running| running.command.same_target(command))
    }

    /// The action in flight on a container, for its row.
    pub fn container_action_in_flight(&self, engine: &str, id: &str) -> Option<ContainerAction> {
        self.in_flight
            .iter()
            .find_map(|running| match &running.command {
                OperatorCommand::Container(ContainerCommand {
                    engine: e,
                    id: i,
                    action,
                    ..
                }) if e == engine && i == id => Some(*action),
                _ => None,
            })
    }

    pub fn source(&self, name: &str) -> Option<&SourceHealth> {
        self.sources.iter().find(|s| s.name == name)
    }

    /// Whether the process table is on screen, so worth sampling.
    pub fn shows_processes(&self) -> bool {
        self.tab == Tab::Resources
    }
}

/// The row a list selection lands on after moving `delta` rows, clamped to the list; with nothing
/// selected, moving down starts at the top and moving up at the bottom.
pub fn moved(current: Option<usize>, len: usize, delta: isize) -> Option<usize> {
    if len == 0 {
        return None;
    }
    let from = current.map_or(if delta < 0 { len as isize } else { -1 }, |i| i as isize);
    Some((from + delta).clamp(0, len as isize - 1) as usize)
}

pub fn chrono_duration(duration: Duration) -> chrono::Duration {
    chrono::Duration::from_std(duration).unwrap_or(chrono::Duration::MAX)
}
