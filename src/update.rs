//! The reducer: `update(state, msg, now)` changes the state and returns the side effects to run.
//! It does no I/O and reads no clock, so every transition is a plain table test.

use chrono::{DateTime, Utc};

use crate::action::Action;
use crate::collect::SourceReport;
use crate::collect::resources::ResourcesSnapshot;
use crate::command::{CommandOutcome, OperatorCommand, ProcessSignal};
use crate::effect::Effect;
use crate::findings::{Severity, resource_findings, source_findings};
use crate::metrics::SeriesKey;
use crate::msg::{FilterEdit, Msg, SourceUpdate};
use crate::state::resources::SortKey;
use crate::state::{
    AppState, ConfirmDialog, Overlay, SYSTEM_SOURCE, Toast, ToastKind, chrono_duration,
};
use crate::tab::Tab;

const PAGE: isize = 10;
const TOAST_SECONDS: i64 = 5;
const ERROR_TOAST_SECONDS: i64 = 10;
const MAX_TOASTS: usize = 4;

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
            apply_system_report(state, report);
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
    match action {
        Action::Quit => state.should_quit = true,
        Action::Help => {
            state.overlay = if state.overlay == Overlay::Help {
                Overlay::None
            } else {
                Overlay::Help
            }
        }
        Action::Cancel => state.overlay = Overlay::None,
        Action::Confirm => return confirm(state),
        Action::NextTab => switch_tab(state, state.tab.next(), now),
        Action::PrevTab => switch_tab(state, state.tab.prev(), now),
        Action::GotoResources => switch_tab(state, Tab::Resources, now),
        Action::GotoContainers => switch_tab(state, Tab::Containers, now),
        Action::GotoAlerts => switch_tab(state, Tab::Alerts, now),
        Action::GotoDatabases => switch_tab(state, Tab::Databases, now),
        Action::GotoEndpoints => switch_tab(state, Tab::Endpoints, now),
        Action::GotoRunbook => switch_tab(state, Tab::Runbook, now),
        Action::Filter => match state.tab {
            Tab::Resources => state.overlay = Overlay::Filter,
            other => toast(
                state,
                ToastKind::Info,
                format!("{} has no list to filter yet", other.title()),
                now,
            ),
        },
        Action::SelectNext => state.resources.apply_move(1),
        Action::SelectPrev => state.resources.apply_move(-1),
        Action::PageDown => state.resources.apply_move(PAGE),
        Action::PageUp => state.resources.apply_move(-PAGE),
        Action::SelectFirst => state.resources.apply_select_edge(false),
        Action::SelectLast => state.resources.apply_select_edge(true),
        Action::SortByCpu => state.resources.apply_sort(SortKey::Cpu),
        Action::SortByMemory => state.resources.apply_sort(SortKey::Memory),
        Action::SortByPid => state.resources.apply_sort(SortKey::Pid),
        Action::SortByName => state.resources.apply_sort(SortKey::Name),
        Action::ReverseSort => state.resources.apply_reverse(),
        Action::ToggleRotation => toggle_rotation(state, now),
        Action::TerminateProcess => return ask_to_signal(state, ProcessSignal::Term, now),
        Action::KillProcess => return ask_to_signal(state, ProcessSignal::Kill, now),
    }
    Vec::new()
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
    let command = OperatorCommand::SignalProcess {
        pid: process.pid,
        name: process.name.clone(),
        signal,
    };
    if let Some(reason) = state.mode.refusal() {
        toast(
            state,
            ToastKind::Error,
            format!(
                "refused: {} {}: {reason}",
                command.action(),
                command.target()
            ),
            now,
        );
        return vec![Effect::RecordRefusal {
            command,
            reason: reason.to_string(),
        }];
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
            }))
        }
    };
    state.overlay = Overlay::Confirm(ConfirmDialog {
        title: format!("Send {signal}"),
        lines,
        command,
        then,
    });
    Vec::new()
}

fn confirm(state: &mut AppState) -> Vec<Effect> {
    match std::mem::take(&mut state.overlay) {
        Overlay::Confirm(dialog) => match dialog.then {
            Some(next) => {
                state.overlay = Overlay::Confirm(*next);
                Vec::new()
            }
            None => vec![Effect::Execute(dialog.command)],
        },
        other => {
            state.overlay = other;
            Vec::new()
        }
    }
}

