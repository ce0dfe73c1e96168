//! The Runbook tab's reducer with a fixed clock: ticks and notes go through the one operator
//! gate (a typed note, refused in the read-only modes with an audit entry), the shared log read
//! again every ten seconds, periods browsed back, a procedure opened from a firing alert whose
//! ticks and actions count toward that incident. Message in, state and effects out.
#![allow(clippy::expect_used, clippy::unwrap_used)] // a failed expectation is the test failing

use chrono::{DateTime, Duration, FixedOffset, Utc};
use watchdeck::action::Action;
use watchdeck::command::{ContainerCommand, Mark, Mode, OperatorCommand, RunbookCommand, Toward};
use watchdeck::effect::Effect;
use watchdeck::fixtures::{self, now};
use watchdeck::model::containers::ContainerAction;
use watchdeck::msg::{CheckRun, FilterEdit, Msg};
use watchdeck::runbook::check::CheckOutcome;
use watchdeck::runbook::log::{Entry, EntryKind, RunbookLog, Scope, StepState};
use watchdeck::state::runbook::RunbookView;
use watchdeck::state::{AppState, Overlay};
use watchdeck::tab::Tab;

fn act(state: &mut AppState, action: Action) -> Vec<Effect> {
    update(state, Msg::Action(action))
}

fn update(state: &mut AppState, msg: Msg) -> Vec<Effect> {
    watchdeck::update::update(state, msg, now())
}

fn type_text(state: &mut AppState, text: &str) {
    for c in text.chars() {
        update(state, Msg::FilterEdit(FilterEdit::Insert(c)));
    }
}

fn utc() -> FixedOffset {
    FixedOffset::east_opt(0).unwrap()
}

fn step_id(state: &AppState, runbook: &str, index: usize) -> String {
    state.runbook.runbooks.get(runbook).unwrap().steps[index]
        .id
        .clone()
}

/// The tick command a confirmed dialog executes.
fn executed(effects: &[Effect]) -> &RunbookCommand {
    match effects {
        [Effect::Execute(OperatorCommand::Runbook(command))] => command,
        other => panic!("not one runbook command: {other:?}"),
    }
}

#[test]
fn a_tick_asks_for_a_note_and_the_confirmed_tick_carries_it_with_the_period_and_time() {
    let mut state = fixtures::runbook_app_state(Mode::Interactive);
    act(&mut state, Action::SelectLast);
    assert!(act(&mut state, Action::TickDone).is_empty());
    let Overlay::Confirm(dialog) = &state.overlay else {
        panic!("no dialog: {:?}", state.overlay)
    };
    assert!(dialog.typed.as_ref().is_some_and(|t| t.expected.is_none()));
    type_text(&mut state, "pg_dump 02:00 ok, 4.1 GB");
    let effects = act(&mut state, Action::Confirm);
    let step = step_id(&state, "daily", 7);
    assert_eq!(
        executed(&effects),
        &RunbookCommand::Tick {
            runbook: "daily".into(),
            step,
            toward: Toward::Period("2026-11-22".into()),
            mark: Mark::Done,
            note: "pg_dump 02:00 ok, 4.1 GB".into(),
            at: now(),
        }
    );
    assert_eq!(state.in_flight.len(), 1, "one tick of a step at a time");
}

#[test]
fn ticks_and_notes_are_refused_in_read_only_and_watch_with_an_audit_entry() {
    for mode in [Mode::ReadOnly, Mode::Watch] {
        let mut state = fixtures::runbook_app_state(mode);
        for action in [Action::TickDone, Action::TickFailed, Action::AddNote] {
            let effects = act(&mut state, action);
            assert_eq!(state.overlay, Overlay::None, "{mode:?} {action:?}");
            assert!(
                matches!(
                    effects.as_slice(),
                    [Effect::RecordRefusal {
                        command: OperatorCommand::Runbook(_),
                        ..
                    }]
                ),
                "{mode:?} {action:?}: {effects:?}"
            );
            assert!(
                state
                    .toasts
                    .last()
                    .unwrap()
                    .text
                    .starts_with("refused: runbook")
            );
        }
    }
}

