//! The Containers tab's reducer: engine reports, list behaviour, actions, protected confirmation,
//! the log view and the findings. Message in, state and effects out.
#![allow(clippy::expect_used, clippy::unwrap_used)] // a failed expectation is the test failing

use chrono::Duration;
use watchdeck::action::Action;
use watchdeck::command::Mode;
use watchdeck::command::{CommandError, CommandOutcome, ContainerCommand, OperatorCommand};
use watchdeck::effect::Effect;
use watchdeck::findings::Severity;
use watchdeck::fixtures::{self, now};
use watchdeck::metrics::SeriesKey;
use watchdeck::model::containers::ContainerKey;
use watchdeck::model::containers::{ContainerAction, ContainerState, LogEvent};
use watchdeck::model::source::{SourceFailure, SourceReport};
use watchdeck::msg::{FilterEdit, Msg, SourceUpdate};
use watchdeck::state::list::SortLabel;
use watchdeck::state::source::SourceStatus;
use watchdeck::state::{AppState, Overlay, ToastKind};

fn act(state: &mut AppState, action: Action) -> Vec<Effect> {
    update(state, Msg::Action(action))
}

fn update(state: &mut AppState, msg: Msg) -> Vec<Effect> {
    watchdeck::update::update(state, msg, now())
}

fn select(state: &mut AppState, name: &str) {
    act(state, Action::SelectFirst);
    for _ in 0..state.containers.list.len() {
        if state
            .containers
            .selected_container()
            .is_some_and(|(_, c)| c.name == name)
        {
            return;
        }
        act(state, Action::SelectNext);
    }
    panic!("{name} is not in the list");
}

fn names(state: &AppState) -> Vec<String> {
    state
        .containers
        .visible_containers()
        .map(|(_, c)| c.name.clone())
        .collect()
}

#[test]
fn both_engines_are_listed_grouped_by_compose_project() {
    let state = fixtures::containers_app_state(Mode::Interactive);
    assert_eq!(state.containers.total(), 8);
    assert_eq!(
        names(&state),
        [
            "shop-api-1",
            "shop-db-1",
            "shop-web-1",
            "shop-worker-1",
            "cache",
            "migrate",
            "nightly-backup",
            "traefik"
        ],
        "the shop project first, sorted by name, then loose containers"
    );
}

#[test]
fn sorting_and_filtering_keep_the_selection() {
    let mut state = fixtures::containers_app_state(Mode::Interactive);
    select(&mut state, "migrate");
    for _ in 0..7 {
        act(&mut state, Action::SortNextColumn);
    }
    assert_eq!(state.containers.list.sort.label(), "cpu");
    let shop: Vec<String> = names(&state).into_iter().take(4).collect();
    assert_eq!(shop[0], "shop-api-1", "busiest first within the project");
    assert_eq!(
        state
            .containers
            .selected_container()
            .map(|(_, c)| c.name.as_str()),
        Some("migrate")
    );
    act(&mut state, Action::Filter);
    for c in "unhealthy".chars() {
        update(&mut state, Msg::FilterEdit(FilterEdit::Insert(c)));
    }
    assert_eq!(names(&state), ["shop-api-1"]);
    update(&mut state, Msg::FilterEdit(FilterEdit::Cancel));
    assert_eq!(names(&state).len(), 8);
}

#[test]
fn an_unhealthy_container_is_critical_and_an_exited_one_a_warning() {
    let state = fixtures::containers_app_state(Mode::Interactive);
    let containers: Vec<(Severity, &str)> = state
        .findings
        .iter()
        .filter(|f| f.tab == watchdeck::tab::Tab::Containers)
        .map(|f| (f.severity, f.subject.as_str()))
        .collect();
    assert_eq!(
        containers,
        [
            (Severity::Critical, "ContainerUnhealthy shop-api-1 local"),
            (Severity::Warning, "ContainerExited migrate local")
        ],
        "the worker's three restarts in ten minutes are the manual's limit, not past it"
    );
    assert_eq!(
        state.tab_severity(watchdeck::tab::Tab::Containers),
        Severity::Critical
    );
}

