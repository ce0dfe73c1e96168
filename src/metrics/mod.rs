//! The metric store: named series with labels, each keeping its newest `capacity` samples.
//!
//! Layout, for a fleet of series in little memory (see `docs/architecture.md`):
//! - `symbols`: names, label keys and values interned once; a series is a [`SeriesId`].
//! - `index`: series by an order-independent hash of name and labels (lookups never allocate),
//!   and every series of a name for [`MetricStore::select`].
//! - `timeline`: the timestamps of one report, stored once for every series it recorded.
//! - `series` and `xor`: each series' values, Gorilla XOR-compressed in chunks (an unchanged value
//!   costs a bit), whole chunks dropped once out of the window, the latest value at hand.
//!
//! Naming scheme: `<source>_<subsystem>_<measure>[_<unit>]`, lower snake case and legal in
//! PromQL (the usual OpenTelemetry-to-Prometheus mapping: dots become underscores), with labels
//! for the instance. The unit is in the name when it is not obvious
//! (`_percent`, `_bytes`, `_bytes_per_second`, `_seconds`). Examples:
//!
//! | series | labels |
//! |---|---|
//! | `system_cpu_percent` | |
//! | `system_cpu_core_percent` | `core="0"` |
//! | `system_load_1m`, `system_load_5m`, `system_load_15m` | |
//! | `system_memory_used_percent`, `system_memory_used_bytes` | |
//! | `system_swap_used_percent` | |
//! | `system_disk_used_percent` | `mount="/"` |
//! | `system_net_rx_bytes_per_second`, `system_net_tx_bytes_per_second` | `iface="eth0"` |
//!
//! Later sources follow the same shape (`container_cpu_percent{engine,container}`,
//! `endpoint_latency_seconds{endpoint}`), and alert rules name series by this scheme.

use std::collections::HashMap;
use std::fmt;
use std::mem::size_of;
use std::sync::atomic::{AtomicU64, Ordering};

use chrono::{DateTime, Utc};
use hashbrown::HashTable;

mod bits;
mod index;
mod query;
mod series;
mod symbols;
mod timeline;
mod xor;

use index::{SeriesIndex, add_label, finish_hash, identity_hash};
pub use query::Matcher;
pub use series::History;
use series::Series;
use symbols::{Symbol, Symbols};
use timeline::{Slot, Timelines};

/// A series name plus its labels, sorted so equal label sets compare equal.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SeriesKey {
    pub name: String,
    pub labels: Vec<(String, String)>,
}

impl SeriesKey {
    pub fn new(name: &str) -> Self {
        Self {
            name: name.to_string(),
            labels: Vec::new(),
        }
    }

    pub fn with_label(mut self, key: &str, value: &str) -> Self {
        self.labels.push((key.to_string(), value.to_string()));
        self.labels.sort();
        self
    }

    fn label_pairs(&self) -> impl Iterator<Item = (&str, &str)> + Clone {
        self.labels.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }
}

impl fmt::Display for SeriesKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)?;
        if !self.labels.is_empty() {
            let labels: Vec<String> = self
                .labels
                .iter()
                .map(|(k, v)| format!("{k}={v:?}"))
                .collect();
            write!(f, "{{{}}}", labels.join(","))?;
        }
        Ok(())
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sample {
    pub at: DateTime<Utc>,
    pub value: f64,
}

/// A series of the store. Valid until [`MetricStore::forget_older_than`] drops the series; the
/// number may then name a series created later.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SeriesId(u32);

/// Names one set of series (their names, labels and ids) of one store: it changes whenever a
/// series is created or forgotten, and two stores share it only while one is an unchanged clone
/// of the other. What is derived from the series alone can be kept until it changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SeriesVersion(u64);

impl SeriesVersion {
    /// Never handed out before, in any store.
    fn fresh() -> Self {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        Self(NEXT.fetch_add(1, Ordering::Relaxed))
    }
}

/// How many chunks a window is cut into: more chunks keep fewer samples past the window, fewer
/// chunks cost less bookkeeping per series.
const CHUNKS_PER_WINDOW: usize = 4;

