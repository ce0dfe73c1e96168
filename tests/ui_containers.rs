//! Snapshots of the Containers tab at 80x24 and 200x50: the list, the detail pane, the log view,
//! a protected container's confirmation, and an engine that cannot be reached.
#![allow(clippy::expect_used, clippy::unwrap_used)] // a failed expectation is the test failing

mod render_support;

use insta::assert_snapshot;
use render_support::{draw, text, theme};
use watchdeck::action::Action;
use watchdeck::command::Mode;
use watchdeck::config::keymap::Context;
use watchdeck::fixtures::{self, now};
use watchdeck::model::containers::LogEvent;
use watchdeck::model::source::{SourceFailure, SourceReport};
use watchdeck::msg::{FilterEdit, Msg, SourceUpdate};
use watchdeck::state::AppState;
use watchdeck::state::list::Listed;
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
    update(
        &mut state,
        Msg::LogEvent {
            key,
            event: LogEvent::Lines(lines),
        },
        now(),
    );
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
    update(
        &mut state,
        Msg::LogEvent {
            key,
            event: LogEvent::Lines(lines),
        },
        now(),
    );
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

/// The edge engine answered last 2m 30s ago and has been refusing connections since.
fn edge_down_for_two_minutes() -> AppState {
    let mut state = fixtures::containers_app_state(Mode::Interactive);
    let edge = |at, result| {
        Msg::Source(SourceUpdate::Docker {
            engine: "edge".into(),
            report: SourceReport { at, result },
        })
    };
    update(
        &mut state,
        edge(
            now() - chrono::Duration::seconds(150),
            Ok(fixtures::edge_snapshot()),
        ),
        now(),
    );
    let failure = SourceFailure {
        error: "cannot reach Docker at tcp://127.0.0.1:2375: connection refused".into(),
        retry_at: now() + chrono::Duration::seconds(8),
    };
    update(
        &mut state,
        edge(now() - chrono::Duration::seconds(140), Err(failure)),
        now(),
    );
    state
}

#[test]
fn engine_unavailable_rows_are_stale_and_dimmed() {
    let state = edge_down_for_two_minutes();
    for (width, height) in [(80, 24), (200, 50)] {
        let terminal = draw(&state, width, height);
        let screen = text(&terminal);
        let (y, row) = screen
            .lines()
            .enumerate()
            .find(|(_, l)| l.contains("traefik"))
            .expect("the last known edge container stays listed");
        assert!(row.contains("running") && row.contains("stale 2m"), "{row}");
        assert!(
            !row.contains("1h 31m"),
            "the uptime no longer counts: {row}"
        );
        let buffer = terminal.backend().buffer();
        let stale = theme("default").stale;
        let inner = 1..width - 1;
        for x in inner.clone() {
            let cell = &buffer[(x, y as u16)];
            if cell.symbol() != " " {
                assert_eq!(cell.style().fg, stale.fg, "{row}: cell {x} is not dimmed");
            }
        }
        let (live_y, _) = screen
            .lines()
            .enumerate()
            .find(|(_, l)| l.contains("shop-web-1"))
            .expect("a live row");
        let ok = theme("default").ok;
        assert!(
            inner
                .clone()
                .any(|x| buffer[(x, live_y as u16)].style().fg == ok.fg),
            "rows of an engine that answers keep their colours"
        );
    }
    both_sizes("containers_engine_down", &state);
}

#[test]
fn rows_of_a_silent_engine_are_stale_and_dimmed() {
    // The fixture's engines last answered 9 s ago; the host answered at `now`.
    let mut state = fixtures::containers_app_state(Mode::Interactive);
    update(&mut state, Msg::Tick, now());
    let terminal = draw(&state, 200, 50);
    let screen = text(&terminal);
    let (y, row) = screen
        .lines()
        .enumerate()
        .find(|(_, l)| l.contains("shop-web-1"))
        .expect("the last known containers stay listed");
    assert!(row.contains("stale 9s"), "{row}");
    let stale = theme("default").stale;
    let buffer = terminal.backend().buffer();
    for x in 1..199 {
        let cell = &buffer[(x, y as u16)];
        if cell.symbol() != " " {
            assert_eq!(cell.style().fg, stale.fg, "{row}: cell {x} is not dimmed");
        }
    }
    both_sizes("containers_engines_stale", &state);
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

/// The longest description the help of the Containers tab lists, from the keymap: all but the
/// rotation's, which only `--watch` offers.
fn longest_help_description() -> &'static str {
    let keymap = watchdeck::config::Keymap::load("default", None).expect("default keymap");
    [Context::Containers, Context::Dialog, Context::Global]
        .into_iter()
        .flat_map(|context| keymap.bindings(context).to_vec())
        .filter(|binding| binding.action != Action::ToggleRotation)
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
                watchdeck::tabs::key_context(&state)
            );
        }
    }
}

