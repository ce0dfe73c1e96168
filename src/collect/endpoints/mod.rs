//! The endpoint prober: one task per endpoint polls it on its own schedule (polls of one endpoint
//! never overlap, and a slow one only delays itself), the endpoints' first polls are spread over
//! their interval, one semaphore bounds the polls in flight, and HTTP connections are kept and
//! reused between polls. Results are batched and sent to the app once per refresh, so 500
//! endpoints cost one message and at most one frame a second.
//!
//! The stack is hyper's HTTP/1 client over tokio-rustls (ring provider: it builds with `cc`
//! alone), driven by hand rather than through a pooled client, so each connection's TLS session
//! is at hand: its leaf certificate is read with x509-parser, and a kept connection is replaced
//! after an hour so the certificate is checked at least hourly.
//!
//! `probe.rs` is one endpoint's probe (its kept connection, redirects, what a poll saw),
//! `exchange.rs` one HTTP exchange on a stream, `certs.rs` the trust stores and the certificate
//! a handshake saw, and `assertions.rs` what an answer must be.

mod assertions;
mod certs;
mod exchange;
mod probe;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use tokio::sync::{Notify, Semaphore, mpsc};
use tokio::task::JoinSet;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::config::EndpointConfig;
use crate::model::endpoints::{ProbeBatch, ProbeResult};
use crate::model::source::SourceReport;

use certs::TrustStores;
use probe::Probe;

/// Polls in flight at once, over every endpoint.
pub const MAX_CONCURRENT_POLLS: usize = 64;

/// "Poll now" for each endpoint, shared by the executor and the prober's tasks.
#[derive(Debug, Clone, Default)]
pub struct ProbeTriggers {
    by_name: Arc<HashMap<String, Arc<Notify>>>,
}

impl ProbeTriggers {
    pub fn new<'a>(names: impl IntoIterator<Item = &'a str>) -> Self {
        Self {
            by_name: Arc::new(
                names
                    .into_iter()
                    .map(|name| (name.to_string(), Arc::new(Notify::new())))
                    .collect(),
            ),
        }
    }

    /// Asks for a poll of `endpoint` as soon as its current one (if any) ends.
    pub fn poll_now(&self, endpoint: &str) {
        if let Some(notify) = self.by_name.get(endpoint) {
            notify.notify_one();
        }
    }

    fn of(&self, endpoint: &str) -> Arc<Notify> {
        self.by_name.get(endpoint).cloned().unwrap_or_default()
    }
}

/// The grid the first polls are placed on. Polls that share a step start together and their
/// answers are read in one wakeup of the prober's thread: with 500 endpoints every 10 s that
/// halved its CPU. A tenth of a second still spreads them over the interval.
pub const SPREAD_STEP: Duration = Duration::from_millis(100);

/// When each endpoint polls first, after the start: endpoint `i` of `n` waits `i/n` of its own
/// interval, rounded down to a [`SPREAD_STEP`], so polls are spread evenly instead of fired
/// together.
pub fn spread_offsets(intervals: &[Duration]) -> Vec<Duration> {
    let n = intervals.len().max(1) as u128;
    let step = SPREAD_STEP.as_nanos();
    intervals
        .iter()
        .zip(0u128..)
        .map(|(interval, i)| {
            let offset = interval.as_nanos() * i / n;
            Duration::from_nanos(u64::try_from(offset / step * step).unwrap_or(u64::MAX))
        })
        .collect()
}

/// The next slot on an endpoint's grid after `now`: a poll that overran skips slots instead of
/// bunching the next ones up.
pub fn next_slot(next: Instant, now: Instant, interval: Duration) -> Instant {
    if next > now {
        return next;
    }
    let behind = (now - next).as_nanos();
    let slots = behind / interval.as_nanos().max(1) + 1;
    next + interval.mul_f64(slots as f64)
}

