//! Alerts: rules over the metric store, evaluated by a pure engine.

pub mod alertmanager;
pub mod engine;
mod index;
pub mod kept;
pub mod notify;
pub mod rule;

use crate::tab::Tab;
use crate::tabs;

/// The health of every source, 1 when it answers and 0 when it is down or stale, labelled
/// `source`: the shell publishes it for the `SourceDown` rule.
pub const SOURCE_UP: &str = "source_up";

/// Every series the console publishes, by the tab that publishes it; rules may name only these.
pub fn series_by_tab() -> impl Iterator<Item = (Tab, &'static str)> {
    tabs::resources::record::SERIES
        .iter()
        .map(|name| (Tab::Resources, *name))
        .chain(
            tabs::containers::record::SERIES
                .iter()
                .map(|name| (Tab::Containers, *name)),
        )
        .chain(
            tabs::databases::record::SERIES
                .iter()
                .map(|name| (Tab::Databases, *name)),
        )
        .chain(
            tabs::endpoints::record::SERIES
                .iter()
                .map(|name| (Tab::Endpoints, *name)),
        )
}

/// The names rules may use.
pub fn published_series() -> Vec<&'static str> {
    series_by_tab()
        .map(|(_, name)| name)
        .chain(std::iter::once(SOURCE_UP))
        .collect()
}
