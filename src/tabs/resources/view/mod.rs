//! The Resources tab: CPU, memory, disks, network and processes of the local host; the gauges
//! take their colours from the alerts over their series (see `record::Gauge`).

mod hosts;
mod imports;

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{
    Block, BorderType, Cell, Paragraph, Row, Sparkline, StatefulWidget, Table, TableState, Widget,
};

use chrono::{DateTime, Utc};

use crate::findings::Severity;
use crate::metrics::SeriesKey;
use crate::model::resources::{HostKey, ResourcesSnapshot, Usage};
use crate::state::AppState;
use crate::state::SYSTEM_SOURCE;
use crate::state::source::SourceStatus;
use crate::tabs::resources::record::{Gauge, HostSeries};
use crate::ui::format::{self, bar, bytes, duration, rate, truncate};
use crate::ui::history;
use crate::ui::severity_style;
use crate::ui::{RenderCtx, list};

/// Draws the tab; gives back how many processes its list showed.
pub fn render(buffer: &mut Buffer, area: Rect, state: &AppState, ctx: &RenderCtx) -> Option<usize> {
    let mut area = area;
    // This host's sampler first, then each Prometheus that is down or answered in part.
    let fleet_banners = state.shows_hosts().then(|| hosts::banners(state, ctx));
    for banner in status_banner(state, ctx)
        .into_iter()
        .chain(fleet_banners.into_iter().flatten())
    {
        Paragraph::new(banner).render(Rect { height: 1, ..area }, buffer);
        area = Rect {
            y: area.y + 1,
            height: area.height.saturating_sub(1),
            ..area
        };
    }
    if state.shows_hosts() {
        let height = hosts::list_height(state, area.height);
        let [list, rest] =
            Layout::vertical([Constraint::Length(height), Constraint::Min(0)]).areas(area);
        hosts::render_list(buffer, list, state, ctx);
        area = rest;
        let imported = imports::height(state, area.height);
        if imported > 0 {
            let [rest, panel] =
                Layout::vertical([Constraint::Min(0), Constraint::Length(imported)]).areas(area);
            imports::render(buffer, panel, state, ctx);
            area = rest;
        }
        if let Some(remote) = state.fleet.selected_remote() {
            let snapshot = hosts::as_snapshot(remote, state);
            let facts = render_panels(buffer, area, &remote.host, &snapshot, state, ctx);
            hosts::render_facts(buffer, facts, remote, state, ctx);
            return None;
        }
    }
    let host = state.resources.local();
    let Some(snapshot) = &host.latest else {
        let text = Line::styled("Collecting the first sample of this host…", ctx.theme.muted);
        Paragraph::new(text)
            .block(panel(" Resources ", ctx))
            .render(area, buffer);
        return None;
    };
    let bottom = render_panels(buffer, area, &host.key, snapshot, state, ctx);
    Some(render_processes(buffer, bottom, state, ctx))
}

/// A host's CPU, memory, disks and network panels; gives back the area left under them.
fn render_panels(
    buffer: &mut Buffer,
    area: Rect,
    host: &HostKey,
    snapshot: &ResourcesSnapshot,
    state: &AppState,
    ctx: &RenderCtx,
) -> Rect {
    let top_height = (area.height * 32 / 100).max(7);
    let middle_height = (area.height * 22 / 100).max(5);
    let [top, middle, bottom] = Layout::vertical([
        Constraint::Length(top_height),
        Constraint::Length(middle_height),
        Constraint::Min(3),
    ])
    .areas(area);
    let [cpu, memory] =
        Layout::horizontal([Constraint::Percentage(55), Constraint::Percentage(45)]).areas(top);
    let [disks, network] =
        Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(middle);
    render_cpu(buffer, cpu, host, snapshot, state, ctx);
    render_memory(buffer, memory, host, snapshot, state, ctx);
    render_disks(buffer, disks, host, snapshot, state, ctx);
    render_network(buffer, network, host, snapshot, state, ctx);
    bottom
}

