//! Docker engines through bollard: connection, the container list, events, stats, logs, actions.
//!
//! A [`DockerSource`] keeps the last inspect of every container between polls and follows the
//! engine's event stream, so a steady-state poll costs one ping, a few inspects (only containers
//! the engine reported as changed) and one-shot stats of the running ones. A full list runs on the
//! first poll, whenever the event stream broke, and every [`RESYNC_EVERY`] as a safety net.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use bollard::Docker;
use bollard::container::LogOutput;
use bollard::models::{
    ContainerInspectResponse, ContainerStatsResponse, ContainerSummary, MountPoint, PortMap,
};
use bollard::query_parameters::{
    EventsOptionsBuilder, KillContainerOptionsBuilder, ListContainersOptionsBuilder,
    LogsOptionsBuilder, RestartContainerOptionsBuilder, StartContainerOptions, StatsOptionsBuilder,
    StopContainerOptionsBuilder,
};
use chrono::{DateTime, Utc};
use futures_util::{StreamExt, stream};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::containers::{
    ContainerAction, ContainerInfo, ContainerState, ContainerStats, EngineSnapshot, Health,
    HealthCheck, LogEvent, LogLine, LogStream,
};
use super::{CollectError, Collector};

/// Where Docker listens when neither the config nor `DOCKER_HOST` says otherwise.
pub const DEFAULT_HOST: &str = "unix:///var/run/docker.sock";

/// A full list runs at least this often, in case an event was missed.
pub const RESYNC_EVERY: Duration = Duration::from_secs(30);

/// Inspects in flight at once: enough to hide latency, few enough not to load a busy engine.
const CONCURRENCY: usize = 8;

/// Stats requests in flight at once. A one-shot stats request is cheap for the engine but is
/// answered at the next tick of its stats collector (once a second on Docker 20.10), and all
/// requests waiting for a tick share it. Measured there: 8 at a time made a poll of 40 running
/// containers take 5 s; 128 made 200 running take 2.7 s, and this many 1.5 s (one tick).
const STATS_CONCURRENCY: usize = 256;

/// Bounds one inspect or stats call, so one wedged container cannot stall the whole poll.
const PER_CONTAINER_TIMEOUT: Duration = Duration::from_secs(5);

/// bollard's own bound on a request until its response headers; a restart waits up to the 10 s
/// stop timeout and then starts the container, so this stays well above that. Streams (events,
/// logs) are not bounded by it once their headers arrived.
const REQUEST_TIMEOUT_SECONDS: u64 = 60;

/// Bounds the first answers of a poll (ping, version): an engine that takes longer to say it is
/// there is reported down at once, rather than after the whole poll's budget, which stays long
/// for a first inspect of hundreds of containers.
pub const ANSWER_TIMEOUT: Duration = Duration::from_secs(3);

/// Bounds the plain connect that tells a mute engine from one that does not accept connections.
const CONNECT_PROBE_TIMEOUT: Duration = Duration::from_secs(1);

/// Seconds the engine waits for a graceful stop before it kills the container.
const STOP_TIMEOUT_SECONDS: i32 = 10;

/// A log line longer than this is cut, so one huge line cannot freeze the UI.
pub const MAX_LOG_LINE_BYTES: usize = 16 * 1024;

/// Log lines are sent in batches of at most this many…
const LOG_BATCH_LINES: usize = 256;

/// …or this long after the first line that is still waiting.
const LOG_BATCH_DELAY: Duration = Duration::from_millis(100);

/// The configured host, else `DOCKER_HOST`, else the default socket (empty values count as unset).
pub fn resolve_host(configured: Option<&str>, docker_host_env: Option<&str>) -> String {
    configured
        .filter(|h| !h.trim().is_empty())
        .or_else(|| docker_host_env.filter(|h| !h.trim().is_empty()))
        .unwrap_or(DEFAULT_HOST)
        .trim()
        .to_string()
}

/// A bollard client for `host`. Nothing is sent yet: an engine that is down shows up on the first
/// request (`ping`), except a missing unix socket, which bollard reports at once.
pub fn connect(host: &str) -> Result<Docker, CollectError> {
    let scheme = host.split("://").next().unwrap_or_default();
    match scheme {
        "unix" if host.len() > "unix://".len() => {
            Docker::connect_with_unix(host, REQUEST_TIMEOUT_SECONDS, bollard::API_DEFAULT_VERSION)
                .map_err(|e| cannot_reach(host, &e))
        }
        "tcp" | "http" => {
            Docker::connect_with_http(host, REQUEST_TIMEOUT_SECONDS, bollard::API_DEFAULT_VERSION)
                .map_err(|e| cannot_reach(host, &e))
        }
        "ssh" | "https" => Err(CollectError::new(format!(
            "{host}: {scheme}:// is not compiled into watchdeck (no SSH or TLS transport); \
             forward the remote socket instead, e.g. \
             `ssh -nNT -L /tmp/remote-docker.sock:/var/run/docker.sock user@host`, \
             then set host = \"unix:///tmp/remote-docker.sock\""
        ))),
        _ => Err(CollectError::new(format!(
            "{host:?} is not a Docker address: expected unix:///path/to/docker.sock or tcp://host:port"
        ))),
    }
}

fn cannot_reach(host: &str, error: &bollard::errors::Error) -> CollectError {
    CollectError::new(format!(
        "cannot reach Docker at {host}: {}",
        describe(error)
    ))
}

