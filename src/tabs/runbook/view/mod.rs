//! The Runbook tab: a checklist's steps in a period (or a procedure's for an incident) with
//! their ticks and automatic checks, or the shift log; `v` goes round the views and every
//! frame names them all.

mod procedure;
mod shift_log;
mod steps;

use chrono::{DateTime, Utc};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType};

use crate::state::AppState;
use crate::state::runbook::{RunbookState, RunbookView};
use crate::ui::RenderCtx;

/// Draws the tab.
pub fn render(buffer: &mut Buffer, area: Rect, state: &AppState, ctx: &RenderCtx) {
    let runbook = &state.runbook;
    let area = match &runbook.log_error {
        Some(error) => {
            let line = Line::styled(format!(" runbook log: {error}"), ctx.theme.crit);
            let banner = Rect { height: 1, ..area }.intersection(area);
            buffer.set_line(banner.x, banner.y, &line, banner.width);
            Rect {
                y: area.y.saturating_add(1),
                height: area.height.saturating_sub(1),
                ..area
            }
        }
        None => area,
    };
    match &runbook.view {
        RunbookView::Checklist(_) => steps::render(buffer, area, runbook, None, ctx),
        RunbookView::Procedure => procedure::render(buffer, area, runbook, ctx),
        RunbookView::ShiftLog => shift_log::render(buffer, area, runbook, ctx),
    }
}

/// The frame of a view: its heading on the left, every view on the right with the one shown
/// marked, so the operator sees there is more behind `v`.
fn frame<'a>(heading: Line<'a>, runbook: &RunbookState, width: u16, ctx: &RenderCtx) -> Block<'a> {
    let views: Vec<Span> = runbook
        .views()
        .into_iter()
        .map(|view| {
            let label = match &view {
                RunbookView::Checklist(name) => runbook
                    .runbooks
                    .get(name)
                    .and_then(|r| r.cadence())
                    .map_or(name.clone(), |c| c.label().to_string()),
                RunbookView::Procedure => "procedure".into(),
                RunbookView::ShiftLog => "shift log".into(),
            };
            let style = if view == runbook.view {
                ctx.theme.tab_active
            } else {
                ctx.theme.tab_inactive
            };
            Span::styled(format!(" {label} "), style)
        })
        .collect();
    let views = Line::from(views).right_aligned();
    let block = Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(ctx.theme.border)
        .title(heading.clone());
    // The views only where both fit: the heading says what is shown, and matters more.
    if heading.width() + views.width() + 3 <= usize::from(width) {
        block.title_top(views)
    } else {
        block
    }
}

/// `09:12` today, `Dec 06 09:12` before, in local time.
fn when(at: DateTime<Utc>, ctx: &RenderCtx) -> String {
    let local = at.with_timezone(&ctx.offset);
    if local.date_naive() == ctx.now.with_timezone(&ctx.offset).date_naive() {
        local.format("%H:%M").to_string()
    } else {
        local.format("%b %d %H:%M").to_string()
    }
}

/// `12s ago`, `3m ago`, `2h ago`.
fn ago(at: DateTime<Utc>, ctx: &RenderCtx) -> String {
    let seconds = (ctx.now - at).num_seconds().max(0);
    let shown = crate::ui::format::duration(std::time::Duration::from_secs(seconds as u64));
    format!("{shown} ago")
}
