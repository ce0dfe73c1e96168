//! The Containers tab: every engine's containers grouped by Compose project, a detail pane, the
//! log view, and a banner for each engine that cannot be reached.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{
    Block, BorderType, Cell, Paragraph, Row, StatefulWidget, Table, TableState, Widget, Wrap,
};

use chrono::{DateTime, Utc};

use crate::model::containers::{ContainerAction, ContainerInfo, ContainerState, Health, LogStream};
use crate::state::list::Window;
use crate::state::source::SourceStatus;
use crate::state::{AppState, docker_source};
use crate::tabs::containers::state::{
    ContainerColumn, DETAIL_HEALTH_CHECKS, EngineState, LogMarker, LogRow, LogStatus, LogView,
    ShownLine,
};
use crate::ui::format::{self, bytes, duration, truncate};
use crate::ui::{RenderCtx, banner, list};
use crate::words::count;

/// Draws the tab; gives back how many containers its list showed.
pub fn render(buffer: &mut Buffer, area: Rect, state: &AppState, ctx: &RenderCtx) -> Option<usize> {
    let containers = &state.containers;
    let banners = Paragraph::new(down_banners(state, ctx)).wrap(Wrap { trim: false });
    let banner_height = (banners.line_count(area.width) as u16).min(area.height / 3);
    let [banner_area, body] =
        Layout::vertical([Constraint::Length(banner_height), Constraint::Min(0)]).areas(area);
    banners.render(banner_area, buffer);
    if let Some(logs) = &containers.logs {
        render_logs(buffer, body, logs, ctx);
        return None;
    }
    let selected = containers.selected_container();
    if containers.show_detail
        && let Some((engine, container)) = selected
    {
        let detail_height = (body.height * 45 / 100)
            .max(8)
            .min(body.height.saturating_sub(5));
        let [list, detail] =
            Layout::vertical([Constraint::Min(5), Constraint::Length(detail_height)]).areas(body);
        let in_view = render_list(buffer, list, state, ctx);
        let revealed = containers
            .revealed_env
            .as_ref()
            .is_some_and(|k| k.engine == engine.name && k.id == container.id);
        let detail_view = DetailView {
            stale: stale_since(state, engine),
            revealed,
            scroll: containers.detail_scroll,
        };
        render_detail(buffer, detail, engine, container, &detail_view, ctx);
        Some(in_view)
    } else {
        Some(render_list(buffer, body, state, ctx))
    }
}

/// One line per engine that cannot be reached: where, why, since when, and when it retries.
fn down_banners<'a>(state: &AppState, ctx: &RenderCtx) -> Vec<Line<'a>> {
    state
        .containers
        .engines
        .iter()
        .filter_map(|engine| {
            let health = state.source(&docker_source(&engine.name))?;
            let what = format!("engine {}", engine.name);
            let last = |ago: &str| format!("last answered {ago} ago");
            banner::source_down(&what, &engine.host, health, last, ctx)
        })
        .collect()
}

fn state_style(state: ContainerState, ctx: &RenderCtx) -> Style {
    match state {
        ContainerState::Running => ctx.theme.ok,
        ContainerState::Restarting => ctx.theme.warn,
        ContainerState::Exited { code } if code != 0 => ctx.theme.warn,
        ContainerState::Dead => ctx.theme.crit,
        ContainerState::Paused => ctx.theme.info,
        _ => ctx.theme.muted,
    }
}

fn health_cell<'a>(health: Option<Health>, ctx: &RenderCtx) -> Span<'a> {
    match health {
        Some(Health::Healthy) => Span::styled("✔ healthy", ctx.theme.ok),
        Some(Health::Unhealthy) => Span::styled("✖ unhealthy", ctx.theme.crit),
        Some(Health::Starting) => Span::styled("… starting", ctx.theme.warn),
        None => Span::styled("-", ctx.theme.muted),
    }
}