/// The local engine reports `migrate` as killed (exit 137).
fn with_exit_137() -> AppState {
    let mut state = fixtures::containers_app_state(Mode::Interactive);
    let mut snapshot = fixtures::engine_snapshot(6);
    for container in &mut snapshot.containers {
        if container.name == "migrate" {
            container.state = watchdeck::model::containers::ContainerState::Exited { code: 137 };
        }
    }
    update(
        &mut state,
        Msg::Source(SourceUpdate::Docker {
            engine: "local".into(),
            report: SourceReport {
                at: now(),
                result: Ok(snapshot),
            },
        }),
        now(),
    );
    state
}

#[test]
fn the_state_column_fits_the_longest_state_with_a_gap() {
    let state = with_exit_137();
    for (width, height) in [(80, 24), (200, 50)] {
        let screen = text(&draw(&state, width, height));
        let row = screen
            .lines()
            .find(|l| l.contains("migrate"))
            .expect("the migrate row");
        assert!(row.contains("exited (137) "), "{row}");
        let header = screen.lines().find(|l| l.contains("NAME")).expect("header");
        let state_at = header.find("STATE").expect("STATE");
        let health_at = header.find("HEALTH").expect("HEALTH");
        let code_end = row.find("exited (137)").expect("state") + "exited (137)".len();
        assert!(
            row.find("exited (137)") == Some(state_at),
            "{header}\n{row}"
        );
        assert!(
            code_end < health_at,
            "a gap before HEALTH:\n{header}\n{row}"
        );
    }
    both_sizes("containers_exit_137", &state);
}

#[test]
fn the_detail_of_a_stale_container_says_so() {
    let mut state = edge_down_for_two_minutes();
    select(&mut state, "traefik");
    act(&mut state, Action::ToggleDetail);
    let screen = text(&draw(&state, 80, 24));
    assert!(
        screen.contains("traefik running (stale 2m: the engine does not answer)"),
        "{screen}"
    );
}

#[test]
fn the_detail_pane_scrolls_to_env_and_health_at_80x24() {
    let mut state = fixtures::containers_app_state(Mode::Interactive);
    select(&mut state, "shop-api-1");
    act(&mut state, Action::ToggleDetail);
    let top = text(&draw(&state, 80, 24));
    assert!(top.contains("↓ more") && !top.contains("↑ more"), "{top}");
    for _ in 0..20 {
        act(&mut state, Action::ScrollDetailDown);
    }
    let screen = text(&draw(&state, 80, 24));
    assert!(
        screen.contains("env      DATABASE_URL, LOG_LEVEL") && !screen.contains("hunter2"),
        "env names, values hidden:\n{screen}"
    );
    assert!(
        screen.contains("health   exit 1 3s ago: curl: (7) Failed to connect"),
        "{screen}"
    );
    assert!(
        screen.contains("↑ more") && !screen.contains("↓ more"),
        "{screen}"
    );
    insta::with_settings!({ snapshot_suffix => "80x24" }, {
        assert_snapshot!("containers_detail_scrolled", draw(&state, 80, 24).backend())
    });
}

/// The log view of shop-web-1 with lines of two runs and the restart between them.
fn restarted_log_view() -> AppState {
    let mut state = fixtures::containers_app_state(Mode::Interactive);
    select(&mut state, "shop-web-1");
    act(&mut state, Action::OpenLogs);
    let key = state.containers.logs.as_ref().expect("open").key.clone();
    let mut lines = fixtures::log_lines(40);
    let new_run = lines.split_off(34);
    for event in [
        LogEvent::Lines(lines),
        LogEvent::Waiting("container exited (0)".into()),
        LogEvent::Resumed {
            at: now() - chrono::Duration::seconds(6),
            restarted: true,
        },
        LogEvent::Lines(new_run),
    ] {
        let key = key.clone();
        update(&mut state, Msg::LogEvent { key, event }, now());
    }
    state
}

