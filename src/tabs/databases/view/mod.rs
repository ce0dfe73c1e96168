//! The Databases tab: an overview row per database, then the selected database's detail
//! (PostgreSQL sessions, blockers, replicas and sizes; Redis memory, clients and big keys).

mod mysql;
mod postgres;
mod redis;

use std::collections::BTreeMap;
use std::time::Duration;

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Cell, Paragraph, Row, Table, Widget, Wrap};

use crate::findings::Severity;
use crate::metrics::SeriesKey;
use crate::model::databases::DatabaseDetail;
use crate::model::source::SourceId;
use crate::state::AppState;
use crate::state::databases::DatabaseState;
use crate::state::source::SourceStatus;
use crate::ui::format::{self, duration, truncate};
use crate::ui::severity_style;
use crate::ui::{RenderCtx, history};
use format::Column as Size;

const SPARK_WIDTH: usize = 12;
/// The narrowest a statement gets before the user, host or database columns are left out: at 80
/// columns it keeps most of a `SELECT … FROM … WHERE`.
const STATEMENT_WIDTH: usize = 30;

pub fn render(buffer: &mut Buffer, area: Rect, state: &AppState, ctx: &RenderCtx) {
    let databases = &state.databases;
    let overview_height = (databases.databases.len() as u16 + 3)
        .min(area.height / 2)
        .max(4);
    let [overview, detail] =
        Layout::vertical([Constraint::Length(overview_height), Constraint::Min(0)]).areas(area);
    render_overview(buffer, overview, state, ctx);
    let Some(database) = databases.selected_database() else {
        return;
    };
    let block = panel(
        Line::from(vec![
            Span::styled(format!(" {} ", database.name), ctx.theme.title),
            Span::styled(format!("{} ", database.address), ctx.theme.muted),
        ]),
        ctx,
    );
    let inner = block.inner(detail);
    block.render(detail, buffer);
    let source = SourceId::database(&database.name).name;
    if let Some(SourceStatus::Down {
        error,
        since,
        retry_at,
        last_ok,
    }) = state.source(&source).map(|s| &s.status)
    {
        let ago = |at: chrono::DateTime<chrono::Utc>| {
            duration((ctx.now - at).to_std().unwrap_or_default())
        };
        let mut lines = vec![
            Line::styled(
                format!("{} does not answer: {error}", database.name),
                ctx.theme.crit,
            ),
            Line::styled(
                format!(
                    "down for {} · {} · next try in {}",
                    ago(*since),
                    last_ok.map_or("never answered".into(), |at| format!(
                        "last answered {} ago",
                        ago(at)
                    )),
                    retry_at.map_or("-".into(), |at| duration(
                        (at - ctx.now).to_std().unwrap_or_default()
                    )),
                ),
                ctx.theme.muted,
            ),
        ];
        if database.latest.is_some() {
            lines.push(Line::styled(
                "last known values below are stale",
                ctx.theme.stale,
            ));
        }
        let height = (lines.len() as u16).min(inner.height);
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .render(Rect { height, ..inner }, buffer);
        let rest = Rect {
            y: inner.y + height,
            height: inner.height - height,
            ..inner
        };
        render_detail(buffer, rest, state, database, ctx);
        return;
    }
    render_detail(buffer, inner, state, database, ctx);
}

fn panel<'a>(title: Line<'a>, ctx: &RenderCtx) -> Block<'a> {
    Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(ctx.theme.border)
        .title(title)
}

fn render_overview(buffer: &mut Buffer, area: Rect, state: &AppState, ctx: &RenderCtx) {
    let databases = &state.databases;
    let block = panel(
        Line::from(vec![
            Span::styled(" Databases ", ctx.theme.title),
            Span::styled(
                format!("{} · ←/→ choose ", databases.databases.len()),
                ctx.theme.muted,
            ),
        ]),
        ctx,
    );
    let width = block.inner(area).width;
    let names: Vec<String> = databases
        .databases
        .iter()
        .map(|d| format!("▶ {}", d.name))
        .collect();
    // Narrow, the headline keeps its room: the version, uptime, kind and sparkline go first.
    let columns = [
        column(
            "NAME",
            text("NAME", names.iter().map(String::as_str), width, 4, 12),
        ),
        column("KIND", Size::fixed(8).rank(3)),
        column("STATE", Size::fixed(10)),
        column("VERSION", Size::fixed(8).rank(1)),
        column("UPTIME", Size::fixed(7).rank(2)),
        column("CONNECTIONS", Size::fixed(14)),
        column("", Size::fixed(SPARK_WIDTH).rank(4)),
        column("HEADLINE", Size::fixed(30).grow()),
    ];
    let kept = fitting(&columns, width);
    let name_width = kept[0].unwrap_or_default();
    let headline_width = last_width(&kept);
    let rows = databases
        .databases
        .iter()
        .enumerate()
        .map(|(index, database)| {
            let selected = index == databases.selected;
            overview_row(state, database, selected, (name_width, headline_width), ctx)
        })
        .collect();
    let table = fitted_table(&columns, &kept, rows, ctx).block(block);
    Widget::render(table, area, buffer);
}

