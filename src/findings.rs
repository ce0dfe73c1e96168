//! Findings: what deserves attention, judged the same way for the tab markers, `--watch` and
//! `watchdeck check`.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;

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

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
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
                tab: source.tab(),
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

    #[test]
    fn thresholds_are_inclusive() {
        assert_eq!(judge(79.9, 80.0, 90.0), Severity::Ok);
        assert_eq!(judge(80.0, 80.0, 90.0), Severity::Warning);
        assert_eq!(judge(90.0, 80.0, 90.0), Severity::Critical);
    }
}