#[test]
fn a_note_must_have_text_and_goes_to_the_shift_log() {
    let mut state = fixtures::runbook_app_state(Mode::Interactive);
    act(&mut state, Action::AddNote);
    assert!(act(&mut state, Action::Confirm).is_empty(), "an empty note");
    assert!(matches!(state.overlay, Overlay::Confirm(_)), "stays open");
    type_text(&mut state, "restarted nginx after the config change");
    let effects = act(&mut state, Action::Confirm);
    assert_eq!(
        executed(&effects),
        &RunbookCommand::Note {
            text: "restarted nginx after the config change".into(),
            at: now(),
            incident: None,
        }
    );
}

#[test]
fn another_consoles_tick_shows_once_the_log_is_read_again() {
    let mut state = fixtures::runbook_app_state(Mode::Interactive);
    let before = state.runbook.daily(now()).unwrap().0;
    let step = step_id(&state, "daily", 4);
    let theirs = Entry::new(
        now() - Duration::seconds(3),
        "carol",
        EntryKind::Tick {
            runbook: "daily".into(),
            step,
            scope: Scope::Period("2026-11-22".into()),
            state: StepState::Done,
            note: String::new(),
        },
    );
    let mut shared = fixtures::daily_log(&state.runbook.runbooks);
    shared.extend([theirs]);
    update(
        &mut state,
        Msg::RunbookLog {
            log: Ok(shared),
            offset: utc(),
        },
    );
    let after = state.runbook.daily(now()).unwrap().0;
    assert_eq!(after.settled, before.settled + 1);
    // An older read (the other console's file before its tick) takes nothing away.
    update(
        &mut state,
        Msg::RunbookLog {
            log: Ok(RunbookLog::default()),
            offset: utc(),
        },
    );
    assert_eq!(state.runbook.daily(now()).unwrap().0, after);
}

#[test]
fn a_log_that_cannot_be_read_is_said_once_and_keeps_what_was_read() {
    let mut state = fixtures::runbook_app_state(Mode::Interactive);
    let before = state.runbook.log.clone();
    let error = Msg::RunbookLog {
        log: Err("cannot read /srv/ops/runbook.json: permission denied".into()),
        offset: utc(),
    };
    update(&mut state, error.clone());
    update(&mut state, error);
    assert_eq!(state.runbook.log, before);
    assert_eq!(
        state
            .toasts
            .iter()
            .filter(|t| t.text.contains("permission denied"))
            .count(),
        1
    );
    assert!(state.runbook.log_error.is_some());
}

#[test]
fn the_shared_log_is_read_again_every_ten_seconds() {
    let mut state = fixtures::runbook_app_state(Mode::Interactive);
    let tick = |state: &mut AppState, at: DateTime<Utc>| {
        watchdeck::update::update(state, Msg::Tick, at)
            .into_iter()
            .filter(|e| *e == Effect::LoadRunbookLog)
            .count()
    };
    assert_eq!(tick(&mut state, now()), 1, "at once");
    assert_eq!(tick(&mut state, now() + Duration::seconds(5)), 0);
    assert_eq!(tick(&mut state, now() + Duration::seconds(9)), 0);
    assert_eq!(tick(&mut state, now() + Duration::seconds(10)), 1);
    assert_eq!(tick(&mut state, now() + Duration::seconds(11)), 0);
}

#[test]
fn a_day_browsed_back_is_ticked_in_its_own_period_and_esc_comes_back_to_today() {
    let mut state = fixtures::runbook_app_state(Mode::Interactive);
    act(&mut state, Action::PrevPeriod);
    act(&mut state, Action::TickSkipped);
    let effects = act(&mut state, Action::Confirm);
    let RunbookCommand::Tick { toward, mark, .. } = executed(&effects) else {
        panic!("not a tick")
    };
    assert_eq!(
        (toward, *mark),
        (&Toward::Period("2026-11-21".into()), Mark::Skipped)
    );
    assert_eq!(state.runbook.back, 1);
    act(&mut state, Action::Cancel);
    assert_eq!(state.runbook.back, 0);
    // Never past today.
    act(&mut state, Action::NextPeriod);
    assert_eq!(state.runbook.back, 0);
}

#[test]
fn the_weekly_list_ticks_in_its_week() {
    let mut state = fixtures::runbook_app_state(Mode::Interactive);
    act(&mut state, Action::NextRunbookView);
    assert_eq!(state.runbook.view, RunbookView::Checklist("weekly".into()));
    act(&mut state, Action::TickDone);
    let effects = act(&mut state, Action::Confirm);
    let RunbookCommand::Tick { toward, .. } = executed(&effects) else {
        panic!("not a tick")
    };
    // 2026-11-22 is a Sunday: the week that began on Monday the 16th.
    assert_eq!(toward, &Toward::Period("2026-W47".into()));
}

