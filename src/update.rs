//! The reducer: `update(state, msg, now)` changes the state and returns the side effects to run.
//! It does no I/O and reads no clock, so every transition is a plain table test.

use chrono::{DateTime, Utc};

use crate::action::Action;
use crate::command::{
    CommandError, CommandOutcome, ContainerCommand, OperatorCommand, ProcessCommand, ProcessSignal,
};
use crate::effect::Effect;
use crate::findings::{container_findings, resource_findings, source_findings};
use crate::metrics::SeriesKey;
use crate::model::containers::{ContainerAction, ContainerState, EngineSnapshot};
use crate::model::resources::ResourcesSnapshot;
use crate::model::source::SourceDeath;
use crate::model::source::SourceReport;
use crate::msg::{FilterEdit, Msg, SourceUpdate};
use crate::state::containers::{ContainerKey, LogView};
use crate::state::resources::SortKey;
use crate::state::source::SourceStatus;
use crate::state::{
    AppState, ConfirmDialog, InFlight, Mode, Overlay, SYSTEM_SOURCE, Toast, ToastKind,
    TypedConfirmation, chrono_duration, docker_source,
};
use crate::tab::Tab;

const PAGE: isize = 10;
const TOAST_SECONDS: i64 = 5;
const ERROR_TOAST_SECONDS: i64 = 10;
const MAX_TOASTS: usize = 4;
/// How many refresh intervals without a good sample make a source stale.
const STALE_AFTER_INTERVALS: u32 = 3;

pub fn update(state: &mut AppState, msg: Msg, now: DateTime<Utc>) -> Vec<Effect> {
    match msg {
        Msg::Action(action) => apply_action(state, action, now),
        Msg::FilterEdit(edit) => {
            apply_filter_edit(state, edit);
            Vec::new()
        }
        Msg::ClickTab(tab) => {
            switch_tab(state, tab, now);
            Vec::new()
        }
        Msg::Source(SourceUpdate::System(report)) => {
            apply_system_report(state, report, now);
            Vec::new()
        }
        Msg::Source(SourceUpdate::Docker { engine, report }) => {
            apply_docker_report(state, &engine, report, now);
            Vec::new()
        }
        Msg::SourceDied(death) => {
            apply_source_death(state, death, now);
            Vec::new()
        }
        Msg::LogEvent { key, event } => {
            if let Some(logs) = state.containers.logs.as_mut().filter(|l| l.key == key) {
                logs.apply_event(event);
            }
            Vec::new()
        }
        Msg::CommandFinished(outcome) => {
            apply_outcome(state, outcome, now);
            Vec::new()
        }
        Msg::Tick => {
            apply_tick(state, now);
            Vec::new()
        }
    }
}

