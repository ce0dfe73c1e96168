//! The Containers tab's reducer: the list's keys, the detail pane, the log view, container
//! actions, and the engines' reports.

use chrono::{DateTime, Utc};

use crate::action::Action;
use crate::command::Mode;
use crate::command::{ContainerCommand, OperatorCommand, REVEAL_ENV, container_target};
use crate::effect::Effect;
use crate::model::containers::{
    ContainerAction, ContainerKey, ContainerState, EngineSnapshot, LogEvent,
};
use crate::model::source::{SourceId, SourceReport};
use crate::msg::FilterEdit;
use crate::reduce::{ask, refused, source_answered, toast};
use crate::state::containers::LogView;
use crate::state::list::{Listed, PAGE};
use crate::state::{AppState, ConfirmDialog, ToastKind, TypedConfirmation};
use crate::tabs::containers::record;
use crate::words::capitalised;

/// A key the shell left to this tab: the log view's when it is open, else the list's.
pub fn apply_action(state: &mut AppState, action: Action, now: DateTime<Utc>) -> Vec<Effect> {
    if let Some(logs) = state.containers.logs.as_mut() {
        match action {
            Action::SelectNext => logs.apply_scroll(1),
            Action::SelectPrev => logs.apply_scroll(-1),
            Action::PageDown => logs.apply_scroll(PAGE),
            Action::PageUp => logs.apply_scroll(-PAGE),
            Action::SelectFirst => logs.apply_scroll(isize::MIN / 2),
            Action::SelectLast => logs.apply_scroll(isize::MAX / 2),
            Action::NextMatch | Action::PrevMatch => {
                logs.apply_jump(action == Action::PrevMatch);
            }
            Action::ToggleFollow => {
                logs.following = !logs.following;
                if logs.following {
                    logs.scroll = 0;
                }
            }
            Action::ToggleWrap => logs.wrap = !logs.wrap,
            Action::ToggleTimestamps => logs.timestamps = !logs.timestamps,
            _ => {}
        }
        return Vec::new();
    }
    let containers = &mut state.containers;
    match action {
        Action::SelectNext => containers.apply_move(1),
        Action::SelectPrev => containers.apply_move(-1),
        Action::PageDown => containers.apply_move(PAGE),
        Action::PageUp => containers.apply_move(-PAGE),
        Action::SelectFirst => containers.apply_select_edge(false),
        Action::SelectLast => containers.apply_select_edge(true),
        Action::ReverseSort => containers.apply_reverse(),
        Action::SortNextColumn => containers.apply_next_sort(),
        Action::ToggleDetail => containers.apply_toggle_detail(),
        Action::ToggleGroups => containers.apply_toggle_groups(),
        Action::ScrollDetailDown => containers.apply_detail_scroll(1),
        Action::ScrollDetailUp => containers.apply_detail_scroll(-1),
        Action::RevealEnv => return reveal_env(state, now),
        Action::OpenLogs => return open_logs(state, now),
        Action::RestartContainer => return ask_container(state, ContainerAction::Restart, now),
        Action::StopContainer => return ask_container(state, ContainerAction::Stop, now),
        Action::StartContainer => return ask_container(state, ContainerAction::Start, now),
        Action::KillContainer => return ask_container(state, ContainerAction::Kill, now),
        Action::PauseContainer => {
            let paused = containers
                .selected_container()
                .is_some_and(|(_, c)| c.state == ContainerState::Paused);
            let action = if paused {
                ContainerAction::Unpause
            } else {
                ContainerAction::Pause
            };
            return ask_container(state, action, now);
        }
        _ => {}
    }
    Vec::new()
}

/// The detail's scroll keys are offered while the detail is open.
pub fn offers(state: &AppState, action: Action) -> bool {
    match action {
        Action::ScrollDetailDown | Action::ScrollDetailUp => state.containers.show_detail,
        _ => true,
    }
}

/// Selects the container `name` of `engine` another tab named, with its detail closed so the
/// list's keys act on it.
pub fn focus(state: &mut AppState, engine: &str, name: &str) {
    let containers = &mut state.containers;
    let key = containers
        .engines
        .iter()
        .find(|e| e.name == engine)
        .and_then(|e| e.containers.iter().find(|c| c.name == name))
        .map(|c| ContainerKey {
            engine: engine.to_string(),
            id: c.id.clone(),
        });
    if let Some(key) = key {
        containers.list.apply_select(key);
        containers.show_detail = false;
    }
}

/// Esc below the overlays: closes the log view, else the detail pane.
pub fn cancel(state: &mut AppState) -> Vec<Effect> {
    let containers = &mut state.containers;
    if containers.logs.take().is_some() {
        return vec![Effect::StopLogs];
    }
    containers.show_detail = false;
    containers.revealed_env = None;
    Vec::new()
}

/// What `/` edits: the search of the open log view, else the list's filter.
pub fn edited_filter(state: &AppState) -> &str {
    match &state.containers.logs {
        Some(logs) => &logs.search,
        None => &state.containers.list.filter,
    }
}

