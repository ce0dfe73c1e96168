//! A runbook's steps as a table: each with its tick (who, when, the note), its automatic check's
//! last result, and the selected step's details below when asked for.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{
    Block, BorderType, Paragraph, Row, StatefulWidget, Table, TableState, Widget, Wrap,
};

use crate::command::Toward;
use crate::runbook::check::CheckOutcome;
use crate::runbook::log::{Entry, EntryKind, StepState};
use crate::runbook::model::{Check, Runbook, Step};
use crate::runbook::toward::scope;
use crate::state::runbook::{RunbookState, RunbookView};
use crate::ui::format::truncate;
use crate::ui::{RenderCtx, format, list};

/// Draws the shown runbook's steps (the checklist's or the procedure's), or says why none.
pub fn render(
    buffer: &mut Buffer,
    area: Rect,
    runbook: &RunbookState,
    title: Option<Line<'static>>,
    ctx: &RenderCtx,
) {
    let Some((shown, toward)) = runbook.shown(ctx.now) else {
        let block = super::frame(
            Line::styled(" Runbook ", ctx.theme.title),
            runbook,
            area.width,
            ctx,
        );
        block.render(area, buffer);
        let note = match runbook.view {
            RunbookView::Procedure => "no procedure is open: b on a firing alert opens its own",
            _ => "no checklist is loaded",
        };
        list::render_empty_note(buffer, area, note, ctx);
        return;
    };
    let heading = title.unwrap_or_else(|| heading(runbook, shown, &toward, ctx));
    let detail_height = if runbook.show_detail {
        (area.height / 2).max(6).min(area.height.saturating_sub(4))
    } else {
        0
    };
    let [list_area, detail_area] =
        Layout::vertical([Constraint::Min(0), Constraint::Length(detail_height)]).areas(area);
    let scope = scope(&toward);
    let cells: Vec<StepCells> = shown
        .steps
        .iter()
        .map(|step| {
            let tick = runbook.log.tick(&shown.name, &step.id, &scope);
            let by = tick.map_or(String::new(), |(entry, _)| {
                format!("{} {}", entry.operator, super::when(entry.at, ctx))
            });
            StepCells {
                mark: mark(tick.map(|(_, state)| state), ctx),
                title: step.title.clone(),
                check: check_cell(runbook, shown, step, ctx),
                by,
                note: tick.map_or("", |(entry, _)| note_of(entry)).to_string(),
            }
        })
        .collect();
    let widths = column_widths(list_area.width.saturating_sub(2), &cells);
    // Cut with `…`, so that a cut reason never reads as another value.
    let fit = |text: &str, column: usize| format::truncate(text, usize::from(widths[column]));
    let rows: Vec<Row> = cells
        .into_iter()
        .map(|cells| {
            Row::new(vec![
                Line::styled(cells.mark.0, cells.mark.1),
                Line::raw(fit(&cells.title, 1)),
                Line::styled(fit(&cells.check.0, 2), cells.check.1),
                Line::styled(cells.by, ctx.theme.muted),
                Line::raw(fit(&cells.note, 4)),
            ])
        })
        .collect();
    let table = Table::new(rows, widths.map(Constraint::Length))
        .header(Row::new(["", "STEP", "CHECK", "TICKED", "NOTE"]).style(ctx.theme.table_header))
        .block(super::frame(heading, runbook, area.width, ctx))
        .row_highlight_style(ctx.theme.selected)
        .column_spacing(1);
    let mut table_state = TableState::default().with_selected(Some(runbook.selected));
    StatefulWidget::render(table, list_area, buffer, &mut table_state);
    if let Some(step) = shown
        .steps
        .get(runbook.selected)
        .filter(|_| detail_height > 0)
    {
        render_detail(buffer, detail_area, runbook, shown, step, &scope, ctx);
    }
}

