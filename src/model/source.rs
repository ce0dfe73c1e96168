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

/// Which source a task serves: the name its health is kept under (`system`, `docker:local`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SourceId {
    pub name: String,
}

impl SourceId {
    pub fn new(name: impl Into<String>) -> Self {
        Self { name: name.into() }
    }
}

/// A source task that died, why, and when it starts again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceDeath {
    pub source: SourceId,
    pub failure: SourceFailure,
}
