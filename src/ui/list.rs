//! What every list shows around its rows: the heading ("Processes 12 of 230 · sort cpu ▼ · filter
//! "ngin"") and the note inside an empty list.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

use super::RenderCtx;
use crate::state::list::{ListState, SortLabel};

/// The heading of a list titled `title`, of which `total` items exist before the filter.
pub fn heading<S: SortLabel, K>(
    title: &str,
    list: &ListState<S, K>,
    total: usize,
    ctx: &RenderCtx,
) -> Line<'static> {
    let arrow = if list.descending { "▼" } else { "▲" };
    let mut spans = vec![
        Span::styled(format!(" {title} "), ctx.theme.title),
        Span::styled(
            format!(
                "{} of {total} · sort {} {arrow} ",
                list.rows.len(),
                list.sort.label()
            ),
            ctx.theme.muted,
        ),
    ];
    if !list.filter.is_empty() {
        spans.push(Span::styled(
            format!("· filter \"{}\" ", list.filter),
            ctx.theme.filter,
        ));
    }
    Line::from(spans)
}

/// A muted note inside an empty list, under its header row.
pub fn render_empty_note(buffer: &mut Buffer, area: Rect, note: &str, ctx: &RenderCtx) {
    let row = super::row_at(area, area.x + 2, area.y + 2, area.width.saturating_sub(4));
    Span::styled(note, ctx.theme.muted).render(row, buffer);
}
