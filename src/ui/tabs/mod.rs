//! One view per tab.

mod containers;
mod empty;
mod resources;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

use super::RenderCtx;
use crate::state::AppState;
use crate::tab::Tab;

/// A muted note inside an empty list, under its header row.
pub(super) fn render_empty_list_note(buffer: &mut Buffer, area: Rect, note: &str, ctx: &RenderCtx) {
    let width = area.width.saturating_sub(4) as usize;
    buffer.set_stringn(area.x + 2, area.y + 2, note, width, ctx.theme.muted);
}

pub fn render(buffer: &mut Buffer, area: Rect, state: &AppState, ctx: &RenderCtx) {
    match state.tab {
        Tab::Resources => resources::render(buffer, area, state, ctx),
        Tab::Containers if !state.containers.engines.is_empty() => {
            containers::render(buffer, area, state, ctx);
        }
        other => empty::render(buffer, area, other, state, ctx),
    }
}
