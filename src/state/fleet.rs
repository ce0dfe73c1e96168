//! What the Prometheus sources said last: each one's hosts, imported series and what it could
//! not answer. The hosts' series are in the metric store like the local host's; this keeps the
//! rows the host list shows and the partial answers' gaps.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use crate::model::prometheus::{ImportedSample, PrometheusSnapshot, RemoteHost};
use crate::model::resources::HostKey;

/// One Prometheus's last answer.
#[derive(Debug, Clone, PartialEq)]
pub struct PrometheusView {
    pub hosts: Vec<RemoteHost>,
    pub imported: Vec<ImportedSample>,
    /// What it could not answer, each `what: why`; empty when it answered everything.
    pub missing: Vec<String>,
    pub read_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct FleetState {
    /// By the Prometheus's name.
    pub prometheus: BTreeMap<String, PrometheusView>,
}

impl FleetState {
    /// The answer of the Prometheus `name` replaces its last one; its alerts are the Alerts
    /// tab's.
    pub fn apply_snapshot(&mut self, name: &str, snapshot: PrometheusSnapshot, at: DateTime<Utc>) {
        let view = PrometheusView {
            hosts: snapshot.hosts,
            imported: snapshot.imported,
            missing: snapshot.missing,
            read_at: at,
        };
        self.prometheus.insert(name.to_string(), view);
    }

    /// Every remote host, with the Prometheus that reports it; a host two report is listed by
    /// the first.
    pub fn hosts(&self) -> impl Iterator<Item = (&str, &RemoteHost)> {
        let mut seen = std::collections::HashSet::new();
        self.prometheus
            .iter()
            .flat_map(|(name, view)| view.hosts.iter().map(move |h| (name.as_str(), h)))
            .filter(move |(_, host)| seen.insert(&host.host))
    }

    pub fn host(&self, key: &HostKey) -> Option<&RemoteHost> {
        self.hosts().map(|(_, h)| h).find(|h| h.host == *key)
    }
}