/// A failing sampler keeps the last data on screen under a banner that says why; a silent one
/// under a banner that says how old the data is.
fn status_banner<'a>(state: &AppState, ctx: &RenderCtx) -> Option<Line<'a>> {
    let ago = |at: DateTime<Utc>| duration((ctx.now - at).to_std().unwrap_or_default());
    let (error, retry_at, last_ok) = match &state.source(SYSTEM_SOURCE)?.status {
        SourceStatus::Down {
            error,
            retry_at,
            last_ok,
            ..
        } => (error, retry_at, last_ok),
        SourceStatus::Stale { last_ok } => {
            return Some(Line::styled(
                format!(" ▲ host data is stale: last sample {} ago", ago(*last_ok)),
                ctx.theme.warn,
            ));
        }
        SourceStatus::Connecting | SourceStatus::Ok { .. } => return None,
    };
    let retry = retry_at
        .map(|at| format!(" · retry in {}s", (at - ctx.now).num_seconds().max(0)))
        .unwrap_or_default();
    let last = last_ok
        .map(|at| format!(" · last sample {} ago", ago(at)))
        .unwrap_or_default();
    Some(Line::styled(
        format!(" ✖ host sampler down: {error}{retry}{last}"),
        ctx.theme.crit,
    ))
}

fn panel<'a>(title: impl Into<Line<'a>>, ctx: &RenderCtx) -> Block<'a> {
    Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(ctx.theme.border)
        .title(title)
}

fn title<'a>(name: &'a str, detail: String, severity: Severity, ctx: &RenderCtx) -> Line<'a> {
    let mut spans = vec![
        Span::styled(format!(" {name} "), ctx.theme.title),
        Span::styled(format!("{detail} "), severity_style(severity, ctx)),
    ];
    if severity != Severity::Ok {
        spans.push(Span::styled(
            format!("{} ", severity.label()),
            severity_style(severity, ctx),
        ));
    }
    Line::from(spans)
}

/// A series bucketed to `width` columns, as whole numbers for a sparkline.
fn recent(state: &AppState, key: &SeriesKey, width: usize) -> Vec<Option<u64>> {
    history::series(state, key, width)
        .into_iter()
        .map(|v| v.map(|v| v.max(0.0).round() as u64))
        .collect()
}

fn render_history(buffer: &mut Buffer, area: Rect, data: &[Option<u64>], max: u64, style: Style) {
    if area.width == 0 || area.height == 0 {
        return;
    }
    Sparkline::default()
        .data(data)
        .max(max.max(1))
        .absent_value_symbol(" ")
        .style(style)
        .render(area, buffer);
}

fn render_cpu(
    buffer: &mut Buffer,
    area: Rect,
    host: &HostKey,
    snapshot: &ResourcesSnapshot,
    state: &AppState,
    ctx: &RenderCtx,
) {
    let severity = Gauge::Cpu.level(host, &state.alerts);
    let [l1, l5, l15] = snapshot.load;
    // A remote host's per-core figures come with its fetched history; none until then.
    let cores = match snapshot.cores.len() {
        0 => String::new(),
        n => format!(" · {n} cores"),
    };
    let detail = format!(
        "{:.0}% · load {l1:.2} {l5:.2} {l15:.2}{cores}",
        snapshot.cpu_percent
    );
    let block = panel(title("CPU", detail, severity, ctx), ctx);
    let inner = block.inner(area);
    block.render(area, buffer);
    if inner.height == 0 {
        return;
    }
    // Per-core bars: a strip across the top when they fit in half the height (the history graph
    // then gets the full width), else columns on the right.
    let cell = 15usize;
    let cores = snapshot.cores.len();
    let per_row = (inner.width as usize / cell).max(1);
    let strip_rows = cores.div_ceil(per_row) as u16;
    let (graph, core_area, rows, columns) = if strip_rows <= inner.height / 2 {
        let [strip, graph] =
            Layout::vertical([Constraint::Length(strip_rows), Constraint::Min(0)]).areas(inner);
        (graph, strip, strip_rows as usize, per_row)
    } else {
        let rows = inner.height as usize;
        let columns = cores
            .div_ceil(rows)
            .clamp(1, (inner.width as usize / 2 / cell).max(1));
        let width = ((columns * cell) as u16).min(inner.width);
        let [graph, side] =
            Layout::horizontal([Constraint::Min(0), Constraint::Length(width)]).areas(inner);
        (
            Rect {
                width: graph.width.saturating_sub(1),
                ..graph
            },
            side,
            rows,
            columns,
        )
    };
    render_core_bars(
        buffer,
        core_area,
        &snapshot.cores,
        rows,
        columns,
        cell,
        strip_rows <= inner.height / 2,
        ctx,
    );
    let data = recent(state, &HostSeries::cpu_percent(host), graph.width as usize);
    render_history(buffer, graph, &data, 100, ctx.theme.graph_cpu);
}