/// All series, each keeping at most `capacity` samples (history window / refresh), and, with a
/// retention, no more than about that long of them.
#[derive(Clone)]
pub struct MetricStore {
    capacity: usize,
    retention: Option<chrono::Duration>,
    chunk_len: u64,
    symbols: Symbols,
    index: SeriesIndex,
    series: Vec<Option<Series>>,
    free: Vec<u32>,
    timelines: Timelines,
    series_version: SeriesVersion,
}

impl MetricStore {
    pub fn new(capacity: usize) -> Self {
        let capacity = capacity.max(2);
        let chunk_len = capacity.div_ceil(CHUNKS_PER_WINDOW).clamp(16, 4096) as u64;
        Self {
            capacity,
            retention: None,
            chunk_len,
            symbols: Symbols::default(),
            index: SeriesIndex::default(),
            series: Vec::new(),
            free: Vec::new(),
            timelines: Timelines::new(chunk_len),
            series_version: SeriesVersion::fresh(),
        }
    }

    /// Also forgets the samples older than `history`, a chunk at a time: the series that report
    /// less often than every `history / capacity` (endpoints every 10 s in a store of 1 s
    /// samples) would otherwise keep `capacity` of theirs, ten times the window.
    pub fn retaining(mut self, history: std::time::Duration) -> Self {
        self.retention = chrono::Duration::from_std(history).ok();
        self
    }

    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// The version of the set of series: samples recorded leave it as it is.
    pub fn series_version(&self) -> SeriesVersion {
        self.series_version
    }

    /// The series `name` with exactly `labels`, in any order. Never allocates.
    pub fn series_id(&self, name: &str, labels: &[(&str, &str)]) -> Option<SeriesId> {
        self.find(name, labels.iter().copied())
    }

    /// The series `name` with exactly `labels`, created (without samples) if new.
    pub fn intern(&mut self, name: &str, labels: &[(&str, &str)]) -> SeriesId {
        self.find_or_create(name, labels.iter().copied())
    }

    /// Records `value` at `at` for the series `key`, creating it if new.
    pub fn record(&mut self, key: SeriesKey, at: DateTime<Utc>, value: f64) {
        let id = self.find_or_create(&key.name, key.label_pairs());
        self.record_id(id, at, value);
    }

    /// Records `value` at `at` for the series `name` with `labels`, creating it if new.
    pub fn record_series(
        &mut self,
        name: &str,
        labels: &[(&str, &str)],
        at: DateTime<Utc>,
        value: f64,
    ) -> SeriesId {
        let id = self.intern(name, labels);
        self.record_id(id, at, value);
        id
    }

    /// Records `value` at `at`; the newest `capacity` samples are kept. Series recorded at the
    /// same instant share the timestamp.
    pub fn record_id(&mut self, id: SeriesId, at: DateTime<Utc>, value: f64) {
        let Some(Some(series)) = self.series.get_mut(id.0 as usize) else {
            return;
        };
        let slot = place(&mut self.timelines, series.last_slot(), at);
        series.append(
            slot,
            at,
            value,
            self.capacity,
            self.retention.map(|retention| at - retention),
            &mut self.timelines,
            self.chunk_len,
        );
    }

    pub fn latest(&self, key: &SeriesKey) -> Option<f64> {
        self.latest_id(self.find(&key.name, key.label_pairs())?)
    }

    pub fn latest_id(&self, id: SeriesId) -> Option<f64> {
        self.get(id)?.latest()
    }