#[test]
fn container_facts_reach_the_metric_store() {
    let state = fixtures::containers_app_state(Mode::Interactive);
    let key = |name: &str, container: &str| {
        SeriesKey::new(name)
            .with_label("engine", "local")
            .with_label("container", container)
    };
    assert_eq!(
        state.metrics.latest(&key("container_up", "shop-web-1")),
        Some(1.0)
    );
    assert_eq!(
        state
            .metrics
            .latest(&key("container_unhealthy", "shop-api-1")),
        Some(1.0)
    );
    assert_eq!(
        state.metrics.latest(&key("container_exit_code", "migrate")),
        Some(1.0)
    );
    assert_eq!(
        state
            .metrics
            .latest(&key("container_cpu_percent", "shop-api-1")),
        Some(88.1)
    );
    let memory = state
        .metrics
        .latest(&key("container_memory_used_percent", "shop-web-1"))
        .unwrap();
    assert!((memory - 180.0 * 100.0 / 512.0).abs() < 1e-9);
    assert_eq!(
        state
            .metrics
            .latest(&key("container_restarts_10m", "shop-worker-1")),
        Some(2.0)
    );
}

#[test]
fn an_unreachable_engine_is_down_with_its_error_and_its_containers_stay() {
    let mut state = fixtures::containers_app_state(Mode::Interactive);
    let failure = SourceFailure {
        error: "cannot reach Docker at tcp://127.0.0.1:2375: connection refused".into(),
        retry_at: now() + Duration::seconds(4),
    };
    update(
        &mut state,
        Msg::Source(SourceUpdate::Docker {
            engine: "edge".into(),
            report: SourceReport {
                at: now(),
                result: Err(failure),
            },
        }),
    );
    assert!(matches!(
        state.source("docker:edge").map(|s| &s.status),
        Some(SourceStatus::Down { error, .. }) if error.contains("connection refused")
    ));
    watchdeck::update::update(&mut state, Msg::Tick, now() + Duration::seconds(60));
    assert!(
        state
            .findings
            .iter()
            .any(|f| f.severity == Severity::Critical
                && f.tab == watchdeck::tab::Tab::Containers
                && f.message == "P1 SourceDown: source docker:edge cannot be read"),
        "{:?}",
        state.findings
    );
    assert!(
        names(&state).contains(&"traefik".to_string()),
        "the last known containers stay listed"
    );
}

#[test]
fn restart_asks_then_executes_and_is_refused_in_read_only() {
    let mut state = fixtures::containers_app_state(Mode::Interactive);
    select(&mut state, "shop-web-1");
    act(&mut state, Action::RestartContainer);
    let Overlay::Confirm(dialog) = &state.overlay else {
        panic!("a dialog")
    };
    assert!(dialog.typed.is_none());
    let effects = act(&mut state, Action::Confirm);
    assert!(
        matches!(&effects[..], [Effect::Execute(OperatorCommand::Container(ContainerCommand { name, action: ContainerAction::Restart, engine, .. }))] if name == "shop-web-1" && engine == "local")
    );

    let mut read_only = fixtures::containers_app_state(Mode::ReadOnly);
    select(&mut read_only, "shop-web-1");
    let effects = act(&mut read_only, Action::RestartContainer);
    assert!(matches!(&effects[..], [Effect::RecordRefusal { .. }]));
    assert_eq!(read_only.overlay, Overlay::None);
    assert_eq!(
        read_only.toasts.last().map(|t| t.kind),
        Some(ToastKind::Error)
    );
}

fn confirm_restart_of(state: &mut AppState, name: &str) -> OperatorCommand {
    select(state, name);
    act(state, Action::RestartContainer);
    let effects = act(state, Action::Confirm);
    let [Effect::Execute(command)] = &effects[..] else {
        panic!("no command: {effects:?}")
    };
    command.clone()
}