fn overview_row<'a>(
    state: &AppState,
    database: &DatabaseState,
    selected: bool,
    (name_width, headline_width): (usize, usize),
    ctx: &RenderCtx,
) -> (Vec<Cell<'a>>, Style) {
    let source = SourceId::database(&database.name).name;
    let (label, style) = match state.source(&source).map(|s| &s.status) {
        Some(SourceStatus::Ok { .. }) => ("up", ctx.theme.ok),
        Some(SourceStatus::Down { .. }) => ("down", ctx.theme.crit),
        Some(SourceStatus::Stale { .. }) => ("stale", ctx.theme.stale),
        Some(SourceStatus::Connecting) | None => ("connecting", ctx.theme.muted),
    };
    let worst = state
        .findings
        .iter()
        .filter(|f| f.source == source)
        .map(|f| f.severity)
        .max()
        .unwrap_or(Severity::Ok);
    let (version, uptime, connections, headline) = match &database.latest {
        Some(snapshot) => (
            snapshot.version.clone(),
            duration(Duration::from_secs(snapshot.uptime_seconds)),
            match snapshot.connections_percent() {
                Some(percent) => format!(
                    "{}/{} {percent:.0}%",
                    snapshot.connections, snapshot.max_connections
                ),
                None => format!("{}", snapshot.connections),
            },
            fitted_parts(
                &match &snapshot.detail {
                    DatabaseDetail::Postgres(pg) => {
                        postgres::headline(pg, database.slow_query_seconds)
                    }
                    DatabaseDetail::Mysql(mysql) => {
                        mysql::headline(mysql, database.slow_query_seconds)
                    }
                    DatabaseDetail::Redis(redis) => redis::headline(redis),
                },
                headline_width,
            ),
        ),
        None => (String::new(), String::new(), String::new(), String::new()),
    };
    let spark = spark_text(&history::series(
        state,
        &SeriesKey::new("db_connections_percent")
            .with_label("database", &database.name)
            .with_label("kind", database.kind.label()),
        SPARK_WIDTH,
    ));
    let cells = vec![
        Cell::from(format!(
            "{}{}",
            if selected { "▶ " } else { "  " },
            truncate(&database.name, name_width.saturating_sub(2))
        )),
        Cell::from(database.kind.label()),
        Cell::from(label).style(style),
        Cell::from(version),
        Cell::from(uptime),
        Cell::from(connections),
        Cell::from(spark).style(ctx.theme.graph_cpu),
        Cell::from(headline).style(if worst == Severity::Ok {
            Style::default()
        } else {
            severity_style(worst, ctx)
        }),
    ];
    let style = if selected {
        ctx.theme.selected
    } else {
        Style::default()
    };
    (cells, style)
}

/// The leading `parts` that fit in `width`, joined: whole figures, never half of one.
fn fitted_parts(parts: &[String], width: usize) -> String {
    let mut line = String::new();
    for part in parts {
        let separator = if line.is_empty() { "" } else { " · " };
        if line.chars().count() + separator.chars().count() + part.chars().count() > width {
            break;
        }
        line.push_str(separator);
        line.push_str(part);
    }
    line
}

fn render_detail(
    buffer: &mut Buffer,
    area: Rect,
    state: &AppState,
    database: &DatabaseState,
    ctx: &RenderCtx,
) {
    let Some(snapshot) = &database.latest else {
        if state
            .source(&SourceId::database(&database.name).name)
            .is_some_and(|s| s.status == SourceStatus::Connecting)
        {
            Span::styled("connecting…", ctx.theme.muted).render(area, buffer);
        }
        return;
    };
    match &snapshot.detail {
        DatabaseDetail::Postgres(pg) => postgres::render(buffer, area, state, database, pg, ctx),
        DatabaseDetail::Mysql(mysql) => mysql::render(buffer, area, state, database, mysql, ctx),
        DatabaseDetail::Redis(redis) => {
            redis::render(
                buffer,
                area,
                state.databases.big_keys.as_ref(),
                database,
                redis,
                ctx,
            );
        }
    }
}

