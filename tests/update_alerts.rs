//! The Alerts tab's reducer: acknowledging, silencing and jumping to the subject go through the
//! one operator path (dialog, refusal in read-only modes, executor, outcome), message in, state
//! and effects out.

use chrono::{DateTime, Duration, Utc};
use watchdeck::action::Action;
use watchdeck::alerts::engine::{AlertKey, Change, Origin};
use watchdeck::alerts::kept::{AckSilence, KeptAlerts, Silence};
use watchdeck::command::Mode;
use watchdeck::command::{
    AlertAction, AlertCommand, CommandOutcome, ContainerCommand, OperatorCommand,
};
use watchdeck::config::Config;
use watchdeck::effect::Effect;
use watchdeck::effect::Kept;
use watchdeck::findings::Severity;
use watchdeck::fixtures::{self, now};
use watchdeck::model::alertmanager::{AlertmanagerAlert, AlertmanagerSnapshot};
use watchdeck::model::containers::ContainerAction;
use watchdeck::model::source::SourceReport;
use watchdeck::msg::{FilterEdit, Msg, SourceUpdate};
use watchdeck::state::alerts::{AlertsView, GONE_WHILE_DOWN, RESUME_WAIT, WENT_FALSE_WHILE_DOWN};
use watchdeck::state::source::SourceStatus;
use watchdeck::state::{AppState, Overlay, ToastKind};
use watchdeck::tab::Tab;
use watchdeck::tabs::alerts::update::{apply_unreadable_file, restore};
use watchdeck::update::update;

fn act(state: &mut AppState, action: Action) -> Vec<Effect> {
    update(state, Msg::Action(action), now())
}

fn type_text(state: &mut AppState, text: &str) {
    for c in text.chars() {
        update(state, Msg::FilterEdit(FilterEdit::Insert(c)), now());
    }
}

/// The fixture host with its disk alert firing, on the Alerts tab, as alice.
fn alerts_state(mode: Mode) -> AppState {
    let mut state = fixtures::app_state(mode);
    state.operator = "alice".into();
    update(&mut state, Msg::ClickTab(Tab::Alerts), now());
    state
}

/// Runs the command as the executor would report it: done.
fn finish(state: &mut AppState, effects: Vec<Effect>) -> AlertCommand {
    let [Effect::Execute(command)] = effects.as_slice() else {
        panic!("one command to execute: {effects:?}");
    };
    update(
        state,
        Msg::CommandFinished(CommandOutcome {
            command: command.clone(),
            result: Ok("done".into()),
            audit_error: None,
        }),
        now(),
    );
    match command {
        OperatorCommand::Alert(command) => command.clone(),
        other => panic!("not an alert command: {other:?}"),
    }
}

#[test]
fn acknowledging_takes_a_note_and_stops_the_escalation() {
    let mut state = alerts_state(Mode::Interactive);
    assert!(act(&mut state, Action::AckAlert).is_empty());
    assert!(matches!(&state.overlay, Overlay::Confirm(d) if d.title == "Acknowledge DiskSpaceLow"));
    type_text(&mut state, "cleaning /var/lib/postgresql/archive");
    let effects = act(&mut state, Action::Confirm);
    let command = finish(&mut state, effects);
    assert_eq!(command.action, AlertAction::Acknowledge);
    assert_eq!(command.note, "cleaning /var/lib/postgresql/archive");
    let alert = state.alerts.selected().expect("the alert");
    let ack = alert.ack.as_ref().expect("acknowledged");
    assert_eq!(
        (ack.by.as_str(), ack.note.as_str()),
        ("alice", command.note.as_str())
    );
    // Acknowledged alerts stay in the list and on the tab marker, and never escalate.
    assert_eq!(state.tab_severity(Tab::Resources), Severity::Critical);
    update(&mut state, Msg::Tick, now() + Duration::hours(2));
    let alert = state.alerts.selected().expect("still listed");
    assert!(
        alert.ack.is_some() && alert.escalated_at.is_none(),
        "{alert:?}"
    );
    // Taking it back escalates it on the next evaluation: it is long past its 30 minutes.
    let effects = act(&mut state, Action::UnackAlert);
    assert!(effects.is_empty());
    let effects = act(&mut state, Action::Confirm);
    finish(&mut state, effects);
    update(&mut state, Msg::Tick, now() + Duration::hours(2));
    assert!(
        state
            .alerts
            .selected()
            .is_some_and(|a| a.escalated_at.is_some())
    );
}

#[test]
fn a_silence_hides_the_alert_and_its_marker_until_it_expires() {
    let mut state = alerts_state(Mode::Interactive);
    act(&mut state, Action::SilenceAlert);
    type_text(&mut state, "15m vacuum running");
    let effects = act(&mut state, Action::Confirm);
    let command = finish(&mut state, effects);
    assert_eq!(
        command.action,
        AlertAction::Silence(std::time::Duration::from_secs(900))
    );
    assert!(
        state.alerts.list.is_empty(),
        "silenced alerts are behind the toggle"
    );
    assert_eq!(state.tab_severity(Tab::Resources), Severity::Ok);
    act(&mut state, Action::ToggleResolved);
    assert_eq!(state.alerts.list.len(), 1);
    update(&mut state, Msg::Tick, now() + Duration::minutes(16));
    assert!(state.alerts.silences.is_empty());
    assert_eq!(state.tab_severity(Tab::Resources), Severity::Critical);
}

/// Typed lengths a silence cannot have: none at all, under a minute, past any date, and too many
/// digits to count.
const BAD_SILENCES: [&str; 4] = [
    "0s",
    "59s",
    "99999999999h huge",
    "18446744073709551615s huge",
];

