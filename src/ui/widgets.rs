//! Overlays drawn over the tabs: toasts, the help overlay and the confirmation dialog.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Clear, Paragraph, Widget, Wrap};
use strum::IntoEnumIterator;

use super::RenderCtx;
use super::format::truncate;
use super::layout::centered;
use crate::action::Action;
use crate::config::keymap::Context;
use crate::state::{AppState, ConfirmDialog, Overlay, ToastKind};

/// Toasts stack up from the bottom-right corner of the body, newest at the bottom.
pub fn render_toasts(buffer: &mut Buffer, body: Rect, state: &AppState, ctx: &RenderCtx) {
    let max_width = body.width.saturating_sub(2).min(100) as usize;
    for (row, toast) in state.toasts.iter().rev().enumerate() {
        let y = body.bottom().saturating_sub(1 + row as u16);
        if y < body.y {
            break;
        }
        let (symbol, style) = match toast.kind {
            ToastKind::Ok => ("✔", ctx.theme.toast_ok),
            ToastKind::Error => ("✖", ctx.theme.toast_error),
            ToastKind::Info => ("ℹ", ctx.theme.dialog),
        };
        let text = truncate(&format!(" {symbol} {} ", toast.text), max_width);
        let width = text.chars().count() as u16;
        let x = body.right().saturating_sub(width + 1);
        let area = Rect {
            x,
            y,
            width,
            height: 1,
        };
        Clear.render(area, buffer);
        buffer.set_stringn(x, y, &text, width as usize, style);
    }
}

pub fn render_overlay(buffer: &mut Buffer, area: Rect, state: &AppState, ctx: &RenderCtx) {
    match &state.overlay {
        Overlay::Help => render_help(buffer, area, state, ctx),
        Overlay::Confirm(dialog) => render_confirm(buffer, area, dialog, ctx),
        Overlay::None | Overlay::Filter => {}
    }
}

/// The lines of one context's section: a heading, then keys and what they do. The six "go to
/// tab" actions share one line when each has a key.
fn help_section<'a>(heading: String, context: Context, ctx: &RenderCtx) -> Vec<Line<'a>> {
    let bindings = ctx.keymap.bindings(context);
    if bindings.is_empty() {
        return Vec::new();
    }
    let goto = [
        Action::GotoResources,
        Action::GotoContainers,
        Action::GotoAlerts,
        Action::GotoDatabases,
        Action::GotoEndpoints,
        Action::GotoRunbook,
    ];
    let goto_keys: Vec<String> = goto
        .iter()
        .filter_map(|a| {
            ctx.keymap
                .keys(context, *a)
                .first()
                .map(ToString::to_string)
        })
        .collect();
    let grouped = goto_keys.len() == goto.len();
    let line = |keys: String, description: &'static str| {
        Line::from(vec![
            Span::styled(format!(" {:<13}", truncate(&keys, 12)), ctx.theme.accent),
            Span::styled(description, ctx.theme.dialog),
        ])
    };
    let mut lines = vec![Line::styled(heading, ctx.theme.title)];
    for action in Action::iter() {
        if grouped && goto.contains(&action) {
            if action == Action::GotoResources {
                lines.push(line(goto_keys.join(" "), "go to tab by number"));
            }
            continue;
        }
        let keys: Vec<String> = ctx
            .keymap
            .keys(context, action)
            .iter()
            .map(ToString::to_string)
            .collect();
        if !keys.is_empty() {
            lines.push(line(keys.join(", "), action.description()));
        }
    }
    lines
}

