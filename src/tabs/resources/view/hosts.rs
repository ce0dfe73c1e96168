//! The Resources tab's host list, shown when a Prometheus is configured: this host and every
//! remote one, a row each (worst alert mark, up, CPU, memory, fullest disk, load per core,
//! network, uptime, CPU history); and the facts under a remote host's panels.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{
    Block, BorderType, Cell, Paragraph, Row, StatefulWidget, Table, TableState, Widget, Wrap,
};

use crate::findings::Severity;
use crate::model::prometheus::RemoteHost;
use crate::model::resources::ResourcesSnapshot;
use crate::model::source::SourceKind;
use crate::state::AppState;
use crate::state::fleet::{FetchedHistory, HostRow};
use crate::tabs::resources::record::HostSeries;
use crate::ui::format::{duration, rate, truncate};
use crate::ui::{RenderCtx, banner, history, list, severity_style};

/// How many rows the list takes of `height`: every host if they fit in two fifths of it, with
/// its border and header.
pub fn list_height(state: &AppState, height: u16) -> u16 {
    let wanted = state.fleet.list.len() as u16 + 3;
    wanted.min((height * 2 / 5).max(5))
}

/// Eighth blocks for a sparkline in a cell: one per value; a gap between two values (a host
/// polled less often than the screen refreshes) holds the one before, and none yet is blank.
pub(super) fn spark(values: &[Option<f64>], max: f64) -> String {
    const LEVELS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let mut last = None;
    values
        .iter()
        .map(|value| {
            last = value.or(last);
            last.map_or(' ', |v: f64| {
                LEVELS[((v / max).clamp(0.0, 1.0) * 7.0).round() as usize]
            })
        })
        .collect()
}

/// The name a row shows: this host's says so.
fn shown_name(row: &HostRow) -> String {
    if row.local {
        format!("{} (this)", row.key)
    } else {
        row.key.to_string()
    }
}

fn percent(value: Option<f64>) -> String {
    value.map_or("  ?".into(), |v| format!("{v:>3.0}%"))
}

/// A line for each Prometheus that cannot be read (its hosts show what it said last), and for
/// each that left something out of its last answer.
pub fn banners(state: &AppState, ctx: &RenderCtx) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    for health in state
        .sources
        .iter()
        .filter(|s| s.kind == SourceKind::Prometheus)
    {
        let name = health.name.strip_prefix("prom:").unwrap_or(&health.name);
        let what = format!("Prometheus {name}");
        let last = |ago: &str| format!("hosts as of {ago} ago");
        if let Some(line) = banner::source_down(&what, "", health, last, ctx) {
            lines.push(line);
        } else if let Some(view) = state.fleet.prometheus.get(name)
            && !view.missing.is_empty()
        {
            lines.push(Line::styled(
                format!(
                    " ▲ Prometheus {name} answered in part: missing {}",
                    view.missing.join("; ")
                ),
                ctx.theme.warn,
            ));
        }
    }
    lines
}

/// Draws the host list in `area`.
pub fn render_list(buffer: &mut Buffer, area: Rect, state: &AppState, ctx: &RenderCtx) {
    let fleet = &state.fleet;
    let block = Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(ctx.theme.border)
        .title(list::heading("Hosts", &fleet.list, fleet.rows.len(), ctx));
    let room = usize::from(area.width.saturating_sub(2));
    let wide = room >= 100;
    let host_width = fleet
        .rows
        .iter()
        .map(|r| r.key.as_str().chars().count() + if r.local { " (this)".len() } else { 0 })
        .max()
        .unwrap_or(4)
        .clamp(4, if wide { 30 } else { 16 });
    let mut header = vec![
        "", "HOST", "UP", "CPU", "MEM", "DISK", "LOAD/C", "IN", "OUT",
    ];
    let mut widths = vec![1, host_width, 4, 4, 4, 4, 6, 10, 10];
    if wide {
        header.push("UPTIME");
        widths.push(7);
    }
    let used: usize = widths.iter().sum::<usize>() + widths.len();
    let spark_width = room.saturating_sub(used);
    header.push("CPU HISTORY");
    widths.push(spark_width);
    let constraints: Vec<Constraint> = widths
        .iter()
        .map(|w| Constraint::Length(*w as u16))
        .collect();
    let page = area.height.saturating_sub(3) as usize;
    let window = fleet.list.window();
    let offset = window.offset_in(page);
    // Only the rows in view are built: each one reads a sparkline's worth of history, and a
    // fleet has a thousand hosts.
    let rows = fleet
        .list
        .rows
        .iter()
        .skip(offset)
        .take(page)
        .filter_map(|key| fleet.row(key))
        .map(|row| host_row(row, wide, host_width, spark_width, state, ctx));
    let table = Table::new(rows, constraints)
        .header(Row::new(header).style(ctx.theme.table_header))
        .block(block)
        .row_highlight_style(ctx.theme.selected)
        .column_spacing(1);
    let mut table_state =
        TableState::default().with_selected(window.selected.and_then(|at| at.checked_sub(offset)));
    StatefulWidget::render(table, area, buffer, &mut table_state);
    if fleet.list.is_empty() {
        list::render_empty_note(buffer, area, "no host matches the filter", ctx);
    }
}

