//! The report as a monitoring plugin prints it (the Monitoring Plugins development guidelines,
//! which Nagios, Icinga and Sensu read): a first line with the service, the state and what is
//! wrong, a line per firing alert, then the performance data after `|`, one item a line.

use super::CheckReport;
use super::figures::{Figure, Threshold};
use crate::findings::Severity;

/// How many firing alerts the first line names before it says how many more.
const FIRST_LINE_ALERTS: usize = 3;

pub fn render_plugin(report: &CheckReport) -> String {
    let mut out = first_line(report);
    out.push('\n');
    for alert in &report.alerts {
        out.push_str(&format!(
            "{} {}: {}\n",
            alert.priority, alert.rule, alert.summary
        ));
    }
    let mut data = report.figures.iter().map(perfdata);
    if let Some(first) = data.next() {
        out.push_str(&format!("| {first}\n"));
        for item in data {
            out.push_str(&item);
            out.push('\n');
        }
    }
    out
}

/// `WATCHDECK CRITICAL - 2 firing: ContainerUnhealthy web@prod-1, DiskSpaceLow / on db-1`.
fn first_line(report: &CheckReport) -> String {
    let state = state_word(report.status);
    if report.alerts.is_empty() {
        let down = report.sources.iter().filter(|s| !s.ok).count();
        let what = match report.findings.first() {
            Some(finding) if down > 0 || report.status != Severity::Ok => {
                format!("{}: {}", finding.source, finding.message)
            }
            _ => format!(
                "nothing firing, {} of {} sources up",
                report.sources.len() - down,
                report.sources.len()
            ),
        };
        return format!("WATCHDECK {state} - {what}");
    }
    let mut named: Vec<String> = report
        .alerts
        .iter()
        .take(FIRST_LINE_ALERTS)
        .map(|alert| {
            let subject = subject(&alert.labels, &report.host);
            if subject.is_empty() {
                alert.rule.clone()
            } else {
                format!("{} {subject}", alert.rule)
            }
        })
        .collect();
    if report.alerts.len() > FIRST_LINE_ALERTS {
        named.push(format!("{} more", report.alerts.len() - FIRST_LINE_ALERTS));
    }
    format!(
        "WATCHDECK {state} - {} firing: {}",
        report.alerts.len(),
        named.join(", ")
    )
}

fn state_word(status: Severity) -> &'static str {
    match status {
        Severity::Ok => "OK",
        Severity::Warning => "WARNING",
        Severity::Critical => "CRITICAL",
    }
}

/// What an alert is about in a few words: `web@prod-1`, `/ on db-1`; the host the check ran on
/// goes without saying.
fn subject(labels: &std::collections::BTreeMap<String, String>, local: &str) -> String {
    let get = |name: &str| labels.get(name).map(String::as_str);
    let mut subject = match (get("container"), get("engine")) {
        (Some(container), Some(engine)) => format!("{container}@{engine}"),
        (Some(container), None) => container.to_string(),
        _ => ["mount", "database", "endpoint", "source", "instance"]
            .iter()
            .find_map(|name| get(name))
            .unwrap_or("")
            .to_string(),
    };
    if let Some(host) = get("host").filter(|host| *host != local) {
        if subject.is_empty() {
            subject = host.to_string();
        } else {
            subject.push_str(&format!(" on {host}"));
        }
    }
    subject
}

/// `'label'=value[UOM];[warn];[crit];[min];[max]`, the label always quoted (a quote in it
/// doubled), the value in plain decimals.
fn perfdata(figure: &Figure) -> String {
    let optional = |value: Option<f64>| value.map(number).unwrap_or_default();
    let threshold = |threshold: Option<Threshold>| match threshold {
        // A range's start alone alerts below it.
        Some(Threshold { value, below: true }) => format!("{}:", number(value)),
        Some(Threshold { value, .. }) => number(value),
        None => String::new(),
    };
    let item = format!(
        "'{}'={}{};{};{};{};{}",
        figure.label.replace('\'', "''"),
        number(figure.value),
        figure.unit.uom(),
        threshold(figure.warn),
        threshold(figure.crit),
        optional(figure.min),
        optional(figure.max),
    );
    item.trim_end_matches(';').to_string()
}

/// At most three decimals, no exponent, no trailing zeros: what every plugin parser reads.
fn number(value: f64) -> String {
    if !value.is_finite() {
        return "U".into();
    }
    let text = format!("{value:.3}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text == "-0" {
        "0".into()
    } else {
        text.into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::figures::Unit;

    fn figure(label: &str, value: f64, warn: Option<f64>, crit: Option<f64>) -> Figure {
        let above = |value| Threshold {
            value,
            below: false,
        };
        Figure {
            label: label.into(),
            value,
            unit: Unit::Percent,
            warn: warn.map(above),
            crit: crit.map(above),
            min: Some(0.0),
            max: Some(100.0),
        }
    }

    #[test]
    fn perfdata_follows_the_guidelines() {
        assert_eq!(
            perfdata(&figure("cpu", 12.3456, Some(85.0), Some(95.0))),
            "'cpu'=12.346%;85;95;0;100"
        );
        assert_eq!(
            perfdata(&figure("disk /home's", 50.0, None, None)),
            "'disk /home''s'=50%;;;0;100"
        );
        let mut certificate = figure("cert", 20.0, None, None);
        certificate.crit = Some(Threshold {
            value: 3.0,
            below: true,
        });
        certificate.unit = Unit::Count;
        certificate.max = None;
        assert_eq!(perfdata(&certificate), "'cert'=20;;3:;0");
    }

    #[test]
    fn numbers_have_no_exponent_and_no_trailing_zeros() {
        assert_eq!(number(1e-7), "0");
        assert_eq!(number(123456789.0), "123456789");
        assert_eq!(number(0.25), "0.25");
        assert_eq!(number(f64::NAN), "U");
    }
}