/// One step's row, before the columns are measured.
struct StepCells {
    mark: (&'static str, ratatui::style::Style),
    title: String,
    check: (String, ratatui::style::Style),
    by: String,
    note: String,
}

/// The step and who ticked it take what they hold, up to a share of `width` each; the check's
/// result (the reason a step failed) comes next, cut before a note only past a fifth of `width`;
/// the note gets the rest. In the columns' order, the mark's first.
fn column_widths(width: u16, cells: &[StepCells]) -> [u16; 5] {
    // Counted in characters, as `fit` cuts them.
    let widest = |title: &str, text: &dyn Fn(&StepCells) -> &str, max: u16| {
        format::content_width(title, cells.iter().map(text), usize::from(max)) as u16
    };
    let step = widest("STEP", &|c| &c.title, width / 3);
    let ticked = widest("TICKED", &|c| &c.by, 18);
    let note = widest("NOTE", &|c| &c.note, width / 5);
    let spacing = 4;
    let room = width.saturating_sub(spacing + 1 + step + ticked + note);
    let check = widest("CHECK", &|c| &c.check.0, room);
    let note = width.saturating_sub(spacing + 1 + step + check + ticked);
    [1, step, check, ticked, note]
}

/// ` Daily checks · 2026-12-07 · 4/7 · overdue: 2026-12-06 left open `.
fn heading(
    runbook: &RunbookState,
    shown: &Runbook,
    toward: &Toward,
    ctx: &RenderCtx,
) -> Line<'static> {
    let progress = runbook.log.progress(shown, &scope(toward));
    let mut spans = vec![Span::styled(format!(" {} ", shown.title), ctx.theme.title)];
    if let Toward::Period(period) = toward {
        let when = if runbook.back == 0 {
            String::new()
        } else {
            format!(" ({} back)", runbook.back)
        };
        spans.push(Span::styled(format!("{period}{when} · "), ctx.theme.muted));
    }
    let style = if progress.complete() {
        ctx.theme.ok
    } else {
        ctx.theme.text
    };
    spans.push(Span::styled(format!("{progress} "), style));
    let status = runbook.status(shown, ctx.now).filter(|_| runbook.back == 0);
    if let Some(overdue) = status.and_then(|s| s.overdue_period) {
        spans.push(Span::styled(
            format!("· overdue: {overdue} left open "),
            ctx.theme.crit,
        ));
    } else if runbook.back > 0
        && !progress.complete()
        && let Toward::Period(_) = toward
    {
        spans.push(Span::styled("· left open ", ctx.theme.warn));
    }
    Line::from(spans)
}

fn mark(state: Option<StepState>, ctx: &RenderCtx) -> (&'static str, ratatui::style::Style) {
    match state {
        Some(StepState::Done) => ("✔", ctx.theme.ok),
        Some(StepState::Skipped) => ("»", ctx.theme.muted),
        Some(StepState::Failed) => ("✖", ctx.theme.crit),
        Some(StepState::Open) | None => ("·", ctx.theme.muted),
    }
}

fn note_of(entry: &Entry) -> &str {
    match &entry.kind {
        EntryKind::Tick { note, .. } => note,
        _ => "",
    }
}

/// The automatic check's last result and when, `manual` for a step without one.
fn check_cell(
    runbook: &RunbookState,
    shown: &Runbook,
    step: &Step,
    ctx: &RenderCtx,
) -> (String, ratatui::style::Style) {
    if step.check.is_none() {
        return (String::new(), ctx.theme.muted);
    }
    let key = (shown.name.clone(), step.id.clone());
    match runbook.checks.get(&key) {
        Some(result) => {
            // When first: a narrow column cuts the reason, never how fresh it is.
            let ago = super::ago(result.checked_at, ctx);
            match &result.outcome {
                CheckOutcome::Pass => (format!("✔ {ago} · ok"), ctx.theme.ok),
                CheckOutcome::Fail(why) => (format!("✖ {ago} · {why}"), ctx.theme.crit),
                CheckOutcome::Unknown(why) => (format!("? {ago} · {why}"), ctx.theme.muted),
            }
        }
        None => ("… pending".into(), ctx.theme.muted),
    }
}

/// What a check looks at, in words.
pub fn check_words(check: &Check) -> String {
    match check {
        Check::Expr(condition) => format!("holds: {condition}"),
        Check::NoAlerts(rules) => format!("not firing: {}", rules.join(", ")),
        Check::Up { kind, name } => format!("up: {} {name}", kind.label()),
        Check::Logs {
            containers,
            tail,
            pattern,
        } => format!("last {tail} log lines of {containers} do not match /{pattern}/"),
        Check::Command { argv, timeout } => format!(
            "command `{}` exits 0 within {}",
            argv.join(" "),
            crate::duration::shown(*timeout)
        ),
    }
}

fn render_detail(
    buffer: &mut Buffer,
    area: Rect,
    runbook: &RunbookState,
    shown: &Runbook,
    step: &Step,
    scope: &crate::runbook::log::Scope,
    ctx: &RenderCtx,
) {
    let mut lines: Vec<Line> = step
        .details
        .lines()
        .map(|line| Line::raw(line.to_string()))
        .collect();
    if let Some(check) = &step.check {
        let auto = if step.auto { " (auto)" } else { "" };
        lines.push(Line::styled(
            format!("check{auto}: {}", check_words(check)),
            ctx.theme.muted,
        ));
    }
    if let Some(action) = &step.action {
        lines.push(Line::styled(
            format!("action (a): {}", action.describe()),
            ctx.theme.accent,
        ));
    }
    for (entry, state) in runbook.log.history(&shown.name, &step.id, scope) {
        let note = note_of(entry);
        let note = if note.is_empty() {
            String::new()
        } else {
            format!(": {note}")
        };
        lines.push(Line::styled(
            format!(
                "{} {} by {}{note}",
                super::when(entry.at, ctx),
                state.label(),
                entry.operator
            ),
            ctx.theme.muted,
        ));
    }
    let title = truncate(&step.title, usize::from(area.width.saturating_sub(4)));
    let block = Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(ctx.theme.border)
        .title(Span::styled(format!(" {title} "), ctx.theme.title));
    Paragraph::new(lines)
        .block(block)
        .wrap(Wrap { trim: false })
        .render(area, buffer);
}
