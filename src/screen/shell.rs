//! The frame around every tab: header, tab bar and footer hints.

use std::collections::BTreeMap;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};

use crate::action::Action;
use crate::alerts::rule::Priority;
use crate::command::Mode;
use crate::config::key::KeyChord;
use crate::config::keymap::Context;
use crate::findings::Severity;
use crate::state::source::SourceStatus;
use crate::state::{AppState, Overlay};
use crate::ui::format::truncate;
use crate::ui::layout::{padded_tabs, tab_label, tab_spans};
use crate::ui::{RenderCtx, row_at, severity_style};

/// What the header's top line shows; the narrower the screen, the less (see [`HEADER_STEPS`]).
#[derive(Debug, Clone, Copy)]
struct HeaderParts {
    date: bool,
    uptime: bool,
    source_names: bool,
    clock: bool,
    host: bool,
    /// The daily checklists' progress (`daily 4/7`).
    checklist: bool,
    sources: bool,
}

/// The header's top line from the widest to the narrowest: each step drops or shortens the least
/// important part left. The title and the mode badge always stay.
const HEADER_STEPS: [HeaderParts; 8] = {
    let full = HeaderParts {
        date: true,
        uptime: true,
        source_names: true,
        clock: true,
        host: true,
        checklist: true,
        sources: true,
    };
    let time_only = HeaderParts {
        date: false,
        ..full
    };
    let no_uptime = HeaderParts {
        uptime: false,
        ..time_only
    };
    let bare_sources = HeaderParts {
        source_names: false,
        ..no_uptime
    };
    let no_clock = HeaderParts {
        clock: false,
        ..bare_sources
    };
    let no_host = HeaderParts {
        host: false,
        ..no_clock
    };
    let no_checklist = HeaderParts {
        checklist: false,
        ..no_host
    };
    let no_sources = HeaderParts {
        sources: false,
        ..no_checklist
    };
    [
        full,
        time_only,
        no_uptime,
        bare_sources,
        no_clock,
        no_host,
        no_checklist,
        no_sources,
    ]
};

fn clock(ctx: &RenderCtx, date: bool) -> String {
    let format = if date {
        "%Y-%m-%d %H:%M:%S"
    } else {
        "%H:%M:%S"
    };
    ctx.now
        .with_timezone(&ctx.offset)
        .format(format)
        .to_string()
}

fn source_dots<'a>(state: &'a AppState, ctx: &RenderCtx, names: bool) -> Vec<Span<'a>> {
    let mut spans = Vec::new();
    for source in &state.sources {
        let (symbol, style) = match source.status {
            SourceStatus::Ok { .. } => ("●", ctx.theme.ok),
            SourceStatus::Connecting => ("◌", ctx.theme.muted),
            SourceStatus::Stale { .. } => ("◐", ctx.theme.stale),
            SourceStatus::Down { .. } => ("✖", ctx.theme.crit),
        };
        spans.push(Span::styled(
            format!("{symbol} "),
            ctx.theme.header.patch(style),
        ));
        if names {
            spans.push(Span::raw(format!("{}  ", source.name)));
        }
    }
    if !names && !spans.is_empty() {
        spans.push(Span::raw(" "));
    }
    spans
}

/// The firing alerts nobody has acknowledged (or silenced), counted by priority: on every tab,
/// what still waits for someone. Always kept when the line is narrow.
fn unacknowledged<'a>(state: &AppState, ctx: &RenderCtx) -> Vec<Span<'a>> {
    let mut counts: BTreeMap<Priority, usize> = BTreeMap::new();
    for alert in state
        .alerts
        .firing()
        .filter(|a| a.ack.is_none() && state.alerts.silence_of(&a.key).is_none())
    {
        *counts.entry(alert.priority).or_default() += 1;
    }
    counts
        .into_iter()
        .map(|(priority, count)| {
            Span::styled(
                format!("{priority}×{count} "),
                ctx.theme
                    .header
                    .patch(severity_style(priority.severity(), ctx)),
            )
        })
        .collect()
}

