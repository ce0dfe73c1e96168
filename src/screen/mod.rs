//! The whole screen: the frame around every tab (header, tab bar, footer), the shown tab's body,
//! toasts and overlays. It sits above the tabs, which draw with the widgets of `ui`.

mod overlay;
mod shell;

use ratatui::Frame;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

use crate::state::AppState;
use crate::tab::Tab;
use crate::ui::{RenderCtx, layout, placeholder};

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
    overlay::render_toasts(buffer, screen.body, state, ctx);
    overlay::render_overlay(buffer, area, state, ctx);
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
        Tab::Runbook => {
            crate::tabs::runbook::view::render(buffer, area, state, ctx);
            None
        }
        Tab::Containers | Tab::Databases | Tab::Endpoints => {
            placeholder::render(buffer, area, state.tab, ctx);
            None
        }
    }
}