fn apply_filter_edit(state: &mut AppState, edit: FilterEdit) {
    let mut filter = state.resources.filter.clone();
    match edit {
        FilterEdit::Insert(c) => filter.push(c),
        FilterEdit::Backspace => {
            filter.pop();
        }
        FilterEdit::Clear => filter.clear(),
        FilterEdit::Apply => {
            state.overlay = Overlay::None;
            return;
        }
        FilterEdit::Cancel => {
            filter.clear();
            state.overlay = Overlay::None;
        }
    }
    state.resources.apply_filter(filter);
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

fn apply_system_report(state: &mut AppState, report: SourceReport<ResourcesSnapshot>) {
    let Some(health) = state.sources.iter_mut().find(|s| s.name == SYSTEM_SOURCE) else {
        return;
    };
    match report.result {
        Ok(snapshot) => {
            health.apply_ok(report.at);
            record_system_metrics(state, &snapshot);
            state.resources.apply_snapshot(snapshot);
        }
        Err(failure) => health.apply_error(failure.error, report.at, Some(failure.retry_at)),
    }
    refresh_findings(state);
}

fn record_system_metrics(state: &mut AppState, snapshot: &ResourcesSnapshot) {
    let at = snapshot.at;
    let metrics = &mut state.metrics;
    metrics.record(
        SeriesKey::new("system.cpu.percent"),
        at,
        snapshot.cpu_percent,
    );
    for (core, usage) in snapshot.cores.iter().enumerate() {
        metrics.record(
            SeriesKey::new("system.cpu.core_percent").with_label("core", &core.to_string()),
            at,
            *usage,
        );
    }
    for (name, value) in ["system.load.1m", "system.load.5m", "system.load.15m"]
        .iter()
        .zip(snapshot.load)
    {
        metrics.record(SeriesKey::new(name), at, value);
    }
    metrics.record(
        SeriesKey::new("system.memory.used_percent"),
        at,
        snapshot.memory.percent(),
    );
    metrics.record(
        SeriesKey::new("system.memory.used_bytes"),
        at,
        snapshot.memory.used as f64,
    );
    metrics.record(
        SeriesKey::new("system.swap.used_percent"),
        at,
        snapshot.swap.percent(),
    );
    for disk in &snapshot.disks {
        metrics.record(
            SeriesKey::new("system.disk.used_percent").with_label("mount", &disk.mount),
            at,
            disk.space.percent(),
        );
    }
    for net in &snapshot.networks {
        metrics.record(
            SeriesKey::new("system.net.rx_bytes_per_second").with_label("iface", &net.iface),
            at,
            net.rx_bytes_per_second,
        );
        metrics.record(
            SeriesKey::new("system.net.tx_bytes_per_second").with_label("iface", &net.iface),
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

fn refresh_findings(state: &mut AppState) {
    let mut findings = source_findings(Tab::Resources, &state.sources);
    if let Some(snapshot) = &state.resources.latest {
        findings.extend(resource_findings(
            snapshot,
            cpu_average(state),
            &state.limits,
        ));
    }
    findings.sort_by_key(|f| std::cmp::Reverse(f.severity));
    state.findings = findings;
}

/// Mean CPU over the last minute of samples.
fn cpu_average(state: &AppState) -> f64 {
    let minute = (60.0 / state.refresh.as_secs_f64()).ceil().max(1.0) as usize;
    let recent: Vec<f64> = state
        .metrics
        .history(&SeriesKey::new("system.cpu.percent"))
        .rev()
        .take(minute)
        .map(|s| s.value)
        .collect();
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
    let (kind, mut text) = match result {
        Ok(summary) => (ToastKind::Ok, summary),
        Err(error) => (
            ToastKind::Error,
            format!("{} {} failed: {error}", command.action(), command.target()),
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
    rotate(state, now);
}

/// `--watch`: hold on the worst critical tab; otherwise move to the next tab when the period ends.
fn rotate(state: &mut AppState, now: DateTime<Utc>) {
    let critical = state.watch.as_ref().and_then(|watch| {
        watch
            .tabs
            .iter()
            .copied()
            .find(|tab| state.tab_severity(*tab) == Severity::Critical)
    });
    let current = state.tab;
    let current_is_critical = state.tab_severity(current) == Severity::Critical;
    let Some(watch) = &mut state.watch else {
        return;
    };
    if watch.paused || now < watch.next_at {
        return;
    }
    watch.next_at = now + chrono_duration(watch.every);
    if current_is_critical {
        return;
    }
    if let Some(tab) = critical {
        state.tab = tab;
        return;
    }
    let position = watch.tabs.iter().position(|t| *t == current);
    let next = position.map_or(0, |i| (i + 1) % watch.tabs.len().max(1));
    if let Some(tab) = watch.tabs.get(next) {
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
