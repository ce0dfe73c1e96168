//! The containers list: every engine's containers grouped by Compose project (or, `v`, by
//! engine), one row each.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::Span;
use ratatui::widgets::{Block, BorderType, Cell, Row, StatefulWidget, Table, TableState};

use chrono::{DateTime, Utc};

use super::{stale_label, stale_since, state_style};
use crate::model::containers::{ContainerAction, ContainerInfo, Health};
use crate::state::AppState;
use crate::state::containers::{ContainerColumn, EngineState};
use crate::state::list::Window;
use crate::ui::format::{self, bytes, duration, truncate};
use crate::ui::{RenderCtx, list};

fn health_cell<'a>(health: Option<Health>, ctx: &RenderCtx) -> Span<'a> {
    match health {
        Some(Health::Healthy) => Span::styled("✔ healthy", ctx.theme.ok),
        Some(Health::Unhealthy) => Span::styled("✖ unhealthy", ctx.theme.crit),
        Some(Health::Starting) => Span::styled("… starting", ctx.theme.warn),
        None => Span::styled("-", ctx.theme.muted),
    }
}

/// `42m` since start for a running container, `5m ago` since exit for a stopped one; the age of
/// the data instead when the engine stopped answering, since the uptime is no longer known.
fn uptime(container: &ContainerInfo, stale: Option<DateTime<Utc>>, ctx: &RenderCtx) -> String {
    if let Some(since) = stale {
        return stale_label(since, ctx);
    }
    let since = |at: DateTime<Utc>| duration((ctx.now - at).to_std().unwrap_or_default());
    match (
        container.state.is_running(),
        container.started_at,
        container.finished_at,
    ) {
        (true, Some(started), _) => since(started),
        (false, _, Some(finished)) => format!("{} ago", since(finished)),
        _ => "-".into(),
    }
}

fn memory(container: &ContainerInfo) -> String {
    match container.stats {
        Some(stats) if stats.memory_limit > 0 => format!(
            "{}/{} {:.0}%",
            bytes(stats.memory_used as f64),
            bytes(stats.memory_limit as f64),
            stats.memory_percent().unwrap_or_default()
        ),
        Some(stats) => bytes(stats.memory_used as f64),
        None => "-".into(),
    }
}

/// Bytes received and sent since the container started: `↓11.8 MiB ↑3.0 MiB`.
fn net_io(container: &ContainerInfo) -> String {
    container.stats.map_or("-".into(), |s| {
        format!(
            "↓{} ↑{}",
            bytes(s.net_rx_bytes as f64),
            bytes(s.net_tx_bytes as f64)
        )
    })
}