/// Core bars laid out row-major in a strip, or column-major beside the graph.
#[allow(clippy::too_many_arguments)]
fn render_core_bars(
    buffer: &mut Buffer,
    area: Rect,
    cores: &[f64],
    rows: usize,
    columns: usize,
    cell: usize,
    row_major: bool,
    ctx: &RenderCtx,
) {
    let capacity = rows * columns;
    for (i, usage) in cores.iter().enumerate().take(capacity) {
        let (column, row) = if row_major {
            (i % columns, i / columns)
        } else {
            (i / rows, i % rows)
        };
        let x = area.x + (column * cell) as u16;
        let y = area.y + row as u16;
        let row = crate::ui::row_at(area, x, y, cell as u16);
        if i == capacity - 1 && cores.len() > capacity {
            let more = format!(" +{} more", cores.len() - i);
            Span::styled(more, ctx.theme.muted).render(row, buffer);
            break;
        }
        let (filled, empty) = bar(*usage, 6);
        Line::from(vec![
            Span::styled(format!("{i:>3} "), ctx.theme.muted),
            Span::styled(filled, ctx.theme.graph_cpu),
            Span::styled(empty, ctx.theme.gauge_empty),
            Span::styled(format!("{usage:>4.0}%"), ctx.theme.text),
        ])
        .render(row, buffer);
    }
}

fn gauge_line<'a>(
    label: &'a str,
    usage: Usage,
    severity: Severity,
    width: usize,
    bar_style: Style,
    ctx: &RenderCtx,
) -> Line<'a> {
    let numbers = format!(
        " {:>3.0}% {}/{}",
        usage.percent(),
        bytes(usage.used as f64),
        bytes(usage.total as f64)
    );
    let bar_width = width
        .saturating_sub(label.len() + numbers.chars().count() + 1)
        .max(3);
    let (filled, empty) = bar(usage.percent(), bar_width);
    let style = if severity == Severity::Ok {
        bar_style
    } else {
        severity_style(severity, ctx)
    };
    Line::from(vec![
        Span::styled(format!("{label} "), ctx.theme.muted),
        Span::styled(filled, style),
        Span::styled(empty, ctx.theme.gauge_empty),
        Span::styled(
            numbers,
            severity_style(severity, ctx).patch(if severity == Severity::Ok {
                ctx.theme.text
            } else {
                Style::default()
            }),
        ),
    ])
}

fn render_memory(
    buffer: &mut Buffer,
    area: Rect,
    host: &HostKey,
    snapshot: &ResourcesSnapshot,
    state: &AppState,
    ctx: &RenderCtx,
) {
    let memory = Gauge::Memory.level(host, &state.alerts);
    let swap = Gauge::Swap.level(host, &state.alerts);
    let detail = format!(
        "{:.0}% of {}",
        snapshot.memory.percent(),
        bytes(snapshot.memory.total as f64)
    );
    let block = panel(title("Memory", detail, memory.max(swap), ctx), ctx);
    let inner = block.inner(area);
    block.render(area, buffer);
    let width = inner.width as usize;
    let mut lines = vec![gauge_line(
        "mem ",
        snapshot.memory,
        memory,
        width,
        ctx.theme.graph_memory,
        ctx,
    )];
    if snapshot.swap.total > 0 {
        lines.push(gauge_line(
            "swap",
            snapshot.swap,
            swap,
            width,
            ctx.theme.graph_swap,
            ctx,
        ));
    } else {
        lines.push(Line::styled("swap none", ctx.theme.muted));
    }
    let used = lines.len() as u16;
    Paragraph::new(lines).render(inner, buffer);
    let graph = Rect {
        y: inner.y + used,
        height: inner.height.saturating_sub(used),
        ..inner
    };
    let data = recent(
        state,
        &HostSeries::memory_used_percent(host),
        graph.width as usize,
    );
    render_history(buffer, graph, &data, 100, ctx.theme.graph_memory);
}

