//! What the Endpoints tab holds: per endpoint, its last poll, a bounded window of polls and the
//! figures drawn from it, its state changes, and its certificate; the list's sort and filter.

use std::borrow::Cow;
use std::collections::{HashMap, VecDeque};
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::config::EndpointConfig;
use crate::model::endpoints::{CertInfo, ProbeBatch, ProbeFailure, ProbeResult};
use crate::state::list::{CycledSort, ListState, Listed, SortLabel};

/// The window of the percentiles, availability and error rate.
pub const WINDOW: Duration = Duration::from_secs(3600);
/// Polls a window keeps at most, whatever the interval: bounds memory per endpoint.
pub const MAX_WINDOW_POLLS: usize = 3600;
/// Latencies the sparkline shows.
pub const SPARK_POLLS: usize = 60;
/// State changes the detail pane lists.
pub const MAX_CHANGES: usize = 20;

/// What an endpoint looks like now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EndpointStatus {
    /// Not polled yet.
    Pending,
    Up,
    /// Up, but slower than its `slow_after`.
    Degraded,
    Down(ProbeFailure),
}

impl EndpointStatus {
    /// The state in words: `up`, `slow`, `down: refused`; only a failure's are written.
    pub fn label(&self) -> Cow<'static, str> {
        match self {
            EndpointStatus::Pending => "pending".into(),
            EndpointStatus::Up => "up".into(),
            EndpointStatus::Degraded => "slow".into(),
            EndpointStatus::Down(failure) => format!("down: {}", failure.short()).into(),
        }
    }

    /// Whether `other` reads as this state in words; comparing the states first spares writing
    /// both labels when nothing changed.
    fn reads_as(&self, other: &Self) -> bool {
        self == other || self.label() == other.label()
    }

    fn rank(&self) -> u8 {
        match self {
            EndpointStatus::Down(_) => 0,
            EndpointStatus::Degraded => 1,
            EndpointStatus::Pending => 2,
            EndpointStatus::Up => 3,
        }
    }
}

/// One poll in the window, in 16 bytes: an hour of polls every 10 s is under 6 KiB an endpoint.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PollSample {
    /// Milliseconds since the Unix epoch.
    at_ms: i64,
    pub latency_seconds: f32,
    pub up: bool,
}

impl PollSample {
    pub fn new(at: DateTime<Utc>, latency_seconds: f64, up: bool) -> Self {
        Self {
            at_ms: at.timestamp_millis(),
            latency_seconds: latency_seconds as f32,
            up,
        }
    }

    pub fn at(&self) -> DateTime<Utc> {
        DateTime::from_timestamp_millis(self.at_ms).unwrap_or_default()
    }
}

/// The polls of the last [`WINDOW`], at most [`MAX_WINDOW_POLLS`], and what they add up to, kept
/// as polls come and go: a poll's figures cost a search and a small move in its latencies, not a
/// sort and a pass over the whole window (361 polls an hour at 10 s, for each of 50 polls a
/// second with 500 endpoints).
#[derive(Debug, Clone, PartialEq)]
pub struct ProbeWindow {
    span_ms: i64,
    interval_ms: i64,
    polls: VecDeque<PollSample>,
    /// The latencies of the answered polls, in order.
    up_latencies: Vec<f32>,
    failed: usize,
    /// The milliseconds the polls stand for (each until the next one, at most an interval; the
    /// last one an interval), all of them and those that were up.
    total_ms: i64,
    up_ms: i64,
}

/// What the window says.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct WindowStats {
    pub polls: usize,
    /// Latency percentiles of the polls that were answered, in seconds.
    pub p50: Option<f64>,
    pub p90: Option<f64>,
    pub p99: Option<f64>,
    /// The share of the window's time the endpoint was up, each poll standing for the time until
    /// the next one (the last for one interval), in percent.
    pub availability_percent: Option<f64>,
    /// The share of polls that failed, in percent.
    pub error_rate_percent: Option<f64>,
}

impl ProbeWindow {
    /// A window of `span` for polls every `interval`, with room for the polls it will hold
    /// (growing by doubling would leave up to half of it unused).
    pub fn new(span: Duration, interval: Duration) -> Self {
        let expected = span.as_millis() / interval.as_millis().max(1) + 1;
        let room = (expected as usize).min(MAX_WINDOW_POLLS);
        Self {
            span_ms: i64::try_from(span.as_millis()).unwrap_or(i64::MAX),
            interval_ms: i64::try_from(interval.as_millis()).unwrap_or(i64::MAX),
            polls: VecDeque::with_capacity(room),
            up_latencies: Vec::with_capacity(room),
            failed: 0,
            total_ms: 0,
            up_ms: 0,
        }
    }