/// When the engine of these containers stopped answering (down, or silent for too long), what it
/// said last is stale: the time of its last answer, or `None` while it answers.
fn stale_since(state: &AppState, engine: &EngineState) -> Option<DateTime<Utc>> {
    match &state.source(&docker_source(&engine.name))?.status {
        SourceStatus::Down { last_ok, .. } => *last_ok,
        SourceStatus::Stale { last_ok } => Some(*last_ok),
        _ => None,
    }
}

/// The age of stale data in its largest unit, short enough for the narrow uptime column:
/// `stale 42s`, `stale 2m`, `stale 3h`, `stale 2d`.
fn stale_label(since: DateTime<Utc>, ctx: &RenderCtx) -> String {
    let seconds = (ctx.now - since).num_seconds().max(0);
    let age = match seconds {
        0..60 => format!("{seconds}s"),
        60..3600 => format!("{}m", seconds / 60),
        3600..86400 => format!("{}h", seconds / 3600),
        _ => format!("{}d", seconds / 86400),
    };
    format!("stale {age}")
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
fn render_list(buffer: &mut Buffer, area: Rect, state: &AppState, ctx: &RenderCtx) -> usize {
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
        let group = container.compose_project();
        if current_group != Some(group)
            && (group.is_some() || current_group.is_some_and(|g| g.is_some()))
        {
            let title = match group {
                Some(project) => {
                    let count = containers
                        .visible_containers()
                        .filter(|(_, c)| c.compose_project() == Some(project))
                        .count();
                    format!("▾ {project} ({count})")
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

/// How the detail pane shows its container.
struct DetailView {
    /// The engine's last answer, when it stopped answering.
    stale: Option<DateTime<Utc>>,
    /// Whether env values are shown.
    revealed: bool,
    /// Rows scrolled past, as the state asks; the pane stops once its last row shows.
    scroll: usize,
}

fn render_detail(
    buffer: &mut Buffer,
    area: Rect,
    engine: &EngineState,
    container: &ContainerInfo,
    view: &DetailView,
    ctx: &RenderCtx,
) {
    let DetailView {
        stale, revealed, ..
    } = *view;
    let label = |text: &'static str| Span::styled(format!("{text:<9}"), ctx.theme.muted);
    let list = |items: &[String]| {
        if items.is_empty() {
            "-".to_string()
        } else {
            items.join(", ")
        }
    };
    let mut lines = vec![
        Line::from(vec![
            label("id"),
            Span::raw(container.id.chars().take(12).collect::<String>()),
            Span::styled(
                format!("   engine {} ({})", engine.name, engine.host),
                ctx.theme.muted,
            ),
        ]),
        Line::from(vec![label("image"), Span::raw(container.image.clone())]),
        Line::from(vec![label("command"), Span::raw(container.command.clone())]),
        Line::from(vec![label("ports"), Span::raw(list(&container.ports))]),
        Line::from(vec![label("mounts"), Span::raw(list(&container.mounts))]),
        Line::from(vec![
            label("networks"),
            Span::raw(list(&container.networks)),
        ]),
    ];
    let labels: Vec<String> = container
        .labels
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    lines.push(Line::from(vec![label("labels"), Span::raw(list(&labels))]));
    // Values of environment variables are secrets until the operator asks for them.
    let env: Vec<String> = container
        .env
        .iter()
        .map(|(name, value)| {
            if revealed {
                format!("{name}={value}")
            } else {
                name.clone()
            }
        })
        .collect();
    let hint = if revealed {
        "  (e hides values)"
    } else {
        "  (values hidden: e reveals)"
    };
    lines.push(Line::from(vec![
        label("env"),
        Span::raw(list(&env)),
        Span::styled(hint, ctx.theme.muted),
    ]));
    for check in container.health_log.iter().rev().take(DETAIL_HEALTH_CHECKS) {
        let when = check.at.map_or("-".into(), |at| {
            format!(
                "{} ago",
                duration((ctx.now - at).to_std().unwrap_or_default())
            )
        });
        let style = if check.exit_code == 0 {
            ctx.theme.ok
        } else {
            ctx.theme.crit
        };
        lines.push(Line::from(vec![
            label("health"),
            Span::styled(format!("exit {} ", check.exit_code), style),
            Span::styled(format!("{when}: "), ctx.theme.muted),
            Span::raw(truncate(check.output.trim(), 200)),
        ]));
    }
    let mut title = vec![Span::styled(
        format!(" {} ", container.name),
        ctx.theme.title,
    )];
    match stale {
        Some(since) => title.push(Span::styled(
            format!(
                "{} ({}: the engine does not answer) ",
                container.state.label(),
                stale_label(since, ctx)
            ),
            ctx.theme.stale,
        )),
        None => title.push(Span::styled(
            format!("{} ", container.state.label()),
            state_style(container.state, ctx),
        )),
    }
    if engine.protects(container) {
        title.push(Span::styled(
            "[P] protected: actions ask for its name ",
            ctx.theme.warn,
        ));
    }
    let mut block = Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(ctx.theme.border)
        .title(Line::from(title));
    let inner = block.inner(area);
    // Rows each line takes once wrapped; scrolling stops when the last one shows.
    let heights: Vec<usize> = lines
        .iter()
        .map(|line| {
            Paragraph::new(line.clone())
                .wrap(Wrap { trim: false })
                .line_count(inner.width)
        })
        .collect();
    let height = usize::from(inner.height);
    let mut fits_from = heights.len();
    let mut below = 0;
    while fits_from > 0 && below + heights[fits_from - 1] <= height {
        fits_from -= 1;
        below += heights[fits_from];
    }
    let first = view.scroll.min(fits_from);
    let more_below = heights[first..].iter().sum::<usize>() > height;
    let more: Vec<&str> = [(first > 0, "↑ more"), (more_below, "↓ more")]
        .into_iter()
        .filter_map(|(shown, text)| shown.then_some(text))
        .collect();
    if !more.is_empty() {
        block = block.title_bottom(
            Line::styled(format!(" {} ", more.join(" · ")), ctx.theme.accent).right_aligned(),
        );
    }
    Paragraph::new(lines.split_off(first))
        .wrap(Wrap { trim: false })
        .block(block)
        .render(area, buffer);
}

/// Splits `text` into spans with every case-insensitive match of `needle` highlighted; `folded`
/// is `text` in lower case, made when the line arrived.
fn highlighted<'a>(
    text: &str,
    folded: &str,
    needle: &str,
    base: Style,
    highlight: Style,
) -> Vec<Span<'a>> {
    if needle.is_empty() || folded.len() != text.len() {
        return vec![Span::styled(text.to_string(), base)];
    }
    let lower = folded;
    let needle = needle.to_lowercase();
    let mut spans = Vec::new();
    let mut start = 0;
    while let Some(found) = lower[start..].find(&needle) {
        let at = start + found;
        spans.push(Span::styled(text[start..at].to_string(), base));
        spans.push(Span::styled(
            text[at..at + needle.len()].to_string(),
            highlight,
        ));
        start = at + needle.len();
    }
    spans.push(Span::styled(text[start..].to_string(), base));
    spans
}

fn log_line<'a>(row: &ShownLine, view: &LogView, width: usize, ctx: &RenderCtx) -> Line<'a> {
    let line = &row.line;
    let mut spans = Vec::new();
    if view.timestamps {
        let stamp = line.timestamp.map_or("-".repeat(19), |t| {
            t.with_timezone(&ctx.offset)
                .format("%m-%d %H:%M:%S%.3f")
                .to_string()
        });
        spans.push(Span::styled(format!("{stamp} "), ctx.theme.muted));
    }
    let (marker, base) = match line.stream {
        LogStream::Stdout => ("  ", ctx.theme.text),
        LogStream::Stderr => ("! ", ctx.theme.warn),
    };
    spans.push(Span::styled(marker, base));
    let (mut text, mut folded) = (row.shown.as_str(), row.folded());
    if !view.wrap {
        // Only what fits is laid out, so a huge line costs no more than a short one.
        let end = text
            .char_indices()
            .nth(width)
            .map_or(text.len(), |(at, _)| at);
        text = &text[..end];
        folded = folded.get(..end).unwrap_or(folded);
    }
    spans.extend(highlighted(
        text,
        folded,
        &view.search,
        base,
        ctx.theme.filter.patch(ctx.theme.selected),
    ));
    Line::from(spans)
}

/// `── container restarted 12:03:04 ──` between the lines of two runs, and the like.
fn marker_line<'a>(marker: &LogMarker, ctx: &RenderCtx) -> Line<'a> {
    let time = |at: &DateTime<Utc>| at.with_timezone(&ctx.offset).format("%H:%M:%S");
    let text = match marker {
        LogMarker::Restarted(at) => format!("container restarted {}", time(at)),
        LogMarker::Reattached(at) => format!("log attached again {}", time(at)),
        LogMarker::Ended(reason) => format!("log ended: {reason}"),
    };
    Line::styled(format!("── {text} ──"), ctx.theme.muted)
}

fn render_logs(buffer: &mut Buffer, area: Rect, view: &LogView, ctx: &RenderCtx) {
    let mut title = vec![Span::styled(
        format!(" Logs · {} ({}) ", view.name, view.key.engine),
        ctx.theme.title,
    )];
    match &view.status {
        LogStatus::Streaming if view.following => {
            title.push(Span::styled("following ", ctx.theme.ok));
        }
        LogStatus::Streaming => title.push(Span::styled("paused ", ctx.theme.warn)),
        LogStatus::Waiting(reason) => {
            title.push(Span::styled(format!("waiting: {reason} "), ctx.theme.warn));
        }
        LogStatus::Ended(reason) => {
            title.push(Span::styled(format!("ended: {reason} "), ctx.theme.warn));
        }
    }
    if !view.following && view.status != LogStatus::Streaming {
        title.push(Span::styled("· paused ", ctx.theme.warn));
    }
    let lines = view.lines.iter().filter(|row| row.line().is_some()).count();
    title.push(Span::styled(
        format!("· {} ", count(lines, "line")),
        ctx.theme.muted,
    ));
    if view.dropped > 0 {
        title.push(Span::styled(
            format!("({} older dropped) ", view.dropped),
            ctx.theme.muted,
        ));
    }
    if !view.search.is_empty() {
        title.push(Span::styled(
            format!(
                "· search \"{}\" {} matches ",
                view.search,
                view.matches().len()
            ),
            ctx.theme.filter,
        ));
    }
    let flags = format!(
        " wrap {} · time {} ",
        if view.wrap { "on" } else { "off" },
        if view.timestamps { "on" } else { "off" }
    );
    let block = Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(ctx.theme.border)
        .title(Line::from(title))
        .title_bottom(Span::styled(flags, ctx.theme.muted));
    let inner = block.inner(area);
    block.render(area, buffer);
    let height = inner.height as usize;
    let bottom = view.lines.len().saturating_sub(view.scroll);
    let first = bottom.saturating_sub(height);
    let width = inner.width.saturating_sub(2) as usize;
    let lines: Vec<Line> = view
        .lines
        .range(first..bottom)
        .map(|row| match row {
            LogRow::Line(row) => log_line(row, view, width, ctx),
            LogRow::Marker(marker) => marker_line(marker, ctx),
        })
        .collect();
    if lines.is_empty() {
        let row = crate::ui::row_at(inner, inner.x + 1, inner.y, inner.width);
        Span::styled("waiting for log lines…", ctx.theme.muted).render(row, buffer);
        return;
    }
    let paragraph = if view.wrap {
        Paragraph::new(lines).wrap(Wrap { trim: false })
    } else {
        Paragraph::new(lines)
    };
    // With wrapping, the newest lines stay at the bottom: scroll past what overflows.
    let overflow = if view.wrap {
        (paragraph.line_count(inner.width) as u16).saturating_sub(inner.height)
    } else {
        0
    };
    paragraph.scroll((overflow, 0)).render(inner, buffer);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_match_is_highlighted() {
        let text = "GET /a then get /b";
        let spans = highlighted(
            text,
            &text.to_lowercase(),
            "get",
            Style::default(),
            Style::default(),
        );
        let texts: Vec<&str> = spans.iter().map(|s| s.content.as_ref()).collect();
        assert_eq!(texts, ["", "GET", " /a then ", "get", " /b"]);
    }
}