/// The fixture's containers with the shipped runbooks, the firing container alert selected on
/// the Alerts tab.
fn container_alert_selected() -> AppState {
    let mut state = fixtures::with_runbooks(fixtures::containers_app_state(Mode::Interactive));
    act(&mut state, Action::GotoAlerts);
    act(&mut state, Action::SelectFirst);
    for _ in 0..50 {
        let named = state.alerts.selected().and_then(|a| a.runbook.clone());
        if named.is_some_and(|r| r.starts_with("container-")) {
            return state;
        }
        act(&mut state, Action::SelectNext);
    }
    panic!("no firing container alert")
}

#[test]
fn one_key_on_a_firing_alert_opens_its_procedure_and_its_ticks_count_toward_the_incident() {
    let mut state = container_alert_selected();
    let alert = state.alerts.selected().unwrap().clone();
    act(&mut state, Action::OpenRunbook);
    assert_eq!(state.tab, Tab::Runbook);
    assert_eq!(state.runbook.view, RunbookView::Procedure);
    let opened = state.runbook.opened.clone().unwrap();
    assert_eq!(opened.alert, alert.key);
    assert_eq!(Some(opened.since), alert.firing_since);
    assert_eq!(opened.procedure, alert.runbook);
    act(&mut state, Action::TickDone);
    let effects = act(&mut state, Action::Confirm);
    let RunbookCommand::Tick {
        toward, runbook, ..
    } = executed(&effects)
    else {
        panic!("not a tick")
    };
    assert_eq!(Some(runbook), alert.runbook.as_ref());
    assert_eq!(
        toward,
        &Toward::Incident {
            alert: alert.key.clone(),
            since: alert.firing_since.unwrap(),
        }
    );
}

#[test]
fn a_steps_action_from_the_procedure_acts_on_the_alerts_container_for_the_incident() {
    let mut state = container_alert_selected();
    let alert = state.alerts.selected().unwrap().clone();
    act(&mut state, Action::OpenRunbook);
    let procedure = state
        .runbook
        .runbooks
        .get(alert.runbook.as_deref().unwrap())
        .unwrap()
        .clone();
    let index = procedure
        .steps
        .iter()
        .position(|s| s.action.is_some())
        .unwrap();
    for _ in 0..index {
        act(&mut state, Action::SelectNext);
    }
    assert!(act(&mut state, Action::RunStepAction).is_empty());
    assert!(matches!(state.overlay, Overlay::Confirm(_)));
    let effects = act(&mut state, Action::Confirm);
    let Effect::Execute(command) = &effects[0] else {
        panic!("{effects:?}")
    };
    let OperatorCommand::Runbook(RunbookCommand::Step {
        runbook,
        toward,
        command: acting,
        ..
    }) = command
    else {
        panic!("{command:?}")
    };
    assert_eq!(runbook, &procedure.name);
    assert!(matches!(toward, Toward::Incident { alert: key, .. } if *key == alert.key));
    let OperatorCommand::Container(ContainerCommand { name, action, .. }) = acting.as_ref() else {
        panic!("{acting:?}")
    };
    assert_eq!(Some(name.as_str()), alert.key.label("container"));
    assert!(matches!(
        action,
        ContainerAction::Restart | ContainerAction::Start | ContainerAction::Stop
    ));
    // The audit names the incident.
    assert!(
        command.target().contains("for incident"),
        "{}",
        command.target()
    );
    // A second action on that container while this one runs is refused, from any tab.
    assert!(state.in_flight_on(acting).is_some());
}

#[test]
fn an_alert_naming_no_runbook_says_so_and_stays() {
    let mut state = container_alert_selected();
    let key = state.alerts.selected().unwrap().key.clone();
    // Its rule's runbook taken away, as a user rule without one.
    for alert in state.alerts.alerts.values_mut() {
        if alert.key == key {
            alert.runbook = None;
        }
    }
    act(&mut state, Action::OpenRunbook);
    assert_eq!(state.tab, Tab::Alerts);
    assert!(
        state
            .toasts
            .last()
            .unwrap()
            .text
            .ends_with("names no runbook")
    );
}

