//! A tab with nothing to show: say what it does and what to configure.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Block, BorderType, Paragraph, Widget, Wrap};

use crate::tab::Tab;
use crate::ui::RenderCtx;
use crate::ui::layout::centered;

struct EmptyState {
    headline: &'static str,
    what: &'static str,
    example: &'static [&'static str],
}

fn empty_state(tab: Tab) -> EmptyState {
    match tab {
        Tab::Containers => EmptyState {
            headline: "No Docker engine found.",
            what: "There is no DOCKER_HOST and no /var/run/docker.sock here. Set DOCKER_HOST, or list engines in your config:",
            example: &[
                "[[docker]]",
                "name = \"local\"",
                "host = \"unix:///var/run/docker.sock\"",
            ],
        },
        Tab::Databases => EmptyState {
            headline: "No database is being watched.",
            what: "This tab will check each [[database]] in your config (postgres, mysql or redis).",
            example: &[
                "[[database]]",
                "name = \"main\"",
                "kind = \"postgres\"",
                "url = \"postgres://watchdeck@127.0.0.1:5432/postgres\"",
            ],
        },
        Tab::Endpoints => EmptyState {
            headline: "No endpoint is being probed.",
            what: "This tab probes each [[endpoint]] in your config over HTTP(S) or TCP: whether it is up, how fast it answers, how often it fails, and when its certificate expires.",
            example: &[
                "[[endpoint]]",
                "name = \"api health\"",
                "url = \"https://api.example.com/healthz\"",
                "group = \"api\"",
            ],
        },
        // The other tabs always show themselves, empty or not.
        Tab::Runbook | Tab::Resources | Tab::Alerts => EmptyState {
            headline: "Nothing to show.",
            what: "",
            example: &[],
        },
    }
}

pub fn render(buffer: &mut Buffer, area: Rect, tab: Tab, ctx: &RenderCtx) {
    let empty = empty_state(tab);
    let mut lines = vec![Line::styled(empty.headline, ctx.theme.title), Line::raw("")];
    lines.push(Line::styled(empty.what, ctx.theme.text));
    if !empty.example.is_empty() {
        lines.push(Line::raw(""));
        lines.push(Line::styled(
            "Add to your config file (`watchdeck config path` shows where):",
            ctx.theme.muted,
        ));
        lines.push(Line::raw(""));
        lines.extend(
            empty
                .example
                .iter()
                .map(|l| Line::styled(format!("    {l}"), ctx.theme.accent)),
        );
    }
    let height = (lines.len() as u16 + 4).min(area.height);
    let box_area = centered(area, 78, height);
    let block = Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(ctx.theme.border)
        .title(Line::styled(format!(" {} ", tab.title()), ctx.theme.title));
    Paragraph::new(lines)
        .wrap(Wrap { trim: false })
        .block(block.padding(ratatui::widgets::Padding::horizontal(1)))
        .render(box_area, buffer);
}
