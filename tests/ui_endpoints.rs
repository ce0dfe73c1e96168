//! Snapshots of the Endpoints tab at 80x24 and 200x50: the grouped list with every state, and the
//! detail pane of a healthy and of a failing endpoint.
#![allow(clippy::expect_used, clippy::unwrap_used)] // a failed expectation is the test failing

mod render_support;

use insta::assert_snapshot;
use render_support::{draw, text};
use watchdeck::action::Action;
use watchdeck::command::Mode;
use watchdeck::fixtures::{self, now};
use watchdeck::msg::Msg;
use watchdeck::state::AppState;
use watchdeck::update::update;

fn act(state: &mut AppState, action: Action) {
    update(state, Msg::Action(action), now());
}

fn select(state: &mut AppState, name: &str) {
    act(state, Action::SelectFirst);
    while state.endpoints.list.selected.as_deref() != Some(name) {
        act(state, Action::SelectNext);
    }
}

fn both_sizes(name: &str, state: &AppState) {
    insta::with_settings!({ snapshot_suffix => "80x24" }, { assert_snapshot!(name, draw(state, 80, 24).backend()) });
    insta::with_settings!({ snapshot_suffix => "200x50" }, { assert_snapshot!(name, draw(state, 200, 50).backend()) });
}

#[test]
fn list() {
    let state = fixtures::endpoints_app_state(Mode::Interactive);
    both_sizes("endpoints_list", &state);
    let screen = text(&draw(&state, 200, 50));
    for expected in [
        "down: status 503",
        "down: refused",
        "slow",
        "⚠ insecure",
        "▾ shop (3)",
    ] {
        assert!(screen.contains(expected), "{expected}:\n{screen}");
    }
}

#[test]
fn detail_of_a_healthy_endpoint() {
    let mut state = fixtures::endpoints_app_state(Mode::Interactive);
    select(&mut state, "api");
    act(&mut state, Action::ToggleDetail);
    both_sizes("endpoints_detail_api", &state);
    let screen = text(&draw(&state, 200, 50));
    assert!(screen.contains("set-cookie: (hidden)"), "{screen}");
    assert!(
        screen.contains("· new connection"),
        "its certificate was read: {screen}"
    );
    // Whether the latency had a connect in it: a TCP probe always has.
    for (endpoint, says) in [("search", Some("· kept connection")), ("postgres", None)] {
        select(&mut state, endpoint);
        let screen = text(&draw(&state, 200, 50));
        let line = screen
            .lines()
            .find(|l| l.contains("last poll"))
            .unwrap_or_else(|| panic!("{screen}"));
        match says {
            Some(text) => assert!(line.contains(text), "{endpoint}: {line}"),
            None => assert!(!line.contains("connection"), "{endpoint}: {line}"),
        }
    }
}

#[test]
fn detail_of_a_failing_endpoint() {
    let mut state = fixtures::endpoints_app_state(Mode::Interactive);
    select(&mut state, "checkout");
    act(&mut state, Action::ToggleDetail);
    both_sizes("endpoints_detail_checkout", &state);
    let screen = text(&draw(&state, 200, 50));
    assert!(screen.contains("unexpected status 503"), "{screen}");
}

#[test]
fn footer_keeps_detail_and_poll_now() {
    let state = fixtures::endpoints_app_state(Mode::Interactive);
    let [narrow, _] = footer_snapshots!("footer_endpoints", &state);
    for hint in ["q quit", "/ filter", "enter detail", "p poll now"] {
        assert!(narrow.contains(hint), "{hint:?} left out: {narrow:?}");
    }
}

/// 500 healthy endpoints: the state column is as narrow as `✔ up`, and a group's title, drawn
/// in that column, must still be whole.
#[test]
fn group_titles_are_whole_when_every_endpoint_is_up() {
    let state = fixtures::endpoint_fleet_app_state(500);
    for (width, height) in [(80, 24), (200, 50)] {
        let screen = text(&draw(&state, width, height));
        assert!(
            screen.contains("▾ http (200)"),
            "{width}x{height}:\n{screen}"
        );
    }
}

#[test]
fn every_view_draws_at_every_size() {
    let list = fixtures::endpoints_app_state(Mode::Interactive);
    let mut detail = list.clone();
    select(&mut detail, "api");
    act(&mut detail, Action::ToggleDetail);
    let mut states = render_support::with_overlays("list", &list);
    states.extend(render_support::with_overlays("detail", &detail));
    render_support::assert_draws_at_every_size(&states);
}

