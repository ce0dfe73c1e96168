//! Overlays drawn over the tabs: toasts, the help overlay and the confirmation dialog.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Clear, Paragraph, Widget, Wrap};
use strum::IntoEnumIterator;

use crate::action::Action;
use crate::config::keymap::Context;
use crate::state::{AppState, ConfirmDialog, Overlay, ToastKind};
use crate::ui::format::truncate;
use crate::ui::layout::centered;
use crate::ui::{RenderCtx, row_at};

/// Toasts stack up from the bottom-right corner of the body, newest at the bottom; a toast wider
/// than the room wraps onto more rows, so its whole text shows.
pub fn render_toasts(buffer: &mut Buffer, body: Rect, state: &AppState, ctx: &RenderCtx) {
    let max_width = body.width.saturating_sub(2).min(100) as usize;
    let mut bottom = body.bottom();
    for toast in state.toasts.iter().rev() {
        let (symbol, style) = match toast.kind {
            ToastKind::Ok => ("✔", ctx.theme.toast_ok),
            ToastKind::Error => ("✖", ctx.theme.toast_error),
            ToastKind::Info => ("ℹ", ctx.theme.dialog),
        };
        // ` ✔ ` before the text and a space after it.
        let lines = wrap(&toast.text, max_width.saturating_sub(4));
        let width = lines.iter().map(|l| l.chars().count()).max().unwrap_or(0) + 4;
        let x = body.right().saturating_sub(width as u16 + 1);
        let top = bottom.saturating_sub(lines.len() as u16);
        for (i, line) in lines.iter().enumerate() {
            let y = top + i as u16;
            if y < body.y {
                continue;
            }
            let lead = if i == 0 {
                format!(" {symbol} ")
            } else {
                "   ".into()
            };
            let text = truncate(&format!("{lead}{line:<0$} ", width - 4), width);
            let area = row_at(body, x, y, width as u16);
            Clear.render(area, buffer);
            Span::styled(text, style).render(area, buffer);
        }
        if top <= body.y {
            break;
        }
        bottom = top;
    }
}

pub fn render_overlay(buffer: &mut Buffer, area: Rect, state: &AppState, ctx: &RenderCtx) {
    match &state.overlay {
        Overlay::Help => render_help(buffer, area, state, ctx),
        Overlay::Confirm(dialog) => render_confirm(buffer, area, dialog, ctx),
        Overlay::None | Overlay::Filter => {}
    }
}

/// One row of the help before it is laid out.
#[derive(Debug, Clone, PartialEq, Eq)]
enum HelpRow {
    Heading(String),
    Blank,
    Entry {
        keys: String,
        description: &'static str,
    },
}

/// The rows of one context's section: a heading, then the keys the mode offers and what they
/// do. The six "go to tab" actions share one row when each has a key.
fn help_section(
    heading: String,
    context: Context,
    state: &AppState,
    ctx: &RenderCtx,
) -> Vec<HelpRow> {
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
    let mut rows = vec![HelpRow::Heading(heading)];
    for action in Action::iter().filter(|a| super::shell::mode_offers(state, *a)) {
        if grouped && goto.contains(&action) {
            if action == Action::GotoResources {
                rows.push(HelpRow::Entry {
                    keys: goto_keys.join(" "),
                    description: "go to tab by number",
                });
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
            rows.push(HelpRow::Entry {
                keys: keys.join(", "),
                description: action.description(),
            });
        }
    }
    rows
}

/// Space before the keys, and between the keys and the description.
const KEYS_INDENT: usize = 1;
const KEYS_GAP: usize = 2;
/// Between the two columns of the help.
const COLUMN_GAP: usize = 2;
/// The narrowest description column worth laying out.
const MIN_DESCRIPTION: usize = 12;

/// Words of `text` in lines of at most `width` characters; a longer word is split.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split(' ') {
        let mut word: Vec<char> = word.chars().collect();
        let line_width = line.chars().count();
        if line_width > 0 && line_width + 1 + word.len() <= width {
            line.push(' ');
            line.extend(word);
            continue;
        }
        if line_width > 0 {
            lines.push(std::mem::take(&mut line));
        }
        while word.len() > width {
            lines.push(word.drain(..width).collect());
        }
        line = word.into_iter().collect();
    }
    lines.push(line);
    lines
}

/// One column of the help: its rows and the width of its keys.
struct HelpColumn {
    rows: Vec<HelpRow>,
    keys_width: usize,
}

