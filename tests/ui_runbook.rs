//! Snapshots of the Runbook tab at 80x24 and 200x50: the daily, weekly and monthly checklists
//! with ticks from two consoles and an open detail, a procedure opened from a firing alert, an
//! alert whose runbook is only a URL, and the shift log; the header's daily progress.
#![allow(clippy::expect_used, clippy::unwrap_used)] // a failed expectation is the test failing

#[allow(dead_code)] // the tab scrolls with its table, not a `ListState`
mod render_support;

use insta::assert_snapshot;
use render_support::{draw, text};
use watchdeck::action::Action;
use watchdeck::command::Mode;
use watchdeck::fixtures::{self, now};
use watchdeck::msg::Msg;
use watchdeck::state::AppState;
use watchdeck::state::runbook::RunbookView;
use watchdeck::tab::Tab;
use watchdeck::update::update;

fn act(state: &mut AppState, action: Action) {
    update(state, Msg::Action(action), now());
}

fn both_sizes(name: &str, state: &AppState) {
    insta::with_settings!({ snapshot_suffix => "80x24" }, { assert_snapshot!(name, draw(state, 80, 24).backend()) });
    insta::with_settings!({ snapshot_suffix => "200x50" }, { assert_snapshot!(name, draw(state, 200, 50).backend()) });
}

fn view(state: &mut AppState, wanted: &RunbookView) {
    for _ in 0..10 {
        if state.runbook.view == *wanted {
            return;
        }
        act(state, Action::NextRunbookView);
    }
    panic!("no view {wanted:?}");
}

/// The fixture host with a firing alert selected on the Alerts tab whose rule names `disk-full`,
/// opened with one key.
fn opened_from_alert() -> AppState {
    let mut state = fixtures::runbook_app_state(Mode::Interactive);
    act(&mut state, Action::GotoAlerts);
    act(&mut state, Action::SelectFirst);
    while state.alerts.selected().and_then(|a| a.runbook.as_deref()) != Some("disk-full") {
        act(&mut state, Action::SelectNext);
    }
    act(&mut state, Action::OpenRunbook);
    assert_eq!(state.tab, Tab::Runbook);
    state
}

#[test]
fn daily_checklist() {
    let state = fixtures::runbook_app_state(Mode::Interactive);
    both_sizes("daily", &state);
    let screen = text(&draw(&state, 200, 50));
    for expected in [
        "Daily check",
        "2026-11-22",
        "4/",
        "/var at 91%, rotated the nginx logs",
        "bob",
        "overdue: 2026-11-21 left open",
    ] {
        assert!(screen.contains(expected), "{expected}:\n{screen}");
    }
}

#[test]
fn a_steps_details_and_its_history() {
    let mut state = fixtures::runbook_app_state(Mode::Interactive);
    for _ in 0..3 {
        act(&mut state, Action::SelectNext);
    }
    act(&mut state, Action::ToggleDetail);
    both_sizes("daily_detail", &state);
    let screen = text(&draw(&state, 200, 50));
    assert!(screen.contains("failed by alice"), "{screen}");
    assert!(screen.contains("system_disk_used_percent"), "{screen}");
}

#[test]
fn weekly_and_monthly_checklists() {
    let mut state = fixtures::runbook_app_state(Mode::Interactive);
    act(&mut state, Action::NextRunbookView);
    both_sizes("weekly", &state);
    assert!(text(&draw(&state, 200, 50)).contains("2026-W47"));
    act(&mut state, Action::NextRunbookView);
    both_sizes("monthly", &state);
    assert!(text(&draw(&state, 200, 50)).contains("2026-11"));
}

#[test]
fn yesterdays_list_browsed_back() {
    let mut state = fixtures::runbook_app_state(Mode::Interactive);
    act(&mut state, Action::PrevPeriod);
    let screen = text(&draw(&state, 200, 50));
    assert!(screen.contains("2026-11-21 (1 back)"), "{screen}");
    assert!(screen.contains("left open"), "{screen}");
}

