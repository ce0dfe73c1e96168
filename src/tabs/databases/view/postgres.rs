//! A PostgreSQL database's detail: sessions by state, app, user and client, rates, replicas or
//! standby delay, the largest databases and tables, and the sessions table.

use std::time::Duration;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Widget};

use super::{
    STATEMENT_WIDTH, column, fitted_table, fitting, groups_line, last_width, per_minute,
    render_above, text,
};
use crate::model::databases::{PostgresDetail, Session, SessionState};
use crate::state::AppState;
use crate::state::databases::{DatabaseState, session_seconds};
use crate::ui::RenderCtx;
use crate::ui::format::{Column as Size, bytes, duration, truncate};

/// What goes wrong first (long queries, blocked sessions, lag), then the cache: a narrow column
/// leaves out the tail.
pub(super) fn headline(pg: &PostgresDetail, slow_seconds: f64) -> Vec<String> {
    let mut parts = vec![format!("{} long", pg.long_queries(slow_seconds))];
    let blocked = pg.blocked().count();
    if blocked > 0 {
        parts.push(format!("{blocked} blocked"));
    }
    if let Some(lag) = pg.replication_lag_seconds() {
        parts.push(format!("lag {lag:.0}s"));
    }
    parts.push(format!(
        "cache {}",
        pg.cache_hit_percent
            .map_or("-".into(), |p| format!("{p:.1}%"))
    ));
    parts
}

pub(super) fn render(
    buffer: &mut Buffer,
    area: Rect,
    state: &AppState,
    database: &DatabaseState,
    pg: &PostgresDetail,
    ctx: &RenderCtx,
) {
    let count = |wanted: SessionState| pg.sessions.iter().filter(|s| s.state == wanted).count();
    let mut lines = vec![
        Line::from(vec![
            Span::styled("sessions ", ctx.theme.muted),
            Span::raw(format!(
                "{} active · {} idle · {} idle in transaction · {} waiting",
                count(SessionState::Active),
                count(SessionState::Idle),
                count(SessionState::IdleInTransaction),
                count(SessionState::Waiting)
            )),
        ]),
        Line::from(vec![
            Span::styled("rates ", ctx.theme.muted),
            Span::raw(format!(
                "cache hit {} · tx {} · deadlocks {} · slow (>{}s) {}",
                pg.cache_hit_percent
                    .map_or("-".into(), |p| format!("{p:.1}%")),
                per_minute(pg.transactions_per_minute),
                per_minute(pg.deadlocks_per_minute),
                database.slow_query_seconds,
                per_minute(pg.slow_queries_per_minute),
            )),
        ]),
        groups_line(
            &[
                (
                    "by app ",
                    pg.sessions.iter().map(|s| s.application.as_str()).collect(),
                ),
                (
                    "  by user ",
                    pg.sessions.iter().map(|s| s.user.as_str()).collect(),
                ),
                (
                    "  by client ",
                    pg.sessions.iter().map(|s| s.client.as_str()).collect(),
                ),
            ],
            area.width,
            ctx,
        ),
    ];
    if pg.is_standby {
        lines.push(Line::raw(format!(
            "standby · replay delay {}",
            pg.replay_delay_seconds
                .map_or("-".into(), |d| format!("{d:.1}s"))
        )));
    } else if !pg.replicas.is_empty() {
        let replicas: Vec<String> = pg
            .replicas
            .iter()
            .map(|r| {
                format!(
                    "{} {} {} {} behind {}",
                    r.name,
                    r.client,
                    r.state,
                    bytes(r.lag_bytes),
                    r.lag_seconds.map_or("-".into(), |s| format!("{s:.1}s"))
                )
            })
            .collect();
        lines.push(Line::raw(format!("replicas: {}", replicas.join(" · "))));
    }
    if let Some(sizes) = &database.sizes {
        let top = |rows: &[crate::model::databases::SizeRow]| {
            rows.iter()
                .take(3)
                .map(|r| format!("{} {}", r.name, bytes(r.bytes)))
                .collect::<Vec<_>>()
                .join(", ")
        };
        // A part with nothing read (no table yet) is left out rather than shown empty.
        let parts: Vec<String> = [("db", &sizes.databases), ("tables", &sizes.tables)]
            .into_iter()
            .filter(|(_, rows)| !rows.is_empty())
            .map(|(what, rows)| format!("{what} {}", top(rows)))
            .collect();
        if !parts.is_empty() {
            lines.push(Line::from(vec![
                Span::styled("largest ", ctx.theme.muted),
                Span::raw(parts.join(" · ")),
            ]));
        }
    }
    let table_area = render_above(buffer, area, lines);
    // Narrow, the query keeps its room: the database, the wait event and the user go first.
    let sessions = state.databases.sessions();
    let of = |cell: fn(&Session) -> &str| sessions.iter().map(cell);
    let width = table_area.width;
    let columns = [
        column("PID", Size::fixed(7)),
        column("USER", text("USER", of(|s| &s.user), width, 6, 10).rank(3)),
        column(
            "DATABASE",
            text("DATABASE", of(|s| &s.database), width, 6, 10).rank(1),
        ),
        column("STATE", Size::fixed(19)),
        column("TIME", Size::fixed(7)),
        column(
            "WAIT",
            text(
                "WAIT",
                of(|s| s.wait_event.as_deref().unwrap_or("")),
                width,
                5,
                14,
            )
            .rank(2),
        ),
        column("BLOCKED BY", Size::fixed(10)),
        column("QUERY", Size::fixed(STATEMENT_WIDTH).grow()),
    ];
    let kept = fitting(&columns, width);
    let cut = |column: usize| kept[column].unwrap_or_default();
    let query_width = last_width(&kept);
    let selected = state.databases.selected_session().map(|s| s.pid);
    let rows = sessions
        .iter()
        .map(|session| {
            let style = match session.state {
                SessionState::Waiting => ctx.theme.warn,
                SessionState::IdleInTransaction => ctx.theme.warn,
                _ => Style::default(),
            };
            let blocked_by = session
                .blocked_by
                .iter()
                .map(i32::to_string)
                .collect::<Vec<_>>()
                .join(",");
            let cells = vec![
                Cell::from(session.pid.to_string()),
                Cell::from(truncate(&session.user, cut(1))),
                Cell::from(truncate(&session.database, cut(2))),
                Cell::from(session.state.label()).style(style),
                Cell::from(duration(Duration::from_secs_f64(
                    session_seconds(session).max(0.0),
                ))),
                Cell::from(truncate(
                    session.wait_event.as_deref().unwrap_or(""),
                    cut(5),
                )),
                Cell::from(blocked_by),
                Cell::from(truncate(
                    &session.query.replace(['\n', '\r', '\t'], " "),
                    query_width,
                )),
            ];
            let row_style = if Some(session.pid) == selected {
                ctx.theme.selected
            } else {
                Style::default()
            };
            (cells, row_style)
        })
        .collect();
    Widget::render(fitted_table(&columns, &kept, rows, ctx), table_area, buffer);
}
