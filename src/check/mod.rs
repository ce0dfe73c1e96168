//! `watchdeck check`: collect once from every source the console would watch, judge it through the
//! same `update` the console uses, and print the findings for cron jobs and scripts. Exit status
//! follows the monitoring-plugin convention: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.

mod figures;
mod openmetrics;
mod plugin;
mod render;
mod summary;

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;

use crate::alerts::engine::RuleSet;
use crate::alerts::rule::{Priority, Rule};
use crate::command::Mode;
use crate::config::Config;
use crate::findings::{Finding, Severity, worst};
use crate::msg::Msg;
use crate::sources::SourceRegistry;
use crate::state::AppState;
use crate::state::source::SourceStatus;
use crate::update::update;

pub use figures::{Figure, Threshold, Unit};
pub use openmetrics::render_openmetrics;
pub use plugin::render_plugin;
pub use render::{render_json, render_text};

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
    /// The key figures, as a monitoring plugin's performance data carries them.
    pub figures: Vec<Figure>,
    /// Every host a Prometheus reports, by name; none without one.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub hosts: Vec<HostSummary>,
}

/// A remote host as its Prometheus last reported it; a measure it did not answer is `None`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HostSummary {
    pub name: String,
    pub instance: String,
    /// The source that reports it (`prom:fleet`).
    pub source: String,
    pub up: Option<bool>,
    pub cpu_percent: Option<f64>,
    pub memory_percent: Option<f64>,
    /// The fullest disk's.
    pub disk_percent: Option<f64>,
    pub load_per_core: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AlertSummary {
    pub rule: String,
    /// The Alertmanager an alert of the fleet comes from; none for the console's own.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alertmanager: Option<String>,
    /// The Prometheus whose own rules fire it; none for any other.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prometheus: Option<String>,
    pub priority: Priority,
    pub severity: Severity,
    pub labels: BTreeMap<String, String>,
    /// What the rule compared; Alertmanager's alerts have none.
    pub value: Option<f64>,
    pub summary: String,
    pub runbook: Option<String>,
}

/// Polls every source of the registry once, all at the same time, and folds the reports into a
/// fresh state with `update`, so the findings are the console's own.
pub async fn collect(config: &Config, sources: &SourceRegistry, host: String) -> AppState {
    let mut state = one_look_state(config, sources, host, Utc::now());
    let polls: Vec<_> = sources
        .iter()
        .map(|source| tokio::spawn(source.clone().poll_once()))
        .collect();
    let mut reports = Vec::with_capacity(polls.len());
    for poll in polls {
        match poll.await {
            Ok(report) => reports.push(report),
            Err(error) => tracing::error!(%error, "source poll task failed"),
        }
    }
    let now = Utc::now();
    for report in reports {
        update(&mut state, Msg::Source(report), now);
    }
    state
}

/// The state `check` folds its one poll into: read-only, and every rule fires on what holds now,
/// whatever its `for`; the summary of a rule with a `for` says that it was seen once, since the
/// duration was not observed.
pub fn one_look_state(
    config: &Config,
    sources: &SourceRegistry,
    host: String,
    now: DateTime<Utc>,
) -> AppState {
    let mut state = AppState::with_sources(config, sources, Mode::ReadOnly, host, now);
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
                SourceStatus::Ok { .. } => (true, summary::of(state, source)),
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
                alertmanager: alert.key.alertmanager().map(str::to_string),
                prometheus: alert.key.prometheus().map(str::to_string),
                priority: alert.priority,
                severity: alert.priority.severity(),
                labels: alert.key.labels.iter().cloned().collect(),
                value: alert.key.is_own().then_some(alert.value),
                summary: alert.summary.clone(),
                runbook: alert.runbook.clone(),
            })
            .collect(),
        sources,
        figures: figures::figures(state),
        hosts: summary::hosts(state),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::DockerConfig;
    use crate::fixtures;
    use crate::model::databases::DatabaseDetail;
    use crate::model::source::{SourceFailure, SourceReport};
    use crate::msg::SourceUpdate;

    /// What `collect` would hold after one fixture sample of the local host and, optionally, an
    /// engine that failed.
    fn state(engines: &[DockerConfig], engine_error: Option<&str>) -> AppState {
        let at = fixtures::now();
        let config = Config::default();
        let sources = SourceRegistry::from_config(&config, engines);
        let mut state = one_look_state(&config, &sources, "db-01".into(), at);
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
    fn figures_carry_the_thresholds_of_the_rules_that_judge_them() {
        let report = report();
        let figure = |label: &str| {
            report
                .figures
                .iter()
                .find(|f| f.label == label)
                .unwrap_or_else(|| panic!("no {label:?} in {:#?}", report.figures))
        };
        let above = |value| {
            Some(Threshold {
                value,
                below: false,
            })
        };
        let cpu = figure("cpu");
        assert_eq!((cpu.warn, cpu.crit), (above(85.0), above(95.0)));
        assert_eq!(
            (cpu.unit, cpu.min, cpu.max),
            (Unit::Percent, Some(0.0), Some(100.0))
        );
        // DiskSpaceLow is P1: a critical threshold, no warning one.
        let disk = figure("disk /var/lib/postgresql");
        assert_eq!(
            (disk.value, disk.warn, disk.crit),
            (93.75, None, above(90.0))
        );
        let source = figure("source system");
        assert_eq!(source.value, 1.0);
        assert_eq!(
            source.crit,
            Some(Threshold {
                value: 1.0,
                below: true
            })
        );
        let first = render_plugin(&report);
        assert!(
            first.starts_with(
                "WATCHDECK CRITICAL - 1 firing: DiskSpaceLow /var/lib/postgresql\n\
                 P1 DiskSpaceLow: disk /var/lib/postgresql 93.8% full"
            ),
            "{first}"
        );
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
        let sources = SourceRegistry::from_config(&config, &[]);
        let mut state = one_look_state(&config, &sources, "db-01".into(), at);
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
    fn a_source_is_summed_up_by_its_kind_whatever_tabs_it_feeds() {
        use crate::model::source::SourceId;
        use crate::state::source::SourceHealth;
        use crate::tab::Tab;
        let at = fixtures::now();
        let mut state = state(&[], None);
        // Led to Resources first: summed up by its tab, it was taken for a Docker engine.
        let mut fleet = SourceHealth::new(
            SourceId::alertmanager("fleet"),
            Tab::Resources,
            &[Tab::Alerts],
            Duration::from_secs(15),
        );
        fleet.apply_ok(at);
        assert!(state.add_source(fleet));
        let report = build_report(at, &state);
        let fleet = report.sources.iter().find(|s| s.name == "am:fleet");
        assert_eq!(
            fleet.map(|s| s.summary.as_str()),
            Some("0 alerts, 0 silenced or inhibited"),
            "{report:?}"
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