/// Types `length` in the open silence dialog and confirms: nothing runs, nothing is recorded, the
/// dialog stays open and the reason is shown.
fn refused_silence(state: &mut AppState, length: &str) {
    let history = state.alerts.history.len();
    for _ in 0..40 {
        update(state, Msg::FilterEdit(FilterEdit::Backspace), now());
    }
    type_text(state, length);
    let effects = act(state, Action::Confirm);
    assert!(effects.is_empty(), "{length}: {effects:?}");
    assert!(
        matches!(&state.overlay, Overlay::Confirm(_)),
        "{length}: the dialog stays open to fix it"
    );
    let toast = state.toasts.last().map(|t| t.text.as_str()).unwrap_or("");
    assert!(
        toast.starts_with("silence length ") && toast.contains("expected 1m to 1year"),
        "{length}: {toast}"
    );
    assert!(state.alerts.silences.is_empty(), "{length}");
    assert_eq!(state.alerts.history.len(), history, "{length}");
}

#[test]
fn a_silence_too_short_or_too_long_is_refused_in_its_dialog() {
    let mut state = alerts_state(Mode::Interactive);
    act(&mut state, Action::SilenceAlert);
    let Overlay::Confirm(dialog) = &state.overlay else {
        panic!("{:?}", state.overlay)
    };
    assert!(
        dialog
            .lines
            .iter()
            .any(|l| l.contains("(1m to 1year; default 1h)")),
        "the dialog says the range: {:?}",
        dialog.lines
    );
    for length in BAD_SILENCES {
        refused_silence(&mut state, length);
    }
    act(&mut state, Action::SilenceRule);
    for length in BAD_SILENCES {
        refused_silence(&mut state, length);
    }
    let mut fleet = fixtures::alertmanager_app_state(Mode::Interactive);
    select_fleet_alert(&mut fleet, "HighLatency");
    act(&mut fleet, Action::SilenceAlert);
    for length in BAD_SILENCES {
        refused_silence(&mut fleet, length);
    }
    // Fixed, it goes through.
    for _ in 0..40 {
        update(&mut state, Msg::FilterEdit(FilterEdit::Backspace), now());
    }
    type_text(&mut state, "1m short one");
    let effects = act(&mut state, Action::Confirm);
    let command = finish(&mut state, effects);
    assert_eq!(
        command.action,
        AlertAction::Silence(std::time::Duration::from_secs(60))
    );
}

#[test]
fn read_only_modes_refuse_alert_commands_with_the_reason() {
    for mode in [Mode::ReadOnly, Mode::Watch] {
        let mut state = alerts_state(mode);
        let effects = act(&mut state, Action::AckAlert);
        assert!(
            matches!(
                effects.as_slice(),
                [Effect::RecordRefusal {
                    command: OperatorCommand::Alert(_),
                    ..
                }]
            ),
            "{mode:?}: {effects:?}"
        );
        assert_eq!(state.overlay, Overlay::None);
        assert!(state.alerts.acks.is_empty());
    }
}

#[test]
fn from_a_container_alert_to_a_confirmed_restart_in_four_keys() {
    let mut state = fixtures::containers_app_state(Mode::Interactive);
    update(&mut state, Msg::ClickTab(Tab::Alerts), now());
    // The unhealthy container's alert is the first row: the most severe, the oldest.
    act(&mut state, Action::SelectFirst);
    assert_eq!(
        state.alerts.selected().map(|a| a.key.rule.as_str()),
        Some("ContainerUnhealthy")
    );
    act(&mut state, Action::GotoSubject);
    assert_eq!(state.tab, Tab::Containers);
    assert_eq!(
        state
            .containers
            .selected_container()
            .map(|(_, c)| c.name.as_str()),
        Some("shop-api-1")
    );
    assert!(act(&mut state, Action::RestartContainer).is_empty());
    let effects = act(&mut state, Action::Confirm);
    assert!(
        matches!(
            effects.as_slice(),
            [Effect::Execute(OperatorCommand::Container(ContainerCommand {
                name,
                action: ContainerAction::Restart,
                ..
            }))] if name == "shop-api-1"
        ),
        "{effects:?}"
    );
}

#[test]
fn an_acknowledgement_is_saved_and_comes_back_after_a_restart() {
    let mut state = alerts_state(Mode::Interactive);
    act(&mut state, Action::AckAlert);
    type_text(&mut state, "on it");
    let effects = act(&mut state, Action::Confirm);
    let [Effect::Execute(command)] = effects.as_slice() else {
        panic!("{effects:?}");
    };
    let effects = update(
        &mut state,
        Msg::CommandFinished(CommandOutcome {
            command: command.clone(),
            result: Ok("done".into()),
            audit_error: None,
        }),
        now(),
    );
    let [Effect::Save(Kept::Alerts(kept))] = effects.as_slice() else {
        panic!("the acknowledgement is saved: {effects:?}");
    };
    assert_eq!(kept.acks.len(), 1);
    assert!(
        kept.history.iter().any(|t| t.key.rule == "DiskSpaceLow"),
        "the history goes with it"
    );
    // Nothing changed: nothing to save.
    assert!(act(&mut state, Action::SelectNext).is_empty());

    // A new console, the same host: the alert fires again and is still acknowledged.
    let mut restarted = fixtures::app_state(Mode::Interactive);
    let mut fresh = fixtures::app_state(Mode::Interactive);
    assert!(fresh.alerts.firing().all(|a| a.ack.is_none()));
    restarted.alerts.restore(kept.clone());
    update(&mut restarted, Msg::Tick, now() + Duration::seconds(1));
    update(&mut fresh, Msg::Tick, now() + Duration::seconds(1));
    let ack = restarted
        .alerts
        .firing()
        .find(|a| a.key.rule == "DiskSpaceLow")
        .and_then(|a| a.ack.clone())
        .expect("still acknowledged");
    assert_eq!((ack.by.as_str(), ack.note.as_str()), ("alice", "on it"));
}

