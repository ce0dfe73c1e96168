//! The Alerts tab's reducer: evaluating the rules, and the list's keys.

use chrono::{DateTime, Utc};

use crate::action::Action;
use crate::alerts::engine;
use crate::effect::Effect;
use crate::state::AppState;
use crate::state::list::PAGE;
use crate::tabs::alerts::judge;

/// Evaluates every rule at `now` and makes the firing alerts the console's findings.
pub fn evaluate(state: &mut AppState, now: DateTime<Utc>) {
    let (alerts, transitions) = engine::evaluate(
        &state.alerts.rules,
        &state.metrics,
        &state.alerts.alerts,
        now,
    );
    state.alerts.apply_evaluation(alerts, transitions, now);
    state.findings = judge::findings(&state.alerts, &state.sources);
}

/// A key the shell left to this tab.
pub fn apply_action(state: &mut AppState, action: Action, _now: DateTime<Utc>) -> Vec<Effect> {
    let alerts = &mut state.alerts;
    match action {
        Action::SelectNext => alerts.list.apply_move(1),
        Action::SelectPrev => alerts.list.apply_move(-1),
        Action::PageDown => alerts.list.apply_move(PAGE),
        Action::PageUp => alerts.list.apply_move(-PAGE),
        Action::SelectFirst => alerts.list.apply_select_edge(false),
        Action::SelectLast => alerts.list.apply_select_edge(true),
        Action::ToggleResolved => alerts.apply_toggle_resolved(),
        _ => {}
    }
    Vec::new()
}