    /// Oldest first.
    pub fn history(&self, key: &SeriesKey) -> History<'_> {
        match self.find(&key.name, key.label_pairs()) {
            Some(id) => self.history_id(id),
            None => History::empty(&self.timelines),
        }
    }

    /// Oldest first.
    pub fn history_id(&self, id: SeriesId) -> History<'_> {
        match self.get(id) {
            Some(series) => series.history(&self.timelines),
            None => History::empty(&self.timelines),
        }
    }

    /// Every series named `name` whose labels satisfy all `matchers`, oldest series first.
    pub fn select<'a>(
        &'a self,
        name: &str,
        matchers: &'a [Matcher<'_>],
    ) -> impl Iterator<Item = SeriesId> + 'a {
        let ids = match self.symbols.get(name) {
            Some(name) => self.index.named(name),
            None => &[],
        };
        ids.iter().copied().filter(move |&id| {
            matchers
                .iter()
                .all(|matcher| matcher.matches(|key| self.label(id, key)))
        })
    }

    /// The labels of a series, sorted by key.
    pub fn labels(&self, id: SeriesId) -> impl Iterator<Item = (&str, &str)> {
        self.get(id)
            .into_iter()
            .flat_map(|series| series.labels.iter())
            .map(|(key, value)| (self.symbols.resolve(*key), self.symbols.resolve(*value)))
    }

    fn label(&self, id: SeriesId, key: &str) -> Option<&str> {
        self.labels(id).find(|(k, _)| *k == key).map(|(_, v)| v)
    }

    /// The name and labels of a series, for display.
    pub fn key(&self, id: SeriesId) -> Option<SeriesKey> {
        let series = self.get(id)?;
        Some(SeriesKey {
            name: self.symbols.resolve(series.name).to_string(),
            labels: self
                .labels(id)
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        })
    }

    /// Drops series whose newest sample is older than `before` (a disk unmounted, an interface gone).
    pub fn forget_older_than(&mut self, before: DateTime<Utc>) {
        for index in 0..self.series.len() {
            let stale = self.series[index]
                .as_ref()
                .is_some_and(|s| s.newest().is_none_or(|at| at < before));
            if let Some(series) = self.series[index].take_if(|_| stale) {
                self.index
                    .remove(self.hash_of(&series), series.name, SeriesId(index as u32));
                self.symbols.release(series.name);
                for (key, value) in &series.labels {
                    self.symbols.release(*key);
                    self.symbols.release(*value);
                }
                series.release(&mut self.timelines);
                self.free.push(index as u32);
                self.series_version = SeriesVersion::fresh();
            }
        }
    }

    pub fn len(&self) -> usize {
        self.series.len() - self.free.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Heap bytes the store holds: samples, timestamps, symbols and indexes (hash tables
    /// estimated from their capacity).
    pub fn memory_bytes(&self) -> usize {
        self.symbols.memory_bytes()
            + self.index.memory_bytes()
            + self.series.capacity() * size_of::<Option<Series>>()
            + self
                .series
                .iter()
                .flatten()
                .map(Series::heap_bytes)
                .sum::<usize>()
            + self.free.capacity() * size_of::<u32>()
            + self.timelines.memory_bytes()
    }

    fn get(&self, id: SeriesId) -> Option<&Series> {
        self.series.get(id.0 as usize)?.as_ref()
    }

    fn hash_of(&self, series: &Series) -> u64 {
        identity_hash(series.name, series.labels.iter().copied())
    }

    fn find<'l>(
        &self,
        name: &str,
        labels: impl Iterator<Item = (&'l str, &'l str)> + Clone,
    ) -> Option<SeriesId> {
        let name = self.symbols.get(name)?;
        let (mut count, mut sum) = (0, 0);
        for (key, value) in labels.clone() {
            let pair = (self.symbols.get(key)?, self.symbols.get(value)?);
            (count, sum) = add_label(count, sum, pair);
        }
        self.index.find(finish_hash(name, count, sum), |id| {
            self.is_series(id, name, labels.clone())
        })
    }

    /// Whether series `id` is `name` with the same multiset of labels.
    fn is_series<'l>(
        &self,
        id: SeriesId,
        name: Symbol,
        labels: impl Iterator<Item = (&'l str, &'l str)> + Clone,
    ) -> bool {
        let Some(series) = self.get(id) else {
            return false;
        };
        let held = |pair: (&str, &str)| {
            series
                .labels
                .iter()
                .filter(|(k, v)| (self.symbols.resolve(*k), self.symbols.resolve(*v)) == pair)
                .count()
        };
        series.name == name
            && series.labels.len() == labels.clone().count()
            && labels
                .clone()
                .all(|pair| labels.clone().filter(|p| *p == pair).count() == held(pair))
    }

    fn find_or_create<'l>(
        &mut self,
        name: &str,
        labels: impl Iterator<Item = (&'l str, &'l str)> + Clone,
    ) -> SeriesId {
        if let Some(id) = self.find(name, labels.clone()) {
            return id;
        }
        let name = self.symbols.intern(name);
        let mut pairs: Vec<(Symbol, Symbol)> = labels
            .map(|(key, value)| (self.symbols.intern(key), self.symbols.intern(value)))
            .collect();
        let symbols = &self.symbols;
        pairs.sort_by(|a, b| {
            (symbols.resolve(a.0), symbols.resolve(a.1))
                .cmp(&(symbols.resolve(b.0), symbols.resolve(b.1)))
        });
        let series = Series::new(name, pairs.into_boxed_slice());
        let hash = self.hash_of(&series);
        let id = match self.free.pop() {
            Some(index) => {
                self.series[index as usize] = Some(series);
                SeriesId(index)
            }
            None => {
                // Grow by a quarter rather than double: a fleet's series are most of the store.
                if self.series.len() == self.series.capacity() {
                    self.series.reserve_exact((self.series.len() / 4).max(16));
                }
                self.series.push(Some(series));
                SeriesId(self.series.len() as u32 - 1)
            }
        };
        self.index.insert(hash, name, id);
        self.series_version = SeriesVersion::fresh();
        id
    }
}

