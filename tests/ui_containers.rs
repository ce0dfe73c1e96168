//! Snapshots of the Containers tab at 80x24 and 200x50: the list, the detail pane, the log view,
//! a protected container's confirmation, and an engine that cannot be reached.
#![allow(clippy::expect_used, clippy::unwrap_used)] // a failed expectation is the test failing

mod render_support;

use insta::assert_snapshot;
use render_support::{draw, text};
use watchdeck::action::Action;
use watchdeck::collect::{SourceFailure, SourceReport};
use watchdeck::config::keymap::Context;
use watchdeck::fixtures::{self, now};
use watchdeck::msg::{FilterEdit, Msg, SourceUpdate};
use watchdeck::state::{AppState, Mode};
use watchdeck::update::update;

fn act(state: &mut AppState, action: Action) {
    update(state, Msg::Action(action), now());
}

fn select(state: &mut AppState, name: &str) {
    act(state, Action::SelectFirst);
    while state
        .containers
        .selected_container()
        .is_some_and(|(_, c)| c.name != name)
    {
        act(state, Action::SelectNext);
    }
}

fn both_sizes(name: &str, state: &AppState) {
    insta::with_settings!({ snapshot_suffix => "80x24" }, { assert_snapshot!(name, draw(state, 80, 24).backend()) });
    insta::with_settings!({ snapshot_suffix => "200x50" }, { assert_snapshot!(name, draw(state, 200, 50).backend()) });
}

#[test]
fn list() {
    both_sizes(
        "containers_list",
        &fixtures::containers_app_state(Mode::Interactive),
    );
}

#[test]
fn detail_pane_hides_env_values() {
    let mut state = fixtures::containers_app_state(Mode::Interactive);
    select(&mut state, "shop-api-1");
    act(&mut state, Action::ToggleDetail);
    both_sizes("containers_detail", &state);
    let screen = text(&draw(&state, 200, 50));
    assert!(
        screen.contains("DATABASE_URL") && !screen.contains("hunter2"),
        "values stay hidden"
    );
    act(&mut state, Action::RevealEnv);
    assert!(
        text(&draw(&state, 200, 50)).contains("hunter2"),
        "e reveals them"
    );
}

#[test]
fn log_view() {
    let mut state = fixtures::containers_app_state(Mode::Interactive);
    select(&mut state, "shop-web-1");
    act(&mut state, Action::OpenLogs);
    let key = state
        .containers
        .logs
        .as_ref()
        .map(|l| l.key.clone())
        .expect("open");
    let mut lines = fixtures::log_lines(120);
    lines[118].text = format!("{} end", "x".repeat(100_000));
    update(&mut state, Msg::LogLines { key, lines }, now());
    act(&mut state, Action::ToggleTimestamps);
    act(&mut state, Action::Filter);
    for c in "timed".chars() {
        update(&mut state, Msg::FilterEdit(FilterEdit::Insert(c)), now());
    }
    update(&mut state, Msg::FilterEdit(FilterEdit::Apply), now());
    both_sizes("containers_logs", &state);
}

#[test]
fn log_view_wraps_long_lines() {
    let mut state = fixtures::containers_app_state(Mode::Interactive);
    act(&mut state, Action::OpenLogs);
    let key = state
        .containers
        .logs
        .as_ref()
        .map(|l| l.key.clone())
        .expect("open");
    let mut lines = fixtures::log_lines(30);
    lines[29].text = "a long line ".repeat(40);
    update(&mut state, Msg::LogLines { key, lines }, now());
    act(&mut state, Action::ToggleWrap);
    let screen = text(&draw(&state, 80, 24));
    let rows = screen.lines().filter(|l| l.contains("a long line")).count();
    assert!(
        rows >= 5,
        "the last line is wrapped over several rows and fully visible:\n{screen}"
    );
}

#[test]
fn protected_confirmation() {
    let mut state = fixtures::containers_app_state(Mode::Interactive);
    select(&mut state, "shop-db-1");
    act(&mut state, Action::RestartContainer);
    for c in "shop".chars() {
        update(&mut state, Msg::FilterEdit(FilterEdit::Insert(c)), now());
    }
    both_sizes("containers_confirm_protected", &state);
}

#[test]
fn a_container_being_stopped_shows_it_on_its_row() {
    let mut state = fixtures::containers_app_state(Mode::Interactive);
    select(&mut state, "shop-web-1");
    act(&mut state, Action::StopContainer);
    act(&mut state, Action::Confirm);
    select(&mut state, "shop-api-1");
    both_sizes("containers_stopping", &state);
    let screen = text(&draw(&state, 80, 24));
    let row = screen
        .lines()
        .find(|line| line.contains("shop-web-1"))
        .expect("the row");
    assert!(
        row.contains("stopping…") && !row.contains("running"),
        "{row}"
    );
}

