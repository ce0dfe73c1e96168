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
    for host in &report.hosts {
        let percent = |what: &str, value: Option<f64>| {
            value.map_or(format!("{what} ?"), |v| format!("{what} {v:.0}%"))
        };
        let (label, state) = match host.up {
            Some(true) => (Severity::Ok.label(), "up"),
            Some(false) => (Severity::Critical.label(), "down"),
            None => (Severity::Warning.label(), "up ?"),
        };
        let load = host
            .load_per_core
            .map_or("load/core ?".to_string(), |l| format!("load/core {l:.2}"));
        out.push_str(&format!(
            "{label:<7} {:<width$} host {} ({}): {state}, {}, {}, {}, {load}\n",
            host.source,
            host.name,
            host.instance,
            percent("cpu", host.cpu_percent),
            percent("memory", host.memory_percent),
            percent("disk", host.disk_percent),
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