/// `request` bounded by [`ANSWER_TIMEOUT`]; a timeout says whether the engine took the
/// connection and kept quiet, or never took it.
async fn answer_within<T>(
    host: &str,
    request: impl std::future::Future<Output = Result<T, bollard::errors::Error>>,
) -> Result<T, CollectError> {
    match tokio::time::timeout(ANSWER_TIMEOUT, request).await {
        Ok(answer) => answer.map_err(|e| cannot_reach(host, &e)),
        Err(_) if accepts_connections(host).await => Err(CollectError::new(format!(
            "Docker at {host} accepted the connection but did not answer within {}",
            humantime::format_duration(ANSWER_TIMEOUT)
        ))),
        Err(_) => Err(CollectError::new(format!(
            "cannot reach Docker at {host}: no connection within {}",
            humantime::format_duration(ANSWER_TIMEOUT)
        ))),
    }
}

/// Whether something at `host` (`unix://` or `tcp://`/`http://`) accepts a connection.
async fn accepts_connections(host: &str) -> bool {
    let connect = async {
        match host.split_once("://") {
            Some(("unix", path)) => tokio::net::UnixStream::connect(path).await.is_ok(),
            Some((_, address)) => tokio::net::TcpStream::connect(address.trim_end_matches('/'))
                .await
                .is_ok(),
            None => false,
        }
    };
    tokio::time::timeout(CONNECT_PROBE_TIMEOUT, connect)
        .await
        .unwrap_or(false)
}

/// The engine's own message, or the innermost cause of a transport error, without the Debug
/// noise an operator cannot act on.
pub fn describe(error: &bollard::errors::Error) -> String {
    use bollard::errors::Error;
    match error {
        // bollard checks that the socket file exists before any request: that is ENOENT.
        Error::SocketNotFoundError(_) => "No such file or directory".into(),
        Error::DockerResponseServerError {
            status_code,
            message,
        } => {
            let message = message.trim();
            if message.is_empty() {
                format!("the engine answered HTTP {status_code}")
            } else {
                message.to_string()
            }
        }
        Error::RequestTimeoutError => {
            format!("no answer within {REQUEST_TIMEOUT_SECONDS}s")
        }
        other => {
            let mut innermost: &dyn std::error::Error = other;
            while let Some(source) = innermost.source() {
                innermost = source;
            }
            strip_os_error(&innermost.to_string()).to_string()
        }
    }
}

/// `No such file or directory (os error 2)` → `No such file or directory`.
fn strip_os_error(message: &str) -> &str {
    match message.rfind(" (os error ") {
        Some(at) if message.ends_with(')') => &message[..at],
        _ => message,
    }
}

/// What the engine told us once per connection.
#[derive(Debug, Clone)]
struct EngineFacts {
    version: String,
    /// Host memory; a container "limit" this large means no limit. 0 when unknown.
    mem_total: u64,
    /// Engine clock minus ours, so the event stream can start slightly in the engine's past.
    clock_offset: chrono::Duration,
}

/// Container IDs the event stream named since the last poll.
#[derive(Debug, Default)]
struct Pending {
    changed: HashSet<String>,
    /// The stream ended or failed: events may have been missed, so the next poll lists.
    ended: bool,
}

fn lock(pending: &Mutex<Pending>) -> std::sync::MutexGuard<'_, Pending> {
    // A panic while holding this lock leaves a plain set behind, still fine to use.
    pending.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The background task that follows `/events`; aborted when dropped with its source.
struct EventFollower {
    pending: Arc<Mutex<Pending>>,
    task: tokio::task::JoinHandle<()>,
}

impl EventFollower {
    fn spawn(docker: Docker, since: Option<i64>) -> Self {
        let pending = Arc::new(Mutex::new(Pending::default()));
        let task = tokio::spawn(follow_events(docker, since, pending.clone()));
        Self { pending, task }
    }

    fn alive(&self) -> bool {
        !self.task.is_finished() && !lock(&self.pending).ended
    }

    fn take_changed(&self) -> HashSet<String> {
        std::mem::take(&mut lock(&self.pending).changed)
    }
}

impl Drop for EventFollower {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn follow_events(docker: Docker, since: Option<i64>, pending: Arc<Mutex<Pending>>) {
    let filters = HashMap::from([("type", vec!["container"])]);
    let since = since.map(|s| s.to_string());
    let mut options = EventsOptionsBuilder::default().filters(&filters);
    if let Some(since) = &since {
        options = options.since(since);
    }
    let mut events = std::pin::pin!(docker.events(Some(options.build())));
    while let Some(event) = events.next().await {
        match event {
            Ok(event) => {
                let action = event.action.as_deref().unwrap_or_default();
                if let Some(id) = event.actor.and_then(|a| a.id)
                    && event_changes_container(action)
                {
                    lock(&pending).changed.insert(id);
                }
            }
            Err(error) => {
                tracing::debug!(error = %describe(&error), "docker event stream failed");
                break;
            }
        }
    }
    lock(&pending).ended = true;
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

/// Work done by a source so far, for tests and the performance overlay.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DockerCounters {
    pub polls: u64,
    pub lists: u64,
    pub inspects: u64,
    pub stats: u64,
}

/// One Docker engine as a supervised source.
pub struct DockerSource {
    engine: String,
    host: String,
    docker: Option<Docker>,
    facts: Option<EngineFacts>,
    events: Option<EventFollower>,
    /// Last inspect of every container, by ID, without stats.
    containers: HashMap<String, ContainerInfo>,
    stats: HashMap<String, ContainerStats>,
    cpu_samples: HashMap<String, CpuSample>,
    last_list: Option<Instant>,
    /// Set while a poll runs: a poll that was cut short (timeout) or failed halfway may have
    /// consumed events without applying them, so the next one lists again.
    incomplete: bool,
    counters: DockerCounters,
}

impl DockerSource {
    pub fn new(engine: &str, host: &str) -> Self {
        Self {
            engine: engine.to_string(),
            host: host.to_string(),
            docker: None,
            facts: None,
            events: None,
            containers: HashMap::new(),
            stats: HashMap::new(),
            cpu_samples: HashMap::new(),
            last_list: None,
            incomplete: true,
            counters: DockerCounters::default(),
        }
    }

