//! The Resources tab's host list, through `update` as the keys reach it: worst first, this host
//! shown until another is picked, sorted and filtered, and the process keys left alone while a
//! remote host is shown.
#![allow(clippy::expect_used, clippy::unwrap_used)] // a failed expectation is the test failing

use watchdeck::action::Action;
use watchdeck::command::Mode;
use watchdeck::fixtures::{self, now};
use watchdeck::msg::{FilterEdit, Msg};
use watchdeck::state::{AppState, Overlay};
use watchdeck::update::update;

fn act(state: &mut AppState, action: Action) {
    update(state, Msg::Action(action), now());
}

fn rows(state: &AppState) -> Vec<&str> {
    state.fleet.list.rows.iter().map(|h| h.as_str()).collect()
}

fn selected(state: &AppState) -> Option<&str> {
    state.fleet.list.selected.as_ref().map(|h| h.as_str())
}

/// A remote host's history, as its fetch answers.
fn history_answered(
    state: &mut AppState,
    host: &watchdeck::model::resources::HostKey,
    result: Result<watchdeck::model::prometheus::HostHistory, String>,
) {
    let host = host.clone();
    update(state, Msg::HostHistory { host, result }, now());
}

#[test]
fn the_host_list_is_worst_first_and_shows_this_host_until_another_is_picked() {
    let mut state = fixtures::fleet_state();
    // web-2 is down (HostDown, P0); the others with a P1 by CPU, then the quietest.
    assert_eq!(rows(&state), ["web-2", "cache-1", "db-01", "db-2", "web-1"]);
    assert_eq!(selected(&state), Some("db-01"));
    assert!(state.fleet.selected_remote().is_none());
    act(&mut state, Action::NextHost);
    assert_eq!(selected(&state), Some("db-2"));
    assert_eq!(
        state.fleet.selected_remote().map(|h| h.instance.as_str()),
        Some("db-2:9100")
    );
    // The choice holds across the next answers.
    let again = fixtures::fleet_snapshot_at(0);
    let report = watchdeck::model::source::SourceReport {
        at: now(),
        result: Ok(again),
    };
    let name = "fleet".to_string();
    update(
        &mut state,
        Msg::Source(watchdeck::msg::SourceUpdate::Prometheus { name, report }),
        now(),
    );
    assert_eq!(selected(&state), Some("db-2"));
}

#[test]
fn o_sorts_the_host_list_by_the_next_column() {
    let mut state = fixtures::fleet_state();
    act(&mut state, Action::SortNextColumn);
    assert_eq!(rows(&state), ["cache-1", "db-01", "db-2", "web-1", "web-2"]);
    act(&mut state, Action::SortNextColumn);
    // By CPU, busiest first; a host that is down has none.
    assert_eq!(rows(&state), ["cache-1", "db-01", "db-2", "web-1", "web-2"]);
    act(&mut state, Action::SortNextColumn);
    act(&mut state, Action::SortNextColumn);
    // By the fullest disk.
    assert_eq!(rows(&state), ["db-2", "db-01", "web-1", "cache-1", "web-2"]);
}

#[test]
fn the_filter_narrows_the_host_list_while_a_remote_host_is_shown() {
    let mut state = fixtures::fleet_state();
    act(&mut state, Action::NextHost);
    act(&mut state, Action::Filter);
    for c in "web".chars() {
        update(&mut state, Msg::FilterEdit(FilterEdit::Insert(c)), now());
    }
    update(&mut state, Msg::FilterEdit(FilterEdit::Apply), now());
    assert_eq!(rows(&state), ["web-2", "web-1"]);
    assert!(
        state.resources.list.filter.is_empty(),
        "the processes' filter is untouched"
    );
}

#[test]
fn the_process_keys_do_nothing_while_a_remote_host_is_shown() {
    let mut state = fixtures::fleet_state();
    act(&mut state, Action::NextHost);
    let effects = update(&mut state, Msg::Action(Action::TerminateProcess), now());
    assert!(effects.is_empty());
    assert_eq!(state.overlay, Overlay::None);
    // Back on this host, they act again.
    act(&mut state, Action::PrevHost);
    act(&mut state, Action::TerminateProcess);
    assert!(
        matches!(state.overlay, Overlay::Confirm(_)),
        "{:?}",
        state.overlay
    );
}

