//! The metric store: named series with labels, each keeping its newest `capacity` samples.
//!
//! Layout, for a fleet of series in little memory (see `docs/architecture.md`):
//! - `symbols`: names, label keys and values interned once; a series is a [`SeriesId`].
//! - `index`: series by an order-independent hash of name and labels (lookups never allocate),
//!   and every series of a name for [`MetricStore::select`].
//! - `timeline`: the timestamps of one report, stored once for every series it recorded.
//! - `series` and `xor`: each series' values, Gorilla XOR-compressed in chunks (an unchanged value
//!   costs a bit), whole chunks dropped once out of the window, the latest value at hand.
//! - the store's own work, a file each: `identity` (which series it holds: found, created,
//!   forgotten), `record` (samples in), `read` (values, histories and selections out) and
//!   `memory` (what it costs).
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

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};

use chrono::{DateTime, Utc};

mod bits;
mod identity;
mod index;
mod memory;
mod query;
mod read;
mod record;
mod series;
mod symbols;
mod timeline;
mod xor;

use index::SeriesIndex;
pub use query::Matcher;
pub use series::History;
use series::Series;
use symbols::Symbols;
use timeline::Timelines;

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

    pub fn len(&self) -> usize {
        self.series.len() - self.free.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Every series the store holds, in the order they were made.
    pub fn series_ids(&self) -> impl Iterator<Item = SeriesId> + '_ {
        self.series
            .iter()
            .enumerate()
            .filter(|(_, series)| series.is_some())
            .map(|(index, _)| SeriesId(index as u32))
    }

    fn get(&self, id: SeriesId) -> Option<&Series> {
        self.series.get(id.0 as usize)?.as_ref()
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    pub(super) fn at(second: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(1_700_000_000 + second, 0)
            .single()
            .unwrap_or_default()
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
