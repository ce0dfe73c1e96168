//! Commands on a local process: signals.

use std::fmt;

use serde::Serialize;

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

/// Send `signal` to process `pid`, shown by `name`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcessCommand {
    pub pid: u32,
    pub name: String,
    pub signal: ProcessSignal,
}

impl ProcessCommand {
    pub fn action(&self) -> String {
        format!("signal {}", self.signal)
    }

    pub fn target(&self) -> String {
        format!("process {} ({})", self.pid, self.name)
    }
}