#[test]
fn without_a_prometheus_there_is_no_host_list() {
    let mut state = fixtures::app_state(Mode::Interactive);
    act(&mut state, Action::NextHost);
    assert!(state.fleet.rows.is_empty() && state.fleet.list.rows.is_empty());
    assert!(!state.shows_hosts());
}

#[test]
fn picking_a_remote_host_fetches_its_history_for_its_panels() {
    use watchdeck::effect::Effect;
    use watchdeck::model::prometheus::{HostHistory, HostMeasure};
    use watchdeck::model::resources::HostKey;
    use watchdeck::tabs::resources::record::HostSeries;

    let mut state = fixtures::fleet_state();
    let effects = update(&mut state, Msg::Action(Action::NextHost), now());
    let db2 = HostKey::new("db-2");
    assert_eq!(
        effects,
        [Effect::FetchHostHistory {
            prometheus: "fleet".into(),
            instance: "db-2:9100".into(),
            host: db2.clone(),
            // What the graphs span: the store's samples at the refresh.
            window: state.refresh * state.metrics.capacity() as u32,
        }]
    );
    // Its answer is kept for its panels, older than anything the console recorded.
    let an_hour_ago = now() - chrono::Duration::hours(1);
    let history = HostHistory {
        host: db2.clone(),
        series: vec![(HostMeasure::Cpu, vec![(an_hour_ago, 12.5)])],
    };
    history_answered(&mut state, &db2, Ok(history));
    let fetched = state.fleet.fetched(&HostSeries::cpu_percent(&db2));
    assert_eq!(
        fetched.map(|s| (s[0].at, s[0].value)),
        Some((an_hour_ago, 12.5))
    );
    // This host needs nothing fetched; a host's answer that comes after another was picked is
    // not kept.
    let effects = update(&mut state, Msg::Action(Action::PrevHost), now());
    assert!(effects.is_empty());
    history_answered(&mut state, &HostKey::new("web-1"), Err("late".into()));
    assert!(state.fleet.history.as_ref().is_none_or(|h| h.host == db2));
}

#[test]
fn a_remote_host_s_cores_are_each_one_s_newest_by_core_number() {
    use watchdeck::model::prometheus::{HostHistory, HostMeasure};
    use watchdeck::model::resources::HostKey;

    let mut state = fixtures::fleet_state();
    act(&mut state, Action::NextHost);
    let db2 = HostKey::new("db-2");
    assert_eq!(selected(&state), Some("db-2"));
    let at = |seconds_ago: i64| now() - chrono::Duration::seconds(seconds_ago);
    let core = |cpu: &str, points: &[(i64, f64)]| {
        let points = points.iter().map(|&(ago, v)| (at(ago), v)).collect();
        (HostMeasure::CpuCore(cpu.into()), points)
    };
    // As Prometheus lists them: by label, `10` before `2`; a core with no point is none.
    let history = HostHistory {
        host: db2.clone(),
        series: vec![
            (HostMeasure::Cpu, vec![(at(5), 40.0)]),
            core("0", &[(35, 90.0), (5, 10.0)]),
            core("1", &[(35, 20.0), (5, 30.0)]),
            core("10", &[(35, 50.0), (4, 60.0)]),
            core("2", &[(35, 70.0), (5, 80.0)]),
            core("3", &[]),
        ],
    };
    history_answered(&mut state, &db2, Ok(history));
    let fetched = state.fleet.history.as_ref().expect("kept");
    assert_eq!(fetched.cores, [10.0, 30.0, 80.0, 60.0]);
    assert_eq!(fetched.cores_at, Some(at(4)));
    // A failed fetch has no cores to show.
    act(&mut state, Action::NextHost);
    act(&mut state, Action::PrevHost);
    history_answered(&mut state, &db2, Err("timed out".into()));
    let fetched = state.fleet.history.as_ref().expect("kept");
    assert!(fetched.cores.is_empty() && fetched.cores_at.is_none());
}

