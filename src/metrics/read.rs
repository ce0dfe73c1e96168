//! Reading the store: a series' newest value and its history, its name and labels, and every
//! series of a name whose labels match.

use super::query::Matcher;
use super::series::History;
use super::{MetricStore, SeriesId, SeriesKey};

impl MetricStore {
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
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::tests::at;

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
}
