//! `watchdeck check`: collect once from every configured source and print the findings, for
//! cron jobs and scripts. Exit status 0 when all is well, 1 on warnings, 2 on critical.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;

use crate::collect::resources::ResourcesSnapshot;
use crate::config::Config;
use crate::findings::{Finding, Severity, resource_findings, worst};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SourceSummary {
    pub name: String,
    pub ok: bool,
    pub summary: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CheckReport {
    pub host: String,
    pub time: String,
    pub status: Severity,
    pub findings: Vec<Finding>,
    pub sources: Vec<SourceSummary>,
}

/// Judges what was collected; pure, so the report is tested on fixture data.
pub fn build_report(
    host: &str,
    at: DateTime<Utc>,
    config: &Config,
    system: &ResourcesSnapshot,
) -> CheckReport {
    let findings = resource_findings(system, system.cpu_percent, &config.resources);
    let summary = format!(
        "cpu {:.0}%, load {:.2}, memory {:.0}%, swap {:.0}%, {} disks, {} processes",
        system.cpu_percent,
        system.load[0],
        system.memory.percent(),
        system.swap.percent(),
        system.disks.len(),
        system.processes.len()
    );
    CheckReport {
        host: host.to_string(),
        time: at.to_rfc3339_opts(SecondsFormat::Secs, true),
        status: worst(&findings),
        findings,
        sources: vec![SourceSummary {
            name: "system".into(),
            ok: true,
            summary,
        }],
    }
}

pub fn render_text(report: &CheckReport) -> String {
    let mut out = format!("watchdeck check · {} · {}\n", report.host, report.time);
    for finding in &report.findings {
        out.push_str(&format!(
            "{:<7} {:<8} {}\n",
            finding.severity.label(),
            finding.source,
            finding.message
        ));
    }
    for source in &report.sources {
        let label = if source.ok {
            Severity::Ok.label()
        } else {
            Severity::Critical.label()
        };
        out.push_str(&format!(
            "{label:<7} {:<8} {}\n",
            source.name, source.summary
        ));
    }
    let count = |severity| {
        report
            .findings
            .iter()
            .filter(|f| f.severity == severity)
            .count()
    };
    let status = match report.status {
        Severity::Ok => "ok",
        Severity::Warning => "warning",
        Severity::Critical => "critical",
    };
    out.push_str(&format!(
        "status: {status} ({} critical, {} warning)\n",
        count(Severity::Critical),
        count(Severity::Warning)
    ));
    out
}

pub fn render_json(report: &CheckReport) -> String {
    serde_json::to_string_pretty(report).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures;

    fn report() -> CheckReport {
        build_report(
            "db-01",
            fixtures::now(),
            &Config::default(),
            &fixtures::resources_snapshot(),
        )
    }

    #[test]
    fn text_lists_findings_worst_first_then_sources_and_status() {
        let text = render_text(&report());
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "watchdeck check · db-01 · 2026-11-22T09:30:00Z");
        assert!(
            lines[1].starts_with("▲ WARN  system   memory 89% used (warning at 85%)"),
            "{text}"
        );
        assert!(
            lines[2].starts_with("✖ CRIT  system   disk /var/lib/postgresql 93.8% used"),
            "{text}"
        );
        assert!(lines[3].starts_with("✔ OK    system   cpu "), "{text}");
        assert_eq!(
            lines.last().copied(),
            Some("status: critical (1 critical, 1 warning)")
        );
        assert_eq!(report().status.exit_code(), 2);
    }

    #[test]
    fn json_is_machine_readable() {
        let value: serde_json::Value =
            serde_json::from_str(&render_json(&report())).unwrap_or_default();
        assert_eq!(value["status"], "critical");
        assert_eq!(value["findings"][1]["severity"], "critical");
        assert_eq!(value["findings"][1]["subject"], "disk /var/lib/postgresql");
        assert_eq!(value["sources"][0]["name"], "system");
    }
}
