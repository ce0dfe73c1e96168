//! Snapshots of the Alerts tab, as a user sees it, at 80x24 and 200x50, and the one path from
//! rules to the tab markers and the header.
#![allow(clippy::expect_used, clippy::unwrap_used)] // a failed expectation is the test failing

mod render_support;

use insta::assert_snapshot;
use render_support::{draw, text, theme};
use watchdeck::action::Action;
use watchdeck::command::CommandOutcome;
use watchdeck::command::Mode;
use watchdeck::effect::Effect;
use watchdeck::findings::Severity;
use watchdeck::fixtures::{self, now};
use watchdeck::model::resources::HostKey;
use watchdeck::model::source::SourceReport;
use watchdeck::msg::{FilterEdit, Msg, SourceUpdate};
use watchdeck::state::AppState;
use watchdeck::tab::Tab;
use watchdeck::tabs::resources::record;
use watchdeck::update::update;

fn on_alerts(mut state: AppState) -> AppState {
    update(&mut state, Msg::ClickTab(Tab::Alerts), now());
    state
}

/// Goes round the tab's views `times` times with `v`: 1 silences, 2 history, 3 rules.
fn next_views(state: &mut AppState, times: usize) {
    for _ in 0..times {
        update(state, Msg::Action(Action::NextAlertView), now());
    }
}

/// The screen's first line that contains `text`.
fn row_with<'a>(screen: &'a str, text: &str) -> &'a str {
    screen
        .lines()
        .find(|line| line.contains(text))
        .unwrap_or_else(|| panic!("no row with {text}: {screen}"))
}

fn both_sizes(name: &str, state: &AppState) {
    insta::with_settings!({ snapshot_suffix => "80x24" }, {
        assert_snapshot!(name, draw(state, 80, 24).backend());
    });
    insta::with_settings!({ snapshot_suffix => "200x50" }, {
        assert_snapshot!(name, draw(state, 200, 50).backend());
    });
}

/// A rule with no host matcher watches every host. The ON column and the findings leave the host
/// out while the console watches only its own, and name it once there are several.
#[test]
fn alerts_name_their_host_once_there_are_several() {
    let mut state = on_alerts(fixtures::app_state(Mode::Interactive));
    let screen = text(&draw(&state, 200, 50));
    let row = row_with(&screen, "DiskSpaceLow");
    assert!(
        row.contains("/var/lib/postgresql") && !row.contains("db-01"),
        "{row}"
    );
    assert_eq!(
        state.findings[0].subject,
        "DiskSpaceLow /var/lib/postgresql"
    );
    let web = HostKey::new("web-2");
    let snapshot = fixtures::resources_snapshot();
    record::record(&mut state.metrics, state.refresh, &web, &snapshot);
    state.resources.apply_snapshot(&web, snapshot);
    update(&mut state, Msg::Tick, now());
    let screen = text(&draw(&state, 200, 50));
    assert!(row_with(&screen, "db-01 /var/lib/postgresql").contains("firing"));
    assert!(row_with(&screen, "web-2 /var/lib/postgresql").contains("pending"));
    assert_eq!(
        state.findings[0].subject,
        "DiskSpaceLow db-01 /var/lib/postgresql"
    );
}

#[test]
fn a_full_disk_fires_after_its_for_and_marks_the_resources_tab() {
    let state = on_alerts(fixtures::app_state(Mode::Interactive));
    both_sizes("alerts_firing", &state);
    let screen = text(&draw(&state, 200, 50));
    let row = screen
        .lines()
        .find(|line| line.contains("DiskSpaceLow"))
        .expect("the alert's row");
    assert!(row.contains("P1") && row.contains("firing"), "{row}");
    assert!(row.contains("/var/lib/postgresql"), "{row}");
    assert!(
        screen.contains("mount=/var/lib/postgresql"),
        "the detail names the labels: {screen}"
    );
    assert_eq!(state.tab_severity(Tab::Resources), Severity::Critical);
    assert!(
        screen.contains("disk /var/lib/postgresql 93.8% full"),
        "{screen}"
    );
    let [narrow, _] = render_support::footers(&state);
    assert!(
        narrow.starts_with(" a ack") && narrow.contains("v view"),
        "{narrow:?}"
    );
}

