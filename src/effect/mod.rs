//! Effects: what `update` asks the runtime to do. This file is the vocabulary `update` may use;
//! the [`executor`] runs each one off the draw loop, one file per group of operator commands.

mod container;
pub mod executor;
mod process;

pub use executor::Executor;

use crate::command::OperatorCommand;
use crate::model::containers::ContainerKey;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Run a confirmed operator command.
    Execute(OperatorCommand),
    /// Record a command refused by the mode.
    RecordRefusal {
        command: OperatorCommand,
        reason: String,
    },
    /// Record that the operator revealed a container's environment values (never the values).
    RecordReveal {
        engine: String,
        id: String,
        name: String,
    },
    /// Follow a container's log, replacing any log followed before.
    FollowLogs { key: ContainerKey, tail: usize },
    /// Stop following the container log.
    StopLogs,
    /// Poll an endpoint now, out of its schedule.
    PollEndpoint { endpoint: String },
}
