//! The log view: one container's log lines with their stream, time and search matches, and
//! markers where its runs meet.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Paragraph, Widget, Wrap};

use chrono::{DateTime, Utc};

use crate::model::containers::LogStream;
use crate::state::containers::{LogMarker, LogRow, LogStatus, LogView, ShownLine};
use crate::ui::RenderCtx;
use crate::words::count;

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

pub(super) fn render(buffer: &mut Buffer, area: Rect, view: &LogView, ctx: &RenderCtx) {
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
