//! Pure readers of the engine's answers: list entries, inspects, stats, event names.

use std::collections::{BTreeMap, HashMap};

use bollard::models::{ContainerInspectResponse, ContainerStatsResponse, MountPoint, PortMap};
use chrono::{DateTime, Utc};

use crate::model::containers::{
    ContainerInfo, ContainerState, ContainerStats, Health, HealthCheck,
};

/// State and health as a list entry shows them: `state` is the engine's state word, `status` the
/// human text such as `Exited (3) 2 minutes ago` or `Up 5 minutes (unhealthy)`.
pub fn summary_state(state: &str, status: &str) -> (Option<ContainerState>, Option<Health>) {
    let mut exit_code = None;
    let mut health = None;
    let mut rest = status;
    while let Some(open) = rest.find('(') {
        let after = &rest[open + 1..];
        let Some(close) = after.find(')') else { break };
        let inside = after[..close].trim();
        if let Ok(code) = inside.parse::<i64>() {
            exit_code = exit_code.or(Some(code));
        } else {
            health = health.or_else(|| parse_health(inside.trim_start_matches("health:").trim()));
        }
        rest = &after[close + 1..];
    }
    let parsed = match state {
        "exited" => exit_code.map(|code| ContainerState::Exited { code }),
        other => parse_state(other, 0),
    };
    (parsed, health)
}

/// The engine's state word; `exit_code` is only used for `exited`.
pub fn parse_state(state: &str, exit_code: i64) -> Option<ContainerState> {
    Some(match state {
        "created" => ContainerState::Created,
        "running" => ContainerState::Running,
        // Newer engines show a container being stopped as "stopping": it still runs.
        "stopping" => ContainerState::Running,
        "paused" => ContainerState::Paused,
        "restarting" => ContainerState::Restarting,
        "removing" => ContainerState::Removing,
        "exited" => ContainerState::Exited { code: exit_code },
        "dead" => ContainerState::Dead,
        _ => return None,
    })
}

/// The engine's health word; `none` and empty mean the container has no health check.
pub fn parse_health(health: &str) -> Option<Health> {
    match health {
        "starting" => Some(Health::Starting),
        "healthy" => Some(Health::Healthy),
        "unhealthy" => Some(Health::Unhealthy),
        _ => None,
    }
}

