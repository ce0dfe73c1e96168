//! Operator commands: the side effects a person asks for, confirmed, refused in read-only modes,
//! executed off the draw loop and recorded in the audit log.

mod alert;
mod container;
mod database;
mod mode;
mod process;
mod runbook;

use std::fmt;
use std::time::Duration;

pub use alert::{AlertAction, AlertCommand, DEFAULT_SILENCE};
pub use container::{ContainerCommand, REVEAL_ENV, container_target};
pub use database::{DatabaseAction, DatabaseCommand};
pub use mode::Mode;
pub use process::{ProcessCommand, ProcessSignal};
pub use runbook::{Mark, RunbookCommand, Toward, check_target};

/// Something that changes the world, one group per tab that acts. Each group is a module of
/// its own here and has its own executor file in `effect/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OperatorCommand {
    Process(ProcessCommand),
    Container(ContainerCommand),
    Alert(AlertCommand),
    Database(DatabaseCommand),
    Runbook(RunbookCommand),
}

impl OperatorCommand {
    /// The verb recorded in the audit log, e.g. `signal SIGTERM`.
    pub fn action(&self) -> String {
        match self {
            OperatorCommand::Process(command) => command.action(),
            OperatorCommand::Container(command) => command.action(),
            OperatorCommand::Alert(command) => command.action(),
            OperatorCommand::Database(command) => command.action(),
            OperatorCommand::Runbook(command) => command.action(),
        }
    }

    /// What it acts on, e.g. `process 4242 (nginx)`.
    pub fn target(&self) -> String {
        match self {
            OperatorCommand::Process(command) => command.target(),
            OperatorCommand::Container(command) => command.target(),
            OperatorCommand::Alert(command) => command.target(),
            OperatorCommand::Database(command) => command.target(),
            OperatorCommand::Runbook(command) => command.target(),
        }
    }

    /// The command with the note the operator typed in its dialog.
    pub fn with_note(self, note: &str) -> Self {
        match self {
            OperatorCommand::Alert(command) => OperatorCommand::Alert(command.with_note(note)),
            OperatorCommand::Runbook(command) => OperatorCommand::Runbook(command.with_note(note)),
            other => other,
        }
    }

    /// Why the command, as typed in its dialog, cannot be carried out.
    pub fn invalid(&self) -> Option<String> {
        match self {
            OperatorCommand::Alert(command) => command.invalid(),
            OperatorCommand::Runbook(command) => command.invalid(),
            _ => None,
        }
    }

    /// Whether both act on the same process or container: one at a time may be in flight there.
    pub fn same_target(&self, other: &OperatorCommand) -> bool {
        match (self.acting(), other.acting()) {
            (OperatorCommand::Process(a), OperatorCommand::Process(b)) => a.pid == b.pid,
            (OperatorCommand::Container(a), OperatorCommand::Container(b)) => a.same_target(b),
            (OperatorCommand::Alert(a), OperatorCommand::Alert(b)) => a.key == b.key,
            (OperatorCommand::Database(a), OperatorCommand::Database(b)) => a.same_target(b),
            (OperatorCommand::Runbook(a), OperatorCommand::Runbook(b)) => a.same_target(b),
            _ => false,
        }
    }

    /// What acts on the world: a runbook step's action is its command (a restart from a
    /// procedure is a restart of that container).
    pub fn acting(&self) -> &OperatorCommand {
        match self {
            OperatorCommand::Runbook(RunbookCommand::Step { command, .. }) => command.acting(),
            other => other,
        }
    }
}

/// Why a command did not succeed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CommandError {
    /// It failed, for the reason given.
    Failed(String),
    /// The engine did not answer in time: the command was sent and may still complete.
    NoAnswer { within: Duration },
}

impl fmt::Display for CommandError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CommandError::Failed(reason) => f.write_str(reason),
            CommandError::NoAnswer { within } => write!(
                f,
                "no answer from engine within {}s; the action may still complete",
                within.as_secs()
            ),
        }
    }
}

/// How a command ended, as shown in its toast and written to the audit log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandOutcome {
    pub command: OperatorCommand,
    /// `Ok(summary)` or why not.
    pub result: Result<String, CommandError>,
    /// Set when the audit entry could not be written; the operator must know.
    pub audit_error: Option<String>,
}
