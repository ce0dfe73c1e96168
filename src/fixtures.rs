//! Fixed, realistic data for tests, snapshots and benchmarks: a busy database host with a
//! nearly full data disk. Deterministic: the same data on every machine.

use chrono::{DateTime, TimeZone, Utc};

use crate::collect::SourceReport;
use crate::collect::resources::{DiskUsage, NetRate, ProcessRow, ResourcesSnapshot, Usage};
use crate::config::Config;
use crate::msg::{Msg, SourceUpdate};
use crate::state::{AppState, Mode};
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
        uptime_seconds: 3 * 86400 + 4 * 3600 + 12 * 60,
    }
}

/// The newest sample of the fixture host.
pub fn resources_snapshot() -> ResourcesSnapshot {
    resources_snapshot_at(0)
}

/// An app state fed with ten minutes of fixture samples, as the console would hold them.
pub fn app_state(mode: Mode) -> AppState {
    let config = Config::default();
    let mut state = AppState::new(
        &config,
        mode,
        "db-01".into(),
        now() - chrono::Duration::seconds(600),
    );
    for seconds_ago in (0..600).rev() {
        let snapshot = resources_snapshot_at(seconds_ago);
        let report = SourceReport {
            at: snapshot.at,
            result: Ok(snapshot),
        };
        update(&mut state, Msg::Source(SourceUpdate::System(report)), now());
    }
    state
}
