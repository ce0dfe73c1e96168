//! A Prometheus's report: its hosts join the Resources tab and their series the metric store
//! under the local host's names with their own `host` label, its imported series are stored
//! under their names, and its own alerts join the Alerts tab; then the rules judge it all.

use chrono::{DateTime, Utc};

use crate::effect::Effect;
use crate::metrics::Sample;
use crate::model::prometheus::{HostHistory, PrometheusSnapshot, RemoteHost};
use crate::model::resources::HostKey;
use crate::model::source::{SourceId, SourceReport};
use crate::reduce::source_answered;
use crate::state::AppState;
use crate::state::fleet::FetchedHistory;
use crate::tab::Tab;
use crate::tabs::resources::record;

/// A remote host's fetched history, kept while it is the one selected. A refresh that fails
/// keeps what the last one fetched, with its error.
pub fn apply_history(state: &mut AppState, host: HostKey, result: Result<HostHistory, String>) {
    if state.fleet.list.selected.as_ref() != Some(&host) {
        return;
    }
    let poll = last_answer_of_selected(state);
    let kept = state.fleet.history.take().filter(|h| h.host == host);
    state.fleet.history = Some(match (result, kept) {
        (Ok(history), _) => {
            let (cores, cores_at) = history.newest_per_core();
            FetchedHistory {
                series: history
                    .series
                    .iter()
                    .map(|(measure, points)| {
                        let samples = points
                            .iter()
                            .map(|&(at, value)| Sample { at, value })
                            .collect();
                        (record::HostSeries::of(&host, measure), samples)
                    })
                    .collect(),
                cores,
                cores_at,
                host,
                error: None,
                poll,
                refreshing: false,
            }
        }
        (Err(error), Some(kept)) => FetchedHistory {
            error: Some(error),
            poll,
            refreshing: false,
            ..kept
        },
        (Err(error), None) => FetchedHistory {
            host,
            series: Vec::new(),
            cores: Vec::new(),
            cores_at: None,
            error: Some(error),
            poll,
            refreshing: false,
        },
    });
}

/// Each tick while the tab is shown: the selected remote host's history again once its
/// Prometheus answered since it was fetched, so its cores (which the host list's poll does not
/// ask for) stay as fresh as the rest; one fetch at a time.
pub fn refresh_selected(state: &mut AppState) -> Vec<Effect> {
    if state.tab != Tab::Resources {
        return Vec::new();
    }
    let Some((prometheus, remote)) = selected_remote(state) else {
        return Vec::new();
    };
    let read_at = state.fleet.prometheus.get(prometheus).map(|v| v.read_at);
    let due = state
        .fleet
        .history
        .as_ref()
        .is_some_and(|h| h.host == remote.host && !h.refreshing && read_at > h.poll);
    if !due {
        return Vec::new();
    }
    let effect = history_fetch(state, prometheus, remote);
    if let Some(history) = state.fleet.history.as_mut() {
        history.refreshing = true;
    }
    vec![effect]
}

/// What selecting a host asks for: the history of a remote one not fetched yet.
pub fn fetch_selected(state: &mut AppState) -> Vec<Effect> {
    let Some((prometheus, remote)) = selected_remote(state) else {
        return Vec::new();
    };
    if state
        .fleet
        .history
        .as_ref()
        .is_some_and(|h| h.host == remote.host)
    {
        return Vec::new();
    }
    let effect = history_fetch(state, prometheus, remote);
    state.fleet.history = None;
    vec![effect]
}

/// The selected remote host, with the name of the Prometheus that lists it.
fn selected_remote(state: &AppState) -> Option<(&str, &RemoteHost)> {
    let remote = state.fleet.selected_remote()?;
    let (prometheus, _) = state.fleet.hosts().find(|(_, h)| h.host == remote.host)?;
    Some((prometheus, remote))
}

/// When the Prometheus that lists the selected remote host last answered.
fn last_answer_of_selected(state: &AppState) -> Option<DateTime<Utc>> {
    let (prometheus, _) = selected_remote(state)?;
    state
        .fleet
        .prometheus
        .get(prometheus)
        .map(|view| view.read_at)
}

