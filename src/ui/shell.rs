//! The frame around every tab: header, tab bar and footer hints.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};

use super::RenderCtx;
use super::layout::{padded_tabs, tab_label, tab_spans};
use crate::action::Action;
use crate::config::keymap::Context;
use crate::findings::Severity;
use crate::state::source::SourceStatus;
use crate::state::{AppState, Mode, Overlay};

pub fn severity_style(severity: Severity, ctx: &RenderCtx) -> Style {
    match severity {
        Severity::Ok => ctx.theme.ok,
        Severity::Warning => ctx.theme.warn,
        Severity::Critical => ctx.theme.crit,
    }
}

fn clock(ctx: &RenderCtx) -> String {
    ctx.now
        .with_timezone(&ctx.offset)
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}

fn source_dots<'a>(state: &'a AppState, ctx: &RenderCtx) -> Vec<Span<'a>> {
    let mut spans = Vec::new();
    for source in &state.sources {
        let (symbol, style) = match source.status {
            SourceStatus::Ok { .. } => ("●", ctx.theme.ok),
            SourceStatus::Connecting => ("◌", ctx.theme.muted),
            SourceStatus::Down { .. } => ("✖", ctx.theme.crit),
        };
        spans.push(Span::styled(
            format!("{symbol} "),
            ctx.theme.header.patch(style),
        ));
        spans.push(Span::raw(format!("{}  ", source.name)));
    }
    spans
}

pub fn render_header(buffer: &mut Buffer, area: Rect, state: &AppState, ctx: &RenderCtx) {
    buffer.set_style(area, ctx.theme.header);
    let mut left = vec![
        Span::styled(" ◆ watchdeck ", ctx.theme.header.patch(ctx.theme.title)),
        Span::raw(format!("│ {} │ ", state.host)),
    ];
    left.extend(source_dots(state, ctx));
    match state.mode {
        Mode::Interactive => {}
        Mode::ReadOnly => left.push(Span::styled(" READ-ONLY ", ctx.theme.warn)),
        Mode::Watch => left.push(Span::styled(" WATCH ", ctx.theme.info)),
    }
    // The clock side is drawn first and the left side gets what remains, so neither overwrites.
    let top = Rect { height: 1, ..area };
    let uptime = state.resources.latest.as_ref().map(|s| {
        format!(
            "up {} │ ",
            super::format::duration(std::time::Duration::from_secs(s.uptime_seconds))
        )
    });
    let right = format!("{}{} ", uptime.unwrap_or_default(), clock(ctx));
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

/// The wall display's big line: all clear, or counts with the worst finding.
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
        // One finding is told in full; several are named, worst first, so none hides another.
        match state.findings.as_slice() {
            [only] => spans.push(Span::raw(format!(
                "{} · {}",
                only.tab.title(),
                only.message
            ))),
            many => {
                let subjects: Vec<&str> = many.iter().map(|f| f.subject.as_str()).collect();
                spans.push(Span::raw(subjects.join(" · ")));
            }
        }
        Line::from(spans)
    };
    let rotation = match &state.watch {
        Some(watch) if watch.paused => "rotation paused · space resumes".to_string(),
        Some(watch) if state.tab_severity(state.tab) == Severity::Critical => {
            format!("holding on {} while it is critical", state.tab.title())
        }
        Some(watch) if watch.tabs.len() > 1 => {
            let left = (watch.next_at - ctx.now).num_seconds().max(0);
            format!(
                "rotating every {} · next in {left}s · space pauses",
                humantime::format_duration(watch.every)
            )
        }
        _ => "one tab to show: configure more sources to rotate".to_string(),
    };
    Paragraph::new(status)
        .style(ctx.theme.header)
        .render(Rect { height: 1, ..area }, buffer);
    let second = Rect {
        y: area.y + 1,
        height: 1,
        ..area
    };
    Paragraph::new(format!("  read-only · {rotation}"))
        .style(ctx.theme.header.patch(ctx.theme.muted))
        .render(second, buffer);
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
        let width = (end.min(area.right()) - start) as usize;
        buffer.set_stringn(start, area.y, &label, width, style);
        let marker_x = start + label.chars().count() as u16;
        let (marker, marker_style) = match state.tab_severity(tab) {
            Severity::Critical => ("✖", ctx.theme.crit),
            Severity::Warning => ("▲", ctx.theme.warn),
            Severity::Ok => (" ", ctx.theme.text),
        };
        if marker_x < area.right() {
            buffer.set_stringn(marker_x, area.y, marker, 1, marker_style);
        }
    }
}

/// Destructive actions are hidden from the hints when the mode refuses them.
fn destructive(action: Action) -> bool {
    matches!(action, Action::TerminateProcess | Action::KillProcess)
}

/// The key hints of the current context, generated from the keymap.
pub fn hints(state: &AppState, ctx: &RenderCtx) -> Vec<(String, &'static str)> {
    if let Overlay::Confirm(dialog) = &state.overlay
        && dialog.typed.is_some()
    {
        return vec![
            ("type".into(), "the name"),
            ("enter".into(), "confirm"),
            ("esc".into(), "cancel"),
        ];
    }
    let contexts: &[Context] = match state.overlay {
        Overlay::Confirm(_) => &[Context::Dialog],
        _ => &[state.key_context(), Context::Global],
    };
    let mut hints: Vec<(String, &'static str)> = Vec::new();
    for context in contexts {
        for binding in ctx.keymap.bindings(*context) {
            let Some(hint) = binding.action.hint() else {
                continue;
            };
            if destructive(binding.action) && state.mode.refusal().is_some() {
                continue;
            }
            if binding.action == Action::ToggleRotation && state.mode != Mode::Watch {
                continue;
            }
            if hints.iter().any(|(_, h)| *h == hint) {
                continue;
            }
            if let Some(key) = binding.keys.first() {
                hints.push((key.to_string(), hint));
            }
        }
    }
    if let Some(key) = ctx
        .keymap
        .keys(Context::Global, Action::GotoResources)
        .first()
    {
        let last = ctx
            .keymap
            .keys(Context::Global, Action::GotoRunbook)
            .first()
            .map(ToString::to_string);
        if let Some(last) = last {
            hints.push((format!("{key}-{last}"), "tabs"));
        }
    }
    hints
}

pub fn render_footer(buffer: &mut Buffer, area: Rect, state: &AppState, ctx: &RenderCtx) {
    if state.overlay == Overlay::Filter {
        let line = Line::from(vec![
            Span::styled(" / ", ctx.theme.accent),
            Span::styled(format!("{}█", state.resources.filter), ctx.theme.filter),
            Span::styled("   enter keep · esc clear · ctrl-u erase", ctx.theme.muted),
        ]);
        Paragraph::new(line).render(area, buffer);
        return;
    }
    let mut spans = vec![Span::raw(" ")];
    let mut used = 1;
    for (key, hint) in hints(state, ctx) {
        let width = key.chars().count() + hint.len() + 3;
        if used + width > area.width as usize {
            break;
        }
        used += width;
        spans.push(Span::styled(key, ctx.theme.accent));
        spans.push(Span::styled(format!(" {hint}   "), ctx.theme.muted));
    }
    Paragraph::new(Line::from(spans)).render(area, buffer);
}
