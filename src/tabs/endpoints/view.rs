//! The Endpoints tab: one row per endpoint (state, last status and latency, percentiles,
//! availability, error rate, failures in a row, certificate days, a latency sparkline), grouped
//! by `group`, and a detail pane with the last error, the answer, a latency histogram and the
//! state changes.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Paragraph, Widget, Wrap};

use crate::alerts::engine::AlertState;
use crate::findings::Severity;
use crate::state::AppState;
use crate::state::endpoints::{EndpointEntry, EndpointSort, EndpointStatus};
use crate::state::list::Window;
use crate::ui::format::{self, truncate};
use crate::ui::severity_style;
use crate::ui::{RenderCtx, list};
use crate::words::count;

const SPARK: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
/// Upper bounds of the histogram's buckets, in seconds; the last bucket is everything slower.
const BUCKETS: [f64; 7] = [0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0];

/// Draws the tab; gives back how many endpoints its list showed.
pub fn render(buffer: &mut Buffer, area: Rect, state: &AppState, ctx: &RenderCtx) -> Option<usize> {
    let endpoints = &state.endpoints;
    match endpoints.selected().filter(|_| endpoints.show_detail) {
        Some(entry) => {
            let detail_height = (area.height * 55 / 100)
                .max(8)
                .min(area.height.saturating_sub(5));
            let [list_area, detail] =
                Layout::vertical([Constraint::Min(5), Constraint::Length(detail_height)])
                    .areas(area);
            let in_view = render_list(buffer, list_area, state, ctx);
            render_detail(buffer, detail, entry, endpoints.detail_scroll, ctx);
            Some(in_view)
        }
        None => Some(render_list(buffer, area, state, ctx)),
    }
}

/// `12ms`, `1.24s`.
pub fn latency(seconds: f64) -> String {
    if seconds < 1.0 {
        format!("{:.0}ms", seconds * 1000.0)
    } else {
        format!("{seconds:.2}s")
    }
}

fn optional_latency(seconds: Option<f64>) -> String {
    seconds.map_or("-".into(), latency)
}

fn percent(value: Option<f64>) -> String {
    value.map_or("-".into(), |v| format!("{v:.1}%"))
}

fn sparkline(values: impl Iterator<Item = f64> + Clone, width: usize) -> String {
    let max = values.clone().fold(0.0, f64::max);
    let count = values.clone().count();
    values
        .skip(count.saturating_sub(width))
        .map(|v| {
            let level = if max > 0.0 { v / max * 7.0 } else { 0.0 };
            SPARK[(level.round() as usize).min(7)]
        })
        .collect()
}

/// The width of [`status_text`], which it writes only for a failure.
fn status_text_width(status: &EndpointStatus) -> usize {
    2 + status.label().chars().count()
}

fn status_text(status: &EndpointStatus) -> String {
    let mark = match status {
        EndpointStatus::Up => "✔",
        EndpointStatus::Degraded => "▲",
        EndpointStatus::Down(_) => "✖",
        EndpointStatus::Pending => "…",
    };
    format!("{mark} {}", status.label())
}

fn status_span(status: &EndpointStatus, width: usize, ctx: &RenderCtx) -> Span<'static> {
    let style = match status {
        EndpointStatus::Up => ctx.theme.ok,
        EndpointStatus::Degraded => ctx.theme.warn,
        EndpointStatus::Down(_) => ctx.theme.crit,
        EndpointStatus::Pending => ctx.theme.muted,
    };
    Span::styled(truncate(&status_text(status), width), style)
}

fn cert_cell(entry: &EndpointEntry, ctx: &RenderCtx) -> String {
    match &entry.cert {
        Some(cert) => {
            let days = cert.days_left(ctx.now);
            if days < 0 {
                "expired".into()
            } else {
                format!("{days}d")
            }
        }
        None => "-".into(),
    }
}

