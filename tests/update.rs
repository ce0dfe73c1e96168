//! The reducer, message in → state and effects out: no terminal, no runtime, no clock.
#![allow(clippy::expect_used, clippy::unwrap_used)] // a failed expectation is the test failing

use chrono::Duration;
use strum::IntoEnumIterator;
use watchdeck::action::Action;
use watchdeck::alerts::engine::RuleSet;
use watchdeck::command::Mode;
use watchdeck::command::{
    CommandError, CommandOutcome, OperatorCommand, ProcessCommand, ProcessSignal,
};
use watchdeck::config::Config;
use watchdeck::effect::Effect;
use watchdeck::findings::Severity;
use watchdeck::fixtures::{self, now};
use watchdeck::model::resources::HostKey;
use watchdeck::model::source::{SourceDeath, SourceId};
use watchdeck::model::source::{SourceFailure, SourceReport};
use watchdeck::msg::{FilterEdit, Msg, SourceUpdate};
use watchdeck::state::source::SourceStatus;
use watchdeck::state::{AppState, Overlay, SYSTEM_SOURCE, ToastKind};
use watchdeck::tab::Tab;
use watchdeck::tabs::resources::record::HostSeries;
use watchdeck::update::update;

fn act(state: &mut AppState, action: Action) -> Vec<Effect> {
    update(state, Msg::Action(action), now())
}

fn selected_command(state: &AppState, signal: ProcessSignal) -> OperatorCommand {
    let process = state
        .resources
        .selected_process()
        .expect("a selected process");
    OperatorCommand::Process(ProcessCommand {
        pid: process.pid,
        name: process.name.clone(),
        signal,
    })
}

