//! `watchdeck check`: collect once from every source the console would watch, judge it through the
//! same `update` the console uses, and print the findings for cron jobs and scripts. Exit status
//! follows the monitoring-plugin convention: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.

use crate::collect::alertmanager::AlertmanagerSource;
use crate::collect::database::DatabaseSource;
use crate::words::count;
use std::time::Duration;

use std::collections::BTreeMap;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;

use crate::alerts::engine::RuleSet;
use crate::alerts::rule::{Priority, Rule};
use crate::collect::docker::DockerSource;
use crate::collect::endpoints::poll_all_once;
use crate::collect::system::SystemSource;
use crate::collect::{CollectError, Collector};
use crate::config::{Config, DockerConfig};
use crate::findings::{Finding, Severity, worst};
use crate::model::databases::DatabaseDetail;
use crate::model::source::{SourceFailure, SourceReport};
use crate::msg::{Msg, SourceUpdate};
use crate::state::source::SourceStatus;
use crate::state::{AppState, Mode, SYSTEM_SOURCE};
use crate::tabs::endpoints::state::EndpointStatus;
use crate::update::update;

/// How long one engine may take to answer its first poll, which inspects every container.
const ENGINE_BUDGET: Duration = Duration::from_secs(30);

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SourceSummary {
    pub name: String,
    pub ok: bool,
    pub summary: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CheckReport {
    pub host: String,
    pub time: String,
    pub status: Severity,
    pub findings: Vec<Finding>,
    /// Every firing alert in full.
    pub alerts: Vec<AlertSummary>,
    pub sources: Vec<SourceSummary>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AlertSummary {
    pub rule: String,
    /// The Alertmanager an alert of the fleet comes from; none for the console's own.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alertmanager: Option<String>,
    pub priority: Priority,
    pub severity: Severity,
    pub labels: BTreeMap<String, String>,
    /// What the rule compared; Alertmanager's alerts have none.
    pub value: Option<f64>,
    pub summary: String,
    pub runbook: Option<String>,
}

/// Polls the local host (twice: CPU and network rates are deltas) and every engine at once, and
/// folds the reports into a fresh state with `update`, so the findings are the console's own.
pub async fn collect(config: &Config, engines: &[DockerConfig], host: String) -> AppState {
    let mut state = one_look_state(config, engines, host, Utc::now());
    let engine_polls: Vec<_> = engines
        .iter()
        .map(|engine| {
            let mut source = DockerSource::new(&engine.name, &engine.host);
            let name = engine.name.clone();
            tokio::spawn(async move {
                let result = bounded(ENGINE_BUDGET, source.poll()).await;
                (name, report(result))
            })
        })
        .collect();
    let database_polls: Vec<_> = config
        .database
        .iter()
        .map(|database| {
            let mut source = DatabaseSource::new(database);
            let (name, budget) = (database.name.clone(), database.timeout());
            tokio::spawn(async move {
                let result = bounded(budget, source.poll()).await;
                (name, report(result))
            })
        })
        .collect();
    let alertmanager_polls: Vec<_> = config
        .alertmanager
        .iter()
        .map(|alertmanager| {
            let mut source = AlertmanagerSource::new(alertmanager);
            let (name, budget) = (alertmanager.name.clone(), alertmanager.timeout() * 2);
            tokio::spawn(async move {
                let result = bounded(budget, source.poll()).await;
                (name, report(result))
            })
        })
        .collect();
    let endpoints = config.endpoint.clone();
    let endpoint_polls = tokio::spawn(async move { poll_all_once(&endpoints).await });
    let mut system = SystemSource::new(&config.resources.ignore_mounts);
    let system_report = match system.poll().await {
        Ok(_) => {
            tokio::time::sleep(
                sysinfo::MINIMUM_CPU_UPDATE_INTERVAL.max(Duration::from_millis(250)),
            )
            .await;
            report(system.poll().await)
        }
        Err(error) => report(Err(error)),
    };
    let now = Utc::now();
    update(
        &mut state,
        Msg::Source(SourceUpdate::System(system_report)),
        now,
    );
    for poll in engine_polls {
        let (engine, report) = match poll.await {
            Ok(done) => done,
            Err(error) => {
                tracing::error!(%error, "engine poll task failed");
                continue;
            }
        };
        update(
            &mut state,
            Msg::Source(SourceUpdate::Docker { engine, report }),
            now,
        );
    }
    if !config.endpoint.is_empty() {
        match endpoint_polls.await {
            Ok(batch) => {
                let report = self::report(Ok(batch));
                update(
                    &mut state,
                    Msg::Source(SourceUpdate::Endpoints(report)),
                    now,
                );
            }
            Err(error) => tracing::error!(%error, "endpoint poll task failed"),
        }
    }
    for poll in database_polls {
        let (database, report) = match poll.await {
            Ok(done) => done,
            Err(error) => {
                tracing::error!(%error, "database poll task failed");
                continue;
            }
        };
        update(
            &mut state,
            Msg::Source(SourceUpdate::Database { database, report }),
            now,
        );
    }
    for poll in alertmanager_polls {
        let (name, report) = match poll.await {
            Ok(done) => done,
            Err(error) => {
                tracing::error!(%error, "alertmanager poll task failed");
                continue;
            }
        };
        update(
            &mut state,
            Msg::Source(SourceUpdate::Alertmanager { name, report }),
            now,
        );
    }
    state
}

/// The state `check` folds its one poll into: read-only, and every rule fires on what holds now,
/// whatever its `for`; the summary of a rule with a `for` says that it was seen once, since the
/// duration was not observed.
pub fn one_look_state(
    config: &Config,
    engines: &[DockerConfig],
    host: String,
    now: DateTime<Utc>,
) -> AppState {
    let mut state = AppState::new(config, engines, Mode::ReadOnly, host, now);
    let rules = state.alerts.rules.iter().map(|rule| Rule {
        hold: Duration::ZERO,
        summary: if rule.hold.is_zero() {
            rule.summary.clone()
        } else {
            format!(
                "{} (seen in one sample; the console fires it after {})",
                rule.summary,
                humantime::format_duration(rule.hold)
            )
        },
        ..rule.clone()
    });
    state.alerts.rules = RuleSet::new(rules.collect());
    state
}

async fn bounded<T>(
    budget: Duration,
    poll: impl Future<Output = Result<T, CollectError>>,
) -> Result<T, CollectError> {
    tokio::time::timeout(budget, poll)
        .await
        .unwrap_or_else(|_| {
            Err(CollectError::new(format!(
                "no answer within {}",
                humantime::format_duration(budget)
            )))
        })
}

fn report<T>(result: Result<T, CollectError>) -> SourceReport<T> {
    let at = Utc::now();
    SourceReport {
        at,
        result: result.map_err(|error| SourceFailure {
            error: error.message,
            retry_at: at,
        }),
    }
}

/// Judges what was collected; pure, so the report is tested on fixture data.
pub fn build_report(at: DateTime<Utc>, state: &AppState) -> CheckReport {
    let sources = state
        .sources
        .iter()
        .map(|source| {
            let (ok, summary) = match &source.status {
                SourceStatus::Down { error, .. } => (false, format!("down: {error}")),
                SourceStatus::Connecting => (false, "no answer".to_string()),
                SourceStatus::Stale { .. } => (false, "stale: no recent answer".to_string()),
                SourceStatus::Ok { .. } if source.name == SYSTEM_SOURCE => {
                    (true, system_summary(state))
                }
                SourceStatus::Ok { .. } if source.tab == crate::tab::Tab::Endpoints => {
                    (true, endpoints_summary(state))
                }
                SourceStatus::Ok { .. } if source.tab == crate::tab::Tab::Alerts => {
                    (true, alertmanager_summary(state, &source.name))
                }
                SourceStatus::Ok { .. } if source.tab == crate::tab::Tab::Databases => {
                    (true, database_summary(state, &source.name))
                }
                SourceStatus::Ok { .. } => (true, engine_summary(state, &source.name)),
            };
            SourceSummary {
                name: source.name.clone(),
                ok,
                summary,
            }
        })
        .collect();
    CheckReport {
        host: state.host.clone(),
        time: at.to_rfc3339_opts(SecondsFormat::Secs, true),
        status: worst(&state.findings),
        findings: state.findings.clone(),
        alerts: state
            .alerts
            .firing()
            .map(|alert| AlertSummary {
                rule: alert.key.rule.clone(),
                alertmanager: alert.key.alertmanager.clone(),
                priority: alert.priority,
                severity: alert.priority.severity(),
                labels: alert.key.labels.iter().cloned().collect(),
                value: alert.key.alertmanager.is_none().then_some(alert.value),
                summary: alert.summary.clone(),
                runbook: alert.runbook.clone(),
            })
            .collect(),
        sources,
    }
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
            e.alert.key.alertmanager.as_ref().is_some_and(|name| {
                crate::model::source::SourceId::alertmanager(name).name == source
            })
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
        .find(|d| crate::model::source::SourceId::database(&d.name).name == source)
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
        .find(|e| crate::state::docker_source(&e.name) == source)
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
    let status = match report.status {
        Severity::Ok => "ok",
        Severity::Warning => "warning",
        Severity::Critical => "critical",
    };
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures;

    /// What `collect` would hold after one fixture sample of the local host and, optionally, an
    /// engine that failed.
    fn state(engines: &[DockerConfig], engine_error: Option<&str>) -> AppState {
        let at = fixtures::now();
        let mut state = one_look_state(&Config::default(), engines, "db-01".into(), at);
        let system = SourceReport {
            at,
            result: Ok(fixtures::resources_snapshot()),
        };
        update(&mut state, Msg::Source(SourceUpdate::System(system)), at);
        for engine in engines {
            let result = match engine_error {
                Some(error) => Err(SourceFailure {
                    error: error.into(),
                    retry_at: at,
                }),
                None => Ok(fixtures::engine_snapshot(0)),
            };
            let report = SourceReport { at, result };
            let engine = engine.name.clone();
            update(
                &mut state,
                Msg::Source(SourceUpdate::Docker { engine, report }),
                at,
            );
        }
        state
    }

    fn report() -> CheckReport {
        build_report(fixtures::now(), &state(&[], None))
    }

    #[test]
    fn text_lists_findings_worst_first_then_sources_and_status() {
        let text = render_text(&report());
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "watchdeck check · db-01 · 2026-11-22T09:30:00Z");
        // The disk's rule has `for = "1m"`: one look fires it all the same, and says so.
        assert_eq!(
            lines[1],
            "✖ CRIT  system   P1 DiskSpaceLow: disk /var/lib/postgresql 93.8% full (seen in one \
             sample; the console fires it after 1m)",
            "{text}"
        );
        // Memory at 89% is under the HighMemoryUsage rule's 90%: no finding, no coloured gauge.
        assert!(lines[2].starts_with("✔ OK    system   cpu "), "{text}");
        assert_eq!(
            lines.last().copied(),
            Some("status: critical (1 critical, 0 warning)")
        );
        assert_eq!(report().status.exit_code(), 2);
    }

    #[test]
    fn json_is_machine_readable() {
        let value: serde_json::Value =
            serde_json::from_str(&render_json(&report())).unwrap_or_default();
        assert_eq!(value["status"], "critical");
        assert_eq!(value["findings"][0]["severity"], "critical");
        assert_eq!(
            value["findings"][0]["subject"],
            "DiskSpaceLow /var/lib/postgresql"
        );
        let alert = &value["alerts"][0];
        assert_eq!(alert["rule"], "DiskSpaceLow");
        assert_eq!(alert["priority"], "P1");
        assert_eq!(alert["severity"], "critical");
        assert_eq!(alert["labels"]["mount"], "/var/lib/postgresql");
        // The labels are whole; the subject leaves out the host while it is the only one.
        assert_eq!(alert["labels"]["host"], "db-01");
        assert_eq!(alert["value"], 93.75);
        assert_eq!(
            alert["summary"],
            "disk /var/lib/postgresql 93.8% full (seen in one sample; the console fires it after 1m)"
        );
        assert_eq!(alert["runbook"], "disk-full");
        assert_eq!(value["sources"][0]["name"], "system");
    }

    #[test]
    fn containers_are_judged_as_the_console_judges_them() {
        let engines = &fixtures::docker_engines()[..1];
        let report = build_report(fixtures::now(), &state(engines, None));
        let containers: Vec<&str> = report
            .findings
            .iter()
            .filter(|f| f.source == "docker:local")
            .map(|f| f.message.as_str())
            .collect();
        assert_eq!(
            containers,
            [
                "P1 ContainerUnhealthy: container shop-api-1 on local is unhealthy",
                "P2 ContainerExited: container migrate on local exited with code 1"
            ]
        );
        assert_eq!(report.sources[1].name, "docker:local");
        assert!(report.sources[1].ok);
        assert!(
            report.sources[1]
                .summary
                .starts_with("Docker 20.10.24 at unix:///var/run/docker.sock, "),
            "{:?}",
            report.sources[1]
        );
    }

    #[test]
    fn each_database_kind_has_a_one_line_summary() {
        use crate::model::databases::{
            DatabaseSnapshot, MysqlDetail, MysqlReplica, PostgresDetail, RedisDetail, Replica,
            Session, SessionState,
        };
        let config = Config::parse(
            "c.toml",
            "[[database]]\nname = \"main\"\nkind = \"postgres\"\nurl = \"postgres://w@db/app\"\n\
             [[database]]\nname = \"shop\"\nkind = \"mysql\"\nurl = \"mysql://w@db/shop\"\n\
             [[database]]\nname = \"cache\"\nkind = \"redis\"\nurl = \"redis://cache\"\n",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let at = fixtures::now();
        let mut state = one_look_state(&config, &[], "db-01".into(), at);
        let session = |pid, seconds, blocked_by: Vec<i32>| Session {
            pid,
            user: "app".into(),
            database: "app".into(),
            application: "api".into(),
            client: "10.0.0.7".into(),
            state: SessionState::Active,
            wait_event: None,
            query: "select 1".into(),
            query_seconds: seconds,
            state_seconds: seconds,
            blocked_by,
        };
        let snapshot = |version: &str, connections, detail| DatabaseSnapshot {
            version: version.into(),
            uptime_seconds: 3600,
            connections,
            max_connections: 100,
            detail,
        };
        let reports = [
            (
                "main",
                snapshot(
                    "16.4",
                    12,
                    DatabaseDetail::Postgres(PostgresDetail {
                        sessions: vec![session(1, 30.0, vec![]), session(2, 0.5, vec![1])],
                        replicas: vec![Replica {
                            name: "standby".into(),
                            client: "10.0.0.8".into(),
                            state: "streaming".into(),
                            lag_bytes: 4096.0,
                            lag_seconds: Some(7.4),
                        }],
                        ..PostgresDetail::default()
                    }),
                ),
            ),
            (
                "shop",
                snapshot(
                    "10.11.19",
                    3,
                    DatabaseDetail::Mysql(MysqlDetail {
                        flavor: "MariaDB".into(),
                        replica: Some(MysqlReplica::default()),
                        ..MysqlDetail::default()
                    }),
                ),
            ),
            (
                "cache",
                snapshot(
                    "7.2.4",
                    40,
                    DatabaseDetail::Redis(RedisDetail {
                        role: "master".into(),
                        used_memory: 96.0 * 1024.0 * 1024.0,
                        maxmemory: 128.0 * 1024.0 * 1024.0,
                        ..RedisDetail::default()
                    }),
                ),
            ),
        ];
        for (database, snapshot) in reports {
            let report = SourceReport {
                at,
                result: Ok(snapshot),
            };
            let database = database.to_string();
            update(
                &mut state,
                Msg::Source(SourceUpdate::Database { database, report }),
                at,
            );
        }
        let report = build_report(at, &state);
        let summary = |name: &str| {
            report
                .sources
                .iter()
                .find(|s| s.name == name)
                .map(|s| s.summary.as_str())
        };
        assert_eq!(
            summary("db:main"),
            Some(
                "postgres 16.4 · 12/100 connections · 1 long query · 1 blocked · \
                 replication lag 7s"
            )
        );
        assert_eq!(
            summary("db:shop"),
            Some("MariaDB 10.11.19 · 3/100 connections · 0 long queries · replica stopped")
        );
        assert_eq!(
            summary("db:cache"),
            Some("redis 7.2.4 master · 40/100 clients · memory 75% of 128 MiB")
        );
    }

    #[test]
    fn an_engine_that_cannot_be_read_is_critical_and_says_why() {
        let engines = &fixtures::docker_engines()[..1];
        let report = build_report(
            fixtures::now(),
            &state(engines, Some("cannot reach Docker at unix:///x: refused")),
        );
        assert_eq!(report.status, Severity::Critical);
        let text = render_text(&report);
        assert!(
            text.contains("✖ CRIT  docker:local P1 SourceDown: source docker:local cannot be read"),
            "{text}"
        );
        assert!(
            text.contains("✖ CRIT  docker:local down: cannot reach Docker"),
            "{text}"
        );
    }
}
