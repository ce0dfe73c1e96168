//! The reducer: `update(state, msg, now)` changes the state and returns the side effects to run.
//! It does no I/O and reads no clock, so every transition is a plain table test. This file is the
//! shell: tabs, dialogs, toasts, the filter prompt, `--watch`, sources' health and findings. What
//! belongs to one tab is in that tab's `update.rs`, reached through `crate::tabs`.

use chrono::{DateTime, Utc};

use crate::action::Action;
use crate::command::{CommandError, CommandOutcome, OperatorCommand};
use crate::duration::later;
use crate::effect::Effect;
use crate::model::source::{SourceDeath, SourceReport};
use crate::msg::{FilterEdit, Msg};
use crate::state::list::PAGE;
use crate::state::source::{SOURCE_UP, SourceStatus};
use crate::state::{AppState, ConfirmDialog, InFlight, Overlay, Toast, ToastKind, chrono_duration};
use crate::tab::Tab;
use crate::tabs;

const TOAST_SECONDS: i64 = 5;
const ERROR_TOAST_SECONDS: i64 = 10;
const MAX_TOASTS: usize = 4;
/// How many refresh intervals without a good sample make a source stale.
const STALE_AFTER_INTERVALS: u32 = 3;

pub fn update(state: &mut AppState, msg: Msg, now: DateTime<Utc>) -> Vec<Effect> {
    let mut effects = apply(state, msg, now);
    // What the tabs keep across restarts is saved whenever it changes.
    effects.extend(tabs::unsaved(state).into_iter().map(Effect::Save));
    let notifications = state.alerts.notify.take_outbox().into_iter();
    effects.extend(notifications.map(|(target, notification)| Effect::Notify {
        target,
        notification,
    }));
    effects
}

fn apply(state: &mut AppState, msg: Msg, now: DateTime<Utc>) -> Vec<Effect> {
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
        Msg::Drawn { rows_in_view } => {
            tabs::apply_rows_in_view(state, rows_in_view);
            Vec::new()
        }
        Msg::Source(update) => {
            tabs::apply_source(state, update, now);
            rotate(state, now);
            Vec::new()
        }
        Msg::SourceDied(death) => {
            apply_source_death(state, death, now);
            Vec::new()
        }
        Msg::LogEvent { key, event } => {
            tabs::containers::update::apply_log_event(state, key, event);
            Vec::new()
        }
        Msg::BigKeys { database, result } => {
            tabs::databases::update::apply_big_keys(state, database, result);
            Vec::new()
        }
        Msg::AckSilenced { key, silence } => {
            state.alerts.apply_ack_silence(key, silence);
            Vec::new()
        }
        Msg::SilenceMade { key, id } => {
            state.alerts.made_silences.insert(key, id);
            Vec::new()
        }
        Msg::CommandFinished(outcome) => {
            apply_outcome(state, outcome, now);
            Vec::new()
        }
        Msg::Notified(report) => {
            state.alerts.notify.apply_report(report, now);
            Vec::new()
        }
        Msg::Tick => {
            apply_tick(state, now);
            Vec::new()
        }
    }
}

/// The shell's own keys; every other key goes to the active tab.
fn apply_action(state: &mut AppState, action: Action, now: DateTime<Utc>) -> Vec<Effect> {
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
        Action::Filter => {
            if tabs::begin_filter(state) {
                state.overlay = Overlay::Filter;
            } else {
                let text = format!("{} has no list to filter yet", state.tab.title());
                toast(state, ToastKind::Info, text, now);
            }
        }
        Action::ToggleRotation => toggle_rotation(state, now),
        // Listed, not a catch-all: a new action is the shell's or the tabs', said here.
        Action::SelectNext
        | Action::SelectPrev
        | Action::PageDown
        | Action::PageUp
        | Action::SelectFirst
        | Action::SelectLast
        | Action::SortByCpu
        | Action::SortByMemory
        | Action::SortByPid
        | Action::SortByName
        | Action::ReverseSort
        | Action::TerminateProcess
        | Action::KillProcess
        | Action::SortNextColumn
        | Action::ToggleDetail
        | Action::OpenLogs
        | Action::RevealEnv
        | Action::RestartContainer
        | Action::StopContainer
        | Action::StartContainer
        | Action::PauseContainer
        | Action::KillContainer
        | Action::ScrollDetailDown
        | Action::ScrollDetailUp
        | Action::NextMatch
        | Action::PrevMatch
        | Action::ToggleFollow
        | Action::ToggleWrap
        | Action::ToggleTimestamps
        | Action::ToggleResolved
        | Action::AckAlert
        | Action::UnackAlert
        | Action::SilenceAlert
        | Action::SilenceRule
        | Action::ExpireSilence
        | Action::NextAlertView
        | Action::GotoSubject
        | Action::NextDatabase
        | Action::PrevDatabase
        | Action::CancelQuery
        | Action::TerminateSession
        | Action::TerminateIdle
        | Action::ScanBigKeys
        | Action::PollNow
        | Action::ToggleGroups => return tabs::apply_action(state, action, now),
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

/// Esc closes the innermost thing open: an overlay, else what the tab has open.
fn cancel(state: &mut AppState) -> Vec<Effect> {
    if state.overlay != Overlay::None {
        state.overlay = Overlay::None;
        return Vec::new();
    }
    tabs::cancel(state)
}

/// A word with its first letter in capitals, for dialog titles.
pub(crate) fn capitalised(word: &str) -> String {
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
        watch.next_at = later(now, watch.every);
    }
}