    /// The polls, oldest first.
    pub fn polls(&self) -> &VecDeque<PollSample> {
        &self.polls
    }

    /// Adds a poll and forgets those older than the window, before adding so that the window
    /// never needs more room than it holds.
    pub fn push(&mut self, sample: PollSample) {
        let oldest_kept = sample.at_ms - self.span_ms;
        while self.polls.front().is_some_and(|p| p.at_ms < oldest_kept)
            || self.polls.len() >= MAX_WINDOW_POLLS
        {
            self.forget_oldest();
        }
        // The last poll stood for an interval; now it stands until this one.
        if let Some(&last) = self.polls.back() {
            self.count(last, self.stands_until(last, sample) - self.interval_ms);
        }
        self.count(sample, self.interval_ms);
        if sample.up {
            let at = self
                .up_latencies
                .partition_point(|l| l.total_cmp(&sample.latency_seconds).is_lt());
            self.up_latencies.insert(at, sample.latency_seconds);
        } else {
            self.failed += 1;
        }
        self.polls.push_back(sample);
    }

    fn forget_oldest(&mut self) {
        let Some(oldest) = self.polls.pop_front() else {
            return;
        };
        let stood = match self.polls.front() {
            Some(&next) => self.stands_until(oldest, next),
            None => self.interval_ms,
        };
        self.count(oldest, -stood);
        if oldest.up {
            if let Ok(at) = self
                .up_latencies
                .binary_search_by(|l| l.total_cmp(&oldest.latency_seconds))
            {
                self.up_latencies.remove(at);
            }
        } else {
            self.failed -= 1;
        }
    }

    /// The milliseconds `poll` stands for when `next` follows it.
    fn stands_until(&self, poll: PollSample, next: PollSample) -> i64 {
        (next.at_ms - poll.at_ms).clamp(0, self.interval_ms)
    }

    fn count(&mut self, poll: PollSample, ms: i64) {
        self.total_ms += ms;
        if poll.up {
            self.up_ms += ms;
        }
    }

    pub fn stats(&self) -> WindowStats {
        let polls = self.polls.len();
        if polls == 0 {
            return WindowStats::default();
        }
        let percentile = |q| nearest_rank(&self.up_latencies, q).map(|&l| f64::from(l));
        WindowStats {
            polls,
            p50: percentile(0.50),
            p90: percentile(0.90),
            p99: percentile(0.99),
            availability_percent: (self.total_ms > 0)
                .then(|| self.up_ms as f64 / self.total_ms as f64 * 100.0),
            error_rate_percent: Some(self.failed as f64 / polls as f64 * 100.0),
        }
    }
}

/// The nearest-rank percentile `q` (0..=1) of sorted values.
pub fn percentile(sorted: &[f64], q: f64) -> Option<f64> {
    nearest_rank(sorted, q).copied()
}

fn nearest_rank<T>(sorted: &[T], q: f64) -> Option<&T> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (q * sorted.len() as f64).ceil() as usize;
    sorted.get(rank.clamp(1, sorted.len()) - 1)
}

/// A change of state, for the detail pane.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateChange {
    pub at: DateTime<Utc>,
    pub to: String,
}

/// One endpoint and what its polls said.
#[derive(Debug, Clone, PartialEq)]
pub struct EndpointEntry {
    pub name: String,
    pub group: Option<String>,
    /// The URL as shown: any password in it hidden.
    pub target: String,
    pub insecure_tls: bool,
    pub interval: Duration,
    pub slow_after: Duration,
    pub status: EndpointStatus,
    pub last: Option<ProbeResult>,
    /// When the current run of failures started.
    pub down_since: Option<DateTime<Utc>>,
    pub consecutive_failures: u32,
    pub window: ProbeWindow,
    pub stats: WindowStats,
    pub recent_latencies: VecDeque<f64>,
    pub cert: Option<CertInfo>,
    pub changes: VecDeque<StateChange>,
}

impl EndpointEntry {
    pub fn new(config: &EndpointConfig, window: Duration) -> Self {
        Self {
            name: config.name.clone(),
            group: config.group.clone(),
            target: crate::redact::redact_secrets(&config.url).into_owned(),
            insecure_tls: config.insecure_tls,
            interval: config.interval,
            slow_after: config.slow_after,
            status: EndpointStatus::Pending,
            last: None,
            down_since: None,
            consecutive_failures: 0,
            window: ProbeWindow::new(window, config.interval),
            stats: WindowStats::default(),
            recent_latencies: VecDeque::new(),
            cert: None,
            changes: VecDeque::new(),
        }
    }

