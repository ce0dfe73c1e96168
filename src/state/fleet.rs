//! What the Prometheus sources said last: each one's hosts, imported series and what it could
//! not answer; and the Resources tab's host list (this host and every remote one, one row each,
//! worst first by default). The hosts' series are in the metric store like the local host's.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use super::AppState;
use super::list::{CycledSort, ListState, Listed, SortLabel};
use crate::findings::Severity;
use crate::metrics::{Sample, SeriesKey};
use crate::model::prometheus::{ImportedSample, PrometheusSnapshot, RemoteHost};
use crate::model::resources::HOST_LABEL;
use crate::model::resources::HostKey;
use crate::model::source::SourceKind;
use crate::state::source::SourceStatus;

/// How the host list is sorted; `o` steps through them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HostSort {
    /// The worst alert, then down before up, then the busiest CPU.
    #[default]
    Worst,
    Name,
    Cpu,
    Memory,
    Disk,
}

impl SortLabel for HostSort {
    fn label(&self) -> &'static str {
        match self {
            HostSort::Worst => "worst",
            HostSort::Name => "name",
            HostSort::Cpu => "cpu",
            HostSort::Memory => "mem",
            HostSort::Disk => "disk",
        }
    }
}

impl CycledSort for HostSort {
    fn next(self) -> Self {
        match self {
            HostSort::Worst => HostSort::Name,
            HostSort::Name => HostSort::Cpu,
            HostSort::Cpu => HostSort::Memory,
            HostSort::Memory => HostSort::Disk,
            HostSort::Disk => HostSort::Worst,
        }
    }

    fn natural_descending(self) -> bool {
        self != HostSort::Name
    }
}

/// One row of the host list: what the host's source said last, and its worst alert.
#[derive(Debug, Clone, PartialEq)]
pub struct HostRow {
    pub key: HostKey,
    /// The machine the console runs on.
    pub local: bool,
    pub up: Option<bool>,
    pub cpu_percent: Option<f64>,
    pub memory_percent: Option<f64>,
    /// The fullest disk's.
    pub disk_percent: Option<f64>,
    pub load_per_core: Option<f64>,
    /// Bytes per second in and out, every interface.
    pub net: Option<(f64, f64)>,
    pub uptime_seconds: Option<u64>,
    /// The worst firing alert, not silenced, about it.
    pub worst: Severity,
}

/// A remote host's history from range queries, by series, oldest sample first; or why there
/// is none.
#[derive(Debug, Clone, PartialEq)]
pub struct FetchedHistory {
    pub host: HostKey,
    pub series: Vec<(SeriesKey, Vec<Sample>)>,
    /// Each core's busy percent, by core number, as of `cores_at`: the host list's poll has
    /// none, so they are fetched with the history.
    pub cores: Vec<f64>,
    pub cores_at: Option<DateTime<Utc>>,
    pub error: Option<String>,
    /// When its Prometheus last answered as this was fetched: a newer answer fetches it again.
    pub poll: Option<DateTime<Utc>>,
    /// Fetched again now; what it held stays shown meanwhile.
    pub refreshing: bool,
}

/// One Prometheus's last answer.
#[derive(Debug, Clone, PartialEq)]
pub struct PrometheusView {
    pub hosts: Vec<RemoteHost>,
    pub imported: Vec<ImportedSample>,
    /// What it could not answer, each `what: why`; empty when it answered everything.
    pub missing: Vec<String>,
    pub read_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct FleetState {
    /// By the Prometheus's name.
    pub prometheus: BTreeMap<String, PrometheusView>,
    /// The host list: rows are host names, this host's among them.
    pub list: ListState<HostSort, HostKey>,
    /// Every host's row, as last built ([`AppState::refresh_hosts`]), in no order.
    pub rows: Vec<HostRow>,
    /// The selected remote host's history, fetched from its Prometheus when it was selected.
    pub history: Option<FetchedHistory>,
    /// Whether `/` edits the host list's filter: it began while a remote host was selected
    /// (this host's filter is its process table's).
    pub filtering: bool,
}

impl Default for FleetState {
    fn default() -> Self {
        Self {
            prometheus: BTreeMap::new(),
            list: ListState::new(HostSort::Worst, true),
            rows: Vec::new(),
            filtering: false,
            history: None,
        }
    }
}

impl Listed for FleetState {
    type Sort = HostSort;
    type Key = HostKey;

    fn list_mut(&mut self) -> &mut ListState<HostSort, HostKey> {
        &mut self.list
    }

    fn refresh_rows(&mut self) {
        let needle = self.list.filter.to_lowercase();
        let mut rows: Vec<&HostRow> = self
            .rows
            .iter()
            .filter(|r| needle.is_empty() || r.key.as_str().to_lowercase().contains(&needle))
            .collect();
        let (sort, descending) = (self.list.sort, self.list.descending);
        let number = |v: Option<f64>| v.unwrap_or(-1.0);
        rows.sort_by(|a, b| {
            let order = match sort {
                HostSort::Worst => (a.worst, a.up == Some(false))
                    .cmp(&(b.worst, b.up == Some(false)))
                    .then(number(a.cpu_percent).total_cmp(&number(b.cpu_percent))),
                HostSort::Name => std::cmp::Ordering::Equal,
                HostSort::Cpu => number(a.cpu_percent).total_cmp(&number(b.cpu_percent)),
                HostSort::Memory => number(a.memory_percent).total_cmp(&number(b.memory_percent)),
                HostSort::Disk => number(a.disk_percent).total_cmp(&number(b.disk_percent)),
            };
            let order = if descending { order.reverse() } else { order };
            order.then_with(|| a.key.cmp(&b.key))
        });
        let rows = rows.into_iter().map(|r| r.key.clone()).collect();
        self.list.set_rows(rows);
    }
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

