//! Fixed, realistic data for tests, snapshots and benchmarks: a busy database host with a
//! nearly full data disk. Deterministic: the same data on every machine.

use chrono::{DateTime, TimeZone, Utc};

use std::collections::BTreeMap;

use crate::alerts::engine::Origin;
use crate::command::Mode;
use crate::config::{Config, DockerConfig};
use crate::model::containers::{
    ContainerInfo, ContainerState, ContainerStats, EngineSnapshot, Health, HealthCheck, LogLine,
    LogStream,
};
use crate::model::resources::{DiskUsage, NetRate, ProcessRow, ResourcesSnapshot, Usage};
use crate::model::source::SourceReport;
use crate::msg::{Msg, SourceUpdate};
use crate::state::AppState;
use crate::update::update;

const GIB: u64 = 1024 * 1024 * 1024;

/// The fixed "now" of fixtures: 2026-11-22 09:30:00 UTC.
pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 22, 9, 30, 0)
        .single()
        .unwrap_or_default()
}

fn process(
    pid: u32,
    name: &str,
    user: &str,
    cpu: f32,
    memory_mib: u64,
    command: &str,
) -> ProcessRow {
    ProcessRow {
        pid,
        name: name.into(),
        user: user.into(),
        cpu_percent: cpu,
        memory_bytes: memory_mib * 1024 * 1024,
        command: command.into(),
    }
}

/// One sample of the fixture host, `seconds_ago` before [`now`], with gently varying load.
pub fn resources_snapshot_at(seconds_ago: i64) -> ResourcesSnapshot {
    let t = seconds_ago as f64;
    let wave = |period: f64, phase: f64| ((t / period + phase).sin() + 1.0) / 2.0;
    let cores: Vec<f64> = (0..4)
        .map(|c| 20.0 + 60.0 * wave(37.0 + c as f64 * 11.0, c as f64))
        .collect();
    ResourcesSnapshot {
        at: now() - chrono::Duration::seconds(seconds_ago),
        cpu_percent: cores.iter().sum::<f64>() / cores.len() as f64,
        cores,
        load: [2.31, 1.87, 1.52],
        memory: Usage {
            used: (7.1 * GIB as f64) as u64,
            total: 8 * GIB,
        },
        swap: Usage {
            used: 0,
            total: 2 * GIB,
        },
        disks: vec![
            DiskUsage {
                mount: "/".into(),
                device: "/dev/vda1".into(),
                file_system: "ext4".into(),
                space: Usage {
                    used: 25 * GIB,
                    total: 40 * GIB,
                },
            },
            DiskUsage {
                mount: "/boot".into(),
                device: "/dev/vda2".into(),
                file_system: "ext4".into(),
                space: Usage {
                    used: GIB / 5,
                    total: GIB,
                },
            },
            DiskUsage {
                mount: "/var/lib/postgresql".into(),
                device: "/dev/vdb1".into(),
                file_system: "xfs".into(),
                space: Usage {
                    used: 150 * GIB,
                    total: 160 * GIB,
                },
            },
        ],
        networks: vec![
            NetRate {
                iface: "eth0".into(),
                rx_bytes_per_second: 1_250_000.0 * wave(23.0, 0.0),
                tx_bytes_per_second: 310_000.0 * wave(29.0, 1.0),
            },
            NetRate {
                iface: "lo".into(),
                rx_bytes_per_second: 52_000.0,
                tx_bytes_per_second: 52_000.0,
            },
        ],
        processes: vec![
            process(1, "systemd", "root", 0.0, 12, "/sbin/init"),
            process(
                412,
                "sshd",
                "root",
                0.0,
                8,
                "sshd: /usr/sbin/sshd -D [listener] 0 of 10-100 startups",
            ),
            process(
                733,
                "nginx",
                "root",
                0.3,
                14,
                "nginx: master process /usr/sbin/nginx -g daemon on;",
            ),
            process(734, "nginx", "www-data", 4.2, 22, "nginx: worker process"),
            process(735, "nginx", "www-data", 3.9, 22, "nginx: worker process"),
            process(
                901,
                "postgres",
                "postgres",
                1.1,
                210,
                "/usr/lib/postgresql/15/bin/postgres -D /var/lib/postgresql/15/main",
            ),
            process(
                955,
                "postgres",
                "postgres",
                92.4,
                1480,
                "postgres: 15/main: app orders 10.0.0.12(51234) SELECT",
            ),
            process(
                956,
                "postgres",
                "postgres",
                38.0,
                960,
                "postgres: 15/main: app orders 10.0.0.12(51240) UPDATE",
            ),
            process(
                957,
                "postgres",
                "postgres",
                2.5,
                180,
                "postgres: 15/main: autovacuum launcher",
            ),
            process(
                1204,
                "redis-server",
                "redis",
                6.8,
                512,
                "/usr/bin/redis-server 127.0.0.1:6379",
            ),
            process(
                1388,
                "node_exporter",
                "prometheus",
                0.7,
                19,
                "/usr/bin/prometheus-node-exporter",
            ),
            process(
                2210,
                "java",
                "app",
                55.1,
                2300,
                "java -Xmx2g -jar /opt/billing/billing.jar --spring.profiles.active=prod",
            ),
            process(3120, "bash", "alice", 0.0, 5, "-bash"),
            process(3188, "watchdeck", "alice", 0.4, 9, "watchdeck --read-only"),
            process(4001, "cron", "root", 0.0, 3, "/usr/sbin/cron -f"),
            process(
                4410,
                "backup.sh",
                "root",
                12.0,
                40,
                "/bin/sh /usr/local/bin/backup.sh --target s3://backups/db",
            ),
        ],
        processes_sampled: true,
        uptime_seconds: 3 * 86400 + 4 * 3600 + 12 * 60,
    }
}

