//! The series the Resources tab adds to the metric store (`system_*`), each labelled with its
//! host. Only this file spells their names: views and judges name a host's series through
//! [`HostSeries`] and [`Gauge`].

use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::alerts::engine::AlertKey;
use crate::duration::earlier;
use crate::findings::Severity;
use crate::metrics::{MetricStore, SeriesKey};
use crate::model::prometheus::{HostMeasure, RemoteHost};
use crate::model::resources::{HostKey, ResourcesSnapshot};
use crate::state::alerts::AlertsState;

pub use crate::model::resources::HOST_LABEL;

pub const CPU_PERCENT: &str = "system_cpu_percent";
const CPU_CORE_PERCENT: &str = "system_cpu_core_percent";
const LOAD: [&str; 3] = ["system_load_1m", "system_load_5m", "system_load_15m"];
pub const MEMORY_USED_PERCENT: &str = "system_memory_used_percent";
const MEMORY_USED_BYTES: &str = "system_memory_used_bytes";
const SWAP_USED_PERCENT: &str = "system_swap_used_percent";
pub const DISK_USED_PERCENT: &str = "system_disk_used_percent";
const NET_RX: &str = "system_net_rx_bytes_per_second";
const NET_TX: &str = "system_net_tx_bytes_per_second";
/// A remote host's scrape: 1 while Prometheus reaches its node_exporter, else 0 (`HostDown`).
const UP: &str = "system_up";
const UPTIME: &str = "system_uptime_seconds";

/// Every series this tab publishes; rules may name only published series.
pub const SERIES: &[&str] = &[
    CPU_PERCENT,
    CPU_CORE_PERCENT,
    LOAD[0],
    LOAD[1],
    LOAD[2],
    MEMORY_USED_PERCENT,
    MEMORY_USED_BYTES,
    SWAP_USED_PERCENT,
    DISK_USED_PERCENT,
    NET_RX,
    NET_TX,
    UP,
    UPTIME,
];

/// The series of one host, by what they measure.
pub struct HostSeries;

impl HostSeries {
    pub fn up(host: &HostKey) -> SeriesKey {
        on(UP, host)
    }

    /// The series a remote host's fetched history is of.
    pub fn of(host: &HostKey, measure: &HostMeasure) -> SeriesKey {
        match measure {
            HostMeasure::Cpu => Self::cpu_percent(host),
            HostMeasure::CpuCore(core) => Self::cpu_core_percent(host, core),
            HostMeasure::Memory => Self::memory_used_percent(host),
            HostMeasure::Disk(mount) => Self::disk_used_percent(host, mount),
            HostMeasure::NetRx(iface) => Self::net_rx_bytes_per_second(host, iface),
            HostMeasure::NetTx(iface) => Self::net_tx_bytes_per_second(host, iface),
        }
    }

    pub fn cpu_percent(host: &HostKey) -> SeriesKey {
        on(CPU_PERCENT, host)
    }

    /// `core` as the local host's sampler numbers it, and node_exporter's `cpu` label.
    pub fn cpu_core_percent(host: &HostKey, core: &str) -> SeriesKey {
        on(CPU_CORE_PERCENT, host).with_label("core", core)
    }

    pub fn memory_used_percent(host: &HostKey) -> SeriesKey {
        on(MEMORY_USED_PERCENT, host)
    }

    pub fn disk_used_percent(host: &HostKey, mount: &str) -> SeriesKey {
        on(DISK_USED_PERCENT, host).with_label("mount", mount)
    }

    pub fn net_rx_bytes_per_second(host: &HostKey, iface: &str) -> SeriesKey {
        on(NET_RX, host).with_label("iface", iface)
    }

    pub fn net_tx_bytes_per_second(host: &HostKey, iface: &str) -> SeriesKey {
        on(NET_TX, host).with_label("iface", iface)
    }
}

fn on(name: &str, host: &HostKey) -> SeriesKey {
    SeriesKey::new(name).with_label(HOST_LABEL, host.as_str())
}

/// A gauge of the Resources tab. It is coloured by the alerts of the rules over the series it
/// shows: the judgement the Alerts tab, the tab marker and `check` show, never one of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gauge<'a> {
    /// The CPU panel: total and per-core busy, and the load averages.
    Cpu,
    Memory,
    Swap,
    Disk(&'a str),
}

impl Gauge<'_> {
    fn series(self) -> &'static [&'static str] {
        match self {
            Gauge::Cpu => &[CPU_PERCENT, CPU_CORE_PERCENT, LOAD[0], LOAD[1], LOAD[2]],
            Gauge::Memory => &[MEMORY_USED_PERCENT, MEMORY_USED_BYTES],
            Gauge::Swap => &[SWAP_USED_PERCENT],
            Gauge::Disk(_) => &[DISK_USED_PERCENT],
        }
    }

    /// The worst firing alert, not silenced, of a rule over the gauge's series on `host`: P0 and
    /// P1 are critical, P2 and P3 a warning; a pending alert does not colour it yet.
    pub fn level(self, host: &HostKey, alerts: &AlertsState) -> Severity {
        let host = (HOST_LABEL, host.as_str());
        match self {
            Gauge::Disk(mount) => alerts.worst_over(self.series(), &[host, ("mount", mount)]),
            _ => alerts.worst_over(self.series(), &[host]),
        }
    }
}