/// `/` was pressed: the log view marks its search as being edited.
pub fn begin_filter(state: &mut AppState) {
    if let Some(logs) = state.containers.logs.as_mut() {
        logs.editing_search = true;
    }
}

/// The text typed so far, and whether the prompt is still open.
pub fn apply_filter(state: &mut AppState, text: String, edit: &FilterEdit, editing: bool) {
    match state.containers.logs.as_mut() {
        Some(logs) => {
            logs.editing_search = editing;
            let jump = *edit == FilterEdit::Apply && !text.is_empty();
            logs.search = text;
            if jump {
                logs.apply_jump(true);
            }
        }
        None => state.containers.apply_filter(text),
    }
}

/// An engine's report: its health, its series, its containers, then its findings.
pub fn apply_report(
    state: &mut AppState,
    engine: &str,
    report: SourceReport<EngineSnapshot>,
    now: DateTime<Utc>,
) {
    let source = SourceId::docker(engine).name;
    if let Some((at, snapshot)) = source_answered(state, &source, report) {
        record::record(&mut state.metrics, at, &snapshot);
        state.containers.apply_snapshot(snapshot);
    }
    crate::tabs::alerts::update::evaluate(state, now);
}

/// New lines or news of the followed log, for the view that follows that container.
pub fn apply_log_event(state: &mut AppState, key: ContainerKey, event: LogEvent) {
    if let Some(logs) = state.containers.logs.as_mut().filter(|l| l.key == key) {
        logs.apply_event(event);
    }
}

/// `e` shows or hides the values of the selected container's environment, which are secrets: a
/// wall display (`--watch`) never shows them, and every reveal is audited (never the values).
/// `--read-only` may reveal: it is the operator's own terminal.
fn reveal_env(state: &mut AppState, now: DateTime<Utc>) -> Vec<Effect> {
    let containers = &mut state.containers;
    containers.show_detail = true;
    if containers
        .revealed_env
        .take()
        .is_some_and(|k| Some(k) == containers.list.selected)
    {
        return Vec::new();
    }
    let Some((engine, container)) = state.containers.selected_container() else {
        return Vec::new();
    };
    let (engine, id, name) = (
        engine.name.clone(),
        container.id.clone(),
        container.name.clone(),
    );
    if state.mode == Mode::Watch {
        let reason = "env values are never shown in watch mode (--watch is a wall display)";
        let target = container_target(&engine, &id, &name);
        refused(state, REVEAL_ENV, &target, reason, now);
        return vec![Effect::RecordReveal {
            engine,
            id,
            name,
            refused: Some(reason.into()),
        }];
    }
    let effect = Effect::RecordReveal {
        engine,
        id,
        name,
        refused: None,
    };
    state.containers.revealed_env = state.containers.list.selected.clone();
    vec![effect]
}

fn open_logs(state: &mut AppState, now: DateTime<Utc>) -> Vec<Effect> {
    let Some((engine, container)) = state.containers.selected_container() else {
        toast(
            state,
            ToastKind::Info,
            "select a container first".into(),
            now,
        );
        return Vec::new();
    };
    let key = ContainerKey {
        engine: engine.name.clone(),
        id: container.id.clone(),
    };
    let name = container.name.clone();
    state.containers.logs = Some(LogView::new(key.clone(), name, state.log_buffer));
    vec![Effect::FollowLogs {
        key,
        tail: state.log_tail,
    }]
}

/// Opens the confirmation for a container action; a protected container also asks for its name.
fn ask_container(state: &mut AppState, action: ContainerAction, now: DateTime<Utc>) -> Vec<Effect> {
    let Some((engine, container)) = state.containers.selected_container() else {
        toast(
            state,
            ToastKind::Info,
            "select a container first".into(),
            now,
        );
        return Vec::new();
    };
    let command = OperatorCommand::Container(ContainerCommand {
        engine: engine.name.clone(),
        id: container.id.clone(),
        name: container.name.clone(),
        action,
    });
    let running = container.state.is_running();
    let pointless = match action {
        ContainerAction::Start | ContainerAction::Unpause => {
            running && container.state != ContainerState::Paused
        }
        ContainerAction::Stop | ContainerAction::Kill | ContainerAction::Pause => !running,
        ContainerAction::Restart => false,
    };
    let name = container.name.clone();
    if pointless {
        toast(
            state,
            ToastKind::Info,
            format!(
                "{name} is {}: nothing to {}",
                container.state.label(),
                action.verb()
            ),
            now,
        );
        return Vec::new();
    }
    let protected = engine.protects(container);
    let mut lines = vec![
        format!(
            "{} container {name} on engine {}?",
            capitalised(action.verb()),
            engine.name
        ),
        format!(
            "image {} · {} · restarts {}",
            container.image,
            container.state.label(),
            container.restart_count
        ),
    ];
    if protected {
        lines.push(format!("{name} is protected: type its name, then enter."));
    }
    ask(
        state,
        ConfirmDialog {
            title: format!("{} {name}", capitalised(action.verb())),
            lines,
            command,
            then: None,
            typed: protected.then(|| TypedConfirmation {
                expected: Some(name),
                typed: String::new(),
            }),
        },
        now,
    )
}