    pub fn host(&self) -> &str {
        &self.host
    }

    pub fn counters(&self) -> DockerCounters {
        self.counters
    }

    /// The engine went away: what we knew may be stale when it comes back.
    fn lose_engine(&mut self) {
        self.events = None;
        self.facts = None;
        self.cpu_samples.clear();
        self.incomplete = true;
    }

    async fn engine_facts(docker: &Docker, host: &str) -> Result<EngineFacts, CollectError> {
        let version = answer_within(host, docker.version())
            .await?
            .version
            .unwrap_or_else(|| "?".into());
        // Info only refines stats and event timing: an engine whose info we cannot read still works.
        let (mem_total, clock_offset) = match docker.info().await {
            Ok(info) => {
                let mem_total = info.mem_total.and_then(|m| u64::try_from(m).ok());
                let offset = info
                    .system_time
                    .as_deref()
                    .and_then(parse_time)
                    .map(|engine_now| engine_now - Utc::now());
                (mem_total.unwrap_or(0), offset.unwrap_or_default())
            }
            Err(error) => {
                tracing::debug!(error = %describe(&error), "docker info failed");
                (0, chrono::Duration::zero())
            }
        };
        Ok(EngineFacts {
            version,
            mem_total,
            clock_offset,
        })
    }

    /// Inspects `ids` a few at a time. Returns whether every inspect answered; a container that
    /// fails keeps its last state until the next list, and only an engine that answers none of
    /// several inspects fails the poll.
    async fn inspect_all(
        &mut self,
        docker: &Docker,
        ids: HashSet<String>,
    ) -> Result<bool, CollectError> {
        let asked = ids.len();
        self.counters.inspects += asked as u64;
        let results: Vec<_> = stream::iter(ids)
            .map(|id| {
                let docker = docker.clone();
                async move {
                    let inspected = tokio::time::timeout(
                        PER_CONTAINER_TIMEOUT,
                        docker.inspect_container(&id, None),
                    )
                    .await;
                    (id, inspected)
                }
            })
            .buffer_unordered(CONCURRENCY)
            .collect()
            .await;
        let mut failures = Vec::new();
        for (id, inspected) in results {
            match inspected {
                Ok(Ok(response)) => {
                    self.containers
                        .insert(id.clone(), container_info(response, &id));
                }
                Ok(Err(bollard::errors::Error::DockerResponseServerError {
                    status_code: 404,
                    ..
                })) => self.forget(&id),
                Ok(Err(error)) => failures.push(describe(&error)),
                Err(_) => failures.push(format!(
                    "no answer within {}",
                    humantime::format_duration(PER_CONTAINER_TIMEOUT)
                )),
            }
        }
        match failures.first() {
            None => Ok(true),
            Some(first) if asked > 1 && failures.len() == asked => Err(CollectError::new(format!(
                "Docker at {}: inspect failed: {first}",
                self.host
            ))),
            Some(first) => {
                tracing::debug!(failed = failures.len(), first = %first, "docker inspect failed");
                Ok(false)
            }
        }
    }

    fn forget(&mut self, id: &str) {
        self.containers.remove(id);
        self.stats.remove(id);
        self.cpu_samples.remove(id);
    }

    async fn sample_stats(&mut self, docker: &Docker, mem_total: u64) {
        let running: Vec<String> = self
            .containers
            .values()
            .filter(|c| c.state.is_running())
            .map(|c| c.id.clone())
            .collect();
        self.counters.stats += running.len() as u64;
        let options = StatsOptionsBuilder::default()
            .stream(false)
            .one_shot(true)
            .build();
        let results: Vec<(String, Option<ContainerStatsResponse>)> = stream::iter(running)
            .map(|id| {
                let docker = docker.clone();
                let options = options.clone();
                async move {
                    let sample = async {
                        let mut answers = std::pin::pin!(docker.stats(&id, Some(options)));
                        answers.next().await
                    };
                    let response = match tokio::time::timeout(PER_CONTAINER_TIMEOUT, sample).await
                    {
                        Ok(Some(Ok(response))) => Some(response),
                        Ok(Some(Err(error))) => {
                            tracing::debug!(container = %id, error = %describe(&error), "docker stats failed");
                            None
                        }
                        _ => None,
                    };
                    (id, response)
                }
            })
            .buffer_unordered(STATS_CONCURRENCY)
            .collect()
            .await;
        let mut stats = HashMap::with_capacity(results.len());
        let mut samples = HashMap::with_capacity(results.len());
        for (id, response) in results {
            let Some(response) = response else { continue };
            let Some(sample) = CpuSample::from_response(&response) else {
                continue;
            };
            let cpu = cpu_percent(self.cpu_samples.get(&id).copied(), sample);
            stats.insert(id.clone(), container_stats(&response, cpu, mem_total));
            samples.insert(id, sample);
        }
        self.stats = stats;
        self.cpu_samples = samples;
    }

