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
use crate::state::alerts::AlertsState;
use crate::ui::format::{content_width, truncate};
use crate::ui::{RenderCtx, list};

pub(super) fn render_list(
    buffer: &mut Buffer,
    area: Rect,
    alerts: &AlertsState,
    implicit: Option<&HostKey>,
    ctx: &RenderCtx,
) -> usize {
    let heading = list::heading("History", &alerts.history_list, alerts.history.len(), ctx);
    let wide = area.width >= 120;
    let entries: Vec<&Transition> = alerts
        .history_list
        .rows
        .iter()
        .filter_map(|seq| alerts.history_entry(*seq))
        .collect();
    let time_width: u16 = if wide { 19 } else { 11 };
    let rule_width = content_width(
        "ALERT",
        entries.iter().map(|t| t.key.rule.as_str()),
        usize::from(area.width / 4).max(5),
    ) as u16;
    // ON and BY / VALUE share what the others leave; what does not fit ends with `…`.
    let rest = area
        .width
        .saturating_sub(2 + 4 + time_width + 14 + rule_width);
    let (on_width, by_width) = (rest.div_ceil(2), rest / 2);
    let rows: Vec<Row> = entries
        .into_iter()
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
                Cell::from(truncate(&t.key.rule, usize::from(rule_width))),
                Cell::from(Span::styled(
                    truncate(&on_text(&t.key, implicit), usize::from(on_width)),
                    ctx.theme.muted,
                )),
                Cell::from(truncate(&t.by_or_value(), usize::from(by_width))),
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
            Constraint::Length(time_width),
            Constraint::Length(14),
            Constraint::Length(rule_width),
            Constraint::Length(on_width),
            Constraint::Fill(1),
        ],
        rows,
        window: alerts.history_list.window(),
        empty,
    }
    .render(buffer, area, alerts, ctx)
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
        None => match (t.key.fleet_server(), t.value) {
            (Some(server), _) => format!("{} in {server}", t.change.label()),
            (None, Some(value)) => format!("{} at {}", t.change.label(), format_value(value)),
            (None, None) => t.change.label().to_string(),
        },
    }
}
