//! Sources: tokio tasks that poll something and send whole snapshots to the app.
//!
//! One supervisor task per source: it polls on an interval (missed ticks skipped, never stacked),
//! bounds every poll with a timeout, reports failures as statuses with the next retry time, and
//! backs off exponentially (capped) while the source stays down.

pub mod alertmanager;
pub mod database;
pub mod docker;
pub mod endpoints;
pub mod procfs;
pub mod prometheus;
pub mod supervisor;
pub mod system;

use std::future::Future;
use std::time::Duration;

use backon::{BackoffBuilder, ExponentialBuilder};
use chrono::Utc;

use crate::model::source::{SourceFailure, SourceReport};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// A poll that failed; the message is shown to the operator as is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct CollectError {
    pub message: String,
}

impl CollectError {
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
        }
    }
}

/// The next wall-clock second, plus `after`, as a tokio instant. Sources report on the second
/// so that the app folds their reports into one frame.
pub fn next_second(after: Duration) -> tokio::time::Instant {
    let into_second =
        Duration::from_millis(1000 - u64::from(Utc::now().timestamp_subsec_millis().min(999)));
    tokio::time::Instant::now() + into_second + after
}

/// Something polled by a supervisor.
pub trait Collector: Send + 'static {
    type Snapshot: Send + 'static;
    fn poll(&mut self) -> impl Future<Output = Result<Self::Snapshot, CollectError>> + Send;
}

/// Timing of one supervised source.
#[derive(Debug, Clone, Copy)]
pub struct Schedule {
    pub every: Duration,
    pub timeout: Duration,
    pub max_backoff: Duration,
}

/// Polls `collector` until `cancel` fires or the app hangs up, sending each report through `wrap`.
pub async fn supervise<C, M>(
    mut collector: C,
    schedule: Schedule,
    sender: mpsc::Sender<M>,
    wrap: impl Fn(SourceReport<C::Snapshot>) -> M + Send,
    cancel: CancellationToken,
) where
    C: Collector,
    M: Send + 'static,
{
    // Poll at once, then on wall-clock second boundaries: every source reports at about the same
    // moment, and the app folds those reports and its clock tick into a single frame.
    let mut interval = tokio::time::interval_at(next_second(Duration::ZERO), schedule.every);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut first = true;
    let new_backoff = || {
        ExponentialBuilder::default()
            .with_min_delay(schedule.every)
            .with_max_delay(schedule.max_backoff)
            .with_jitter()
            .without_max_times()
            .build()
    };
    let mut backoff = new_backoff();
    loop {
        if !first {
            tokio::select! {
                _ = cancel.cancelled() => return,
                _ = interval.tick() => {}
            }
        }
        first = false;
        let started = tokio::time::Instant::now();
        let outcome = match tokio::time::timeout(schedule.timeout, collector.poll()).await {
            Ok(result) => result,
            Err(_) => Err(CollectError::new(format!(
                "no answer within {}",
                humantime::format_duration(schedule.timeout)
            ))),
        };
        let (report, delay) = match outcome {
            Ok(snapshot) => {
                tracing::debug!(took = ?started.elapsed(), "source poll answered");
                backoff = new_backoff();
                (
                    SourceReport {
                        at: Utc::now(),
                        result: Ok(snapshot),
                    },
                    None,
                )
            }
            Err(error) => {
                let delay = backoff.next().unwrap_or(schedule.max_backoff);
                let retry_at = crate::duration::later(Utc::now(), delay);
                tracing::warn!(error = %error, retry_in = ?delay, "source poll failed");
                (
                    SourceReport {
                        at: Utc::now(),
                        result: Err(SourceFailure {
                            error: error.message,
                            retry_at,
                        }),
                    },
                    Some(delay),
                )
            }
        };
        if sender.send(wrap(report)).await.is_err() {
            return;
        }
        if let Some(delay) = delay {
            tokio::select! {
                _ = cancel.cancelled() => return,
                _ = tokio::time::sleep(delay) => interval.reset(),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Fails a given number of times, then succeeds.
    struct Flaky {
        failures_left: u32,
    }

    impl Collector for Flaky {
        type Snapshot = u32;
        async fn poll(&mut self) -> Result<u32, CollectError> {
            if self.failures_left > 0 {
                self.failures_left -= 1;
                Err(CollectError::new("refused"))
            } else {
                Ok(7)
            }
        }
    }

    #[tokio::test(start_paused = true)]
    async fn failures_become_reports_with_retry_then_recover() {
        let (sender, mut receiver) = mpsc::channel(8);
        let cancel = CancellationToken::new();
        let schedule = Schedule {
            every: Duration::from_secs(1),
            timeout: Duration::from_secs(1),
            max_backoff: Duration::from_secs(4),
        };
        let task = tokio::spawn(supervise(
            Flaky { failures_left: 2 },
            schedule,
            sender,
            |r| r,
            cancel.clone(),
        ));
        let first = receiver.recv().await.map(|r| r.result);
        assert!(
            matches!(first, Some(Err(SourceFailure { ref error, .. })) if error == "refused"),
            "{first:?}"
        );
        assert!(matches!(
            receiver.recv().await.map(|r| r.result),
            Some(Err(_))
        ));
        assert_eq!(receiver.recv().await.map(|r| r.result), Some(Ok(7)));
        cancel.cancel();
        assert!(task.await.is_ok());
    }

    struct Hangs;

    impl Collector for Hangs {
        type Snapshot = ();
        async fn poll(&mut self) -> Result<(), CollectError> {
            std::future::pending().await
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_hanging_poll_times_out_as_a_failure() {
        let (sender, mut receiver) = mpsc::channel(8);
        let cancel = CancellationToken::new();
        let schedule = Schedule {
            every: Duration::from_secs(1),
            timeout: Duration::from_secs(2),
            max_backoff: Duration::from_secs(4),
        };
        tokio::spawn(supervise(Hangs, schedule, sender, |r| r, cancel.clone()));
        let report = receiver.recv().await.map(|r| r.result);
        assert!(
            matches!(report, Some(Err(SourceFailure { ref error, .. })) if error.contains("no answer within 2s")),
            "{report:?}"
        );
        cancel.cancel();
    }
}
