//! What the store costs: the heap bytes of its samples, timestamps, symbols and indexes.

use std::collections::HashMap;
use std::mem::size_of;

use hashbrown::HashTable;

use super::MetricStore;
use super::series::Series;

impl MetricStore {
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

pub(super) fn hash_table_bytes<T>(table: &HashTable<T>) -> usize {
    table_bytes(table.capacity(), size_of::<T>())
}

pub(super) fn hash_map_bytes<K, V>(map: &HashMap<K, V>) -> usize {
    table_bytes(map.capacity(), size_of::<(K, V)>())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::SeriesKey;
    use crate::metrics::tests::at;

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
}