/// A report of the fixture host taken at `at`, its database disk `used_gib` of 160 GiB full.
fn host_report(state: &mut AppState, at: DateTime<Utc>, used_gib: u64) -> Vec<Effect> {
    let mut snapshot = fixtures::resources_snapshot_at(0);
    snapshot.at = at;
    snapshot.disks[2].space.used = used_gib << 30;
    let report = SourceReport {
        at,
        result: Ok(snapshot),
    };
    update(state, Msg::Source(SourceUpdate::System(report)), at)
}

fn saved(effects: Vec<Effect>) -> KeptAlerts {
    effects
        .into_iter()
        .find_map(|effect| match effect {
            Effect::Save(Kept::Alerts(kept)) => Some(kept),
            _ => None,
        })
        .unwrap_or_else(|| panic!("nothing saved"))
}

/// The history of one alert: its changes, when, and the note.
fn history_of(state: &AppState, key: &AlertKey) -> Vec<(Change, DateTime<Utc>, String)> {
    let entries = state.alerts.history.iter().filter(|t| t.key == *key);
    entries.map(|t| (t.change, t.at, t.note.clone())).collect()
}

/// An alerts file as a build before the `host` label wrote it: the firing disk alert of the local
/// host, acknowledged by alice, and a silence of a whole rule.
const ALERTS_BEFORE_HOST_LABEL: &str = r#"{
  "acks": [
    [
      { "rule": "DiskSpaceLow", "labels": [["mount", "/var/lib/postgresql"]] },
      { "by": "alice", "at": "2026-11-22T09:25:00Z", "note": "on it" }
    ]
  ],
  "silences": [
    {
      "key": { "rule": "HighCPUUsage", "labels": [] },
      "until": "2026-11-22T12:00:00Z",
      "by": "bob",
      "comment": "batch import"
    }
  ],
  "history": [
    {
      "key": { "rule": "DiskSpaceLow", "labels": [["mount", "/var/lib/postgresql"]] },
      "change": "firing",
      "at": "2026-11-22T09:21:01Z",
      "value": 93.75
    }
  ],
  "alerts": [
    {
      "key": { "rule": "DiskSpaceLow", "labels": [["mount", "/var/lib/postgresql"]] },
      "active_since": "2026-11-22T09:20:01Z",
      "firing_since": "2026-11-22T09:21:01Z",
      "last_true": "2026-11-22T09:30:00Z"
    }
  ]
}"#;

/// The local host's alerts kept without a `host` label are the local host's: the firing alert
/// goes on as the same incident, still acknowledged, and is kept with its host from then on.
#[test]
fn an_alerts_file_from_before_the_host_label_keeps_its_acknowledgements() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("alerts.json");
    std::fs::write(&path, ALERTS_BEFORE_HOST_LABEL).unwrap();
    let kept = watchdeck::persist::alerts::load(&path).unwrap();
    let started = now() + Duration::minutes(1);
    let mut state = AppState::new(
        &Config::default(),
        &[],
        Mode::Interactive,
        "db-01".into(),
        started,
    );
    restore(&mut state, kept);
    update(&mut state, Msg::Tick, started);
    host_report(&mut state, started + Duration::seconds(5), 150);
    let disk = AlertKey {
        rule: "DiskSpaceLow".into(),
        labels: vec![
            ("host".into(), "db-01".into()),
            ("mount".into(), "/var/lib/postgresql".into()),
        ],
        origin: Origin::Console,
    };
    let alert = &state.alerts.alerts[&disk];
    let firing_since = "2026-11-22T09:21:01Z".parse::<DateTime<Utc>>().unwrap();
    assert_eq!(alert.firing_since, Some(firing_since), "the same incident");
    let ack = alert.ack.as_ref().expect("still acknowledged");
    assert_eq!((ack.by.as_str(), ack.note.as_str()), ("alice", "on it"));
    assert_eq!(history_of(&state, &disk).len(), 1, "its history is its own");
    assert_eq!(
        state.alerts.silences[0].key.labels,
        [],
        "a silence of a whole rule still covers every alert of it"
    );
    assert_eq!(
        state.alerts.acks.keys().collect::<Vec<_>>(),
        [&disk],
        "saved with its host from now on"
    );
}

#[test]
fn a_restart_continues_a_firing_alert_and_resolves_one_that_went_false_meanwhile() {
    let mut state = alerts_state(Mode::Interactive);
    // Forty minutes unacknowledged: escalated, which is saved.
    let kept = saved(host_report(&mut state, now() + Duration::minutes(40), 150));
    let disk = state
        .alerts
        .firing()
        .find(|a| a.key.rule == "DiskSpaceLow")
        .map(|a| a.key.clone())
        .expect("the disk alert fires");
    let before = state.alerts.alerts[&disk].clone();
    assert!(before.escalated_at.is_some(), "{before:?}");
    let history = history_of(&state, &disk);

    let started = now() + Duration::minutes(50);
    let restart = || {
        let mut restarted = AppState::new(
            &Config::default(),
            &[],
            Mode::Interactive,
            "db-01".into(),
            started,
        );
        restarted.alerts.restore(kept.clone());
        restarted
    };
    // Still full: the same incident goes on, with its SINCE, RESPOND BY and escalation.
    let mut still_full = restart();
    update(&mut still_full, Msg::Tick, started);
    host_report(&mut still_full, started + Duration::seconds(5), 150);
    let alert = &still_full.alerts.alerts[&disk];
    assert_eq!(
        (
            alert.state,
            alert.active_since,
            alert.firing_since,
            alert.escalated_at,
            alert.respond_by()
        ),
        (
            before.state,
            before.active_since,
            before.firing_since,
            before.escalated_at,
            before.respond_by()
        )
    );
    assert_eq!(
        history_of(&still_full, &disk),
        history,
        "no second pending, firing or escalation"
    );

    // Freed while the console was down: resolved at the restart, saying so.
    let mut freed = restart();
    let at = started + Duration::seconds(5);
    host_report(&mut freed, at, 10);
    assert_eq!(
        history_of(&freed, &disk).last(),
        Some(&(Change::Resolved, at, WENT_FALSE_WHILE_DOWN.to_string()))
    );
    assert!(freed.alerts.firing().all(|a| a.key != disk));

    // Its series never reports again: resolved once the wait is over, saying so.
    let mut gone = restart();
    update(&mut gone, Msg::Tick, started);
    update(
        &mut gone,
        Msg::Tick,
        started + RESUME_WAIT - Duration::seconds(1),
    );
    assert_eq!(history_of(&gone, &disk), history, "still waiting");
    let effects = update(&mut gone, Msg::Tick, started + RESUME_WAIT);
    assert_eq!(
        history_of(&gone, &disk).last(),
        Some(&(
            Change::Resolved,
            started + RESUME_WAIT,
            GONE_WHILE_DOWN.to_string()
        ))
    );
    assert!(saved(effects).alerts.iter().all(|a| a.key != disk));
}

