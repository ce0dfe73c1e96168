//! The rules view: every rule, shipped or the user's, switched off or not, with how many of its
//! alerts are active.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Row};

use super::ViewTable;
use crate::alerts::rule::RuleOrigin;
use crate::state::alerts::AlertsState;
use crate::ui::format::duration;
use crate::ui::severity_style;
use crate::ui::{RenderCtx, list};

pub(super) fn render_list(
    buffer: &mut Buffer,
    area: Rect,
    alerts: &AlertsState,
    ctx: &RenderCtx,
) -> usize {
    let heading = list::heading("Rules", &alerts.rule_list, alerts.catalogue.len(), ctx);
    let wide = area.width >= 120;
    let rows: Vec<Row> = alerts
        .rule_list
        .rows
        .iter()
        .filter_map(|name| alerts.catalogue.iter().find(|e| e.rule.name == *name))
        .map(|entry| {
            let rule = &entry.rule;
            let active = alerts.active_of(&rule.name);
            let mut cells = vec![
                Cell::from(Span::styled(
                    rule.priority.to_string(),
                    severity_style(rule.priority.severity(), ctx),
                )),
                Cell::from(rule.name.clone()),
                Cell::from(Span::styled(rule.condition.to_string(), ctx.theme.accent)),
                Cell::from(duration(rule.hold)),
                Cell::from(entry.origin.label()),
                Cell::from(if active > 0 {
                    active.to_string()
                } else {
                    String::new()
                }),
            ];
            if wide {
                cells.push(Cell::from(rule.runbook.clone().unwrap_or_default()));
            }
            let row = Row::new(cells);
            if entry.origin == RuleOrigin::Off {
                row.style(ctx.theme.muted)
            } else {
                row
            }
        })
        .collect();
    let mut titles = vec!["SEV", "RULE", "EXPRESSION", "FOR", "ORIGIN", "ACTIVE"];
    let mut widths = vec![
        Constraint::Length(3),
        Constraint::Length(24),
        Constraint::Fill(1),
        Constraint::Length(6),
        Constraint::Length(10),
        Constraint::Length(6),
    ];
    if wide {
        titles.push("RUNBOOK");
        widths.push(Constraint::Length(24));
    }
    ViewTable {
        heading,
        titles,
        widths,
        rows,
        window: alerts.rule_list.window(),
        empty: alerts
            .rule_list
            .is_empty()
            .then(|| "no rule matches the filter".to_string()),
    }
    .render(buffer, area, alerts, ctx)
}

pub(super) fn detail(alerts: &AlertsState, ctx: &RenderCtx) -> Vec<Line<'static>> {
    let Some(entry) = alerts.selected_rule() else {
        return Vec::new();
    };
    let rule = &entry.rule;
    let origin = match entry.origin {
        RuleOrigin::Shipped => {
            "shipped; a [[rule]] of the same name replaces it, \
                                [alerts] disabled switches it off"
        }
        RuleOrigin::Overridden => "shipped, replaced by your [[rule]]",
        RuleOrigin::Own => "your [[rule]]",
        RuleOrigin::Off => "shipped, switched off in [alerts] disabled",
    };
    vec![
        Line::raw(format!("{} {}: {}", rule.priority, rule.name, rule.summary)),
        Line::styled(
            format!(
                "{} for {} · keep firing {} · escalate after {} · {origin}",
                rule.condition,
                duration(rule.hold),
                duration(rule.keep_firing_for),
                duration(rule.escalate_after)
            ),
            ctx.theme.muted,
        ),
    ]
}
