//! A source's report or death as it reaches its health: the status the header and the tabs
//! show, and the `source_up` series the rules judge.

use chrono::{DateTime, Utc};

use crate::model::source::SourceReport;
use crate::state::AppState;
use crate::state::source::{SOURCE_UP, SourceStatus};

/// Records a source's report in its health; the snapshot and when it was taken, if it has one.
/// A source the state does not list (neither configured nor added at run time) is a bug: its
/// report is logged as an error, not kept.
pub(crate) fn source_answered<T>(
    state: &mut AppState,
    source: &str,
    report: SourceReport<T>,
) -> Option<(DateTime<Utc>, T)> {
    let Some(health) = state.sources.iter_mut().find(|s| s.name == source) else {
        unknown_source(source, "report");
        return None;
    };
    let answered = match report.result {
        Ok(snapshot) => {
            health.apply_ok(report.at);
            Some((report.at, snapshot))
        }
        Err(failure) => {
            health.apply_error(failure.error, report.at, Some(failure.retry_at));
            None
        }
    };
    record_source_up(state, source, report.at);
    answered
}

pub(crate) fn unknown_source(source: &str, what: &str) {
    tracing::error!(
        source,
        "a {what} from a source the registry does not list was not kept"
    );
}

/// `source_up{source}`: 1 while a source answers, 0 while it is down or stale; the
/// `SourceDown` rule watches it.
pub(crate) fn record_source_up(state: &mut AppState, source: &str, at: DateTime<Utc>) {
    let Some(health) = state.source(source) else {
        return;
    };
    let up = matches!(
        health.status,
        SourceStatus::Ok { .. } | SourceStatus::Connecting
    );
    state.metrics.record_series(
        SOURCE_UP,
        &[("source", source)],
        at,
        f64::from(u8::from(up)),
    );
}
