//! What every source reports after each poll: a snapshot, or why there is none and when it is
//! tried again.

use chrono::{DateTime, Utc};

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

/// What kind of source: each kind is started, polled once by `check` and summed up in one arm
/// (`sources::start`, `check::summary`), with no catch-all, so a new kind is listed by the
/// compiler wherever it needs one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SourceKind {
    /// The local host.
    System,
    /// A Docker engine.
    Docker,
    /// A `[[database]]`.
    Database,
    /// The prober of every `[[endpoint]]`.
    Endpoints,
    /// An `[[alertmanager]]`.
    Alertmanager,
    /// A `[[prometheus]]`: the fleet's hosts, imported series and its own alerts.
    Prometheus,
}

/// Which source: its kind and the name its health is kept under (`system`, `docker:local`).
/// The tabs it feeds are the registry's to say (`crate::sources`), not the model's.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SourceId {
    pub kind: SourceKind,
    pub name: String,
}

/// The name of the local host source, in the header and the findings.
pub const SYSTEM_SOURCE: &str = "system";

impl SourceId {
    fn new(kind: SourceKind, name: impl Into<String>) -> Self {
        Self {
            kind,
            name: name.into(),
        }
    }

    /// The local host.
    pub fn system() -> Self {
        Self::new(SourceKind::System, SYSTEM_SOURCE)
    }

    /// A database, by its configured name.
    pub fn database(name: &str) -> Self {
        Self::new(SourceKind::Database, format!("db:{name}"))
    }

    /// The endpoint prober, which polls every `[[endpoint]]`.
    pub fn endpoints() -> Self {
        Self::new(SourceKind::Endpoints, "endpoints")
    }

    /// An Alertmanager, by its configured name.
    pub fn alertmanager(name: &str) -> Self {
        Self::new(SourceKind::Alertmanager, format!("am:{name}"))
    }

    /// A Prometheus, by its configured name.
    pub fn prometheus(name: &str) -> Self {
        Self::new(SourceKind::Prometheus, format!("prom:{name}"))
    }

    /// A Docker engine, by its configured name.
    pub fn docker(engine: &str) -> Self {
        Self::new(SourceKind::Docker, format!("docker:{engine}"))
    }
}

/// A source task that died, why, and when it starts again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceDeath {
    pub source: SourceId,
    pub failure: SourceFailure,
}