/// The newest sample of the fixture host.
pub fn resources_snapshot() -> ResourcesSnapshot {
    resources_snapshot_at(0)
}

/// An app state fed with ten minutes of fixture samples, as the console would hold them.
pub fn app_state(mode: Mode) -> AppState {
    app_state_with(&Config::default(), mode)
}

/// [`app_state`] under `config` (its rules, say).
pub fn app_state_with(config: &Config, mode: Mode) -> AppState {
    let mut state = AppState::new(
        config,
        &[],
        mode,
        "db-01".into(),
        now() - chrono::Duration::seconds(600),
    );
    feed_host_samples(&mut state);
    state
}

/// Ten minutes of the fixture host's samples, up to [`now`].
fn feed_host_samples(state: &mut AppState) {
    for seconds_ago in (0..600).rev() {
        let snapshot = resources_snapshot_at(seconds_ago);
        let report = SourceReport {
            at: snapshot.at,
            result: Ok(snapshot),
        };
        // The console receives each report as it is taken: rules with a `for` see time pass.
        let at = report.at;
        update(state, Msg::Source(SourceUpdate::System(report)), at);
    }
}

const MIB: u64 = 1024 * 1024;

fn container(
    name: &str,
    project: Option<&str>,
    state: ContainerState,
    health: Option<Health>,
    restarts: i64,
    stats: Option<(f64, u64, u64)>,
) -> ContainerInfo {
    let mut labels = BTreeMap::new();
    if let Some(project) = project {
        labels.insert(
            "com.docker.compose.project".to_string(),
            project.to_string(),
        );
        labels.insert(
            "com.docker.compose.service".to_string(),
            name.rsplit('-').nth(1).unwrap_or(name).to_string(),
        );
    }
    let started = now() - chrono::Duration::minutes(42 + name.len() as i64 * 7);
    ContainerInfo {
        id: format!(
            "{:0<64}",
            name.bytes()
                .map(|b| format!("{:02x}", b))
                .collect::<String>()
        ),
        name: name.into(),
        image: format!(
            "registry.example.com/{}:1.4.2",
            name.split('-').next().unwrap_or(name)
        ),
        state,
        health,
        created: Some(started - chrono::Duration::hours(30)),
        started_at: Some(started),
        finished_at: matches!(state, ContainerState::Exited { .. })
            .then(|| now() - chrono::Duration::minutes(5)),
        restart_count: restarts,
        labels,
        ports: if name.starts_with("shop-web") {
            vec!["0.0.0.0:8080->80/tcp".into(), "443/tcp".into()]
        } else {
            Vec::new()
        },
        mounts: vec![format!("/srv/{name} -> /data (rw)")],
        networks: vec!["shop_default".into()],
        command: format!("/entrypoint.sh {name} --port 80"),
        env: vec![
            (
                "DATABASE_URL".into(),
                "postgres://shop:hunter2@db:5432/shop".into(),
            ),
            ("LOG_LEVEL".into(), "info".into()),
        ],
        health_log: match health {
            Some(Health::Unhealthy) => vec![HealthCheck {
                at: Some(now() - chrono::Duration::seconds(3)),
                exit_code: 1,
                output: "curl: (7) Failed to connect to localhost port 8080".into(),
            }],
            Some(_) => vec![HealthCheck {
                at: Some(now() - chrono::Duration::seconds(3)),
                exit_code: 0,
                output: "ok".into(),
            }],
            None => Vec::new(),
        },
        stats: stats.map(|(cpu, used, limit)| ContainerStats {
            cpu_percent: cpu,
            memory_used: used * MIB,
            memory_limit: limit * MIB,
            net_rx_bytes: 12_400_000,
            net_tx_bytes: 3_100_000,
        }),
    }
}