#[test]
fn an_action_in_flight_marks_its_row_and_refuses_a_second_one_until_it_returns() {
    let mut state = fixtures::containers_app_state(Mode::Interactive);
    let restart = confirm_restart_of(&mut state, "shop-web-1");
    let web = state
        .containers
        .selected_container()
        .map(|(e, c)| (e.name.clone(), c.id.clone()))
        .expect("selected");
    assert_eq!(
        state.container_action_in_flight(&web.0, &web.1),
        Some(ContainerAction::Restart)
    );

    let later = now() + Duration::seconds(12);
    for action in [Action::RestartContainer, Action::StopContainer] {
        let effects = watchdeck::update::update(&mut state, Msg::Action(action), later);
        assert_eq!(effects, [], "{action:?} while the restart is in flight");
        assert_eq!(state.overlay, Overlay::None, "no dialog for {action:?}");
        let toast = state.toasts.last().expect("a toast");
        assert!(
            toast.text.contains("container restart")
                && toast.text.contains("shop-web-1")
                && toast.text.contains("in flight for 12s"),
            "{}",
            toast.text
        );
    }

    select(&mut state, "cache");
    act(&mut state, Action::PauseContainer);
    assert!(
        matches!(state.overlay, Overlay::Confirm(_)),
        "another container is not held up"
    );
    act(&mut state, Action::Cancel);

    update(
        &mut state,
        Msg::CommandFinished(CommandOutcome {
            command: restart,
            result: Ok("restarted shop-web-1 on local".into()),
            audit_error: None,
        }),
    );
    assert_eq!(state.container_action_in_flight(&web.0, &web.1), None);
    select(&mut state, "shop-web-1");
    act(&mut state, Action::StopContainer);
    assert!(
        matches!(state.overlay, Overlay::Confirm(_)),
        "asks again once the first returned"
    );
}

#[test]
fn an_action_that_got_no_answer_says_it_may_still_complete() {
    let mut state = fixtures::containers_app_state(Mode::Interactive);
    let stop = {
        select(&mut state, "shop-web-1");
        act(&mut state, Action::StopContainer);
        let effects = act(&mut state, Action::Confirm);
        let [Effect::Execute(command)] = &effects[..] else {
            panic!("no command: {effects:?}")
        };
        command.clone()
    };
    update(
        &mut state,
        Msg::CommandFinished(CommandOutcome {
            command: stop,
            result: Err(CommandError::NoAnswer {
                within: std::time::Duration::from_secs(60),
            }),
            audit_error: None,
        }),
    );
    assert!(state.in_flight.is_empty());
    let toast = state.toasts.last().expect("a toast");
    assert_eq!(toast.kind, ToastKind::Error);
    assert!(
        toast
            .text
            .starts_with("container stop container shop-web-1")
            && toast
                .text
                .ends_with("no answer from engine within 60s; the action may still complete")
            && !toast.text.contains("failed"),
        "{}",
        toast.text
    );
}

#[test]
fn a_protected_container_needs_its_name_typed() {
    let mut state = fixtures::containers_app_state(Mode::Interactive);
    select(&mut state, "shop-db-1");
    act(&mut state, Action::StopContainer);
    assert_eq!(act(&mut state, Action::Confirm), [], "no name typed yet");
    assert!(
        matches!(state.overlay, Overlay::Confirm(_)),
        "the dialog stays open"
    );
    for c in "shop-db-".chars() {
        update(&mut state, Msg::FilterEdit(FilterEdit::Insert(c)));
    }
    assert_eq!(
        act(&mut state, Action::Confirm),
        [],
        "a prefix is not the name"
    );
    update(&mut state, Msg::FilterEdit(FilterEdit::Insert('1')));
    let effects = act(&mut state, Action::Confirm);
    assert!(matches!(
        &effects[..],
        [Effect::Execute(OperatorCommand::Container(
            ContainerCommand {
                action: ContainerAction::Stop,
                ..
            }
        ))]
    ));
}

#[test]
fn pause_toggles_and_pointless_actions_say_why() {
    let mut state = fixtures::containers_app_state(Mode::Interactive);
    select(&mut state, "cache");
    act(&mut state, Action::PauseContainer);
    let Overlay::Confirm(dialog) = &state.overlay else {
        panic!("a dialog")
    };
    assert!(matches!(
        dialog.command,
        OperatorCommand::Container(ContainerCommand {
            action: ContainerAction::Unpause,
            ..
        })
    ));
    act(&mut state, Action::Cancel);
    select(&mut state, "migrate");
    assert_eq!(act(&mut state, Action::StopContainer), []);
    assert_eq!(state.overlay, Overlay::None);
    assert!(
        state
            .toasts
            .last()
            .is_some_and(|t| t.text == "migrate is exited (1): nothing to stop")
    );
}

