//! The runbook log's words for what the Runbook tab's commands say: what a tick counts toward
//! and how a step was ticked.

use crate::command::{Mark, Toward};

use super::log::{Incident, Scope, StepState};

pub fn scope(toward: &Toward) -> Scope {
    match toward {
        Toward::Period(period) => Scope::Period(period.clone()),
        Toward::Incident { alert, since } => Scope::Incident(Incident {
            alert: alert.clone(),
            since: *since,
        }),
    }
}

pub fn state(mark: Mark) -> StepState {
    match mark {
        Mark::Done => StepState::Done,
        Mark::Skipped => StepState::Skipped,
        Mark::Failed => StepState::Failed,
    }
}
