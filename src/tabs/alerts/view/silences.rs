//! The silences view: what is silenced, by whom, until when and why, soonest to end first.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Cell, Row};

use super::{ViewTable, labels_text};
use crate::tabs::alerts::state::{AlertsState, Silence};
use crate::ui::format::duration;
use crate::ui::{RenderCtx, list};

pub(super) fn render_list(buffer: &mut Buffer, area: Rect, alerts: &AlertsState, ctx: &RenderCtx) {
    let heading = list::heading("Silences", &alerts.silence_list, alerts.silences.len(), ctx);
    let wide = area.width >= 120;
    let mut titles = vec!["SILENCES", "ALERTS", "ENDS IN", "BY", "COMMENT"];
    let mut widths = vec![
        Constraint::Fill(2),
        Constraint::Length(6),
        Constraint::Length(9),
        Constraint::Length(12),
        Constraint::Fill(1),
    ];
    if wide {
        titles.insert(3, "UNTIL");
        widths.insert(3, Constraint::Length(11));
    }
    let rows: Vec<Row> = alerts
        .silence_list
        .rows
        .iter()
        .filter_map(|(key, matchers)| {
            let mut silences = alerts.silences.iter();
            silences.find(|s| s.key == *key && s.matchers == *matchers)
        })
        .map(|silence| {
            let mut cells = vec![
                Cell::from(scope(silence)),
                Cell::from(alerts.covered_by(silence).to_string()),
                Cell::from(duration(
                    (silence.until - ctx.now).to_std().unwrap_or_default(),
                )),
                Cell::from(silence.by.clone()),
                Cell::from(silence.comment.clone()),
            ];
            if wide {
                let until = silence.until.with_timezone(&ctx.offset);
                cells.insert(3, Cell::from(until.format("%m-%d %H:%M").to_string()));
            }
            Row::new(cells)
        })
        .collect();
    let empty = alerts.silence_list.is_empty().then(|| {
        if alerts.silences.is_empty() {
            "nothing is silenced (s on an alert silences it, S its whole rule)".to_string()
        } else {
            "no silence matches the filter".to_string()
        }
    });
    ViewTable {
        heading,
        titles,
        widths,
        rows,
        selected: alerts.silence_list.selected_index(),
        empty,
    }
    .render(buffer, area, alerts, ctx);
}

/// What a silence covers: `DiskSpaceLow{mount=/var}`, `ContainerExited{container=~trial-.*}`,
/// or the rule alone when it has no matchers.
fn scope(silence: &Silence) -> String {
    if silence.key.labels.is_empty() && silence.matchers.is_empty() {
        return format!("{} (every alert)", silence.key.rule);
    }
    let mut matchers = labels_text(&silence.key.labels);
    for matcher in &silence.matchers {
        if !matchers.is_empty() {
            matchers.push_str(", ");
        }
        matchers.push_str(&matcher.to_string());
    }
    format!("{}{{{matchers}}}", silence.key.rule)
}

pub(super) fn detail(alerts: &AlertsState, ctx: &RenderCtx) -> Vec<Line<'static>> {
    let Some(silence) = alerts.selected_silence() else {
        return Vec::new();
    };
    vec![
        Line::raw(format!("{}: {}", scope(silence), silence.comment)),
        Line::styled(
            format!(
                "by {} · until {} · covers {} alert(s) now · x ends it",
                silence.by,
                silence
                    .until
                    .with_timezone(&ctx.offset)
                    .format("%Y-%m-%d %H:%M"),
                alerts.covered_by(silence)
            ),
            ctx.theme.muted,
        ),
    ]
}