/// An engine timestamp; Docker writes `0001-01-01T00:00:00Z` for "never".
pub fn parse_time(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    if text.is_empty() || text.starts_with("0001-01-01") {
        return None;
    }
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// A published port as `docker ps` shows it: `127.0.0.1:8080->80/tcp`, or `80/tcp` when only
/// exposed. IPv6 host addresses are bracketed so the port stays readable.
pub fn format_port(container_port: &str, host_ip: Option<&str>, host_port: Option<&str>) -> String {
    let host_port = host_port.filter(|p| !p.is_empty());
    match (host_ip.filter(|ip| !ip.is_empty()), host_port) {
        (Some(ip), Some(port)) if ip.contains(':') => format!("[{ip}]:{port}->{container_port}"),
        (Some(ip), Some(port)) => format!("{ip}:{port}->{container_port}"),
        (None, Some(port)) => format!("{port}->{container_port}"),
        (_, None) => container_port.to_string(),
    }
}

fn format_ports(ports: &PortMap) -> Vec<String> {
    let mut keys: Vec<&String> = ports.keys().collect();
    // By port number, then protocol: "9000/tcp" after "80/tcp".
    keys.sort_by_key(|k| {
        let (number, proto) = k.split_once('/').unwrap_or((k.as_str(), ""));
        (number.parse::<u32>().unwrap_or(u32::MAX), proto.to_string())
    });
    keys.into_iter()
        .flat_map(|key| match ports.get(key).and_then(Option::as_ref) {
            Some(bindings) if !bindings.is_empty() => bindings
                .iter()
                .map(|b| format_port(key, b.host_ip.as_deref(), b.host_port.as_deref()))
                .collect(),
            _ => vec![format_port(key, None, None)],
        })
        .collect()
}

/// `source -> destination (rw|ro)`. A named volume shows its name, which is what the operator
/// typed, rather than its path under the engine's data root; a tmpfs shows `tmpfs`.
pub fn format_mount(mount: &MountPoint) -> String {
    let typ = mount.typ.as_deref().unwrap_or_default();
    let name = mount.name.as_deref().filter(|n| !n.is_empty());
    let source = match (typ, name, mount.source.as_deref().filter(|s| !s.is_empty())) {
        ("volume", Some(name), _) => name.to_string(),
        (_, _, Some(source)) => source.to_string(),
        (typ, _, None) if !typ.is_empty() => typ.to_string(),
        _ => "?".to_string(),
    };
    let destination = mount.destination.as_deref().unwrap_or("?");
    let mode = if mount.rw.unwrap_or(true) { "rw" } else { "ro" };
    format!("{source} -> {destination} ({mode})")
}

/// Arguments joined with spaces; an argument that would not survive being split again on spaces
/// is single-quoted, so the line can be pasted into a shell.
pub fn join_command(args: &[String]) -> String {
    args.iter()
        .map(|arg| {
            let plain = !arg.is_empty()
                && arg
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_./:=,+@%^".contains(c));
            if plain {
                arg.clone()
            } else {
                format!("'{}'", arg.replace('\'', r"'\''"))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// `NAME=value` → (`NAME`, `value`); a bare `NAME` has an empty value.
pub fn split_env(entry: &str) -> (String, String) {
    match entry.split_once('=') {
        Some((name, value)) => (name.to_string(), value.to_string()),
        None => (entry.to_string(), String::new()),
    }
}

/// Maps one inspect answer; `id` stands in when the answer lacks one.
pub fn container_info(response: ContainerInspectResponse, id: &str) -> ContainerInfo {
    let state = response.state.unwrap_or_default();
    let exit_code = state.exit_code.unwrap_or(0);
    let container_state = state
        .status
        .and_then(|s| parse_state(s.as_ref(), exit_code))
        .unwrap_or(
            // Engines that leave Status empty still set the flags.
            if state.paused == Some(true) {
                ContainerState::Paused
            } else if state.restarting == Some(true) {
                ContainerState::Restarting
            } else if state.running == Some(true) {
                ContainerState::Running
            } else if state.dead == Some(true) {
                ContainerState::Dead
            } else {
                ContainerState::Exited { code: exit_code }
            },
        );
    let health = state.health.unwrap_or_default();
    let health_log = health
        .log
        .unwrap_or_default()
        .into_iter()
        .map(|check| HealthCheck {
            at: check.start.as_deref().and_then(parse_time),
            exit_code: check.exit_code.unwrap_or(0),
            output: check.output.unwrap_or_default().trim_end().to_string(),
        })
        .collect();
    let config = response.config.unwrap_or_default();
    let network = response.network_settings.unwrap_or_default();
    let mut networks: Vec<String> = network.networks.unwrap_or_default().into_keys().collect();
    networks.sort();
    let command: Vec<String> = config
        .entrypoint
        .unwrap_or_default()
        .into_iter()
        .chain(config.cmd.unwrap_or_default())
        .collect();
    ContainerInfo {
        id: response.id.unwrap_or_else(|| id.to_string()),
        name: response
            .name
            .unwrap_or_default()
            .trim_start_matches('/')
            .to_string(),
        // The name the container was created from; the inspect's own `Image` is only a digest.
        image: config.image.or(response.image).unwrap_or_default(),
        state: container_state,
        health: health.status.and_then(|s| parse_health(s.as_ref())),
        created: response.created.as_deref().and_then(parse_time),
        started_at: state.started_at.as_deref().and_then(parse_time),
        finished_at: state.finished_at.as_deref().and_then(parse_time),
        restart_count: response.restart_count.unwrap_or(0),
        labels: config
            .labels
            .unwrap_or_default()
            .into_iter()
            .collect::<BTreeMap<_, _>>(),
        ports: network.ports.as_ref().map(format_ports).unwrap_or_default(),
        mounts: response
            .mounts
            .unwrap_or_default()
            .iter()
            .map(format_mount)
            .collect(),
        networks,
        command: join_command(&command),
        env: config
            .env
            .unwrap_or_default()
            .iter()
            .map(|e| split_env(e))
            .collect(),
        health_log,
        stats: None,
    }
}

/// The CPU counters of one stats answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CpuSample {
    /// Nanoseconds of CPU the container used, ever.
    pub total_usage: u64,
    /// Nanoseconds of CPU the whole host used, ever (all cores).
    pub system_usage: u64,
    pub online_cpus: u32,
}

impl CpuSample {
    pub(super) fn from_response(response: &ContainerStatsResponse) -> Option<Self> {
        let cpu = response.cpu_stats.as_ref()?;
        let usage = cpu.cpu_usage.as_ref()?;
        let online_cpus = cpu
            .online_cpus
            .filter(|n| *n > 0)
            .or_else(|| {
                usage
                    .percpu_usage
                    .as_ref()
                    .and_then(|p| u32::try_from(p.len()).ok())
            })
            .filter(|n| *n > 0)
            .unwrap_or(1);
        Some(Self {
            total_usage: usage.total_usage?,
            system_usage: cpu.system_cpu_usage?,
            online_cpus,
        })
    }
}

/// Percent of one core between two samples, as `docker stats` computes it. 0 without a previous
/// sample, and when a counter went backwards (the container restarted).
pub fn cpu_percent(previous: Option<CpuSample>, now: CpuSample) -> f64 {
    let Some(previous) = previous else { return 0.0 };
    let (Some(used), Some(elapsed)) = (
        now.total_usage.checked_sub(previous.total_usage),
        now.system_usage.checked_sub(previous.system_usage),
    ) else {
        return 0.0;
    };
    if elapsed == 0 {
        return 0.0;
    }
    used as f64 / elapsed as f64 * f64::from(now.online_cpus) * 100.0
}

/// Memory in use without the page cache the kernel can drop, as `docker stats` shows it:
/// `total_inactive_file` on cgroup v1, `inactive_file` on v2, else the older `cache`.
pub fn memory_used(usage: u64, stats: &HashMap<String, u64>) -> u64 {
    ["total_inactive_file", "inactive_file", "cache"]
        .iter()
        .find_map(|key| stats.get(*key).filter(|v| **v < usage))
        .map_or(usage, |cache| usage - cache)
}

/// The engine reports the host's memory as the limit of an unlimited container.
pub fn memory_limit(limit: u64, mem_total: u64) -> u64 {
    if mem_total > 0 && limit >= mem_total {
        0
    } else {
        limit
    }
}

pub(super) fn container_stats(
    response: &ContainerStatsResponse,
    cpu: f64,
    mem_total: u64,
) -> ContainerStats {
    let memory = response.memory_stats.clone().unwrap_or_default();
    let used = memory_used(memory.usage.unwrap_or(0), &memory.stats.unwrap_or_default());
    let (rx, tx) =
        response
            .networks
            .iter()
            .flat_map(HashMap::values)
            .fold((0u64, 0u64), |(rx, tx), n| {
                (
                    rx.saturating_add(n.rx_bytes.unwrap_or(0)),
                    tx.saturating_add(n.tx_bytes.unwrap_or(0)),
                )
            });
    ContainerStats {
        cpu_percent: cpu,
        memory_used: used,
        memory_limit: memory_limit(memory.limit.unwrap_or(0), mem_total),
        net_rx_bytes: rx,
        net_tx_bytes: tx,
    }
}

/// Whether an event's action can change what an inspect shows. Execs other than their end, and
/// reads such as `top` or `export`, change nothing; `exec_die` stays because health checks are
/// execs and their results fill the health log.
pub fn event_changes_container(action: &str) -> bool {
    let verb = action.split(':').next().unwrap_or_default().trim();
    !matches!(
        verb,
        "exec_create"
            | "exec_start"
            | "exec_detach"
            | "attach"
            | "detach"
            | "resize"
            | "top"
            | "archive-path"
            | "extract-to-dir"
            | "export"
            | "copy"
            | "commit"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(total: u64, system: u64, cpus: u32) -> CpuSample {
        CpuSample {
            total_usage: total,
            system_usage: system,
            online_cpus: cpus,
        }
    }

    #[test]
    fn cpu_percent_is_the_share_of_host_time_times_cores() {
        assert_eq!(cpu_percent(None, sample(100, 1_000, 2)), 0.0);
        // 0.5 s of CPU over 2 s of host time on 2 cores: half a core.
        let previous = sample(1_000_000_000, 10_000_000_000, 2);
        let now = sample(1_500_000_000, 12_000_000_000, 2);
        assert!((cpu_percent(Some(previous), now) - 50.0).abs() < 1e-9);
        // A busy loop on one of two cores.
        let now = sample(2_000_000_000, 12_000_000_000, 2);
        assert!((cpu_percent(Some(previous), now) - 100.0).abs() < 1e-9);
        // Restarted container, or no host time elapsed.
        assert_eq!(
            cpu_percent(Some(previous), sample(10, 13_000_000_000, 2)),
            0.0
        );
        assert_eq!(cpu_percent(Some(previous), previous), 0.0);
    }

    #[test]
    fn memory_used_leaves_out_the_page_cache() {
        let v1 = HashMap::from([
            ("total_inactive_file".to_string(), 100),
            ("cache".to_string(), 300),
        ]);
        assert_eq!(memory_used(1_000, &v1), 900);
        let v2 = HashMap::from([("inactive_file".to_string(), 250)]);
        assert_eq!(memory_used(1_000, &v2), 750);
        let old = HashMap::from([("cache".to_string(), 400)]);
        assert_eq!(memory_used(1_000, &old), 600);
        // A cache figure larger than the usage is not trusted.
        let odd = HashMap::from([("inactive_file".to_string(), 5_000)]);
        assert_eq!(memory_used(1_000, &odd), 1_000);
        assert_eq!(memory_used(1_000, &HashMap::new()), 1_000);
    }

    #[test]
    fn a_limit_as_large_as_the_host_means_none() {
        assert_eq!(memory_limit(64 << 20, 24 << 30), 64 << 20);
        assert_eq!(memory_limit(24 << 30, 24 << 30), 0);
        assert_eq!(memory_limit(u64::MAX, 24 << 30), 0);
        // Host memory unknown: keep what the engine said.
        assert_eq!(memory_limit(24 << 30, 0), 24 << 30);
    }

    #[test]
    fn states_and_health_from_the_engine_words() {
        assert_eq!(parse_state("running", 0), Some(ContainerState::Running));
        assert_eq!(
            parse_state("exited", 137),
            Some(ContainerState::Exited { code: 137 })
        );
        assert_eq!(parse_state("created", 0), Some(ContainerState::Created));
        assert_eq!(parse_state("paused", 0), Some(ContainerState::Paused));
        assert_eq!(
            parse_state("restarting", 1),
            Some(ContainerState::Restarting)
        );
        assert_eq!(parse_state("removing", 0), Some(ContainerState::Removing));
        assert_eq!(parse_state("dead", 0), Some(ContainerState::Dead));
        assert_eq!(parse_state("stopping", 0), Some(ContainerState::Running));
        assert_eq!(parse_state("", 0), None);
        assert_eq!(parse_health("healthy"), Some(Health::Healthy));
        assert_eq!(parse_health("unhealthy"), Some(Health::Unhealthy));
        assert_eq!(parse_health("starting"), Some(Health::Starting));
        assert_eq!(parse_health("none"), None);
        assert_eq!(parse_health(""), None);
    }

    #[test]
    fn list_status_texts_give_state_code_and_health() {
        assert_eq!(
            summary_state("exited", "Exited (3) 2 minutes ago"),
            (Some(ContainerState::Exited { code: 3 }), None)
        );
        assert_eq!(
            summary_state("running", "Up 5 minutes (unhealthy)"),
            (Some(ContainerState::Running), Some(Health::Unhealthy))
        );
        assert_eq!(
            summary_state("running", "Up 3 seconds (health: starting)"),
            (Some(ContainerState::Running), Some(Health::Starting))
        );
        assert_eq!(
            summary_state("paused", "Up 5 minutes (healthy) (Paused)"),
            (Some(ContainerState::Paused), Some(Health::Healthy))
        );
        assert_eq!(
            summary_state("restarting", "Restarting (1) 2 seconds ago"),
            (Some(ContainerState::Restarting), None)
        );
        assert_eq!(
            summary_state("created", "Created"),
            (Some(ContainerState::Created), None)
        );
        // Without a code the state is unknown, so the container is inspected again.
        assert_eq!(summary_state("exited", "Exited"), (None, None));
    }

    #[test]
    fn never_is_none_and_times_parse_with_nanoseconds() {
        assert_eq!(parse_time("0001-01-01T00:00:00Z"), None);
        assert_eq!(parse_time(""), None);
        assert_eq!(parse_time("yesterday"), None);
        let at = parse_time("2024-05-01T10:00:00.123456789Z");
        assert_eq!(
            at.map(|t| t.timestamp_nanos_opt()),
            Some(Some(1_714_557_600_123_456_789))
        );
        assert!(parse_time("2024-05-01T12:00:00+02:00").is_some());
    }

    #[test]
    fn ports_read_like_docker_ps() {
        assert_eq!(
            format_port("80/tcp", Some("127.0.0.1"), Some("8080")),
            "127.0.0.1:8080->80/tcp"
        );
        assert_eq!(format_port("9000/tcp", None, None), "9000/tcp");
        assert_eq!(
            format_port("53/udp", Some(""), Some("5353")),
            "5353->53/udp"
        );
        assert_eq!(
            format_port("80/tcp", Some("::"), Some("8080")),
            "[::]:8080->80/tcp"
        );
        let map: PortMap = HashMap::from([
            ("9000/tcp".to_string(), None),
            (
                "80/tcp".to_string(),
                Some(vec![bollard::models::PortBinding {
                    host_ip: Some("0.0.0.0".into()),
                    host_port: Some("8080".into()),
                }]),
            ),
        ]);
        assert_eq!(format_ports(&map), ["0.0.0.0:8080->80/tcp", "9000/tcp"]);
    }

    #[test]
    fn commands_are_quoted_only_when_needed() {
        let args = ["sh", "-c", "while :; do :; done", "it's", ""].map(String::from);
        assert_eq!(
            join_command(&args),
            r"sh -c 'while :; do :; done' 'it'\''s' ''"
        );
        assert_eq!(join_command(&["sleep".into(), "300".into()]), "sleep 300");
        assert_eq!(split_env("A=b=c"), ("A".into(), "b=c".into()));
        assert_eq!(split_env("BARE"), ("BARE".into(), String::new()));
    }

    #[test]
    fn events_that_change_nothing_are_ignored() {
        for action in [
            "start",
            "die",
            "health_status: unhealthy",
            "exec_die",
            "destroy",
            "rename",
        ] {
            assert!(event_changes_container(action), "{action}");
        }
        for action in [
            "exec_create: sh -c exit 1",
            "exec_start: sh -c exit 1",
            "top",
            "attach",
        ] {
            assert!(!event_changes_container(action), "{action}");
        }
    }

    /// An inspect answer as Docker 20.10 writes it, trimmed.
    const INSPECT: &str = r#"{
        "Id": "3627127f6a2f",
        "Created": "2026-11-22T04:59:11.277459496Z",
        "State": {
            "Status": "running", "Running": true, "Paused": false, "Restarting": false,
            "OOMKilled": false, "Dead": false, "Pid": 18952, "ExitCode": 0, "Error": "",
            "StartedAt": "2026-11-22T04:59:12.220944812Z",
            "FinishedAt": "0001-01-01T00:00:00Z",
            "Health": {"Status": "unhealthy", "FailingStreak": 2, "Log": [
                {"Start": "2026-11-22T04:59:13.221538155Z", "End": "2026-11-22T04:59:13.277156367Z",
                 "ExitCode": 1, "Output": "boom\n"}
            ]}
        },
        "Image": "sha256:b2bced0e4103",
        "Name": "/web-1",
        "RestartCount": 2,
        "Mounts": [
            {"Type": "bind", "Source": "/srv/data", "Destination": "/data", "Mode": "ro",
             "RW": false, "Propagation": "rprivate"},
            {"Type": "volume", "Name": "cache", "Source": "/var/lib/docker/volumes/cache/_data",
             "Destination": "/cache", "Driver": "local", "Mode": "z", "RW": true, "Propagation": ""}
        ],
        "Config": {
            "Env": ["PATH=/bin", "TOKEN=s3cr3t"],
            "Cmd": ["-c", "echo hi"],
            "Entrypoint": ["sh"],
            "Image": "local/busybox:test",
            "Labels": {"com.docker.compose.project": "shop", "team": "ops"}
        },
        "NetworkSettings": {
            "Ports": {"80/tcp": [{"HostIp": "127.0.0.1", "HostPort": "8080"}], "9000/tcp": null},
            "Networks": {"shop_default": {}, "none": {}}
        }
    }"#;

    #[test]
    fn an_inspect_maps_every_field() {
        let response: ContainerInspectResponse = serde_json::from_str(INSPECT).unwrap_or_default();
        let info = container_info(response, "fallback");
        assert_eq!(info.id, "3627127f6a2f");
        assert_eq!(info.name, "web-1");
        assert_eq!(info.image, "local/busybox:test");
        assert_eq!(info.state, ContainerState::Running);
        assert_eq!(info.health, Some(Health::Unhealthy));
        assert_eq!(info.health_log.len(), 1);
        assert_eq!(info.health_log[0].exit_code, 1);
        assert_eq!(info.health_log[0].output, "boom");
        assert!(info.health_log[0].at.is_some());
        assert!(info.created.is_some());
        assert!(info.started_at.is_some());
        assert_eq!(info.finished_at, None);
        assert_eq!(info.restart_count, 2);
        assert_eq!(info.compose_project(), Some("shop"));
        assert_eq!(info.labels.get("team").map(String::as_str), Some("ops"));
        assert_eq!(info.ports, ["127.0.0.1:8080->80/tcp", "9000/tcp"]);
        assert_eq!(
            info.mounts,
            ["/srv/data -> /data (ro)", "cache -> /cache (rw)"]
        );
        assert_eq!(info.networks, ["none", "shop_default"]);
        assert_eq!(info.command, "sh -c 'echo hi'");
        assert_eq!(
            info.env,
            [
                ("PATH".to_string(), "/bin".to_string()),
                ("TOKEN".to_string(), "s3cr3t".to_string())
            ]
        );
        assert_eq!(info.stats, None);
    }

    #[test]
    fn an_exited_inspect_keeps_its_code() {
        let response: ContainerInspectResponse = serde_json::from_str(
            r#"{"Id": "x", "Name": "/job", "State": {"Status": "exited", "ExitCode": 3,
                "StartedAt": "2026-11-22T04:59:12Z", "FinishedAt": "2026-11-22T04:59:13Z"}}"#,
        )
        .unwrap_or_default();
        let info = container_info(response, "x");
        assert_eq!(info.state, ContainerState::Exited { code: 3 });
        assert!(info.finished_at.is_some());
        assert_eq!(info.health, None);
    }

    #[test]
    fn stats_sum_networks_and_drop_the_cache() {
        let response: ContainerStatsResponse = serde_json::from_str(
            r#"{"cpu_stats": {"cpu_usage": {"total_usage": 500, "percpu_usage": [200, 300]},
                              "system_cpu_usage": 10000},
                "memory_stats": {"usage": 1000, "limit": 4000, "stats": {"total_inactive_file": 100}},
                "networks": {"eth0": {"rx_bytes": 10, "tx_bytes": 20},
                             "eth1": {"rx_bytes": 1, "tx_bytes": 2}}}"#,
        )
        .unwrap_or_default();
        let sample = CpuSample::from_response(&response);
        // online_cpus is missing: the per-CPU list gives the count.
        assert_eq!(sample.map(|s| s.online_cpus), Some(2));
        let stats = container_stats(&response, 12.5, 8000);
        assert_eq!(
            stats,
            ContainerStats {
                cpu_percent: 12.5,
                memory_used: 900,
                memory_limit: 4000,
                net_rx_bytes: 11,
                net_tx_bytes: 22,
            }
        );
        assert_eq!(container_stats(&response, 0.0, 4000).memory_limit, 0);
    }
}
