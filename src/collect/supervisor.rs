//! Keeps the source tasks alive: a task that panics or returns while the app runs is reported as
//! its source being down, with the panic message, and started again after a capped exponential
//! backoff. Restarting is spawning, so the app loop that awaits [`SourceTasks::next_death`] never
//! waits out a backoff itself.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use tokio::task::{JoinError, JoinSet};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::model::source::{SourceDeath, SourceFailure, SourceId};

/// The first wait before a dead source task is started again; it doubles on every death in a row.
const FIRST_RESTART_DELAY: Duration = Duration::from_secs(1);
const MAX_RESTART_DELAY: Duration = Duration::from_secs(60);
/// A task that ran this long before it died was healthy: its next restart waits the first delay.
const HEALTHY_RUN: Duration = Duration::from_secs(300);

type SourceFuture = Pin<Box<dyn Future<Output = ()> + Send>>;
type StartSource = Arc<dyn Fn() -> SourceFuture + Send + Sync>;

/// What the supervisor knows of one running task.
struct Running {
    source: SourceId,
    start: StartSource,
    /// When the task started (after its restart delay), to tell a healthy run from a crash loop.
    started: Instant,
    /// Deaths in a row, each after a short run; sets the next restart delay.
    deaths: u32,
}

/// The source tasks of the app, each started by a function that can start it again.
pub struct SourceTasks {
    tasks: JoinSet<()>,
    running: HashMap<tokio::task::Id, Running>,
    cancel: CancellationToken,
}

impl SourceTasks {
    /// Tasks end quietly, and are not restarted, once `cancel` fires.
    pub fn new(cancel: CancellationToken) -> Self {
        Self {
            tasks: JoinSet::new(),
            running: HashMap::new(),
            cancel,
        }
    }

