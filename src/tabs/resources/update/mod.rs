//! The Resources tab's reducer: the process table's keys, signals, and the host's reports.

pub mod prometheus;

use chrono::{DateTime, Utc};

use crate::action::Action;
use crate::command::{OperatorCommand, ProcessCommand, ProcessSignal};
use crate::effect::Effect;
use crate::model::resources::ResourcesSnapshot;
use crate::model::source::{SYSTEM_SOURCE, SourceReport};
use crate::reduce::{ask, source_answered, toast};
use crate::state::list::{Listed, PAGE};
use crate::state::resources::SortKey;
use crate::state::{AppState, ConfirmDialog, ToastKind};
use crate::tab::Tab;
use crate::tabs::Subject;
use crate::tabs::resources::record;

/// A key the shell left to this tab.
pub fn apply_action(state: &mut AppState, action: Action, now: DateTime<Utc>) -> Vec<Effect> {
    if !offers(state, action) {
        return Vec::new();
    }
    let resources = &mut state.resources;
    match action {
        Action::SelectNext => resources.list.apply_move(1),
        Action::SelectPrev => resources.list.apply_move(-1),
        Action::PageDown => resources.list.apply_move(PAGE),
        Action::PageUp => resources.list.apply_move(-PAGE),
        Action::SelectFirst => resources.list.apply_select_edge(false),
        Action::SelectLast => resources.list.apply_select_edge(true),
        Action::SortByCpu => resources.apply_sort(SortKey::Cpu),
        Action::SortByMemory => resources.apply_sort(SortKey::Memory),
        Action::SortByPid => resources.apply_sort(SortKey::Pid),
        Action::SortByName => resources.apply_sort(SortKey::Name),
        Action::ReverseSort => resources.apply_reverse(),
        Action::NextHost | Action::PrevHost => {
            let step = if action == Action::NextHost { 1 } else { -1 };
            state.fleet.list.apply_move(step);
            return prometheus::fetch_selected(state);
        }
        Action::SortNextColumn => state.fleet.apply_next_sort(),
        Action::GotoSubject => {
            if let Some(engine) = selected_host_engine(state) {
                crate::tabs::focus(state, &Subject::Engine { name: engine });
                state.tab = Tab::Containers;
            }
        }
        Action::TerminateProcess => return ask_to_signal(state, ProcessSignal::Term, now),
        Action::KillProcess => return ask_to_signal(state, ProcessSignal::Kill, now),
        _ => {}
    }
    Vec::new()
}

/// The local host's report: its health, its series, the table, then the alerts.
pub fn apply_report(
    state: &mut AppState,
    report: SourceReport<ResourcesSnapshot>,
    now: DateTime<Utc>,
) {
    if let Some((_, snapshot)) = source_answered(state, SYSTEM_SOURCE, report) {
        let host = state.resources.local().key.clone();
        record::record(&mut state.metrics, state.refresh, &host, &snapshot);
        state.resources.apply_snapshot(&host, snapshot);
    }
    crate::tabs::alerts::update::evaluate(state, now);
    state.refresh_local_host();
}

/// The host list's keys are offered only while it is shown; the process table's only while
/// this host's panels are (a remote host has no process table here).
pub fn offers(state: &AppState, action: Action) -> bool {
    match action {
        Action::NextHost | Action::PrevHost | Action::SortNextColumn => state.shows_hosts(),
        Action::GotoSubject => selected_host_engine(state).is_some(),
        Action::SortByCpu
        | Action::SortByMemory
        | Action::SortByPid
        | Action::SortByName
        | Action::ReverseSort
        | Action::TerminateProcess
        | Action::KillProcess => state.fleet.selected_remote().is_none(),
        _ => true,
    }
}

/// The Docker engine of the remote host picked in the host list, when one is configured.
fn selected_host_engine(state: &AppState) -> Option<String> {
    let host = state.fleet.selected_remote()?;
    state
        .containers
        .engine_on_host(host.host.as_str())
        .map(str::to_string)
}

/// Opens the confirmation for a signal, or refuses it with the reason.
fn ask_to_signal(state: &mut AppState, signal: ProcessSignal, now: DateTime<Utc>) -> Vec<Effect> {
    let Some(process) = state.resources.selected_process() else {
        toast(state, ToastKind::Info, "select a process first".into(), now);
        return Vec::new();
    };
    let command = OperatorCommand::Process(ProcessCommand {
        pid: process.pid,
        name: process.name.clone(),
        signal,
    });
    let mut lines = vec![
        format!(
            "Send {signal} to process {} ({})?",
            process.pid, process.name
        ),
        format!(
            "user {} · cpu {:.1}% · command: {}",
            process.user, process.cpu_percent, process.command
        ),
    ];
    let then = match signal {
        ProcessSignal::Term => {
            lines.push("The process may clean up and exit.".into());
            None
        }
        ProcessSignal::Kill => {
            lines.push(
                "SIGKILL cannot be caught: the process dies at once, without cleanup.".into(),
            );
            Some(Box::new(ConfirmDialog {
                title: "Really SIGKILL? (second confirmation)".into(),
                lines: vec![
                    format!(
                        "Process {} ({}) will be killed now.",
                        process.pid, process.name
                    ),
                    "Unsaved work and open transactions in it are lost.".into(),
                ],
                command: command.clone(),
                then: None,
                typed: None,
            }))
        }
    };
    ask(
        state,
        ConfirmDialog {
            title: format!("Send {signal}"),
            lines,
            command,
            then,
            typed: None,
        },
        now,
    )
}
