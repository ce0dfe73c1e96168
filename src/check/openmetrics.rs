//! Every series of one collection in the OpenMetrics text format, and the console's judgement as
//! `watchdeck_alert{…} 1` per firing alert, for node_exporter's textfile collector or any scraper.

use std::collections::BTreeMap;
use std::fmt::Write;

use super::AlertSummary;
use crate::metrics::MetricStore;

/// The units OpenMetrics knows by a name's suffix; a name with one says so in `# UNIT`.
const UNITS: &[&str] = &["percent", "seconds", "bytes_per_second", "bytes", "ratio"];

const ALERT: &str = "watchdeck_alert";

const QUANTILE: &str = "quantile";

/// A series' labels and latest value.
type Sample = (Vec<(String, String)>, f64);

pub fn render_openmetrics(store: &MetricStore, alerts: &[AlertSummary]) -> String {
    let mut families: BTreeMap<String, Vec<Sample>> = BTreeMap::new();
    for id in store.series_ids() {
        let (Some(key), Some(value)) = (store.key(id), store.latest_id(id)) else {
            continue;
        };
        if !legal_name(&key.name) {
            continue;
        }
        let (name, labels) = quantiles_apart(key.name, key.labels);
        families.entry(name).or_default().push((labels, value));
    }
    let mut out = String::new();
    for (name, mut samples) in families {
        samples.sort_by(|a, b| a.0.cmp(&b.0));
        let summary = samples
            .iter()
            .any(|(labels, _)| labels.iter().any(|(key, _)| key == QUANTILE));
        let kind = if summary { "summary" } else { "gauge" };
        let _ = writeln!(out, "# TYPE {name} {kind}");
        if let Some(unit) = UNITS
            .iter()
            .find(|unit| name.ends_with(&format!("_{unit}")))
        {
            let _ = writeln!(out, "# UNIT {name} {unit}");
        }
        let _ = writeln!(out, "# HELP {name} {}", help(&name));
        for (labels, value) in samples {
            let _ = writeln!(out, "{name}{} {}", label_set(&labels), number(value));
        }
    }
    let _ = writeln!(out, "# TYPE {ALERT} gauge");
    let _ = writeln!(
        out,
        "# HELP {ALERT} An alert firing in the console's judgement: its rule, priority and labels."
    );
    let mut rows: Vec<String> = alerts
        .iter()
        .map(|alert| {
            let mut labels = vec![
                ("rule".to_string(), alert.rule.clone()),
                ("priority".to_string(), alert.priority.to_string()),
                ("severity".to_string(), alert.severity.word().to_string()),
            ];
            if let Some(origin) = &alert.alertmanager {
                labels.push(("origin".into(), origin.clone()));
            }
            // The alert's own labels, but for those the console sets and names no scraper takes.
            labels.extend(
                alert
                    .labels
                    .iter()
                    .filter(|(key, _)| legal_label(key))
                    .filter(|(key, _)| {
                        !["rule", "priority", "severity", "origin"].contains(&key.as_str())
                    })
                    .map(|(key, value)| (key.clone(), value.clone())),
            );
            format!("{ALERT}{} 1", label_set(&labels))
        })
        .collect();
    // Two alerts alike to a scraper (labels it could not take) would be one series twice.
    rows.sort();
    rows.dedup();
    for row in rows {
        out.push_str(&row);
        out.push('\n');
    }
    out.push_str("# EOF\n");
    out
}

/// A series of quantiles (`endpoint_latency_seconds{quantile="0.9"}`) is a summary to a
/// scraper, whose quantiles must be numbers: one whose quantile is a word (`last`) is a gauge of
/// its own, named by the word before the unit (`endpoint_latency_last_seconds`).
fn quantiles_apart(name: String, labels: Vec<(String, String)>) -> (String, Vec<(String, String)>) {
    let word = labels
        .iter()
        .find(|(key, value)| key == QUANTILE && value.parse::<f64>().is_err())
        .map(|(_, value)| value.clone());
    let Some(word) = word.filter(|word| legal_name(word)) else {
        return (name, labels);
    };
    let labels = labels
        .into_iter()
        .filter(|(key, _)| key != QUANTILE)
        .collect();
    let named = match UNITS.iter().find_map(|unit| {
        name.strip_suffix(&format!("_{unit}"))
            .map(|base| (base, unit))
    }) {
        Some((base, unit)) => format!("{base}_{word}_{unit}"),
        None => format!("{name}_{word}"),
    };
    (named, labels)
}

fn help(name: &str) -> String {
    format!(
        "watchdeck's {}, as its screens show it.",
        name.replace('_', " ")
    )
}

fn label_set(labels: &[(String, String)]) -> String {
    if labels.is_empty() {
        return String::new();
    }
    let pairs: Vec<String> = labels
        .iter()
        .map(|(key, value)| format!("{key}=\"{}\"", escape(value)))
        .collect();
    format!("{{{}}}", pairs.join(","))
}

fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

fn number(value: f64) -> String {
    if value.is_nan() {
        "NaN".into()
    } else if value.is_infinite() {
        if value > 0.0 { "+Inf" } else { "-Inf" }.into()
    } else {
        format!("{value}")
    }
}

fn legal_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == ':')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
}

fn legal_label(name: &str) -> bool {
    !name.starts_with("__") && !name.contains(':') && legal_name(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_values_are_escaped_and_names_checked() {
        assert_eq!(
            label_set(&[("path".into(), "C:\\a \"b\"\nc".into())]),
            "{path=\"C:\\\\a \\\"b\\\"\\nc\"}"
        );
        assert!(legal_name("system_cpu_percent"));
        assert!(!legal_name("9lives"));
        assert!(!legal_label("__name__"));
        assert_eq!(number(f64::INFINITY), "+Inf");
        assert_eq!(number(0.5), "0.5");
    }

    #[test]
    fn a_quantile_that_is_a_word_is_a_gauge_of_its_own() {
        let labels = |q: &str| {
            vec![
                ("endpoint".to_string(), "api".to_string()),
                (QUANTILE.to_string(), q.to_string()),
            ]
        };
        let (name, rest) = quantiles_apart("endpoint_latency_seconds".into(), labels("last"));
        assert_eq!(name, "endpoint_latency_last_seconds");
        assert_eq!(rest, vec![("endpoint".to_string(), "api".to_string())]);
        let (name, rest) = quantiles_apart("endpoint_latency_seconds".into(), labels("0.9"));
        assert_eq!(
            (name.as_str(), rest),
            ("endpoint_latency_seconds", labels("0.9"))
        );
    }
}
