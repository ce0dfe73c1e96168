//! The reducer: `update(state, msg, now)` changes the state and returns the side effects to run.
//! It does no I/O and reads no clock, so every transition is a plain table test. This module is the
//! shell: tabs, dialogs, toasts, the filter prompt, `--watch`, sources' health and findings. What
//! belongs to one tab is in that tab's `update.rs`, reached through `crate::tabs`.

mod command;
mod sources;

use chrono::{DateTime, Utc};

use crate::action::Action;
use crate::duration::later;
use crate::effect::Effect;
use crate::msg::{FilterEdit, Msg};
use crate::state::list::PAGE;
use crate::state::source::SourceStatus;
use crate::state::{AppState, ConfirmDialog, Overlay, ToastKind, chrono_duration};
use crate::tab::Tab;
use crate::tabs;

use crate::reduce::{record_source_up, toast};
use command::{apply_outcome, confirm};
use sources::apply_source_death;

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
        Msg::HostHistory { host, result } => {
            tabs::resources::update::prometheus::apply_history(state, host, result);
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
        Msg::RunbookLog { log, offset } => {
            tabs::runbook::update::apply_log(state, log, offset, now);
            Vec::new()
        }
        Msg::CheckRan {
            runbook,
            step,
            found,
        } => {
            tabs::runbook::update::apply_check_ran(state, &runbook, &step, found, now);
            Vec::new()
        }
        Msg::Tick => {
            apply_tick(state, now);
            let mut effects = tabs::runbook::update::apply_tick(state, now);
            effects.extend(tabs::resources::update::prometheus::refresh_selected(state));
            effects
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
        | Action::NextHost
        | Action::PrevHost
        | Action::CancelQuery
        | Action::TerminateSession
        | Action::TerminateIdle
        | Action::ScanBigKeys
        | Action::PollNow
        | Action::ToggleGroups
        | Action::OpenRunbook
        | Action::TickDone
        | Action::TickSkipped
        | Action::TickFailed
        | Action::AddNote
        | Action::RunStepAction
        | Action::CopyRunbookUrl
        | Action::PrevPeriod
        | Action::NextPeriod
        | Action::NextRunbookView
        | Action::RunCheck => return tabs::apply_action(state, action, now),
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
