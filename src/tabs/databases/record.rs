//! The series the Databases tab adds to the metric store, labelled `database` and `kind`: what
//! the alert rules judge.

use chrono::{DateTime, Utc};

use crate::metrics::MetricStore;
use crate::model::databases::{DatabaseDetail, DatabaseKind, DatabaseSnapshot};

/// Every series this tab publishes; rules may name only published series.
pub const SERIES: &[&str] = &[
    "db_up",
    "db_connections_percent",
    "db_long_queries",
    "db_blocked_sessions",
    "db_cache_hit_percent",
    "db_replication_lag_seconds",
    "db_slow_queries_per_minute",
    "db_deadlocks_per_minute",
    "redis_memory_percent",
    "redis_evicted_per_minute",
];

/// A database that did not answer: `db_up` 0.
pub fn record_down(metrics: &mut MetricStore, at: DateTime<Utc>, name: &str, kind: DatabaseKind) {
    metrics.record_series(
        "db_up",
        &[("database", name), ("kind", kind.label())],
        at,
        0.0,
    );
}

pub fn record(
    metrics: &mut MetricStore,
    at: DateTime<Utc>,
    name: &str,
    kind: DatabaseKind,
    slow_query_seconds: f64,
    snapshot: &DatabaseSnapshot,
) {
    let labels = [("database", name), ("kind", kind.label())];
    let mut put = |series: &str, value: Option<f64>| {
        if let Some(value) = value {
            metrics.record_series(series, &labels, at, value);
        }
    };
    put("db_up", Some(1.0));
    put("db_connections_percent", snapshot.connections_percent());
    match &snapshot.detail {
        DatabaseDetail::Postgres(pg) => {
            put(
                "db_long_queries",
                Some(pg.long_queries(slow_query_seconds) as f64),
            );
            put("db_blocked_sessions", Some(pg.blocked().count() as f64));
            put("db_cache_hit_percent", pg.cache_hit_percent);
            put("db_replication_lag_seconds", pg.replication_lag_seconds());
            put("db_slow_queries_per_minute", pg.slow_queries_per_minute);
            put("db_deadlocks_per_minute", pg.deadlocks_per_minute);
        }
        DatabaseDetail::Mysql(mysql) => {
            put(
                "db_long_queries",
                Some(mysql.long_queries(slow_query_seconds) as f64),
            );
            put("db_cache_hit_percent", mysql.buffer_pool_hit_percent);
            put(
                "db_replication_lag_seconds",
                mysql.replication_lag_seconds(),
            );
            put("db_slow_queries_per_minute", mysql.slow_queries_per_minute);
        }
        DatabaseDetail::Redis(redis) => {
            put("db_cache_hit_percent", redis.keyspace_hit_percent);
            put("redis_memory_percent", redis.memory_percent());
            put("redis_evicted_per_minute", redis.evicted_per_minute);
        }
    }
}
