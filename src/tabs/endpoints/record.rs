//! The series the Endpoints tab adds to the metric store, labelled `endpoint` and `group`: what
//! the alert rules (EndpointDown, HighAPILatency, HighErrorRate, CertificateExpiring) will name.

use chrono::{DateTime, Utc};

use crate::metrics::MetricStore;
use crate::state::endpoints::{EndpointStatus, EndpointsState};

/// Every series this tab publishes; rules may name only published series.
pub const SERIES: &[&str] = &[
    "endpoint_up",
    "endpoint_latency_seconds",
    "endpoint_availability_percent",
    "endpoint_error_rate_percent",
    "endpoint_consecutive_failures",
    "endpoint_cert_days_left",
];

/// The figures of the endpoints polled in the last batch.
pub fn record(
    metrics: &mut MetricStore,
    at: DateTime<Utc>,
    endpoints: &EndpointsState,
    touched: &[String],
) {
    for name in touched {
        let Some(entry) = endpoints.entry(name) else {
            continue;
        };
        let group = entry.group.as_deref().unwrap_or("");
        let labels = [("endpoint", name.as_str()), ("group", group)];
        let up = !matches!(entry.status, EndpointStatus::Down(_));
        metrics.record_series("endpoint_up", &labels, at, f64::from(u8::from(up)));
        if let Some(last) = &entry.last {
            let latency = [
                ("endpoint", name.as_str()),
                ("group", group),
                ("quantile", "last"),
            ];
            metrics.record_series(
                "endpoint_latency_seconds",
                &latency,
                at,
                last.latency.as_secs_f64(),
            );
        }
        for (quantile, value) in [
            ("0.5", entry.stats.p50),
            ("0.9", entry.stats.p90),
            ("0.99", entry.stats.p99),
        ] {
            if let Some(value) = value {
                let labels = [
                    ("endpoint", name.as_str()),
                    ("group", group),
                    ("quantile", quantile),
                ];
                metrics.record_series("endpoint_latency_seconds", &labels, at, value);
            }
        }
        if let Some(percent) = entry.stats.availability_percent {
            metrics.record_series("endpoint_availability_percent", &labels, at, percent);
        }
        if let Some(percent) = entry.stats.error_rate_percent {
            metrics.record_series("endpoint_error_rate_percent", &labels, at, percent);
        }
        metrics.record_series(
            "endpoint_consecutive_failures",
            &labels,
            at,
            f64::from(entry.consecutive_failures),
        );
        if let Some(cert) = &entry.cert {
            metrics.record_series(
                "endpoint_cert_days_left",
                &labels,
                at,
                cert.days_left(at) as f64,
            );
        }
    }
}
