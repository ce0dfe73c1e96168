//! The series a `[[prometheus.import]]` brings in (queue depths, consumer lag, orders per
//! minute): one row each with its labels, its last value, a sparkline of its history and the
//! mark of the worst alert on it, under the host's panels.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Cell, Row, Table, Widget};

use super::hosts::spark;
use crate::findings::Severity;
use crate::metrics::SeriesKey;
use crate::model::prometheus::ImportedSample;
use crate::state::AppState;
use crate::ui::format::truncate;
use crate::ui::{RenderCtx, history, severity_style};

/// Rows shown at most: the panel shares the bottom of the tab with the processes or the facts.
const MAX_ROWS: usize = 8;

/// Below this many rows for the panels, the host's own panels need them all.
const MIN_ROOM: u16 = 20;

/// Every imported series, by name then labels.
fn samples(state: &AppState) -> Vec<&ImportedSample> {
    let mut samples: Vec<&ImportedSample> = state
        .fleet
        .prometheus
        .values()
        .flat_map(|view| &view.imported)
        .collect();
    samples.sort_by(|a, b| (&a.name, &a.labels).cmp(&(&b.name, &b.labels)));
    samples
}

/// The panel's height in `area_height`: none without imported series or in a small terminal,
/// else their rows (at most `MAX_ROWS`, and a third of the room) with the header and borders.
pub fn height(state: &AppState, area_height: u16) -> u16 {
    let count = samples(state).len();
    if count == 0 || area_height < MIN_ROOM {
        return 0;
    }
    let wanted = count.min(MAX_ROWS) as u16 + 3;
    wanted.min(area_height / 3)
}

pub fn render(buffer: &mut Buffer, area: Rect, state: &AppState, ctx: &RenderCtx) {
    let samples = samples(state);
    let title = Line::from(vec![
        Span::styled(" Imported series ", ctx.theme.title),
        Span::styled(format!("{} ", samples.len()), ctx.theme.muted),
    ]);
    let block = Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(ctx.theme.border)
        .title(title);
    let room = usize::from(area.width.saturating_sub(2));
    let name_width = samples
        .iter()
        .map(|s| s.name.chars().count())
        .max()
        .unwrap_or(4)
        .clamp(4, 32);
    let labels_width = samples
        .iter()
        .map(|s| {
            s.labels
                .iter()
                .map(|(k, v)| k.len() + v.len() + 2)
                .sum::<usize>()
        })
        .max()
        .unwrap_or(6)
        .clamp(6, (room / 3).max(6));
    let value_width = 10;
    let used = 1 + name_width + labels_width + value_width + 4;
    let spark_width = room.saturating_sub(used);
    let rows = samples.iter().map(|sample| {
        let labels: Vec<(&str, &str)> = sample
            .labels
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let worst = state.alerts.worst_over(&[sample.name.as_str()], &labels);
        let mark = match worst {
            Severity::Ok => Span::raw(" "),
            severity => Span::styled(
                if severity == Severity::Critical {
                    "✖"
                } else {
                    "▲"
                },
                severity_style(severity, ctx),
            ),
        };
        let shown_labels = sample
            .labels
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(" ");
        let mut key = SeriesKey::new(&sample.name);
        for (k, v) in &sample.labels {
            key = key.with_label(k, v);
        }
        let values = history::series(state, &key, spark_width);
        // Scaled to the series' own peak: a queue of 40 and one of 4,000 both show their shape.
        let peak = values.iter().flatten().copied().fold(0.0_f64, f64::max);
        let spark = spark(&values, if peak > 0.0 { peak } else { 1.0 });
        Row::new(vec![
            Cell::from(mark),
            Cell::from(truncate(&sample.name, name_width)),
            Cell::from(Span::styled(
                truncate(&shown_labels, labels_width),
                ctx.theme.muted,
            )),
            Cell::from(Line::from(compact(sample.value)).right_aligned()),
            Cell::from(Span::styled(spark, ctx.theme.accent)),
        ])
    });
    let widths = [
        Constraint::Length(1),
        Constraint::Length(name_width as u16),
        Constraint::Length(labels_width as u16),
        Constraint::Length(value_width as u16),
        Constraint::Length(spark_width as u16),
    ];
    Table::new(rows, widths)
        .header(
            Row::new(vec!["", "SERIES", "LABELS", "VALUE", "HISTORY"])
                .style(ctx.theme.table_header),
        )
        .block(block)
        .render(area, buffer);
}

/// A value in at most ten columns: whole numbers as they are, others with what precision fits.
fn compact(value: f64) -> String {
    if !value.is_finite() {
        return value.to_string();
    }
    if value.fract() == 0.0 && value.abs() < 1e10 {
        return format!("{value:.0}");
    }
    let text = format!("{value:.2}");
    if text.len() <= 10 {
        text
    } else {
        format!("{value:.3e}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_fit_their_column() {
        assert_eq!(compact(1234.0), "1234");
        assert_eq!(compact(0.375), "0.38");
        assert_eq!(compact(123_456_789.5), "1.235e8");
        assert!(compact(-9_999_999.25).len() <= 10);
    }
}