fn render_disks(
    buffer: &mut Buffer,
    area: Rect,
    host: &HostKey,
    snapshot: &ResourcesSnapshot,
    state: &AppState,
    ctx: &RenderCtx,
) {
    let disk_severity = |mount: &str| Gauge::Disk(mount).level(host, &state.alerts);
    let worst = snapshot
        .disks
        .iter()
        .map(|d| disk_severity(&d.mount))
        .max()
        .unwrap_or(Severity::Ok);
    let block = panel(
        title(
            "Disks",
            format!("{} mounted", snapshot.disks.len()),
            worst,
            ctx,
        ),
        ctx,
    );
    let inner = block.inner(area);
    block.render(area, buffer);
    let rows = inner.height as usize;
    let width = inner.width as usize;
    let mount_width = (width / 3).clamp(6, 24);
    let mut lines = Vec::new();
    for (i, disk) in snapshot.disks.iter().enumerate() {
        if lines.len() == rows.saturating_sub(1) && snapshot.disks.len() > rows {
            lines.push(Line::styled(
                format!("+{} more", snapshot.disks.len() - i),
                ctx.theme.muted,
            ));
            break;
        }
        let percent = disk.space.percent();
        let severity = disk_severity(&disk.mount);
        let marker = match severity {
            Severity::Critical => "✖",
            Severity::Warning => "▲",
            Severity::Ok => " ",
        };
        let numbers = format!(
            " {percent:>5.1}% {:>9}",
            format!("{}", bytes(disk.space.total as f64))
        );
        let bar_width = width.saturating_sub(mount_width + 2 + numbers.len()).max(3);
        let (filled, empty) = bar(percent, bar_width);
        let bar_style = if severity == Severity::Ok {
            ctx.theme.ok
        } else {
            severity_style(severity, ctx)
        };
        lines.push(Line::from(vec![
            Span::styled(marker, severity_style(severity, ctx)),
            Span::styled(
                format!("{:<mount_width$} ", truncate(&disk.mount, mount_width)),
                ctx.theme.text,
            ),
            Span::styled(filled, bar_style),
            Span::styled(empty, ctx.theme.gauge_empty),
            Span::styled(
                numbers,
                if severity == Severity::Ok {
                    ctx.theme.text
                } else {
                    severity_style(severity, ctx)
                },
            ),
        ]));
    }
    Paragraph::new(lines).render(inner, buffer);
}

/// A one-line sparkline from eighth-height blocks, scaled to the series' own peak; blank where
/// there is no sample.
fn spark_text(values: &[Option<f64>]) -> String {
    const LEVELS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let peak = values.iter().flatten().copied().fold(0.0_f64, f64::max);
    values
        .iter()
        .map(|v| match v {
            Some(v) if peak > 0.0 => LEVELS[((v / peak) * 7.0).round().clamp(0.0, 7.0) as usize],
            Some(_) => LEVELS[0],
            None => ' ',
        })
        .collect()
}

fn render_network(
    buffer: &mut Buffer,
    area: Rect,
    host: &HostKey,
    snapshot: &ResourcesSnapshot,
    state: &AppState,
    ctx: &RenderCtx,
) {
    let (rx, tx) = snapshot.networks.iter().fold((0.0, 0.0), |(r, t), n| {
        (r + n.rx_bytes_per_second, t + n.tx_bytes_per_second)
    });
    let block = panel(
        Line::from(vec![
            Span::styled(" Network ", ctx.theme.title),
            Span::styled(format!("↓ {} ", rate(rx)), ctx.theme.graph_rx),
            Span::styled(format!("↑ {} ", rate(tx)), ctx.theme.graph_tx),
        ]),
        ctx,
    );
    let inner = block.inner(area);
    block.render(area, buffer);
    let width = inner.width as usize;
    let name_width = 10.min(width / 4).max(4);
    let graph_width = width.saturating_sub(name_width + 26);
    let mut lines = Vec::new();
    for (i, net) in snapshot.networks.iter().enumerate() {
        if lines.len() == (inner.height as usize).saturating_sub(1)
            && snapshot.networks.len() > inner.height as usize
        {
            lines.push(Line::styled(
                format!("+{} more", snapshot.networks.len() - i),
                ctx.theme.muted,
            ));
            break;
        }
        let history = |key: SeriesKey| history::series(state, &key, graph_width);
        let rx_history = history(HostSeries::net_rx_bytes_per_second(host, &net.iface));
        let tx_history = history(HostSeries::net_tx_bytes_per_second(host, &net.iface));
        let total: Vec<Option<f64>> = rx_history
            .iter()
            .zip(&tx_history)
            .map(|(r, t)| {
                Some(r.unwrap_or_default() + t.unwrap_or_default())
                    .filter(|_| r.is_some() || t.is_some())
            })
            .collect();
        lines.push(Line::from(vec![
            Span::styled(
                format!("{:<name_width$} ", truncate(&net.iface, name_width)),
                ctx.theme.text,
            ),
            Span::styled(
                format!("↓{:>11} ", rate(net.rx_bytes_per_second)),
                ctx.theme.graph_rx,
            ),
            Span::styled(
                format!("↑{:>11} ", rate(net.tx_bytes_per_second)),
                ctx.theme.graph_tx,
            ),
            Span::styled(
                format!("{:>graph_width$}", spark_text(&total)),
                ctx.theme.graph_rx,
            ),
        ]));
    }
    if lines.is_empty() {
        lines.push(Line::styled("no network interfaces", ctx.theme.muted));
    }
    Paragraph::new(lines).render(inner, buffer);
}