/// Whether the label `name`=`value` of one of the console's own alerts is worth showing where
/// space is short (the Alerts tab's ON column, the header, `check`'s subjects): not the host's
/// while it is the only host watched, `implicit`.
pub fn shows_label(name: &str, value: &str, implicit: Option<&HostKey>) -> bool {
    name != HOST_LABEL || implicit.is_none_or(|host| host.as_str() != value)
}

/// Gives a key of the console's own alerts on this tab's series the `host` label of `local` when
/// it has none: a file kept before series were labelled by host named the local host's alerts
/// so. `series_of` is the series a rule (by name) watches.
pub fn label_local_host<'r>(
    key: &mut AlertKey,
    local: &HostKey,
    series_of: impl Fn(&str) -> Option<&'r str>,
) {
    let ours = key.is_own()
        && key.label(HOST_LABEL).is_none()
        && series_of(&key.rule).is_some_and(|series| SERIES.contains(&series));
    if ours {
        key.labels.push((HOST_LABEL.into(), local.as_str().into()));
        key.labels.sort();
    }
}

/// Records what a Prometheus said of a remote host at `at`, under the local host's names with
/// its own `host` label, so the same rules judge it; a measure it did not say is not recorded.
/// The local host's [`record`] drops what stopped reporting.
pub fn record_remote(metrics: &mut MetricStore, remote: &RemoteHost, at: DateTime<Utc>) {
    let host = (HOST_LABEL, remote.host.as_str());
    let mut one = |name: &str, value: Option<f64>| {
        if let Some(value) = value {
            metrics.record_series(name, &[host], at, value);
        }
    };
    one(UP, remote.up.map(|up| f64::from(u8::from(up))));
    one(CPU_PERCENT, remote.cpu_percent);
    one(MEMORY_USED_PERCENT, remote.memory.map(|m| m.percent()));
    one(MEMORY_USED_BYTES, remote.memory.map(|m| m.used as f64));
    one(SWAP_USED_PERCENT, remote.swap.map(|s| s.percent()));
    one(UPTIME, remote.uptime_seconds.map(|s| s as f64));
    for (name, value) in LOAD.iter().zip(remote.load.into_iter().flatten()) {
        metrics.record_series(name, &[host], at, value);
    }
    for disk in &remote.disks {
        metrics.record_series(
            DISK_USED_PERCENT,
            &[host, ("mount", &disk.mount)],
            at,
            disk.space.percent(),
        );
    }
    for net in &remote.networks {
        let labels = [host, ("iface", net.iface.as_str())];
        metrics.record_series(NET_RX, &labels, at, net.rx_bytes_per_second);
        metrics.record_series(NET_TX, &labels, at, net.tx_bytes_per_second);
    }
}

/// Records one sample of `host`; a series that stopped reporting for a whole history window (a
/// disk unmounted) is dropped.
pub fn record(
    metrics: &mut MetricStore,
    refresh: Duration,
    host: &HostKey,
    snapshot: &ResourcesSnapshot,
) {
    let at = snapshot.at;
    let host = (HOST_LABEL, host.as_str());
    metrics.record_series(CPU_PERCENT, &[host], at, snapshot.cpu_percent);
    for (core, usage) in snapshot.cores.iter().enumerate() {
        metrics.record_series(
            CPU_CORE_PERCENT,
            &[host, ("core", &core.to_string())],
            at,
            *usage,
        );
    }
    for (name, value) in LOAD.iter().zip(snapshot.load) {
        metrics.record_series(name, &[host], at, value);
    }
    metrics.record_series(MEMORY_USED_PERCENT, &[host], at, snapshot.memory.percent());
    metrics.record_series(MEMORY_USED_BYTES, &[host], at, snapshot.memory.used as f64);
    metrics.record_series(SWAP_USED_PERCENT, &[host], at, snapshot.swap.percent());
    for disk in &snapshot.disks {
        metrics.record_series(
            DISK_USED_PERCENT,
            &[host, ("mount", &disk.mount)],
            at,
            disk.space.percent(),
        );
    }
    for net in &snapshot.networks {
        let labels = [host, ("iface", net.iface.as_str())];
        metrics.record_series(NET_RX, &labels, at, net.rx_bytes_per_second);
        metrics.record_series(NET_TX, &labels, at, net.tx_bytes_per_second);
    }
    let window = refresh.saturating_mul(metrics.capacity() as u32);
    metrics.forget_older_than(earlier(at, window));
}