/// The daily checklists' progress today, on every tab: `daily 4/7`, `⚠ daily 4/7` when a
/// day's list was left open, so nobody forgets the daily check.
fn daily_progress<'a>(state: &AppState, ctx: &RenderCtx) -> Option<Span<'a>> {
    let (progress, overdue) = state.runbook.daily(ctx.now)?;
    let (text, style) = if overdue {
        (format!("⚠ daily {progress} "), ctx.theme.crit)
    } else if progress.complete() {
        (format!("daily {progress} "), ctx.theme.ok)
    } else {
        (format!("daily {progress} "), ctx.theme.text)
    };
    Some(Span::styled(text, ctx.theme.header.patch(style)))
}

/// The top line's left side (title, host, sources, mode) and right side (uptime, clock).
fn header_line<'a>(
    state: &'a AppState,
    ctx: &RenderCtx,
    parts: HeaderParts,
) -> (Vec<Span<'a>>, String) {
    let mut left = vec![Span::styled(
        " ◆ watchdeck ",
        ctx.theme.header.patch(ctx.theme.title),
    )];
    if parts.host {
        left.push(Span::raw(format!("│ {} │ ", state.host)));
    } else {
        left.push(Span::raw("│ "));
    }
    left.extend(unacknowledged(state, ctx));
    if parts.checklist {
        left.extend(daily_progress(state, ctx));
    }
    if parts.sources {
        left.extend(source_dots(state, ctx, parts.source_names));
    }
    match state.mode {
        Mode::Interactive => {}
        Mode::ReadOnly => left.push(Span::styled(" READ-ONLY ", ctx.theme.warn)),
        Mode::Watch => left.push(Span::styled(" WATCH ", ctx.theme.info)),
    }
    let mut right = Vec::new();
    if let Some(snapshot) = state
        .resources
        .local()
        .latest
        .as_ref()
        .filter(|_| parts.uptime)
    {
        right.push(format!(
            "up {}",
            crate::ui::format::duration(std::time::Duration::from_secs(snapshot.uptime_seconds))
        ));
    }
    if parts.clock {
        right.push(clock(ctx, parts.date));
    }
    let right = if right.is_empty() {
        String::new()
    } else {
        format!("{} ", right.join(" │ "))
    };
    (left, right)
}

pub fn render_header(buffer: &mut Buffer, area: Rect, state: &AppState, ctx: &RenderCtx) {
    buffer.set_style(area, ctx.theme.header);
    let top = Rect { height: 1, ..area };
    // The widest version of the line that fits whole; neither side ever overwrites the other.
    let fits = |(left, right): &(Vec<Span>, String)| {
        let left: usize = left.iter().map(Span::width).sum();
        left + right.chars().count() <= usize::from(top.width)
    };
    let narrowest = HEADER_STEPS[HEADER_STEPS.len() - 1];
    let (left, right) = HEADER_STEPS
        .iter()
        .map(|parts| header_line(state, ctx, *parts))
        .find(fits)
        .unwrap_or_else(|| header_line(state, ctx, narrowest));
    let right_width = (right.chars().count() as u16).min(top.width);
    let right_area = Rect {
        x: top.right() - right_width,
        width: right_width,
        ..top
    };
    Paragraph::new(right)
        .style(ctx.theme.header)
        .render(right_area, buffer);
    let left_area = Rect {
        width: top.width - right_width,
        ..top
    };
    Paragraph::new(Line::from(left))
        .style(ctx.theme.header)
        .render(left_area, buffer);
    if state.mode == Mode::Watch && area.height >= 3 {
        render_watch_status(
            buffer,
            Rect {
                y: area.y + 1,
                height: 2,
                ..area
            },
            state,
            ctx,
        );
    }
}

/// The parts that fit in `width` when joined by `separator`, in their order: the least important
/// ones (the highest `rank`) are left out first.
fn fitting<T>(parts: Vec<(T, usize, usize)>, separator: usize, width: usize) -> Vec<T> {
    let mut by_rank: Vec<usize> = (0..parts.len()).collect();
    by_rank.sort_by_key(|&i| parts[i].1);
    let mut keep = vec![false; parts.len()];
    let mut used = 0;
    for i in by_rank {
        let needed = parts[i].2 + if used == 0 { 0 } else { separator };
        if used + needed <= width {
            used += needed;
            keep[i] = true;
        }
    }
    parts
        .into_iter()
        .zip(keep)
        .filter_map(|((part, _, _), keep)| keep.then_some(part))
        .collect()
}

