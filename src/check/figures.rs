//! The key figures of one collection, as a monitoring plugin's performance data carries them:
//! each source's health, then per host, engine, database and endpoint the figure an operator
//! graphs first, with the thresholds of the rules that judge it.

use serde::Serialize;

use crate::alerts::rule::{Comparison, Rule};
use crate::findings::Severity;
use crate::metrics::MetricStore;
use crate::model::resources::HostKey;
use crate::state::AppState;
use crate::state::source::SourceStatus;
use crate::tabs::resources::record;

/// The unit of a figure, as the plugin guidelines spell it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Unit {
    Percent,
    Seconds,
    Count,
}

impl Unit {
    pub fn uom(self) -> &'static str {
        match self {
            Unit::Percent => "%",
            Unit::Seconds => "s",
            Unit::Count => "",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Figure {
    pub label: String,
    pub value: f64,
    pub unit: Unit,
    /// The threshold of the warning rules on it, and of the critical ones: the lowest of each.
    pub warn: Option<Threshold>,
    pub crit: Option<Threshold>,
    pub min: Option<f64>,
    pub max: Option<f64>,
}

/// Where a rule starts to fire: above `value`, or below it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Threshold {
    pub value: f64,
    pub below: bool,
}

/// One kind of figure: which series, how its label reads, its unit and range.
struct Spec {
    series: &'static str,
    /// The label before the series' own distinguishing labels: `disk` + ` /var`.
    name: &'static str,
    /// The labels that tell the series apart, in the order the label names them.
    parts: &'static [&'static str],
    /// Only the series with these labels (the p90 of the latencies).
    only: &'static [(&'static str, &'static str)],
    suffix: &'static str,
    unit: Unit,
    range: (Option<f64>, Option<f64>),
}

const PERCENT: (Option<f64>, Option<f64>) = (Some(0.0), Some(100.0));

const SPECS: &[Spec] = &[
    Spec {
        series: record::CPU_PERCENT,
        name: "cpu",
        parts: &["host"],
        only: &[],
        suffix: "",
        unit: Unit::Percent,
        range: PERCENT,
    },
    Spec {
        series: record::MEMORY_USED_PERCENT,
        name: "memory",
        parts: &["host"],
        only: &[],
        suffix: "",
        unit: Unit::Percent,
        range: PERCENT,
    },
    Spec {
        series: record::DISK_USED_PERCENT,
        name: "disk",
        parts: &["mount", "host"],
        only: &[],
        suffix: "",
        unit: Unit::Percent,
        range: PERCENT,
    },
    Spec {
        series: "db_connections_percent",
        name: "db",
        parts: &["database"],
        only: &[],
        suffix: " connections",
        unit: Unit::Percent,
        range: PERCENT,
    },
    Spec {
        series: "endpoint_latency_seconds",
        name: "endpoint",
        parts: &["endpoint"],
        only: &[("quantile", "0.9")],
        suffix: " p90",
        unit: Unit::Seconds,
        range: (Some(0.0), None),
    },
    Spec {
        series: "endpoint_availability_percent",
        name: "endpoint",
        parts: &["endpoint"],
        only: &[],
        suffix: " availability",
        unit: Unit::Percent,
        range: PERCENT,
    },
];

/// Every figure of the state: sources first, then the specs' series in their order, then the
/// containers of each engine.
pub fn figures(state: &AppState) -> Vec<Figure> {
    let rules: Vec<&Rule> = state.alerts.rules.iter().collect();
    let local = &state.resources.local().key;
    let mut figures: Vec<Figure> = state
        .sources
        .iter()
        .map(|source| Figure {
            label: format!("source {}", source.name),
            value: f64::from(u8::from(matches!(source.status, SourceStatus::Ok { .. }))),
            unit: Unit::Count,
            warn: None,
            crit: Some(Threshold {
                value: 1.0,
                below: true,
            }),
            min: Some(0.0),
            max: Some(1.0),
        })
        .collect();
    for spec in SPECS {
        figures.extend(of_spec(&state.metrics, spec, &rules, local));
    }
    figures.extend(containers(&state.metrics));
    figures
}

