//! The series the Resources tab adds to the metric store (`system.*`).

use std::time::Duration;

use crate::duration::earlier;
use crate::metrics::MetricStore;
use crate::model::resources::ResourcesSnapshot;

/// Every series this tab publishes; rules may name only published series.
pub const SERIES: &[&str] = &[
    "system_cpu_percent",
    "system_cpu_core_percent",
    "system_load_1m",
    "system_load_5m",
    "system_load_15m",
    "system_memory_used_percent",
    "system_memory_used_bytes",
    "system_swap_used_percent",
    "system_disk_used_percent",
    "system_net_rx_bytes_per_second",
    "system_net_tx_bytes_per_second",
];

/// Records one host sample; a series that stopped reporting for a whole history window (a disk
/// unmounted) is dropped.
pub fn record(metrics: &mut MetricStore, refresh: Duration, snapshot: &ResourcesSnapshot) {
    let at = snapshot.at;
    metrics.record_series("system_cpu_percent", &[], at, snapshot.cpu_percent);
    for (core, usage) in snapshot.cores.iter().enumerate() {
        metrics.record_series(
            "system_cpu_core_percent",
            &[("core", &core.to_string())],
            at,
            *usage,
        );
    }
    for (name, value) in ["system_load_1m", "system_load_5m", "system_load_15m"]
        .iter()
        .zip(snapshot.load)
    {
        metrics.record_series(name, &[], at, value);
    }
    metrics.record_series(
        "system_memory_used_percent",
        &[],
        at,
        snapshot.memory.percent(),
    );
    metrics.record_series(
        "system_memory_used_bytes",
        &[],
        at,
        snapshot.memory.used as f64,
    );
    metrics.record_series("system_swap_used_percent", &[], at, snapshot.swap.percent());
    for disk in &snapshot.disks {
        metrics.record_series(
            "system_disk_used_percent",
            &[("mount", &disk.mount)],
            at,
            disk.space.percent(),
        );
    }
    for net in &snapshot.networks {
        metrics.record_series(
            "system_net_rx_bytes_per_second",
            &[("iface", &net.iface)],
            at,
            net.rx_bytes_per_second,
        );
        metrics.record_series(
            "system_net_tx_bytes_per_second",
            &[("iface", &net.iface)],
            at,
            net.tx_bytes_per_second,
        );
    }
    let window = refresh.saturating_mul(metrics.capacity() as u32);
    metrics.forget_older_than(earlier(at, window));
}
