//! How the Resources gauges are coloured: the `[resources]` thresholds, with CPU judged on the
//! last minute's mean so a one-second spike does not turn the panel red. These levels colour
//! the gauges only; what needs attention is decided by the alert rules (`tabs::alerts`).

use std::collections::BTreeMap;
use std::time::Duration;

use crate::config::ResourcesConfig;
use crate::findings::{Severity, judge};
use crate::metrics::MetricStore;
use crate::model::resources::ResourcesSnapshot;

/// The level of each gauge by name: `cpu`, `load`, `memory`, `swap`, `disk <mount>`; a gauge
/// that is fine is left out.
pub fn levels(
    snapshot: &ResourcesSnapshot,
    metrics: &MetricStore,
    refresh: Duration,
    limits: &ResourcesConfig,
) -> BTreeMap<String, Severity> {
    let r = limits;
    let cores = snapshot.cores.len().max(1) as f64;
    let mut gauges = vec![
        (
            "cpu".to_string(),
            judge(
                cpu_average(metrics, refresh),
                r.cpu_warn_percent,
                r.cpu_crit_percent,
            ),
        ),
        (
            "load".to_string(),
            judge(
                snapshot.load[0] / cores,
                r.load_warn_per_core,
                r.load_crit_per_core,
            ),
        ),
        (
            "memory".to_string(),
            judge(
                snapshot.memory.percent(),
                r.memory_warn_percent,
                r.memory_crit_percent,
            ),
        ),
    ];
    if snapshot.swap.total > 0 {
        gauges.push((
            "swap".to_string(),
            judge(
                snapshot.swap.percent(),
                r.swap_warn_percent,
                r.swap_crit_percent,
            ),
        ));
    }
    for disk in &snapshot.disks {
        gauges.push((
            format!("disk {}", disk.mount),
            judge(
                disk.space.percent(),
                r.disk_warn_percent,
                r.disk_crit_percent,
            ),
        ));
    }
    gauges
        .into_iter()
        .filter(|(_, level)| *level != Severity::Ok)
        .collect()
}

/// Mean CPU over the last minute of samples.
pub fn cpu_average(metrics: &MetricStore, refresh: Duration) -> f64 {
    let minute = (60.0 / refresh.as_secs_f64()).ceil().max(1.0) as usize;
    let Some(id) = metrics.series_id("system_cpu_percent", &[]) else {
        return 0.0;
    };
    let history = metrics.history_id(id);
    let older = history.len().saturating_sub(minute);
    let recent: Vec<f64> = history.skip(older).map(|s| s.value).collect();
    if recent.is_empty() {
        0.0
    } else {
        recent.iter().sum::<f64>() / recent.len() as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures;
    use crate::tabs::resources::record;

    fn levels_of(snapshot: &ResourcesSnapshot, cpu: &[f64]) -> Vec<(String, Severity)> {
        let mut metrics = MetricStore::new(600);
        for (i, value) in cpu.iter().enumerate() {
            let mut sample = snapshot.clone();
            sample.at += chrono::Duration::seconds(i as i64);
            sample.cpu_percent = *value;
            record::record(&mut metrics, Duration::from_secs(1), &sample);
        }
        let limits = ResourcesConfig::default();
        levels(snapshot, &metrics, Duration::from_secs(1), &limits)
            .into_iter()
            .collect()
    }

    #[test]
    fn the_fixture_host_has_one_critical_disk_and_a_warm_memory() {
        let snapshot = fixtures::resources_snapshot();
        assert_eq!(
            levels_of(&snapshot, &[snapshot.cpu_percent]),
            [
                ("disk /var/lib/postgresql".to_string(), Severity::Critical),
                ("memory".to_string(), Severity::Warning)
            ]
        );
    }

    #[test]
    fn cpu_is_judged_on_the_minutes_mean() {
        let mut quiet = fixtures::resources_snapshot();
        quiet.memory.used = quiet.memory.total / 4;
        quiet.disks.retain(|d| d.space.percent() < 50.0);
        let mut minute = vec![10.0; 59];
        minute.push(100.0);
        assert_eq!(levels_of(&quiet, &minute), []);
        assert_eq!(
            levels_of(&quiet, &[96.0; 60]),
            [("cpu".to_string(), Severity::Critical)]
        );
    }
}
