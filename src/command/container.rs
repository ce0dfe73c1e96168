//! Commands on a container of a Docker engine.

use crate::model::containers::ContainerAction;

/// The audit action of showing a container's environment values.
pub const REVEAL_ENV: &str = "reveal env";

/// Perform `action` on container `id` of `engine`, shown by `name`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerCommand {
    pub engine: String,
    pub id: String,
    pub name: String,
    pub action: ContainerAction,
}

impl ContainerCommand {
    pub fn action(&self) -> String {
        format!("container {}", self.action.verb())
    }

    pub fn target(&self) -> String {
        container_target(&self.engine, &self.id, &self.name)
    }

    /// The same container: one command at a time may be in flight on it.
    pub fn same_target(&self, other: &ContainerCommand) -> bool {
        self.engine == other.engine && self.id == other.id
    }
}

/// A container as the audit log names it, e.g. `container web (0123456789ab) on local`.
pub fn container_target(engine: &str, id: &str, name: &str) -> String {
    format!("container {name} ({}) on {engine}", &id[..id.len().min(12)])
}