fn apply_action(state: &mut AppState, action: Action, now: DateTime<Utc>) -> Vec<Effect> {
    let logs_open = state.tab == Tab::Containers && state.containers.logs.is_some();
    if state.overlay == Overlay::Help
        && let Some(delta) = help_scroll(action)
    {
        state.help_scroll = state.help_scroll.saturating_add_signed(delta);
        return Vec::new();
    }
    match action {
        Action::Quit => state.should_quit = true,
        Action::Help => {
            state.overlay = if state.overlay == Overlay::Help {
                Overlay::None
            } else {
                state.help_scroll = 0;
                Overlay::Help
            }
        }
        Action::Cancel => return cancel(state),
        Action::Confirm => return confirm(state, now),
        Action::NextTab => switch_tab(state, state.tab.next(), now),
        Action::PrevTab => switch_tab(state, state.tab.prev(), now),
        Action::GotoResources => switch_tab(state, Tab::Resources, now),
        Action::GotoContainers => switch_tab(state, Tab::Containers, now),
        Action::GotoAlerts => switch_tab(state, Tab::Alerts, now),
        Action::GotoDatabases => switch_tab(state, Tab::Databases, now),
        Action::GotoEndpoints => switch_tab(state, Tab::Endpoints, now),
        Action::GotoRunbook => switch_tab(state, Tab::Runbook, now),
        Action::Filter => match state.tab {
            Tab::Resources | Tab::Containers => {
                if let Some(logs) = state.containers.logs.as_mut().filter(|_| logs_open) {
                    logs.editing_search = true;
                }
                state.overlay = Overlay::Filter;
            }
            other => toast(
                state,
                ToastKind::Info,
                format!("{} has no list to filter yet", other.title()),
                now,
            ),
        },
        Action::SelectNext => move_selection(state, 1),
        Action::SelectPrev => move_selection(state, -1),
        Action::PageDown => move_selection(state, PAGE),
        Action::PageUp => move_selection(state, -PAGE),
        Action::SelectFirst => move_to_edge(state, false),
        Action::SelectLast => move_to_edge(state, true),
        Action::SortByCpu => state.resources.apply_sort(SortKey::Cpu),
        Action::SortByMemory => state.resources.apply_sort(SortKey::Memory),
        Action::SortByPid => state.resources.apply_sort(SortKey::Pid),
        Action::SortByName => state.resources.apply_sort(SortKey::Name),
        Action::ReverseSort => match state.tab {
            Tab::Containers => state.containers.apply_reverse(),
            _ => state.resources.apply_reverse(),
        },
        Action::SortNextColumn => state.containers.apply_next_sort(),
        Action::ToggleRotation => toggle_rotation(state, now),
        Action::TerminateProcess => return ask_to_signal(state, ProcessSignal::Term, now),
        Action::KillProcess => return ask_to_signal(state, ProcessSignal::Kill, now),
        Action::ToggleDetail => state.containers.apply_toggle_detail(),
        Action::ScrollDetailDown => state.containers.apply_detail_scroll(1),
        Action::ScrollDetailUp => state.containers.apply_detail_scroll(-1),
        Action::RevealEnv => return reveal_env(state, now),
        Action::OpenLogs => return open_logs(state, now),
        Action::RestartContainer => return ask_container(state, ContainerAction::Restart, now),
        Action::StopContainer => return ask_container(state, ContainerAction::Stop, now),
        Action::StartContainer => return ask_container(state, ContainerAction::Start, now),
        Action::KillContainer => return ask_container(state, ContainerAction::Kill, now),
        Action::PauseContainer => {
            let paused = state
                .containers
                .selected_container()
                .is_some_and(|(_, c)| c.state == ContainerState::Paused);
            let action = if paused {
                ContainerAction::Unpause
            } else {
                ContainerAction::Pause
            };
            return ask_container(state, action, now);
        }
        Action::NextMatch | Action::PrevMatch => {
            if let Some(logs) = state.containers.logs.as_mut() {
                logs.apply_jump(action == Action::PrevMatch);
            }
        }
        Action::ToggleFollow => {
            if let Some(logs) = state.containers.logs.as_mut() {
                logs.following = !logs.following;
                if logs.following {
                    logs.scroll = 0;
                }
            }
        }
        Action::ToggleWrap => {
            if let Some(logs) = state.containers.logs.as_mut() {
                logs.wrap = !logs.wrap;
            }
        }
        Action::ToggleTimestamps => {
            if let Some(logs) = state.containers.logs.as_mut() {
                logs.timestamps = !logs.timestamps;
            }
        }
    }
    Vec::new()
}

/// How far a selection key scrolls the help.
pub fn help_scroll(action: Action) -> Option<isize> {
    match action {
        Action::SelectNext => Some(1),
        Action::SelectPrev => Some(-1),
        Action::PageDown => Some(PAGE),
        Action::PageUp => Some(-PAGE),
        Action::SelectFirst => Some(isize::MIN),
        _ => None,
    }
}

/// Moves in the list of the current tab, or scrolls the open log view.
fn move_selection(state: &mut AppState, delta: isize) {
    match state.tab {
        Tab::Containers => match state.containers.logs.as_mut() {
            Some(logs) => logs.apply_scroll(delta),
            None => state.containers.apply_move(delta),
        },
        _ => state.resources.apply_move(delta),
    }
}

fn move_to_edge(state: &mut AppState, last: bool) {
    match state.tab {
        Tab::Containers => match state.containers.logs.as_mut() {
            Some(logs) => logs.apply_scroll(if last { isize::MAX / 2 } else { isize::MIN / 2 }),
            None => state.containers.apply_select_edge(last),
        },
        _ => state.resources.apply_select_edge(last),
    }
}

