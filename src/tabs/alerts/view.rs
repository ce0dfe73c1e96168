//! The Alerts tab: firing and pending alerts, most severe then oldest first, with when someone
//! must respond, and the selected alert's summary and runbook below.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{
    Block, BorderType, Cell, Paragraph, Row, StatefulWidget, Table, TableState, Widget, Wrap,
};

use crate::alerts::engine::{Alert, AlertState};
use crate::alerts::rule::format_value;
use crate::state::AppState;
use crate::ui::format::duration;
use crate::ui::shell::severity_style;
use crate::ui::{RenderCtx, list};

pub fn render(buffer: &mut Buffer, area: Rect, state: &AppState, ctx: &RenderCtx) {
    let area = render_notify_status(buffer, area, state, ctx);
    let detail_height = 5.min(area.height / 3);
    let [list_area, detail_area] =
        Layout::vertical([Constraint::Min(0), Constraint::Length(detail_height)]).areas(area);
    render_list(buffer, list_area, state, ctx);
    render_detail(buffer, detail_area, state, ctx);
}

fn render_list(buffer: &mut Buffer, area: Rect, state: &AppState, ctx: &RenderCtx) {
    let alerts = &state.alerts;
    let heading = list::heading("Alerts", &alerts.list, alerts.alerts.len(), ctx);
    let block = Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(ctx.theme.border)
        .title(heading);
    let wide = area.width >= 120;
    let header = Row::new(
        [
            "SEV",
            "ALERT",
            "ON",
            "VALUE",
            "STATE",
            "SINCE",
            "RESPOND BY",
        ]
        .into_iter()
        .take(if wide { 7 } else { 6 }),
    )
    .style(ctx.theme.table_header);
    let rows: Vec<Row> = alerts
        .list
        .rows
        .iter()
        .filter_map(|key| alerts.alerts.get(key))
        .map(|alert| alert_row(alert, state, wide, ctx))
        .collect();
    let mut widths = vec![
        Constraint::Length(3),
        Constraint::Length(22),
        Constraint::Fill(1),
        Constraint::Length(8),
        Constraint::Length(9),
        Constraint::Length(8),
    ];
    if wide {
        widths.push(Constraint::Length(12));
    }
    let table = Table::new(rows, widths)
        .header(header)
        .block(block)
        .row_highlight_style(ctx.theme.selected)
        .column_spacing(1);
    let selected = alerts.list.selected_index();
    let page = area.height.saturating_sub(3) as usize;
    let offset = selected.map_or(0, |s| (s + 1).saturating_sub(page.max(1)));
    let mut table_state = TableState::default()
        .with_offset(offset)
        .with_selected(selected);
    StatefulWidget::render(table, area, buffer, &mut table_state);
    if alerts.list.is_empty() {
        let note = if alerts.list.filter.is_empty() {
            format!(
                "no alert is firing or pending ({} rules)",
                alerts.rules.len()
            )
        } else {
            "no alert matches the filter".to_string()
        };
        list::render_empty_note(buffer, area, &note, ctx);
    }
}

fn alert_row<'a>(alert: &Alert, state: &AppState, wide: bool, ctx: &RenderCtx) -> Row<'a> {
    let style = severity_style(alert.priority.severity(), ctx);
    let on: Vec<&str> = alert
        .key
        .labels
        .iter()
        .map(|(_, value)| value.as_str())
        .collect();
    let since = match alert.state {
        AlertState::Resolved => alert.resolved_at,
        AlertState::Firing => alert.firing_since,
        AlertState::Pending => Some(alert.active_since),
    };
    let ago = |at: chrono::DateTime<chrono::Utc>| {
        duration((state_now(state) - at).to_std().unwrap_or_default())
    };
    let mut state_text = alert.state.label().to_string();
    if state.alerts.silence_of(&alert.key).is_some() {
        state_text = "silenced".to_string();
    } else if alert.ack.is_some() {
        state_text.push_str(" ✓");
    } else if alert.escalated_at.is_some() {
        state_text.push_str(" ↑");
    }
    let mut cells = vec![
        Cell::from(Span::styled(alert.priority.to_string(), style)),
        Cell::from(Span::styled(alert.key.rule.clone(), style)),
        Cell::from(Span::styled(on.join(" "), ctx.theme.muted)),
        Cell::from(format_value(alert.value)),
        Cell::from(state_text),
        Cell::from(since.map(ago).unwrap_or_default()),
    ];
    if wide {
        let respond = match (alert.state, alert.respond_by()) {
            (AlertState::Firing, Some(by)) if alert.ack.is_none() => {
                let left = by - state_now(state);
                if left.num_seconds() >= 0 {
                    format!("in {}", duration(left.to_std().unwrap_or_default()))
                } else {
                    format!("{} late", duration((-left).to_std().unwrap_or_default()))
                }
            }
            _ => String::new(),
        };
        cells.push(Cell::from(respond));
    }
    let row = Row::new(cells);
    if alert.state == AlertState::Resolved {
        row.style(ctx.theme.muted)
    } else {
        row
    }
}

/// The time of the newest evaluation: views read no clock.
fn state_now(state: &AppState) -> chrono::DateTime<chrono::Utc> {
    state.alerts.evaluated_at.unwrap_or_default()
}

fn render_detail(buffer: &mut Buffer, area: Rect, state: &AppState, ctx: &RenderCtx) {
    if area.height == 0 {
        return;
    }
    let block = Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(ctx.theme.border)
        .title(Span::styled(" Selected ", ctx.theme.title));
    let selected = state
        .alerts
        .list
        .selected
        .as_ref()
        .and_then(|key| state.alerts.alerts.get(key));
    let lines: Vec<Line> = match selected {
        None => vec![Line::styled("nothing selected", ctx.theme.muted)],
        Some(alert) => {
            let mut lines = vec![Line::from(vec![
                Span::styled(
                    format!("{} ", alert.priority),
                    severity_style(alert.priority.severity(), ctx),
                ),
                Span::raw(alert.summary.clone()),
            ])];
            let labels: Vec<String> = alert
                .key
                .labels
                .iter()
                .map(|(key, value)| format!("{key}={value}"))
                .collect();
            let mut facts = vec![format!("rule {} {{{}}}", alert.key.rule, labels.join(", "))];
            if let Some(runbook) = &alert.runbook {
                facts.push(format!("runbook {runbook}"));
            }
            if let Some(ack) = &alert.ack {
                facts.push(format!("acknowledged by {}: {}", ack.by, ack.note));
            }
            if let Some(silence) = state.alerts.silence_of(&alert.key) {
                facts.push(format!(
                    "silenced by {} until {}: {}",
                    silence.by,
                    silence.until.format("%H:%M"),
                    silence.comment
                ));
            }
            lines.push(Line::styled(facts.join(" · "), ctx.theme.muted));
            lines
        }
    };
    Paragraph::new(lines)
        .block(block)
        .wrap(Wrap { trim: true })
        .render(area, buffer);
}

/// A line per `[[notify]]` target that fails (at most two), above the list; gives back the area
/// left below. The error names the target's address as `http::shown_url` shows it, never whole.
fn render_notify_status(
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
    let height = (lines.len() as u16).min(area.height);
    let [status, rest] =
        Layout::vertical([Constraint::Length(height), Constraint::Min(0)]).areas(area);
    Paragraph::new(lines).render(status, buffer);
    rest
}
