//! What deserves attention in the containers of one engine. Views read these findings; they
//! judge nothing.

use crate::findings::{Finding, Severity};
use crate::metrics::MetricStore;
use crate::model::containers::{ContainerState, Health};
use crate::model::source::SourceId;
use crate::tab::Tab;
use crate::tabs::containers::state::EngineState;

/// The findings of one engine's containers; restarts in the window were counted when its report
/// was recorded.
pub fn findings(engine: &EngineState, metrics: &MetricStore) -> Vec<Finding> {
    let source = SourceId::docker(&engine.name).name;
    let mut findings = Vec::new();
    for container in &engine.containers {
        let restarts_10m = metrics
            .series_id(
                "container_restarts_10m",
                &[("engine", &engine.name), ("container", &container.name)],
            )
            .and_then(|id| metrics.latest_id(id))
            .unwrap_or_default() as i64;
        let name = &container.name;
        let on = &engine.name;
        let judged = if container.health == Some(Health::Unhealthy) {
            Some((
                Severity::Critical,
                format!("container {name} on {on} is unhealthy"),
            ))
        } else if container.state == ContainerState::Dead {
            Some((
                Severity::Critical,
                format!("container {name} on {on} is dead"),
            ))
        } else if container.state == ContainerState::Restarting {
            Some((
                Severity::Warning,
                format!("container {name} on {on} is restarting"),
            ))
        } else if restarts_10m >= 3 {
            Some((
                Severity::Warning,
                format!("container {name} on {on} restarted {restarts_10m} times in 10 minutes"),
            ))
        } else {
            None
        };
        if let Some((severity, message)) = judged {
            findings.push(Finding {
                tab: Tab::Containers,
                source: source.clone(),
                severity,
                subject: format!("container {name}"),
                message,
            });
        }
    }
    findings
}
