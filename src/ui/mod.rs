//! Views: pure functions of the state, the theme and the keymap.

pub(crate) mod banner;
pub mod format;
pub(crate) mod history;
pub(crate) mod hosts;
pub mod layout;
pub(crate) mod list;
pub(crate) mod placeholder;
pub(crate) mod shell;
mod widgets;

use chrono::{DateTime, FixedOffset, Utc};
use ratatui::Frame;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

use crate::config::{Keymap, Theme};
use crate::state::AppState;
use crate::tab::Tab;

/// What a view needs besides the state, passed explicitly so views stay pure.
#[derive(Debug, Clone, Copy)]
pub struct RenderCtx<'a> {
    pub theme: &'a Theme,
    pub keymap: &'a Keymap,
    pub now: DateTime<Utc>,
    /// The local time zone's offset, for the clock.
    pub offset: FixedOffset,
}

/// The row at `y` from column `x`, at most `width` wide, clipped to `area`: all that a one-line
/// write there may cover. Empty when the spot is outside `area`, so no write leaves its area, nor
/// the screen when the terminal is smaller than the layout.
pub fn row_at(area: Rect, x: u16, y: u16, width: u16) -> Rect {
    Rect::new(x, y, width, 1).intersection(area)
}

/// Draws the whole screen; gives back how many rows the shown tab's list had room for, for
/// [`crate::msg::Msg::Drawn`].
pub fn draw(frame: &mut Frame, state: &AppState, ctx: &RenderCtx) -> Option<usize> {
    let area = frame.area();
    let screen = layout::screen(area, state.mode);
    let buffer = frame.buffer_mut();
    shell::render_header(buffer, screen.header, state, ctx);
    shell::render_tab_bar(buffer, screen.tabs, state, ctx);
    let rows_in_view = render_tab(buffer, screen.body, state, ctx);
    shell::render_footer(buffer, screen.footer, state, ctx);
    widgets::render_toasts(buffer, screen.body, state, ctx);
    widgets::render_overlay(buffer, area, state, ctx);
    rows_in_view
}

/// Draws the active tab's body; gives back how many rows its list had room for.
fn render_tab(buffer: &mut Buffer, area: Rect, state: &AppState, ctx: &RenderCtx) -> Option<usize> {
    match state.tab {
        Tab::Resources => crate::tabs::resources::view::render(buffer, area, state, ctx),
        Tab::Containers if !state.containers.engines.is_empty() => {
            crate::tabs::containers::view::render(buffer, area, state, ctx)
        }
        Tab::Alerts => crate::tabs::alerts::view::render(buffer, area, state, ctx),
        Tab::Databases if !state.databases.databases.is_empty() => {
            crate::tabs::databases::view::render(buffer, area, state, ctx);
            None
        }
        Tab::Endpoints if !state.endpoints.endpoints.is_empty() => {
            crate::tabs::endpoints::view::render(buffer, area, state, ctx)
        }
        Tab::Containers | Tab::Databases | Tab::Endpoints | Tab::Runbook => {
            placeholder::render(buffer, area, state.tab, ctx);
            None
        }
    }
}