/// Draws the list; gives back how many containers it showed.
pub(super) fn render(buffer: &mut Buffer, area: Rect, state: &AppState, ctx: &RenderCtx) -> usize {
    let containers = &state.containers;
    let wide = area.width >= 120;
    let several_engines = containers.engines.len() > 1;
    let heading = list::heading("Containers", &containers.list, containers.total(), ctx);
    let block = Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(ctx.theme.border)
        .title(heading);

    // Names, engines and images as wide as their longest, up to a share of the row; names and
    // images share what is left. A group's title is drawn across the row.
    let room = usize::from(area.width.saturating_sub(2));
    let names: Vec<String> = containers
        .visible_containers()
        .map(|(engine, c)| format!("{}{}", c.name, protected_mark(engine, c)))
        .collect();
    let name = format::Column::content("NAME", names.iter().map(String::as_str), room / 3);
    let mut columns: Vec<(ContainerColumn, &str, format::Column)> = vec![(
        ContainerColumn::Name,
        "NAME",
        name.at_least(name.width.min(room / 4)).grow(),
    )];
    if several_engines {
        let engines = containers
            .visible_containers()
            .map(|(e, _)| e.name.as_str());
        columns.push((
            ContainerColumn::Engine,
            "ENGINE",
            format::Column::content("ENGINE", engines, room / 8),
        ));
    }
    if wide {
        let images = containers
            .visible_containers()
            .map(|(_, c)| c.image.as_str());
        columns.push((
            ContainerColumn::Image,
            "IMAGE",
            format::Column::content("IMAGE", images, room / 4).grow(),
        ));
    }
    // Sized to the longest state in the list (at least `restarting`), so `exited (137)` is never
    // cut and the column does not jump when a container starts restarting; one more cell keeps
    // the state apart from the health.
    let state_width = containers
        .visible_containers()
        .map(|(_, c)| c.state.label().chars().count())
        .fold("restarting".len(), usize::max)
        + 1;
    let stale: Vec<Option<DateTime<Utc>>> = containers
        .engines
        .iter()
        .map(|engine| stale_since(state, engine))
        .collect();
    let stale_of = |engine: &EngineState| {
        containers
            .engines
            .iter()
            .position(|e| e.name == engine.name)
            .and_then(|i| stale[i])
    };
    // `stale 59m` is wider than the narrow layout's uptimes.
    let uptime_width = containers
        .visible_containers()
        .map(|(engine, c)| uptime(c, stale_of(engine), ctx).chars().count())
        .fold(if wide { 10 } else { 7 }, usize::max);
    columns.extend([
        (
            ContainerColumn::State,
            "STATE",
            format::Column::fixed(state_width),
        ),
        (ContainerColumn::Health, "HEALTH", format::Column::fixed(11)),
        (
            ContainerColumn::Uptime,
            if wide { "UPTIME" } else { "UP" },
            format::Column::fixed(uptime_width),
        ),
        (
            ContainerColumn::Restarts,
            if wide { "RESTARTS" } else { "RST" },
            format::Column::fixed(if wide { 8 } else { 3 }),
        ),
        (ContainerColumn::Cpu, "CPU%", format::Column::fixed(6)),
        (
            ContainerColumn::Memory,
            "MEM",
            format::Column::fixed(if wide { 22 } else { 9 }),
        ),
    ]);
    if wide {
        // Sized to its longest figures, up to `↓99.9 MiB ↑99.9 MiB`, so neither is cut.
        let net_width = containers
            .visible_containers()
            .map(|(_, c)| net_io(c).chars().count())
            .fold("NET I/O".len(), usize::max);
        columns.push((
            ContainerColumn::Network,
            "NET I/O",
            format::Column::fixed(net_width),
        ));
    }
    let sizes: Vec<format::Column> = columns.iter().map(|(_, _, size)| *size).collect();
    let columns: Vec<(ContainerColumn, &str, usize)> = columns
        .iter()
        .zip(format::column_widths(&sizes, room, 1))
        .filter_map(|((column, title, _), width)| Some((*column, *title, width?)))
        .collect();
    let header = Row::new(columns.iter().map(|(column, title, _)| {
        let style = if *column == containers.list.sort {
            ctx.theme.table_header.patch(ctx.theme.accent)
        } else {
            ctx.theme.table_header
        };
        Cell::from(Span::styled(*title, style))
    }));

    let mut rows = Vec::new();
    let mut selected_row = None;
    // The table line of each container, and of the group title above it when it opens one.
    let mut lines: Vec<(usize, usize)> = Vec::new();
    let mut current_group: Option<Option<&str>> = None;
    let mut titles: Vec<(usize, String)> = Vec::new();
    let window = containers.list.window();
    for (index, (engine, container)) in containers.visible_containers().enumerate() {
        let first_line = rows.len();
        let group = containers.group_of(engine, container);
        if current_group != Some(group)
            && (group.is_some() || current_group.is_some_and(|g| g.is_some()))
        {
            let title = match group {
                Some(name) => {
                    let count = containers
                        .visible_containers()
                        .filter(|(e, c)| containers.group_of(e, c) == Some(name))
                        .count();
                    format!("▾ {name} ({count})")
                }
                None => "▾ (no project)".to_string(),
            };
            titles.push((rows.len(), title));
            rows.push(Row::new([Cell::default()]));
        }
        current_group = Some(group);
        lines.push((first_line, rows.len()));
        if Some(index) == window.selected {
            selected_row = Some(rows.len());
        }
        let in_flight = state.container_action_in_flight(&engine.name, &container.id);
        rows.push(container_row(
            engine,
            container,
            in_flight,
            stale_of(engine),
            &columns,
            wide,
            ctx,
        ));
    }
    let widths: Vec<Constraint> = columns
        .iter()
        .map(|(_, _, width)| Constraint::Length(*width as u16))
        .collect();
    let line_count = rows.len();
    let table = Table::new(rows, widths)
        .header(header)
        .block(block)
        .row_highlight_style(ctx.theme.selected)
        .column_spacing(1);
    let page = area.height.saturating_sub(3) as usize;
    // The kept offset counts containers; the table's counts lines, group titles too.
    let first = window.offset;
    let line_window = Window {
        selected: selected_row,
        offset: lines.get(first).map_or(0, |(title, _)| *title),
        len: line_count,
    };
    let offset = line_window.offset_in(page);
    // Containers that fit: the lines in view less the group titles among them.
    let titles_in_view = lines
        .iter()
        .filter(|(title, line)| title < line && (offset..offset + page).contains(title))
        .count();
    let in_view = page.saturating_sub(titles_in_view);
    let mut table_state = TableState::default()
        .with_offset(offset)
        .with_selected(selected_row);
    StatefulWidget::render(table, area, buffer, &mut table_state);
    let inner = area.inner(ratatui::layout::Margin::new(1, 1));
    for (line, title) in titles
        .iter()
        .filter(|(line, _)| (offset..offset + page).contains(line))
    {
        let y = inner.y + 1 + (line - offset) as u16;
        buffer.set_stringn(inner.x, y, title, usize::from(inner.width), ctx.theme.title);
    }
    if containers.list.is_empty() {
        let message = if !containers.list.filter.is_empty() {
            "no container matches the filter"
        } else if containers.engines.iter().all(|e| e.version.is_none()) {
            "waiting for the engines to answer…"
        } else {
            "no containers on these engines"
        };
        list::render_empty_note(buffer, area, message, ctx);
    }
    in_view
}

