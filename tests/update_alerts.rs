//! The Alerts tab's reducer: acknowledging, silencing and jumping to the subject go through the
//! one operator path (dialog, refusal in read-only modes, executor, outcome), message in, state
//! and effects out.

use chrono::{DateTime, Duration, Utc};
use watchdeck::action::Action;
use watchdeck::alerts::engine::AlertKey;
use watchdeck::command::{
    AlertAction, AlertCommand, CommandOutcome, ContainerCommand, OperatorCommand,
};
use watchdeck::effect::Effect;
use watchdeck::findings::Severity;
use watchdeck::fixtures::{self, now};
use watchdeck::model::alertmanager::{AlertmanagerAlert, AlertmanagerSnapshot};
use watchdeck::model::containers::ContainerAction;
use watchdeck::model::source::SourceReport;
use watchdeck::msg::{FilterEdit, Msg, SourceUpdate};
use watchdeck::state::source::SourceStatus;
use watchdeck::state::{AppState, Mode, Overlay};
use watchdeck::tab::Tab;
use watchdeck::tabs::alerts::state::AckSilence;
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
    let [Effect::SaveAlerts(kept)] = effects.as_slice() else {
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

/// The fixture's `prod` Alertmanager alert of this name, selected.
fn select_fleet_alert(state: &mut AppState, rule: &str) -> AlertKey {
    let key = state
        .alerts
        .external
        .keys()
        .find(|k| k.rule == rule)
        .cloned()
        .unwrap_or_else(|| panic!("no {rule}"));
    state.alerts.list.selected = Some(key.clone());
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
    let [Effect::SaveAlerts(kept)] = effects.as_slice() else {
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
            .any(|k| k.alertmanager.as_deref() == Some("staging")),
        "another Alertmanager's alerts stay"
    );
}

#[test]
fn the_header_and_the_findings_count_what_alertmanager_does_not_hold_back() {
    let state = fixtures::alertmanager_app_state(Mode::Interactive);
    let counted: Vec<&str> = state
        .alerts
        .firing()
        .filter(|a| a.key.alertmanager.is_some())
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