#[test]
fn containers_fire_the_manuals_container_rules() {
    let state = on_alerts(fixtures::containers_app_state(Mode::Interactive));
    both_sizes("alerts_containers", &state);
    let firing: Vec<(String, Option<String>)> = state
        .alerts
        .firing()
        .map(|a| {
            (
                a.key.rule.clone(),
                a.key.label("container").map(str::to_string),
            )
        })
        .collect();
    for expected in [
        ("ContainerUnhealthy", "shop-api-1"),
        ("ContainerExited", "migrate"),
    ] {
        assert!(
            firing.contains(&(expected.0.to_string(), Some(expected.1.to_string()))),
            "{expected:?} not in {firing:?}"
        );
    }
    assert!(
        !firing
            .iter()
            .any(|(_, c)| c.as_deref() == Some("nightly-backup")),
        "an exit code of 0 is no alert: {firing:?}"
    );
    // Three restarts in ten minutes is the manual's limit, not past it.
    assert!(
        !firing
            .iter()
            .any(|(rule, _)| rule == "ContainerRestartLoop"),
        "{firing:?}"
    );
    assert_eq!(state.tab_severity(Tab::Containers), Severity::Critical);
}

#[test]
fn a_disk_that_recovers_resolves_and_shows_behind_the_toggle() {
    let mut state = fixtures::app_state(Mode::Interactive);
    let mut freed = fixtures::resources_snapshot();
    freed.at = now() + chrono::Duration::seconds(1);
    for disk in &mut freed.disks {
        disk.space.used = disk.space.total / 2;
    }
    let at = freed.at;
    update(
        &mut state,
        Msg::Source(SourceUpdate::System(SourceReport {
            at,
            result: Ok(freed),
        })),
        at,
    );
    let mut state = on_alerts(state);
    assert_eq!(state.tab_severity(Tab::Resources), Severity::Ok);
    assert!(state.alerts.list.is_empty());
    update(&mut state, Msg::Action(Action::ToggleResolved), now());
    both_sizes("alerts_resolved_shown", &state);
    let screen = text(&draw(&state, 200, 50));
    assert!(
        screen
            .lines()
            .any(|line| line.contains("DiskSpaceLow") && line.contains("resolved")),
        "{screen}"
    );
}

