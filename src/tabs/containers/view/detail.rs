//! The detail pane: the selected container's image, command, ports, mounts, networks, labels,
//! env (values shown only when revealed) and health checks, scrolled as the state asks.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Paragraph, Widget, Wrap};

use chrono::{DateTime, Utc};

use super::{stale_label, state_style};
use crate::model::containers::ContainerInfo;
use crate::state::containers::{DETAIL_HEALTH_CHECKS, EngineState};
use crate::ui::RenderCtx;
use crate::ui::format::{duration, truncate};

/// How the detail pane shows its container.
pub(super) struct DetailView {
    /// The engine's last answer, when it stopped answering.
    pub(super) stale: Option<DateTime<Utc>>,
    /// Whether env values are shown.
    pub(super) revealed: bool,
    /// Rows scrolled past, as the state asks; the pane stops once its last row shows.
    pub(super) scroll: usize,
}

pub(super) fn render(
    buffer: &mut Buffer,
    area: Rect,
    engine: &EngineState,
    container: &ContainerInfo,
    view: &DetailView,
    ctx: &RenderCtx,
) {
    let DetailView {
        stale, revealed, ..
    } = *view;
    let label = |text: &'static str| Span::styled(format!("{text:<9}"), ctx.theme.muted);
    let list = |items: &[String]| {
        if items.is_empty() {
            "-".to_string()
        } else {
            items.join(", ")
        }
    };
    let mut lines = vec![
        Line::from(vec![
            label("id"),
            Span::raw(container.id.chars().take(12).collect::<String>()),
            Span::styled(
                format!("   engine {} ({})", engine.name, engine.host),
                ctx.theme.muted,
            ),
        ]),
        Line::from(vec![label("image"), Span::raw(container.image.clone())]),
        Line::from(vec![label("command"), Span::raw(container.command.clone())]),
        Line::from(vec![label("ports"), Span::raw(list(&container.ports))]),
        Line::from(vec![label("mounts"), Span::raw(list(&container.mounts))]),
        Line::from(vec![
            label("networks"),
            Span::raw(list(&container.networks)),
        ]),
    ];
    let labels: Vec<String> = container
        .labels
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    lines.push(Line::from(vec![label("labels"), Span::raw(list(&labels))]));
    // Values of environment variables are secrets until the operator asks for them.
    let env: Vec<String> = container
        .env
        .iter()
        .map(|(name, value)| {
            if revealed {
                format!("{name}={value}")
            } else {
                name.clone()
            }
        })
        .collect();
    let hint = if revealed {
        "  (e hides values)"
    } else {
        "  (values hidden: e reveals)"
    };
    lines.push(Line::from(vec![
        label("env"),
        Span::raw(list(&env)),
        Span::styled(hint, ctx.theme.muted),
    ]));
    for check in container.health_log.iter().rev().take(DETAIL_HEALTH_CHECKS) {
        let when = check.at.map_or("-".into(), |at| {
            format!(
                "{} ago",
                duration((ctx.now - at).to_std().unwrap_or_default())
            )
        });
        let style = if check.exit_code == 0 {
            ctx.theme.ok
        } else {
            ctx.theme.crit
        };
        lines.push(Line::from(vec![
            label("health"),
            Span::styled(format!("exit {} ", check.exit_code), style),
            Span::styled(format!("{when}: "), ctx.theme.muted),
            Span::raw(truncate(check.output.trim(), 200)),
        ]));
    }
    let mut title = vec![Span::styled(
        format!(" {} ", container.name),
        ctx.theme.title,
    )];
    match stale {
        Some(since) => title.push(Span::styled(
            format!(
                "{} ({}: the engine does not answer) ",
                container.state.label(),
                stale_label(since, ctx)
            ),
            ctx.theme.stale,
        )),
        None => title.push(Span::styled(
            format!("{} ", container.state.label()),
            state_style(container.state, ctx),
        )),
    }
    if engine.protects(container) {
        title.push(Span::styled(
            "[P] protected: actions ask for its name ",
            ctx.theme.warn,
        ));
    }
    let mut block = Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(ctx.theme.border)
        .title(Line::from(title));
    let inner = block.inner(area);
    // Rows each line takes once wrapped; scrolling stops when the last one shows.
    let heights: Vec<usize> = lines
        .iter()
        .map(|line| {
            Paragraph::new(line.clone())
                .wrap(Wrap { trim: false })
                .line_count(inner.width)
        })
        .collect();
    let height = usize::from(inner.height);
    let mut fits_from = heights.len();
    let mut below = 0;
    while fits_from > 0 && below + heights[fits_from - 1] <= height {
        fits_from -= 1;
        below += heights[fits_from];
    }
    let first = view.scroll.min(fits_from);
    let more_below = heights[first..].iter().sum::<usize>() > height;
    let more: Vec<&str> = [(first > 0, "↑ more"), (more_below, "↓ more")]
        .into_iter()
        .filter_map(|(shown, text)| shown.then_some(text))
        .collect();
    if !more.is_empty() {
        block = block.title_bottom(
            Line::styled(format!(" {} ", more.join(" · ")), ctx.theme.accent).right_aligned(),
        );
    }
    Paragraph::new(lines.split_off(first))
        .wrap(Wrap { trim: false })
        .block(block)
        .render(area, buffer);
}