#[test]
fn an_unreadable_kept_file_is_said_and_saved_over_only_once_it_is_out_of_the_way() {
    for saves in [true, false] {
        let mut state = alerts_state(Mode::Interactive);
        let message = "alerts.json could not be read nor moved aside (permission denied)";
        apply_unreadable_file(&mut state, message.into(), saves, now());
        assert!(
            state
                .toasts
                .iter()
                .any(|t| t.kind == ToastKind::Error && t.text == message),
            "{:?}",
            state.toasts
        );
        assert_eq!(
            state.alerts.unreadable.as_ref().map(|u| u.message.as_str()),
            Some(message)
        );
        act(&mut state, Action::AckAlert);
        let effects = act(&mut state, Action::Confirm);
        let [Effect::Execute(command)] = effects.as_slice() else {
            panic!("{effects:?}");
        };
        let effects = update(
            &mut state,
            Msg::CommandFinished(CommandOutcome {
                command: command.clone(),
                result: Ok("done".into()),
                audit_error: None,
            }),
            now(),
        );
        let saved = effects
            .iter()
            .any(|e| matches!(e, Effect::Save(Kept::Alerts(_))));
        assert_eq!(saved, saves, "{effects:?}");
    }
}

/// The fixture engines' containers, firing the container rules, on the Alerts tab, as alice.
fn containers_alerts_state() -> AppState {
    let mut state = fixtures::containers_app_state(Mode::Interactive);
    state.operator = "alice".into();
    update(&mut state, Msg::ClickTab(Tab::Alerts), now());
    state
}

#[test]
fn silencing_a_rule_with_typed_labels_hides_only_the_alerts_they_match() {
    let mut state = containers_alerts_state();
    let unhealthy: Vec<_> = state
        .alerts
        .alerts
        .keys()
        .filter(|k| k.rule == "ContainerUnhealthy")
        .cloned()
        .collect();
    let engine = unhealthy[0].label("engine").expect("engine").to_string();
    let others_before = state
        .alerts
        .alerts
        .keys()
        .filter(|k| k.rule != "ContainerUnhealthy")
        .count();
    let rows: Vec<String> = state
        .alerts
        .list
        .rows
        .iter()
        .map(|k| k.rule.clone())
        .collect();
    let at = rows
        .iter()
        .position(|rule| rule == "ContainerUnhealthy")
        .unwrap_or_else(|| panic!("listed: {rows:?}"));
    act(&mut state, Action::SelectFirst);
    for _ in 0..at {
        act(&mut state, Action::SelectNext);
    }
    act(&mut state, Action::SilenceRule);
    assert!(
        matches!(&state.overlay, Overlay::Confirm(d) if d.title == "Silence every alert of ContainerUnhealthy"),
        "{:?}",
        state.overlay
    );
    type_text(
        &mut state,
        &format!("2h engine={engine} deploy in progress"),
    );
    let effects = act(&mut state, Action::Confirm);
    let command = finish(&mut state, effects);
    assert_eq!(
        command.action,
        AlertAction::Silence(std::time::Duration::from_secs(2 * 3600))
    );
    assert_eq!(command.key.labels, [("engine".to_string(), engine.clone())]);
    for key in state.alerts.alerts.keys() {
        let silenced = state.alerts.silence_of(key).is_some();
        let covered = key.rule == "ContainerUnhealthy" && key.label("engine") == Some(&engine);
        assert_eq!(silenced, covered, "{key:?}");
    }
    assert_eq!(
        state.alerts.list.len(),
        others_before
            + unhealthy
                .iter()
                .filter(|k| k.label("engine") != Some(&engine))
                .count(),
        "only the covered alerts leave the list"
    );
    let last = state.alerts.history.back().expect("in the history");
    assert_eq!(
        (last.change, last.by.as_deref(), last.note.as_str()),
        (Change::Silenced, Some("alice"), "deploy in progress")
    );
}