fn host_row<'a>(
    row: &HostRow,
    wide: bool,
    host_width: usize,
    spark_width: usize,
    state: &AppState,
    ctx: &RenderCtx,
) -> Row<'a> {
    let mark = match row.worst {
        Severity::Ok => Span::raw(" "),
        severity => Span::styled(
            severity.label().chars().next().unwrap_or(' ').to_string(),
            severity_style(severity, ctx),
        ),
    };
    let (up_text, up_style) = match row.up {
        Some(true) => ("up", ctx.theme.ok),
        Some(false) => ("down", ctx.theme.crit),
        None => ("?", ctx.theme.muted),
    };
    let name = shown_name(row);
    let number = |text: String| Cell::from(Span::styled(text, ctx.theme.text));
    let (rx, tx) = row
        .net
        .map_or(("?".to_string(), "?".to_string()), |(rx, tx)| {
            (rate(rx), rate(tx))
        });
    let mut cells = vec![
        Cell::from(mark),
        Cell::from(truncate(&name, host_width)),
        Cell::from(Span::styled(up_text, up_style)),
        number(percent(row.cpu_percent)),
        number(percent(row.memory_percent)),
        number(percent(row.disk_percent)),
        number(
            row.load_per_core
                .map_or("?".into(), |l| format!("{l:>6.2}")),
        ),
        number(format!("{rx:>10}")),
        number(format!("{tx:>10}")),
    ];
    if wide {
        let uptime = row
            .uptime_seconds
            .map_or("?".into(), |s| duration(std::time::Duration::from_secs(s)));
        cells.push(number(uptime));
    }
    let history = history::series(state, &HostSeries::cpu_percent(&row.key), spark_width);
    cells.push(Cell::from(Span::styled(
        spark(&history, 100.0),
        ctx.theme.graph_cpu,
    )));
    Row::new(cells)
}

/// A remote host's last answer as the local host's panels draw it, with its cores as fetched
/// with its history; a measure its Prometheus did not answer reads as nothing used (the facts
/// below say which are missing).
pub fn as_snapshot(host: &RemoteHost, state: &AppState) -> ResourcesSnapshot {
    let at = state
        .fleet
        .prometheus
        .values()
        .map(|view| view.read_at)
        .max()
        .unwrap_or_default();
    ResourcesSnapshot {
        at,
        cpu_percent: host.cpu_percent.unwrap_or_default(),
        cores: fetched(host, state)
            .map(|h| h.cores.clone())
            .unwrap_or_default(),
        load: host.load.unwrap_or_default(),
        memory: host.memory.unwrap_or_default(),
        swap: host.swap.unwrap_or_default(),
        disks: host.disks.clone(),
        networks: host.networks.clone(),
        processes: Vec::new(),
        processes_sampled: false,
        uptime_seconds: host.uptime_seconds.unwrap_or_default(),
    }
}

/// The history fetched for `host`, if it is the one fetched.
fn fetched<'a>(host: &RemoteHost, state: &'a AppState) -> Option<&'a FetchedHistory> {
    state.fleet.history.as_ref().filter(|h| h.host == host.host)
}

/// Under a remote host's panels: where it is read from, its state, and what its Prometheus did
/// not answer.
pub fn render_facts(
    buffer: &mut Buffer,
    area: Rect,
    host: &RemoteHost,
    state: &AppState,
    ctx: &RenderCtx,
) {
    let source = state
        .fleet
        .hosts()
        .find(|(_, h)| h.host == host.host)
        .map_or("", |(name, _)| name);
    let up = match host.up {
        Some(true) => Span::styled("up", ctx.theme.ok),
        Some(false) => Span::styled("down: Prometheus cannot scrape it", ctx.theme.crit),
        None => Span::styled("up unknown", ctx.theme.muted),
    };
    let uptime = host.uptime_seconds.map_or("uptime unknown".into(), |s| {
        format!("uptime {}", duration(std::time::Duration::from_secs(s)))
    });
    let mut lines = vec![Line::from(vec![
        Span::styled(format!("{} ", host.instance), ctx.theme.text),
        up,
        Span::styled(
            format!(" · {uptime} · from Prometheus {source}"),
            ctx.theme.muted,
        ),
    ])];
    let cores = host
        .cores
        .map_or(String::new(), |c| format!("{c} cores · "));
    let fetched = fetched(host, state);
    // The host list's poll has no per-core figures: the bars are as of the fetch.
    let cores = match fetched.and_then(|h| h.cores_at) {
        Some(at) => format!(
            "{cores}per core as of {} ago · ",
            duration((ctx.now - at).to_std().unwrap_or_default())
        ),
        None => cores,
    };
    let (history, style) = match fetched.map(|h| &h.error) {
        None => ("history: asking Prometheus…".to_string(), ctx.theme.muted),
        Some(None) => (
            "history: from Prometheus, then every poll".to_string(),
            ctx.theme.muted,
        ),
        Some(Some(error)) => (format!("history not fetched: {error}"), ctx.theme.warn),
    };
    lines.push(Line::from(vec![
        Span::styled(cores, ctx.theme.muted),
        Span::styled(history, style),
    ]));
    let missing = state
        .fleet
        .prometheus
        .get(source)
        .map(|view| view.missing.as_slice())
        .unwrap_or_default();
    for gap in missing {
        lines.push(Line::styled(format!("missing {gap}"), ctx.theme.warn));
    }
    let title = Line::styled(format!(" {} ", host.host), ctx.theme.title);
    Paragraph::new(lines)
        .wrap(Wrap { trim: true })
        .block(
            Block::bordered()
                .border_type(BorderType::Rounded)
                .border_style(ctx.theme.border)
                .title(title),
        )
        .render(area, buffer);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sparkline_has_a_level_per_value_and_holds_it_across_a_gap() {
        assert_eq!(
            spark(
                &[None, Some(0.0), Some(50.0), None, Some(100.0), Some(250.0)],
                100.0
            ),
            " ▁▅▅██"
        );
    }
}