impl HelpColumn {
    fn new(rows: Vec<HelpRow>) -> Self {
        let keys_width = rows
            .iter()
            .map(|row| match row {
                HelpRow::Entry { keys, .. } => keys.chars().count(),
                _ => 0,
            })
            .max()
            .unwrap_or(0);
        Self { rows, keys_width }
    }

    /// The width that shows every row on one line.
    fn natural_width(&self) -> usize {
        self.rows
            .iter()
            .map(|row| match row {
                HelpRow::Heading(text) => text.chars().count(),
                HelpRow::Blank => 0,
                HelpRow::Entry { description, .. } => {
                    KEYS_INDENT + self.keys_width + KEYS_GAP + description.chars().count()
                }
            })
            .max()
            .unwrap_or(0)
    }

    /// The narrowest width worth a column of its own: the shortest description column beside
    /// keys no wider than it.
    fn min_width(&self) -> usize {
        KEYS_INDENT + self.keys_width.min(MIN_DESCRIPTION) + KEYS_GAP + MIN_DESCRIPTION
    }

    /// The column's lines at `width`, keys and descriptions wrapped in their own columns.
    fn lines(&self, width: usize, ctx: &RenderCtx) -> Vec<Line<'static>> {
        let keys_width = self
            .keys_width
            .min(width.saturating_sub(KEYS_INDENT + KEYS_GAP) / 2)
            .max(1);
        let text_width = width.saturating_sub(KEYS_INDENT + keys_width + KEYS_GAP);
        let mut lines = Vec::new();
        for row in &self.rows {
            match row {
                HelpRow::Heading(text) => {
                    lines.extend(
                        wrap(text, width)
                            .into_iter()
                            .map(|l| Line::styled(l, ctx.theme.title)),
                    );
                }
                HelpRow::Blank => lines.push(Line::raw("")),
                HelpRow::Entry { keys, description } => {
                    let keys = wrap(keys, keys_width);
                    let text = wrap(description, text_width);
                    for i in 0..keys.len().max(text.len()) {
                        let key = keys.get(i).map_or("", String::as_str);
                        lines.push(Line::from(vec![
                            Span::styled(
                                format!(
                                    "{}{key:<keys_width$}{}",
                                    " ".repeat(KEYS_INDENT),
                                    " ".repeat(KEYS_GAP)
                                ),
                                ctx.theme.accent,
                            ),
                            Span::styled(
                                text.get(i).cloned().unwrap_or_default(),
                                ctx.theme.dialog,
                            ),
                        ]));
                    }
                }
            }
        }
        lines
    }
}

/// The help laid out in the width it has: one or two columns of lines.
struct HelpLayout {
    left: Vec<Line<'static>>,
    /// Empty when everything is in one column.
    right: Vec<Line<'static>>,
    left_width: usize,
    width: usize,
}

impl HelpLayout {
    fn new(left: &HelpColumn, right: &HelpColumn, inner_width: usize, ctx: &RenderCtx) -> Self {
        let two = |left_width: usize, right_width: usize| Self {
            left: left.lines(left_width, ctx),
            right: right.lines(right_width, ctx),
            left_width,
            width: left_width + COLUMN_GAP + right_width,
        };
        let (natural_left, natural_right) = (left.natural_width(), right.natural_width());
        if natural_left + COLUMN_GAP + natural_right <= inner_width {
            return two(natural_left, natural_right);
        }
        let shared = inner_width.saturating_sub(COLUMN_GAP);
        if left.min_width() + right.min_width() <= shared {
            // The split of the width that makes the help shortest, then wraps the fewest lines,
            // then leaves the left column (the keys of where the user is) widest.
            let best = (left.min_width()..=shared - right.min_width())
                .map(|left_width| {
                    let left_lines = left.lines(left_width, ctx).len();
                    let right_lines = right.lines(shared - left_width, ctx).len();
                    (
                        left_lines.max(right_lines),
                        left_lines + right_lines,
                        std::cmp::Reverse(left_width),
                    )
                })
                .min();
            if let Some((_, _, std::cmp::Reverse(left_width))) = best {
                return two(left_width, shared - left_width);
            }
        }
        let width = natural_left.max(natural_right).min(inner_width);
        let mut lines = left.lines(width, ctx);
        lines.push(Line::raw(""));
        lines.extend(right.lines(width, ctx));
        Self {
            left: lines,
            right: Vec::new(),
            left_width: width,
            width,
        }
    }

