//! The application state: one owner (the app loop), changed only by `update`.

pub mod alerts;
pub mod containers;
pub mod databases;
pub mod endpoints;
pub mod fleet;
pub mod list;
pub mod resources;
pub mod runbook;
pub mod source;

use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::alerts::notify::NotifyState;
use crate::command::{ContainerCommand, Mode, OperatorCommand};
use crate::config::{Config, DockerConfig};
use crate::findings::{Finding, Severity};
use crate::metrics::MetricStore;
use crate::model::containers::ContainerAction;
use crate::model::resources::HostKey;
use crate::model::source::SourceId;
use crate::sources::SourceRegistry;
use crate::tab::Tab;
use alerts::AlertsState;
use containers::{ContainersState, EngineState};
use databases::DatabasesState;
use endpoints::EndpointsState;
use resources::ResourcesState;
use runbook::RunbookState;
use source::SourceHealth;

/// A destructive command waiting for the operator's yes; `then` asks again before running.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfirmDialog {
    pub title: String,
    pub lines: Vec<String>,
    pub command: OperatorCommand,
    pub then: Option<Box<ConfirmDialog>>,
    /// Text typed in the dialog: a protected target's name, which must match, or a note.
    pub typed: Option<TypedConfirmation>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypedConfirmation {
    /// What must be typed to confirm; `None` for a free note that goes with the command.
    pub expected: Option<String>,
    pub typed: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
// There is one overlay, in the one state: a dialog's size inline costs nothing worth a box.
#[allow(clippy::large_enum_variant)]
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
    pub alerts: AlertsState,
    /// Who is at the keyboard, as acknowledgements and silences name them.
    pub operator: String,
    pub databases: DatabasesState,
    pub endpoints: EndpointsState,
    /// The runbooks, the shared log of ticks and notes, and what the tab shows of them.
    pub runbook: RunbookState,
    /// What the Prometheus sources said of the fleet's hosts and imported series.
    pub fleet: fleet::FleetState,
    /// Lines a container log view starts with, and keeps at most.
    pub log_tail: usize,
    pub log_buffer: usize,
    /// The firing alerts, worst first: the tab markers, the header, `--watch` and `check` read
    /// these (see `tabs::alerts::judge`).
    pub findings: Vec<Finding>,
    pub watch: Option<WatchState>,
    pub refresh: Duration,
    pub should_quit: bool,
}

pub use crate::model::source::SYSTEM_SOURCE;

/// The source name of a Docker engine, in the header and the findings.
pub fn docker_source(engine: &str) -> String {
    SourceId::docker(engine).name
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
        let sources = SourceRegistry::from_config(config, engines);
        Self::with_sources(config, &sources, mode, host, now)
    }

    /// The state of a console that watches `sources`, the registry built from `config`.
    pub fn with_sources(
        config: &Config,
        sources: &SourceRegistry,
        mode: Mode,
        host: String,
        now: DateTime<Utc>,
    ) -> Self {
        let engines: Vec<DockerConfig> = sources.engines().cloned().collect();
        let capacity =
            (config.history.as_secs_f64() / config.refresh.as_secs_f64()).ceil() as usize + 1;
        let watch = (mode == Mode::Watch).then(|| {
            let tabs = if config.watch.tabs.is_empty() {
                sources.tabs(!config.rule.is_empty())
            } else {
                config.watch.tabs.clone()
            };
            WatchState {
                every: config.watch.rotate,
                tabs,
                paused: false,
                next_at: crate::duration::later(now, config.watch.rotate),
            }
        });
        let local = HostKey::new(host.clone());
        Self {
            mode,
            host,
            tab: Tab::Resources,
            overlay: Overlay::None,
            help_scroll: 0,
            toasts: Vec::new(),
            in_flight: Vec::new(),
            sources: sources.iter().map(SourceHealth::of).collect(),
            metrics: MetricStore::new(capacity).retaining(config.history),
            resources: ResourcesState::new(local),
            alerts: AlertsState::new(config.rule_catalogue())
                .with_notify(NotifyState::new(
                    config.notify.iter().map(|target| target.route()).collect(),
                ))
                .with_alertmanagers(&config.alertmanager)
                .with_prometheus(&config.prometheus),
            operator: String::new(),
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
            databases: DatabasesState::new(&config.database),
            endpoints: EndpointsState::new(&config.endpoint),
            runbook: RunbookState::new(Default::default(), config.runbook.week_start),
            fleet: fleet::FleetState::default(),
            log_tail: config.containers.log_tail,
            log_buffer: config.containers.log_buffer,
            findings: Vec::new(),
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

    /// Watches a source found at run time (a host a Prometheus reports), so that its reports are
    /// kept like a configured source's; says whether it was new.
    pub fn add_source(&mut self, source: SourceHealth) -> bool {
        if self.source(&source.name).is_some() {
            return false;
        }
        self.sources.push(source);
        true
    }

    /// Whether the process table is on screen, so worth sampling.
    pub fn shows_processes(&self) -> bool {
        self.tab == Tab::Resources
    }
}

pub fn chrono_duration(duration: Duration) -> chrono::Duration {
    chrono::Duration::from_std(duration).unwrap_or(chrono::Duration::MAX)
}
