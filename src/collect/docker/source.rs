//! A [`DockerSource`] keeps the last inspect of every container between polls and follows the
//! engine's event stream, so a steady-state poll costs one ping, a few inspects (only containers
//! the engine reported as changed) and one-shot stats of the running ones. A full list runs on the
//! first poll, whenever the event stream broke, and every [`RESYNC_EVERY`] as a safety net.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use bollard::Docker;
use bollard::models::{ContainerStatsResponse, ContainerSummary};
use bollard::query_parameters::{
    EventsOptionsBuilder, ListContainersOptionsBuilder, StatsOptionsBuilder,
};
use chrono::Utc;
use futures_util::{StreamExt, stream};

use super::parse::{
    CpuSample, container_info, container_stats, cpu_percent, event_changes_container, parse_time,
    summary_state,
};
use super::{PER_CONTAINER_TIMEOUT, answer_within, connect, describe};
use crate::collect::{CollectError, Collector};
use crate::config::DockerTls;
use crate::model::containers::{ContainerInfo, ContainerStats, EngineSnapshot};

/// A full list runs at least this often, in case an event was missed.
pub const RESYNC_EVERY: Duration = Duration::from_secs(30);

/// Inspects in flight at once: enough to hide latency, few enough not to load a busy engine.
const CONCURRENCY: usize = 8;

/// Stats requests in flight at once. A one-shot stats request is cheap for the engine but is
/// answered at the next tick of its stats collector (once a second on Docker 20.10), and all
/// requests waiting for a tick share it. Measured there: 8 at a time made a poll of 40 running
/// containers take 5 s; 128 made 200 running take 2.7 s, and this many 1.5 s (one tick).
const STATS_CONCURRENCY: usize = 256;

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
    tls: Option<DockerTls>,
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
            tls: None,
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

    /// Reaches a `tcp://` engine over TLS with these files.
    pub fn with_tls(mut self, tls: Option<DockerTls>) -> Self {
        self.tls = tls;
        self
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
                let docker = connect(&self.host, self.tls.as_ref())?;
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