/// The fixture engines: `local` with a Compose shop and a few loose containers, `edge` with one.
pub fn docker_engines() -> Vec<DockerConfig> {
    vec![
        DockerConfig {
            name: "local".into(),
            host: "unix:///var/run/docker.sock".into(),
            protected: vec!["shop-db-*".into()],
        },
        DockerConfig {
            name: "edge".into(),
            host: "tcp://127.0.0.1:2375".into(),
            protected: Vec::new(),
        },
    ]
}

/// What the `local` fixture engine reports, with `worker_restarts` restarts of the worker so far.
pub fn engine_snapshot(worker_restarts: i64) -> EngineSnapshot {
    EngineSnapshot {
        engine: "local".into(),
        version: "20.10.24".into(),
        containers: vec![
            container(
                "shop-web-1",
                Some("shop"),
                ContainerState::Running,
                Some(Health::Healthy),
                0,
                Some((12.5, 180, 512)),
            ),
            container(
                "shop-api-1",
                Some("shop"),
                ContainerState::Running,
                Some(Health::Unhealthy),
                2,
                Some((88.1, 410, 512)),
            ),
            container(
                "shop-worker-1",
                Some("shop"),
                ContainerState::Restarting,
                None,
                worker_restarts,
                None,
            ),
            container(
                "shop-db-1",
                Some("shop"),
                ContainerState::Running,
                Some(Health::Healthy),
                0,
                Some((4.2, 960, 0)),
            ),
            container(
                "nightly-backup",
                None,
                ContainerState::Exited { code: 0 },
                None,
                0,
                None,
            ),
            container(
                "migrate",
                None,
                ContainerState::Exited { code: 1 },
                None,
                0,
                None,
            ),
            container(
                "cache",
                None,
                ContainerState::Paused,
                None,
                0,
                Some((0.0, 64, 256)),
            ),
        ],
    }
}

pub fn edge_snapshot() -> EngineSnapshot {
    EngineSnapshot {
        engine: "edge".into(),
        version: "24.0.7".into(),
        containers: vec![container(
            "traefik",
            None,
            ContainerState::Running,
            Some(Health::Healthy),
            0,
            Some((1.1, 48, 0)),
        )],
    }
}