/// A line of the list: a group's title, or an endpoint.
enum ListLine<'a> {
    Group { name: Option<&'a str>, count: usize },
    Entry(&'a EndpointEntry),
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Column {
    State,
    Name,
    Code,
    Last,
    P50,
    P90,
    P99,
    Availability,
    Errors,
    Failures,
    Cert,
    Spark,
}

/// Draws the list; gives back how many endpoints it showed.
fn render_list(buffer: &mut Buffer, area: Rect, state: &AppState, ctx: &RenderCtx) -> usize {
    let endpoints = &state.endpoints;
    let wide = area.width >= 120;
    let heading = list::heading("Endpoints", &endpoints.list, endpoints.endpoints.len(), ctx);
    let block = Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(ctx.theme.border)
        .title(heading);
    // Group titles and endpoints in order; only the page shown is built into table rows, so 500
    // endpoints cost what a screenful does.
    let mut lines: Vec<ListLine> = Vec::new();
    let mut selected_line = None;
    // The line of each endpoint, and of the group title above it when it opens one.
    let mut entry_lines: Vec<(usize, usize)> = Vec::new();
    let window = endpoints.list.window();
    // Where the title of the group being listed is.
    let mut group_line = None;
    for (index, entry) in endpoints.visible().enumerate() {
        let first_line = lines.len();
        let group = entry.group.as_deref();
        if endpoints.grouped {
            match group_line.and_then(|at| lines.get_mut(at)) {
                Some(ListLine::Group { name, count }) if *name == group => *count += 1,
                _ => {
                    group_line = Some(lines.len());
                    lines.push(ListLine::Group {
                        name: group,
                        count: 1,
                    });
                }
            }
        }
        if Some(index) == window.selected {
            selected_line = Some(lines.len());
        }
        entry_lines.push((first_line, lines.len()));
        lines.push(ListLine::Entry(entry));
    }
    // STATE and NAME as wide as their longest, up to a share of the row; the figures keep
    // theirs. A group's title is drawn across the row, so it sizes no column.
    let entries = || {
        lines.iter().filter_map(|line| match line {
            ListLine::Entry(entry) => Some(*entry),
            ListLine::Group { .. } => None,
        })
    };
    // Whether a name has a mark after it, from one pass over the alerts.
    let alerted: std::collections::HashSet<&str> = state
        .alerts
        .alerts
        .values()
        .filter(|a| a.state == AlertState::Firing && state.alerts.silence_of(&a.key).is_none())
        .filter_map(|a| a.key.label("endpoint"))
        .collect();
    let marks = |entry: &EndpointEntry| {
        let mark = if alerted.contains(entry.name.as_str()) {
            " ✖"
        } else {
            ""
        };
        (mark, if entry.insecure_tls { " ⚠" } else { "" })
    };
    // The widest cell alone sizes a column: only the widest state and name are written, not one
    // of each for every endpoint at every frame.
    let widest_state = entries()
        .max_by_key(|e| status_text_width(&e.status))
        .map(|e| status_text(&e.status));
    let widest_name = entries()
        .max_by_key(|e| {
            let (mark, insecure) = marks(e);
            e.name.chars().count() + mark.chars().count() + insecure.chars().count()
        })
        .map(|e| {
            let (mark, insecure) = marks(e);
            format!("{}{mark}{insecure}", e.name)
        });
    let room = usize::from(area.width.saturating_sub(2));
    let mut columns: Vec<(Column, &str, format::Column)> = vec![
        (
            Column::State,
            "STATE",
            format::Column::content("STATE", widest_state.as_deref().into_iter(), room / 5),
        ),
        (
            Column::Name,
            "NAME",
            name_column(widest_name.as_deref(), room),
        ),
        (Column::Code, "CODE", format::Column::fixed(4)),
        (Column::Last, "LAST", format::Column::fixed(6)),
    ];
    if wide {
        columns.push((Column::P50, "P50", format::Column::fixed(6)));
    }
    columns.push((Column::P90, "P90", format::Column::fixed(6)));
    if wide {
        columns.push((Column::P99, "P99", format::Column::fixed(6)));
    }
    columns.extend([
        (Column::Availability, "AVAIL", format::Column::fixed(6)),
        (Column::Errors, "ERR%", format::Column::fixed(6)),
        (
            Column::Failures,
            if wide { "FAILS" } else { "FL" },
            format::Column::fixed(if wide { 5 } else { 2 }),
        ),
        (Column::Cert, "CERT", format::Column::fixed(7)),
    ]);
    if wide {
        columns.push((Column::Spark, "LATENCY", format::Column::fixed(30)));
    }
    let sizes: Vec<format::Column> = columns.iter().map(|(_, _, size)| *size).collect();
    let columns: Vec<(Column, &str, usize)> = columns
        .iter()
        .zip(format::column_widths(&sizes, room, 1))
        .filter_map(|((column, title, _), width)| Some((*column, *title, width?)))
        .collect();
    let sorted = match endpoints.list.sort {
        EndpointSort::Name => Column::Name,
        EndpointSort::State => Column::State,
        EndpointSort::Latency => Column::P90,
        EndpointSort::ErrorRate => Column::Errors,
        EndpointSort::Cert => Column::Cert,
    };
    let header: Vec<(Line, Style)> = columns
        .iter()
        .map(|(column, title, _)| {
            let style = if *column == sorted {
                ctx.theme.table_header.patch(ctx.theme.accent)
            } else {
                ctx.theme.table_header
            };
            (Line::from(Span::styled(*title, style)), Style::default())
        })
        .collect();
    let page = (area.height.saturating_sub(3) as usize).max(1);
    // The kept offset counts endpoints; the table's counts lines, group titles too.
    let line_window = Window {
        selected: selected_line,
        offset: entry_lines
            .get(window.offset)
            .map_or(0, |(title, _)| *title),
        len: lines.len(),
    };
    let offset = line_window.offset_in(page);
    let titles = entry_lines
        .iter()
        .filter(|(title, line)| title < line && (offset..offset + page).contains(title))
        .count();
    block.render(area, buffer);
    let inner = area.inner(ratatui::layout::Margin::new(1, 1));
    if !inner.is_empty() {
        let widths: Vec<u16> = columns.iter().map(|(_, _, w)| *w as u16).collect();
        draw_row(buffer, inner, inner.y, &widths, &header, Style::default());
        let shown = lines.len().saturating_sub(offset).min(page);
        let selected = selected_line.map(|s| (s - offset).min(shown.saturating_sub(1)));
        for (index, (y, line)) in (inner.y + 1..inner.bottom())
            .zip(lines.iter().skip(offset).take(page))
            .enumerate()
        {
            if let ListLine::Entry(entry) = line {
                let (cells, style) = row(entry, &columns, &alerts_on(state, &entry.name), ctx);
                draw_row(buffer, inner, y, &widths, &cells, style);
            }
            if selected == Some(index) {
                buffer.set_style(
                    Rect {
                        y,
                        height: 1,
                        ..inner
                    },
                    ctx.theme.selected,
                );
            }
        }
    }
    for (y, line) in (inner.y + 1..inner.bottom()).zip(lines.iter().skip(offset)) {
        if let ListLine::Group { name, count } = line {
            buffer.set_stringn(
                inner.x,
                y,
                group_title(*name, *count),
                usize::from(inner.width),
                ctx.theme.title,
            );
        }
    }
    if endpoints.list.is_empty() {
        list::render_empty_note(buffer, area, "no endpoint matches the filter", ctx);
    }
    page.saturating_sub(titles)
}

/// The names as wide as the longest (with its marks, the insecure one in short), up to a third of
/// the row; the state gives way before the names do, down to a quarter of the row.
fn name_column(longest: Option<&str>, room: usize) -> format::Column {
    let column = format::Column::content("NAME", longest.into_iter(), room / 3);
    column.at_least(column.width.min(room / 4)).grow()
}

/// The column an endpoint's alert is about, by the series its rule watches: that cell takes the
/// alert's colour, so the row says which figure is the problem.
fn alert_column(series: &str) -> Option<Column> {
    match series {
        "endpoint_up" => Some(Column::State),
        "endpoint_latency_seconds" => Some(Column::P90),
        "endpoint_error_rate_percent" => Some(Column::Errors),
        "endpoint_cert_days_left" => Some(Column::Cert),
        _ => None,
    }
}

/// The firing alerts about an endpoint, not silenced, by the column each is about (`None`: no
/// column shows its series, so the whole row takes its colour).
fn alerts_on(state: &AppState, name: &str) -> Vec<(Option<Column>, Severity)> {
    let alerts = &state.alerts;
    alerts
        .alerts
        .values()
        .filter(|a| a.state == AlertState::Firing && a.key.label("endpoint") == Some(name))
        .filter(|a| alerts.silence_of(&a.key).is_none())
        .map(|a| {
            let column = alerts
                .catalogue
                .iter()
                .find(|entry| entry.rule.name == a.key.rule)
                .and_then(|entry| alert_column(&entry.rule.condition.series));
            (column, a.priority.severity())
        })
        .collect()
}

fn insecure_mark(entry: &EndpointEntry) -> &'static str {
    if entry.insecure_tls {
        " ⚠ insecure"
    } else {
        ""
    }
}

fn group_title(name: Option<&str>, count: usize) -> String {
    format!("▾ {} ({count})", name.unwrap_or("(no group)"))
}

/// An endpoint's row: the cell an alert is about in the alert's colour, and a mark of the worst
/// after the name.
fn row(
    entry: &EndpointEntry,
    columns: &[(Column, &str, usize)],
    alerts: &[(Option<Column>, Severity)],
    ctx: &RenderCtx,
) -> (Vec<(Line<'static>, Style)>, Style) {
    let worst = |of: Option<Column>| {
        alerts
            .iter()
            .filter(|(column, _)| of.is_none() || *column == of)
            .map(|(_, severity)| *severity)
            .max()
            .unwrap_or(Severity::Ok)
    };
    let last = entry.last.as_ref();
    let cells = columns.iter().map(|(column, _, width)| match column {
        Column::State => Line::from(status_span(&entry.status, *width, ctx)),
        Column::Name => {
            let mark = match worst(None) {
                Severity::Critical => " ✖",
                Severity::Warning => " ▲",
                Severity::Ok => "",
            };
            // A cut name ends with `…` and keeps its marks, the insecure one in short.
            let mut insecure = insecure_mark(entry);
            let marks = mark.chars().count() + insecure.chars().count();
            if entry.name.chars().count() + marks > *width && entry.insecure_tls {
                insecure = " ⚠";
            }
            let room = width.saturating_sub(mark.chars().count() + insecure.chars().count());
            Line::from(vec![
                Span::raw(truncate(&entry.name, room.max(1))),
                Span::styled(mark, severity_style(worst(None), ctx)),
                Span::styled(insecure, ctx.theme.warn),
            ])
        }
        Column::Code => Line::from(
            last.and_then(|l| l.status)
                .map_or("-".into(), |code| code.to_string()),
        ),
        Column::Last => Line::from(last.map_or("-".into(), |l| latency(l.latency.as_secs_f64()))),
        Column::P50 => Line::from(optional_latency(entry.stats.p50)),
        Column::P90 => Line::from(optional_latency(entry.stats.p90)),
        Column::P99 => Line::from(optional_latency(entry.stats.p99)),
        Column::Availability => Line::from(percent(entry.stats.availability_percent)),
        Column::Errors => Line::from(percent(entry.stats.error_rate_percent)),
        Column::Failures => Line::from(entry.consecutive_failures.to_string()),
        Column::Cert => Line::from(cert_cell(entry, ctx)),
        Column::Spark => Line::from(Span::styled(
            sparkline(entry.recent_latencies.iter().copied(), 30),
            ctx.theme.graph_rx,
        )),
    });
    let cells = cells.zip(columns).map(|(cell, (column, _, _))| {
        if alerts.iter().any(|(c, _)| c == &Some(*column)) {
            (cell, severity_style(worst(Some(*column)), ctx))
        } else {
            (cell, Style::default())
        }
    });
    let uncolumned = alerts.iter().filter(|(column, _)| column.is_none());
    let row_severity = uncolumned.map(|(_, s)| *s).max().unwrap_or(Severity::Ok);
    (cells.collect(), severity_style(row_severity, ctx))
}

/// Draws a line of the list as ratatui's table did, without its layers: the row's style over the
/// row, each cell's over its column, its text, then the next column one space on. A table set
/// every cell's style five times (table, row, cell, text, line), half of a 500-endpoint frame.
fn draw_row(
    buffer: &mut Buffer,
    inner: Rect,
    y: u16,
    widths: &[u16],
    cells: &[(Line, Style)],
    style: Style,
) {
    buffer.set_style(
        Rect {
            y,
            height: 1,
            ..inner
        },
        style,
    );
    let mut x = inner.x;
    for (width, (line, cell_style)) in widths.iter().zip(cells) {
        let width = (*width).min(inner.right().saturating_sub(x));
        if width == 0 {
            break;
        }
        if *cell_style != Style::default() {
            buffer.set_style(Rect::new(x, y, width, 1), *cell_style);
        }
        buffer.set_line(x, y, line, width);
        x = x.saturating_add(width).saturating_add(1);
    }
}

fn render_detail(
    buffer: &mut Buffer,
    area: Rect,
    entry: &EndpointEntry,
    scroll: u16,
    ctx: &RenderCtx,
) {
    let title = Line::from(vec![
        Span::styled(format!(" {} ", entry.name), ctx.theme.title),
        Span::styled(format!("{} ", entry.target), ctx.theme.muted),
    ]);
    let block = Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(ctx.theme.border)
        .title(title);
    let inner = block.inner(area);
    block.render(area, buffer);
    let (summary, answer) = (summary_lines(entry, ctx), answer_lines(entry, ctx));
    if inner.width >= 120 {
        let [left, right] =
            Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)])
                .spacing(1)
                .areas(inner);
        paragraph(summary, scroll).render(left, buffer);
        paragraph(answer, scroll).render(right, buffer);
    } else {
        let mut lines = summary;
        lines.push(Line::raw(""));
        lines.extend(answer);
        paragraph(lines, scroll).render(inner, buffer);
    }
}