/// Runs every probe until `cancel` fires or the app hangs up, sending one batch every `flush`.
///
/// The probes run on a thread of their own with a single-threaded runtime: their 50 polls a
/// second (500 endpoints every 10 s) then wake only that thread, not the app's workers, which
/// hear from the prober once per batch. It cost a third of the prober's CPU on 2 cores.
pub async fn run<M: Send + 'static>(
    endpoints: Vec<EndpointConfig>,
    triggers: ProbeTriggers,
    flush: Duration,
    sender: mpsc::Sender<M>,
    wrap: impl Fn(SourceReport<ProbeBatch>) -> M + Send + 'static,
    cancel: CancellationToken,
) {
    // Stops the probes when this future ends or is dropped (the source task aborted).
    let stop = CancellationToken::new();
    let _stop_on_drop = stop.clone().drop_guard();
    let (finished, ended) = tokio::sync::oneshot::channel::<()>();
    let probes = probe_and_batch(endpoints, triggers, flush, sender, wrap, stop);
    let spawned = std::thread::Builder::new()
        .name("endpoint-probes".into())
        .spawn(move || {
            match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(runtime) => runtime.block_on(probes),
                Err(error) => tracing::error!(%error, "starting the endpoint probes' runtime"),
            }
            drop(finished);
        });
    if let Err(error) = spawned {
        tracing::error!(%error, "starting the endpoint probes' thread");
        return;
    }
    tokio::select! {
        _ = cancel.cancelled() => {}
        _ = ended => {}
    }
}

async fn probe_and_batch<M: Send + 'static>(
    endpoints: Vec<EndpointConfig>,
    triggers: ProbeTriggers,
    flush: Duration,
    sender: mpsc::Sender<M>,
    wrap: impl Fn(SourceReport<ProbeBatch>) -> M + Send,
    cancel: CancellationToken,
) {
    let mut roots = TrustStores::new();
    let limit = Arc::new(Semaphore::new(MAX_CONCURRENT_POLLS));
    let (results_sender, mut results) = mpsc::channel(1024);
    let mut tasks = JoinSet::new();
    let start = Instant::now();
    let offsets = spread_offsets(&endpoints.iter().map(|e| e.interval).collect::<Vec<_>>());
    for (endpoint, offset) in endpoints.into_iter().zip(offsets) {
        let trigger = triggers.of(&endpoint.name);
        tasks.spawn(poll_on_schedule(
            Probe::new(roots.for_endpoint(&endpoint), endpoint),
            start + offset,
            Arc::clone(&limit),
            results_sender.clone(),
            trigger,
        ));
    }
    drop(results_sender);
    let mut ticks = tokio::time::interval_at(super::next_second(Duration::ZERO), flush);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut batch = Vec::new();
    loop {
        tokio::select! {
            _ = cancel.cancelled() => return,
            Some(result) = results.recv() => batch.push(result),
            _ = ticks.tick() => {
                let report = SourceReport {
                    at: Utc::now(),
                    result: Ok(ProbeBatch { results: std::mem::take(&mut batch) }),
                };
                if sender.send(wrap(report)).await.is_err() {
                    return;
                }
            }
        }
    }
}

async fn poll_on_schedule(
    mut probe: Probe,
    first: Instant,
    limit: Arc<Semaphore>,
    results: mpsc::Sender<ProbeResult>,
    trigger: Arc<Notify>,
) {
    let mut next = first;
    loop {
        let scheduled = tokio::select! {
            _ = tokio::time::sleep_until(next) => next,
            _ = trigger.notified() => Instant::now(),
        };
        let Ok(permit) = limit.acquire().await else {
            return;
        };
        let lag = scheduled.elapsed();
        tracing::debug!(endpoint = %probe.config.name, lag_us = lag.as_micros() as u64, "poll started");
        // Boxed: a poll's future (hyper, TLS) is 6 KiB, and inline it would stay resident in
        // every endpoint's task between polls (3 MiB for 500).
        let result = Box::pin(probe.poll(lag)).await;
        drop(permit);
        if results.send(result).await.is_err() {
            return;
        }
        next = next_slot(next, Instant::now(), probe.config.interval);
    }
}