#[test]
fn a_runbook_url_alone_opens_with_the_url_and_y_copies_it_through_an_effect() {
    let mut state = container_alert_selected();
    let key = state.alerts.selected().unwrap().key.clone();
    let url = "https://wiki.example/runbooks/ServiceFlapping.md";
    for alert in state.alerts.alerts.values_mut() {
        if alert.key == key {
            alert.runbook = Some(url.into());
        }
    }
    act(&mut state, Action::OpenRunbook);
    assert_eq!(state.tab, Tab::Runbook);
    let opened = state.runbook.opened.clone().unwrap();
    assert_eq!((opened.procedure, opened.url.as_deref()), (None, Some(url)));
    assert!(
        act(&mut state, Action::TickDone).is_empty(),
        "no steps to tick"
    );
    assert_eq!(state.overlay, Overlay::None);
    assert_eq!(
        act(&mut state, Action::CopyRunbookUrl),
        [Effect::CopyToClipboard(url.into())]
    );
}

#[test]
fn a_url_naming_a_procedure_by_its_last_path_part_opens_the_procedure() {
    let mut state = container_alert_selected();
    let key = state.alerts.selected().unwrap().key.clone();
    for alert in state.alerts.alerts.values_mut() {
        if alert.key == key {
            alert.runbook = Some("https://wiki.example/runbooks/container-unhealthy.md".into());
        }
    }
    act(&mut state, Action::OpenRunbook);
    let opened = state.runbook.opened.clone().unwrap();
    assert_eq!(opened.procedure.as_deref(), Some("container-unhealthy"));
}

#[test]
fn automatic_checks_are_judged_each_second_from_the_metric_store_and_the_alerts() {
    let mut state = fixtures::runbook_app_state(Mode::Interactive);
    let later = now() + Duration::seconds(1);
    watchdeck::update::update(&mut state, Msg::Tick, later);
    let result = |state: &AppState, index: usize| {
        state
            .runbook
            .checks
            .get(&("daily".to_string(), step_id(state, "daily", index)))
            .cloned()
            .unwrap()
    };
    // The fixture host's data disk is at 93.8%: the daily disk step's `< 80` does not hold.
    let disk = result(&state, 3);
    assert_eq!(disk.checked_at, later);
    assert!(
        matches!(&disk.outcome, CheckOutcome::Fail(why) if why.contains("system_disk_used_percent")),
        "{disk:?}"
    );
    // No container rule fires on it.
    assert_eq!(result(&state, 1).outcome, CheckOutcome::Pass);
}

#[test]
fn only_the_shown_runbooks_checks_and_the_auto_ones_are_judged() {
    let mut state = fixtures::runbook_app_state(Mode::Interactive);
    let manual: Vec<(String, String)> = state
        .runbook
        .runbooks
        .iter()
        .flat_map(|r| {
            r.steps
                .iter()
                .filter(|s| s.check.is_some() && !s.auto)
                .map(|s| (r.name.clone(), s.id.clone()))
        })
        .collect();
    assert!(!manual.is_empty());
    act(&mut state, Action::GotoResources);
    update(&mut state, Msg::Tick);
    assert!(
        manual
            .iter()
            .all(|key| !state.runbook.checks.contains_key(key)),
        "nothing shown, nothing but auto checks"
    );
    // The weekly list shown: its checks are judged too.
    act(&mut state, Action::GotoRunbook);
    act(&mut state, Action::NextRunbookView);
    update(&mut state, Msg::Tick);
    let weekly = state.runbook.runbooks.get("weekly").unwrap();
    for step in weekly.steps.iter().filter(|s| {
        s.check
            .as_ref()
            .is_some_and(|c| c.needs() == watchdeck::runbook::check::Needs::Nothing)
    }) {
        assert!(
            state
                .runbook
                .checks
                .contains_key(&("weekly".to_string(), step.id.clone())),
            "{}",
            step.id
        );
    }
}