/// Esc closes the innermost thing open: an overlay, then the log view, then the detail pane.
fn cancel(state: &mut AppState) -> Vec<Effect> {
    if state.overlay != Overlay::None {
        state.overlay = Overlay::None;
    } else if state.tab == Tab::Containers && state.containers.logs.take().is_some() {
        return vec![Effect::StopLogs];
    } else if state.tab == Tab::Containers {
        state.containers.show_detail = false;
        state.containers.revealed_env = None;
    }
    Vec::new()
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
        .is_some_and(|k| Some(k) == containers.selected)
    {
        return Vec::new();
    }
    if state.mode == Mode::Watch {
        toast(
            state,
            ToastKind::Error,
            "refused: env values are never shown in watch mode (--watch is a wall display)".into(),
            now,
        );
        return Vec::new();
    }
    let Some((engine, container)) = state.containers.selected_container() else {
        return Vec::new();
    };
    let effect = Effect::RecordReveal {
        engine: engine.name.clone(),
        id: container.id.clone(),
        name: container.name.clone(),
    };
    state.containers.revealed_env = state.containers.selected.clone();
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
    let Some((engine, container)) = state
        .containers
        .selected_container()
        .filter(|_| state.tab == Tab::Containers)
    else {
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
    if let Some(text) = in_flight_refusal(state, &command, now) {
        toast(state, ToastKind::Error, text, now);
        return Vec::new();
    }
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
    if state.mode.refusal().is_some() {
        return refuse_in_read_only(state, &command, now);
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
    state.overlay = Overlay::Confirm(ConfirmDialog {
        title: format!("{} {name}", capitalised(action.verb())),
        lines,
        command,
        then: None,
        typed: protected.then(|| TypedConfirmation {
            expected: name,
            typed: String::new(),
        }),
    });
    Vec::new()
}

fn capitalised(word: &str) -> String {
    let mut chars = word.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

fn switch_tab(state: &mut AppState, tab: Tab, now: DateTime<Utc>) {
    state.tab = tab;
    if state.overlay == Overlay::Filter {
        state.overlay = Overlay::None;
    }
    // A tab chosen by hand gets a full rotation period before the wall display moves on.
    if let Some(watch) = &mut state.watch {
        watch.next_at = now + chrono_duration(watch.every);
    }
}

/// Opens the confirmation for a signal, or refuses it with the reason in read-only modes.
fn ask_to_signal(state: &mut AppState, signal: ProcessSignal, now: DateTime<Utc>) -> Vec<Effect> {
    let Some(process) = state
        .resources
        .selected_process()
        .filter(|_| state.tab == Tab::Resources)
    else {
        toast(state, ToastKind::Info, "select a process first".into(), now);
        return Vec::new();
    };
    let command = OperatorCommand::Process(ProcessCommand {
        pid: process.pid,
        name: process.name.clone(),
        signal,
    });
    if let Some(text) = in_flight_refusal(state, &command, now) {
        toast(state, ToastKind::Error, text, now);
        return Vec::new();
    }
    if state.mode.refusal().is_some() {
        return refuse_in_read_only(state, &command, now);
    }
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
    state.overlay = Overlay::Confirm(ConfirmDialog {
        title: format!("Send {signal}"),
        lines,
        command,
        then,
        typed: None,
    });
    Vec::new()
}

/// In the read-only modes: the reason as a toast and the refusal for the audit log.
fn refuse_in_read_only(
    state: &mut AppState,
    command: &OperatorCommand,
    now: DateTime<Utc>,
) -> Vec<Effect> {
    let Some(reason) = state.mode.refusal() else {
        return Vec::new();
    };
    let text = format!(
        "refused: {} {}: {reason}",
        command.action(),
        command.target()
    );
    toast(state, ToastKind::Error, text, now);
    vec![Effect::RecordRefusal {
        command: command.clone(),
        reason: reason.to_string(),
    }]
}

/// One command at a time on a target: a second restart while the first still runs would run and
/// be audited twice. The refusal says what is in flight, and since when.
fn in_flight_refusal(
    state: &AppState,
    command: &OperatorCommand,
    now: DateTime<Utc>,
) -> Option<String> {
    let running = state.in_flight_on(command)?;
    // What matters first: toasts are cut at 100 columns, and the row already names the target.
    Some(format!(
        "in flight for {}s, wait for it to finish: {} {}",
        (now - running.since).num_seconds().max(0),
        running.command.action(),
        running.command.target(),
    ))
}

fn confirm(state: &mut AppState, now: DateTime<Utc>) -> Vec<Effect> {
    match std::mem::take(&mut state.overlay) {
        Overlay::Confirm(dialog)
            if dialog.typed.as_ref().is_some_and(|t| t.typed != t.expected) =>
        {
            let expected = dialog
                .typed
                .as_ref()
                .map(|t| t.expected.clone())
                .unwrap_or_default();
            state.overlay = Overlay::Confirm(dialog);
            toast(
                state,
                ToastKind::Error,
                format!("type {expected:?} exactly to confirm"),
                now,
            );
            Vec::new()
        }
        Overlay::Confirm(dialog) => match dialog.then {
            Some(next) => {
                state.overlay = Overlay::Confirm(*next);
                Vec::new()
            }
            None => {
                if let Some(text) = in_flight_refusal(state, &dialog.command, now) {
                    toast(state, ToastKind::Error, text, now);
                    return Vec::new();
                }
                state.in_flight.push(InFlight {
                    command: dialog.command.clone(),
                    since: now,
                });
                vec![Effect::Execute(dialog.command)]
            }
        },
        other => {
            state.overlay = other;
            Vec::new()
        }
    }
}

/// Text typed while an input is open: the name of a protected container, the log search, or the
/// filter of the current list.
fn apply_filter_edit(state: &mut AppState, edit: FilterEdit) {
    if let Overlay::Confirm(ConfirmDialog {
        typed: Some(typed), ..
    }) = &mut state.overlay
    {
        match edit {
            FilterEdit::Insert(c) => typed.typed.push(c),
            FilterEdit::Backspace => {
                typed.typed.pop();
            }
            FilterEdit::Clear => typed.typed.clear(),
            FilterEdit::Apply | FilterEdit::Cancel => {}
        }
        return;
    }
    let mut text = state.edited_filter().to_string();
    match edit {
        FilterEdit::Insert(c) => text.push(c),
        FilterEdit::Backspace => {
            text.pop();
        }
        FilterEdit::Clear => text.clear(),
        FilterEdit::Apply => state.overlay = Overlay::None,
        FilterEdit::Cancel => {
            text.clear();
            state.overlay = Overlay::None;
        }
    }
    match state
        .containers
        .logs
        .as_mut()
        .filter(|_| state.tab == Tab::Containers)
    {
        Some(logs) => {
            logs.editing_search = state.overlay == Overlay::Filter;
            let jump = edit == FilterEdit::Apply && !text.is_empty();
            logs.search = text;
            if jump {
                logs.apply_jump(true);
            }
        }
        None if state.tab == Tab::Containers => state.containers.apply_filter(text),
        None => state.resources.apply_filter(text),
    }
}

fn toggle_rotation(state: &mut AppState, now: DateTime<Utc>) {
    let Some(watch) = &mut state.watch else {
        return;
    };
    watch.paused = !watch.paused;
    watch.next_at = now + chrono_duration(watch.every);
    let text = if watch.paused {
        "rotation paused (space resumes)"
    } else {
        "rotation resumed"
    };
    toast(state, ToastKind::Info, text.into(), now);
}

fn apply_system_report(
    state: &mut AppState,
    report: SourceReport<ResourcesSnapshot>,
    now: DateTime<Utc>,
) {
    let Some(health) = state.sources.iter_mut().find(|s| s.name == SYSTEM_SOURCE) else {
        return;
    };
    match report.result {
        Ok(mut snapshot) => {
            health.apply_ok(report.at);
            record_system_metrics(state, &snapshot);
            if !snapshot.processes_sampled {
                // Kept for when the table is shown again, with its selection.
                if let Some(last) = state.resources.latest.take() {
                    snapshot.processes = last.processes;
                }
            }
            state.resources.apply_snapshot(snapshot);
        }
        Err(failure) => health.apply_error(failure.error, report.at, Some(failure.retry_at)),
    }
    refresh_findings(state, now);
}

fn apply_docker_report(
    state: &mut AppState,
    engine: &str,
    report: SourceReport<EngineSnapshot>,
    now: DateTime<Utc>,
) {
    let name = docker_source(engine);
    let Some(health) = state.sources.iter_mut().find(|s| s.name == name) else {
        return;
    };
    match report.result {
        Ok(snapshot) => {
            health.apply_ok(report.at);
            record_container_metrics(state, report.at, &snapshot);
            state.containers.apply_snapshot(snapshot);
        }
        Err(failure) => health.apply_error(failure.error, report.at, Some(failure.retry_at)),
    }
    refresh_findings(state, now);
}

/// A dead source task is a down source until its restart answers.
fn apply_source_death(state: &mut AppState, death: SourceDeath, now: DateTime<Utc>) {
    let Some(health) = state
        .sources
        .iter_mut()
        .find(|s| s.name == death.source.name)
    else {
        return;
    };
    health.apply_error(death.failure.error, now, Some(death.failure.retry_at));
    refresh_findings(state, now);
}

/// Container facts for the alert engine, labelled with `engine` and `container`.
fn record_container_metrics(state: &mut AppState, at: DateTime<Utc>, snapshot: &EngineSnapshot) {
    for container in &snapshot.containers {
        let labels = [
            ("engine", snapshot.engine.as_str()),
            ("container", container.name.as_str()),
        ];
        let exit_code = match container.state {
            ContainerState::Exited { code } => code as f64,
            _ => 0.0,
        };
        let metrics = &mut state.metrics;
        metrics.record_series(
            "container.up",
            &labels,
            at,
            f64::from(u8::from(container.state == ContainerState::Running)),
        );
        metrics.record_series(
            "container.unhealthy",
            &labels,
            at,
            f64::from(u8::from(
                container.health == Some(crate::model::containers::Health::Unhealthy),
            )),
        );
        metrics.record_series(
            "container.restart_count",
            &labels,
            at,
            container.restart_count as f64,
        );
        metrics.record_series("container.exit_code", &labels, at, exit_code);
        if let Some(stats) = container.stats {
            metrics.record_series("container.cpu.percent", &labels, at, stats.cpu_percent);
            if let Some(percent) = stats.memory_percent() {
                metrics.record_series("container.memory.used_percent", &labels, at, percent);
            }
        }
        let restarts =
            restarts_within(state, &snapshot.engine, &container.name, at, RESTART_WINDOW);
        state
            .metrics
            .record_series("container.restarts_10m", &labels, at, restarts as f64);
    }
}

const RESTART_WINDOW: chrono::Duration = chrono::Duration::minutes(10);

/// How much a container's restart count grew over `window` before `now`, from the metric store.
fn restarts_within(
    state: &AppState,
    engine: &str,
    container: &str,
    now: DateTime<Utc>,
    window: chrono::Duration,
) -> i64 {
    let Some(id) = state.metrics.series_id(
        "container.restart_count",
        &[("engine", engine), ("container", container)],
    ) else {
        return 0;
    };
    let mut samples = state
        .metrics
        .history_id(id)
        .filter(|s| s.at >= now - window);
    let first = samples.next().map(|s| s.value);
    let last = state.metrics.latest_id(id);
    match (first, last) {
        (Some(first), Some(last)) => (last - first).max(0.0) as i64,
        _ => 0,
    }
}

fn record_system_metrics(state: &mut AppState, snapshot: &ResourcesSnapshot) {
    let at = snapshot.at;
    let metrics = &mut state.metrics;
    metrics.record_series("system.cpu.percent", &[], at, snapshot.cpu_percent);
    for (core, usage) in snapshot.cores.iter().enumerate() {
        metrics.record_series(
            "system.cpu.core_percent",
            &[("core", &core.to_string())],
            at,
            *usage,
        );
    }
    for (name, value) in ["system.load.1m", "system.load.5m", "system.load.15m"]
        .iter()
        .zip(snapshot.load)
    {
        metrics.record_series(name, &[], at, value);
    }
    metrics.record_series(
        "system.memory.used_percent",
        &[],
        at,
        snapshot.memory.percent(),
    );
    metrics.record_series(
        "system.memory.used_bytes",
        &[],
        at,
        snapshot.memory.used as f64,
    );
    metrics.record_series("system.swap.used_percent", &[], at, snapshot.swap.percent());
    for disk in &snapshot.disks {
        metrics.record_series(
            "system.disk.used_percent",
            &[("mount", &disk.mount)],
            at,
            disk.space.percent(),
        );
    }
    for net in &snapshot.networks {
        metrics.record_series(
            "system.net.rx_bytes_per_second",
            &[("iface", &net.iface)],
            at,
            net.rx_bytes_per_second,
        );
        metrics.record_series(
            "system.net.tx_bytes_per_second",
            &[("iface", &net.iface)],
            at,
            net.tx_bytes_per_second,
        );
    }
    // A series that stopped reporting for a whole history window (a disk unmounted) is dropped.
    let window = state.refresh * state.metrics.capacity() as u32;
    state
        .metrics
        .forget_older_than(at - chrono_duration(window));
}

fn refresh_findings(state: &mut AppState, now: DateTime<Utc>) {
    let mut findings = source_findings(&state.sources, now);
    if let Some(snapshot) = &state.resources.latest {
        findings.extend(resource_findings(
            snapshot,
            cpu_average(state),
            &state.limits,
        ));
    }
    // Restarts in the window were counted when the engine's report was recorded.
    let containers = state.containers.engines.iter().flat_map(|e| {
        e.containers.iter().map(|c| {
            let restarts = state
                .metrics
                .series_id(
                    "container.restarts_10m",
                    &[("engine", &e.name), ("container", &c.name)],
                )
                .and_then(|id| state.metrics.latest_id(id))
                .unwrap_or_default() as i64;
            (e.name.as_str(), c, restarts)
        })
    });
    findings.extend(container_findings(containers));
    findings.sort_by_key(|f| std::cmp::Reverse(f.severity));
    state.findings = findings;
}

/// Mean CPU over the last minute of samples.
fn cpu_average(state: &AppState) -> f64 {
    let minute = (60.0 / state.refresh.as_secs_f64()).ceil().max(1.0) as usize;
    let history = state.metrics.history(&SeriesKey::new("system.cpu.percent"));
    let older = history.len().saturating_sub(minute);
    let mut recent: Vec<f64> = history.skip(older).map(|s| s.value).collect();
    // Newest first: float addition depends on order, and this is the order it always had.
    recent.reverse();
    if recent.is_empty() {
        0.0
    } else {
        recent.iter().sum::<f64>() / recent.len() as f64
    }
}

fn apply_outcome(state: &mut AppState, outcome: CommandOutcome, now: DateTime<Utc>) {
    let CommandOutcome {
        command,
        result,
        audit_error,
    } = outcome;
    state.in_flight.retain(|running| running.command != command);
    let (kind, mut text) = match result {
        Ok(summary) => (ToastKind::Ok, summary),
        Err(CommandError::Failed(error)) => (
            ToastKind::Error,
            format!("{} {} failed: {error}", command.action(), command.target()),
        ),
        Err(error @ CommandError::NoAnswer { .. }) => (
            ToastKind::Error,
            format!("{} {}: {error}", command.action(), command.target()),
        ),
    };
    let kind = if audit_error.is_some() {
        ToastKind::Error
    } else {
        kind
    };
    if let Some(error) = audit_error {
        text.push_str(&format!(
            " — but the audit log could not be written: {error}"
        ));
    }
    toast(state, kind, text, now);
}

fn apply_tick(state: &mut AppState, now: DateTime<Utc>) {
    state.toasts.retain(|t| t.expires_at > now);
    // Every source polls on the configured refresh; three missed samples in a row is stale.
    let limit = chrono_duration(state.refresh * STALE_AFTER_INTERVALS);
    let mut changed = false;
    for health in &mut state.sources {
        changed |= health.apply_clock(now, limit);
    }
    // A stale source's finding says how old its data is, so it is judged again every tick.
    let stale = state
        .sources
        .iter()
        .any(|s| matches!(s.status, SourceStatus::Stale { .. }));
    if changed || stale {
        refresh_findings(state, now);
    }
    rotate(state, now);
}

/// `--watch`: when the period ends, move to the next tab of the rotation (see
/// [`AppState::rotation`]): one critical tab is held, several take turns.
fn rotate(state: &mut AppState, now: DateTime<Utc>) {
    let rotation = state.rotation();
    let Some(watch) = &mut state.watch else {
        return;
    };
    if watch.paused || now < watch.next_at {
        return;
    }
    watch.next_at = now + chrono_duration(watch.every);
    let next = match rotation.iter().position(|tab| *tab == state.tab) {
        Some(i) => rotation.get((i + 1) % rotation.len()),
        None => rotation.first(),
    };
    if let Some(tab) = next {
        state.tab = *tab;
    }
}

fn toast(state: &mut AppState, kind: ToastKind, text: String, now: DateTime<Utc>) {
    let seconds = if kind == ToastKind::Error {
        ERROR_TOAST_SECONDS
    } else {
        TOAST_SECONDS
    };
    state.toasts.push(Toast {
        kind,
        text,
        expires_at: now + chrono::Duration::seconds(seconds),
    });
    if state.toasts.len() > MAX_TOASTS {
        state.toasts.remove(0);
    }
}
