//! The series the Containers tab adds to the metric store, labelled with `engine` and
//! `container`: what the rule engine judges.

use chrono::{DateTime, Utc};

use crate::metrics::MetricStore;
use crate::model::containers::{ContainerState, EngineSnapshot, Health};

/// Every series this tab publishes; rules may name only published series.
pub const SERIES: &[&str] = &[
    "container_up",
    "container_unhealthy",
    "container_restart_count",
    "container_restarts_10m",
    "container_exit_code",
    "container_cpu_percent",
    "container_memory_used_percent",
];

/// Container facts for the alert engine, labelled with `engine` and `container`.
pub fn record(metrics: &mut MetricStore, at: DateTime<Utc>, snapshot: &EngineSnapshot) {
    for container in &snapshot.containers {
        let labels = [
            ("engine", snapshot.engine.as_str()),
            ("container", container.name.as_str()),
        ];
        let exit_code = match container.state {
            ContainerState::Exited { code } => code as f64,
            _ => 0.0,
        };
        metrics.record_series(
            "container_up",
            &labels,
            at,
            f64::from(u8::from(container.state == ContainerState::Running)),
        );
        metrics.record_series(
            "container_unhealthy",
            &labels,
            at,
            f64::from(u8::from(container.health == Some(Health::Unhealthy))),
        );
        metrics.record_series(
            "container_restart_count",
            &labels,
            at,
            container.restart_count as f64,
        );
        metrics.record_series("container_exit_code", &labels, at, exit_code);
        if let Some(stats) = container.stats {
            metrics.record_series("container_cpu_percent", &labels, at, stats.cpu_percent);
            if let Some(percent) = stats.memory_percent() {
                metrics.record_series("container_memory_used_percent", &labels, at, percent);
            }
        }
        let restarts = restarts_within(
            metrics,
            &snapshot.engine,
            &container.name,
            at,
            RESTART_WINDOW,
        );
        metrics.record_series("container_restarts_10m", &labels, at, restarts as f64);
    }
}

const RESTART_WINDOW: chrono::Duration = chrono::Duration::minutes(10);

/// How much a container's restart count grew over `window` before `now`, from the metric store.
fn restarts_within(
    metrics: &MetricStore,
    engine: &str,
    container: &str,
    now: DateTime<Utc>,
    window: chrono::Duration,
) -> i64 {
    let Some(id) = metrics.series_id(
        "container_restart_count",
        &[("engine", engine), ("container", container)],
    ) else {
        return 0;
    };
    let mut samples = metrics.history_id(id).filter(|s| s.at >= now - window);
    let first = samples.next().map(|s| s.value);
    let last = metrics.latest_id(id);
    match (first, last) {
        (Some(first), Some(last)) => (last - first).max(0.0) as i64,
        _ => 0,
    }
}
