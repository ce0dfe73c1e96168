//! Which series the store holds: each found by its name and labels without allocating,
//! created when first named, forgotten once stale; every change to the set gives the store a
//! fresh [`SeriesVersion`].

use chrono::{DateTime, Utc};

use super::index::{add_label, finish_hash, identity_hash};
use super::series::Series;
use super::symbols::Symbol;
use super::{MetricStore, SeriesId, SeriesVersion};

impl MetricStore {
    /// The series `name` with exactly `labels`, in any order. Never allocates.
    pub fn series_id(&self, name: &str, labels: &[(&str, &str)]) -> Option<SeriesId> {
        self.find(name, labels.iter().copied())
    }

    /// The series `name` with exactly `labels`, created (without samples) if new.
    pub fn intern(&mut self, name: &str, labels: &[(&str, &str)]) -> SeriesId {
        self.find_or_create(name, labels.iter().copied())
    }

    fn hash_of(&self, series: &Series) -> u64 {
        identity_hash(series.name, series.labels.iter().copied())
    }

    pub(super) fn find<'l>(
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

    pub(super) fn find_or_create<'l>(
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
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::SeriesKey;
    use crate::metrics::tests::at;

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
    fn stale_series_are_forgotten() {
        let mut store = MetricStore::new(10);
        store.record(SeriesKey::new("old"), at(0), 1.0);
        store.record(SeriesKey::new("new"), at(100), 1.0);
        store.forget_older_than(at(50));
        assert_eq!(store.len(), 1);
        assert_eq!(store.latest(&SeriesKey::new("new")), Some(1.0));
    }
}