/// The timeline slot for a series' next sample at `at`, given the slot of its last one: the
/// newest slot of its timeline if that is at `at` and right after its last (its report is under
/// way), a new slot there if the series was at the newest (it is the first of its report), else
/// a timeline shared with the series that left the same slot ([`Timelines::fork`]). A series
/// with no sample yet takes the newest slot of the timeline the report at `at` went to, else a
/// new timeline.
fn place(timelines: &mut Timelines, last: Option<Slot>, at: DateTime<Utc>) -> Slot {
    let Some((last, (newest, newest_at))) =
        last.and_then(|last| Some((last, timelines.newest(last.timeline)?)))
    else {
        return match timelines.newest_at(at) {
            Some(slot) => slot,
            None => timelines.create(at),
        };
    };
    if newest_at == at && newest.seq == last.seq + 1 {
        return newest;
    }
    if last.seq == newest.seq
        && let Some(slot) = timelines.push(last.timeline, at)
    {
        return slot;
    }
    // The timeline went on without this series (it reports less often than the others on it):
    // a slot there would start a chunk for every sample. The series that left the same slot
    // together go on together on a timeline of their own.
    timelines.fork(last, at)
}

/// Two stores are equal when they hold the same series with the same samples, however laid out.
impl PartialEq for MetricStore {
    fn eq(&self, other: &Self) -> bool {
        let same_samples = |a: History<'_>, b: History<'_>| {
            a.len() == b.len()
                && a.zip(b)
                    .all(|(a, b)| a.at == b.at && a.value.to_bits() == b.value.to_bits())
        };
        self.capacity == other.capacity
            && self.len() == other.len()
            && (0..self.series.len() as u32).map(SeriesId).all(|id| {
                let Some(key) = self.key(id) else {
                    return true;
                };
                other
                    .find(&key.name, key.label_pairs())
                    .is_some_and(|theirs| {
                        same_samples(self.history_id(id), other.history_id(theirs))
                    })
            })
    }
}

impl fmt::Debug for MetricStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MetricStore")
            .field("capacity", &self.capacity)
            .field("series", &self.len())
            .field("memory_bytes", &self.memory_bytes())
            .finish_non_exhaustive()
    }
}

/// Heap bytes of a hash table of `capacity` entries: buckets of entries plus a control byte
/// each, at the load factor hashbrown (and so `std`) keeps.
fn table_bytes(capacity: usize, entry: usize) -> usize {
    if capacity == 0 {
        return 0;
    }
    let buckets = if capacity < 7 {
        capacity + 1
    } else {
        capacity / 7 * 8
    };
    buckets * (entry + 1) + 16
}

