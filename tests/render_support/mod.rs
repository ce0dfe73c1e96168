//! Draws a state on ratatui's TestBackend with a fixed clock, in UTC, with a shipped theme.
#![allow(clippy::expect_used, clippy::unwrap_used)] // a failed expectation is the test failing

use chrono::FixedOffset;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use watchdeck::config::{Keymap, Theme};
use watchdeck::fixtures;
use watchdeck::screen;
use watchdeck::state::AppState;
use watchdeck::ui::RenderCtx;

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
        .draw(|frame| {
            screen::draw(frame, state, &ctx);
        })
        .expect("draw");
    terminal
}

/// Draws as the console does, then tells the state how many rows its list had room for; gives
/// back the screen as text and that number.
pub fn draw_as_shown(state: &mut AppState, width: u16, height: u16) -> (String, Option<usize>) {
    let keymap = Keymap::load("default", None).expect("default keymap");
    let theme = theme("default");
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("test terminal");
    let ctx = RenderCtx {
        theme: &theme,
        keymap: &keymap,
        now: fixtures::now(),
        offset: FixedOffset::east_opt(0).expect("utc"),
    };
    let mut rows_in_view = None;
    terminal
        .draw(|frame| rows_in_view = screen::draw(frame, state, &ctx))
        .expect("draw");
    if let Some(rows_in_view) = rows_in_view {
        let drawn = watchdeck::msg::Msg::Drawn { rows_in_view };
        watchdeck::update::update(state, drawn, fixtures::now());
    }
    (text(&terminal), rows_in_view)
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

/// The sizes every screen must draw at: each of 1..=12 columns by 1..=6 rows, and a sample of
/// larger ones up to 300x100.
pub fn sizes() -> Vec<(u16, u16)> {
    let small = (1..=12).flat_map(|w| (1..=6).map(move |h| (w, h)));
    let widths = [13, 20, 40, 79, 80, 120, 200, 300];
    let heights = [1, 2, 3, 4, 6, 7, 10, 24, 50, 100];
    let large = widths
        .into_iter()
        .flat_map(move |w| heights.into_iter().map(move |h| (w, h)));
    small.chain(large).collect()
}

/// `state` with each overlay the shell draws over a tab: none, the help, the filter prompt, a
/// toast.
pub fn with_overlays(name: &str, state: &AppState) -> Vec<(String, AppState)> {
    use watchdeck::action::Action;
    use watchdeck::msg::Msg;
    use watchdeck::state::{Toast, ToastKind};
    let act = |action: Action| {
        let mut state = state.clone();
        watchdeck::update::update(&mut state, Msg::Action(action), fixtures::now());
        state
    };
    let mut toast = state.clone();
    toast.toasts.push(Toast {
        kind: ToastKind::Error,
        text: "read-only mode (--read-only): restarting needs the interactive console".into(),
        expires_at: fixtures::now() + chrono::Duration::seconds(5),
    });
    vec![
        (name.to_string(), state.clone()),
        (format!("{name} with help"), act(Action::Help)),
        (format!("{name} with filter"), act(Action::Filter)),
        (format!("{name} with a toast"), toast),
    ]
}

/// Draws each named state at every size of [`sizes`] and fails naming every one that panicked.
pub fn assert_draws_at_every_size(states: &[(String, AppState)]) {
    let keymap = Keymap::load("default", None).expect("default keymap");
    let theme = theme("default");
    let mut failed = Vec::new();
    for (name, state) in states {
        for (width, height) in sizes() {
            let drawn = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                draw_with(state, width, height, &theme, &keymap)
            }));
            if drawn.is_err() {
                failed.push(format!("{name} at {width}x{height}"));
            }
        }
    }
    assert!(failed.is_empty(), "panicked: {failed:#?}");
}

/// The lines of the list whose title starts with `heading`, from its top border to its bottom.
fn list_lines(screen: &str, heading: &str) -> String {
    let lines: Vec<&str> = screen.lines().collect();
    let top = lines
        .iter()
        .position(|line| line.starts_with(&format!("╭ {heading} ")))
        .unwrap_or_else(|| panic!("no list {heading}: {screen}"));
    let bottom = (top..lines.len())
        .find(|&i| lines[i].starts_with('╰'))
        .unwrap_or(lines.len() - 1);
    lines[top..=bottom].join("\n")
}

/// Moves down the list titled `heading` until it scrolls, then back up two rows: its rows
/// stay where they are, as the console draws them (the selection is still in view); going to
/// the top scrolls back.
pub fn assert_moving_up_scrolls_only_past_the_top(
    mut state: AppState,
    heading: &str,
    width: u16,
    height: u16,
) {
    use watchdeck::action::Action;
    let act = |state: &mut AppState, action: Action| {
        watchdeck::update::update(state, watchdeck::msg::Msg::Action(action), fixtures::now());
        let (screen, rows) = draw_as_shown(state, width, height);
        (
            list_lines(&screen, heading),
            rows.expect("the tab shows a list"),
        )
    };
    let (first, _) = act(&mut state, Action::SelectFirst);
    // Down until the list scrolls: the selection is then its bottom row in view.
    let (at_bottom, rows) = std::iter::repeat_with(|| act(&mut state, Action::SelectNext))
        .take(1000)
        .find(|(lines, _)| *lines != first)
        .expect("the list is longer than its rows in view");
    assert!(rows >= 3, "{rows} rows in view");
    for _ in 0..2 {
        let (up, _) = act(&mut state, Action::SelectPrev);
        assert_eq!(
            up, at_bottom,
            "moving up inside the rows in view scrolls nothing"
        );
    }
    let (top, _) = act(&mut state, Action::SelectFirst);
    assert_eq!(top, first, "the top row scrolls back");
}