    /// The fetched history of the series `key`, when it is the selected remote host's.
    pub fn fetched(&self, key: &SeriesKey) -> Option<&[Sample]> {
        let history = self.history.as_ref()?;
        history
            .series
            .iter()
            .find(|(series, _)| series == key)
            .map(|(_, samples)| samples.as_slice())
    }

    /// The row of `key`, as last built.
    pub fn row(&self, key: &HostKey) -> Option<&HostRow> {
        self.rows.iter().find(|r| r.key == *key)
    }

    /// The remote host selected in the host list, if one is: the tab shows its panels.
    pub fn selected_remote(&self) -> Option<&RemoteHost> {
        let key = self.list.selected.as_ref()?;
        self.row(key).filter(|r| !r.local)?;
        self.host(key)
    }
}

impl AppState {
    /// Whether the host list is shown: a Prometheus is configured.
    pub fn shows_hosts(&self) -> bool {
        self.sources
            .iter()
            .any(|s| s.kind == SourceKind::Prometheus)
    }

    /// This host's row, from its newest sample and the alerts about it.
    fn local_host_row(&self) -> HostRow {
        let worst = |key: &HostKey| self.alerts.worst_about(HOST_LABEL, key.as_str());
        let local = self.resources.local();
        let sampler_up = self
            .sources
            .iter()
            .any(|s| s.kind == SourceKind::System && matches!(s.status, SourceStatus::Ok { .. }));
        match &local.latest {
            Some(sample) => HostRow {
                key: local.key.clone(),
                local: true,
                up: Some(sampler_up),
                cpu_percent: Some(sample.cpu_percent),
                memory_percent: Some(sample.memory.percent()),
                disk_percent: sample
                    .disks
                    .iter()
                    .map(|d| d.space.percent())
                    .reduce(f64::max),
                load_per_core: (!sample.cores.is_empty())
                    .then(|| sample.load[0] / sample.cores.len() as f64),
                net: Some(sample.networks.iter().fold((0.0, 0.0), |(rx, tx), n| {
                    (rx + n.rx_bytes_per_second, tx + n.tx_bytes_per_second)
                })),
                uptime_seconds: Some(sample.uptime_seconds),
                worst: worst(&local.key),
            },
            None => HostRow {
                key: local.key.clone(),
                local: true,
                up: None,
                cpu_percent: None,
                memory_percent: None,
                disk_percent: None,
                load_per_core: None,
                net: None,
                uptime_seconds: None,
                worst: worst(&local.key),
            },
        }
    }

    /// After this host's sample (each refresh): its row again, every row's alert mark (the
    /// alerts were just evaluated) and the list's order. The other rows change with their
    /// Prometheus's answers, so a thousand of them are not rebuilt each second.
    pub fn refresh_local_host(&mut self) {
        if !self.shows_hosts() {
            return;
        }
        let row = self.local_host_row();
        let alerts = &self.alerts;
        for other in &mut self.fleet.rows {
            other.worst = alerts.worst_about(HOST_LABEL, other.key.as_str());
        }
        match self.fleet.rows.iter_mut().find(|r| r.local) {
            Some(slot) => *slot = row,
            None => self.fleet.rows.insert(0, row),
        }
        self.fleet.refresh_rows();
        self.select_local_until_chosen();
    }

    /// Builds every host's row again from the newest samples and alerts, and the list's order:
    /// after each answer of a Prometheus, once the alerts are evaluated.
    pub fn refresh_hosts(&mut self) {
        if !self.shows_hosts() {
            return;
        }
        let mut rows = vec![self.local_host_row()];
        let alerts = &self.alerts;
        let worst = |key: &HostKey| alerts.worst_about(HOST_LABEL, key.as_str());
        let local = self.resources.local();
        rows.extend(
            self.fleet
                .hosts()
                .filter(|(_, host)| host.host != local.key)
                .map(|(_, host)| HostRow {
                    key: host.host.clone(),
                    local: false,
                    up: host.up,
                    cpu_percent: host.cpu_percent,
                    memory_percent: host.memory.map(|m| m.percent()),
                    disk_percent: host.fullest_disk_percent(),
                    load_per_core: host.load_per_core(),
                    net: host.net_rates(),
                    uptime_seconds: host.uptime_seconds,
                    worst: worst(&host.host),
                }),
        );
        self.fleet.rows = rows;
        self.fleet.refresh_rows();
        self.select_local_until_chosen();
    }

    /// Until the operator picks a host, the tab shows this one, wherever it ranks.
    fn select_local_until_chosen(&mut self) {
        let local = &self.resources.local().key;
        let list = &mut self.fleet.list;
        if !list.chosen && list.rows.contains(local) {
            list.selected = Some(local.clone());
        }
    }
}