/// The wall display's big line: all clear, or counts with the worst findings.
fn render_watch_status(buffer: &mut Buffer, area: Rect, state: &AppState, ctx: &RenderCtx) {
    let critical = state
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Critical)
        .count();
    let warning = state
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Warning)
        .count();
    let status = if critical + warning == 0 {
        Line::from(vec![
            Span::styled("  ✔ ALL CLEAR  ", ctx.theme.ok.patch(ctx.theme.header)),
            Span::raw("no findings"),
        ])
    } else {
        let mut spans = vec![Span::raw("  ")];
        if critical > 0 {
            spans.push(Span::styled(
                format!(" ✖ {critical} CRITICAL "),
                ctx.theme.crit,
            ));
            spans.push(Span::raw("  "));
        }
        if warning > 0 {
            spans.push(Span::styled(
                format!(" ▲ {warning} WARNING "),
                ctx.theme.warn,
            ));
            spans.push(Span::raw("  "));
        }
        let room = usize::from(area.width).saturating_sub(spans.iter().map(Span::width).sum());
        spans.push(Span::raw(findings_summary(state, room)));
        Line::from(spans)
    };
    Paragraph::new(status)
        .style(ctx.theme.header)
        .render(Rect { height: 1, ..area }, buffer);
    let second = Rect {
        y: area.y + 1,
        height: 1,
        ..area
    };
    let parts = rotation_parts(state, ctx)
        .into_iter()
        .map(|(part, rank)| {
            let width = part.chars().count();
            (part, rank, width)
        })
        .collect();
    let kept = fitting(parts, 3, usize::from(second.width).saturating_sub(2));
    Paragraph::new(format!("  {}", kept.join(" · ")))
        .style(ctx.theme.header.patch(ctx.theme.muted))
        .render(second, buffer);
}

/// One finding told in full; several named, worst first, as many as fit in `width` and then how
/// many more there are, so none hides another.
fn findings_summary(state: &AppState, width: usize) -> String {
    if let [only] = state.findings.as_slice() {
        return truncate(&format!("{} · {}", only.tab.title(), only.message), width);
    }
    let subjects: Vec<&str> = state.findings.iter().map(|f| f.subject.as_str()).collect();
    for shown in (1..=subjects.len()).rev() {
        let mut text = subjects[..shown].join(" · ");
        if shown < subjects.len() {
            text.push_str(&format!(" · +{} more", subjects.len() - shown));
        }
        if text.chars().count() <= width {
            return text;
        }
    }
    truncate(&format!("+{} findings", subjects.len()), width)
}

/// The second status line's parts, with their rank (0 first kept).
fn rotation_parts(state: &AppState, ctx: &RenderCtx) -> Vec<(String, usize)> {
    let mut parts = vec![("read-only".to_string(), 3)];
    let Some(watch) = &state.watch else {
        return parts;
    };
    let every = humantime::format_duration(watch.every);
    let next = format!(
        "next in {}s",
        (watch.next_at - ctx.now).num_seconds().max(0)
    );
    let rotation = state.rotation();
    let critical = state.tab_severity(state.tab) == Severity::Critical;
    if watch.paused {
        parts.extend([
            ("rotation paused".to_string(), 0),
            ("space resumes".to_string(), 1),
        ]);
    } else if critical && rotation.len() == 1 {
        parts.push((
            format!("holding on {} while it is critical", state.tab.title()),
            0,
        ));
    } else if critical {
        parts.extend([
            (
                format!("{} critical tabs take turns every {every}", rotation.len()),
                0,
            ),
            (next, 1),
            ("space pauses".to_string(), 2),
        ]);
    } else if rotation.len() > 1 {
        parts.extend([
            (format!("rotating every {every}"), 0),
            (next, 1),
            ("space pauses".to_string(), 2),
        ]);
    } else {
        parts.push((
            "one tab to show: configure more sources to rotate".to_string(),
            0,
        ));
    }
    parts
}

pub fn render_tab_bar(buffer: &mut Buffer, area: Rect, state: &AppState, ctx: &RenderCtx) {
    let padded = padded_tabs(area.width);
    for (tab, start, end) in tab_spans(area) {
        if start >= area.right() {
            break;
        }
        let style = if tab == state.tab {
            ctx.theme.tab_active
        } else {
            ctx.theme.tab_inactive
        };
        let label = tab_label(tab, padded);
        let (marker, marker_style) = match state.tab_severity(tab) {
            Severity::Critical => ("✖", ctx.theme.crit),
            Severity::Warning => ("▲", ctx.theme.warn),
            Severity::Ok => (" ", ctx.theme.text),
        };
        Line::from(vec![
            Span::styled(label, style),
            Span::styled(marker, marker_style),
        ])
        .render(row_at(area, start, area.y, end - start), buffer);
    }
}

