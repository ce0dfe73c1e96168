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
