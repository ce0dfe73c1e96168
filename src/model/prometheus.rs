//! What one poll of a Prometheus finds: every host its node_exporter selector names (with the
//! measures the local host's panels show), the imported series, its own alerts, and what it
//! could not answer this time.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use super::resources::{DiskUsage, HostKey, NetRate, Usage};

#[derive(Debug, Clone, PartialEq, Default)]
pub struct PrometheusSnapshot {
    /// By host name.
    pub hosts: Vec<RemoteHost>,
    pub imported: Vec<ImportedSample>,
    pub alerts: Vec<PrometheusAlert>,
    /// What could not be read this poll, each `what: why`; the rest was.
    pub missing: Vec<String>,
}

/// One target of the selector, as its node_exporter series say. A measure whose query failed or
/// that the target does not export is `None` (or empty).
#[derive(Debug, Clone, PartialEq)]
pub struct RemoteHost {
    /// The `instance` without its port, or whole when two instances would share a name.
    pub host: HostKey,
    pub instance: String,
    /// Whether Prometheus could scrape it, at its last scrape.
    pub up: Option<bool>,
    pub cpu_percent: Option<f64>,
    pub cores: Option<u32>,
    /// load1, load5 and load15.
    pub load: Option<[f64; 3]>,
    pub memory: Option<Usage>,
    pub swap: Option<Usage>,
    pub disks: Vec<DiskUsage>,
    pub networks: Vec<NetRate>,
    pub uptime_seconds: Option<u64>,
}

impl RemoteHost {
    pub fn new(host: HostKey, instance: String) -> Self {
        Self {
            host,
            instance,
            up: None,
            cpu_percent: None,
            cores: None,
            load: None,
            memory: None,
            swap: None,
            disks: Vec::new(),
            networks: Vec::new(),
            uptime_seconds: None,
        }
    }

    /// The fullest disk's used percent.
    pub fn fullest_disk_percent(&self) -> Option<f64> {
        self.disks
            .iter()
            .map(|d| d.space.percent())
            .reduce(f64::max)
    }

    /// load1 per core.
    pub fn load_per_core(&self) -> Option<f64> {
        let cores = self.cores.filter(|c| *c > 0)?;
        Some(self.load?[0] / f64::from(cores))
    }

    /// Bytes per second in and out, over every interface.
    pub fn net_rates(&self) -> Option<(f64, f64)> {
        (!self.networks.is_empty()).then(|| {
            self.networks.iter().fold((0.0, 0.0), |(rx, tx), n| {
                (rx + n.rx_bytes_per_second, tx + n.tx_bytes_per_second)
            })
        })
    }
}

/// One series of a `[[prometheus.import]]`'s answer.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportedSample {
    pub name: String,
    /// The answer's labels, `__name__` left out, sorted.
    pub labels: Vec<(String, String)>,
    pub value: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrometheusAlertState {
    Pending,
    Firing,
}

/// One of Prometheus's own alerts, as `/api/v1/alerts` lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct PrometheusAlert {
    pub labels: BTreeMap<String, String>,
    pub annotations: BTreeMap<String, String>,
    pub state: PrometheusAlertState,
    pub active_at: DateTime<Utc>,
    pub value: Option<f64>,
}

/// What one series of a remote host's history measures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostMeasure {
    Cpu,
    /// One core's busy percent, by node_exporter's `cpu` label.
    CpuCore(String),
    Memory,
    /// The mount point's used percent.
    Disk(String),
    /// The interface's bytes per second in.
    NetRx(String),
    NetTx(String),
}

/// Points of a series, oldest first.
pub type Points = Vec<(DateTime<Utc>, f64)>;

/// A remote host's recent history, from range queries for it alone when it is selected: what
/// its panels draw from before the console recorded anything of it.
#[derive(Debug, Clone, PartialEq)]
pub struct HostHistory {
    pub host: HostKey,
    pub series: Vec<(HostMeasure, Points)>,
}

impl HostHistory {
    /// Each core's newest busy percent, by core number (`2` before `10`), and the time of the
    /// newest of them: what the CPU panel's per-core bars show.
    pub fn newest_per_core(&self) -> (Vec<f64>, Option<DateTime<Utc>>) {
        let mut cores: Vec<(Option<u64>, &str, DateTime<Utc>, f64)> = self
            .series
            .iter()
            .filter_map(|(measure, points)| match measure {
                HostMeasure::CpuCore(cpu) => {
                    let &(at, value) = points.last()?;
                    Some((cpu.parse().ok(), cpu.as_str(), at, value))
                }
                _ => None,
            })
            .collect();
        // Numbered cores in their order; a name that is no number after them.
        cores.sort_by(|a, b| (a.0.is_none(), a.0, a.1).cmp(&(b.0.is_none(), b.0, b.1)));
        let at = cores.iter().map(|c| c.2).max();
        (cores.into_iter().map(|c| c.3).collect(), at)
    }
}
