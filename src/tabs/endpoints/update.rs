//! The Endpoints tab's reducer: the list's keys, the detail pane, "poll now", and the prober's
//! batches.

use chrono::{DateTime, Utc};

use crate::action::Action;
use crate::effect::Effect;
use crate::model::endpoints::ProbeBatch;
use crate::model::source::{SourceId, SourceReport};
use crate::reduce::{source_answered, toast};
use crate::state::list::{Listed, PAGE};
use crate::state::{AppState, ToastKind};
use crate::tabs::endpoints::record;

/// A key the shell left to this tab.
pub fn apply_action(state: &mut AppState, action: Action, now: DateTime<Utc>) -> Vec<Effect> {
    let endpoints = &mut state.endpoints;
    match action {
        Action::SelectNext => endpoints.apply_move(1),
        Action::SelectPrev => endpoints.apply_move(-1),
        Action::PageDown => endpoints.apply_move(PAGE),
        Action::PageUp => endpoints.apply_move(-PAGE),
        Action::SelectFirst => endpoints.apply_select_edge(false),
        Action::SelectLast => endpoints.apply_select_edge(true),
        Action::SortNextColumn => endpoints.apply_next_sort(),
        Action::ReverseSort => endpoints.apply_reverse(),
        Action::ToggleGroups => endpoints.apply_toggle_groups(),
        Action::ToggleDetail => endpoints.apply_toggle_detail(),
        Action::ScrollDetailDown => endpoints.apply_detail_scroll(1),
        Action::ScrollDetailUp => endpoints.apply_detail_scroll(-1),
        Action::PollNow => {
            let Some(name) = endpoints.list.selected.clone() else {
                return Vec::new();
            };
            toast(state, ToastKind::Info, format!("polling {name} now"), now);
            return vec![Effect::PollEndpoint { endpoint: name }];
        }
        _ => {}
    }
    Vec::new()
}

/// The detail's scroll keys are offered while the detail is open.
pub fn offers(state: &AppState, action: Action) -> bool {
    match action {
        Action::ScrollDetailDown | Action::ScrollDetailUp => state.endpoints.show_detail,
        _ => true,
    }
}

/// Selects the endpoint `name` another tab named.
pub fn focus(state: &mut AppState, name: &str) {
    let endpoints = &mut state.endpoints;
    if endpoints.endpoints.iter().any(|e| e.name == name) {
        endpoints.list.apply_select(name.to_string());
    }
}

/// Esc below the overlays closes the detail pane.
pub fn cancel(state: &mut AppState) -> Vec<Effect> {
    state.endpoints.show_detail = false;
    Vec::new()
}

/// A batch of polls from the prober.
pub fn apply_report(state: &mut AppState, report: SourceReport<ProbeBatch>, now: DateTime<Utc>) {
    let source = SourceId::endpoints().name;
    if let Some((at, batch)) = source_answered(state, &source, report) {
        let touched = state.endpoints.apply_batch(batch, at);
        record::record(&mut state.metrics, at, &state.endpoints, &touched);
    }
    crate::tabs::alerts::update::evaluate(state, now);
}