/// The fetch of `remote`'s history from `prometheus`, over what the graphs span.
fn history_fetch(state: &AppState, prometheus: &str, remote: &RemoteHost) -> Effect {
    Effect::FetchHostHistory {
        prometheus: prometheus.to_string(),
        instance: remote.instance.clone(),
        host: remote.host.clone(),
        window: state
            .refresh
            .saturating_mul(state.metrics.capacity() as u32),
    }
}

/// One poll's answer; one that failed leaves what the last said (its source is down).
pub fn apply_report(
    state: &mut AppState,
    name: &str,
    report: SourceReport<PrometheusSnapshot>,
    now: DateTime<Utc>,
) {
    let source = SourceId::prometheus(name).name;
    if let Some((at, mut snapshot)) = source_answered(state, &source, report) {
        for host in &snapshot.hosts {
            record::record_remote(&mut state.metrics, host, at);
            state.resources.apply_remote(&host.host);
        }
        for sample in &snapshot.imported {
            let labels: Vec<(&str, &str)> = sample
                .labels
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            state
                .metrics
                .record_series(&sample.name, &labels, at, sample.value);
        }
        let alerts = std::mem::take(&mut snapshot.alerts);
        state.alerts.apply_prometheus(name, alerts, at);
        state.fleet.apply_snapshot(name, snapshot, at);
    }
    crate::tabs::alerts::update::evaluate(state, now);
    state.refresh_hosts();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alerts::engine::AlertState;
    use crate::alerts::rule::Priority;
    use crate::command::Mode;
    use crate::config::Config;
    use crate::fixtures;
    use crate::model::prometheus::RemoteHost;
    use crate::model::resources::{HostKey, Usage};

    fn state() -> AppState {
        let config = Config::parse(
            "c.toml",
            "[[prometheus]]\nname = \"fleet\"\nurl = \"http://prom:9090\"\n",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        AppState::new(
            &config,
            &[],
            Mode::Interactive,
            "console".into(),
            fixtures::now(),
        )
    }

    fn host(name: &str, up: bool) -> RemoteHost {
        let mut host = RemoteHost::new(HostKey::new(name), format!("{name}:9100"));
        host.up = Some(up);
        if up {
            host.cpu_percent = Some(12.0);
        }
        host
    }

    fn answered(state: &mut AppState, snapshot: PrometheusSnapshot, at: DateTime<Utc>) {
        let report = SourceReport {
            at,
            result: Ok(snapshot),
        };
        apply_report(state, "fleet", report, at);
    }

    #[test]
    fn a_target_that_is_down_fires_the_shipped_host_down_after_a_minute() {
        let mut state = state();
        let at = fixtures::now();
        for seconds in [0, 30, 61] {
            let snapshot = PrometheusSnapshot {
                hosts: vec![host("web-1", true), host("web-2", false)],
                ..PrometheusSnapshot::default()
            };
            answered(
                &mut state,
                snapshot,
                at + chrono::Duration::seconds(seconds),
            );
        }
        let down: Vec<_> = state
            .alerts
            .alerts
            .values()
            .filter(|a| a.key.rule == "HostDown")
            .map(|a| (a.key.label("host"), a.state, a.priority))
            .collect();
        assert_eq!(
            down,
            [(Some("web-2"), AlertState::Firing, Priority::P0)],
            "{:?}",
            state.alerts.alerts
        );
    }

    #[test]
    fn a_partial_answer_keeps_what_it_has_and_says_what_is_missing() {
        let mut state = state();
        let at = fixtures::now();
        let mut web = host("web-1", true);
        web.memory = Some(Usage { used: 1, total: 4 });
        let snapshot = PrometheusSnapshot {
            hosts: vec![web],
            missing: vec!["cpu: query timed out".into()],
            ..PrometheusSnapshot::default()
        };
        answered(&mut state, snapshot, at);
        let key = HostKey::new("web-1");
        assert_eq!(
            state
                .metrics
                .latest(&record::HostSeries::memory_used_percent(&key)),
            Some(25.0)
        );
        let view = &state.fleet.prometheus["fleet"];
        assert_eq!(view.missing, ["cpu: query timed out"]);
        assert_eq!(state.fleet.host(&key).map(|h| h.up), Some(Some(true)));
    }
}