/// One container's row. `in_flight`: the action watchdeck is running on it, shown in place of its
/// state. The row of an engine that stopped answering (`stale` holds its last answer) shows the
/// last known values all in the stale style, so no green `running` stays.
fn container_row<'a>(
    engine: &EngineState,
    container: &ContainerInfo,
    in_flight: Option<ContainerAction>,
    stale: Option<DateTime<Utc>>,
    columns: &[(ContainerColumn, &str, usize)],
    wide: bool,
    ctx: &RenderCtx,
) -> Row<'a> {
    let protected = protected_mark(engine, container);
    let paint = |style: Style| {
        if stale.is_some() {
            ctx.theme.stale
        } else {
            style
        }
    };
    let row = Row::new(columns.iter().map(|(column, _, width)| {
        match column {
            // A cut name ends with `…` and keeps its protection mark.
            ContainerColumn::Name => Cell::from(format!(
                "{}{protected}",
                truncate(
                    &container.name,
                    width.saturating_sub(protected.len()).max(1)
                )
            )),
            ContainerColumn::Engine => Cell::from(Span::styled(
                truncate(&engine.name, *width),
                paint(ctx.theme.muted),
            )),
            ContainerColumn::Image => Cell::from(Span::styled(
                truncate(&container.image, *width),
                paint(ctx.theme.muted),
            )),
            ContainerColumn::State => Cell::from(match in_flight {
                Some(action) => {
                    Span::styled(format!("{}…", action.progressive()), ctx.theme.accent)
                }
                None => Span::styled(
                    container.state.label(),
                    paint(state_style(container.state, ctx)),
                ),
            }),
            ContainerColumn::Health => {
                let cell = health_cell(container.health, ctx);
                let style = paint(cell.style);
                Cell::from(cell.style(style))
            }
            ContainerColumn::Uptime => Cell::from(uptime(container, stale, ctx)),
            ContainerColumn::Restarts => {
                let style = if container.restart_count > 0 {
                    ctx.theme.warn
                } else {
                    ctx.theme.text
                };
                Cell::from(Span::styled(
                    format!("{:>3}", container.restart_count),
                    paint(style),
                ))
            }
            ContainerColumn::Cpu => Cell::from(
                container
                    .stats
                    .map_or("-".into(), |s| format!("{:>5.1}", s.cpu_percent)),
            ),
            ContainerColumn::Memory => {
                let text = if wide {
                    memory(container)
                } else {
                    container
                        .stats
                        .map_or("-".into(), |s| bytes(s.memory_used as f64))
                };
                let hot = container
                    .stats
                    .and_then(|s| s.memory_percent())
                    .is_some_and(|p| p >= 90.0);
                Cell::from(Span::styled(
                    text,
                    paint(if hot { ctx.theme.warn } else { ctx.theme.text }),
                ))
            }
            ContainerColumn::Network => Cell::from(net_io(container)),
        }
    }));
    if stale.is_some() {
        row.style(ctx.theme.stale)
    } else {
        row
    }
}

fn protected_mark(engine: &EngineState, container: &ContainerInfo) -> &'static str {
    if engine.protects(container) {
        " [P]"
    } else {
        ""
    }
}
