//! What every source reports after each poll: a snapshot, or why there is none and when it is
//! tried again.

use chrono::{DateTime, Utc};

use crate::tab::Tab;

/// What a source reports after each poll.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceReport<T> {
    pub at: DateTime<Utc>,
    pub result: Result<T, SourceFailure>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFailure {
    pub error: String,
    pub retry_at: DateTime<Utc>,
}

/// Which source: the name its health is kept under (`system`, `docker:local`) and the tab it
/// feeds, so a finding about it lands on that tab.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SourceId {
    pub name: String,
    pub tab: Tab,
}

/// The name of the local host source, in the header and the findings.
pub const SYSTEM_SOURCE: &str = "system";

impl SourceId {
    pub fn new(name: impl Into<String>, tab: Tab) -> Self {
        Self {
            name: name.into(),
            tab,
        }
    }

    /// The local host.
    pub fn system() -> Self {
        Self::new(SYSTEM_SOURCE, Tab::Resources)
    }

    /// A database, by its configured name.
    pub fn database(name: &str) -> Self {
        Self::new(format!("db:{name}"), Tab::Databases)
    }

    /// The endpoint prober, which polls every `[[endpoint]]`.
    pub fn endpoints() -> Self {
        Self::new("endpoints", Tab::Endpoints)
    }

    /// An Alertmanager, by its configured name: its alerts join the Alerts tab.
    pub fn alertmanager(name: &str) -> Self {
        Self::new(format!("am:{name}"), Tab::Alerts)
    }

    /// A Docker engine, by its configured name.
    pub fn docker(engine: &str) -> Self {
        Self::new(format!("docker:{engine}"), Tab::Containers)
    }
}

/// A source task that died, why, and when it starts again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceDeath {
    pub source: SourceId,
    pub failure: SourceFailure,
}