    fn snapshot(&self, version: String) -> EngineSnapshot {
        let mut containers: Vec<ContainerInfo> = self
            .containers
            .values()
            .map(|c| ContainerInfo {
                stats: self.stats.get(&c.id).copied(),
                ..c.clone()
            })
            .collect();
        containers.sort_by(|a, b| a.name.cmp(&b.name).then_with(|| a.id.cmp(&b.id)));
        EngineSnapshot {
            engine: self.engine.clone(),
            version,
            containers,
        }
    }
}

impl Collector for DockerSource {
    type Snapshot = EngineSnapshot;

    async fn poll(&mut self) -> Result<EngineSnapshot, CollectError> {
        self.counters.polls += 1;
        let docker = match &self.docker {
            Some(docker) => docker.clone(),
            None => {
                let docker = connect(&self.host)?;
                self.docker = Some(docker.clone());
                docker
            }
        };
        if let Err(error) = answer_within(&self.host, docker.ping()).await {
            self.lose_engine();
            return Err(error);
        }
        // Events the old follower recorded before it stopped still count.
        let mut to_inspect = self
            .events
            .as_ref()
            .map(EventFollower::take_changed)
            .unwrap_or_default();
        let follower_alive = self.events.as_ref().is_some_and(EventFollower::alive);
        if !follower_alive {
            // The stream also ends when the engine restarts between two polls, maybe upgraded.
            self.facts = None;
        }
        let facts = match &self.facts {
            Some(facts) => facts.clone(),
            None => {
                let facts = Self::engine_facts(&docker, &self.host).await?;
                self.facts = Some(facts.clone());
                facts
            }
        };
        if !follower_alive {
            // Start a second early on the engine's clock: anything that happens while the list
            // below is in flight is then seen again, never missed.
            let since = (Utc::now() + facts.clock_offset).timestamp() - 1;
            self.events = Some(EventFollower::spawn(docker.clone(), Some(since)));
        }
        // Without a trusted event history (first poll, the stream broke, a poll was cut short),
        // every container is inspected again; the periodic list only catches what the list shows.
        let distrust = self.incomplete || !follower_alive;
        let relist = distrust || self.last_list.is_none_or(|at| at.elapsed() >= RESYNC_EVERY);
        self.incomplete = true;

        if relist {
            let options = ListContainersOptionsBuilder::default().all(true).build();
            let summaries = docker.list_containers(Some(options)).await.map_err(|e| {
                CollectError::new(format!(
                    "Docker at {}: listing containers failed: {}",
                    self.host,
                    describe(&e)
                ))
            })?;
            self.counters.lists += 1;
            self.last_list = Some(Instant::now());
            let listed: HashSet<&str> = summaries.iter().filter_map(|s| s.id.as_deref()).collect();
            let gone: Vec<String> = self
                .containers
                .keys()
                .filter(|id| !listed.contains(id.as_str()) && !to_inspect.contains(*id))
                .cloned()
                .collect();
            for id in gone {
                self.forget(&id);
            }
            for summary in &summaries {
                let Some(id) = summary.id.as_deref() else {
                    continue;
                };
                let stale = distrust
                    || self
                        .containers
                        .get(id)
                        .is_none_or(|known| summary_differs(summary, known));
                if stale {
                    to_inspect.insert(id.to_string());
                }
            }
        }

        let complete = self.inspect_all(&docker, to_inspect).await?;
        // The first poll reports the list at once: stats wait for the engine's next collector
        // tick (up to a second), and a first sample has no CPU delta to show anyway.
        if self.counters.polls > 1 {
            self.sample_stats(&docker, facts.mem_total).await;
        }
        self.incomplete = !complete;
        Ok(self.snapshot(facts.version))
    }
}

/// Whether a list entry disagrees with what the last inspect said, so it must be inspected again.
/// The list carries the state, and in its `Status` text the exit code and the health.
fn summary_differs(summary: &ContainerSummary, known: &ContainerInfo) -> bool {
    let state = summary
        .state
        .map(|s| s.as_ref().to_string())
        .unwrap_or_default();
    let status = summary.status.as_deref().unwrap_or_default();
    let (listed_state, listed_health) = summary_state(&state, status);
    let name = summary
        .names
        .as_ref()
        .and_then(|n| n.first())
        .map(|n| n.trim_start_matches('/'));
    listed_state != Some(known.state)
        || listed_health != known.health
        || name.is_some_and(|n| n != known.name)
}

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
    fn from_response(response: &ContainerStatsResponse) -> Option<Self> {
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

fn container_stats(response: &ContainerStatsResponse, cpu: f64, mem_total: u64) -> ContainerStats {
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

/// Performs `action` on container `id`. Ok carries a short summary (`restarted <id>`); Err the
/// engine's own message, e.g. `Container abc is not paused`.
pub async fn run_action(
    docker: &Docker,
    id: &str,
    action: ContainerAction,
) -> Result<String, String> {
    let done = match action {
        ContainerAction::Restart => {
            let options = RestartContainerOptionsBuilder::default()
                .t(STOP_TIMEOUT_SECONDS)
                .build();
            docker.restart_container(id, Some(options)).await
        }
        ContainerAction::Stop => {
            let options = StopContainerOptionsBuilder::default()
                .t(STOP_TIMEOUT_SECONDS)
                .build();
            docker.stop_container(id, Some(options)).await
        }
        ContainerAction::Start => {
            docker
                .start_container(id, None::<StartContainerOptions>)
                .await
        }
        ContainerAction::Pause => docker.pause_container(id).await,
        ContainerAction::Unpause => docker.unpause_container(id).await,
        ContainerAction::Kill => {
            let options = KillContainerOptionsBuilder::default()
                .signal("SIGKILL")
                .build();
            docker.kill_container(id, Some(options)).await
        }
    };
    done.map(|()| format!("{} {id}", action.past()))
        .map_err(|e| describe(&e))
}

/// `2024-05-01T10:00:00.123456789Z text` → (the time, `text`); a line without one is returned whole.
pub fn split_timestamp(line: &[u8]) -> (Option<DateTime<Utc>>, &[u8]) {
    let Some(space) = line.iter().take(64).position(|b| *b == b' ') else {
        return (None, line);
    };
    match std::str::from_utf8(&line[..space])
        .ok()
        .and_then(parse_time)
    {
        Some(at) => (Some(at), &line[space + 1..]),
        None => (None, line),
    }
}

/// A line being put together from the engine's chunks.
#[derive(Debug, Default)]
struct PartialLine {
    open: bool,
    timestamp: Option<DateTime<Utc>>,
    bytes: Vec<u8>,
    cut: usize,
}

impl PartialLine {
    fn append(&mut self, bytes: &[u8]) {
        let room = MAX_LOG_LINE_BYTES.saturating_sub(self.bytes.len());
        let kept = bytes.len().min(room);
        self.bytes.extend_from_slice(&bytes[..kept]);
        self.cut += bytes.len() - kept;
    }

    fn take(&mut self, stream: LogStream) -> LogLine {
        let mut bytes = std::mem::take(&mut self.bytes);
        let mut cut = std::mem::take(&mut self.cut);
        if cut == 0 && bytes.last() == Some(&b'\r') {
            bytes.pop();
        }
        if cut > 0 {
            // Never split a character where the line was cut.
            if let Err(e) = std::str::from_utf8(&bytes)
                && e.error_len().is_none()
            {
                cut += bytes.len() - e.valid_up_to();
                bytes.truncate(e.valid_up_to());
            }
        }
        let mut text = String::from_utf8_lossy(&bytes).into_owned();
        if cut > 0 {
            text.push_str(&format!(" … ({cut} bytes cut)"));
        }
        self.open = false;
        LogLine {
            stream,
            timestamp: self.timestamp.take(),
            text,
        }
    }
}

/// Turns the engine's log chunks into lines. The engine stores a line longer than 16 KiB as
/// several chunks, each with its own timestamp and only the last ending in a newline; they are
/// joined back here (per stream, since stdout and stderr interleave), then cut to
/// [`MAX_LOG_LINE_BYTES`].
#[derive(Debug, Default)]
pub struct LogAssembler {
    stdout: PartialLine,
    stderr: PartialLine,
}

impl LogAssembler {
    pub fn push(&mut self, stream: LogStream, chunk: &[u8], out: &mut Vec<LogLine>) {
        let (timestamp, mut rest) = split_timestamp(chunk);
        let line = match stream {
            LogStream::Stdout => &mut self.stdout,
            LogStream::Stderr => &mut self.stderr,
        };
        loop {
            if !line.open {
                line.open = true;
                line.timestamp = timestamp;
            }
            match rest.iter().position(|b| *b == b'\n') {
                Some(end) => {
                    line.append(&rest[..end]);
                    out.push(line.take(stream));
                    rest = &rest[end + 1..];
                    if rest.is_empty() {
                        return;
                    }
                }
                None => {
                    line.append(rest);
                    return;
                }
            }
        }
    }

    /// Lines still waiting for their newline when the stream ends.
    pub fn finish(&mut self, out: &mut Vec<LogLine>) {
        for (stream, line) in [
            (LogStream::Stdout, &mut self.stdout),
            (LogStream::Stderr, &mut self.stderr),
        ] {
            if line.open {
                out.push(line.take(stream));
            }
        }
    }
}

/// How long a follow waits for a container that stopped to run again before it gives up; an
/// engine that does not answer is waited for as long as the view stays open.
pub const LOG_GIVE_UP_AFTER: Duration = Duration::from_secs(5 * 60);

/// How often a follow whose log stopped asks whether the container runs again.
const LOG_RESUME_POLL: Duration = Duration::from_millis(500);

/// What to follow of a container's log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FollowOptions {
    /// Lines of the log shown when it is opened, and at most when it goes on after a break.
    pub tail: usize,
    /// See [`LOG_GIVE_UP_AFTER`].
    pub give_up_after: Duration,
}

/// How one attachment to the log ended.
enum StreamEnd {
    /// Cancelled, or nobody listens any more.
    Stop,
    /// The log ended (the container stopped), or the connection broke.
    Closed { broken: bool },
    /// The engine refused to give the log, for a reason other than a missing container.
    Refused(String),
}

/// What an inspect says about the container whose log stopped.
enum RunState {
    /// It runs, in the run that started then.
    Running(Option<DateTime<Utc>>),
    /// It does not run: its state, e.g. `exited (0)`.
    Stopped(String),
    Removed,
    /// The engine did not answer.
    Unreachable(String),
}

/// Where a follow goes on: the run it attaches to, and what to tell the view about the break.
struct Resumption {
    run: Option<DateTime<Utc>>,
    event: Option<LogEvent>,
}

/// One container's log being followed, and where its events go.
struct LogFollow<M> {
    docker: Docker,
    id: String,
    options: FollowOptions,
    sender: mpsc::Sender<M>,
    wrap: fn(LogEvent) -> M,
    cancel: CancellationToken,
}

impl<M: Send + 'static> LogFollow<M> {
    /// Sends one event unless cancelled first; false when the follow should stop.
    async fn deliver(&self, event: LogEvent) -> bool {
        if matches!(&event, LogEvent::Lines(lines) if lines.is_empty()) {
            return true;
        }
        tokio::select! {
            biased;
            _ = self.cancel.cancelled() => false,
            sent = self.sender.send((self.wrap)(event)) => sent.is_ok(),
        }
    }

    /// Sends lines and moves `seen` on to the last of them.
    async fn send_lines(&self, batch: Vec<LogLine>, seen: &mut Option<DateTime<Utc>>) -> bool {
        if let Some(last) = batch.iter().rev().find_map(|line| line.timestamp) {
            *seen = Some(seen.map_or(last, |seen| seen.max(last)));
        }
        self.deliver(LogEvent::Lines(batch)).await
    }

    /// Streams the log once: from `seen` (the engine takes whole seconds, so lines up to `seen`
    /// are left out here), or else its last `tail` lines.
    async fn stream(&self, seen: &mut Option<DateTime<Utc>>) -> StreamEnd {
        let tail = self.options.tail.to_string();
        let mut options = LogsOptionsBuilder::default()
            .follow(true)
            .stdout(true)
            .stderr(true)
            .timestamps(true)
            .tail(&tail);
        let shown_until = *seen;
        if let Some(since) = shown_until.and_then(|at| i32::try_from(at.timestamp()).ok()) {
            options = options.since(since);
        }
        let mut logs = std::pin::pin!(self.docker.logs(&self.id, Some(options.build())));
        let mut assembler = LogAssembler::default();
        let mut pending: Vec<LogLine> = Vec::new();
        let mut flush_at: Option<tokio::time::Instant> = None;
        let unseen = |line: &LogLine| {
            shown_until.is_none_or(|until| line.timestamp.is_none_or(|at| at > until))
        };
        let end = loop {
            let flush = async move {
                match flush_at {
                    Some(at) => tokio::time::sleep_until(at).await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                biased;
                _ = self.cancel.cancelled() => return StreamEnd::Stop,
                _ = self.sender.closed() => return StreamEnd::Stop,
                _ = flush => {
                    flush_at = None;
                    if !self.send_lines(std::mem::take(&mut pending), seen).await {
                        return StreamEnd::Stop;
                    }
                }
                item = logs.next() => match item {
                    Some(Ok(output)) => {
                        let (stream, bytes) = match &output {
                            LogOutput::StdOut { message } | LogOutput::Console { message } => {
                                (LogStream::Stdout, message)
                            }
                            LogOutput::StdErr { message } => (LogStream::Stderr, message),
                            LogOutput::StdIn { .. } => continue,
                        };
                        assembler.push(stream, bytes, &mut pending);
                        pending.retain(unseen);
                        while pending.len() >= LOG_BATCH_LINES {
                            let rest = pending.split_off(LOG_BATCH_LINES);
                            let batch = std::mem::replace(&mut pending, rest);
                            if !self.send_lines(batch, seen).await {
                                return StreamEnd::Stop;
                            }
                        }
                        if pending.is_empty() {
                            flush_at = None;
                        } else if flush_at.is_none() {
                            flush_at = Some(tokio::time::Instant::now() + LOG_BATCH_DELAY);
                        }
                    }
                    Some(Err(error)) => {
                        tracing::debug!(container = %self.id, error = %describe(&error), "docker log stream failed");
                        break match error {
                            bollard::errors::Error::DockerResponseServerError {
                                status_code, ..
                            } if status_code != 404 => StreamEnd::Refused(describe(&error)),
                            _ => StreamEnd::Closed { broken: true },
                        };
                    }
                    None => break StreamEnd::Closed { broken: false },
                }
            }
        };
        assembler.finish(&mut pending);
        pending.retain(unseen);
        while !pending.is_empty() {
            let rest = pending.split_off(pending.len().min(LOG_BATCH_LINES));
            let batch = std::mem::replace(&mut pending, rest);
            if !self.send_lines(batch, seen).await {
                return StreamEnd::Stop;
            }
        }
        end
    }

    async fn run_state(&self) -> RunState {
        let inspect = self.docker.inspect_container(&self.id, None);
        match tokio::time::timeout(PER_CONTAINER_TIMEOUT, inspect).await {
            Ok(Ok(response)) => {
                let info = container_info(response, &self.id);
                if info.state.is_running() {
                    RunState::Running(info.started_at)
                } else {
                    RunState::Stopped(info.state.label())
                }
            }
            Ok(Err(bollard::errors::Error::DockerResponseServerError {
                status_code: 404, ..
            })) => RunState::Removed,
            Ok(Err(error)) => RunState::Unreachable(describe(&error)),
            Err(_) => RunState::Unreachable(format!(
                "no answer within {}",
                humantime::format_duration(PER_CONTAINER_TIMEOUT)
            )),
        }
    }

    /// After the log stopped: waits until the container of run `run` runs again, saying what it
    /// waits for meanwhile. `broken` when the connection broke rather than the log ending. `None`
    /// when the follow is over (its end was sent, or nobody listens).
    async fn wait_to_resume(
        &self,
        run: Option<DateTime<Utc>>,
        mut broken: bool,
    ) -> Option<Resumption> {
        let mut said: Option<String> = None;
        let mut stopped_since: Option<tokio::time::Instant> = None;
        loop {
            let waiting = match self.run_state().await {
                RunState::Running(started) => {
                    let restarted = started != run;
                    // Only a new run, or a break the view knows of, is marked: a log that merely
                    // ended a moment before its container was seen stopping goes on silently.
                    let event =
                        (restarted || broken || said.is_some()).then(|| LogEvent::Resumed {
                            at: started.filter(|_| restarted).unwrap_or_else(Utc::now),
                            restarted,
                        });
                    return Some(Resumption {
                        run: started,
                        event,
                    });
                }
                RunState::Removed => {
                    self.deliver(LogEvent::Ended("container removed".into()))
                        .await;
                    return None;
                }
                RunState::Stopped(state) => {
                    let since = *stopped_since.get_or_insert_with(tokio::time::Instant::now);
                    let give_up_after = self.options.give_up_after;
                    if since.elapsed() >= give_up_after {
                        let reason = format!(
                            "container {state}, not started again within {}",
                            humantime::format_duration(give_up_after)
                        );
                        self.deliver(LogEvent::Ended(reason)).await;
                        return None;
                    }
                    format!("container {state}")
                }
                RunState::Unreachable(error) => {
                    // An engine that does not answer is waited for as long as the view is open.
                    broken = true;
                    stopped_since = None;
                    format!("engine unreachable: {error}")
                }
            };
            if said.as_ref() != Some(&waiting) {
                if !self.deliver(LogEvent::Waiting(waiting.clone())).await {
                    return None;
                }
                said = Some(waiting);
            }
            tokio::select! {
                _ = self.cancel.cancelled() => return None,
                _ = self.sender.closed() => return None,
                _ = tokio::time::sleep(LOG_RESUME_POLL) => {}
            }
        }
    }

    async fn run(self) {
        let mut run = match self.run_state().await {
            RunState::Removed => {
                self.deliver(LogEvent::Ended("container removed".into()))
                    .await;
                return;
            }
            RunState::Running(started) => started,
            RunState::Stopped(_) | RunState::Unreachable(_) => None,
        };
        let mut seen: Option<DateTime<Utc>> = None;
        loop {
            let broken = match self.stream(&mut seen).await {
                StreamEnd::Stop => return,
                StreamEnd::Refused(reason) => {
                    self.deliver(LogEvent::Ended(reason)).await;
                    return;
                }
                StreamEnd::Closed { broken } => broken,
            };
            let Some(resumed) = self.wait_to_resume(run, broken).await else {
                return;
            };
            if let Some(event) = resumed.event
                && !self.deliver(event).await
            {
                return;
            }
            run = resumed.run;
        }
    }
}

/// Streams container `id`'s log: its last `tail` lines, then new lines as they come, in batches,
/// across restarts of the container and of the engine. When the log stops, it waits for the
/// container to run again (saying why it waits), then goes on from the last line shown, after a
/// [`LogEvent::Resumed`]. It ends with [`LogEvent::Ended`] when the container is removed, does not
/// run again within `give_up_after`, or the engine refuses its log; and returns at once when
/// `cancel` fires or the receiver is gone.
pub async fn follow_logs<M: Send + 'static>(
    docker: Docker,
    id: String,
    options: FollowOptions,
    sender: mpsc::Sender<M>,
    wrap: fn(LogEvent) -> M,
    cancel: CancellationToken,
) {
    LogFollow {
        docker,
        id,
        options,
        sender,
        wrap,
        cancel,
    }
    .run()
    .await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_comes_from_config_then_env_then_default() {
        assert_eq!(
            resolve_host(Some("tcp://a:2375"), Some("unix:///b.sock")),
            "tcp://a:2375"
        );
        assert_eq!(resolve_host(None, Some("unix:///b.sock")), "unix:///b.sock");
        assert_eq!(resolve_host(Some(" "), Some("")), DEFAULT_HOST);
        assert_eq!(resolve_host(None, None), "unix:///var/run/docker.sock");
    }

    #[test]
    fn ssh_and_tls_explain_the_socket_forward() {
        for host in ["ssh://ops@db1", "https://docker.example:2376"] {
            let error = connect(host).err().map(|e| e.message).unwrap_or_default();
            assert!(error.contains("not compiled into watchdeck"), "{error}");
            assert!(
                error
                    .contains("ssh -nNT -L /tmp/remote-docker.sock:/var/run/docker.sock user@host"),
                "{error}"
            );
            assert!(error.contains("unix:///tmp/remote-docker.sock"), "{error}");
        }
        let error = connect("ftp://x")
            .err()
            .map(|e| e.message)
            .unwrap_or_default();
        assert!(error.contains("not a Docker address"), "{error}");
    }

    #[test]
    fn a_missing_socket_names_the_host_and_the_cause() {
        let error = connect("unix:///nonexistent/wd.sock")
            .err()
            .map(|e| e.message)
            .unwrap_or_default();
        assert_eq!(
            error,
            "cannot reach Docker at unix:///nonexistent/wd.sock: No such file or directory"
        );
    }

    #[test]
    fn tcp_connects_lazily() {
        assert!(connect("tcp://127.0.0.1:2375").is_ok());
        assert!(connect("http://127.0.0.1:2375").is_ok());
    }

    #[test]
    fn engine_errors_keep_only_the_message() {
        let error = bollard::errors::Error::DockerResponseServerError {
            status_code: 409,
            message: "Container abc is not paused".into(),
        };
        assert_eq!(describe(&error), "Container abc is not paused");
        let io = bollard::errors::Error::IOError {
            err: std::io::Error::from_raw_os_error(111),
        };
        assert_eq!(describe(&io), "Connection refused");
        assert_eq!(strip_os_error("odd (os error"), "odd (os error");
    }

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

    fn lines(chunks: &[(LogStream, &[u8])]) -> Vec<LogLine> {
        let mut assembler = LogAssembler::default();
        let mut out = Vec::new();
        for (stream, chunk) in chunks {
            assembler.push(*stream, chunk, &mut out);
        }
        assembler.finish(&mut out);
        out
    }

    #[test]
    fn log_lines_lose_their_timestamp_and_newline() {
        let out = lines(&[
            (LogStream::Stdout, b"2024-05-01T10:00:00.5Z hello world\n"),
            (LogStream::Stderr, b"2024-05-01T10:00:01Z oops\r\n"),
            (LogStream::Stdout, b"no stamp here\n"),
        ]);
        assert_eq!(out.len(), 3);
        assert_eq!(out[0].text, "hello world");
        assert_eq!(out[0].stream, LogStream::Stdout);
        assert_eq!(out[0].timestamp, parse_time("2024-05-01T10:00:00.5Z"));
        assert_eq!(out[1].text, "oops");
        assert_eq!(out[1].stream, LogStream::Stderr);
        assert_eq!(out[2].text, "no stamp here");
        assert_eq!(out[2].timestamp, None);
    }

    #[test]
    fn chunks_of_one_long_line_are_joined_per_stream() {
        let out = lines(&[
            (LogStream::Stdout, b"2024-05-01T10:00:00Z abc"),
            (LogStream::Stderr, b"2024-05-01T10:00:00Z err\n"),
            (LogStream::Stdout, b"2024-05-01T10:00:01Z def\n"),
            (
                LogStream::Stdout,
                b"2024-05-01T10:00:02Z tail without newline",
            ),
        ]);
        let texts: Vec<&str> = out.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(texts, ["err", "abcdef", "tail without newline"]);
        // A joined line keeps the time of its first chunk.
        assert_eq!(out[1].timestamp, parse_time("2024-05-01T10:00:00Z"));
    }

    #[test]
    fn a_huge_line_is_cut_at_16_kib() {
        let chunk = |c: u8| {
            let mut bytes = b"2024-05-01T10:00:00Z ".to_vec();
            bytes.extend(std::iter::repeat_n(c, MAX_LOG_LINE_BYTES));
            bytes
        };
        let (first, second) = (chunk(b'a'), chunk(b'b'));
        let mut last = b"2024-05-01T10:00:00Z ".to_vec();
        last.extend_from_slice(b"ccc\n");
        let out = lines(&[
            (LogStream::Stdout, &first),
            (LogStream::Stdout, &second),
            (LogStream::Stdout, &last),
            (LogStream::Stdout, b"2024-05-01T10:00:01Z next\n"),
        ]);
        assert_eq!(out.len(), 2);
        let expected_cut = MAX_LOG_LINE_BYTES + 3;
        assert!(out[0].text.starts_with("aaaa"));
        assert!(
            out[0]
                .text
                .ends_with(&format!("a … ({expected_cut} bytes cut)")),
            "{}",
            &out[0].text[MAX_LOG_LINE_BYTES - 5..]
        );
        assert_eq!(out[1].text, "next");
    }

    #[test]
    fn a_cut_never_splits_a_character() {
        let mut line = vec![b'x'; MAX_LOG_LINE_BYTES - 1];
        line.extend("éé\n".as_bytes());
        let out = lines(&[(LogStream::Stdout, &line)]);
        // The first é would straddle the limit: it goes, whole.
        assert_eq!(
            out[0].text.len(),
            MAX_LOG_LINE_BYTES - 1 + " … (4 bytes cut)".len()
        );
        assert!(out[0].text.ends_with("x … (4 bytes cut)"));
    }

    #[test]
    fn futures_the_app_spawns_are_send() {
        fn is_send<T: Send>(_: &T) {}
        let docker = connect("tcp://127.0.0.1:1").ok();
        if let Some(docker) = docker {
            let (sender, _receiver) = mpsc::channel::<LogEvent>(1);
            let options = FollowOptions {
                tail: 10,
                give_up_after: LOG_GIVE_UP_AFTER,
            };
            let follow = follow_logs(
                docker.clone(),
                "x".into(),
                options,
                sender,
                |event| event,
                CancellationToken::new(),
            );
            is_send(&follow);
            is_send(&run_action(&docker, "x", ContainerAction::Stop));
        }
    }
}
