//! Snapshots of the shell: the other tabs' empty states, --watch, toasts.
#![allow(clippy::expect_used, clippy::unwrap_used)] // a failed expectation is the test failing

#[allow(dead_code)] // the tabs with lists test their scrolling in their own files
mod render_support;

use insta::assert_snapshot;
use render_support::{draw, text};
use watchdeck::action::Action;
use watchdeck::command::Mode;
use watchdeck::fixtures::{self, now};
use watchdeck::msg::Msg;
use watchdeck::state::AppState;
use watchdeck::tab::Tab;
use watchdeck::update::update;

fn on_tab(tab: Tab) -> AppState {
    let mut state = fixtures::app_state(Mode::Interactive);
    update(&mut state, Msg::ClickTab(tab), now());
    state
}

macro_rules! empty_tab_snapshots {
    ($($name:ident: $tab:expr,)*) => {$(
        #[test]
        fn $name() {
            let state = on_tab($tab);
            insta::with_settings!({ snapshot_suffix => "80x24" }, { assert_snapshot!(draw(&state, 80, 24).backend()) });
            insta::with_settings!({ snapshot_suffix => "200x50" }, { assert_snapshot!(draw(&state, 200, 50).backend()) });
        }
    )*};
}

empty_tab_snapshots! {
    containers_empty: Tab::Containers,
    databases_empty: Tab::Databases,
    endpoints_empty: Tab::Endpoints,
    runbook_empty: Tab::Runbook,
}

#[test]
fn watch_critical_80x24() {
    assert_snapshot!(draw(&fixtures::app_state(Mode::Watch), 80, 24).backend());
}

#[test]
fn watch_all_clear_200x50() {
    let mut state = fixtures::app_state(Mode::Watch);
    state.findings.clear();
    assert_snapshot!(draw(&state, 200, 50).backend());
}

#[test]
fn watch_paused_says_so() {
    let mut state = fixtures::app_state(Mode::Watch);
    update(&mut state, Msg::Action(Action::ToggleRotation), now());
    let screen = text(&draw(&state, 120, 30));
    assert!(
        screen.contains("rotation paused · space resumes"),
        "{screen}"
    );
    assert!(screen.contains(" WATCH ") && screen.contains("read-only · rotation paused"));
}

#[test]
fn toasts_stack_in_the_corner_80x24() {
    let mut state = fixtures::app_state(Mode::ReadOnly);
    update(&mut state, Msg::Action(Action::TerminateProcess), now());
    update(&mut state, Msg::Action(Action::GotoRunbook), now());
    update(&mut state, Msg::Action(Action::Filter), now());
    assert_snapshot!(draw(&state, 80, 24).backend());
}

#[test]
fn tab_bar_marks_the_critical_tab() {
    let screen = text(&draw(&fixtures::app_state(Mode::Interactive), 80, 24));
    let tab_bar = screen.lines().nth(1).unwrap_or_default();
    assert!(tab_bar.starts_with(" 1 Resources✖"), "{tab_bar}");
    for title in [
        "2 Containers",
        "3 Alerts",
        "4 Databases",
        "5 Endpoints",
        "6 Runbook",
    ] {
        assert!(tab_bar.contains(title), "{tab_bar}");
    }
}

/// The first `rows` rows of the screen, without trailing blanks.
fn top_rows(state: &AppState, width: u16, height: u16, rows: usize) -> String {
    text(&draw(state, width, height))
        .lines()
        .take(rows)
        .map(str::trim_end)
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn watch_header_with_two_engines_and_two_critical_tabs() {
    let state = fixtures::containers_app_state(Mode::Watch);
    for (width, height) in [(80, 24), (200, 50)] {
        let header = top_rows(&state, width, height, 3);
        insta::with_settings!({ snapshot_suffix => format!("{width}x{height}") }, {
            assert_snapshot!("watch_header", header)
        });
        let first = header.lines().next().unwrap_or_default();
        assert!(
            first.contains(" WATCH ") && first.contains("09:30:00"),
            "the mode and the time are whole at {width} columns: {first:?}"
        );
    }
}

#[test]
fn watch_header_parts_never_overlap_when_narrow() {
    let state = fixtures::containers_app_state(Mode::Watch);
    for width in [40, 50, 60, 70, 80, 90, 100] {
        let first = top_rows(&state, width, 24, 1);
        assert!(
            first.contains(" WATCH ") || first.ends_with(" WATCH"),
            "the mode badge is whole at {width} columns: {first:?}"
        );
        assert!(
            first.trim_end().ends_with("09:30:00") || !first.contains(':'),
            "the clock is whole or left out at {width} columns: {first:?}"
        );
    }
}

#[test]
fn footers_of_the_runbook_tab_without_runbooks_and_of_watch() {
    let [narrow, _] = footer_snapshots!("footer_runbook_shift_log", &on_tab(Tab::Runbook));
    assert_eq!(
        narrow,
        " n note   [ earlier   v view   q quit   ? help   tab next   / filter   1-6 tabs"
    );
    let [narrow, _] = footer_snapshots!("footer_watch", &fixtures::app_state(Mode::Watch));
    assert!(
        narrow.contains("q quit") && narrow.contains("space pause"),
        "{narrow:?}"
    );
}

#[test]
fn every_tab_draws_at_every_size() {
    let mut states = Vec::new();
    for tab in [
        Tab::Resources,
        Tab::Containers,
        Tab::Alerts,
        Tab::Databases,
        Tab::Endpoints,
        Tab::Runbook,
    ] {
        states.extend(render_support::with_overlays(tab.title(), &on_tab(tab)));
    }
    states.push(("watch".into(), fixtures::app_state(Mode::Watch)));
    render_support::assert_draws_at_every_size(&states);
}

/// A refusal toast was cut at 100 cells ("read-only mode (--read-…"): a toast shows its whole
/// text, on more rows when it must.
#[test]
fn a_long_toast_wraps_instead_of_being_cut() {
    let mut state = fixtures::app_state(Mode::ReadOnly);
    update(&mut state, Msg::Action(Action::TerminateProcess), now());
    let toast = state.toasts.last().expect("a refusal").text.clone();
    assert!(
        toast.chars().count() + 4 > 100,
        "wider than a toast may be: {toast}"
    );
    for (width, height) in [(200, 50), (80, 24)] {
        let screen = text(&draw(&state, width, height));
        // The toast's rows, read in order: what follows its mark, then the rows below it.
        let rows: Vec<&str> = screen.lines().collect();
        let first = rows
            .iter()
            .position(|row| row.contains(" ✖ refused"))
            .unwrap_or_else(|| panic!("{screen}"));
        let at = rows[first].find(" ✖ refused").unwrap_or_default();
        let start = rows[first][..at].chars().count() + " ✖ ".chars().count();
        let read: Vec<String> = rows[first..]
            .iter()
            .map(|row| {
                let tail: String = row.chars().skip(start).collect();
                tail.trim_end_matches(['│', '╯', ' ']).to_string()
            })
            // The toast ends at a blank row or a panel's border below it.
            .take_while(|tail| !tail.is_empty() && !tail.contains('─'))
            .collect();
        // Rows below it (the footer) may follow: what matters is that all of it is there.
        assert!(read.join(" ").starts_with(&toast), "{toast}:\n{screen}");
    }
}
