//! One line per source that answered, chosen by its kind: what an operator reading `check`
//! wants to know of it first.

use crate::model::databases::DatabaseDetail;
use crate::model::source::{SourceId, SourceKind};
use crate::state::AppState;
use crate::state::endpoints::EndpointStatus;
use crate::state::source::SourceHealth;
use crate::words::count;

/// The summary of a source that answered.
pub(super) fn of(state: &AppState, source: &SourceHealth) -> String {
    match source.kind {
        SourceKind::System => system_summary(state),
        SourceKind::Docker => engine_summary(state, &source.name),
        SourceKind::Database => database_summary(state, &source.name),
        SourceKind::Endpoints => endpoints_summary(state),
        SourceKind::Alertmanager => alertmanager_summary(state, &source.name),
        SourceKind::Prometheus => prometheus_summary(state, &source.name),
    }
}

/// Every remote host, by name.
pub(super) fn hosts(state: &AppState) -> Vec<super::HostSummary> {
    let mut hosts: Vec<super::HostSummary> = state
        .fleet
        .hosts()
        .map(|(source, host)| super::HostSummary {
            name: host.host.to_string(),
            instance: host.instance.clone(),
            source: SourceId::prometheus(source).name,
            up: host.up,
            cpu_percent: host.cpu_percent,
            memory_percent: host.memory.map(|m| m.percent()),
            disk_percent: host.fullest_disk_percent(),
            load_per_core: host.load_per_core(),
        })
        .collect();
    hosts.sort_by(|a, b| a.name.cmp(&b.name));
    hosts
}

/// Its hosts (how many are down), imported series, its own alerts, and what it did not answer.
fn prometheus_summary(state: &AppState, source: &str) -> String {
    let Some((name, view)) = state
        .fleet
        .prometheus
        .iter()
        .find(|(name, _)| SourceId::prometheus(name).name == source)
    else {
        return "no answer".into();
    };
    let down = view.hosts.iter().filter(|h| h.up == Some(false)).count();
    let alerts = state
        .alerts
        .external
        .keys()
        .filter(|k| k.prometheus() == Some(name.as_str()))
        .count();
    let mut line = format!(
        "{}, {down} down, {} imported series, {}",
        count(view.hosts.len(), "host"),
        view.imported.len(),
        count(alerts, "alert")
    );
    if !view.missing.is_empty() {
        line.push_str(&format!("; missing {}", view.missing.join("; ")));
    }
    line
}

fn system_summary(state: &AppState) -> String {
    let Some(system) = &state.resources.local().latest else {
        return "no sample".into();
    };
    format!(
        "cpu {:.0}%, load {:.2}, memory {:.0}%, swap {:.0}%, {} disks, {} processes",
        system.cpu_percent,
        system.load[0],
        system.memory.percent(),
        system.swap.percent(),
        system.disks.len(),
        system.processes.len()
    )
}

fn endpoints_summary(state: &AppState) -> String {
    let all = &state.endpoints.endpoints;
    let down = all
        .iter()
        .filter(|e| matches!(e.status, EndpointStatus::Down(_)))
        .count();
    format!(
        "{}, {} up, {down} down",
        count(all.len(), "endpoint"),
        all.len() - down
    )
}

fn alertmanager_summary(state: &AppState, source: &str) -> String {
    let listed: Vec<_> = state
        .alerts
        .external
        .values()
        .filter(|e| {
            e.alert
                .key
                .alertmanager()
                .is_some_and(|name| SourceId::alertmanager(name).name == source)
        })
        .collect();
    let held_back = listed
        .iter()
        .filter(|e| state.alerts.held_back(&e.alert.key))
        .count();
    format!(
        "{}, {held_back} silenced or inhibited",
        count(listed.len(), "alert")
    )
}

/// The database's kind and version, its connections of the limit, and what its kind watches
/// first: `postgres 16.4 · 12/100 connections · 2 long queries`.
fn database_summary(state: &AppState, source: &str) -> String {
    let Some(database) = state
        .databases
        .databases
        .iter()
        .find(|d| SourceId::database(&d.name).name == source)
    else {
        return String::new();
    };
    let Some(snapshot) = &database.latest else {
        return "no sample".into();
    };
    let connections = |noun: &str| match snapshot.max_connections {
        0 => format!("{} {noun}", snapshot.connections),
        max => format!("{}/{max} {noun}", snapshot.connections),
    };
    let lag = |seconds: Option<f64>| seconds.map(|s| format!("replication lag {s:.0}s"));
    let slow = database.slow_query_seconds;
    let parts: Vec<String> = match &snapshot.detail {
        DatabaseDetail::Postgres(pg) => {
            let blocked = pg.blocked().count();
            [
                Some(format!("postgres {}", snapshot.version)),
                Some(connections("connections")),
                Some(long_queries(pg.long_queries(slow))),
                (blocked > 0).then(|| format!("{blocked} blocked")),
                lag(pg.replication_lag_seconds()),
            ]
            .into_iter()
            .flatten()
            .collect()
        }
        DatabaseDetail::Mysql(mysql) => [
            Some(format!("{} {}", mysql.flavor, snapshot.version)),
            Some(connections("connections")),
            Some(long_queries(mysql.long_queries(slow))),
            match &mysql.replica {
                Some(replica) if replica.lag_seconds.is_none() => Some("replica stopped".into()),
                _ => lag(mysql.replication_lag_seconds()),
            },
        ]
        .into_iter()
        .flatten()
        .collect(),
        DatabaseDetail::Redis(redis) => [
            Some(format!("redis {} {}", snapshot.version, redis.role)),
            Some(connections("clients")),
            Some(match redis.memory_percent() {
                Some(percent) => format!(
                    "memory {percent:.0}% of {}",
                    crate::ui::format::bytes(redis.maxmemory)
                ),
                None => format!(
                    "memory {} (no maxmemory)",
                    crate::ui::format::bytes(redis.used_memory)
                ),
            }),
            // A rate needs two polls: `check` makes one.
            redis
                .evicted_per_minute
                .map(|evicted| format!("{evicted:.0} evicted/min")),
        ]
        .into_iter()
        .flatten()
        .collect(),
    };
    parts.join(" · ")
}

fn long_queries(count: usize) -> String {
    match count {
        1 => "1 long query".into(),
        _ => format!("{count} long queries"),
    }
}

fn engine_summary(state: &AppState, source: &str) -> String {
    let Some(engine) = state
        .containers
        .engines
        .iter()
        .find(|e| SourceId::docker(&e.name).name == source)
    else {
        return String::new();
    };
    let running = engine
        .containers
        .iter()
        .filter(|c| c.state.is_running())
        .count();
    format!(
        "Docker {} at {}, {}, {running} running",
        engine.version.as_deref().unwrap_or("?"),
        engine.host,
        count(engine.containers.len(), "container")
    )
}