    fn height(&self) -> usize {
        self.left.len().max(self.right.len())
    }
}

/// Every binding of the contexts that matter here, generated from the keymap: the tab's and the
/// dialog's on the left, the global ones on the right; one column when two do not fit, and
/// scrolled with the selection keys when it is taller than the screen.
fn render_help(buffer: &mut Buffer, area: Rect, state: &AppState, ctx: &RenderCtx) {
    let context = crate::tabs::key_context(state);
    let heading = if context == Context::Logs {
        "Container logs".to_string()
    } else {
        state.tab.title().to_string()
    };
    // As the footer: what the mode would refuse is not offered, nor the confirmation it needs.
    let refused = state.mode.refusal();
    let mut left = help_section(heading, context, state, ctx);
    if refused.is_none() {
        if !left.is_empty() {
            left.push(HelpRow::Blank);
        }
        left.extend(help_section(
            "In a confirmation".into(),
            Context::Dialog,
            state,
            ctx,
        ));
    }
    let left = HelpColumn::new(left);
    let right = HelpColumn::new(help_section(
        "Everywhere".into(),
        Context::Global,
        state,
        ctx,
    ));
    let inner_width = usize::from(area.width.saturating_sub(2));
    let layout = HelpLayout::new(&left, &right, inner_width, ctx);
    let content = layout.height();
    let visible = content.min(usize::from(area.height.saturating_sub(2)));
    let scroll = state.help_scroll.min(content - visible);
    let popup = centered(area, layout.width as u16 + 2, visible as u16 + 2);
    Clear.render(popup, buffer);
    let mut block = Block::bordered()
        .border_type(BorderType::Rounded)
        .title(Span::styled(" Keys · ? or esc closes ", ctx.theme.title))
        .title_bottom(Span::styled(
            format!(" keymap: {} ", ctx.keymap.name),
            ctx.theme.muted,
        ))
        .style(ctx.theme.dialog)
        .border_style(ctx.theme.border);
    if refused.is_some() {
        let note = Line::styled(" read-only: no actions ", ctx.theme.warn);
        block = block.title(note.right_aligned());
    }
    if visible < content {
        let more = match (scroll > 0, scroll + visible < content) {
            (true, true) => " ↑↓ j/k more ",
            (false, _) => " ↓ j/k more ",
            (true, false) => " ↑ j/k more ",
        };
        block = block.title_bottom(Line::styled(more, ctx.theme.accent).right_aligned());
    }
    let inner = block.inner(popup);
    block.render(popup, buffer);
    let [left_area, _, right_area] = Layout::horizontal([
        Constraint::Length(layout.left_width as u16),
        Constraint::Length(COLUMN_GAP as u16),
        Constraint::Fill(1),
    ])
    .areas(inner);
    for (lines, column) in [(layout.left, left_area), (layout.right, right_area)] {
        let lines: Vec<Line> = lines.into_iter().skip(scroll).take(visible).collect();
        Paragraph::new(lines).render(column, buffer);
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
    let width = 66.min(area.width.saturating_sub(2));
    let text_width = width.saturating_sub(4).max(1) as usize;
    let mut lines: Vec<Line> = dialog
        .lines
        .iter()
        .map(|l| Line::styled(l.clone(), ctx.theme.dialog))
        .collect();
    lines.push(Line::raw(""));
    // A typed confirmation takes every character as text: only enter and esc decide.
    let (confirm_keys, cancel_keys) = match &dialog.typed {
        Some(typed) => {
            let matches = typed.expected.as_ref() == Some(&typed.typed);
            let label = if typed.expected.is_some() {
                "name: "
            } else {
                "note: "
            };
            let check = if matches { "  ✔" } else { "" };
            // One row: what is typed scrolls so the cursor stays in view, its start cut with `…`.
            let room = text_width.saturating_sub(label.len() + 1 + check.chars().count());
            let count = typed.typed.chars().count();
            let shown = if count > room {
                let tail: String = typed.typed.chars().skip(count + 1 - room.max(1)).collect();
                format!("…{tail}")
            } else {
                typed.typed.clone()
            };
            lines.insert(
                lines.len() - 1,
                Line::from(vec![
                    Span::styled(label, ctx.theme.muted),
                    Span::styled(format!("{shown}█"), ctx.theme.filter),
                    Span::styled(check, ctx.theme.ok),
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