/// The fixture app state with both engines reporting for ten minutes; the worker restarted
/// three times in that window.
pub fn containers_app_state(mode: Mode) -> AppState {
    let mut state = AppState::new(
        &Config::default(),
        &docker_engines(),
        mode,
        "db-01".into(),
        now() - chrono::Duration::seconds(600),
    );
    for seconds_ago in (0..600).rev().step_by(10) {
        let at = now() - chrono::Duration::seconds(seconds_ago);
        let snapshot = resources_snapshot_at(seconds_ago);
        update(
            &mut state,
            Msg::Source(SourceUpdate::System(SourceReport {
                at,
                result: Ok(snapshot),
            })),
            at,
        );
        let restarts = 4 + (600 - seconds_ago) / 200;
        for snapshot in [engine_snapshot(restarts), edge_snapshot()] {
            let engine = snapshot.engine.clone();
            update(
                &mut state,
                Msg::Source(SourceUpdate::Docker {
                    engine,
                    report: SourceReport {
                        at,
                        result: Ok(snapshot),
                    },
                }),
                at,
            );
        }
    }
    update(
        &mut state,
        Msg::ClickTab(crate::tab::Tab::Containers),
        now(),
    );
    state
}

/// Log lines of a web server, stdout and stderr, with one very long line.
pub fn log_lines(count: usize) -> Vec<LogLine> {
    (0..count)
        .map(|i| {
            let at = now() - chrono::Duration::seconds((count - i) as i64);
            let (stream, text) = match i % 5 {
                0 => (LogStream::Stderr, format!("WARN upstream timed out after 3000ms (request {i})")),
                1 => (LogStream::Stdout, format!(r#"{{"level":"info","msg":"request done","status":200,"path":"/api/orders/{i}","ms":{}}}"#, 10 + i % 40)),
                _ => (LogStream::Stdout, format!("GET /api/orders/{i} 200 {}ms", 10 + i % 40)),
            };
            LogLine { stream, timestamp: Some(at), text }
        })
        .collect()
}

/// The fixture's endpoints: a shop API and its neighbours, one of each state.
pub fn endpoints_config() -> Config {
    let text = r#"
[[endpoint]]
name = "api"
url = "https://api.shop.example/health"
group = "shop"
json = { pointer = "/status", equals = "healthy" }

[[endpoint]]
name = "checkout"
url = "https://checkout.shop.example/health"
group = "shop"

[[endpoint]]
name = "search"
url = "http://search.shop.example:9200/_cluster/health"
group = "shop"

[[endpoint]]
name = "payments-legacy"
url = "https://payments.internal:8443/ping"
group = "billing"
insecure_tls = true

[[endpoint]]
name = "postgres"
url = "tcp://db-01:5432"

[[endpoint]]
name = "metrics"
url = "http://127.0.0.1:9100/metrics"
"#;
    toml::from_str(text).unwrap_or_default()
}

/// One poll of a fixture endpoint, `seconds_ago` before [`now`].
fn endpoint_poll(endpoint: &str, seconds_ago: i64) -> crate::model::endpoints::ProbeResult {
    use crate::model::endpoints::{CertInfo, ProbeFailure, ProbeResult};
    use std::time::Duration;
    let wave = ((seconds_ago as f64 / 70.0).sin() + 1.0) / 2.0;
    let ms = |base: f64, spread: f64| Duration::from_secs_f64((base + spread * wave) / 1000.0);
    let cert = |days: i64, subject: &str, issuer: &str| {
        Some(CertInfo {
            subject: format!("CN={subject}"),
            issuer: format!("CN={issuer}, O=Example"),
            not_after: now() + chrono::Duration::days(days) + chrono::Duration::hours(6),
        })
    };
    let (latency, status, failure, cert) = match endpoint {
        "api" => (
            ms(40.0, 80.0),
            Some(200),
            None,
            cert(45, "api.shop.example", "Example CA"),
        ),
        "checkout" if seconds_ago < 120 => (
            ms(20.0, 5.0),
            Some(503),
            Some(ProbeFailure::Status(503)),
            cert(61, "checkout.shop.example", "Example CA"),
        ),
        "checkout" => (
            ms(90.0, 40.0),
            Some(200),
            None,
            cert(61, "checkout.shop.example", "Example CA"),
        ),
        "search" => (ms(2300.0, 600.0), Some(200), None, None),
        "payments-legacy" => (
            ms(150.0, 30.0),
            Some(200),
            None,
            cert(2, "payments.internal", "payments self-signed"),
        ),
        "postgres" if seconds_ago < 40 => (
            Duration::from_micros(300),
            None,
            Some(ProbeFailure::Refused),
            None,
        ),
        "postgres" => (ms(1.0, 1.0), None, None, None),
        _ => (ms(8.0, 6.0), Some(200), None, None),
    };
    let (headers, body_head) = match endpoint {
        "api" => (
            vec![
                ("content-type".to_string(), "application/json".to_string()),
                ("set-cookie".to_string(), "(hidden)".to_string()),
                ("x-request-id".to_string(), "7f3c9a1e".to_string()),
            ],
            "{\"status\":\"healthy\",\"version\":\"4.2.1\"}\n".to_string(),
        ),
        "checkout" => (
            vec![("content-type".to_string(), "text/html".to_string())],
            "<html><body>503 Service Temporarily Unavailable</body></html>\n".to_string(),
        ),
        _ => (Vec::new(), String::new()),
    };
    ProbeResult {
        endpoint: endpoint.to_string(),
        started: now() - chrono::Duration::seconds(seconds_ago),
        lag: Duration::from_millis(2),
        latency,
        status,
        failure,
        headers,
        body_head,
        cert,
        // The certificate is read on new connections; `search` answers on a kept one.
        kept_connection: endpoint == "search",
    }
}

/// The console after ten minutes of polls of [`endpoints_config`], on the Endpoints tab.
pub fn endpoints_app_state(mode: Mode) -> AppState {
    use crate::model::endpoints::ProbeBatch;
    let config = endpoints_config();
    let start = now() - chrono::Duration::seconds(600);
    let mut state = AppState::new(&config, &[], mode, "db-01".into(), start);
    state.tab = crate::tab::Tab::Endpoints;
    let names: Vec<String> = config.endpoint.iter().map(|e| e.name.clone()).collect();
    for seconds_ago in (0..600).rev().step_by(10) {
        let at = now() - chrono::Duration::seconds(seconds_ago);
        let results = names
            .iter()
            .map(|name| endpoint_poll(name, seconds_ago))
            .collect();
        update(
            &mut state,
            Msg::Source(SourceUpdate::Endpoints(SourceReport {
                at,
                result: Ok(ProbeBatch { results }),
            })),
            at,
        );
    }
    state
}

/// `count` endpoints as `scripts/perf-endpoints.sh` configures them, every 10 s: of each five, two
/// HTTP with a JSON assertion, two HTTPS and one TCP, grouped by kind.
pub fn endpoint_fleet_config(count: usize) -> Config {
    let text: String = (1..=count)
        .map(|i| match i % 5 {
            0 => format!("[[endpoint]]\nname = \"tcp-{i}\"\nurl = \"tcp://127.0.0.1:8080\"\ngroup = \"tcp\"\n"),
            1 | 2 => format!(
                "[[endpoint]]\nname = \"http-{i}\"\nurl = \"http://127.0.0.1:8080/health\"\ngroup = \"http\"\njson = {{ pointer = \"/status\", equals = \"healthy\" }}\n"
            ),
            _ => format!("[[endpoint]]\nname = \"https-{i}\"\nurl = \"https://127.0.0.1:8443/health\"\ngroup = \"https\"\n"),
        })
        .collect();
    toml::from_str(&text).unwrap_or_default()
}

/// The polls of the fleet's endpoints whose turn is `second` (each polls once in ten seconds),
/// answered in a few milliseconds; HTTPS ones with their certificate.
pub fn endpoint_fleet_batch(config: &Config, second: i64) -> crate::model::endpoints::ProbeBatch {
    use crate::model::endpoints::{CertInfo, ProbeBatch, ProbeResult};
    use std::time::Duration;
    let at = now() - chrono::Duration::seconds(second);
    let results = config
        .endpoint
        .iter()
        .zip(0i64..)
        .filter(|(_, index)| index % 10 == second.rem_euclid(10))
        .map(|(endpoint, index)| ProbeResult {
            endpoint: endpoint.name.clone(),
            started: at,
            lag: Duration::from_millis(1),
            latency: Duration::from_micros(500 + ((index * 37 + second * 11) % 1500) as u64),
            status: (!endpoint.url.starts_with("tcp")).then_some(200),
            failure: None,
            headers: Vec::new(),
            body_head: String::new(),
            cert: endpoint.url.starts_with("https").then(|| CertInfo {
                subject: "CN=localhost".into(),
                issuer: "CN=perf CA".into(),
                not_after: now() + chrono::Duration::days(30),
            }),
            kept_connection: false,
        })
        .collect();
    ProbeBatch { results }
}

/// The console after ten minutes of polls of [`endpoint_fleet_config`]`(count)`, on the
/// Endpoints tab.
pub fn endpoint_fleet_app_state(count: usize) -> AppState {
    let config = endpoint_fleet_config(count);
    let start = now() - chrono::Duration::seconds(600);
    let mut state = AppState::new(&config, &[], Mode::Interactive, "db-01".into(), start);
    state.tab = crate::tab::Tab::Endpoints;
    for second in (0..600).rev() {
        let at = now() - chrono::Duration::seconds(second);
        let batch = endpoint_fleet_batch(&config, second);
        let report = SourceReport {
            at,
            result: Ok(batch),
        };
        update(&mut state, Msg::Source(SourceUpdate::Endpoints(report)), at);
    }
    state
}

/// Two Alertmanagers: `prod`, which answers, and `staging`, which stopped answering.
pub fn alertmanager_config() -> Config {
    let text = r#"
[[alertmanager]]
name = "prod"
url = "http://am.prod.example:9093"

[[alertmanager]]
name = "staging"
url = "http://am.staging.example:9093"
"#;
    toml::from_str(text).unwrap_or_default()
}

fn fleet_alert(
    labels: &[(&str, &str)],
    summary: &str,
    minutes_ago: i64,
) -> crate::model::alertmanager::AlertmanagerAlert {
    let labels: BTreeMap<String, String> = labels
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    crate::model::alertmanager::AlertmanagerAlert {
        fingerprint: format!("{:016x}", labels.len() as i64 * 7919 + minutes_ago),
        labels,
        annotations: BTreeMap::from([("summary".to_string(), summary.to_string())]),
        starts_at: now() - chrono::Duration::minutes(minutes_ago),
        silenced_by: Vec::new(),
        inhibited_by: Vec::new(),
    }
}

/// The fixture host (its disk alert firing) on the Alerts tab, as alice, with the fleet's
/// alerts: `prod` lists one critical alert, one alice acknowledged, one bob silenced there and one
/// inhibited; `staging` listed one alert before it stopped answering.
pub fn alertmanager_app_state(mode: Mode) -> AppState {
    use crate::alerts::engine::AlertKey;
    use crate::alerts::kept::AckSilence;
    use crate::command::{AlertAction, AlertCommand, CommandOutcome, OperatorCommand};
    use crate::model::alertmanager::{AlertmanagerSilence, AlertmanagerSnapshot};
    use crate::model::source::SourceFailure;

    let config = alertmanager_config();
    let mut state = AppState::new(
        &config,
        &[],
        mode,
        "db-01".into(),
        now() - chrono::Duration::seconds(600),
    );
    state.operator = "alice".into();
    feed_host_samples(&mut state);
    let report = |name: &str, seconds_ago: i64, result| {
        Msg::Source(SourceUpdate::Alertmanager {
            name: name.to_string(),
            report: SourceReport {
                at: now() - chrono::Duration::seconds(seconds_ago),
                result,
            },
        })
    };
    let staging = AlertmanagerSnapshot {
        alerts: vec![fleet_alert(
            &[
                ("alertname", "DeployStuck"),
                ("app", "checkout"),
                ("severity", "warning"),
            ],
            "checkout rollout stuck at 2/5",
            180,
        )],
    };
    // Everything arrives after the host's last sample, at `now`; the reports say when they
    // were taken.
    update(&mut state, report("staging", 200, Ok(staging)), now());
    let ack_id = "5f1d2c3b-ack";
    let mut acknowledged = fleet_alert(
        &[
            ("alertname", "QueueBacklog"),
            ("job", "worker"),
            ("severity", "warning"),
        ],
        "queue depth 12k and rising",
        40,
    );
    acknowledged.silenced_by = vec![AlertmanagerSilence {
        id: ack_id.into(),
        created_by: "alice".into(),
        comment: "scaling workers".into(),
        ends_at: now() + chrono::Duration::minutes(95),
    }];
    let mut silenced = fleet_alert(
        &[
            ("alertname", "NodeDiskPressure"),
            ("instance", "db-3"),
            ("severity", "warning"),
        ],
        "db-3 /data 91% full",
        25,
    );
    silenced.silenced_by = vec![AlertmanagerSilence {
        id: "0b9e7a61-maint".into(),
        created_by: "bob".into(),
        comment: "disk swap on db-3".into(),
        ends_at: now() + chrono::Duration::hours(1),
    }];
    let mut inhibited = fleet_alert(
        &[
            ("alertname", "TargetDown"),
            ("job", "api"),
            ("severity", "info"),
        ],
        "1 of 4 api targets down",
        11,
    );
    inhibited.inhibited_by = vec!["HighLatency".into()];
    let prod = AlertmanagerSnapshot {
        alerts: vec![
            fleet_alert(
                &[
                    ("alertname", "HighLatency"),
                    ("job", "api"),
                    ("severity", "critical"),
                ],
                "api p99 latency 2.4s",
                12,
            ),
            acknowledged,
            silenced,
            inhibited,
        ],
    };
    update(&mut state, report("prod", 5, Ok(prod)), now());
    let key = AlertKey {
        rule: "QueueBacklog".into(),
        labels: vec![
            ("job".into(), "worker".into()),
            ("severity".into(), "warning".into()),
        ],
        origin: Origin::Alertmanager("prod".into()),
    };
    let silence = AckSilence {
        id: ack_id.into(),
        until: now() + chrono::Duration::minutes(95),
    };
    let at = now();
    update(
        &mut state,
        Msg::AckSilenced {
            key: key.clone(),
            silence,
        },
        at,
    );
    let command = OperatorCommand::Alert(AlertCommand {
        key,
        action: AlertAction::Acknowledge,
        note: "scaling workers".into(),
        ack_silence: None,
        matchers: Vec::new(),
    });
    let done = CommandOutcome {
        command,
        result: Ok("acknowledged".into()),
        audit_error: None,
    };
    update(&mut state, Msg::CommandFinished(done), at);
    let failure = SourceFailure {
        error: "http://am.staging.example:9093/…: Connection refused (os error 111)".into(),
        retry_at: now() + chrono::Duration::seconds(20),
    };
    update(&mut state, report("staging", 10, Err(failure)), now());
    state.toasts.clear();
    // Last: in --watch a report moves the screen to a critical tab.
    state.tab = crate::tab::Tab::Alerts;
    state
}