#[test]
fn enter_on_a_host_leads_to_its_engine_when_one_is_configured() {
    use watchdeck::config::DockerConfig;
    use watchdeck::model::source::SourceReport;
    use watchdeck::msg::SourceUpdate;
    use watchdeck::tab::Tab;
    let mut state = fixtures::fleet_state();
    // An engine on cache-1, named by its address only.
    let engine = DockerConfig {
        name: "cache".into(),
        host: "tcp://cache-1:2376".into(),
        ..DockerConfig::default()
    };
    let fresh = AppState::new(
        &fixtures::fleet_config(),
        std::slice::from_ref(&engine),
        Mode::Interactive,
        "db-01".into(),
        now(),
    );
    state.containers = fresh.containers;
    let health = fresh
        .sources
        .iter()
        .find(|s| s.name == "docker:cache")
        .expect("the engine's source")
        .clone();
    assert!(state.add_source(health));
    let mut snapshot = fixtures::engine_snapshot(0);
    snapshot.engine = "cache".into();
    let first = snapshot.containers[0].name.clone();
    let report = SourceReport {
        at: now(),
        result: Ok(snapshot),
    };
    let engine_name = "cache".to_string();
    update(
        &mut state,
        Msg::Source(SourceUpdate::Docker {
            engine: engine_name,
            report,
        }),
        now(),
    );
    // This host has no engine of its own: enter does nothing.
    act(&mut state, Action::GotoSubject);
    assert_eq!(state.tab, Tab::Resources);
    while selected(&state) != Some("cache-1") {
        act(&mut state, Action::PrevHost);
    }
    act(&mut state, Action::GotoSubject);
    assert_eq!(state.tab, Tab::Containers);
    let chosen = state.containers.list.selected.clone().expect("a container");
    assert_eq!(chosen.engine, "cache");
    let listed = state
        .containers
        .list
        .rows
        .iter()
        .find(|k| k.engine == "cache");
    assert_eq!(
        Some(&chosen),
        listed,
        "the engine's first row, {first} among them"
    );
}

#[test]
fn a_remote_host_s_history_is_fetched_again_after_each_poll_and_a_failed_refresh_keeps_it() {
    use watchdeck::effect::Effect;
    use watchdeck::model::prometheus::{HostHistory, HostMeasure};
    use watchdeck::model::resources::HostKey;

    let mut state = fixtures::fleet_state();
    act(&mut state, Action::NextHost);
    let db2 = HostKey::new("db-2");
    let later = |seconds: i64| now() + chrono::Duration::seconds(seconds);
    let fetches = |effects: Vec<Effect>| {
        effects
            .into_iter()
            .filter(|e| matches!(e, Effect::FetchHostHistory { host, .. } if *host == db2))
            .count()
    };
    let cores = |busy: f64| HostHistory {
        host: db2.clone(),
        series: vec![(HostMeasure::CpuCore("0".into()), vec![(now(), busy)])],
    };
    history_answered(&mut state, &db2, Ok(cores(40.0)));
    // Nothing newer from its Prometheus: nothing to fetch again.
    assert_eq!(fetches(update(&mut state, Msg::Tick, later(1))), 0);

    // Its Prometheus answers again: the next tick fetches it once, and shows the old meanwhile.
    fixtures::fleet_answered(&mut state, fixtures::fleet_snapshot_at(0), later(15));
    assert_eq!(fetches(update(&mut state, Msg::Tick, later(16))), 1);
    assert_eq!(fetches(update(&mut state, Msg::Tick, later(17))), 0);
    let kept = state.fleet.history.as_ref().expect("kept");
    assert_eq!(kept.cores, [40.0]);

    // The refresh fails: what it held stays, with why.
    history_answered(&mut state, &db2, Err("timed out".into()));
    let kept = state.fleet.history.as_ref().expect("kept");
    assert_eq!(
        (kept.cores.as_slice(), kept.error.as_deref()),
        (&[40.0][..], Some("timed out"))
    );
    // Not again until its Prometheus answers again.
    assert_eq!(fetches(update(&mut state, Msg::Tick, later(18))), 0);

    // Not while another tab is shown.
    fixtures::fleet_answered(&mut state, fixtures::fleet_snapshot_at(0), later(30));
    state.tab = watchdeck::tab::Tab::Alerts;
    assert_eq!(fetches(update(&mut state, Msg::Tick, later(31))), 0);
    state.tab = watchdeck::tab::Tab::Resources;
    assert_eq!(fetches(update(&mut state, Msg::Tick, later(32))), 1);
}