fn paragraph(lines: Vec<Line<'static>>, scroll: u16) -> Paragraph<'static> {
    Paragraph::new(lines)
        .wrap(Wrap { trim: false })
        .scroll((scroll, 0))
}

fn summary_lines(entry: &EndpointEntry, ctx: &RenderCtx) -> Vec<Line<'static>> {
    let label = |text: &'static str| Span::styled(format!("{text:<10}"), ctx.theme.muted);
    let local = |at: chrono::DateTime<chrono::Utc>| {
        at.with_timezone(&ctx.offset).format("%H:%M:%S").to_string()
    };
    let mut lines = vec![Line::from(vec![
        label("state"),
        status_span(&entry.status, usize::MAX, ctx),
        Span::styled(
            format!(
                "  every {} · {} failed in a row",
                humantime::format_duration(entry.interval),
                entry.consecutive_failures
            ),
            ctx.theme.muted,
        ),
    ])];
    if let Some(group) = &entry.group {
        lines.push(Line::from(vec![label("group"), Span::raw(group.clone())]));
    }
    if entry.insecure_tls {
        lines.push(Line::from(vec![
            label("tls"),
            Span::styled(
                "insecure_tls: the certificate is not verified",
                ctx.theme.warn,
            ),
        ]));
    }
    if let Some(last) = &entry.last {
        // With no status, what went wrong says more than "no answer": it may have been one.
        let code = match (last.status, &last.failure) {
            (Some(c), _) => format!("status {c}"),
            (None, Some(failure)) => failure.short(),
            (None, None) => "no answer".into(),
        };
        // Whether the latency has a connect (and TLS handshake) in it.
        let connection = match (entry.target.starts_with("tcp://"), last.kept_connection) {
            (true, _) => "",
            (false, true) => " · kept connection",
            (false, false) => " · new connection",
        };
        lines.push(Line::from(vec![
            label("last poll"),
            Span::raw(format!(
                "{} · {code} · {}{connection}",
                local(last.started),
                latency(last.latency.as_secs_f64())
            )),
        ]));
        if let Some(failure) = &last.failure {
            lines.push(Line::from(vec![
                label("error"),
                Span::styled(failure.full(), ctx.theme.crit),
            ]));
        }
    }
    if let Some(cert) = &entry.cert {
        let days = cert.days_left(ctx.now);
        let left = if days < 0 {
            format!("expired {} ago", count(-days, "day"))
        } else {
            format!("{} left", count(days, "day"))
        };
        lines.push(Line::from(vec![
            label("cert"),
            Span::raw(format!(
                "{} · {left}",
                cert.not_after.format("%Y-%m-%d %H:%M UTC")
            )),
        ]));
        lines.push(Line::from(vec![
            label("  subject"),
            Span::raw(cert.subject.clone()),
        ]));
        lines.push(Line::from(vec![
            label("  issuer"),
            Span::raw(cert.issuer.clone()),
        ]));
    }
    let stats = &entry.stats;
    lines.push(Line::from(vec![
        label("last hour"),
        Span::raw(format!(
            "{} polls · p50 {} p90 {} p99 {} · up {} · errors {}",
            stats.polls,
            optional_latency(stats.p50),
            optional_latency(stats.p90),
            optional_latency(stats.p99),
            percent(stats.availability_percent),
            percent(stats.error_rate_percent)
        )),
    ]));
    lines.extend(histogram(entry, ctx));
    if !entry.changes.is_empty() {
        lines.push(Line::styled("changes", ctx.theme.muted));
        for change in &entry.changes {
            lines.push(Line::raw(format!("  {} → {}", local(change.at), change.to)));
        }
    }
    lines
}