#[test]
fn ending_a_silence_early_brings_its_alert_back_and_is_in_the_history() {
    let mut state = alerts_state(Mode::Interactive);
    act(&mut state, Action::SilenceAlert);
    type_text(&mut state, "4h vacuum");
    let effects = act(&mut state, Action::Confirm);
    finish(&mut state, effects);
    assert!(state.alerts.list.is_empty());
    act(&mut state, Action::NextAlertView);
    assert_eq!(state.alerts.view, AlertsView::Silences);
    assert_eq!(state.alerts.silence_list.len(), 1);
    // Keys of the alerts view do nothing to the silence list.
    assert!(act(&mut state, Action::AckAlert).is_empty());
    assert_eq!(state.overlay, Overlay::None);
    act(&mut state, Action::ExpireSilence);
    assert!(
        matches!(&state.overlay, Overlay::Confirm(d) if d.title == "End the silence of DiskSpaceLow")
    );
    type_text(&mut state, "vacuum done");
    let effects = act(&mut state, Action::Confirm);
    let command = finish(&mut state, effects);
    assert_eq!(command.action, AlertAction::ExpireSilence);
    assert!(state.alerts.silences.is_empty());
    assert_eq!(state.alerts.list.len(), 1, "the alert is back");
    assert_eq!(state.tab_severity(Tab::Resources), Severity::Critical);
    let changes: Vec<(Change, Option<&str>)> = state
        .alerts
        .history
        .iter()
        .rev()
        .take(2)
        .map(|t| (t.change, t.by.as_deref()))
        .collect();
    assert_eq!(
        changes,
        [
            (Change::Unsilenced, Some("alice")),
            (Change::Silenced, Some("alice"))
        ]
    );
}

#[test]
fn ending_a_silence_is_refused_in_read_only_modes() {
    for mode in [Mode::ReadOnly, Mode::Watch] {
        let mut state = alerts_state(mode);
        state.alerts.restore(KeptAlerts {
            silences: vec![Silence {
                key: state.alerts.list.rows[0].clone(),
                until: now() + Duration::hours(1),
                by: "bob".into(),
                comment: "vacuum".into(),
                alertmanager_id: None,
                matchers: Vec::new(),
            }],
            ..KeptAlerts::default()
        });
        act(&mut state, Action::NextAlertView);
        let effects = act(&mut state, Action::ExpireSilence);
        assert!(
            matches!(
                effects.as_slice(),
                [Effect::RecordRefusal {
                    command: OperatorCommand::Alert(AlertCommand {
                        action: AlertAction::ExpireSilence,
                        ..
                    }),
                    ..
                }]
            ),
            "{mode:?}: {effects:?}"
        );
        assert_eq!(state.alerts.silences.len(), 1);
    }
}

#[test]
fn the_views_go_round_and_share_the_filter() {
    let mut state = containers_alerts_state();
    let views: Vec<AlertsView> = (0..4)
        .map(|_| {
            act(&mut state, Action::NextAlertView);
            state.alerts.view
        })
        .collect();
    assert_eq!(
        views,
        [
            AlertsView::Silences,
            AlertsView::History,
            AlertsView::Rules,
            AlertsView::Alerts
        ]
    );
    let rules = state.alerts.rule_list.len();
    assert_eq!(rules, state.alerts.catalogue.len());
    let history = state.alerts.history_list.len();
    assert!(history > 0);
    act(&mut state, Action::Filter);
    type_text(&mut state, "migrate");
    act(&mut state, Action::Confirm);
    assert!(
        state.alerts.history_list.len() < history,
        "the history is filtered too"
    );
    assert!(
        state
            .alerts
            .history_list
            .rows
            .iter()
            .filter_map(|seq| state.alerts.history_entry(*seq))
            .all(|t| t.key.label("container") == Some("migrate"))
    );
    // Newest first.
    let times: Vec<_> = state
        .alerts
        .history_list
        .rows
        .iter()
        .filter_map(|seq| state.alerts.history_entry(*seq))
        .map(|t| t.at)
        .collect();
    assert!(times.windows(2).all(|w| w[0] >= w[1]), "{times:?}");
    assert!(state.alerts.rule_list.len() < rules);
}

/// The fixture's `prod` Alertmanager alert of this name, selected.
fn select_fleet_alert(state: &mut AppState, rule: &str) -> AlertKey {
    let key = state
        .alerts
        .external
        .keys()
        .find(|k| k.rule == rule)
        .cloned()
        .unwrap_or_else(|| panic!("no {rule}"));
    state.alerts.list.apply_select(key.clone());
    key
}

fn prod_report(state: &mut AppState, alerts: Vec<AlertmanagerAlert>, at: DateTime<Utc>) {
    update(
        state,
        Msg::Source(SourceUpdate::Alertmanager {
            name: "prod".into(),
            report: SourceReport {
                at,
                result: Ok(AlertmanagerSnapshot { alerts }),
            },
        }),
        at,
    );
}

/// A `prod` Alertmanager alert named `rule`, firing for ten minutes.
fn prod_alert(rule: &str) -> AlertmanagerAlert {
    AlertmanagerAlert {
        fingerprint: format!("{rule:0>16}"),
        labels: [("alertname", rule), ("severity", "warning")]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        annotations: Default::default(),
        starts_at: now() - Duration::minutes(10),
        silenced_by: Vec::new(),
        inhibited_by: Vec::new(),
    }
}

/// The rules of the `prod` Alertmanager's alerts that the history has `change` for, in order.
fn prod_history(state: &AppState, change: Change) -> Vec<(String, DateTime<Utc>)> {
    let entries = state.alerts.history.iter();
    entries
        .filter(|t| t.key.alertmanager() == Some("prod") && t.change == change)
        .map(|t| (t.key.rule.clone(), t.at))
        .collect()
}

