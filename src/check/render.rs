//! The report as text for people (findings worst first, then one line per source, then the
//! status) and as JSON for scripts.

use super::CheckReport;
use crate::findings::Severity;

pub fn render_text(report: &CheckReport) -> String {
    let mut out = format!("watchdeck check · {} · {}\n", report.host, report.time);
    let width = report
        .sources
        .iter()
        .map(|s| s.name.chars().count())
        .max()
        .unwrap_or(0)
        .max(8);
    for finding in &report.findings {
        out.push_str(&format!(
            "{:<7} {:<width$} {}\n",
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
            "{label:<7} {:<width$} {}\n",
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
    let status = report.status.word();
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
