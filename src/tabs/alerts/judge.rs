//! What the console marks as needing attention: the firing alerts. The tab markers, the header,
//! `--watch` and `watchdeck check` all read these findings; there is no other judgement.

use crate::alerts::engine::Alert;
use crate::findings::Finding;
use crate::model::resources::HostKey;
use crate::model::source::{SYSTEM_SOURCE, SourceId};
use crate::state::alerts::AlertsState;
use crate::state::fleet::FleetState;
use crate::state::source::{SOURCE_UP, SourceHealth};
use crate::tab::Tab;
use crate::tabs::resources::record::{HOST_LABEL, shows_label};
use crate::tabs::series_by_tab;

/// Every firing alert as a finding, worst first, then oldest: the Alertmanagers' too, unless
/// Alertmanager holds them back (see [`AlertsState::firing`]).
pub fn findings(
    alerts: &AlertsState,
    sources: &[SourceHealth],
    implicit: Option<&HostKey>,
    fleet: &FleetState,
) -> Vec<Finding> {
    let mut firing: Vec<&Alert> = alerts
        .firing()
        .filter(|a| alerts.silence_of(&a.key).is_none())
        .collect();
    firing.sort_by_key(|a| (a.priority, a.firing_since));
    firing
        .into_iter()
        .map(|alert| {
            let series = alerts
                .rules
                .iter()
                .find(|r| r.name == alert.key.rule)
                .map_or("", |r| r.condition.series.as_str());
            let (tab, source) = subject_of(alert, series, sources, fleet);
            // Among several hosts, a host's alert says which (`check` prints the message).
            let on = match alert.key.label(HOST_LABEL) {
                Some(host) if alert.key.is_own() && implicit.is_none() => format!(" on {host}"),
                _ => String::new(),
            };
            Finding {
                tab,
                source,
                severity: alert.priority.severity(),
                subject: subject(alert, implicit),
                message: format!(
                    "{} {}{on}: {}",
                    alert.priority, alert.key.rule, alert.summary
                ),
            }
        })
        .collect()
}

/// The tab and the source an alert is about: the Alertmanager it came from; the source named by
/// `source_up`'s label; else the tab that publishes the series and the source of that tab that
/// the labels name.
fn subject_of(
    alert: &Alert,
    series: &str,
    sources: &[SourceHealth],
    fleet: &FleetState,
) -> (Tab, String) {
    if let Some(source) = alert.key.fleet_source() {
        return (Tab::Alerts, source.name);
    }
    if series == SOURCE_UP {
        let source = alert.key.label("source").unwrap_or_default();
        let tab = sources
            .iter()
            .find(|s| s.name == source)
            .map_or(Tab::Resources, |s| s.tab());
        return (tab, source.to_string());
    }
    match series_by_tab().find(|(_, name)| *name == series) {
        Some((Tab::Containers, _)) => (
            Tab::Containers,
            SourceId::docker(alert.key.label("engine").unwrap_or_default()).name,
        ),
        Some((Tab::Databases, _)) => (
            Tab::Databases,
            SourceId::database(alert.key.label("database").unwrap_or_default()).name,
        ),
        Some((Tab::Endpoints, _)) => (Tab::Endpoints, SourceId::endpoints().name),
        Some((tab @ (Tab::Resources | Tab::Alerts | Tab::Runbook), _)) => {
            // A remote host's series are its Prometheus's.
            let remote = alert.key.label(HOST_LABEL).and_then(|host| {
                let mut hosts = fleet.hosts();
                hosts.find(|(_, h)| h.host.as_str() == host)
            });
            let source = remote.map_or(SYSTEM_SOURCE.to_string(), |(name, _)| {
                SourceId::prometheus(name).name
            });
            (tab, source)
        }
        None => (Tab::Alerts, String::new()),
    }
}

/// How the header and `check` name an alert: its rule and the values of its labels, but the
/// host's while the console watches only its own (`implicit`).
pub fn subject(alert: &Alert, implicit: Option<&HostKey>) -> String {
    let mut subject = alert.key.rule.clone();
    let own = alert.key.is_own();
    let labels = alert.key.labels.iter();
    for (_, value) in labels.filter(|(k, v)| !own || shows_label(k, v, implicit)) {
        subject.push(' ');
        subject.push_str(value);
    }
    subject
}
