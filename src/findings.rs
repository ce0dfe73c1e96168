//! Findings: what deserves attention, judged the same way for the tab markers, `--watch` and
//! `watchdeck check`.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::config::ResourcesConfig;
use crate::model::containers::{ContainerInfo, ContainerState, Health};
use crate::model::resources::ResourcesSnapshot;
use crate::state::source::{SourceHealth, SourceStatus};
use crate::tab::Tab;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Ok,
    Warning,
    Critical,
}

impl Severity {
    /// Text that tells the severity apart without colour.
    pub fn label(self) -> &'static str {
        match self {
            Severity::Ok => "✔ OK",
            Severity::Warning => "▲ WARN",
            Severity::Critical => "✖ CRIT",
        }
    }

    /// The exit status of `watchdeck check`.
    pub fn exit_code(self) -> i32 {
        match self {
            Severity::Ok => 0,
            Severity::Warning => 1,
            Severity::Critical => 2,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    pub tab: Tab,
    pub source: String,
    pub severity: Severity,
    pub subject: String,
    pub message: String,
}

/// The severity of `value` against a warning and a critical threshold.
pub fn judge(value: f64, warn: f64, crit: f64) -> Severity {
    if value >= crit {
        Severity::Critical
    } else if value >= warn {
        Severity::Warning
    } else {
        Severity::Ok
    }
}

/// Thresholds crossed on the local host. CPU is judged on `cpu_average` (the console passes the
/// last minute's mean) so a one-second spike is not an incident.
pub fn resource_findings(
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
                    source: "system".into(),
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

/// Containers that need a look: unhealthy or dead is critical; restarting, or restarted three
/// times or more in the last ten minutes, is a warning.
pub fn container_findings<'a>(
    containers: impl Iterator<Item = (&'a str, &'a ContainerInfo, i64)>,
) -> Vec<Finding> {
    let mut findings = Vec::new();
    for (engine, container, restarts_10m) in containers {
        let mut push = |severity, message: String| {
            findings.push(Finding {
                tab: Tab::Containers,
                source: format!("docker:{engine}"),
                severity,
                subject: format!("container {}", container.name),
                message,
            });
        };
        let name = &container.name;
        if container.health == Some(Health::Unhealthy) {
            push(
                Severity::Critical,
                format!("container {name} on {engine} is unhealthy"),
            );
        } else if container.state == ContainerState::Dead {
            push(
                Severity::Critical,
                format!("container {name} on {engine} is dead"),
            );
        } else if container.state == ContainerState::Restarting {
            push(
                Severity::Warning,
                format!("container {name} on {engine} is restarting"),
            );
        } else if restarts_10m >= 3 {
            push(
                Severity::Warning,
                format!(
                    "container {name} on {engine} restarted {restarts_10m} times in 10 minutes"
                ),
            );
        }
    }
    findings
}

/// A source that cannot be read is critical: the operator is blind to what it covers. One whose
/// last good sample is too old is a warning: what it shows may no longer be true.
pub fn source_findings(sources: &[SourceHealth], now: DateTime<Utc>) -> Vec<Finding> {
    sources
        .iter()
        .filter_map(|source| {
            let (severity, message) = match &source.status {
                SourceStatus::Down { error, .. } => (
                    Severity::Critical,
                    format!("source {} is down: {error}", source.name),
                ),
                SourceStatus::Stale { last_ok } => {
                    let age = (now - *last_ok).to_std().unwrap_or_default();
                    (
                        Severity::Warning,
                        format!(
                            "source {} stale: last sample {} ago",
                            source.name,
                            humantime::format_duration(Duration::from_secs(age.as_secs()))
                        ),
                    )
                }
                SourceStatus::Connecting | SourceStatus::Ok { .. } => return None,
            };
            Some(Finding {
                tab: if source.name.starts_with("docker:") {
                    Tab::Containers
                } else {
                    Tab::Resources
                },
                source: source.name.clone(),
                severity,
                subject: format!("source {}", source.name),
                message,
            })
        })
        .collect()
}

/// The worst severity among findings, `Ok` when there are none.
pub fn worst(findings: &[Finding]) -> Severity {
    findings
        .iter()
        .map(|f| f.severity)
        .max()
        .unwrap_or(Severity::Ok)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures;

    #[test]
    fn thresholds_are_inclusive() {
        assert_eq!(judge(79.9, 80.0, 90.0), Severity::Ok);
        assert_eq!(judge(80.0, 80.0, 90.0), Severity::Warning);
        assert_eq!(judge(90.0, 80.0, 90.0), Severity::Critical);
    }

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