#[test]
fn the_log_view_follows_pauses_searches_and_closes() {
    let mut state = fixtures::containers_app_state(Mode::Interactive);
    select(&mut state, "shop-web-1");
    let effects = act(&mut state, Action::OpenLogs);
    let key = state
        .containers
        .logs
        .as_ref()
        .map(|l| l.key.clone())
        .expect("open");
    assert_eq!(
        effects,
        [Effect::FollowLogs {
            key: key.clone(),
            tail: 500
        }]
    );
    update(
        &mut state,
        Msg::LogEvent {
            key: key.clone(),
            event: LogEvent::Lines(fixtures::log_lines(100)),
        },
    );
    let other = ContainerKey {
        engine: "edge".into(),
        id: "nope".into(),
    };
    update(
        &mut state,
        Msg::LogEvent {
            key: other,
            event: LogEvent::Lines(fixtures::log_lines(5)),
        },
    );
    let logs = state.containers.logs.as_ref().expect("open");
    assert_eq!(
        logs.lines.len(),
        100,
        "lines of another container are ignored"
    );

    act(&mut state, Action::SelectPrev);
    assert!(
        !state.containers.logs.as_ref().expect("open").following,
        "scrolling up pauses"
    );
    update(
        &mut state,
        Msg::LogEvent {
            key: key.clone(),
            event: LogEvent::Lines(fixtures::log_lines(10)),
        },
    );
    assert_eq!(
        state.containers.logs.as_ref().expect("open").scroll,
        11,
        "a paused view stays on the same lines"
    );
    act(&mut state, Action::ToggleFollow);
    assert_eq!(state.containers.logs.as_ref().expect("open").scroll, 0);

    act(&mut state, Action::Filter);
    for c in "timed out".chars() {
        update(&mut state, Msg::FilterEdit(FilterEdit::Insert(c)));
    }
    update(&mut state, Msg::FilterEdit(FilterEdit::Apply));
    let logs = state.containers.logs.as_ref().expect("open");
    assert_eq!(logs.search, "timed out");
    let bottom = logs.lines.len() - 1 - logs.scroll;
    assert!(
        logs.lines[bottom]
            .line()
            .is_some_and(|l| l.shown.contains("timed out")),
        "jumped to the newest match"
    );
    act(&mut state, Action::PrevMatch);
    let logs = state.containers.logs.as_ref().expect("open");
    let older = logs.lines.len() - 1 - logs.scroll;
    assert!(
        older < bottom
            && logs.lines[older]
                .line()
                .is_some_and(|l| l.shown.contains("timed out"))
    );

    assert_eq!(act(&mut state, Action::Cancel), [Effect::StopLogs]);
    assert!(state.containers.logs.is_none());
}

#[test]
fn the_log_buffer_is_bounded() {
    let mut state = fixtures::containers_app_state(Mode::Interactive);
    state.log_buffer = 100;
    act(&mut state, Action::OpenLogs);
    let key = state
        .containers
        .logs
        .as_ref()
        .map(|l| l.key.clone())
        .expect("open");
    update(
        &mut state,
        Msg::LogEvent {
            key,
            event: LogEvent::Lines(fixtures::log_lines(250)),
        },
    );
    let logs = state.containers.logs.as_ref().expect("open");
    assert_eq!((logs.lines.len(), logs.dropped), (100, 150));
}

#[test]
fn env_values_are_revealed_only_for_the_selected_container_and_each_reveal_is_audited() {
    for mode in [Mode::Interactive, Mode::ReadOnly] {
        let mut state = fixtures::containers_app_state(mode);
        select(&mut state, "shop-web-1");
        let id = state
            .containers
            .selected_container()
            .map(|(_, c)| c.id.clone())
            .expect("selected");
        let effects = act(&mut state, Action::RevealEnv);
        assert_eq!(
            effects,
            [Effect::RecordReveal {
                engine: "local".into(),
                id,
                name: "shop-web-1".into(),
                refused: None,
            }],
            "{mode:?}"
        );
        assert!(state.containers.show_detail);
        let revealed = state.containers.revealed_env.clone().expect("revealed");
        assert_eq!(Some(revealed), state.containers.list.selected.clone());
        assert_eq!(
            act(&mut state, Action::RevealEnv),
            [],
            "hiding is not audited"
        );
        assert!(state.containers.revealed_env.is_none());
    }
}