fn render_processes(buffer: &mut Buffer, area: Rect, state: &AppState, ctx: &RenderCtx) -> usize {
    let resources = &state.resources;
    let heading = list::heading("Processes", &resources.list, resources.total(), ctx);
    let block = panel(heading, ctx);
    let wide = area.width >= 100;
    // USER and NAME as wide as their longest, up to a share of the row; the command (or, narrow,
    // the name) takes the rest. What is cut ends with `…`.
    let room = usize::from(area.width.saturating_sub(2));
    let user = format::Column::content(
        "USER",
        resources.visible_rows().map(|p| p.user.as_str()),
        room / 8,
    );
    let name = format::Column::content(
        "NAME",
        resources.visible_rows().map(|p| p.name.as_str()),
        room / 4,
    );
    let mut sizes = vec![
        format::Column::fixed(7),
        user,
        format::Column::fixed(6),
        format::Column::fixed(9),
    ];
    let mut header = vec!["PID", "USER", "CPU%", "MEM"];
    if wide {
        sizes.extend([name, format::Column::fixed(7).grow()]);
        header.extend(["NAME", "COMMAND"]);
    } else {
        sizes.push(name.grow());
        header.push("NAME");
    }
    let cut: Vec<usize> = format::column_widths(&sizes, room, 1)
        .into_iter()
        .map(Option::unwrap_or_default)
        .collect();
    let widths: Vec<Constraint> = cut.iter().map(|&w| Constraint::Length(w as u16)).collect();
    let mark = |cpu: f32| {
        if cpu >= 90.0 {
            ctx.theme.warn
        } else {
            ctx.theme.text
        }
    };
    let rows = resources.visible_rows().map(|p| {
        let mut cells = vec![
            Cell::from(format!("{:>6}", p.pid)),
            Cell::from(truncate(&p.user, cut[1])),
            Cell::from(Span::styled(
                format!("{:>5.1}", p.cpu_percent),
                mark(p.cpu_percent),
            )),
            Cell::from(format!("{:>8}", bytes(p.memory_bytes as f64))),
            Cell::from(truncate(&p.name, cut[4])),
        ];
        if wide {
            cells.push(Cell::from(Span::styled(
                truncate(&p.command, cut[5]),
                ctx.theme.muted,
            )));
        }
        Row::new(cells)
    });
    let header_style = ctx.theme.table_header;
    let table = Table::new(rows, widths)
        .header(Row::new(header).style(header_style))
        .block(block)
        .row_highlight_style(ctx.theme.selected)
        .column_spacing(1);
    let page = area.height.saturating_sub(3) as usize;
    let window = resources.list.window();
    let mut table_state = TableState::default()
        .with_offset(window.offset_in(page))
        .with_selected(window.selected);
    StatefulWidget::render(table, area, buffer, &mut table_state);
    if resources.list.is_empty() {
        let message = if resources.list.filter.is_empty() {
            "no processes"
        } else {
            "no process matches the filter"
        };
        list::render_empty_note(buffer, area, message, ctx);
    }
    page
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spark_text_scales_to_the_peak() {
        assert_eq!(spark_text(&[Some(0.0), Some(5.0), Some(10.0)]), "▁▅█");
        assert_eq!(spark_text(&[None, Some(0.0)]), " ▁");
    }
}
