//! Operator commands: the side effects a person asks for, confirmed, refused in read-only modes,
//! executed off the draw loop and recorded in the audit log.

use std::fmt;
use std::time::Duration;

use serde::Serialize;

use crate::model::containers::ContainerAction;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ProcessSignal {
    #[serde(rename = "SIGTERM")]
    Term,
    #[serde(rename = "SIGKILL")]
    Kill,
}

impl fmt::Display for ProcessSignal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ProcessSignal::Term => "SIGTERM",
            ProcessSignal::Kill => "SIGKILL",
        })
    }
}

/// Something that changes the world. Each later tab adds its variants here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OperatorCommand {
    SignalProcess {
        pid: u32,
        name: String,
        signal: ProcessSignal,
    },
    Container {
        engine: String,
        id: String,
        name: String,
        action: ContainerAction,
    },
}

impl OperatorCommand {
    /// The verb recorded in the audit log, e.g. `signal SIGTERM`.
    pub fn action(&self) -> String {
        match self {
            OperatorCommand::SignalProcess { signal, .. } => format!("signal {signal}"),
            OperatorCommand::Container { action, .. } => format!("container {}", action.verb()),
        }
    }

    /// Whether both act on the same process or container: one at a time may be in flight there.
    pub fn same_target(&self, other: &OperatorCommand) -> bool {
        match (self, other) {
            (
                OperatorCommand::SignalProcess { pid, .. },
                OperatorCommand::SignalProcess { pid: other, .. },
            ) => pid == other,
            (
                OperatorCommand::Container { engine, id, .. },
                OperatorCommand::Container {
                    engine: other_engine,
                    id: other_id,
                    ..
                },
            ) => engine == other_engine && id == other_id,
            _ => false,
        }
    }

    /// What it acts on, e.g. `process 4242 (nginx)`.
    pub fn target(&self) -> String {
        match self {
            OperatorCommand::SignalProcess { pid, name, .. } => format!("process {pid} ({name})"),
            OperatorCommand::Container {
                engine, id, name, ..
            } => container_target(engine, id, name),
        }
    }
}

/// A container as the audit log names it, e.g. `container web (0123456789ab) on local`.
pub fn container_target(engine: &str, id: &str, name: &str) -> String {
    format!("container {name} ({}) on {engine}", &id[..id.len().min(12)])
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