#[test]
fn engine_unavailable() {
    let mut state = fixtures::containers_app_state(Mode::Interactive);
    let failure = SourceFailure {
        error: "cannot reach Docker at tcp://127.0.0.1:2375: connection refused".into(),
        retry_at: now() + chrono::Duration::seconds(8),
    };
    let report = SourceReport {
        at: now(),
        result: Err(failure),
    };
    update(
        &mut state,
        Msg::Source(SourceUpdate::Docker {
            engine: "edge".into(),
            report,
        }),
        now(),
    );
    both_sizes("containers_engine_down", &state);
}

#[test]
fn only_engine_never_answered() {
    let config = watchdeck::config::Config::default();
    let engines = vec![fixtures::docker_engines().remove(0)];
    let mut state = AppState::new(&config, &engines, Mode::Interactive, "db-01".into(), now());
    update(
        &mut state,
        Msg::ClickTab(watchdeck::tab::Tab::Containers),
        now(),
    );
    let failure = SourceFailure {
        error: "cannot reach Docker at unix:///var/run/docker.sock: No such file or directory"
            .into(),
        retry_at: now() + chrono::Duration::seconds(2),
    };
    update(
        &mut state,
        Msg::Source(SourceUpdate::Docker {
            engine: "local".into(),
            report: SourceReport {
                at: now(),
                result: Err(failure),
            },
        }),
        now(),
    );
    let screen = text(&draw(&state, 120, 30));
    let screen: String = screen
        .lines()
        .map(str::trim_end)
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        screen.contains(
            "engine local unavailable: cannot reach Docker at unix:///var/run/docker.sock"
        ) && screen.contains("never answered"),
        "{screen}"
    );
    assert!(screen.contains("retry in 2s"), "{screen}");
}

#[test]
fn footers_keep_quit_help_filter_and_the_main_actions() {
    let mut state = fixtures::containers_app_state(Mode::Interactive);
    let [narrow, _] = footer_snapshots!("footer_containers", &state);
    for hint in ["q quit", "/ filter", "enter detail", "l logs", "r restart"] {
        assert!(narrow.contains(hint), "{hint:?} left out: {narrow:?}");
    }
    let [narrow, _] = footer_snapshots!(
        "footer_containers_watch",
        &fixtures::containers_app_state(Mode::Watch),
    );
    assert!(
        narrow.contains("space pause") && !narrow.contains("restart"),
        "--watch refuses container actions, so it does not offer them: {narrow:?}"
    );
    select(&mut state, "shop-db-1");
    act(&mut state, Action::RestartContainer);
    let [narrow, _] = footer_snapshots!("footer_typed_confirmation", &state);
    assert_eq!(narrow, " type the name   enter confirm   esc cancel");
}

#[test]
fn log_view_footer_says_q_closes_it() {
    let mut state = fixtures::containers_app_state(Mode::Interactive);
    act(&mut state, Action::OpenLogs);
    let [narrow, wide] = footer_snapshots!("footer_logs", &state);
    for footer in [&narrow, &wide] {
        assert!(
            footer.contains("esc/q close") && !footer.contains("q quit"),
            "q closes the log view: {footer:?}"
        );
        assert!(footer.contains("ctrl-c quit"), "{footer:?}");
    }
}

#[test]
fn filter_prompt_shows_the_filter_of_this_tab() {
    let mut state = fixtures::containers_app_state(Mode::Interactive);
    state.resources.apply_filter("postgres".into());
    act(&mut state, Action::Filter);
    for c in "shop".chars() {
        update(&mut state, Msg::FilterEdit(FilterEdit::Insert(c)), now());
    }
    let [narrow, _] = footer_snapshots!("filter_prompt_containers", &state);
    assert!(
        narrow.contains("shop█") && !narrow.contains("postgres"),
        "{narrow:?}"
    );
    update(&mut state, Msg::FilterEdit(FilterEdit::Apply), now());
    act(&mut state, Action::Filter);
    let reopened = render_support::footer(&draw(&state, 80, 24));
    assert!(
        reopened.contains("shop█"),
        "/ on a kept filter shows it, the cursor at its end: {reopened:?}"
    );
    let long = "x".repeat(120);
    for c in long.chars().chain("-end".chars()) {
        update(&mut state, Msg::FilterEdit(FilterEdit::Insert(c)), now());
    }
    let narrow = render_support::footer(&draw(&state, 80, 24));
    assert!(
        narrow.contains("xxx-end█") && narrow.chars().count() <= 80,
        "a long filter shows its end, where the cursor is: {narrow:?}"
    );
}

#[test]
fn log_search_prompt_shows_the_search() {
    let mut state = fixtures::containers_app_state(Mode::Interactive);
    act(&mut state, Action::Filter);
    for c in "shop".chars() {
        update(&mut state, Msg::FilterEdit(FilterEdit::Insert(c)), now());
    }
    update(&mut state, Msg::FilterEdit(FilterEdit::Apply), now());
    act(&mut state, Action::OpenLogs);
    act(&mut state, Action::Filter);
    for c in "timed".chars() {
        update(&mut state, Msg::FilterEdit(FilterEdit::Insert(c)), now());
    }
    let footer = render_support::footer(&draw(&state, 80, 24));
    assert!(
        footer.contains("timed█") && !footer.contains("shop"),
        "{footer:?}"
    );
}