/// Polls every endpoint once, at once (within the concurrency limit): `watchdeck check`.
pub async fn poll_all_once(endpoints: &[EndpointConfig]) -> ProbeBatch {
    let mut roots = TrustStores::new();
    let limit = Arc::new(Semaphore::new(MAX_CONCURRENT_POLLS));
    let mut tasks = JoinSet::new();
    for (index, endpoint) in endpoints.iter().enumerate() {
        let mut probe = Probe::new(roots.for_endpoint(endpoint), endpoint.clone());
        let limit = Arc::clone(&limit);
        tasks.spawn(async move {
            let _permit = limit.acquire().await.ok();
            (index, probe.poll(Duration::ZERO).await)
        });
    }
    let mut results: Vec<(usize, ProbeResult)> = tasks.join_all().await;
    results.sort_by_key(|(index, _)| *index);
    ProbeBatch {
        results: results.into_iter().map(|(_, result)| result).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustls::RootCertStore;

    fn config(extra: &str) -> EndpointConfig {
        toml::from_str(&format!("name = \"e\"\nurl = \"http://e\"\n{extra}"))
            .unwrap_or_else(|error| panic!("{error}"))
    }

    /// Serves `answer` to every connection on a loopback port; the endpoint config for it.
    async fn answering(answer: Vec<u8>, extra: &str) -> EndpointConfig {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                let answer = answer.clone();
                tokio::spawn(async move {
                    let mut request = [0u8; 1024];
                    let _ = tokio::io::AsyncReadExt::read(&mut stream, &mut request).await;
                    let _ = tokio::io::AsyncWriteExt::write_all(&mut stream, &answer).await;
                });
            }
        });
        toml::from_str(&format!(
            "name = \"e\"\nurl = \"http://127.0.0.1:{port}/\"\n{extra}"
        ))
        .unwrap()
    }

    async fn failure_of(config: EndpointConfig) -> String {
        let mut batch = poll_all_once(&[config]).await;
        let result = batch.results.remove(0);
        result.failure.map(|f| f.full()).unwrap_or_default()
    }

    #[tokio::test]
    async fn a_body_cut_at_its_limit_is_said_to_be_cut_not_to_be_bad_json() {
        let document = format!("{{\"status\":\"ok\",\"pad\":\"{}\"}}", "x".repeat(200_000));
        let answer = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{document}",
            document.len()
        );
        let json = "json = { pointer = \"/status\", equals = \"ok\" }";
        let cut = failure_of(answering(answer.clone().into_bytes(), json).await).await;
        assert_eq!(
            cut,
            "assertion failed: the body was cut at body_limit (65536 bytes): raise it to read the whole body"
        );
        let whole = answering(
            answer.into_bytes(),
            &format!("{json}\nbody_limit = 1048576"),
        )
        .await;
        assert_eq!(failure_of(whole).await, "");
    }

    #[tokio::test]
    async fn an_answer_with_a_malformed_header_says_what_was_wrong() {
        let answer = b"HTTP/1.1 200 OK\r\nbad header line\r\ncontent-length: 0\r\n\r\n".to_vec();
        let failure = failure_of(answering(answer, "").await).await;
        assert_eq!(
            failure,
            "the answer is not valid HTTP: invalid HTTP header parsed"
        );
    }

    #[test]
    fn first_polls_are_spread_over_each_interval() {
        let ten = Duration::from_secs(10);
        let offsets = spread_offsets(&[ten; 4]);
        assert_eq!(
            offsets,
            [0, 2500, 5000, 7500].map(Duration::from_millis).to_vec()
        );
        let mixed = spread_offsets(&[ten, Duration::from_secs(60)]);
        assert_eq!(mixed, [Duration::ZERO, Duration::from_secs(30)]);
        assert!(spread_offsets(&[]).is_empty());
        // 500 every 10 s: five to a step of the grid, every step of the interval used.
        let offsets = spread_offsets(&[ten; 500]);
        assert!(offsets.iter().all(|o| o.as_millis() % 100 == 0));
        let steps: std::collections::BTreeMap<u128, usize> =
            offsets.iter().fold(Default::default(), |mut steps, o| {
                *steps.entry(o.as_millis()).or_default() += 1;
                steps
            });
        assert_eq!(steps.len(), 100);
        assert!(steps.values().all(|&count| count == 5));
        assert_eq!(offsets.last(), Some(&Duration::from_millis(9900)));
    }

    /// 500 endpoints hold 500 of these between polls: a poll's own future (6.6 KiB with hyper
    /// and TLS) must not be part of it.
    #[test]
    fn an_endpoint_task_is_small_between_polls() {
        let probe = Probe::new(Arc::new(RootCertStore::empty()), config(""));
        let (results, _) = mpsc::channel(1);
        let task = poll_on_schedule(
            probe,
            Instant::now(),
            Arc::new(Semaphore::new(1)),
            results,
            Arc::default(),
        );
        let size = std::mem::size_of_val(&task);
        assert!(size < 2048, "{size} bytes");
    }

    #[test]
    fn an_overrun_skips_slots_instead_of_bunching_polls() {
        let start = Instant::now();
        let second = Duration::from_secs(1);
        assert_eq!(next_slot(start + second, start, second), start + second);
        // The poll of slot 0 ended at 2.5s: the next is at 3s, not 1s and 2s at once.
        let ended = start + Duration::from_millis(2500);
        assert_eq!(next_slot(start, ended, second), start + 3 * second);
        assert_eq!(next_slot(start, start, second), start + second);
    }
}
