//! What deserves attention on the local host: thresholds crossed, CPU judged on the last minute's
//! mean so a one-second spike is not an incident. Views read these findings; they judge nothing.

use crate::config::ResourcesConfig;
use crate::findings::{Finding, Severity, judge};
use crate::metrics::MetricStore;
use crate::model::resources::ResourcesSnapshot;
use crate::state::SYSTEM_SOURCE;
use crate::tab::Tab;

/// The host's findings from its latest sample and the store's last minute of CPU.
pub fn findings(
    snapshot: &ResourcesSnapshot,
    metrics: &MetricStore,
    refresh: std::time::Duration,
    limits: &ResourcesConfig,
) -> Vec<Finding> {
    resource_findings(snapshot, cpu_average(metrics, refresh), limits)
}

/// Mean CPU over the last minute of samples.
pub fn cpu_average(metrics: &MetricStore, refresh: std::time::Duration) -> f64 {
    let minute = (60.0 / refresh.as_secs_f64()).ceil().max(1.0) as usize;
    let Some(id) = metrics.series_id("system_cpu_percent", &[]) else {
        return 0.0;
    };
    let history = metrics.history_id(id);
    let older = history.len().saturating_sub(minute);
    let mut recent: Vec<f64> = history.skip(older).map(|s| s.value).collect();
    // Newest first: float addition depends on order, and this is the order it always had.
    recent.reverse();
    if recent.is_empty() {
        0.0
    } else {
        recent.iter().sum::<f64>() / recent.len() as f64
    }
}

/// Thresholds crossed on the local host. CPU is judged on `cpu_average` (the console passes the
/// last minute's mean) so a one-second spike is not an incident.
fn resource_findings(
    snapshot: &ResourcesSnapshot,
    cpu_average: f64,
    limits: &ResourcesConfig,
) -> Vec<Finding> {
    let mut findings = Vec::new();
    let mut push =
        |severity: Severity, subject: String, value: String, threshold: f64, unit: &str| {
            if severity != Severity::Ok {
                let level = if severity == Severity::Critical {
                    "critical"
                } else {
                    "warning"
                };
                findings.push(Finding {
                    tab: Tab::Resources,
                    source: SYSTEM_SOURCE.into(),
                    severity,
                    message: format!("{subject} {value} ({level} at {threshold}{unit})"),
                    subject,
                });
            }
        };
    let threshold = |severity: Severity, warn: f64, crit: f64| {
        if severity == Severity::Critical {
            crit
        } else {
            warn
        }
    };

    let cpu = judge(
        cpu_average,
        limits.cpu_warn_percent,
        limits.cpu_crit_percent,
    );
    push(
        cpu,
        "cpu".into(),
        format!("{cpu_average:.0}% busy on average"),
        threshold(cpu, limits.cpu_warn_percent, limits.cpu_crit_percent),
        "%",
    );

    let cores = snapshot.cores.len().max(1) as f64;
    let per_core = snapshot.load[0] / cores;
    let load = judge(
        per_core,
        limits.load_warn_per_core,
        limits.load_crit_per_core,
    );
    push(
        load,
        "load".into(),
        format!("{:.2} ({per_core:.2} per core)", snapshot.load[0]),
        threshold(load, limits.load_warn_per_core, limits.load_crit_per_core),
        " per core",
    );

    let memory = snapshot.memory.percent();
    let level = judge(
        memory,
        limits.memory_warn_percent,
        limits.memory_crit_percent,
    );
    push(
        level,
        "memory".into(),
        format!("{memory:.0}% used"),
        threshold(
            level,
            limits.memory_warn_percent,
            limits.memory_crit_percent,
        ),
        "%",
    );

    if snapshot.swap.total > 0 {
        let swap = snapshot.swap.percent();
        let level = judge(swap, limits.swap_warn_percent, limits.swap_crit_percent);
        push(
            level,
            "swap".into(),
            format!("{swap:.0}% used"),
            threshold(level, limits.swap_warn_percent, limits.swap_crit_percent),
            "%",
        );
    }

    for disk in &snapshot.disks {
        let used = disk.space.percent();
        let level = judge(used, limits.disk_warn_percent, limits.disk_crit_percent);
        push(
            level,
            format!("disk {}", disk.mount),
            format!("{used:.1}% used"),
            threshold(level, limits.disk_warn_percent, limits.disk_crit_percent),
            "%",
        );
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::findings::worst;
    use crate::fixtures;

    #[test]
    fn the_fixture_host_has_one_critical_disk_and_a_warning() {
        let snapshot = fixtures::resources_snapshot();
        let findings =
            resource_findings(&snapshot, snapshot.cpu_percent, &ResourcesConfig::default());
        let summary: Vec<(Severity, &str)> = findings
            .iter()
            .map(|f| (f.severity, f.subject.as_str()))
            .collect();
        assert_eq!(
            summary,
            [
                (Severity::Warning, "memory"),
                (Severity::Critical, "disk /var/lib/postgresql")
            ]
        );
        assert_eq!(
            findings[1].message,
            "disk /var/lib/postgresql 93.8% used (critical at 90%)"
        );
        assert_eq!(worst(&findings), Severity::Critical);
    }

    #[test]
    fn a_quiet_host_has_no_findings() {
        let mut quiet = fixtures::resources_snapshot();
        quiet.memory.used = quiet.memory.total / 4;
        quiet.disks.retain(|d| d.space.percent() < 50.0);
        assert_eq!(
            resource_findings(&quiet, 20.0, &ResourcesConfig::default()),
            []
        );
        let busy = resource_findings(&quiet, 96.0, &ResourcesConfig::default());
        assert_eq!(busy.len(), 1);
        assert_eq!(busy[0].message, "cpu 96% busy on average (critical at 95%)");
        assert_eq!(worst(&[]), Severity::Ok);
    }
}