/// The longest description the help of the Containers tab lists, from the keymap.
fn longest_help_description() -> &'static str {
    let keymap = watchdeck::config::Keymap::load("default", None).expect("default keymap");
    [Context::Containers, Context::Dialog, Context::Global]
        .into_iter()
        .flat_map(|context| keymap.bindings(context).to_vec())
        .map(|binding| binding.action.description())
        .max_by_key(|description| description.chars().count())
        .expect("bindings")
}

/// Whether `text` is on the screen, whole or wrapped at its spaces into lines that start in the
/// same column, one under the other.
fn shown_whole_or_wrapped(screen: &str, text: &str) -> bool {
    let rows: Vec<Vec<char>> = screen.lines().map(|l| l.chars().collect()).collect();
    let text: Vec<char> = text.chars().collect();
    let from = |row: usize, column: usize| -> bool {
        let mut rest = text.as_slice();
        for cells in rows.iter().skip(row) {
            let cells = cells.get(column..).unwrap_or_default();
            let same = rest.iter().zip(cells).take_while(|(a, b)| a == b).count();
            if same == rest.len() {
                return true;
            }
            // The line must end at a space of the text, and the next line take it up.
            let Some(wrapped) = rest[..same].iter().rposition(|c| *c == ' ') else {
                return false;
            };
            if cells[wrapped + 1..]
                .iter()
                .take_while(|c| **c == ' ')
                .count()
                == 0
            {
                return false;
            }
            rest = &rest[wrapped + 1..];
        }
        false
    };
    (0..rows.len()).any(|row| (0..rows[row].len()).any(|column| from(row, column)))
}

#[test]
fn help_shows_every_description_in_full() {
    let mut state = fixtures::containers_app_state(Mode::Interactive);
    act(&mut state, Action::Help);
    both_sizes("containers_help", &state);
    let longest = longest_help_description();
    assert!(
        text(&draw(&state, 200, 50)).contains(longest),
        "wide enough, it is on one line"
    );
    for (width, height) in [(80, 24), (200, 50)] {
        let screen = text(&draw(&state, width, height));
        assert!(
            shown_whole_or_wrapped(&screen, longest),
            "{longest:?} is cut at {width}x{height}:\n{screen}"
        );
        let above_footer = &screen[..screen.rfind('\n').unwrap_or_default()];
        assert!(!above_footer.contains('…'), "nothing is cut:\n{screen}");
    }
}

#[test]
fn help_scrolls_when_the_terminal_is_too_small() {
    let mut state = fixtures::containers_app_state(Mode::Interactive);
    act(&mut state, Action::Help);
    let screen = text(&draw(&state, 50, 16));
    assert!(screen.contains("j/k more"), "{screen}");
    assert!(
        screen.contains("sort by the next column") && !screen.contains("select last row"),
        "{screen}"
    );
    for _ in 0..40 {
        act(&mut state, Action::SelectNext);
    }
    let screen = text(&draw(&state, 50, 16));
    assert!(
        !screen.contains("sort by the next column") && screen.contains("select last row"),
        "j scrolls to the end:\n{screen}"
    );
    act(&mut state, Action::Help);
    act(&mut state, Action::Help);
    let screen = text(&draw(&state, 50, 16));
    assert!(
        screen.contains("sort by the next column"),
        "reopened at the top:\n{screen}"
    );
}

#[test]
fn help_fits_80x24_everywhere_with_every_shipped_keymap() {
    let mut on_resources = fixtures::containers_app_state(Mode::Interactive);
    act(&mut on_resources, Action::GotoResources);
    let on_containers = fixtures::containers_app_state(Mode::Interactive);
    let mut in_logs = fixtures::containers_app_state(Mode::Interactive);
    act(&mut in_logs, Action::OpenLogs);
    let mut on_alerts = fixtures::containers_app_state(Mode::Interactive);
    act(&mut on_alerts, Action::GotoAlerts);
    for (name, _) in watchdeck::config::keymap::SHIPPED {
        let keymap = watchdeck::config::Keymap::load(name, None).expect("shipped keymap");
        for state in [&on_resources, &on_containers, &in_logs, &on_alerts] {
            let mut state = state.clone();
            act(&mut state, Action::Help);
            let screen = text(&render_support::draw_with(
                &state,
                80,
                24,
                &render_support::theme("default"),
                &keymap,
            ));
            assert!(
                !screen.contains("j/k more") && screen.contains("select last row"),
                "keymap {name}, {:?}: the help does not fit:\n{screen}",
                state.key_context()
            );
        }
    }
}