fn of_spec(store: &MetricStore, spec: &Spec, rules: &[&Rule], local: &HostKey) -> Vec<Figure> {
    let mut figures: Vec<Figure> = store
        .select(spec.series, &[])
        .filter_map(|id| Some((store.key(id)?, store.latest_id(id)?)))
        .filter(|(key, _)| {
            spec.only
                .iter()
                .all(|(name, value)| label(&key.labels, name) == Some(*value))
        })
        .map(|(key, value)| {
            let parts: Vec<&str> = spec
                .parts
                .iter()
                .filter_map(|part| label(&key.labels, part))
                // The console's own host goes without saying, as on its screens.
                .filter(|value| *value != local.as_str())
                .collect();
            let mut label = spec.name.to_string();
            for part in parts {
                label.push(' ');
                label.push_str(part);
            }
            label.push_str(spec.suffix);
            Figure {
                label,
                value,
                unit: spec.unit,
                warn: threshold(rules, spec.series, &key.labels, Severity::Warning),
                crit: threshold(rules, spec.series, &key.labels, Severity::Critical),
                min: spec.range.0,
                max: spec.range.1,
            }
        })
        .collect();
    figures.sort_by(|a, b| a.label.cmp(&b.label));
    figures
}

/// Containers running and unhealthy on each engine.
fn containers(store: &MetricStore) -> Vec<Figure> {
    let mut per_engine: std::collections::BTreeMap<String, (f64, f64)> = Default::default();
    for (series, unhealthy) in [("container_up", false), ("container_unhealthy", true)] {
        for id in store.select(series, &[]) {
            let (Some(key), Some(value)) = (store.key(id), store.latest_id(id)) else {
                continue;
            };
            let engine = label(&key.labels, "engine").unwrap_or("").to_string();
            let counts = per_engine.entry(engine).or_default();
            if unhealthy {
                counts.1 += value;
            } else {
                counts.0 += value;
            }
        }
    }
    per_engine
        .into_iter()
        .flat_map(|(engine, (running, unhealthy))| {
            let count = |what: &str, value| Figure {
                label: format!("containers {what} {engine}"),
                value,
                unit: Unit::Count,
                warn: None,
                crit: None,
                min: Some(0.0),
                max: None,
            };
            [count("running", running), count("unhealthy", unhealthy)]
        })
        .collect()
}

fn label<'a>(labels: &'a [(String, String)], name: &str) -> Option<&'a str> {
    labels
        .iter()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.as_str())
}

/// Where the rules of `severity` that judge this series start to fire: the lowest threshold of
/// those that fire above one, else the highest of those that fire below one.
fn threshold(
    rules: &[&Rule],
    series: &str,
    labels: &[(String, String)],
    severity: Severity,
) -> Option<Threshold> {
    let labels: Vec<(&str, &str)> = labels
        .iter()
        .map(|(key, value)| (key.as_str(), value.as_str()))
        .collect();
    let judging = rules.iter().filter(|rule| {
        rule.priority.severity() == severity
            && rule.condition.series == series
            && rule.condition.selects(&labels)
    });
    let (mut above, mut below) = (None::<f64>, None::<f64>);
    for rule in judging {
        let value = rule.condition.threshold;
        match rule.condition.comparison {
            Comparison::Greater | Comparison::GreaterOrEqual => {
                above = Some(above.map_or(value, |a| a.min(value)));
            }
            Comparison::Less | Comparison::LessOrEqual => {
                below = Some(below.map_or(value, |b| b.max(value)));
            }
            Comparison::Equal | Comparison::NotEqual => {}
        }
    }
    above
        .map(|value| Threshold {
            value,
            below: false,
        })
        .or(below.map(|value| Threshold { value, below: true }))
}
