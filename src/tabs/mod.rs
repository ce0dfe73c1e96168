//! The tabs. Each built tab is a folder that owns its part of every concern: `state.rs` (what
//! it holds), `update.rs` (its reducer), `judge.rs` (what deserves attention), `record.rs` (the
//! series it adds to the metric store) and `view.rs` (how it looks). This file is the tab
//! contract, the one place that dispatches to them by tab (the views are dispatched in
//! `ui/mod.rs`): the shell asks it what a tab does with a key, what it offers, what it keeps and
//! how it shows a subject another tab names. `docs/architecture.md` says how to add one.

pub mod alerts;
pub mod containers;
pub mod databases;
pub mod endpoints;
pub mod resources;
pub mod runbook;

use chrono::{DateTime, Utc};
use strum::IntoEnumIterator;

use crate::action::Action;
use crate::alerts::series::SeriesCatalogue;
use crate::config::keymap::Context;
use crate::effect::{Effect, Kept};
use crate::msg::{FilterEdit, SourceUpdate};
use crate::state::AppState;
use crate::state::list::Listed;
use crate::state::runbook::Opened;
use crate::state::source::SOURCE_UP;
use crate::tab::Tab;

/// A key the shell left to the active tab.
pub fn apply_action(state: &mut AppState, action: Action, now: DateTime<Utc>) -> Vec<Effect> {
    match state.tab {
        Tab::Resources => resources::update::apply_action(state, action, now),
        Tab::Containers => containers::update::apply_action(state, action, now),
        Tab::Alerts => alerts::update::apply_action(state, action, now),
        Tab::Databases => databases::update::apply_action(state, action, now),
        Tab::Endpoints => endpoints::update::apply_action(state, action, now),
        Tab::Runbook => runbook::update::apply_action(state, action, now),
    }
}

/// What each tab keeps and changed since it was last saved, whichever tab is shown.
pub fn unsaved(state: &mut AppState) -> Vec<Kept> {
    Tab::iter()
        .filter_map(|tab| match tab {
            Tab::Alerts => state.alerts.take_unsaved().map(Kept::Alerts),
            Tab::Resources | Tab::Containers | Tab::Databases | Tab::Endpoints | Tab::Runbook => {
                None
            }
        })
        .collect()
}

/// What one tab names and another shows: the container, database or endpoint an alert is
/// about. The Alerts tab names it; the tab that lists it selects it ([`focus`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subject {
    Container {
        engine: String,
        name: String,
    },
    /// An engine's containers, from a host that runs it.
    Engine {
        name: String,
    },
    Database {
        name: String,
    },
    Endpoint {
        name: String,
    },
    /// A procedure (or a runbook URL) opened from a firing alert.
    Runbook(Box<Opened>),
}

impl Subject {
    /// The tab that lists it.
    pub fn tab(&self) -> Tab {
        match self {
            Subject::Container { .. } | Subject::Engine { .. } => Tab::Containers,
            Subject::Database { .. } => Tab::Databases,
            Subject::Endpoint { .. } => Tab::Endpoints,
            Subject::Runbook(_) => Tab::Runbook,
        }
    }
}

/// The tab that lists `subject` selects it, if it still lists it; which tab is active is the
/// caller's to say.
pub fn focus(state: &mut AppState, subject: &Subject) {
    match subject {
        Subject::Container { engine, name } => containers::update::focus(state, engine, name),
        Subject::Engine { name } => containers::update::focus_engine(state, name),
        Subject::Database { name } => databases::update::focus(state, name),
        Subject::Endpoint { name } => endpoints::update::focus(state, name),
        Subject::Runbook(opened) => runbook::update::focus(state, opened),
    }
}

/// Whether the active tab offers `action` in what it shows now, for the footer: a key of another
/// view, or of a pane that is closed, is not offered. The mode's refusals are the shell's (see
/// [`Action::is_operator`]).
pub fn offers(state: &AppState, action: Action) -> bool {
    match state.tab {
        Tab::Containers => containers::update::offers(state, action),
        Tab::Endpoints => endpoints::update::offers(state, action),
        Tab::Alerts => state.alerts.view.offers(action),
        Tab::Runbook => runbook::update::offers(state, action),
        Tab::Resources => resources::update::offers(state, action),
        Tab::Databases => true,
    }
}