#[test]
fn a_restart_shows_as_a_muted_marker_between_the_runs() {
    let state = restarted_log_view();
    let terminal = draw(&state, 80, 24);
    let screen = text(&terminal);
    assert!(screen.contains("following"), "{screen}");
    let (y, row) = screen
        .lines()
        .enumerate()
        .find(|(_, l)| l.contains("── container restarted 09:29:54 ──"))
        .unwrap_or_else(|| panic!("the marker:\n{screen}"));
    let x = row.find('c').expect("text") as u16;
    let muted = theme("default").muted;
    assert_eq!(
        terminal.backend().buffer()[(x, y as u16)].style().fg,
        muted.fg
    );
    both_sizes("containers_logs_restarted", &state);
}

#[test]
fn an_ended_follow_says_so_in_the_title_and_the_view() {
    let mut state = restarted_log_view();
    let key = state.containers.logs.as_ref().expect("open").key.clone();
    let event = LogEvent::Ended("container removed".into());
    update(&mut state, Msg::LogEvent { key, event }, now());
    let screen = text(&draw(&state, 80, 24));
    let title = screen
        .lines()
        .find(|l| l.contains("Logs ·"))
        .expect("title");
    assert!(
        title.contains("ended: container removed") && !title.contains("following"),
        "{title}"
    );
    assert!(
        screen.contains("── log ended: container removed ──"),
        "{screen}"
    );
    both_sizes("containers_logs_ended", &state);
}

#[test]
fn the_net_column_fits_both_directions() {
    let screen = text(&draw(
        &fixtures::containers_app_state(Mode::Interactive),
        200,
        50,
    ));
    let row = screen
        .lines()
        .find(|l| l.contains("shop-web-1"))
        .expect("a row");
    assert!(row.contains("↓11.8 MiB ↑3.0 MiB"), "{row}");
}

#[test]
fn every_view_draws_at_every_size() {
    let list = fixtures::containers_app_state(Mode::Interactive);
    let mut detail = list.clone();
    select(&mut detail, "shop-api-1");
    act(&mut detail, Action::ToggleDetail);
    let mut logs = list.clone();
    select(&mut logs, "shop-web-1");
    act(&mut logs, Action::OpenLogs);
    let key = logs
        .containers
        .logs
        .as_ref()
        .map(|l| l.key.clone())
        .unwrap();
    let lines = fixtures::log_lines(120);
    update(
        &mut logs,
        Msg::LogEvent {
            key,
            event: LogEvent::Lines(lines),
        },
        now(),
    );
    let mut confirm = list.clone();
    select(&mut confirm, "shop-db-1");
    act(&mut confirm, Action::RestartContainer);
    let mut states = render_support::with_overlays("list", &list);
    states.extend(render_support::with_overlays("detail", &detail));
    states.extend(render_support::with_overlays("logs", &logs));
    states.push(("confirm".into(), confirm));
    render_support::assert_draws_at_every_size(&states);
}

#[test]
fn moving_up_inside_the_rows_in_view_scrolls_nothing() {
    let state = fixtures::containers_app_state(Mode::Interactive);
    render_support::assert_moving_up_scrolls_only_past_the_top(state, "Containers", 80, 12);
}

/// A name wider than its column was clipped without a mark; now it ends with `…` and keeps its
/// protection mark, and a group's title is drawn across the row.
#[test]
fn a_long_name_ends_with_a_mark_when_cut() {
    let mut state = fixtures::containers_app_state(Mode::Interactive);
    let mut snapshot = fixtures::engine_snapshot(4);
    for container in &mut snapshot.containers {
        container.name = format!("{}-reconciliation-service-replica", container.name);
    }
    let engine = snapshot.engine.clone();
    update(
        &mut state,
        Msg::Source(SourceUpdate::Docker {
            engine,
            report: SourceReport {
                at: now(),
                result: Ok(snapshot),
            },
        }),
        now(),
    );
    let screen = text(&draw(&state, 80, 24));
    let rows: Vec<&str> = screen
        .lines()
        .filter(|line| line.contains("shop-api-1-reconc"))
        .collect();
    assert!(!rows.is_empty(), "{screen}");
    assert!(rows.iter().all(|row| row.contains('…')), "{screen}");
    assert!(
        screen
            .lines()
            .any(|line| line.contains("shop-db-1-rec") && line.contains("… [P]")),
        "{screen}"
    );
}

#[test]
fn v_groups_the_list_by_engine() {
    let mut state = fixtures::containers_app_state(Mode::Interactive);
    act(&mut state, Action::ToggleGroups);
    both_sizes("containers_by_engine", &state);
    act(&mut state, Action::ToggleGroups);
    assert_eq!(
        text(&draw(&state, 200, 50)),
        text(&draw(
            &fixtures::containers_app_state(Mode::Interactive),
            200,
            50
        )),
        "v again groups by Compose project"
    );
}
