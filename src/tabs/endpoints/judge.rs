//! What deserves attention in the endpoints, after the operations manual's alert table:
//! EndpointDown (down for 1m), HighAPILatency (p90 over 2s for 2m, over 5s), HighErrorRate
//! (over 1 %, over 5 % for 1m) and CertificateExpiring (under 14 days, under 3 days). Until the
//! Alerts tab lands these are findings; its rules will name the series `record.rs` publishes,
//! and the durations are read from those series here.

use crate::findings::{Finding, Severity};
use crate::metrics::MetricStore;
use crate::model::source::SourceId;
use crate::tab::Tab;
use crate::tabs::endpoints::state::{EndpointEntry, EndpointStatus, EndpointsState, subject};

/// How long an endpoint is down before that is critical.
pub const DOWN_CRITICAL_AFTER: chrono::Duration = chrono::Duration::minutes(1);
pub const LATENCY_WARN_SECONDS: f64 = 2.0;
/// How long p90 stays over [`LATENCY_WARN_SECONDS`] before that is a warning.
pub const LATENCY_WARN_FOR: chrono::Duration = chrono::Duration::minutes(2);
pub const LATENCY_CRIT_SECONDS: f64 = 5.0;
pub const ERROR_RATE_WARN_PERCENT: f64 = 1.0;
pub const ERROR_RATE_CRIT_PERCENT: f64 = 5.0;
/// How long the error rate stays over [`ERROR_RATE_CRIT_PERCENT`] before that is critical.
pub const ERROR_RATE_CRIT_FOR: chrono::Duration = chrono::Duration::minutes(1);
pub const CERT_WARN_DAYS: i64 = 14;
pub const CERT_CRIT_DAYS: i64 = 3;

pub fn findings(state: &EndpointsState, metrics: &MetricStore) -> Vec<Finding> {
    let Some(now) = state.as_of else {
        return Vec::new();
    };
    let source = SourceId::endpoints().name;
    let mut findings = Vec::new();
    for entry in &state.endpoints {
        for (severity, message) in judge(entry, metrics, now) {
            findings.push(Finding {
                tab: Tab::Endpoints,
                source: source.clone(),
                severity,
                subject: subject(&entry.name),
                message,
            });
        }
    }
    findings
}

/// How long `holds` has been true of an endpoint's series, up to its newest sample.
fn held_for(
    metrics: &MetricStore,
    entry: &EndpointEntry,
    series: &str,
    quantile: Option<&str>,
    holds: impl Fn(f64) -> bool,
) -> chrono::Duration {
    let group = entry.group.as_deref().unwrap_or("");
    let mut labels = vec![("endpoint", entry.name.as_str()), ("group", group)];
    labels.extend(quantile.map(|q| ("quantile", q)));
    let Some(id) = metrics.series_id(series, &labels) else {
        return chrono::Duration::zero();
    };
    let (mut since, mut newest) = (None, None);
    for sample in metrics.history_id(id) {
        if holds(sample.value) {
            since.get_or_insert(sample.at);
        } else {
            since = None;
        }
        newest = Some(sample.at);
    }
    match (since, newest) {
        (Some(since), Some(newest)) => newest - since,
        _ => chrono::Duration::zero(),
    }
}

fn judge(
    entry: &EndpointEntry,
    metrics: &MetricStore,
    now: chrono::DateTime<chrono::Utc>,
) -> Vec<(Severity, String)> {
    let name = &entry.name;
    let mut judged = Vec::new();
    match &entry.status {
        EndpointStatus::Down(failure) => {
            let since = entry.down_since.unwrap_or(now);
            let severity = if now - since >= DOWN_CRITICAL_AFTER {
                Severity::Critical
            } else {
                Severity::Warning
            };
            judged.push((
                severity,
                format!(
                    "endpoint {name} is down: {} ({} failed polls)",
                    failure.full(),
                    entry.consecutive_failures
                ),
            ));
        }
        EndpointStatus::Degraded => {
            judged.push((Severity::Warning, format!("endpoint {name} is slow")))
        }
        EndpointStatus::Up | EndpointStatus::Pending => {}
    }
    // While it is down, that finding says it all: its error rate only repeats it.
    if matches!(entry.status, EndpointStatus::Down(_)) {
        judged.extend(cert_finding(entry, now));
        return judged;
    }
    if let Some(p90) = entry.stats.p90 {
        let severity = if p90 > LATENCY_CRIT_SECONDS {
            Severity::Critical
        } else if p90 > LATENCY_WARN_SECONDS
            && held_for(
                metrics,
                entry,
                "endpoint_latency_seconds",
                Some("0.9"),
                |v| v > LATENCY_WARN_SECONDS,
            ) >= LATENCY_WARN_FOR
        {
            Severity::Warning
        } else {
            Severity::Ok
        };
        if severity > Severity::Ok {
            judged.push((
                severity,
                format!(
                    "endpoint {name}: p90 latency {:.2}s over the last hour",
                    p90
                ),
            ));
        }
    }
    if let Some(rate) = entry.stats.error_rate_percent
        && rate > ERROR_RATE_WARN_PERCENT
    {
        let severity = if rate > ERROR_RATE_CRIT_PERCENT
            && held_for(metrics, entry, "endpoint_error_rate_percent", None, |v| {
                v > ERROR_RATE_CRIT_PERCENT
            }) >= ERROR_RATE_CRIT_FOR
        {
            Severity::Critical
        } else {
            Severity::Warning
        };
        judged.push((
            severity,
            format!("endpoint {name}: {rate:.1} % of polls failed over the last hour"),
        ));
    }
    judged.extend(cert_finding(entry, now));
    judged
}

fn cert_finding(
    entry: &EndpointEntry,
    now: chrono::DateTime<chrono::Utc>,
) -> Option<(Severity, String)> {
    let name = &entry.name;
    if let Some(cert) = &entry.cert {
        let days = cert.days_left(now);
        let severity = if days < CERT_CRIT_DAYS {
            Severity::Critical
        } else if days < CERT_WARN_DAYS {
            Severity::Warning
        } else {
            Severity::Ok
        };
        if severity > Severity::Ok {
            let when = if days < 0 {
                format!("expired {} days ago", -days)
            } else {
                format!("expires in {days} days")
            };
            return Some((severity, format!("endpoint {name}: certificate {when}")));
        }
    }
    None
}