/// Esc with no overlay open: the active tab closes what it has open.
pub fn cancel(state: &mut AppState) -> Vec<Effect> {
    match state.tab {
        Tab::Containers => containers::update::cancel(state),
        Tab::Databases => databases::update::cancel(state),
        Tab::Endpoints => endpoints::update::cancel(state),
        Tab::Runbook => runbook::update::cancel(state),
        Tab::Resources | Tab::Alerts => Vec::new(),
    }
}

/// The text `/` edits on the active tab, or `None` when it has nothing to filter.
pub fn edited_filter(state: &AppState) -> Option<&str> {
    match state.tab {
        Tab::Resources if state.fleet.filtering => Some(&state.fleet.list.filter),
        Tab::Resources => Some(&state.resources.list.filter),
        Tab::Containers => Some(containers::update::edited_filter(state)),
        Tab::Alerts => Some(&state.alerts.list.filter),
        Tab::Endpoints => Some(&state.endpoints.list.filter),
        Tab::Databases | Tab::Runbook => None,
    }
}

/// `/` was pressed; false when the active tab has nothing to filter.
pub fn begin_filter(state: &mut AppState) -> bool {
    if state.tab == Tab::Containers {
        containers::update::begin_filter(state);
    }
    if state.tab == Tab::Resources {
        state.fleet.filtering = state.fleet.selected_remote().is_some();
    }
    edited_filter(state).is_some()
}

/// The filter text as typed so far; `editing` while the prompt stays open.
pub fn apply_filter(state: &mut AppState, text: String, edit: &FilterEdit, editing: bool) {
    match state.tab {
        Tab::Resources if state.fleet.filtering => state.fleet.apply_filter(text),
        Tab::Resources => state.resources.apply_filter(text),
        Tab::Containers => containers::update::apply_filter(state, text, edit, editing),
        Tab::Alerts => state.alerts.apply_filter(text),
        Tab::Endpoints => state.endpoints.apply_filter(text),
        Tab::Databases | Tab::Runbook => {}
    }
}

/// A source's report goes to the tab it feeds.
pub fn apply_source(state: &mut AppState, update: SourceUpdate, now: DateTime<Utc>) {
    match update {
        SourceUpdate::System(report) => resources::update::apply_report(state, report, now),
        SourceUpdate::Docker { engine, report } => {
            containers::update::apply_report(state, &engine, report, now);
        }
        SourceUpdate::Database { database, report } => {
            databases::update::apply_report(state, &database, report, now);
        }
        SourceUpdate::Endpoints(report) => endpoints::update::apply_report(state, report, now),
        SourceUpdate::Alertmanager { name, report } => {
            alerts::update::apply_alertmanager_report(state, &name, report, now);
        }
        SourceUpdate::Prometheus { name, report } => {
            resources::update::prometheus::apply_report(state, &name, report, now);
        }
    }
}

/// The keymap context of what has the keyboard below any dialog: a tab's inner view (the log
/// view), else the tab.
/// The rows the shown tab's list had room for in the last frame.
pub fn apply_rows_in_view(state: &mut AppState, rows: usize) {
    match state.tab {
        Tab::Resources => state.resources.list.apply_rows_in_view(rows),
        Tab::Containers => state.containers.list.apply_rows_in_view(rows),
        Tab::Alerts => state.alerts.apply_rows_in_view(rows),
        Tab::Endpoints => state.endpoints.list.apply_rows_in_view(rows),
        Tab::Databases | Tab::Runbook => {}
    }
}

pub fn key_context(state: &AppState) -> Context {
    if state.tab == Tab::Containers && state.containers.logs.is_some() {
        Context::Logs
    } else {
        Context::from(state.tab)
    }
}

/// Every series the console records, registered for the rules to name: each tab's, then the
/// shell's `source_up`.
pub fn published_series() -> SeriesCatalogue {
    let mut published = SeriesCatalogue::default();
    for (_, name) in series_by_tab() {
        published.register(name);
    }
    published.register(SOURCE_UP);
    published
}

/// Every series the tabs publish (each tab's `record.rs`), by the tab that publishes it.
pub fn series_by_tab() -> impl Iterator<Item = (Tab, &'static str)> {
    Tab::iter().flat_map(|tab| series(tab).iter().map(move |name| (tab, *name)))
}

fn series(tab: Tab) -> &'static [&'static str] {
    match tab {
        Tab::Resources => resources::record::SERIES,
        Tab::Containers => containers::record::SERIES,
        Tab::Databases => databases::record::SERIES,
        Tab::Endpoints => endpoints::record::SERIES,
        Tab::Alerts | Tab::Runbook => &[],
    }
}
