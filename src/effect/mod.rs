//! Effects: what `update` asks the runtime to do. This file is the vocabulary `update` may use;
//! the [`executor`] runs each one off the draw loop, one file per group of operator commands.

mod alert;
mod container;
mod database;
pub mod executor;
pub mod notify;
mod process;
mod runbook;

pub use executor::Executor;

use crate::alerts::kept::KeptAlerts;
use crate::alerts::notify::Notification;
use crate::command::OperatorCommand;
use crate::model::containers::ContainerKey;
use crate::model::resources::HostKey;
use crate::runbook::check::{CommandRun, LogScan};

/// What a tab keeps across restarts, saved by one effect (`Effect::Save`) to the tab's file;
/// the tabs say what they keep (`tabs::unsaved`).
#[derive(Debug, Clone, PartialEq)]
pub enum Kept {
    /// Acknowledgements, silences, the history and what the notify targets were told.
    Alerts(KeptAlerts),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Run a confirmed operator command.
    Execute(OperatorCommand),
    /// Record a command refused by the mode.
    RecordRefusal {
        command: OperatorCommand,
        reason: String,
    },
    /// Record that the operator revealed a container's environment values (never the values),
    /// or was refused with this reason.
    RecordReveal {
        engine: String,
        id: String,
        name: String,
        refused: Option<String>,
    },
    /// Follow a container's log, replacing any log followed before.
    FollowLogs { key: ContainerKey, tail: usize },
    /// Stop following the container log.
    StopLogs,
    /// Write what a tab keeps across restarts.
    Save(Kept),
    /// Scan a Redis database for its biggest keys (bounded), replacing any scan running.
    ScanBigKeys { database: String },
    /// Stop the big-keys scan.
    StopBigKeys,
    /// Poll an endpoint now, out of its schedule.
    PollEndpoint { endpoint: String },
    /// Read the shared runbook log again: another console may have ticked.
    LoadRunbookLog,
    /// Read the last lines of the containers a step's logs check names.
    ScanLogs {
        runbook: String,
        step: String,
        scan: LogScan,
    },
    /// Run an `auto = true` step's check command, whatever the mode, and audit it.
    RunCheckCommand {
        runbook: String,
        step: String,
        run: CommandRun,
    },
    /// Put text on the terminal's clipboard (OSC 52), e.g. an alert's runbook URL.
    CopyToClipboard(String),
    /// Fetch a remote host's history (`window` long, up to now) from the Prometheus that
    /// reports it, for its panels.
    FetchHostHistory {
        prometheus: String,
        instance: String,
        host: HostKey,
        window: std::time::Duration,
    },
    /// Send a message about an alert to a `[[notify]]` target.
    Notify {
        target: String,
        notification: Notification,
    },
}