/// The answered polls of the window by latency bucket, one bar each.
fn histogram(entry: &EndpointEntry, ctx: &RenderCtx) -> Vec<Line<'static>> {
    let mut counts = [0usize; BUCKETS.len() + 1];
    for poll in entry.window.polls().iter().filter(|p| p.up) {
        let bucket = BUCKETS
            .iter()
            .position(|bound| f64::from(poll.latency_seconds) < *bound)
            .unwrap_or(BUCKETS.len());
        counts[bucket] += 1;
    }
    let total: usize = counts.iter().sum();
    if total == 0 {
        return Vec::new();
    }
    let max = counts.iter().copied().max().unwrap_or(1).max(1);
    let mut lines = vec![Line::styled("latency", ctx.theme.muted)];
    for (index, count) in counts.iter().enumerate() {
        let bound = match BUCKETS.get(index) {
            Some(bound) => format!("< {}", latency(*bound)),
            None => format!("≥ {}", latency(BUCKETS[BUCKETS.len() - 1])),
        };
        let bar = "█".repeat((count * 20).div_ceil(max));
        lines.push(Line::from(vec![
            Span::styled(format!("  {bound:>7} "), ctx.theme.muted),
            Span::styled(format!("{bar:<20}"), ctx.theme.graph_rx),
            Span::raw(format!(" {count}")),
        ]));
    }
    lines
}

fn answer_lines(entry: &EndpointEntry, ctx: &RenderCtx) -> Vec<Line<'static>> {
    let Some(last) = &entry.last else {
        return vec![Line::styled("not polled yet", ctx.theme.muted)];
    };
    let mut lines = Vec::new();
    if !last.headers.is_empty() {
        lines.push(Line::styled("response headers", ctx.theme.muted));
        for (name, value) in &last.headers {
            lines.push(Line::from(vec![
                Span::styled(format!("  {name}: "), ctx.theme.muted),
                Span::raw(value.clone()),
            ]));
        }
    }
    if !last.body_head.is_empty() {
        lines.push(Line::styled("body (first bytes)", ctx.theme.muted));
        for line in last.body_head.lines().take(20) {
            lines.push(Line::raw(format!("  {}", truncate(line, 200))));
        }
    }
    lines
}