/// Every binding of the contexts that matter here, generated from the keymap: the tab's and the
/// dialog's on the left, the global ones on the right.
fn render_help(buffer: &mut Buffer, area: Rect, state: &AppState, ctx: &RenderCtx) {
    let context = state.key_context();
    let heading = if context == Context::Logs {
        "Container logs".to_string()
    } else {
        state.tab.title().to_string()
    };
    let mut left = help_section(heading, context, ctx);
    if !left.is_empty() {
        left.push(Line::raw(""));
    }
    left.extend(help_section(
        "In a confirmation".into(),
        Context::Dialog,
        ctx,
    ));
    let right = help_section("Everywhere".into(), Context::Global, ctx);
    let two_columns = area.width >= 64;
    let height = if two_columns {
        left.len().max(right.len())
    } else {
        left.len() + right.len() + 1
    } as u16
        + 2;
    let popup = centered(
        area,
        if two_columns { 84 } else { 44 },
        height.min(area.height),
    );
    Clear.render(popup, buffer);
    let block = Block::bordered()
        .border_type(BorderType::Rounded)
        .title(Span::styled(" Keys · ? or esc closes ", ctx.theme.title))
        .title_bottom(Span::styled(
            format!(" keymap: {} ", ctx.keymap.name),
            ctx.theme.muted,
        ))
        .style(ctx.theme.dialog)
        .border_style(ctx.theme.border);
    let inner = block.inner(popup);
    block.render(popup, buffer);
    if two_columns {
        let [left_area, right_area] =
            Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)])
                .areas(inner);
        Paragraph::new(left).render(left_area, buffer);
        Paragraph::new(right).render(right_area, buffer);
    } else {
        left.push(Line::raw(""));
        left.extend(right);
        Paragraph::new(left).render(inner, buffer);
    }
}

fn render_confirm(buffer: &mut Buffer, area: Rect, dialog: &ConfirmDialog, ctx: &RenderCtx) {
    let keys = |action: Action| -> String {
        let keys: Vec<String> = ctx
            .keymap
            .keys(Context::Dialog, action)
            .iter()
            .map(ToString::to_string)
            .collect();
        keys.join("/")
    };
    let mut lines: Vec<Line> = dialog
        .lines
        .iter()
        .map(|l| Line::styled(l.clone(), ctx.theme.dialog))
        .collect();
    lines.push(Line::raw(""));
    // A typed confirmation takes every character as text: only enter and esc decide.
    let (confirm_keys, cancel_keys) = match &dialog.typed {
        Some(typed) => {
            let matches = typed.typed == typed.expected;
            lines.insert(
                lines.len() - 1,
                Line::from(vec![
                    Span::styled("name: ", ctx.theme.muted),
                    Span::styled(format!("{}█", typed.typed), ctx.theme.filter),
                    Span::styled(if matches { "  ✔" } else { "" }, ctx.theme.ok),
                ]),
            );
            ("enter".to_string(), "esc".to_string())
        }
        None => (keys(Action::Confirm), keys(Action::Cancel)),
    };
    lines.push(Line::from(vec![
        Span::styled(
            format!(" {confirm_keys} "),
            ctx.theme.dialog_danger.patch(ctx.theme.tab_active),
        ),
        Span::styled(" confirm    ", ctx.theme.dialog),
        Span::styled(format!(" {cancel_keys} "), ctx.theme.accent),
        Span::styled(" cancel", ctx.theme.dialog),
    ]));
    let width = 66.min(area.width.saturating_sub(2));
    let text_width = width.saturating_sub(4).max(1) as usize;
    let wrapped: u16 = dialog
        .lines
        .iter()
        .map(|l| l.chars().count().div_ceil(text_width).max(1) as u16)
        .sum();
    let popup = centered(area, width, wrapped + 4 + u16::from(dialog.typed.is_some()));
    Clear.render(popup, buffer);
    let block = Block::bordered()
        .border_type(BorderType::Double)
        .title(Span::styled(
            format!(" ⚠ {} ", dialog.title),
            ctx.theme.dialog_danger,
        ))
        .style(ctx.theme.dialog)
        .border_style(ctx.theme.dialog_danger);
    Paragraph::new(lines)
        .wrap(Wrap { trim: false })
        .block(block)
        .render(popup, buffer);
}
