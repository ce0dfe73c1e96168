//! Operator commands: the side effects a person asks for, confirmed, refused in read-only modes,
//! executed off the draw loop and recorded in the audit log.

use std::fmt;

use serde::Serialize;

use crate::collect::containers::ContainerAction;

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

    /// What it acts on, e.g. `process 4242 (nginx)`.
    pub fn target(&self) -> String {
        match self {
            OperatorCommand::SignalProcess { pid, name, .. } => format!("process {pid} ({name})"),
            OperatorCommand::Container {
                engine, id, name, ..
            } => {
                format!("container {name} ({}) on {engine}", &id[..id.len().min(12)])
            }
        }
    }
}

/// How a command ended, as shown in its toast and written to the audit log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandOutcome {
    pub command: OperatorCommand,
    /// `Ok(summary)` or `Err(reason)`.
    pub result: Result<String, String>,
    /// Set when the audit entry could not be written; the operator must know.
    pub audit_error: Option<String>,
}
