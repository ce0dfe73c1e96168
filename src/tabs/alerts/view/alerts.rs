//! The alerts view: firing and pending alerts, the console's own, the Alertmanagers' and the
//! Prometheus servers', most severe then oldest first, with when someone must respond, and the
//! selected alert's summary and runbook below; a banner for each Alertmanager or Prometheus that
//! cannot be reached, above every view.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Row};

use super::{ViewTable, labels_text, on_text};
use crate::alerts::engine::{Alert, AlertState, Origin};
use crate::alerts::rule::format_value;
use crate::model::source::SourceId;
use crate::state::AppState;
use crate::state::source::SourceStatus;
use crate::ui::format::{content_width, duration, truncate};
use crate::ui::severity_style;
use crate::ui::{RenderCtx, banner, list};

/// One line per Alertmanager or Prometheus that cannot be reached: where, why, since when, when
/// it retries, and that its alerts are as it last listed them.
pub(super) fn down_banners<'a>(state: &AppState, ctx: &RenderCtx) -> Vec<Line<'a>> {
    let alertmanagers = state.alerts.alertmanagers.iter().map(|a| {
        let what = format!("Alertmanager {}", a.name);
        let origin = Origin::Alertmanager(a.name.clone());
        (
            SourceId::alertmanager(&a.name),
            what,
            origin,
            a.address.as_str(),
        )
    });
    let prometheus = state.alerts.prometheus.iter().map(|p| {
        let what = format!("Prometheus {}", p.name);
        let origin = Origin::Prometheus(p.name.clone());
        (
            SourceId::prometheus(&p.name),
            what,
            origin,
            p.address.as_str(),
        )
    });
    alertmanagers
        .chain(prometheus)
        .filter_map(|(id, what, origin, address)| {
            let health = state.source(&id.name)?;
            let last = |ago: &str| {
                let known = state
                    .alerts
                    .external
                    .keys()
                    .filter(|k| k.origin == origin)
                    .count();
                let plural = if known == 1 { "" } else { "s" };
                format!("showing its {known} alert{plural} from {ago} ago")
            };
            banner::source_down(&what, address, health, last, ctx)
        })
        .collect()
}

/// Whether the Alertmanager or Prometheus an alert comes from stopped answering: its rows are
/// as it last listed them.
fn stale(state: &AppState, alert: &Alert) -> bool {
    alert.key.fleet_source().is_some_and(|source| {
        state.source(&source.name).is_some_and(|s| {
            matches!(
                s.status,
                SourceStatus::Down { .. } | SourceStatus::Stale { .. }
            )
        })
    })
}

pub(super) fn render_list(
    buffer: &mut Buffer,
    area: Rect,
    state: &AppState,
    ctx: &RenderCtx,
) -> usize {
    let alerts = &state.alerts;
    let total = alerts.alerts.len() + alerts.external.len();
    let wide = area.width >= 120;
    let shown: Vec<&Alert> = alerts
        .list
        .rows
        .iter()
        .filter_map(|key| alerts.get(key))
        .collect();
    // The alert's name as wide as the longest listed, up to a share of the row; when someone
    // must respond matters more than what the alert is on, which gets what is left.
    let rule_width = content_width(
        "ALERT",
        shown.iter().map(|a| a.key.rule.as_str()),
        usize::from(area.width / 4).max(5),
    );
    let titles = vec![
        "SEV",
        "ALERT",
        "ON",
        "VALUE",
        "STATE",
        "SINCE",
        "RESPOND BY",
    ];
    let fixed = [3, rule_width as u16, 8, 9, 8, if wide { 12 } else { 10 }];
    let spacing = titles.len() as u16 - 1;
    let on_width = area
        .width
        .saturating_sub(2 + spacing + fixed.iter().sum::<u16>());
    let widths = vec![
        Constraint::Length(fixed[0]),
        Constraint::Length(fixed[1]),
        Constraint::Fill(1),
        Constraint::Length(fixed[2]),
        Constraint::Length(fixed[3]),
        Constraint::Length(fixed[4]),
        Constraint::Length(fixed[5]),
    ];
    let cut = Widths {
        rule: rule_width,
        on: usize::from(on_width),
    };
    let empty = alerts.list.is_empty().then(|| {
        if alerts.list.filter.is_empty() {
            format!(
                "no alert is firing or pending ({})",
                crate::words::count(alerts.rules.len(), "rule")
            )
        } else {
            "no alert matches the filter".to_string()
        }
    });
    ViewTable {
        heading: list::heading("Alerts", &alerts.list, total, ctx),
        titles,
        widths,
        rows: shown
            .into_iter()
            .map(|alert| alert_row(alert, state, cut, ctx))
            .collect(),
        window: alerts.list.window(),
        empty,
    }
    .render(buffer, area, alerts, ctx)
}

