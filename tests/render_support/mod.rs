//! Draws a state on ratatui's TestBackend with a fixed clock, in UTC, with a shipped theme.
#![allow(clippy::expect_used, clippy::unwrap_used)] // a failed expectation is the test failing

use chrono::FixedOffset;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use watchdeck::config::{Keymap, Theme};
use watchdeck::fixtures;
use watchdeck::state::AppState;
use watchdeck::ui::{self, RenderCtx};

pub fn theme(name: &str) -> Theme {
    Theme::load(name, None).expect("shipped theme")
}

pub fn draw_with(
    state: &AppState,
    width: u16,
    height: u16,
    theme: &Theme,
    keymap: &Keymap,
) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("test terminal");
    let utc = FixedOffset::east_opt(0).expect("utc");
    let ctx = RenderCtx {
        theme,
        keymap,
        now: fixtures::now(),
        offset: utc,
    };
    terminal
        .draw(|frame| ui::draw(frame, state, &ctx))
        .expect("draw");
    terminal
}

pub fn draw(state: &AppState, width: u16, height: u16) -> Terminal<TestBackend> {
    let keymap = Keymap::load("default", None).expect("default keymap");
    draw_with(state, width, height, &theme("default"), &keymap)
}

/// The screen as text, one line per row.
pub fn text(terminal: &Terminal<TestBackend>) -> String {
    let buffer = terminal.backend().buffer();
    (0..buffer.area.height)
        .map(|y| {
            (0..buffer.area.width)
                .map(|x| buffer[(x, y)].symbol())
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("\n")
}