/// The fixture host with, besides the shipped runbooks, the operator's own checklist `ops`
/// whose steps check by commands: one `auto`, one only when asked.
fn with_own_commands(mode: Mode) -> AppState {
    use watchdeck::runbook::catalogue::{Known, RunbookText, load_runbooks};
    use watchdeck::runbook::model::Origin;
    let mut state = fixtures::runbook_app_state(mode);
    let text = r#"
name = "ops"
title = "Ops own checks"
kind = "checklist"
cadence = "daily"

[[step]]
title = "nginx is active"
check = { command = { argv = ["systemctl", "is-active", "nginx"], timeout = "5s" } }
auto = true

[[step]]
title = "backup verify"
check = { command = { argv = ["/usr/local/bin/verify-backup"], timeout = "30s" } }
"#;
    let file = "/home/ops/.config/watchdeck/runbooks/ops.toml".to_string();
    let own = RunbookText {
        file: file.clone(),
        text: text.into(),
        origin: Origin::User(file),
    };
    let config = watchdeck::config::Config::default();
    let rules = watchdeck::config::default_rules().unwrap();
    let series = watchdeck::tabs::published_series();
    let known = Known::of(&config, &rules, &series);
    let runbooks = load_runbooks(&RunbookText::shipped(), &[own], &known).unwrap();
    state.runbook = state.runbook.clone().with_runbooks(runbooks);
    state
}

fn show(state: &mut AppState, view: &RunbookView) {
    for _ in 0..10 {
        if state.runbook.view == *view {
            return;
        }
        act(state, Action::NextRunbookView);
    }
    panic!("no view {view:?}");
}

#[test]
fn an_auto_command_check_runs_each_minute_whatever_the_mode_and_one_not_auto_never_by_itself() {
    for mode in [Mode::Interactive, Mode::ReadOnly, Mode::Watch] {
        let mut state = with_own_commands(mode);
        let runs = |state: &mut AppState, at: DateTime<Utc>| -> Vec<String> {
            watchdeck::update::update(state, Msg::Tick, at)
                .into_iter()
                .filter_map(|e| match e {
                    Effect::RunCheckCommand { runbook, run, .. } => {
                        Some(format!("{runbook}: {}", run.argv.join(" ")))
                    }
                    _ => None,
                })
                .collect()
        };
        assert_eq!(
            runs(&mut state, now()),
            ["ops: systemctl is-active nginx"],
            "{mode:?}"
        );
        // Still running a minute later: not stacked.
        assert!(runs(&mut state, now() + Duration::seconds(61)).is_empty());
        let step = step_id(&state, "ops", 0);
        let failed = watchdeck::runbook::check::CommandResult {
            end: watchdeck::runbook::check::CommandEnd::Exited(3),
            output: "inactive\n".into(),
            truncated: false,
            took: std::time::Duration::from_millis(20),
        };
        update(
            &mut state,
            Msg::CheckRan {
                runbook: "ops".into(),
                step: step.clone(),
                found: CheckRun::Command(failed),
            },
        );
        let result = &state.runbook.checks[&("ops".to_string(), step)];
        assert_eq!(
            result.outcome,
            CheckOutcome::Fail("exit status 3: inactive".into())
        );
        assert_eq!(runs(&mut state, now() + Duration::seconds(122)).len(), 1);
    }
}

#[test]
fn a_command_check_run_by_hand_asks_first_and_is_refused_in_the_read_only_modes() {
    let mut state = with_own_commands(Mode::Interactive);
    show(&mut state, &RunbookView::Checklist("ops".into()));
    act(&mut state, Action::SelectLast);
    assert!(act(&mut state, Action::RunCheck).is_empty());
    assert!(matches!(&state.overlay, Overlay::Confirm(d) if d.title == "Check: backup verify"));
    let effects = act(&mut state, Action::Confirm);
    assert!(
        matches!(
            executed(&effects),
            RunbookCommand::Check { argv, .. } if argv == &["/usr/local/bin/verify-backup"]
        ),
        "{effects:?}"
    );
    for mode in [Mode::ReadOnly, Mode::Watch] {
        let mut state = with_own_commands(mode);
        show(&mut state, &RunbookView::Checklist("ops".into()));
        act(&mut state, Action::SelectLast);
        let effects = act(&mut state, Action::RunCheck);
        assert_eq!(state.overlay, Overlay::None);
        assert!(
            matches!(effects.as_slice(), [Effect::RecordRefusal { .. }]),
            "{mode:?}: {effects:?}"
        );
    }
}