/// How wide the cells that may be cut are: what does not fit ends with `…`.
#[derive(Debug, Clone, Copy)]
struct Widths {
    rule: usize,
    on: usize,
}

fn alert_row<'a>(alert: &Alert, state: &AppState, cut: Widths, ctx: &RenderCtx) -> Row<'a> {
    let style = severity_style(alert.priority.severity(), ctx);
    let external = state.alerts.external.get(&alert.key);
    let since = match alert.state {
        AlertState::Resolved => alert.resolved_at,
        AlertState::Firing => alert.firing_since,
        AlertState::Pending => Some(alert.active_since),
    };
    let ago = |at: chrono::DateTime<chrono::Utc>| {
        duration((state_now(state) - at).to_std().unwrap_or_default())
    };
    let mut state_text = alert.state.label().to_string();
    let own_ack = state.alerts.ack_silence_id(&alert.key);
    if state.alerts.silence_of(&alert.key).is_some()
        || external.is_some_and(|e| e.silenced_elsewhere(own_ack).is_some())
    {
        state_text = "silenced".to_string();
    } else if external.is_some_and(|e| !e.inhibited_by.is_empty()) {
        state_text = "inhibited".to_string();
    } else if alert.ack.is_some() {
        state_text.push_str(" ✓");
    } else if alert.escalated_at.is_some() {
        state_text.push_str(" ↑");
    }
    let mut cells = vec![
        Cell::from(Span::styled(alert.priority.to_string(), style)),
        Cell::from(Span::styled(truncate(&alert.key.rule, cut.rule), style)),
        Cell::from(Span::styled(
            truncate(
                &on_text(&alert.key, state.resources.implicit_host()),
                cut.on,
            ),
            ctx.theme.muted,
        )),
        // Alertmanager's alerts carry no value.
        Cell::from(if external.is_some() {
            String::new()
        } else {
            format_value(alert.value)
        }),
        Cell::from(state_text),
        Cell::from(since.map(ago).unwrap_or_default()),
    ];
    let respond = match (alert.state, alert.respond_by()) {
        // Nobody is expected to respond to what is acknowledged, silenced or held back.
        (AlertState::Firing, Some(by))
            if alert.ack.is_none() && !state.alerts.held_back(&alert.key) =>
        {
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
    let row = Row::new(cells);
    if stale(state, alert) {
        row.style(ctx.theme.stale)
    } else if alert.state == AlertState::Resolved {
        row.style(ctx.theme.muted)
    } else {
        row
    }
}

/// The time of the newest evaluation: views read no clock.
fn state_now(state: &AppState) -> chrono::DateTime<chrono::Utc> {
    state.alerts.evaluated_at.unwrap_or_default()
}

/// The selected alert: severity and summary, then where it comes from, its labels, runbook,
/// acknowledgement and silences.
pub(super) fn detail(state: &AppState, ctx: &RenderCtx) -> Vec<Line<'static>> {
    let Some(alert) = state.alerts.selected() else {
        return Vec::new();
    };
    let mut lines = vec![Line::from(vec![
        Span::styled(
            format!("{} ", alert.priority),
            severity_style(alert.priority.severity(), ctx),
        ),
        Span::raw(alert.summary.clone()),
    ])];
    let labels = labels_text(&alert.key.labels);
    let mut facts = match alert.key.fleet_server() {
        Some(server) => vec![format!("{} {{{labels}}} from {server}", alert.key.rule)],
        None => vec![format!("rule {} {{{labels}}}", alert.key.rule)],
    };
    let external = state.alerts.external.get(&alert.key);
    if let Some(description) = external
        .and_then(|e| e.annotations.get("description"))
        .filter(|d| **d != alert.summary)
    {
        facts.push(description.clone());
    }
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
            silence.until.with_timezone(&ctx.offset).format("%H:%M"),
            silence.comment
        ));
    }
    let own_ack = state.alerts.ack_silence_id(&alert.key);
    if let Some(silence) = external.and_then(|e| e.silenced_elsewhere(own_ack)) {
        facts.push(format!(
            "silenced in Alertmanager by {} until {}: {}",
            silence.created_by,
            silence.ends_at.with_timezone(&ctx.offset).format("%H:%M"),
            silence.comment
        ));
    }
    if let Some(external) = external.filter(|e| !e.inhibited_by.is_empty()) {
        facts.push(format!("inhibited by {}", external.inhibited_by.join(", ")));
    }
    lines.push(Line::styled(facts.join(" · "), ctx.theme.muted));
    lines
}