#[test]
fn a_procedure_opened_from_an_alert() {
    let state = opened_from_alert();
    both_sizes("procedure_from_alert", &state);
    let screen = text(&draw(&state, 200, 50));
    for expected in ["Incident: DiskSpaceLow", "firing since", "mount=/var"] {
        assert!(screen.contains(expected), "{expected}:\n{screen}");
    }
}

#[test]
fn an_alert_with_only_a_runbook_url() {
    let mut state = fixtures::runbook_app_state(Mode::Interactive);
    let alert = state
        .alerts
        .firing()
        .next()
        .cloned()
        .expect("a firing alert");
    let opened = watchdeck::state::runbook::Opened {
        procedure: None,
        alert: alert.key.clone(),
        summary: alert.summary.clone(),
        value: "91".into(),
        since: now() - chrono::Duration::minutes(20),
        url: Some("https://wiki.example/runbooks/BackupLate.md".into()),
    };
    let subject = watchdeck::tabs::Subject::Runbook(Box::new(opened));
    watchdeck::tabs::focus(&mut state, &subject);
    both_sizes("procedure_url_only", &state);
    let screen = text(&draw(&state, 200, 50));
    assert!(screen.contains("y copies"), "{screen}");
}

#[test]
fn the_shift_log() {
    let mut state = fixtures::runbook_app_state(Mode::Interactive);
    view(&mut state, &RunbookView::ShiftLog);
    both_sizes("shift_log", &state);
    let screen = text(&draw(&state, 200, 50));
    for expected in ["db-01 /var filling up", "load test running", "skipped"] {
        assert!(screen.contains(expected), "{expected}:\n{screen}");
    }
}

#[test]
fn a_tick_dialog_asks_for_a_note() {
    let mut state = fixtures::runbook_app_state(Mode::Interactive);
    act(&mut state, Action::SelectLast);
    act(&mut state, Action::TickDone);
    update(
        &mut state,
        Msg::FilterEdit(watchdeck::msg::FilterEdit::Insert('o')),
        now(),
    );
    update(
        &mut state,
        Msg::FilterEdit(watchdeck::msg::FilterEdit::Insert('k')),
        now(),
    );
    both_sizes("tick_dialog", &state);
}

#[test]
fn every_view_draws_at_every_size() {
    let daily = fixtures::runbook_app_state(Mode::Interactive);
    let mut detail = daily.clone();
    act(&mut detail, Action::ToggleDetail);
    let mut shift_log = daily.clone();
    view(&mut shift_log, &RunbookView::ShiftLog);
    let procedure = opened_from_alert();
    let mut states = render_support::with_overlays("daily", &daily);
    states.extend(render_support::with_overlays("detail", &detail));
    states.extend(render_support::with_overlays("shift log", &shift_log));
    states.extend(render_support::with_overlays("procedure", &procedure));
    render_support::assert_draws_at_every_size(&states);
}

#[test]
fn the_header_shows_the_daily_progress_on_every_tab_marked_when_overdue() {
    let mut state = fixtures::runbook_app_state(Mode::Interactive);
    let top = |state: &AppState, width: u16| {
        text(&draw(state, width, 24))
            .lines()
            .next()
            .unwrap()
            .to_string()
    };
    for tab in [Tab::Resources, Tab::Alerts, Tab::Runbook] {
        state.tab = tab;
        for width in [80, 200] {
            let header = top(&state, width);
            assert!(header.contains("⚠ daily 4/8"), "{tab:?} {width}: {header}");
        }
    }
    // Narrow, it is whole or left out, and the clock stays whole or goes first.
    for width in [30, 40, 50, 60, 70] {
        let header = top(&state, width);
        assert!(
            header.contains("⚠ daily 4/8") || !header.contains("daily"),
            "{width}: {header}"
        );
    }
    // Only today's ticks kept: yesterday was never kept, so nothing is overdue.
    let log = fixtures::daily_log(&state.runbook.runbooks);
    let today: Vec<_> = log
        .entries()
        .iter()
        .filter(|e| e.at.date_naive() == now().date_naive())
        .cloned()
        .collect();
    state.runbook.log = watchdeck::runbook::log::RunbookLog::from_entries(today);
    let header = top(&state, 80);
    assert!(
        header.contains("daily 4/8") && !header.contains('⚠'),
        "{header}"
    );
}
