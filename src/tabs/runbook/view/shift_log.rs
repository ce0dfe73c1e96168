//! The shift log of a day: the notes, ticks and actions of every console on the shared log,
//! newest first, with the time and the operator; the duty log the roster asks for.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Row, StatefulWidget, Table, TableState};

use crate::runbook::log::{Entry, EntryKind, Scope};
use crate::runbook::model::Cadence;
use crate::state::runbook::RunbookState;
use crate::ui::{RenderCtx, list};

pub fn render(buffer: &mut Buffer, area: Rect, runbook: &RunbookState, ctx: &RenderCtx) {
    let entries = runbook.shift_log(ctx.now);
    let day = runbook.period(Cadence::Daily, ctx.now);
    let heading = Line::from(vec![
        Span::styled(" Shift log ", ctx.theme.title),
        Span::styled(
            format!("{day} · {} entries · n adds a note ", entries.len()),
            ctx.theme.muted,
        ),
    ]);
    let rows: Vec<Row> = entries
        .iter()
        .map(|entry| {
            let (kind, text) = describe(entry);
            Row::new(vec![
                Line::raw(
                    entry
                        .at
                        .with_timezone(&ctx.offset)
                        .format("%H:%M")
                        .to_string(),
                ),
                Line::styled(entry.operator.clone(), ctx.theme.muted),
                Line::styled(kind, ctx.theme.accent),
                Line::raw(text),
            ])
        })
        .collect();
    let empty = rows.is_empty();
    let table = Table::new(
        rows,
        [
            Constraint::Length(5),
            Constraint::Length(10),
            Constraint::Length(7),
            Constraint::Fill(1),
        ],
    )
    .header(Row::new(["TIME", "OPERATOR", "WHAT", ""]).style(ctx.theme.table_header))
    .block(super::frame(heading, runbook, area.width, ctx))
    .row_highlight_style(ctx.theme.selected)
    .column_spacing(1);
    let mut table_state = TableState::default().with_selected(Some(runbook.selected));
    StatefulWidget::render(table, area, buffer, &mut table_state);
    if empty {
        list::render_empty_note(buffer, area, "nothing logged this day yet", ctx);
    }
}

/// The kind of entry and what it says.
fn describe(entry: &Entry) -> (&'static str, String) {
    match &entry.kind {
        EntryKind::Note { text, incident } => {
            let about = incident
                .as_ref()
                .map(|i| format!(" (for {})", i.alert.name()))
                .unwrap_or_default();
            ("note", format!("{text}{about}"))
        }
        EntryKind::Tick {
            runbook,
            step,
            scope,
            state,
            note,
        } => {
            let note = if note.is_empty() {
                String::new()
            } else {
                format!(" — {note}")
            };
            (
                "tick",
                format!(
                    "{runbook}/{step} {}{}{note}",
                    state.label(),
                    scope_words(scope)
                ),
            )
        }
        EntryKind::Action {
            runbook,
            step,
            scope,
            action,
            target,
            outcome,
        } => (
            "action",
            format!(
                "{action} {target}: {outcome} ({runbook}/{step}{})",
                scope_words(scope)
            ),
        ),
    }
}

/// ` for DiskSpaceLow{…}` for an incident; nothing for a period (the row's day says it).
fn scope_words(scope: &Scope) -> String {
    match scope {
        Scope::Period(_) => String::new(),
        Scope::Incident(incident) => format!(" for {}", incident.alert.name()),
    }
}
