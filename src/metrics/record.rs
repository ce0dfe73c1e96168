//! Recording samples: each series keeps its newest `capacity`, and the series of one report
//! share its timestamps on a timeline.

use chrono::{DateTime, Utc};

use super::timeline::{Slot, Timelines};
use super::{MetricStore, SeriesId, SeriesKey};

impl MetricStore {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::Sample;
    use crate::metrics::tests::at;
    use crate::metrics::xor::tests::Rng;
    use std::collections::{BTreeMap, VecDeque};

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
}
