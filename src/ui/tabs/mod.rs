//! One view per tab.

mod containers;
mod empty;
mod resources;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

use super::RenderCtx;
use crate::state::AppState;
use crate::tab::Tab;

pub fn render(buffer: &mut Buffer, area: Rect, state: &AppState, ctx: &RenderCtx) {
    match state.tab {
        Tab::Resources => resources::render(buffer, area, state, ctx),
        Tab::Containers if !state.containers.engines.is_empty() => {
            containers::render(buffer, area, state, ctx);
        }
        other => empty::render(buffer, area, other, state, ctx),
    }
}