#[test]
fn samples_fill_the_metric_store_and_the_findings() {
    let state = fixtures::app_state(Mode::Interactive);
    // Every series names its host, the local one too.
    let host = HostKey::new("db-01");
    let cpu = HostSeries::cpu_percent(&host);
    assert_eq!(cpu.to_string(), r#"system_cpu_percent{host="db-01"}"#);
    assert_eq!(state.metrics.history(&cpu).count(), 600);
    let root = HostSeries::disk_used_percent(&host, "/var/lib/postgresql");
    assert_eq!(state.metrics.latest(&root), Some(93.75));
    let eth0 = HostSeries::net_rx_bytes_per_second(&host, "eth0");
    assert!(state.metrics.latest(&eth0).is_some());
    assert_eq!(state.tab_severity(Tab::Resources), Severity::Critical);
    assert_eq!(
        state.findings[0].severity,
        Severity::Critical,
        "worst first"
    );
    assert!(matches!(
        state.source(SYSTEM_SOURCE).map(|s| &s.status),
        Some(SourceStatus::Ok { .. })
    ));
}

#[test]
fn history_is_bounded_by_the_configured_window() {
    let config = Config {
        history: std::time::Duration::from_secs(60),
        ..Config::default()
    };
    let mut state = AppState::new(
        &config,
        &config.docker,
        Mode::Interactive,
        "h".into(),
        now(),
    );
    for seconds_ago in (0..300).rev() {
        let snapshot = fixtures::resources_snapshot_at(seconds_ago);
        let report = SourceReport {
            at: snapshot.at,
            result: Ok(snapshot),
        };
        update(&mut state, Msg::Source(SourceUpdate::System(report)), now());
    }
    assert_eq!(
        state
            .metrics
            .history(&HostSeries::cpu_percent(&HostKey::new("h")))
            .count(),
        61
    );
}

#[test]
fn a_sample_without_processes_keeps_the_last_rows_and_the_selection() {
    let mut state = fixtures::app_state(Mode::Interactive);
    act(&mut state, Action::SelectNext);
    act(&mut state, Action::SelectNext);
    let selected = state.resources.selected_process().map(|p| p.pid);
    let rows = fixtures::resources_snapshot().processes;
    let mut snapshot = fixtures::resources_snapshot();
    snapshot.processes = Vec::new();
    snapshot.processes_sampled = false;
    snapshot.cpu_percent = 12.5;
    update(
        &mut state,
        Msg::Source(SourceUpdate::System(SourceReport {
            at: now(),
            result: Ok(snapshot),
        })),
        now(),
    );
    let latest = state.resources.local().latest.as_ref().expect("a snapshot");
    assert_eq!(latest.cpu_percent, 12.5, "the rest of the sample is new");
    assert_eq!(latest.processes, rows);
    assert_eq!(state.resources.selected_process().map(|p| p.pid), selected);
}

#[test]
fn processes_are_wanted_only_while_their_tab_is_shown() {
    let mut state = fixtures::app_state(Mode::Interactive);
    assert!(state.shows_processes());
    act(&mut state, Action::GotoContainers);
    assert!(!state.shows_processes());
    act(&mut state, Action::GotoResources);
    assert!(state.shows_processes());
}

#[test]
fn a_failing_sampler_is_down_at_once_and_a_critical_alert_after_a_minute() {
    let mut state = fixtures::app_state(Mode::Interactive);
    let failure = SourceFailure {
        error: "permission denied reading /proc".into(),
        retry_at: now() + Duration::seconds(4),
    };
    update(
        &mut state,
        Msg::Source(SourceUpdate::System(SourceReport {
            at: now(),
            result: Err(failure),
        })),
        now(),
    );
    assert!(matches!(
        state.source(SYSTEM_SOURCE).map(|s| &s.status),
        Some(SourceStatus::Down { error, .. }) if error.contains("permission denied")
    ));
    assert!(
        state.resources.local().latest.is_some(),
        "the last sample stays on screen"
    );
    assert_eq!(source_messages(&state), [], "SourceDown waits its minute");
    tick_at(&mut state, 60);
    assert_eq!(
        source_messages(&state),
        [(
            Severity::Critical,
            Tab::Resources,
            "P1 SourceDown: source system cannot be read"
        )]
    );
}

fn tick_at(state: &mut AppState, seconds_after: i64) {
    update(state, Msg::Tick, now() + Duration::seconds(seconds_after));
}

fn source_messages(state: &AppState) -> Vec<(Severity, Tab, &str)> {
    state
        .findings
        .iter()
        .filter(|f| f.subject.starts_with("SourceDown "))
        .map(|f| (f.severity, f.tab, f.message.as_str()))
        .collect()
}

#[test]
fn a_source_silent_for_three_intervals_is_stale_then_down_until_it_answers() {
    let mut state = fixtures::app_state(Mode::Interactive);
    tick_at(&mut state, 3);
    assert_eq!(
        state.source(SYSTEM_SOURCE).map(|s| &s.status),
        Some(&SourceStatus::Ok { at: now() }),
        "three intervals (1 s refresh) is not stale yet"
    );
    tick_at(&mut state, 4);
    assert_eq!(
        state.source(SYSTEM_SOURCE).map(|s| &s.status),
        Some(&SourceStatus::Stale { last_ok: now() })
    );
    tick_at(&mut state, 63);
    assert_eq!(source_messages(&state), [], "stale for 59 s: still pending");
    tick_at(&mut state, 64);
    assert_eq!(
        source_messages(&state),
        [(
            Severity::Critical,
            Tab::Resources,
            "P1 SourceDown: source system cannot be read"
        )]
    );
    let snapshot = fixtures::resources_snapshot_at(-65);
    update(
        &mut state,
        Msg::Source(SourceUpdate::System(SourceReport {
            at: snapshot.at,
            result: Ok(snapshot),
        })),
        now() + Duration::seconds(65),
    );
    assert!(matches!(
        state.source(SYSTEM_SOURCE).map(|s| &s.status),
        Some(SourceStatus::Ok { .. })
    ));
    assert_eq!(source_messages(&state), []);
}

#[test]
fn staleness_counts_in_intervals_of_the_configured_refresh() {
    let config = Config {
        refresh: std::time::Duration::from_secs(5),
        ..Config::default()
    };
    let mut state = AppState::new(
        &config,
        &config.docker,
        Mode::Interactive,
        "h".into(),
        now(),
    );
    let snapshot = fixtures::resources_snapshot();
    update(
        &mut state,
        Msg::Source(SourceUpdate::System(SourceReport {
            at: snapshot.at,
            result: Ok(snapshot),
        })),
        now(),
    );
    tick_at(&mut state, 15);
    assert!(matches!(
        state.source(SYSTEM_SOURCE).map(|s| &s.status),
        Some(SourceStatus::Ok { .. })
    ));
    tick_at(&mut state, 16);
    assert!(matches!(
        state.source(SYSTEM_SOURCE).map(|s| &s.status),
        Some(SourceStatus::Stale { .. })
    ));
}

#[test]
fn a_database_polled_every_5s_is_stale_after_three_of_its_intervals_not_three_refreshes() {
    let config = Config::parse(
        "c.toml",
        "[[database]]\nname = \"main\"\nkind = \"redis\"\nurl = \"redis://db:6379\"\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let mut state = AppState::new(&config, &[], Mode::Interactive, "h".into(), now());
    let status = |state: &AppState| state.source("db:main").map(|s| s.status.clone());
    if let Some(health) = state.sources.iter_mut().find(|s| s.name == "db:main") {
        health.apply_ok(now());
    }
    tick_at(&mut state, 15);
    assert!(
        matches!(status(&state), Some(SourceStatus::Ok { .. })),
        "{:?}",
        status(&state)
    );
    tick_at(&mut state, 16);
    assert!(matches!(status(&state), Some(SourceStatus::Stale { .. })));
}

#[test]
fn a_silent_docker_engine_is_stale_and_its_alert_lands_on_the_containers_tab() {
    let mut state = fixtures::containers_app_state(Mode::Interactive);
    // The host keeps answering; the engines do not (they last answered at `now`).
    for second in [5, 70] {
        let snapshot = fixtures::resources_snapshot_at(-second);
        let at = snapshot.at;
        update(
            &mut state,
            Msg::Source(SourceUpdate::System(SourceReport {
                at,
                result: Ok(snapshot),
            })),
            at,
        );
        tick_at(&mut state, second);
    }
    assert!(matches!(
        state.source("docker:local").map(|s| &s.status),
        Some(SourceStatus::Stale { .. })
    ));
    assert_eq!(
        source_messages(&state),
        [
            (
                Severity::Critical,
                Tab::Containers,
                "P1 SourceDown: source docker:edge cannot be read"
            ),
            (
                Severity::Critical,
                Tab::Containers,
                "P1 SourceDown: source docker:local cannot be read"
            )
        ]
    );
    assert!(matches!(
        state.source(SYSTEM_SOURCE).map(|s| &s.status),
        Some(SourceStatus::Ok { .. })
    ));
}

#[test]
fn a_dead_source_task_is_down_with_its_panic_until_the_restart_answers() {
    let mut state = fixtures::app_state(Mode::Interactive);
    tick_at(&mut state, 5);
    let death = SourceDeath {
        source: SourceId::system(),
        failure: SourceFailure {
            error: "source task panicked: index out of bounds".into(),
            retry_at: now() + Duration::seconds(7),
        },
    };
    update(
        &mut state,
        Msg::SourceDied(death),
        now() + Duration::seconds(6),
    );
    assert_eq!(
        state.source(SYSTEM_SOURCE).map(|s| &s.status),
        Some(&SourceStatus::Down {
            error: "source task panicked: index out of bounds".into(),
            since: now() + Duration::seconds(6),
            retry_at: Some(now() + Duration::seconds(7)),
            last_ok: Some(now()),
        })
    );
    assert!(
        state.resources.local().latest.is_some(),
        "the last data stays"
    );
    tick_at(&mut state, 66);
    assert_eq!(
        source_messages(&state),
        [(
            Severity::Critical,
            Tab::Resources,
            "P1 SourceDown: source system cannot be read"
        )]
    );
    let snapshot = fixtures::resources_snapshot_at(-67);
    update(
        &mut state,
        Msg::Source(SourceUpdate::System(SourceReport {
            at: snapshot.at,
            result: Ok(snapshot),
        })),
        now() + Duration::seconds(67),
    );
    assert!(!state.source(SYSTEM_SOURCE).is_some_and(|s| s.is_down()));
    assert_eq!(source_messages(&state), []);
}

#[test]
fn tabs_switch_by_number_and_wrap_with_next_and_prev() {
    let mut state = fixtures::app_state(Mode::Interactive);
    act(&mut state, Action::GotoDatabases);
    assert_eq!(state.tab, Tab::Databases);
    act(&mut state, Action::NextTab);
    act(&mut state, Action::NextTab);
    assert_eq!(state.tab, Tab::Runbook);
    act(&mut state, Action::NextTab);
    assert_eq!(state.tab, Tab::Resources);
    act(&mut state, Action::PrevTab);
    assert_eq!(state.tab, Tab::Runbook);
    update(&mut state, Msg::ClickTab(Tab::Alerts), now());
    assert_eq!(state.tab, Tab::Alerts);
}

#[test]
fn help_toggles_and_cancel_closes_it() {
    let mut state = fixtures::app_state(Mode::Interactive);
    act(&mut state, Action::Help);
    assert_eq!(state.overlay, Overlay::Help);
    act(&mut state, Action::Cancel);
    assert_eq!(state.overlay, Overlay::None);
}

#[test]
fn terminate_asks_once_then_executes() {
    let mut state = fixtures::app_state(Mode::Interactive);
    let command = selected_command(&state, ProcessSignal::Term);
    assert_eq!(act(&mut state, Action::TerminateProcess), []);
    assert!(
        matches!(&state.overlay, Overlay::Confirm(dialog) if dialog.then.is_none() && dialog.command == command)
    );
    assert_eq!(act(&mut state, Action::Confirm), [Effect::Execute(command)]);
    assert_eq!(state.overlay, Overlay::None);
}

#[test]
fn kill_needs_a_second_confirmation() {
    let mut state = fixtures::app_state(Mode::Interactive);
    let command = selected_command(&state, ProcessSignal::Kill);
    act(&mut state, Action::KillProcess);
    assert_eq!(
        act(&mut state, Action::Confirm),
        [],
        "the first yes only opens the second question"
    );
    assert!(
        matches!(&state.overlay, Overlay::Confirm(dialog) if dialog.title.contains("second confirmation"))
    );
    assert_eq!(act(&mut state, Action::Confirm), [Effect::Execute(command)]);
}

#[test]
fn a_process_being_signalled_is_not_signalled_again_until_the_first_returns() {
    let mut state = fixtures::app_state(Mode::Interactive);
    let command = selected_command(&state, ProcessSignal::Term);
    act(&mut state, Action::TerminateProcess);
    assert_eq!(
        act(&mut state, Action::Confirm),
        [Effect::Execute(command.clone())]
    );
    assert_eq!(state.in_flight.len(), 1);
    assert_eq!(state.in_flight[0].command, command);
    assert_eq!(state.in_flight[0].since, now());

    assert_eq!(act(&mut state, Action::KillProcess), []);
    assert_eq!(state.overlay, Overlay::None);
    let toast = state.toasts.last().expect("a toast");
    assert!(
        toast.text.starts_with("in flight for 0s")
            && toast
                .text
                .ends_with(&format!("signal SIGTERM {}", command.target())),
        "{}",
        toast.text
    );

    let finished = CommandOutcome {
        command,
        result: Ok("sent SIGTERM".into()),
        audit_error: None,
    };
    update(&mut state, Msg::CommandFinished(finished), now());
    assert!(state.in_flight.is_empty());
    act(&mut state, Action::KillProcess);
    assert!(matches!(state.overlay, Overlay::Confirm(_)));
}

#[test]
fn cancelling_a_confirmation_runs_nothing() {
    let mut state = fixtures::app_state(Mode::Interactive);
    act(&mut state, Action::KillProcess);
    act(&mut state, Action::Confirm);
    assert_eq!(act(&mut state, Action::Cancel), []);
    assert_eq!(state.overlay, Overlay::None);
    assert_eq!(
        act(&mut state, Action::Confirm),
        [],
        "confirm with no dialog does nothing"
    );
}

#[test]
fn read_only_modes_refuse_with_a_reason_and_record_it() {
    for (mode, reason) in [(Mode::ReadOnly, "--read-only"), (Mode::Watch, "--watch")] {
        let mut state = fixtures::app_state(mode);
        let command = selected_command(&state, ProcessSignal::Term);
        let effects = act(&mut state, Action::TerminateProcess);
        assert_eq!(state.overlay, Overlay::None, "no dialog in {mode:?}");
        assert!(
            matches!(&effects[..], [Effect::RecordRefusal { command: c, reason: r }] if *c == command && r.contains(reason))
        );
        let toast = state.toasts.last().expect("a toast");
        assert_eq!(toast.kind, ToastKind::Error);
        assert!(
            toast.text.starts_with("refused: signal SIGTERM process")
                && toast.text.contains(reason),
            "{}",
            toast.text
        );
    }
}

/// Whatever opens a confirmation is an operator action: the footer of the read-only modes hides
/// it, and the one gate (`update::ask`) refuses it there on every tab, with nothing executed.
#[test]
fn what_asks_for_confirmation_is_an_operator_action_refused_in_read_only() {
    let states: [fn(Mode) -> AppState; 4] = [
        fixtures::app_state,
        fixtures::containers_app_state,
        fixtures::alertmanager_app_state,
        fixtures::endpoints_app_state,
    ];
    let mut asked = 0;
    for make in states {
        let modes = [Mode::Interactive, Mode::ReadOnly, Mode::Watch].map(make);
        for tab in Tab::iter() {
            for action in Action::iter() {
                let mut state = modes[0].clone();
                state.tab = tab;
                act(&mut state, action);
                if matches!(state.overlay, Overlay::Confirm(_)) {
                    asked += 1;
                    assert!(action.is_operator(), "{action:?} asks on {tab:?}");
                }
                if !action.is_operator() {
                    continue;
                }
                for refusing in &modes[1..] {
                    let mut state = refusing.clone();
                    state.tab = tab;
                    let effects = act(&mut state, action);
                    assert!(!matches!(state.overlay, Overlay::Confirm(_)));
                    assert!(
                        effects
                            .iter()
                            .all(|e| matches!(e, Effect::RecordRefusal { .. })),
                        "{action:?} on {tab:?} in {:?}: {effects:?}",
                        state.mode
                    );
                }
            }
        }
    }
    assert!(asked > 5, "the fixtures ask for {asked} confirmations");
}

#[test]
fn signals_need_a_selection_on_the_resources_tab() {
    let mut state = fixtures::app_state(Mode::Interactive);
    act(&mut state, Action::GotoAlerts);
    assert_eq!(act(&mut state, Action::TerminateProcess), []);
    assert_eq!(state.overlay, Overlay::None);
}

#[test]
fn outcomes_become_toasts_that_expire() {
    let mut state = fixtures::app_state(Mode::Interactive);
    let command = OperatorCommand::Process(ProcessCommand {
        pid: 42,
        name: "x".into(),
        signal: ProcessSignal::Term,
    });
    let ok = CommandOutcome {
        command: command.clone(),
        result: Ok("sent SIGTERM to process 42 (x)".into()),
        audit_error: None,
    };
    update(&mut state, Msg::CommandFinished(ok), now());
    assert_eq!(
        state.toasts.last().map(|t| (t.kind, t.text.as_str())),
        Some((ToastKind::Ok, "sent SIGTERM to process 42 (x)"))
    );
    let failed = CommandOutcome {
        command,
        result: Err(CommandError::Failed(
            "Operation not permitted (EPERM)".into(),
        )),
        audit_error: Some("disk full".into()),
    };
    update(&mut state, Msg::CommandFinished(failed), now());
    let text = &state.toasts.last().expect("toast").text;
    assert!(
        text.contains("failed: Operation not permitted")
            && text.contains("audit log could not be written: disk full"),
        "{text}"
    );
    update(&mut state, Msg::Tick, now() + Duration::seconds(6));
    assert_eq!(
        state.toasts.len(),
        1,
        "the success toast expired, the error stays longer"
    );
    update(&mut state, Msg::Tick, now() + Duration::seconds(11));
    assert!(state.toasts.is_empty());
}

#[test]
fn filter_edits_narrow_the_list_and_cancel_clears_it() {
    let mut state = fixtures::app_state(Mode::Interactive);
    act(&mut state, Action::Filter);
    assert_eq!(state.overlay, Overlay::Filter);
    for c in "nginx".chars() {
        update(&mut state, Msg::FilterEdit(FilterEdit::Insert(c)), now());
    }
    assert_eq!(state.resources.list.len(), 3);
    update(&mut state, Msg::FilterEdit(FilterEdit::Apply), now());
    assert_eq!(
        (state.overlay.clone(), state.resources.list.filter.as_str()),
        (Overlay::None, "nginx")
    );
    act(&mut state, Action::Filter);
    update(&mut state, Msg::FilterEdit(FilterEdit::Backspace), now());
    assert_eq!(state.resources.list.filter, "ngin");
    update(&mut state, Msg::FilterEdit(FilterEdit::Cancel), now());
    assert_eq!(state.resources.list.filter, "");
    assert_eq!(
        state.resources.list.len(),
        fixtures::resources_snapshot().processes.len()
    );
}

fn watch_state(tabs: Vec<Tab>) -> AppState {
    let mut state = fixtures::app_state(Mode::Watch);
    let watch = state.watch.as_mut().expect("watch state");
    watch.tabs = tabs;
    watch.next_at = now() + Duration::seconds(15);
    state
}

#[test]
fn watch_holds_on_a_critical_tab() {
    let mut state = watch_state(vec![Tab::Resources, Tab::Endpoints]);
    update(&mut state, Msg::Tick, now() + Duration::seconds(16));
    assert_eq!(
        state.tab,
        Tab::Resources,
        "Resources is critical in the fixture, so it is held"
    );
}

#[test]
fn watch_rotates_when_all_is_calm_and_space_pauses() {
    let mut state = watch_state(vec![Tab::Resources, Tab::Endpoints]);
    // No rule to fire: all is calm, whatever the ticks below find.
    state.alerts.rules = RuleSet::default();
    state.findings.clear();
    update(&mut state, Msg::Tick, now() + Duration::seconds(10));
    assert_eq!(state.tab, Tab::Resources, "not yet");
    update(&mut state, Msg::Tick, now() + Duration::seconds(15));
    assert_eq!(state.tab, Tab::Endpoints);
    update(&mut state, Msg::Tick, now() + Duration::seconds(30));
    assert_eq!(state.tab, Tab::Resources);
    update(
        &mut state,
        Msg::Action(Action::ToggleRotation),
        now() + Duration::seconds(31),
    );
    update(&mut state, Msg::Tick, now() + Duration::seconds(120));
    assert_eq!(state.tab, Tab::Resources, "paused");
}

#[test]
fn watch_jumps_to_a_critical_tab_without_waiting_for_the_period() {
    let mut state = watch_state(vec![Tab::Endpoints, Tab::Resources]);
    state.tab = Tab::Endpoints;
    update(&mut state, Msg::Tick, now() + Duration::seconds(1));
    assert_eq!(state.tab, Tab::Resources);
}

#[test]
fn watch_shows_a_critical_container_from_the_engines_first_answer() {
    let config = Config::default();
    let mut state = AppState::new(
        &config,
        &fixtures::docker_engines()[..1],
        Mode::Watch,
        "h".into(),
        now(),
    );
    assert_eq!(state.tab, Tab::Resources);
    let snapshot = fixtures::engine_snapshot(4);
    update(
        &mut state,
        Msg::Source(SourceUpdate::Docker {
            engine: snapshot.engine.clone(),
            report: SourceReport {
                at: now(),
                result: Ok(snapshot),
            },
        }),
        now(),
    );
    assert_eq!(state.tab_severity(Tab::Containers), Severity::Critical);
    assert_eq!(
        state.tab,
        Tab::Containers,
        "held from the update that made it critical, not after a whole period of Resources"
    );
}

#[test]
fn quit_sets_the_flag() {
    let mut state = fixtures::app_state(Mode::Interactive);
    act(&mut state, Action::Quit);
    assert!(state.should_quit);
}

#[test]
fn watch_rotation_includes_the_local_engine_found_automatically() {
    let config = Config::default();
    let engines = config.docker_engines(
        &|name| (name == "DOCKER_HOST").then(|| "tcp://127.0.0.1:2375".to_string()),
        std::path::Path::new("/nonexistent/docker.sock"),
    );
    assert_eq!(
        engines.len(),
        1,
        "DOCKER_HOST is watched as the local engine"
    );
    let mut state = AppState::new(&config, &engines, Mode::Watch, "h".into(), now());
    assert_eq!(
        state.watch.as_ref().map(|w| w.tabs.clone()),
        Some(vec![Tab::Resources, Tab::Containers])
    );
    let mut shown = Vec::new();
    for period in 1..=4 {
        update(
            &mut state,
            Msg::Tick,
            now() + Duration::seconds(15 * period),
        );
        shown.push(state.tab);
    }
    assert_eq!(
        shown,
        [
            Tab::Containers,
            Tab::Resources,
            Tab::Containers,
            Tab::Resources
        ]
    );
}

#[test]
fn watch_rotates_through_every_critical_tab_and_only_those() {
    let mut state = fixtures::containers_app_state(Mode::Watch);
    assert_eq!(state.tab_severity(Tab::Resources), Severity::Critical);
    assert_eq!(state.tab_severity(Tab::Containers), Severity::Critical);
    let watch = state.watch.as_mut().expect("watch state");
    assert_eq!(
        watch.tabs,
        [Tab::Resources, Tab::Containers],
        "the engines watched have a tab in the rotation"
    );
    watch.tabs.push(Tab::Endpoints);
    assert_eq!(state.tab, Tab::Containers);
    let mut shown = Vec::new();
    for period in 1..=4 {
        update(
            &mut state,
            Msg::Tick,
            now() + Duration::seconds(15 * period),
        );
        shown.push(state.tab);
    }
    assert_eq!(
        shown,
        [
            Tab::Resources,
            Tab::Containers,
            Tab::Resources,
            Tab::Containers
        ],
        "the calm Endpoints tab waits until nothing is critical"
    );
}

fn type_filter(state: &mut AppState, text: &str) {
    for c in text.chars() {
        update(state, Msg::FilterEdit(FilterEdit::Insert(c)), now());
    }
}

#[test]
fn each_tab_edits_its_own_filter() {
    let mut state = fixtures::containers_app_state(Mode::Interactive);
    act(&mut state, Action::GotoResources);
    act(&mut state, Action::Filter);
    type_filter(&mut state, "nginx");
    update(&mut state, Msg::FilterEdit(FilterEdit::Apply), now());
    act(&mut state, Action::GotoContainers);
    act(&mut state, Action::Filter);
    type_filter(&mut state, "shop");
    update(&mut state, Msg::FilterEdit(FilterEdit::Apply), now());
    assert_eq!(
        (
            state.resources.list.filter.as_str(),
            state.containers.list.filter.as_str()
        ),
        ("nginx", "shop")
    );
    // `/` on a kept filter starts from it: typing extends it, backspace takes its last character.
    act(&mut state, Action::Filter);
    type_filter(&mut state, "-web");
    update(&mut state, Msg::FilterEdit(FilterEdit::Backspace), now());
    assert_eq!(state.containers.list.filter, "shop-we");
    update(&mut state, Msg::FilterEdit(FilterEdit::Apply), now());
    assert_eq!(
        (state.overlay.clone(), state.resources.list.filter.as_str()),
        (Overlay::None, "nginx"),
        "the Resources filter is untouched"
    );
    // esc clears the filter being edited, and only that one.
    act(&mut state, Action::GotoResources);
    act(&mut state, Action::Filter);
    update(&mut state, Msg::FilterEdit(FilterEdit::Cancel), now());
    assert_eq!(
        (
            state.resources.list.filter.as_str(),
            state.containers.list.filter.as_str()
        ),
        ("", "shop-we")
    );
}

#[test]
fn the_log_search_is_not_the_containers_filter() {
    let mut state = fixtures::containers_app_state(Mode::Interactive);
    act(&mut state, Action::Filter);
    type_filter(&mut state, "shop-web");
    update(&mut state, Msg::FilterEdit(FilterEdit::Apply), now());
    act(&mut state, Action::OpenLogs);
    act(&mut state, Action::Filter);
    type_filter(&mut state, "timed");
    update(&mut state, Msg::FilterEdit(FilterEdit::Apply), now());
    let search = state.containers.logs.as_ref().map(|l| l.search.clone());
    assert_eq!(search.as_deref(), Some("timed"));
    assert_eq!(state.containers.list.filter, "shop-web");
}

#[test]
fn the_selection_keys_scroll_the_help_and_other_keys_close_it() {
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    use watchdeck::config::Keymap;
    use watchdeck::input::route_key;
    let keymap = Keymap::load("default", None).expect("default keymap");
    let mut state = fixtures::app_state(Mode::Interactive);
    let selected = state.resources.selected_process().map(|p| p.pid);
    act(&mut state, Action::Help);
    let key = |c: char| KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE);
    for (c, action) in [
        ('j', Action::SelectNext),
        ('k', Action::SelectPrev),
        ('?', Action::Help),
        ('q', Action::Quit),
        ('x', Action::Cancel),
    ] {
        assert_eq!(
            route_key(&state, &keymap, key(c)),
            Some(Msg::Action(action)),
            "{c}"
        );
    }
    act(&mut state, Action::SelectNext);
    act(&mut state, Action::PageDown);
    assert_eq!(state.help_scroll, 11);
    act(&mut state, Action::PageUp);
    act(&mut state, Action::SelectPrev);
    act(&mut state, Action::SelectPrev);
    assert_eq!(state.help_scroll, 0, "it stops at the top");
    act(&mut state, Action::SelectNext);
    assert_eq!(
        state.resources.selected_process().map(|p| p.pid),
        selected,
        "the list behind does not move"
    );
    act(&mut state, Action::Help);
    act(&mut state, Action::Help);
    assert_eq!(
        (state.overlay.clone(), state.help_scroll),
        (Overlay::Help, 0),
        "the help opens at the top"
    );
}

/// The sampler's first report has no CPU figures yet (every process at 0), and that order was
/// kept as the one to hold: a process at 86 % sat under idle ones until the third sample. The
/// first report with figures sorts plainly.
#[test]
fn the_first_measured_sample_sorts_by_cpu_at_once() {
    let mut state = AppState::new(
        &Config::default(),
        &[],
        Mode::Interactive,
        "db-01".into(),
        now(),
    );
    let report = |snapshot| {
        Msg::Source(SourceUpdate::System(SourceReport {
            at: now(),
            result: Ok(snapshot),
        }))
    };
    let mut first = fixtures::resources_snapshot();
    for process in &mut first.processes {
        process.cpu_percent = 0.0;
    }
    update(&mut state, report(first), now());
    let measured = fixtures::resources_snapshot();
    let busiest = measured
        .processes
        .iter()
        .max_by(|a, b| a.cpu_percent.total_cmp(&b.cpu_percent))
        .map(|p| p.pid);
    update(&mut state, report(measured), now());
    assert_eq!(
        state.resources.visible_rows().next().map(|p| p.pid),
        busiest
    );
}