#[test]
fn moving_up_inside_the_rows_in_view_scrolls_nothing() {
    let state = fixtures::endpoints_app_state(Mode::Interactive);
    render_support::assert_moving_up_scrolls_only_past_the_top(state, "Endpoints", 80, 14);
}

#[test]
fn an_expiring_certificate_colours_its_cell_and_marks_the_row_not_the_whole_row() {
    let mut state = fixtures::endpoints_app_state(Mode::Interactive);
    // Not the selected row, whose highlight takes over its colours.
    select(&mut state, "api");
    let terminal = draw(&state, 200, 50);
    let screen = text(&terminal);
    let buffer = terminal.backend().buffer();
    let theme = render_support::theme("default");
    let (y, line) = screen
        .lines()
        .enumerate()
        .find(|(_, line)| line.contains("payments-legacy"))
        .unwrap();
    let x_of = |text: &str| {
        let at = line
            .find(text)
            .unwrap_or_else(|| panic!("{text} in {line}"));
        line[..at].chars().count() as u16
    };
    let fg = |x: u16| buffer[(x, y as u16)].fg;
    assert!(
        line.contains("payments-legacy ✖"),
        "the row is marked: {line}"
    );
    assert_eq!(fg(x_of(" 2d ") + 1), theme.crit.fg.unwrap(), "{line}");
    assert_ne!(
        fg(x_of("payments-legacy")),
        theme.crit.fg.unwrap(),
        "{line}"
    );
    assert_ne!(fg(x_of("100.0%")), theme.crit.fg.unwrap(), "{line}");
}

/// At 80 columns a long group title sized the STATE column, which left the names 9 cells, cut
/// without a mark: two `redirect-…` endpoints read the same.
#[test]
fn names_take_their_width_from_content_not_from_group_titles() {
    let config = watchdeck::config::Config::parse(
        "watchdeck.toml",
        r#"
[[endpoint]]
name = "redirect-to-login"
url = "https://auth.example/login"
group = "authentication and sessions"

[[endpoint]]
name = "redirect-to-logout"
url = "https://auth.example/logout"
group = "authentication and sessions"
"#,
    )
    .unwrap();
    let mut state = AppState::new(&config, &[], Mode::Interactive, "db-01".into(), now());
    state.tab = watchdeck::tab::Tab::Endpoints;
    let screen = text(&draw(&state, 80, 24));
    for expected in [
        "redirect-to-login ",
        "redirect-to-logout",
        "▾ authentication and sessions (2)",
    ] {
        assert!(screen.contains(expected), "{expected}:\n{screen}");
    }
}

/// The list draws its rows itself (ratatui's table set each cell's style five times): the selected
/// row takes the selection's style from border to border, the sorted column's title the accent,
/// and a group's title row stays unselected.
#[test]
fn the_selected_row_is_highlighted_across_the_list_and_the_sorted_title_accented() {
    let mut state = fixtures::endpoints_app_state(Mode::Interactive);
    select(&mut state, "search");
    let terminal = draw(&state, 200, 50);
    let screen = text(&terminal);
    let buffer = terminal.backend().buffer();
    let theme = render_support::theme("default");
    let row_of = |needle: &str| {
        screen
            .lines()
            .position(|line| line.contains(needle))
            .unwrap_or_else(|| panic!("{needle} in {screen}")) as u16
    };
    let selected = theme.selected.bg.unwrap();
    let y = row_of("search ▲");
    assert!((1..199).all(|x| buffer[(x, y)].bg == selected), "row {y}");
    assert_eq!(buffer[(0, y)].symbol(), "│");
    assert_ne!(buffer[(0, y)].bg, selected, "the border is not the row's");
    let title = row_of("▾ shop (3)");
    assert!((1..199).all(|x| buffer[(x, title)].bg != selected));
    let header = row_of("STATE");
    let line = screen.lines().nth(usize::from(header)).unwrap();
    let x_of = |title: &str| line[..line.find(title).unwrap()].chars().count() as u16;
    let accented = theme.table_header.patch(theme.accent).fg;
    assert_eq!(
        Some(buffer[(x_of("NAME"), header)].fg),
        accented,
        "sorted by name"
    );
    assert_ne!(Some(buffer[(x_of("STATE"), header)].fg), accented);
}
