//! The Containers tab: every engine's containers grouped by Compose project, a detail pane, the
//! log view, and a banner for each engine that cannot be reached.

mod detail;
mod list;
mod logs;

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Widget, Wrap};

use chrono::{DateTime, Utc};

use crate::model::containers::ContainerState;
use crate::state::containers::EngineState;
use crate::state::source::SourceStatus;
use crate::state::{AppState, docker_source};
use crate::ui::{RenderCtx, banner};
use detail::DetailView;

/// Draws the tab; gives back how many containers its list showed.
pub fn render(buffer: &mut Buffer, area: Rect, state: &AppState, ctx: &RenderCtx) -> Option<usize> {
    let containers = &state.containers;
    let banners = Paragraph::new(down_banners(state, ctx)).wrap(Wrap { trim: false });
    let banner_height = (banners.line_count(area.width) as u16).min(area.height / 3);
    let [banner_area, body] =
        Layout::vertical([Constraint::Length(banner_height), Constraint::Min(0)]).areas(area);
    banners.render(banner_area, buffer);
    if let Some(logs) = &containers.logs {
        logs::render(buffer, body, logs, ctx);
        return None;
    }
    let selected = containers.selected_container();
    if containers.show_detail
        && let Some((engine, container)) = selected
    {
        let detail_height = (body.height * 45 / 100)
            .max(8)
            .min(body.height.saturating_sub(5));
        let [list, detail] =
            Layout::vertical([Constraint::Min(5), Constraint::Length(detail_height)]).areas(body);
        let in_view = list::render(buffer, list, state, ctx);
        let revealed = containers
            .revealed_env
            .as_ref()
            .is_some_and(|k| k.engine == engine.name && k.id == container.id);
        let detail_view = DetailView {
            stale: stale_since(state, engine),
            revealed,
            scroll: containers.detail_scroll,
        };
        detail::render(buffer, detail, engine, container, &detail_view, ctx);
        Some(in_view)
    } else {
        Some(list::render(buffer, body, state, ctx))
    }
}

/// One line per engine that cannot be reached: where, why, since when, and when it retries.
fn down_banners<'a>(state: &AppState, ctx: &RenderCtx) -> Vec<Line<'a>> {
    state
        .containers
        .engines
        .iter()
        .filter_map(|engine| {
            let health = state.source(&docker_source(&engine.name))?;
            let what = format!("engine {}", engine.name);
            let last = |ago: &str| format!("last answered {ago} ago");
            banner::source_down(&what, &engine.host, health, last, ctx)
        })
        .collect()
}

fn state_style(state: ContainerState, ctx: &RenderCtx) -> Style {
    match state {
        ContainerState::Running => ctx.theme.ok,
        ContainerState::Restarting => ctx.theme.warn,
        ContainerState::Exited { code } if code != 0 => ctx.theme.warn,
        ContainerState::Dead => ctx.theme.crit,
        ContainerState::Paused => ctx.theme.info,
        _ => ctx.theme.muted,
    }
}
/// When the engine of these containers stopped answering (down, or silent for too long), what it
/// said last is stale: the time of its last answer, or `None` while it answers.
fn stale_since(state: &AppState, engine: &EngineState) -> Option<DateTime<Utc>> {
    match &state.source(&docker_source(&engine.name))?.status {
        SourceStatus::Down { last_ok, .. } => *last_ok,
        SourceStatus::Stale { last_ok } => Some(*last_ok),
        _ => None,
    }
}

/// The age of stale data in its largest unit, short enough for the narrow uptime column:
/// `stale 42s`, `stale 2m`, `stale 3h`, `stale 2d`.
fn stale_label(since: DateTime<Utc>, ctx: &RenderCtx) -> String {
    let seconds = (ctx.now - since).num_seconds().max(0);
    let age = match seconds {
        0..60 => format!("{seconds}s"),
        60..3600 => format!("{}m", seconds / 60),
        3600..86400 => format!("{}h", seconds / 3600),
        _ => format!("{}d", seconds / 86400),
    };
    format!("stale {age}")
}