/// The containers fixture as alice with a silence of a whole rule, an acknowledgement and a
/// silence of one alert, each done through the keys.
fn with_operator_doings() -> AppState {
    let mut state = on_alerts(fixtures::containers_app_state(Mode::Interactive));
    state.operator = "alice".into();
    let run = |state: &mut AppState, action: Action, note: &str| {
        update(state, Msg::Action(action), now());
        for c in note.chars() {
            update(state, Msg::FilterEdit(FilterEdit::Insert(c)), now());
        }
        let effects = update(state, Msg::Action(Action::Confirm), now());
        let [Effect::Execute(command)] = effects.as_slice() else {
            panic!("{effects:?}");
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
    };
    update(&mut state, Msg::Action(Action::SelectFirst), now());
    run(&mut state, Action::AckAlert, "looking at the health check");
    run(
        &mut state,
        Action::SilenceRule,
        "2h engine=local deploy of the api",
    );
    update(&mut state, Msg::Action(Action::SelectLast), now());
    run(
        &mut state,
        Action::SilenceAlert,
        "30m expected: nightly migration",
    );
    state
}

#[test]
fn the_silences_view_lists_what_is_silenced_by_whom_and_until_when() {
    let mut state = with_operator_doings();
    next_views(&mut state, 1);
    both_sizes("alerts_silences", &state);
    let screen = text(&draw(&state, 200, 50));
    assert!(
        screen.contains("ContainerUnhealthy{engine=local}"),
        "{screen}"
    );
    assert!(screen.contains("deploy of the api"), "{screen}");
    assert_eq!(state.alerts.silence_list.len(), 2);
}

#[test]
fn the_history_view_shows_each_change_with_its_operator() {
    let mut state = with_operator_doings();
    next_views(&mut state, 2);
    both_sizes("alerts_history", &state);
    let screen = text(&draw(&state, 200, 50));
    assert!(
        screen
            .lines()
            .any(|l| l.contains("acknowledged") && l.contains("alice: looking at the health check")),
        "{screen}"
    );
}

#[test]
fn the_rules_view_lists_every_rule_and_its_origin() {
    let mut state = on_alerts(fixtures::containers_app_state(Mode::Interactive));
    next_views(&mut state, 3);
    both_sizes("alerts_rules", &state);
    let screen = text(&draw(&state, 200, 50));
    let row = row_with(&screen, "ContainerUnhealthy");
    assert!(row.contains("shipped"), "{row}");
}

#[test]
fn the_silence_dialog_says_how_to_narrow_a_rule() {
    let mut state = on_alerts(fixtures::containers_app_state(Mode::Interactive));
    update(&mut state, Msg::Action(Action::SilenceRule), now());
    for c in "4h engine=edge".chars() {
        update(&mut state, Msg::FilterEdit(FilterEdit::Insert(c)), now());
    }
    both_sizes("alerts_silence_rule_dialog", &state);
    let screen = text(&draw(&state, 80, 24));
    assert!(screen.contains("4h engine=edge"), "{screen}");
}

#[test]
fn a_failing_notification_target_shows_in_the_status_line() {
    use watchdeck::alerts::notify::{NotifyOutcome, NotifyReport};
    let mut state = on_alerts(fixtures::app_state(Mode::Interactive));
    let failed = NotifyReport {
        target: "oncall-slack".into(),
        outcome: NotifyOutcome::Failed {
            error: "https://hooks.slack.com/…: answered HTTP 500 Internal Server Error".into(),
            retrying: true,
        },
        dropped: 3,
    };
    update(
        &mut state,
        Msg::Notified(failed.clone()),
        now() - chrono::Duration::minutes(2),
    );
    both_sizes("alerts_notify_failing", &state);
    let screen = text(&draw(&state, 200, 50));
    assert!(
        screen.contains(
            "✖ notify oncall-slack failing: https://hooks.slack.com/…: answered HTTP 500 \
             Internal Server Error · retrying · since 2m ago · 3 dropped"
        ),
        "{screen}"
    );
    update(
        &mut state,
        Msg::Notified(NotifyReport {
            outcome: NotifyOutcome::Delivered,
            ..failed
        }),
        now(),
    );
    let screen = text(&draw(&state, 200, 50));
    assert!(!screen.contains("notify"), "recovered: {screen}");
}

#[test]
fn the_fleets_alerts_join_the_list_with_their_source_and_alertmanagers_own_state() {
    let state = fixtures::alertmanager_app_state(Mode::Interactive);
    both_sizes("alerts_alertmanager", &state);
    let screen = text(&draw(&state, 200, 50));
    let row = |name: &str| row_with(&screen, name);
    let high = row("HighLatency");
    assert!(
        high.contains("P1") && high.contains("am:prod job=api"),
        "{high}"
    );
    assert!(
        row("QueueBacklog").contains("firing ✓"),
        "acknowledged here"
    );
    assert!(row("DiskSpaceLow").contains("/var/lib/postgresql"));
    // Silenced elsewhere or inhibited: behind the toggle, and not counted.
    assert!(!screen.contains("NodeDiskPressure") && !screen.contains("TargetDown"));
    assert!(
        screen.lines().next().unwrap().contains("P1×2 P2×1"),
        "{screen}"
    );
    // The Alertmanager that stopped answering: a banner, and its alert as it last listed it.
    assert!(
        screen.contains(
            "✖ Alertmanager staging unavailable: http://am.staging.example:9093/…: Connection refused (os error 111) · showing its 1 alert from 3m ago · retry in 20s"
        ),
        "{screen}"
    );
    assert!(row("DeployStuck").contains("am:staging app=checkout"));
    assert_eq!(state.tab_severity(Tab::Alerts), Severity::Critical);
}

/// A Prometheus that stopped answering: a banner with its error, how many of its own alerts are
/// shown as it last listed them and when, and the retry, as for an Alertmanager; its rows are
/// drawn stale, the console's own are not.
#[test]
fn a_prometheus_that_stopped_answering_has_a_banner_and_its_alerts_as_last_listed() {
    let state = fixtures::fleet_prometheus_down_state();
    both_sizes("alerts_prometheus_down", &state);
    let terminal = draw(&state, 200, 50);
    let screen = text(&terminal);
    assert!(
        screen.contains(
            "✖ Prometheus fleet unavailable: http://prometheus:9090: connection refused · showing its 2 alerts from 3m ago · retry in 8s"
        ),
        "{screen}"
    );
    let stale = theme("default").stale;
    let buffer = terminal.backend().buffer();
    let state_cell = |name: &str, word: &str| {
        let (y, line) = screen
            .lines()
            .enumerate()
            .find(|(_, l)| l.contains(name))
            .unwrap_or_else(|| panic!("no row with {name}: {screen}"));
        let at = line.find(word).unwrap_or_else(|| panic!("{line}"));
        buffer[(line[..at].chars().count() as u16, y as u16)].clone()
    };
    for (name, word) in [
        ("NodeFilesystemAlmostFull", "firing"),
        ("KafkaConsumerLag", "pending"),
    ] {
        let cell = state_cell(name, word);
        assert_eq!(cell.fg, stale.fg.unwrap_or_default(), "{name}");
        assert!(cell.modifier.contains(stale.add_modifier), "{name}");
    }
    let own = state_cell("HostDown", "firing");
    assert!(!own.modifier.contains(stale.add_modifier), "{own:?}");
}

#[test]
fn the_history_lists_when_an_alertmanagers_alerts_began_and_ended() {
    let mut state = fixtures::alertmanager_app_state(Mode::Interactive);
    next_views(&mut state, 2);
    both_sizes("alerts_alertmanager_history", &state);
    let screen = text(&draw(&state, 200, 50));
    let row = row_with(&screen, "HighLatency");
    assert!(
        row.contains("firing") && row.contains("am:prod job=api"),
        "{row}"
    );
    assert!(!row.contains("value"), "no value of its own: {row}");
}

#[test]
fn a_silence_made_in_alertmanager_names_its_creator_behind_the_toggle() {
    let mut state = fixtures::alertmanager_app_state(Mode::Interactive);
    update(&mut state, Msg::Action(Action::ToggleResolved), now());
    let key = state
        .alerts
        .external
        .keys()
        .find(|k| k.rule == "NodeDiskPressure")
        .cloned();
    state.alerts.list.selected = key;
    both_sizes("alerts_alertmanager_silenced_shown", &state);
    let screen = text(&draw(&state, 200, 50));
    for (name, state_text) in [
        ("NodeDiskPressure", "silenced"),
        ("TargetDown", "inhibited"),
    ] {
        let row = screen.lines().find(|l| l.contains(name)).unwrap();
        assert!(row.contains(state_text), "{row}");
    }
    assert!(
        screen.contains("silenced in Alertmanager by bob until 10:30: disk swap on db-3"),
        "{screen}"
    );
}

#[test]
fn every_view_draws_at_every_size() {
    let mut state = with_operator_doings();
    let mut states = Vec::new();
    for view in ["alerts", "silences", "history", "rules"] {
        states.extend(render_support::with_overlays(view, &state));
        next_views(&mut state, 1);
    }
    let mut ack = with_operator_doings();
    update(&mut ack, Msg::Action(Action::SelectFirst), now());
    update(&mut ack, Msg::Action(Action::AckAlert), now());
    for c in "a note longer than the dialog is wide, to see it scroll".chars() {
        update(&mut ack, Msg::FilterEdit(FilterEdit::Insert(c)), now());
    }
    states.push(("ack dialog".into(), ack));
    let fleet = on_alerts(fixtures::alertmanager_app_state(Mode::Interactive));
    states.extend(render_support::with_overlays("fleet", &fleet));
    render_support::assert_draws_at_every_size(&states);
}

#[test]
fn moving_up_inside_the_rows_in_view_scrolls_nothing() {
    let mut state = with_operator_doings();
    next_views(&mut state, 3);
    render_support::assert_moving_up_scrolls_only_past_the_top(state, "Rules", 80, 16);
}

#[test]
fn at_80_columns_the_alerts_keep_respond_by_and_the_footer_the_view_switch() {
    let state = on_alerts(fixtures::containers_app_state(Mode::Interactive));
    let screen = text(&draw(&state, 80, 24));
    let titles = row_with(&screen, "SEV");
    assert!(titles.contains("RESPOND BY"), "{titles}");
    let footer = screen.lines().last().unwrap_or_default();
    assert!(footer.contains("v view"), "{footer}");
}

#[test]
fn long_alert_names_are_whole_when_there_is_room_and_marked_when_cut() {
    let mut state = on_alerts(fixtures::alertmanager_app_state(Mode::Interactive));
    let name = "CertificateExpiringSoonOnTheEdgeProxies";
    let external = state.alerts.external.values_mut().next().unwrap();
    external.alert.key.rule = name.into();
    let wide = text(&draw(&state, 200, 50));
    assert!(wide.contains(name), "{wide}");
    let narrow = text(&draw(&state, 80, 24));
    let cut = row_with(&narrow, "Certificate")
        .split_whitespace()
        .find(|word| word.starts_with("Certificate"))
        .unwrap();
    let kept = cut.strip_suffix('…').unwrap_or_else(|| panic!("{cut}"));
    assert!(name.starts_with(kept) && kept.len() >= 16, "{cut}");
}

#[test]
fn an_alertmanagers_alert_is_on_its_labels_by_name_identifying_ones_first() {
    let mut state = on_alerts(fixtures::alertmanager_app_state(Mode::Interactive));
    let external = state.alerts.external.values_mut().next().unwrap();
    external.alert.key.labels = [("ok", "yes"), ("instance", "trial-host:9100")]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let screen = text(&draw(&state, 200, 50));
    assert!(
        screen.contains("instance=trial-host:9100 ok=yes"),
        "{screen}"
    );
}

#[test]
fn the_silences_view_lists_the_alertmanagers_silences_with_what_they_cover() {
    let mut state = fixtures::alertmanager_app_state(Mode::Interactive);
    next_views(&mut state, 1);
    both_sizes("alerts_alertmanager_silences", &state);
    let screen = text(&draw(&state, 200, 50));
    let ack = row_with(&screen, "QueueBacklog");
    assert!(
        ack.contains("am:prod QueueBacklog{job=worker, severity=warning} (ack)")
            && ack.contains(" 1 ")
            && ack.contains("alice")
            && ack.contains("scaling workers"),
        "{ack}"
    );
    let bobs = row_with(&screen, "NodeDiskPressure");
    assert!(
        bobs.contains(" 1 ") && bobs.contains("bob") && bobs.contains("disk swap on db-3"),
        "{bobs}"
    );
}

/// An ack note wider than the dialog wrapped onto a row the dialog had not counted, pushing the
/// cursor and the confirm line out of it: the note scrolls so the cursor stays in view.
#[test]
fn a_long_ack_note_keeps_the_cursor_and_the_confirm_line_in_view() {
    let mut state = with_operator_doings();
    update(&mut state, Msg::Action(Action::SelectFirst), now());
    update(&mut state, Msg::Action(Action::AckAlert), now());
    let note = "a note longer than the dialog is wide, to see it scroll past its right edge";
    for c in note.chars() {
        update(&mut state, Msg::FilterEdit(FilterEdit::Insert(c)), now());
    }
    for (width, height) in [(80, 24), (200, 50)] {
        let screen = text(&draw(&state, width, height));
        assert!(screen.contains("right edge█"), "{screen}");
        assert!(
            screen
                .lines()
                .any(|row| row.contains('║') && row.contains(" confirm")),
            "the dialog's confirm line:\n{screen}"
        );
    }
}
