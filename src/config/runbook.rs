//! `[runbook]`: where the runbook log is kept and when a week starts.

use std::path::PathBuf;

use chrono::Weekday;
use serde::Deserialize;

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RunbookConfig {
    /// The directory of the runbook log; one shared by the engineers of a jump host lets each
    /// see the others' ticks. Default: the state dir.
    pub state_dir: Option<PathBuf>,
    /// The first day of a weekly checklist's week (`monday` … `sunday`).
    pub week_start: Weekday,
}

impl Default for RunbookConfig {
    fn default() -> Self {
        Self {
            state_dir: None,
            week_start: Weekday::Mon,
        }
    }
}
