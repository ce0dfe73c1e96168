//! The metric store: named series with labels, each a bounded ring of timestamped samples.
//!
//! Naming scheme: `<source>.<subsystem>.<measure>[_<unit>]`, lower snake case, dot-separated,
//! with labels for the instance. The unit is in the name when it is not obvious
//! (`_percent`, `_bytes`, `_bytes_per_second`, `_seconds`). Examples:
//!
//! | series | labels |
//! |---|---|
//! | `system.cpu.percent` | |
//! | `system.cpu.core_percent` | `core="0"` |
//! | `system.load.1m`, `system.load.5m`, `system.load.15m` | |
//! | `system.memory.used_percent`, `system.memory.used_bytes` | |
//! | `system.swap.used_percent` | |
//! | `system.disk.used_percent` | `mount="/"` |
//! | `system.net.rx_bytes_per_second`, `system.net.tx_bytes_per_second` | `iface="eth0"` |
//!
//! Later sources follow the same shape (`container.cpu.percent{engine,container}`,
//! `endpoint.latency_seconds{endpoint}`), and alert rules name series by this scheme.

use std::collections::{BTreeMap, VecDeque};
use std::fmt;

use chrono::{DateTime, Utc};

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

#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    pub at: DateTime<Utc>,
    pub value: f64,
}

/// All series, each keeping at most `capacity` samples (history window / refresh).
#[derive(Debug, Clone, PartialEq)]
pub struct MetricStore {
    capacity: usize,
    series: BTreeMap<SeriesKey, VecDeque<Sample>>,
}

impl MetricStore {
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity: capacity.max(2),
            series: BTreeMap::new(),
        }
    }

    pub fn capacity(&self) -> usize {
        self.capacity
    }

    pub fn record(&mut self, key: SeriesKey, at: DateTime<Utc>, value: f64) {
        let ring = self.series.entry(key).or_default();
        if ring.len() == self.capacity {
            ring.pop_front();
        } else if ring.len() == ring.capacity() {
            // Grow with what is kept, doubling but never past the window: a long history costs
            // memory only once it has been sampled.
            ring.reserve_exact(ring.len().max(4).min(self.capacity - ring.len()));
        }
        ring.push_back(Sample { at, value });
    }

    pub fn latest(&self, key: &SeriesKey) -> Option<f64> {
        self.series.get(key)?.back().map(|s| s.value)
    }

    /// Oldest first.
    pub fn history(&self, key: &SeriesKey) -> impl DoubleEndedIterator<Item = &Sample> {
        self.series.get(key).into_iter().flatten()
    }

    /// Drops series whose newest sample is older than `before` (a disk unmounted, an interface gone).
    pub fn forget_older_than(&mut self, before: DateTime<Utc>) {
        self.series
            .retain(|_, ring| ring.back().is_some_and(|s| s.at >= before));
    }

    pub fn len(&self) -> usize {
        self.series.len()
    }

    /// Samples the store has memory for, over every series.
    pub fn allocated_samples(&self) -> usize {
        self.series.values().map(VecDeque::capacity).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.series.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(second: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(1_700_000_000 + second, 0)
            .single()
            .unwrap_or_default()
    }

    #[test]
    fn rings_are_bounded_and_keep_the_newest() {
        let mut store = MetricStore::new(3);
        let key = SeriesKey::new("system.cpu.percent");
        for i in 0..5 {
            store.record(key.clone(), at(i), i as f64);
        }
        let values: Vec<f64> = store.history(&key).map(|s| s.value).collect();
        assert_eq!(values, [2.0, 3.0, 4.0]);
        assert_eq!(store.latest(&key), Some(4.0));
    }

    #[test]
    fn memory_grows_with_what_is_kept_never_past_the_window() {
        let mut store = MetricStore::new(86_400);
        let key = SeriesKey::new("system.cpu.percent");
        for i in 0..3 {
            store.record(key.clone(), at(i), 1.0);
        }
        assert!(
            store.allocated_samples() < 16,
            "{}",
            store.allocated_samples()
        );

        let mut store = MetricStore::new(601);
        for i in 0..2000 {
            store.record(key.clone(), at(i), 1.0);
        }
        assert_eq!(store.history(&key).count(), 601);
        assert!(
            (601..=640).contains(&store.allocated_samples()),
            "{}",
            store.allocated_samples()
        );
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
}
