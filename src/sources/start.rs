//! How each kind of source is started: for the console, a supervised task that polls on its
//! schedule until cancelled; for `watchdeck check`, one poll within the same bound. One arm per
//! kind in each, side by side, so the two cannot drift.

use std::time::Duration;

use chrono::Utc;
use tokio::sync::{mpsc, watch};
use tokio_util::sync::CancellationToken;

use super::{Source, SourceSpec};
use crate::collect::alertmanager::AlertmanagerSource;
use crate::collect::database::DatabaseSource;
use crate::collect::docker::DockerSource;
use crate::collect::endpoints::{self, ProbeTriggers, poll_all_once};
use crate::collect::prometheus::PrometheusSource;
use crate::collect::supervisor::SourceTasks;
use crate::collect::system::SystemSource;
use crate::collect::{CollectError, Collector, Schedule, supervise};
use crate::model::alertmanager::PushedAlert;
use crate::model::source::{SourceFailure, SourceId, SourceReport};
use crate::msg::{Msg, SourceUpdate};

/// The longest a failing source waits before it is polled again.
const MAX_BACKOFF: Duration = Duration::from_secs(60);

/// What the console's sources are connected to: where they report, when they stop, and what
/// the app tells them.
pub struct Wiring<'a> {
    pub sender: mpsc::Sender<Msg>,
    pub cancel: CancellationToken,
    /// Whether the process table is on screen, for the host sampler.
    pub processes_wanted: &'a watch::Sender<bool>,
    /// The console's own alerts, for the Alertmanagers with `push`.
    pub pushed: &'a watch::Sender<Vec<PushedAlert>>,
    /// "Poll now" for each endpoint.
    pub probes: &'a ProbeTriggers,
}

impl Source {
    /// Starts the source's task in `tasks`, which starts it again if it dies.
    pub fn start(&self, tasks: &mut SourceTasks, wiring: &Wiring) {
        let schedule = Schedule {
            every: self.every,
            timeout: self.timeout,
            max_backoff: MAX_BACKOFF,
        };
        let id = self.id.clone();
        match &self.spec {
            SourceSpec::System { ignore_mounts } => {
                let ignore_mounts = ignore_mounts.clone();
                let wanted = wiring.processes_wanted.subscribe();
                supervised(
                    tasks,
                    id,
                    schedule,
                    wiring,
                    move || {
                        SystemSource::new(&ignore_mounts).sampling_processes_while(wanted.clone())
                    },
                    SourceUpdate::System,
                );
            }
            SourceSpec::Docker(engine) => {
                let engine = engine.clone();
                let name = engine.name.clone();
                supervised(
                    tasks,
                    id,
                    schedule,
                    wiring,
                    move || DockerSource::new(&engine.name, &engine.host).with_tls(engine.tls()),
                    move |report| SourceUpdate::Docker {
                        engine: name.clone(),
                        report,
                    },
                );
            }
            SourceSpec::Database(config) => {
                let config = config.clone();
                let name = config.name.clone();
                supervised(
                    tasks,
                    id,
                    schedule,
                    wiring,
                    move || DatabaseSource::new(&config),
                    move |report| SourceUpdate::Database {
                        database: name.clone(),
                        report,
                    },
                );
            }
            SourceSpec::Endpoints(list) => {
                // Not one poll per interval: every endpoint on its own schedule, in one prober
                // that sends a batch every refresh.
                let (list, flush) = (list.clone(), self.every);
                let (sender, cancel, probes) = (
                    wiring.sender.clone(),
                    wiring.cancel.clone(),
                    wiring.probes.clone(),
                );
                tasks.spawn(id, move || {
                    endpoints::run(
                        list.clone(),
                        probes.clone(),
                        flush,
                        sender.clone(),
                        |r| Msg::Source(SourceUpdate::Endpoints(r)),
                        cancel.clone(),
                    )
                });
            }
            SourceSpec::Alertmanager(config) => {
                let config = config.clone();
                let name = config.name.clone();
                let pushed = config.push.then(|| wiring.pushed.subscribe());
                supervised(
                    tasks,
                    id,
                    schedule,
                    wiring,
                    move || {
                        let source = AlertmanagerSource::new(&config);
                        match &pushed {
                            Some(pushed) => source.pushing(pushed.clone()),
                            None => source,
                        }
                    },
                    move |report| SourceUpdate::Alertmanager {
                        name: name.clone(),
                        report,
                    },
                );
            }
            SourceSpec::Prometheus(config) => {
                let config = config.clone();
                let name = config.name.clone();
                supervised(
                    tasks,
                    id,
                    schedule,
                    wiring,
                    move || PrometheusSource::new(&config),
                    move |report| SourceUpdate::Prometheus {
                        name: name.clone(),
                        report,
                    },
                );
            }
        }
    }

    /// One poll within the source's bound, for `watchdeck check`.
    pub async fn poll_once(self) -> SourceUpdate {
        let budget = self.timeout;
        match self.spec {
            SourceSpec::System { ignore_mounts } => {
                // CPU and network rates are deltas: the host is sampled twice.
                let mut system = SystemSource::new(&ignore_mounts);
                let report = match system.poll().await {
                    Ok(_) => {
                        tokio::time::sleep(
                            sysinfo::MINIMUM_CPU_UPDATE_INTERVAL.max(Duration::from_millis(250)),
                        )
                        .await;
                        report(system.poll().await)
                    }
                    Err(error) => report(Err(error)),
                };
                SourceUpdate::System(report)
            }
            SourceSpec::Docker(engine) => SourceUpdate::Docker {
                report: once(
                    DockerSource::new(&engine.name, &engine.host).with_tls(engine.tls()),
                    budget,
                )
                .await,
                engine: engine.name,
            },
            SourceSpec::Database(config) => SourceUpdate::Database {
                report: once(DatabaseSource::new(&config), budget).await,
                database: config.name,
            },
            SourceSpec::Endpoints(list) => {
                SourceUpdate::Endpoints(report(Ok(poll_all_once(&list).await)))
            }
            SourceSpec::Alertmanager(config) => SourceUpdate::Alertmanager {
                report: once(AlertmanagerSource::new(&config), budget).await,
                name: config.name,
            },
            SourceSpec::Prometheus(config) => SourceUpdate::Prometheus {
                report: once(PrometheusSource::new(&config), budget).await,
                name: config.name,
            },
        }
    }
}

/// Spawns a task that polls what `make` builds (again at each restart) on `schedule`.
fn supervised<C, W>(
    tasks: &mut SourceTasks,
    id: SourceId,
    schedule: Schedule,
    wiring: &Wiring,
    make: impl Fn() -> C + Send + Sync + 'static,
    wrap: W,
) where
    C: Collector,
    W: Fn(SourceReport<C::Snapshot>) -> SourceUpdate + Clone + Send + Sync + 'static,
{
    let (sender, cancel) = (wiring.sender.clone(), wiring.cancel.clone());
    tasks.spawn(id, move || {
        let wrap = wrap.clone();
        supervise(
            make(),
            schedule,
            sender.clone(),
            move |report| Msg::Source(wrap(report)),
            cancel.clone(),
        )
    });
}

/// One poll of `collector`, failed if it takes longer than `budget`.
async fn once<C: Collector>(mut collector: C, budget: Duration) -> SourceReport<C::Snapshot> {
    let result = tokio::time::timeout(budget, collector.poll())
        .await
        .unwrap_or_else(|_| {
            Err(CollectError::new(format!(
                "no answer within {}",
                humantime::format_duration(budget)
            )))
        });
    report(result)
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
