//! A procedure opened from a firing alert: the alert (its labels, value and since when it
//! fires) above the procedure's steps, whose ticks and actions count toward that incident; an
//! alert whose runbook is only a URL shows the URL, which `y` copies.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Paragraph, Widget, Wrap};

use crate::state::runbook::{Opened, RunbookState};
use crate::ui::RenderCtx;

pub fn render(buffer: &mut Buffer, area: Rect, runbook: &RunbookState, ctx: &RenderCtx) {
    let Some(opened) = &runbook.opened else {
        super::steps::render(buffer, area, runbook, None, ctx);
        return;
    };
    let lines = incident_lines(opened, ctx);
    let height = (lines.len() as u16 + 2).min(area.height / 2);
    let [top, rest] =
        Layout::vertical([Constraint::Length(height), Constraint::Min(0)]).areas(area);
    let block = Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(ctx.theme.crit)
        .title(Span::styled(
            format!(" Incident: {} ", opened.alert.rule),
            ctx.theme.title,
        ));
    Paragraph::new(lines)
        .block(block)
        .wrap(Wrap { trim: false })
        .render(top, buffer);
    if opened.procedure.is_some() {
        super::steps::render(buffer, rest, runbook, None, ctx);
    } else {
        let block = super::frame(
            Line::styled(" Runbook ", ctx.theme.title),
            runbook,
            area.width,
            ctx,
        );
        let note = "the console has no procedure for this alert: y copies its runbook URL";
        Paragraph::new(Line::styled(note, ctx.theme.muted))
            .block(block)
            .wrap(Wrap { trim: false })
            .render(rest, buffer);
    }
}

fn incident_lines(opened: &Opened, ctx: &RenderCtx) -> Vec<Line<'static>> {
    let labels: Vec<String> = opened
        .alert
        .labels
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    let mut lines = vec![
        Line::raw(opened.summary.clone()),
        Line::from(vec![
            Span::styled("value ", ctx.theme.muted),
            Span::styled(opened.value.clone(), ctx.theme.accent),
            Span::styled(" · firing since ", ctx.theme.muted),
            Span::raw(format!(
                "{} ({})",
                super::when(opened.since, ctx),
                super::ago(opened.since, ctx)
            )),
        ]),
        Line::styled(labels.join(" "), ctx.theme.muted),
    ];
    if let Some(url) = &opened.url {
        lines.push(Line::from(vec![
            Span::styled("runbook ", ctx.theme.muted),
            Span::styled(url.clone(), ctx.theme.accent),
            Span::styled("  (y copies it)", ctx.theme.muted),
        ]));
    }
    lines
}
