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

/// The footer: the screen's last row, without trailing blanks.
pub fn footer(terminal: &Terminal<TestBackend>) -> String {
    text(terminal)
        .lines()
        .last()
        .unwrap_or_default()
        .trim_end()
        .to_string()
}

/// The footers of `state` at 80x24 and at 200x50, after checking that the narrow one ends with
/// the marker that `?` shows every key, or leaves nothing out.
pub fn footers(state: &AppState) -> [String; 2] {
    let narrow = footer(&draw(state, 80, 24));
    let wide = footer(&draw(state, 200, 50));
    assert!(
        narrow.ends_with("… ? all keys") || narrow == wide,
        "at 80 columns the footer leaves hints out only behind the marker: {narrow:?}"
    );
    [narrow, wide]
}

/// Snapshots the footers of a state as `name@80x24` and `name@200x50` beside the calling test's
/// other snapshots; gives back both.
#[macro_export]
macro_rules! footer_snapshots {
    ($name:expr, $state:expr $(,)?) => {{
        let [narrow, wide] = $crate::render_support::footers($state);
        insta::with_settings!({ snapshot_suffix => "80x24" }, { insta::assert_snapshot!($name, &narrow) });
        insta::with_settings!({ snapshot_suffix => "200x50" }, { insta::assert_snapshot!($name, &wide) });
        [narrow, wide]
    }};
}
