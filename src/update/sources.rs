//! Sources' health as their reports and deaths arrive: the status the header and the tabs show,
//! and the `source_up` series the rules judge.

use chrono::{DateTime, Utc};

use crate::model::source::SourceDeath;
use crate::reduce::{record_source_up, unknown_source};
use crate::state::AppState;
use crate::tabs;

/// A dead source task is a down source until its restart answers.
pub(super) fn apply_source_death(state: &mut AppState, death: SourceDeath, now: DateTime<Utc>) {
    let Some(health) = state
        .sources
        .iter_mut()
        .find(|s| s.name == death.source.name)
    else {
        unknown_source(&death.source.name, "death");
        return;
    };
    health.apply_error(death.failure.error, now, Some(death.failure.retry_at));
    record_source_up(state, &death.source.name, now);
    tabs::alerts::update::evaluate(state, now);
}