#[test]
fn the_logs_check_reads_the_logs_each_minute_and_a_match_fails_it() {
    let mut state = fixtures::runbook_app_state(Mode::ReadOnly);
    let scans = |state: &mut AppState, at: DateTime<Utc>| -> Vec<String> {
        watchdeck::update::update(state, Msg::Tick, at)
            .into_iter()
            .filter_map(|e| match e {
                Effect::ScanLogs { runbook, scan, .. } => {
                    Some(format!("{runbook} {} {}", scan.containers, scan.tail))
                }
                _ => None,
            })
            .collect()
    };
    assert_eq!(scans(&mut state, now()), ["daily * 100"]);
    assert!(scans(&mut state, now() + Duration::seconds(30)).is_empty());
    let step = step_id(&state, "daily", 4);
    let ran = |lines: Result<Vec<(String, Vec<String>)>, String>| Msg::CheckRan {
        runbook: "daily".into(),
        step: step.clone(),
        found: CheckRun::Logs(lines),
    };
    update(
        &mut state,
        ran(Ok(vec![(
            "web".into(),
            vec!["GET / 200".into(), "ERROR upstream timed out".into()],
        )])),
    );
    let outcome = |state: &AppState| {
        state.runbook.checks[&("daily".to_string(), step.clone())]
            .outcome
            .clone()
    };
    assert!(
        matches!(outcome(&state), CheckOutcome::Fail(why) if why.contains("web: ERROR upstream timed out")),
        "{:?}",
        outcome(&state)
    );
    update(
        &mut state,
        ran(Err("no answer from the engine within 10s".into())),
    );
    assert!(matches!(outcome(&state), CheckOutcome::Unknown(_)));
    // Read by hand at once, even on a read-only console: reading logs changes nothing.
    for _ in 0..4 {
        act(&mut state, Action::SelectNext);
    }
    assert!(matches!(
        act(&mut state, Action::RunCheck).as_slice(),
        [Effect::ScanLogs { .. }]
    ));
}

#[test]
fn an_auto_command_check_asked_by_hand_runs_at_once_in_every_mode() {
    for mode in [Mode::Interactive, Mode::Watch] {
        let mut state = with_own_commands(mode);
        show(&mut state, &RunbookView::Checklist("ops".into()));
        let effects = act(&mut state, Action::RunCheck);
        assert!(
            matches!(effects.as_slice(), [Effect::RunCheckCommand { runbook, .. }] if runbook == "ops"),
            "{mode:?}: {effects:?}"
        );
        assert_eq!(state.overlay, Overlay::None);
        // Not twice at once.
        assert!(act(&mut state, Action::RunCheck).is_empty());
    }
}

#[test]
fn a_note_written_on_a_procedure_opened_from_an_alert_is_about_that_incident() {
    let mut state = container_alert_selected();
    let alert = state.alerts.selected().unwrap().clone();
    act(&mut state, Action::OpenRunbook);
    act(&mut state, Action::AddNote);
    type_text(&mut state, "web restarted, watching it");
    let effects = act(&mut state, Action::Confirm);
    let RunbookCommand::Note { incident, .. } = executed(&effects) else {
        panic!("not a note")
    };
    assert_eq!(
        incident,
        &Some((alert.key.clone(), alert.firing_since.unwrap()))
    );
}

#[test]
fn no_check_is_judged_while_the_tab_is_not_shown_and_all_from_its_first_second() {
    let mut state = fixtures::runbook_app_state(Mode::Interactive);
    act(&mut state, Action::GotoResources);
    state.runbook.checks.clear();
    update(&mut state, Msg::Tick);
    // Their results show on the Runbook tab alone: judging them elsewhere costs each second.
    assert!(
        state.runbook.checks.is_empty(),
        "{:?}",
        state.runbook.checks
    );
    act(&mut state, Action::GotoRunbook);
    update(&mut state, Msg::Tick);
    let auto = state
        .runbook
        .runbooks
        .iter()
        .flat_map(|r| r.steps.iter().map(move |s| (r, s)))
        .filter(|(_, s)| {
            s.auto
                && s.check
                    .as_ref()
                    .is_some_and(|c| c.needs() == watchdeck::runbook::check::Needs::Nothing)
        })
        .count();
    assert!(auto > 0);
    assert!(
        state.runbook.checks.len() >= auto,
        "{:?}",
        state.runbook.checks
    );
}