    /// Its figure in the column `sort`.
    fn sort_value(&self, sort: EndpointSort) -> SortValue {
        match sort {
            EndpointSort::Name => SortValue::None,
            EndpointSort::State => SortValue::State(self.status.rank()),
            EndpointSort::Latency => SortValue::Figure(self.stats.p90),
            EndpointSort::ErrorRate => SortValue::Figure(self.stats.error_rate_percent),
            EndpointSort::Cert => SortValue::Expiry(self.cert.as_ref().map(|c| c.not_after)),
        }
    }

    /// Folds one poll in.
    pub fn apply_result(&mut self, result: ProbeResult) {
        let latency = result.latency.as_secs_f64();
        let status = match &result.failure {
            Some(failure) => EndpointStatus::Down(failure.clone()),
            None if result.latency > self.slow_after => EndpointStatus::Degraded,
            None => EndpointStatus::Up,
        };
        if result.is_up() {
            self.consecutive_failures = 0;
            self.down_since = None;
        } else {
            self.consecutive_failures += 1;
            self.down_since.get_or_insert(result.started);
        }
        if !status.reads_as(&self.status) {
            self.changes.push_front(StateChange {
                at: result.started,
                to: status.label().into_owned(),
            });
            self.changes.truncate(MAX_CHANGES);
        }
        self.status = status;
        self.window
            .push(PollSample::new(result.started, latency, result.is_up()));
        self.stats = self.window.stats();
        if result.is_up() {
            self.recent_latencies.push_back(latency);
            if self.recent_latencies.len() > SPARK_POLLS {
                self.recent_latencies.pop_front();
            }
        }
        if let Some(cert) = &result.cert {
            self.cert = Some(cert.clone());
        }
        self.last = Some(result);
    }
}

/// An endpoint's figure in the column the list is sorted by.
#[derive(Debug, Clone, Copy, PartialEq)]
enum SortValue {
    /// Sorted by name: no figure.
    None,
    State(u8),
    Figure(Option<f64>),
    Expiry(Option<DateTime<Utc>>),
}

impl SortValue {
    fn order(&self, other: &Self) -> std::cmp::Ordering {
        match (self, other) {
            (SortValue::State(a), SortValue::State(b)) => a.cmp(b),
            (SortValue::Figure(a), SortValue::Figure(b)) => {
                a.unwrap_or(-1.0).total_cmp(&b.unwrap_or(-1.0))
            }
            (SortValue::Expiry(a), SortValue::Expiry(b)) => a.cmp(b),
            _ => std::cmp::Ordering::Equal,
        }
    }
}

/// The list's columns that sort.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum EndpointSort {
    #[default]
    Name,
    State,
    Latency,
    ErrorRate,
    Cert,
}

impl SortLabel for EndpointSort {
    fn label(&self) -> &'static str {
        match self {
            EndpointSort::Name => "name",
            EndpointSort::State => "state",
            EndpointSort::Latency => "p90",
            EndpointSort::ErrorRate => "errors",
            EndpointSort::Cert => "cert",
        }
    }
}

impl CycledSort for EndpointSort {
    fn next(self) -> Self {
        match self {
            EndpointSort::Name => EndpointSort::State,
            EndpointSort::State => EndpointSort::Latency,
            EndpointSort::Latency => EndpointSort::ErrorRate,
            EndpointSort::ErrorRate => EndpointSort::Cert,
            EndpointSort::Cert => EndpointSort::Name,
        }
    }

