//! The tab's status lines: the kept file that could not be read, and the `[[notify]]` targets
//! that fail, above every view.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Widget};

use crate::state::AppState;
use crate::ui::RenderCtx;
use crate::ui::format::duration;

/// A line for the kept file that could not be read, and one per `[[notify]]` target that fails
/// (at most two), above the list; gives back the area left below. The error names the target's
/// address as `http::shown_url` shows it, never whole.
pub(super) fn render_notify_status(
    buffer: &mut Buffer,
    area: Rect,
    state: &AppState,
    ctx: &RenderCtx,
) -> Rect {
    let failing = &state.alerts.notify.failing;
    let mut lines: Vec<Line> = failing
        .iter()
        .take(2)
        .map(|(target, failure)| {
            let mut text = format!(" ✖ notify {target} failing: {}", failure.error);
            if failure.retrying {
                text.push_str(" · retrying");
            }
            let since = (ctx.now - failure.since).to_std().unwrap_or_default();
            text.push_str(&format!(" · since {} ago", duration(since)));
            if failure.dropped > 0 {
                text.push_str(&format!(" · {} dropped", failure.dropped));
            }
            Line::styled(text, ctx.theme.crit)
        })
        .collect();
    if failing.len() > 2 {
        let others: Vec<&str> = failing.keys().skip(1).map(String::as_str).collect();
        lines[1] = Line::styled(
            format!(" ✖ notify also failing: {}", others.join(", ")),
            ctx.theme.crit,
        );
    }
    if let Some(unreadable) = &state.alerts.unreadable {
        let line = Line::styled(format!(" ✖ {}", unreadable.message), ctx.theme.crit);
        lines.insert(0, line);
    }
    let height = (lines.len() as u16).min(area.height);
    let [status, rest] =
        Layout::vertical([Constraint::Length(height), Constraint::Min(0)]).areas(area);
    Paragraph::new(lines).render(status, buffer);
    rest
}
