//! The Runbook tab: the manual's checklists by cadence with their progress per period and the
//! automatic checks' results, the procedure opened from a firing alert, and the shift log.

pub mod update;
pub mod view;