fn per_minute(value: Option<f64>) -> String {
    value.map_or("-".into(), |v| format!("{v:.0}/min"))
}

fn rounded(value: Option<f64>) -> String {
    value.map_or("-".into(), |v| format!("{v:.0}"))
}

/// A column of a table that leaves out columns when narrow: its heading and its size (the
/// growing one takes what the others leave).
struct Column {
    heading: &'static str,
    size: format::Column,
}

const fn column(heading: &'static str, size: format::Column) -> Column {
    Column { heading, size }
}

/// A column of text as wide as its widest cell, up to a `share`th of the row (or `keep`, if
/// more); narrow, it gives way down to `keep` (or its content, if narrower) before columns are
/// left out.
fn text<'a>(
    heading: &str,
    cells: impl Iterator<Item = &'a str>,
    width: u16,
    share: u16,
    keep: usize,
) -> Size {
    let max = usize::from(width / share).max(keep);
    let size = Size::content(heading, cells, max);
    size.at_least(size.width.min(keep))
}

/// The widths of `columns` in `width` (`None`: left out), through the tables' one rule.
fn fitting(columns: &[Column], width: u16) -> Vec<Option<usize>> {
    let sizes: Vec<format::Column> = columns.iter().map(|c| c.size).collect();
    format::column_widths(&sizes, usize::from(width), 1)
}

/// The width of the growing (last) column.
fn last_width(widths: &[Option<usize>]) -> usize {
    widths.last().copied().flatten().unwrap_or_default()
}

/// A table of the kept columns: their headings, widths, and each row's cells in the same order.
fn fitted_table<'a>(
    columns: &[Column],
    widths: &[Option<usize>],
    rows: Vec<(Vec<Cell<'a>>, Style)>,
    ctx: &RenderCtx,
) -> Table<'a> {
    let kept: Vec<usize> = (0..columns.len())
        .filter(|&i| widths[i].is_some())
        .collect();
    let constraints: Vec<Constraint> = widths
        .iter()
        .flatten()
        .map(|&width| Constraint::Length(width as u16))
        .collect();
    let rows: Vec<Row> = rows
        .into_iter()
        .map(|(cells, style)| {
            let mut cells: Vec<Option<Cell>> = cells.into_iter().map(Some).collect();
            Row::new(kept.iter().filter_map(|&i| cells.get_mut(i)?.take())).style(style)
        })
        .collect();
    Table::new(rows, constraints)
        .header(Row::new(kept.iter().map(|&i| columns[i].heading)).style(ctx.theme.table_header))
        .column_spacing(1)
}

/// The biggest groups of each list, e.g. `by app api 40, worker 12  by user …`: three of each,
/// fewer when that does not fit in `width`.
fn groups_line<'a>(groups: &[(&'static str, Vec<&str>)], width: u16, ctx: &RenderCtx) -> Line<'a> {
    let line = |top: usize| {
        Line::from(
            groups
                .iter()
                .flat_map(|(label, names)| {
                    [
                        Span::styled(*label, ctx.theme.muted),
                        Span::raw(top_counts(names, top)),
                    ]
                })
                .collect::<Vec<_>>(),
        )
    };
    for top in [3, 2] {
        let wide = line(top);
        if wide.width() <= usize::from(width) {
            return wide;
        }
    }
    line(1)
}

/// The `top` biggest groups among `names`, e.g. `api 40, worker 12`.
fn top_counts(names: &[&str], top: usize) -> String {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for name in names {
        *counts
            .entry(if name.is_empty() { "-" } else { name })
            .or_default() += 1;
    }
    let mut counts: Vec<(&str, usize)> = counts.into_iter().collect();
    counts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    counts
        .iter()
        .take(top)
        .map(|(name, n)| format!("{name} {n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A one-line sparkline from eighth-height blocks on a 0–100 scale; blank where there is no
/// sample.
fn spark_text(values: &[Option<f64>]) -> String {
    const LEVELS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    values
        .iter()
        .map(|v| match v {
            Some(v) => LEVELS[((v / 100.0) * 7.0).round().clamp(0.0, 7.0) as usize],
            None => ' ',
        })
        .collect()
}

/// Draws `lines` at the top of `area` and gives back the room left below them, for a table.
fn render_above(buffer: &mut Buffer, area: Rect, lines: Vec<Line>) -> Rect {
    let height = (lines.len() as u16).min(area.height);
    Paragraph::new(lines).render(Rect { height, ..area }, buffer);
    Rect {
        y: area.y + height,
        height: area.height - height,
        ..area
    }
}
