//! The message vocabulary: everything `update` consumes.

use crate::action::Action;
use crate::alerts::engine::AlertKey;
use crate::alerts::kept::AckSilence;
use crate::alerts::notify::NotifyReport;
use crate::command::CommandOutcome;
use crate::model::alertmanager::AlertmanagerSnapshot;
use crate::model::containers::ContainerKey;
use crate::model::containers::{EngineSnapshot, LogEvent};
use crate::model::databases::{BigKeysReport, DatabaseSnapshot};
use crate::model::endpoints::ProbeBatch;
use crate::model::prometheus::{HostHistory, PrometheusSnapshot};
use crate::model::resources::HostKey;
use crate::model::resources::ResourcesSnapshot;
use crate::model::source::{SourceDeath, SourceReport};
use crate::runbook::check::CommandResult;
use crate::runbook::log::RunbookLog;
use crate::tab::Tab;

#[derive(Debug, Clone, PartialEq)]
pub enum Msg {
    /// A user intent, from the keymap.
    Action(Action),
    /// Typing in the filter input.
    FilterEdit(FilterEdit),
    /// A click on a tab title.
    ClickTab(Tab),
    Source(SourceUpdate),
    /// A source task panicked or returned; the supervisor starts it again at `retry_at`.
    SourceDied(SourceDeath),
    /// What the follow of a container's log reports: lines, a wait, a restart, the end.
    LogEvent {
        key: ContainerKey,
        event: LogEvent,
    },
    CommandFinished(CommandOutcome),
    /// What the big-keys scan of a Redis database found.
    BigKeys {
        database: String,
        result: Result<BigKeysReport, String>,
    },
    /// A remote host's history, fetched from its Prometheus when it was selected.
    HostHistory {
        host: HostKey,
        result: Result<HostHistory, String>,
    },
    /// How an attempt to deliver a notification went.
    Notified(NotifyReport),
    /// The silence an acknowledgement made in an Alertmanager, sent before the command's result
    /// so that taking the acknowledgement back can expire it.
    AckSilenced {
        key: AlertKey,
        silence: AckSilence,
    },
    /// The silence a silence command made in an Alertmanager, sent before the command's result
    /// so that ending the silence here can expire it there.
    SilenceMade {
        key: AlertKey,
        id: String,
    },
    /// The shared runbook log as read (or just written) by this console, with the local time
    /// zone's offset then, which decides the day a checklist is in; why not when it could not
    /// be read.
    RunbookLog {
        log: Result<RunbookLog, String>,
        offset: chrono::FixedOffset,
    },
    /// What a step's log or command check found when it ran, to be judged.
    CheckRan {
        runbook: String,
        step: String,
        found: CheckRun,
    },
    /// Once a second: the clock, stale sources, toast expiry, `--watch` rotation.
    Tick,
    /// How many rows the list of the tab shown had room for in the frame just drawn, so that
    /// moving scrolls only when the selection leaves them (see `ListState::offset`).
    Drawn {
        rows_in_view: usize,
    },
}

/// What running a check found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CheckRun {
    /// The last lines of each matching container, by name; why not when they could not be read.
    Logs(Result<Vec<(String, Vec<String>)>, String>),
    Command(CommandResult),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FilterEdit {
    Insert(char),
    Backspace,
    Clear,
    Apply,
    Cancel,
}

#[derive(Debug, Clone, PartialEq)]
pub enum SourceUpdate {
    System(SourceReport<ResourcesSnapshot>),
    Docker {
        engine: String,
        report: SourceReport<EngineSnapshot>,
    },
    Database {
        database: String,
        report: SourceReport<DatabaseSnapshot>,
    },
    Endpoints(SourceReport<ProbeBatch>),
    Alertmanager {
        name: String,
        report: SourceReport<AlertmanagerSnapshot>,
    },
    Prometheus {
        name: String,
        report: SourceReport<PrometheusSnapshot>,
    },
}
