//! What the Prometheus sources say of their own alerting rules: their pending and firing alerts
//! beside the console's and the Alertmanagers', an alert an Alertmanager lists too shown once,
//! as the Alertmanager's (acknowledging it silences it there).

use crate::model::prometheus::PrometheusAlert;

use super::*;

impl AlertsState {
    /// Every alert the Prometheus `name` lists now replaces what it listed before, but for
    /// those an Alertmanager lists too. An acknowledgement whose alert is gone goes with it,
    /// and the history records what began and ended firing, at `read_at`.
    pub fn apply_prometheus(
        &mut self,
        name: &str,
        alerts: Vec<PrometheusAlert>,
        read_at: DateTime<Utc>,
    ) {
        let origin = Origin::Prometheus(name.to_string());
        self.external.retain(|key, _| key.origin != origin);
        for reported in alerts {
            let mut external = ExternalAlert::from_prometheus(name, reported);
            external.alert.ack = self.acks.get(&external.alert.key).cloned();
            self.external.insert(external.alert.key.clone(), external);
        }
        self.drop_listed_twice();
        let external = &self.external;
        let acks = self.acks.len();
        self.acks
            .retain(|key, _| key.origin != origin || external.contains_key(key));
        if self.acks.len() != acks {
            self.generation += 1;
        }
        self.record_fleet_changes(&origin, read_at);
        self.refresh_rows();
    }

    /// A Prometheus's alert that an Alertmanager lists too (same alertname and labels) is
    /// listed once, as the Alertmanager's: Prometheus delivers its alerts there.
    pub(super) fn drop_listed_twice(&mut self) {
        let managed: BTreeSet<(String, Vec<(String, String)>)> = self
            .external
            .keys()
            .filter(|key| key.alertmanager().is_some())
            .map(|key| (key.rule.clone(), key.labels.clone()))
            .collect();
        self.external.retain(|key, _| {
            key.prometheus().is_none() || !managed.contains(&(key.rule.clone(), key.labels.clone()))
        });
    }
}