    /// Worst first where there is a worst: slowest, most errors.
    fn natural_descending(self) -> bool {
        matches!(self, EndpointSort::Latency | EndpointSort::ErrorRate)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct EndpointsState {
    /// As configured; the set never changes, so `by_name` stays right.
    pub endpoints: Vec<EndpointEntry>,
    /// Where each endpoint is in `endpoints`: a frame looks up every row by name.
    by_name: HashMap<String, usize>,
    /// Rows are endpoint names.
    pub list: ListState<EndpointSort, String>,
    /// Rows of a group stay together under its title.
    pub grouped: bool,
    pub show_detail: bool,
    pub detail_scroll: u16,
    /// The time of the last batch: what the findings judge against.
    pub as_of: Option<DateTime<Utc>>,
}

impl Listed for EndpointsState {
    type Sort = EndpointSort;
    type Key = String;

    fn list_mut(&mut self) -> &mut ListState<EndpointSort, String> {
        &mut self.list
    }

    fn refresh_rows(&mut self) {
        EndpointsState::refresh_rows(self);
    }
}

impl EndpointsState {
    pub fn new(configs: &[EndpointConfig]) -> Self {
        let mut state = Self {
            endpoints: configs
                .iter()
                .map(|c| EndpointEntry::new(c, WINDOW))
                .collect(),
            by_name: configs
                .iter()
                .enumerate()
                .map(|(at, c)| (c.name.clone(), at))
                .collect(),
            list: ListState::default(),
            grouped: configs.iter().any(|c| c.group.is_some()),
            show_detail: false,
            detail_scroll: 0,
            as_of: None,
        };
        state.refresh_rows();
        state
    }

    pub fn entry(&self, name: &str) -> Option<&EndpointEntry> {
        self.endpoints.get(*self.by_name.get(name)?)
    }

    pub fn selected(&self) -> Option<&EndpointEntry> {
        self.list
            .selected
            .as_deref()
            .and_then(|name| self.entry(name))
    }

    /// The entries shown, in order.
    pub fn visible(&self) -> impl Iterator<Item = &EndpointEntry> {
        self.list.rows.iter().filter_map(|name| self.entry(name))
    }

    /// Folds a batch of polls in; returns the names of the endpoints it touched. The rows are
    /// sorted and filtered again only when a poll moved an endpoint's place in them: sorted by
    /// name and unfiltered, the list stays as it is.
    pub fn apply_batch(&mut self, batch: ProbeBatch, at: DateTime<Utc>) -> Vec<String> {
        let mut touched = Vec::new();
        let (sort, filtered) = (self.list.sort, !self.list.filter.is_empty());
        let mut moved = false;
        for result in batch.results {
            let at = self.by_name.get(&result.endpoint).copied();
            if let Some(entry) = at.and_then(|at| self.endpoints.get_mut(at)) {
                touched.push(entry.name.clone());
                // The state is kept only for the filter, which matches its words.
                let before = (
                    entry.sort_value(sort),
                    filtered.then(|| entry.status.clone()),
                );
                entry.apply_result(result);
                moved |= entry.sort_value(sort) != before.0
                    || before
                        .1
                        .is_some_and(|status| !entry.status.reads_as(&status));
            }
        }
        self.as_of = Some(at);
        if moved {
            self.refresh_rows();
        }
        touched
    }

    pub fn apply_toggle_groups(&mut self) {
        self.grouped = !self.grouped;
        self.refresh_rows();
    }

    pub fn apply_toggle_detail(&mut self) {
        self.show_detail = !self.show_detail;
        self.detail_scroll = 0;
    }

    pub fn apply_detail_scroll(&mut self, delta: i16) {
        self.detail_scroll = self.detail_scroll.saturating_add_signed(delta);
    }

    pub fn apply_move(&mut self, delta: isize) {
        self.list.apply_move(delta);
        self.detail_scroll = 0;
    }

    pub fn apply_select_edge(&mut self, last: bool) {
        self.list.apply_select_edge(last);
        self.detail_scroll = 0;
    }

    fn refresh_rows(&mut self) {
        let needle = self.list.filter.to_lowercase();
        let mut shown: Vec<&EndpointEntry> = self
            .endpoints
            .iter()
            .filter(|e| {
                needle.is_empty()
                    || e.name.to_lowercase().contains(&needle)
                    || e.target.to_lowercase().contains(&needle)
                    || e.group
                        .as_deref()
                        .is_some_and(|g| g.to_lowercase().contains(&needle))
                    || e.status.label().contains(&needle)
            })
            .collect();
        let (sort, descending, grouped) = (self.list.sort, self.list.descending, self.grouped);
        shown.sort_by(|a, b| {
            let by_group = if grouped {
                (a.group.is_none(), a.group.as_deref())
                    .cmp(&(b.group.is_none(), b.group.as_deref()))
            } else {
                std::cmp::Ordering::Equal
            };
            let by_column = a.sort_value(sort).order(&b.sort_value(sort));
            let by_column = if descending {
                by_column.reverse()
            } else {
                by_column
            };
            by_group.then(by_column).then_with(|| a.name.cmp(&b.name))
        });
        let rows = shown.into_iter().map(|e| e.name.clone()).collect();
        self.list.set_rows(rows);
    }
}