/// Every refused operator action says so the same way; its effect records it in the audit log.
pub(crate) fn refused(
    state: &mut AppState,
    action: &str,
    target: &str,
    reason: &str,
    now: DateTime<Utc>,
) {
    let text = format!("refused: {action} {target}: {reason}");
    toast(state, ToastKind::Error, text, now);
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

/// The one gate of every operator command, whichever tab asks: refused while the same command
/// is in flight, and in the read-only modes (`--read-only`, `--watch`) with the reason as a toast
/// and the refusal for the audit log; else its confirmation opens, and only the confirmed
/// command is executed.
pub(crate) fn ask(state: &mut AppState, dialog: ConfirmDialog, now: DateTime<Utc>) -> Vec<Effect> {
    let command = &dialog.command;
    if let Some(text) = in_flight_refusal(state, command, now) {
        toast(state, ToastKind::Error, text, now);
        return Vec::new();
    }
    if let Some(reason) = state.mode.refusal() {
        let (action, target) = (command.action(), command.target());
        refused(state, &action, &target, reason, now);
        return vec![Effect::RecordRefusal {
            command: dialog.command,
            reason: reason.to_string(),
        }];
    }
    state.overlay = Overlay::Confirm(dialog);
    Vec::new()
}

fn confirm(state: &mut AppState, now: DateTime<Utc>) -> Vec<Effect> {
    match std::mem::take(&mut state.overlay) {
        Overlay::Confirm(dialog)
            if dialog
                .typed
                .as_ref()
                .is_some_and(|t| t.expected.as_ref().is_some_and(|e| *e != t.typed)) =>
        {
            let expected = dialog
                .typed
                .as_ref()
                .and_then(|t| t.expected.clone())
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
                let note = dialog.typed.as_ref().map_or("", |t| t.typed.trim());
                let command = dialog.command.clone().with_note(note);
                // The dialog stays open with the reason, so the operator can fix what they typed.
                if let Some(text) = command.invalid() {
                    state.overlay = Overlay::Confirm(dialog);
                    toast(state, ToastKind::Error, text, now);
                    return Vec::new();
                }
                if let Some(text) = in_flight_refusal(state, &command, now) {
                    toast(state, ToastKind::Error, text, now);
                    return Vec::new();
                }
                state.in_flight.push(InFlight {
                    command: command.clone(),
                    since: now,
                });
                vec![Effect::Execute(command)]
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
    let mut text = tabs::edited_filter(state).unwrap_or_default().to_string();
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
    let editing = state.overlay == Overlay::Filter;
    tabs::apply_filter(state, text, &edit, editing);
}

fn toggle_rotation(state: &mut AppState, now: DateTime<Utc>) {
    let Some(watch) = &mut state.watch else {
        return;
    };
    watch.paused = !watch.paused;
    watch.next_at = later(now, watch.every);
    let text = if watch.paused {
        "rotation paused (space resumes)"
    } else {
        "rotation resumed"
    };
    toast(state, ToastKind::Info, text.into(), now);
}

/// A dead source task is a down source until its restart answers.
fn apply_source_death(state: &mut AppState, death: SourceDeath, now: DateTime<Utc>) {
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

fn unknown_source(source: &str, what: &str) {
    tracing::error!(
        source,
        "a {what} from a source the registry does not list was not kept"
    );
}

/// `source_up{source}`: 1 while a source answers, 0 while it is down or stale; the
/// `SourceDown` rule watches it.
fn record_source_up(state: &mut AppState, source: &str, at: DateTime<Utc>) {
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

fn apply_outcome(state: &mut AppState, outcome: CommandOutcome, now: DateTime<Utc>) {
    let CommandOutcome {
        command,
        result,
        audit_error,
    } = outcome;
    state.in_flight.retain(|running| running.command != command);
    if let (Ok(_), OperatorCommand::Alert(done)) = (&result, &command) {
        tabs::alerts::update::apply_done(state, done, now);
    }
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
    // Three missed samples in a row is stale: the refresh's, or the source's own slower ones.
    let mut stale = Vec::new();
    for health in &mut state.sources {
        let every = health.every.max(state.refresh);
        health.apply_clock(
            now,
            chrono_duration(every.saturating_mul(STALE_AFTER_INTERVALS)),
        );
        if matches!(health.status, SourceStatus::Stale { .. }) {
            stale.push(health.name.clone());
        }
    }
    // A stale source sends nothing: its `source_up` is kept current here, so `for` runs.
    for source in stale {
        record_source_up(state, &source, now);
    }
    // Every tick, so an alert fires when its `for` has passed, whatever reported last.
    tabs::alerts::update::evaluate(state, now);
    rotate(state, now);
}

/// `--watch`: when the period ends, move to the next tab of the rotation (see
/// [`AppState::rotation`]): one critical tab is held, several take turns. A tab that is not in
/// the rotation (a calm one while another turned critical) gives way at once, not when its
/// period ends.
fn rotate(state: &mut AppState, now: DateTime<Utc>) {
    let rotation = state.rotation();
    let Some(watch) = &mut state.watch else {
        return;
    };
    let in_turn = rotation.contains(&state.tab);
    if watch.paused || (in_turn && now < watch.next_at) {
        return;
    }
    watch.next_at = later(now, watch.every);
    let next = match rotation.iter().position(|tab| *tab == state.tab) {
        Some(i) => rotation.get((i + 1) % rotation.len()),
        None => rotation.first(),
    };
    if let Some(tab) = next {
        state.tab = *tab;
    }
}

pub(crate) fn toast(state: &mut AppState, kind: ToastKind, text: String, now: DateTime<Utc>) {
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
