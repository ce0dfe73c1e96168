//! The history view: every transition, newest first, with its time and, for an operator's
//! doing, who and their note.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Row};

use super::{ViewTable, labels_text, on_text};
use crate::alerts::engine::{Change, Transition};
use crate::alerts::rule::format_value;
use crate::config::theme::Theme;
use crate::model::resources::HostKey;
use crate::tabs::alerts::state::AlertsState;
use crate::ui::{RenderCtx, list};

pub(super) fn render_list(
    buffer: &mut Buffer,
    area: Rect,
    alerts: &AlertsState,
    implicit: Option<&HostKey>,
    ctx: &RenderCtx,
) {
    let heading = list::heading("History", &alerts.history_list, alerts.history.len(), ctx);
    let wide = area.width >= 120;
    let rows: Vec<Row> = alerts
        .history_list
        .rows
        .iter()
        .filter_map(|seq| alerts.history_entry(*seq))
        .map(|t| {
            let at = t.at.with_timezone(&ctx.offset);
            let time = if wide {
                at.format("%Y-%m-%d %H:%M:%S")
            } else {
                at.format("%m-%d %H:%M")
            };
            Row::new(vec![
                Cell::from(time.to_string()),
                Cell::from(Span::styled(
                    t.change.label(),
                    change_style(t.change, ctx.theme),
                )),
                Cell::from(t.key.rule.clone()),
                Cell::from(Span::styled(on_text(&t.key, implicit), ctx.theme.muted)),
                Cell::from(t.by_or_value()),
            ])
        })
        .collect();
    let empty = alerts.history_list.is_empty().then(|| {
        if alerts.history.is_empty() {
            "nothing has happened yet (kept 30 days; `watchdeck alerts export` writes it out)"
                .to_string()
        } else {
            "no entry matches the filter".to_string()
        }
    });
    ViewTable {
        heading,
        titles: vec!["TIME", "CHANGE", "ALERT", "ON", "BY / VALUE"],
        widths: vec![
            Constraint::Length(if wide { 19 } else { 11 }),
            Constraint::Length(14),
            Constraint::Length(22),
            Constraint::Fill(1),
            Constraint::Fill(1),
        ],
        rows,
        selected: alerts.history_list.selected_index(),
        empty,
    }
    .render(buffer, area, alerts, ctx);
}

/// Firing and escalations stand out; an operator's doings and resolutions are calm.
fn change_style(change: Change, theme: &Theme) -> ratatui::style::Style {
    match change {
        Change::Firing | Change::Escalated => theme.crit,
        Change::Pending => theme.warn,
        Change::Resolved => theme.ok,
        _ => theme.info,
    }
}

pub(super) fn detail(alerts: &AlertsState, ctx: &RenderCtx) -> Vec<Line<'static>> {
    let Some(t) = alerts.selected_history() else {
        return Vec::new();
    };
    vec![
        Line::raw(describe(t)),
        Line::styled(
            format!(
                "{} · {}{{{}}}",
                t.at.with_timezone(&ctx.offset)
                    .format("%Y-%m-%d %H:%M:%S %:z"),
                t.key.rule,
                labels_text(&t.key.labels)
            ),
            ctx.theme.muted,
        ),
    ]
}

/// One sentence for a transition: `acknowledged by alice: on it`, `firing at 93.5`, `firing in
/// Alertmanager prod`.
fn describe(t: &Transition) -> String {
    match &t.by {
        Some(by) if t.note.is_empty() => format!("{} by {by}", t.change.label()),
        Some(by) => format!("{} by {by}: {}", t.change.label(), t.note),
        None if !t.note.is_empty() => format!("{}: {}", t.change.label(), t.note),
        None => match (&t.key.alertmanager, t.value) {
            (Some(name), _) => format!("{} in Alertmanager {name}", t.change.label()),
            (None, Some(value)) => format!("{} at {}", t.change.label(), format_value(value)),
            (None, None) => t.change.label().to_string(),
        },
    }
}