#[test]
fn an_alertmanagers_alerts_enter_the_history_as_they_begin_and_end_once_across_a_restart() {
    let mut state = fixtures::alertmanager_app_state(Mode::Interactive);
    let ours = |entries: Vec<(String, DateTime<Utc>)>| -> Vec<(String, DateTime<Utc>)> {
        let ours = ["ReplicaLag", "CertExpiring"];
        let entries = entries.into_iter();
        entries
            .filter(|(rule, _)| ours.contains(&rule.as_str()))
            .collect()
    };
    let t1 = now() + Duration::seconds(15);
    let both = vec![prod_alert("CertExpiring"), prod_alert("ReplicaLag")];
    prod_report(&mut state, both.clone(), t1);
    let firing = vec![
        ("CertExpiring".to_string(), t1),
        ("ReplicaLag".to_string(), t1),
    ];
    assert_eq!(ours(prod_history(&state, Change::Firing)), firing);
    assert_eq!(
        prod_history(&state, Change::Resolved).len(),
        4,
        "the fixture's four prod alerts are listed no more"
    );

    let before = state.alerts.history.len();
    prod_report(&mut state, both, t1 + Duration::seconds(15));
    assert_eq!(
        state.alerts.history.len(),
        before,
        "listed again: nothing new"
    );

    let t3 = t1 + Duration::seconds(30);
    let effects = update(
        &mut state,
        Msg::Source(SourceUpdate::Alertmanager {
            name: "prod".into(),
            report: SourceReport {
                at: t3,
                result: Ok(AlertmanagerSnapshot {
                    alerts: vec![prod_alert("ReplicaLag")],
                }),
            },
        }),
        t3,
    );
    assert_eq!(
        ours(prod_history(&state, Change::Resolved)),
        [("CertExpiring".to_string(), t3)]
    );
    let kept = effects
        .into_iter()
        .find_map(|effect| match effect {
            Effect::Save(Kept::Alerts(kept)) => Some(kept),
            _ => None,
        })
        .expect("the history is saved");

    // After a restart, the alert still listed is not recorded again; one that resolved while the
    // console was not running is recorded resolved when it is first seen missing.
    let t4 = t3 + Duration::minutes(5);
    let restart = || {
        let mut restarted = fixtures::alertmanager_app_state(Mode::Interactive);
        restarted.alerts.restore(kept.clone());
        restarted
    };
    let mut still_firing = restart();
    prod_report(&mut still_firing, vec![prod_alert("ReplicaLag")], t4);
    assert_eq!(ours(prod_history(&still_firing, Change::Firing)), firing);
    let mut resolved_meanwhile = restart();
    prod_report(&mut resolved_meanwhile, Vec::new(), t4);
    let resolved = ours(prod_history(&resolved_meanwhile, Change::Resolved));
    assert_eq!(resolved.last(), Some(&("ReplicaLag".to_string(), t4)));
}

#[test]
fn acknowledging_an_alertmanagers_alert_keeps_the_silence_it_made_there_for_taking_it_back() {
    let mut state = fixtures::alertmanager_app_state(Mode::Interactive);
    let key = select_fleet_alert(&mut state, "HighLatency");
    assert!(act(&mut state, Action::AckAlert).is_empty());
    let Overlay::Confirm(dialog) = &state.overlay else {
        panic!("{:?}", state.overlay);
    };
    assert_eq!(
        dialog.lines[1],
        "Alertmanager prod: a silence of exactly its labels for 2h, by alice, the note as its comment"
    );
    type_text(&mut state, "failing over api");
    let effects = act(&mut state, Action::Confirm);
    let [Effect::Execute(OperatorCommand::Alert(command))] = effects.as_slice() else {
        panic!("{effects:?}");
    };
    assert_eq!(command.key, key);
    assert_eq!(command.ack_silence, None);
    let silence = AckSilence {
        id: "c0ffee00-1".into(),
        until: now() + Duration::hours(2),
    };
    // The executor says which silence it made before the command's result.
    update(
        &mut state,
        Msg::AckSilenced {
            key: key.clone(),
            silence: silence.clone(),
        },
        now(),
    );
    let effects = update(
        &mut state,
        Msg::CommandFinished(CommandOutcome {
            command: OperatorCommand::Alert(command.clone()),
            result: Ok("done".into()),
            audit_error: None,
        }),
        now(),
    );
    let [Effect::Save(Kept::Alerts(kept))] = effects.as_slice() else {
        panic!("saved: {effects:?}");
    };
    assert!(
        kept.ack_silences.contains(&(key.clone(), silence.clone())),
        "{:?}",
        kept.ack_silences
    );
    let alert = state.alerts.selected().expect("still listed");
    assert_eq!(
        alert.ack.as_ref().map(|a| a.note.as_str()),
        Some("failing over api")
    );
    assert!(
        !state.alerts.held_back(&key),
        "its own acknowledgement's silence does not hide it"
    );

    // After a restart, taking it back still names that silence.
    let mut restarted = fixtures::alertmanager_app_state(Mode::Interactive);
    restarted.alerts.restore(kept.clone());
    update(&mut restarted, Msg::Tick, now() + Duration::seconds(1));
    select_fleet_alert(&mut restarted, "HighLatency");
    act(&mut restarted, Action::UnackAlert);
    let effects = act(&mut restarted, Action::Confirm);
    let [Effect::Execute(OperatorCommand::Alert(unack))] = effects.as_slice() else {
        panic!("{effects:?}");
    };
    assert_eq!(unack.action, AlertAction::Unacknowledge);
    assert_eq!(unack.ack_silence.as_deref(), Some("c0ffee00-1"));
}

#[test]
fn an_alertmanager_acknowledgement_ends_with_its_alert_or_its_silence() {
    let mut state = fixtures::alertmanager_app_state(Mode::Interactive);
    let key = select_fleet_alert(&mut state, "QueueBacklog");
    assert!(state.alerts.get(&key).is_some_and(|a| a.ack.is_some()));
    // Its silence runs out: Alertmanager notifies again, and so does the header.
    update(&mut state, Msg::Tick, now() + Duration::minutes(96));
    assert!(state.alerts.get(&key).is_some_and(|a| a.ack.is_none()));
    assert!(state.alerts.acks.is_empty() && state.alerts.ack_silences.is_empty());

    let mut state = fixtures::alertmanager_app_state(Mode::Interactive);
    let key = select_fleet_alert(&mut state, "QueueBacklog");
    // Resolved: Alertmanager lists it no more, and the acknowledgement goes with it.
    prod_report(&mut state, Vec::new(), now() + Duration::seconds(15));
    assert!(state.alerts.get(&key).is_none());
    assert!(!state.alerts.acks.contains_key(&key));
    assert!(!state.alerts.ack_silences.contains_key(&key));
    assert!(
        state
            .alerts
            .external
            .keys()
            .any(|k| k.alertmanager() == Some("staging")),
        "another Alertmanager's alerts stay"
    );
}