#[test]
fn a_wall_display_never_reveals_env_values() {
    let mut state = fixtures::containers_app_state(Mode::Watch);
    select(&mut state, "shop-web-1");
    // Refused, and the refusal is audited like every other.
    let effects = act(&mut state, Action::RevealEnv);
    assert!(
        matches!(&effects[..], [Effect::RecordReveal { name, refused: Some(reason), .. }] if name == "shop-web-1" && reason.contains("--watch")),
        "{effects:?}"
    );
    assert_eq!(state.containers.revealed_env, None);
    let toast = state.toasts.last().expect("a toast");
    assert_eq!(toast.kind, ToastKind::Error);
    assert!(
        toast.text.starts_with("refused:") && toast.text.contains("--watch"),
        "{}",
        toast.text
    );
}

#[test]
fn a_new_engine_report_replaces_the_old_one() {
    let mut state = fixtures::containers_app_state(Mode::Interactive);
    let mut snapshot = fixtures::engine_snapshot(9);
    snapshot.containers.retain(|c| c.name != "migrate");
    snapshot
        .containers
        .iter_mut()
        .for_each(|c| c.state = ContainerState::Running);
    update(
        &mut state,
        Msg::Source(SourceUpdate::Docker {
            engine: "local".into(),
            report: SourceReport {
                at: now(),
                result: Ok(snapshot),
            },
        }),
    );
    assert!(!names(&state).contains(&"migrate".to_string()));
    assert_eq!(state.containers.total(), 7);
}

#[test]
fn the_detail_pane_scrolls_and_starts_at_the_top_for_each_container() {
    let mut state = fixtures::containers_app_state(Mode::Interactive);
    select(&mut state, "shop-api-1");
    act(&mut state, Action::ScrollDetailDown);
    assert_eq!(
        state.containers.detail_scroll, 0,
        "no detail open: nothing scrolls"
    );
    act(&mut state, Action::ToggleDetail);
    act(&mut state, Action::ScrollDetailDown);
    act(&mut state, Action::ScrollDetailDown);
    assert_eq!(state.containers.detail_scroll, 2);
    act(&mut state, Action::ScrollDetailUp);
    assert_eq!(state.containers.detail_scroll, 1);
    for _ in 0..50 {
        act(&mut state, Action::ScrollDetailDown);
    }
    // Eight facts and the one health check of the fixture: the last row is the farthest.
    assert_eq!(state.containers.detail_scroll, 8, "bounded by the rows");
    for _ in 0..50 {
        act(&mut state, Action::ScrollDetailUp);
    }
    assert_eq!(state.containers.detail_scroll, 0);
    act(&mut state, Action::ScrollDetailDown);
    act(&mut state, Action::SelectNext);
    assert_eq!(
        state.containers.detail_scroll, 0,
        "another container's detail starts at the top"
    );
    act(&mut state, Action::ScrollDetailDown);
    act(&mut state, Action::ToggleDetail);
    act(&mut state, Action::ToggleDetail);
    assert_eq!(
        state.containers.detail_scroll, 0,
        "so does a reopened detail"
    );
}

#[test]
fn detail_scroll_keys_route_in_both_keymaps() {
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    use watchdeck::config::Keymap;
    use watchdeck::input::route_key;
    let state = fixtures::containers_app_state(Mode::Interactive);
    let route = |keymap: &str, code, modifiers| {
        let keymap = Keymap::load(keymap, None).expect("shipped keymap");
        route_key(&state, &keymap, KeyEvent::new(code, modifiers))
    };
    let down = Some(Msg::Action(Action::ScrollDetailDown));
    let up = Some(Msg::Action(Action::ScrollDetailUp));
    assert_eq!(
        route("default", KeyCode::Char(']'), KeyModifiers::NONE),
        down
    );
    assert_eq!(route("default", KeyCode::Char('['), KeyModifiers::NONE), up);
    assert_eq!(route("default", KeyCode::Down, KeyModifiers::SHIFT), down);
    assert_eq!(
        route("vim", KeyCode::Char('e'), KeyModifiers::CONTROL),
        down
    );
    assert_eq!(route("vim", KeyCode::Char('y'), KeyModifiers::CONTROL), up);
    assert_eq!(route("vim", KeyCode::Up, KeyModifiers::SHIFT), up);
}

