//! What deserves attention in one database, after the manual's default rules (until the Alerts
//! tab evaluates rules, they are judged here): connections near the limit, slow queries,
//! replication lag, Redis memory and evictions. A database that does not answer is the shell's
//! finding (its source is down).

use chrono::Duration;

use crate::findings::{Finding, Severity};
use crate::metrics::MetricStore;
use crate::model::source::SourceId;
use crate::tab::Tab;
use crate::tabs::databases::state::DatabaseState;

const CONNECTIONS_WARN: f64 = 80.0;
const CONNECTIONS_CRIT: f64 = 90.0;
const SLOW_QUERIES_PER_MINUTE: f64 = 20.0;
const LAG_WARN_SECONDS: f64 = 5.0;
const LAG_CRIT_SECONDS: f64 = 30.0;
const REDIS_MEMORY_CRIT: f64 = 90.0;

pub fn findings(database: &DatabaseState, metrics: &MetricStore) -> Vec<Finding> {
    let Some(snapshot) = &database.latest else {
        return Vec::new();
    };
    let name = &database.name;
    let labels = [("database", name.as_str()), ("kind", database.kind.label())];
    let latest = |series: &str| {
        metrics
            .series_id(series, &labels)
            .and_then(|id| metrics.latest_id(id))
    };
    let held = |series: &str, minutes: i64, above: f64| {
        held_above(metrics, series, &labels, Duration::minutes(minutes), above)
    };
    let mut judged = Vec::new();
    if let Some(percent) = snapshot.connections_percent() {
        let used = format!(
            "{name}: {} of {} connections in use ({percent:.0}%)",
            snapshot.connections, snapshot.max_connections
        );
        if percent > CONNECTIONS_CRIT {
            judged.push((Severity::Critical, "connections", used));
        } else if held("db_connections_percent", 3, CONNECTIONS_WARN) {
            judged.push((Severity::Warning, "connections", used));
        }
    }
    if held("db_slow_queries_per_minute", 5, SLOW_QUERIES_PER_MINUTE) {
        judged.push((
            Severity::Warning,
            "slow queries",
            format!(
                "{name}: more than {SLOW_QUERIES_PER_MINUTE:.0} slow queries a minute for 5 minutes"
            ),
        ));
    }
    if let Some(lag) = latest("db_replication_lag_seconds") {
        let text = format!("{name}: replication lag {lag:.0}s");
        if lag > LAG_CRIT_SECONDS {
            judged.push((Severity::Critical, "replication", text));
        } else if lag > LAG_WARN_SECONDS {
            judged.push((Severity::Warning, "replication", text));
        }
    }
    if let Some(memory) = latest("redis_memory_percent")
        && memory > REDIS_MEMORY_CRIT
    {
        judged.push((
            Severity::Critical,
            "memory",
            format!("{name}: Redis memory at {memory:.0}% of maxmemory"),
        ));
    }
    if held("redis_evicted_per_minute", 5, 0.0) {
        judged.push((
            Severity::Warning,
            "evictions",
            format!("{name}: Redis has been evicting keys for 5 minutes"),
        ));
    }
    if let Some(blocked) = latest("db_blocked_sessions")
        && blocked > 0.0
    {
        judged.push((
            Severity::Warning,
            "blocked",
            format!("{name}: {blocked:.0} sessions wait on a lock"),
        ));
    }
    let source = SourceId::database(name).name;
    judged
        .into_iter()
        .map(|(severity, subject, message)| Finding {
            tab: Tab::Databases,
            source: source.clone(),
            severity,
            subject: format!("{name} {subject}"),
            message,
        })
        .collect()
}

/// Whether every sample of the last `window` is above `threshold`, and the series goes back
/// that far.
fn held_above(
    metrics: &MetricStore,
    series: &str,
    labels: &[(&str, &str)],
    window: Duration,
    threshold: f64,
) -> bool {
    let Some(id) = metrics.series_id(series, labels) else {
        return false;
    };
    let Some(newest) = metrics.history_id(id).last() else {
        return false;
    };
    let from = newest.at - window;
    let mut samples = metrics.history_id(id).peekable();
    if samples.peek().is_none_or(|oldest| oldest.at > from) {
        return false;
    }
    samples
        .filter(|s| s.at >= from)
        .all(|s| s.value > threshold)
}