#[test]
fn the_header_and_the_findings_count_what_alertmanager_does_not_hold_back() {
    let state = fixtures::alertmanager_app_state(Mode::Interactive);
    let counted: Vec<&str> = state
        .alerts
        .firing()
        .filter(|a| a.key.alertmanager().is_some())
        .map(|a| a.key.rule.as_str())
        .collect();
    assert_eq!(counted, ["DeployStuck", "HighLatency", "QueueBacklog"]);
    let fleet: Vec<(&str, &str)> = state
        .findings
        .iter()
        .filter(|f| f.source.starts_with("am:"))
        .map(|f| (f.source.as_str(), f.message.as_str()))
        .collect();
    assert_eq!(
        fleet,
        [
            ("am:prod", "P1 HighLatency: api p99 latency 2.4s"),
            (
                "am:staging",
                "P2 DeployStuck: checkout rollout stuck at 2/5"
            ),
            ("am:prod", "P2 QueueBacklog: queue depth 12k and rising"),
        ]
    );
}

#[test]
fn an_alert_this_console_pushed_is_not_listed_twice() {
    let mut state = fixtures::alertmanager_app_state(Mode::Interactive);
    let mut pushed = AlertmanagerAlert {
        fingerprint: "1".into(),
        labels: [
            ("alertname", "DiskSpaceLow"),
            ("mount", "/var/lib/postgresql"),
            ("watchdeck", "db-01"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect(),
        annotations: Default::default(),
        starts_at: now(),
        silenced_by: Vec::new(),
        inhibited_by: Vec::new(),
    };
    let mut from_another_console = pushed.clone();
    from_another_console
        .labels
        .insert("watchdeck".into(), "db-02".into());
    pushed.fingerprint = "2".into();
    prod_report(
        &mut state,
        vec![pushed, from_another_console],
        now() + Duration::seconds(15),
    );
    let listed: Vec<Option<&str>> = state
        .alerts
        .external
        .keys()
        .map(|k| k.label("watchdeck"))
        .filter(Option::is_some)
        .collect();
    assert_eq!(listed, [Some("db-02")]);
}

#[test]
fn an_alertmanager_polled_every_15s_is_not_stale_between_its_polls() {
    let mut state = fixtures::alertmanager_app_state(Mode::Interactive);
    prod_report(&mut state, Vec::new(), now() + Duration::seconds(1));
    // Three refreshes (1s) without news is stale for the host, not for a source polled every 15s.
    update(&mut state, Msg::Tick, now() + Duration::seconds(10));
    assert!(
        matches!(
            state.source("am:prod").map(|s| &s.status),
            Some(SourceStatus::Ok { .. })
        ),
        "{:?}",
        state.source("am:prod")
    );
    update(&mut state, Msg::Tick, now() + Duration::seconds(47));
    assert!(matches!(
        state.source("am:prod").map(|s| &s.status),
        Some(SourceStatus::Stale { .. })
    ));
}

#[test]
fn read_only_modes_refuse_to_acknowledge_an_alertmanagers_alert() {
    for mode in [Mode::ReadOnly, Mode::Watch] {
        let mut state = fixtures::alertmanager_app_state(mode);
        let key = select_fleet_alert(&mut state, "HighLatency");
        let effects = act(&mut state, Action::AckAlert);
        let [Effect::RecordRefusal { command, reason }] = effects.as_slice() else {
            panic!("{mode:?}: {effects:?}");
        };
        assert!(matches!(command, OperatorCommand::Alert(c) if c.key == key));
        assert!(reason.contains("read-only"), "{reason}");
        assert_eq!(state.overlay, Overlay::None);
        assert!(!state.alerts.acks.contains_key(&key));
    }
}

#[test]
fn after_a_silence_the_selection_goes_to_the_next_alert_not_the_top_one() {
    let mut state = containers_alerts_state();
    assert_eq!(
        state.alerts.list.selected_index(),
        Some(0),
        "the console starts on the first row"
    );
    let rows = state.alerts.list.rows.clone();
    assert!(rows.len() >= 3, "{rows:?}");
    act(&mut state, Action::SelectNext);
    act(&mut state, Action::SilenceAlert);
    type_text(&mut state, "1h");
    let effects = act(&mut state, Action::Confirm);
    let command = finish(&mut state, effects);
    assert_eq!(command.key, rows[1]);
    assert_eq!(
        state.alerts.list.selected.as_ref(),
        Some(&rows[2]),
        "the alert below the silenced one took its row"
    );
    act(&mut state, Action::AckAlert);
    let effects = act(&mut state, Action::Confirm);
    let command = finish(&mut state, effects);
    assert_eq!(
        command.key, rows[2],
        "the next key acts on the alert shown selected"
    );
    assert_eq!(state.alerts.list.selected.as_ref(), Some(&rows[2]));
}

/// A `prod` alert named `rule` about a container.
fn prod_container_alert(rule: &str, container: &str) -> AlertmanagerAlert {
    let mut alert = prod_alert(rule);
    alert.fingerprint = format!("{container:0>16}");
    alert.labels.insert("container".into(), container.into());
    alert
}

#[test]
fn silencing_a_rule_with_regex_and_negative_matchers_silences_what_they_match_anchored() {
    let mut state = fixtures::alertmanager_app_state(Mode::Interactive);
    let containers = ["trial-1", "trial-22", "api", "my-trial-3"];
    let alerts = containers
        .iter()
        .map(|c| prod_container_alert("TrialDown", c))
        .collect();
    prod_report(&mut state, alerts, now() + Duration::seconds(15));
    let key_of = |container: &str| {
        let keys = state.alerts.external.keys();
        keys.filter(|k| k.rule == "TrialDown")
            .find(|k| k.label("container") == Some(container))
            .cloned()
            .unwrap_or_else(|| panic!("{container}"))
    };
    let keys: Vec<AlertKey> = containers.iter().map(|c| key_of(c)).collect();
    state.alerts.list.selected = Some(keys[2].clone());

    // A regex that does not compile is refused, the dialog left open to mend it.
    act(&mut state, Action::SilenceRule);
    type_text(&mut state, "1h container=~trial-( cleanup");
    assert!(act(&mut state, Action::Confirm).is_empty());
    assert!(matches!(state.overlay, Overlay::Confirm(_)));
    assert!(
        state
            .toasts
            .iter()
            .any(|t| t.kind == ToastKind::Error && t.text.contains("not a regex")),
        "{:?}",
        state.toasts
    );
    act(&mut state, Action::Cancel);

    act(&mut state, Action::SilenceRule);
    type_text(
        &mut state,
        "1h container=~trial-.* container!=trial-22 cleanup",
    );
    let effects = act(&mut state, Action::Confirm);
    let command = finish(&mut state, effects);
    assert_eq!(command.note, "cleanup");
    assert!(command.key.labels.is_empty(), "{:?}", command.key);
    let silence = state.alerts.silences.last().cloned().expect("silenced");
    let covered: Vec<bool> = keys.iter().map(|k| silence.covers(k)).collect();
    // Anchored as Prometheus anchors: `my-trial-3` is not `trial-.*`.
    assert_eq!(covered, [true, false, false, false]);
    assert_eq!(state.alerts.covered_by(&silence), 1);
    assert!(state.alerts.held_back(&keys[0]) && !state.alerts.held_back(&keys[1]));
    let last = state.alerts.history.back().expect("in the history");
    assert_eq!(
        (last.change, last.note.as_str()),
        (
            Change::Silenced,
            "container=~trial-.* container!=trial-22 · cleanup"
        )
    );
}

#[test]
fn the_silences_view_lists_the_alertmanagers_silences_whichever_origin_with_what_they_cover() {
    let mut state = fixtures::alertmanager_app_state(Mode::Interactive);
    let latency = select_fleet_alert(&mut state, "HighLatency");
    act(&mut state, Action::AckAlert);
    type_text(&mut state, "failing over api");
    let effects = act(&mut state, Action::Confirm);
    let silence = AckSilence {
        id: "c0ffee00-1".into(),
        until: now() + Duration::hours(2),
    };
    update(
        &mut state,
        Msg::AckSilenced {
            key: latency.clone(),
            silence,
        },
        now(),
    );
    finish(&mut state, effects);
    let stuck = select_fleet_alert(&mut state, "DeployStuck");
    act(&mut state, Action::SilenceAlert);
    type_text(&mut state, "1h rollout paused");
    let effects = act(&mut state, Action::Confirm);
    finish(&mut state, effects);

    // Made with `s` on an Alertmanager's alert: it covers that alert.
    let own = state.alerts.silence_of(&stuck).cloned().expect("silenced");
    assert_eq!(state.alerts.covered_by(&own), 1);
    // The acknowledgement's silence, listed before Alertmanager lists it, and the fixture's
    // acknowledgement and bob's silence there.
    act(&mut state, Action::NextAlertView);
    let fleet: Vec<(&str, &str, usize, Option<&str>)> = state
        .alerts
        .fleet_silences
        .iter()
        .map(|s| {
            let ack_of = s.ack_of.as_ref().map(|k| k.rule.as_str());
            (s.id.as_str(), s.by.as_str(), s.covers.len(), ack_of)
        })
        .collect();
    assert_eq!(
        fleet.iter().find(|s| s.0 == "c0ffee00-1"),
        Some(&("c0ffee00-1", "alice", 1, Some("HighLatency")))
    );
    assert!(
        fleet
            .iter()
            .any(|s| s.1 == "bob" && s.2 == 1 && s.3.is_none())
    );
    assert_eq!(state.alerts.silence_list.len(), fleet.len() + 1);

    // Ending one made for an acknowledgement is taking the acknowledgement back.
    let row = state
        .alerts
        .fleet_silences
        .iter()
        .find(|s| s.id == "c0ffee00-1")
        .map(|s| s.row());
    state.alerts.silence_list.selected = row;
    assert!(act(&mut state, Action::ExpireSilence).is_empty());
    assert_eq!(state.overlay, Overlay::None);
    assert!(
        state
            .toasts
            .iter()
            .any(|t| t.text.contains("A on HighLatency takes it back")),
        "{:?}",
        state.toasts
    );
}

#[test]
fn from_an_endpoint_alert_to_that_endpoint_selected() {
    let mut state = fixtures::endpoints_app_state(Mode::Interactive);
    let before = state.endpoints.list.selected.clone();
    update(&mut state, Msg::ClickTab(Tab::Alerts), now());
    act(&mut state, Action::SelectFirst);
    let about = |state: &AppState| {
        state
            .alerts
            .selected()
            .and_then(|a| a.key.label("endpoint"))
            .map(str::to_string)
    };
    while about(&state).is_none_or(|name| Some(&name) == before.as_ref()) {
        let at = state.alerts.list.selected.clone();
        act(&mut state, Action::SelectNext);
        assert_ne!(
            state.alerts.list.selected, at,
            "an alert about another endpoint"
        );
    }
    let endpoint = about(&state);
    act(&mut state, Action::GotoSubject);
    assert_eq!(state.tab, Tab::Endpoints);
    assert_eq!(state.endpoints.list.selected, endpoint);
}