#[test]
fn the_log_view_marks_a_restart_and_says_when_it_waits_and_ends() {
    use watchdeck::state::containers::{LogMarker, LogRow, LogStatus};
    let mut state = fixtures::containers_app_state(Mode::Interactive);
    select(&mut state, "shop-web-1");
    act(&mut state, Action::OpenLogs);
    let key = state.containers.logs.as_ref().expect("open").key.clone();
    let event = |state: &mut AppState, event: LogEvent| {
        update(
            state,
            Msg::LogEvent {
                key: key.clone(),
                event,
            },
        )
    };
    let logs = |state: &AppState| state.containers.logs.clone().expect("open");
    assert_eq!(logs(&state).status, LogStatus::Streaming);
    event(&mut state, LogEvent::Lines(fixtures::log_lines(5)));
    event(&mut state, LogEvent::Waiting("container exited (0)".into()));
    assert_eq!(
        logs(&state).status,
        LogStatus::Waiting("container exited (0)".into())
    );
    let restarted_at = now() - Duration::seconds(30);
    event(
        &mut state,
        LogEvent::Resumed {
            at: restarted_at,
            restarted: true,
        },
    );
    assert_eq!(logs(&state).status, LogStatus::Streaming, "following again");
    assert_eq!(
        logs(&state).lines.back(),
        Some(&LogRow::Marker(LogMarker::Restarted(restarted_at)))
    );

    // A paused view stays on its lines while the marker and new lines arrive below.
    act(&mut state, Action::SelectPrev);
    let scroll = logs(&state).scroll;
    event(
        &mut state,
        LogEvent::Resumed {
            at: now(),
            restarted: false,
        },
    );
    event(&mut state, LogEvent::Lines(fixtures::log_lines(2)));
    assert_eq!(logs(&state).scroll, scroll + 3);
    assert_eq!(logs(&state).lines.len(), 5 + 1 + 1 + 2);

    // Markers are never search matches.
    state.containers.logs.as_mut().expect("open").search = "restarted".into();
    assert_eq!(logs(&state).matches(), Vec::<usize>::new());

    let other = ContainerKey {
        engine: "edge".into(),
        id: "nope".into(),
    };
    update(
        &mut state,
        Msg::LogEvent {
            key: other,
            event: LogEvent::Ended("container removed".into()),
        },
    );
    assert_eq!(
        logs(&state).status,
        LogStatus::Streaming,
        "another container's end is not this one's"
    );
    event(&mut state, LogEvent::Ended("container removed".into()));
    assert_eq!(
        logs(&state).status,
        LogStatus::Ended("container removed".into())
    );
    assert_eq!(
        logs(&state).lines.back(),
        Some(&LogRow::Marker(LogMarker::Ended(
            "container removed".into()
        )))
    );
}

/// A JSON line is shown as `level message key=value …`, and the search looks at that form: it
/// used to look at the raw JSON, so `n` stopped on lines where the highlight found nothing and
/// skipped ones where it found the text.
#[test]
fn log_search_looks_at_what_is_shown() {
    let mut state = fixtures::containers_app_state(Mode::Interactive);
    act(&mut state, Action::OpenLogs);
    let key = state.containers.logs.as_ref().expect("open").key.clone();
    update(
        &mut state,
        Msg::LogEvent {
            key,
            event: LogEvent::Lines(fixtures::log_lines(10)),
        },
    );
    let logs = state.containers.logs.as_mut().expect("open");
    let json = logs
        .lines
        .iter()
        .position(|row| row.line().is_some_and(|l| l.line.text.starts_with('{')))
        .expect("a JSON line");
    logs.search = "info request done".into();
    assert!(logs.matches().contains(&json), "what is shown matches");
    logs.search = "\"msg\"".into();
    assert!(
        !logs.matches().contains(&json),
        "the JSON's keys, which are not shown, do not"
    );
}
