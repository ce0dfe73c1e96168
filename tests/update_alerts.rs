//! The Alerts tab's reducer: acknowledging, silencing and jumping to the subject go through the
//! one operator path (dialog, refusal in read-only modes, executor, outcome), message in, state
//! and effects out.

use chrono::Duration;
use watchdeck::action::Action;
use watchdeck::alerts::engine::Change;
use watchdeck::command::{
    AlertAction, AlertCommand, CommandOutcome, ContainerCommand, OperatorCommand,
};
use watchdeck::effect::Effect;
use watchdeck::findings::Severity;
use watchdeck::fixtures::{self, now};
use watchdeck::model::containers::ContainerAction;
use watchdeck::msg::{FilterEdit, Msg};
use watchdeck::state::{AppState, Mode, Overlay};
use watchdeck::tab::Tab;
use watchdeck::tabs::alerts::state::{AlertsView, KeptAlerts, Silence};
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