    /// Starts a source task now; `start` is called again for every restart.
    pub fn spawn<F>(&mut self, source: SourceId, start: impl Fn() -> F + Send + Sync + 'static)
    where
        F: Future<Output = ()> + Send + 'static,
    {
        let start: StartSource = Arc::new(move || Box::pin(start()));
        self.launch(source, start, Duration::ZERO, 0);
    }

    fn launch(&mut self, source: SourceId, start: StartSource, delay: Duration, deaths: u32) {
        let cancel = self.cancel.clone();
        let task = start();
        let handle = self.tasks.spawn(async move {
            tokio::select! {
                _ = cancel.cancelled() => return,
                _ = tokio::time::sleep(delay) => {}
            }
            task.await;
        });
        self.running.insert(
            handle.id(),
            Running {
                source,
                start,
                started: Instant::now() + delay,
                deaths,
            },
        );
    }

    /// Waits until a source task dies, schedules its restart, and says which and why. Cancel
    /// safe: the only wait is for a task to end. Pending forever while no task runs, so a
    /// `select!` branch on it stays quiet.
    pub async fn next_death(&mut self) -> SourceDeath {
        loop {
            let Some(ended) = self.tasks.join_next_with_id().await else {
                return std::future::pending().await;
            };
            let (id, error) = match ended {
                Ok((id, ())) => (id, "source task ended".to_string()),
                Err(error) => (error.id(), describe(error)),
            };
            let Some(running) = self.running.remove(&id) else {
                continue;
            };
            if self.cancel.is_cancelled() {
                continue;
            }
            let deaths = if running.started.elapsed() >= HEALTHY_RUN {
                0
            } else {
                running.deaths
            };
            let delay = restart_delay(deaths);
            tracing::error!(source = %running.source.name, %error, retry_in = ?delay, "source task died");
            let retry_at = crate::duration::later(Utc::now(), delay);
            let source = running.source.clone();
            self.launch(
                running.source,
                running.start,
                delay,
                deaths.saturating_add(1),
            );
            return SourceDeath {
                source,
                failure: SourceFailure { error, retry_at },
            };
        }
    }
}

/// 1 s, 2 s, 4 s, … up to a minute.
fn restart_delay(deaths: u32) -> Duration {
    FIRST_RESTART_DELAY
        .saturating_mul(1 << deaths.min(16))
        .min(MAX_RESTART_DELAY)
}

fn describe(error: JoinError) -> String {
    if !error.is_panic() {
        return "source task ended".to_string();
    }
    let payload = error.into_panic();
    let message = payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned());
    match message {
        Some(message) => format!("source task panicked: {message}"),
        None => "source task panicked".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::collect::{CollectError, Collector, Schedule, SourceReport, supervise};
    use std::sync::atomic::{AtomicU32, Ordering};
    use tokio::sync::mpsc;

    /// Answers `answers` polls, then panics on the next.
    struct PanicsAfter {
        answers: u32,
        polls: Arc<AtomicU32>,
    }

    impl Collector for PanicsAfter {
        type Snapshot = u32;
        async fn poll(&mut self) -> Result<u32, CollectError> {
            let polls = self.polls.fetch_add(1, Ordering::SeqCst) + 1;
            if self.answers == 0 {
                panic!("sampler state corrupt at poll {polls}");
            }
            self.answers -= 1;
            Ok(polls)
        }
    }

    const SCHEDULE: Schedule = Schedule {
        every: Duration::from_secs(1),
        timeout: Duration::from_secs(5),
        max_backoff: Duration::from_secs(60),
    };

    /// A supervised collector that panics at once on every start.
    fn panicking_source(
        tasks: &mut SourceTasks,
        polls: &Arc<AtomicU32>,
        sender: &mpsc::Sender<SourceReport<u32>>,
        cancel: &CancellationToken,
    ) {
        let polls = polls.clone();
        let sender = sender.clone();
        let cancel = cancel.clone();
        tasks.spawn(SourceId::system(), move || {
            let collector = PanicsAfter {
                answers: 0,
                polls: polls.clone(),
            };
            supervise(collector, SCHEDULE, sender.clone(), |r| r, cancel.clone())
        });
    }

    #[tokio::test(start_paused = true)]
    async fn a_panicking_source_is_reported_down_and_restarted_with_growing_delays() {
        let cancel = CancellationToken::new();
        let mut tasks = SourceTasks::new(cancel.clone());
        let polls = Arc::new(AtomicU32::new(0));
        let (sender, _receiver) = mpsc::channel(8);
        panicking_source(&mut tasks, &polls, &sender, &cancel);

        let started = Instant::now();
        let death = tasks.next_death().await;
        assert_eq!(death.source, SourceId::system());
        assert_eq!(
            death.failure.error,
            "source task panicked: sampler state corrupt at poll 1"
        );
        let wait = (death.failure.retry_at - Utc::now()).num_milliseconds();
        assert!((900..=1000).contains(&wait), "retry in {wait} ms");

        let mut deaths_at = vec![started.elapsed()];
        for _ in 0..3 {
            let death = tasks.next_death().await;
            assert!(death.failure.error.starts_with("source task panicked"));
            deaths_at.push(started.elapsed());
        }
        assert_eq!(polls.load(Ordering::SeqCst), 4, "restarted three times");
        let gaps: Vec<u64> = deaths_at
            .windows(2)
            .map(|w| (w[1] - w[0]).as_secs())
            .collect();
        assert_eq!(gaps, [1, 2, 4], "the delay doubles while it keeps dying");
        cancel.cancel();
    }

    #[tokio::test(start_paused = true)]
    async fn a_source_that_ran_well_restarts_after_the_first_delay_again() {
        let mut tasks = SourceTasks::new(CancellationToken::new());
        let starts = Arc::new(AtomicU32::new(0));
        let counted = starts.clone();
        // Dies at once twice, then after ten healthy minutes.
        tasks.spawn(SourceId::docker("local"), move || {
            let start = counted.fetch_add(1, Ordering::SeqCst);
            async move {
                if start >= 2 {
                    tokio::time::sleep(Duration::from_secs(600)).await;
                }
            }
        });
        let started = Instant::now();
        let mut deaths_at = Vec::new();
        for _ in 0..4 {
            let death = tasks.next_death().await;
            assert_eq!(death.failure.error, "source task ended");
            deaths_at.push(started.elapsed().as_secs());
        }
        // 1 s and 2 s after the quick deaths; after each ten-minute run, 1 s again (not 4 s).
        assert_eq!(deaths_at, [0, 1, 603, 1204]);
    }

    #[tokio::test(start_paused = true)]
    async fn nothing_restarts_after_the_app_stops() {
        let cancel = CancellationToken::new();
        let mut tasks = SourceTasks::new(cancel.clone());
        let polls = Arc::new(AtomicU32::new(0));
        let (sender, _receiver) = mpsc::channel(8);
        panicking_source(&mut tasks, &polls, &sender, &cancel);
        tasks.next_death().await;
        cancel.cancel();
        let quiet = tokio::time::timeout(Duration::from_secs(120), tasks.next_death()).await;
        assert!(quiet.is_err(), "{quiet:?}");
        assert_eq!(polls.load(Ordering::SeqCst), 1);
    }
}
