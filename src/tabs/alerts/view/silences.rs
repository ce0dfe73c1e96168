//! The silences view: every silence that touches an alert listed here, the console's and the
//! Alertmanagers' (an acknowledgement's, or one made there), with what it covers, by whom, until
//! when and why, soonest to end first.

use chrono::{DateTime, Utc};
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Cell, Row};

use super::{ViewTable, labels_text};
use crate::alerts::kept::Silence;
use crate::model::source::SourceId;
use crate::state::alerts::{AlertsState, FleetSilence, SilenceRow};
use crate::ui::format::duration;
use crate::ui::{RenderCtx, list};

/// One row as the view shows it, whichever its origin.
struct Shown {
    scope: String,
    covers: usize,
    until: DateTime<Utc>,
    by: String,
    comment: String,
}

fn shown(alerts: &AlertsState, row: &SilenceRow) -> Option<Shown> {
    match row {
        SilenceRow::Own((key, matchers)) => {
            let mut silences = alerts.silences.iter();
            let silence = silences.find(|s| s.key == *key && s.matchers == *matchers)?;
            Some(Shown {
                scope: scope(silence),
                covers: alerts.covered_by(silence),
                until: silence.until,
                by: silence.by.clone(),
                comment: silence.comment.clone(),
            })
        }
        SilenceRow::Fleet { .. } => {
            let silence = alerts.fleet_silences.iter().find(|s| s.row() == *row)?;
            Some(Shown {
                scope: fleet_scope(silence),
                covers: silence.covers.len(),
                until: silence.until,
                by: silence.by.clone(),
                comment: silence.comment.clone(),
            })
        }
    }
}

pub(super) fn render_list(
    buffer: &mut Buffer,
    area: Rect,
    alerts: &AlertsState,
    ctx: &RenderCtx,
) -> usize {
    let heading = list::heading(
        "Silences",
        &alerts.silence_list,
        alerts.silence_count(),
        ctx,
    );
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
        .filter_map(|row| shown(alerts, row))
        .map(|silence| {
            let mut cells = vec![
                Cell::from(silence.scope),
                Cell::from(silence.covers.to_string()),
                Cell::from(duration(
                    (silence.until - ctx.now).to_std().unwrap_or_default(),
                )),
                Cell::from(silence.by),
                Cell::from(silence.comment),
            ];
            if wide {
                let until = silence.until.with_timezone(&ctx.offset);
                cells.insert(3, Cell::from(until.format("%m-%d %H:%M").to_string()));
            }
            Row::new(cells)
        })
        .collect();
    let empty = alerts.silence_list.is_empty().then(|| {
        if alerts.silence_count() == 0 {
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
        window: alerts.silence_list.window(),
        empty,
    }
    .render(buffer, area, alerts, ctx)
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

/// An Alertmanager's silence by what it holds back here: `am:prod HighLatency{job=api} (ack)`,
/// or `am:prod 3 alerts: HighLatency, …`.
fn fleet_scope(silence: &FleetSilence) -> String {
    let source = SourceId::alertmanager(&silence.alertmanager).name;
    let what = match (&silence.ack_of, silence.covers.as_slice()) {
        (Some(key), _) => format!("{}{{{}}} (ack)", key.rule, labels_text(&key.labels)),
        (None, [key]) => format!("{}{{{}}}", key.rule, labels_text(&key.labels)),
        (None, keys) => {
            let mut rules: Vec<&str> = keys.iter().map(|k| k.rule.as_str()).collect();
            rules.dedup();
            format!("{} alerts: {}", keys.len(), rules.join(", "))
        }
    };
    format!("{source} {what}")
}

pub(super) fn detail(alerts: &AlertsState, ctx: &RenderCtx) -> Vec<Line<'static>> {
    let until = |at: DateTime<Utc>| at.with_timezone(&ctx.offset).format("%Y-%m-%d %H:%M");
    if let Some(silence) = alerts.selected_fleet_silence() {
        let ends = if silence.ack_of.is_some() {
            "A on its alert takes the acknowledgement back"
        } else {
            "made there: end it there"
        };
        return vec![
            Line::raw(format!("{}: {}", fleet_scope(silence), silence.comment)),
            Line::styled(
                format!(
                    "in Alertmanager {} ({}) · by {} · until {} · covers {} now · {ends}",
                    silence.alertmanager,
                    silence.id,
                    silence.by,
                    until(silence.until),
                    crate::words::count(silence.covers.len(), "alert")
                ),
                ctx.theme.muted,
            ),
        ];
    }
    let Some(silence) = alerts.selected_silence() else {
        return Vec::new();
    };
    vec![
        Line::raw(format!("{}: {}", scope(silence), silence.comment)),
        Line::styled(
            format!(
                "by {} · until {} · covers {} now · x ends it",
                silence.by,
                until(silence.until),
                crate::words::count(alerts.covered_by(silence), "alert")
            ),
            ctx.theme.muted,
        ),
    ]
}
