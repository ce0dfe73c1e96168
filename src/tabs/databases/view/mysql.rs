//! A MySQL or MariaDB database's detail: threads, rates, processes by user and host, the
//! replica's state, and the process list.

use std::time::Duration;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Widget};

use super::{
    STATEMENT_WIDTH, column, fitted_table, fitting, groups_line, last_width, per_minute,
    render_above, rounded, text,
};
use crate::model::databases::{MysqlDetail, MysqlProcess};
use crate::state::AppState;
use crate::state::databases::DatabaseState;
use crate::ui::RenderCtx;
use crate::ui::format::{Column as Size, duration, truncate};

pub(super) fn headline(mysql: &MysqlDetail, slow_seconds: f64) -> Vec<String> {
    let mut parts = vec![format!("{} long", mysql.long_queries(slow_seconds))];
    if let Some(replica) = &mysql.replica {
        parts.push(match replica.lag_seconds {
            Some(lag) => format!("lag {lag:.0}s"),
            None => "replica stopped".into(),
        });
    }
    parts.push(format!(
        "buffer {}",
        mysql
            .buffer_pool_hit_percent
            .map_or("-".into(), |p| format!("{p:.1}%"))
    ));
    parts.push(format!("{} q/min", rounded(mysql.queries_per_minute)));
    parts
}

pub(super) fn render(
    buffer: &mut Buffer,
    area: Rect,
    state: &AppState,
    database: &DatabaseState,
    mysql: &MysqlDetail,
    ctx: &RenderCtx,
) {
    let Some(snapshot) = &database.latest else {
        return;
    };
    let running = mysql.processes.iter().filter(|p| !p.is_idle()).count();
    let mut lines = vec![
        Line::from(vec![
            Span::styled("threads ", ctx.theme.muted),
            Span::raw(format!(
                "{} connected · {} running of {} max · {running} busy, {} idle · {}",
                snapshot.connections,
                mysql.threads_running,
                snapshot.max_connections,
                mysql.processes.len() - running,
                mysql.flavor,
            )),
        ]),
        Line::from(vec![
            Span::styled("rates ", ctx.theme.muted),
            Span::raw(format!(
                "buffer pool hit {} · queries {} · slow (>{}s) {}",
                mysql
                    .buffer_pool_hit_percent
                    .map_or("-".into(), |p| format!("{p:.1}%")),
                per_minute(mysql.queries_per_minute),
                mysql.long_query_time,
                per_minute(mysql.slow_queries_per_minute),
            )),
        ]),
        groups_line(
            &[
                (
                    "by user ",
                    mysql.processes.iter().map(|p| p.user.as_str()).collect(),
                ),
                (
                    "  by host ",
                    mysql.processes.iter().map(|p| p.client()).collect(),
                ),
            ],
            area.width,
            ctx,
        ),
    ];
    if let Some(replica) = &mysql.replica {
        let line = format!(
            "replica of {} · io {} · sql {} · lag {}",
            replica.source,
            replica.io_running,
            replica.sql_running,
            replica
                .lag_seconds
                .map_or("- (not replicating)".into(), |lag| format!("{lag:.0}s"))
        );
        let style = if replica.lag_seconds.is_none() {
            ctx.theme.warn
        } else {
            Style::default()
        };
        lines.push(Line::styled(line, style));
    }
    let table_area = render_above(buffer, area, lines);
    // Narrow, the statement keeps its room: the database, the host and the user go first.
    let processes = state.databases.processes();
    let of = |cell: fn(&MysqlProcess) -> &str| processes.iter().map(cell);
    let width = table_area.width;
    let columns = [
        column("ID", Size::fixed(8)),
        column("USER", text("USER", of(|p| &p.user), width, 6, 10).rank(3)),
        column("HOST", text("HOST", of(|p| &p.host), width, 5, 16).rank(2)),
        column("DB", text("DB", of(|p| &p.database), width, 6, 10).rank(1)),
        column("COMMAND", text("COMMAND", of(|p| &p.command), width, 6, 8)),
        column("TIME", Size::fixed(7)),
        column("STATE", text("STATE", of(|p| &p.state), width, 4, 20)),
        column("INFO", Size::fixed(STATEMENT_WIDTH).grow()),
    ];
    let kept = fitting(&columns, width);
    let cut = |column: usize| kept[column].unwrap_or_default();
    let info_width = last_width(&kept);
    let selected = state.databases.selected_process().map(|p| p.id);
    let rows = processes
        .iter()
        .map(|process| {
            let waiting = process.state.contains("Waiting") || process.state.contains("lock");
            let cells = vec![
                Cell::from(process.id.to_string()),
                Cell::from(truncate(&process.user, cut(1))),
                Cell::from(truncate(&process.host, cut(2))),
                Cell::from(truncate(&process.database, cut(3))),
                Cell::from(truncate(&process.command, cut(4))),
                Cell::from(duration(Duration::from_secs(process.seconds))),
                Cell::from(truncate(&process.state, cut(6))).style(if waiting {
                    ctx.theme.warn
                } else {
                    Style::default()
                }),
                Cell::from(truncate(
                    &process.info.replace(['\n', '\r', '\t'], " "),
                    info_width,
                )),
            ];
            let style = if Some(process.id) == selected {
                ctx.theme.selected
            } else {
                Style::default()
            };
            (cells, style)
        })
        .collect();
    Widget::render(fitted_table(&columns, &kept, rows, ctx), table_area, buffer);
}