/// One key hint of the footer.
#[derive(Debug)]
struct Hint {
    keys: String,
    text: &'static str,
    /// Place in the keymap's `footer` priorities; hints without one come after, in order.
    rank: usize,
    /// The help hint, which the marker replaces when hints are left out.
    help: bool,
}

impl Hint {
    fn width(&self) -> usize {
        self.keys.chars().count() + 1 + self.text.chars().count()
    }
}

/// What an action is called in the footer: leaving the log view is closing it.
fn hint_text(context: Context, action: Action) -> Option<&'static str> {
    match (context, action) {
        (Context::Logs, Action::Cancel) => Some("close"),
        _ => action.hint(),
    }
}

/// The key hints of the current context, generated from the keymap, in the keymap's order.
fn hints(state: &AppState, ctx: &RenderCtx) -> Vec<Hint> {
    let fixed = |keys: &str, text: &'static str| Hint {
        keys: keys.into(),
        text,
        rank: 0,
        help: false,
    };
    if let Overlay::Confirm(dialog) = &state.overlay
        && let Some(typed) = &dialog.typed
    {
        let what = if typed.expected.is_some() {
            "the name"
        } else {
            "a note"
        };
        return vec![
            fixed("type", what),
            fixed("enter", "confirm"),
            fixed("esc", "cancel"),
        ];
    }
    let context = match state.overlay {
        Overlay::Confirm(_) => Context::Dialog,
        _ => crate::tabs::key_context(state),
    };
    let contexts: &[Context] = if context == Context::Dialog {
        &[Context::Dialog]
    } else {
        &[context, Context::Global]
    };
    // The tab says what it offers now; the mode hides what it would refuse.
    let shown = |action: Action| crate::tabs::offers(state, action) && mode_offers(state, action);
    let priorities: Vec<Action> = contexts
        .iter()
        .rev()
        .flat_map(|c| ctx.keymap.footer(*c).iter().copied())
        .collect();
    // The first key of each global action with a hint, to tell where the context shadows it.
    let global_keys: Vec<KeyChord> = ctx
        .keymap
        .bindings(Context::Global)
        .iter()
        .filter(|b| b.action.hint().is_some() && shown(b.action))
        .filter_map(|b| b.keys.first().copied())
        .collect();
    let mut hints: Vec<Hint> = Vec::new();
    for hint_context in contexts {
        for binding in ctx.keymap.bindings(*hint_context) {
            let Some(text) = hint_text(context, binding.action) else {
                continue;
            };
            if !shown(binding.action) || hints.iter().any(|h| h.text == text) {
                continue;
            }
            // A global key is offered only where it still means its action; a context key that
            // takes over a global hint's key is named too (q closes the log view, not watchdeck).
            let keys: Vec<String> = if *hint_context == Context::Global {
                binding
                    .keys
                    .iter()
                    .find(|key| ctx.keymap.action_for(context, **key) == Some(binding.action))
                    .map(footer_key)
                    .into_iter()
                    .collect()
            } else {
                binding
                    .keys
                    .iter()
                    .enumerate()
                    .filter(|(i, key)| *i == 0 || global_keys.contains(key))
                    .map(|(_, key)| footer_key(key))
                    .collect()
            };
            if keys.is_empty() {
                continue;
            }
            hints.push(Hint {
                keys: keys.join("/"),
                text,
                rank: priorities
                    .iter()
                    .position(|a| *a == binding.action)
                    .unwrap_or(priorities.len()),
                help: binding.action == Action::Help,
            });
        }
    }
    if context != Context::Dialog {
        let first = ctx
            .keymap
            .keys(Context::Global, Action::GotoResources)
            .first();
        let last = ctx
            .keymap
            .keys(Context::Global, Action::GotoRunbook)
            .first();
        if let (Some(first), Some(last)) = (first, last) {
            hints.push(Hint {
                keys: format!("{first}-{last}"),
                text: "tabs",
                rank: priorities.len(),
                help: false,
            });
        }
    }
    hints
}