fn hash_table_bytes<T>(table: &HashTable<T>) -> usize {
    table_bytes(table.capacity(), size_of::<T>())
}

fn hash_map_bytes<K, V>(map: &HashMap<K, V>) -> usize {
    table_bytes(map.capacity(), size_of::<(K, V)>())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::xor::tests::Rng;
    use chrono::TimeZone;
    use std::collections::{BTreeMap, VecDeque};

    fn at(second: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(1_700_000_000 + second, 0)
            .single()
            .unwrap_or_default()
    }

    #[test]
    fn rings_are_bounded_and_keep_the_newest() {
        let mut store = MetricStore::new(3);
        let key = SeriesKey::new("system_cpu_percent");
        for i in 0..5 {
            store.record(key.clone(), at(i), i as f64);
        }
        let values: Vec<f64> = store.history(&key).map(|s| s.value).collect();
        assert_eq!(values, [2.0, 3.0, 4.0]);
        assert_eq!(store.latest(&key), Some(4.0));
    }

    #[test]
    fn memory_grows_with_what_is_kept_never_past_the_window() {
        let key = SeriesKey::new("system_cpu_percent");
        let mut day = MetricStore::new(86_400);
        let mut ten_minutes = MetricStore::new(601);
        for i in 0..3 {
            day.record(key.clone(), at(i), 1.0);
            ten_minutes.record(key.clone(), at(i), 1.0);
        }
        assert_eq!(
            day.memory_bytes(),
            ten_minutes.memory_bytes(),
            "a long window costs nothing before it is filled"
        );
        assert!(day.memory_bytes() < 4096, "{}", day.memory_bytes());

        // Values that change every sample (about 8 bytes each once compressed).
        let mut store = MetricStore::new(601);
        for i in 0..1202 {
            store.record(key.clone(), at(i), (i as f64).sin());
        }
        let two_windows = store.memory_bytes();
        for i in 1202..20_000 {
            store.record(key.clone(), at(i), (i as f64).sin());
        }
        assert_eq!(store.history(&key).count(), 601);
        assert!(
            store.memory_bytes() <= two_windows + 1024,
            "{} after 20,000 samples, {two_windows} after 1,202",
            store.memory_bytes()
        );
        assert!(store.memory_bytes() < 601 * 16, "{}", store.memory_bytes());
    }

    /// Heap bytes a sample of each of `series` more series costs, recorded together every second
    /// for a window, with one series that reports alone on its own clock.
    fn bytes_per_sample(series: usize, value: impl Fn(usize, i64) -> f64) -> f64 {
        let window = 601;
        let fill = |count: usize| {
            let mut store = MetricStore::new(window);
            for second in 0..window as i64 {
                store.record_series(
                    "other",
                    &[],
                    at(second) + chrono::Duration::milliseconds(500),
                    0.0,
                );
                for host in 0..count {
                    let host = host.to_string();
                    store.record_series("up", &[("host", &host)], at(second), value(count, second));
                }
            }
            store.memory_bytes()
        };
        (fill(series) - fill(0)) as f64 / (series * window) as f64
    }

    #[test]
    fn a_flag_that_never_changes_costs_a_few_bytes_a_sample_at_most() {
        let alone = bytes_per_sample(1, |_, _| 1.0);
        assert!(alone < 2.0, "{alone} bytes a sample on its own timeline");
        let in_a_report = bytes_per_sample(100, |_, _| 1.0);
        assert!(
            in_a_report < 1.0,
            "{in_a_report} bytes a sample sharing a report"
        );
        let changing = bytes_per_sample(100, |_, second| second as f64 * 1.1);
        assert!(changing > 4.0 * in_a_report, "{changing}");
    }

    /// The endpoints' case: 500 series in ten groups, each group reporting every tenth second,
    /// in the same reports as a series that reports every second.
    #[test]
    fn series_that_skip_reports_keep_their_samples_in_few_chunks() {
        let window = 360;
        let fill = |sparse: usize| {
            let mut store = MetricStore::new(window);
            for second in 0..(window as i64 * 10 * 3) {
                store.record_series("source_up", &[], at(second), 1.0);
                for endpoint in (0..sparse).filter(|e| *e as i64 % 10 == second % 10) {
                    let endpoint = endpoint.to_string();
                    store.record_series("up", &[("endpoint", &endpoint)], at(second), 1.0);
                }
            }
            store
        };
        let (with, without) = (fill(500), fill(0));
        let key = SeriesKey::new("up").with_label("endpoint", "7");
        let history: Vec<Sample> = with.history(&key).collect();
        assert_eq!(history.len(), window);
        assert!(
            history
                .windows(2)
                .all(|w| w[1].at - w[0].at == chrono::Duration::seconds(10))
        );
        let per_sample =
            (with.memory_bytes() - without.memory_bytes()) as f64 / (500 * window) as f64;
        assert!(per_sample < 2.0, "{per_sample} bytes a sample");
    }

    /// A store of 1 s samples for 10 minutes (601 each) holds series that report every 10 s:
    /// it keeps their last 10 minutes and, a chunk at a time, not much more.
    #[test]
    fn a_retention_keeps_the_window_of_series_that_report_less_often() {
        let (capacity, history) = (601, std::time::Duration::from_secs(600));
        let fill = |store: MetricStore| {
            let mut store = store;
            for second in 0..(3 * 3600) {
                store.record_series("source_up", &[], at(second), 1.0);
                if second % 10 == 0 {
                    store.record_series("endpoint_up", &[], at(second), (second % 7) as f64);
                }
            }
            store
        };
        let (kept, retained) = (
            fill(MetricStore::new(capacity)),
            fill(MetricStore::new(capacity).retaining(history)),
        );
        let sparse = SeriesKey::new("endpoint_up");
        assert_eq!(
            kept.history(&sparse).count(),
            capacity,
            "without a retention"
        );
        let samples: Vec<Sample> = retained.history(&sparse).collect();
        let last = 3 * 3600 - 10;
        let window: Vec<Sample> = kept
            .history(&sparse)
            .filter(|s| s.at >= at(last - 600))
            .collect();
        assert!(
            samples.ends_with(&window),
            "the last 10 minutes are all there"
        );
        assert!(samples.len() <= 61 + 2 * 151, "{} samples", samples.len());
        let dense = SeriesKey::new("source_up");
        assert_eq!(
            retained.history(&dense).count(),
            capacity,
            "a 1 s series keeps them all"
        );
        assert!(retained.memory_bytes() < kept.memory_bytes());
    }

    #[test]
    fn lookups_ignore_label_order_and_never_invent_series() {
        let mut store = MetricStore::new(10);
        let id = store.intern("container_up", &[("engine", "local"), ("container", "web")]);
        assert_eq!(
            store.intern("container_up", &[("container", "web"), ("engine", "local")]),
            id
        );
        assert_eq!(
            store.series_id("container_up", &[("container", "web"), ("engine", "local")]),
            Some(id)
        );
        assert_eq!(
            store.series_id("container_up", &[("container", "web")]),
            None
        );
        assert_eq!(
            store.series_id("container_up", &[("container", "web"), ("engine", "web")]),
            None
        );
        assert_eq!(store.series_id("container_down", &[]), None);
        assert_eq!(
            store.series_id("container_up", &[("x", "web"), ("engine", "local")]),
            None
        );
        let labels: Vec<_> = store.labels(id).collect();
        assert_eq!(labels, [("container", "web"), ("engine", "local")]);
        let key = SeriesKey::new("container_up")
            .with_label("engine", "local")
            .with_label("container", "web");
        assert_eq!(store.key(id), Some(key.clone()));
        assert_eq!(store.latest(&key), None, "interned, not yet recorded");

        store.record(key.clone(), at(0), 1.0);
        assert_eq!(store.latest_id(id), Some(1.0));
        assert_eq!(store.len(), 1);

        let twice = SeriesKey::new("x")
            .with_label("a", "1")
            .with_label("a", "1");
        let once_each = SeriesKey::new("x")
            .with_label("a", "1")
            .with_label("a", "2");
        store.record(twice.clone(), at(0), 2.0);
        store.record(once_each.clone(), at(0), 3.0);
        assert_eq!(store.latest(&twice), Some(2.0));
        assert_eq!(store.latest(&once_each), Some(3.0));
        assert_eq!(
            store.series_id("x", &[("a", "2"), ("a", "1")]),
            store.series_id("x", &[("a", "1"), ("a", "2")])
        );
        assert_eq!(store.series_id("x", &[("a", "1")]), None);
    }

    #[test]
    fn select_finds_every_series_of_a_name_whose_labels_match() {
        let mut store = MetricStore::new(10);
        for host in ["db-01", "db-02", "web-01"] {
            for mount in ["/", "/var"] {
                store.record_series("disk", &[("host", host), ("mount", mount)], at(0), 1.0);
            }
            store.record_series("up", &[("host", host)], at(0), 1.0);
        }
        let keys = |matchers: &[Matcher<'_>]| -> Vec<String> {
            store
                .select("disk", matchers)
                .filter_map(|id| store.key(id))
                .map(|key| key.to_string())
                .collect()
        };
        assert_eq!(keys(&[]).len(), 6);
        assert_eq!(
            keys(&[Matcher::Glob("host", "db-*"), Matcher::Eq("mount", "/")]),
            [
                "disk{host=\"db-01\",mount=\"/\"}",
                "disk{host=\"db-02\",mount=\"/\"}"
            ]
        );
        assert_eq!(
            keys(&[
                Matcher::NotEq("host", "db-01"),
                Matcher::NotEq("mount", "/")
            ]),
            [
                "disk{host=\"db-02\",mount=\"/var\"}",
                "disk{host=\"web-01\",mount=\"/var\"}"
            ]
        );
        assert!(keys(&[Matcher::Eq("host", "nowhere")]).is_empty());
        assert_eq!(store.select("nothing", &[]).count(), 0);
        assert_eq!(store.select("up", &[Matcher::Eq("mount", "")]).count(), 3);
    }

    #[test]
    fn the_series_version_changes_with_the_set_of_series_alone() {
        let mut store = MetricStore::new(10);
        let empty = store.series_version();
        let a = store.record_series("a", &[("x", "1")], at(0), 1.0);
        let one = store.series_version();
        assert_ne!(one, empty, "a new series");
        store.record_id(a, at(1), 2.0);
        store.record_series("a", &[("x", "1")], at(2), 3.0);
        store.forget_older_than(at(0));
        assert_eq!(store.series_version(), one, "samples, nothing forgotten");
        let copy = store.clone();
        assert_eq!(copy.series_version(), one, "an unchanged clone");
        assert_ne!(
            MetricStore::new(10).series_version(),
            empty,
            "another store"
        );
        store.forget_older_than(at(5));
        assert_ne!(store.series_version(), one, "a series forgotten");
        assert_ne!(store.series_version(), empty, "never handed out twice");
    }

    #[test]
    fn series_recorded_together_share_one_timeline() {
        let mut store = MetricStore::new(601);
        for second in 0..2000 {
            for name in ["a", "b", "c"] {
                store.record_series(name, &[], at(second), 1.0);
            }
            // A second source on its own clock, half a second later.
            store.record_series(
                "d",
                &[],
                at(second) + chrono::Duration::milliseconds(500),
                1.0,
            );
        }
        assert_eq!(store.timelines.len(), 2);
        store.forget_older_than(at(5000));
        assert!(store.is_empty());
        assert_eq!(
            store.timelines.len(),
            0,
            "the last series took its timeline with it"
        );
        assert_eq!(store.symbols.get("a"), None, "and its name");
    }

    #[test]
    fn labels_are_order_independent_and_displayed() {
        let a = SeriesKey::new("x")
            .with_label("b", "2")
            .with_label("a", "1");
        let b = SeriesKey::new("x")
            .with_label("a", "1")
            .with_label("b", "2");
        assert_eq!(a, b);
        assert_eq!(a.to_string(), "x{a=\"1\",b=\"2\"}");
    }

    #[test]
    fn stale_series_are_forgotten() {
        let mut store = MetricStore::new(10);
        store.record(SeriesKey::new("old"), at(0), 1.0);
        store.record(SeriesKey::new("new"), at(100), 1.0);
        store.forget_older_than(at(50));
        assert_eq!(store.len(), 1);
        assert_eq!(store.latest(&SeriesKey::new("new")), Some(1.0));
    }

    /// The store against the plain one it replaces, over random reports: sources on their own
    /// clocks, series that skip reports, move between sources, record twice at one instant or go
    /// back in time, and are forgotten.
    #[test]
    fn behaves_like_a_ring_of_samples_per_series() {
        for seed in 0..40 {
            let mut rng = Rng(seed);
            let capacity = 2 + rng.below(40) as usize;
            let mut store = MetricStore::new(capacity);
            let mut model: BTreeMap<SeriesKey, VecDeque<Sample>> = BTreeMap::new();
            let keys: Vec<SeriesKey> = (0..12)
                .map(|i| SeriesKey::new(&format!("s{}", i % 4)).with_label("i", &i.to_string()))
                .collect();
            let mut clocks = [0i64; 3];
            for round in 0..600 {
                let source = rng.below(3) as usize;
                clocks[source] += match rng.below(20) {
                    0 => 0,
                    1 => -(rng.below(5_000) as i64),
                    _ => 1_000 + rng.below(3) as i64,
                };
                let when =
                    at(0) + chrono::Duration::milliseconds(clocks[source] + source as i64 * 7);
                for key in &keys {
                    if rng.below(4) == 0 {
                        continue;
                    }
                    let value = match rng.below(4) {
                        0 => 1.0,
                        1 => f64::from_bits(rng.next_u64()),
                        _ => rng.below(100) as f64 / 4.0,
                    };
                    store.record(key.clone(), when, value);
                    let ring = model.entry(key.clone()).or_default();
                    if ring.len() == capacity {
                        ring.pop_front();
                    }
                    ring.push_back(Sample { at: when, value });
                }
                if rng.below(50) == 0 {
                    let before = when - chrono::Duration::seconds(rng.below(5) as i64);
                    store.forget_older_than(before);
                    model.retain(|_, ring| ring.back().is_some_and(|s| s.at >= before));
                }
                assert_eq!(store.len(), model.len(), "seed {seed}");
                for (key, ring) in model.iter().filter(|_| round % 10 == 0) {
                    let history: Vec<Sample> = store.history(key).collect();
                    let expected: Vec<Sample> = ring.iter().copied().collect();
                    assert_eq!(history.len(), expected.len(), "seed {seed} {key}");
                    for (got, want) in history.iter().zip(&expected) {
                        assert_eq!(got.at, want.at, "seed {seed} {key}");
                        assert_eq!(
                            got.value.to_bits(),
                            want.value.to_bits(),
                            "seed {seed} {key}"
                        );
                    }
                }
                for (key, ring) in &model {
                    assert_eq!(
                        store.latest(key).map(f64::to_bits),
                        ring.back().map(|s| s.value.to_bits()),
                        "seed {seed} {key}"
                    );
                }
            }
            let copy = store.clone();
            assert_eq!(copy, store);
        }
    }

    #[test]
    fn stores_are_equal_by_content_not_layout() {
        let mut one = MetricStore::new(10);
        let mut other = MetricStore::new(10);
        one.record_series("a", &[("x", "1")], at(0), 1.0);
        one.record_series("b", &[], at(0), 2.0);
        other.record_series("b", &[], at(0), 2.0);
        other.record_series("a", &[("x", "1")], at(0), 1.0);
        assert_eq!(one, other);
        other.record_series("b", &[], at(1), 2.0);
        assert_ne!(one, other);
    }
}