/// A key as the footer names it: arrows as arrows, so `→ database` does not read as words.
fn footer_key(key: &KeyChord) -> String {
    match key.to_string().as_str() {
        "right" => "→".into(),
        "left" => "←".into(),
        "up" => "↑".into(),
        "down" => "↓".into(),
        other => other.into(),
    }
}

const HINT_GAP: usize = 3;

/// The hints that fit in `width`: all of them, or the most important ones and a marker that the
/// help key shows every key (the marker stands in for the help hint), as (text, is a key) pieces.
fn fitting_hints(hints: Vec<Hint>, width: usize) -> (Vec<Hint>, Vec<(String, bool)>) {
    let all: usize = hints.iter().map(|h| h.width() + HINT_GAP).sum();
    if all.saturating_sub(HINT_GAP) <= width {
        return (hints, Vec::new());
    }
    let marker = match hints.iter().find(|h| h.help) {
        Some(help) => vec![
            ("… ".to_string(), false),
            (help.keys.clone(), true),
            (" all keys".to_string(), false),
        ],
        None => vec![("…".to_string(), false)],
    };
    let marker_width: usize = marker.iter().map(|(text, _)| text.chars().count()).sum();
    let parts = hints
        .into_iter()
        .filter(|h| !h.help)
        .map(|h| {
            let (rank, width) = (h.rank, h.width());
            (h, rank, width)
        })
        .collect();
    let room = width.saturating_sub(marker_width + HINT_GAP);
    (fitting(parts, HINT_GAP, room), marker)
}

pub fn render_footer(buffer: &mut Buffer, area: Rect, state: &AppState, ctx: &RenderCtx) {
    if state.overlay == Overlay::Filter {
        render_filter_prompt(
            buffer,
            area,
            crate::tabs::edited_filter(state).unwrap_or_default(),
            ctx,
        );
        return;
    }
    let width = usize::from(area.width).saturating_sub(1);
    let (shown, marker) = fitting_hints(hints(state, ctx), width);
    let mut spans = vec![Span::raw(" ")];
    for (i, hint) in shown.into_iter().enumerate() {
        if i > 0 {
            spans.push(Span::raw(" ".repeat(HINT_GAP)));
        }
        spans.push(Span::styled(hint.keys, ctx.theme.accent));
        spans.push(Span::styled(format!(" {}", hint.text), ctx.theme.muted));
    }
    if !marker.is_empty() && spans.len() > 1 {
        spans.push(Span::raw(" ".repeat(HINT_GAP)));
    }
    for (text, key) in marker {
        let style = if key {
            ctx.theme.accent
        } else {
            ctx.theme.muted
        };
        spans.push(Span::styled(text, style));
    }
    Paragraph::new(Line::from(spans)).render(area, buffer);
}

/// The filter being typed, with the cursor at its end. When it is too long the keys' reminder
/// goes first, then the start of the text, so the cursor and what was typed last stay in view.
fn render_filter_prompt(buffer: &mut Buffer, area: Rect, text: &str, ctx: &RenderCtx) {
    const PROMPT: &str = " / ";
    const KEYS: &str = "   enter keep · esc clear · ctrl-u erase";
    let width = usize::from(area.width);
    let input = format!("{text}█");
    let input_width = input.chars().count();
    let mut spans = vec![Span::styled(PROMPT, ctx.theme.accent)];
    let room = width.saturating_sub(PROMPT.len());
    if input_width <= room {
        spans.push(Span::styled(input, ctx.theme.filter));
        if input_width + KEYS.chars().count() <= room {
            spans.push(Span::styled(KEYS, ctx.theme.muted));
        }
    } else {
        let tail: String = input.chars().skip(input_width + 1 - room).collect();
        spans.push(Span::styled("…", ctx.theme.muted));
        spans.push(Span::styled(tail, ctx.theme.filter));
    }
    Paragraph::new(Line::from(spans)).render(area, buffer);
}

/// Whether the mode offers `action`: the read-only modes refuse operator actions, and only
/// `--watch` rotates.
pub(super) fn mode_offers(state: &AppState, action: Action) -> bool {
    !(action.is_operator() && state.mode.refusal().is_some())
        && (action != Action::ToggleRotation || state.mode == Mode::Watch)
}
